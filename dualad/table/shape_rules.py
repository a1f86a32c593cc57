"""Tangent maps of NumPy's padding, rotation, splitting, spacing and cross-product functions.

The maps have the signature of ``dualad.table.array_rules`` (``jvp(args, kwargs, ans,
tangents, k)``, ``k`` the number of directions on the tangent's trailing axis, None for
one) and use only NumPy's public functions, so that nested duals (second order) run
through the same maps. The rule table (``dualad.table.rules``) lists each beside its
function; those whose differentiable arguments are not NumPy's leading parameters
(``np.pad``'s ``constant_values=``, ``np.select``'s ``choicelist``) reach them through
handlers in ``dualad.arrays.shapes``.

>>> import numpy as np, dualad as ad
>>> ad.jvp(lambda x: np.pad(x, 1, mode="edge"), (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))[1]
array([1., 1., 0., 0.])
"""
from __future__ import annotations

import numpy as np

from dualad.table.array_rules import (
    _arg, _broadcast, _dtype, _primal, axis_of, ex, max_jvp, tangent_or_zeros, tshape, zeros)

# --- np.pad ---------------------------------------------------------------------------

#: the modes in which np.pad is linear in the array (and in constant_values/end_values)
LINEAR_PAD_MODES = ("constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp")
#: the modes that pad with a statistic of the entries near each edge
STAT_PAD_MODES = ("maximum", "minimum", "mean", "median")
#: the keyword each mode takes besides the fill values (NumPy's), and the fill values'
PAD_MODE_KEYWORDS = {"reflect": ("reflect_type",), "symmetric": ("reflect_type",),
                     **{mode: ("stat_length",) for mode in STAT_PAD_MODES}}
PAD_FILL_KEYWORD = {"constant": "constant_values", "linear_ramp": "end_values"}


def per_axis_pairs(x, ndim, fill=None):
    """``x`` as NumPy's np.pad reads a per-axis argument: one (before, after) per axis
    (a dict names some axes; the others get ``fill``)."""
    if x is None:
        return [(fill, fill)] * ndim
    if isinstance(x, dict):
        out = [(0, 0)] * ndim
        for axis, v in x.items():
            v = np.broadcast_to(np.asarray(v), (2,))
            out[axis % ndim] = (int(v[0]), int(v[1]))
        return out
    a = np.asarray(x)
    if a.size == 2 and a.shape != (2, 1):
        a = a.ravel()
    return [(int(b), int(e)) for b, e in np.broadcast_to(a, (ndim, 2))]


def _value_pairs(t, value, ndim, k):
    """The tangent ``t`` of a constant_values=/end_values= argument of shape
    np.shape(``value``), one entry per (axis, side) as np.pad reads the value: shape
    (2 ndim,) (+ (k,))."""
    size = int(np.size(_primal(value)))
    index = np.arange(size).reshape(np.shape(_primal(value)))
    if index.size == 2 and index.shape != (2, 1):
        index = index.ravel()
    index = np.broadcast_to(index, (ndim, 2)).ravel()
    return np.take(np.reshape(t, tshape((size,), k)), index, axis=0)


def pad_jvp(args, kwargs, ans, tangents, k):
    """Linear modes: the tangent padded alike, plus the fill values'; statistics: the chosen entries'.

    pad is linear in the array and in constant_values=/end_values= for the modes constant,
    edge, reflect, symmetric, wrap, linear_ramp (the fill values' tangents placed by the
    weights np.pad gives them); maximum, minimum, mean, median pad with the tangent of the
    selected entries (the mean of a tie, as np.max)."""
    array, constant_values, end_values = args
    mode = kwargs.get("mode", "constant")
    ndim = np.ndim(array)
    widths = per_axis_pairs(kwargs["pad_width"], ndim)
    t = tangents[0]
    if mode in STAT_PAD_MODES:
        return _stat_pad(_primal(array), tangent_or_zeros(t, array, k), widths,
                         per_axis_pairs(kwargs.get("stat_length"), ndim), mode, k)
    extra = {"reflect_type": kwargs["reflect_type"]} if "reflect_type" in kwargs else {}
    fill_key = PAD_FILL_KEYWORD.get(mode)
    if fill_key is not None:
        extra[fill_key] = 0
    out = None
    if t is not None:
        out = np.pad(t, widths + ([(0, 0)] if k is not None else []), mode=mode, **extra)
    fill = constant_values if fill_key == "constant_values" else end_values
    t_fill = tangents[1] if fill_key == "constant_values" else tangents[2]
    if fill_key is not None and t_fill is not None:
        if not np.iscomplexobj(_primal(array)):   # NumPy casts the fill to the array's dtype
            t_fill = np.real(t_fill)
        basis = np.eye(2 * ndim).reshape(2 * ndim, ndim, 2)
        weights = np.stack([np.pad(np.zeros(np.shape(_primal(array))), widths, mode=mode,
                                   **{fill_key: b}) for b in basis])
        term = np.tensordot(weights, _value_pairs(t_fill, fill, ndim, k), axes=(0, 0))
        out = term if out is None else out + term
    return _broadcast(out, ans, k)


