"""NumPy functions on DualArrays that are compositions of ruled ones, or look only at the
primal (shapes, indices, predicates). Functions with a tangent map of their own are in
the rule table (kind "array"); this module adds no derivative rule of its own.
"""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from dualad.base import fpe as _fpe
from dualad.base.carriers import ACTIVE as _PRECEDING, Carrier
from dualad.arrays.array import (
    DualArray, _as_operand, _holds_dual, _primal, as_dual_array, wrap)
from dualad.arrays.dispatch import _HANDLERS, apply_array_rule, implements
from dualad.arrays.elementwise import elementwise
from dualad.table.array_rules import outer_compose
from dualad.stdlib.differentiable import GENERIC_FUNCTIONS
from dualad.table.primals import np_round
from dualad.core.number import Dual
from dualad.table.rules import table

_WHERE = table["np.where"]
_PHASE = GENERIC_FUNCTIONS["phase"]
_ROUND = table["round"]
_TWO_NORM = table["np.linalg.norm"]


@implements(np.where)
def where(condition, x=None, y=None):
    if x is None and y is None:
        return np.nonzero(condition)
    return apply_array_rule(_WHERE, np.where, (_primal(condition), x, y), {})


# --- looks at the primal only ------------------------------------------------------------

def _on_primal(func, looks_at_values):
    def handler(*args, **kwargs):
        if looks_at_values and _PRECEDING:   # a pattern holds for all values
            what, observed = f"the input of numpy.{func.__name__}", _PRECEDING[-1].observed
            return func(*[observed(a, what) for a in args],
                        **{k: observed(v, what) for k, v in kwargs.items()})
        return func(*[_deep_primal(a) for a in args],
                    **{k: _deep_primal(v) for k, v in kwargs.items()})
    _HANDLERS[func] = handler


def _deep_primal(x):
    if isinstance(x, (list, tuple)):
        return type(x)(_deep_primal(v) for v in x)
    return _primal(x)


# Shape queries, indices, counts and predicates: integer or boolean, piecewise constant.
# (A function whose result moves continuously with its input never belongs here: the
# histogram's edges do, and have their own handler below.)
_func: Any   # the loop variable below, over NumPy functions of many signatures
for _func in (np.shape, np.ndim, np.size, np.iscomplexobj, np.isrealobj, np.result_type,
              np.may_share_memory, np.shares_memory,
              np.diag_indices_from):   # shapes and dtypes only
    _on_primal(_func, looks_at_values=False)
for _func in (np.argmax, np.argmin, np.argsort, np.argpartition, np.nonzero,
              np.count_nonzero, np.flatnonzero, np.searchsorted, np.isclose, np.allclose,
              np.array_equal, np.argwhere, np.any, np.all, np.unravel_index, np.digitize,
              np.lexsort, np.iscomplex, np.isreal):
    _on_primal(_func, looks_at_values=True)


# --- histograms: counts are piecewise constant, the bin edges move with the data -------

@implements(np.histogram)
def histogram(a, bins=10, range=None, density=None, weights=None):
    """np.histogram. The counts are piecewise constant in the samples, but the edges
    (first + (last - first) k/n, first and last the samples' min and max or range=) move
    with them, a density (counts / widths / total) with the edges, and weighted counts
    with the weights. The primal is NumPy's own."""
    plain = dict(bins=_deep_primal(bins), range=_deep_primal(range),
                 weights=_deep_primal(weights))
    hist, edges = np.histogram(_primal(a), density=density, **plain)
    moving_edges = _bin_edges(a, bins, range, edges)
    if not density and not _holds_dual(weights):
        return hist, moving_edges
    if _holds_dual(weights):
        counts = _weighted_counts(_primal(a), edges, weights, plain)
    else:
        counts = np.histogram(_primal(a), **plain)[0]
    if density:   # NumPy divides by the widths cast to float: for complex edges, Re
        counts = counts / np.real(np.diff(moving_edges)) / np.sum(counts)
    return _with_primal(hist, counts), moving_edges


@implements(np.histogram_bin_edges)
def histogram_bin_edges(a, bins=10, range=None, weights=None):
    """np.histogram_bin_edges: the edges move with the samples' min and max (see histogram)."""
    edges = np.histogram_bin_edges(_primal(a), bins=_deep_primal(bins),
                                   range=_deep_primal(range), weights=_deep_primal(weights))
    return _bin_edges(a, bins, range, edges)


