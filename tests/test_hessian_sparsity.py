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


def test_code_that_makes_an_object_array_takes_one_run(routes):
    # scipy.optimize.rosen calls np.asarray(x): in a Hessian detection an object array of
    # 0-d pattern arrays, each operation on its elements recording its pairs
    from scipy.optimize import rosen, rosen_hess
    x = np.linspace(-1.0, 1.5, 12)
    got = ad.hessian(rosen, sparsity="auto")(x)
    np.testing.assert_allclose(got.toarray(), rosen_hess(x), rtol=1e-13, atol=1e-12)
    assert routes == ["one run"]


def test_an_object_array_next_to_pattern_arrays_keeps_its_dependence(routes):
    def f(x):
        y = np.asarray(x)                     # entries as 0-d pattern arrays
        z = np.concatenate([x[:2], y[2:]])    # stacked back, not read as a constant
        return np.sum(z[:-1] * z[1:]) + np.sum(np.sin(y) * y[0])
    x = np.linspace(0.2, 1.1, 5)
    got = ad.hessian(f, sparsity="auto")(x).toarray()
    np.testing.assert_allclose(got, ad.hessian(f)(x), rtol=1e-13, atol=1e-14)
    want = np.eye(5, k=1) + np.eye(5, k=-1) + np.eye(5)   # by hand: the chain, sin's
    want[0, :] = want[:, 0] = 1                            # diagonal, x_0 times every sin
    np.testing.assert_array_equal(pattern_of(f, x).toarray(), want.astype(bool))
    assert routes == ["one run"]


def test_outside_a_hessian_detection_np_asarray_of_a_pattern_still_refuses():
    with pytest.raises(ad.sparse.patterns.PatternBranchError, match="plain ndarray"):
        ad.jacobian_sparsity(lambda x: np.asarray(x) * 2.0, np.ones(3))


def test_a_branch_is_still_refused(routes):
    hess = ad.hessian(lambda x: np.sum(x ** 2) if x[0] > 0 else x[0], sparsity="auto")
    with pytest.raises(ad.sparse.patterns.PatternBranchError, match="truth value"):
        hess(np.ones(3))


def test_a_pattern_too_dense_to_pay_is_refused_by_name(monkeypatch):
    monkeypatch.setattr(curvature, "MAX_PAIRS", 1000)
    with pytest.raises(curvature.TooDense, match="more than 1,000 entries.*without sparsity"):
        ad.hessian(lambda x: np.sum(x) ** 2, sparsity="auto")(np.ones(40))


# --- detected patterns shared by the transformation objects of one function ------------

@pytest.fixture
def detections(monkeypatch):
    """How many first-order and Hessian detections run."""
    count = {"jacfwd": 0, "hessian": 0}
    detect, detect_hessian = transforms_sparse.detect, transforms_sparse.detect_hessian

    def counted_detect(*args, **kwargs):
        count["jacfwd"] += 1
        return detect(*args, **kwargs)

    def counted_hessian(*args, **kwargs):
        count["hessian"] += 1
        return detect_hessian(*args, **kwargs)
    monkeypatch.setattr(transforms_sparse, "detect", counted_detect)
    monkeypatch.setattr(transforms_sparse, "detect_hessian", counted_hessian)
    return count


def residual(u):
    return u[:-2] - 2.0 * u[1:-1] + u[2:] + 0.5 * np.exp(u[1:-1])


def test_a_new_transformation_object_of_the_same_function_does_not_detect_again(detections):
    x = np.linspace(0.0, 1.0, 12)
    first = ad.hessian(chained_rosenbrock, sparsity="auto")(x)
    second = ad.hessian(chained_rosenbrock, sparsity="auto")(x)
    assert detections["hessian"] == 1
    np.testing.assert_array_equal(first.toarray(), second.toarray())
    ad.jacfwd(residual, sparsity="auto")(x)
    jac = ad.jacfwd(residual, sparsity="auto")(x)
    assert detections["jacfwd"] == 1
    h = 1e-6   # the Jacobian against central differences of the plain residual
    central = np.stack([(residual(x + h * e) - residual(x - h * e)) / (2 * h)
                        for e in np.eye(12)], axis=1)
    np.testing.assert_allclose(jac.toarray(), central, rtol=1e-8, atol=1e-8)
    ad.jacfwd(residual, sparsity="auto")(np.linspace(0.0, 1.0, 13))   # another shape
    assert detections["jacfwd"] == 2


