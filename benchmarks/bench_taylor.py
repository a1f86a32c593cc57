"""Taylor mode: cost of order 16 vs order 8, accuracy against mpmath, and where one
Taylor pass overtakes nested duals (whose cost doubles with each order).

Targets (issue 5): order-16 coefficients of exp(sin(x))/(1 + x^2) at 0.3 agree with
mpmath.taylor to 1e-11 relative, and order 16 costs <= 5x order 8.

Run:  python benchmarks/bench_taylor.py
"""
from __future__ import annotations

import mpmath

import dualad as ad
from bench_arrays import best
from dualad import math

X0 = 0.3


def f(x):
    return math.exp(math.sin(x)) / (1 + x * x)


def nested(n):
    """The n-th derivative by n nested duals (the pre-Taylor way)."""
    g = f
    for _ in range(n):
        g = (lambda h: lambda x: ad.derivative(h, x))(g)
    return g(X0)


def main():
    with mpmath.workdps(40):
        reference = mpmath.taylor(lambda t: mpmath.exp(mpmath.sin(t)) / (1 + t * t),
                                  mpmath.mpf(X0), 16)
    coeffs = ad.taylor(f, X0, 16)
    worst = max(abs(c - float(r)) / abs(float(r)) for c, r in zip(coeffs, reference))
    print(f"order-16 Taylor coefficients of exp(sin x)/(1 + x^2) at {X0}: worst relative "
          f"error against mpmath {worst:.1e} (target <= 1e-11)")
    t8 = best(lambda: ad.taylor(f, X0, 8))
    t16 = best(lambda: ad.taylor(f, X0, 16))
    print(f"order 8: {t8 * 1e6:.0f} us, order 16: {t16 * 1e6:.0f} us, ratio {t16 / t8:.2f} "
          "(target <= 5; quadratic would be 3.6)")
    print("\nn-th derivative: one Taylor pass vs n nested duals")
    print(f"{'n':>3} {'Taylor':>12} {'nested duals':>14}  faster")
    for n in range(1, 9):
        t_taylor = best(lambda: ad.derivatives(f, X0, n))
        t_nested = best(lambda: nested(n))
        assert abs(ad.derivatives(f, X0, n)[n] - nested(n)) <= 1e-9 * max(1, abs(nested(n)))
        print(f"{n:3d} {t_taylor * 1e6:10.0f}us {t_nested * 1e6:12.0f}us  "
              f"{'Taylor' if t_taylor < t_nested else 'nested'}")


if __name__ == "__main__":
    main()
