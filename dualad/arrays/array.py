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

>>> import numpy as np, dualad as ad
>>> x = ad.DualArray([0.0, 1.0], [1.0, 1.0])
>>> np.sin(x) * 2
DualArray([0.         1.68294197], [2.         1.08060461])
"""
from __future__ import annotations

import contextlib
import inspect
import numbers
import operator
import threading
from copy import deepcopy as _deepcopy

import numpy as np

from dualad.arrays import buffers as _buffers
from dualad.core import fpe as _fpe
from dualad.core import elemental
from dualad.core.shaped import ValueShaped
# carrier kinds above this layer that take precedence (sparsity patterns): their hooks,
# and those active now (see dualad.core.carriers.Precedence)
from dualad.core.carriers import ACTIVE as _PRECEDING, PRECEDENCE as _PRECEDENCE
from dualad.core.carriers import RULE_HANDLERS, Carrier, register as _register_carrier
from dualad.core.elemental import finite, kind_of, lanes
from dualad.core.number import DroppedDerivative, Dual, _make
from dualad.table.rules import table
from dualad.core.tags import check_met

__all__ = ["DualArray"]

_new = object.__new__


class DualArray(ValueShaped, Carrier):
    """An array of dual numbers: ``value`` (ndarray) and ``tangent`` (``value.shape`` for
    one direction, ``value.shape + (k,)`` for k directions)."""

    # A k-tangent may be kept as ``scale[..., None] * base``: elementwise rules
    # only rescale rows, so chains of them (exp, sin, products of such) update the
    # value-sized ``scale`` and multiply the k-wide ``base`` once, when it is read.
    # Or a k-tangent may be kept gathered: ``cols`` (ints) and ``vals``, both of shape
    # ``value.shape + (p,)``, tangent[..., cols[..., j]] += vals[..., j]: each entry moves
    # along at most p directions. An identity seed is gathered with p = 1, elementwise
    # rules rescale ``vals``, sums of differently gathered operands append columns, so
    # a Hessian's inner tangents stay O(n·p) instead of O(n²) (see ``gathered_seed``).
    __slots__ = ("value", "_tangent", "tag", "k", "owned", "scale", "base",
                 "offset", "cols", "vals")
    __array_priority__ = 20

    def __init__(self, value, tangent=None):
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
        self.scale = self.base = self.offset = None
        self.cols = self.vals = None

    @property
    def tangent(self):
        t = self._tangent
        if t is None:
            if self.cols is not None:
                t = _scatter_gathered(self)
                self.cols = self.vals = None
            else:
                scale = self.scale   # a product of partials: guarded should it overflow
                t = scale[..., None] * self.base if finite(scale) else \
                    lanes(scale, self.base, self.k)
                if self.offset is not None:
                    t += self.offset
                self.scale = self.base = self.offset = None
            self._tangent = t
        return t

    def stored(self):
        """The arrays this dual keeps: its value and its tangent in the form it is held
        (full, scaled or gathered), for checks that need no full tangent."""
        if self._tangent is not None:
            return self.value, self._tangent
        if self.cols is not None:
            return self.value, self.vals
        parts = (self.value, self.scale, self.base)
        return parts if self.offset is None else parts + (self.offset,)

    @tangent.setter
    def tangent(self, t):
        self._tangent = t
        self.scale = self.base = self.offset = None
        self.cols = self.vals = None

    # --- NumPy protocols ------------------------------------------------------------

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return array_function(func, args, kwargs)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a DualArray cannot become a plain ndarray: its tangent would be lost. "
                        "Keep the computation in NumPy functions (which accept DualArrays), "
                        "use x.value for the primal, or build results with np.zeros_like(x), "
                        "np.stack or np.concatenate instead of np.array([...]) / out[i] = ...")

    # --- array attributes -----------------------------------------------------------

    dtype = property(lambda self: _primal(self).dtype)

    def __repr__(self):
        t = self.tangent
        return f"DualArray({_primal(self.value)}, {_primal(t)})".replace("\n", "")

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        raise DroppedDerivative("float() of a DualArray would drop its tangent; use x.value")

    __int__ = __complex__ = __index__ = __float__

    def __hash__(self):
        raise TypeError("unhashable type: 'DualArray'")

    # --- methods NumPy arrays have (the rest are NumPy's functions: see ValueShaped) ---

    def copy(self):
        out = _make_array(_copy(self.value), _copy(self.tangent), self.tag, self.k)
        out.owned = True
        return out

    __copy__ = copy   # as ndarray: copy.copy copies the data

    def __deepcopy__(self, memo):
        out = _make_array(_deepcopy(self.value, memo), _deepcopy(self.tangent, memo),
                          self.tag, self.k)
        out.owned = True
        memo[id(self)] = out
        return out

    def astype(self, dtype):
        if np.dtype(dtype).kind not in "fc":
            raise TypeError(f"DualArray.astype({dtype}): only float and complex dtypes keep a "
                            "tangent")
        return _make_array(self.value.astype(dtype), self.tangent.astype(dtype), self.tag, self.k)

    def _take_on(self, result):
        """Become ``result`` in place (x += y): its value and its tangent in the form it is
        held (scaled, gathered stay so), buffers shared until a write."""
        if not isinstance(result, DualArray):
            return super()._take_on(result)
        for name in self.__slots__:
            setattr(self, name, getattr(result, name))
        self.owned = False

    # --- indexing ----------------------------------------------------------------------

    def __getitem__(self, index):
        if self.cols is not None:
            index = _plain_index(index)
            t_index = _tangent_index(index, self.ndim)
            return _gathered(self.value[index], self.cols[t_index], self.vals[t_index],
                             self.tag, self.k)
        if type(index) is slice or type(index) is int:   # the leading axis: k stays last
            value = self.value[index]
            if type(index) is slice:
                return _make_array(value, self.tangent[index], self.tag, self.k)
            return wrap(value, self.tangent[index], self.tag, self.k)
        index = _plain_index(index)
        value = self.value[index]
        tangent = self.tangent[_tangent_index(index, self.ndim)] if self.k is not None \
            else self.tangent[index]
        return wrap(value, tangent, self.tag, self.k)

    def __setitem__(self, index, item):
        index = _plain_index(index)
        tag, k = self.tag, self.k
        if isinstance(item, (list, tuple)):
            item = _as_array_operand(item)
        if isinstance(item, (Dual, DualArray)) and item.tag != tag:
            check_met(tag, item.tag)
        if isinstance(item, (Dual, DualArray)) and item.tag > tag:
            raise TypeError("cannot store a dual of an inner differentiation into this "
                            "DualArray; build the result with np.stack/np.where instead")
        if isinstance(item, (Dual, DualArray)) and item.tag == tag:
            value, tangent = item.value, item.tangent
            if (item.k if isinstance(item, DualArray) else _k_of(tangent)) != k:
                raise ValueError("cannot store a dual with a different number of directions")
        else:
            value, tangent = item, None
        if not self.owned:  # results may share buffers: copy on the first write
            self.value, self.tangent = _copy(self.value), _copy(self.tangent)
            self.owned = True
        self.value = _store(self.value, index, value)
        t_index = _tangent_index(index, self.ndim) if k is not None else index
        self.tangent = _store(self.tangent, t_index, 0.0 if tangent is None else tangent)

    # --- operators: elementwise rules ---------------------------------------------------

    def __add__(self, other):
        return _arith(_ADD, np.add, self, other)

    def __radd__(self, other):
        return _arith(_ADD, np.add, other, self)

    def __sub__(self, other):
        return _arith(_SUB, np.subtract, self, other)

    def __rsub__(self, other):
        return _arith(_SUB, np.subtract, other, self)

    def __mul__(self, other):
        return _arith(_MUL, np.multiply, self, other)

    def __rmul__(self, other):
        return _arith(_MUL, np.multiply, other, self)

    def __truediv__(self, other):
        return _arith(_DIV, np.divide, self, other)

    def __rtruediv__(self, other):
        return _arith(_DIV, np.divide, other, self)

    def __pow__(self, other):
        if isinstance(other, (list, tuple)):
            other = _as_array_operand(other)
        if self.cols is not None and type(other) in (int, float) and other != 0:
            return _gathered_pow(self, other)
        if elemental.in_pass():
            out = _fast_pow(self, other)
            if out is not None:
                return out
        return _binary(_POW, np.power, self, other)

    def __rpow__(self, other):
        return _binary(_POW, np.power, other, self)

    def __floordiv__(self, other):
        return _binary(_FLOORDIV, np.floor_divide, self, other)

    def __rfloordiv__(self, other):
        return _binary(_FLOORDIV, np.floor_divide, other, self)

    def __mod__(self, other):
        return _binary(_MOD, np.remainder, self, other)

    def __rmod__(self, other):
        return _binary(_MOD, np.remainder, other, self)

    def __neg__(self):
        if self.cols is not None:
            return _gathered_array(-self.value, self.cols, -self.vals, self.tag, self.k)
        if self.scale is not None:
            return _scaled(-self.value, -self.scale, self.base, self.tag, self.k,
                           None if self.offset is None else -self.offset)
        return _make_array(_neg(self.value), _neg(self.tangent), self.tag, self.k)

    def __pos__(self):
        return self

    def __abs__(self):
        return elementwise(_ABS, np.absolute, (self,))

    def __lt__(self, other):
        if _PRECEDING:   # a kind above this layer is active (a sparsity detection)
            return _PRECEDING[-1].compare(operator.lt, self, other)
        return _primal(self) < _primal(other)

    def __le__(self, other):
        if _PRECEDING:
            return _PRECEDING[-1].compare(operator.le, self, other)
        return _primal(self) <= _primal(other)

    def __gt__(self, other):
        if _PRECEDING:
            return _PRECEDING[-1].compare(operator.gt, self, other)
        return _primal(self) > _primal(other)

    def __ge__(self, other):
        if _PRECEDING:
            return _PRECEDING[-1].compare(operator.ge, self, other)
        return _primal(self) >= _primal(other)

    def __eq__(self, other):
        if _PRECEDING:
            return _PRECEDING[-1].compare(operator.eq, self, other)
        return _primal(self) == _primal(other)

    def __ne__(self, other):
        if _PRECEDING:
            return _PRECEDING[-1].compare(operator.ne, self, other)
        return _primal(self) != _primal(other)


def _make_array(value, tangent, tag, k):
    d = _new(DualArray)
    d.value = value
    d._tangent = tangent
    d.tag = tag
    d.k = k
    d.owned = False
    d.scale = d.base = d.offset = d.cols = d.vals = None
    return d


def _scaled(value, scale, base, tag, k, offset=None):
    """A dual array whose k-tangent is ``offset + scale[..., None] * base``, not yet
    multiplied out (``offset`` may be None)."""
    d = _make_array(value, None, tag, k)
    d.scale, d.base, d.offset = scale, base, offset
    return d


def _scale_and_base(x):
    """(scale, base) of a k-tangent kept lazily without offset, or (None, full tangent)."""
    if x.scale is not None and x.offset is None:
        return x.scale, x.base
    return None, x.tangent


def wrap(value, tangent, tag, k):
    """A DualArray, or a scalar Dual when the value has no axes."""
    if np.ndim(value) == 0:
        return _make(_scalar(value), _scalar(tangent) if k is None else tangent, tag)
    return _make_array(value, tangent, tag, k)


def _scalar(x):
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


def _primal(x):
    while isinstance(x, Carrier):
        x = x.value
    return x


def _copy(x):
    return x.copy() if isinstance(x, (np.ndarray, DualArray)) else x


def _store(container, index, item):
    """``container[index] = item``; a plain array holding a dual of a lower level (nested
    differentiation) first becomes a dual array of that level."""
    if isinstance(item, Carrier) and type(container) is np.ndarray:
        container = writable_like(container, item)
    container[index] = item
    return container


def _k_of(tangent):
    return np.shape(tangent)[-1] if np.ndim(tangent) else None


def _plain_index(index):
    """Duals used as indices (a floor() result) become ints; dual index arrays refuse."""
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    if isinstance(index, Dual):
        return index.__index__()
    if isinstance(index, DualArray):
        raise TypeError("a DualArray cannot be used as an index")
    return index


def _tangent_index(index, ndim):
    """The index for a k-tangent: the value's index, leaving the direction axis alone."""
    if not isinstance(index, tuple):
        index = (index,)
    if any(i is Ellipsis for i in index):
        used = sum(1 for i in index if i is not None and i is not Ellipsis
                   and not (isinstance(i, np.ndarray) and i.dtype == bool))
        used += sum(i.ndim for i in index if isinstance(i, np.ndarray) and i.dtype == bool)
        pos = next(j for j, i in enumerate(index) if i is Ellipsis)
        index = index[:pos] + (slice(None),) * (ndim - used) + index[pos + 1:]
    return index + (Ellipsis,)


