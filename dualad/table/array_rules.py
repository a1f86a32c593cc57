"""Tangent maps of NumPy's array functions (reductions, shapes, selections, products).

Each map has the signature ``jvp(args, kwargs, ans, tangents, k)``: ``args`` are the
primal arguments as the function received them (arrays may be duals of lower tags),
``ans`` is the primal result, ``tangents`` is parallel to ``args`` (``None`` for an
argument that does not move; a list for a sequence argument), and ``k`` is the number
of directions (``None`` for one direction, where a tangent has the shape of its value;
else a tangent has a trailing axis of k directions).

The maps use only NumPy's public functions, so when the values are themselves duals
(nested differentiation) the same code runs on them through NumPy's dispatch. The rule
table (``dualad.table.rules``) lists each map beside the function it differentiates.
"""
from __future__ import annotations

import string

import numpy as np

from dualad.base.carriers import lift

# --- helpers for the trailing direction axis ---------------------------------------


def ex(v, k):
    """``v`` with a trailing axis of length 1 so it broadcasts against a k-tangent."""
    if k is None or getattr(v, "ndim", 0) == 0:
        return v
    return v[..., None]


def tshape(shape, k):
    return tuple(shape) if k is None else tuple(shape) + (k,)


def zeros(shape, k, dtype=float):
    return np.zeros(tshape(shape, k), dtype=dtype)


