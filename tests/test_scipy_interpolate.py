"""dualad.scipy.interpolate: splines of dual data and at dual query points, against central
differences of the plain SciPy objects (built anew from perturbed data, evaluated at
perturbed points), closed forms (a cubic spline reproduces a cubic; linear
interpolation's slopes), second order, and refusals of dual knots."""
from __future__ import annotations

import numpy as np
import pytest

import dualad as ad

si = pytest.importorskip("scipy.interpolate")
from dualad.scipy import interpolate  # noqa: E402

RNG = np.random.default_rng(11)
X = np.linspace(0.0, 3.0, 8)
Y = np.sin(X)
XQ = np.array([0.3, 1.1, 2.9, 3.4, -0.2])   # two outside the data
Y2 = np.stack([np.sin(X), np.cos(X), X ** 2], axis=1)   # (8, 3): data with an extra axis


def central(g, v, d, h=1e-6):
    return (np.asarray(g(v + h * d)) - np.asarray(g(v - h * d))) / (2 * h)


def assert_tangent(f, g, v, d, rtol=1e-7):
    value, tangent = ad.jvp(f, (v,), (d,))
    assert np.array_equal(np.asarray(value), np.asarray(g(v)), equal_nan=True)   # SciPy's
    ref, tangent = central(g, v, d), np.asarray(tangent)
    known = np.isfinite(ref)   # nan where SciPy does not extrapolate: nan tangents there
    assert np.all(np.isnan(tangent[~known]))
    assert np.max(np.abs(tangent[known] - ref[known]), initial=0.0) <= \
        rtol * max(1.0, np.max(np.abs(ref[known]), initial=0.0))


# (name, build(module, x, y)) -- both modules build with the same arguments
BUILDERS = [
    ("CubicSpline", lambda m, y: m.CubicSpline(X, y)),
    ("CubicSpline natural", lambda m, y: m.CubicSpline(X, y, bc_type="natural")),
    ("CubicSpline clamped values", lambda m, y: m.CubicSpline(X, y, bc_type=((1, 0.5),
                                                                             (2, -1.0)))),
    ("CubicSpline no extrapolation", lambda m, y: m.CubicSpline(X, y, extrapolate=False)),
    ("make_interp_spline k=3", lambda m, y: m.make_interp_spline(X, y)),
    ("make_interp_spline k=5", lambda m, y: m.make_interp_spline(X, y, k=5)),
    ("make_interp_spline bc", lambda m, y: m.make_interp_spline(
        X, y, bc_type=([(1, 1.0)], [(2, 0.5)]))),
    ("interp1d linear", lambda m, y: m.interp1d(X, y, bounds_error=False, fill_value=0.25)),
    ("interp1d cubic", lambda m, y: m.interp1d(X, y, kind="cubic", fill_value="extrapolate")),
    ("interp1d nearest", lambda m, y: m.interp1d(X, y, kind="nearest", bounds_error=False)),
    ("interp1d linear extrapolate", lambda m, y: m.interp1d(X, y, fill_value="extrapolate")),
]


@pytest.mark.parametrize("name, build", BUILDERS, ids=[b[0] for b in BUILDERS])
def test_dual_data(name, build):
    q = XQ if "nearest" not in name else XQ[:3]   # nan (the fill) outside
    assert_tangent(lambda y: build(interpolate, y)(q), lambda y: build(si, y)(q), Y,
                   RNG.standard_normal(Y.shape))


@pytest.mark.parametrize("name, build", BUILDERS, ids=[b[0] for b in BUILDERS])
def test_dual_query_points(name, build):
    q = XQ if "extrapolation" not in name and "nearest" not in name else XQ[:3]
    spline, reference = build(interpolate, Y), build(si, Y)
    assert_tangent(spline, reference, q, RNG.standard_normal(q.shape))


def test_data_with_more_axes_and_other_interpolation_axes():
    d = RNG.standard_normal(Y2.shape)
    assert_tangent(lambda y: interpolate.CubicSpline(X, y)(XQ),
                   lambda y: si.CubicSpline(X, y)(XQ), Y2, d)
    assert_tangent(lambda y: interpolate.CubicSpline(X, y, axis=-1)(XQ),
                   lambda y: si.CubicSpline(X, y, axis=-1)(XQ), Y2.T, d.T)
    assert_tangent(lambda y: interpolate.interp1d(X, y, kind="quadratic")(XQ[:3]),
                   lambda y: si.interp1d(X, y, kind="quadratic")(XQ[:3]), Y2.T, d.T)
    q = np.array([[0.5, 1.0], [2.0, 2.5]])
    spline = interpolate.CubicSpline(X, Y2.T, axis=1)
    assert_tangent(spline, si.CubicSpline(X, Y2.T, axis=1), q, RNG.standard_normal(q.shape))