def writable_like(out, like):
    """``out`` (a plain array) as a carrier of ``like``'s tag that ``out[index] = like``
    writes into: a dual array with zero tangent owning its buffers, or what the carrier
    kind that claims ``like`` makes of it (a pattern without dependence)."""
    for hooks in _PRECEDENCE.values():
        if hooks.claims((like,)):
            return hooks.writable(out, like)
    container = as_dual_array(out, like)
    container.owned = True
    return container


def as_dual_array(out, like):
    """``out`` (a plain array) as a DualArray of ``like``'s tag, with zero tangent."""
    k = like.k if isinstance(like, DualArray) else _k_of(like.tangent)
    return _make_array(out, np.zeros(np.shape(out) + ((k,) if k else ()),
                                     dtype=np.result_type(out, float)), like.tag, k)


# --- splitting arguments at the outermost tag ----------------------------------------

def _outer_tag(items):
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


def _split(x, tag):
    """(value, tangent) of ``x`` for ``tag``; tangent None for constants."""
    if isinstance(x, (Dual, DualArray)) and x.tag == tag:
        return x.value, x.tangent
    return x, None


def _directions(items, tag):
    k = "unset"
    for x in items:
        if isinstance(x, (Dual, DualArray)) and x.tag == tag:
            kx = x.k if isinstance(x, DualArray) else _k_of(x.tangent)
            if k == "unset":
                k = kx
            elif kx != k:
                raise ValueError("duals of one differentiation carry different numbers of "
                                 f"directions ({k} and {kx})")
    return None if k == "unset" else k


# --- elementwise: ufuncs and operators, rules from the table ----------------------

def elementwise(rule, ufunc, inputs):
    """Apply an elementwise rule to arrays/duals; tangents broadcast like the values."""
    if _PRECEDING and _PRECEDING[-1].claims(inputs):
        return _PRECEDING[-1].elementwise(rule, ufunc, inputs)
    tag = _outer_tag(inputs)
    k = _directions(inputs, tag)
    values, tangents = [], []
    for x in inputs:
        v, t = _split(x, tag)
        values.append(v)
        tangents.append(t)
    key = "numpy" if all(type(v) is np.ndarray for v in values) else kind_of(values)
    if key.startswith("dual:"):
        return _fpe.nested(_elementwise_values, rule, ufunc, values, tangents, key, tag, k)
    return _elementwise_values(rule, ufunc, values, tangents, key, tag, k)


