"""np.pad, select, rot90, rollaxis, h/v/dsplit, append, linspace/geomspace/logspace,
diag_indices_from, einsum's sublist form and cross with axis keywords on duals: the
behaviours the conformance suite (tests/conformance.py ARRAY_CASES, against differences of
NumPy) does not pin down by itself. References are hand-derived or central differences of
the plain NumPy call.
"""
import warnings

import numpy as np
import pytest

import dualad as ad
import conformance as cf


def _jac_by_differences(f, x):
    """The Jacobian of ``f`` at ``x`` by Ridders' extrapolated central differences."""
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1.0

        def g(t, e=e):
            return np.asarray(f(x + t * e.reshape(x.shape)), dtype=complex)
        cols.append(cf.richardson(g, 1e-2)[0])
    return np.stack(cols, axis=-1).reshape(np.shape(f(x)) + x.shape)


# --- np.pad -------------------------------------------------------------------------------

def test_pad_corner_takes_the_last_axis_fill_value():
    # NumPy fills axis 0's pads first, then axis 1's over the full height: the corner is
    # the fill of axis 1 (before), c[1][0]; by hand d corner / d c = [[0, 0], [1, 0]]
    a = np.arange(4.0).reshape(2, 2)
    c = np.array([[1.0, 2.0], [3.0, 4.0]])
    J = ad.jacobian(lambda c: np.pad(np.zeros_like(c[:, :1]) + a, 1, constant_values=c), c)
    assert np.array_equal(J[0, 0], [[0.0, 0.0], [1.0, 0.0]])   # corner: c[1][0]
    assert np.array_equal(J[0, 1], [[1.0, 0.0], [0.0, 0.0]])   # axis 0's pad: c[0][0]
    assert np.array_equal(J[1, 1], np.zeros((2, 2)))           # no fill inside


def test_pad_linear_ramp_is_linear_in_the_end_value():
    # width 2: the ramp is end, (end + edge)/2, then the edge: d/d end = 1, 1/2, 0, ...
    x = np.array([1.0, 5.0])
    f = lambda e: np.pad(x + 0 * e, 2, mode="linear_ramp", end_values=e)[:3]
    assert np.allclose(ad.derivative(f, 3.0), [1.0, 0.5, 0.0])


def test_pad_width_by_axis_dict():
    x = np.arange(6.0).reshape(2, 3)
    f = lambda v: np.pad(v, {1: (2, 0)}, mode="wrap")
    J = ad.jacobian(f, x)
    assert J.shape == (2, 5, 2, 3) and np.array_equal(J[0, 0], [[0, 1, 0], [0, 0, 0]])


def test_pad_maximum_takes_the_tangent_of_the_largest_entry():
    x = np.array([0.5, 3.0, -1.0, 2.0])
    J = ad.jacobian(lambda v: np.pad(v, (1, 0), mode="maximum"), x)
    assert np.array_equal(J[0], [0.0, 1.0, 0.0, 0.0])


def test_pad_median_of_an_even_count_shares_the_two_middle_tangents():
    x = np.array([4.0, 1.0, 3.0, 2.0])   # middle entries 2 and 3 (positions 3 and 2)
    J = ad.jacobian(lambda v: np.pad(v, (0, 1), mode="median"), x)
    assert np.array_equal(J[-1], [0.0, 0.0, 0.5, 0.5])


def test_pad_reflect_odd_at_second_order_is_the_hand_hessian():
    # pad is a linear map P (columns: the padded unit vectors), so for f = sum((P v)**3)
    # the Hessian is P^T diag(6 P v) P
    x = np.array([0.3, -1.2, 0.8, 2.0])
    pad = lambda v: np.pad(v, 3, mode="reflect", reflect_type="odd")
    P = np.stack([pad(e) for e in np.eye(4)], axis=1)
    H = ad.hessian(lambda v: np.sum(pad(v) ** 3))(x)
    assert np.allclose(H, P.T @ np.diag(6 * (P @ x)) @ P, rtol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    (dict(mode="empty"), "mode='empty'"),
    (dict(mode=lambda vector, width, axis, kw: None), "mode=<function"),
    (dict(mode="mean", stat_length=ad.Dual(2.0, 1.0)), "dual stat_length="),
])
def test_pad_refuses_what_it_cannot_differentiate(kwargs, message):
    x = ad.DualArray(np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match=message):
        np.pad(x, 1, **kwargs)


