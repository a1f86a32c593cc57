"""Taylor mode where the jet layer has no series of its own (dualad.taylor.fallback.through_duals):
NumPy's linear algebra, sort, max, norm, einsum, var, ufunc methods on arrays built from
the scalar x, at orders 2-4, against mpmath.diff of the mpmath version of the function
and Ridders' differences of the plain NumPy call; and higher orders at overflow, where
NumPy's semantics give inf (as for n = 1), not an exception.
"""
import warnings

import mpmath
import numpy as np
import pytest

import dualad as ad
import conformance as cf

X0 = 1.3


def _matrix(t):
    """[[t, 1], [2, t^2]] from the scalar t (det = t^3 - 2)."""
    one = 1.0 + 0 * t
    return np.stack([np.stack([t, one]), np.stack([2 * one, t * t])])


def _spd(t):
    """[[t + 3, 1/2], [1/2, t^2 + 2]]: symmetric positive definite near X0."""
    half = 0.5 + 0 * t
    return np.stack([np.stack([t + 3, half]), np.stack([half, t * t + 2])])


def _mp_matrix(t):
    return mpmath.matrix([[t, 1], [2, t * t]])


def _mp_spd(t):
    return mpmath.matrix([[t + 3, 0.5], [0.5, t * t + 2]])


def _mp_var(values):
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values) / len(values)


# (dualad f on the scalar t, the same function in mpmath)
FUNCTIONS = {
    "det": (lambda t: np.linalg.det(_matrix(t)), lambda t: mpmath.det(_mp_matrix(t))),
    "solve": (lambda t: np.linalg.solve(_matrix(t), np.stack([1.0 + 0 * t, t]))[0],
              lambda t: mpmath.lu_solve(_mp_matrix(t), mpmath.matrix([1, t]))[0]),
    "inv": (lambda t: np.linalg.inv(_matrix(t))[0, 1], lambda t: (_mp_matrix(t) ** -1)[0, 1]),
    "eigvalsh": (lambda t: np.linalg.eigvalsh(_spd(t))[1],
                 lambda t: max(mpmath.eigsy(_mp_spd(t))[0])),
    "svd": (lambda t: np.linalg.svd(_matrix(t), compute_uv=False)[0],
            lambda t: max(mpmath.svd_r(_mp_matrix(t), compute_uv=False))),
    "cholesky": (lambda t: np.linalg.cholesky(_spd(t))[1, 1],
                 lambda t: mpmath.cholesky(_mp_spd(t))[1, 1]),
    # |R_11| (the sign of a QR factor is a convention)
    "qr": (lambda t: abs(np.linalg.qr(_matrix(t))[1][1, 1]),
           lambda t: abs(mpmath.qr(_mp_matrix(t))[1][1, 1])),
    "sort": (lambda t: np.sort(np.stack([t * t, 3.0 + 0 * t, np.sin(t)]))[1],
             lambda t: sorted([t * t, mpmath.mpf(3), mpmath.sin(t)])[1]),
    "max": (lambda t: np.max(np.stack([np.sin(t), 1.0 + 0 * t, t * t])),
            lambda t: max(mpmath.sin(t), 1, t * t)),
    "norm": (lambda t: np.linalg.norm(np.stack([t, t * t, np.exp(-t)])),
             lambda t: mpmath.sqrt(t ** 2 + t ** 4 + mpmath.exp(-2 * t))),
    "einsum": (lambda t: np.einsum("ij,j->", _matrix(t), np.stack([t, np.exp(t)])),
               lambda t: sum((_mp_matrix(t) * mpmath.matrix([t, mpmath.exp(t)]))[i]
                             for i in range(2))),
    "var": (lambda t: np.var(np.stack([t, t * t, np.exp(t)])),
            lambda t: _mp_var([t, t * t, mpmath.exp(t)])),
}


def _mp_derivative(g, n, x=X0):
    with mpmath.workdps(40):
        return float(mpmath.diff(g, mpmath.mpf(x), n))


@pytest.mark.parametrize("n", [2, 3, 4])
@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_higher_derivative_through_an_array_function_matches_mpmath(name, n):
    f, g = FUNCTIONS[name]
    want = _mp_derivative(g, n)
    got = ad.derivative(f, X0, n)
    # the first-order rules nested n deep: det's and qr's lose a few digits by order 4
    assert abs(got - want) <= 1e-9 * max(1.0, abs(want)), (name, n, got, want)


