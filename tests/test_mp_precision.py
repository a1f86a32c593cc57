"""mpmath values keep the working precision where they meet plain constants.

A rule applied to an mpmath value and a Python float (``s ** (1/3)``, ``atan2(s, 0.3)``)
must evaluate its primal, its partials (``y - 1``, ``x*x + y*y``) and its Taylor
recurrences in mpmath, not in double. The float is promoted exactly: the expected value
is the derivative of the function of ``mpmath.mpf(0.3)`` (the double nearest 0.3), not of
``mpmath.mpf('0.3')``. References come from ``mpmath.diff`` / ``mpmath.taylor`` of the
rule's mpmath primal at 40 digits; agreement is required to 1e-35.

The cases are generated from the table: every smooth rule of two or more arguments, at
each of its sample points, moving one argument (an mpmath dual or jet) while the others
stay plain Python numbers.
"""
import mpmath
import numpy as np
import pytest

import dualad as ad
from dualad import math as dm
from dualad.stdlib.differentiable import GENERIC_FUNCTIONS

DPS = 40
AGREE = mpmath.mpf(10) ** -35


def _exact(a):
    return a if isinstance(a, int) else mpmath.mpf(a)


def _real_reference(rule, point, i):
    """True when the rule's mpmath primal is real near the point along argument i
    (pow(-1.5, y) is not: the case has no real derivative to compare)."""
    exact = [_exact(a) for a in point]
    try:
        with mpmath.workdps(DPS):
            d = mpmath.diff(lambda s: rule.impl["mpf"](*exact[:i], s, *exact[i + 1:]),
                            exact[i])
    except (ValueError, ZeroDivisionError):
        return False
    return isinstance(d, mpmath.mpf)


def _mixed_cases():
    cases = []
    for rule in ad.rules:
        if rule.kind != "smooth" or rule.jvp is not None or rule.arity == 1 \
                or rule.name not in GENERIC_FUNCTIONS or "mpf" not in rule.impl:
            continue
        for point in rule.at:
            for i, a in enumerate(point):
                partial = rule.partials[0 if rule.variadic else i]
                if partial is None or isinstance(a, int):
                    continue   # integer arguments (ldexp's i, polygamma's n) do not move
                if _real_reference(rule, point, i):
                    cases.append((rule, point, i))
    return cases


MIXED = _mixed_cases()
IDS = [f"{r.name}{p}-moving-{i}" for r, p, i in MIXED]


def _functions(rule, point, i):
    """(ours, reference): the rule as a function of argument i, the others constants --
    plain Python numbers for dualad, the same numbers as exact mpf for mpmath."""
    fn = GENERIC_FUNCTIONS[rule.name]
    reference = rule.impl["mpf"]
    constants = list(point)
    exact = [_exact(a) for a in point]

    def ours(s):
        return fn(*constants[:i], s, *constants[i + 1:])

    def ref(s):
        return reference(*exact[:i], s, *exact[i + 1:])
    return ours, ref


def _agree(ours, reference, what):
    assert isinstance(ours, mpmath.mpf), f"{what}: {type(ours).__name__}, not mpf"
    assert abs(ours - reference) <= AGREE * max(1, abs(reference)), \
        f"{what}: {ours} vs {reference} (difference {abs(ours - reference)})"


def test_the_cases_cover_the_rules_that_mix_constants():
    names = {rule.name for rule, _, _ in MIXED}
    assert {"pow", "atan2", "hypot", "log_base", "copysign", "fmod", "logaddexp"} <= names


@pytest.mark.parametrize("case", MIXED, ids=IDS)
def test_first_derivative_beside_float_constants(case):
    rule, point, i = case
    with mpmath.workdps(DPS):
        ours, ref = _functions(rule, point, i)
        s = mpmath.mpf(point[i])
        _agree(ad.derivative(ours, s), mpmath.diff(ref, s), f"{rule.name}{point}")


@pytest.mark.parametrize("case", MIXED, ids=IDS)
def test_second_derivative_by_nested_duals_beside_float_constants(case):
    rule, point, i = case
    with mpmath.workdps(DPS):
        ours, ref = _functions(rule, point, i)
        s = mpmath.mpf(point[i])
        nested = ad.derivative(lambda y: ad.derivative(ours, y), s)
        _agree(nested, mpmath.diff(ref, s, 2), f"{rule.name}{point}")


@pytest.mark.parametrize("case", MIXED, ids=IDS)
def test_taylor_series_beside_float_constants(case):
    rule, point, i = case
    with mpmath.workdps(DPS):
        ours, ref = _functions(rule, point, i)
        s = mpmath.mpf(point[i])
        series = ad.taylor(ours, s, 4)
        for k, (a, b) in enumerate(zip(series, mpmath.taylor(ref, s, 4))):
            _agree(a, b, f"{rule.name}{point} coefficient {k}")


