"""Gathered tangents (an identity seed kept as (cols, vals), O(n·p) per operation):
Jacobians and Hessians through them against hand derivations, through operations that
scatter them into full tangents midway, in careful mode, nested, complex."""
import numpy as np
import pytest

import dualad as ad
from dualad.arrays.array import DualArray
from dualad.arrays.gathered import gathered_seed

from problems import bratu, bratu_jacobian

RNG = np.random.default_rng(20261122)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    """By hand: H_ii = 1200 x_i² - 400 x_{i+1} + 2 (i < n-1) + 200 (i > 0),
    H_{i,i+1} = -400 x_i."""
    n = x.size
    d = np.zeros(n)
    d[:-1] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    d[1:] += 200
    return np.diag(d) + np.diag(-400 * x[:-1], 1) + np.diag(-400 * x[:-1], -1)


@pytest.mark.parametrize("n", [3, 50, 1000])
def test_bratu_jacobian_in_one_gathered_pass(n):
    u = np.linspace(0.1, 0.9, n)
    np.testing.assert_allclose(ad.jacfwd(bratu)(u), bratu_jacobian(u), rtol=1e-13,
                               atol=1e-9)


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_bratu_jacobian_in_gathered_chunks(chunk):
    u = np.linspace(0.1, 0.9, 64)
    np.testing.assert_allclose(ad.jacfwd(bratu, chunk_size=chunk)(u), bratu_jacobian(u),
                               rtol=1e-13, atol=1e-9)


@pytest.mark.parametrize("n", [2, 10, 100])
def test_rosenbrock_hessian(n):
    x = RNG.uniform(-1.5, 1.5, n)
    np.testing.assert_allclose(ad.hessian(rosenbrock)(x), rosenbrock_hessian(x), rtol=1e-14,
                               atol=1e-12)


def test_hessian_of_a_chain_of_exponentials():
    """f = Σ exp(x_i x_{i+1}); by hand, per term t = exp(x_i x_{i+1}): x_{i+1}² t,
    (1 + x_i x_{i+1}) t and x_i² t."""
    x = RNG.uniform(-1, 1, 12)
    t = np.exp(x[:-1] * x[1:])
    want = np.zeros((12, 12))
    i = np.arange(11)
    np.add.at(want, (i, i), x[1:] ** 2 * t)
    np.add.at(want, (i + 1, i + 1), x[:-1] ** 2 * t)
    want[i, i + 1] += (1 + x[:-1] * x[1:]) * t
    want[i + 1, i] += (1 + x[:-1] * x[1:]) * t
    got = ad.hessian(lambda v: np.sum(np.exp(v[:-1] * v[1:])))(x)
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


def test_many_shifted_slices_scatter_into_a_full_tangent():
    """A 21-tap moving sum appends more columns than are kept gathered: the tangent is
    scattered midway and the Jacobian (a band of ones) is still exact."""
    x = RNG.uniform(-1, 1, 200)

    def moving_sum(v):
        return sum(v[j:180 + j] for j in range(21))
    want = np.zeros((180, 200))
    for j in range(21):
        want[np.arange(180), np.arange(180) + j] = 1.0
    np.testing.assert_array_equal(ad.jacfwd(moving_sum)(x), want)


def test_operations_without_a_gathered_path_scatter_first():
    """cumsum, matmul, broadcasting, reversal, fancy and integer indexing midway."""
    x = RNG.uniform(0.5, 1.5, 9)
    a = RNG.standard_normal((4, 9))

    def f(v):
        w = np.cumsum(np.sin(v)) * v[::-1]
        return np.concatenate((a @ w, v[[1, 3, 3]] * v[0], (v[:, None] * v[None, :])[2]))
    # by hand: w_i = c_i r_i with c = cumsum(sin v), r = v reversed
    c, r = np.cumsum(np.sin(x)), x[::-1]
    dw = np.tril(np.tile(np.cos(x), (9, 1))) * r[:, None]
    dw[np.arange(9), 8 - np.arange(9)] += c
    want = np.zeros((4 + 3 + 9, 9))
    want[:4] = a @ dw
    for row, j in enumerate([1, 3, 3]):
        want[4 + row, j] += x[0]
        want[4 + row, 0] += x[j]
    want[7:, 2] += x
    want[7:, :] += np.eye(9) * x[2]
    np.testing.assert_allclose(ad.jacfwd(f)(x), want, rtol=1e-13, atol=1e-14)


