"""``hessian(f)``: the Hessian by forward-over-forward differentiation."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..tags import new_tag
from .derivative import derivative
from ._seed import as_scalar, as_vector, check_callable, is_sequence, one_like, pack_like, seed, tangent_of
from .gradient import DEFAULT_CHUNK, _basis


def hessian(f: Callable[..., Any], argnums: int = 0) -> Callable[..., Any]:
    """A function returning the Hessian of the scalar ``f`` in argument ``argnums``.

    For a scalar argument the result is ``f''(x)``; for a 1-D sequence of n numbers an
    (n, n) ndarray. Each row is one directional derivative (tag B, seed e_i) of the
    gradient carried as a multi-tangent (tag A, seeds e_j), so no perturbation of one
    differentiation leaks into the other.

    >>> import dualad as ad
    >>> ad.hessian(lambda v: v[0]**2 * v[1])([1.0, 3.0])
    array([[6., 2.],
           [2., 0.]])
    """
    check_callable(f, "hessian")
    if isinstance(argnums, bool) or not isinstance(argnums, int):
        raise TypeError(f"hessian: argnums must be an int, got {type(argnums).__name__}")

    def hessian_of_f(*args):
        if not -len(args) <= argnums < len(args):
            raise ValueError(f"hessian: argnums={argnums} but f was called with "
                             f"{len(args)} positional argument(s)")
        args = list(args)
        x = args[argnums]

        def with_x(value):
            args[argnums] = value
            return f(*args)

        if not is_sequence(x):
            return derivative(with_x, as_scalar(x, "hessian"), 2)
        return _dense_hessian(with_x, x, as_vector(x, "hessian"))

    hessian_of_f.__name__ = f"hessian_of_{getattr(f, '__name__', 'f')}"
    return hessian_of_f


def _dense_hessian(f, x, values):
    n = len(values)
    rows = []
    for start in range(0, n, DEFAULT_CHUNK):
        stop = min(start + DEFAULT_CHUNK, n)
        k = stop - start
        tag_a = new_tag()
        basis = _basis(k, values[0])
        outer = [seed(v, basis[i - start], tag_a) if start <= i < stop else v
                 for i, v in enumerate(values)]
        block = []
        for i in range(n):
            tag_b = new_tag()
            inner = [seed(v, one_like(values[i]), tag_b) if j == i else v
                     for j, v in enumerate(outer)]
            y = f(pack_like(x, inner))
            if isinstance(y, (list, tuple, dict)) or (isinstance(y, np.ndarray) and y.ndim > 0):
                raise TypeError("hessian: f must return a scalar, got " + type(y).__name__)
            d = tangent_of(y, tag_b, "hessian")       # d f / d x_i, a dual of tag A
            block.append(tangent_of(d, tag_a, "hessian", k))
        rows.append(np.array(block))
    out = np.concatenate(rows, axis=1) if len(rows) > 1 else rows[0]
    return out.tolist() if out.dtype == object else out
