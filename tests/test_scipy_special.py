"""scipy.special's ufuncs on duals: every rule that names scipy.special ufuncs
(``Rule.scipy``), looked up by the ufunc object.

Expected values come from outside dualad: scipy's own primal (bit for bit), central
differences of scipy's function, and mpmath (``mpmath.diff`` of the rule's mpmath primal,
which tests/rulecheck.py checks at 40 digits for every rule).
"""
from __future__ import annotations

import mpmath
import numpy as np
import pytest

import dualad as ad

special = pytest.importorskip("scipy.special")

CASES = [(rule, name, point) for rule in ad.rules for name in rule.scipy
         for point in rule.at]


def _ufunc(entry):
    """The ufunc a rule's scipy entry names: ``special.<name>``, or for a pair (public
    name, path) the private ufunc the public function calls, ``special._ufuncs._zeta``."""
    if isinstance(entry, str):
        return getattr(special, entry)
    obj = special
    for part in entry[1].split("."):
        obj = getattr(obj, part)
    return obj


def _id(case):
    rule, name, point = case
    return f"{name if isinstance(name, str) else name[1]}{point}"


def _scipy_args(rule, point):
    return [a if isinstance(a, int) and not isinstance(a, bool) else float(a) for a in point]


def _differentiable(rule):
    return [i for i, p in enumerate(rule.partials) if p is not None]


def _central(f, args, i, h=1e-6):
    up, down = list(args), list(args)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


def _mp_derivative(rule, args, i):
    with mpmath.workdps(40):
        a = [mpmath.mpf(x) if isinstance(x, float) else x for x in args]

        def g(s):
            b = list(a)
            b[i] = a[i] + s
            return rule.impl["mpf"](*b)
        return float(mpmath.diff(g, 0))


