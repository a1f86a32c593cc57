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


def rescaled(p, vals):
    """``p[..., None] * vals`` for ``p``, a dual array of an outer differentiation, and
    ``vals`` (more than one column), a float64 array or a dual array of p's tag: the
    product rule's value ``pv vv`` and tangent ``pt vv + pv vt`` (``pt vv`` alone for a
    plain ``vals``), as the rule path forms them; None when it does not apply."""
    outer = _outer(p, np.shape(p))
    shape = np.shape(vals)
    if outer is None or len(shape) != p.ndim + 1 or shape[:-1] != p.shape or shape[-1] < 2:
        return None
    pv, pt, tag, k = outer
    pe = pv[..., None]
    if type(vals) is np.ndarray:
        if vals.dtype != _F64:
            return None
        value = pe * vals
        tangent = np.einsum("...k,...j->...jk", pt, vals)   # pt[..., None, :] * vals[..., None]
    else:
        inner = _outer(vals, shape)
        if inner is None or inner[2] != tag or inner[3] != k:
            return None
        vv, vt = inner[0], inner[1]
        value = pe * vv
        tangent = np.einsum("...k,...j->...jk", pt, vv)   # pt[..., None, :] * vv[..., None]
        tangent += pe[..., None] * vt
    if not (finite(value) and finite(tangent)):
        return None   # the rule path's lane rule (see rule_path.lanes)
    return _make_array(value, tangent, tag, k)