def _bin_edges(a, bins, range_, edges):
    """The edges NumPy computed (``edges``) as a dual of the samples, bins or range."""
    if np.ndim(_deep_primal(bins)) == 1:   # the edges themselves were given
        return _as_operand(bins) if _holds_dual(bins) else edges
    if range_ is not None:
        first, last = range_
    elif np.size(_primal(a)) == 0:
        return edges
    else:
        first, last = np.min(a), np.max(a)
    if not _holds_dual((first, last)):
        return edges
    n = len(edges) - 1   # NumPy's bin count; integer, so piecewise constant
    fraction = np.arange(n + 1) / n
    return _with_primal(edges, first * (1 - fraction) + last * fraction)


def _weighted_counts(samples, edges, weights, plain):
    """sum of the weights in each bin, as a product with the 0/1 bin membership of the
    samples: bin i holds edges[i] <= x < edges[i+1] (the last one closed), as NumPy
    places real samples and samples in given edges. Complex samples in equal bins NumPy
    places by a complex projection cast to an integer, corrected by one bin at most (not
    by the order of the edges): that membership is NumPy's own, sample by sample."""
    x = np.ravel(samples)
    n = len(edges) - 1
    if np.iscomplexobj(x) and np.ndim(plain["bins"]) == 0:
        span = (edges[0], edges[-1])
        member = np.stack([np.histogram(v, bins=n, range=span)[0] for v in x], axis=1)
        return np.matmul(member.astype(float), np.ravel(weights))
    index = np.searchsorted(edges, x, side="right") - 1
    index[x == edges[-1]] = n - 1
    inside = (x >= edges[0]) & (x <= edges[-1])
    member = (index[None, :] == np.arange(n)[:, None]) & inside[None, :]
    return np.matmul(member.astype(float), np.ravel(weights))


def _with_primal(primal, dual):
    """``dual`` with its primal replaced by the equal ``primal`` NumPy computed (bit for bit),
    its tangents at every level kept."""
    if not isinstance(dual, Carrier):
        return primal
    return primal + (dual - _primal(dual))


# --- constant arrays shaped like a dual: zero tangent, so out[i] = dual works -------

def _zeros_like_dual(a, dtype=None, shape=None):
    """Zeros of ``a``'s shape (or ``shape``) as a dual of ``a``'s tag at every level (zero
    tangents)."""
    if not isinstance(a, (Dual, DualArray)):
        return np.zeros_like(a, dtype=dtype, shape=shape)
    value = _zeros_like_dual(a.value, dtype, shape)
    if np.ndim(_primal(value)) == 0:
        return value
    result = as_dual_array(value, a)
    result.owned = True
    return result


