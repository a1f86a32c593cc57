"""dualad.scipy.linalg: SciPy's primal, tangents against central differences of the plain
SciPy functions (real and complex directions), second order against second differences,
and closed forms (expm of nilpotent and diagonal matrices, sqrtm and logm of diagonal)."""
from __future__ import annotations

import numpy as np
import pytest

import dualad as ad

sl = pytest.importorskip("scipy.linalg")
from dualad.scipy import linalg  # noqa: E402

RNG = np.random.default_rng(7)
N = 3


def _random(shape, complex_):
    x = RNG.standard_normal(shape)
    return x + 1j * RNG.standard_normal(shape) if complex_ else x


def _matrices(complex_):
    """The same matrices in every test, whatever the order: a general one (well
    conditioned) and a Hermitian positive definite one."""
    rng = np.random.default_rng(1)
    a = 0.5 * rng.standard_normal((N, N))
    if complex_:
        a = a + 0.5j * rng.standard_normal((N, N))
    s = a @ a.conj().T + N * np.eye(N)
    return a + np.eye(N), s


def central(g, x, e, h=1e-6):
    return (np.asarray(g(x + h * e)) - np.asarray(g(x - h * e))) / (2 * h)


def second(g, x, u, v, h=2e-4):
    """u^T (d^2 g) v by central differences of g, Richardson-extrapolated (steps h, h/2)."""
    def mixed(h):
        return (g(x + h * u + h * v) - g(x + h * u - h * v) - g(x - h * u + h * v)
                + g(x - h * u - h * v)) / (4 * h * h)
    return (4 * mixed(h / 2) - mixed(h)) / 3


def assert_tangent(f, g, x, e, rtol=1e-7):
    """The tangent of f (dualad) at x along e against central differences of g (SciPy)."""
    value, tangent = ad.jvp(f, (x,), (e,))
    ref = central(g, x, e)
    scale = max(1.0, np.max(np.abs(ref)))
    assert np.max(np.abs(np.asarray(tangent) - ref)) <= rtol * scale


B = RNG.standard_normal(N)
BC = B + 1j * RNG.standard_normal(N)
W = RNG.standard_normal((N, N))

# name, dualad f, SciPy g, which matrix ("a" general, "s" Hermitian positive definite)
CASES = [
    ("expm", linalg.expm, sl.expm, "a"),
    ("logm", linalg.logm, sl.logm, "s"),
    ("sqrtm", linalg.sqrtm, sl.sqrtm, "s"),
    ("inv", linalg.inv, sl.inv, "a"),
    ("det", linalg.det, sl.det, "a"),
    ("solve", lambda a: linalg.solve(a, W), lambda a: sl.solve(a, W), "a"),
    ("cholesky", linalg.cholesky, sl.cholesky, "s"),
    ("cholesky lower", lambda a: linalg.cholesky(a, lower=True),
     lambda a: sl.cholesky(a, lower=True), "s"),
    ("cho_factor c", lambda a: linalg.cho_factor(a)[0], lambda a: sl.cho_factor(a)[0], "s"),
    ("cho_solve", lambda a: linalg.cho_solve(linalg.cho_factor(a, lower=True), W),
     lambda a: sl.cho_solve(sl.cho_factor(a, lower=True), W), "s"),
    ("lu_factor lu", lambda a: linalg.lu_factor(a)[0], lambda a: sl.lu_factor(a)[0], "a"),
    ("lu_solve", lambda a: linalg.lu_solve(linalg.lu_factor(a), B),
     lambda a: sl.lu_solve(sl.lu_factor(a), B), "a"),
    ("lu_solve trans=1", lambda a: linalg.lu_solve(linalg.lu_factor(a), W, trans=1),
     lambda a: sl.lu_solve(sl.lu_factor(a), W, trans=1), "a"),
    ("lu_solve trans=2", lambda a: linalg.lu_solve(linalg.lu_factor(a), B, trans=2),
     lambda a: sl.lu_solve(sl.lu_factor(a), B, trans=2), "a"),
    ("eigvalsh", linalg.eigvalsh, sl.eigvalsh, "s"),
    ("eigh vectors^2", lambda a: np.abs(linalg.eigh(a)[1]) ** 2,
     lambda a: np.abs(sl.eigh(a)[1]) ** 2, "s"),
    ("eigh upper", lambda a: linalg.eigh(a, lower=False)[0],
     lambda a: sl.eigh(a, lower=False)[0], "s"),
    ("eigh subset", lambda a: np.abs(linalg.eigh(a, subset_by_index=[1, 2])[1]) ** 2,
     lambda a: np.abs(sl.eigh(a, subset_by_index=[1, 2])[1]) ** 2, "s"),
    ("svdvals", linalg.svdvals, sl.svdvals, "a"),
    ("svd |u|^2", lambda a: np.abs(linalg.svd(a)[0]) ** 2, lambda a: np.abs(sl.svd(a)[0]) ** 2,
     "a"),
    ("svd s, |v|^2", lambda a: np.abs(linalg.svd(a, full_matrices=False)[2]) ** 2
     * linalg.svd(a, compute_uv=False)[:, None],
     lambda a: np.abs(sl.svd(a, full_matrices=False)[2]) ** 2
     * sl.svd(a, compute_uv=False)[:, None], "a"),
    ("pinv", linalg.pinv, sl.pinv, "a"),
    ("norm", linalg.norm, sl.norm, "a"),
    ("norm 2", lambda a: linalg.norm(a, 2), lambda a: sl.norm(a, 2), "a"),
    ("norm nuc", lambda a: linalg.norm(a, "nuc"), lambda a: sl.norm(a, "nuc"), "a"),
    ("expm_frechet L", lambda a: linalg.expm_frechet(a, W)[1],
     lambda a: sl.expm_frechet(a, W)[1], "a"),
    ("solve_sylvester", lambda a: linalg.solve_sylvester(a, 3 * np.eye(N) + W, W),
     lambda a: sl.solve_sylvester(a, 3 * np.eye(N) + W, W), "a"),
]


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("name, f, g, which", CASES, ids=[c[0] for c in CASES])
def test_tangent_matches_central_differences(name, f, g, which, complex_):
    a, s = _matrices(complex_)
    x = a if which == "a" else s
    assert_tangent(f, g, x, _random((N, N), complex_))


