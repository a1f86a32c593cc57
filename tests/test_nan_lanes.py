"""The lane rule at every level of nesting, and one evaluation of f per pass.

A lane whose tangent is 0 at every level contributes exactly 0, whatever the partial
(SPEC: no 0·inf = nan). At second order the partial is itself a dual, finite in its
value but possibly infinite in its tangent; the rule must hold there too, so that the
Hessian entries a singular term does not touch are exact. And a transformation runs f
once per pass: no second, "careful" run when a result holds a nan.

Expected values are derived by hand in each test or computed with mpmath.
"""
from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest

import dualad as ad
from dualad import math as dm


def as_list(x):
    return list(np.asarray(x, dtype=float))


INPUTS = [pytest.param(np.array, id="array"), pytest.param(as_list, id="list")]


# --- item 2: Hessian entries the singular term does not touch ------------------------

@pytest.mark.parametrize("make", INPUTS)
def test_hessian_of_tanh_far_out_plus_a_bilinear_term(make):
    # f = tanh(y) + x*y: f_xy = 1, f_xx = 0, f_yy = -2 tanh(y) sech(y)^2, which at
    # y = 400 is about -1e-347: 0 in double precision.
    f = lambda v: dm.tanh(v[1]) + v[0] * v[1]   # noqa: E731
    np.testing.assert_array_equal(ad.hessian(f)(make([0.5, 400.0])), [[0, 1], [1, 0]])


@pytest.mark.parametrize("make", INPUTS)
def test_hessian_of_a_power_at_its_branch_point(make):
    # f = y**1.5 + x*y at y = 0: f_xy = 1, f_xx = 0, f_yy = 0.75 y**-0.5 = +inf
    f = lambda v: v[1] ** 1.5 + v[0] * v[1]   # noqa: E731
    np.testing.assert_array_equal(ad.hessian(f)(make([0.5, 0.0])), [[0, 1], [1, np.inf]])


@pytest.mark.parametrize("make", INPUTS)
def test_hessian_of_a_reciprocal_near_its_pole(make):
    # f = 1/y + x*y at y = 1e-200: f_xy = 1, f_yy = 2/y**3 = 2e600, which overflows
    f = lambda v: 1 / v[1] + v[0] * v[1]   # noqa: E731
    np.testing.assert_array_equal(ad.hessian(f)(make([0.5, 1e-200])), [[0, 1], [1, np.inf]])


@pytest.mark.parametrize("make", INPUTS)
def test_third_derivatives_at_a_branch_point(make):
    # f = y**2.5 + x*y at y = 0: every third derivative is 0 except
    # f_yyy = 2.5 * 1.5 * 0.5 * y**-0.5 = +inf
    f = lambda v: v[1] ** 2.5 + v[0] * v[1]   # noqa: E731
    want = np.zeros((2, 2, 2))
    want[1, 1, 1] = np.inf
    np.testing.assert_array_equal(ad.jacfwd(ad.hessian(f))(make([0.5, 0.0])), want)


def test_nested_scalar_dual_keeps_a_zero_lane_zero_at_every_level():
    # outer lanes [0, 1] over an inner dual at 0: d/dx x**1.5 = 1.5 x**0.5 is 0 with
    # inner tangent 0.75 x**-0.5 = inf; the outer lane with tangent 0 must be 0 at both
    # levels, the other carries (0, inf).
    x = ad.Dual(ad.Dual(0.0, 1.0), [0.0, 1.0])
    t = (x ** 1.5).tangent
    np.testing.assert_array_equal(t.value, [0.0, 0.0])
    np.testing.assert_array_equal(t.tangent, [0.0, np.inf])


def test_nested_reciprocal_keeps_a_zero_lane_zero_at_every_level():
    # d/dx 1/x = -1/x**2 = -1e400 (-inf), inner tangent 2/x**3 (+inf) at x = 1e-200
    x = ad.Dual(ad.Dual(1e-200, 1.0), [0.0, 1.0])
    t = (1 / x).tangent
    np.testing.assert_array_equal(t.value, [0.0, -np.inf])
    np.testing.assert_array_equal(t.tangent, [0.0, np.inf])


def test_jvp_of_jvp_through_sqrt_at_zero():
    # inner: J_sqrt(u) [0, 1] = [0 (lane rule), 0.5/sqrt(u1)]; its derivative along
    # [1, 0] is 0 in both entries (neither depends on u0)
    g = lambda u: ad.jvp(np.sqrt, (u,), (np.array([0.0, 1.0]),))[1]   # noqa: E731
    primal, tangent = ad.jvp(g, (np.array([0.0, 1.0]),), (np.array([1.0, 0.0]),))
    np.testing.assert_array_equal(primal, [0.0, 0.5])
    np.testing.assert_array_equal(tangent, [0.0, 0.0])


# --- item 2: tanh's partial at every order, against mpmath ---------------------------

TANH_POINTS = [0.0, 1e-8, -1e-8, 0.3, -1.9, 20.0, -20.0, 400.0, -400.0, 800.0, -800.0]


