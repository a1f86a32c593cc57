"""The later sparse Hessian's fast paths (issue 16): the seed matrix kept with the plan,
lane-major seeds and buffers, gathered sums over shifted ranges by slices, and the nested
``vals`` products and joins written out. Each against a hand derivation, or against the
generic rule path it stands for, bit for bit."""
import numpy as np
import pytest

import dualad as ad
from differences import central_hessian
from dualad.arrays.array import DualArray, _make_array, _scaled
from dualad.arrays import gathered_nested, gathered_columns
from dualad.base import buffers
from dualad.core.rule_path import lanes, transformation_pass

RNG = np.random.default_rng(20261203)


def chained_rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    """By hand: H_ii = 1200 x_i² - 400 x_{i+1} + 2 (i < n-1) + 200 (i > 0),
    H_{i,i+1} = H_{i+1,i} = -400 x_i."""
    d = np.zeros(x.size)
    d[:-1] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
    d[1:] += 200
    return np.diag(d) + np.diag(-400 * x[:-1], 1) + np.diag(-400 * x[:-1], -1)


@pytest.mark.parametrize("n", [2, 300, 2000])
def test_sparse_rosenbrock_hessian_by_hand(n):
    """At 300 and 2000 rows the final sum takes the range path (more than MIN_ROWS)."""
    x = RNG.uniform(-1.5, 1.5, n)
    hess = ad.hessian(lambda v: chained_rosenbrock(v), sparsity="auto")
    want = rosenbrock_hessian(x)
    for _ in range(3):   # later calls reuse the seeds, the recovery and the buffers
        np.testing.assert_allclose(hess(x).toarray(), want, rtol=1e-14, atol=1e-11)


def test_later_hessians_at_new_points_are_right():
    hess = ad.hessian(lambda v: chained_rosenbrock(v), sparsity="auto")
    for _ in range(3):
        x = RNG.uniform(-1, 1, 500)
        np.testing.assert_allclose(hess(x).toarray(), rosenbrock_hessian(x), rtol=1e-14,
                                   atol=1e-11)


def test_a_write_into_the_argument_leaves_the_kept_seeds_as_they_were():
    """f writes into its (seeded) argument; the seed matrix kept with the plan is
    read-only, the write copies first, and the next call's Hessian is still right.
    f(x) = Σ x_i² x_{i+1} after x_0 := 2 x_0: by hand, with y = x, y_0 = 2 x_0."""
    def f(x):
        x[0] = 2 * x[0]
        return np.sum(x[:-1] ** 2 * x[1:])

    def by_hand(x):
        y = x.copy()
        y[0] *= 2
        n = x.size
        h = np.zeros((n, n))
        i = np.arange(n - 1)
        h[i, i] += 2 * y[1:]
        h[i, i + 1] += 2 * y[:-1]
        h[i + 1, i] += 2 * y[:-1]
        scale = np.ones(n)
        scale[0] = 2.0   # dy/dx = diag(2, 1, 1, ...)
        return h * scale[:, None] * scale[None, :]
    hess = ad.hessian(f, sparsity="auto")
    for _ in range(3):
        x = RNG.uniform(-1, 1, 400)
        np.testing.assert_allclose(hess(x).toarray(), by_hand(x), rtol=1e-14, atol=1e-13)


def test_reversed_columns_take_the_bincount_path():
    """x[::-1] makes columns that step by -1: not ranges; f = Σ x_i x_{n-1-i}, H = J + J^T
    with J the exchange matrix (so 2 on the anti-diagonal)."""
    n = 600
    x = RNG.uniform(-1, 1, n)
    got = ad.hessian(lambda v: np.sum(v * v[::-1]), sparsity="auto")(x).toarray()
    np.testing.assert_array_equal(got, 2 * np.fliplr(np.eye(n)))


# --- shifted ranges ------------------------------------------------------------------

def test_range_offsets():
    m = 400
    i = np.arange(m)
    assert gathered_columns.range_offsets(np.stack([i + 1, i, i + 7], axis=-1)) == [1, 0, 7]
    assert gathered_columns.range_offsets(np.stack([i, i[::-1]], axis=-1)) is None
    stepped = np.stack([i, i], axis=-1)
    stepped[200, 1] += 1
    assert gathered_columns.range_offsets(stepped) is None
    assert gathered_columns.range_offsets(i[:10, None]) is None   # few rows: bincount


