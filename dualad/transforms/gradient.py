"""``gradient(f, x)``: forward-mode gradient of a scalar function, chunk by chunk."""
from __future__ import annotations

from typing import Any, Callable

import mpmath
import numpy as np

from ..array import DualArray
from ..elemental import transformation_pass
from ..tags import new_tag
from ._seed import (as_scalar, as_vector, check_callable, is_array, is_sequence, one_like,
                    pack_like, seed, tangent_of)


def gradient(f: Callable[..., Any], x, chunk_size: int | None = None):
    """The gradient of the scalar function ``f`` at ``x``, with the shape of ``x``.

    ``x`` is a number (the result is ``f'(x)``), a sequence of numbers (``f`` receives a
    list of duals; the result is an ndarray, or a list for mpmath entries) or an ndarray
    (``f`` receives a ``DualArray``). Directions are seeded ``chunk_size`` at a time as
    multi-tangent duals.

    >>> import dualad as ad
    >>> ad.gradient(lambda v: v[0] * v[1] + ad.math.sin(v[0]), [0.0, 2.0])
    array([3., 0.])
    """
    check_callable(f, "gradient")
    if isinstance(x, (list, tuple)) and any(
            isinstance(v, (mpmath.mpf, mpmath.mpc)) for v in x):
        return _mp_gradient(f, x, chunk_size)
    if not (is_sequence(x) or is_array(x)):
        x = as_scalar(x, "gradient")
        tag = new_tag()
        with transformation_pass():
            return _scalar_tangent(f(seed(x, one_like(x), tag)), tag)
    if is_sequence(x):
        as_vector(x, "gradient")  # the clear errors for bad entries
    elif isinstance(x, np.ndarray) and x.size == 0:
        raise ValueError("gradient: x is empty; expected at least one number")
    from .jacfwd import jacobian_at

    def scalar_f(*args):
        y = f(*args)
        _check_scalar(y)
        return y
    return jacobian_at(scalar_f, (x,), 0, (0,), False, chunk_size, "gradient")


def _mp_gradient(f, x, chunk_size):
    """Sequences of mpmath numbers: multi-tangent scalar duals at the working precision."""
    values = as_vector(x, "gradient")
    n = len(values)
    chunk = check_chunk(chunk_size, n, "gradient") if chunk_size else n
    out = []
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        k = stop - start
        tag = new_tag()
        basis = np.array([[mpmath.mpf(int(i == j)) for j in range(k)] for i in range(k)],
                         dtype=object)
        args = [seed(v, basis[i - start], tag) if start <= i < stop else v
                for i, v in enumerate(values)]
        with transformation_pass():
            t = _scalar_tangent(f(pack_like(x, args)), tag, k)
        out.extend(list(t))
    return out


def _check_scalar(y):
    if isinstance(y, (list, tuple, dict)) or (isinstance(y, (np.ndarray, DualArray))
                                              and np.ndim(y.value if isinstance(y, DualArray)
                                                          else y) > 0):
        raise TypeError("gradient: f must return a scalar, got "
                        f"{type(y).__name__}; use jacfwd/jacobian for vector outputs")


def _scalar_tangent(y, tag, directions=None):
    _check_scalar(y)
    return tangent_of(y, tag, "gradient", directions)


def check_chunk(chunk_size, n: int, who: str) -> int:
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)):
        raise TypeError(f"{who}: chunk_size must be a positive int or None, got "
                        f"{type(chunk_size).__name__}")
    if chunk_size < 1:
        raise ValueError(f"{who}: chunk_size must be >= 1, got {chunk_size}")
    return min(int(chunk_size), n)
