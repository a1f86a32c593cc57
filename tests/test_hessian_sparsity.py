"""Hessian sparsity detection in one run of f (dualad.sparse.curvature): its patterns,
the cases that take the exhaustive route, and its size guard. The patterns are written
out by hand from the second derivatives; the table-wide check that every detected
pattern holds every non-zero of the Hessian is in test_sparsity_coverage."""
import numpy as np
import pytest
import scipy.sparse as sp

import dualad as ad
from dualad import math as dmath
from dualad.sparse import curvature
from dualad.sparse import detection
from dualad.transforms import sparse as transforms_sparse


@pytest.fixture
def routes(monkeypatch):
    """The routes the Hessian detections take: "one run" or "exhaustive"."""
    taken = []

    def spy(f, args, argnums, exhaustive):
        used = []

        def counted():
            used.append(True)
            return exhaustive()
        out = detection.detect_hessian(f, args, argnums, counted)
        taken.append("exhaustive" if used else "one run")
        return out
    monkeypatch.setattr(transforms_sparse, "detect_hessian", spy)
    return taken


def pattern_of(f, x):
    return detection.detect_hessian(f, (x,), 0, lambda: pytest.fail("exhaustive route"))


def chained_rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_chained_rosenbrock_at_n_1e5_is_tridiagonal():
    n = 100_000
    got = pattern_of(chained_rosenbrock, np.linspace(-1, 1, n))
    want = sp.diags_array([np.ones(n - 1), np.ones(n), np.ones(n - 1)], offsets=[-1, 0, 1],
                          dtype=bool)
    assert got.shape == (n, n)
    assert (got != want).nnz == 0


@pytest.mark.parametrize("f, want", [
    # x_i x_{i+1}: ∂²/∂x_i² = 0, so only the off-diagonals
    (lambda x: np.sum(x[:-1] * x[1:]), np.eye(5, k=1) + np.eye(5, k=-1)),
    (lambda x: x @ x, np.eye(5)),                                 # 2 I
    (lambda x: np.sum(np.sin(x)) + 3.0 * np.sum(x), np.eye(5)),   # linear terms add none
    (lambda x: np.sum(x[2:] / x[:-2]),                            # 1/x_{i} and x_{i+2}/x_i²
     np.diag([1, 1, 1, 0, 0]) + np.eye(5, k=2) + np.eye(5, k=-2)),
    (lambda x: np.sum(np.sort(x) * np.arange(5.0)), np.zeros((5, 5))),   # piecewise linear
    (lambda x: np.max(x) + np.sum(np.cumsum(x)), np.zeros((5, 5))),
    (lambda x: np.sum(x) ** 2, np.ones((5, 5))),                  # a 0-d intermediate
    (lambda x: np.exp(x[0]) * x[4], np.array([[1, 0, 0, 0, 1], [0] * 5, [0] * 5, [0] * 5,
                                              [1, 0, 0, 0, 0]])),
])
def test_patterns_by_hand(f, want):
    x = np.linspace(0.5, 1.5, 5)
    np.testing.assert_array_equal(pattern_of(f, x).toarray(), want.astype(bool))


def test_a_matrix_product_pairs_only_what_meets():
    # phi(A, x) = sum(A @ x) over z = [A.ravel(), x]: ∂²/∂A_ij∂x_j = 1, nothing else
    m, k = 3, 4

    def phi(z):
        return np.sum(z[:m * k].reshape(m, k) @ z[m * k:])
    got = pattern_of(phi, np.ones(m * k + k)).toarray()
    want = np.zeros((m * k + k, m * k + k), bool)
    for i in range(m):
        for j in range(k):
            want[i * k + j, m * k + j] = want[m * k + j, i * k + j] = True
    np.testing.assert_array_equal(got, want)


def test_the_sparse_hessian_agrees_with_the_dense_one_and_takes_one_run(routes):
    x = np.linspace(-1.2, 1.3, 30)
    sparse = ad.hessian(chained_rosenbrock, sparsity="auto")(x)
    np.testing.assert_allclose(sparse.toarray(), ad.hessian(chained_rosenbrock)(x),
                               rtol=1e-14)
    assert routes == ["one run"]


def test_a_list_input_is_seeded_as_arrays_and_takes_one_run(routes):
    def f(v):
        return v[0] ** 2 * v[1] + np.sin(v[2])
    got = ad.hessian(f, sparsity="auto")([1.0, 2.0, 0.5]).toarray()
    np.testing.assert_allclose(got, [[4.0, 2.0, 0.0], [2.0, 0.0, 0.0],
                                     [0.0, 0.0, -np.sin(0.5)]], rtol=1e-14)
    assert routes == ["one run"]


def test_scalar_code_in_dualad_math_takes_one_run(routes):
    def f(x):   # dualad.math on entries: 0-d pattern arrays
        return dmath.sin(x[0] * x[1]) + x[2] ** 3
    x = np.array([0.3, 0.7, 1.1])
    got = ad.hessian(f, sparsity="auto")(x).toarray()
    c, s = np.cos(0.21), np.sin(0.21)
    want = [[-0.49 * s, c - 0.21 * s, 0.0], [c - 0.21 * s, -0.09 * s, 0.0], [0.0, 0.0, 6.6]]
    np.testing.assert_allclose(got, want, rtol=1e-13)
    assert routes == ["one run"]


def test_code_that_makes_an_object_array_takes_the_exhaustive_route(routes):
    # scipy.optimize.rosen calls np.asarray(x): refused on pattern arrays, so the pattern
    # comes from the exhaustive route (object arrays of duals)
    from scipy.optimize import rosen, rosen_hess
    x = np.linspace(-1.0, 1.5, 12)
    got = ad.hessian(rosen, sparsity="auto")(x)
    np.testing.assert_allclose(got.toarray(), rosen_hess(x), rtol=1e-13, atol=1e-12)
    assert routes == ["exhaustive"]


def test_a_branch_is_still_refused(routes):
    hess = ad.hessian(lambda x: np.sum(x ** 2) if x[0] > 0 else x[0], sparsity="auto")
    with pytest.raises(ad.sparse.patterns.PatternBranchError, match="truth value"):
        hess(np.ones(3))


def test_a_pattern_too_dense_to_pay_is_refused_by_name(monkeypatch):
    monkeypatch.setattr(curvature, "MAX_PAIRS", 1000)
    with pytest.raises(curvature.TooDense, match="more than 1,000 entries.*without sparsity"):
        ad.hessian(lambda x: np.sum(x) ** 2, sparsity="auto")(np.ones(40))
