"""The ``Jet``: a truncated power series, the carrier of Taylor mode.

A ``Jet`` holds the Taylor coefficients ``x_0, x_1, ..., x_n`` of ``x(t) = sum x_k t^k``
(see ``dualad.taylor.apply`` for how rules propagate it). This module has the class
itself (coefficients, coercion of constants, conversions, comparisons, indexing) and
the helpers that read jets; the operators and NumPy's protocols that apply rules are
installed on it by ``dualad.taylor.apply``, the layer above.
"""
from __future__ import annotations

import numpy as np

from dualad.core import rule_path
from dualad.base.carriers import Carrier
from dualad.base.errors import DroppedDerivative
from dualad.taylor.recurrences import _primal, _zero_like

__all__ = ["Jet"]


class Jet(Carrier):
    """Taylor coefficients ``coeffs[k] = x^(k)(0) / k!`` of a scalar (or elementwise
    array) function of one variable, truncated after order ``len(coeffs) - 1``."""

    __slots__ = ("coeffs", "tag")

    def __init__(self, coeffs, tag=0):
        self.coeffs = list(coeffs)
        self.tag = tag

    @property
    def order(self) -> int:
        return len(self.coeffs) - 1

    @property
    def value(self):
        return self.coeffs[0]

    def __repr__(self):
        return f"Jet({self.coeffs!r})"

    def _new(self, coeffs):
        return Jet(coeffs, self.tag)

    # Python's operators: installed from the operator table by dualad.taylor.apply
    # (+ - * / ** // %, unary - + abs, the comparisons, which compare the primal)

    def __matmul__(self, other):
        return np.matmul(self, other)

    def __rmatmul__(self, other):
        return np.matmul(other, self)

    def __bool__(self):
        return bool(self.coeffs[0])

    __hash__ = None  # type: ignore[assignment]  # unhashable, as ndarray (mypy's object has one)

    def __float__(self):
        raise DroppedDerivative("float() of a Jet would drop its higher coefficients; "
                                        "use j.value")

    __int__ = __complex__ = __float__

    @property
    def real(self):
        return self._new([c.real for c in self.coeffs])

    @property
    def imag(self):
        return self._new([c.imag for c in self.coeffs])

    def conjugate(self):
        return self._new([c.conjugate() for c in self.coeffs])

    # --- NumPy: elementwise series ----------------------------------------------------

    shape = property(lambda self: np.shape(self.coeffs[0]))

    def __len__(self):
        return len(self.coeffs[0])

    def __getitem__(self, index):
        return self._new([c[index] for c in self.coeffs])

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a Jet cannot become an ndarray: its coefficients would be lost. Use "
                        "np.stack([...]) instead of np.array([...]) (as for a Dual), or j.value")

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return np.reshape(self, shape)

    def ravel(self):
        return np.ravel(self)

    def sum(self, axis=None, keepdims=False):
        return np.sum(self, axis=axis, keepdims=keepdims)

    @property
    def T(self):
        return np.transpose(self)


def _compare(op, a, b):
    """A comparison of jets compares the primals (coefficient 0), as for a dual."""
    return op(a.coeffs[0], b.coeffs[0] if type(b) is Jet else b)


def _defers(args) -> bool:
    """Whether a dual of a later differentiation (a tag above every jet's) is among
    ``args``: then the jets are constants to it, and its layer applies the function (NumPy
    asks it next), as the arithmetic operators leave it to that dual."""
    jet, other = _largest_tags(args)
    return other > jet


def _largest_tags(tree, jet=-1, other=-1):
    """(the largest tag of a jet, of any other dual) in ``tree``, lists and tuples searched."""
    for v in tree:
        if type(v) is Jet:
            jet = v.tag if v.tag > jet else jet
        elif isinstance(v, Carrier):
            other = v.tag if v.tag > other else other
        elif isinstance(v, (list, tuple)):
            jet, other = _largest_tags(v, jet, other)
    return jet, other


def _series(x, n, tag):
    if type(x) is Jet and x.tag == tag:
        return x.coeffs[:n + 1]
    return [x] + [_zero_like(_primal(x))] * n


def _to_complex(c):
    """A coefficient promoted to complex, as the cmath flavour promotes its arguments."""
    if type(c) is Jet:
        return c._new([_to_complex(v) for v in c.coeffs])
    return rule_path.to_complex(c)


def _series_of(p, order, tag):
    """``_series``, padded with zeros where a jet of ``tag`` is shorter than ``order``."""
    coeffs = _series(p, order, tag)
    return coeffs + [_zero_like(_primal(coeffs[0]))] * (order + 1 - len(coeffs))
