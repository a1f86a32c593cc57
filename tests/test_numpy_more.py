"""The NumPy functions issue 14 adds to the table (np.fft, convolve/correlate, gradient,
interp, polyfit, vander, order statistics, nan_to_num, lstsq, eig/eigvals): the
behaviours the generated conformance suite does not reach (conventions at ties and knots,
nan entries, refusals, every quantile method, eigenvector phases, Taylor mode), each
against central differences of the plain NumPy call or a hand-derived formula.
"""
import mpmath
import numpy as np
import pytest

import dualad as ad


def central(f, x, h=1e-6):
    """Central-difference Jacobian of a plain function f at a real array x."""
    x = np.asarray(x, dtype=float)
    y0 = np.asarray(f(x))
    jac = np.zeros(y0.shape + x.shape, dtype=np.result_type(y0, float))
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        jac[(...,) + idx] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h)
    return jac


RNG = np.random.default_rng(14)
X5 = np.array([1.0, 2.0, 0.5, -1.0, 0.25])


# --- np.fft -----------------------------------------------------------------------------

def test_the_issue_probe_gradient_of_an_fft_magnitude():
    f = lambda x: np.abs(np.fft.fft(x)).sum()
    np.testing.assert_allclose(ad.gradient(f, X5), central(f, X5), rtol=1e-7, atol=1e-9)


def test_jacobian_of_fft_is_the_dft_matrix():
    n = 5
    j, k = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    dft = np.exp(-2j * np.pi * j * k / n)   # by hand: y_j = sum_k x_k e^{-2 pi i jk/n}
    np.testing.assert_allclose(ad.jacobian(np.fft.fft, X5), dft, atol=1e-12)


def test_hessian_of_the_spectral_energy_is_parseval():
    # sum |fft(x)|^2 = n sum x^2 (Parseval): Hessian 2 n I, by hand
    h = ad.hessian(lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2))(X5)
    np.testing.assert_allclose(h, 2 * 5 * np.eye(5), atol=1e-11)


def test_taylor_series_of_a_transform_is_the_transform_of_the_coefficients():
    v = np.array([0.5, -1.0, 2.0, 0.0, 1.5])
    series = ad.taylor(lambda t: np.fft.rfft(X5 + t * v + t ** 2 * X5), 0.0, 3)
    for got, want in zip(series, [np.fft.rfft(X5), np.fft.rfft(v), np.fft.rfft(X5), 0 * X5[:3]]):
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_a_complex_tangent_of_a_real_transform_input_is_refused():
    with pytest.raises(TypeError, match="numpy.fft.rfft takes real input"):
        ad.jvp(np.fft.rfft, (X5,), (X5 * 1j,))


def test_fftfreq_with_a_dual_spacing():
    # f_k = k/(n d): df/dd = -f/d, by hand
    d = 0.3
    got = ad.derivative(lambda s: np.fft.fftfreq(6, s), d)
    np.testing.assert_allclose(got, -np.fft.fftfreq(6, d) / d, rtol=1e-14)
    got = ad.derivative(lambda s: np.fft.rfftfreq(6, s), d)
    np.testing.assert_allclose(got, -np.fft.rfftfreq(6, d) / d, rtol=1e-14)


def test_shifts_move_the_tangent_with_the_value():
    f = lambda x: np.fft.ifftshift(np.fft.fftshift(x.reshape(2, 3), axes=1) ** 2)
    x = np.arange(1.0, 7.0)
    np.testing.assert_allclose(ad.jacobian(f, x), central(f, x), rtol=1e-7, atol=1e-9)


# --- convolve, correlate, gradient --------------------------------------------------------

def test_convolve_jacobian_in_many_directions_is_a_toeplitz_matrix():
    v = np.array([1.0, -2.0, 0.5])
    jac = ad.jacobian(lambda a: np.convolve(a, v), X5)   # by hand: J[i, j] = v[i - j]
    want = np.array([[v[i - j] if 0 <= i - j < 3 else 0.0 for j in range(5)] for i in range(7)])
    np.testing.assert_array_equal(jac, want)


