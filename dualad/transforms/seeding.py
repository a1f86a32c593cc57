"""Seeding inputs with tangents, reading tangents off outputs, and checking input.

A transformation draws a fresh tag, seeds its inputs as duals of that tag (the seed is
the tangent each input starts with: 1 for a derivative, a basis direction e_j for a
Jacobian column), runs the user's function, and reads the tangent of that tag off the
result. Outputs that do not depend on the inputs have tangent 0.
"""
from __future__ import annotations

import decimal
import numbers
import operator
from typing import Any, Callable

import mpmath
import numpy as np

from dualad.arrays.array import DualArray, wrap
from dualad.arrays.objects import from_objects, holds_duals
from dualad.base.carriers import Carrier
from dualad.core.rule_path import to_mpmath
from dualad.base.errors import check_callable, plain_errors  # noqa: F401  (used by the front ends)
from dualad.core.number import Dual, _make
from dualad.base.tags import escaped, finished

_MP = (mpmath.mpf, mpmath.mpc)


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"ndarray of shape {x.shape} and dtype {x.dtype}"
    return f"{type(x).__name__} {x!r:.60}"


def as_scalar(x, who: str, name: str = "x"):
    """A primal scalar: ints and bools promoted to float."""
    cls = type(x)
    if cls is float or cls is complex:
        return x
    if cls is int or cls is bool:
        return float(x)
    if isinstance(x, (Dual,) + _MP) or type(x).__name__ == "Jet" and isinstance(x, Carrier):
        return x
    if isinstance(x, np.generic) and isinstance(x, np.number):
        return x if isinstance(x, np.inexact) else float(x)
    if isinstance(x, np.ndarray) and x.ndim == 0:
        return as_scalar(x[()], who, name)
    if isinstance(x, (numbers.Real, decimal.Decimal)):
        return float(x)
    if isinstance(x, numbers.Number):
        # a numbers.Complex, which has __complex__ (typeshed's numbers.Number declares none)
        return complex(x)  # type: ignore[call-overload]
    raise TypeError(f"{who}: {name} must be a number (int, float, complex, mpmath.mpf/mpc "
                    f"or a NumPy scalar), got {_describe(x)}")


def is_sequence(x) -> bool:
    """A list or tuple of numbers (the scalar path: f receives a list of duals)."""
    return isinstance(x, (list, tuple))


def is_array(x) -> bool:
    """An ndarray, or an array dual (DualArray, or a pattern dual during detection)."""
    return isinstance(x, np.ndarray) or (isinstance(x, Carrier) and not isinstance(x, Dual))


def as_array(x, who: str, name: str = "x") -> Any:
    """A float (or complex) ndarray: ints and bools promoted (an array dual as it is)."""
    if isinstance(x, Carrier) and not isinstance(x, Dual):   # an array dual of an outer level
        return x
    arr = np.asarray(x)
    if arr.dtype.kind in "biu":
        return arr.astype(float)
    if arr.dtype.kind not in "fc":
        raise TypeError(f"{who}: {name} must hold real or complex numbers, got dtype "
                        f"{arr.dtype}")
    return arr


def as_vector(x, who: str, name: str = "x") -> list:
    """The entries of a 1-D sequence of numbers, each promoted."""
    if isinstance(x, np.ndarray):
        if x.ndim != 1:
            raise ValueError(f"{who}: {name} must be a number or a 1-D sequence of numbers, "
                             f"got an ndarray of shape {x.shape}")
        if x.dtype.kind not in "biufc" and x.dtype != object:
            raise TypeError(f"{who}: {name} must hold numbers, got dtype {x.dtype}")
        x = x.tolist()
    if not isinstance(x, (list, tuple)):
        raise TypeError(f"{who}: {name} must be a number or a sequence of numbers, got "
                        f"{_describe(x)}")
    if len(x) == 0:
        raise ValueError(f"{who}: {name} is empty; expected at least one number")
    return [as_scalar(v, who, f"{name}[{i}]") for i, v in enumerate(x)]


