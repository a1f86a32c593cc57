"""Taylor mode against mpmath.taylor at 50 digits, for every smooth rule of the table,
and published derivative values."""
import math

import mpmath
import numpy as np
import pytest

import dualad as ad
from dualad.stdlib.differentiable import GENERIC_FUNCTIONS

ORDER = 6
DPS = 50


def _fixed_float(rule, point):
    """Whether an argument that is not differentiated (partial None: jv's order v,
    gammainc's a) is a float at ``point``: the series here move every float argument."""
    return rule.partials is not None and not rule.variadic and any(
        p is None and isinstance(a, float) for p, a in zip(rule.partials, point))


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
            if _fixed_float(rule, point):
                continue
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


# --- elementwise series on arrays, for every smooth rule of the table -----------------

ARRAY_ORDER = 4


def _array_cases():
    """(rule, points, entry) for every smooth rule with sample points and every way to call
    it: the generic function, its NumPy ufuncs and its dualad.math function."""
    cases = []
    for rule in ad.rules:
        if rule.kind != "smooth" or rule.jvp is not None or rule.name not in GENERIC_FUNCTIONS:
            continue
        points = [p for p in rule.at if len(p) == len(rule.at[0])] if rule.at else []
        if not points or any(_fixed_float(rule, p) for p in points):
            continue
        entries = {"generic": GENERIC_FUNCTIONS[rule.name]}
        for name in rule.numpy_names:
            if isinstance(getattr(np, name, None), np.ufunc):
                entries["numpy." + name] = getattr(np, name)
        if rule.math and hasattr(ad.math, rule.math):
            entries["math." + rule.math] = getattr(ad.math, rule.math)
        cases += [(rule, points, label, fn) for label, fn in entries.items()]
    return cases


ARRAYS = _array_cases()


def _lane_reference(rule, point, slopes):
    """mpmath.taylor of t -> rule(a_1 + d_1 t, ...) at 0 (integer arguments fixed), or
    None where that series is not real (the array lane is then nan)."""
    def moved(t):
        return [a if isinstance(a, int) else mpmath.mpf(a) + d * t
                for a, d in zip(point, slopes)]
    with mpmath.workdps(30):
        try:
            series = mpmath.taylor(lambda t: rule.impl["mpf"](*moved(t)), 0, ARRAY_ORDER)
        except ValueError:
            return None
    if any(isinstance(c, mpmath.mpc) for c in series):
        return None
    return [float(c) for c in series]


@pytest.mark.parametrize("case", ARRAYS, ids=[f"{r.name}-{label}" for r, _, label, _ in ARRAYS])
def test_taylor_on_arrays_matches_mpmath_per_element(case):
    rule, points, label, fn = case
    slopes = [(-1) ** i * (i + 1) for i in range(len(points[0]))]
    columns = [np.array([p[i] for p in points]) for i in range(len(points[0]))]
    if "numpy" not in rule.impl:
        # no NumPy implementation (math.remainder, math.fma, cmath.rect): refused, as on
        # plain arrays
        with pytest.raises(TypeError, match="has no array implementation"):
            ad.taylor(lambda t: fn(*[c if c.dtype.kind == "i" else c + d * t
                                     for c, d in zip(columns, slopes)]),
                      np.zeros(len(points)), ARRAY_ORDER)
        return
    with np.errstate(invalid="ignore", divide="ignore"):
        series = ad.taylor(lambda t: fn(*[c if c.dtype.kind == "i" else c + d * t
                                          for c, d in zip(columns, slopes)]),
                           np.zeros(len(points)), ARRAY_ORDER)
    assert len(series) == ARRAY_ORDER + 1
    for lane, point in enumerate(points):
        got = [np.broadcast_to(c, (len(points),))[lane] for c in series]
        reference = _lane_reference(rule, point, slopes)
        if reference is None:   # e.g. (-1.5 + t) ** (2 - 2t): NumPy's nan, not a number
            assert all(np.isnan(g) for g in got[1:]), f"{rule.name}{point}: {got}"
            continue
        np.testing.assert_allclose(got, reference, rtol=1e-12,
                                   atol=1e-12 * max(1.0, max(map(abs, reference))),
                                   err_msg=f"{rule.name}{point} via {label}")


def test_sqrt_on_an_array_takes_the_branch_at_zero_per_element():
    # sqrt(t) at 0: [0, inf, -inf] (as on a scalar); sqrt(4 + t) = 2 + t/4 - t^2/64
    series = ad.taylor(np.sqrt, np.array([0.0, 4.0]), 2)
    np.testing.assert_array_equal(np.stack(series), [[0.0, 2.0], [np.inf, 0.25],
                                                     [-np.inf, -1 / 64]])


def test_float_power_on_an_array_with_a_zero_element():
    # (t)^1.5 at 0: 0, 0, inf, -inf; (4 + t)^1.5 = 8 + 3t + (3/16) t^2 - (1/128) t^3
    series = ad.taylor(lambda x: x ** 1.5, np.array([0.0, 4.0]), 3)
    np.testing.assert_array_equal(np.stack(series), [[0.0, 8.0], [0.0, 3.0],
                                                     [np.inf, 3 / 16], [-np.inf, -1 / 128]])


