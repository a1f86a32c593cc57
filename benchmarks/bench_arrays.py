"""Array duals: dense jacfwd of a Bratu-type residual, one large jvp, a dense Hessian.

    F(u)_i = (u[i-1] - 2u[i] + u[i+1])/h^2 + exp(u_i) + sin(u_i)*u_i^2   (zero boundary values)

Prints ratios to the plain-NumPy primal measured in the same process, beside the peers
that are installed (jax, torch, autograd). Targets (issue 3): jacfwd n=100 <= 20x,
n=1000 <= 500x; jvp of an elementwise function on 10^6 <= 2.5x; Hessian of Rosenbrock
n=100 <= 400x.

Run:  python benchmarks/bench_arrays.py
"""
from __future__ import annotations

import timeit

import numpy as np

import dualad as ad


def best(fn, number=None, repeat=7, budget=0.2):
    if number is None:
        t = timeit.timeit(fn, number=1)
        number = max(1, int(budget / max(t, 1e-9)))
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def alternating(primal, dual, rounds=15, number=3):
    """Best times of two functions measured in alternation (large arrays: page faults and
    the allocator's state drift over a run, and would bias back-to-back measurements)."""
    t_primal = t_dual = float("inf")
    for _ in range(rounds):
        t_primal = min(t_primal, timeit.timeit(primal, number=number) / number)
        t_dual = min(t_dual, timeit.timeit(dual, number=number) / number)
    return t_primal, t_dual


def bratu(u, xp=np):
    h = 1.0 / (u.shape[0] + 1)
    up = xp.concatenate((xp.zeros(1), u, xp.zeros(1)))
    return (up[:-2] - 2 * up[1:-1] + up[2:]) / h ** 2 + xp.exp(u) + xp.sin(u) * u ** 2


def elementwise(x, xp=np):
    return xp.tanh(x) * xp.exp(-x * x) + xp.sin(3.0 * x)


def rosenbrock(x, xp=np):
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def peers():
    found = {}
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        found["jax"] = (jax, jnp)
    except ImportError:
        pass
    try:
        import torch
        found["torch"] = torch
    except ImportError:
        pass
    try:
        import autograd
        import autograd.numpy as anp
        found["autograd"] = (autograd, anp)
    except ImportError:
        pass
    return found


def report(title, t_primal, rows, target=None):
    print(f"\n{title}  (primal {t_primal * 1e6:.1f} us)")
    for name, t in rows:
        print(f"  {name:28s} {t * 1e3:10.3f} ms {t / t_primal:10.1f}x")
    if target is not None:
        print(f"  target: dualad <= {target}x")


def jvp_section(found):
    x = np.linspace(-2, 2, 10 ** 6)
    v = np.ones_like(x)
    threads = ad.get_num_threads()

    def dual_rows():
        """dualad's jvp on one thread and on its default threads, each alternating with
        the primal, so that both see the same state of the machine."""
        rows, t_primal = [], float("inf")
        for n in sorted({1, threads}):
            ad.set_num_threads(n)
            t_p, t_d = alternating(lambda: elementwise(x),
                                   lambda: ad.jvp(elementwise, (x,), (v,)))
            t_primal = min(t_primal, t_p)
            rows.append((f"dualad.jvp, {n} thread{'s' if n > 1 else ''}", t_d))
        ad.set_num_threads(threads)
        return t_primal, rows

    # first in a fresh process, then once glibc serves 8 MB arrays from its heap (it raises
    # its mmap threshold after a larger block is freed): then the primal's fresh arrays no
    # longer pay page faults, which dualad's recycled buffers avoid in both states
    t_primal, rows = dual_rows()
    if "jax" in found:
        jax, jnp = found["jax"]
        xj, vj = jnp.asarray(x), jnp.asarray(v)
        fj = lambda z: elementwise(z, jnp)  # noqa: E731
        rows.append(("jax.jvp (eager)", best(lambda: jax.jvp(fj, (xj,), (vj,))[1].block_until_ready(), repeat=3)))
    if "torch" in found:
        torch = found["torch"]
        xt, vt = torch.tensor(x), torch.tensor(v)
        rows.append((f"torch.func.jvp, {torch.get_num_threads()} threads",
                     best(lambda: torch.func.jvp(lambda z: elementwise(z, torch), (xt,), (vt,)), repeat=3)))
    report("One jvp of tanh(x) exp(-x^2) + sin(3x), n = 10^6, fresh process", t_primal, rows,
           2.5)
    block = np.ones(4 * x.size)   # a larger block, allocated and freed
    del block
    t_warm, rows = dual_rows()
    report("The same jvp, glibc's mmap threshold raised", t_warm, rows)


