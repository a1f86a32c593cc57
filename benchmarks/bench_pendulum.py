"""Speed of the scalar Dual: d th_final / d p for a 400-step explicit-Euler pendulum.

    th, om = th + dt*om, om + dt*(-p*sin(th) - 0.1*om)

Prints, from one process: the plain-float run; a bare two-field ``__slots__`` dual that
knows only +, -, * and sin (the floor for any operator-overloading dual in Python);
dualad; and the peers that are installed (``ad``, torch forward-mode, ``jax.jvp``).
Targets (issue 2): dualad <= 25x the plain-float run and <= 1.4x the bare dual.

Run:  python benchmarks/bench_pendulum.py
"""
from __future__ import annotations

import math
import timeit

import dualad as ad

STEPS, DT, P0 = 400, 0.01, 1.3


def pendulum(p, sin, th=1.0, om=0.0):
    for _ in range(STEPS):
        th, om = th + DT * om, om + DT * (-p * sin(th) - 0.1 * om)
    return th


class BareDual:
    """The least a dual can be: two fields and four operations."""
    __slots__ = ("v", "d")

    def __init__(self, v, d):
        self.v, self.d = v, d

    def __add__(self, o):
        if isinstance(o, BareDual):
            return BareDual(self.v + o.v, self.d + o.d)
        return BareDual(self.v + o, self.d)
    __radd__ = __add__

    def __sub__(self, o):
        if isinstance(o, BareDual):
            return BareDual(self.v - o.v, self.d - o.d)
        return BareDual(self.v - o, self.d)

    def __rsub__(self, o):
        return BareDual(o - self.v, -self.d)

    def __mul__(self, o):
        if isinstance(o, BareDual):
            return BareDual(self.v * o.v, self.d * o.v + self.v * o.d)
        return BareDual(self.v * o, self.d * o)
    __rmul__ = __mul__

    def __neg__(self):
        return BareDual(-self.v, -self.d)


def bare_sin(x):
    if isinstance(x, BareDual):
        return BareDual(math.sin(x.v), math.cos(x.v) * x.d)
    return math.sin(x)


def best(fn, number=20, repeat=40):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main():
    rows = []
    t_plain = best(lambda: pendulum(P0, math.sin))
    rows.append(("plain float", t_plain, pendulum(P0, math.sin)))
    t_bare = best(lambda: pendulum(BareDual(P0, 1.0), bare_sin))
    rows.append(("bare __slots__ dual", t_bare, pendulum(BareDual(P0, 1.0), bare_sin).d))
    dualad_run = lambda: ad.derivative(lambda p: pendulum(p, ad.math.sin), P0)  # noqa: E731
    t_dualad = best(dualad_run)
    rows.append(("dualad.derivative", t_dualad, dualad_run()))

    try:
        from ad import adnumber
        from ad.admath import sin as ad_sin

        def run_ad():
            p = adnumber(P0)
            return pendulum(p, ad_sin).d(p)
        rows.append(("ad (adnumber)", best(run_ad, 2, 5), run_ad()))
    except ImportError:
        pass
    try:
        import torch
        import torch.autograd.forward_ad as fwAD

        def run_torch():
            with fwAD.dual_level():
                p = fwAD.make_dual(torch.tensor(P0, dtype=torch.float64),
                                   torch.tensor(1.0, dtype=torch.float64))
                th0 = torch.tensor(1.0, dtype=torch.float64)  # torch.sin takes tensors only
                return float(fwAD.unpack_dual(pendulum(p, torch.sin, th=th0)).tangent)
        rows.append(("torch forward AD", best(run_torch, 1, 3), run_torch()))
    except ImportError:
        pass
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)

        def run_jax():
            return float(jax.jvp(lambda p: pendulum(p, jnp.sin), (P0,), (1.0,))[1])
        rows.append(("jax.jvp (eager)", best(run_jax, 1, 3), run_jax()))
    except ImportError:
        pass

    print(f"d th_final / d p, {STEPS}-step Euler pendulum, p = {P0}")
    print(f"{'method':24s} {'time/run':>12s} {'x plain':>9s} {'x bare':>8s}  value")
    for name, t, value in rows:
        print(f"{name:24s} {t * 1e6:10.1f}us {t / t_plain:9.1f} {t / t_bare:8.2f}  {value:.15g}")
    print(f"targets: dualad <= 25x plain (now {t_dualad / t_plain:.1f}x) and <= 1.4x bare "
          f"(now {t_dualad / t_bare:.2f}x)")


if __name__ == "__main__":
    main()