@pytest.mark.parametrize("name, f, g, which", CASES, ids=[c[0] for c in CASES])
def test_primal_is_scipys(name, f, g, which):
    a, s = _matrices(False)
    x = a if which == "a" else s
    value, _ = ad.jvp(f, (x,), (np.ones_like(x),))
    ref = g(x)
    for got, want in zip(np.atleast_1d(value), np.atleast_1d(ref)):
        assert np.array_equal(got, want)


SECOND = [c for c in CASES if c[0] in ("expm", "logm", "sqrtm", "inv", "det", "cho_solve",
                                       "lu_solve", "eigh vectors^2", "pinv", "expm_frechet L",
                                       "solve_sylvester")]


@pytest.mark.parametrize("name, f, g, which", SECOND, ids=[c[0] for c in SECOND])
def test_hessian_matches_second_differences(name, f, g, which):
    a, s = _matrices(False)
    x = a if which == "a" else s
    weights = RNG.standard_normal(np.shape(g(x)))
    u, v = RNG.standard_normal((2, N, N))
    hessian = ad.hessian(lambda m: np.sum(weights * f(m)))(x)
    got = np.einsum("ij,ijkl,kl->", u, hessian, v)
    ref = second(lambda m: np.sum(weights * g(m)), x, u, v)
    assert abs(got - ref) <= 1e-5 * max(1.0, abs(ref))


@pytest.mark.parametrize("name", ["expm", "logm", "sqrtm", "inv", "lu_solve"])
def test_second_order_complex(name):
    f, g, which = next((c[1], c[2], c[3]) for c in CASES if c[0] == name)
    a, s = _matrices(True)
    x = a if which == "a" else s
    e = _random((N, N), True)
    got = ad.derivative(lambda t: f(x + t * e), 0.0, n=2)
    ref = second(g, x, e, e)   # d^2/dt^2 g(x + t e) at 0
    assert np.max(np.abs(got - ref)) <= 1e-5 * max(1.0, np.max(np.abs(ref)))


def test_jacobian_of_many_directions_at_once():
    a, _ = _matrices(False)
    jac = ad.jacobian(linalg.expm, a)
    for i in range(N):
        for j in range(N):
            e = np.zeros((N, N))
            e[i, j] = 1.0
            assert np.allclose(jac[..., i, j], sl.expm_frechet(a, e)[1], rtol=1e-12,
                               atol=1e-12)


