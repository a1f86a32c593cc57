"""Sparse Jacobians and Hessians by colouring, against the NumPy primal in one run.

Bratu-type residual with sparsity="auto" (timed after the first call, which detects
the pattern); peak memory measured with tracemalloc (NumPy reports its buffers to it).
Targets (issue 4): n = 1,000 <= 25x the primal; n = 100,000 <= 60x and memory within
20x of the primal's arrays. Also the Rosenbrock Hessian, dense and by star colouring.

Run:  python benchmarks/bench_sparse.py
"""
from __future__ import annotations

import timeit
import tracemalloc

import numpy as np

import dualad as ad
from bench_arrays import best, bratu, rosenbrock, peers


def peak_bytes(fn):
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main():
    found = peers()
    for n, target in ((1000, 25), (100_000, 60)):
        u = np.linspace(0.1, 0.9, n)
        jac = ad.jacfwd(bratu, sparsity="auto")
        first = timeit.timeit(lambda: jac(u), number=1)
        t_primal = best(lambda: bratu(u))
        t_sparse = best(lambda: jac(u))
        print(f"\nBratu residual, n = {n:,} (primal {t_primal * 1e6:.1f} us)")
        print(f"  dualad.jacfwd(sparsity='auto')   {t_sparse * 1e3:9.3f} ms "
              f"{t_sparse / t_primal:8.1f}x   (first call, with detection: {first * 1e3:.1f} ms)")
        if n == 1000:
            t_dense = best(lambda: ad.jacfwd(bratu)(u))
            print(f"  dualad.jacfwd (dense)            {t_dense * 1e3:9.3f} ms "
                  f"{t_dense / t_primal:8.1f}x")
            if "jax" in found:
                jax, jnp = found["jax"]
                uj = jnp.asarray(u)
                jit = jax.jit(jax.jacfwd(lambda v: bratu(v, jnp)))
                jit(uj).block_until_ready()
                t_jit = best(lambda: jit(uj).block_until_ready())
                print(f"  jax.jit(jax.jacfwd) (dense)      {t_jit * 1e3:9.3f} ms "
                      f"{t_jit / t_primal:8.1f}x")
        mem_primal = peak_bytes(lambda: bratu(u))
        mem_sparse = peak_bytes(lambda: jac(u))
        print(f"  peak memory: primal {mem_primal / 1e6:.2f} MB, sparse Jacobian "
              f"{mem_sparse / 1e6:.2f} MB ({mem_sparse / mem_primal:.1f}x); a dense Jacobian "
              f"would need {8 * n * n / 1e9:.3g} GB")
        print(f"  target: <= {target}x" + (" and memory <= 20x" if n > 1000 else ""))

    x = np.linspace(-1, 1, 100)
    t_primal = best(lambda: rosenbrock(x))
    hs = ad.hessian(rosenbrock, sparsity="auto")
    hs(x)
    t_sparse = best(lambda: hs(x))
    t_dense = best(lambda: ad.hessian(rosenbrock)(x), repeat=3)
    print(f"\nRosenbrock Hessian, n = 100 (primal {t_primal * 1e6:.1f} us)")
    print(f"  dualad.hessian (dense, forward over forward) {t_dense * 1e3:8.3f} ms "
          f"{t_dense / t_primal:8.1f}x")
    print(f"  dualad.hessian(sparsity='auto') (dense out: .toarray()) "
          f"{t_sparse * 1e3:8.3f} ms {t_sparse / t_primal:8.1f}x")


if __name__ == "__main__":
    main()
