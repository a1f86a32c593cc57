"""Compressed seeding: sparse Jacobians and Hessians from coloured seed directions."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import sparsity as sps
from ._seed import check_callable
from .jacfwd import jacobian_at


def _input_size(x) -> tuple:
    if isinstance(x, (list, tuple)):
        return (len(x),)
    return np.shape(x)


def _resolve(sparsity, cache, key, detect, who):
    """(pattern, coloring) for a user pattern or "auto" (detected once per key)."""
    if isinstance(sparsity, str):
        if sparsity != "auto":
            raise ValueError(f"{who}: sparsity must be a pattern or 'auto', got {sparsity!r}")
        if key not in cache:
            pattern = detect()
            cache[key] = (pattern, None)
        pattern, coloring = cache[key]
    else:
        pattern, coloring = cache.get(("user", id(sparsity)), (None, None))
        if pattern is None:
            pattern = sps.as_pattern(sparsity, who=who)
    return pattern, coloring


def _colored(cache, key, sparsity, pattern, coloring, color):
    """The colouring of ``pattern`` (computed once, then kept beside it in the cache)."""
    if coloring is None:
        coloring = color(pattern)
        cache[key if isinstance(sparsity, str) else ("user", id(sparsity))] = (pattern, coloring)
    return coloring


def _recovery(plans, pattern, coloring, make):
    """The recovery plan of ``pattern`` and ``coloring`` (made once, kept beside them)."""
    kept = plans.get(id(coloring))
    if kept is None or kept[0] is not coloring or kept[1] is not pattern:
        kept = plans[id(coloring)] = (coloring, pattern, make(pattern, coloring))
    return kept[2]


def sparse_jacfwd(f: Callable[..., Any], argnums, has_aux, chunk_size, sparsity):
    if not isinstance(argnums, int):
        raise TypeError("jacfwd: with sparsity, argnums must be a single int")
    sps._scipy_sparse()   # the clear ImportError, now rather than at the first call
    cache: dict = {}
    plans: dict = {}

    def sparse_jacobian_of_f(*args):
        if not -len(args) <= argnums < len(args):
            raise ValueError(f"jacfwd: argnums={argnums} but f was called with {len(args)} "
                             "positional argument(s)")
        x = args[argnums]
        in_size = int(np.prod(_input_size(x)))
        key = (_input_size(x), getattr(np.asarray(x) if not isinstance(x, (list, tuple))
                                       else np.zeros(0), "dtype", None))
        pattern, coloring = _resolve(
            sparsity, cache, key,
            lambda: sps.detect(lambda *a: _only_output(f(*a), has_aux), args, argnums,
                               "jacfwd"), "jacfwd")
        if pattern.shape[1] != in_size:
            raise ValueError(f"jacfwd: the sparsity pattern has {pattern.shape[1]} columns but "
                             f"argument {argnums} has {in_size} entries")
        coloring = _colored(cache, key, sparsity, pattern, coloring, sps.color_columns)
        seeds = sps.seed_matrix(coloring)
        result = jacobian_at(f, args, argnums, (argnums,), has_aux, chunk_size, "jacfwd",
                             seeds=seeds)
        compressed, aux = (result if has_aux else (result, None))
        compressed = np.reshape(compressed, (-1, coloring.count))
        if compressed.shape[0] != pattern.shape[0]:
            raise ValueError(f"jacfwd: the sparsity pattern has {pattern.shape[0]} rows but f "
                             f"returned {compressed.shape[0]} entries")
        jac = _recovery(plans, pattern, coloring, sps.column_recovery)(compressed)
        return (jac, aux) if has_aux else jac

    sparse_jacobian_of_f.__name__ = f"sparse_jacfwd_of_{getattr(f, '__name__', 'f')}"
    sparse_jacobian_of_f.coloring = lambda: [c for _, c in cache.values()]
    return sparse_jacobian_of_f


def _only_output(out, has_aux):
    if has_aux:
        return out[0]
    if isinstance(out, dict):
        raise TypeError("jacfwd: with sparsity, f must return one array (or number)")
    return out


def sparse_hessian(f: Callable[..., Any], argnums: int, sparsity):
    """Hessian as scipy.sparse.csr_array from H S with a star colouring of its pattern."""
    from .hessian import gradient_in
    check_callable(f, "hessian")
    sps._scipy_sparse()
    cache: dict = {}
    plans: dict = {}
    grad_in_x = gradient_in(f, argnums)

    def sparse_hessian_of_f(*args):
        x = args[argnums]
        key = (_input_size(x),)
        pattern, coloring = _resolve(
            sparsity, cache, key, lambda: sps.detect(grad_in_x, args, argnums, "hessian"),
            "hessian")
        n = int(np.prod(_input_size(x)))
        if pattern.shape != (n, n):
            raise ValueError(f"hessian: the sparsity pattern has shape {tuple(pattern.shape)} "
                             f"but the Hessian has shape ({n}, {n})")
        coloring = _colored(cache, key, sparsity, pattern, coloring, sps.star_color)
        seeds = sps.seed_matrix(coloring)
        compressed = jacobian_at(grad_in_x, args, argnums, (argnums,), False, None, "hessian",
                                 seeds=seeds)
        recover = _recovery(plans, pattern, coloring, sps.symmetric_recovery)
        return recover(np.reshape(compressed, (n, coloring.count)))

    sparse_hessian_of_f.__name__ = f"sparse_hessian_of_{getattr(f, '__name__', 'f')}"
    return sparse_hessian_of_f


