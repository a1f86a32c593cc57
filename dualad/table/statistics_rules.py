"""Tangent maps of NumPy's signal, interpolation, fitting and order-statistics functions:
convolve, correlate, gradient, interp, polyfit, vander, nan_to_num, and median,
quantile, percentile with their nan versions. Signature as in ``dualad.table.array_rules``.

Order statistics are piecewise linear in the data: for every ``method=`` NumPy offers,
the result is (1 - g) s_j + g s_{j+1} of the sorted data s, with j and g fixed by the
sample size and q alone. The tangent takes the same weights of the tangents sorted
alike. The weights are read off NumPy itself: the same function of the sorted
*positions* 0, 1, ..., n-1 returns j + g. Tied entries share the tangent equally (the
mean of their tangents), as at np.max's ties: the median of (x, x, 3) moves with the
mean of the two x's tangents.

>>> import numpy as np, dualad as ad
>>> ad.gradient(lambda x: np.median(x), np.array([3.0, 1.0, 2.0, 5.0])).tolist()
[0.5, 0.0, 0.5, 0.0]
>>> ad.gradient(np.median, np.array([1.0, 1.0, 3.0])).tolist()   # a tie: shared
[0.5, 0.5, 0.0]
"""
from __future__ import annotations

import warnings

import numpy as np

from dualad.table.array_rules import _arg, _primal, as_array, ex, tshape, zeros
from dualad.table.linalg_rules import least_squares_tangent

__all__ = ["convolve_jvp", "correlate_jvp", "gradient_jvp", "interp_jvp", "polyfit_jvp",
           "vander_jvp", "nan_to_num_jvp", "ORDER_STATISTICS", "order_statistic_jvp"]


# --- products along a line --------------------------------------------------------------

def _bilinear_1d(func, default_mode):
    """convolve/correlate are (real-)bilinear in (a, v): d = f(da, v) + f(a, dv)."""
    def jvp(args, kwargs, ans, tangents, k):
        a, v = args[0], args[1]
        mode = _arg(args, kwargs, 2, "mode", default_mode)

        def each(p, q, moving):   # one direction at a time: NumPy's functions are 1-D
            if k is None:
                return func(p, q, mode=mode)
            pick = (lambda j: (p[..., j], q)) if moving == 0 else (lambda j: (p, q[..., j]))
            return np.stack([func(*pick(j), mode=mode) for j in range(k)], axis=-1)
        out = None
        if tangents[0] is not None:
            out = each(tangents[0], v, 0)
        if tangents[1] is not None:
            term = each(a, tangents[1], 1)
            out = term if out is None else out + term
        return out
    jvp.__name__ = f"{func.__name__}_jvp"
    jvp.__doc__ = f"{func.__name__} is bilinear: {func.__name__}(da, v) + {func.__name__}(a, dv)"
    return jvp


convolve_jvp = _bilinear_1d(np.convolve, "full")
correlate_jvp = _bilinear_1d(np.correlate, "valid")


# --- differences and interpolation ------------------------------------------------------

def _gradient_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in axis) if isinstance(axis, (tuple, list)) else (axis % ndim,)


def gradient_jvp(args, kwargs, ans, tangents, k):
    """gradient is linear in f: the gradient of the tangent with the same spacing and axes.
    A dual scalar spacing h adds -ans/h dh (the differences scale as 1/h); dual coordinate
    arrays are refused."""
    f, spacing = args[0], args[1:]
    ndim = np.ndim(_primal(f))
    axes = _gradient_axes(kwargs.get("axis"), ndim)
    edge_order = kwargs.get("edge_order", 1)
    for i, (h, th) in enumerate(zip(spacing, tangents[1:])):
        if th is not None and np.ndim(_primal(h)):
            raise TypeError(f"dualad: numpy.gradient with dual coordinates (spacing argument "
                            f"{i + 1}, shape {np.shape(_primal(h))}) has no tangent rule: "
                            "only the values f and scalar spacings may carry derivatives")
    zero = zeros(np.shape(_primal(f)), k, complex if np.iscomplexobj(_primal(f)) else float)
    t = zero if tangents[0] is None else tangents[0]
    out = np.gradient(t, *spacing, axis=axes, edge_order=edge_order)
    several = isinstance(ans, (tuple, list))
    outs, answers = (list(out), list(ans)) if several else ([out], [ans])
    pairs = list(zip(spacing, tangents[1:]))
    if len(pairs) == 1 and len(axes) > 1:
        pairs = pairs * len(axes)
    for i, (h, th) in enumerate(pairs):
        if th is not None:
            outs[i] = outs[i] - ex(answers[i] / h, k) * th
    return tuple(outs) if several else outs[0]


