"""Finite differences for the accuracy lab: forward, central, Richardson-extrapolated
central differences and the complex step.

Each method differentiates ``g``, a function of a flat vector ``v`` returning a flat
vector, column by column, and returns ``(J, steps)``: the Jacobian (rows = outputs) and,
per column j, the step actually taken. A relative step ``h`` moves ``v[j]`` by
``s = h max(1, |v[j]|)`` (about the same number of ulps of ``v[j]`` at any magnitude);
the step taken is ``(v[j] + s) - v[j]`` as the computer rounds it (half of
``(v[j] + s) - (v[j] - s)`` for a central difference), and the differences are divided
by it.

Richardson extrapolation combines central differences at s, s/2, s/4, s/8 to cancel their
h^2, h^4 and h^6 terms. No fixed s suits every function: s must be small against the
scale on which f changes (2^-4 suits exp at 1; at x = 1e5, 2^-4 max(1, |x|) = 6250 spans
about a thousand periods of sin) but not so small that rounding wins. So the start is
chosen as Ridders' method chooses it: the extrapolations from s = 2^-4 max(1, |v[j]|),
halved 30 times, are compared with their neighbours', and the one that agrees best wins.

>>> import math
>>> import numpy as np
>>> J, steps = richardson(lambda v: np.sin(v), np.array([1e5]))
>>> bool(abs(J[0, 0] - math.cos(1e5)) < 1e-12), bool(steps[0] < 1)
(True, True)
"""
from __future__ import annotations

import math
import warnings
from typing import Callable, Sequence

import numpy as np

__all__ = ["difference", "richardson", "complex_step", "RICHARDSON_LEVELS"]

#: central differences per Richardson extrapolation (cancelling h^2, h^4, h^6)
RICHARDSON_LEVELS = 4
#: the largest Richardson start, relative to max(1, |x|), and how often it is halved
RICHARDSON_START, RICHARDSON_HALVINGS = 2.0 ** -4, 30

Vector = Callable[[np.ndarray], np.ndarray]


def _moved(v: np.ndarray, j: int, step: float) -> np.ndarray:
    w = v.copy()
    w[j] += step
    return w


def _column(g: Vector, v: np.ndarray, j: int, h: float, central: bool,
            g0: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """Column j of the forward (needs ``g0 = g(v)``) or central difference with the
    relative step ``h``, and the step taken."""
    s = h * max(1.0, abs(v[j]))
    wp = _moved(v, j, s)
    wm = _moved(v, j, -s) if central else v
    width = (wp[j] - wm[j]).real     # the step taken: 0 when s is below one ulp of v[j]
    with np.errstate(divide="ignore", invalid="ignore"):
        column = (g(wp) - (g(wm) if central else g0)) / width
    return column, float(width / 2 if central else width)


def difference(g: Vector, v: np.ndarray, h: float, central: bool):
    """Forward ``(g(v + s e_j) - g(v)) / s`` or central ``(g(v + s e_j) - g(v - s e_j)) /
    2s`` differences, ``s = h max(1, |v[j]|)``; returns (J, steps taken)."""
    g0 = None if central else g(v)
    columns = [_column(g, v, j, h, central, g0) for j in range(len(v))]
    return np.stack([c for c, _ in columns], axis=1), np.array([s for _, s in columns])


def _extrapolate(table: Sequence[np.ndarray]) -> np.ndarray:
    """Richardson's tableau on central differences at s, s/2, s/4, ...: level k cancels
    the h^(2k) term."""
    table = list(table)
    with np.errstate(invalid="ignore", over="ignore"):    # inf - inf: nan, never chosen
        for k in range(1, len(table)):
            factor = 4.0 ** k
            table = [(factor * table[i + 1] - table[i]) / (factor - 1)
                     for i in range(len(table) - 1)]
    return table[0]


def _richardson_column(g: Vector, v: np.ndarray, j: int) -> tuple[np.ndarray, float]:
    """Column j extrapolated from the start whose estimate agrees best with the estimates
    from the starts twice and half as large (a start at which f fails is skipped)."""
    centrals: list[np.ndarray | None] = []
    steps: list[float] = []
    for i in range(RICHARDSON_HALVINGS + 1):
        try:
            column, step = _column(g, v, j, RICHARDSON_START * 2.0 ** -i, True)
        except (ValueError, ArithmeticError):      # e.g. a step across log's 0
            column, step = None, math.nan
        centrals.append(column)
        steps.append(step)
    levels = RICHARDSON_LEVELS
    estimates: list[np.ndarray | None] = []
    for i in range(len(centrals) - levels + 1):
        part = [c for c in centrals[i:i + levels] if c is not None]
        estimates.append(_extrapolate(part) if len(part) == levels else None)
    best: tuple[np.ndarray, float] | None = None
    best_gap = math.inf
    for i in range(1, len(estimates) - 1):
        before, estimate, after = estimates[i - 1:i + 2]
        if before is None or estimate is None or after is None:
            continue
        with np.errstate(invalid="ignore"):
            gap = float(np.max(np.abs(np.stack([estimate - before, estimate - after]))))
        if gap < best_gap:       # nan (f not finite there) never wins
            best, best_gap = (estimate, steps[i]), gap
    if best is None:
        raise ValueError("no step gave finite central differences")
    return best


def richardson(g: Vector, v: np.ndarray):
    """Central differences at s, s/2, s/4, s/8 extrapolated (cancelling h^2, h^4, h^6),
    the start s chosen per column; returns (J, the start steps taken)."""
    v = np.asarray(v)
    columns = [_richardson_column(g, v, j) for j in range(len(v))]
    return np.stack([c for c, _ in columns], axis=1), np.array([s for _, s in columns])


def complex_step(g: Vector, v: np.ndarray, h: float = 1e-20):
    """``Im g(v + i h e_j) / h``, exact to rounding for a real-analytic ``g`` that takes
    complex input; refused (TypeError) when g drops the imaginary part."""
    columns = []
    for j in range(len(v)):
        w = np.asarray(v).astype(complex)
        w[j] += 1j * h
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            try:
                y = g(w)
            except np.exceptions.ComplexWarning:
                raise TypeError("f dropped the imaginary part of its input") from None
        if not np.iscomplexobj(y):
            raise TypeError("f returned a real number for a complex input")
        columns.append(y.imag / h)
    return np.stack(columns, axis=1), np.full(len(v), h)
