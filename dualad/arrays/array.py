"""Array duals: NumPy programs run unchanged on ``DualArray``.

A ``DualArray`` holds a value ``ndarray`` and a tangent: of the value's shape for one
direction (``k is None``), or with a trailing axis of k directions. NumPy hands every
ufunc call to ``__array_ufunc__`` and every array function to ``__array_function__``;
ufuncs take their rule from the same table as the scalars (``dualad.table.rules``), array
functions their tangent map from the same table (``dualad.table.array_rules``). A NumPy
function without a rule raises ``TypeError`` naming it: never an object array, never a
silently dropped tangent.

Results with no axes left (``np.sum(x)``, ``x[0]`` of a vector) are scalar ``Dual``\\ s,
so scalar code (``dualad.math``) continues from them.

This module is the class: its slots, construction, the tangent in the form it is held,
conversions, copies, indexing, and the helpers that split arguments at a tag. The modules
above it (they import this one, never the reverse) put the rest on the class:

- ``dualad.arrays.elementwise``: the operators ``+ - * / ** // %``, their reflected forms,
  unary ``-``, ``+``, ``abs`` and the comparisons (``dualad.core.operators.install_operators``,
  from the rule table's operator rules), and the fast paths behind them;
- ``dualad.arrays.gathered``: gathered tangents (``_scattered``, ``_gathered_item``: the
  tangent property and ``__getitem__`` call them for a gathered dual);
- ``dualad.arrays.scaled``: lazily scaled tangents (this module reads them out with it);
- ``dualad.arrays.dispatch``: ``__array_ufunc__`` and ``__array_function__``;
- ``dualad.arrays.objects``: ``__array__`` (``np.asarray(x)`` is an object array of
  scalar duals; a numeric dtype refuses).

>>> import numpy as np, dualad as ad
>>> x = ad.DualArray([0.0, 1.0], [1.0, 1.0])
>>> np.sin(x) * 2
DualArray([0.         1.68294197], [2.         1.08060461])
"""
from __future__ import annotations

from copy import deepcopy as _deepcopy
from typing import TYPE_CHECKING, Any, Iterator, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dualad.arrays import scaled as _scaled_parts
from dualad.arrays import views as _views
from dualad.core.shaped import ValueShaped
# carrier kinds above this layer that take precedence (sparsity patterns): their hooks
# (see dualad.base.carriers.Precedence)
from dualad.base.carriers import PRECEDENCE as _PRECEDENCE
from dualad.base.carriers import Carrier
from dualad.base.carriers import primal_of
from dualad.core.number import DroppedDerivative, Dual, _make
from dualad.base.tags import check_met

__all__ = ["DualArray"]

_primal = primal_of   # the innermost primal (the modules above import it from here)

#: what combines with a DualArray in arithmetic (lists and tuples as NumPy takes them)
Operand = Union["DualArray", Dual, float, complex, "NDArray[Any]", list[Any], tuple[Any, ...]]

_new = object.__new__