def test_gathered_identity_and_permutations():
    x = RNG.uniform(-1, 1, 6)
    np.testing.assert_array_equal(ad.jacfwd(lambda v: v)(x), np.eye(6))
    np.testing.assert_array_equal(ad.jacfwd(lambda v: v[::-1])(x), np.eye(6)[::-1])
    np.testing.assert_array_equal(ad.jacfwd(lambda v: -v[1:4])(x), -np.eye(6)[1:4])


def test_sqrt_at_zero_in_careful_mode():
    """0·inf lanes: only the moving lane is inf (the gathered tangent has no other lanes)."""
    jac = ad.jacfwd(lambda v: np.sqrt(v) * 2.0 + v)(np.array([0.0, 1.0, 4.0]))
    np.testing.assert_array_equal(jac, [[np.inf, 0, 0], [0, 2.0, 0], [0, 0, 1.5]])


def test_complex_values_through_gathered_tangents():
    x = np.linspace(0, 1, 5)
    jac = ad.jacfwd(lambda v: np.exp(1j * v) * v)(x)
    np.testing.assert_allclose(jac, np.diag(np.exp(1j * x) * (1 + 1j * x)), rtol=1e-15)


def test_third_derivatives_nest_gathered_levels():
    """jacfwd of the Hessian of Σ x⁴/24: the tensor with x_i at (i, i, i), zero elsewhere."""
    x = RNG.uniform(-1, 1, 5)
    got = ad.jacfwd(ad.hessian(lambda v: np.sum(v ** 4) / 24))(x)
    want = np.zeros((5, 5, 5))
    want[np.arange(5), np.arange(5), np.arange(5)] = x
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


def test_a_gathered_seed_scatters_to_the_identity_columns_it_moves():
    x = np.arange(6.0).reshape(2, 3)
    d = gathered_seed(x, 1, k=2, shift=3)   # entries 3 and 4 move along directions 0, 1
    assert isinstance(d, DualArray) and d.cols is not None
    want = np.zeros((2, 3, 2))
    want[1, 0, 0] = want[1, 1, 1] = 1.0
    np.testing.assert_array_equal(d.tangent, want)
    assert d.cols is None   # scattered once, then kept


def test_sum_of_a_gathered_array_and_of_its_slices():
    x = RNG.uniform(-1, 1, 7)
    np.testing.assert_allclose(ad.gradient(lambda v: np.sum(v * v) + v[2:5].sum(), x),
                               2 * x + (np.arange(7) >= 2) * (np.arange(7) < 5), rtol=1e-15)


# --- found in review: each failed before its fix ---------------------------------------

def test_gathered_operands_of_two_differentiations_of_one_size_stay_apart():
    x3 = np.array([1.0, 2.0, 3.0])
    # d/dx of the gradient in y of Σ x y²  = diag(2y) at y = x3
    np.testing.assert_array_equal(
        ad.jacfwd(lambda x: ad.gradient(lambda y: np.sum(x * y ** 2), x3))(x3),
        np.diag([2.0, 4.0, 6.0]))
    # Σ_ij d/dy_j (x_i² y_i) = Σ x_i²: Hessian 2I
    np.testing.assert_array_equal(
        ad.hessian(lambda x: np.sum(ad.jacfwd(lambda y: x ** 2 * y)(x3)))(x3),
        2 * np.eye(3))
    np.testing.assert_allclose(
        ad.jacfwd(lambda x: np.diag(ad.jacfwd(lambda y: y / x)(x3)))(x3),
        np.diag(-1 / x3 ** 2), rtol=1e-15)


def test_y_minus_y_is_zero_for_a_lazily_scaled_tangent():
    x = np.array([0.5, 1.0, 1.5])
    np.testing.assert_array_equal(ad.jacfwd(lambda v: (lambda y: y - y)(np.sin(v * v[0])))(x),
                                  np.zeros((3, 3)))


def test_list_operands_of_ufuncs():
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(ad.jacfwd(lambda v: np.multiply(v, [1.0, 2.0, 3.0]))(x),
                                  np.diag([1.0, 2.0, 3.0]))