def interp_jvp(args, kwargs, ans, tangents, k):
    """y = (1 - w) fp_j + w fp_j+1, w = (x - xp_j)/(xp_j+1 - xp_j) on the segment of x:
    dy = (1 - w) dfp_j + w dfp_j+1 + s (dx - (1 - w) dxp_j - w dxp_j+1), s the segment's
    slope. At a knot the segment to its right is taken (at the last knot, the last
    segment); beyond the ends y is ``left``/``right`` (default fp_0, fp_-1)."""
    x, xp, fp = (as_array(v) for v in args)
    tx, txp, tfp = tangents
    left, right, period = kwargs.get("left"), kwargs.get("right"), kwargs.get("period")
    if period is not None:   # as NumPy: everything modulo the period, xp sorted, wrapped
        period = abs(period)
        # NumPy reads x and xp as float64 here (a complex one loses its imaginary part)
        x, xp, tx, txp = (None if v is None else np.real(v) for v in (x, xp, tx, txp))
        x, xp = x % period, xp % period
        order = np.argsort(_primal(xp), kind="stable")
        xp, fp = np.take(xp, order), np.take(fp, order)
        xp = np.concatenate([xp[-1:] - period, xp, xp[:1] + period])
        fp = np.concatenate([fp[-1:], fp, fp[:1]])

        def wrapped(t):
            if t is None:
                return None
            t = np.take(t, order, axis=0)
            return np.concatenate([t[-1:], t, t[:1]], axis=0)
        txp, tfp = wrapped(txp), wrapped(tfp)
        left = right = None
    xv, xpv = np.asarray(_primal(x), dtype=float), np.asarray(_primal(xp), dtype=float)
    n = xpv.shape[0]
    j = np.clip(np.searchsorted(xpv, xv, side="right") - 1, 0, max(n - 2, 0))
    j1 = np.minimum(j + 1, n - 1)
    if n > 1:
        h = np.take(xp, j1) - np.take(xp, j)
        w = (x - np.take(xp, j)) / h
        s = (np.take(fp, j1) - np.take(fp, j)) / h
    else:
        w = s = np.zeros(np.shape(xv))
    out = zeros(np.shape(xv), k, complex if np.iscomplexobj(_primal(fp)) else float)
    if tfp is not None:
        out = out + ex(1 - w, k) * np.take(tfp, j, axis=0) + ex(w, k) * np.take(tfp, j1, axis=0)
    if tx is not None:
        out = out + ex(s, k) * tx
    if txp is not None:
        out = out - ex(s, k) * (ex(1 - w, k) * np.take(txp, j, axis=0)
                                + ex(w, k) * np.take(txp, j1, axis=0))
    low = np.take(tfp, 0, axis=0) if tfp is not None and left is None else 0.0
    high = np.take(tfp, n - 1, axis=0) if tfp is not None and right is None else 0.0
    out = np.where(ex(xv < xpv[0], k), low, np.where(ex(xv > xpv[-1], k), high, out))
    return np.where(ex(np.isnan(xv), k), np.nan, out)


# --- polynomials ------------------------------------------------------------------------

