"""Taylor mode against mpmath.taylor at 50 digits, for every smooth rule of the table,
and published derivative values."""
import math

import mpmath
import numpy as np
import pytest

import dualad as ad
from dualad.functions import GENERIC_FUNCTIONS

ORDER = 6
DPS = 50


def _taylor_cases(complex_=False):
    cases = []
    for rule in ad.rules:
        if rule.kind != "smooth" or rule.jvp is not None or rule.name not in GENERIC_FUNCTIONS:
            continue
        if complex_ and rule.complex_jvp is not None:
            continue   # |z| is not holomorphic: no complex Taylor series
        for point in (rule.at_complex if complex_ else rule.at):
            if any(isinstance(a, int) and not isinstance(a, bool) for a in point):
                continue   # integer arguments (ldexp's i, polygamma's n) stay fixed
            cases.append((rule, point))
    return cases


REAL = _taylor_cases()
COMPLEX = _taylor_cases(complex_=True)


def _directional(rule, point, complex_):
    """The series of t -> rule(a_1 + d_1 t, ..., a_m + d_m t), d = 1, -2, 3, ..."""
    slopes = [(-1) ** i * (i + 1) for i in range(len(point))]
    convert = mpmath.mpc if complex_ else mpmath.mpf
    args = [convert(a) for a in point]
    fn = GENERIC_FUNCTIONS[rule.name]
    ours = ad.taylor(lambda t: fn(*[a + d * t for a, d in zip(args, slopes)]),
                     convert(0), ORDER)
    reference_fn = rule.impl["mpc" if complex_ else "mpf"]
    reference = mpmath.taylor(lambda t: reference_fn(*[a + d * t for a, d in zip(args, slopes)]),
                              0, ORDER)
    return ours, reference


def _reference_is_complex(rule, point):
    slopes = [(-1) ** i * (i + 1) for i in range(len(point))]
    args = [mpmath.mpf(a) for a in point]
    return any(isinstance(c, mpmath.mpc) for c in mpmath.taylor(
        lambda t: rule.impl["mpf"](*[a + d * t for a, d in zip(args, slopes)]), 0, 2))


def _agree(ours, reference, what):
    scale = max(1, max(abs(r) for r in reference))
    for k, (a, b) in enumerate(zip(ours, reference)):
        assert abs(a - b) <= mpmath.mpf(10) ** -40 * scale, f"{what}: coefficient {k}: {a} vs {b}"


@pytest.mark.parametrize("case", REAL, ids=[f"{r.name}{p}" for r, p in REAL])
def test_taylor_of_every_rule_matches_mpmath(case):
    rule, point = case
    with mpmath.workdps(DPS):
        complex_valued = isinstance(rule.impl["float"](*point), complex)   # cmath.rect
        if not complex_valued and _reference_is_complex(rule, point):
            # e.g. (-1.5 + t) ** (2 - 2t) has no real series: an error, not a number
            with pytest.raises(ValueError):
                _directional(rule, point, False)
            return
        ours, reference = _directional(rule, point, False)
        _agree(ours, reference, f"{rule.name}{point}")


@pytest.mark.parametrize("case", COMPLEX, ids=[f"{r.name}{p}" for r, p in COMPLEX])
def test_taylor_of_every_rule_matches_mpmath_complex(case):
    rule, point = case
    with mpmath.workdps(DPS):
        ours, reference = _directional(rule, point, True)
        _agree(ours, reference, f"{rule.name}{point}")


def test_published_derivatives_of_exp_cos_sin():
    m = ad.math
    got = ad.derivatives(lambda x: m.exp(x) * m.cos(x) * m.sin(x), 1.0, 3)
    published = [1.23586333600241, 0.104658952245596, -5.96999877552086, -12.4632923122697]
    np.testing.assert_allclose(got, published, rtol=1e-14)


def test_published_derivatives_of_gamma():
    published = [2, 1.84556867019693, 2.49292999190269, 3.44996501352367]
    np.testing.assert_allclose(ad.derivatives(ad.math.gamma, 3.0, 3), published, rtol=1e-14)


def test_order_16_of_the_benchmark_function_at_50_digits():
    m = ad.math
    with mpmath.workdps(DPS):
        x = mpmath.mpf("0.3")
        ours = ad.taylor(lambda t: m.exp(m.sin(t)) / (1 + t * t), x, 16)
        reference = mpmath.taylor(lambda t: mpmath.exp(mpmath.sin(t)) / (1 + t * t), x, 16)
        _agree(ours, reference, "exp(sin x)/(1 + x^2)")
    floats = ad.taylor(lambda t: m.exp(m.sin(t)) / (1 + t * t), 0.3, 16)
    np.testing.assert_allclose(floats, [float(r) for r in reference], rtol=1e-11)


def test_derivative_of_high_order_uses_taylor_and_matches_nesting():
    m = ad.math
    f = lambda x: m.atan(x) * m.exp(-x * x)  # noqa: E731
    nested = ad.derivative(lambda y: ad.derivative(lambda z: ad.derivative(f, z), y), 0.7)
    assert ad.derivative(f, 0.7, 3) == pytest.approx(nested, rel=1e-13)


def test_elementwise_series_on_arrays():
    x = np.array([0.0, 0.5, 2.0])
    coeffs = ad.taylor(np.exp, x, 3)
    for k, c in enumerate(coeffs):
        np.testing.assert_allclose(c, np.exp(x) / math.factorial(k), rtol=1e-15)


def test_directional_series_of_a_multivariate_function():
    # f(x + t v) for f = x0 * x1^2, x = (1, 2), v = (1, -1): (1 + t)(2 - t)^2
    coeffs = ad.taylor(lambda w: w[0] * w[1] ** 2, [1.0, 2.0], 3, direction=[1.0, -1.0])
    assert coeffs == [4.0, 0.0, -3.0, 1.0]


def test_integer_powers_are_exact_at_zero():
    assert ad.derivatives(lambda x: x ** 3, 0.0, 4) == [0.0, 0.0, 0.0, 6.0, 0.0]


def test_mpmath_precision_is_kept():
    with mpmath.workdps(60):
        c = ad.taylor(ad.math.log1p, mpmath.mpf(1) / 7, 5)
        ref = mpmath.taylor(mpmath.log1p, mpmath.mpf(1) / 7, 5)
        assert all(abs(a - b) < mpmath.mpf(10) ** -55 for a, b in zip(c, ref))


def test_taylor_errors():
    with pytest.raises(ValueError, match="non-negative"):
        ad.taylor(ad.math.sin, 1.0, -1)
    with pytest.raises(ValueError, match="direction"):
        ad.taylor(lambda v: v[0], [1.0, 2.0], 2)
    with pytest.raises(TypeError, match="f returned"):
        ad.taylor(lambda t: "x", 1.0, 2)
    with pytest.raises(TypeError, match="callable"):
        ad.derivatives(3, 1.0, 2)