def test_correlate_conjugates_its_second_argument():
    a = RNG.normal(size=4) + 1j * RNG.normal(size=4)
    v = RNG.normal(size=2) + 1j * RNG.normal(size=2)
    dv = RNG.normal(size=2) + 1j * RNG.normal(size=2)
    _, tangent = ad.jvp(lambda w: np.correlate(a, w, "full"), (v,), (dv,))
    np.testing.assert_allclose(tangent, np.correlate(a, dv, "full"), atol=1e-14)   # linear


def test_convolve_with_a_scalar_in_many_directions():
    # NumPy reads a scalar as a 1-element sequence: d/dc convolve(c, v) = v (by hand)
    got = ad.jacobian(lambda c: np.convolve(c[0] * c[1], [1.0, 2.0]), np.array([2.0, 3.0]))
    np.testing.assert_array_equal(got, [[3.0, 2.0], [6.0, 4.0]])


def test_gradient_with_a_dual_spacing():
    f = np.array([0.5, 2.0, 1.0, 4.0, 3.5])
    # np.gradient(f, h) = np.gradient(f, 1)/h, so d/dh = -np.gradient(f, 1)/h^2 (by hand)
    got = ad.derivative(lambda h: np.gradient(f, h), 0.4)
    np.testing.assert_allclose(got, -np.gradient(f) / 0.4 ** 2, rtol=1e-14)


def test_gradient_with_dual_coordinates_is_refused():
    with pytest.raises(TypeError, match="dual coordinates"):
        ad.jacobian(lambda x: np.gradient(np.ones(5), x), np.arange(5.0))


# --- interp -------------------------------------------------------------------------------

XP = np.array([-1.0, 0.0, 1.5, 2.0])
FP = np.array([1.0, 3.0, -0.5, 2.0])


def test_interp_complex_values_at_real_points():
    fp = FP + 1j * np.array([0.5, -1.0, 2.0, 0.0])
    x = np.array([-0.4, 0.7, 1.8])
    f = lambda v: np.interp(x, XP, v.astype(complex) + 1j * np.imag(fp))
    got = ad.jacobian(lambda v: np.interp(x, XP, v + 1j * np.imag(fp)), FP)
    np.testing.assert_allclose(got, central(f, FP), atol=1e-8)


def test_interp_in_its_knots():
    x = np.array([-0.4, 0.7, 1.8])
    f = lambda v: np.interp(x, v, FP)
    np.testing.assert_allclose(ad.jacobian(f, XP), central(f, XP), atol=1e-7)


def test_interp_periodic_in_points_knots_and_values_at_second_order():
    xq = np.array([0.2, 1.7, 3.1, -0.6, 5.3])
    z = np.array([0.0, 1.0, 2.5, 3.3, 2.0, -1.0, 0.5, 1.5])   # xp, then fp
    f = lambda v: np.interp(xq + 0.3 * v[0], v[:4] - 0.05 * v[5], v[4:], period=4.0)
    np.testing.assert_allclose(ad.jacobian(f, z), central(f, z), atol=1e-8)
    g = lambda v: np.sum(f(v) ** 2)
    want = central(lambda v: central(g, v, 1e-4), z, 1e-4)
    np.testing.assert_allclose(ad.hessian(g)(z), want, atol=1e-5)


def test_interp_slope_at_a_knot_is_the_segment_to_its_right():
    # slopes (by hand): [-1, 0]: 2, [0, 1.5]: -7/3, [1.5, 2]: 5; at 0 the right one, at the
    # last knot 2.0 the last segment's, beyond the ends 0
    got = ad.jacobian(lambda x: np.interp(x, XP, FP), np.array([0.0, 2.0, 3.0, -2.0]))
    np.testing.assert_allclose(np.diag(got), [-7.0 / 3.0, 5.0, 0.0, 0.0], rtol=1e-14)


def test_interp_left_right_constants_carry_no_tangent_but_the_ends_do():
    x = np.array([-2.0, 3.0])
    got = ad.jacobian(lambda v: np.interp(x, XP, v, left=0.0), FP)
    np.testing.assert_array_equal(got, [[0, 0, 0, 0], [0, 0, 0, 1]])


def test_interp_at_nan_is_nan():
    _, tangent = ad.jvp(lambda x: np.interp(x, XP, FP), (np.array([np.nan, 0.5]),),
                        (np.ones(2),))
    assert np.isnan(tangent[0]) and tangent[1] == -7.0 / 3.0


