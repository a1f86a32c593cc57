"""Lazy scaling: a k-tangent kept as ``offset + scale[..., None] * scale_base``.

Elementwise rules only rescale the rows of a k-tangent, so chains of them (exp, sin,
products of such) update the value-sized ``scale`` and multiply the k-wide ``scale_base``
once, when the tangent is read (``multiplied_out``); sums of such chains on one
``scale_base`` add their scales, full tangents among them gather in ``offset`` (None when
there is none). It pays on sparse Bratu, n = 10^5: 7.0 ms without, 5.0 ms with.

This module works on the parts, ``scale``, ``scale_base`` and ``offset``, of dual arrays:
of any object with those attributes and a ``tangent`` (``dualad.arrays.array.DualArray``,
which reads its tangent out through ``multiplied_out``). It builds no carrier: the fast
paths (``dualad.arrays.elementwise``) make their scaled results of the parts it returns,
``(scale, scale_base, offset)``, or take another path when it returns None.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dualad.core.rule_path import finite, lanes

_F64 = np.dtype(np.float64)


def multiplied_out(scale, scale_base, offset, k) -> Any:
    """The full k-tangent ``offset + scale[..., None] * scale_base``."""
    # scale is a product of partials: guarded should it overflow
    t = scale[..., None] * scale_base if finite(scale) else lanes(scale, scale_base, k)
    if offset is not None:
        t += offset
    return t


def parts(x) -> tuple[Any, ...]:
    """The arrays a scaled dual keeps for its tangent: (scale, scale_base[, offset])."""
    if x.offset is None:
        return x.scale, x.scale_base
    return x.scale, x.scale_base, x.offset


def negated(x) -> tuple[Any, Any, Any]:
    """The parts of ``-x``'s tangent."""
    return -x.scale, x.scale_base, None if x.offset is None else -x.offset


def scale_and_base(x) -> tuple[Any, Any]:
    """(scale, scale_base) of a k-tangent kept lazily without offset, or (None, the full
    tangent)."""
    if x.scale is not None and x.offset is None:
        return x.scale, x.scale_base
    return None, x.tangent


def rescaled(p, x, own=False) -> tuple[Any, Any, Any]:
    """The parts of a tangent ``p[..., None] * x.tangent`` (p of the value's shape;
    ``own``: p is a float64 temporary of the caller's, to be written over)."""
    scale, scale_base = scale_and_base(x)
    if scale is not None:
        p = np.multiply(p, scale, out=p) if own and scale.dtype == _F64 else p * scale
    return p, scale_base, None


def binary(form, a, b, va, vb, ans, a_dual, b_dual) -> tuple[Any, Any, Any] | None:
    """The parts of a binary fast path's tangent (``form``: "sum", "difference",
    "product" or "quotient", see ``dualad.arrays.ufunc_rules``) when its operands' tangents
    are scaled on one base: value-sized work only; None when they are not."""
    if form in ("sum", "difference") and a_dual and b_dual:
        return _sum(a, b, form == "difference")
    sa, base_a = scale_and_base(a) if a_dual else (None, None)
    sb, base_b = scale_and_base(b) if b_dual else (None, None)
    if a_dual and b_dual:
        if sa is None or sb is None or base_a is not base_b:
            return None
        scale = sa * vb + va * sb if form == "product" else (sa - ans * sb) / vb
        return scale, base_a, None
    if a_dual:   # dual (op) constant
        if form in ("sum", "difference"):
            return None if a.scale is None else (a.scale, a.scale_base, a.offset)
        factor = vb if form == "product" else 1 / vb
    else:        # constant (op) dual
        if form in ("sum", "difference"):
            if b.scale is None:
                return None
            return (b.scale, b.scale_base, b.offset) if form == "sum" else negated(b)
        factor = va if form == "product" else -ans / vb
    scale, scale_base = (sa, base_a) if a_dual else (sb, base_b)
    if form == "quotient" and not finite(factor):   # 1/vb or -ans/vb: see lanes_safe
        return None
    if type(factor) is np.ndarray:
        if factor.shape != ans.shape:
            return None
    elif scale is None:
        return None   # a full tangent times a number: one cheap pass, no scale needed
    return factor if scale is None else scale * factor, scale_base, None


def _sum(a, b, negate) -> tuple[Any, Any, Any] | None:
    """a ± b where one or both tangents are scaled: the scales add, full parts gather in
    the offset, and the k-wide multiplication waits until the tangent is read."""
    if a.scale is None and b.scale is None:
        return None
    if a.scale is not None and b.scale is not None and a.scale_base is not b.scale_base:
        return None
    lazy_is_b = a.scale is None   # by position: a and b may be one object (y - y)
    lazy, other = (b, a) if lazy_is_b else (a, b)
    sign = -1 if (negate and lazy_is_b) else 1
    other_sign = -1 if (negate and not lazy_is_b) else 1
    scale = lazy.scale if sign == 1 else -lazy.scale
    offsets = [] if lazy.offset is None else [lazy.offset if sign == 1 else -lazy.offset]
    if other.scale is not None:   # both scaled on one base
        scale = scale + other_sign * other.scale
        if other.offset is not None:
            offsets.append(other.offset if other_sign == 1 else -other.offset)
    else:
        t = other.tangent
        offsets.append(-t if other_sign == -1 else t)
    offset = None
    for o in offsets:
        offset = o if offset is None else offset + o
    return scale, lazy.scale_base, offset