@pytest.mark.parametrize("name", ["det", "eigvalsh", "svd", "einsum"])
def test_taylor_coefficients_through_an_array_function_match_mpmath_taylor(name):
    f, g = FUNCTIONS[name]
    with mpmath.workdps(40):
        want = [float(c) for c in mpmath.taylor(g, mpmath.mpf(X0), 4)]
    got = ad.taylor(f, X0, 4)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_derivatives_lists_every_order_in_one_pass():
    # det [[t, 1], [2, t^2]] = t^3 - 2: by hand 3t^2, 6t, 6, 0
    got = ad.derivatives(FUNCTIONS["det"][0], X0, 4)
    np.testing.assert_allclose(got, [X0 ** 3 - 2, 3 * X0 ** 2, 6 * X0, 6, 0],
                               rtol=1e-12, atol=1e-9)


def test_the_array_from_the_issue_np_array_is_refused_np_stack_works():
    # np.array([[t, 1], [2, t*t]]) cannot hold a dual (as for n = 1): the message says
    # to stack; stacked, the second derivative is 6t (by hand)
    with pytest.raises(TypeError, match=r"coefficients would be lost\. Use np\.stack"):
        ad.derivative(lambda t: np.linalg.det(np.array([[t, 1.0], [2.0, t * t]])), X0, 2)
    assert abs(ad.derivative(FUNCTIONS["det"][0], X0, 2) - 6 * X0) < 1e-12


def test_directional_series_of_a_norm():
    # t -> |x + t v| with x = (1, 2, 2), v = (1, 0, -1)
    x, v = np.array([1.0, 2.0, 2.0]), np.array([1.0, 0.0, -1.0])
    with mpmath.workdps(30):
        want = mpmath.taylor(lambda t: mpmath.sqrt((1 + t) ** 2 + 4 + (2 - t) ** 2), 0, 4)
    np.testing.assert_allclose(ad.taylor(np.linalg.norm, x, 4, direction=v),
                               [float(c) for c in want], rtol=1e-13)


def test_a_tuple_result_keeps_its_type_and_each_output_its_series():
    # eigh of [[t + 3, 1/2], [1/2, t^2 + 2]]: an EighResult of jets; the eigenvalues'
    # second derivatives against mpmath
    def f(t):
        result = np.linalg.eigh(_spd(t))
        assert type(result).__name__ == "EighResult"
        return result.eigenvalues
    got = ad.derivative(f, X0, 2)
    want = [_mp_derivative(lambda t: sorted(mpmath.eigsy(_mp_spd(t))[0])[i], 2)
            for i in range(2)]
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_ufunc_methods_run_on_nested_duals():
    # by hand: t + t^2, max(t, t^2) = t^2 at t = 1.5, and the running product t^3
    x = 1.5
    assert ad.taylor(lambda t: np.add.reduce(np.stack([t, t * t])), x, 2) == [3.75, 4.0, 1.0]
    assert ad.taylor(lambda t: np.maximum.reduce(np.stack([t, t * t])), x, 2) == [2.25, 3.0, 1.0]
    got = ad.taylor(lambda t: np.multiply.accumulate(np.stack([t, t * t]))[1], x, 3)
    np.testing.assert_allclose(got, [x ** 3, 3 * x ** 2, 3 * x, 1.0], rtol=1e-15)


def test_an_index_from_the_primal_is_a_constant():
    assert ad.taylor(lambda t: np.argmax(np.stack([t, t * t])), 1.5, 2) == [1, 0.0, 0.0]


def test_out_argument_on_jets_is_refused():
    with pytest.raises(TypeError, match=r"numpy\.add\(\.\.\., out=\.\.\.\) on jets"):
        ad.taylor(lambda t: np.add(t, t, out=np.zeros(())), 1.0, 2)


def test_a_function_without_a_first_order_rule_is_refused_by_that_layer():
    # the fallback answers what the first-order layer answers: its own refusal
    with pytest.raises(TypeError, match="numpy.linalg.cond has no tangent rule"):
        ad.derivative(lambda t: np.linalg.cond(_matrix(t)), X0, 2)