def test_a_closure_bound_to_another_object_detects_again(detections):
    def make():
        weight = np.ones(6)

        def f(x):
            return np.sum(weight * x ** 2)

        def rebind(w):
            nonlocal weight
            weight = w
        return f, rebind
    f, rebind = make()
    x = np.linspace(0.5, 1.0, 6)
    ad.hessian(f, sparsity="auto")(x)
    rebind(np.arange(6.0))   # another object: the pattern is detected again
    got = ad.hessian(f, sparsity="auto")(x)
    assert detections["hessian"] == 2
    np.testing.assert_allclose(got.toarray(), np.diag(2.0 * np.arange(6.0)))


def test_has_aux_and_fresh_lambdas_do_not_share(detections):
    x = np.linspace(0.0, 1.0, 8)
    ad.jacfwd(residual, sparsity="auto")(x)
    ad.jacfwd(lambda u: (residual(u), 0.0), sparsity="auto", has_aux=True)(x)
    ad.jacfwd(lambda u: residual(u), sparsity="auto")(x)
    ad.jacfwd(lambda u: residual(u), sparsity="auto")(x)
    assert detections["jacfwd"] == 4


MODE = "diagonal"


def by_mode(x):
    return np.sum(x ** 2) if MODE == "diagonal" else np.sum(x) ** 2


def test_a_global_bound_to_another_object_detects_again(detections, monkeypatch):
    x = np.linspace(0.5, 1.0, 4)
    assert ad.hessian(by_mode, sparsity="auto")(x).nnz == 4
    monkeypatch.setitem(globals(), "MODE", "dense")
    got = ad.hessian(by_mode, sparsity="auto")(x)   # a new object, a new detection
    assert detections["hessian"] == 2
    np.testing.assert_allclose(got.toarray(), np.full((4, 4), 2.0))


def test_a_dense_product_is_refused_before_it_is_formed():
    # sum(cumprod(x)) at n = 3000: about n³/3 pair products, refused from the row counts
    with pytest.raises(curvature.TooDense, match="20,000,000 entries"):
        ad.hessian(lambda x: np.sum(np.cumprod(x)), sparsity="auto")(np.ones(3000))


def by_mode_through_a_helper(x):
    return by_mode(x)   # the global MODE is named by the helper, not by this function


def test_a_global_a_helper_reads_bound_to_another_object_detects_again(monkeypatch):
    x = np.linspace(0.5, 1.0, 4)
    assert ad.hessian(by_mode_through_a_helper, sparsity="auto")(x).nnz == 4
    monkeypatch.setitem(globals(), "MODE", "dense")
    got = ad.hessian(by_mode_through_a_helper, sparsity="auto")(x)   # a new object
    np.testing.assert_allclose(got.toarray(), np.full((4, 4), 2.0))   # H of (Σx)² by hand


def test_a_closure_a_nested_helper_reads_rebound_detects_again():
    def make():
        mode = "diagonal"

        def helper(x):
            return np.sum(x ** 2) if mode == "diagonal" else np.sum(x) ** 2

        def f(x):
            return helper(x)

        def rebind(m):
            nonlocal mode
            mode = m
        return f, rebind
    f, rebind = make()
    x = np.linspace(0.5, 1.0, 4)
    assert ad.hessian(f, sparsity="auto")(x).nnz == 4
    rebind("dense")
    got = ad.hessian(f, sparsity="auto")(x)
    np.testing.assert_allclose(got.toarray(), np.full((4, 4), 2.0))


def test_keyword_defaults_changed_in_place_detect_again():
    def f(x, *, mode="diagonal"):
        return np.sum(x ** 2) if mode == "diagonal" else np.sum(x) ** 2
    x = np.linspace(0.5, 1.0, 4)
    assert ad.hessian(f, sparsity="auto")(x).nnz == 4
    f.__kwdefaults__["mode"] = "dense"
    got = ad.hessian(f, sparsity="auto")(x)
    np.testing.assert_allclose(got.toarray(), np.full((4, 4), 2.0))


def test_array_defaults_replaced_compare_by_identity():
    def f(x, weight=np.ones(4)):
        return np.sum(weight * x ** 2)
    x = np.linspace(0.5, 1.0, 4)
    ad.hessian(f, sparsity="auto")(x)
    f.__defaults__ = (np.arange(4.0),)   # not compared with == (which is elementwise)
    got = ad.hessian(f, sparsity="auto")(x)
    np.testing.assert_allclose(got.toarray(), np.diag(2.0 * np.arange(4.0)))


