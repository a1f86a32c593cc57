"""NumPy's shape and selection functions of gathered dual arrays, kept gathered.

A gathered tangent (``dualad.arrays.gathered``) is ``cols`` and ``vals`` of shape
``value.shape + (p,)``. A function that only moves entries (a reshape in C order,
``squeeze``, ``expand_dims``, a transpose, ``swapaxes``, ``moveaxis``) moves ``cols`` and
``vals`` as it moves the value, with the column axis left last: no full k-tangent (n x n
numbers inside a Hessian's gradient pass) in between. Without these, a sparse Hessian of a
function that reshapes its input read the full tangent, and took time quadratic in n.

The selections (``SELECTIONS``: flip, roll, rot90, take, tile, repeat; fliplr and flipud
are NumPy's compositions of flip) copy entries: which entry each output entry copies is
read off the function applied to entry ids (1, 2, ...), and ``cols`` and ``vals`` are
indexed with those ids (after a zero column, id 0, which no selection takes).

Each function here returns None where it does not apply (not gathered, another order,
arguments it does not know); the array rule's route then computes the result.
"""
from __future__ import annotations

import numpy as np

from dualad.arrays.array import _gathered_array, _holds_dual, _primal
from dualad.arrays.gathered import _is_gathered, _reshape

#: functions each of whose output entries is a copy of one entry of the array argument
SELECTIONS = frozenset((np.flip, np.roll, np.rot90, np.take, np.tile, np.repeat))

#: most axes whose order is found by a probe (``_permutation``)
_MAX_PROBED_AXES = 6


def gathered_reshape(a, shape=None, order="C", **kwargs):
    """np.reshape (np.ravel: shape -1) of a gathered array in C order."""
    if not _is_gathered(a) or order != "C" or kwargs or shape is None:
        return None
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return _reshape(a, shape) if shape else None   # no axes left: a scalar, by the rule


def gathered_reshaped(func, a, *args, **kwargs):
    """``func`` (squeeze, expand_dims: a reshape in C order of its one array argument) of a
    gathered array: its value's new shape, the columns reshaped alike."""
    if not _is_gathered(a):
        return None
    shape = np.shape(func(np.empty(a.shape), *args, **kwargs))
    return _reshape(a, shape) if shape else None


def gathered_permuted(func, a, *args, **kwargs):
    """``func`` (transpose, swapaxes, moveaxis: a permutation of the axes) of a gathered
    array: the value permuted by ``func``, the columns by the same permutation of their
    leading axes."""
    if not _is_gathered(a) or not 0 < a.ndim <= _MAX_PROBED_AXES:
        return None
    order = _permutation(func, a.ndim, args, kwargs)
    value = func(a.value, *args, **kwargs)
    lanes = order + (a.ndim,)
    return _gathered_array(value, np.transpose(a.cols, lanes), np.transpose(a.vals, lanes),
                           a.tag, a.k)


def _permutation(func, ndim, args, kwargs) -> tuple[int, ...]:
    """The axis order ``func`` gives an array of ``ndim`` axes: read off a probe whose axes
    have distinct lengths (2, 3, ...)."""
    probe = np.empty(tuple(range(2, ndim + 2)))
    moved = np.shape(func(probe, *args, **kwargs))
    return tuple(length - 2 for length in moved)


def gathered_selected(func, a, *args, **kwargs):
    """``func`` (one of ``SELECTIONS``) of a gathered array: the value by ``func``, the
    columns and their values indexed by the entry ids ``func`` moves."""
    if not _is_gathered(a) or a.ndim == 0 or kwargs.get("out") is not None or \
            _holds_dual(list(args)) or _holds_dual(list(kwargs.values())):
        return None
    ids = np.arange(1, a.size + 1).reshape(a.shape)
    taken = np.asarray(func(ids, *args, **kwargs))
    if taken.ndim == 0 or taken.dtype.kind not in "iu":
        return None
    p = a.cols.shape[-1]
    cols = np.concatenate((np.zeros((1, p), dtype=a.cols.dtype), a.cols.reshape(-1, p)))
    flat = _reshape(a.vals, (-1, p))
    vals = np.concatenate((np.zeros((1, p), dtype=_primal(flat).dtype), flat))
    return _gathered_array(func(a.value, *args, **kwargs), cols[taken], vals[taken], a.tag,
                           a.k)


def gathered_diff(a, n=1, axis=-1, **kwargs):
    """np.diff of a gathered array (without ``prepend``/``append``): what NumPy computes,
    ``a[1:] - a[:-1]`` along the axis, n times, each a difference of gathered operands."""
    if not _is_gathered(a) or kwargs or type(n) is not int or n < 0 or \
            type(axis) is not int or not -a.ndim <= axis < a.ndim:
        return None
    axis %= a.ndim
    upper = tuple(slice(1, None) if i == axis else slice(None) for i in range(a.ndim))
    lower = tuple(slice(None, -1) if i == axis else slice(None) for i in range(a.ndim))
    for _ in range(n):
        a = a[upper] - a[lower]
    return a
