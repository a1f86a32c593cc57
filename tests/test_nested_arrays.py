"""Second derivatives through NumPy code (array duals whose values are duals), and the
corners a review found: batched products, constructors, scalars of every kind."""
import decimal
import math

import mpmath
import numpy as np
import pytest

import dualad as ad

RNG = np.random.default_rng(11)
M = RNG.normal(size=(3, 3))
B = RNG.normal(size=(2, 3, 3))

SCALAR_PROGRAMS = {
    "w * w[0]": lambda w: np.sum(w * w[0]),
    "sin(v) * v[0]": lambda v: np.sum(np.sin(v) * v[0]),
    "tanh(v) @ outer(v, v)": lambda v: np.sum(np.tanh(v) @ np.outer(v, v)),
    "solve(diag(v) + 4, 1)": lambda v: np.sum(np.linalg.solve(np.diag(v) + 4 * np.eye(3),
                                                             np.ones(3))),
    "inv(diag(v) + M)": lambda v: np.sum(np.linalg.inv(np.diag(v) + M + 4 * np.eye(3))),
    "batched B @ outer": lambda v: np.sum(B @ np.outer(v, v) * v[1]),
    "logdet": lambda v: np.linalg.slogdet(np.outer(v, v) + 3 * np.eye(3))[1],
    "eigvalsh": lambda v: np.sum(np.linalg.eigvalsh(np.outer(v, v) + np.diag(v)) ** 2),
    "zeros_like and assignment": lambda v: _assigned(v),
    "prod, cumsum, max": lambda v: np.prod(v) + np.sum(np.cumsum(v) ** 2) + np.max(v * v),
    "norm": lambda v: np.linalg.norm(v) ** 3,
}


def _assigned(v):
    y = np.zeros_like(v)
    y[0] = v[1] ** 2
    y[1:] = np.sin(v[:-1])
    return np.sum(y * v)


def central_gradient_jacobian(f, x, h=1e-5):
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = h
        cols.append((ad.gradient(f, x + e) - ad.gradient(f, x - e)) / (2 * h))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("name", list(SCALAR_PROGRAMS))
