"""Issue 16's figures: sparsity at n = 10⁵ and 10⁶, passes on a Dask cluster, the first call.

1. Hessian sparsity of the chained Rosenbrock function (written in NumPy): detection time
   at n = 10³ .. 10⁵ (one run of f recording second-order pairs: linear in the pairs),
   star colouring, and each later sparse Hessian as a multiple of one primal evaluation.
   Targets: detection <= 2 s and later Hessians <= 30x the primal at n = 10⁵.
2. A banded Jacobian (the Bratu residual) at n = 10⁶: detection (target <= 5 s),
   colouring, later Jacobians as a multiple of the primal.
3. The Jacobian of a ~200 ms simulation (examples/distributed_jacobian.py, 64 inputs) in
   one process and on a 2-worker Dask LocalCluster (target >= 1.7x faster), with Dask's
   default worker settings and without its MALLOC_TRIM_THRESHOLD_.
4. The first call: ``ad.jacfwd(bratu)`` at n = 100 and 1,000, its first call in a fresh
   interpreter against its later calls (target: within 3x), the same after NumPy wrote two
   arrays of the Jacobian's size (the first touch of its memory taken away), NumPy's own
   bratu, and ``jax.jit(jax.jacfwd(bratu))``'s first call (compilation included) and later
   calls when a Python with JAX is given (``DUALAD_PEER_PYTHON=/path/to/python``; JAX is
   never a dependency of dualad).

Run:  python benchmarks/bench_scale.py  [--skip-cluster]
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import timeit
from pathlib import Path

import numpy as np

import dualad as ad
from dualad.sparse import colouring
from dualad.sparse.detection import detect_hessian

ROOT = Path(__file__).resolve().parent.parent


def chained_rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def bratu(u, lam=1.0):
    h = 1.0 / (u.size + 1)
    padded = np.concatenate(([0.0], u, [0.0]))
    return (padded[:-2] - 2.0 * padded[1:-1] + padded[2:]) / h ** 2 + lam * np.exp(u)


def best(fn, seconds=0.5):
    t = timeit.timeit(fn, number=1)
    number = max(1, int(seconds / 3 / max(t, 1e-9)))
    return min(timeit.repeat(fn, number=number, repeat=3)) / number


def once(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def hessians():
    print("1. sparse Hessian of the chained Rosenbrock function")
    for n in (1_000, 10_000, 100_000):
        x = np.linspace(-1.0, 1.0, n)
        detect, pattern = once(lambda: detect_hessian(chained_rosenbrock, (x,), 0, None))
        colour, coloring = once(lambda: colouring.star_color(pattern))
        hess = ad.hessian(lambda v: chained_rosenbrock(v), sparsity="auto")
        first, _ = once(lambda: hess(x))
        later, primal = best(lambda: hess(x)), best(lambda: chained_rosenbrock(x))
        print(f"   n = {n:>7,}: detection {detect:6.3f} s, colouring {colour:6.3f} s "
              f"({coloring.count} colours), first Hessian {first:6.3f} s, later "
              f"{later * 1e3:7.2f} ms = {later / primal:6.1f}x the primal ({primal * 1e3:.3f} ms)")


def banded():
    print("2. banded Jacobian of the Bratu residual")
    for n in (100_000, 1_000_000):
        x = np.linspace(0.0, 1.0, n)
        detect, pattern = once(lambda: ad.jacobian_sparsity(bratu, x))
        colour, coloring = once(lambda: colouring.color_columns(pattern))
        jac = ad.jacfwd(lambda u: bratu(u), sparsity="auto")
        first, _ = once(lambda: jac(x))
        later, primal = best(lambda: jac(x), 1.0), best(lambda: bratu(x))
        print(f"   n = {n:>9,}: detection {detect:6.3f} s, colouring {colour:6.3f} s "
              f"({coloring.count} colours), first {first:6.3f} s, later {later * 1e3:7.2f} ms "
              f"= {later / primal:5.1f}x the primal")


def cluster():
    print("3. a costly simulation's Jacobian (64 inputs), one process against 2 Dask workers")
    sys.path.insert(0, str(ROOT / "examples"))
    import distributed_jacobian as sim
    from dask.distributed import Client, LocalCluster
    k = np.linspace(0.5, 1.5, sim.P)
    steps = max(1, round(sim.STEPS * 0.2 / best(lambda: sim.final_state(k), 0.3)))
    f = lambda v: sim.final_state(v, steps)   # noqa: E731 - about 200 ms a call
    primal, _ = once(lambda: f(k))
    local, J = once(lambda: ad.jacfwd(f)(k))
    print(f"   {steps} steps: primal {primal * 1e3:.0f} ms; one process {local:.2f} s")
    for label, settings in (("Dask's defaults", contextlib.nullcontext()),
                            ("without MALLOC_TRIM_THRESHOLD_", sim.without_malloc_trimming())):
        with settings, LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                    dashboard_address=None) as workers, \
                Client(workers) as client:
            executor = client.get_executor()
            ad.jacfwd(lambda v: sim.final_state(v, 1), executor=executor)(k)   # warm up
            remote, R = once(lambda: ad.jacfwd(f, executor=executor)(k))
        print(f"   2 workers, {label}: {remote:.2f} s = {local / remote:.2f}x faster "
              f"(largest difference {np.abs(J - R).max():.1e})")


FIRST_CALL = """
import time, numpy as np
{setup}
def bratu(u, lam=1.0):
    h = 1.0 / (u.size + 1)
    padded = {np}.concatenate(({np}.array([0.0]), u, {np}.array([0.0])))
    return (padded[:-2] - 2.0 * padded[1:-1] + padded[2:]) / h ** 2 + lam * {np}.exp(u)
