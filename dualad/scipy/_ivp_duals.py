"""Finding and splitting the duals in the arguments of a SciPy call (``solve_ivp``, ``quad``).

SciPy computes on plain floats, so a drop-in first finds the differentiations whose duals
reach the call (``tags_in``: in the arguments, or, through a probe call of the user's
function on plain floats, in its closure), then splits each argument at the outermost tag
into its primal and its tangent (``primal``, ``tangent``), calls SciPy on primals, and
builds the result's duals of that same tag (the caller's), so that the caller's
transformation reads its tangents off them as off any other dual.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dualad.arrays.array import DualArray, _as_operand, _make_array
from dualad.arrays.objects import from_objects
from dualad.base.carriers import Carrier
from dualad.base.tags import escaped, finished
from dualad.core.number import Dual, _make


def tags_in(x, found: set | None = None) -> set:
    """The tags of every dual in ``x`` (at any depth of nesting, in lists, tuples, dicts
    and object arrays); other objects are skipped."""
    found = set() if found is None else found
    if isinstance(x, (Dual, DualArray)):
        found.add(x.tag)
        tags_in(x.value, found)
        tags_in(x.tangent, found)
    elif isinstance(x, (list, tuple)):
        for v in x:
            tags_in(v, found)
    elif isinstance(x, dict):
        for v in x.values():
            tags_in(v, found)
    elif type(x) is np.ndarray and x.dtype == object:
        for v in x.flat:
            tags_in(v, found)
    elif isinstance(x, Carrier):
        raise TypeError(
            f"dualad.scipy: a {type(x).__name__} reached a SciPy drop-in, which follows "
            "dual numbers (Dual, DualArray) only; Taylor jets (ad.derivative with n >= 2, "
            "ad.taylor), traces and sparsity detection cannot go through SciPy's "
            "integrators. For second derivatives use ad.hessian or nest ad.derivative")
    return found


def outer_tag(found: set, who: str):
    """The outermost tag of ``found`` (the largest: the innermost differentiation
    running, whose duals hold those of the others), None when empty; a dual of a
    finished differentiation is refused."""
    for tag in found:
        if finished(tag):
            raise escaped(tag)
    return max(found) if found else None


def all_primal(x, tags):
    """``x`` with the duals of every tag in ``tags`` replaced by their primals."""
    for tag in sorted(tags, reverse=True):
        x = primal(x, tag)
    return x


def operand(x):
    """A list/tuple holding duals, or an object array of duals, as one DualArray; a plain
    list as an ndarray; anything else as it is."""
    if isinstance(x, (list, tuple)):
        x = _as_operand(x)
        return np.asarray(x) if isinstance(x, (list, tuple)) else x
    if type(x) is np.ndarray and x.dtype == object:
        converted = from_objects(x)
        return x if converted is None else converted
    return x


def primal(x, tag):
    """``x`` with the duals of ``tag`` replaced by their primals, in any structure; other
    objects as they are."""
    if isinstance(x, (Dual, DualArray)):
        if x.tag == tag:
            return x.value
        return x
    if isinstance(x, tuple):
        return tuple(primal(v, tag) for v in x)
    if isinstance(x, list):
        return [primal(v, tag) for v in x]
    if isinstance(x, dict):
        return {key: primal(v, tag) for key, v in x.items()}
    if type(x) is np.ndarray and x.dtype == object:
        converted = operand(x)
        return x if converted is x else primal(converted, tag)
    return x


def lanes(x, tag):
    """The number of directions of the duals of ``tag`` in ``x``: k, None (one direction,
    tangent of the value's shape), or "unset" when none is found."""
    if isinstance(x, DualArray):
        return x.k if x.tag == tag else lanes(x.value, tag)
    if isinstance(x, Dual):
        if x.tag == tag:
            return np.shape(x.tangent)[-1] if np.ndim(x.tangent) else None
        return lanes(x.value, tag)
    items: Any = ()
    if isinstance(x, (list, tuple)):
        items = x
    elif isinstance(x, dict):
        items = x.values()
    elif type(x) is np.ndarray and x.dtype == object:
        items = x.flat
    for v in items:
        k = lanes(v, tag)
        if k != "unset":
            return k
    return "unset"


def tangent(x, tag, K: int, who: str, name: str) -> np.ndarray:
    """The tangent of ``tag`` in the number or array ``x``, shape ``shape + (K,)`` (one
    direction is K = 1); zero where ``x`` does not carry ``tag``."""
    x = operand(x)
    if isinstance(x, (Dual, DualArray)) and x.tag == tag:
        t: Any = x.tangent if isinstance(x.tangent, Carrier) else np.asarray(x.tangent)
        return np.reshape(t, np.shape(all_primal(x.value, tags_in(x.value))) + (K,))
    value = np.asarray(all_primal(x, tags_in(x)))
    return np.zeros(value.shape + (K,), dtype=np.result_type(value.dtype, float))


def plain_value(x, who: str, name: str) -> np.ndarray:
    """``x`` (a primal) as a numeric ndarray; a dual left in it is refused by name."""
    x = operand(x)
    if isinstance(x, Carrier) or tags_in(x):
        raise TypeError(f"{who}: {name} carries a dual where a plain number was expected "
                        f"({type(x).__name__}); this is a case {who} does not differentiate")
    return np.asarray(x)


def dual_of(value, t, tag, k):
    """A dual of ``tag`` with primal ``value`` (an ndarray or a number) and tangent ``t``
    (shape ``value.shape + (K,)``; the lane axis dropped where k is None)."""
    if k is None:
        t = t[..., 0]
    if np.ndim(value) == 0:
        v = value[()] if isinstance(value, np.ndarray) else value
        v = float(v) if type(v) is np.float64 else complex(v) if type(v) is np.complex128 else v
        tt = t[()] if isinstance(t, np.ndarray) and t.ndim == 0 else t
        if type(tt) is np.float64:
            tt = float(tt)
        return _make(v, tt, tag)
    return _make_array(value, t, tag, k)


def refuse_duals(x, who: str, name: str) -> None:
    """Refuse ``x`` (an option such as rtol, or a user's jac) if it carries a dual."""
    if tags_in(x) or isinstance(x, Carrier):
        raise TypeError(f"{who}: {name} carries a dual ({type(x).__name__}); {who} "
                        f"does not differentiate with respect to {name}. Pass a plain "
                        "number or array (x.value)")