def test_scipy_names_are_ufuncs_of_the_table():
    assert CASES, "no rule names a scipy.special ufunc"
    for rule in ad.rules:
        for name in rule.scipy:
            assert isinstance(_ufunc(name), np.ufunc)
            assert ad.rules.ufuncs[_ufunc(name)] is rule
    assert ad.rules.ufuncs[special.psi] is ad.rules.ufuncs[special.digamma]


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_scipy_ufunc_on_a_dual(case):
    rule, name, point = case
    f = _ufunc(name)
    args = _scipy_args(rule, point)
    for i in _differentiable(rule):
        duals = list(args)
        duals[i] = ad.Dual(args[i], 1.0)
        out = f(*duals)
        assert isinstance(out, ad.Dual)
        assert out.value == f(*args)   # scipy's primal, bit for bit
        np.testing.assert_allclose(out.tangent, _central(f, args, i), rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(out.tangent, _mp_derivative(rule, args, i), rtol=1e-12,
                                   atol=1e-15)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_scipy_ufunc_on_a_dual_array(case):
    rule, name, point = case
    f = _ufunc(name)
    args = _scipy_args(rule, point)
    for i in _differentiable(rule):
        arrays = [np.full(3, a) if j == i else a for j, a in enumerate(args)]
        arrays[i] = ad.DualArray(arrays[i], np.array([1.0, 2.0, -1.0]))
        out = f(*arrays)
        plain = f(*[np.full(3, a) if j == i else a for j, a in enumerate(args)])
        assert np.array_equal(out.value, plain)
        d = _mp_derivative(rule, args, i)
        np.testing.assert_allclose(out.tangent, d * np.array([1.0, 2.0, -1.0]), rtol=1e-12,
                                   atol=1e-15)
        # inside a pass (the fast paths) too
        g = ad.jacfwd(lambda v: f(*[v if j == i else a for j, a in enumerate(args)]))
        np.testing.assert_allclose(np.diag(g(np.full(3, args[i]))), [d] * 3, rtol=1e-12,
                                   atol=1e-15)


def test_gammaln_hessian():
    x = np.array([0.7, 2.5, 6.1])
    h = ad.hessian(lambda v: special.gammaln(v).sum())(x)
    with mpmath.workdps(30):
        expected = [float(mpmath.psi(1, v)) for v in x]
    np.testing.assert_allclose(h, np.diag(expected), rtol=1e-12)


def test_gamma_third_derivative_taylor():
    with mpmath.workdps(30):
        expected = float(mpmath.diff(mpmath.gamma, 2.5, 3))
    assert ad.derivative(special.gamma, 2.5, n=3) == pytest.approx(expected, rel=1e-12)
    with mpmath.workdps(30):
        expected = float(mpmath.diff(mpmath.erf, 0.3, 3))
    assert ad.derivative(lambda x: special.erf(x) * 1.0, 0.3, n=3) == \
        pytest.approx(expected, rel=1e-12)


def test_jacfwd_sparsity_auto_through_scipy():
    x = np.array([0.3, 1.2, 2.5, 4.0])
    jac = ad.jacfwd(lambda v: special.gamma(v) * special.erf(v), sparsity="auto")(x)
    with mpmath.workdps(30):
        expected = [float(mpmath.diff(lambda t: mpmath.gamma(t) * mpmath.erf(t), v))
                    for v in x]
    dense = jac.toarray() if hasattr(jac, "toarray") else np.asarray(jac)
    assert np.count_nonzero(dense - np.diag(np.diag(dense))) == 0
    np.testing.assert_allclose(np.diag(dense), expected, rtol=1e-12)


def test_a_scipy_ufunc_without_a_rule_names_scipy():
    no_rule = special.struve
    assert no_rule not in ad.rules.ufuncs
    with pytest.raises(TypeError, match=r"scipy\.special\.struve has no tangent rule"):
        no_rule(ad.Dual(1.0, 1.0), 2.0)
    with pytest.raises(TypeError, match=r"scipy\.special\.struve has no tangent rule"):
        no_rule(1.0, ad.DualArray(np.array([2.0]), np.ones(1)))


def test_numpy_and_scipy_ufuncs_of_one_name_are_two_keys():
    # scipy.special.cbrt is not np.cbrt: each is looked up as the object it is
    assert special.cbrt is not np.cbrt
    assert ad.rules.ufuncs[np.cbrt] is ad.rules.ufuncs[special.cbrt]
    assert ad.rules.ufunc_name(special.cbrt) == "scipy.special.cbrt"
    assert ad.rules.ufunc_name(np.cbrt) == "numpy.cbrt"
    assert ad.rules.ufunc_name(np.abs) == "numpy.absolute"
    assert np.abs(ad.Dual(-2.0, 1.0)).tangent == -1.0


def test_complex_where_scipy_takes_complex():
    z = 0.3 + 0.4j
    for f, mp in ((special.gamma, mpmath.gamma), (special.erf, mpmath.erf),
                  (special.erfc, mpmath.erfc), (special.log1p, mpmath.log1p)):
        out = f(ad.Dual(z, 1.0))
        assert out.value == f(z)
        with mpmath.workdps(30):
            expected = complex(mpmath.diff(mp, mpmath.mpc(z)))
        assert abs(out.tangent - expected) <= 1e-12 * abs(expected)


def test_real_only_scipy_ufunc_refuses_complex():
    with pytest.raises(TypeError):
        special.gammaln(ad.Dual(0.3 + 0.4j, 1.0))


def test_bessel_first_order_at_zero():
    # j1'(0) = i1'(0) = i1e'(0) = 1/2 (the series x/2 + ...), the partials' 0/0 avoided
    for f in (special.j1, special.i1, special.i1e):
        assert f(ad.Dual(0.0, 1.0)).tangent == 0.5
        assert np.array_equal(f(ad.DualArray(np.zeros(2), np.ones(2))).tangent, [0.5, 0.5])


def test_bessel_third_derivative_taylor():
    with mpmath.workdps(30):
        expected = float(mpmath.diff(lambda t: mpmath.besselj(0, t), 1.3, 3))
    assert ad.derivative(special.j0, 1.3, n=3) == pytest.approx(expected, rel=1e-12)
    with mpmath.workdps(30):
        expected = float(mpmath.diff(lambda t: mpmath.log(mpmath.beta(t, 2.5)), 0.7, 3))
    assert ad.derivative(lambda a: special.betaln(a, 2.5), 0.7, n=3) == \
        pytest.approx(expected, rel=1e-12)


def test_log_ndtr_far_in_the_tail():
    out = special.log_ndtr(ad.Dual(-40.0, 1.0))
    with mpmath.workdps(30):
        expected = float(mpmath.diff(lambda t: mpmath.log(mpmath.ncdf(t)), -40))
    assert out.value == special.log_ndtr(-40.0)
    assert out.tangent == pytest.approx(expected, rel=1e-12)


def test_complex_erfcx_on_a_dual_array():
    z = np.array([0.3 + 0.4j, -1.0 + 0.5j])
    out = special.erfcx(ad.DualArray(z, np.ones(2)))
    assert np.array_equal(out.value, special.erfcx(z))
    with mpmath.workdps(30):
        expected = [complex(mpmath.diff(lambda t: mpmath.exp(t * t) * mpmath.erfc(t),
                                        mpmath.mpc(v))) for v in z]
    np.testing.assert_allclose(out.tangent, expected, rtol=1e-12)


def test_real_only_bessel_refuses_complex():
    with pytest.raises(TypeError):
        special.j0(ad.Dual(0.3 + 0.4j, 1.0))
    with pytest.raises(TypeError):
        special.j0(ad.DualArray(np.array([0.3 + 0.4j]), np.ones(1)))


def test_elliptic_partials_at_zero_are_nan_not_a_wrong_number():
    # K'(0) = pi/8 is the limit of 0/0 in the table's partial: nan, never a guess
    for f in (special.ellipk, special.ellipe):
        out = f(ad.Dual(0.0, 1.0))
        assert out.value == f(0.0) and np.isnan(out.tangent)


def test_complex_loggamma_is_the_principal_branch():
    z = -1.5 + 0.5j
    out = special.loggamma(ad.Dual(z, 1.0))
    assert out.value == special.loggamma(z)
    with mpmath.workdps(30):
        assert abs(complex(mpmath.loggamma(z)) - out.value) < 1e-13
        expected = complex(mpmath.digamma(z))
    assert abs(out.tangent - expected) <= 1e-12 * abs(expected)


def test_bessel_order_is_not_differentiated():
    with pytest.raises(TypeError, match="'v' is not differentiated"):
        special.jv(ad.Dual(0.5, 1.0), 1.3)
    with pytest.raises(TypeError, match="'v' is not differentiated"):
        special.kv(ad.DualArray(np.array([0.5]), np.ones(1)), 1.3)
    with pytest.raises(TypeError, match="'a' is not differentiated"):
        special.gammainc(ad.Dual(2.5, 1.0), 1.3)


def test_incomplete_gamma_and_beta_at_the_ends():
    # P(1, x) = 1 - e^-x: P' = e^-x, P'' = -e^-x, also at x = 0 (where log(x) is -inf)
    assert special.gammainc(1.0, ad.Dual(0.0, 1.0)).tangent == 1.0
    assert ad.derivative(lambda x: special.gammainc(1.0, x), 0.0, n=2) == -1.0
    assert special.gammaincc(1.0, ad.Dual(0.0, 1.0)).tangent == -1.0
    # I_x(2, 1) = x^2, I_x(1, 1) = x
    assert special.betainc(2.0, 1.0, ad.Dual(1.0, 1.0)).tangent == pytest.approx(2.0, rel=1e-15)
    assert special.betainc(1.0, 1.0, ad.Dual(0.0, 1.0)).tangent == pytest.approx(1.0, rel=1e-15)


def test_series_with_a_non_integer_order():
    # the order is fixed; the series in x against mpmath
    with mpmath.workdps(30):
        expected = float(mpmath.diff(lambda t: mpmath.besselj(0.5, t), 1.3, 3))
    assert ad.derivative(lambda x: special.jv(0.5, x), 1.3, n=3) == \
        pytest.approx(expected, rel=1e-12)
    with mpmath.workdps(30):
        expected = float(mpmath.diff(
            lambda t: mpmath.gammainc(2.5, 0, t, regularized=True), 1.3, 3))
    assert ad.derivative(lambda x: special.gammainc(2.5, x), 1.3, n=3) == \
        pytest.approx(expected, rel=1e-12)


def test_incomplete_gamma_outside_its_domain_is_nan():
    # scipy: P(a, x) is nan for a < 0 (mpmath continues it analytically); so is its tangent
    for f in (special.gammainc, special.gammaincc):
        out = f(-1.5, ad.Dual(2.0, 1.0))
        assert np.isnan(out.value) and np.isnan(out.tangent)
    out = special.betainc(-0.5, 2.0, ad.Dual(0.3, 1.0))
    assert np.isnan(out.value) and np.isnan(out.tangent)


#: issue 14's list of scipy.special functions, called as user code calls them (public
#: names, order arguments first), at a point each: the tangent of the unchanged call
ISSUE_LIST = [
    ("gamma", lambda x: special.gamma(x), 2.5), ("gammaln", special.gammaln, 3.1),
    ("loggamma", special.loggamma, 2.2), ("digamma", special.digamma, 1.7),
    ("psi", special.psi, 1.7), ("beta", lambda x: special.beta(x, 2.5), 0.7),
    ("betaln", lambda x: special.betaln(1.5, x), 0.7), ("erf", special.erf, 0.3),
    ("erfc", special.erfc, 0.3), ("erfcx", special.erfcx, 1.2),
    ("erfinv", special.erfinv, 0.4), ("erfcinv", special.erfcinv, 0.4),
    ("ndtr", special.ndtr, -0.6), ("log_ndtr", special.log_ndtr, -3.0),
    ("ndtri", special.ndtri, 0.3), ("expit", special.expit, 0.8),
    ("logit", special.logit, 0.3), ("log_expit", special.log_expit, -2.0),
    ("xlogy", lambda x: special.xlogy(x, 2.5), 0.7),
    ("xlogy y", lambda y: special.xlogy(0.7, y), 2.5),
    ("xlog1py", lambda y: special.xlog1py(0.7, y), 0.5), ("entr", special.entr, 0.4),
    ("rel_entr", lambda x: special.rel_entr(x, 1.5), 0.4),
    ("kl_div", lambda y: special.kl_div(0.4, y), 1.5),
    ("j0", special.j0, 2.1), ("j1", special.j1, 2.1), ("jv", lambda x: special.jv(1.5, x), 2.1),
    ("y0", special.y0, 2.1), ("y1", special.y1, 2.1), ("yv", lambda x: special.yv(0.5, x), 2.1),
    ("i0", special.i0, 1.1), ("i0e", special.i0e, 1.1), ("i1", special.i1, 1.1),
    ("i1e", special.i1e, 1.1), ("iv", lambda x: special.iv(2.0, x), 1.1),
    ("ive", lambda x: special.ive(2.0, x), 1.1), ("k0", special.k0, 1.1),
    ("k1", special.k1, 1.1), ("kv", lambda x: special.kv(0.5, x), 1.1),
    ("kve", lambda x: special.kve(0.5, x), 1.1), ("ellipk", special.ellipk, 0.3),
    ("ellipe", special.ellipe, 0.3),
    ("lambertw", lambda x: special.lambertw(x).real, 1.3),
    ("lambertw k=-1", lambda x: special.lambertw(x, k=-1).real, -0.2),
    ("gammainc", lambda x: special.gammainc(2.5, x), 1.3),
    ("gammaincc", lambda x: special.gammaincc(2.5, x), 1.3),
    ("betainc", lambda x: special.betainc(2.0, 3.0, x), 0.4),
    ("zeta", special.zeta, 2.5), ("zeta q", lambda q: special.zeta(3.0, q), 1.4),
    ("sinc", np.sinc, 0.3), ("exp10", special.exp10, 0.3), ("exp2", special.exp2, 0.3),
    ("cosdg", special.cosdg, 30.0), ("sindg", special.sindg, 30.0),
    ("cbrt", special.cbrt, 2.0), ("softplus", special.softplus, 0.7),
]


@pytest.mark.parametrize("name, f, x", ISSUE_LIST, ids=[c[0] for c in ISSUE_LIST])
def test_the_issue_list_differentiates_unchanged(name, f, x):
    out = f(ad.Dual(x, 1.0))
    h = 1e-6 * max(1.0, abs(x))
    expected = (f(x + h) - f(x - h)) / (2 * h)
    assert complex(out.value) == complex(f(x))
    np.testing.assert_allclose(complex(out.tangent).real, expected, rtol=1e-7, atol=1e-9)
    second = ad.derivative(f, x, n=2)
    expected2 = (f(x + 1e-4 * max(1, abs(x))) - 2 * f(x) + f(x - 1e-4 * max(1, abs(x)))) \
        / (1e-4 * max(1, abs(x))) ** 2
    np.testing.assert_allclose(second, expected2, rtol=1e-4, atol=1e-6)
