"""NumPy array functions on duals: second order through linear algebra, triangles, calls in
NumPy's keyword forms, constructors shaped like a dual, and functions whose outputs move
continuously although they look like bookkeeping (histogram edges). Expected values come
from central differences of the plain NumPy functions or from hand derivations."""
import itertools

import numpy as np
import pytest

import dualad as ad

RNG = np.random.default_rng(1212)


def flat(out):
    """Every output of a NumPy function (a tuple of arrays or one array) as one vector."""
    parts = out if isinstance(out, tuple) else (out,)
    return np.concatenate([np.reshape(p, (-1,)) for p in parts])


def central_hessian(g, x, h=1e-4):
    """Nested central differences of a plain scalar function g of an array x."""
    n = x.size
    e = np.eye(n).reshape((n,) + x.shape) * h
    hess = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            hess[i, j] = (g(x + e[i] + e[j]) - g(x + e[i] - e[j])
                          - g(x - e[i] + e[j]) + g(x - e[i] - e[j])) / (4 * h * h)
    return hess


def central_mixed(g, h=1e-4):
    """d^2 g / ds dr at (0, 0) by nested central differences."""
    return (g(h, h) - g(h, -h) - g(-h, h) + g(-h, -h)) / (4 * h * h)


def central(f, x, h=1e-6):
    """Central-difference Jacobian of a plain function f at x: shape f(x).shape + x.shape."""
    x = np.asarray(x, dtype=float)
    y0 = np.asarray(f(x))
    jac = np.zeros(y0.shape + x.shape, dtype=np.result_type(y0, float))
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        jac[(...,) + idx] = (np.asarray(f(xp)) - np.asarray(f(xm))) / (2 * h)
    return jac


# --- linear algebra at second order -------------------------------------------------

SPD = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
SQUARE = np.array([[2.0, 1.0, 0.3], [0.4, 3.0, 1.0], [0.1, -0.5, 1.5]])
TALL = np.array([[2.0, 1.0], [0.4, 3.0], [0.1, -0.5]])
RHS = np.array([1.0, -2.0, 0.5])

LINALG = {
    "det": (np.linalg.det, SQUARE),
    "slogdet": (lambda a: np.linalg.slogdet(a)[1], SQUARE),
    "inv": (np.linalg.inv, SQUARE),
    "solve": (lambda a: np.linalg.solve(a, RHS), SQUARE),
    "cholesky": (np.linalg.cholesky, SPD),
    "cholesky upper": (lambda a: np.linalg.cholesky(a, upper=True), SPD),
    "qr": (np.linalg.qr, TALL),
    "qr r": (lambda a: np.linalg.qr(a, mode="r"), TALL),
    "eigh": (np.linalg.eigh, SPD),
    "pinv": (np.linalg.pinv, TALL),
}


@pytest.mark.parametrize("name", LINALG)
def test_linalg_hessian_matches_nested_central_differences(name):
    f, x = LINALG[name]
    w = RNG.standard_normal(flat(f(x)).size)

    def g(v):
        return w @ flat(f(v))
    got = ad.hessian(g)(x).reshape(x.size, x.size)
    np.testing.assert_allclose(got, central_hessian(g, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", LINALG)
def test_linalg_derivative_of_derivative_matches_nested_central_differences(name):
    # one direction at each level (no k axis): the tangent maps run on plain nested duals
    f, x = LINALG[name]
    w = RNG.standard_normal(flat(f(x)).size)
    d1, d2 = RNG.standard_normal(x.shape), RNG.standard_normal(x.shape)

    def g(s, r):
        return w @ flat(f(x + s * d1 + r * d2))
    got = ad.derivative(lambda s: ad.derivative(lambda r: g(s, r), 0.0), 0.0)
    assert got == pytest.approx(central_mixed(g), rel=1e-5, abs=1e-6)


def test_hessian_of_det_2x2_is_the_hand_formula():
    # det = a00 a11 - a01 a10: d2/da00 da11 = 1, d2/da01 da10 = -1, every other entry 0
    expected = np.zeros((2, 2, 2, 2))
    expected[0, 0, 1, 1] = expected[1, 1, 0, 0] = 1.0
    expected[0, 1, 1, 0] = expected[1, 0, 0, 1] = -1.0
    np.testing.assert_array_equal(ad.hessian(np.linalg.det)(np.eye(2)), expected)


def leibniz_det_hessian(a):
    """d2 det / da_ij da_kl from det A = sum_p sign(p) prod_r a[r, p(r)]: the sum over the
    permutations with p(i) = j and p(k) = l of sign(p) times the other factors."""
    n = a.shape[0]
    hess = np.zeros((n, n, n, n))
    for p in itertools.permutations(range(n)):
        sign = np.linalg.det(np.eye(n)[list(p)])
        for i, k in itertools.permutations(range(n), 2):
            rest = np.prod([a[r, p[r]] for r in range(n) if r not in (i, k)])
            hess[i, p[i], k, p[k]] += sign * rest
    return hess


@pytest.mark.parametrize("a", [np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]),
                               np.zeros((3, 3)), SQUARE],
                         ids=["rank 2", "zero", "regular"])