def axes_of(axis, ndim):
    """Non-negative value axes (a tuple), so the trailing direction axis is untouched."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(a % ndim if ndim else a for a in axis))
    return (axis % ndim if ndim else axis,)


def axis_of(axis, ndim):
    return axis % ndim if ndim else axis


def _arg(args, kwargs, i, name, default=None):
    """The argument at position ``i`` of the call, or keyword ``name``."""
    return args[i] if len(args) > i else kwargs.get(name, default)


def _flat(t, k):
    """A tangent with its value axes merged into one (the direction axis kept last)."""
    return np.reshape(t, tshape((-1,), k))


def tangent_or_zeros(t, value, k):
    return zeros(np.shape(value), k, _dtype(value)) if t is None else t


def _dtype(value):
    return complex if np.iscomplexobj(_primal(value)) else float


def reject(kwargs, who, allowed=()):
    for key, v in kwargs.items():
        if key not in allowed and v is not None and not (key == "keepdims" and v is False):
            raise TypeError(f"dualad: numpy.{who} with {key}={v!r} has no tangent rule")


# --- reductions ---------------------------------------------------------------------


def _masked(t, a, kwargs, k, fill):
    """``t`` (a tangent of ``a``, or ``a``) with the entries that ``where=`` leaves out of a
    reduction set to ``fill``."""
    where = kwargs.get("where")
    if where is None or where is True:
        return t
    keep = np.broadcast_to(np.asarray(where, dtype=bool), np.shape(a))
    return np.where(ex(keep, k), t, fill)


def sum_jvp(args, kwargs, ans, tangents, k):
    """sum is linear: the tangent summed (an initial= value is a constant; where= masks)."""
    reject(kwargs, "sum", allowed=("axis", "keepdims", "dtype", "initial", "where"))
    return np.sum(_masked(tangents[0], args[0], kwargs, k, 0),
                  axis=axes_of(kwargs.get("axis"), np.ndim(args[0])),
                  keepdims=kwargs.get("keepdims", False), dtype=kwargs.get("dtype"))


def mean_jvp(args, kwargs, ans, tangents, k):
    """mean is linear: the mean of the tangent over the same entries (where= selects them)."""
    a = args[0]
    reject(kwargs, "mean", allowed=("axis", "keepdims", "dtype", "where"))
    where = kwargs.get("where")
    extra = {} if where is None else {
        "where": ex(np.broadcast_to(np.asarray(where, dtype=bool), np.shape(a)), k)}
    return np.mean(tangents[0], axis=axes_of(kwargs.get("axis"), np.ndim(a)),
                   keepdims=kwargs.get("keepdims", False), dtype=kwargs.get("dtype"), **extra)


def exclusive_products(a, axis):
    """prod of all entries but one along ``axis`` (zero-safe: no division)."""
    axes = axes_of(axis, np.ndim(a))
    order = [i for i in range(np.ndim(a)) if i not in axes] + list(axes)
    moved = np.transpose(a, order)   # the reduced axes last, merged into one
    flat = np.reshape(moved, np.shape(moved)[:np.ndim(a) - len(axes)] + (-1,))
    ones = np.ones_like(flat[..., :1])
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.flip(np.cumprod(np.concatenate([ones, np.flip(flat, -1)[..., :-1]], axis=-1),
                               axis=-1), -1)
    return np.transpose(np.reshape(left * right, np.shape(moved)), tuple(np.argsort(order)))


def prod_jvp(args, kwargs, ans, tangents, k):
    """d prod = sum_i (prod of the others) da_i, times initial=; where= leaves entries out
    (a factor 1 with tangent 0). Zero-safe: exclusive products, no division."""
    a = args[0]
    reject(kwargs, "prod", allowed=("axis", "keepdims", "dtype", "initial", "where"))
    axis = kwargs.get("axis")
    a = _masked(a, a, kwargs, None, 1)   # entries left out are factors 1
    others = exclusive_products(a, axis)
    out = np.sum(ex(others, k) * _masked(tangents[0], a, kwargs, k, 0),
                 axis=axes_of(axis, np.ndim(a)), keepdims=kwargs.get("keepdims", False),
                 dtype=kwargs.get("dtype"))
    initial = kwargs.get("initial")
    return out if initial is None else out * initial


def cumsum_jvp(args, kwargs, ans, tangents, k):
    a, t, axis = args[0], tangents[0], kwargs.get("axis")
    if axis is None:
        return np.cumsum(_flat(t, k), axis=0)
    return np.cumsum(t, axis=axis_of(axis, np.ndim(a)))


def cumprod_jvp(args, kwargs, ans, tangents, k):
    a, t, axis = args[0], tangents[0], kwargs.get("axis")
    if axis is None:
        a, t, axis = np.reshape(a, (-1,)), _flat(t, k), 0
    axis = axis_of(axis, np.ndim(a))
    # d ans_i = d ans_{i-1} * a_i + ans_{i-1} * t_i  (exact also when some a_i are 0)
    a_m = np.moveaxis(a, axis, 0)
    t_m = np.moveaxis(t, axis, 0)
    ans_m = np.moveaxis(np.reshape(ans, np.shape(a)), axis, 0)
    if not np.any(_primal(a_m) == 0):   # a look at the primal: both paths, one pattern
        out = ex(ans_m, k) * np.cumsum(t_m / ex(a_m, k), axis=0)
    else:
        rows = [t_m[0]]
        for i in range(1, np.shape(a_m)[0]):
            rows.append(rows[-1] * ex(a_m[i], k) + ex(ans_m[i - 1], k) * t_m[i])
        out = np.stack(rows, axis=0)
    return np.moveaxis(out, 0, axis)


def max_jvp(args, kwargs, ans, tangents, k):
    """max and min: ties share the tangent equally (the mean over the extreme entries).

    An initial= value takes its share of a tie with tangent 0; where= leaves entries out."""
    a = args[0]
    reject(kwargs, "max", allowed=("axis", "keepdims", "initial", "where"))
    axes = axes_of(kwargs.get("axis"), np.ndim(a))
    keep = _primal(ans)
    if not kwargs.get("keepdims", False):
        keep = np.expand_dims(keep, axes)
    mask = _primal(a) == _primal(keep)
    where = kwargs.get("where")
    if where is not None:
        mask = mask & np.asarray(where, dtype=bool)
    count = np.sum(mask, axis=axes, keepdims=True)
    initial = kwargs.get("initial")
    if initial is not None:   # the initial value alone may be the extreme: count 0
        count = np.maximum(count + (keep == initial), 1)
    weights = mask / count
    return np.sum(ex(weights, k) * tangents[0], axis=axes, keepdims=kwargs.get("keepdims", False))


def two_norm_jvp(args, kwargs, ans, tangents, k):
    """d||x|| = Re sum(conj(w) dx) with w = x/||x||, formed as u/||u||, u = x/s and s a
    power of 2 near the largest |entry|: no square underflows or overflows (as in hypot),
    nor, at second order, a tangent (dw = du/||u|| - u d||u||/||u||^2 holds one factor
    du = dx/s). The primal is NumPy's own. At x = 0 the derivative is 0 (like abs'(0))."""
    x, t = args[0], tangents[0]
    axes = axes_of(kwargs.get("axis"), np.ndim(x))
    w = ex(_unit(x, axes), k)
    product = np.real(np.conjugate(w) * t) if np.iscomplexobj(_primal(x)) or \
        np.iscomplexobj(_primal(t)) else w * t
    return np.sum(product, axis=axes, keepdims=kwargs.get("keepdims", False))


def _unit(x, axes):
    """x/||x|| along ``axes`` (0 where x is 0), by the scaled entries u = x/s."""
    largest = np.max(np.abs(_primal(x)), axis=axes, keepdims=True, initial=0.0)
    _, exponent = np.frexp(largest)
    u = x / np.ldexp(1.0, np.where(np.isfinite(largest), exponent - 1, 0))   # |u| < 2
    squares = np.real(u * np.conjugate(u)) if np.iscomplexobj(_primal(x)) else u * u
    length = np.sqrt(np.sum(squares, axis=axes, keepdims=True))
    zero = _primal(length) == 0
    return np.where(zero, 0.0 * u, u / np.where(zero, 1.0, length))


def as_array(x):
    """A constant argument as NumPy reads it (a list as an array); a dual as it is."""
    return x if hasattr(x, "tag") or isinstance(x, np.ndarray) else np.asarray(x)


def _primal(x):
    while hasattr(x, "tag"):
        x = x.value
    return x


# --- elementwise helpers used as functions --------------------------------------------


def where_jvp(args, kwargs, ans, tangents, k):
    condition, x, y = args
    tx = tangent_or_zeros(tangents[1], x, k)
    ty = tangent_or_zeros(tangents[2], y, k)
    return _broadcast(np.where(ex(np.asarray(_primal(condition)), k), tx, ty), ans, k)


def _broadcast(t, ans, k):
    shape = tshape(np.shape(ans), k)
    return t if np.shape(t) == shape else np.broadcast_to(t, shape)


# --- shapes and selections: the same operation on the tangent ------------------------


def reshape_like_jvp(args, kwargs, ans, tangents, k):
    """Any operation that only reshapes (reshape, ravel, squeeze, expand_dims, atleast_*).

    In C order the tangent is reshaped alike. In another order the same reshape is applied
    to the entries' C-order positions, laid out in memory as the primal is (what order
    "A" and "K" read), and the tangent's entries are gathered from those positions."""
    if isinstance(ans, tuple):   # atleast_*d of several arrays: each on its own
        return tuple(None if t is None else np.reshape(t, tshape(np.shape(v), k))
                     for v, t in zip(ans, tangents))
    order = kwargs.get("order", "C")
    if order in ("C", None):
        return np.reshape(tangents[0], tshape(np.shape(ans), k))
    p = np.asarray(_primal(args[0]))
    if order == "A":
        order = "F" if p.flags.f_contiguous and not p.flags.c_contiguous else "C"
    positions = np.empty_like(p, dtype=np.intp)   # the primal's memory layout
    positions[...] = np.arange(p.size).reshape(p.shape)
    moved = np.ravel(positions, order=order) if order == "K" else np.reshape(
        positions, np.shape(ans), order=order)
    flat = np.take(_flat(tangents[0], k), np.ravel(moved), axis=0)
    return np.reshape(flat, tshape(np.shape(ans), k))