def _like(func, fill):
    """np.zeros_like, ones_like, empty_like, full_like: constants, of the shape= and dtype=
    asked for; as duals of the prototype's tag (zero tangent) so that out[i] = dual works,
    and a dual fill value of full_like keeps its tangent. An integer or bool dtype rounds
    the fill: piecewise constant, a plain array."""
    signature = inspect.signature(func)
    prototype = next(iter(signature.parameters))   # "a", or "prototype" for empty_like

    def handler(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        call = bound.arguments
        a, shape = call[prototype], call.get("shape")
        dtype = np.dtype(call.get("dtype") or np.asarray(_primal(a)).dtype)
        value = call.get("fill_value", fill)
        out = None
        if dtype.kind in "fc":
            if call.get("order", "K") not in ("K", "C", "A") or call.get("device") is not None:
                raise TypeError(f"dualad: numpy.{func.__name__} of a dual with order="
                                f"{call.get('order')!r} or device= is not supported")
            out = _zeros_like_dual(a, dtype, shape)
            if value is not None:
                if dtype.kind == "f" and np.iscomplexobj(_primal(value)):
                    value = np.real(value)   # NumPy casts a complex fill to a real dtype so
                out = out + value
        if isinstance(out, Carrier):
            return out
        return func(*[_deep_primal(v) for v in bound.args],   # a plain constant: NumPy's
                    **{key: _deep_primal(v) for key, v in bound.kwargs.items()})
    _HANDLERS[func] = handler


_like(np.zeros_like, None)
_like(np.empty_like, None)
_like(np.ones_like, 1.0)
_like(np.full_like, None)


@implements(np.copy)
def copy(a, order="K", subok=False):
    if order != "K" and isinstance(a, DualArray):
        raise TypeError(f"dualad: numpy.copy with order={order!r} has no tangent rule "
                        "(a dual's copy keeps its layout)")
    return a.copy() if isinstance(a, DualArray) else a


@implements(np.round, np.around)
def round_(a, decimals=0, out=None):
    """np.round: piecewise constant in ``a`` (the table's round rule: derivative 0)."""
    return elementwise(_ROUND, np_round, (a, decimals))


# --- compositions of ruled operations --------------------------------------------------

@implements(np.compress)
def compress(condition, a, axis=None, out=None):
    """np.compress: the entries where ``condition`` (on the primal) holds, a selection."""
    return np.take(a, np.flatnonzero(_deep_primal(condition)), axis=axis)


@implements(np.partition)
def partition(a, kth, axis=-1, kind="introselect", order=None):
    """np.partition: the entries placed by np.argpartition of the primal, a selection (the
    order on either side of kth, which NumPy leaves unspecified, is argpartition's)."""
    if order is not None:
        raise TypeError("dualad: numpy.partition with order= (structured arrays) has no "
                        "tangent rule")
    if _PRECEDING and _PRECEDING[-1].claims((a,)):
        # which entry lands where depends on the values: along the axis, every output
        # may depend on every input, as for np.sort (a pattern holds for all values)
        return np.sort(a, axis=axis)
    index = np.argpartition(_primal(a), _deep_primal(kth), axis=axis, kind=kind)
    return np.take_along_axis(a, index, axis=axis)


@implements(np.outer)
def outer(a, b, out=None):
    return outer_compose(a, b)


@implements(np.vdot)
def vdot(a, b):
    return np.sum(np.conjugate(np.ravel(a)) * np.ravel(b))


@implements(np.clip)
def clip(a, a_min=None, a_max=None, out=None, **kwargs):
    lo = kwargs.pop("min", a_min)
    hi = kwargs.pop("max", a_max)
    if out is not None or kwargs:
        raise TypeError("dualad: numpy.clip with out= or extra keywords has no tangent rule")
    result = a
    # np.less/np.greater order complex numbers as NumPy does (lexicographically), Python
    # complex scalars included, which have no < of their own
    if lo is not None:
        result = np.where(np.less(_primal(result), _primal(lo)), lo + 0 * result, result)
    if hi is not None:
        result = np.where(np.greater(_primal(result), _primal(hi)), hi + 0 * result, result)
    return result


@implements(np.real)
def real(val):
    return val.real if isinstance(val, Dual) else _parts(val, "real")


@implements(np.imag)
def imag(val):
    return val.imag if isinstance(val, Dual) else _parts(val, "imag")


def _parts(x, part):
    if not isinstance(x, DualArray):
        return getattr(np, part)(x)
    return wrap(getattr(np, part)(x.value), getattr(np, part)(x.tangent), x.tag, x.k)


@implements(np.angle)
def angle(z, deg=False):
    out = _PHASE(z)   # the phase rule: NumPy's angle, with d arg z = Im(dz/z) lane by lane
    return out * (180.0 / np.pi) if deg else out


@implements(np.hstack)
def hstack(tup, *, dtype=None, casting="same_kind"):
    arrays = [np.atleast_1d(a) for a in tup]
    return np.concatenate(arrays, axis=0 if np.ndim(arrays[0]) == 1 else 1, dtype=dtype,
                          casting=casting)


@implements(np.vstack)
def vstack(tup, *, dtype=None, casting="same_kind"):
    return np.concatenate([np.atleast_2d(a) for a in tup], axis=0, dtype=dtype, casting=casting)


@implements(np.column_stack)
def column_stack(tup):
    cols = [a if np.ndim(a) >= 2 else np.reshape(a, (-1, 1)) for a in tup]
    return np.concatenate(cols, axis=1)


@implements(np.fliplr)
def fliplr(m):
    return np.flip(m, axis=1)


@implements(np.flipud)
def flipud(m):
    return np.flip(m, axis=0)


@implements(np.var)
def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=None,
        correction=None):
    """np.var from ruled operations: the mean of |a - mean|^2 over n - ddof."""
    if correction is not None:
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        ddof = correction
    if mean is None:
        mean = np.mean(a, axis=axis, dtype=dtype, keepdims=True, where=where)
    dev = a - mean
    shape = np.shape(_primal(a))
    if where is True:
        n = np.prod([shape[ax] for ax in range(len(shape))] if axis is None else
                    [shape[ax] for ax in np.atleast_1d(axis)])
    else:
        n = np.sum(np.broadcast_to(where, shape), axis=axis, keepdims=keepdims)
    squares = np.real(dev * np.conjugate(dev))
    return np.sum(squares, axis=axis, dtype=dtype, keepdims=keepdims, where=where) / (n - ddof)