def test_elementwise_exponents_are_exact_integer_powers_at_zero():
    # t^2 = [0, 0, 1, 0]; sqrt(4 + t) = 2 + t/4 - t^2/64 + t^3/512
    series = ad.taylor(lambda x: x ** np.array([2.0, 0.5]), np.array([0.0, 4.0]), 3)
    np.testing.assert_allclose(np.stack(series), [[0.0, 2.0], [0.0, 0.25], [1.0, -1 / 64],
                                                  [0.0, 1 / 512]], rtol=1e-15)


def test_constant_zero_base_with_a_moving_exponent_per_element():
    # 0^y = 0 for y > 0 (d/dy = 0, as in SPEC); 2^(1.5 + t) = 2^1.5 e^(t ln 2)
    series = ad.taylor(lambda y: np.power(np.array([0.0, 2.0]), y), np.array([1.5, 1.5]), 2)
    ln2 = math.log(2)
    np.testing.assert_allclose(np.stack(series), [[0, 2 ** 1.5], [0, 2 ** 1.5 * ln2],
                                                  [0, 2 ** 1.5 * ln2 ** 2 / 2]], rtol=1e-15)


def test_moving_base_at_zero_with_a_moving_exponent_is_refused_on_arrays():
    with pytest.raises(ValueError, match="no Taylor series"):
        ad.taylor(lambda t: t ** t, np.array([0.0, 4.0]), 2)


def test_derivatives_on_an_array_are_a_list_of_arrays_of_its_shape():
    x = np.array([[0.2, 0.5], [1.0, 2.0]])
    result = ad.derivatives(np.sin, x, 3)
    assert len(result) == 4 and all(np.shape(d) == x.shape for d in result)
    expected = [np.sin(x), np.cos(x), -np.sin(x), -np.cos(x)]
    for d, e in zip(result, expected):
        np.testing.assert_allclose(d, e, rtol=1e-14)


def test_abs_of_a_complex_array_jet_is_its_series_along_real_t():
    # |z| is not holomorphic: no complex series, but t -> |z + t| (t real, the direction
    # derivative(abs, z) takes at n = 1) has one; nested duals give it, lane by lane
    # (the holomorphic recurrence gave sign(z) as the first coefficient, a wrong number)
    series = ad.taylor(abs, np.array([1 + 1j, 2j]), 3)
    with mpmath.workdps(30):
        reference = [mpmath.taylor(lambda t: abs(z + t), 0, 3) for z in (1 + 1j, 2j)]
    np.testing.assert_allclose(np.stack(series), np.array(reference, dtype=float).T,
                               rtol=1e-14, atol=1e-15)


def test_cmath_functions_promote_jet_coefficients_to_complex():
    with mpmath.workdps(30):
        reference = mpmath.taylor(mpmath.sqrt, -4, 3)
    got = ad.taylor(ad.cmath.sqrt, -4.0, 3)
    np.testing.assert_allclose(got, [complex(c) for c in reference], rtol=1e-15)


def _complex_array_cases():
    cases = []
    for rule in ad.rules:
        if rule.kind != "smooth" or rule.jvp is not None or rule.complex_jvp is not None \
                or rule.name not in GENERIC_FUNCTIONS or not rule.at_complex \
                or "numpy" not in rule.impl:
            continue
        cases.append(pytest.param(rule, id=rule.name))
    return cases


@pytest.mark.parametrize("rule", _complex_array_cases())
def test_taylor_on_complex_arrays_matches_mpmath_per_element(rule):
    points = rule.at_complex
    # the differentiated arguments move; an order or a tolerance (no partial) stays put
    moving = [d is not None for d in rule.partials]
    slopes = [(-1) ** i * (i + 1) if moving[i] else 0 for i in range(len(points[0]))]
    columns = [np.array([p[i] for p in points], dtype=complex if moving[i] else None)
               for i in range(len(points[0]))]
    fn = GENERIC_FUNCTIONS[rule.name]
    series = ad.taylor(lambda t: fn(*[c + d * t if m else c
                                      for c, d, m in zip(columns, slopes, moving)]),
                       np.zeros(len(points)), ARRAY_ORDER)
    for lane, point in enumerate(points):
        with mpmath.workdps(30):
            reference = mpmath.taylor(lambda t: rule.impl["mpc"](
                *[mpmath.mpc(a) + d * t if m else a
                  for a, d, m in zip(point, slopes, moving)]), 0, ARRAY_ORDER)
        np.testing.assert_allclose([np.broadcast_to(c, (len(points),))[lane] for c in series],
                                   [complex(c) for c in reference], rtol=1e-12,
                                   atol=1e-12 * max(1.0, max(abs(complex(c)) for c in reference)),
                                   err_msg=f"{rule.name}{point}")


def test_cube_root_at_zero_moving_downwards_is_the_odd_real_root():
    # cbrt(-t) = -t^(1/3): derivatives at 0+ are -inf, +inf (Python's (-1)**(1/3) is
    # complex: this raised TypeError); on an array, lane by lane
    assert ad.taylor(lambda t: np.cbrt(-t), 0.0, 2)[1:] == [-math.inf, math.inf]
    series = ad.taylor(lambda t: np.cbrt(-t), np.array([0.0, 8.0]), 1)
    np.testing.assert_allclose(np.stack(series), [[0.0, -2.0], [-np.inf, -1 / 12]])


def test_float_power_of_a_series_leaving_zero_downwards_has_no_real_series():
    # sqrt(-t^2) is real only at t = 0: nan beyond the value, not complex numbers
    series = ad.taylor(lambda t: np.sqrt(-t * t), 0.0, 2)
    assert series[0] == 0 and all(math.isnan(c) for c in series[1:])