def transpose_jvp(args, kwargs, ans, tangents, k):
    axes, ndim = _arg(args, kwargs, 1, "axes"), np.ndim(args[0])
    axes = tuple(range(ndim))[::-1] if axes is None else tuple(ax % ndim for ax in axes)
    return np.transpose(tangents[0], axes + ((ndim,) if k is not None else ()))


def swapaxes_jvp(args, kwargs, ans, tangents, k):
    a, axis1, axis2 = args
    ndim = np.ndim(a)
    return np.swapaxes(tangents[0], axis1 % ndim, axis2 % ndim)


def moveaxis_jvp(args, kwargs, ans, tangents, k):
    a, source, destination = args
    ndim = np.ndim(a)
    norm = (lambda v: [s % ndim for s in v]) if isinstance(source, (tuple, list)) else (
        lambda v: v % ndim)
    return np.moveaxis(tangents[0], norm(source), norm(destination))


def broadcast_to_jvp(args, kwargs, ans, tangents, k):
    return np.broadcast_to(tangents[0], tshape(np.shape(ans), k))


def flip_jvp(args, kwargs, ans, tangents, k):
    return np.flip(tangents[0], axis=axes_of(_arg(args, kwargs, 1, "axis"), np.ndim(args[0])))


def roll_jvp(args, kwargs, ans, tangents, k):
    a, shift, axis, t = args[0], args[1], _arg(args, kwargs, 2, "axis"), tangents[0]
    if axis is None:
        return np.reshape(np.roll(_flat(t, k), shift, axis=0), tshape(np.shape(a), k))
    ndim = np.ndim(a)
    axis = tuple(ax % ndim for ax in axis) if isinstance(axis, (tuple, list)) else axis % ndim
    return np.roll(t, shift, axis=axis)