u = {np}.asarray(np.linspace(0.1, 0.2, {n}))
J = {make}
t = time.perf_counter(); {block}(J(u)); first = time.perf_counter() - t
later = []
for _ in range(30):
    t = time.perf_counter(); {block}(J(u)); later.append(time.perf_counter() - t)
print(first, min(later))
"""

#: the setup of each fresh interpreter: dualad; dualad with NumPy having written two
#: arrays the size of the Jacobian first (the C allocator then keeps such a block, as it
#: does for the later calls); NumPy alone (its bratu, the primal); JAX
SETUPS = {
    "dualad": "import dualad as ad",
    "touched": "import dualad as ad\nfor _ in range(2): np.ones(({n}, {n}))",
    "numpy": "",
    "jax": "import jax, jax.numpy as jnp; jax.config.update('jax_enable_x64', True)",
}


def _fresh(python, n, kind):
    """Median (over 5 fresh interpreters) of the first call and of the best later call."""
    peer = kind == "jax"
    make = {"numpy": "bratu", "jax": "jax.jit(jax.jacfwd(bratu))"}.get(kind, "ad.jacfwd(bratu)")
    code = FIRST_CALL.format(setup=SETUPS[kind].format(n=n), np="jnp" if peer else "np", n=n,
                             make=make, block="jax.block_until_ready" if peer else "")
    runs = [subprocess.run([python, "-c", code], capture_output=True, text=True, check=True,
                           cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
            for _ in range(5)]
    firsts, laters = zip(*[map(float, r.stdout.split()) for r in runs])
    return float(np.median(firsts)), float(np.median(laters))


def first_call():
    """``import dualad`` runs a small warm-up workload (dualad/transforms/warmup.py), so a
    first call no longer pays for CPython's first pass through dualad's code paths (nor for
    parsing the partials of the rules it shares with the workload). What remains at n = 1,000
    is the first touch of the (n, n) Jacobian's 8 MB (page faults, the kernel zeroing the
    pages), as for any fresh array of that size: the figures "after NumPy wrote" two such
    arrays first take it away. NumPy's own bratu is beside them."""
    print("4. first call in a fresh interpreter (median of 5) against later calls")
    peer = os.environ.get("DUALAD_PEER_PYTHON")
    for n in (100, 1_000):
        first, later = _fresh(sys.executable, n, "dualad")
        line = (f"   n = {n:>5,}: dualad first {first * 1e3:7.3f} ms, later {later * 1e3:6.3f} "
                f"ms ({first / later:4.1f}x)")
        first, later = _fresh(sys.executable, n, "touched")
        line += (f"; after NumPy wrote 2 x {8 * n * n / 1e6:g} MB: first {first * 1e3:6.3f} "
                 f"ms, later {later * 1e3:6.3f} ms ({first / later:4.1f}x)")
        first, later = _fresh(sys.executable, n, "numpy")
        line += (f"\n{'':16}NumPy's bratu (the primal): first {first * 1e3:6.3f} ms, later "
                 f"{later * 1e3:6.3f} ms ({first / later:4.1f}x)")
        if peer:
            jfirst, jlater = _fresh(peer, n, "jax")
            line += (f"; jax.jit(jax.jacfwd) first {jfirst * 1e3:7.1f} ms, later "
                     f"{jlater * 1e3:6.3f} ms ({jfirst / jlater:5.0f}x)")
        print(line)


if __name__ == "__main__":
    hessians()
    banded()
    if "--skip-cluster" not in sys.argv:
        cluster()
    first_call()
