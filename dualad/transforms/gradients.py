"""The gradient of a scalar function at one leaf (a number, a sequence of numbers or an
array), chunk by chunk: the scalar, mpmath, complex and array paths that ``grad`` and
``gradient`` (``dualad.transforms.grads``) take for each leaf."""
from __future__ import annotations

from typing import Any, Callable

import mpmath
import numpy as np

from dualad.arrays.array import DualArray
from dualad.core.rule_path import transformation_pass
from dualad.base.tags import new_tag, running
from dualad.transforms.engine import jacobian_at
from dualad.transforms.seeding import (
    _innermost, _is_complex, as_scalar, as_vector, check_chunk, is_array, is_sequence, one_like,
    pack_like, seed, tangent_of)


def gradient_leaf(f: Callable[..., Any], x, chunk_size, holomorphic, who, checked=False,
                  executor=None):
    """The gradient of ``f`` at one leaf ``x`` (a number, a sequence of numbers or an
    array): the scalar, mpmath, complex and array paths. ``checked``: f itself refuses
    an output that is not a (real) scalar."""
    if isinstance(x, (list, tuple)) and any(
            isinstance(v, (mpmath.mpf, mpmath.mpc)) for v in x):
        return _mp_gradient(f, x, chunk_size, holomorphic, who)
    if not (is_sequence(x) or is_array(x)):
        x = as_scalar(x, who)
        complex_input = _check_input(x, holomorphic, who)
        tag = new_tag()
        with transformation_pass():
            if complex_input and not holomorphic:   # two directions: along 1 and along i
                one = one_like(x)
                with running(tag):
                    y = f(seed(x, np.array([one, one * 1j]), tag))
                t = _scalar_tangent(y, tag, 2, holomorphic, who)
                g = t[0] - 1j * t[1]
                return complex(g) if isinstance(g, np.complexfloating) else g
            with running(tag):
                y = f(seed(x, one_like(x), tag))
            return _scalar_tangent(y, tag, None, holomorphic, who)
    if is_sequence(x):
        values = as_vector(x, who)  # the clear errors for bad entries
        complex_input = _check_input(values, holomorphic, who)
    else:
        if isinstance(x, np.ndarray) and x.size == 0:
            raise ValueError(f"{who}: x is empty; expected at least one number")
        complex_input = _check_input(x, holomorphic, who)

    def scalar_f(*args):
        y = f(*args)
        check_scalar(y, holomorphic, who)
        return y
    if checked:
        scalar_f = f
    if complex_input and not holomorphic:
        return _complex_gradient(scalar_f, x, values if is_sequence(x) else None, chunk_size,
                                 who)
    return jacobian_at(scalar_f, (x,), 0, (0,), False, chunk_size, who,
                       holomorphic=holomorphic, executor=executor)


def _check_input(x, holomorphic, who) -> bool:
    """Whether ``x`` is complex; ``holomorphic=True`` needs it to be (as JAX)."""
    complex_input = any(_is_complex(v) for v in x) if isinstance(x, list) else _is_complex(x)
    if holomorphic and not complex_input:
        raise TypeError(f"{who} with holomorphic=True requires complex input, got a real "
                        f"{type(x).__name__}")
    return complex_input


def _complex_gradient(scalar_f, x, values, chunk_size, who):
    """JAX's gradient of a real-valued f of complex x: ∂f/∂x - i ∂f/∂y, as the gradient
    of w -> f(x + w[:n] + i w[n:]) at w = 0, a real input of 2n entries."""
    if values is not None:   # a sequence: f receives a list
        n = len(values)

        def shifted(w):
            return scalar_f(pack_like(x, [values[i] + (w[i] + 1j * w[n + i])
                                          for i in range(n)]))
    else:
        shape = np.shape(x.value if isinstance(x, DualArray) else x)
        n = int(np.prod(shape))

        def shifted(w):
            return scalar_f(x + np.reshape(w[:n] + 1j * w[n:], shape))
    t = jacobian_at(shifted, (np.zeros(2 * n),), 0, (0,), False, chunk_size, who)
    g = t[:n] - 1j * t[n:]
    return g if values is not None else np.reshape(g, shape)


def _mp_gradient(f, x, chunk_size, holomorphic, who):
    """Sequences of mpmath numbers: multi-tangent scalar duals at the working precision
    (complex entries: directions along 1 and along i, as ``_complex_gradient``)."""
    values = as_vector(x, who)
    complex_input = _check_input(values, holomorphic, who)
    both = complex_input and not holomorphic
    n = len(values)
    chunk = n if chunk_size is None else check_chunk(chunk_size, n, who)
    out = []
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        k = stop - start
        tag = new_tag()
        basis = np.array([[mpmath.mpf(int(i == j)) for j in range(k)] for i in range(k)],
                         dtype=object)
        if both:
            basis = np.concatenate([basis, basis * mpmath.mpc(0, 1)], axis=1)
        args = [seed(v, basis[i - start], tag) if start <= i < stop else v
                for i, v in enumerate(values)]
        with transformation_pass():
            with running(tag):
                y = f(pack_like(x, args))
            t = _scalar_tangent(y, tag, basis.shape[1], holomorphic, who)
        if both:
            t = [t[j] - mpmath.mpc(0, 1) * t[k + j] for j in range(k)]
        out.extend(list(t))
    return out


def check_scalar(y, holomorphic, who):
    """``y`` must be a scalar, and real unless ``holomorphic``."""
    if isinstance(y, (list, tuple, dict)) or (isinstance(y, (np.ndarray, DualArray))
                                              and np.ndim(y.value if isinstance(y, DualArray)
                                                          else y) > 0):
        shape = f" of shape {np.shape(_innermost(y))}" if is_array(y) else ""
        raise TypeError(f"{who}: f must return a scalar, got {type(y).__name__}{shape}; use "
                        "jacfwd/jacobian for vector outputs")
    if not holomorphic and _is_complex(y):
        v = _innermost(y)
        raise TypeError(f"{who} requires a real-valued f, but f returned a complex number "
                        f"({type(v).__name__} {v!r:.40}). For the complex derivative of a "
                        "holomorphic f pass holomorphic=True; for a complex-valued f use "
                        "jacfwd or jvp (np.real or abs(...)**2 make a real objective)")


def _scalar_tangent(y, tag, directions, holomorphic, who):
    check_scalar(y, holomorphic, who)
    return tangent_of(y, tag, who, directions)


def gradient_in(f: Callable[..., Any], argnums: int,
                holomorphic: bool = False) -> Callable[..., Any]:
    """The function of all of f's arguments returning its gradient in argument argnums."""
    def grad_in_x(*args):
        def f_of_x(x):
            call = list(args)
            call[argnums] = x
            return f(*call)
        return gradient_leaf(f_of_x, args[argnums], None, holomorphic, "hessian")
    return grad_in_x
