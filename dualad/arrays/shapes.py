"""Handlers for the array rules whose differentiable arguments are not NumPy's leading
parameters: ``np.pad`` (``constant_values=`` and ``end_values=`` may be duals) and
``np.select`` (a list of choices, broadcast together). Each brings the call to its rule's
parameters and applies the rule (``dualad.table.shape_rules``); the primal is NumPy's own.

NumPy hands np.pad to dualad only when ``array`` is a dual (its dispatcher looks at no
other argument): a dual fill value around a plain array reaches NumPy, which refuses to
store it (``DroppedDerivative``). Make the array a dual of the same differentiation,
``np.zeros_like(x) + a``.

>>> import numpy as np, dualad as ad
>>> ad.derivative(lambda c: np.pad(c * np.ones(2), 1, constant_values=2 * c), 3.0)
array([2., 1., 1., 2.])
"""
from __future__ import annotations

import numpy as np

from dualad.arrays.array import _as_operand, _holds_dual, _primal
from dualad.arrays.dispatch import apply_array_rule, implements
from dualad.arrays.sparse_matrices import rows_of
from dualad.base.carriers import ACTIVE as _PRECEDING
from dualad.table.rules import table
from dualad.table.shape_rules import (
    LINEAR_PAD_MODES, PAD_FILL_KEYWORD, PAD_MODE_KEYWORDS, STAT_PAD_MODES, per_axis_pairs)

_PAD = table["np.pad"]
_SELECT = table["np.select"]
def _pad_primal(array, constant_values, end_values, *, pad_width, mode, **kwargs):
    """np.pad with the fill values given back under their keywords (None: not given)."""
    for key, v in (("constant_values", constant_values), ("end_values", end_values)):
        if v is not None:
            kwargs[key] = v
    return np.pad(array, pad_width, mode=mode, **kwargs)


_pad_primal.__name__ = "pad"


@implements(np.pad)
def pad(array, pad_width, mode="constant", **kwargs):
    """np.pad: linear in ``array`` and the fill values for the modes constant, edge, reflect,
    symmetric, wrap, linear_ramp; maximum/minimum/mean/median pad with the tangents of the
    entries that define the statistic. A function as ``mode`` and "empty" are refused."""
    if not isinstance(mode, str) or mode not in LINEAR_PAD_MODES + STAT_PAD_MODES:
        raise TypeError(f"dualad: numpy.pad with mode={mode!r} has no tangent rule (modes "
                        f"with one: {', '.join(LINEAR_PAD_MODES + STAT_PAD_MODES)})")
    for key, v in kwargs.items():
        if key not in PAD_FILL_KEYWORD.values() and _holds_dual(v):
            raise TypeError(f"dualad: numpy.pad with a dual {key}= ({type(v).__name__}) has "
                            "no tangent rule: only array, constant_values and end_values "
                            "may carry derivatives")
    if _holds_dual(pad_width):
        raise TypeError("dualad: numpy.pad with a dual pad_width has no tangent rule "
                        "(the widths are integers)")
    fills = [kwargs.pop(key, None) for key in ("constant_values", "end_values")]
    allowed = PAD_MODE_KEYWORDS.get(mode, ())
    for key in kwargs:
        if key not in allowed:   # NumPy's own message for a keyword the mode does not take
            # (mode is the caller's string: NumPy checks it, and words the error)
            np.pad(_primal(array), pad_width, mode=mode, **kwargs)  # type: ignore[call-overload]
            raise TypeError(f"dualad: numpy.pad with mode={mode!r} and {key}= has no "
                            "tangent rule")
    if _PRECEDING and _PRECEDING[-1].claims((array, *fills)):
        return _pad_pattern(array, pad_width, mode, fills, kwargs)
    return apply_array_rule(_PAD, _pad_primal, (array, *fills),
                            dict(pad_width=pad_width, mode=mode, **kwargs))


def _pad_pattern(array, pad_width, mode, fills, kwargs):
    """np.pad under sparsity detection: the linear map its Jacobian is, applied row by row
    to the array's and the fill values' entries (``sparse_matrices.rows_of``). A statistic
    mode takes the map of "mean" (each padded entry on every entry it may select)."""
    shape = np.shape(_primal(array))
    ndim, n = len(shape), int(np.prod(shape))
    widths = [(0, 0)] + per_axis_pairs(pad_width, ndim)
    extra = {key: v for key, v in kwargs.items() if key == "reflect_type"}
    linear_mode = mode
    if mode in STAT_PAD_MODES:
        linear_mode = "mean"
        lengths = per_axis_pairs(kwargs.get("stat_length"), ndim)
        extra["stat_length"] = [(n, n)] + [(shape[a] if b is None else b,
                                            shape[a] if e is None else e)
                                           for a, (b, e) in enumerate(lengths)]
    key = PAD_FILL_KEYWORD.get(mode)
    if key is not None:
        extra[key] = 0
    basis = np.eye(n).reshape((n,) + shape)
    columns = [np.reshape(np.pad(basis, widths, mode=linear_mode, **extra), (n, -1)).T]
    inputs = [np.reshape(array, (-1,))]
    fill = fills[0] if key == "constant_values" else fills[1] if key else None
    if fill is not None and _holds_dual(fill):
        assert key is not None, "a fill value comes with its keyword"
        fill = _as_operand(fill)
        if np.ndim(_primal(fill)) == 0:   # a scalar entry: a vector of one, as np.stack makes it
            fill = np.stack([fill])
        size = int(np.size(_primal(fill)))
        index = np.arange(size).reshape(np.shape(_primal(fill)))
        index = np.broadcast_to(index.ravel() if index.size == 2 and index.shape != (2, 1)
                                else index, (ndim, 2)).ravel()
        by_side = [np.pad(np.zeros(shape), widths[1:], mode=mode, **{key: b}).ravel()
                   for b in np.eye(2 * ndim).reshape(2 * ndim, ndim, 2)]
        weights = np.zeros((columns[0].shape[0], size))
        for side, entry in enumerate(index):
            weights[:, entry] += by_side[side]
        columns.append(weights)
        inputs.append(np.reshape(fill, (-1,)))
    out_shape = np.shape(np.pad(np.zeros(shape), widths[1:], mode=linear_mode,
                                **{k: v for k, v in extra.items() if k != "stat_length"}))
    flat = rows_of(np.concatenate(columns, axis=1), np.concatenate(inputs))
    return np.reshape(flat, out_shape)


@implements(np.select)
def select(condlist, choicelist, default=0):
    """np.select: the first choice whose condition holds (on the primal), else the default;
    linear in the choices and the default, which are broadcast together first."""
    conditions = [np.asarray(_primal(c)) for c in condlist]
    choices = list(choicelist)
    if len(conditions) != len(choices):   # NumPy's message
        return np.select(conditions, [_primal(c) for c in choices], _primal(default))
    if _PRECEDING and _PRECEDING[-1].claims((*choices, default)):   # sparsity: the same
        out = default                                               # choice, by np.where
        for condition, choice in zip(conditions[::-1], choices[::-1]):
            out = np.where(condition, choice, out)
        return out
    shape = np.broadcast_shapes(*[np.shape(_primal(v)) for v in
                                  (*conditions, *choices, default)])
    choices = [np.broadcast_to(c, shape) for c in choices]
    return apply_array_rule(_SELECT, np.select, (conditions, choices, default), {})