@pytest.mark.parametrize("chunk", [None, 1, 2])
def test_hessian_of_numpy_programs(name, chunk):
    f = SCALAR_PROGRAMS[name]
    x = np.array([0.7, 1.3, -0.4])
    if chunk is None:
        h = ad.hessian(f)(x)
    else:
        h = ad.jacfwd(lambda z: ad.gradient(f, z, chunk_size=chunk), chunk_size=chunk)(x)
    np.testing.assert_allclose(h, h.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(h, central_gradient_jacobian(f, x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", list(SCALAR_PROGRAMS))
def test_hvp_equals_hessian_times_vector(name):
    f = SCALAR_PROGRAMS[name]
    x, v = np.array([0.7, 1.3, -0.4]), np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(ad.hvp(f, x, v), ad.hessian(f)(x) @ v, rtol=1e-12, atol=1e-12)


def test_batched_products_keep_the_direction_axis():
    x = np.array([0.7, 1.3, -0.4])
    for f in (lambda v: B @ np.outer(v, v), lambda v: np.outer(v, v) @ B,
              lambda v: np.linalg.solve(np.diag(v) + 3 * np.eye(3), B),
              lambda v: np.linalg.inv(B + np.diag(v) + 3 * np.eye(3)), lambda v: v @ B):
        jac = ad.jacfwd(f)(x)
        out = f(x)
        assert jac.shape == out.shape + (3,)
        for chunk in (1, 2):
            np.testing.assert_allclose(ad.jacfwd(f, chunk_size=chunk)(x), jac, rtol=1e-13)


def test_scalars_of_every_kind_times_dual_arrays():
    x = np.array([0.7, 1.3])
    np.testing.assert_array_equal(ad.jacfwd(lambda v: v * (1 + 1j))(x), (1 + 1j) * np.eye(2))
    assert ad.jacfwd(lambda v: v * mpmath.mpf(2))(x)[1, 1] == 2
    np.testing.assert_array_equal(ad.jacfwd(lambda v: v / (2 + 0j))(x), np.eye(2) / 2)
    h = ad.hessian(lambda v: v[0] ** 2 * v[1])([mpmath.mpf(1), mpmath.mpf(3)])
    assert float(np.asarray(h, dtype=object)[0][0]) == 6.0


def test_lists_are_array_operands():
    x = np.array([0.7, 1.3, -0.4])
    np.testing.assert_array_equal(ad.jacfwd(lambda v: v + [1.0, 2.0, 3.0])(x), np.eye(3))
    np.testing.assert_array_equal(ad.jacfwd(lambda v: v * [1.0, 2.0, 3.0])(x),
                                  np.diag([1.0, 2.0, 3.0]))


def test_full_like_keeps_the_fill_derivative():
    x = np.array([0.7, 1.3])
    jac = ad.jacfwd(lambda v: np.full_like(v, v[0] ** 2))(x)
    np.testing.assert_allclose(jac, [[1.4, 0.0], [1.4, 0.0]])
    jac = ad.jacfwd(lambda v: np.full_like(v, fill_value=v[0] ** 2) + np.ones_like(v))(x)
    np.testing.assert_allclose(jac, [[1.4, 0.0], [1.4, 0.0]])


def test_sparsity_of_products_and_linear_algebra():
    x = np.array([0.7, 1.3, -0.4])
    assert ad.jacobian_sparsity(lambda v: np.dot(v, v) * np.ones(2), x, sparse=False).all()
    solve = lambda v: np.linalg.solve(np.diag(v) + 4 * np.eye(3), np.ones(3))  # noqa: E731
    np.testing.assert_allclose(ad.jacfwd(solve, sparsity="auto")(x).toarray(),
                               ad.jacfwd(solve)(x), rtol=1e-14)
    np.testing.assert_allclose(ad.hessian(lambda v: v @ v, sparsity="auto")(x).toarray(),
                               2 * np.eye(3))
    assert ad.jacobian_sparsity(lambda v: np.linalg.eigh(np.diag(v) + 1)[0], x).shape == (3, 3)


def test_taylor_follows_the_conventions_at_zero():
    assert ad.derivative(lambda s: s ** 2.5, 0.0, n=2) == 0.0          # as nested duals give
    assert ad.derivative(lambda s: s ** 2.5, 0.0, n=3) == math.inf
    assert ad.derivative(lambda y: 0.0 ** y, 2.0, n=2) == 0.0          # 0**y, y > 0
    assert ad.derivatives(ad.math.sqrt, 0.0, 3) == [0.0, math.inf, -math.inf, math.inf]
    # the real cube root of a negative number: d/dx x^(1/3) = 1/(3 x^(2/3))
    assert ad.derivatives(ad.math.cbrt, -8.0, 1)[1] == pytest.approx(1 / 12, rel=1e-15)


def test_taylor_through_numpy_products():
    two = np.array([1.0, 2.0])
    assert ad.derivative(lambda s: two @ (two * s ** 2), 1.0, n=2) == 10.0
    assert ad.derivative(lambda s: np.prod(np.array([1.0, 2.0, 3.0]) * s), 1.0, n=2) == 36.0
    coeffs = ad.taylor(lambda v: np.sum(v.reshape(2, 1) ** 2), np.array([1.0, 2.0]), 2,
                       direction=np.array([1.0, 1.0]))
    assert [float(c) for c in coeffs] == [5.0, 6.0, 2.0]


def test_small_corners():
    assert ad.Dual(decimal.Decimal("1.5")).value == 1.5
    assert ad.math.ldexp(ad.Dual(1.0), ad.math.floor(ad.Dual(2.5))).tangent == 4.0
    with pytest.raises(TypeError, match="integer argument"):
        ad.math.ldexp(1.0, ad.Dual(2.0))
    # a dict input is a tree (as jax.hessian): the blocks nest as {"a": {"a": ...}}
    np.testing.assert_array_equal(ad.hessian(lambda d: d["a"][0] ** 2)({"a": np.ones(2)})
                                  ["a"]["a"], [[2.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(ad.gradient(lambda v: ad.math.hypot(v[0], v[1]), [0.0, 0.0]),
                                  [0.0, 0.0])
    assert np.shape(ad.check(lambda t: [t * t, ad.math.sin(t)], 1.0).reference) == (2,)
    assert r"\cdot \cdot" not in ad.trace(lambda s: s ** 2, 0.5).to_latex()


def test_jvp_takes_pytrees():
    primal = {"w": np.eye(2), "x": np.array([1.0, 2.0]), "b": 3.0}
    tangent = {"w": np.zeros((2, 2)), "x": np.array([1.0, 0.0]), "b": 1.0}
    out, tan = ad.jvp(lambda p: p["w"] @ p["x"] + p["b"], (primal,), (tangent,))
    np.testing.assert_array_equal(out, [4.0, 5.0])
    np.testing.assert_array_equal(tan, [2.0, 1.0])
    with pytest.raises(ValueError, match=r"tangents\[0\] must have the structure of primals\[0\]"):
        ad.jvp(lambda p: p["a"], ({"a": 1.0},), ({"b": 1.0},))
