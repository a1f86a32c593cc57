"""Arrays whose elements are duals: NumPy object arrays of scalar ``Dual``\\ s.

Code written for plain arrays builds arrays from numbers (``np.array([x[0], x[1]**2])``)
and converts its inputs (``x = np.asarray(x)`` in SciPy). NumPy can hold duals only as
objects, so that is what both give: ``np.array([d1, d2])`` is an object array of the two
duals, and ``np.asarray(dual_array)`` an object array of its entries, each a scalar
``Dual`` with its part of the tangent (ForwardDiff's arrays of duals, in NumPy's terms).
NumPy computes on such an array element by element, calling each element's operators and,
for its math ufuncs, the method of the ufunc's name (``d.sin()``): every ufunc of the
rule table is such a method on ``Dual`` (installed here), so the derivative is carried,
never dropped. A cast to a numeric dtype calls ``float()`` on each element, which refuses.

Object arrays are slow (a Python call per element), so wherever dualad sees one among
the arguments of a ufunc or array function next to its own duals it converts it back to
a ``DualArray`` (``from_objects``); a transformation reads the tangents out of an object
array its function returned.

>>> import numpy as np, dualad as ad
>>> ad.jacfwd(lambda x: np.array([x[0], x[1] ** 2]))(np.array([1.0, 3.0]))
array([[1., 0.],
       [0., 6.]])
"""
from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import numpy as np

from dualad.arrays.array import DualArray, _make_array, _primal
from dualad.base.carriers import Carrier
from dualad.core.number import Dual, _make
from dualad.table.rules import table

__all__ = ["from_objects", "holds_duals", "to_objects"]


def to_objects(x: DualArray) -> np.ndarray:
    """``x`` as an object array of scalar duals, each with its entry of the tangent."""
    value, tangent, tag = x.value, x.tangent, x.tag
    out = np.empty(value.shape, dtype=object)
    if x.k is None:
        for index in np.ndindex(value.shape):
            out[index] = _make(_element(value[index]), _element(tangent[index]), tag)
    else:
        for index in np.ndindex(value.shape):
            out[index] = _make(_element(value[index]), tangent[index].copy(), tag)
    return out


def _element(v):
    """An entry as a scalar: Python float/complex for float64/complex128, a scalar dual
    for an entry of a nested dual array."""
    if type(v) is np.float64:
        return float(v)
    if type(v) is np.complex128:
        return complex(v)
    if isinstance(v, np.ndarray):
        return v[()]
    return v


def holds_duals(a) -> bool:
    """Whether ``a`` is an object array with a dual (any carrier) among its elements."""
    return (type(a) is np.ndarray and a.dtype == object and
            any(isinstance(v, Carrier) for v in a.flat))


def from_objects(a: np.ndarray):
    """The object array ``a`` as a ``DualArray`` of the outermost tag among its elements
    (the other elements are constants of it), or ``None`` where its elements are not all
    numbers and duals (``Dual``, or ``DualArray`` entries of a nested pass) with one number
    of directions: such an array stays as it is, computed on element by element."""
    flat = list(a.flat)
    tags = {v.tag for v in flat if isinstance(v, Dual)}
    if not tags or any(isinstance(v, Carrier) and not isinstance(v, Dual) for v in flat):
        return None
    tag = max(tags)
    ks = {np.shape(v.tangent)[-1] if np.ndim(v.tangent) else None
          for v in flat if isinstance(v, Dual) and v.tag == tag}
    if len(ks) != 1:
        return None
    k = ks.pop()
    values, tangents = [], []
    for v in flat:
        if isinstance(v, Dual) and v.tag == tag:
            values.append(v.value)
            tangents.append(v.tangent)
        else:
            values.append(v)
            tangents.append(None)
    value = _stacked(values, a.shape)
    if value is None:
        return None
    zero = np.zeros(() if k is None else (k,),
                    dtype=complex if np.iscomplexobj(_primal(value)) else float)
    tangent = _stacked([zero if t is None else t for t in tangents],
                       a.shape + (() if k is None else (k,)))
    return None if tangent is None else _make_array(value, tangent, tag, k)


