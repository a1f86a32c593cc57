"""Gathered tangents around the duals of an outer differentiation: their ``vals`` products
and joins on the raw arrays.

Inside a Hessian (``hessian``: forward over a gathered gradient) every entry of a gathered
dual array carries ``vals`` of shape ``value.shape + (p,)`` that are themselves dual arrays
of the outer differentiation, with k-tangents of shape ``value.shape + (p, k)``. The rules
of ``dualad.arrays.gathered`` rescale them (``p[..., None] * vals``) and join them
(``np.concatenate``, a constant operand's columns padded with zeros) as dual arrays, by
the generic rule path: broadcasting a value-shaped partial against p columns, checking,
splitting and wrapping at each step. Here the same products and joins are written out on
the value and the tangent, the same IEEE operations in the same order (the results are
equal bit for bit); a case of another kind (complex values, a scaled or gathered
operand of the outer level, deeper nesting, an infinite or nan entry anywhere) returns
None, and the rule path takes it as before.
"""
from __future__ import annotations

import numpy as np

from dualad.arrays.array import DualArray, _make_array
from dualad.base.buffers import lane_major as _lane_major
from dualad.core.rule_path import finite

_F64 = np.dtype(np.float64)


def _outer(x, shape):
    """(value, full k-tangent, tag, k) of ``x``, a dual array around a float64 array of
    ``shape`` with a k-tangent held full or scaled (read out full, as the rule path reads
    it); None for any other kind."""
    if type(x) is not DualArray or x.cols is not None or x.k is None:
        return None
    v = x.value
    if type(v) is not np.ndarray or v.dtype != _F64 or v.shape != shape:
        return None
    t = x.tangent
    if type(t) is not np.ndarray or t.dtype != _F64:
        return None
    return v, t, x.tag, x.k


def _order(*tangents):
    """"F" (lane-major: each direction's numbers contiguous, as a sparse Hessian seeds
    them) when one of ``tangents`` is held so, else "C": results keep that layout, so that
    NumPy's loops run along the entries rather than along the few directions."""
    return "F" if any(t is not None and _lane_major(t) for t in tangents) else "C"


def rescaled(p, vals):
    """``p[..., None] * vals`` for ``p``, a dual array of an outer differentiation, and
    ``vals`` (more than one column), a float64 array or a dual array of p's tag: the
    product rule's value ``pv vv`` and tangent ``pt vv + pv vt`` (``pt vv`` alone for a
    plain ``vals``), as the rule path forms them; None when it does not apply."""
    shape = np.shape(vals)
    if len(shape) != p.ndim + 1 or shape[-1] < 2 or shape[:-1] != p.shape:
        return None
    outer = _outer(p, p.shape)
    if outer is None:
        return None
    pv, pt, tag, k = outer
    if type(vals) is np.ndarray:
        if vals.dtype != _F64:
            return None
        vv, vt = vals, None
    else:
        inner = _outer(vals, shape)
        if inner is None or inner[2] != tag or inner[3] != k:
            return None
        vv, vt = inner[0], inner[1]
    # the rule path multiplies plainly when its partials (pv, pt for p; vv for vals) are
    # finite, and applies the lane rule otherwise (see rule_path.lanes): that case is left
    # to it
    if not (finite(pv) and finite(pt) and finite(vv)):
        return None
    pe = pv[..., None]
    value = pe * vv
    # pt[..., None, :] * vv[..., None]: one product per entry, as NumPy's broadcast forms
    # it, by the loop that runs along the entries in memory
    order = _order(pt, vt)
    tangent = np.empty(shape + (k,), order=order)
    if order == "F":
        np.multiply(pt[..., None, :], np.asfortranarray(vv)[..., None], out=tangent)
    else:
        np.einsum("...k,...j->...jk", pt, vv, out=tangent)
    if vt is not None:
        tangent += pe[..., None] * vt
    return _make_array(value, tangent, tag, k)


def joined(sa, sb):
    """``np.concatenate((sa, sb), axis=-1)`` of two operands' ``vals`` (float64 arrays or
    dual arrays of one outer differentiation, at least one of them a dual), a plain
    operand's tangent columns zero, as the rule path joins them (``concatenate_jvp``), the
    tangent in its operands' layout (see ``_order``); None when it does not apply."""
    a_dual, b_dual = type(sa) is DualArray, type(sb) is DualArray
    if not (a_dual or b_dual):
        return None
    sa_shape, sb_shape = np.shape(sa), np.shape(sb)
    if len(sa_shape) != len(sb_shape) or sa_shape[:-1] != sb_shape[:-1]:
        return None
    a = _outer(sa, sa_shape) if a_dual else _plain_vals(sa)
    b = _outer(sb, sb_shape) if b_dual else _plain_vals(sb)
    if a is None or b is None:
        return None
    tag, k = (a[2], a[3]) if a_dual else (b[2], b[3])
    if a_dual and b_dual and (b[2] != tag or b[3] != k):
        return None
    q = sa_shape[-1]
    value = np.concatenate((a[0], b[0]), axis=-1)
    # a plain operand's columns: zero pages, not written
    tangent = (np.empty if a_dual and b_dual else np.zeros)(value.shape + (k,),
                                                            order=_order(a[1], b[1]))
    if a_dual:
        tangent[..., :q, :] = a[1]
    if b_dual:
        tangent[..., q:, :] = b[1]
    return _make_array(value, tangent, tag, k)


def _plain_vals(x):
    if type(x) is not np.ndarray or x.dtype != _F64:
        return None
    return x, None, None, None