def test_interp_with_a_dual_left_value_is_refused():
    # beside a dual x the dispatch names it; alone, NumPy does not dispatch on left= and
    # its float() refuses to drop the derivative
    with pytest.raises(TypeError, match="dual left="):
        ad.derivative(lambda c: np.interp(c - 6.0, XP, FP, left=c), 1.0)
    with pytest.raises(TypeError, match="drop its derivative"):
        ad.derivative(lambda c: np.interp(-5.0, XP, FP, left=c), 1.0)


# --- polyfit, vander ------------------------------------------------------------------

def test_polyfit_in_x_and_y_with_weights():
    x = np.array([0.0, 0.5, 1.1, 2.0, 2.4, 3.0])
    y = np.array([1.0, 0.2, -0.7, 1.5, 2.0, 4.0])
    w = np.array([1.0, 2.0, 0.5, 1.0, 1.5, 3.0])
    for f, at in [(lambda v: np.polyfit(v, y, 2, w=w), x), (lambda v: np.polyfit(x, v, 3), y)]:
        np.testing.assert_allclose(ad.jacobian(f, at), central(f, at), rtol=1e-6, atol=1e-8)


def test_polyfit_full_and_cov_are_refused():
    x = np.arange(5.0)
    for key in ("full", "cov"):
        with pytest.raises(TypeError, match=f"{key}=True"):
            ad.jacobian(lambda v: np.polyfit(x, v, 1, **{key: True})[0], x)


@pytest.mark.filterwarnings("ignore:Polyfit may be poorly conditioned")
def test_polyfit_rank_deficient_is_refused():
    with pytest.raises(ValueError, match="rank deficient"):
        ad.jacobian(lambda v: np.polyfit(np.ones(4), v, 1), np.arange(4.0))


def test_polyval_of_polyfit_reproduces_the_data_derivative_of_an_interpolant():
    # deg n-1 through n points interpolates: polyval(polyfit(x, y), x) = y, Jacobian I
    x = np.array([0.0, 1.0, 2.5, 3.0])
    got = ad.jacobian(lambda v: np.polyval(np.polyfit(x, v, 3), x), np.array([1.0, -2.0, 0.5, 3.0]))
    np.testing.assert_allclose(got, np.eye(4), atol=1e-9)


def test_vander_derivative_by_hand():
    # d/dx [x^2, x, 1] = [2x, 1, 0]
    np.testing.assert_allclose(ad.derivative(lambda x: np.vander(np.array([x]), 3)[0], 1.5),
                               [3.0, 1.0, 0.0])


# --- order statistics -------------------------------------------------------------------

DATA = np.array([[0.3, -1.2, 2.0, 0.9, -0.1], [1.5, 0.7, -0.4, 2.6, 1.1]])
METHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation",
           "interpolated_inverted_cdf", "hazen", "weibull", "linear", "median_unbiased",
           "normal_unbiased", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("func", [np.quantile, np.nanquantile])
def test_every_quantile_method(method, func):
    f = lambda a: func(a, [0.1, 0.35, 0.5, 0.8], axis=1, method=method)
    np.testing.assert_allclose(ad.jacobian(f, DATA), central(f, DATA), atol=1e-8)


@pytest.mark.parametrize("func, q", [(np.nanmedian, ()), (np.nanquantile, (0.3,)),
                                     (np.nanpercentile, (70,))])
def test_nan_versions_skip_nan_entries(func, q):
    a = DATA.copy()
    a[0, 1] = a[1, 3] = np.nan
    f = lambda v: func(v, *q, axis=1)
    got = ad.jacobian(f, a)
    want = central(lambda v: func(np.where(np.isnan(a), np.nan, v), *q, axis=1),
                   np.nan_to_num(a))
    np.testing.assert_allclose(np.nan_to_num(got, nan=99.0), want, atol=1e-8)
    assert np.all(got[:, 0, 1] == 0) and np.all(got[:, 1, 3] == 0)