def one_like(x):
    return mpmath.mpf(1) if isinstance(_innermost(x), _MP) else 1.0


def _innermost(x):
    while isinstance(x, (Dual, DualArray)):
        x = x.value
    return x


def seed(value, tangent, tag: int) -> Dual:
    """A dual of ``tag``; an mpmath value gets an mpmath tangent, so that tangent
    arithmetic (``t / 3``, ``t * 0.1``) runs at the working precision, not in double."""
    if isinstance(_innermost(value), _MP):
        tangent = _mp_tangent(tangent)
    return _make(value, tangent, tag)


def _mp_tangent(t):
    """A tangent (a number, or a 1-D array of k directions) in mpmath numbers, exactly."""
    if isinstance(t, np.ndarray) and t.dtype != object:
        return np.array([to_mpmath(v) for v in t.tolist()], dtype=object)
    return to_mpmath(t)


def pack_like(template, items: list):
    """``items`` in the container type of ``template`` (list, tuple, or list for arrays)."""
    return tuple(items) if isinstance(template, tuple) else list(items)


# --- reading results -------------------------------------------------------------------

def _bad_output(y, who: str) -> TypeError:
    return TypeError(f"{who}: f returned {_describe(y)}; expected a number, a Dual, or a "
                     "list/tuple/dict/array of them")


def _zero(value, directions: int | None):
    if directions is not None:
        return _zeros((), directions, _is_complex(value))
    v = _innermost(value)
    if isinstance(v, _MP):
        return mpmath.mpf(0)
    return 0j if _is_complex(v) else 0.0


def _zeros(shape, directions: int | None, complex_: bool):
    shape = shape + ((directions,) if directions is not None else ())
    return np.zeros(shape, dtype=complex if complex_ else float)


def _is_complex(v) -> bool:
    v = _innermost(v)
    return isinstance(v, (complex, mpmath.mpc, np.complexfloating)) or (
        isinstance(v, np.ndarray) and v.dtype.kind == "c")


def tangent_of(y, tag: int, who: str, directions: int | None = None):
    """The tangent of tag ``tag`` in ``y`` (zero where ``y`` does not depend on it)."""
    y = _from_objects(y)
    if isinstance(y, DualArray) or isinstance(y, Dual):
        if y.tag == tag:
            return y.tangent
        if _outer(y, tag):
            if isinstance(y, Dual):
                return _zero(y.value, directions)
            return _zeros(y.shape, directions, _is_complex(y))
        # a dual of a later tag leaked out of f: read our tangent inside it
        return _rebuilt(y, tangent_of(y.value, tag, who, directions),
                        tangent_of(y.tangent, tag, who, directions))
    if _is_number(y):
        return _zero(y, directions)
    if isinstance(y, np.ndarray) and y.dtype.kind in "biufc":
        return _zeros(y.shape, directions, y.dtype.kind == "c")
    return _map_structure(lambda leaf: tangent_of(leaf, tag, who, directions), y, who)


def primal_of(y, tag: int, who: str):
    """The primal of ``y`` with respect to tag ``tag``."""
    y = _from_objects(y)
    if isinstance(y, DualArray) or isinstance(y, Dual):
        if y.tag == tag:
            return y.value
        if _outer(y, tag):
            return y
        return _rebuilt(y, primal_of(y.value, tag, who), primal_of(y.tangent, tag, who))
    if _is_number(y) or (isinstance(y, np.ndarray) and y.dtype.kind in "biufc"):
        return y
    return _map_structure(lambda leaf: primal_of(leaf, tag, who), y, who)


def strip(tree, tag, who):
    """``tree`` with the duals (and Taylor jets) of ``tag`` replaced by their primals;
    anything else (strings, objects, duals of outer passes) as it is."""
    if tag is None:
        return tree
    if type(tree).__name__ == "Jet" and isinstance(tree, Carrier):
        jet: Any = tree
        return jet.coeffs[0] if jet.tag == tag else jet
    if isinstance(tree, (Dual, DualArray)) or (type(tree) is np.ndarray
                                               and tree.dtype == object):
        return primal_of(tree, tag, who)
    if isinstance(tree, dict):
        return {k: strip(v, tag, who) for k, v in tree.items()}
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(strip(v, tag, who) for v in tree))
    if isinstance(tree, (list, tuple)):
        return type(tree)(strip(v, tag, who) for v in tree)
    return tree


