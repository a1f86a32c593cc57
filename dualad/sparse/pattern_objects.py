"""Object arrays of pattern values, in a Hessian detection: ``np.asarray(x)`` in f.

Code written for plain arrays converts its inputs (``x = np.asarray(x)`` in
``scipy.optimize.rosen``). While a Hessian detection runs (``dualad.sparse.curvature``),
``np.asarray`` of a pattern array gives an object array of its entries as 0-d pattern
arrays, each with its row of dependence: NumPy then computes element by element through
their operators and ufunc methods, and each of those operations records its
second-order pairs as an array's would. Wherever such an object array meets dualad's
own pattern operations (a ufunc, an array function, an operator next to a pattern array)
it is first stacked back into one pattern array (``converted``), so no dependence is
read as a constant. Outside a Hessian detection ``np.asarray`` of a pattern still refuses
(a first-order detection's scalars are duals, whose object arrays would not record).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dualad.arrays.objects import _install_object_loop_methods
from dualad.sparse import curvature, pattern_elementwise
from dualad.sparse.patterns import PatternArray, refuse

__all__ = ["converted", "from_pattern_objects"]


def _as_objects(self: PatternArray, dtype: Any = None, copy: Any = None) -> np.ndarray:
    if curvature.active() is None or (dtype is not None and np.dtype(dtype) != object):
        refuse("a plain ndarray (np.asarray, an ndarray index or assignment)")
    if copy is False:
        raise ValueError("a pattern array cannot be viewed as an ndarray without a copy")
    out = np.empty(self.shape, dtype=object)
    rows = self.rows.tocsr()
    for i, index in enumerate(np.ndindex(self.shape)):
        out[index] = PatternArray(np.asarray(self.value[index]), rows[i:i + 1], self.n,
                                  self.tag, self.tangent)
    return out


def _holds_patterns(a: Any) -> bool:
    return type(a) is np.ndarray and a.dtype == object and \
        any(type(v) is PatternArray for v in a.flat)


def from_pattern_objects(a: np.ndarray) -> PatternArray:
    """An object array of 0-d pattern arrays (and numbers) as one pattern array."""
    import scipy.sparse as sp
    items = list(a.flat)
    first = next(v for v in items if type(v) is PatternArray)
    values, rows = [], []
    for v in items:
        if type(v) is PatternArray:
            if v.ndim or v.tag != first.tag:
                refuse("an object array that mixes pattern arrays of other shapes or "
                       "detections")
            values.append(v.value[()])
            rows.append(v.rows)
        elif isinstance(v, (int, float, complex, np.number)) and not isinstance(v, bool):
            values.append(v)
            rows.append(sp.csr_array((1, first.n), dtype=bool))
        else:
            refuse(f"an object array holding a {type(v).__name__} beside pattern values")
    value = np.array(values).reshape(a.shape)
    if value.dtype.kind in "iu":
        value = value.astype(float)
    return PatternArray(value, sp.vstack(rows).tocsr(), first.n, first.tag,
                        any(v.tangent for v in items if type(v) is PatternArray))


def converted(items):
    """``items`` (a tuple or list of operands, at any depth of lists and tuples) with each
    object array of pattern values stacked into one pattern array."""
    if not any(_holds_patterns(x) or isinstance(x, (list, tuple)) for x in items):
        return items
    out = [from_pattern_objects(x) if _holds_patterns(x) else
           converted(x) if isinstance(x, (list, tuple)) else x for x in items]
    return type(items)(out) if isinstance(items, tuple) else out


PatternArray.__array__ = _as_objects   # type: ignore[method-assign]
_install_object_loop_methods(PatternArray)
pattern_elementwise._convert_objects = converted