def concatenate_jvp(args, kwargs, ans, tangents, k):
    arrays, axis = args[0], _arg(args, kwargs, 1, "axis", 0)
    ts = [tangent_or_zeros(t, a, k) for a, t in zip(arrays, tangents[0])]
    if axis is None:
        return np.concatenate([_flat(t, k) for t in ts], axis=0)
    return np.concatenate(ts, axis=axis_of(axis, np.ndim(arrays[0])))


def stack_jvp(args, kwargs, ans, tangents, k):
    ts = [tangent_or_zeros(t, a, k) for a, t in zip(args[0], tangents[0])]
    return np.stack(ts, axis=axis_of(_arg(args, kwargs, 1, "axis", 0), np.ndim(ans)))


def split_jvp(args, kwargs, ans, tangents, k):
    axis = axis_of(_arg(args, kwargs, 2, "axis", 0), np.ndim(args[0]))
    return tuple(np.array_split(tangents[0], args[1], axis=axis))


def take_jvp(args, kwargs, ans, tangents, k):
    a, indices, axis, t = args[0], args[1], _arg(args, kwargs, 2, "axis"), tangents[0]
    mode = kwargs.get("mode", "raise")
    if axis is None:
        return np.reshape(np.take(_flat(t, k), indices, axis=0, mode=mode), tshape(np.shape(ans), k))
    return np.take(t, indices, axis=axis_of(axis, np.ndim(a)), mode=mode)


def take_along_axis_jvp(args, kwargs, ans, tangents, k):
    a, indices, axis, t = args[0], args[1], _arg(args, kwargs, 2, "axis"), tangents[0]
    if axis is None:
        return np.reshape(np.take_along_axis(_flat(t, k), ex(indices, k), 0),
                          tshape(np.shape(ans), k))
    return np.take_along_axis(t, ex(indices, k), axis=axis_of(axis, np.ndim(a)))


def sort_jvp(args, kwargs, ans, tangents, k):
    a, axis = args[0], _arg(args, kwargs, 1, "axis", -1)
    order = np.argsort(_primal(a), axis=axis, kind="stable")
    return take_along_axis_jvp((a, order, axis), {}, ans, tangents, k)


def repeat_jvp(args, kwargs, ans, tangents, k):
    a, repeats, axis, t = args[0], args[1], _arg(args, kwargs, 2, "axis"), tangents[0]
    if axis is None:
        return np.repeat(_flat(t, k), repeats, axis=0)
    return np.repeat(t, repeats, axis=axis_of(axis, np.ndim(a)))


def tile_jvp(args, kwargs, ans, tangents, k):
    a, reps = args[0], args[1]
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    d = max(np.ndim(a), len(reps))
    t = np.reshape(tangents[0], tshape((1,) * (d - np.ndim(a)) + np.shape(a), k))
    reps = (1,) * (d - len(reps)) + reps + ((1,) if k is not None else ())
    return np.tile(t, reps)


def diff_jvp(args, kwargs, ans, tangents, k):
    """diff is linear; constant prepend=/append= values put zeros beside the tangent."""
    a, n, t = args[0], _arg(args, kwargs, 1, "n", 1), tangents[0]
    axis = axis_of(_arg(args, kwargs, 2, "axis", -1), np.ndim(a))
    before, after = kwargs.get("prepend"), kwargs.get("append")
    def constant(value):
        shape = np.shape(value)
        if not shape:   # a scalar is one slice along the axis, as NumPy takes it
            shape = np.shape(a)[:axis] + (1,) + np.shape(a)[axis + 1:]
        return zeros(shape, k, _dtype(t))
    if before is not None or after is not None:
        parts = ([] if before is None else [constant(before)]) + [t] + (
            [] if after is None else [constant(after)])
        t = np.concatenate(parts, axis=axis)
    return np.diff(t, n=n, axis=axis)