@pytest.mark.parametrize("sizes", [(5, 5), (5, 7)])
def test_detections_in_two_threads_at_once_keep_their_own_pairs(sizes):
    import threading
    barrier = threading.Barrier(2, timeout=20)
    calls = threading.local()

    def meet():   # the first call of f in each thread (the detection) waits for the other
        calls.count = getattr(calls, "count", 0) + 1
        if calls.count <= 2:
            barrier.wait()

    def chain(x):
        meet()    # both detections running: each operation's pairs are its own thread's
        out = np.sum((x[:-1] * x[1:]) ** 2)
        meet()
        return out

    def arrow(x):
        meet()
        out = np.sum(np.exp(x[0] * x))
        meet()
        return out
    points = [np.linspace(0.5, 1.0, size) for size in sizes]
    got = {}

    def run(f, x):
        got[f] = ad.hessian(f, sparsity="auto")(x).toarray()
    threads = [threading.Thread(target=run, args=(f, x)) for f, x in zip((chain, arrow), points)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls.count = 3   # this thread's calls do not meet
    for f, x in zip((chain, arrow), points):
        np.testing.assert_allclose(got[f], ad.hessian(f)(x), rtol=1e-13, atol=1e-13)


# A write into an array that a view was taken of: NumPy's view sees it, and so must the
# dual arrays' (dualad.arrays.views), at every level of a Hessian, though they copy a
# buffer they do not own on its first write. The expected values are by hand: f = x0 x1 x2.
X_VIEW = np.linspace(0.5, 1.5, 6)
HAND_GRADIENT = np.array([X_VIEW[1] * X_VIEW[2], X_VIEW[0] * X_VIEW[2],
                          X_VIEW[0] * X_VIEW[1], 0.0, 0.0, 0.0])


def through_a_view_of_a_result(x):
    z = x * 0.0          # a result: its buffer is copied on the first write
    w = z[::2]
    z[0] = x[1] * x[2]   # NumPy: w[0] is now x1 x2
    return np.sum(w * x[::2])


def through_a_view_of_zeros_like(x):
    z = np.zeros_like(x)
    w = z[::2]
    z[0] = x[1] * x[2]
    return np.sum(w * x[::2])


def test_a_view_sees_a_later_write_into_a_result():
    assert through_a_view_of_a_result(X_VIEW) == pytest.approx(0.315)   # plain NumPy
    np.testing.assert_allclose(ad.grad(through_a_view_of_a_result)(X_VIEW), HAND_GRADIENT,
                               rtol=1e-14)


def test_a_view_of_zeros_like_sees_a_later_write_at_second_order():
    np.testing.assert_allclose(ad.grad(through_a_view_of_zeros_like)(X_VIEW), HAND_GRADIENT,
                               rtol=1e-14)   # first order: right
    want = np.zeros((6, 6))
    want[0, 1] = want[1, 0] = X_VIEW[2]
    want[0, 2] = want[2, 0] = X_VIEW[1]
    want[1, 2] = want[2, 1] = X_VIEW[0]
    np.testing.assert_allclose(ad.hessian(through_a_view_of_zeros_like)(X_VIEW), want,
                               rtol=1e-14, atol=1e-15)


def first_entries_after_a_write(x):
    z = x.copy()
    y = z[:3]             # a view of z
    z[0] = x[4] * x[5]    # NumPy (and the dual arrays, z being a copy): y[0] = x4 x5
    return y


def first_row_after_a_write(x):
    z = x.copy()
    y = z.reshape(2, 3)[0]   # a view of a view (reshape) of z
    z[0] = x[4] * x[5]
    return y


@pytest.mark.parametrize("f", [first_entries_after_a_write, first_row_after_a_write])
def test_a_detected_pattern_sees_a_write_through_a_view(f):
    x = X_VIEW
    want = np.zeros((3, 6))   # by hand: y = (x4 x5, x1, x2)
    want[0, 4], want[0, 5], want[1, 1], want[2, 2] = x[5], x[4], 1.0, 1.0
    np.testing.assert_allclose(ad.jacfwd(f)(x), want, rtol=1e-15)
    np.testing.assert_allclose(ad.jacfwd(f, sparsity="auto")(x).toarray(), want, rtol=1e-15)