def _sequential_scatter(offsets, vals, size):
    """out[o_j + i] += vals[i, j], rows in order and columns in order within a row (the
    order in which bincount adds), one addition at a time."""
    out = np.zeros((size,) + vals.shape[2:])
    for i in range(vals.shape[0]):
        for j, o in enumerate(offsets):
            out[o + i] = out[o + i] + vals[i, j]
    return out


@pytest.mark.parametrize("offsets", [[1, 0, 0], [0, 3, 1, 3], [2]])
def test_scatter_ranges_adds_in_bincount_order(offsets):
    m, k = 300, 3
    size = m + max(offsets)
    vals = RNG.standard_normal((m, len(offsets))) * 10.0 ** RNG.integers(-8, 8, (m, len(offsets)))
    tangent = RNG.standard_normal((m, len(offsets), k))
    np.testing.assert_array_equal(gathered_columns.scatter_ranges(offsets, vals, size),
                                  _sequential_scatter(offsets, vals, size))
    dual = _make_array(vals, tangent, 7, k)
    out = gathered_columns.scatter_ranges(offsets, dual, size)
    np.testing.assert_array_equal(out.value, _sequential_scatter(offsets, vals, size))
    np.testing.assert_array_equal(out.tangent, _sequential_scatter(offsets, tangent, size))


def test_scatter_ranges_refuses_offsets_outside():
    vals = np.ones((300, 2))
    assert gathered_columns.scatter_ranges([0, 1], vals, 300) is None
    assert gathered_columns.scatter_ranges([-1, 0], vals, 400) is None


# --- nested vals: products and joins against the rule path ----------------------------

def _dual(shape, k, tag=11, lane_major=False):
    tangent = RNG.standard_normal(shape + (k,))
    if lane_major:
        tangent = np.asfortranarray(tangent)
    return _make_array(RNG.standard_normal(shape), tangent, tag, k)


def _same(a, b):
    return type(a) is type(b) is DualArray and np.array_equal(a.value, b.value) and \
        np.array_equal(a.tangent, b.tangent)


@pytest.mark.parametrize("lane_major", [False, True])
@pytest.mark.parametrize("plain_vals", [False, True])
def test_rescaled_is_the_rule_paths_product(lane_major, plain_vals):
    n, q, k = 500, 3, 4
    p = _dual((n,), k, lane_major=lane_major)
    vals = RNG.standard_normal((n, q)) if plain_vals else _dual((n, q), k)
    with transformation_pass():
        got = gathered_nested.rescaled(p, vals)
        want = lanes(p, vals, 1)
    assert _same(got, want)
    assert buffers.lane_major(got.tangent) == lane_major


def test_rescaled_reads_a_scaled_tangent_as_the_rule_path_does():
    n, q, k = 300, 2, 3
    base = RNG.standard_normal((n, k))
    p = _scaled(RNG.standard_normal(n), RNG.standard_normal(n), base, None, 11, k)
    p2 = _scaled(p.value, p.scale, base, None, 11, k)
    vals = _dual((n, q), k)
    with transformation_pass():
        assert _same(gathered_nested.rescaled(p, vals), lanes(p2, vals, 1))


def test_rescaled_leaves_other_cases_to_the_rule_path():
    n, k = 300, 3
    p = _dual((n,), k)
    assert gathered_nested.rescaled(p, _dual((n, 1), k)) is None   # one column: fast path
    assert gathered_nested.rescaled(p, _dual((n, 2), k, tag=12)) is None   # another tag
    assert gathered_nested.rescaled(p, _dual((n, 2), k + 1)) is None   # other directions
    infinite = _dual((n,), k)
    infinite.value[3] = np.inf   # a non-finite partial: the lane rule's case
    assert gathered_nested.rescaled(infinite, _dual((n, 2), k)) is None
    nan_vals = _dual((n, 2), k)
    nan_vals.value[0, 1] = np.nan
    assert gathered_nested.rescaled(p, nan_vals) is None


