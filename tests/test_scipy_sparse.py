"""scipy.sparse with dual arrays: products (``A @ x``, ``x @ A``, ``A.dot(x)``) and the
solves of ``dualad.scipy.sparse.linalg``. A product is linear in x, so its Jacobian is the
dense matrix (hand-derived); solves are checked against central differences of SciPy's own
solve and against the dense inverse.
"""
import numpy as np
import pytest

sp = pytest.importorskip("scipy.sparse")
from scipy.sparse import linalg as scipy_linalg  # noqa: E402

import dualad as ad  # noqa: E402
import conformance as cf  # noqa: E402
from dualad.scipy.sparse import linalg  # noqa: E402

RNG = np.random.default_rng(14)
DENSE = np.where(RNG.random((5, 4)) < 0.5, 0.0, RNG.normal(size=(5, 4)))
SQUARE = np.where(RNG.random((4, 4)) < 0.5, 0.0, RNG.normal(size=(4, 4))) + 4 * np.eye(4)
FORMATS = [getattr(sp, f"{name}_{kind}") for name in ("csr", "csc", "coo", "bsr", "dia",
                                                       "lil", "dok")
           for kind in ("matrix", "array")]


def _differences(f, x):
    """d f(x + t e_i)/dt for every i, by Ridders' central differences (last axis: i)."""
    cols = []
    for e in np.eye(x.size):
        cols.append(cf.richardson(lambda t, e=e: np.asarray(f(x + t * e.reshape(x.shape))),
                                  1e-2)[0])
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


# --- products -------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS, ids=lambda c: c.__name__)
def test_sparse_times_dual_vector_has_the_matrix_as_jacobian(fmt):
    A = fmt(DENSE)
    x = RNG.normal(size=4)
    assert np.array_equal(ad.jacobian(lambda v: A @ v, x), DENSE)
    assert np.array_equal(ad.jacobian(lambda v: A.dot(v), x), DENSE)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda c: c.__name__)
def test_dual_vector_times_sparse_has_the_transpose_as_jacobian(fmt):
    A = fmt(DENSE)
    assert np.array_equal(ad.jacobian(lambda v: v @ A, RNG.normal(size=5)), DENSE.T)


@pytest.mark.parametrize("product", [lambda A, v: v.dot(A), lambda A, v: np.dot(v, A),
                                     lambda A, v: np.matmul(v, A)])
def test_numpy_products_with_a_sparse_operand_are_its_matmul(product):
    A = sp.csr_array(DENSE)
    assert np.array_equal(ad.jacobian(lambda v: product(A, v), np.ones(5)), DENSE.T)
    assert np.array_equal(ad.jacobian(lambda v: np.dot(A, v), np.ones(4)), DENSE)


def test_sparse_matrix_star_is_the_matrix_product():
    A = sp.csr_matrix(DENSE)   # spmatrix: * is @
    assert np.array_equal(ad.jacobian(lambda v: A * v, np.ones(4)), DENSE)


def test_the_primal_is_scipys_product():
    A, x = sp.csr_array(DENSE), RNG.normal(size=4)
    primal, _ = ad.jvp(lambda v: A @ v, (x,), (np.ones(4),))
    assert type(primal) is np.ndarray and np.array_equal(primal, A @ x)


@pytest.mark.parametrize("chunk_size", [None, 1, 3])
def test_sparse_times_dual_matrix_in_chunks(chunk_size):
    A, X = sp.csc_matrix(DENSE), RNG.normal(size=(4, 3))
    J = ad.jacobian(lambda v: A @ v, X, chunk_size=chunk_size)
    assert np.array_equal(J, np.einsum("ij,kl->ikjl", DENSE, np.eye(3)))


def test_column_vector_keeps_its_shape():
    A, x = sp.csr_matrix(DENSE), RNG.normal(size=(4, 1))
    primal, tangent = ad.jvp(lambda v: A @ v, (x,), (np.ones((4, 1)),))
    assert primal.shape == tangent.shape == (5, 1)
    assert np.allclose(tangent, DENSE @ np.ones((4, 1)), rtol=1e-15)


def test_complex_matrix_and_complex_tangent():
    M = DENSE + 1j * np.where(DENSE != 0, 0.5, 0.0)
    A = sp.csr_array(M)
    z, t = RNG.normal(size=4) + 1j, RNG.normal(size=4) - 2j
    primal, tangent = ad.jvp(lambda v: A @ v, (z,), (t,))
    assert np.allclose(primal, M @ z, rtol=1e-14) and np.allclose(tangent, M @ t, rtol=1e-14)


def test_second_order_of_a_sparse_least_squares_objective():
    # f = |A x|^2 has the Hessian 2 A^T A (by hand)
    A = sp.csr_matrix(DENSE)
    H = ad.hessian(lambda v: np.sum((A @ v) ** 2))(RNG.normal(size=4))
    assert np.allclose(H, 2 * DENSE.T @ DENSE, rtol=1e-13)


def test_taylor_mode_through_a_sparse_product():
    # (A (s v))_0 = s (A v)_0: coefficients (A v)_0, (A v)_0, 0 at s = 1
    A, v = sp.csr_matrix(DENSE), np.arange(1.0, 5.0)
    coeffs = ad.taylor(lambda s: (A @ (s * v))[0], 1.0, 2)
    assert coeffs == pytest.approx([DENSE[0] @ v, DENSE[0] @ v, 0.0])