def test_abs_of_complex_arrays_is_not_holomorphic():
    """d|z| = Re(conj(z) dz)/|z|: along real x, |(1+i)x| has slope √2 (by hand)."""
    np.testing.assert_allclose(ad.jacfwd(lambda v: np.abs(v * (1 + 1j)))(np.array([1.0, 2.0])),
                               np.sqrt(2) * np.eye(2), rtol=1e-15)
    y, t = ad.jvp(np.abs, (np.array([3 + 4j, 0j]),), (np.array([1j, 1.0]),))
    np.testing.assert_allclose(t, [0.8, 0.0], rtol=1e-15)   # Re((3-4i) i)/5; abs'(0) = 0
    # Σ |(1+2i)x|³ = 5√5 Σ|x|³: second derivative 30√5 x
    np.testing.assert_allclose(
        ad.hessian(lambda v: np.sum(np.abs(v * (1 + 2j)) ** 3))(np.array([1.0, 2.0])),
        np.diag(30 * np.sqrt(5) * np.array([1.0, 2.0])), rtol=1e-14)


# --- one gathered pass, and its budget --------------------------------------------------

def test_gradient_of_a_long_vector_in_one_gathered_pass():
    """n = 20,000: past the size where a full n x n tangent would fit the budget, the
    gathered pass still runs once (no operation needs the full tangent). By hand."""
    x = np.linspace(-1, 1, 20000)
    want = np.zeros_like(x)
    want[:-1] += -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    want[1:] += 200 * (x[1:] - x[:-1] ** 2)
    np.testing.assert_allclose(ad.gradient(rosenbrock, x), want, rtol=1e-14, atol=1e-12)


@pytest.fixture
def small_budget(monkeypatch):
    import importlib
    passes_module = importlib.import_module("dualad.transforms.engine")
    monkeypatch.setattr(passes_module, "ONE_PASS_BYTES", 8 * 50 * 50)


def test_a_pass_over_budget_runs_again_in_chunks(small_budget):
    x = RNG.uniform(-1, 1, 120)
    np.testing.assert_array_equal(ad.jacfwd(np.cumsum)(x), np.tril(np.ones((120, 120))))


def test_a_swallowed_budget_stop_is_not_trusted(small_budget):
    calls = []

    def f(v):
        try:
            return np.cumsum(v)
        except BaseException:   # noqa: B036  (a careless f: must not change the result)
            calls.append("swallowed")
            return v * 0.0
    x = RNG.uniform(-1, 1, 120)
    np.testing.assert_array_equal(ad.jacfwd(f)(x), np.tril(np.ones((120, 120))))
    assert calls == ["swallowed"]


def test_a_nested_pass_over_budget_runs_again_in_chunks(small_budget):
    """Σ_i sin(x_i)² as sin(x) @ sin(x): Hessian diag(2cos²x - 2sin²x), by hand."""
    x = RNG.uniform(-1, 1, 60)
    np.testing.assert_allclose(ad.hessian(lambda v: np.sin(v) @ np.sin(v))(x),
                               np.diag(2 * np.cos(x) ** 2 - 2 * np.sin(x) ** 2),
                               rtol=1e-14, atol=1e-15)


# --- found in the second review ----------------------------------------------------------

def test_a_smaller_gathered_operand_on_either_side_broadcasts():
    x = np.linspace(0.1, 1, 12)
    e_last, e_first = np.eye(12)[-1:], np.eye(12)[:1]
    np.testing.assert_array_equal(ad.jacfwd(lambda v: v - v[-1:])(x), np.eye(12) - e_last)
    np.testing.assert_allclose(ad.jacfwd(lambda v: v * v[:1])(x),
                               x[0] * np.eye(12) + x[:, None] * e_first, rtol=1e-15)
    # Σ_ij x_ij x_i0: ∂/∂x_i0 = x_i0 + Σ_j x_ij, ∂/∂x_i1 = x_i0 (by hand)
    m = RNG.uniform(-1, 1, (3, 2))
    want = np.stack([m[:, 0] + m.sum(axis=1), m[:, 0]], axis=1)
    np.testing.assert_allclose(ad.gradient(lambda v: np.sum(v * v[:, :1]), m), want,
                               rtol=1e-15)


def test_hessian_with_a_row_of_a_matrix_input():
    """f = Σ_ij sin(x_ij) x_0j: by hand, H[0j,0j] = 2cos x_0j - x_0j sin x_0j,
    H[ij,ij] = -sin(x_ij) x_0j and H[ij,0j] = H[0j,ij] = cos x_ij for i = 1."""
    m = RNG.uniform(-1, 1, (2, 3))
    want = np.zeros((2, 3, 2, 3))
    for j in range(3):
        want[0, j, 0, j] = 2 * np.cos(m[0, j]) - m[0, j] * np.sin(m[0, j])
        want[1, j, 1, j] = -np.sin(m[1, j]) * m[0, j]
        want[1, j, 0, j] = want[0, j, 1, j] = np.cos(m[1, j])
    np.testing.assert_allclose(ad.hessian(lambda v: np.sum(np.sin(v) * v[0]))(m), want,
                               rtol=1e-14, atol=1e-15)


