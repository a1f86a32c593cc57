"""``dualad tour``: a short, real demonstration of what the package does."""
from __future__ import annotations

import math as _stdmath

import mpmath

import dualad as ad
from dualad import Dual
from dualad import math


def _section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 66 - len(title)))


def tour() -> None:
    print("dualad: forward-mode automatic differentiation with dual numbers")

    _section("1. A dual number carries a value and a tangent")
    x = Dual(3.0)
    print(f"x = {x!r}      (x = 3 + 1·ε, ε² = 0)")
    print(f"x*x + 2*x = {x * x + 2 * x!r}   (value 15, derivative 2·3 + 2 = 8)")

    _section("2. Drop-in math: write ordinary code, get exact derivatives")

    def f(x1, x2):  # Griewank & Walther's example function
        return (math.sin(x1 / x2) + x1 / x2 - math.exp(x2)) * (x1 / x2 - math.exp(x2))
    y, ydot = ad.jvp(f, (1.5, 0.5), (1.0, 0.0))
    print("f(x1, x2) = (sin(x1/x2) + x1/x2 - exp(x2)) * (x1/x2 - exp(x2))")
    print(f"f(1.5, 0.5) = {y:.5f}, df/dx1 = {ydot:.4f}")
    print("  (Griewank & Walther's table: 2.0167 from 4-digit intermediates, 3.0118)")
    print(f"math.sin(0.5) is bit-identical to the stdlib: {math.sin(0.5) == _stdmath.sin(0.5)}")

    _section("3. Exact where finite differences lose digits")
    n = 1000
    g = ad.gradient(lambda v: math.fsum(t * t for t in v), list(range(1, n + 1)))
    h = _stdmath.sqrt(2.0 ** -52)
    xs = [float(i) for i in range(1, n + 1)]
    base = sum(t * t for t in xs)
    fd = (sum(t * t for t in [xs[0] + h] + xs[1:]) - base) / h
    print(f"f = sum x_i^2 at x_i = i, n = {n}: df/dx1 is exactly 2")
    print(f"  dualad: {float(g[0])!r}    forward difference (h = sqrt(eps)): {fd!r}")

    _section("4. Gradients, Hessians, any order")
    def rosen(v):
        return 100 * (v[1] - v[0] ** 2) ** 2 + (1 - v[0]) ** 2
    print(f"Rosenbrock at (1.2, 1.0): gradient {ad.gradient(rosen, [1.2, 1.0]).tolist()}")
    print(f"Hessian {ad.hessian(rosen)([1.2, 1.0]).tolist()}")
    print(f"d^4/dx^4 sin(x) at 0.5 = {ad.derivative(math.sin, 0.5, 4):.15f} (sin 0.5)")

    _section("5. Nested derivatives without perturbation confusion")
    D = ad.derivative
    value = D(lambda x: x * D(lambda y: x * y, 2.0), 1.0)
    print(f"D(x -> x * D(y -> x*y)(2))(1) = {value}  (correct: 2; a naive dual gives 3)")

    _section("6. mpmath values: derivatives to 50 digits")
    with mpmath.workdps(50):
        d = ad.derivative(lambda t: math.exp(math.sin(t)), mpmath.mpf(1) / 3)
        print(f"d/dx exp(sin x) at 1/3 = {d}")

    _section("7. The evaluation trace, forward and reverse (dualad trace ...)")
    t = ad.trace(lambda x1, x2: math.log(x1) + x1 * x2 - math.sin(x2), 2.0, 5.0)
    print(t.to_text(reverse=True))

    _section("8. How accurate? AD against finite differences and mpmath (dualad check)")
    report = ad.check(lambda t: math.exp(math.sin(t)) / (1 + t * t), 0.3)
    for name in ("AD (dualad)", "forward difference", "central difference"):
        print(f"{name:20s} relative error {report.errors[name][1]:.1e}")

    _section("9. Your own primitive")

    @ad.primitive(lambda x: 1 / (1 + abs(x)) ** 2)
    def softsign(x):
        return x / (1 + abs(x))
    print(f"softsign'(0.5) = {ad.derivative(softsign, 0.5):.6f} (1/1.5² = {1 / 2.25:.6f})")
    print(f"\nThe rule table has {len(ad.rules)} primitives: list(dualad.table.rules).")