def _stacked(items, shape):
    """Scalars (numbers, or duals of inner tags) or equal-shape arrays as one array of
    ``shape``: a plain array of numbers, or a dual array of an inner tag; None when the
    items are neither (strings, other objects, inner duals with k-tangents)."""
    if all(isinstance(v, (int, float, complex, np.number, np.ndarray)) and
           not isinstance(v, bool) for v in items):
        out = np.array(items)
        if out.dtype.kind in "iu":
            out = out.astype(float)
        return out.reshape(shape) if out.dtype.kind in "fc" else None
    if any(isinstance(v, (np.ndarray, DualArray)) for v in items):
        # k-tangents, some of them dual arrays of an inner tag (nested passes): one stack
        if all(isinstance(v, (np.ndarray, DualArray)) for v in items) and \
                len({np.shape(v) for v in items}) == 1:
            return np.stack(items).reshape(shape)
        return None
    inner = np.empty(len(items), dtype=object)
    inner[:] = items
    return from_objects(inner.reshape(shape))


def as_operand(x):
    """An object array holding duals as a ``DualArray`` where it converts; anything else
    as it is."""
    if type(x) is np.ndarray and x.dtype == object and holds_duals(x):
        converted = from_objects(x)
        return x if converted is None else converted
    return x


# --- the methods NumPy's object loops call ------------------------------------------

def _object_loop_method(ufunc):
    def method(self, *others):
        return ufunc(self, *others)
    method.__name__ = ufunc.__name__
    method.__doc__ = f"np.{ufunc.__name__} of this dual (NumPy's object arrays call it)."
    return method


def _install_object_loop_methods(cls):
    """Every NumPy ufunc of the table, as the method of its name NumPy's object loops call
    (``np.sin`` on an object array calls ``element.sin()``). Names the class has already
    (``conjugate``) are kept."""
    for ufunc in table.ufuncs:
        name = ufunc.__name__
        if isinstance(ufunc, np.ufunc) and getattr(np, name, None) is ufunc and \
                not hasattr(cls, name):
            setattr(cls, name, _object_loop_method(ufunc))


_install_object_loop_methods(Dual)


#: SciPy functions that convert their arguments with np.asarray and then fail on an
#: object array with a message about something else (scipy.special.logsumexp tests the
#: dtype for a real or complex float): converted inside one of them, a DualArray refuses
#: naming the drop-in that works. (module, function) -> the drop-in
_DROP_INS = {("scipy.special._logsumexp", "logsumexp"): "dualad.scipy.special.logsumexp",
             ("scipy.special._logsumexp", "log_softmax"): "dualad.scipy.special.log_softmax"}


def _refuse_where_a_drop_in_works(depth=6):
    frame: FrameType | None = sys._getframe(2)
    for _ in range(depth):
        if frame is None:
            return
        drop_in = _DROP_INS.get((frame.f_globals.get("__name__", ""), frame.f_code.co_name))
        if drop_in is not None:
            name = f"{frame.f_globals['__name__'].rsplit('.', 1)[0]}.{frame.f_code.co_name}"
            raise TypeError(f"{name} cannot take a DualArray (it converts it to an object "
                            f"array, which its array-API helpers do not compute on); use "
                            f"{drop_in}, the same function with tangents")
        frame = frame.f_back


def _dual_array_as_objects(self, dtype=None, copy=None):
    _refuse_where_a_drop_in_works()
    if dtype is not None and np.dtype(dtype) != object:
        raise TypeError(f"a DualArray cannot become a plain ndarray of dtype {np.dtype(dtype)}: "
                        "its tangent would be lost. Keep the computation in NumPy functions "
                        "(which accept DualArrays), use x.value for the primal, or build "
                        "results with np.zeros_like(x), np.stack or np.concatenate")
    if copy is False:
        raise ValueError("a DualArray cannot be viewed as an ndarray without a copy: "
                         "np.asarray(x) makes an object array of its entries as duals")
    return to_objects(self)


setattr(DualArray, "__array__", _dual_array_as_objects)   # (not declared: see the class)