def _elementwise_values(rule, ufunc, values, tangents, key, tag, k):
    if key.startswith("dual:") and ufunc not in _UFUNC_BY_OBJECT:
        # nested duals: a kernel (scipy.special's ufuncs, dualad's own NumPy kernels) would
        # see the inner dual as a plain array; the rule is applied again at that level
        ans = _fpe.passing(elemental.GENERIC.functions[rule.name], *values)
    elif key.startswith("dual:"):
        ans = _fpe.passing(ufunc, *values)
    else:
        ans = _STAND_INS.get(ufunc, ufunc)(*values)   # primal
    shape = _tshape(np.shape(ans), k)
    if rule.complex_jvp is not None and (elemental.nonholomorphic(rule, key, tangents) or any(
            elemental.has_complex(v) for v in values)):
        with np.errstate(divide="ignore", invalid="ignore"):
            tangent = rule.complex_jvp(values, ans, tangents, k)
    elif rule.kind == "constant":
        return wrap(ans, np.zeros(shape), tag, k)
    elif rule.jvp is not None:
        tangent = rule.jvp(values, ans, tangents)
    elif elemental.in_pass():
        tangent = _sum_of_terms(rule, values, ans, tangents, key, k)
    else:   # the primal warns as NumPy does; its partials do not
        with elemental.quiet_partials():
            tangent = _sum_of_terms(rule, values, ans, tangents, key, k)
    if np.shape(tangent) != shape:
        tangent = np.broadcast_to(tangent, shape)
    return wrap(ans, tangent, tag, k)


def _sum_of_terms(rule, values, ans, tangents, key, k):
    """sum_i partial_i · tangent_i, each term with the lane rule."""
    tangent = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        p = elemental.partial(rule, i, values, ans, key)
        term = t if type(p) in (int, float) and p == 1 else lanes(p, t, k)
        tangent = term if tangent is None else tangent + term
    return tangent


def _tshape(shape, k):
    return shape if k is None else shape + (k,)


def _as_array_operand(x):
    """A list/tuple operand as NumPy would take it (duals inside are stacked)."""
    x = _as_operand(x)
    return x if not isinstance(x, (list, tuple)) else np.asarray(x)


def _binary(rule, ufunc, a, b):
    if isinstance(a, (list, tuple)):
        a = _as_array_operand(a)
    if isinstance(b, (list, tuple)):
        b = _as_array_operand(b)
    if not (_operand(a) and _operand(b)):
        return NotImplemented
    return elementwise(rule, ufunc, (a, b))


def _operand(x):
    return isinstance(x, (Dual, DualArray, np.ndarray, numbers.Number, np.generic)) or \
        type(x) in _PRECEDENCE   # a traced constant inside a sparsity detection


# Fast paths for the arithmetic that dominates array code, used inside transformation
# passes (see elemental.in_pass): same-shaped operands of one tag, or one constant.
# They return None when they do not apply, and the rule path takes over; also when a
# partial is not finite, so that the rule path applies the lane rule.

def _arith(rule, ufunc, a, b):
    if isinstance(a, (list, tuple)):
        a = _as_array_operand(a)
    if isinstance(b, (list, tuple)):
        b = _as_array_operand(b)
    if _is_gathered(a) or _is_gathered(b):
        out = _gathered_binary(rule, ufunc, a, b)
        if out is not None:
            return out
    if getattr(_STATE, "in_pass", False):
        out = _fast_binary(rule, ufunc, a, b)
        if out is not None:
            return out
    return _binary(rule, ufunc, a, b)


_PLAIN = frozenset((np.ndarray, float, int, complex, np.float64))


def _plain(v):
    return type(v) in _PLAIN or not isinstance(v, Carrier)


def _t_sum(va, ta, vb, tb, ans, k):
    return ta if tb is None else (tb if ta is None else _into(np.add, ta, tb))


def _t_difference(va, ta, vb, tb, ans, k):
    return ta if tb is None else (_neg(tb) if ta is None else _into(np.subtract, ta, tb))


def _t_product(va, ta, vb, tb, ans, k):
    if tb is None:
        return _into(np.multiply, ta, _ex(vb, k))
    if ta is None:
        return _into(np.multiply, tb, _ex(va, k))
    if ta is tb and va is vb:   # (t + t)·v rounds exactly as t·(2v) does
        twice = _into(np.add, ta, ta)
        return _into(np.multiply, twice, _ex(va, k), True)
    out = _into(np.multiply, ta, _ex(vb, k))
    return _into(np.add, out, _into(np.multiply, tb, _ex(va, k)), True)


def _t_quotient(va, ta, vb, tb, ans, k):
    if tb is None:
        return _into(np.true_divide, ta, _ex(vb, k))
    if ta is None:
        p = -ans / vb
        return _into(np.multiply, tb, _ex(p, k)) if finite(p) else lanes(p, tb, k)
    return (ta - _ex(ans, k) * tb) / _ex(vb, k)


# Large float64 results go into recycled buffers (see dualad.arrays.buffers): a fresh array of
# megabytes costs more in page faults than the arithmetic that fills it. ``own``: the
# first operand is a temporary of the caller's, to be written over.

def _into(ufunc, big, other, own=False):
    return _buffers.binary(ufunc, big, other, own)


def _neg(x):
    return _buffers.unary(np.negative, x)


def _form(rule):
    """The fast paths' name for the form of a two-argument rule's tangent, from
    ``Rule.binary_form``: "sum" (ta + tb), "difference" (ta - tb), "product" or
    "quotient"; None for a rule without one (it takes the rule path)."""
    form = rule.binary_form
    if form == "linear":
        return "sum" if rule.partials[1] == "1" else "difference"
    return {"bilinear": "product", "quotient": "quotient"}.get(form)


#: the rules of the table that the binary fast paths serve, and their forms
_FORMS = {rule: form for rule in table if (form := _form(rule)) is not None}
_TANGENT = {"sum": _t_sum, "difference": _t_difference, "product": _t_product,
            "quotient": _t_quotient}


def _fast_binary(rule, ufunc, a, b, nested=False):
    ca, cb = type(a), type(b)
    if ca is DualArray:
        if cb is DualArray:
            if b.tag != a.tag or b.k != a.k or b.value.shape != a.value.shape:
                return None
            a_dual = b_dual = True
        elif cb is float or cb is int or (cb is np.ndarray and b.shape == a.value.shape):
            a_dual, b_dual = True, False
        else:
            return None
        tag, k = a.tag, a.k
    elif cb is DualArray and (ca is float or ca is int or (ca is np.ndarray and
                                                          a.shape == b.value.shape)):
        a_dual, b_dual = False, True
        tag, k = b.tag, b.k
    else:
        return None
    va = a.value if a_dual else a
    vb = b.value if b_dual else b
    if (type(va) in _PLAIN or _plain(va)) and (type(vb) in _PLAIN or _plain(vb)):
        ans = _into(ufunc, va, vb)   # primal
    elif not nested:   # the values are duals of an outer differentiation
        return _fpe.nested(_fast_binary, rule, ufunc, a, b, True)
    else:
        ans = _fpe.passing(_into, ufunc, va, vb)
    form = _FORMS[rule]
    if not _lanes_safe(form, va, vb, ans, a_dual, b_dual):
        # the rule path, which evaluates the primal again: its floating-point errors were
        # reported at the line above, once, as NumPy reports them
        return _fpe.nested(elementwise, rule, ufunc, (a, b))
    tangent_of = _TANGENT[form]
    if k is not None and type(ans) is np.ndarray and type(va if a_dual else vb) is np.ndarray:
        lazy = _lazy_binary(form, a, b, va, vb, ans, a_dual, b_dual, tag, k)
        if lazy is not None:
            return lazy
    return _make_array(ans, tangent_of(va, a.tangent if a_dual else None, vb,
                                       b.tangent if b_dual else None, ans, k), tag, k)


def _lanes_safe(form, va, vb, ans, a_dual, b_dual):
    """Whether the tangent rules of ``form`` keep the lanes whose tangent is 0 at 0: the
    factors of a product are finite wherever the product is, and a quotient is finite
    only where no 0/0 occurs (the partial -ans/vb alone is checked where it is formed)."""
    if form == "product":
        c = va if not a_dual else (vb if not b_dual else None)
        if type(c) is float or type(c) is int:
            return c - c == 0
        return finite(ans)
    if form == "quotient" and a_dual:
        if not b_dual and (type(vb) is float or type(vb) is int):
            return vb != 0 and vb == vb
        return finite(ans)
    return True


