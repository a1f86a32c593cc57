"""``taylor`` and ``derivatives``: all derivatives up to order n in one Taylor pass."""
from __future__ import annotations

import math
from typing import Any, Callable

import mpmath
import numpy as np

from dualad.base.carriers import Carrier
from dualad.core.rule_path import to_mpmath
from dualad.taylor.apply import Jet
from dualad.taylor.recurrences import _zero_like
from dualad.base.tags import escaped, finished, new_tag, running
from dualad.transforms.seeding import (
    as_array, as_scalar, as_vector, check_callable, check_order, is_array, plain_errors, to_array)


def taylor(f: Callable[..., Any], x: Any, n: int, direction: Any = None) -> list[Any]:
    """Taylor coefficients ``f^(k)(x) / k!`` for k = 0..n (the order of ``mpmath.taylor``).

    ``x`` is a number; or an ndarray, for an elementwise series of an elementwise ``f``;
    or a sequence/array with a ``direction`` v, for the directional series of
    t -> f(x + t v). The result is a list of n + 1 numbers; for an ndarray ``x``, a list
    of n + 1 arrays of x's shape, ``result[k][i]`` the k-th coefficient at ``x[i]``
    (``np.stack(result)`` puts the order on a new leading axis). mpmath inputs give
    mpmath coefficients at the working precision. For a complex ``x`` and an ``f`` that
    is not holomorphic (``abs``, ``np.sign``), the series is that of t -> f(x + t) for
    real t, the direction ``derivative(f, x)`` takes at n = 1.

    >>> import dualad as ad
    >>> [round(c, 12) for c in ad.taylor(ad.math.sin, 0.0, 5)]
    [0.0, 1.0, 0.0, -0.166666666667, 0.0, 0.008333333333]
    >>> import numpy as np
    >>> [c.tolist() for c in ad.taylor(np.sqrt, np.array([1.0, 4.0]), 2)]
    [[1.0, 2.0], [0.5, 0.25], [-0.125, -0.015625]]
    """
    check_callable(f, "taylor")
    f = plain_errors(f, "taylor")
    n = check_order(n, "taylor")
    tag = new_tag()
    seeded = _seed(x, n, tag, direction, "taylor")
    with running(tag):
        y = f(seeded)
    coefficients: list[Any] = _read(y, n, tag, "taylor")
    return coefficients


def derivatives(f: Callable[..., Any], x: Any, n: int, direction: Any = None) -> list[Any]:
    """``[f(x), f'(x), ..., f^(n)(x)]`` from one Taylor pass (see ``taylor``).

    >>> import dualad as ad
    >>> ad.derivatives(lambda t: t ** 3, 2.0, 4)
    [8.0, 12.0, 12.0, 6.0, 0.0]
    """
    check_callable(f, "derivatives")
    n = check_order(n, "derivatives")
    coefficients = taylor(f, x, n, direction)
    return [_times(c, math.factorial(k)) for k, c in enumerate(coefficients)]


def _times(c: Any, factor: int) -> Any:
    if isinstance(c, list):
        return [_times(v, factor) for v in c]
    return c * factor


def _one_like(v: Any) -> Any:
    v0 = v
    while isinstance(v0, Carrier):
        v0 = v0.coeffs[0] if type(v0) is Jet else v0.value
    if isinstance(v0, (mpmath.mpf, mpmath.mpc)):
        return mpmath.mpf(1)
    if isinstance(v0, np.ndarray):
        return np.ones_like(v0, dtype=np.result_type(v0, float))
    return 1.0


def _jet(value: Any, slope: Any, n: int, tag: int) -> Jet:
    zero = _zero_like(value if not isinstance(value, Carrier) else 0.0)
    if isinstance(value, (mpmath.mpf, mpmath.mpc)):   # the series at the working precision
        slope = to_mpmath(slope)
    return Jet([value, slope] + [zero] * (n - 1), tag) if n else Jet([value], tag)


def _seed(x: Any, n: int, tag: int, direction: Any, who: str) -> Any:
    if direction is None:
        if isinstance(x, (list, tuple)):
            raise ValueError(f"{who}: x is a sequence; give a direction (a sequence of the "
                             "same length) for the directional series f(x + t v)")
        if is_array(x) and not isinstance(x, Carrier):
            value = as_array(x, who)
            return _jet(value, np.ones_like(value), n, tag)
        value = as_scalar(x, who)
        return _jet(value, _one_like(value), n, tag)
    if isinstance(x, (list, tuple)):
        values = as_vector(x, who)
        slopes = as_vector(direction, who, "direction")
        if len(slopes) != len(values):
            raise ValueError(f"{who}: direction has {len(slopes)} entries but x has "
                             f"{len(values)}")
        return type(x)(_jet(v, s, n, tag) for v, s in zip(values, slopes))
    value = as_array(x, who)
    slope = as_array(direction, who, "direction")
    if np.shape(slope) != np.shape(value):
        raise ValueError(f"{who}: direction has shape {np.shape(slope)} but x has shape "
                         f"{np.shape(value)}")
    return _jet(value, slope, n, tag)


def _read(y: Any, n: int, tag: int, who: str) -> Any:
    if type(y) is Jet and y.tag == tag:
        coeffs = list(y.coeffs[:n + 1])
        return coeffs + [_zero_like(coeffs[0])] * (n + 1 - len(coeffs))
    if isinstance(y, Carrier):   # of another pass
        if finished(y.tag):
            raise escaped(y.tag)
        return [y] + [_zero_like(0.0)] * n
    if isinstance(y, (list, tuple)):
        columns = [_read(v, n, tag, who) for v in y]
        return [to_array([c[k] for c in columns]) for k in range(n + 1)]
    if isinstance(y, (int, float, complex, np.number, np.ndarray, mpmath.mpf, mpmath.mpc)) \
            and not isinstance(y, bool):
        return [y] + [_zero_like(y if not isinstance(y, int) else 0.0)] * n
    raise TypeError(f"{who}: f returned {type(y).__name__}; expected a number, an array or "
                    "a list of them")
