"""Gathered tangents: a k-tangent kept as ``cols`` (ints) and ``vals``, both of shape
``value.shape + (p,)``, with ``tangent[..., cols[..., j]] += vals[..., j]``: each entry
moves along at most p directions.

A seed of the identity moves entry i along direction i only (``gathered_seed``: p = 1);
elementwise rules rescale ``vals``, sums of differently gathered operands append columns,
slices and reshapes keep the form, so a Hessian's inner tangents stay O(n·p) instead of
O(n²). Every operation without a gathered path reads ``tangent``, which scatters once
(``_scattered``, installed on ``DualArray``), within the pass's budget
(``scatter_budget``): over it, ``GatheredTooWide`` has the pass run again in chunks.
``_scattered`` and ``_gathered_item`` are installed on ``DualArray`` here.
"""
from __future__ import annotations

import contextlib
import numbers
import threading
from typing import Any

import numpy as np

from dualad.arrays.array import (
    DualArray, _gathered_array, _holds_dual, _make_array, _plain, _scalar, _tangent_index)
from dualad.arrays import gathered_nested as _nested
from dualad.arrays.gathered_columns import (
    merge_columns as _merge_columns, range_offsets, scatter_ranges)
from dualad.arrays.ufunc_rules import (
    F64 as _F64, FORMS as _FORMS, STAND_INS as _STAND_INS, array_partial as _array_partial,
    ex as _ex, lanes_safe as _lanes_safe, power as _power)
from dualad.core import rule_path
from dualad.base import fpe as _fpe
from dualad.base.carriers import Carrier
from dualad.core.rule_path import finite, kind_of, lanes
from dualad.core.number import Dual, _make
from dualad.base.tags import check_met

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
    if type(p) is DualArray:   # inside a Hessian: the product written out
        out = _nested.rescaled(p, vals)
        if out is not None:
            return out
    return _ex(p, 1) * vals if checked else lanes(p, vals, 1)


def _gathered_unary(rule, ufunc, x, nested=False):
    if rule.kind != "smooth" or rule.arity != 1 or rule.jvp is not None or \
            rule.complex_jvp is not None:
        return None
    v = x.value
    kernel = _STAND_INS.get(ufunc, ufunc) if type(v) is np.ndarray else ufunc
    if _plain(v):
        ans = kernel(v)   # primal
    elif not nested:   # the values are duals of an outer differentiation
        return _fpe.nested(_gathered_unary, rule, ufunc, x, True)
    else:
        ans = _fpe.passing(kernel, v)
    if type(v) is np.ndarray:
        p = _array_partial(rule)(v, ans)
    else:
        p = rule_path.partial(rule, 0, [v], ans, kind_of([v]))
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
    sa: Any   # None for an operand that is not gathered
    sb: Any
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
        vals = _nested.joined(sa, sb)   # inside a Hessian: written out
        if vals is None:
            vals = np.concatenate((sa, sb), axis=-1)
        return _gathered_array(ans, np.concatenate((ca, cb), axis=-1), vals, tag, k)
    cols, vals = _merge_columns(ca, sa, cb, sb)
    if cols.shape[-1] > limit:
        return None
    return _gathered_array(ans, cols, vals, tag, k)


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


def _gathered_pow(a, b, nested=False):
    va = a.value
    if _plain(va):
        ans = _power(va, b)   # primal: power
    elif not nested:   # the values are duals of an outer differentiation
        return _fpe.nested(_gathered_pow, a, b, True)
    else:
        ans = _fpe.passing(_power, va, b)
    p = 2 * va if b == 2 else b * va ** (b - 1)
    return _gathered_array(ans, a.cols, _rescale(p, a.vals), a.tag, a.k)


def _gathered_sum(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
    """np.sum of a whole gathered array: its k-tangent scattered once."""
    if not _is_gathered(a) or axis not in (None, 0) or (axis == 0 and a.ndim != 1) or \
            dtype is not None or out is not None or keepdims or kwargs:
        return None
    p = a.cols.shape[-1]
    cols = a.cols.reshape(-1, p)
    offsets = range_offsets(cols)   # shifted ranges (slices of a seed): slice additions
    tangent = None if offsets is None else scatter_ranges(offsets, _reshape(a.vals, (-1, p)),
                                                          a.k)
    if tangent is None:
        tangent = _scatter_rows(cols.reshape(-1), _flat(a.vals), a.k)
    return _make(_scalar(np.sum(a.value)), tangent, a.tag)


def _concatenate_gathered(arrays, axis=0, **kwargs):
    """np.concatenate of gathered dual arrays of one tag and real constants (arrays, or
    lists of numbers as in ``np.concatenate(([0.0], u, [0.0]))``), along any axis of the
    values: the constants' entries get zero columns, narrower operands are padded."""
    if kwargs or type(axis) is not int or type(arrays) not in (list, tuple) or \
            not any(type(x) is DualArray and x.cols is not None for x in arrays):
        return None
    if any(type(x) in (list, tuple) for x in arrays):
        if any(type(x) in (list, tuple) and _holds_dual(x) for x in arrays):
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


def _gathered_item(x, index):
    """``x[index]`` of a gathered dual array (``index`` plain): cols and vals indexed as
    the value, the column axis left alone."""
    t_index = _tangent_index(index, x.ndim)
    return _gathered(x.value[index], x.cols[t_index], x.vals[t_index], x.tag, x.k)


setattr(DualArray, "_scattered", _scatter_gathered)   # (declared on the class to type checkers)
setattr(DualArray, "_gathered_item", _gathered_item)

_fpe.mark_primal_lines(__name__)