# --- closed forms ----------------------------------------------------------------------

def test_expm_of_a_nilpotent_matrix():
    n = np.array([[0.0, 2.0, 1.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    # expm(t N) = I + t N + t^2 N^2 / 2:  d/dt = N + t N^2
    got = ad.derivative(lambda t: linalg.expm(t * n), 0.7)
    assert np.allclose(got, n + 0.7 * n @ n, rtol=1e-13, atol=1e-13)
    assert np.allclose(ad.derivative(lambda t: linalg.expm(t * n), 0.7, n=2), n @ n,
                       rtol=1e-10, atol=1e-10)


def test_matrix_functions_of_diagonal_matrices():
    d = np.array([1.5, 2.0, 4.0])
    e = np.array([0.3, -1.0, 2.0])
    diag = lambda t: np.diag(d + t * e)   # noqa: E731
    assert np.allclose(ad.derivative(lambda t: linalg.expm(diag(t)), 0.0),
                       np.diag(e * np.exp(d)), rtol=1e-12)
    assert np.allclose(ad.derivative(lambda t: linalg.sqrtm(diag(t)), 0.0),
                       np.diag(e / (2 * np.sqrt(d))), rtol=1e-12)
    assert np.allclose(ad.derivative(lambda t: linalg.logm(diag(t)), 0.0),
                       np.diag(e / d), rtol=1e-10, atol=1e-12)
    assert np.allclose(ad.derivative(lambda t: linalg.sqrtm(diag(t)), 0.0, n=2),
                       np.diag(-e * e / (4 * d ** 1.5)), rtol=1e-8)


def test_expm_of_a_batch():
    a = 0.5 * RNG.standard_normal((2, N, N))
    e = RNG.standard_normal((2, N, N))
    assert_tangent(linalg.expm, sl.expm, a, e)
    assert_tangent(linalg.det, sl.det, a, e)
    assert_tangent(lambda m: linalg.solve(m, W), lambda m: sl.solve(m, W), a, e)


def test_factors_and_matrix_functions_of_a_batch():
    a = 0.5 * RNG.standard_normal((2, N, N))
    s = a @ np.swapaxes(a, -1, -2) + N * np.eye(N)
    e = RNG.standard_normal((2, N, N))
    rhs = RNG.standard_normal((2, N, 2))
    assert_tangent(lambda m: linalg.lu_solve(linalg.lu_factor(m), rhs),
                   lambda m: sl.lu_solve(sl.lu_factor(m), rhs), a, e)
    assert_tangent(lambda m: linalg.cho_solve(linalg.cho_factor(m), rhs),
                   lambda m: sl.cho_solve(sl.cho_factor(m), rhs), s, e)
    for f, g in [(linalg.sqrtm, sl.sqrtm), (linalg.logm, sl.logm),
                 (linalg.eigvalsh, sl.eigvalsh)]:
        assert_tangent(f, g, s, e)


def test_module_docstring_examples_run():
    import doctest
    assert doctest.testmod(linalg).failed == 0


# --- solvers read what SciPy's solver reads --------------------------------------------

STRUCTURES = [None, "gen", "sym", "her", "pos", "diagonal", "tridiagonal", "banded",
              "upper triangular", "lower triangular"]


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("assume_a", STRUCTURES)
def test_solve_and_inv_with_assume_a(assume_a, lower, complex_):
    _, s = _matrices(complex_)
    if assume_a == "banded":
        s = np.triu(np.tril(s, 1), -1)
    e = _random((N, N), complex_)   # not structured: the solver reads only its part
    b = BC if complex_ else B
    kw = {"assume_a": assume_a, "lower": lower}
    assert_tangent(lambda m: linalg.solve(m, b, **kw), lambda m: sl.solve(m, b, **kw), s, e)
    if assume_a not in ("tridiagonal", "banded"):   # inv's own assume_a options
        assert_tangent(lambda m: linalg.inv(m, **kw), lambda m: sl.inv(m, **kw), s, e)


def test_solve_transposed_and_dual_right_hand_side():
    a, _ = _matrices(False)
    assert_tangent(lambda m: linalg.solve(m, B, transposed=True),
                   lambda m: sl.solve(m, B, transposed=True), a, W)
    assert_tangent(lambda b: linalg.solve(a, b), lambda b: sl.solve(a, b), W, W[::-1])


@pytest.mark.parametrize("trans", [0, 1, 2])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(trans, lower, unit):
    a, _ = _matrices(True)
    a = a + 3 * np.eye(N)
    kw = {"trans": trans, "lower": lower, "unit_diagonal": unit}
    assert_tangent(lambda m: linalg.solve_triangular(m, BC, **kw),
                   lambda m: sl.solve_triangular(m, BC, **kw), a, _random((N, N), True))


# --- factors ---------------------------------------------------------------------------

def test_factor_tuple_keeps_scipys_shape_and_carries_the_tangent():
    _, s = _matrices(False)
    c, lower = linalg.cho_factor(ad.DualArray(s, W + W.T))
    assert isinstance(c, ad.DualArray) and lower is False
    lu, piv = linalg.lu_factor(ad.DualArray(s, W))
    assert isinstance(lu, ad.DualArray) and piv.dtype.kind == "i"
    assert np.array_equal(piv, sl.lu_factor(s)[1])


def test_solves_from_the_factor_and_a_dual_right_hand_side():
    a, s = _matrices(False)
    x = RNG.standard_normal((N, N))

    def f(m):   # A and b both move
        return linalg.lu_solve(linalg.lu_factor(m), m[:, 0])

    assert_tangent(f, lambda m: sl.lu_solve(sl.lu_factor(m), m[:, 0]), a, x)

    def g(m):
        return linalg.cho_solve(linalg.cho_factor(m), m[0])

    assert_tangent(g, lambda m: sl.cho_solve(sl.cho_factor(m), m[0]), s, x)


# --- least squares ---------------------------------------------------------------------

@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
def test_lstsq(complex_):
    a = _random((5, 3), complex_)
    b = _random(5, complex_)
    e = _random((5, 3), complex_)
    for i in (0, 1, 3):
        assert_tangent(lambda m: linalg.lstsq(m, b)[i], lambda m: sl.lstsq(m, b)[i], a, e)
    assert_tangent(lambda v: linalg.lstsq(a, v)[0], lambda v: sl.lstsq(a, v)[0], b, b[::-1])


def test_generalized_eigh():
    a, s = _matrices(False)
    sym = a + a.T
    e = RNG.standard_normal((N, N))
    assert_tangent(lambda m: linalg.eigh(m, s)[0], lambda m: sl.eigh(m, s)[0], sym, e)
    assert_tangent(lambda m: linalg.eigh(sym, m)[0], lambda m: sl.eigh(sym, m)[0], s, e)
    assert_tangent(lambda m: np.abs(linalg.eigh(sym, m)[1]),
                   lambda m: np.abs(sl.eigh(sym, m)[1]), s, e)


# --- refusals --------------------------------------------------------------------------

def test_repeated_eigenvalues_refuse_eigenvectors():
    with pytest.raises(ValueError, match="eigenvalues 0 and 1 are equal"):
        ad.jvp(linalg.eigh, (np.eye(3),), (W + W.T,))


def test_repeated_eigenvalues_that_move_together_have_a_tangent():
    got = ad.derivative(lambda t: linalg.eigvalsh((1 + t) * np.eye(3)), 0.0)
    assert np.allclose(got, [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="split"):
        ad.jvp(linalg.eigvalsh, (np.eye(3),), (W + W.T,))


def test_clear_errors():
    a, s = _matrices(False)
    lu, piv = sl.lu_factor(a)
    with pytest.raises(TypeError, match="piv holds duals"):
        linalg.lu_solve((lu, ad.DualArray(piv.astype(float))), B)
    with pytest.raises(ValueError, match="square matrix a"):
        linalg.lu_factor(ad.DualArray(np.ones((3, 2))))
    with pytest.raises(TypeError, match="type=2"):
        ad.jvp(lambda m: linalg.eigh(m, s, type=2), (s,), (W,))
    with pytest.raises(AttributeError, match="no drop-in for 'schur'"):
        linalg.schur   # noqa: B018


def test_plain_arrays_are_scipy_unchanged():
    a, s = _matrices(False)
    assert np.array_equal(linalg.expm(a), sl.expm(a))
    assert linalg.cho_factor(s)[0].dtype == float
    assert linalg.lu_factor(a)[1].dtype == sl.lu_factor(a)[1].dtype
