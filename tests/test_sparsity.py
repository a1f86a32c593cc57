"""Sparsity detection, colouring and compressed seeding.

Expected patterns are derived by hand from the function's stencil; coloured Jacobians
and Hessians are compared with hand-derived matrices."""
import numpy as np
import pytest
import scipy.sparse as sp

import dualad as ad

from problems import bratu, bratu_jacobian

RNG = np.random.default_rng(7)


def band(n, lower, upper):
    i, j = np.indices((n, n))
    return (j - i <= upper) & (i - j <= lower)


def test_tridiagonal_pattern_of_a_stencil():
    pattern = ad.jacobian_sparsity(bratu, np.ones(7))
    assert sp.issparse(pattern)
    np.testing.assert_array_equal(pattern.toarray(), band(7, 1, 1))


def test_banded_pattern():
    def f(x):   # a 5-point stencil in 1-D: half-bandwidth 2
        xp = np.concatenate((np.zeros(2), x, np.zeros(2)))
        return xp[:-4] + xp[1:-3] + np.sin(xp[2:-2]) - xp[3:-1] ** 2 + np.exp(xp[4:])
    np.testing.assert_array_equal(ad.jacobian_sparsity(f, np.ones(9), sparse=False),
                                  band(9, 2, 2))


def test_block_pattern():
    def f(x):   # independent 3 x 3 blocks
        blocks = x.reshape(3, 3)
        return (np.exp(blocks) * np.sum(blocks, axis=1, keepdims=True)).ravel()
    expected = np.kron(np.eye(3, dtype=bool), np.ones((3, 3), dtype=bool))
    np.testing.assert_array_equal(ad.jacobian_sparsity(f, np.ones(9), sparse=False), expected)


def test_arrowhead_pattern():
    def f(x):   # every entry couples to x[0]; x[0]'s output sees everything
        head = np.sum(x ** 2)
        return np.concatenate(([head], x[1:] * x[0]))
    expected = np.eye(6, dtype=bool)
    expected[0, :] = True
    expected[:, 0] = True
    np.testing.assert_array_equal(ad.jacobian_sparsity(f, np.ones(6), sparse=False), expected)


def test_a_constant_factor_counts_as_possibly_non_zero_even_when_it_is_zero():
    # the detection looks at no number: 0 * x0 keeps its dependence on x0, since the
    # same code could multiply by a non-zero constant at the next call (a superset of the
    # true pattern is still exact: the entry is computed, as 0)
    f = lambda x: np.concatenate((np.zeros(1), x))[:-1] * x  # noqa: E731
    np.testing.assert_array_equal(ad.jacobian_sparsity(f, np.ones(3), sparse=False),
                                  [[1, 0, 0], [1, 1, 0], [0, 1, 1]])


def test_dense_pattern_and_scalar_code():
    m = ad.math
    pattern = ad.jacobian_sparsity(lambda v: [m.sin(v[0] * v[1]) + v[2], m.exp(v[2])],
                                   [1.0, 2.0, 3.0], sparse=False)
    np.testing.assert_array_equal(pattern, [[1, 1, 1], [0, 0, 1]])
    a = RNG.normal(size=(3, 4))
    np.testing.assert_array_equal(ad.jacobian_sparsity(lambda x: np.tanh(a @ x), np.ones(4),
                                                       sparse=False), np.ones((3, 4), bool))


def test_patterns_are_global_through_where():
    # both branches count, whichever one x takes
    f = lambda x: np.where(x > 0, x[::-1], x ** 2)  # noqa: E731
    expected = np.eye(4, dtype=bool) | np.eye(4, dtype=bool)[::-1]
    for x in (np.ones(4), -np.ones(4)):
        np.testing.assert_array_equal(ad.jacobian_sparsity(f, x, sparse=False), expected)


def test_a_closed_over_matrix_is_a_value_not_a_structure():
    # its zeros could be non-zero at the next call (the array may change in place): the
    # pattern of a @ x is dense; a banded structure is passed as sparsity= instead
    a = np.diag(np.ones(5)) + np.diag(np.ones(4), 1)
    np.testing.assert_array_equal(ad.jacobian_sparsity(lambda x: a @ x, np.ones(5),
                                                       sparse=False), np.ones((5, 5), bool))


@pytest.mark.parametrize("lower, upper", [(1, 1), (2, 2), (0, 3), (2, 0), (3, 3)])
def test_colour_count_equals_the_bandwidth(lower, upper):
    coloring = ad.color_columns(band(40, lower, upper))
    assert coloring.count == lower + upper + 1
    _assert_valid_column_coloring(band(40, lower, upper), coloring.colors)


def _assert_valid_column_coloring(pattern, colors):
    for row in np.asarray(pattern):
        used = colors[np.nonzero(row)[0]]
        assert len(used) == len(set(used.tolist()))


def test_random_pattern_colouring_is_valid():
    pattern = RNG.random((30, 40)) < 0.1
    _assert_valid_column_coloring(pattern, ad.color_columns(pattern).colors)


@pytest.mark.parametrize("sparsity", ["auto", "given"])
def test_coloured_jacobian_equals_dense(sparsity):
    u = np.linspace(0.1, 0.9, 23)
    pattern = band(23, 1, 1) if sparsity == "given" else "auto"
    jac = ad.jacfwd(bratu, sparsity=pattern)(u)
    assert isinstance(jac, sp.csr_array) and jac.shape == (23, 23)
    np.testing.assert_allclose(jac.toarray(), bratu_jacobian(u), rtol=1e-14)