@implements(np.std)
def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=None,
        correction=None):
    return np.sqrt(np.var(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=where,
                          mean=mean, correction=correction))


@implements(np.average)
def average(a, axis=None, weights=None, returned=False, keepdims=False):
    if weights is None:
        avg = np.mean(a, axis=axis, keepdims=keepdims)
        scale = np.size(_primal(a)) / max(np.size(_primal(avg)), 1)
        return (avg, scale) if returned else avg
    shape = np.shape(_primal(a))
    w = weights
    if np.ndim(_primal(w)) != len(shape):  # 1-D weights along `axis`
        aligned = [1] * len(shape)
        aligned[axis] = -1
        w = np.reshape(w, aligned)
    w = w + np.zeros(shape)
    scale = np.sum(w, axis=axis, keepdims=keepdims)
    avg = np.sum(a * w, axis=axis, keepdims=keepdims) / scale
    return (avg, scale) if returned else avg


@implements(np.sinc)
def sinc(x):
    y = np.pi * np.where(_primal(x) == 0, 1.0e-20, x)
    return np.sin(y) / y


@implements(np.polyval)
def polyval(p, x):
    result = 0 * x
    for c in p:
        result = result * x + c
    return result


@implements(np.trapezoid)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    y_m = np.moveaxis(y, axis, -1) if np.ndim(_primal(y)) > 1 else y
    if x is None:
        return np.sum((y_m[..., 1:] + y_m[..., :-1]) * (dx / 2.0), axis=-1)
    d = np.diff(x, axis=-1)
    return np.sum((y_m[..., 1:] + y_m[..., :-1]) * d / 2.0, axis=-1)


@implements(np.kron)
def kron(a, b):
    a2, b2 = np.atleast_2d(a), np.atleast_2d(b)
    (m, n), (p, q) = np.shape(_primal(a2)), np.shape(_primal(b2))
    blocks = a2[:, None, :, None] * b2[None, :, None, :]
    out = np.reshape(blocks, (m * p, n * q))
    return out if np.ndim(_primal(a)) == 2 or np.ndim(_primal(b)) == 2 else np.reshape(out, (-1,))


# --- linear algebra compositions -----------------------------------------------------

