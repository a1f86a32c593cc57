"""Solve the 1-D Bratu problem  u'' + lambda e^u = 0,  u(0) = u(1) = 0,  n = 10,000.

Newton's method on the finite-difference residual; the Jacobian is tridiagonal, so
dualad detects its pattern once, colours its columns (3 colours, whatever n is) and
returns it as a scipy.sparse matrix for spsolve.

Run:  python examples/bratu_newton.py
"""
import time

import mpmath
import numpy as np
from scipy.sparse.linalg import spsolve

import dualad as ad

N = 10_000
LAMBDA = 1.0
H = 1.0 / (N + 1)


def residual(u):
    up = np.concatenate((np.zeros(1), u, np.zeros(1)))
    return (up[:-2] - 2 * up[1:-1] + up[2:]) / H ** 2 + LAMBDA * np.exp(u)


def main():
    jacobian = ad.jacfwd(residual, sparsity="auto")
    u = np.zeros(N)
    start = time.perf_counter()
    for iteration in range(1, 21):
        r = residual(u)
        step = spsolve(jacobian(u).tocsc(), r)
        u = u - step
        print(f"iteration {iteration:2d}: |F(u)|_inf = {np.linalg.norm(r, np.inf):.3e}, "
              f"|step|_inf = {np.linalg.norm(step, np.inf):.3e}")
        if np.linalg.norm(step, np.inf) < 1e-13:
            break
    elapsed = time.perf_counter() - start
    coloring = ad.color_columns(ad.jacobian_sparsity(residual, u))
    # exact solution (Bratu 1914): u(x) = -2 log(cosh((x - 1/2) t/2) / cosh(t/4)) with
    # t = sqrt(2 lambda) cosh(t/4), smaller root; max u = u(1/2) = 2 log cosh(t/4)
    t = mpmath.findroot(lambda t: t - mpmath.sqrt(2 * LAMBDA) * mpmath.cosh(t / 4), 1.5)
    exact = float(2 * mpmath.log(mpmath.cosh(t / 4)))
    print(f"max u = {u.max():.10f}, exact {exact:.10f} (discretisation error "
          f"{abs(u.max() - exact):.1e}, O(h^2) with h = {H:.1e})")
    print(f"{coloring.count} colours for a {N} x {N} Jacobian; {iteration} Newton steps in "
          f"{elapsed:.2f} s")
    return u


if __name__ == "__main__":
    main()