def test_an_all_nan_line_has_a_nan_tangent():
    a = np.array([[np.nan, np.nan], [1.0, 2.0]])
    with pytest.warns(RuntimeWarning):
        _, tangent = ad.jvp(lambda v: np.nanmedian(v, axis=1), (a,), (np.ones_like(a),))
    assert np.isnan(tangent[0]) and tangent[1] == 1.0


def test_median_of_data_holding_nan_is_nan_with_a_nan_tangent():
    _, tangent = ad.jvp(np.median, (np.array([1.0, np.nan, 3.0]),), (np.ones(3),))
    assert np.isnan(tangent)


def test_tied_entries_share_the_tangent():
    # the median of (x, x, 3) is x: moving one x up leaves it, moving it down moves it;
    # as at np.max's ties, the tied entries share the tangent equally
    np.testing.assert_array_equal(ad.gradient(np.median, np.array([1.0, 1.0, 3.0])),
                                  [0.5, 0.5, 0])
    # quantile 0.75 of (0, 2, 2, 2, 5) lands on the tied 2s: a third each, by hand
    got = ad.gradient(lambda a: np.quantile(a, 0.75), np.array([2.0, 0.0, 2.0, 5.0, 2.0]))
    np.testing.assert_allclose(got, [1 / 3, 0, 1 / 3, 0, 1 / 3], rtol=1e-15)
    # a tie away from the selected entries changes nothing: the weights of positions 2, 3
    got = ad.gradient(lambda a: np.quantile(a, 0.6), np.array([1.0, 1.0, 3.0, 4.0, 7.0]))
    np.testing.assert_allclose(got, [0, 0, 0.6, 0.4, 0], rtol=1e-14)


def test_ties_along_an_axis_with_many_directions():
    a = np.array([[1.0, 3.0, 1.0, 0.0], [2.0, 2.0, 2.0, 5.0]])
    got = ad.jacobian(lambda v: np.nanmedian(v, axis=1), a)   # by hand: the mean of ties
    np.testing.assert_allclose(got[0], [[0.5, 0, 0.5, 0], [0, 0, 0, 0]])
    np.testing.assert_allclose(got[1], [[0, 0, 0, 0], [1 / 3, 1 / 3, 1 / 3, 0]])


def test_median_of_complex_entries():
    z = np.array([1 + 2j, 3 - 1j, 0.5 + 0j, -2 + 1j])
    dz = np.array([0.5j, 1.0, -1.0, 2.0 + 1j])
    _, tangent = ad.jvp(np.median, (z,), (dz,))   # lexicographic order: mean of 0.5, 1+2j
    assert tangent == (dz[2] + dz[0]) / 2


def test_quantile_weights_and_overwrite_input_are_refused():
    a = np.array([3.0, 1.0, 2.0])
    with pytest.raises(TypeError, match="weights="):
        ad.gradient(lambda v: np.quantile(v, 0.5, method="inverted_cdf", weights=np.ones(3)), a)
    kept = a.copy()
    with pytest.raises(TypeError, match="overwrite_input=True"):
        ad.gradient(lambda v: np.median(v, overwrite_input=True), a)
    np.testing.assert_array_equal(a, kept)


def test_a_dual_q_is_refused_by_name():
    with pytest.raises(TypeError, match="numpy.quantile with a dual q="):
        ad.derivative(lambda q: np.quantile(DATA[0], q), 0.3)


def test_polyfit_with_dual_weights_is_refused_by_name():
    with pytest.raises(TypeError, match="numpy.polyfit with a dual w="):
        ad.derivative(lambda c: np.polyfit(np.arange(3.0), np.ones(3), 1, w=c * np.ones(3)), 1.0)


# --- nan_to_num ---------------------------------------------------------------------------

def test_nan_to_num_replaced_entries_are_constants():
    x = np.array([1.5, np.nan, np.inf, -np.inf, -2.0])
    got = ad.jacobian(lambda v: np.nan_to_num(v, nan=1.0), x)
    np.testing.assert_array_equal(got, np.diag([1.0, 0, 0, 0, 1.0]))


def test_nan_to_num_complex_parts_on_their_own():
    z = np.array([complex(np.nan, 1.0), complex(2.0, np.inf)])
    _, tangent = ad.jvp(np.nan_to_num, (z,), (np.array([1 + 2j, 3 + 4j]),))
    np.testing.assert_array_equal(tangent, [2j, 3.0])