def test_nu_extrapolate_and_methods_of_a_dual_spline():
    d = RNG.standard_normal(Y.shape)
    for use in (lambda s: s(XQ, nu=1), lambda s: s(XQ, 2, False),
                lambda s: s.derivative()(XQ), lambda s: s.antiderivative(2)(XQ),
                lambda s: s.integrate(0.2, 2.7), lambda s: s.c):
        assert_tangent(lambda y: use(interpolate.CubicSpline(X, y)),
                       lambda y: use(si.CubicSpline(X, y)), Y, d)
    spline = interpolate.make_interp_spline(X, ad.DualArray(Y, d))
    assert isinstance(spline, interpolate.DualSpline) and spline.k == 3
    assert np.array_equal(spline.t, si.make_interp_spline(X, Y).t)
    assert isinstance(spline.c, ad.DualArray)


def test_data_and_query_points_both_dual():
    def f(y):
        return interpolate.CubicSpline(X, y)(XQ + 0.1 * y[:5])

    def g(y):
        return si.CubicSpline(X, y)(XQ + 0.1 * y[:5])

    assert_tangent(f, g, Y, RNG.standard_normal(Y.shape))
    jac = ad.jacobian(f, Y)
    assert jac.shape == (5, 8)
    assert np.allclose(jac @ Y[::-1], central(g, Y, Y[::-1]), rtol=1e-7, atol=1e-8)


def test_periodic_data_along_a_periodic_direction():
    periodic = np.cos(2 * np.pi * X / 3.0)
    d = np.sin(2 * np.pi * X / 3.0) + 0.5   # periodic: d[0] == d[-1]
    assert_tangent(lambda y: interpolate.CubicSpline(X, y, bc_type="periodic")(XQ),
                   lambda y: si.CubicSpline(X, y, bc_type="periodic")(XQ), periodic, d)


def test_bspline_of_dual_coefficients():
    spline = si.make_interp_spline(X, Y)
    d = RNG.standard_normal(spline.c.shape)
    assert_tangent(lambda c: interpolate.BSpline(spline.t, c, 3)(XQ),
                   lambda c: si.BSpline(spline.t, c, 3)(XQ), spline.c, d)
    assert_tangent(lambda c: interpolate.PPoly(c, X)(XQ[:3]),
                   lambda c: si.PPoly(c, X)(XQ[:3]), si.CubicSpline(X, Y).c,
                   RNG.standard_normal(si.CubicSpline(X, Y).c.shape))


# --- closed forms ----------------------------------------------------------------------

def test_a_cubic_spline_reproduces_a_cubic_and_its_derivatives():
    p = lambda t: 1 - 2 * t + 0.5 * t ** 3   # noqa: E731  (not-a-knot: exact for cubics)
    spline = interpolate.CubicSpline(X, p(X))
    assert np.isclose(ad.derivative(spline, 1.7), -2 + 1.5 * 1.7 ** 2, rtol=1e-12)
    assert np.isclose(ad.derivative(lambda t: ad.derivative(spline, t), 1.7), 3 * 1.7,
                      rtol=1e-10)
    hess = ad.hessian(lambda q: spline(q[0]) * spline(q[1]))(np.array([0.5, 1.5]))
    dp, ddp = (lambda t: -2 + 1.5 * t ** 2), (lambda t: 3 * t)
    assert np.allclose(hess, [[ddp(0.5) * p(1.5), dp(0.5) * dp(1.5)],
                              [dp(0.5) * dp(1.5), p(0.5) * ddp(1.5)]], rtol=1e-10)


def test_taylor_mode_at_query_points():
    p = lambda t: 1 - 2 * t + 0.5 * t ** 3   # noqa: E731
    spline = interpolate.CubicSpline(X, p(X))
    assert np.allclose(ad.derivatives(spline, 1.7, 3), [p(1.7), -2 + 1.5 * 1.7 ** 2, 3 * 1.7,
                                                        3.0], rtol=1e-10)
    with pytest.raises(TypeError, match="Taylor mode"):
        ad.derivative(lambda s: interpolate.CubicSpline(X, p(X) + s)(1.0), 0.0, n=2)


