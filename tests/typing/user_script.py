"""A small typed user program: ``mypy --strict`` checks it (tests/test_typing.py), and it
runs. Each ``assert_type`` fails the type check if a result degrades to ``Any`` or to
another type; each ``assert`` checks a value against a derivative worked out by hand."""
from __future__ import annotations

import math as std_math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray
from typing_extensions import assert_type

import dualad as ad
from dualad import cmath, math
from dualad.teach.trace import Trace
from dualad.types import Array


def close(a: float | complex, b: float | complex) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))


# --- scalar duals and the drop-in math -----------------------------------------------

x = ad.Dual(0.5)
y = x * x + 2 * x - 1.0 / x
assert_type(y, ad.Dual)
assert close(y.tangent, 2 * 0.5 + 2 + 1 / 0.5**2)           # d/dx (x^2 + 2x - 1/x)
assert_type(x ** 2, ad.Dual)
assert_type(3.0 - x, ad.Dual)
assert_type(abs(-x), ad.Dual)
assert_type(x < 1.0, bool)

s = math.sin(x)
assert_type(s, ad.Dual)
assert close(s.tangent, std_math.cos(0.5))                     # d/dx sin = cos
assert_type(math.sin(0.5), float)
assert_type(math.atan2(1.0, x), ad.Dual)
assert_type(math.floor(2.5), int)
assert_type(math.pi, float)

z = cmath.exp(ad.Dual(0.5j))
assert_type(z, ad.Dual)
assert close(z.tangent, complex(std_math.cos(0.5), std_math.sin(0.5)))   # exp' = exp
assert_type(cmath.exp(1j), complex)


# --- transformations -----------------------------------------------------------------

def f(t: ad.Dual) -> ad.Dual:
    return t * math.sin(t)


df = ad.derivative(f, 0.5)
assert_type(df, float)
assert close(df, std_math.sin(0.5) + 0.5 * std_math.cos(0.5))   # product rule
dz = ad.derivative(lambda t: t * t, 1.5j)
assert_type(dz, complex)
assert close(dz, 3j)                                              # d/dz z^2 = 2z


def loss(w: Array) -> Any:
    return np.sum(w * w) + w[0] * w[1]


point: NDArray[np.float64] = np.array([1.0, 2.0])
g = ad.grad(loss)(point)
assert_type(g, NDArray[np.float64])
assert np.allclose(g, [2 * 1.0 + 2.0, 2 * 2.0 + 1.0])              # 2w + (w1, w0)
assert_type(ad.grad(f)(0.5), float)
nested = ad.derivative(lambda t: t ** 3, ad.Dual(2.0))           # a dual in: a dual out
assert_type(nested, ad.Dual)
assert close(nested.value, 12.0) and close(nested.tangent, 12.0)   # 3t^2 and 6t at t = 2
g1 = ad.gradient(lambda v: v[0] * v[1], [1.0, 2.0])     # f receives a list of duals
assert_type(g1, NDArray[np.float64])
assert np.allclose(g1, [2.0, 1.0])
value, g2 = ad.value_and_grad(loss)(point)
assert_type(g2, NDArray[np.float64])
assert close(value, 1.0 + 4.0 + 2.0)


def field(v: Array) -> Array:
    return np.stack([v[0] * v[1], np.sin(v[0])])


jac = ad.jacfwd(field)(point)
assert_type(jac, Array)
assert np.allclose(jac, [[2.0, 1.0], [std_math.cos(1.0), 0.0]])
assert_type(ad.jacobian(field, point), Array)


def on_an_executor(pool: ThreadPoolExecutor) -> Array:
    # the passes as tasks of an executor keep the types (checked by mypy, not run: an
    # import of this module must not ship its own functions to a worker, which would
    # import it again)
    assert_type(ad.jacfwd(field, executor=pool, chunk_size=1)(point), Array)
    return ad.jacobian(field, point, executor=pool)


hess = ad.hessian(loss)(point)
assert_type(hess, Array)
assert np.allclose(hess, [[2.0, 1.0], [1.0, 2.0]])                 # 2I + [[0, 1], [1, 0]]
assert_type(ad.hvp(loss, point, np.array([1.0, 0.0])), Array)

primal_out, tangent_out = ad.jvp(f, (0.5,), (1.0,))
assert_type(ad.jvp(f, (0.5,), (1.0,)), tuple[Any, Any])
assert close(tangent_out, df)

coefficients = ad.taylor(math.exp, 0.0, 3)
assert_type(coefficients, list[Any])
assert np.allclose(coefficients, [1.0, 1.0, 1 / 2, 1 / 6])          # exp's series


# --- array duals ---------------------------------------------------------------------

a = ad.DualArray([1.0, 2.0], [1.0, 0.0])
b = a * a + 1.0
assert_type(b, ad.DualArray)
assert_type(x * a, ad.DualArray)
assert_type(np.ones(2) * a, ad.DualArray)          # ndarray * DualArray: DualArray's __rmul__
assert_type(a < 1.5, NDArray[np.bool_])
assert np.allclose(b.tangent, [2.0, 0.0])                         # d(a^2) = 2a da


# --- teaching ------------------------------------------------------------------------

table = ad.trace(f, 0.5)
assert_type(table, Trace)
assert "sin" in str(table)
