"""Gathered columns: shifted ranges (``np.sum`` of a gathered array by slices), merges.

A gathered tangent (``dualad.arrays.gathered``) keeps, per entry i of the flattened value,
p columns ``cols[i, j]`` and their values ``vals[i, j]``. Seeding the identity gives
``cols[i, 0] = i``, and slices and shifts (``x[1:] - x[:-1]``) keep every column a
shifted range, ``cols[i, j] = i + offset_j``. The sum of such an array's k-tangent is then
p slice additions, ``out[offset_j:offset_j + m] += vals[:, j]``, instead of one
``bincount`` over m·p (times the outer directions, inside a Hessian) indices built for it.

The columns are added in the order in which ``bincount`` would add their entries into
each output entry (largest offset first; see ``scatter_ranges``), so the sum is the same,
bit for bit. ``merge_columns`` adds a column of one operand into an equal column of the
other (a sum of two gathered operands with more columns than are kept).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dualad.arrays.array import DualArray, _make_array
from dualad.base.buffers import lane_major

_F64 = np.dtype(np.float64)
#: fewest rows for which the ranges are looked for (below, one bincount costs less)
MIN_ROWS = 256


def range_offsets(cols) -> list[int] | None:
    """``offset_j`` when every column ``cols[:, j]`` (an (m, p) integer array) is the
    range ``offset_j, ..., offset_j + m - 1``; else None."""
    m = cols.shape[0]
    if cols.dtype.kind not in "iu" or m < MIN_ROWS:
        return None
    if not (np.subtract(cols[1:], cols[:-1]) == 1).all():   # each column steps by 1
        return None
    return [int(o) for o in cols[0]]


def scatter_ranges(offsets, vals, size):
    """``out[offset_j + i] += vals[i, j]`` for an out of ``size`` rows, ``vals`` an (m, p)
    float64 ndarray or a dual array (of an outer differentiation) around one, its tangent
    full: the tangent scattered the same way. None when ``vals`` is of another kind or an
    offset reaches outside ``out``."""
    m = np.shape(vals)[0]
    if min(offsets) < 0 or max(offsets) + m > size:
        return None
    if type(vals) is np.ndarray:
        if vals.dtype != _F64:
            return None
        return _added(offsets, vals, size)
    if type(vals) is not DualArray or vals.cols is not None or \
            type(vals.value) is not np.ndarray or vals.value.dtype != _F64:
        return None
    tangent = vals.tangent
    if type(tangent) is not np.ndarray or tangent.dtype != _F64:
        return None
    return _make_array(_added(offsets, vals.value, size), _added(offsets, tangent, size),
                       vals.tag, vals.k)


def _added(offsets, vals, size):
    out = np.zeros((size,) + vals.shape[2:], order="F" if lane_major(vals) else "C")
    m = vals.shape[0]
    # bincount adds the entries of row i before those of row i + 1: into one output
    # entry, a column of larger offset (a smaller i) first, equal offsets in column order
    for j in sorted(range(len(offsets)), key=lambda j: (-offsets[j], j)):
        o = offsets[j]
        out[o:o + m] += vals[:, j]
    return out


def merge_columns(ca, sa, cb, sb):
    """(cols, vals) of two gathered operands' sum, a column of b that equals one of a
    (entry by entry) added into it rather than appended."""
    a_cols = [ca[..., i] for i in range(ca.shape[-1])]
    a_vals = [sa[..., i] for i in range(ca.shape[-1])]
    extra = []
    for j in range(cb.shape[-1]):
        c = cb[..., j]
        for i, ci in enumerate(a_cols):
            if (ci == c).all():
                a_vals[i] = a_vals[i] + sb[..., j]
                break
        else:
            extra.append(j)
    cols = np.stack(a_cols + [cb[..., j] for j in extra], axis=-1)
    return cols, np.stack(a_vals + [sb[..., j] for j in extra], axis=-1)
