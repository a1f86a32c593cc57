"""``jvp(f, primals, tangents)``: one Jacobian-vector product, as ``jax.jvp``."""
from __future__ import annotations

from typing import Any, Callable, Literal, Sequence, Union, overload

import numpy as np

from dualad.arrays.array import DualArray, wrap
from dualad.transforms.arguments import split_aux
from dualad.transforms.pytrees import flatten, unflatten
from dualad.core.rule_path import transformation_pass
from dualad.base.tags import new_tag, running
from dualad.transforms.seeding import (
    as_array, as_scalar, as_vector, check_callable, is_sequence, pack_like, plain_errors,
    primal_of, seed, strip, tangent_of, to_array)


#: jvp's primals and tangents: a tuple (or list) of arguments
_Arguments = Union[tuple[Any, ...], list[Any]]


@overload
def jvp(f: Callable[..., Any], primals: _Arguments, tangents: _Arguments,
        has_aux: Literal[False] = False) -> tuple[Any, Any]: ...
@overload
def jvp(f: Callable[..., Any], primals: _Arguments, tangents: _Arguments,
        has_aux: Literal[True]) -> tuple[Any, Any, Any]: ...
@overload
def jvp(f: Callable[..., Any], primals: _Arguments, tangents: _Arguments,
        has_aux: bool = False) -> tuple[Any, ...]: ...


def jvp(f: Callable[..., Any], primals: _Arguments, tangents: _Arguments,
        has_aux: bool = False) -> tuple[Any, ...]:
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
    return jvp_at(f, primals, tangents, has_aux, "jvp")


def jvp_at(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
           has_aux: bool, who: str, names: tuple[str, str] | None = None) -> tuple[Any, ...]:
    """``jvp`` under the name ``who``; ``names`` (primal, tangent) for one argument."""
    with transformation_pass():
        tag = new_tag()
        args = [_seed_tree(p, t, tag, *(names or (f"primals[{i}]", f"tangents[{i}]")), who)
                for i, (p, t) in enumerate(zip(primals, tangents))]
        with running(tag):
            out = f(*args)
        if has_aux:
            out, aux = split_aux(out, who)
        result = (to_array(primal_of(out, tag, who)), to_array(tangent_of(out, tag, who)))
        if has_aux:
            return result + (strip(aux, tag, who),)
        return result


def _seed_tree(primal: Any, tangent: Any, tag: int, pname: str, tname: str, who: str) -> Any:
    """Seed a primal that may be a tuple/list/dict of arrays (a pytree, as in JAX)."""
    p_leaves, p_spec = flatten(primal)
    t_leaves, t_spec = flatten(tangent)
    if p_spec != t_spec or len(p_leaves) != len(t_leaves):
        raise ValueError(f"{who}: {tname} must have the structure of {pname}, got "
                         f"{_structure(tangent)} for {_structure(primal)}")
    return unflatten(p_spec, [_seed_argument(p, t, tag, pname, tname, who)
                              for p, t in zip(p_leaves, t_leaves)])


def _structure(tree: Any) -> str:
    if isinstance(tree, dict):
        return f"a dict with keys {sorted(tree)}"
    if isinstance(tree, (list, tuple)):
        inner = ", ".join(_structure(v) for v in tree[:4]) + (", ..." if len(tree) > 4 else "")
        return f"a {type(tree).__name__} of {len(tree)} ({inner})"
    if isinstance(tree, (np.ndarray, DualArray)):
        return f"an array of shape {np.shape(tree)}"
    return f"a {type(tree).__name__}"


def _seed_argument(primal: Any, tangent: Any, tag: int, pname: str, tname: str,
                   who: str) -> Any:
    if isinstance(primal, (np.ndarray, DualArray)):
        value = as_array(primal, who, pname)
        direction = as_array(tangent, who, tname)
        if np.shape(direction) != value.shape:
            raise ValueError(f"{who}: {pname} has shape {value.shape} but {tname} has "
                             f"shape {np.shape(direction)}; they must have the same shape")
        return wrap(value, _in_dtype_of(direction, value), tag, None)
    if is_sequence(primal):
        values = as_vector(primal, who, pname)
        if not is_sequence(tangent):
            raise ValueError(f"{who}: {pname} is a sequence of {len(values)} numbers but "
                             f"{tname} is {type(tangent).__name__}; they must have the "
                             "same shape")
        directions = as_vector(tangent, who, tname)
        if len(directions) != len(values):
            raise ValueError(f"{who}: {pname} has {len(values)} entries but {tname} "
                             f"has {len(directions)}; they must have the same shape")
        return pack_like(primal, [seed(v, t, tag) for v, t in zip(values, directions)])
    value = as_scalar(primal, who, pname)
    if is_sequence(tangent):
        raise ValueError(f"{who}: {pname} is a number but {tname} is a sequence of "
                         f"length {len(tangent)}; they must have the same shape")
    return seed(value, as_scalar(tangent, who, tname), tag)


def _in_dtype_of(direction: Any, value: Any) -> Any:
    """A double-precision direction for a float32 (float16, complex64) primal in the
    primal's precision, so that the tangent comes out in it, as in JAX (which refuses
    the mismatch); a complex direction of a real primal stays complex."""
    if not (type(value) is np.ndarray and type(direction) is np.ndarray
            and value.dtype.kind in "fc" and direction.dtype.kind in "fc"):
        return direction
    if np.finfo(value.dtype).bits >= np.finfo(direction.dtype).bits:
        return direction
    complex_ = "c" in (value.dtype.kind, direction.dtype.kind)
    return direction.astype(np.result_type(value.dtype, np.complex64) if complex_
                            else value.dtype)