def _stat_pad(p, t, widths, lengths, mode, k):
    """The tangent of np.pad in a statistic mode, axis by axis as NumPy pads: each axis is
    padded with the statistic of its first/last ``stat_length`` entries of the array padded
    so far (``p`` the primal, ``t`` its tangent)."""
    for axis, ((before, after), (n_before, n_after)) in enumerate(zip(widths, lengths)):
        if before == 0 and after == 0:
            continue
        n = np.shape(p)[axis]
        n_before = n if n_before is None else min(n_before, n)
        n_after = n if n_after is None else min(n_after, n)
        sides = []
        for width, chunk in ((before, slice(0, n_before)), (after, slice(n - n_after, n))):
            index = (slice(None),) * axis + (chunk,)
            value, tangent = _statistic(p[index], t[index], axis, mode, k)
            sides.append((np.repeat(value, width, axis=axis),
                          np.repeat(tangent, width, axis=axis)))
        (p_before, t_before), (p_after, t_after) = sides
        p = np.concatenate([p_before, p, p_after], axis=axis)
        t = np.concatenate([t_before, t, t_after], axis=axis)
    return t


def _statistic(p, t, axis, mode, k):
    """(statistic of ``p`` along ``axis``, its tangent), both with the axis kept (length 1)."""
    if mode == "mean":
        return np.mean(p, axis=axis, keepdims=True), np.mean(t, axis=axis, keepdims=True)
    if mode == "median":
        order = np.argsort(p, axis=axis, kind="stable")
        n = np.shape(p)[axis]
        middle = order.take([(n - 1) // 2, n // 2], axis=axis)
        picked = np.take_along_axis(t, ex(middle, k), axis=axis)
        return (np.median(p, axis=axis, keepdims=True),
                np.mean(picked, axis=axis, keepdims=True))
    reduce = np.max if mode == "maximum" else np.min
    value = reduce(p, axis=axis, keepdims=True)
    return value, max_jvp((p,), {"axis": axis, "keepdims": True}, value, (t,), k)


# --- selection, rotation, splitting, appending ------------------------------------------

def select_jvp(args, kwargs, ans, tangents, k):
    """The tangent of the first choice whose condition holds, else the default's.

    select is linear in the choices and the default; the conditions are read on the primal."""
    condlist, choices, default = args
    out = _broadcast(tangent_or_zeros(tangents[2], default, k), ans, k)
    t_choices = tangents[1]
    for i in reversed(range(len(condlist))):
        t = zeros(np.shape(ans), k, _dtype(choices)) if t_choices is None else t_choices[i]
        out = np.where(ex(np.broadcast_to(condlist[i], np.shape(ans)), k), t, out)
    return out


def rot90_jvp(args, kwargs, ans, tangents, k):
    """rot90 is linear: the tangent rotated in the same plane."""
    ndim = np.ndim(args[0])
    axes = tuple(a % ndim for a in kwargs.get("axes", (0, 1)))
    return np.rot90(tangents[0], kwargs.get("k", 1), axes=axes)


def rollaxis_jvp(args, kwargs, ans, tangents, k):
    """rollaxis is linear: the same axis of the tangent rolled to the same place."""
    a, axis, start = args[0], args[1], _arg(args, kwargs, 2, "start", 0)
    ndim = np.ndim(a)
    axis, start = axis % ndim, start + ndim if start < 0 else start
    if axis < start:
        start -= 1
    return np.moveaxis(tangents[0], axis, start)


def _split_along(name, axis_for):
    def jvp(args, kwargs, ans, tangents, k):
        axis = axis_for(np.ndim(args[0]))
        return tuple(np.split(tangents[0], _arg(args, kwargs, 1, "indices_or_sections"),
                              axis=axis))
    jvp.__name__ = f"{name}_jvp"
    jvp.__doc__ = f"{name} is linear: the tangent split alike (np.split along its axis)"
    return jvp


hsplit_jvp = _split_along("hsplit", lambda ndim: 1 if ndim > 1 else 0)
vsplit_jvp = _split_along("vsplit", lambda ndim: 0)
dsplit_jvp = _split_along("dsplit", lambda ndim: 2)


def append_jvp(args, kwargs, ans, tangents, k):
    """append is linear: the tangents appended alike (zeros for a constant)."""
    arr, values = args
    axis = _arg(args, kwargs, 2, "axis")
    ts = [tangent_or_zeros(t, v, k) for v, t in zip((arr, values), tangents)]
    if axis is None:
        return np.concatenate([np.reshape(t, tshape((-1,), k)) for t in ts], axis=0)
    return np.concatenate(ts, axis=axis_of(axis, np.ndim(arr)))


# --- evenly spaced numbers --------------------------------------------------------------

def _spacing(args, kwargs, ans, k):
    """The fractions f_i = i/div of each sample, along the samples' axis of ``ans`` (ones
    elsewhere), and that axis (non-negative)."""
    num = _arg(args, kwargs, 2, "num", 50)
    endpoint = _arg(args, kwargs, 3, "endpoint", True)
    ndim = np.ndim(_primal(ans))
    axis = kwargs.get("axis", 0) % ndim
    div = max((num - 1) if endpoint else num, 1)
    shape = [1] * ndim
    shape[axis] = num
    return np.reshape(np.arange(num) / div, shape), axis


def _moved(t, value, k):
    return tangent_or_zeros(t, value, k)


def linspace_jvp(args, kwargs, ans, tangents, k):
    """linspace is linear in start and stop: the tangents spaced alike (and the step's)."""
    start, stop = args[0], args[1]
    samples = ans[0] if kwargs.get("retstep") else ans
    axis = kwargs.get("axis", 0) % np.ndim(_primal(samples))
    spaced = {key: v for key, v in kwargs.items() if key in ("retstep",)}
    return np.linspace(_moved(tangents[0], start, k), _moved(tangents[1], stop, k),
                       _arg(args, kwargs, 2, "num", 50), _arg(args, kwargs, 3, "endpoint", True),
                       axis=axis, **spaced)


def _at_axis(v, axis, k):
    """``v`` (start or stop, or its tangent) with the samples' axis inserted at ``axis``."""
    return np.expand_dims(v, axis)


def geomspace_jvp(args, kwargs, ans, tangents, k):
    """y_i = start^(1-f_i) stop^f_i, f_i = i/div: dy_i = y_i ((1-f_i) dstart/start + f_i dstop/stop)."""
    start, stop = args[0], args[1]
    f, axis = _spacing(args, kwargs, ans, k)
    out = None
    for weight, v, t in ((1 - f, start, tangents[0]), (f, stop, tangents[1])):
        if t is None:
            continue
        v = np.broadcast_to(v, np.broadcast_shapes(np.shape(_primal(start)),
                                                   np.shape(_primal(stop))))
        term = ex(weight, k) * _at_axis(t / ex(v, k), axis, k)
        out = term if out is None else out + term
    return _broadcast(ex(ans, k) * out, ans, k)


def logspace_jvp(args, kwargs, ans, tangents, k):
    """y = base^u, u = linspace(start, stop): dy = y log(base) du."""
    start, stop = args[0], args[1]
    base = kwargs.get("base", 10.0)
    ndmax = np.broadcast(_primal(start), _primal(stop), base).ndim
    axis = kwargs.get("axis", 0) % (ndmax + 1)
    du = np.linspace(_moved(tangents[0], start, k), _moved(tangents[1], stop, k),
                     _arg(args, kwargs, 2, "num", 50), _arg(args, kwargs, 3, "endpoint", True),
                     axis=axis)
    log_base = np.log(np.expand_dims(np.array(base, ndmin=ndmax), axis))
    return _broadcast(ex(ans, k) * ex(log_base, k) * du, ans, k)


# --- cross product ----------------------------------------------------------------------

def cross_jvp(args, kwargs, ans, tangents, k):
    """cross is bilinear: cross(da, b) + cross(a, db), the vector axes where NumPy reads them."""
    a, b = args
    axis = kwargs.get("axis")
    axisa, axisb, axisc = (axis, axis, axis) if axis is not None else (
        kwargs.get("axisa", -1), kwargs.get("axisb", -1), kwargs.get("axisc", -1))
    axes = dict(axisa=axisa % np.ndim(a), axisb=axisb % np.ndim(b))
    if np.ndim(_primal(ans)) and (np.shape(a)[axisa] == 3 or np.shape(b)[axisb] == 3):
        axes["axisc"] = axisc % np.ndim(_primal(ans))
    out = None
    if tangents[0] is not None:
        out = np.cross(tangents[0], ex(b, k), **axes)
    if tangents[1] is not None:
        term = np.cross(ex(a, k), tangents[1], **axes)
        out = term if out is None else out + term
    return _broadcast(out, ans, k)