def _vander_derivative(x, columns, increasing):
    """d vander(x, N)/dx entry by entry: power * x^(power - 1) (0 for the power 0)."""
    if columns <= 1:
        return zeros((np.shape(_primal(x))[0], max(columns, 0)), None)
    powers = np.arange(1, columns) if increasing else np.arange(columns - 1, 0, -1)
    lower = np.vander(x, columns - 1, increasing=increasing) * powers
    constant = zeros((np.shape(_primal(x))[0], 1), None)
    return np.concatenate([constant, lower] if increasing else [lower, constant], axis=1)


def vander_jvp(args, kwargs, ans, tangents, k):
    """d V_ij = p_j x_i^(p_j - 1) dx_i (p_j the column's power)."""
    x = args[0]
    columns = np.shape(ans)[1]
    d = _vander_derivative(x, columns, _arg(args, kwargs, 2, "increasing", False))
    t = tangents[0]
    return ex(d, k) * (t[:, None] if k is None else t[:, None, :])


def polyfit_jvp(args, kwargs, ans, tangents, k):
    """The least-squares coefficients c of min |W (V(x) c - y)| (full rank): the tangent of
    x = B+ z (``least_squares_tangent``) with B = W V(x)/scale, z = W y, where V's columns
    are scaled as NumPy scales them (a constant, which leaves the minimiser unchanged)."""
    x, y = as_array(args[0]), as_array(args[1])
    for key in ("full", "cov"):
        if kwargs.get(key):
            raise TypeError(f"dualad: numpy.polyfit with {key}={kwargs[key]!r} has no tangent "
                            "rule: call it with the default full=False, cov=False")
    deg = kwargs.get("deg")
    order = int(deg) + 1
    w = kwargs.get("w")
    tx, ty = tangents
    vector = np.ndim(_primal(y)) == 1
    weight = 1.0 if w is None else np.asarray(w)[:, None]   # W, on the rows
    lhs = np.vander(x, order) * weight
    scale = np.sqrt(np.sum(np.abs(np.asarray(_primal(lhs))) ** 2, axis=0))
    b = lhs / scale
    rank = np.linalg.matrix_rank(np.asarray(_primal(b)))
    if rank < order:
        raise ValueError(f"dualad: numpy.polyfit of degree {deg} on {np.shape(_primal(x))[0]} "
                         f"points of rank {rank} has no tangent: the fit is rank deficient")
    column = (lambda v: v[:, None]) if vector else (lambda v: v)   # y as a matrix (m, p)
    zm = column(y) * weight
    cm = column(ans) * scale[:, None]   # the solution of the scaled problem
    tb = tz = None
    if tx is not None:
        d = _vander_derivative(x, order, False) * weight / scale
        tb = ex(d, k) * (tx[:, None] if k is None else tx[:, None, :])
    if ty is not None:
        tz = (ty[:, None] if k is None else ty[:, None, :]) if vector else ty
        tz = tz * ex(weight, k) if w is not None else tz
    dc = least_squares_tangent(b, zm, cm, np.linalg.pinv(b), tb, tz, k)
    dc = dc / ex(scale[:, None], k)
    return (dc[:, 0] if k is None else dc[:, 0, :]) if vector else dc


# --- replacing non-finite entries -------------------------------------------------------

def nan_to_num_jvp(args, kwargs, ans, tangents, k):
    """Finite entries keep their tangent; replaced ones are constants (tangent 0), the
    real and imaginary parts each on its own."""
    x, t = np.asarray(_primal(args[0])), tangents[0]
    if np.iscomplexobj(x):
        re = np.where(ex(np.isfinite(x.real), k), np.real(t), 0.0)
        im = np.where(ex(np.isfinite(x.imag), k), np.imag(t), 0.0)
        return re + 1j * im
    return np.where(ex(np.isfinite(x), k), t, 0.0)


# --- order statistics -------------------------------------------------------------------

#: function -> (takes q, ignores nan)
ORDER_STATISTICS = {np.median: (False, False), np.quantile: (True, False),
                    np.percentile: (True, False), np.nanmedian: (False, True),
                    np.nanquantile: (True, True), np.nanpercentile: (True, True)}