def _lazy_binary(form, a, b, va, vb, ans, a_dual, b_dual, tag, k):
    """The binary rules on scaled tangents sharing one base: value-sized work only."""
    if form in ("sum", "difference") and a_dual and b_dual:
        return _lazy_sum(a, b, ans, form == "difference", tag, k)
    sa, base_a = _scale_and_base(a) if a_dual else (None, None)
    sb, base_b = _scale_and_base(b) if b_dual else (None, None)
    if a_dual and b_dual:
        if sa is None or sb is None or base_a is not base_b:
            return None
        scale = sa * vb + va * sb if form == "product" else (sa - ans * sb) / vb
        return _scaled(ans, scale, base_a, tag, k)
    if a_dual:   # dual (op) constant
        if form in ("sum", "difference"):
            return None if a.scale is None else _scaled(ans, a.scale, a.base, tag, k, a.offset)
        factor = vb if form == "product" else 1 / vb
    else:        # constant (op) dual
        if form in ("sum", "difference"):
            if b.scale is None:
                return None
            if form == "sum":
                return _scaled(ans, b.scale, b.base, tag, k, b.offset)
            return _scaled(ans, -b.scale, b.base, tag, k,
                           None if b.offset is None else -b.offset)
        factor = va if form == "product" else -ans / vb
    scale, base = (sa, base_a) if a_dual else (sb, base_b)
    if form == "quotient" and not finite(factor):   # 1/vb or -ans/vb: see _lanes_safe
        return None
    if type(factor) is np.ndarray:
        if factor.shape != ans.shape:
            return None
    elif scale is None:
        return None   # a full tangent times a number: one cheap pass, no scale needed
    return _scaled(ans, factor if scale is None else scale * factor, base, tag, k)


def _lazy_sum(a, b, ans, negate, tag, k):
    """a ± b where one or both tangents are scaled: the scales add, full parts gather in
    the offset, and the k-wide multiplication waits until the tangent is read."""
    if a.scale is None and b.scale is None:
        return None
    if a.scale is not None and b.scale is not None and a.base is not b.base:
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
    return _scaled(ans, scale, lazy.base, tag, k, offset)


def _ex(v, k):
    """``v`` with a trailing length-1 axis to broadcast against a k-tangent (scalars of any
    kind, duals included, broadcast as they are)."""
    if k is None or getattr(v, "ndim", 0) == 0:
        return v
    return v[..., None]


def _power(v, b):
    return v * v if b == 2 else v ** b


def _fast_pow(a, b):
    if not (type(a) is DualArray and type(b) in (int, float)):
        return None
    if _plain(a.value):
        return _fast_pow_values(a, b, True)
    return _fpe.nested(_fast_pow_values, a, b, False)


def _fast_pow_values(a, b, plain):
    va, k = a.value, a.k
    if b != 0:
        p = 2 * va if b == 2 else b * va ** (b - 1)
        if not finite(p):
            return None   # the rule path (before the primal: it evaluates it once)
    if plain:
        ans = _power(va, b)   # primal: power
    else:
        ans = _fpe.passing(_power, va, b)
    if b == 0:
        return _make_array(ans, np.zeros(np.shape(va) + ((k,) if k else ())), a.tag, k)
    if k is not None and type(va) is np.ndarray:
        scale, base = _scale_and_base(a)
        return _scaled(ans, p if scale is None else p * scale, base, a.tag, k)
    return _make_array(ans, a.tangent * _ex(p, k), a.tag, k)


def _fast_unary(rule, ufunc, x):
    """One plain-valued DualArray through a smooth unary rule."""
    v = x.value
    if type(v) is not np.ndarray or rule.kind != "smooth" or rule.jvp is not None or (
            rule.complex_jvp is not None and (v.dtype.kind == "c" or _complex_tangent(x))) \
            or rule.arity != 1:
        return None
    ans = _buffers.unary(_STAND_INS.get(ufunc, ufunc), v)   # primal
    d = _array_partial(rule)
    k = x.k
    p = d(v, ans)
    if not finite(p):
        return _make_array(ans, lanes(p, x.tangent, k), x.tag, k)
    own = d.temporary and type(p) is np.ndarray and p.dtype == _F64 and p.shape == v.shape
    if k is None:
        t = x.tangent
        if own and t.dtype == _F64:
            return _make_array(ans, np.multiply(p, t, out=p), x.tag, k)
        if type(p) is np.ndarray:
            return _make_array(ans, _into(np.multiply, t, p), x.tag, k)
        return _make_array(ans, p * t, x.tag, k)
    if getattr(p, "shape", None) != v.shape:
        p = np.broadcast_to(p, v.shape)
    scale, base = _scale_and_base(x)
    if scale is not None:
        p = np.multiply(p, scale, out=p) if own and scale.dtype == _F64 else p * scale
    return _scaled(ans, p, base, x.tag, k)


def _complex_tangent(x):
    """Whether the tangent of ``x`` is complex, looked up without building a lazy one."""
    parts = (x._tangent,) if x._tangent is not None else (x.vals, x.scale, x.base, x.offset)
    return any(p is not None and elemental.has_complex(p) for p in parts)


_F64 = np.dtype(np.float64)
_ARRAY_PARTIALS: dict = {}


def _array_partial(rule):
    """The rule's partial for the array fast path: its temporaries go into recycled
    buffers (see dualad.arrays.buffers.compile_expression)."""
    d = _ARRAY_PARTIALS.get(rule.name)
    if d is not None:
        return d
    expr = rule.partials[0]
    if isinstance(expr, str):
        d = _buffers.compile_expression(expr, rule.params[0], _NUMPY_NAMESPACE)
    else:
        d = rule.partial(0, _NUMPY_NAMESPACE, "numpy")
        d = lambda *args, _d=d: _d(*args)   # noqa: E731  (its own attribute below)
        d.temporary = False
    _ARRAY_PARTIALS[rule.name] = d
    return d


# --- gathered tangents ------------------------------------------------------------------
# A seed of the identity moves entry i along direction i only: kept as (cols, vals) with
# one column, elementwise rules and slices keep O(size·p) work instead of O(size·k).
# Every operation without a gathered path reads ``tangent``, which scatters once.

#: most gathered columns kept before the tangent is scattered into a full one
GATHERED_MAX = 16


def gathered_seed(value, tag, k=None, shift=0):
    """``value`` seeded with (part of) the identity, kept gathered: entry i (in C order)
    moves along direction ``i - shift`` when that is one of the k directions (all entries,
    k = value.size, by default)."""
    shape = value.shape
    size = value.size
    k = size if k is None else k
    cols = np.arange(-shift, size - shift)
    cols.shape = shape + (1,)
    if shift == 0 and k == size:
        vals = np.ones(shape + (1,))
    else:
        inside = (cols >= 0) & (cols < k)
        vals = inside.astype(float)
        cols = np.where(inside, cols, 0)
    return _gathered_array(value, cols, vals, tag, k)


def _gathered(value, cols, vals, tag, k):
    if np.ndim(value) == 0:   # one entry left: a scalar dual with a full k-tangent
        return _make(_scalar(value), _scatter_rows(np.ravel(cols), _flat(vals), k), tag)
    return _gathered_array(value, cols, vals, tag, k)


def _gathered_array(value, cols, vals, tag, k):
    d = _new(DualArray)
    d.value, d._tangent, d.tag, d.k, d.owned = value, None, tag, k, False
    d.scale = d.base = d.offset = None
    d.cols, d.vals = cols, vals
    return d


def _is_gathered(x):
    return type(x) is DualArray and x.cols is not None


def is_plain_gathered(x, tag) -> bool:
    """Whether ``x`` is a gathered dual array of ``tag`` around a plain float64 array."""
    return type(x) is DualArray and x.tag == tag and x.cols is not None and \
        type(x.value) is np.ndarray and type(x.vals) is np.ndarray and x.vals.dtype == _F64