def test_hessian_of_det_is_the_leibniz_formula(a):
    np.testing.assert_allclose(ad.hessian(np.linalg.det)(a), leibniz_det_hessian(a),
                               atol=1e-12)


def test_nested_derivative_through_cholesky_matches_the_issue_example():
    a = np.array([[4.0, 1.0], [1.0, 3.0]])

    def chol11(r, s):
        return np.linalg.cholesky(a + r * s * np.eye(2))[1, 1]

    got = ad.derivative(lambda s: ad.derivative(lambda r: chol11(r, s), 0.5), 0.3)
    # d/dr at r = 0.5 as a function of s, by central differences of central differences
    # of NumPy's cholesky
    h = 1e-4

    def d_dr(s):
        return (chol11(0.5 + h, s) - chol11(0.5 - h, s)) / (2 * h)
    assert got == pytest.approx((d_dr(0.3 + h) - d_dr(0.3 - h)) / (2 * h), rel=1e-6)


COMPLEX_A = np.array([[2.0 + 1.0j, 1.0, 0.2], [0.5j, 3.0 - 1.0j, 1.0], [0.3, -0.4j, 2.5]])
COMPLEX_D = np.array([[1.0, 0.3j, 0.1], [0.2, -1.0j, 0.5], [0.4j, 0.0, 1.0 + 1.0j]])
COMPLEX_TALL = np.array([[1.0 + 0.5j, 0.3], [-0.2j, 2.0 + 1.0j], [0.7, -0.4 + 0.2j]])
COMPLEX_HPD = np.array([[4.0, 1.0 - 1.0j], [1.0 + 1.0j, 3.0]])

COMPLEX = {
    "slogdet sign": (lambda a: np.linalg.slogdet(a)[0], COMPLEX_A, COMPLEX_D),
    "slogdet logabsdet": (lambda a: np.linalg.slogdet(a)[1], COMPLEX_A, COMPLEX_D),
    "slogdet of a real matrix along a complex direction":
        (lambda a: np.linalg.slogdet(a)[0], COMPLEX_A.real, COMPLEX_D),
    "cholesky": (np.linalg.cholesky, COMPLEX_HPD, np.array([[1.0, 0.3j], [-0.3j, 2.0]])),
    "cholesky upper": (lambda a: np.linalg.cholesky(a, upper=True), COMPLEX_HPD,
                       np.array([[1.0, 0.3j], [-0.3j, 2.0]])),
    "qr q": (lambda a: np.linalg.qr(a)[0], COMPLEX_TALL, COMPLEX_D[:, :2]),
    "qr r": (lambda a: np.linalg.qr(a)[1], COMPLEX_TALL, COMPLEX_D[:, :2]),
    "pinv": (np.linalg.pinv, COMPLEX_TALL, COMPLEX_D[:, :2]),
}


@pytest.mark.parametrize("name", COMPLEX)
def test_complex_linalg_tangent_matches_central_differences(name):
    f, a, d = COMPLEX[name]
    h = 1e-6
    expected = (f(a + h * d) - f(a - h * d)) / (2 * h)
    _, got = ad.jvp(f, (a,), (d,))
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-8)


# --- triangles are linear -------------------------------------------------------------

@pytest.mark.parametrize("func", [np.tril, np.triu])
@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_triangle_jacobian_is_the_mask(func, offset):
    x = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(ad.jacfwd(lambda v: func(v, k=offset))(x),
                               central(lambda v: func(v, offset), x), atol=1e-9)


@pytest.mark.parametrize("func", [np.tril, np.triu])
def test_triangle_of_a_vector_reads_it_as_every_row(func):
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(ad.jacfwd(func)(x), central(func, x), atol=1e-9)


def test_triangle_inside_a_nested_derivative():
    # tril(x x^T) summed: d2/dx_i dx_j of sum_{a>=b} x_a x_b is 2 on the diagonal, 1 off it
    got = ad.hessian(lambda v: np.sum(np.tril(np.outer(v, v))))(np.array([0.3, -1.2, 2.0]))
    np.testing.assert_allclose(got, np.ones((3, 3)) + np.eye(3))