def test_complex_x_through_det():
    # det = z^3 - 2 is holomorphic: the third derivative is 6 (by hand)
    got = ad.derivative(FUNCTIONS["det"][0], 1.3 + 0.2j, 3)
    assert abs(got - 6) < 1e-12


# --- nesting: no perturbation confusion --------------------------------------------------

def test_derivative_of_a_second_derivative_through_det():
    # d/dy d^2/dx^2 det(y M(x)) = d/dy 6 x y^2 = 12 x y (by hand)
    got = ad.derivative(lambda y: ad.derivative(
        lambda x: np.linalg.det(_matrix(x) * y), X0, 2), 2.0)
    assert abs(got - 12 * X0 * 2.0) < 1e-11


def test_jacobian_of_a_second_derivative_through_det():
    # the gradient in (a, b) of d^2/dx^2 det(a M(x) + b), b added to every entry,
    # against mpmath
    def inner(y):
        return ad.derivative(lambda x: np.linalg.det(_matrix(x) * y[0] + y[1]), X0, 2)

    def mp_inner(a, b):
        return mpmath.diff(lambda x: mpmath.det(_mp_matrix(x) * a + b * mpmath.ones(2)), X0, 2)
    with mpmath.workdps(30):
        want = [float(mpmath.diff(lambda a: mp_inner(a, 0.5), 2.0)),
                float(mpmath.diff(lambda b: mp_inner(2.0, b), 0.5))]
    np.testing.assert_allclose(ad.jacfwd(inner)(np.array([2.0, 0.5])), want, rtol=1e-10)


