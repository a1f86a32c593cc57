"""Which NumPy functions keep a sparse Hessian linear in n: later ``ad.hessian(f,
sparsity="auto")`` calls at n = 2,000 and 8,000, and their ratio.

A sparse Hessian runs a forward gradient whose tangents are gathered (each entry keeps
the few input directions it moves along; dualad.arrays.gathered). A NumPy function with a
gathered path keeps them so: the ratio between the two sizes is about 4 (linear). One
without reads the full n x n tangent: the ratio is about 16 (quadratic), and at n = 10^5
such a Hessian takes many minutes. Each f below uses one function on top of terms that
stay gathered; the primal is printed beside it.

Run:  python benchmarks/bench_gathered.py
"""
from __future__ import annotations

import timeit
import warnings

import numpy as np

import dualad as ad

FUNCTIONS = {
    "slices, powers, sum": lambda v: np.sum(v[1:] * v[:-1] ** 2),
    "reshape to pairs": lambda v: np.sum(v.reshape(-1, 2)[:, 0] ** 2 * v.reshape(-1, 2)[:, 1]),
    ".T of pairs": lambda v: np.sum(v.reshape(-1, 2).T[0] ** 2 * v.reshape(-1, 2).T[1]),
    "fancy index": lambda v: np.sum(v[np.arange(v.size)[::-1]] * v),
    "concatenate 2-D": lambda v: np.sum(np.concatenate([v.reshape(-1, 2)] * 2, axis=1) ** 3),
    "np.diff": lambda v: np.sum(np.diff(v) ** 3),
    "np.roll": lambda v: np.sum(v * np.roll(v, 1)),
    "np.flip": lambda v: np.sum(v * np.flip(v) ** 2),
    "np.stack": lambda v: np.sum(np.stack([v[:-1], v[1:]]) ** 3),
    "np.hstack": lambda v: np.sum(np.hstack([v, v ** 2]) ** 2),
    "np.where": lambda v: np.sum(np.where(v > 0.5, v ** 2, v ** 3)),
    "np.take": lambda v: np.sum(np.take(v, np.arange(v.size)[::-1]) * v),
    "np.pad": lambda v: np.sum(np.pad(v, 1)[:-2] * v),
    "np.mean": lambda v: np.mean(v ** 2) + np.sum(v ** 3),
    "np.dot": lambda v: np.dot(v, v ** 2),
    "np.clip": lambda v: np.sum(np.clip(v, 0.2, 0.8) ** 3),
    "np.abs": lambda v: np.sum(np.abs(v - 0.5) ** 3),
    "np.maximum": lambda v: np.sum(np.maximum(v, 0.5) ** 3),
    "np.sum(axis=1)": lambda v: np.sum(np.sum(v.reshape(-1, 2) ** 2, axis=1) ** 2),
    "np.prod(axis=1)": lambda v: np.sum(np.prod(v.reshape(-1, 2), axis=1) ** 2),
}


def later(f, x):
    hessian = ad.hessian(f, sparsity="auto")
    hessian(x)   # detection and colouring
    return min(timeit.repeat(lambda: hessian(x), number=1, repeat=3))


def main():
    warnings.simplefilter("ignore")
    print(f"{'f':22s} {'n = 2,000':>12s} {'n = 8,000':>12s} {'ratio':>6s} {'x primal':>9s}")
    for name, f in FUNCTIONS.items():
        small, large = (later(f, np.linspace(0.1, 1.0, n)) for n in (2_000, 8_000))
        x = np.linspace(0.1, 1.0, 8_000)
        primal = min(timeit.repeat(lambda: f(x), number=20, repeat=3)) / 20
        print(f"{name:22s} {small * 1e3:9.2f} ms {large * 1e3:9.2f} ms {large / small:6.1f} "
              f"{large / primal:9.0f}")


if __name__ == "__main__":
    main()