def _triangle_jvp(lower):
    def jvp(args, kwargs, ans, tangents, k):
        offset = kwargs.get("k", 0)
        n, m = np.shape(ans)[-2:]
        keep = np.tri(n, m, offset, dtype=bool) if lower else ~np.tri(n, m, offset - 1, dtype=bool)
        # a 1-D input is read as every row of the matrix, as NumPy does
        return np.where(ex(keep, k), _broadcast(tangents[0], ans, k), 0)
    jvp.__name__ = "tril_jvp" if lower else "triu_jvp"
    jvp.__doc__ = (f"{'tril' if lower else 'triu'} is linear: the tangent masked to the same "
                   "triangle")
    return jvp


tril_jvp = _triangle_jvp(lower=True)
triu_jvp = _triangle_jvp(lower=False)


def _diagonal_args(args, kwargs):
    """``offset``, ``axis1``, ``axis2`` of np.trace/np.diagonal, axes made non-negative so
    that they name the same axes of the tangent (whose k-axis comes last)."""
    ndim = np.ndim(args[0])
    return dict(offset=_arg(args, kwargs, 1, "offset", 0),
                axis1=_arg(args, kwargs, 2, "axis1", 0) % ndim,
                axis2=_arg(args, kwargs, 3, "axis2", 1) % ndim)


def trace_jvp(args, kwargs, ans, tangents, k):
    return np.trace(tangents[0], **_diagonal_args(args, kwargs))


def diagonal_jvp(args, kwargs, ans, tangents, k):
    d = np.diagonal(tangents[0], **_diagonal_args(args, kwargs))
    return d if k is None else np.moveaxis(d, -2, -1)


def diag_jvp(args, kwargs, ans, tangents, k):
    v, offset, t = args[0], _arg(args, kwargs, 1, "k", 0), tangents[0]
    if np.ndim(v) == 2:
        return diagonal_jvp((v, offset, 0, 1), {}, ans, tangents, k)
    n = np.shape(ans)[0]
    out = zeros((n, n), k, _dtype(v))
    idx = np.arange(np.shape(v)[0])
    return _scatter(out, (idx, idx + offset) if offset >= 0 else (idx - offset, idx), t)


def _scatter(out, index, values):
    """``out`` with ``out[index] = values`` (values may be duals of lower tags)."""
    if hasattr(values, "tag"):
        out = lift(out, values)
    out[index] = values
    return out


# --- products -------------------------------------------------------------------------


def _tensordot_axes(a_ndim, b_ndim, axes):
    if np.ndim(axes) == 0:
        n = int(axes)
        return list(range(a_ndim - n, a_ndim)), list(range(n))
    xa, xb = axes
    xa = [xa] if np.ndim(xa) == 0 else list(xa)
    xb = [xb] if np.ndim(xb) == 0 else list(xb)
    return [x % a_ndim for x in xa], [x % b_ndim for x in xb]


def _tensordot_tangent(a, b, ta, tb, axes_a, axes_b, k):
    out = None
    if tb is not None:
        out = np.tensordot(a, tb, axes=(axes_a, axes_b))   # the direction axis stays last
    if ta is not None:
        term = np.tensordot(ta, b, axes=(axes_a, axes_b))
        if k is not None:                                  # move it past b's free axes
            term = np.moveaxis(term, np.ndim(a) - len(axes_a), -1)
        out = term if out is None else out + term
    return out


def tensordot_jvp(args, kwargs, ans, tangents, k):
    a, b = args[0], args[1]
    axes_a, axes_b = _tensordot_axes(np.ndim(a), np.ndim(b), _arg(args, kwargs, 2, "axes", 2))
    return _tensordot_tangent(a, b, tangents[0], tangents[1], axes_a, axes_b, k)


def dot_jvp(args, kwargs, ans, tangents, k):
    a, b = args[0], args[1]
    ta, tb = tangents[0], tangents[1]
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        out = None
        if ta is not None:
            out = ex(b, k) * ta if np.ndim(b) and k is not None else ta * b
        if tb is not None:
            term = ex(a, k) * tb if np.ndim(a) else a * tb
            out = term if out is None else out + term
        return _broadcast(out, ans, k)
    axes_a = [np.ndim(a) - 1]
    axes_b = [0 if np.ndim(b) == 1 else np.ndim(b) - 2]
    return _tensordot_tangent(a, b, ta, tb, axes_a, axes_b, k)


def inner_jvp(args, kwargs, ans, tangents, k):
    a, b = args
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return dot_jvp(args, kwargs, ans, tangents, k)
    return _tensordot_tangent(a, b, tangents[0], tangents[1], [np.ndim(a) - 1],
                              [np.ndim(b) - 1], k)


