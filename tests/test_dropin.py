"""dualad.math / dualad.cmath are drop-ins: every name, the stdlib's exact results on
plain numbers (same exceptions), duals on duals, math's ValueError on domain errors."""
import cmath
import inspect
import math

import mpmath
import pytest
from hypothesis import given, settings, strategies as st

import dualad as ad
from dualad import Dual

MATH_NAMES = [n for n in dir(math) if not n.startswith("_")]
CMATH_NAMES = [n for n in dir(cmath) if not n.startswith("_")]
UNARY_REAL = [n for n in MATH_NAMES if callable(getattr(math, n)) and n not in (
    "atan2", "copysign", "dist", "fmod", "fsum", "gcd", "hypot", "isclose", "lcm", "ldexp",
    "log", "nextafter", "perm", "comb", "pow", "prod", "remainder", "sumprod", "fma",
    "factorial", "isqrt")]
BINARY_REAL = ["atan2", "copysign", "fmod", "hypot", "log", "nextafter", "pow", "remainder"]
UNARY_COMPLEX = [n for n in CMATH_NAMES if callable(getattr(cmath, n)) and n not in (
    "isclose", "rect", "log")]


def same(a, b):
    """Bit-identical floats (nan == nan), or equal tuples/ints/complex."""
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, float):
        return isinstance(b, float) and (math.isnan(a) and math.isnan(b)
                                         or (a == b and math.copysign(1, a) == math.copysign(1, b)))
    return type(a) is type(b) and a == b


def outcome(fn, *args):
    try:
        return ("ok", fn(*args))
    except Exception as exc:  # noqa: BLE001 - the exception type is the result here
        return ("raise", type(exc))


def assert_same_outcome(name, ours, theirs, *args):
    a, b = outcome(ours, *args), outcome(theirs, *args)
    assert a[0] == b[0], f"{name}{args}: {a} vs {b}"
    if a[0] == "ok":
        assert same(a[1], b[1]), f"{name}{args}: {a[1]!r} vs {b[1]!r}"
    else:
        assert a[1] is b[1], f"{name}{args}: {a[1]} vs {b[1]}"


def test_every_math_name_is_present():
    assert [n for n in MATH_NAMES if not hasattr(ad.math, n)] == []


def test_every_cmath_name_is_present():
    assert [n for n in CMATH_NAMES if not hasattr(ad.cmath, n)] == []


def test_constants_are_the_stdlib_constants():
    for n in ("pi", "e", "tau"):
        assert getattr(ad.math, n) == getattr(math, n)
    assert math.isinf(ad.math.inf) and math.isnan(ad.math.nan)
    assert ad.cmath.infj == cmath.infj


FLOATS = st.floats(allow_nan=True, allow_infinity=True, width=64)


@pytest.mark.parametrize("name", UNARY_REAL)
@settings(max_examples=60, deadline=None)
@given(x=FLOATS)
def test_unary_math_is_bit_identical_on_floats(name, x):
    assert_same_outcome(name, getattr(ad.math, name), getattr(math, name), x)


@pytest.mark.parametrize("name", BINARY_REAL)
@settings(max_examples=60, deadline=None)
@given(x=FLOATS, y=FLOATS)
def test_binary_math_is_bit_identical_on_floats(name, x, y):
    assert_same_outcome(name, getattr(ad.math, name), getattr(math, name), x, y)


@pytest.mark.parametrize("name", UNARY_COMPLEX)
@settings(max_examples=40, deadline=None)
@given(z=st.complex_numbers(allow_nan=False, allow_infinity=False, max_magnitude=1e6))
def test_unary_cmath_is_bit_identical_on_complex(name, z):
    assert_same_outcome(name, getattr(ad.cmath, name), getattr(cmath, name), z)