# --- the reproducers and the operators --------------------------------------

def test_power_with_a_float_exponent():
    with mpmath.workdps(DPS):
        s, r = mpmath.mpf(2), mpmath.mpf(1 / 3)       # the double nearest 1/3, exactly
        _agree(ad.derivative(lambda x: x ** (1 / 3), s), r * s ** (r - 1), "s**(1/3)")


def test_atan2_with_a_float_coordinate():
    with mpmath.workdps(DPS):
        s, c = mpmath.mpf(2), mpmath.mpf(0.3)
        _agree(ad.derivative(lambda x: dm.atan2(x, 0.3), s), c / (s * s + c * c),
               "atan2(s, 0.3)")


def test_third_derivative_of_a_power_by_taylor_mode():
    with mpmath.workdps(DPS):
        s, r = mpmath.mpf(2), mpmath.mpf(1 / 3)
        expected = r * (r - 1) * (r - 2) * s ** (r - 3)
        _agree(ad.derivative(lambda x: x ** (1 / 3), s, 3), expected, "(s**(1/3))'''")


def test_integer_constants_in_operators():
    with mpmath.workdps(DPS):
        s = mpmath.mpf(2)
        # d/ds (s/3 + 7/s) = 1/3 - 7/s^2, d2 = 14/s^3
        _agree(ad.derivative(lambda x: x / 3 + 7 / x, s), mpmath.mpf(1) / 3 - 7 / s ** 2, "d1")
        _agree(ad.derivative(lambda x: x / 3 + 7 / x, s, 2), 14 / s ** 3, "d2")


# --- several directions at once -------------------------------------------------------

def test_jvp_with_a_float_tangent_on_an_mpmath_primal():
    with mpmath.workdps(DPS):
        _, tangent = ad.jvp(lambda v: v / 3, (mpmath.mpf(2),), (1.0,))
        _agree(tangent, mpmath.mpf(1) / 3, "jvp of v/3")


def test_jacobian_of_mpmath_inputs_keeps_precision_in_every_direction():
    with mpmath.workdps(DPS):
        x = [mpmath.mpf(2), mpmath.mpf(3)]
        J = ad.jacfwd(lambda v: [v[0] / 3, v[0] ** (1 / 3) * dm.atan2(v[1], 0.3)])(x)
        r, c = mpmath.mpf(1 / 3), mpmath.mpf(0.3)
        expected = [[mpmath.mpf(1) / 3, 0],
                    [r * x[0] ** (r - 1) * mpmath.atan2(x[1], c),
                     x[0] ** r * c / (x[1] ** 2 + c * c)]]
        for i in range(2):
            for j in range(2):
                assert abs(J[i][j] - expected[i][j]) <= AGREE, (i, j, J[i][j])


def test_hessian_of_mpmath_inputs_beside_float_constants():
    with mpmath.workdps(DPS):
        x = [mpmath.mpf(2), mpmath.mpf(3)]
        H = ad.hessian(lambda v: v[0] ** (1 / 3) * dm.hypot(v[1], 0.3))(x)
        r, c = mpmath.mpf(1 / 3), mpmath.mpf(0.3)
        h = mpmath.sqrt(x[1] ** 2 + c * c)
        expected = [[r * (r - 1) * x[0] ** (r - 2) * h, r * x[0] ** (r - 1) * x[1] / h],
                    [r * x[0] ** (r - 1) * x[1] / h, x[0] ** r * c * c / h ** 3]]
        for i in range(2):
            for j in range(2):
                assert abs(H[i][j] - expected[i][j]) <= AGREE, (i, j, H[i][j])


def test_directional_taylor_series_with_a_float_direction():
    with mpmath.workdps(DPS):
        # (1 + 0.1 t)(2 + 0.3 t): t^2 coefficient 0.1 * 0.3 in mpmath, not in double
        series = ad.taylor(lambda w: w[0] * w[1], [mpmath.mpf(1), mpmath.mpf(2)], 2,
                           direction=[0.1, 0.3])
        _agree(series[2], mpmath.mpf(0.1) * mpmath.mpf(0.3), "t^2 coefficient")


def test_numpy_float_constants_are_promoted_too():
    with mpmath.workdps(DPS):
        s, c = mpmath.mpf(2), mpmath.mpf(0.3)
        got = ad.derivative(lambda x: dm.atan2(x, np.float64(0.3)), s)
        _agree(got, c / (s * s + c * c), "atan2(s, np.float64(0.3))")
