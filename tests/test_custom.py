"""User rules with defjvp / primitive."""
import math

import mpmath
import numpy as np
import pytest

import dualad as ad
from dualad import Dual


def test_defjvp_uses_the_given_partial_not_the_code():
    def black_box(x):            # e.g. a C routine: not traceable
        return math.exp(x) - 1.0
    f = ad.defjvp(black_box, lambda x: ad.math.exp(x))
    assert f(0.5) == black_box(0.5)                      # plain numbers: fn itself
    assert ad.derivative(f, 0.5) == math.exp(0.5)
    assert ad.derivative(f, 0.5, n=3) == pytest.approx(math.exp(0.5), rel=1e-15)


def test_primitive_decorator_two_arguments_and_nonderivative_argument():
    @ad.primitive(lambda x, n: n * x ** (n - 1), None)
    def power(x, n):
        return x ** n
    assert ad.derivative(lambda x: power(x, 3), 2.0) == 12.0
    with pytest.raises(TypeError, match="integer argument"):
        ad.derivative(lambda n: power(2.0, n), 3.0)


def test_user_rule_with_multi_tangents_and_mpmath():
    f = ad.defjvp(lambda x: x ** 3, lambda x: 3 * x ** 2)
    y = f(Dual(2.0, [1.0, -1.0]))
    assert y.tangent.tolist() == [12.0, -12.0]
    with mpmath.workdps(30):
        assert ad.derivative(f, mpmath.mpf(1) / 3) == mpmath.mpf(1) / 3


def test_user_rule_named_like_a_table_rule_does_not_shadow_it():
    def sin(x):
        return 42.0
    fake = ad.defjvp(sin, lambda x: 0.0)
    assert fake(Dual(1.0)).value == 42.0
    assert ad.math.sin(Dual(0.0)).tangent == 1.0
    assert ad.derivative(ad.math.sin, 0.0, 2) == 0.0


def test_defjvp_argument_checks():
    with pytest.raises(TypeError, match="callable"):
        ad.defjvp(3.0, lambda x: x)
    with pytest.raises(TypeError, match="partial"):
        ad.defjvp(lambda x, y: x, lambda x, y: 1.0, lambda x, y: 1.0, lambda x, y: 1.0)
    with pytest.raises(TypeError, match="partial"):
        ad.defjvp(lambda x: x, "cos")


def test_defjvp_keeps_name_and_doc():
    def softsign(x):
        """x / (1 + |x|)"""
        return x / (1 + abs(x))
    f = ad.defjvp(softsign, lambda x: 1 / (1 + abs(x)) ** 2)
    assert f.__name__ == "softsign" and "1 + |x|" in f.__doc__
    assert f.rule.params == ("x",)
    np.testing.assert_allclose(ad.gradient(lambda v: f(v[0]) * f(v[1]), [0.5, -1.0]),
                               [1 / 1.5 ** 2 * -0.5, 1 / 4 * (0.5 / 1.5)], rtol=1e-15)