def test_nan_to_num_in_place_is_refused():
    with pytest.raises(TypeError, match="copy=False"):
        ad.gradient(lambda v: np.sum(np.nan_to_num(v, copy=False)), np.ones(2))


# --- lstsq, eig ------------------------------------------------------------------------

def test_lstsq_rank_deficient_is_refused():
    a = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    with pytest.raises(ValueError, match="rank-deficient"):
        ad.jacobian(lambda m: np.linalg.lstsq(m, np.ones(3))[0], a)


def test_lstsq_matches_the_normal_equations_by_hand():
    # x = (A^T A)^{-1} A^T b: differentiate the plain formula by central differences
    a = RNG.normal(size=(5, 2))
    b = RNG.normal(size=5)
    f = lambda m: np.linalg.lstsq(m, b)[0]
    g = lambda m: np.linalg.solve(m.T @ m, m.T @ b)
    np.testing.assert_allclose(ad.jacobian(f, a), central(g, a), rtol=1e-6, atol=1e-8)


def test_eig_eigenvectors_of_a_complex_matrix_follow_numpys_phase():
    # NumPy (LAPACK) normalises each eigenvector to norm 1 with its largest entry real:
    # the tangent is the derivative of NumPy's own eigenvectors
    a = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3))
    d = RNG.normal(size=(3, 3)) + 1j * RNG.normal(size=(3, 3))
    _, (dw, dv) = ad.jvp(np.linalg.eig, (a,), (d,))
    h = 1e-6
    wp, vp = np.linalg.eig(a + h * d)
    wm, vm = np.linalg.eig(a - h * d)
    np.testing.assert_allclose(dw, (wp - wm) / (2 * h), atol=1e-7)
    np.testing.assert_allclose(dv, (vp - vm) / (2 * h), atol=1e-7)


def test_eig_real_matrix_with_complex_pair():
    a = np.array([[0.0, -2.0, 0.5], [1.0, 0.3, 0.0], [0.2, 0.1, 1.5]])
    f = lambda m: np.concatenate([np.linalg.eig(m)[0], np.linalg.eig(m)[1].ravel()])
    np.testing.assert_allclose(ad.jacobian(f, a), central(f, a), atol=1e-7)


def test_eigvals_second_order():
    a = np.array([[2.0, 1.0, 0.3], [0.4, 3.0, 1.0], [0.1, -0.5, 1.5]])
    g = lambda m: np.sum(np.abs(np.linalg.eigvals(m)) ** 2)
    got = ad.hessian(g)(a)
    want = central(lambda m: central(g, m, 1e-4), a, 1e-4)
    np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("func, what", [(lambda m: np.linalg.eig(m)[1], "eigenvector"),
                                        (np.linalg.eigvals, "eigenvalue")])
def test_a_repeated_eigenvalue_is_refused(func, what):
    with pytest.raises(ValueError, match=f"repeated eigenvalue.*no {what} tangent"):
        ad.jacobian(func, np.diag([2.0, 2.0, 1.0]))


# --- Taylor mode (non-linear maps: through nested duals) --------------------------------

def test_taylor_of_eigvals_against_mpmath():
    # eigenvalues of [[1, s], [0.5, 3]] are 2 -+ sqrt(1 + s/2), by hand
    a, e = np.array([[1.0, 0.0], [0.5, 3.0]]), np.array([[0.0, 1.0], [0.0, 0.0]])
    got = np.array(ad.taylor(lambda s: np.linalg.eigvals(a + s * e), 0.2, 3))
    for col, sign in enumerate((-1, 1)):
        want = mpmath.taylor(lambda s: 2 + sign * mpmath.sqrt(1 + s / 2), 0.2, 3)
        np.testing.assert_allclose(got[:, col], np.array(want, dtype=float), rtol=1e-12)


def test_taylor_of_interp_in_its_point_and_values():
    # s * (3 - (7/3) s) on the segment [0, 1.5] at s = 0.5, by hand
    got = ad.taylor(lambda s: np.interp(s, XP, FP * s), 0.5, 3)
    np.testing.assert_allclose(got, [0.5 * (3 - 7 / 6), 3 - 7 / 3, -7 / 3, 0.0], atol=1e-14)