def test_sparsity_detection_sees_the_matrix_pattern():
    A = sp.csr_matrix(DENSE)
    pattern = ad.jacobian_sparsity(lambda v: A @ np.sin(v), np.ones(4))
    assert np.array_equal(pattern.toarray(), DENSE != 0)


@pytest.mark.parametrize("make, message", [
    (lambda x: sp.csr_matrix(x), "csr_matrix"),
    (lambda x: sp.coo_array((x, (np.arange(3), np.arange(3)))), "coo_array"),
    (lambda x: sp.csr_array(np.eye(3)).multiply(x), "elementwise product"),
    (lambda x: sp.csr_matrix(np.eye(3)) * x[0], "dual scalar"),
])
def test_sparse_matrices_of_duals_are_refused(make, message):
    with pytest.raises(TypeError, match=message):
        ad.jvp(make, (np.ones(3),), (np.ones(3),))


def test_plain_sparse_products_are_untouched():
    A = sp.csr_matrix(DENSE)
    x = np.arange(4.0)
    assert np.array_equal(A @ x, DENSE @ x) and np.array_equal((x[:4] @ A.T), DENSE @ x)


# --- solves ---------------------------------------------------------------------------

def test_spsolve_primal_is_scipys_and_tangent_matches_differences():
    A, b = sp.csc_matrix(SQUARE), RNG.normal(size=4)
    t = RNG.normal(size=4)
    primal, tangent = ad.jvp(lambda v: linalg.spsolve(A, v), (b,), (t,))
    assert np.array_equal(primal, scipy_linalg.spsolve(A, b))
    ref, err = cf.richardson(lambda s: scipy_linalg.spsolve(A, b + s * t), 1e-2)
    assert np.allclose(tangent, ref, rtol=1e-9, atol=8 * err)
    assert np.allclose(tangent, np.linalg.solve(SQUARE, t), rtol=1e-12)


def test_spsolve_matrix_right_hand_side_in_every_direction():
    A, B = sp.csr_matrix(SQUARE), RNG.normal(size=(4, 2))
    J = ad.jacobian(lambda v: linalg.spsolve(A, v), B)
    assert np.allclose(J, np.einsum("ij,kl->ikjl", np.linalg.inv(SQUARE), np.eye(2)),
                       rtol=1e-12)


def test_spsolve_second_order_matches_differences():
    A, b = sp.csc_matrix(SQUARE), RNG.normal(size=4)
    f = lambda v: np.sum(np.sin(scipy_linalg.spsolve(A, v ** 2)))
    H = ad.hessian(lambda v: np.sum(np.sin(linalg.spsolve(A, v ** 2))))(b)
    ref = _differences(lambda v: _differences(f, v), b)
    assert np.allclose(H, ref, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("trans, matrix", [("N", SQUARE), ("T", SQUARE.T)])
def test_splu_solve_reuses_the_factors(trans, matrix):
    lu = linalg.splu(sp.csc_matrix(SQUARE))
    b = RNG.normal(size=4)
    assert np.array_equal(ad.jvp(lambda v: lu.solve(v, trans), (b,), (b,))[0],
                          scipy_linalg.splu(sp.csc_matrix(SQUARE)).solve(b, trans))
    J = ad.jacobian(lambda v: lu.solve(v, trans), b)
    assert np.allclose(J, np.linalg.inv(matrix), rtol=1e-12)
    assert lu.shape == (4, 4) and lu.L.shape == (4, 4)   # SciPy's attributes


def test_factorized_and_triangular_solves():
    b = RNG.normal(size=4)
    solve = linalg.factorized(sp.csc_matrix(SQUARE))
    assert np.allclose(ad.jacobian(solve, b), np.linalg.inv(SQUARE), rtol=1e-12)
    lower = sp.csr_matrix(np.tril(SQUARE))
    J = ad.jacobian(lambda v: linalg.spsolve_triangular(lower, v), b)
    assert np.allclose(J, np.linalg.inv(np.tril(SQUARE)), rtol=1e-12)


def test_a_complex_tangent_through_real_factors():
    # a real b moved along i: x' = i A^-1 t, although SciPy's real factors refuse complex b
    lu, b = linalg.splu(sp.csc_matrix(SQUARE)), RNG.normal(size=4)
    _, tangent = ad.jvp(lu.solve, (b,), (1j * b,))
    assert np.allclose(tangent, 1j * np.linalg.solve(SQUARE, b), rtol=1e-12)


def test_complex_system_matches_differences():
    M = SQUARE + 1j * np.eye(4)
    A, b, t = sp.csc_matrix(M), RNG.normal(size=4) + 0.5j, RNG.normal(size=4) - 1j
    _, tangent = ad.jvp(lambda v: linalg.spsolve(A, v), (b,), (t,))
    ref, err = cf.richardson(lambda s: scipy_linalg.spsolve(A, b + s * t), 1e-2)
    assert np.allclose(tangent, ref, rtol=1e-9, atol=8 * err)


def test_a_dual_matrix_is_refused():
    with pytest.raises(TypeError, match="A is a dual"):
        ad.jvp(lambda m: linalg.spsolve(m, np.ones(4)), (SQUARE,), (np.eye(4),))