def _close(got, want, what):
    want = complex(want) if isinstance(want, mpmath.mpc) else float(want)
    assert abs(got - want) <= 1e-14 * abs(want) + 1e-300, f"{what}: {got!r} vs {want!r}"


@pytest.mark.parametrize("x", TANH_POINTS)
def test_second_and_third_derivative_of_tanh(x):
    with mpmath.workdps(30):
        d2, d3 = (mpmath.diff(mpmath.tanh, mpmath.mpf(x), n) for n in (2, 3))
    first = lambda y: ad.derivative(dm.tanh, y)   # noqa: E731
    second = lambda y: ad.derivative(first, y)   # noqa: E731
    _close(second(x), d2, f"tanh''({x})")
    _close(ad.derivative(second, x), d3, f"tanh'''({x})")
    _close(ad.hessian(lambda v: np.sum(np.tanh(v)))(np.array([x]))[0, 0], d2,
           f"array tanh''({x})")


@pytest.mark.parametrize("z", [0.3 + 0.4j, -1.5 + 0.5j, 20 + 1j, 400 + 1j, -400 - 2j,
                               800 + 0.5j])
def test_second_derivative_of_complex_tanh(z):
    with mpmath.workdps(30):
        want = -2 * mpmath.tanh(z) * mpmath.sech(z) ** 2
    got = ad.derivative(lambda y: ad.derivative(ad.cmath.tanh, y), z)
    _close(got, want, f"tanh''({z})")


SECH_REAL = [0.0, 1e-8, -0.7, 1.9, 20.0, -25.0, 355.0, 400.0, -709.0, 711.0, -720.0, 800.0]
SECH_COMPLEX = [0j, 0.3 + 0.4j, -1.5 + 0.5j, 2.0 - 1.0j, 20 + 3j, -400 + 2j, 800 + 1j,
                -800 - 1j, 3 + 100j]


def test_sech_kernels_agree_with_mpmath_also_where_cosh_overflows():
    from dualad.table import primals
    for x in SECH_REAL:
        want = float(mpmath.sech(x))
        for got in (primals.f_sech(x), primals.np_sech(np.array([x]))[0],
                    primals.np_sech(np.full(300_000, x))[-1]):
            assert abs(got - want) <= 2 ** -52 * abs(want) + 1e-323, (x, got, want)
    for z in SECH_COMPLEX:
        want = complex(mpmath.sech(z))
        for got in (primals.c_sech(z), primals.np_sech(np.array([z]))[0]):
            assert abs(got - want) <= 2 ** -51 * abs(want), (z, got, want)


# --- item 8: second order through singular functions ---------------------------------

def test_hessian_of_the_norm_at_zero():
    # f = |x|. With the lane rule grad f(0) = 0 (the tangent of sum(x*x) is 0 there), and
    # grad f(x) = x/|x| elsewhere: along e1 the first entry jumps from 0 to sign(h), so
    # H11 = lim (sign(h) - 0)/h = +inf (one-sided; likewise H22), while the first entry
    # is 0 all along e2, so H12 = 0.
    H = ad.hessian(lambda x: np.sqrt(np.sum(x * x)))(np.zeros(2))
    np.testing.assert_array_equal(H, [[np.inf, 0], [0, np.inf]])


def test_hessian_of_the_norm_where_the_square_underflows_has_no_wrong_finite_entry():
    # At [1e-170, 0] the true Hessian is (I - x x^T/|x|^2)/|x| = [[0, 0], [0, 1e170]], but
    # x*x underflows to 0: dualad cannot get it, and must not crash nor answer a wrong
    # finite number.
    H = ad.hessian(lambda x: np.sqrt(np.sum(x * x)))(np.array([1e-170, 0.0]))
    want = np.array([[0.0, 0.0], [0.0, 1e170]])
    finite = np.isfinite(H)
    np.testing.assert_array_equal(H[finite], want[finite])


@pytest.mark.parametrize("make", INPUTS)
def test_hessian_of_sqrt_of_a_square_at_zero(make):
    # sqrt(x*x) = |x|: f'(0) = 0 by the lane rule, f'(h) = sign(h), so f''(0) = +inf
    H = ad.hessian(lambda v: dm.sqrt(v[0] * v[0]))(make([0.0]))
    np.testing.assert_array_equal(H, [[np.inf]])


# --- item 10: second order through piecewise-constant functions ----------------------

X3 = np.array([1.0, 2.0, 3.0])
H_X0_SQUARED = np.diag([2.0, 0.0, 0.0])   # floor(x0**2) = 1 near x0 = 1: f = x0**2