def test_pad_refuses_a_dual_width():
    with pytest.raises(TypeError, match="dual pad_width"):
        np.pad(ad.DualArray(np.ones(3), np.ones(3)), ad.Dual(1.0, 1.0))


def test_pad_keeps_numpys_error_for_a_keyword_the_mode_does_not_take():
    with pytest.raises(ValueError, match="unsupported keyword"):
        np.pad(ad.DualArray(np.ones(3), np.ones(3)), 1, mode="edge", stat_length=1)


def test_pad_of_a_plain_array_with_a_dual_fill_refuses_rather_than_drops():
    # NumPy dispatches np.pad on the array alone: the dual fill reaches NumPy's own code
    with pytest.raises(TypeError, match="drop its derivative"):
        ad.derivative(lambda c: np.pad(np.ones(2), 1, constant_values=c), 1.0)


def test_pad_sparsity_of_a_statistic_is_every_entry_it_may_select():
    # the maximum of the first two entries pads the front: it may be either of them
    pattern = ad.jacobian_sparsity(lambda v: np.pad(v, (1, 0), mode="maximum",
                                                    stat_length=2), np.ones(3))
    assert np.array_equal(pattern.toarray(), [[1, 1, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]])


def test_pad_sparsity_of_a_dual_fill_value():
    pattern = ad.jacobian_sparsity(lambda v: np.pad(v[:2], 1, constant_values=v[2:]),
                                   np.ones(4))
    assert np.array_equal(pattern.toarray(), [[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 0],
                                              [0, 0, 0, 1]])


# --- np.select ----------------------------------------------------------------------------

def test_select_takes_the_first_true_condition_then_the_default():
    x = np.array([1.0, 2.0, 3.0])
    conditions = [np.array([True, False, False]), np.array([True, True, False])]
    J = ad.jacobian(lambda v: np.select(conditions, [v, 2 * v], v[0] * 10), x)
    # entry 0: first choice (1); entry 1: second choice (2); entry 2: the default 10 v0
    assert np.array_equal(J, [[1, 0, 0], [0, 2, 0], [10, 0, 0]])


def test_select_sparsity_is_the_chosen_entries():
    conditions = [np.array([True, False, False])]
    pattern = ad.jacobian_sparsity(lambda v: np.select(conditions, [v], v[::-1]), np.ones(3))
    assert np.array_equal(pattern.toarray(), [[1, 0, 1], [0, 1, 0], [1, 0, 1]])


# --- evenly spaced numbers ------------------------------------------------------------------

def test_linspace_with_a_constant_stop_in_taylor_mode():
    # linspace(s, 2, 3)[1] = (s + 2)/2: the coefficients (s + 2)/2, 1/2, 0 (a constant stop
    # is no zero series: the map is affine in s, not linear)
    assert ad.taylor(lambda s: np.linspace(s, 2.0, 3)[1], 1.0, 2) == pytest.approx([1.5, 0.5, 0.0])


def test_append_of_a_constant_in_taylor_mode():
    coeffs = ad.taylor(lambda s: np.sum(np.append(s * np.ones(2), [5.0])), 1.0, 2)
    assert coeffs == pytest.approx([7.0, 2.0, 0.0])


def test_linspace_retstep_gives_the_step_derivative():
    # step = (stop - start)/(num - 1): d/dstart = -1/4
    step = lambda s: np.linspace(s, 3.0, 5, retstep=True)[1]
    assert ad.derivative(step, 1.0) == pytest.approx(-0.25)