class DualArray(ValueShaped, Carrier):
    """An array of dual numbers: ``value`` (ndarray) and ``tangent`` (``value.shape`` for
    one direction, ``value.shape + (k,)`` for k directions). Not all its methods are
    written here: see the module's docstring for those the modules above put on it."""

    # A k-tangent may be kept scaled, ``offset + scale[..., None] * scale_base``
    # (dualad.arrays.scaled), or gathered, ``cols`` and ``vals`` with tangent[...,
    # cols[..., j]] += vals[..., j] (dualad.arrays.gathered); ``_tangent`` is then None.
    # A view (x[1:-1], np.reshape(x, s)) knows its root and how it was taken (``_view``),
    # a root its live views (``_views``, weak references): dualad.arrays.views.
    __slots__ = ("value", "_tangent", "tag", "k", "owned", "scale",
                 "scale_base", "offset", "cols", "vals", "_view", "_views", "__weakref__")
    __array_priority__ = 20

    if TYPE_CHECKING:
        # the slots (see above); the tangent is the property below
        value: Any
        _tangent: Any
        tag: int
        k: Any   # the number of directions, None for one
        owned: bool
        scale: Any
        scale_base: Any
        offset: Any
        cols: Any
        vals: Any
        _view: Any
        _views: Any

        # installed by dualad.arrays.elementwise from the rule table (declarations only)
        def __add__(self, other: Operand) -> DualArray: ...
        def __radd__(self, other: Operand) -> DualArray: ...
        def __sub__(self, other: Operand) -> DualArray: ...
        def __rsub__(self, other: Operand) -> DualArray: ...
        def __mul__(self, other: Operand) -> DualArray: ...
        def __rmul__(self, other: Operand) -> DualArray: ...
        def __truediv__(self, other: Operand) -> DualArray: ...
        def __rtruediv__(self, other: Operand) -> DualArray: ...
        def __floordiv__(self, other: Operand) -> DualArray: ...
        def __rfloordiv__(self, other: Operand) -> DualArray: ...
        def __mod__(self, other: Operand) -> DualArray: ...
        def __rmod__(self, other: Operand) -> DualArray: ...
        def __pow__(self, other: Operand, modulo: None = None) -> DualArray: ...
        def __rpow__(self, other: Operand) -> DualArray: ...
        def __neg__(self) -> DualArray: ...
        def __pos__(self) -> DualArray: ...
        def __abs__(self) -> DualArray: ...
        def __lt__(self, other: Operand) -> NDArray[np.bool_]: ...
        def __le__(self, other: Operand) -> NDArray[np.bool_]: ...
        def __gt__(self, other: Operand) -> NDArray[np.bool_]: ...
        def __ge__(self, other: Operand) -> NDArray[np.bool_]: ...

        # installed by dualad.arrays.dispatch and dualad.arrays.gathered
        def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any: ...
        def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any: ...
        def _scattered(self) -> Any: ...
        def _gathered_item(self, index: Any) -> Any: ...

    def __init__(self, value: ArrayLike, tangent: ArrayLike | None = None) -> None:
        value = np.asarray(value)
        if value.dtype.kind in "biu":
            value = value.astype(float)
        if value.dtype.kind not in "fc":
            raise TypeError(f"DualArray: value must be a numeric array, got dtype {value.dtype}")
        if tangent is None:
            tangent = np.zeros_like(value)
        tangent = np.asarray(tangent)
        if tangent.dtype.kind in "biu":
            tangent = tangent.astype(float)
        if tangent.shape == value.shape:
            k = None
        elif tangent.shape[:-1] == value.shape and tangent.ndim == value.ndim + 1:
            k = tangent.shape[-1]
        else:
            raise ValueError(f"DualArray: tangent shape {tangent.shape} must be the value's "
                             f"shape {value.shape} (one direction) or {value.shape + ('k',)}")
        self.value, self._tangent, self.tag, self.k = value, tangent, 0, k
        self.owned = False
        self.scale = self.scale_base = self.offset = None
        self.cols = self.vals = self._view = self._views = None

    @property
    def tangent(self) -> Any:
        t = self._tangent
        if t is None:
            if self.cols is not None:
                t = self._scattered()   # dualad.arrays.gathered
                self.cols = self.vals = None
            else:
                t = _scaled_parts.multiplied_out(self.scale, self.scale_base, self.offset,
                                                 self.k)
                self.scale = self.scale_base = self.offset = None
            self._tangent = t
        return t

    @tangent.setter
    def tangent(self, t: Any) -> None:
        self._tangent = t
        self.scale = self.scale_base = self.offset = None
        self.cols = self.vals = None

    def stored(self) -> tuple[Any, ...]:
        """The arrays this dual keeps: its value and its tangent in the form it is held
        (full, scaled or gathered), for checks that need no full tangent."""
        if self._tangent is not None:
            return self.value, self._tangent
        if self.cols is not None:
            return self.value, self.vals
        parts: tuple[Any, ...] = _scaled_parts.parts(self)
        return (self.value,) + parts

    # --- array attributes -----------------------------------------------------------

    dtype = property(lambda self: _primal(self).dtype)

    def __repr__(self) -> str:
        t = self.tangent
        return f"DualArray({_primal(self.value)}, {_primal(t)})".replace("\n", "")

    def __bool__(self) -> bool:
        return bool(self.value)

    def __float__(self) -> float:
        raise DroppedDerivative("float() of a DualArray would drop its tangent; use x.value")

    __int__ = __complex__ = __index__ = __float__

    def __hash__(self) -> int:
        raise TypeError("unhashable type: 'DualArray'")

    # --- methods NumPy arrays have (the rest are NumPy's functions: see ValueShaped) ---

    def copy(self) -> DualArray:
        out = _make_array(_copy(self.value), _copy(self.tangent), self.tag, self.k)
        out.owned = True
        return out

    __copy__ = copy   # as ndarray: copy.copy copies the data

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its value and tangent: a view comes back as an array of its own
        (as an ndarray's view does), without its root or views."""
        return _make_array, (self.value, self.tangent, self.tag, self.k)

    def __deepcopy__(self, memo: dict[int, Any]) -> DualArray:
        out = _make_array(_deepcopy(self.value, memo), _deepcopy(self.tangent, memo),
                          self.tag, self.k)
        out.owned = True
        memo[id(self)] = out
        return out

    def astype(self, dtype: Any) -> DualArray:
        if np.dtype(dtype).kind not in "fc":
            raise TypeError(f"DualArray.astype({dtype}): only float and complex dtypes keep a "
                            "tangent")
        return _make_array(self.value.astype(dtype), self.tangent.astype(dtype), self.tag, self.k)

    def _take_on(self, result: Any) -> None:
        """Become ``result`` in place (x += y): its value and its tangent in the form it is
        held (scaled, gathered stay so), buffers shared until a write."""
        if not isinstance(result, DualArray) or _views.has_views(self):
            super()._take_on(result)   # self[...] = result: its views see the new entries
            return
        for name in _HELD:
            setattr(self, name, getattr(result, name))
        self.owned = False

    def _resize_to(self, result: Any, refcheck: bool) -> None:
        """``x.resize(...)``: new buffers, as NumPy reallocates; refused for a view, and for
        an array with live views unless ``refcheck=False`` (as NumPy), whose views then keep
        the old entries."""
        if self._view is not None:
            raise ValueError("cannot resize this array: it does not own its data (a view "
                             "of a dual array; as NumPy)")
        if refcheck and _views.has_views(self):
            raise ValueError("cannot resize an array that is referenced by a view of it "
                             "(as NumPy: use np.resize, or refcheck=False)")
        self._views = None
        self._take_on(result)

    # --- indexing ----------------------------------------------------------------------

    def __iter__(self) -> Iterator[Any]:
        """The entries along the first axis, read one at a time as ``x[i]`` reads them
        (a write into ``x`` while iterating is seen); a vector's directly, since unpacking
        parameters (``k1, k2 = p``) runs in every call of an ODE's right-hand side."""
        if self.cols is not None or type(self.value) is not np.ndarray or self.value.ndim != 1:
            yield from ValueShaped.__iter__(self)
            return
        for i in range(len(self.value)):
            t = self.tangent[i]
            if self.k is not None and self._written_in_place():   # an entry is a copy
                t = t.copy()
            yield _make(_scalar(self.value[i]), t if self.k is not None else _scalar(t),
                        self.tag)

    def __getitem__(self, index: Any) -> Any:
        """``x[index]``: a basic index (ints, slices) gives a view of ``x``, as NumPy's
        (dualad.arrays.views), an advanced one a copy; an entry is a scalar ``Dual``. A
        view is taken and registered under the lock of writes: a first write in another
        thread (new buffers, its views re-pointed) comes wholly before or after it."""
        if type(index) is slice:   # the leading axis: k stays last
            _lock()
            try:
                out = self._gathered_item(index) if self.cols is not None else \
                    _make_array(self.value[index], self.tangent[index], self.tag, self.k)
                return _views.register(out, self, index)
            finally:
                _unlock()
        if type(index) is int and self.cols is None:   # an entry, or a row of a matrix
            value = self.value[index]
            if type(value) is not np.ndarray and type(value) is not DualArray:   # an entry
                return wrap(value, self._entry(self.tangent[index], value), self.tag, self.k)
            with _views.LOCK:   # a row
                return _views.register(
                    _make_array(self.value[index], self.tangent[index], self.tag, self.k),
                    self, index)
        index = _plain_index(index)
        with _views.LOCK:
            if self.cols is not None:
                out = self._gathered_item(index)   # dualad.arrays.gathered
            else:
                value = self.value[index]
                tangent = self.tangent[_tangent_index(index, self.ndim)] \
                    if self.k is not None else self.tangent[index]
                out = wrap(value, self._entry(tangent, value), self.tag, self.k)
            if type(out) is DualArray and _views.is_basic(index):
                _views.register(out, self, index)
        return out

    def _entry(self, tangent: Any, value: Any) -> Any:
        """The tangent of an entry read out (``x[i]``): a copy where this array is written
        in place (owned), so that a later write into it leaves the entry as it was read."""
        if self.owned and self.k is not None and np.ndim(value) == 0 and \
                self._written_in_place():   # owned first: a read of a result stays cheap
            return tangent.copy()
        return tangent

    def _written_in_place(self) -> bool:
        """Whether a write into this array goes into its buffers as they are (it owns them,
        or it is a view of a root that does)."""
        return self.owned and (self._view is None or self._view.root.owned)

    def __setitem__(self, index: Any, item: Any) -> None:
        index = _plain_index(index)
        parts = self._parts_to_store(item)
        if self.owned and self._view is None and self._views is None and \
                not _converts(self, parts):   # in place into buffers only it holds
            _store_parts(self, index, parts)
            return
        with _views.LOCK:   # one thread's first write copies the buffers, not two
            if self._view is not None:   # through a view: into its root's buffers
                _views.write_through(self, _own_for, _store_parts, index, parts)
                return
            value, tangent = self.value, self._tangent
            changed = _own_for(self, parts)
            _store_parts(self, index, parts)
            if self._views is not None:   # the views see the write
                _views.repoint(self, changed or self.value is not value or
                               self._tangent is not tangent)

    def _parts_to_store(self, item: Any) -> tuple[Any, Any]:
        """(value, tangent) of ``item`` to store in this array (tangent None: none)."""
        tag, k = self.tag, self.k
        if isinstance(item, (list, tuple)):
            item = _as_array_operand(item)
        if isinstance(item, (Dual, DualArray)) and item.tag != tag:
            check_met(tag, item.tag)
        if isinstance(item, (Dual, DualArray)) and item.tag > tag:
            raise TypeError("cannot store a dual of an inner differentiation into this "
                            "DualArray; build the result with np.stack/np.where instead")
        if isinstance(item, (Dual, DualArray)) and item.tag == tag:
            if (item.k if isinstance(item, DualArray) else _k_of(item.tangent)) != k:
                raise ValueError("cannot store a dual with a different number of directions")
            return item.value, item.tangent
        return item, None


_lock, _unlock = _views.LOCK.acquire, _views.LOCK.release   # (faster than a with)

_HELD = ("value", "_tangent", "tag", "k", "owned", "scale", "scale_base", "offset", "cols",
         "vals")   # what x += y takes on from its result (not x's views)


def _converts(x: DualArray, parts: tuple[Any, Any]) -> bool:
    """Whether storing ``parts`` turns a plain buffer of ``x`` into a dual of an outer
    differentiation (new buffers)."""
    value, tangent = parts
    return isinstance(value, Carrier) and type(x.value) is np.ndarray or \
        isinstance(tangent, Carrier) and type(x._tangent) is np.ndarray


def _own_for(x: DualArray, parts: tuple[Any, Any]) -> bool:
    """Make ``x`` (a root) own its buffers, copied on its first write (results share
    them), and able to hold ``parts`` (a plain buffer becomes a dual of an outer
    differentiation that it is to hold); True when its buffers changed."""
    value, tangent = parts
    changed = False
    if not x.owned:
        x.value, x.tangent = _copy(x.value), _copy(x.tangent)
        x.owned = changed = True
    if isinstance(value, Carrier) and type(x.value) is np.ndarray:
        x.value, changed = writable_like(x.value, value), True
    if isinstance(tangent, Carrier) and type(x._tangent) is np.ndarray:
        x.tangent, changed = writable_like(x._tangent, tangent), True
    return changed


def _store_parts(x: DualArray, index: Any, parts: tuple[Any, Any]) -> None:
    value, tangent = parts
    x.value = _store(x.value, index, value)
    t_index = _tangent_index(index, x.ndim) if x.k is not None else index
    x.tangent = _store(x.tangent, t_index, 0.0 if tangent is None else tangent)


def released(out: Any, operands: Any) -> Any:
    """``out``, the result of an operation on ``operands``; an owned operand whose buffer
    ``out`` holds as it is (an identity tangent: x + c, x * 1, np.real of a real x) stops
    owning it, so that its next write copies first and leaves ``out`` as computed."""
    if type(out) is DualArray:
        for a in operands:
            if type(a) is DualArray and a.owned:
                t = a._tangent
                if out.value is a.value or out._tangent is t or out.scale_base is t or \
                        out.offset is t:
                    (a if a._view is None else a._view.root).owned = False
    return out


def _make_array(value: Any, tangent: Any, tag: int, k: int | None) -> DualArray:
    d = _new(DualArray)
    d.value = value
    d._tangent = tangent
    d.tag = tag
    d.k = k
    d.owned = False
    d.scale = d.scale_base = d.offset = d.cols = d.vals = d._view = d._views = None
    return d


def _scaled(value: Any, scale: Any, scale_base: Any, offset: Any, tag: int,
            k: int | None) -> DualArray:
    """A dual array whose k-tangent is kept scaled, ``offset + scale[..., None] *
    scale_base``, not yet multiplied out (``offset`` may be None): see
    dualad.arrays.scaled."""
    d = _new(DualArray)
    d.value, d._tangent, d.tag, d.k, d.owned = value, None, tag, k, False
    d.scale, d.scale_base, d.offset = scale, scale_base, offset
    d.cols = d.vals = d._view = d._views = None
    return d


def _gathered_array(value: Any, cols: Any, vals: Any, tag: int, k: int | None) -> DualArray:
    """A dual array whose k-tangent is kept gathered, ``tangent[..., cols[..., j]] +=
    vals[..., j]``: see dualad.arrays.gathered."""
    d = _new(DualArray)
    d.value, d._tangent, d.tag, d.k, d.owned = value, None, tag, k, False
    d.scale = d.scale_base = d.offset = d._view = d._views = None
    d.cols, d.vals = cols, vals
    return d


def wrap(value: Any, tangent: Any, tag: int, k: int | None) -> Any:
    """A DualArray, or a scalar Dual when the value has no axes."""
    if np.ndim(value) == 0:
        return _make(_scalar(value), _scalar(tangent) if k is None else tangent, tag)
    return _make_array(value, tangent, tag, k)


def _scalar(x: Any) -> Any:
    """A 0-d array (or dual) as a scalar: Python float/complex for float64/complex128."""
    if isinstance(x, DualArray):
        return x[()]
    if isinstance(x, np.ndarray):
        x = x[()]
    if type(x) is np.float64:
        return float(x)
    if type(x) is np.complex128:
        return complex(x)
    return x


def _copy(x: Any) -> Any:
    """A copy of a buffer of a dual array: an ndarray, or an array carrier (a dual array
    of an outer differentiation, a sparsity detection's pattern array)."""
    return x.copy() if isinstance(x, (np.ndarray, ValueShaped)) else x


def _store(container: Any, index: Any, item: Any) -> Any:
    """``container[index] = item``; a plain array holding a dual of a lower level (nested
    differentiation) first becomes a dual array of that level."""
    if isinstance(item, Carrier) and type(container) is np.ndarray:
        container = writable_like(container, item)
    container[index] = item
    return container


def _k_of(tangent: Any) -> int | None:
    return np.shape(tangent)[-1] if np.ndim(tangent) else None


def _plain_index(index: Any) -> Any:
    """Duals used as indices (a floor() result) become ints; dual index arrays refuse."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Dual):
        return index.__index__()
    if isinstance(index, DualArray):
        raise TypeError("a DualArray cannot be used as an index")
    return index


def _tangent_index(index: Any, ndim: int) -> tuple[Any, ...]:
    """The index for a k-tangent: the value's index, leaving the direction axis alone."""
    index = index if isinstance(index, tuple) else (index,)
    if any(i is Ellipsis for i in index):
        used = sum(1 for i in index if i is not None and i is not Ellipsis
                   and not (isinstance(i, np.ndarray) and i.dtype == bool))
        used += sum(i.ndim for i in index if isinstance(i, np.ndarray) and i.dtype == bool)
        pos = next(j for j, i in enumerate(index) if i is Ellipsis)
        index = index[:pos] + (slice(None),) * (ndim - used) + index[pos + 1:]
    full: tuple[Any, ...] = index + (Ellipsis,)
    return full


def writable_like(out: Any, like: Any) -> Any:
    """``out`` (a plain array) as a carrier of ``like``'s tag that ``out[index] = like``
    writes into: a dual array with zero tangent owning its buffers, or what the carrier
    kind that claims ``like`` makes of it (a pattern without dependence)."""
    for hooks in _PRECEDENCE.values():
        if hooks.claims((like,)):
            return hooks.writable(out, like)
    container = as_dual_array(out, like)
    container.owned = True
    return container


def as_dual_array(out: Any, like: Any) -> DualArray:
    """``out`` (a plain array, or a dual of an outer differentiation) as a DualArray of
    ``like``'s tag, with zero tangent."""
    k = like.k if isinstance(like, DualArray) else _k_of(like.tangent)
    plain = _primal(out)
    return _make_array(out, np.zeros(np.shape(plain) + ((k,) if k else ()),
                                     dtype=np.result_type(plain, float)), like.tag, k)


# --- splitting arguments at the outermost tag ----------------------------------------

def _outer_tag(items: Any) -> int:
    tag = low = -1
    for x in items:
        if isinstance(x, (Dual, DualArray)) and x.tag != tag:
            if tag != -1:
                low = min(tag, x.tag)
            if x.tag > tag:
                tag = x.tag
    if low != -1:   # duals of two differentiations meet: both running?
        check_met(tag, low)
    return tag


def _split(x: Any, tag: int) -> tuple[Any, Any]:
    """(value, tangent) of ``x`` for ``tag``; tangent None for constants."""
    if isinstance(x, (Dual, DualArray)) and x.tag == tag:
        return x.value, x.tangent
    return x, None


def _directions(items: Any, tag: int) -> int | None:
    k: int | None = None
    found = False
    for x in items:
        if isinstance(x, (Dual, DualArray)) and x.tag == tag:
            kx = x.k if isinstance(x, DualArray) else _k_of(x.tangent)
            if not found:
                k, found = kx, True
            elif kx != k:
                raise ValueError("duals of one differentiation carry different numbers of "
                                 f"directions ({k} and {kx})")
    return k


def _as_operand(x: Any) -> Any:
    """A list/tuple holding duals becomes one DualArray (np.stack)."""
    if isinstance(x, (list, tuple)) and any(isinstance(v, (Dual, DualArray)) or
                                            isinstance(v, (list, tuple)) for v in x):
        return np.stack([_as_operand(v) for v in x])
    return x


def _as_array_operand(x: Any) -> Any:
    """A list/tuple operand as NumPy would take it (duals inside are stacked)."""
    x = _as_operand(x)
    return x if not isinstance(x, (list, tuple)) else np.asarray(x)


def _holds_dual(v: Any) -> bool:
    """Whether ``v`` is a carrier, or a list/tuple with one inside (at any depth)."""
    if isinstance(v, Carrier):
        return True
    return type(v) in (list, tuple) and any(_holds_dual(x) for x in v)


_PLAIN = frozenset((np.ndarray, float, int, complex, np.float64))


def _plain(v: Any) -> bool:
    """Whether ``v`` is a plain value (no carrier of an outer differentiation)."""
    return type(v) in _PLAIN or not isinstance(v, Carrier)