@pytest.mark.parametrize("call", [
    lambda m: m.fsum([0.1] * 10), lambda m: m.prod([1.5, 2, 3], start=2),
    lambda m: m.dist([1.0, 2.0], [4.0, 6.0]), lambda m: m.hypot(1.0, 2.0, 3.0),
    lambda m: m.log(8.0, 2), lambda m: m.ldexp(1.5, 4), lambda m: m.frexp(6.5),
    lambda m: m.modf(-6.5), lambda m: m.factorial(6), lambda m: m.comb(7, 3),
    lambda m: m.gcd(12, 18), lambda m: m.isqrt(17), lambda m: m.isclose(1.0, 1.0 + 1e-12),
    lambda m: m.floor(2.5), lambda m: m.ceil(-2.5), lambda m: m.trunc(2.5),
    lambda m: m.dist([1.0], [1.0, 2.0]), lambda m: m.log(1.0, 1.0), lambda m: m.factorial(2.5),
    lambda m: m.log(2.0, 3.0, 4.0), lambda m: m.fsum(["a"]),
])
def test_other_math_functions_match_the_stdlib(call):
    a, b = outcome(call, ad.math), outcome(call, math)
    assert a[0] == b[0] and (same(a[1], b[1]) if a[0] == "ok" else a[1] is b[1])


@pytest.mark.parametrize("name", [n for n in UNARY_REAL if n not in (
    "isfinite", "isinf", "isnan", "frexp", "modf", "ceil", "floor", "trunc", "ulp")])
def test_unary_math_on_duals_gives_duals_with_the_stdlib_value(name):
    x = 0.4 if name not in ("acosh",) else 1.4
    y = getattr(ad.math, name)(Dual(x))
    assert isinstance(y, Dual)
    assert same(y.value, getattr(math, name)(x))


@pytest.mark.parametrize("name, x", [("log", -1.0), ("sqrt", -1.0), ("acos", 2.0),
                                     ("asin", -1.5), ("acosh", 0.5), ("atanh", 1.0),
                                     ("gamma", 0.0), ("log10", 0.0), ("log1p", -1.0)])
def test_domain_errors_on_duals_raise_maths_value_error(name, x):
    with pytest.raises(ValueError, match="math domain error"):
        getattr(ad.math, name)(Dual(x))
    with mpmath.workdps(30), pytest.raises(ValueError, match="math domain error"):
        getattr(ad.math, name)(Dual(mpmath.mpf(x)))


def test_math_on_complex_duals_raises_like_math():
    with pytest.raises(TypeError):
        ad.math.sin(Dual(1j))


def test_cmath_promotes_real_duals():
    y = ad.cmath.sqrt(Dual(-4.0))
    assert y.value == 2j and y.tangent == 0.5 / 2j
    w = ad.cmath.log(Dual(1j), 10)
    assert same(w.value, cmath.log(1j, 10))


def test_multi_output_functions_carry_tangents():
    m, e = ad.math.frexp(Dual(6.5, 2.0))
    assert (m.value, e, m.tangent) == (0.8125, 3, 0.25)
    frac, whole = ad.math.modf(Dual(-6.5, 2.0))
    assert (frac.value, frac.tangent, whole.value, whole.tangent) == (-0.5, 2.0, -6.0, 0.0)
    r, phi = ad.cmath.polar(Dual(3 + 4j))
    assert r.value == 5.0 and r.tangent == pytest.approx(3 / 5)
    assert phi.tangent == pytest.approx(-4 / 25)


def test_reductions_on_duals():
    s = ad.math.fsum([Dual(0.1, 1.0), 0.2, Dual(0.3, 2.0)])
    assert s.value == math.fsum([0.1, 0.2, 0.3]) and s.tangent == 3.0
    d = ad.math.dist([Dual(4.0), 0.0], [1.0, 4.0])      # sqrt(9 + 16): d/dp0 = 3/5
    assert d.value == 5.0 and d.tangent == pytest.approx(0.6)
    p = ad.math.prod([Dual(2.0), 3.0, 4.0])
    assert p.value == 24.0 and p.tangent == 12.0
    h = ad.math.hypot(Dual(3.0), 4.0)
    assert h.value == 5.0 and h.tangent == pytest.approx(0.6)


def test_predicates_look_at_the_primal():
    assert ad.math.isfinite(Dual(1.0)) is True
    assert ad.math.isnan(Dual(math.nan)) is True
    assert ad.math.isclose(Dual(1.0), 1.0 + 1e-12) is True


def test_integer_functions_take_integer_duals_with_zero_tangent():
    assert ad.math.factorial(ad.math.floor(Dual(4.5))) == 24
    with pytest.raises(TypeError):
        ad.math.factorial(Dual(4.0))


def test_signatures_and_docs_follow_the_stdlib():
    assert inspect.signature(ad.math.atan2) == inspect.signature(math.atan2)
    assert "arc tangent" in ad.math.atan2.__doc__.lower()
    assert ad.math.sin.__module__ == "dualad.math"