def test_a_pytree_output_of_a_long_input_reuses_the_one_pass():
    x = np.linspace(0.1, 1, 500)
    jac_sin, grad = ad.jacfwd(lambda v: (np.sin(v), np.sum(v ** 2)))(x)
    np.testing.assert_array_equal(jac_sin, np.diag(np.cos(x)))
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-15)


def _central_jacobian(f, x, h=1e-6):
    """Central differences of the plain NumPy function, column by column."""
    x = np.asarray(x, dtype=float)
    cols = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h
        e = e.reshape(x.shape)
        cols.append(((f(x + e) - f(x - e)) / (2 * h)).reshape(-1))
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


def _bratu_padded(pad):
    def f(u):
        h = 1.0 / (u.shape[0] + 1)
        up = np.concatenate(pad(u))
        return (up[:-2] - 2 * up[1:-1] + up[2:]) / h ** 2 + np.exp(u) + np.sin(u) * u ** 2
    return f


@pytest.mark.parametrize("pad", [
    lambda u: ([0.0], u, [0.0]),            # Python lists, as in the issue
    lambda u: ((0.0,), u, (0.0,)),          # tuples
    lambda u: (np.zeros(1), u, np.zeros(1)),
    lambda u: ([0], u, np.zeros(1)),        # an integer list
], ids=["lists", "tuples", "arrays", "int-list"])
@pytest.mark.parametrize("chunk", [None, 5])
def test_concatenate_with_list_constants_stays_gathered(pad, chunk):
    u = np.linspace(0.1, 0.9, 16)
    f = _bratu_padded(pad)
    np.testing.assert_allclose(ad.jacfwd(f, chunk_size=chunk)(u), bratu_jacobian(u),
                               rtol=1e-13, atol=1e-9)
    # the padded array itself is gathered (one column an entry), not a full tangent
    seen = []
    ad.jacfwd(lambda v: seen.append(np.concatenate(pad(v))) or v)(u)
    assert type(seen[0]) is DualArray and seen[0].cols is not None


def test_concatenate_of_lists_on_both_sides_and_a_longer_constant():
    u = np.linspace(-1.0, 1.0, 7)

    def f(v):
        w = np.concatenate(([1.0, 2.0], np.sin(v), [3.0, 4.0, 5.0]))
        return w * w[::-1]
    np.testing.assert_allclose(ad.jacfwd(f)(u), _central_jacobian(f, u), rtol=1e-8,
                               atol=1e-8)


def test_concatenate_with_a_number_refuses_as_numpy_does():
    u = np.linspace(0.1, 0.9, 4)
    with pytest.raises(ValueError, match="zero-dimensional"):
        np.concatenate((0.0, u))
    with pytest.raises(ValueError, match="zero-dimensional"):
        ad.jacfwd(lambda v: np.concatenate((0.0, v)))(u)


@pytest.mark.parametrize("chunk", [1, 3, 10, 40])
def test_chunks_of_a_matrix_input_are_gathered_with_a_shift(chunk):
    m = np.linspace(-1.0, 1.0, 40).reshape(5, 8)

    def f(x):
        return np.exp(x[:, 1:]) * np.sin(x[:, :-1]) + x[:, 1:] / (2.0 + x[:, :-1] ** 2)
    np.testing.assert_allclose(ad.jacfwd(f, chunk_size=chunk)(m), _central_jacobian(f, m),
                               rtol=1e-8, atol=1e-8)


def test_chunks_with_aux_and_two_outputs():
    u = np.linspace(0.1, 0.9, 30)

    def f(v):
        return (bratu(v), np.cumsum(v) * v[::-1]), np.sum(v)
    (j1, j2), aux = ad.jacfwd(f, has_aux=True, chunk_size=7)(u)
    assert aux == np.sum(u)
    np.testing.assert_allclose(j1, bratu_jacobian(u), rtol=1e-13, atol=1e-9)
    np.testing.assert_allclose(j2, _central_jacobian(lambda v: np.cumsum(v) * v[::-1], u),
                               rtol=1e-8, atol=1e-8)