def add_gathered(out, x, start):
    """``out[..., start + cols] += vals``: the gathered tangent of ``x`` (see
    ``is_plain_gathered``) added into columns ``start:`` of ``out`` (C-contiguous float64,
    ``x.value.shape + (n,)``), entry by entry, without a full tangent in between."""
    p = x.cols.shape[-1]
    vals = x.vals.reshape(-1)
    nz = np.flatnonzero(vals)   # the zero entries (directions of other chunks) add nothing
    flat = out.view()
    flat.shape = (-1,)   # a view, never a copy (that would lose the writes)
    np.add.at(flat, (nz // p) * out.shape[-1] + start + x.cols.reshape(-1)[nz], vals[nz])


def _flat(x):
    return _reshape(x, (-1,))


def _reshape(x, shape):
    """np.reshape (C order) that keeps gathered tangents gathered, at any nesting."""
    if type(x) is DualArray and x.cols is not None:
        p = x.cols.shape[-1]
        value = _reshape(x.value, shape)
        shape = value.shape
        return _gathered_array(value, x.cols.reshape(shape + (p,)),
                               _reshape(x.vals, shape + (p,)), x.tag, x.k)
    return np.reshape(x, shape)


def _scatter_rows(index, x, size):
    """``out[index[i]] += x[i]`` for an out of ``size`` rows (x an ndarray or a dual array)."""
    if type(x) is np.ndarray:
        if x.dtype == _F64 and x.size:   # one bincount over the flattened rows
            width = x.size // x.shape[0]
            flat = index if width == 1 else (index[:, None] * width + np.arange(width)).ravel()
            out = np.bincount(flat, weights=x.ravel(), minlength=size * width)
            out.shape = (size,) + x.shape[1:]
            return out
        out = np.zeros((size,) + x.shape[1:], dtype=x.dtype)
        np.add.at(out, index, x)
        return out
    if type(x) is DualArray:
        value = _scatter_rows(index, x.value, size)
        if x.cols is not None and type(x.vals) is np.ndarray and x.vals.dtype == _F64 and \
                x.value.ndim == 1:   # gathered: row index[i] gets vals[i, q] at cols[i, q]
            k = x.k
            _check_budget(x.tag, size * k)
            flat = (index[:, None] * k + x.cols).ravel()
            tangent = np.bincount(flat, weights=x.vals.ravel(), minlength=size * k)
            tangent.shape = (size, k)
            return _make_array(value, tangent, x.tag, k)
        return _make_array(value, _scatter_rows(index, x.tangent, size), x.tag, x.k)
    return _scatter_rows(index, np.asarray(x), size)


class GatheredTooWide(BaseException):
    """A gathered tangent would be scattered into a full one larger than its pass allows
    (see ``scatter_budget``): the pass runs again in chunks. A BaseException, so that an
    ``except Exception`` in f does not swallow it."""

    def __init__(self, tag):
        super().__init__(tag)
        self.tag = tag


_budgets = threading.local()


@contextlib.contextmanager
def scatter_budget(tag, entries):
    """Within: scattering a gathered tangent of ``tag`` into more than ``entries`` numbers
    raises ``GatheredTooWide`` (and is remembered, should f swallow the exception)."""
    limits = _budgets.__dict__.setdefault("limits", {})
    limits[tag] = entries
    try:
        yield
    finally:
        del limits[tag]


def budget_tripped(tag) -> bool:
    """Whether a scatter of ``tag`` went over its budget (asked once, then forgotten)."""
    tripped = _budgets.__dict__.setdefault("tripped", set())
    if tag in tripped:
        tripped.discard(tag)
        return True
    return False


def _check_budget(tag, entries):
    limits = getattr(_budgets, "limits", None)
    if limits and tag in limits and entries > limits[tag]:
        _budgets.__dict__.setdefault("tripped", set()).add(tag)
        raise GatheredTooWide(tag)


def entries_per_number(x):
    """Numbers stored per entry of ``x`` when its tangents are full (an estimate)."""
    if type(x) is not DualArray:
        return 1
    return entries_per_number(x.value) * (1 + (x.k or 1))


def _scatter_gathered(x):
    """The full k-tangent of a gathered dual array."""
    cols, vals, k = x.cols, x.vals, x.k
    shape, p = cols.shape[:-1], cols.shape[-1]
    size = cols.size // p
    # the full tangent meets the outer levels' partials: count their widths too
    _check_budget(x.tag, size * k * max(entries_per_number(vals), entries_per_number(x.value)))
    rows = np.arange(size).repeat(p)
    flat = _scatter_rows(rows * k + cols.reshape(-1), _flat(vals), size * k)
    if type(flat) is np.ndarray:
        flat.shape = shape + (k,) + flat.shape[1:]   # in place: the result owns its data
        return flat
    return np.reshape(flat, shape + (k,) + np.shape(flat)[1:])


def _rescale(p, vals, checked=False):
    """``p[..., None] * vals`` with the lane rule (``checked``: p is known finite)."""
    if type(p) in (int, float) and p == 1:
        return vals
    return _ex(p, 1) * vals if checked else lanes(p, vals, 1)


def _gathered_unary(rule, ufunc, x):
    if rule.kind != "smooth" or rule.arity != 1 or rule.jvp is not None or \
            rule.complex_jvp is not None:
        return None
    if not _plain(x.value):
        return _fpe.nested(_gathered_unary_value, rule, ufunc, x, False)
    return _gathered_unary_value(rule, ufunc, x, True)


def _gathered_unary_value(rule, ufunc, x, plain):
    v = x.value
    kernel = _STAND_INS.get(ufunc, ufunc) if type(v) is np.ndarray else ufunc
    if plain:
        ans = kernel(v)   # primal
    else:
        ans = _fpe.passing(kernel, v)
    if type(v) is np.ndarray:
        p = _array_partial(rule)(v, ans)
    else:
        p = elemental.partial(rule, 0, [v], ans, kind_of([v]))
    return _gathered_array(ans, x.cols, _rescale(p, x.vals), x.tag, x.k)


def _gathered_binary(rule, ufunc, a, b):
    """a (op) b for a rule with a binary form (see ``_FORMS``) and a gathered operand; None
    when it does not apply (the other operand carries the tag with a full tangent, or
    broadcasting)."""
    form = _FORMS[rule]
    ta, tb = type(a), type(b)
    ga = ta is DualArray and a.cols is not None
    gb = tb is DualArray and b.cols is not None
    if ga and gb and a.tag != b.tag:   # the inner differentiation's operand is the dual
        check_met(a.tag, b.tag)
        ga, gb = a.tag > b.tag, b.tag > a.tag
    x = a if ga else b
    tag, k = x.tag, x.k
    if not ga and ta is not float and ta is not int and ta is not np.ndarray and \
            not _constant_for(a, tag):
        return None
    if not gb and tb is not float and tb is not int and tb is not np.ndarray and \
            not _constant_for(b, tag):
        return None
    va = a.value if ga else a
    vb = b.value if gb else b
    if ga and gb and a.k != b.k:
        return None
    if _plain(va) and _plain(vb):
        return _gathered_binary_values(form, ufunc, a, b, va, vb, ga, gb, tag, k, True)
    return _fpe.nested(_gathered_binary_values, form, ufunc, a, b, va, vb, ga, gb, tag, k,
                       False)


def _gathered_binary_values(form, ufunc, a, b, va, vb, ga, gb, tag, k, plain):
    if plain:
        ans = ufunc(va, vb)   # primal
    else:
        ans = _fpe.passing(ufunc, va, vb)
    shape = getattr(ans, "shape", None)
    if shape is None:
        return None
    if ga and a.value.shape != shape:   # a gathered operand broadcast against a larger one
        a = _broadcast_gathered(a, shape)
    if gb and b.value.shape != shape:
        b = _broadcast_gathered(b, shape)
    if form == "sum":
        sa, sb = (a.vals if ga else None), (b.vals if gb else None)
    elif form == "difference":
        sa, sb = (a.vals if ga else None), (-b.vals if gb else None)
    elif form == "product":
        both = ga and gb and finite(ans)   # then both factors are finite (see _lanes_safe)
        sa = _rescale(vb, a.vals, both) if ga else None
        sb = _rescale(va, b.vals, both) if gb else None
    else:
        sa = sb = None
        if ga:
            sa = a.vals / _ex(vb, 1) if _lanes_safe(form, va, vb, ans, ga, gb) else \
                lanes(1 / vb, a.vals, 1)
        if gb:
            sb = _rescale(-ans / vb, b.vals)
    if not gb:
        return _gathered_array(ans, a.cols, sa, tag, k)
    if not ga:
        return _gathered_array(ans, b.cols, sb, tag, k)
    ca, cb = a.cols, b.cols
    same = ca is cb or (ca.shape == cb.shape and (not ca.size or ca.item(0) == cb.item(0))
                        and (ca == cb).all())
    if same:
        return _gathered_array(ans, ca, sa + sb, tag, k)
    limit = min(GATHERED_MAX, max(1, k // 4))
    if ca.shape[-1] + cb.shape[-1] <= limit:
        return _gathered_array(ans, np.concatenate((ca, cb), axis=-1),
                               np.concatenate((sa, sb), axis=-1), tag, k)
    cols, vals = _merge_columns(ca, sa, cb, sb)
    if cols.shape[-1] > limit:
        return None
    return _gathered_array(ans, cols, vals, tag, k)


def _merge_columns(ca, sa, cb, sb):
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


def _broadcast_gathered(x, shape):
    """A gathered dual array broadcast to ``shape`` (cols and vals as read-only views)."""
    if x.value.shape == shape:
        return x
    p = x.cols.shape[-1]
    lead = (1,) * (len(shape) - x.value.ndim)   # new leading axes, before the column axis
    cols = np.broadcast_to(x.cols.reshape(lead + x.cols.shape), shape + (p,))
    vals = np.broadcast_to(np.reshape(x.vals, lead + np.shape(x.vals)), shape + (p,))
    return _gathered_array(np.broadcast_to(x.value, shape), cols, vals, x.tag, x.k)


def _constant_for(y, tag):
    """Whether ``y`` is a number, or a dual of an outer differentiation, for ``tag``."""
    if isinstance(y, Carrier):
        if type(y) in (Dual, DualArray) and y.tag < tag:
            check_met(tag, y.tag)
            return True
        return False
    return isinstance(y, (numbers.Number, np.generic))


def _gathered_pow(a, b):
    if not _plain(a.value):
        return _fpe.nested(_gathered_pow_value, a, b, False)
    return _gathered_pow_value(a, b, True)


def _gathered_pow_value(a, b, plain):
    va = a.value
    if plain:
        ans = _power(va, b)   # primal: power
    else:
        ans = _fpe.passing(_power, va, b)
    p = 2 * va if b == 2 else b * va ** (b - 1)
    return _gathered_array(ans, a.cols, _rescale(p, a.vals), a.tag, a.k)


def _gathered_sum(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    """np.sum of a whole gathered array: its k-tangent scattered once."""
    if not _is_gathered(a) or axis not in (None, 0) or (axis == 0 and a.ndim != 1) or \
            dtype is not None or out is not None or keepdims or kwargs:
        return None
    return _make(_scalar(np.sum(a.value)),
                 _scatter_rows(a.cols.reshape(-1), _flat(a.vals), a.k), a.tag)


# --- __array_ufunc__ --------------------------------------------------------------------

def _ufunc_rules():
    rules = {}
    for rule in table:
        for name in rule.numpy_names:
            rules[name] = rule
    return rules


_UFUNC_RULES = _ufunc_rules()
# NumPy kernels of the table that compute a ufunc's primal on plain arrays in its place
# (``kernel.ufunc``): np.log1p's complex values, which NumPy computes as log(1 + z)
_STAND_INS = {kernel.ufunc: kernel for kernel in (rule.impl.get("numpy") for rule in table)
              if getattr(kernel, "ufunc", None) is not None}
_UFUNC_BY_OBJECT = {getattr(np, name): rule for name, rule in _UFUNC_RULES.items()
                    if isinstance(getattr(np, name, None), np.ufunc)}
_STATE = elemental._state
_ON_PRIMAL = table.primal_only
#: (ufunc name, method) -> the array function computing it: ("add", "reduce") -> np.sum
_METHODS = {(name, method): func for name, rule in _UFUNC_RULES.items()
            for method, func in rule.methods.items()}


def _reduction(func, who, a, kwargs):
    """``ufunc.reduce``/``accumulate`` as the array function ``func`` (np.sum, np.cumsum,
    ...), its keywords (dtype=, initial=, where=, keepdims=) handed on; one ``func`` does
    not take is refused (it would be dropped)."""
    taken = inspect.signature(func).parameters
    for key, v in kwargs.items():
        if key not in taken and v is not None:
            raise TypeError(f"dualad: numpy.{who} with {key}={v!r} has no tangent rule")
    return func(a, axis=kwargs.pop("axis", 0), **kwargs)


def _as_object(x):
    if isinstance(x, np.ndarray):
        return x
    box = np.empty((), dtype=object)
    box[()] = x
    return box


def array_ufunc(ufunc, method, inputs, kwargs):
    if any(type(x) in (list, tuple) for x in inputs):   # np.multiply(x, [1., 2.]) as NumPy
        inputs = tuple(_as_array_operand(x) if type(x) in (list, tuple) else x
                       for x in inputs)
    if any(type(x) is np.ndarray and x.dtype == object for x in inputs):
        # an array of objects (e.g. of duals): NumPy's object loops, element by element
        return getattr(ufunc, method)(*[_as_object(x) for x in inputs], **kwargs)
    if _PRECEDING and _PRECEDING[-1].claims(inputs):
        return _PRECEDING[-1].ufunc(ufunc, method, inputs, kwargs)
    if method == "__call__" and not kwargs and any(_is_gathered(x) for x in inputs):
        rule = _UFUNC_BY_OBJECT.get(ufunc)
        result = None
        if rule is not None and len(inputs) == 1:
            result = _gathered_unary(rule, ufunc, inputs[0])
        elif rule is not None and len(inputs) == 2 and rule in _FORMS:
            result = _gathered_binary(rule, ufunc, inputs[0], inputs[1])
        if result is not None:
            return result
    if method == "__call__" and not kwargs and getattr(_STATE, "in_pass", False):
        rule = _UFUNC_BY_OBJECT.get(ufunc)
        if rule is not None:
            if len(inputs) == 1:
                if type(inputs[0]) is DualArray:
                    result = _fast_unary(rule, ufunc, inputs[0])
                    if result is not None:
                        return result
            elif rule in _FORMS:
                result = _fast_binary(rule, ufunc, inputs[0], inputs[1])
                if result is not None:
                    return result
    name = ufunc.__name__
    out = kwargs.pop("out", None)
    if method == "__call__" and ufunc in _HANDLERS:   # np.matmul is a ufunc
        result = _HANDLERS[ufunc](*inputs, **kwargs)
    elif method == "__call__":
        if name in _ON_PRIMAL:
            unwrap = _PRECEDING[-1].primal if _PRECEDING else _primal
            result = ufunc(*[unwrap(x) for x in inputs], **kwargs)
        else:
            if kwargs:
                raise TypeError(f"dualad: numpy.{name} with keyword arguments {sorted(kwargs)} "
                                "has no tangent rule")
            rule = _UFUNC_RULES.get(name)
            if rule is None:
                raise TypeError(f"dualad: numpy.{name} has no tangent rule for dual numbers "
                                "(add one with dualad.defjvp)")
            if not any(isinstance(x, (np.ndarray, DualArray)) for x in inputs):
                # scalars only (np.sin(dual)): the scalar path with NumPy's semantics at
                # singular points (np.log(Dual(0.0)) is -inf with NumPy's warning, not
                # math's ValueError); it keeps mpmath values
                return elemental.NUMPY.functions.get(rule.name, rule)(*inputs)
            result = None
            if len(inputs) == 1 and type(inputs[0]) is DualArray and elemental.in_pass():
                result = _fast_unary(rule, ufunc, inputs[0])
            elif len(inputs) == 2 and rule in _FORMS and elemental.in_pass():
                result = _fast_binary(rule, ufunc, *inputs)
            if result is None:
                result = elementwise(rule, ufunc, inputs)
    elif (name, method) in _METHODS:   # reduce, accumulate
        result = _reduction(_METHODS[name, method], f"{name}.{method}", inputs[0], kwargs)
    elif method == "outer" and name in _UFUNC_RULES:
        a, b = inputs
        a_ndim = np.ndim(_primal(a))
        b_ndim = np.ndim(_primal(b))
        a = a[(Ellipsis,) + (None,) * b_ndim] if a_ndim else a
        b = b[(None,) * a_ndim + (Ellipsis,)] if b_ndim else b
        result = ufunc(a, b)
    else:
        raise TypeError(f"dualad: numpy.{name}.{method} has no tangent rule for dual numbers")
    if out is not None:
        target = out[0] if isinstance(out, tuple) else out
        if not isinstance(target, DualArray):
            raise TypeError(f"dualad: numpy.{name}(..., out=ndarray) would drop the tangent; "
                            "let NumPy allocate the result")
        target[...] = result
        return target
    return result


# --- __array_function__ ----------------------------------------------------------------

_HANDLERS: dict = {}


def array_function(func, args, kwargs):
    if _PRECEDING and _PRECEDING[-1].claims(args):
        return _PRECEDING[-1].function(func, args, kwargs)
    handler = _HANDLERS.get(func)
    if handler is None:
        name = getattr(func, "__module__", "numpy").replace("numpy.", "numpy.")
        raise TypeError(f"dualad: {name}.{func.__name__} has no tangent rule for dual numbers "
                        "(see the table of supported functions in the README)")
    return handler(*args, **kwargs)


def _as_operand(x):
    """A list/tuple holding duals becomes one DualArray (np.stack)."""
    if isinstance(x, (list, tuple)) and any(isinstance(v, (Dual, DualArray)) or
                                            isinstance(v, (list, tuple)) for v in x):
        return np.stack([_as_operand(v) for v in x])
    return x


def apply_array_rule(rule, func, args, kwargs, sequence=False):
    """Apply an array rule: primal by ``func`` on the values, tangent by ``rule.jvp``."""
    if sequence:
        items = [_as_operand(x) for x in args[0]]
        tag = _outer_tag(items)
        k = _directions(items, tag)
        split = [_split(x, tag) for x in items]
        values = ([v for v, _ in split],) + tuple(args[1:])
        tangents = [[t for _, t in split]] + [None] * (len(args) - 1)
    else:
        args = tuple(_as_operand(a) for a in args)
        tag = _outer_tag(args)
        if tag < 0:
            return func(*args, **kwargs)
        k = _directions(args, tag)
        split = [_split(x, tag) for x in args]
        values = tuple(v for v, _ in split)
        tangents = [t for _, t in split]
    if tag < 0:
        return func(*values, **kwargs)
    name = getattr(func, "__name__", "an array function")
    if all(map(_plain, values[0] if sequence else values)):
        return _array_rule_values(rule, func, values, kwargs, tangents, tag, k,
                                  _fpe.evaluate, name)
    return _fpe.nested(_array_rule_values, rule, func, values, kwargs, tangents, tag, k,
                       lambda name, fn, *a, **kw: _fpe.passing(fn, *a, **kw), name)


def _array_rule_values(rule, func, values, kwargs, tangents, tag, k, evaluate, name):
    ans = evaluate(name, func, *values, **kwargs)
    dtype = kwargs.get("dtype")
    if dtype is not None and np.dtype(dtype).kind in "biu":
        return ans   # rounded to integers: piecewise constant, derivative 0 (as floor)
    if dtype is not None and np.dtype(dtype).kind == "f":
        values, tangents = _real_parts(values, tangents)
    tangent = rule.jvp(values, kwargs, ans, tangents, k)
    return _wrap_result(ans, tangent, tag, k)


def _real_parts(values, tangents):
    """The inputs as NumPy reads them under a real ``dtype=``: it casts a complex input to
    the dtype, discarding the imaginary part (with a ComplexWarning, which the primal's
    evaluation gave). The function differentiated is then one of the real parts, so each
    complex input and its tangent become their real parts (a sequence argument entry by
    entry); the tangent map then sees a real function of real inputs."""
    def real(v):
        if isinstance(v, list):
            return [real(x) for x in v]
        return np.real(v) if v is not None and np.iscomplexobj(_primal(v)) else v

    def real_tangent(v, t):
        if isinstance(v, list):
            return [real_tangent(x, u) for x, u in zip(v, t)]
        return np.real(t) if t is not None and np.iscomplexobj(_primal(v)) else t
    return (tuple(real(v) for v in values),
            [real_tangent(v, t) for v, t in zip(values, tangents)])


def _wrap_result(ans, tangent, tag, k):
    if isinstance(ans, tuple):
        wrapped = [wrap(a, t, tag, k) if t is not None else a for a, t in zip(ans, tangent)]
        return type(ans)(*wrapped) if hasattr(ans, "_fields") else tuple(wrapped)
    if isinstance(ans, list):
        return [wrap(a, t, tag, k) for a, t in zip(ans, tangent)]
    return wrap(ans, tangent, tag, k)


def implements(*funcs):
    """Register ``handler`` for NumPy functions made of ruled operations. The call is
    bound to NumPy's own signature and handed over by NumPy's parameter names, so that
    positional and keyword forms mean what they mean to NumPy; ``out=`` and any argument
    the handler does not take (given other than at its default) are refused."""
    def register(handler):
        for f in funcs:
            _HANDLERS[f] = _bound_to_numpy(f, handler)
        return handler
    return register


def _bound_to_numpy(func, handler):
    try:
        numpy_signature = inspect.signature(func)
    except (TypeError, ValueError):
        return handler
    ours = inspect.signature(handler).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in ours.values())
    theirs = list(numpy_signature.parameters.values())
    aligned = 0   # leading parameters with the same name in both, positionally
    for p, q in zip(theirs, ours.values()):
        if p.name != q.name or q.kind not in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD):
            break
        aligned += 1
    name = _numpy_name(func)

    def bound(*args, **kwargs):
        if not kwargs and len(args) <= aligned:
            return handler(*args)
        arguments = numpy_signature.bind(*args, **kwargs).arguments
        positional, keywords = [], {}
        for key, v in arguments.items():
            p = numpy_signature.parameters[key]
            if p.kind is p.POSITIONAL_ONLY:
                positional.append(v)
            elif p.kind is p.VAR_POSITIONAL:
                positional.extend(v)
            elif p.kind is p.VAR_KEYWORD:
                keywords.update(v)
            else:
                keywords[key] = v
        if keywords.get("out") is not None:
            raise TypeError(f"dualad: {name}(..., out=...) would drop the tangent; let NumPy "
                            f"allocate the result (y = {name}(...))")
        if not takes_any:
            for key in [key for key in keywords if key not in ours]:
                if not _is_default(keywords[key], numpy_signature.parameters.get(key)):
                    raise TypeError(f"dualad: {name} with {key}={keywords[key]!r} has no "
                                    "tangent rule")
                del keywords[key]
        return handler(*positional, **keywords)
    bound.__name__ = getattr(handler, "__name__", "handler")
    return bound


def _is_default(v, parameter):
    if v is None or parameter is None:
        return v is None
    default = parameter.default
    return v is default or (type(v) is type(default) and type(v) in (bool, int, float, str)
                            and v == default)


def _register_table_rules():
    """Array functions with a tangent map in the rule table dispatch to it."""
    for rule in table:
        if rule.kind != "array":
            continue
        for func in rule.numpy_functions:
            _HANDLERS[func] = _handler_for(rule, func)


def _handler_for(rule, func):
    sequence = rule.params and rule.params[0] == "arrays"
    normalise = _normaliser(rule, func)

    def handler(*args, **kwargs):
        args, kwargs = normalise(args, kwargs)
        return apply_array_rule(rule, func, args, kwargs, sequence=sequence)
    handler.__name__ = f"{rule.name}_handler"
    handler.normalise = normalise
    return handler


def _normaliser(rule, func):
    """The call brought to the one form every tangent map reads: the rule's parameters
    (NumPy's leading parameters, in NumPy's order) positionally, every other argument by
    keyword under NumPy's name for it. The call is bound to the NumPy function's own
    signature, so ``np.moveaxis(a, source=0, destination=1)`` and ``np.moveaxis(a, 0, 1)``
    reach the map alike. Arguments a tangent map cannot honour are refused here: ``out=``
    (the result would lose its tangent) and a dual in any other argument than the rule's
    parameters (its tangent would be dropped)."""
    name = _numpy_name(func)
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):   # no signature: the call is taken as it comes
        signature = None
    parameters = list(signature.parameters.values()) if signature is not None else []
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):   # einsum, atleast_1d
        signature = None
    leading = tuple(p.name for p in parameters[:len(rule.params)]) if signature else ()
    n = len(leading)

    def normalise(args, kwargs):
        if signature is not None and (len(args) != n or not kwargs.keys().isdisjoint(leading)):
            bound = signature.bind(*args, **kwargs)   # NumPy's dispatcher checked the call
            arguments = dict(bound.arguments)
            args = tuple(arguments.pop(p) if p in arguments else
                         signature.parameters[p].default for p in leading)
            kwargs = {}
            for key, v in arguments.items():
                if signature.parameters[key].kind is inspect.Parameter.VAR_KEYWORD:
                    kwargs.update(v)
                else:
                    kwargs[key] = v
        if kwargs:
            _refuse_keywords(name, kwargs)
        return args, kwargs
    return normalise


def _refuse_keywords(name, kwargs):
    if kwargs.get("out") is not None:
        raise TypeError(f"dualad: {name}(..., out=...) would drop the tangent; let NumPy "
                        f"allocate the result (y = {name}(...))")
    for key, v in kwargs.items():
        if _holds_dual(v):
            raise TypeError(f"dualad: {name} with a dual {key}= ({type(v).__name__}) has no "
                            f"tangent rule: only its array arguments may carry derivatives")


def _holds_dual(v):
    if isinstance(v, Carrier):
        return True
    return type(v) in (list, tuple) and any(_holds_dual(x) for x in v)


def _numpy_name(func):
    return f"{getattr(func, '__module__', None) or 'numpy'}.{func.__name__}"


from dualad.table.rules import table as _table  # noqa: E402

_ADD, _SUB, _MUL, _DIV, _POW = (_table[n] for n in ("add", "sub", "mul", "truediv", "pow"))
_FLOORDIV, _MOD, _ABS = (_table[n] for n in ("floordiv", "mod", "abs"))



def _array_rule(rule, args, flavour):
    kernel = rule.impl.get("numpy")
    if kernel is None:
        array = next(a for a in args if type(a) in RULE_HANDLERS)
        raise TypeError(f"dualad: {rule.name}() has no array implementation (it takes "
                        f"scalars only); got a {type(array).__name__} of shape "
                        f"{getattr(array, 'shape', '?')}: apply it to each scalar element "
                        f"instead (a list comprehension over the entries)")
    return elementwise(rule, kernel, args)


_register_table_rules()
_NUMPY_NAMESPACE = elemental.namespace("numpy")


_concatenate_by_rule = _HANDLERS[np.concatenate]


def _concatenate_full(arrays, axis=0, **kwargs):
    """np.concatenate along axis 0 of one-level k-tangents and constants, directly."""
    if kwargs or axis != 0 or not elemental.in_pass() or type(arrays) not in (list, tuple):
        return None
    if any(type(x) in (list, tuple) and _has_dual_inside(x) for x in arrays):
        return None
    tag = k = None
    for x in arrays:
        if type(x) is DualArray:
            if type(x.value) is not np.ndarray or x.k is None or (
                    tag is not None and (x.tag != tag or x.k != k)):
                return None
            tag, k = x.tag, x.k
        elif isinstance(x, Carrier):
            return None
    if tag is None:
        return None
    values, tangents = [], []
    for x in arrays:
        if type(x) is DualArray:
            values.append(x.value)
            tangents.append(x.tangent)
        else:
            v = np.asarray(x)
            values.append(v)
            tangents.append(np.zeros(v.shape + (k,), dtype=np.result_type(v, float)))
    return _make_array(np.concatenate(values), np.concatenate(tangents), tag, k)


def _has_dual_inside(items) -> bool:
    return any(isinstance(v, Carrier) or (type(v) in (list, tuple) and
                                                    _has_dual_inside(v)) for v in items)


def _concatenate_gathered(arrays, axis=0, **kwargs):
    """np.concatenate of gathered dual arrays of one tag and real constants (arrays, or
    lists of numbers as in ``np.concatenate(([0.0], u, [0.0]))``), along any axis of the
    values: the constants' entries get zero columns, narrower operands are padded."""
    if kwargs or type(axis) is not int or type(arrays) not in (list, tuple) or \
            not any(type(x) is DualArray and x.cols is not None for x in arrays):
        return None
    if any(type(x) in (list, tuple) for x in arrays):
        if any(type(x) in (list, tuple) and _has_dual_inside(x) for x in arrays):
            return None
        arrays = [np.asarray(x) if type(x) in (list, tuple) else x for x in arrays]
    tag = k = None
    p = 1
    ndim = np.ndim(arrays[0])
    for x in arrays:
        if type(x) is DualArray and x.cols is not None:
            if tag is not None and (x.tag != tag or x.k != k):
                return None
            tag, k = x.tag, x.k
            p = max(p, x.cols.shape[-1])
        elif type(x) is not np.ndarray or x.dtype.kind not in "biuf":
            return None
        if x.ndim != ndim or ndim == 0:
            return None
    if not -ndim <= axis < ndim:
        return None
    axis %= ndim   # on the value's axes: the column axis stays last
    values, cols, vals = [], [], []
    for x in arrays:
        if type(x) is DualArray:
            c, v, q = x.cols, x.vals, x.cols.shape[-1]
            if q < p:   # pad with zero columns
                pad = x.value.shape + (p - q,)
                c = np.concatenate((c, np.zeros(pad, dtype=c.dtype)), axis=-1)
                v = np.concatenate((v, np.zeros(pad)), axis=-1)
            values.append(x.value)
        else:
            c = np.zeros(x.shape + (p,), dtype=np.intp)
            v = np.zeros(x.shape + (p,))
            values.append(x)
        cols.append(c)
        vals.append(v)
    return _gathered(np.concatenate(values, axis), np.concatenate(cols, axis),
                     np.concatenate(vals, axis), tag, k)


def _concatenate(*args, **kwargs):
    args, kwargs = _concatenate_by_rule.normalise(args, kwargs)
    out = _concatenate_gathered(*args, **kwargs)
    if out is not None:
        return out
    out = _concatenate_full(*args, **kwargs)
    return _concatenate_by_rule(*args, **kwargs) if out is None else out


_HANDLERS[np.concatenate] = _concatenate
_sum_by_rule = _HANDLERS[np.sum]


def _sum(*args, **kwargs):
    args, kwargs = _sum_by_rule.normalise(args, kwargs)
    out = _gathered_sum(*args, **kwargs)
    return _sum_by_rule(*args, **kwargs) if out is None else out


_HANDLERS[np.sum] = _sum
_register_carrier(DualArray, apply_rule=_array_rule, lift=writable_like)


def _dual_array_ufunc(self, ufunc, method, *inputs, **kwargs):
    return array_ufunc(ufunc, method, inputs, kwargs)


def _dual_array_function(self, func, types, args, kwargs):
    return array_function(func, args, kwargs)


# NumPy's protocol on the scalar Dual (np.sin(d), ndarray * d) is this layer's
Dual.__array_ufunc__ = _dual_array_ufunc
Dual.__array_function__ = _dual_array_function

_fpe.mark_primal_lines(__name__)