@pytest.mark.parametrize("f", [
    pytest.param(lambda x: x[0] ** 2 * np.floor(x[0] ** 2), id="np.floor"),
    pytest.param(lambda x: x[0] ** 2 * math.floor(x[0] ** 2), id="math.floor"),
    pytest.param(lambda x: x[0] ** 2 * np.sign(x[0] * x[1]), id="np.sign"),
])
def test_hessian_through_a_piecewise_constant_factor_is_an_ndarray(f):
    H = ad.hessian(f)(X3)
    assert type(H) is np.ndarray
    np.testing.assert_array_equal(H, H_X0_SQUARED)


def test_hvp_through_floor_is_an_ndarray():
    out = ad.hvp(lambda x: x[0] ** 2 * np.floor(x[0] ** 2), X3, np.array([1.0, 0.0, 0.0]))
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, [2.0, 0.0, 0.0])


def test_jacobian_of_the_gradient_through_floor_is_an_ndarray():
    g = lambda y: ad.gradient(lambda x: x[0] ** 2 * np.floor(x[0] ** 2), y)   # noqa: E731
    out = ad.jacfwd(g)(X3)
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, H_X0_SQUARED)


@pytest.mark.parametrize("make", INPUTS)
def test_hessian_of_a_piecewise_constant_function_is_zero(make):
    H = ad.hessian(lambda x: np.floor(x[0] ** 2))(make(X3))
    assert type(H) is np.ndarray
    np.testing.assert_array_equal(H, np.zeros((3, 3)))


# --- item 14: f runs once per pass ---------------------------------------------------

class Counted:
    """f(x) = g(x) * 0 + [nan, 1]: the output holds a nan, and at x = 0 the tangent of
    g(x) * 0 holds 0 * inf = nan."""

    def __init__(self, g):
        self.g, self.calls = g, 0

    def __call__(self, x):
        self.calls += 1
        with np.errstate(divide="ignore", invalid="ignore"):   # log(0), 1/0: NumPy warns
            return self.g(x) * 0.0 + np.array([np.nan, 1.0])


SINGULAR = [pytest.param(np.sqrt, id="sqrt"), pytest.param(lambda x: x ** 0.5, id="pow"),
            pytest.param(np.log, id="log"), pytest.param(lambda x: 1 / x, id="reciprocal")]
X0 = np.array([0.0, 1.0])


@pytest.mark.parametrize("g", SINGULAR)
def test_jacfwd_runs_f_once(g):
    f = Counted(g)
    ad.jacfwd(f)(X0)
    assert f.calls == 1


@pytest.mark.parametrize("g", SINGULAR)
def test_jacfwd_runs_f_once_per_chunk(g):
    f = Counted(g)
    ad.jacfwd(f, chunk_size=1)(X0)
    assert f.calls == 2


@pytest.mark.parametrize("g", SINGULAR)
def test_jvp_runs_f_once(g):
    f = Counted(g)
    ad.jvp(f, (X0,), (np.ones(2),))
    assert f.calls == 1


@pytest.mark.parametrize("g", SINGULAR)
def test_gradient_and_hessian_run_f_once(g):
    f = Counted(g)
    ad.gradient(lambda x: np.sum(f(x)), X0)
    ad.hessian(lambda x: np.sum(f(x)))(X0)
    ad.hvp(lambda x: np.sum(f(x)), X0, np.ones(2))
    assert f.calls == 3


def test_derivative_runs_f_once():
    calls = []

    def f(s):
        calls.append(s)
        return dm.sqrt(s) * 0.0 + math.nan
    ad.derivative(f, 0.0)
    assert len(calls) == 1


def test_a_random_f_gives_its_first_draw():
    rng = np.random.default_rng(0)
    draws = []

    def f(x):
        draws.append(rng.normal())
        return np.sqrt(x) * 0.0 + draws[-1]
    value, _ = ad.jvp(f, (X0,), (np.ones(2),))
    assert draws == [value[0]]


def test_zero_lanes_stay_zero_in_one_pass():
    # 0 * d sqrt(x): the lane that moves is 0 * inf = nan (no rule can say better), and
    # every lane whose tangent is 0 stays 0 -- in the one and only pass
    f = Counted(np.sqrt)
    J = ad.jacfwd(f)(X0)
    np.testing.assert_array_equal(J, [[np.nan, 0.0], [0.0, 0.0]])
    assert f.calls == 1


# --- item 15: no floating-point warning from partials or guards ----------------------

def test_jacfwd_at_a_singular_point_warns_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = ad.jacfwd(lambda x: np.sqrt(x) * np.array([1.0, -1.0]))(np.zeros(2))
    np.testing.assert_array_equal(J, [[np.inf, 0.0], [0.0, -np.inf]])


def test_an_array_dual_outside_a_transformation_warns_only_for_its_primal():
    x = ad.DualArray(np.array([0.0, 1.0]), np.array([0.0, 1.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = np.sqrt(x)   # sqrt(0) = 0 is fine in NumPy; its partial inf is not the user's
    np.testing.assert_array_equal(y.tangent, [0.0, 0.5])
    with pytest.warns(RuntimeWarning, match="invalid value"):
        np.sqrt(-x)      # as np.sqrt([-0.0, -1.0]) warns