@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector and matrix norms; the 2-norm at 0 has derivative 0 (like abs'(0)). The 2-norm
    and Frobenius norm are the table's rule (NumPy's primal, tangents scaled as hypot);
    p-norms are NumPy's primal with the tangents of the scaled sum (see _p_norm)."""
    p = _primal(x)
    if axis is None and ord is None:
        return _two_norm(x, ord, axis, keepdims)
    matrix = (axis is None and np.ndim(p) == 2) or (isinstance(axis, tuple) and len(axis) == 2)
    if matrix:
        axes = (0, 1) if axis is None else axis
        if ord in (None, "fro"):
            return _two_norm(x, ord, axis, keepdims)
        if ord == "nuc":
            return np.sum(np.linalg.svd(_to_last(x, axes), compute_uv=False), axis=-1)
        if ord in (2, -2):
            s = np.linalg.svd(_to_last(x, axes), compute_uv=False)
            return np.max(s, axis=-1) if ord == 2 else np.min(s, axis=-1)
        if ord in (1, -1, np.inf, -np.inf):
            ax0, ax1 = axes
            if ord in (np.inf, -np.inf):
                ax0, ax1 = ax1, ax0
            sums = np.sum(np.abs(x), axis=ax0, keepdims=True)
            red = np.max if ord > 0 else np.min
            return red(sums, axis=(ax0, ax1), keepdims=keepdims) if keepdims else red(
                np.squeeze(sums, axis=ax0), axis=ax1 - (ax1 > ax0))
        raise ValueError(f"dualad: invalid norm order {ord!r} for matrices")
    if ord in (None, 2):
        return _two_norm(x, ord, axis, keepdims)
    if ord in (np.inf, -np.inf, 1):
        reduce = np.sum if ord == 1 else (np.max if ord > 0 else np.min)
        return reduce(np.abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return np.sum(_primal(x) != 0, axis=axis, keepdims=keepdims).astype(float)
    if ord > 0:
        primal = _fpe.evaluate("norm", np.linalg.norm, p, ord, axis, keepdims)
        return _with_primal(primal, _p_norm(x, ord, axis, keepdims))
    return np.sum(np.abs(x) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)


def _to_last(x, axes):
    return np.moveaxis(x, axes, (-2, -1))


def _two_norm(x, ord, axis, keepdims):
    """The 2-norm (Frobenius for matrices) of ``x`` along ``axis`` (all axes if None) by
    the table's rule; a sparsity detection takes the sum of squares, of the same pattern."""
    if _PRECEDING and _PRECEDING[-1].claims((x,)):
        squares = np.real(x * np.conjugate(x)) if np.iscomplexobj(_primal(x)) else x * x
        return np.sqrt(np.sum(squares, axis=axis, keepdims=keepdims))
    return apply_array_rule(_TWO_NORM, np.linalg.norm, (x,),
                            {"ord": ord, "axis": axis, "keepdims": keepdims})


def _p_norm(x, order, axis, keepdims):
    """(sum |x|^p)^(1/p) along ``axis``, p > 0, as s (sum |x/s|^p)^(1/p): s is a power of 2
    near the largest |entry| (a constant: exact in every derivative; x/s is exact), so the
    powers neither underflow nor overflow at first order. At 0 the derivative is 0."""
    largest = np.max(np.abs(_primal(x)), axis=axis, keepdims=True, initial=0.0)
    _, exponent = np.frexp(largest)
    scale = np.ldexp(1.0, np.where(np.isfinite(largest), exponent - 1, 0))   # |x/s| < 2
    total = np.sum(np.abs(x / scale) ** order, axis=axis, keepdims=keepdims)
    scale = np.reshape(scale, np.shape(_primal(total)))
    safe = np.where(_primal(total) == 0, 1.0, total)
    return np.where(_primal(total) == 0, 0.0 * total, scale * safe ** (1.0 / order))


@implements(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    return np.linalg.eigh(a, UPLO=UPLO)[0]


@implements(np.linalg.matrix_power)
def matrix_power(a, n):
    if n < 0:
        return np.linalg.matrix_power(np.linalg.inv(a), -n)
    result = np.broadcast_to(np.eye(np.shape(_primal(a))[-1]), np.shape(_primal(a))) + 0 * a
    for _ in range(n):
        result = np.matmul(result, a)
    return result


@implements(np.linalg.multi_dot)
def multi_dot(arrays, *, out=None):
    result = arrays[0]
    for m in arrays[1:]:
        result = np.dot(result, m)
    return result


# --- arguments that would change an input's primal behind its tangent (issue 14) -----

def _refuse_in_place(func, key, value, advice):
    """``func`` refuses ``key=value`` before NumPy runs: it would rewrite the dual input's
    primal in place (reorder it, replace entries) while its tangent stays as it was."""
    handler, signature = _HANDLERS[func], inspect.signature(func)

    def guarded(*args, **kwargs):
        given = signature.bind_partial(*args, **kwargs).arguments
        if key in given and bool(given[key]) == value:
            raise TypeError(f"dualad: numpy.{func.__name__} with {key}={value!r} would change "
                            f"the input's primal in place behind its tangent; {advice}")
        return handler(*args, **kwargs)
    _HANDLERS[func] = guarded


for _func in (np.median, np.quantile, np.percentile, np.nanmedian, np.nanquantile,
              np.nanpercentile):
    _refuse_in_place(_func, "overwrite_input", True, "leave overwrite_input=False")
_refuse_in_place(np.nan_to_num, "copy", False, "use x = np.nan_to_num(x)")