@pytest.mark.parametrize("lane_major", [False, True])
@pytest.mark.parametrize("kinds", [("dual", "dual"), ("plain", "dual"), ("dual", "plain")])
def test_joined_is_the_rule_paths_concatenation(lane_major, kinds):
    n, k = 400, 3

    def operand(kind, q):
        if kind == "plain":
            return RNG.standard_normal((n, q))
        return _dual((n, q), k, lane_major=lane_major)
    a, b = operand(kinds[0], 2), operand(kinds[1], 1)
    with transformation_pass():
        got = gathered_nested.joined(a, b)
        want = np.concatenate((a, b), axis=-1)
    assert _same(got, want)
    assert buffers.lane_major(got.tangent) == lane_major


def test_joined_leaves_plain_operands_and_other_tags_alone():
    n, k = 300, 3
    assert gathered_nested.joined(np.ones((n, 1)), np.ones((n, 1))) is None
    assert gathered_nested.joined(_dual((n, 1), k), _dual((n, 1), k, tag=12)) is None
    assert gathered_nested.joined(_dual((n, 1), k), _dual((n - 1, 1), k)) is None


# --- lane-major buffers ----------------------------------------------------------------

def test_lane_major():
    f = np.asfortranarray(np.ones((1000, 3)))
    assert buffers.lane_major(f) and buffers.lane_major(f[:-1])
    assert buffers.lane_major(f[:-1][:, None, :])   # a length-1 axis counts for nothing
    assert not buffers.lane_major(np.ones((1000, 3)))
    assert not buffers.lane_major(np.ones(1000)[::2])
    assert not buffers.lane_major(np.broadcast_to(np.ones(3), (1000, 3)))


def test_like_keeps_a_lane_major_layout_and_never_hands_out_a_live_buffer():
    t = np.asfortranarray(RNG.standard_normal((200_000, 3)))   # over MIN_BYTES
    out = buffers.like(t)
    assert out.shape == t.shape and buffers.lane_major(out)
    out[...] = 1.0
    again = buffers.like(t)
    assert not np.shares_memory(out, again)
    assert buffers.like(np.ones((200_000, 3))).flags.c_contiguous


# np.reshape and np.ravel (C order) keep a gathered tangent gathered: before, they read the
# full tangent, n x n numbers, and a sparse Hessian of a function that reshapes to 2-D was
# quadratic in n (9.9 s at n = 16,000; now about 2 ms).
def paired(v):
    m = v.reshape(-1, 2)
    return np.sum(m[:, 0] ** 2 * m[:, 1]) + np.sum(np.sin(np.ravel(m)))


