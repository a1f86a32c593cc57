"""Second and third order of x**y where the exponent is 0 (review of issue 12).

The partial d/dx = y*x**(y-1) must keep its own tangent at y = 0: only at x = 0 is it
replaced by the convention 0 (x**0 has tangent 0). References: mpmath.diff of the
mpmath power, and the hand formula d^2(b^y)/db dy = b^(y-1) (1 + y ln b)."""
import mpmath
import numpy as np

import dualad as ad


def test_mixed_partial_of_power_at_exponent_zero():
    h = ad.hessian(lambda v: v[0] ** v[1])(np.array([1.2, 0.0]))
    b = 1.2
    assert np.isclose(h[0, 1], 1 / b) and np.isclose(h[1, 0], 1 / b)   # b^-1 (1 + 0)
    assert np.isclose(h[1, 1], np.log(b) ** 2)                          # b^0 ln^2 b
    assert h[0, 0] == 0.0                                               # y (y-1) b^(y-2) = 0


def test_nested_derivative_through_exponent_zero():
    d = ad.derivative(lambda y: ad.derivative(lambda b: b ** y, 1.2), 0.0)
    assert np.isclose(d, 1 / 1.2)


def test_second_and_third_derivative_of_self_power_at_zero():
    f = lambda x: (1 + x) ** x
    with mpmath.workdps(30):
        d2 = float(mpmath.diff(lambda x: (1 + x) ** x, 0, 2))
        d3 = float(mpmath.diff(lambda x: (1 + x) ** x, 0, 3))
    assert np.isclose(ad.derivative(lambda y: ad.derivative(f, y), 0.0), d2, rtol=1e-13)
    third = ad.derivative(lambda a: ad.derivative(lambda b: ad.derivative(f, b), a), 0.0)
    assert np.isclose(third, d3, rtol=1e-12)


def test_power_zero_keeps_its_convention_at_zero():
    assert ad.derivative(lambda x: x ** 0.0, 0.0) == 0.0
    _, t = ad.jvp(lambda x: np.power(x, 0.0), (np.zeros(2),), (np.ones(2),))
    assert np.array_equal(t, [0.0, 0.0])