def main():
    found = peers()
    jvp_section(found)   # first: the allocator's state of a fresh process
    for n, target in ((100, 20), (1000, 500)):
        u = np.linspace(0.1, 0.9, n)
        t_primal = best(lambda: bratu(u))
        rows = [("dualad.jacfwd", best(lambda: ad.jacfwd(bratu)(u)))]
        J = ad.jacfwd(bratu)(u)
        assert J.shape == (n, n)
        if "jax" in found:
            jax, jnp = found["jax"]
            uj = jnp.asarray(u)
            fj = lambda v: bratu(v, jnp)  # noqa: E731
            rows.append(("jax.jacfwd (eager)", best(lambda: jax.jacfwd(fj)(uj).block_until_ready(), repeat=3)))
            jit = jax.jit(jax.jacfwd(fj))
            jit(uj).block_until_ready()
            rows.append(("jax.jit(jax.jacfwd)", best(lambda: jit(uj).block_until_ready())))
            assert np.allclose(np.asarray(jit(uj)), J)
        if "torch" in found:
            torch = found["torch"]
            ut = torch.tensor(u)
            ft = lambda v: bratu(v, torch)  # noqa: E731
            rows.append(("torch.func.jacfwd", best(lambda: torch.func.jacfwd(ft)(ut), repeat=3)))
        if "autograd" in found:
            autograd, anp = found["autograd"]
            fa = lambda v: bratu(v, anp)  # noqa: E731
            rows.append(("autograd.jacobian (reverse)", best(lambda: autograd.jacobian(fa)(u), repeat=3)))
        report(f"Dense Jacobian of the Bratu residual, n = {n}", t_primal, rows, target)


    hessians(found, 100, 400, with_jax=True)
    scaling(found)


def scaling(found):
    """Where gathered tangents change the order of the cost: a long gradient, a larger
    Hessian (no targets; forward mode with full tangents costs O(n²) and O(n³) here)."""
    x = np.linspace(-1, 1, 20000)
    t_primal = best(lambda: rosenbrock(x))
    rows = [("dualad.gradient (forward)", best(lambda: ad.gradient(rosenbrock, x), repeat=3))]
    if "torch" in found:
        torch = found["torch"]
        xt = torch.tensor(x)
        rows.append(("torch.func.grad (reverse)",
                     best(lambda: torch.func.grad(lambda z: rosenbrock(z, torch))(xt), repeat=3)))
    if "jax" in found:
        jax, jnp = found["jax"]
        xj = jnp.asarray(x)
        rows.append(("jax.grad (reverse, eager)", best(
            lambda: jax.grad(lambda z: rosenbrock(z, jnp))(xj).block_until_ready(), repeat=3)))
    report("Gradient of Rosenbrock, n = 20,000", t_primal, rows)

    hessians(found, 1000)


def hessians(found, n, target=None, with_jax=False):
    """Dense Hessian of Rosenbrock: dualad beside torch.func.hessian (and jax eager)."""
    x = np.linspace(-1, 1, n)
    t_primal = best(lambda: rosenbrock(x))
    rows = [("dualad.hessian", best(lambda: ad.hessian(rosenbrock)(x), repeat=3))]
    if "torch" in found:
        torch = found["torch"]
        xt = torch.tensor(x)
        rows.append(("torch.func.hessian", best(
            lambda: torch.func.hessian(lambda z: rosenbrock(z, torch))(xt), repeat=3)))
    if with_jax and "jax" in found:
        jax, jnp = found["jax"]
        xj = jnp.asarray(x)
        rows.append(("jax.hessian (eager)", best(lambda: jax.hessian(
            lambda z: rosenbrock(z, jnp))(xj).block_until_ready(), repeat=3)))
    report(f"Dense Hessian of Rosenbrock, n = {n:,}", t_primal, rows, target)


if __name__ == "__main__":
    main()