def test_taylor_of_a_taylor_pass_whose_jets_meet_in_solve():
    # the outer jet (in y) and the inner one (in x) are both arguments of solve
    def inner(y):
        return ad.derivative(
            lambda x: np.linalg.solve(_matrix(x), np.stack([y, 1.0 + 0 * y]))[0], X0, 2)

    def mp_inner(y):
        return mpmath.diff(lambda x: mpmath.lu_solve(
            _mp_matrix(x), mpmath.matrix([y, 1]))[0], X0, 2)
    with mpmath.workdps(30):
        want = [float(c) for c in mpmath.taylor(mp_inner, mpmath.mpf(2), 2)]
    np.testing.assert_allclose(ad.taylor(inner, 2.0, 2), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("first", ["jet", "dual"])
def test_a_dual_of_an_inner_derivative_stacked_with_a_jet(first):
    # inside taylor in x, d/dy det([[x, y], [y, x]]) = -2y and d/dy det([[y, x], [x, y]])
    # = 2y: constants in x (by hand). Stacking the jet with the later dual leaves the
    # call to the dual's layer, which holds the jet as a constant.
    def inner(x):
        def f(y):
            rows = [[x, y], [y, x]] if first == "jet" else [[y, x], [x, y]]
            return np.linalg.det(np.stack([np.stack(r) for r in rows]))
        return ad.derivative(f, 0.5)
    sign = -1 if first == "jet" else 1
    np.testing.assert_allclose(ad.taylor(inner, X0, 2), [sign * 1.0, 0.0, 0.0], atol=1e-14)


def test_a_dual_of_an_inner_derivative_in_a_linear_map_of_jets():
    # d/dy sum((x, y)^2) = 2y = 1 at y = 0.5, a constant in x (by hand); np.stack once
    # took the dual for a constant coefficient of the jet
    got = ad.taylor(lambda x: ad.derivative(lambda y: np.sum(np.stack([x, y]) ** 2), 0.5),
                    X0, 2)
    np.testing.assert_allclose(got, [1.0, 0.0, 0.0], atol=1e-15)


# --- every array function of the table, at second order ------------------------------------

POSITIONAL = [case for case in cf.array_cases() if case.form == "pos"]


@pytest.mark.parametrize("case", POSITIONAL, ids=[case.name for case in POSITIONAL])
def test_second_order_taylor_of_every_array_function_matches_differences(case):
    # t -> f(x + t v) in one Taylor pass; 2! times its coefficient 2 against Ridders'
    # second differences of the plain NumPy call (conformance.py)
    f = case.make()

    def along(k):
        return lambda t: f(*[x + t * v for x, v in zip(case.values, case.tangents)])[k]
    for k, (y_ref, d_ref, err) in enumerate(cf.array_reference(case, 2)):
        with cf.quiet():
            series = ad.taylor(along(k), 0.0, 2)
        what = f"{case.name} output {k}"
        cf.assert_close(series[0], y_ref, 0.0, 1e-12, f"{what}: primal",
                        scale=max(1.0, cf._norm(y_ref)))
        cf.assert_close(2 * np.asarray(series[2]), d_ref, err, cf.RTOL[2],
                        f"{what}: second derivative", scale=cf._norm(d_ref))


# --- overflow: NumPy's inf, as at n = 1 ------------------------------------------------

def test_exp_beyond_overflow_is_inf_at_every_order():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = ad.derivative(np.exp, 800.0)
        second = ad.derivative(np.exp, 800.0, n=2)
        series = ad.taylor(np.exp, 800.0, 3)
    assert first == second == np.inf   # exp(800) overflows in double: NumPy says inf
    assert series == [np.inf] * 4
    messages = [str(w.message) for w in caught]
    assert messages == ["overflow encountered in exp"] * 3   # the primal's, once a pass


def test_exp_beyond_overflow_raises_under_errstate_as_at_first_order():
    with np.errstate(over="raise"):
        with pytest.raises(FloatingPointError, match="overflow encountered in exp"):
            ad.derivative(np.exp, 800.0)
        with pytest.raises(FloatingPointError, match="overflow encountered in exp"):
            ad.derivative(np.exp, 800.0, n=2)


def test_math_exp_beyond_overflow_raises_as_math_does_at_every_order():
    # dualad.math follows math: OverflowError for the primal, at n = 1 and beyond
    with pytest.raises(OverflowError):
        ad.derivative(ad.math.exp, 800.0)
    with pytest.raises(OverflowError):
        ad.derivative(ad.math.exp, 800.0, n=2)


@pytest.mark.filterwarnings("ignore:overflow encountered")
@pytest.mark.parametrize("f", [np.cosh, np.sinh], ids=["cosh", "sinh"])
def test_hyperbolic_functions_beyond_overflow_are_inf(f):
    # cosh and sinh of 800 overflow, and so does each derivative (sinh, cosh of 800)
    assert [ad.derivative(f, 800.0, n) for n in (1, 2, 3)] == [np.inf] * 3


def test_a_square_beyond_overflow_keeps_its_finite_derivatives():
    # x^2 at 1e200: the value overflows (Python's float product is inf), 2x and 2 do not
    assert ad.derivative(lambda x: x * x, 1e200) == 2e200
    assert ad.derivative(lambda x: x * x, 1e200, n=2) == 2.0
    assert ad.taylor(lambda x: x * x, 1e200, 3) == [np.inf, 2e200, 1.0, 0.0]


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_log_at_zero_under_numpy_is_minus_inf_at_every_order():
    # log'(x) = 1/x, log''(x) = -1/x^2 at 0+: inf and -inf (IEEE), no ZeroDivisionError
    assert ad.derivative(np.log, 0.0) == np.inf
    assert ad.derivative(np.log, 0.0, n=2) == -np.inf


@pytest.mark.filterwarnings("ignore:invalid value")
def test_numpy_domain_errors_are_nan_at_every_order():
    # sqrt(-1) and arccos(1.5) are nan for NumPy: so are their derivatives, at n = 1 too
    for f, x in ((np.sqrt, -1.0), (np.arccos, 1.5)):
        assert np.isnan(ad.derivative(f, x)) and np.isnan(ad.derivative(f, x, n=2))


def test_math_domain_errors_stay_errors():
    with pytest.raises(ValueError):
        ad.derivative(ad.math.sqrt, -1.0, n=2)
    with pytest.raises(ValueError):
        ad.derivative(ad.math.log, 0.0, n=2)


def test_elementwise_series_beyond_overflow_is_quiet_in_its_coefficients():
    # the only warning is the primal's; coefficients are inf in the lane that overflows
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        series = ad.taylor(np.exp, np.array([800.0, 0.0]), 2)
    np.testing.assert_array_equal(np.stack(series), [[np.inf, 1.0], [np.inf, 1.0],
                                                     [np.inf, 0.5]])
    assert [str(w.message) for w in caught] == ["overflow encountered in exp"]
