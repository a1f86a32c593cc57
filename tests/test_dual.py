"""The scalar Dual: arithmetic, conventions at awkward points, conversions, display.

Expected values are hand derivations (d(xy) = y dx + x dy, ...) or IEEE facts.
"""
import math
import pickle

import mpmath
import numpy as np
import pytest

import dualad as ad
from dualad import Dual


def test_product_rule_by_hand():
    # d/dx (x*x + 2x) at 3 = 2*3 + 2
    x = Dual(3.0)
    y = x * x + 2 * x
    assert (y.value, y.tangent) == (15.0, 8.0)


@pytest.mark.parametrize("expr, value, tangent", [
    (lambda x: x + 2, 5.0, 1.0),
    (lambda x: 2 + x, 5.0, 1.0),
    (lambda x: x - 2, 1.0, 1.0),
    (lambda x: 2 - x, -1.0, -1.0),
    (lambda x: x * 4, 12.0, 4.0),
    (lambda x: 4 * x, 12.0, 4.0),
    (lambda x: x / 4, 0.75, 0.25),
    (lambda x: 6 / x, 2.0, -6 / 9),
    (lambda x: -x, -3.0, -1.0),
    (lambda x: +x, 3.0, 1.0),
    (lambda x: x ** 2, 9.0, 6.0),
    (lambda x: 2 ** x, 8.0, 8 * math.log(2)),
    (lambda x: x ** x, 27.0, 27 * (math.log(3) + 1)),
    (lambda x: x % 2, 1.0, 1.0),
    (lambda x: 7 % x, 1.0, -2.0),        # 7 % y = 7 - 2y near y = 3
    (lambda x: x // 2, 1.0, 0.0),
    (lambda x: abs(-x), 3.0, 1.0),
])
def test_operators_by_hand(expr, value, tangent):
    y = expr(Dual(3.0))
    assert y.value == pytest.approx(value, rel=1e-15)
    assert y.tangent == pytest.approx(tangent, rel=1e-15)


def test_divmod_matches_floordiv_and_mod():
    q, r = divmod(Dual(5.5), 2.0)
    assert (q.value, q.tangent, r.value, r.tangent) == (2.0, 0.0, 1.5, 1.0)
    q, r = divmod(5.5, Dual(2.0))
    assert (q.value, r.value, r.tangent) == (2.0, 1.5, -2.0)


def test_pow_conventions_at_zero():
    zero = Dual(0.0)
    assert (zero ** 0).tangent == 0.0          # x**0 has tangent 0, also at 0
    assert (zero ** 1).tangent == 1.0          # x**n exact at 0
    assert (zero ** 2).tangent == 0.0
    assert (zero ** 3).tangent == 0.0
    assert (zero ** 0.5).tangent == math.inf   # infinite partial in a moving lane
    assert (0.0 ** Dual(2.0)).tangent == 0.0   # 0**y has d/dy = 0 for y > 0
    assert (Dual(0.0) ** Dual(2.0)).tangent == 0.0


def test_pow_exponent_tangent_on_negative_base_is_nan_not_a_number():
    # (-2)**y is not real-differentiable in y: no silent wrong number
    y = (-2.0) ** Dual(2.0)
    assert y.value == 4.0 and math.isnan(y.tangent)


def test_zero_lanes_stay_zero_under_infinite_partials():
    y = ad.math.sqrt(Dual(0.0, [0.0, 1.0]))
    assert y.tangent.tolist() == [0.0, math.inf]
    assert ad.math.sqrt(Dual(0.0, 0.0)).tangent == 0.0
    assert (Dual(1.0, [0.0, 2.0]) * math.inf).tangent.tolist() == [0.0, math.inf]
    assert ad.math.asin(Dual(1.0, [0.0, 1.0])).tangent.tolist() == [0.0, math.inf]


def test_python_float_semantics_of_the_primal_are_kept():
    with pytest.raises(ZeroDivisionError):
        Dual(1.0) / 0.0
    with pytest.raises(ZeroDivisionError):
        Dual(0.0) ** -1
    assert isinstance((Dual(-8.0) ** (1 / 3)).value, complex)  # as (-8.0)**(1/3) is


def test_abs_at_zero_has_zero_derivative():
    assert abs(Dual(0.0)).tangent == 0.0
    assert ad.math.fabs(Dual(0.0)).tangent == 0.0
    assert abs(Dual(-2.0)).tangent == -1.0


def test_multi_tangent_carries_k_directions():
    x = Dual(2.0, [1.0, 0.0])
    y = Dual(5.0, [0.0, 1.0])
    z = x * y + ad.math.sin(x)
    np.testing.assert_allclose(z.tangent, [5.0 + math.cos(2.0), 2.0], rtol=1e-15)


def test_comparisons_and_bool_use_the_primal():
    a, b = Dual(1.0, 5.0), Dual(2.0, -3.0)
    assert a < b and a <= b and b > a and b >= a and a != b
    assert Dual(2.0, 7.0) == 2 and 2 == Dual(2.0, 7.0)
    assert not Dual(0.0, 1.0) and Dual(0.5, 0.0)
    assert hash(Dual(2.0, 9.0)) == hash(2.0)
    assert max(Dual(1.0), Dual(3.0, 2.0)).tangent == 2.0  # Python's max picks by value


@pytest.mark.parametrize("convert", [float, int, complex])
def test_conversions_that_drop_the_tangent_refuse(convert):
    with pytest.raises(TypeError, match="d.value"):
        convert(Dual(1.5))


def test_index_only_for_integer_values_with_zero_tangent():
    assert [10, 20, 30][ad.math.floor(Dual(1.7))] == 20
    with pytest.raises(TypeError):
        [1, 2][Dual(1.0)]


def test_piecewise_constant_builtins():
    assert round(Dual(2.5)).value == 2 and round(Dual(2.5)).tangent == 0.0
    assert math.floor(Dual(2.7)).value == 2
    assert math.ceil(Dual(2.2)).value == 3
    assert math.trunc(Dual(-2.7)).value == -2


def test_repr_and_format_are_readable():
    assert repr(Dual(1.5, 2.0)) == "Dual(1.5, 2.0)"
    assert repr(Dual(1.5, [1, 0])) == "Dual(1.5, [1.0, 0.0])"
    assert f"{Dual(1.23456, 2.5):.2f}" == "Dual(1.23, 2.50)"


def test_values_int_promoted_complex_mpmath_numpy_kept():
    assert type(Dual(3).value) is float
    assert Dual(1 + 2j).value == 1 + 2j
    with mpmath.workdps(30):
        d = Dual(mpmath.mpf(3)) / 3
        assert isinstance(d.tangent, mpmath.mpf)
        assert d.tangent == mpmath.mpf(1) / 3       # not the double 0.333...
    y = Dual(np.float32(2.0)) * np.float32(3.0)
    assert y.value.dtype == np.float32


def test_mixing_with_numpy_and_mpmath_scalars():
    assert (np.float32(2) * Dual(3.0)).tangent == 2
    assert (Dual(3.0) * np.float64(2)).tangent == 2
    assert (mpmath.mpf(2) * Dual(3.0)).tangent == 2


def test_unsupported_operands_raise_type_error():
    with pytest.raises(TypeError):
        Dual(2.0) + "a"
    with pytest.raises(TypeError):
        pow(Dual(2.0), 2, 5)


@pytest.mark.parametrize("bad", ["a", None, [1.0, 2.0], np.ones(3), object()])
def test_bad_values_are_rejected_with_the_reason(bad):
    with pytest.raises(TypeError, match="value must be a"):
        Dual(bad)


@pytest.mark.parametrize("bad, error", [("a", TypeError), ([[1.0], [2.0]], ValueError),
                                        ([], ValueError), (["a", "b"], TypeError)])
def test_bad_tangents_are_rejected(bad, error):
    with pytest.raises(error, match="tangent"):
        Dual(1.0, bad)


def test_complex_parts():
    z = Dual(1 + 2j, 3 - 1j)
    assert (z.real.value, z.real.tangent) == (1.0, 3.0)
    assert (z.imag.value, z.imag.tangent) == (2.0, -1.0)
    assert z.conjugate().tangent == 3 + 1j


def test_hyperdual_by_hand():
    # x = 2 + e1 + e2: (x**3) e1e2 coefficient is 6x = 12
    x = Dual(Dual(2.0, 1.0), 1.0)
    y = x ** 3
    assert y.value.value == 8.0 and y.tangent.tangent == 12.0


def test_pickle_round_trip():
    d = Dual(1.5, [1.0, 2.0])
    e = pickle.loads(pickle.dumps(d))
    assert e.value == 1.5 and e.tangent.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("scale", [1e-200, 1e200], ids=["tiny", "huge"])
def test_atan2_partials_keep_their_scale_where_x2_plus_y2_under_or_overflows(scale):
    # d atan2(y, x)/dy = x/(x^2 + y^2) = 1.2/1.53/scale (by hand); x*x + y*y is 0 or inf
    y, x = 0.3 * scale, 1.2 * scale
    want = 1.2 / 1.53 / scale
    assert ad.derivative(lambda t: ad.math.atan2(t, x), y) == pytest.approx(want, rel=1e-15)
    assert ad.derivative(lambda t: ad.math.atan2(y, t), x) == pytest.approx(-want / 4,
                                                                           rel=1e-15)
    _, t = ad.jvp(np.arctan2, (np.array([y]), np.array([x])), (np.ones(1), np.zeros(1)))
    np.testing.assert_allclose(t, [want], rtol=1e-15)
