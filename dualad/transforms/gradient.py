"""``gradient(f, x)``: forward-mode gradient of a scalar function, chunk by chunk."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..tags import new_tag
from ._seed import (as_scalar, as_vector, check_callable, is_sequence, one_like, pack_like,
                    seed, tangent_of)

#: Directions per pass when the caller does not choose. A multi-tangent dual costs about
#: the same per operation for k = 1..~100 (NumPy's per-call overhead dominates), so one
#: wide chunk is fastest; the cap bounds memory (each live dual holds k floats).
DEFAULT_CHUNK = 128


def gradient(f: Callable[..., Any], x, chunk_size: int | None = None):
    """The gradient of the scalar function ``f`` at ``x``, with the shape of ``x``.

    ``x`` is a number (the result is ``f'(x)``) or a 1-D sequence of numbers (the result
    is an ndarray; a list when the entries are mpmath numbers). The directions are
    seeded ``chunk_size`` at a time as multi-tangent duals.

    >>> import dualad as ad
    >>> ad.gradient(lambda v: v[0] * v[1] + ad.math.sin(v[0]), [0.0, 2.0])
    array([3., 0.])
    """
    check_callable(f, "gradient")
    if not is_sequence(x):
        x = as_scalar(x, "gradient")
        tag = new_tag()
        return _scalar_tangent(f(seed(x, one_like(x), tag)), tag)
    values = as_vector(x, "gradient")
    n = len(values)
    chunk = check_chunk(chunk_size, n, "gradient")
    parts = []
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        parts.append(_gradient_chunk(f, x, values, start, stop))
    if any(isinstance(p, list) for p in parts):
        return [v for p in parts for v in p]
    return np.concatenate(parts)


def _gradient_chunk(f, x, values, start, stop):
    k = stop - start
    tag = new_tag()
    if k == 1:
        args = [seed(v, one_like(v), tag) if i == start else v for i, v in enumerate(values)]
        t = _scalar_tangent(f(pack_like(x, args)), tag)
        return [t] if not isinstance(t, (float, complex)) else np.array([t])
    basis = _basis(k, values[start])
    args = [seed(v, basis[i - start], tag) if start <= i < stop else v
            for i, v in enumerate(values)]
    t = _scalar_tangent(f(pack_like(x, args)), tag, k)
    return list(t) if t.dtype == object else t


def _basis(k: int, sample):
    import mpmath
    eye = np.eye(k)
    if isinstance(sample, (mpmath.mpf, mpmath.mpc)):
        return np.array([[mpmath.mpf(v) for v in row] for row in eye], dtype=object)
    return eye


def _scalar_tangent(y, tag, directions=None):
    if isinstance(y, (list, tuple, dict)) or (isinstance(y, np.ndarray) and y.ndim > 0):
        raise TypeError("gradient: f must return a scalar, got "
                        f"{type(y).__name__}; use jacfwd/jacobian for vector outputs")
    return tangent_of(y, tag, "gradient", directions)


def check_chunk(chunk_size, n: int, who: str) -> int:
    if chunk_size is None:
        return min(n, DEFAULT_CHUNK)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)):
        raise TypeError(f"{who}: chunk_size must be a positive int or None, got "
                        f"{type(chunk_size).__name__}")
    if chunk_size < 1:
        raise ValueError(f"{who}: chunk_size must be >= 1, got {chunk_size}")
    return min(int(chunk_size), n)
