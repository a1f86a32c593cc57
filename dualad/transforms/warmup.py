"""A warm-up workload, run once at ``import dualad``, so that a first call costs about
what the later ones do.

dualad compiles nothing ahead of a call, yet the first ``jacfwd`` in a fresh interpreter
took 7x the later ones (Bratu's residual at n = 100: 0.57 ms against 0.08 ms). That is
work done once per process: each elemental rule's partial for arrays is parsed and
compiled on first use (``dualad.arrays.ufunc_rules.array_partial``), and the first
executions of the engine, the gathered tangents and the elementwise fast paths are slower
than the later ones (CPython specialises bytecode as it runs; caches fill in). Julia's
PrecompileTools runs a "workload" at load time for the same reason; this is dualad's: the
commonest transformations (``jacfwd`` in one gathered pass and in chunks, ``grad``,
``hessian``, ``derivative``) on inputs of a few elements, through the commonest
operations (``+ - * /`` and powers with floats and arrays, the common ufuncs, slices,
``concatenate``, sums, ``@``), once. It takes about 3 ms of the import's 0.4 s. It moves
that cost rather than removing it: a first call is cheaper by about what the workload
spent on the paths it shares with it (benchmarks/bench_scale.py, part 4).

It leaves nothing a user can observe: the results are thrown away, the counter of
perturbation tags is put back where it was (``dualad.base.tags``), NumPy's floating-point
error state is restored, no sparsity pattern is detected (so none is cached), its inputs
raise no floating-point error and it prints and warns nothing. It imports nothing that
``import dualad`` does not import anyway. Should a step fail (a bug of dualad's, which
the tests would show: they run ``workload`` itself), ``import dualad`` goes on: a warm-up
saves time, it must never cost the import.
"""
from __future__ import annotations

import numpy as np

from dualad.base import tags as _tags

_WEIGHTS = np.linspace(-1.0, 1.0, 15).reshape(3, 5)


def _residual(u):
    """A Bratu-like residual: concatenate with constants, slices, arithmetic, ``exp``."""
    padded = np.concatenate((np.array([0.0]), u, np.array([0.0])))
    return (padded[:-2] - 2.0 * padded[1:-1] + padded[2:]) / 0.25 + 0.5 * np.exp(u)


def _elementwise(u):
    """The commonest ufuncs, powers and operators with a float on the left."""
    return np.sin(u) * np.cos(u) + np.sqrt(u) - np.log(u) + u ** 2 - 1.0 / u + u ** 3


def _layer(u):
    """A matrix product (its tangent full, no longer gathered), then elementwise work on
    full tangents."""
    return np.tanh(_WEIGHTS @ u + 1.0) * u[:3]


def _objective(u):
    """A scalar objective (Rosenbrock's): a sum of squares of slices."""
    return np.sum(100.0 * (u[1:] - u[:-1] ** 2) ** 2 + (1.0 - u[:-1]) ** 2)


def workload() -> None:
    """The transformations and operations above, once each, on inputs of a few elements
    (the results discarded)."""
    from dualad import math as admath
    from dualad.transforms import derivative, grad, hessian, jacfwd

    u = np.linspace(0.25, 0.75, 5)
    jacfwd(_residual)(u)                      # all columns in one gathered pass
    jacfwd(_elementwise)(u)
    jacfwd(_layer, chunk_size=3)(u)           # two passes, the second a part chunk
    grad(_objective)(u)
    hessian(_objective)(u)                    # gathered tangents inside an outer pass
    derivative(lambda x: admath.sin(x) * x + admath.exp(-x) / (1.0 + x * x), 0.5)


def run() -> None:
    """``workload`` under the caller's floating-point settings, restored afterwards, with
    the tag counter put back: called by ``dualad/__init__.py``."""
    following = _tags.new_tag()
    try:
        with np.errstate():
            workload()
    except Exception:   # a failed warm-up only leaves the first call slower
        pass
    finally:
        # no dual of the workload outlives it, so its tags can be handed out again: the
        # tags a user's differentiations get do not depend on the warm-up
        _tags.hand_out_again_from(following)