def test_linear_interpolation_slopes_and_weights():
    f = interpolate.interp1d(X, Y)
    i = 2
    t = X[i] + 0.3 * (X[i + 1] - X[i])
    assert np.isclose(ad.derivative(f, t), (Y[i + 1] - Y[i]) / (X[i + 1] - X[i]), rtol=1e-13)
    weights = ad.gradient(lambda y: interpolate.interp1d(X, y)(t), Y)
    expected = np.zeros_like(Y)
    expected[i], expected[i + 1] = 0.7, 0.3
    assert np.allclose(weights, expected, rtol=1e-13, atol=1e-15)


def test_piecewise_constant_kinds_have_zero_slope():
    for kind in ("nearest", "previous", "next", "zero"):
        assert ad.derivative(interpolate.interp1d(X, Y, kind=kind), 1.3) == 0.0


@pytest.mark.parametrize("name, build", [
    ("CubicSpline", lambda m, y: m.CubicSpline(X, y)),
    ("interp1d cubic", lambda m, y: m.interp1d(X, y, kind="cubic", fill_value="extrapolate")),
    ("interp1d linear", lambda m, y: m.interp1d(X, y, fill_value="extrapolate"))])
def test_second_order_in_the_data(name, build):
    d = RNG.standard_normal(Y.shape)
    w = RNG.standard_normal(XQ.shape)

    def f(y):   # nonlinear in the data through the query points
        return np.sum(w * build(interpolate, y)(XQ + 0.1 * y[:5]) ** 2)

    def g(y):
        return np.sum(w * build(si, y)(XQ + 0.1 * y[:5]) ** 2)

    h = 1e-4
    ref = (g(Y + h * d) - 2 * g(Y) + g(Y - h * d)) / h ** 2
    assert np.isclose(d @ ad.hessian(f)(Y) @ d, ref, rtol=1e-5)


def test_complex_data():
    y = Y + 1j * np.cos(X)
    d = RNG.standard_normal(Y.shape) + 1j * RNG.standard_normal(Y.shape)
    assert_tangent(lambda v: interpolate.CubicSpline(X, v)(XQ),
                   lambda v: si.CubicSpline(X, v)(XQ), y, d)
    assert_tangent(lambda v: interpolate.interp1d(X, v, kind="cubic")(XQ[:3]),
                   lambda v: si.interp1d(X, v, kind="cubic")(XQ[:3]), y, d)


# --- refusals and plain use ------------------------------------------------------------

def test_dual_abscissae_knots_and_options_refuse():
    dual_x = ad.DualArray(X, np.ones_like(X))
    for call, argument in [(lambda: interpolate.CubicSpline(dual_x, Y), "x holds duals"),
                           (lambda: interpolate.make_interp_spline(dual_x, Y), "x holds"),
                           (lambda: interpolate.interp1d(dual_x, Y), "x holds duals"),
                           (lambda: interpolate.BSpline(dual_x, Y, 3), "t holds duals"),
                           (lambda: interpolate.interp1d(X, Y, fill_value=ad.Dual(0.0)),
                            "fill_value holds duals"),
                           (lambda: interpolate.CubicSpline(X, Y).integrate(0.0, ad.Dual(1.0)),
                            "b holds duals")]:
        with pytest.raises(TypeError, match=argument):
            call()
    periodic = np.cos(2 * np.pi * X / 3.0)
    with pytest.raises(ValueError, match="tangents must be periodic too"):
        ad.jacobian(lambda y: interpolate.CubicSpline(X, y, bc_type="periodic")(1.0), periodic)
    spline = interpolate.CubicSpline(X, ad.DualArray(Y, np.ones_like(Y)))
    with pytest.raises(AttributeError, match="'roots'"):
        spline.roots()
    with pytest.raises(AttributeError, match="no drop-in for 'PchipInterpolator'"):
        interpolate.PchipInterpolator   # noqa: B018


def test_plain_data_gives_scipys_objects():
    spline = interpolate.CubicSpline(X, Y)
    assert isinstance(spline, si.CubicSpline)
    assert np.array_equal(spline(XQ), si.CubicSpline(X, Y)(XQ))
    assert isinstance(spline.derivative(), si.PPoly)
    assert isinstance(interpolate.make_interp_spline(X, Y), si.BSpline)
    assert isinstance(interpolate.interp1d(X, Y), si.interp1d)


def test_module_docstring_examples_run():
    import doctest
    assert doctest.testmod(interpolate).failed == 0