def matmul_jvp(args, kwargs, ans, tangents, k):
    reject(kwargs, "matmul", allowed=("casting", "order", "dtype", "subok"))
    a, b = args[0], args[1]
    ta, tb = tangents[0], tangents[1]
    if k is None:
        out = None if ta is None else np.matmul(ta, b)
        if tb is not None:
            out = np.matmul(a, tb) if out is None else out + np.matmul(a, tb)
        return out
    out = None
    if tb is not None:
        if np.ndim(b) == 1:        # (n, k) is a matrix whose columns are the directions
            out = np.matmul(a, tb)
        else:
            r = np.matmul(_matrix_with_k_axis(a), _k_batch(tb))   # (..., k, [m,] p)
            out = np.moveaxis(r, -3 if np.ndim(a) >= 2 else -2, -1)
    if ta is not None:
        if np.ndim(a) >= 2:
            r = np.matmul(_k_batch(ta), _matrix_with_k_axis(b))   # (..., k, m[, p])
            term = np.moveaxis(r, -3 if np.ndim(b) >= 2 else -2, -1)
        else:                      # a vector: the directions become the rows of a matrix
            r = np.matmul(np.swapaxes(ta, 0, 1), b)                # (..., k[, p])
            term = np.moveaxis(r, -2, -1) if np.ndim(b) >= 2 else r
        out = term if out is None else out + term
    return out


_LETTERS = string.ascii_letters


def _einsum_parts(subscripts, n_operands):
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
        inputs = inputs.split(",")
    else:
        inputs = subscripts.split(",")
        letters = [c for c in subscripts if c.isalpha()]
        once = sorted(c for c in set(letters) if letters.count(c) == 1)
        output = ("..." if "..." in subscripts else "") + "".join(once)
    if len(inputs) != n_operands:
        raise ValueError("einsum: the subscripts do not match the number of operands")
    return inputs, output


def _sublist_letters(sublist):
    """An einsum sublist ([0, 1, Ellipsis]) in the subscripts string form ("AB..."), with
    the letters NumPy gives the integers (0-25: A-Z, 26-51: a-z)."""
    return "".join("..." if s is Ellipsis else _LETTERS[(int(s) + 26) % 52] for s in sublist)


def _einsum_in_string_form(args, tangents):
    """einsum(op0, sublist0, op1, sublist1, ..., [sublistout]) as (subscripts, operands,
    their tangents)."""
    pairs = len(args) // 2
    inputs = ",".join(_sublist_letters(args[2 * i + 1]) for i in range(pairs))
    output = "->" + _sublist_letters(args[-1]) if len(args) % 2 else ""
    return (inputs + output, list(args[0:2 * pairs:2]),
            [None] + [tangents[2 * i] for i in range(pairs)])


def einsum_jvp(args, kwargs, ans, tangents, k):
    """einsum is multilinear: a term per moving operand (sublists read as the string form).

    Each term is the einsum with that operand's tangent in its place, the direction axis a
    letter of its own."""
    if not isinstance(args[0], str):
        subscripts, operands, tangents = _einsum_in_string_form(args, tangents)
    else:
        subscripts, operands = args[0], list(args[1:])
    reject(kwargs, "einsum", allowed=("optimize", "dtype", "casting", "order"))
    inputs, output = _einsum_parts(subscripts, len(operands))
    used = set(subscripts)
    free = next(c for c in _LETTERS if c not in used)
    optimize = kwargs.get("optimize", False)
    out = None
    for i, t in enumerate(tangents[1:]):
        if t is None:
            continue
        free_i = "" if k is None else free   # the direction axis: t's last, the output's
        spec = ",".join(s + free_i if j == i else s for j, s in enumerate(inputs)) + "->" + \
            output + free_i
        ops = list(operands)
        ops[i] = t
        term = np.einsum(spec, *ops, optimize=optimize)
        out = term if out is None else out + term
    return _broadcast(out, ans, k)


def outer_compose(a, b):
    """numpy.outer through operations that already have rules."""
    return np.multiply(np.reshape(a, (-1,))[:, None], np.reshape(b, (-1,))[None, :])


def _k_batch(t):
    """(..., n, p, k) -> (..., k, n, p): the directions as a batch axis next to the matrix."""
    return np.moveaxis(t, -1, -3)


def _k_back(r):
    return np.moveaxis(r, -3, -1)


def _matrix_with_k_axis(m):
    """A matrix operand (..., n, p) made to broadcast against a (..., k, n, p) batch."""
    return m[..., None, :, :] if np.ndim(m) >= 2 else m
