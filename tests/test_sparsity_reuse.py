"""A detected sparsity pattern is valid for every call that reuses it (issue 12, 2.1).

The detection is global: constants count as possibly non-zero, a branch on a value is
refused, and the cache is keyed on what can change the pattern. Expected Jacobians and
Hessians are derived by hand in each test."""
import types

import numpy as np
import pytest

import dualad as ad
from dualad.sparse.patterns import PatternArray, PatternBranchError

X = np.array([1.0, 2.0, 3.0])


def counting(f):
    """f, and the list of calls that were detections (f saw a pattern array)."""
    detections = []

    def wrapped(x, *rest):
        if isinstance(x, PatternArray):
            detections.append(1)
        return f(x, *rest)
    return wrapped, detections


# --- constants are values, not structure ----------------------------------------------

def test_a_matrix_argument_is_a_value_not_a_structure():
    # the Jacobian of A @ x is A, whatever A held when the pattern was detected
    jac = ad.jacfwd(lambda x, a: a @ x, sparsity="auto")
    np.testing.assert_array_equal(jac(X, np.eye(3)).toarray(), np.eye(3))
    np.testing.assert_array_equal(jac(X, np.ones((3, 3))).toarray(), np.ones((3, 3)))


def test_a_closed_over_array_changed_in_place_is_still_covered():
    a = np.eye(3)
    jac = ad.jacfwd(lambda x: a @ x, sparsity="auto")
    jac(X)
    a[:] = [[1.0, 2.0, 0.0], [0.0, 0.0, 3.0], [4.0, 0.0, 5.0]]
    np.testing.assert_array_equal(jac(X).toarray(), a)


def test_a_hessian_with_a_matrix_argument():
    # x·B x has Hessian B + Bᵀ
    hess = ad.hessian(lambda x, b: x @ b @ x, sparsity="auto")
    np.testing.assert_array_equal(hess(X, np.eye(3)).toarray(), 2 * np.eye(3))
    b = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [4.0, 0.0, 1.0]])
    np.testing.assert_array_equal(hess(X, b).toarray(), b + b.T)


def test_a_closed_over_zero_weight_stays_in_the_hessian_pattern():
    # sum(c_i x_i x_(i+1)) has H[i, i+1] = H[i+1, i] = c_i; c[1] = 0 at detection must not
    # drop entry (1, 2)
    c = np.array([1.0, 0.0])
    hess = ad.hessian(lambda x: np.sum(c * x[:-1] * x[1:]), sparsity="auto")
    hess(X)
    c[1] = 5.0
    np.testing.assert_array_equal(hess(X).toarray(), [[0, 1, 0], [1, 0, 5], [0, 5, 0]])


def test_a_weight_argument_keeps_the_hessian_diagonal():
    # sum((w x)²) has Hessian diag(2 w²): the seed's zero lanes stay structural, so the
    # pattern stays diagonal although w is traced as possibly non-zero
    w = np.array([1.0, 0.0, 2.0])
    pattern = ad.jacobian_sparsity(
        lambda z, v: ad.gradient(lambda u: np.sum((v * u) ** 2), z), (X, w), sparse=False)
    np.testing.assert_array_equal(pattern, np.eye(3, dtype=bool))
    hess = ad.hessian(lambda x, v: np.sum((v * x) ** 2), sparsity="auto")
    np.testing.assert_array_equal(hess(X, w).toarray(), np.diag(2 * w ** 2))
    np.testing.assert_array_equal(hess(X, np.ones(3)).toarray(), 2 * np.eye(3))


# --- branches on values ------------------------------------------------------------------

def test_a_branch_on_the_input_is_refused_with_advice():
    jac = ad.jacfwd(lambda x: 2 * x if x[0] > 0 else x * x[::-1], sparsity="auto")
    with pytest.raises(PatternBranchError, match=r"truth value.*np\.where.*sparsity="):
        jac(X)


def test_a_branch_in_a_sparse_hessian_is_refused():
    hess = ad.hessian(lambda x: np.sum(x ** 2) if x[0] > 0 else x[0] * x[1], sparsity="auto")
    with pytest.raises(PatternBranchError, match="truth value"):
        hess(X)


def test_a_branch_on_a_float_argument_is_refused():
    jac = ad.jacfwd(lambda t, y: y * (1.0 if t > 0 else 2.0), argnums=1, sparsity="auto")
    with pytest.raises(PatternBranchError):
        jac(0.5, X)


@pytest.mark.parametrize("f", [lambda x: x[np.argmax(x)] * x,
                               lambda x: x[int(np.floor(x[0]))] * x,
                               lambda x: x * x[x > 1].sum(),
                               lambda x: x * float(x[0])])