def test_coloured_jacobian_with_argnums_and_chunks():
    def f(a, u):
        return a * bratu(u)
    u = np.linspace(0.1, 0.9, 11)
    jac = ad.jacfwd(f, argnums=1, sparsity="auto", chunk_size=1)(2.0, u)
    np.testing.assert_allclose(jac.toarray(), 2.0 * bratu_jacobian(u), rtol=1e-14)


def test_auto_pattern_is_cached_per_shape():
    calls = []

    def f(u):
        calls.append(type(u).__name__)
        return bratu(u)
    jac_fn = ad.jacfwd(f, sparsity="auto")
    jac_fn(np.ones(5))
    jac_fn(np.full(5, 0.5))
    jac_fn(np.ones(6))
    assert calls.count("PatternArray") == 2


def test_wrong_pattern_shape_is_a_value_error():
    with pytest.raises(ValueError, match="columns"):
        ad.jacfwd(bratu, sparsity=np.ones((5, 4), dtype=bool))(np.ones(5))
    with pytest.raises(ValueError, match="rows"):
        ad.jacfwd(bratu, sparsity=np.ones((4, 5), dtype=bool))(np.ones(5))
    with pytest.raises(ValueError, match="'auto'"):
        ad.jacfwd(bratu, sparsity="sometimes")(np.ones(5))


def rosenbrock(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_sparse_hessian_by_star_colouring():
    x = np.linspace(-1, 1, 12)
    hess = ad.hessian(rosenbrock, sparsity="auto")(x)
    assert isinstance(hess, sp.csr_array)
    from test_transforms import rosenbrock_hessian
    np.testing.assert_allclose(hess.toarray(), rosenbrock_hessian(x), rtol=1e-14)
    pattern = ad.jacobian_sparsity(lambda z: ad.gradient(rosenbrock, z), x)
    np.testing.assert_array_equal(pattern.toarray(), band(12, 1, 1))
    assert ad.star_color(pattern).count == 3


def test_star_colouring_recovers_a_banded_hessian():
    def f(x):   # couplings at distance 1 and 2
        return np.sum(x[:-1] * x[1:] ** 2) + np.sum(np.sin(x[:-2] * x[2:]))
    x = np.linspace(0.1, 1.3, 15)
    hess = ad.hessian(f, sparsity=band(15, 2, 2))(x)
    # By hand: a*b² gives 2b (a,b), 2a (b,b); sin(a*c) gives -c² sin (a,a),
    # cos - a*c*sin (a,c), -a² sin (c,c).
    expected = np.zeros((15, 15))
    for i in range(14):
        a, b = x[i], x[i + 1]
        expected[i, i + 1] += 2 * b
        expected[i + 1, i] += 2 * b
        expected[i + 1, i + 1] += 2 * a
    for i in range(13):
        a, c = x[i], x[i + 2]
        s = np.sin(a * c)
        expected[i, i] += -c ** 2 * s
        expected[i + 2, i + 2] += -a ** 2 * s
        expected[i, i + 2] += np.cos(a * c) - a * c * s
        expected[i + 2, i] += np.cos(a * c) - a * c * s
    np.testing.assert_allclose(hess.toarray(), expected, rtol=1e-13, atol=1e-14)


def test_repeated_calls_keep_their_own_structure():
    """The recovery is planned once; each result owns its index arrays, so changing one
    result's structure in place leaves the next results alone."""
    x = np.linspace(-1, 1, 9)
    from test_transforms import rosenbrock_hessian
    hess_fn = ad.hessian(rosenbrock, sparsity="auto")
    first = hess_fn(x)
    first.data[:] = 0.0
    first.eliminate_zeros()
    first.indices[:] = 0
    for point in (x, 0.5 * x):
        np.testing.assert_allclose(hess_fn(point).toarray(), rosenbrock_hessian(point),
                                   rtol=1e-14)
    u = np.linspace(0.1, 0.9, 10)
    jac_fn = ad.jacfwd(bratu, sparsity=band(10, 1, 1))
    jac_fn(u).indptr[:] = 0
    np.testing.assert_allclose(jac_fn(u).toarray(), bratu_jacobian(u), rtol=1e-14)


def test_recovery_checks_the_compressed_shape():
    from dualad.sparse import colouring
    pattern = sp.csr_array(band(6, 1, 1))
    recover = colouring.column_recovery(pattern, ad.color_columns(pattern))
    with pytest.raises(ValueError, match=r"compressed matrix has shape \(6, 2\), expected \(6, 3\)"):
        recover(np.ones((6, 2)))


def test_pattern_of_complex_sign_holds_its_dependence():
    # sign is piecewise constant on the reals, but sign z = z/|z| moves with z off them
    c = np.array([1 + 1j, 2 - 1j])
    f = lambda v: np.sign(c + 1j * v)   # noqa: E731
    x, h = np.array([1.0, 2.0]), 1e-6
    moving = np.array([np.abs(f(x + h * e) - f(x - h * e)) / (2 * h) > 1e-3
                       for e in np.eye(2)]).T     # central differences of plain NumPy
    np.testing.assert_array_equal(moving, np.eye(2, dtype=bool))
    np.testing.assert_array_equal(ad.jacobian_sparsity(f, x).toarray(), moving)



def test_a_refused_detection_leaves_the_array_layer_undeferred():
    """The array layer defers to pattern duals only while a detection runs (its hooks in
    dualad.base.carriers.ACTIVE): a refused detection takes them off again."""
    from dualad.base import carriers
    from dualad.sparse.patterns import PatternBranchError, detecting

    def branches(u):
        return u if u[0] > 0 else -u
    with pytest.raises(PatternBranchError):
        ad.jacobian_sparsity(branches, np.ones(3))
    assert carriers.ACTIVE == [] and not detecting()