def test_linspace_to_integers_is_piecewise_constant():
    x = ad.DualArray(np.array(0.5), np.array(1.0))
    out = np.linspace(x, 10.0, 4, dtype=int)
    assert type(out) is np.ndarray and np.array_equal(out, np.linspace(0.5, 10.0, 4, dtype=int))


def test_geomspace_middle_is_the_geometric_mean():
    # geomspace(s, t, 3)[1] = sqrt(s t): d/ds = sqrt(t/s)/2
    assert ad.derivative(lambda s: np.geomspace(s, 8.0, 3)[1], 2.0) == pytest.approx(1.0)


def test_geomspace_between_negative_endpoints():
    # geomspace(-s, -8, 3)[1] = -sqrt(8 s): d/ds = -sqrt(8/s)/2 = -1 at s = 2
    assert ad.derivative(lambda s: np.geomspace(-s, -8.0, 3)[1], 2.0) == pytest.approx(-1.0)


def test_logspace_derivative_in_start():
    # logspace(s, 2, 3)[1] = 10**((s + 2)/2): d/ds = ln(10)/2 * 10**((s + 2)/2)
    got = ad.derivative(lambda s: np.logspace(s, 2.0, 3)[1], 0.0)
    assert got == pytest.approx(np.log(10) / 2 * 10.0)


def test_spaced_numbers_take_complex_endpoints_at_second_order():
    f = lambda s: np.geomspace(s, 1.0 + 2.0j, 4)[2]
    z = 0.7 - 0.4j
    ref, _ = cf.richardson(lambda t: ad.derivative(f, z + t), 1e-2)
    assert ad.derivative(f, z, n=2) == pytest.approx(ref, rel=1e-7)


# --- indices, sublists, cross products, rotations -----------------------------------------

def test_diag_indices_from_reads_the_primal():
    x = ad.DualArray(np.ones((3, 3)), np.ones((3, 3)))
    got = np.diag_indices_from(x)
    assert all(np.array_equal(g, r) for g, r in zip(got, np.diag_indices_from(np.ones((3, 3)))))


def test_einsum_sublist_form_is_the_string_form():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    ta, tb = np.ones_like(a), np.full_like(b, 0.5)
    sub = ad.jvp(lambda x, y: np.einsum(x, [0, 1], y, [1, 2], [0, 2]), (a, b), (ta, tb))
    assert np.array_equal(sub[0], np.einsum(a, [0, 1], b, [1, 2], [0, 2]))
    assert np.array_equal(sub[1], ta @ b + a @ tb)


def test_cross_of_two_dimensional_vectors_is_the_z_component():
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # NumPy 2 deprecates 2-vectors
        g = ad.gradient(lambda v: np.cross(v, b), a)
    assert np.array_equal(g, [b[1], -b[0]])   # d(a0 b1 - a1 b0)/da


def test_cross_axis_keyword_moves_the_vector_axis():
    a = np.array([[1.0, 0.5], [0.0, 2.0], [-1.0, 1.0]])   # two vectors as columns
    b = np.array([[0.0, 1.0, 2.0], [1.0, -1.0, 0.5]])     # two vectors as rows
    f = lambda x: np.cross(x, b, axisa=0, axisb=1, axisc=0)
    assert np.allclose(ad.jacobian(f, a), _jac_by_differences(f, a).real, atol=1e-10)


@pytest.mark.parametrize("f", [lambda v: np.rot90(v), lambda v: np.rollaxis(v, 1),
                               lambda v: np.hsplit(v, 3)[1], lambda v: np.vsplit(v, 2)[0]])
def test_rotations_and_splits_are_selections_under_sparsity_detection(f):
    x = np.arange(1.0, 13.0).reshape(2, 6)
    pattern = ad.jacobian_sparsity(f, x).toarray()
    assert np.array_equal(pattern, ad.jacobian(f, x).reshape(pattern.shape) != 0)
