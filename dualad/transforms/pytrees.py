"""Pytrees as in JAX: nested tuples, lists and dicts whose leaves are arrays or numbers.

One difference from JAX, so that sequences of numbers keep meaning "a vector" (SPEC:
inputs may be numbers, sequences of numbers or arrays): a non-empty list or tuple whose
entries are all scalars is *one* leaf, a vector, not a tree of scalar leaves.
"""
from __future__ import annotations

import numbers

import mpmath
import numpy as np

from dualad.arrays.array import DualArray
from dualad.core.number import Dual

_SCALARS = (numbers.Number, Dual, mpmath.mpf, mpmath.mpc, np.generic)


def is_scalar(x) -> bool:
    return isinstance(x, _SCALARS) and not isinstance(x, bool)


def is_vector(x) -> bool:
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(is_scalar(v) for v in x)


def flatten(tree):
    """(leaves, spec): leaves in order; ``spec`` rebuilds the structure."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves):
    if is_vector(tree) or not isinstance(tree, (list, tuple, dict)):
        leaves.append(tree)
        return None
    if isinstance(tree, dict):
        keys = sorted(tree)
        return (dict, keys, [_flatten(tree[key], leaves) for key in keys])
    return (type(tree), None, [_flatten(v, leaves) for v in tree])


def flatten_args(args):
    """Like ``flatten`` for a list of arguments, which is never itself a vector leaf."""
    leaves: list = []
    return leaves, (list, None, [_flatten(a, leaves) for a in args])


def unflatten(spec, leaves):
    return _unflatten(spec, iter(leaves))


def _unflatten(spec, it):
    if spec is None:
        return next(it)
    kind, keys, children = spec
    items = [_unflatten(c, it) for c in children]
    if kind is dict:
        return dict(zip(keys, items))
    if kind is tuple or kind is list:
        return kind(items)
    return kind(*items)  # named tuples


def leaf_shape(x) -> tuple:
    if isinstance(x, (np.ndarray, DualArray)) or (hasattr(x, "shape") and not is_scalar(x)):
        return tuple(x.shape)
    if is_vector(x):
        return (len(x),)
    return ()


def leaf_paths(spec, nums) -> list:
    """Names of the leaves of ``flatten_args`` of the arguments ``nums``, for errors:
    ``argument 0['w'][1]``."""
    paths: list = []
    for num, child in zip(nums, spec[2]):
        _paths(child, f"argument {num}", paths)
    return paths


def _paths(spec, prefix, paths):
    if spec is None:
        paths.append(prefix)
        return
    kind, keys, children = spec
    for i, child in enumerate(children):
        _paths(child, f"{prefix}[{keys[i]!r}]" if kind is dict else f"{prefix}[{i}]", paths)
