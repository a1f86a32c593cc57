"""``jvp(f, primals, tangents)``: one Jacobian-vector product, as ``jax.jvp``."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from dualad.arrays.array import DualArray, wrap
from dualad.transforms.engine import _split_aux
from dualad.transforms.pytrees import flatten, unflatten
from dualad.core.rule_path import transformation_pass
from dualad.base.tags import new_tag, running
from dualad.transforms.seeding import (
    as_array, as_scalar, as_vector, check_callable, is_sequence, pack_like, plain_errors,
    primal_of, seed, tangent_of, to_array)


def jvp(f: Callable[..., Any], primals, tangents, has_aux: bool = False):
    """``(f(*primals), J·tangents)``, plus ``aux`` when ``has_aux``.

    ``primals`` and ``tangents`` are tuples (or lists) of equal structure: each entry a
    number or a 1-D sequence of numbers, its tangent of the same shape. With
    ``has_aux=True``, ``f`` returns ``(output, aux)`` and ``aux`` comes back with any
    duals replaced by their primal values.

    >>> import dualad as ad
    >>> ad.jvp(lambda x, y: x * y, (2.0, 3.0), (1.0, 0.0))
    (6.0, 3.0)
    """
    check_callable(f, "jvp")
    f = plain_errors(f, "jvp")
    if not isinstance(primals, (tuple, list)):
        raise TypeError("jvp: primals must be a tuple (or list) of arguments, e.g. (x,), got "
                        f"{type(primals).__name__}")
    if not isinstance(tangents, (tuple, list)):
        raise TypeError("jvp: tangents must be a tuple (or list) like primals, got "
                        f"{type(tangents).__name__}")
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: primals has {len(primals)} entries but tangents has "
                         f"{len(tangents)}; they must have the same structure")
    with transformation_pass():
        return _jvp(f, primals, tangents, has_aux)


def _jvp(f, primals, tangents, has_aux):
    tag = new_tag()
    args = [_seed_tree(p, t, tag, i) for i, (p, t) in enumerate(zip(primals, tangents))]
    with running(tag):
        out = f(*args)
    if has_aux:
        out, aux = _split_aux(out, "jvp")
    result = (to_array(primal_of(out, tag, "jvp")), to_array(tangent_of(out, tag, "jvp")))
    if has_aux:
        return result + (_strip(aux, tag),)
    return result


def _seed_tree(primal, tangent, tag: int, i: int):
    """Seed a primal that may be a tuple/list/dict of arrays (a pytree, as in JAX)."""
    p_leaves, p_spec = flatten(primal)
    t_leaves, t_spec = flatten(tangent)
    if p_spec != t_spec or len(p_leaves) != len(t_leaves):
        raise ValueError(f"jvp: primals[{i}] and tangents[{i}] have different structures")
    return unflatten(p_spec, [_seed_argument(p, t, tag, i) for p, t in zip(p_leaves, t_leaves)])


def _seed_argument(primal, tangent, tag: int, i: int):
    if isinstance(primal, (np.ndarray, DualArray)):
        value = as_array(primal, "jvp", f"primals[{i}]")
        direction = as_array(tangent, "jvp", f"tangents[{i}]")
        if np.shape(direction) != value.shape:
            raise ValueError(f"jvp: primals[{i}] has shape {value.shape} but tangents[{i}] has "
                             f"shape {np.shape(direction)}; they must have the same shape")
        return wrap(value, direction, tag, None)
    if is_sequence(primal):
        values = as_vector(primal, "jvp", f"primals[{i}]")
        if not is_sequence(tangent):
            raise ValueError(f"jvp: primals[{i}] is a sequence of {len(values)} numbers but "
                             f"tangents[{i}] is {type(tangent).__name__}; they must have the "
                             "same shape")
        directions = as_vector(tangent, "jvp", f"tangents[{i}]")
        if len(directions) != len(values):
            raise ValueError(f"jvp: primals[{i}] has {len(values)} entries but tangents[{i}] "
                             f"has {len(directions)}; they must have the same shape")
        return pack_like(primal, [seed(v, t, tag) for v, t in zip(values, directions)])
    value = as_scalar(primal, "jvp", f"primals[{i}]")
    if is_sequence(tangent):
        raise ValueError(f"jvp: primals[{i}] is a number but tangents[{i}] is a sequence of "
                         f"length {len(tangent)}; they must have the same shape")
    return seed(value, as_scalar(tangent, "jvp", f"tangents[{i}]"), tag)


def _strip(aux, tag):
    try:
        return primal_of(aux, tag, "jvp")
    except TypeError:
        return aux  # aux may hold anything; only duals are replaced