def _from_objects(y):
    """An object array of duals (``np.array([d1, d2])`` in f) as the DualArray it stands
    for, so its tangents are read in one piece; anything else as it is."""
    if type(y) is np.ndarray and y.dtype == object and holds_duals(y):
        converted = from_objects(y)
        if converted is not None:
            return converted
    return y


def _outer(y, tag: int) -> bool:
    """The dual ``y`` (not of ``tag``) is of an outer pass, not a later one; refuse a finished."""
    if finished(y.tag):
        raise escaped(y.tag)
    return y.tag < tag


def _rebuilt(y, value, tangent):   # y's kind of dual, of y's tag
    if isinstance(y, DualArray):
        return wrap(value, tangent, y.tag, y.k)
    return _make(value, tangent, y.tag)


def _is_number(y) -> bool:
    return isinstance(y, (numbers.Number,) + _MP) and not isinstance(y, bool)


def _map_structure(fn: Callable[[Any], Any], y, who: str):
    if isinstance(y, tuple):
        return tuple(fn(v) for v in y)
    if isinstance(y, list):
        return [fn(v) for v in y]
    if isinstance(y, dict):
        return {k: fn(v) for k, v in y.items()}
    if isinstance(y, np.ndarray) and y.dtype == object:
        return to_array([fn(v) for v in y.flat], y.shape)
    raise _bad_output(y, who)


def to_array(items, shape=None):
    """A list of numeric leaves (numbers or equal-shape arrays) as an ndarray; leaves
    that are mpmath numbers or duals stay a list."""
    container = type(items)
    if isinstance(items, tuple):
        items = list(items)
    if not isinstance(items, list):
        return items
    items = [to_array(v) for v in items]
    if all(isinstance(v, (float, int, complex, np.ndarray, np.number)) for v in items):
        if len({np.shape(v) for v in items}) > 1:   # (w, V) of eigh: a tuple, as f returned
            return tuple(items) if issubclass(container, tuple) else items
        out = np.array(items)
        return out if shape is None else out.reshape(shape + out.shape[1:])
    return items


def check_order(n, who: str) -> int:
    try:
        order = operator.index(n)
    except TypeError:
        raise TypeError(f"{who}: n must be a non-negative integer, got "
                        f"{type(n).__name__} {n!r:.40}") from None
    if order < 0:
        raise ValueError(f"{who}: n must be a non-negative integer, got {order}")
    return order


def check_chunk_size(chunk_size, who: str) -> None:
    """Refuse a chunk_size that is not None or a positive int, whatever the input."""
    if chunk_size is None:
        return
    if isinstance(chunk_size, (bool, np.bool_)) or not isinstance(chunk_size,
                                                                  (int, np.integer)):
        raise TypeError(f"{who}: chunk_size must be a positive int or None, got "
                        f"{type(chunk_size).__name__} {chunk_size!r:.40}")
    if chunk_size < 1:
        raise ValueError(f"{who}: chunk_size must be a positive int or None, got "
                         f"{chunk_size}")


def check_flags(who: str, **flags) -> None:
    """Refuse a flag (``has_aux``, ``holomorphic``) that is not True or False: a value
    given to it by position is meant for a later argument (``hessian(f, 0, False, "auto")``
    is not ``sparsity="auto"``)."""
    for name, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{who}: {name} must be True or False, got "
                            f"{type(value).__name__} {value!r:.40}; pass the arguments after "
                            f"argnums by keyword (e.g. sparsity=...)")


def check_chunk(chunk_size, n: int, who: str) -> int:
    check_chunk_size(chunk_size, who)
    return min(int(chunk_size), n)