def test_a_reshape_to_pairs_gives_the_hand_derived_sparse_hessian():
    x = np.linspace(0.1, 1.0, 10)
    want = -np.diag(np.sin(x))   # by hand: x0^2 x1 on each pair, sin on the diagonal
    for i in range(0, 10, 2):
        want[i, i] += 2 * x[i + 1]
        want[i, i + 1] = want[i + 1, i] = 2 * x[i]
    np.testing.assert_allclose(ad.hessian(paired, sparsity="auto")(x).toarray(), want,
                               rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(ad.hessian(paired)(x), want, rtol=1e-15, atol=1e-15)


SHAPE_FUNCTIONS = {
    "reshape": lambda a: np.reshape(a, (3, 2)), "method": lambda a: a.reshape(-1),
    "ravel": np.ravel, "ravel-C": lambda a: np.ravel(a, order="C"),
    "T": lambda a: a.T, "transpose": lambda a: np.transpose(a, (1, 0)),
    "swapaxes": lambda a: np.swapaxes(a, 0, 1), "moveaxis": lambda a: np.moveaxis(a, 0, -1),
    "squeeze": lambda a: np.squeeze(a[:1]), "squeeze axis": lambda a: np.squeeze(a[:, :1], 1),
    "expand_dims": lambda a: np.expand_dims(a, 1), "expand_dims -1": lambda a: np.expand_dims(a, -1),
}
SELECTION_FUNCTIONS = {
    "flip": np.flip, "flip axis": lambda a: np.flip(a, 1), "fliplr": np.fliplr,
    "flipud": np.flipud, "roll": lambda a: np.roll(a, 2), "roll axis": lambda a: np.roll(a, -1, 1),
    "rot90": np.rot90, "take": lambda a: np.take(a, [5, 0, 0, 3]),
    "take axis wrap": lambda a: np.take(a, [4, -1, 2], axis=1, mode="wrap"),
    "tile": lambda a: np.tile(a, (1, 2)), "repeat": lambda a: np.repeat(a, 2, axis=0),
    "repeat flat": lambda a: np.repeat(a, [1, 0, 2, 1, 1, 0]),
}
DIFFERENCES = {
    "diff": np.diff, "diff axis 0": lambda a: np.diff(a, axis=0),
    "diff n=2": lambda a: np.diff(a, 2), "diff n=0": lambda a: np.diff(a, 0) * 1.0,
}
MOVERS = {**SHAPE_FUNCTIONS, **SELECTION_FUNCTIONS, **DIFFERENCES}


def assert_kept_gathered(do, rows, columns):
    """``do`` of an identity-seeded gathered (rows, columns) array stays gathered, with the
    value NumPy's and the tangent of the same function of the full identity seed."""
    from dualad.arrays.gathered import gathered_seed
    from dualad.base.tags import new_tag
    size = rows * columns
    x = gathered_seed(np.linspace(0.5, 1.5, size).reshape(rows, columns), new_tag())
    full = ad.DualArray(x.value, np.eye(size).reshape(rows, columns, size))
    out = do(x)
    assert out.cols is not None                     # still gathered
    np.testing.assert_array_equal(out.value, do(x.value))
    np.testing.assert_array_equal(out.tangent, do(full).tangent)


@pytest.mark.parametrize("how", sorted(SHAPE_FUNCTIONS) + sorted(SELECTION_FUNCTIONS))
def test_shape_functions_and_selections_keep_a_gathered_tangent_gathered(how):
    assert_kept_gathered(MOVERS[how], 2, 3)


@pytest.mark.parametrize("how", sorted(DIFFERENCES))
def test_differences_keep_a_gathered_tangent_gathered(how):
    # 64 directions: a gathered difference keeps up to 16 columns an entry (few directions
    # keep fewer, and take the full route)
    assert_kept_gathered(DIFFERENCES[how], 8, 8)


@pytest.mark.parametrize("how", sorted(MOVERS))
def test_sparse_hessians_through_shape_functions_selections_and_differences(how):
    do = MOVERS[how]

    def f(v):
        y = np.ravel(do(v.reshape(2, 3)))
        return np.sum(y[:-1] ** 2 * y[1:]) + np.sum(np.sin(y) * np.arange(y.size))
    x = np.linspace(0.2, 0.9, 6)
    dense = ad.hessian(f)(x)
    np.testing.assert_allclose(dense, central_hessian(f, x), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(ad.hessian(f, sparsity="auto")(x).toarray(), dense,
                               rtol=1e-14, atol=1e-14)


def test_a_fortran_order_reshape_of_a_gathered_tangent_takes_the_full_route():
    from dualad.arrays.gathered import gathered_seed
    from dualad.base.tags import new_tag
    x = gathered_seed(np.linspace(0.5, 1.5, 6), new_tag())
    out = np.reshape(x, (2, 3), order="F")
    want = np.eye(6)[np.reshape(np.arange(6), (2, 3), order="F")]   # by hand: entry -> input
    np.testing.assert_array_equal(out.tangent, want)


@pytest.mark.parametrize("dtype, want", [(np.float32, np.float32), (np.float16, np.float32),
                                         (np.float64, np.float64)])
def test_a_sparse_hessian_keeps_a_low_precision_input_s_dtype(dtype, want):
    # as the dense Hessian (float32 in, float32 out); scipy.sparse holds no float16
    x = np.linspace(0.2, 0.9, 6).astype(dtype)

    def f(v):
        return np.sum(v[1:] * v[:-1] ** 2)
    sparse = ad.hessian(f, sparsity="auto")(x)
    assert sparse.dtype == want
    np.testing.assert_array_equal(sparse.toarray(), ad.hessian(f)(x).astype(want))