def test_values_used_as_indices_or_numbers_are_refused(f):
    with pytest.raises(PatternBranchError):
        ad.jacobian_sparsity(f, X)


def test_np_where_takes_both_branches():
    # 2x for x[0] > 0, else y_i = x_i x_(2-i): rows [x2, 0, x0], [0, 2 x1, 0], [x2, 0, x0]
    jac = ad.jacfwd(lambda x: np.where(x[0] > 0, 2 * x, x * x[::-1]), sparsity="auto")
    np.testing.assert_array_equal(jac(X).toarray(), 2 * np.eye(3))
    np.testing.assert_array_equal(jac(-X).toarray(), [[-3, 0, -1], [0, -4, 0], [-3, 0, -1]])


def test_np_where_in_a_sparse_hessian():
    # sum(x²) for x[0] > 0 (Hessian 2I), else x0 x1 (Hessian with ones at (0,1), (1,0))
    hess = ad.hessian(lambda x: np.where(x[0] > 0, np.sum(x ** 2), x[0] * x[1]),
                      sparsity="auto")
    np.testing.assert_array_equal(hess(X).toarray(), 2 * np.eye(3))
    np.testing.assert_array_equal(hess(-X).toarray(), [[0, 1, 0], [1, 0, 0], [0, 0, 0]])


# --- what the cache is keyed on ----------------------------------------------------------------

def test_same_shapes_and_a_new_constant_reuse_the_detection():
    f, detections = counting(lambda x, a: np.tanh(a @ x))
    jac = ad.jacfwd(f, sparsity="auto")
    b = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    for a in (np.eye(2, 3), b):
        # d tanh(a x)/dx = diag(1 / cosh²(a x)) a
        expected = (1 / np.cosh(a @ X) ** 2)[:, None] * a
        np.testing.assert_allclose(jac(X, a).toarray(), expected, rtol=1e-13)
    assert len(detections) == 1


def test_an_int_argument_keys_the_cache():
    # y = x[:k] * x[k:2k]: k = 1 gives [x1, x0, 0, 0]; k = 2 gives rows [x2, 0, x0, 0]
    # and [0, x3, 0, x1]
    f, detections = counting(lambda x, k: x[:k] * x[k:2 * k])
    jac = ad.jacfwd(f, sparsity="auto")
    x = np.array([0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(jac(x, 1).toarray(), [[1, 0, 0, 0]])
    np.testing.assert_array_equal(jac(x, 2).toarray(), [[2, 0, 0, 0], [0, 3, 0, 1]])
    jac(x, 1)
    assert len(detections) == 2


def test_an_index_array_argument_keys_the_cache():
    # y = x[idx]²: row r has 2 x[idx[r]] in column idx[r]
    jac = ad.jacfwd(lambda x, idx: x[idx] ** 2, sparsity="auto")
    np.testing.assert_array_equal(jac(X, np.array([0, 1])).toarray(), [[2, 0, 0], [0, 4, 0]])
    np.testing.assert_array_equal(jac(X, np.array([2, 0])).toarray(), [[0, 0, 6], [2, 0, 0]])


def test_an_unhashable_argument_is_detected_at_every_call():
    f, detections = counting(lambda x, opts: x[:opts.k] ** 2)
    jac = ad.jacfwd(f, sparsity="auto")
    opts = types.SimpleNamespace(k=1)   # unhashable: it cannot be told apart once changed
    np.testing.assert_array_equal(jac(X, opts).toarray(), [[2, 0, 0]])
    opts.k = 2
    np.testing.assert_array_equal(jac(X, opts).toarray(), [[2, 0, 0], [0, 4, 0]])
    assert len(detections) == 2


def test_a_float_argument_is_traced_and_reused():
    # d(sin(t) y²)/dy = diag(2 sin(t) y) for any t: one detection
    f, detections = counting(lambda y, t: np.sin(t) * y ** 2)
    jac = ad.jacfwd(f, sparsity="auto")
    for t in (0.5, 1.5):
        np.testing.assert_allclose(jac(X, t).toarray(), np.diag(2 * np.sin(t) * X), rtol=1e-15)
    assert len(detections) == 1


def test_a_given_pattern_is_copied():
    pattern = np.eye(3, dtype=bool) | np.eye(3, k=1, dtype=bool)
    jac = ad.jacfwd(lambda x: x * np.concatenate((x[1:], [1.0])), sparsity=pattern)
    jac(X)
    pattern[:] = False   # a change to the caller's array after the fact is not seen
    # y_i = x_i x_(i+1) (y_2 = x_2): rows [x1, x0, 0], [0, x2, x1], [0, 0, 1]
    np.testing.assert_array_equal(jac(X).toarray(), [[2, 1, 0], [0, 3, 2], [0, 0, 1]])