def order_statistic_jvp(func):
    """The tangent map of one of ``ORDER_STATISTICS``."""
    takes_q, ignores_nan = ORDER_STATISTICS[func]
    name = f"numpy.{func.__name__}"

    def jvp(args, kwargs, ans, tangents, k):
        a, t = args[0], tangents[0]
        if kwargs.get("weights") is not None:
            raise TypeError(f"dualad: {name} with weights= has no tangent rule")
        if kwargs.get("overwrite_input"):
            raise TypeError(f"dualad: {name} with overwrite_input=True has no tangent rule")
        pa = np.asarray(_primal(a))
        ndim = pa.ndim
        axis = kwargs.get("axis")
        axes = tuple(range(ndim)) if axis is None else tuple(
            ax % ndim for ax in (axis if isinstance(axis, (tuple, list)) else (axis,)))
        rest = tuple(i for i in range(ndim) if i not in axes)
        order = rest + axes
        size = int(np.prod([pa.shape[i] for i in axes]))
        shape = tuple(pa.shape[i] for i in rest) + (size,)
        values = np.reshape(np.transpose(pa, order), shape)
        tm = np.reshape(np.transpose(t, order + ((ndim,) if k is not None else ())),
                        tshape(shape, k))
        sort = np.argsort(values, axis=-1, kind="stable")
        line = len(rest)
        ts = np.take_along_axis(tm, sort if k is None else sort[..., None], axis=line)
        ordered = np.take_along_axis(values, sort, axis=-1)
        probe = np.broadcast_to(np.arange(size, dtype=float), shape)
        if ignores_nan:
            probe = np.where(np.isnan(ordered), np.nan, probe)
        extra = {key: kwargs[key] for key in ("method", "interpolation") if key in kwargs}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # all-nan lines: the primal's
            where = func(probe, *((kwargs["q"],) if takes_q else ()), axis=-1, **extra)
        where = np.asarray(where)
        count = int(np.prod(np.shape(where)[:np.ndim(where) - line])) if takes_q else 1
        where = np.moveaxis(np.reshape(where, (count,) + shape[:-1]), 0, -1)   # rest + (Q,)
        missing = np.isnan(where)
        position = np.where(missing, 0.0, where)
        j = np.clip(np.floor(position).astype(np.intp), 0, size - 1)
        g = position - j
        j1 = np.minimum(j + 1, size - 1)
        at = _tied_mean(ts, ordered, line, k)
        out = ex(1 - g, k) * at(j) + ex(g, k) * at(j1)
        out = np.where(ex(missing | np.isnan(np.moveaxis(np.reshape(
            np.asarray(_primal(ans)), (count,) + shape[:-1]), 0, -1)), k), np.nan, out)
        out = np.moveaxis(out, line, 0)                                        # (Q,) + rest
        return np.reshape(out, tshape(np.shape(_primal(ans)), k))
    jvp.__name__ = f"{func.__name__}_jvp"
    jvp.__doc__ = (f"{func.__name__} is piecewise linear: the same weights of the tangents "
                   "sorted as the data (tied entries share their tangent)")
    return jvp


def _tied_mean(ts, ordered, line, k):
    """``at(j)``: the sorted tangents ``ts`` at positions ``j`` (..., Q) along axis ``line``,
    each the mean over the entries tied with it (equal values share the tangent, as at
    np.max's ties); without ties, the entries themselves."""
    if not np.any(ordered[..., 1:] == ordered[..., :-1]):
        return lambda j: np.take_along_axis(ts, j if k is None else j[..., None], axis=line)
    group = np.concatenate([np.zeros(ordered.shape[:-1] + (1,), dtype=np.intp),
                            np.cumsum(ordered[..., 1:] != ordered[..., :-1], axis=-1)], axis=-1)

    def at(j):
        same = group[..., None, :] == np.take_along_axis(group, j, axis=-1)[..., :, None]
        total = np.sum(np.where(ex(same, k), np.expand_dims(ts, line), 0), axis=line + 1)
        return total / ex(np.sum(same, axis=-1), k)   # exact: only the group's entries
    return at
