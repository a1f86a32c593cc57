"""Python's operators on jets (the operator table on Jet, issue 13): the cases at risk.

Expected values by hand."""
from __future__ import annotations

import cmath
import math

import pytest

import dualad as ad


def test_a_number_times_a_jet_with_an_inf_coefficient_is_per_coefficient():
    # sqrt(t) at 0: coefficients 0, inf, -inf (sqrt'(0+) = inf, sqrt''(0+) = -inf).
    # A Cauchy product with [2, 0, 0] would give inf * 0 = nan in coefficient 2.
    sqrt_t = [0.0, math.inf, -math.inf]
    assert ad.taylor(lambda x: x ** 0.5, 0.0, 2) == sqrt_t
    assert ad.taylor(lambda x: 2 * x ** 0.5, 0.0, 2) == sqrt_t
    assert ad.taylor(lambda x: x ** 0.5 * 2, 0.0, 2) == sqrt_t
    assert ad.taylor(lambda x: x ** 0.5 / 2, 0.0, 2) == sqrt_t
    assert ad.taylor(lambda x: x ** 0.5 * -1.0, 0.0, 2) == [-0.0, -math.inf, math.inf]


def test_jets_of_two_tags_on_both_sides_of_each_operator():
    # h(x) = d/dy at y = 1 of x y + y x - y / x + (x + y) + (y - x) + x / y + y ** x + x ** y
    #      = x + x - 1/x + 1 + 1 - x + x + x ln x   (d/dy x/y = -x, y^x: x, x^y: x ln x)
    #      = 2x - 1/x + 2 + x ln x;  h' = 2 + 1/x^2 + ln x + 1;  h''/2 = (-2/x^3 + 1/x) / 2
    def h(x):
        return ad.taylor(lambda y: x * y + y * x - y / x + (x + y) + (y - x) + x / y
                         + y ** x + x ** y, 1.0, 2)[1]
    x = 2.0
    expected = [2 * x - 1 / x + 2 + x * math.log(x), 3 + 1 / x ** 2 + math.log(x),
                (-2 / x ** 3 + 1 / x) / 2]
    assert ad.taylor(h, x, 2) == pytest.approx(expected, rel=1e-14)


def test_a_jet_to_a_real_power_at_a_negative_primal_is_python_s_complex_power():
    # Python's (-4.0) ** 0.5 is the principal root 2j: then (d/dx) x^0.5 = 0.5 / 2j = -0.25j
    # and the second coefficient (1/2)(0.5)(-0.5) x^-1.5 = -0.125 * (1 / (-8j)) = -0.015625j
    got = ad.taylor(lambda x: x ** 0.5, -4.0, 2)
    for c, e in zip(got, [2j, -0.25j, -0.015625j]):
        assert cmath.isclose(c, e, rel_tol=1e-15, abs_tol=1e-15)
    assert ad.taylor(lambda x: x ** 2.0, -4.0, 2) == [16.0, -8.0, 1.0]


def test_unary_operators_and_comparisons_of_a_jet():
    assert ad.taylor(lambda x: -x * x, 3.0, 2) == [-9.0, -6.0, -1.0]
    assert ad.taylor(lambda x: +x, 3.0, 2) == [3.0, 1.0, 0.0]
    assert ad.taylor(lambda x: abs(x) * x, -3.0, 2) == [-9.0, 6.0, -1.0]
    assert ad.taylor(lambda x: x * (1.0 if x > 2 and x >= 3 and x < 4 and x <= 3 and x == 3
                                    and x != 2 else 2.0), 3.0, 1) == [3.0, 1.0]


def test_a_dual_of_a_later_pass_takes_floordiv_and_mod_of_a_jet():
    # g(x) = d/dd (x % d + d x) at d = 2 = -floor(x / d) + x (d/db a % b = -floor(a / b)):
    # at x = 7, g = -3 + 7 = 4, g' = 1 (floor is flat). Before, the jet applied % to the
    # later dual and lost its derivative: [7, 1, 0].
    assert ad.taylor(lambda x: ad.derivative(lambda d: x % d + d * x, 2.0), 7.0, 2) == \
        [4.0, 1.0, 0.0]
    # d/dd (x // d + d x) = 0 + x
    assert ad.taylor(lambda x: ad.derivative(lambda d: x // d + d * x, 2.0), 7.0, 2) == \
        [7.0, 1.0, 0.0]


def test_jets_of_one_pass_and_different_orders_combine_at_the_smaller_order():
    from dualad.taylor.apply import Jet
    long, short = Jet([1.0, 2.0, 3.0]), Jet([1.0, 1.0])   # 1 + 2t + 3t^2, 1 + t
    assert (long * short).coeffs == [1.0, 3.0]             # (1 + 2t)(1 + t) = 1 + 3t + ...
    assert (short * long).coeffs == [1.0, 3.0]
    assert (long / short).coeffs == [1.0, 1.0]             # (1 + 2t)/(1 + t) = 1 + t + ...
    assert (long + short).coeffs == [2.0, 3.0]
