"""dualad.scipy.integrate: sensitivities of solve_ivp, Leibniz's rule for quad, the sampled
rules. Expected values come from outside the code under test: closed forms (exponential
decay, logistic growth, the matrix exponential and its Fréchet derivative from
scipy.linalg), and central differences of repeated plain SciPy calls.
"""
from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

import dualad as ad

si = pytest.importorskip("scipy.integrate")
sl = pytest.importorskip("scipy.linalg")
from dualad.scipy import integrate as di  # noqa: E402

METHODS = ["RK45", "RK23", "DOP853", "Radau", "BDF", "LSODA"]
TIGHT = dict(rtol=1e-10, atol=1e-12)
A = np.array([[-1.0, 0.5, 0.0], [0.2, -0.8, 0.3], [0.0, 0.4, -0.6]])
Y0 = np.array([1.0, 2.0, 0.5])


def central(F, v, h):
    """Central differences of F (plain in, plain out) at the array v: shape out + v.shape."""
    v = np.asarray(v, dtype=float)
    cols = []
    for i in range(v.size):
        e = np.zeros_like(v)
        e.flat[i] = h
        cols.append((np.asarray(F(v + e)) - np.asarray(F(v - e))) / (2 * h))
    c = np.stack(cols, -1)
    return c.reshape(c.shape[:-1] + v.shape)


def lotka(t, y, a, b, c, d):
    return np.array([a * y[0] - b * y[0] * y[1], c * y[0] * y[1] - d * y[1]])


P_LV = np.array([1.1, 0.4, 0.1, 0.4])


# --- solve_ivp ----------------------------------------------------------------------------

def test_without_duals_it_is_scipys_call():
    ours = di.solve_ivp(lambda t, y: A @ y, (0, 2), Y0, t_eval=[0.5, 1.0])
    theirs = si.solve_ivp(lambda t, y: A @ y, (0, 2), Y0, t_eval=[0.5, 1.0])
    assert np.array_equal(ours.y, theirs.y) and ours.nfev == theirs.nfev


@pytest.mark.parametrize("method", METHODS)
def test_linear_system_initial_state_is_expm(method):
    J = ad.jacfwd(lambda y0: di.solve_ivp(lambda t, y: A @ y, (0, 1.5), y0, method=method,
                                          **TIGHT).y[:, -1])(Y0)
    assert np.allclose(J, sl.expm(1.5 * A), rtol=0, atol=1e-8)


@pytest.mark.parametrize("method", METHODS)
def test_linear_system_matrix_in_args_is_expm_frechet(method):
    J = ad.jacfwd(lambda M: di.solve_ivp(lambda t, y, M: M @ y, (0, 1.5), Y0, method=method,
                                         args=(M,), **TIGHT).y[:, -1])(A)
    for i in range(3):
        for j in range(3):
            E = np.zeros((3, 3))
            E[i, j] = 1.0
            expected = sl.expm_frechet(1.5 * A, 1.5 * E, compute_expm=False) @ Y0
            assert np.allclose(J[:, i, j], expected, rtol=0, atol=1e-8)


@pytest.mark.parametrize("method", METHODS)
def test_nonlinear_parameters_in_args_match_repeated_solves(method):
    def plain(p):
        return si.solve_ivp(lambda t, y: lotka(t, y, *p), (0, 5), [10.0, 5.0], method=method,
                            **TIGHT).y[:, -1]

    J = ad.jacfwd(lambda p: di.solve_ivp(lotka, (0, 5), [10.0, 5.0], method=method,
                                         args=tuple(p), **TIGHT).y[:, -1])(P_LV)
    assert np.allclose(J, central(plain, P_LV, 1e-4), rtol=1e-5, atol=1e-5)


def logistic(t, r, K, y0=0.1):
    return K / (1 + (K / y0 - 1) * np.exp(-r * t))


@pytest.mark.parametrize("method", METHODS)
def test_logistic_closure_parameters_t_eval_and_dense_output(method):
    times = np.array([0.5, 1.0, 2.0])

    def f(p):
        sol = di.solve_ivp(lambda t, y: p[0] * y * (1 - y / p[1]), (0, 3), [0.1],
                           method=method, t_eval=times, dense_output=True, **TIGHT)
        return np.concatenate([sol.y[0], sol.sol(2.5)])

    p = np.array([1.3, 2.0])
    ts = np.append(times, 2.5)
    expected = central(lambda q: logistic(ts, q[0], q[1]), p, 1e-6)
    assert np.allclose(ad.jacfwd(f)(p), expected, rtol=0, atol=1e-7)


@pytest.mark.parametrize("method", ["RK45", "BDF"])
def test_exponential_decay_rate_and_initial_value(method):
    def y_end(k, y0):
        return di.solve_ivp(lambda t, y: -k * y, (0, 2), [y0], method=method,
                            **TIGHT).y[0, -1]
    assert abs(ad.derivative(lambda k: y_end(k, 3.0), 0.5) - -6 * np.exp(-1.0)) < 1e-8
    assert abs(ad.derivative(lambda y0: y_end(0.5, y0), 3.0) - np.exp(-1.0)) < 1e-9


@pytest.mark.parametrize("method", METHODS)
def test_moving_ends_of_t_span(method):
    def end(T):
        return di.solve_ivp(lambda t, y: A @ y, (0, T), Y0, method=method, **TIGHT).y[:, -1]

    def start(t0):
        return di.solve_ivp(lambda t, y: A @ y, (t0, 1.5), Y0, method=method, **TIGHT).y[:, -1]

    assert np.allclose(ad.derivative(end, 1.5), A @ sl.expm(1.5 * A) @ Y0, atol=1e-8)
    assert np.allclose(ad.derivative(start, 0.2), -sl.expm(1.3 * A) @ A @ Y0, atol=1e-8)


def test_moving_end_time_is_a_dual_of_sol_t():
    sol = ad.derivative(lambda T: di.solve_ivp(lambda t, y: -y, (0, T), [1.0]).t[-1], 2.0)
    assert sol == 1.0


def test_dense_output_at_a_dual_time_adds_the_slope():
    def at(s):
        sol = di.solve_ivp(lambda t, y, k: -k * y, (0, 3), [1.0], args=(0.7,),
                           dense_output=True, **TIGHT)
        return sol.sol(s)[0]
    assert abs(ad.derivative(at, 1.2) - -0.7 * np.exp(-0.84)) < 1e-8


def event_time(r, K, c, y0=0.1):   # logistic y(t) = c
    return np.log((K / y0 - 1) / (K / c - 1)) / r


@pytest.mark.parametrize("method", ["RK45", "DOP853", "Radau", "LSODA"])
def test_event_time_and_state_with_a_dual_threshold(method):
    def crossing(p):
        def hit(t, y):
            return y[0] - p[2]
        hit.terminal = True
        sol = di.solve_ivp(lambda t, y: p[0] * y * (1 - y / p[1]), (0, 10), [0.1],
                           method=method, events=hit, **TIGHT)
        return np.stack([sol.t_events[0][0], sol.t[-1], sol.y_events[0][0, 0],
                         sol.y[0, -1]])

    p = np.array([1.3, 2.0, 1.0])
    J = ad.jacfwd(crossing)(p)
    t_e = central(lambda q: event_time(*q), p, 1e-6)
    assert np.allclose(J[0], t_e, atol=1e-7) and np.allclose(J[1], t_e, atol=1e-7)
    assert np.allclose(J[2:], [[0, 0, 1], [0, 0, 1]], atol=1e-8)


@pytest.mark.parametrize("method", ["RK45", "BDF"])
def test_vectorized_fun_gives_the_same_sensitivities(method):
    def run(p, vectorized):
        def fun(t, y):   # works for y of shape (1,) and (1, m)
            assert y.ndim == (2 if vectorized else 1)
            return p * y * (1 - y)
        return di.solve_ivp(fun, (0, 2), [0.2], method=method, vectorized=vectorized,
                            **TIGHT).y[0, -1]
    d1, d2 = (ad.derivative(lambda p: run(p, v), 1.5) for v in (False, True))
    assert abs(d1 - d2) < 1e-8


@pytest.mark.parametrize("method", ["RK45", "BDF"])
def test_complex_state(method):
    k = 0.8   # y' = -i k y: y(2) = exp(-2ik), dy/dk = -2i exp(-2ik)
    d = ad.derivative(lambda k: di.solve_ivp(lambda t, y: -1j * k * y, (0, 2),
                                             [1.0 + 0j], method=method,
                                             **TIGHT).y[0, -1], k)
    assert abs(d - -2j * np.exp(-2j * k)) < 1e-7


def test_user_jac_and_lsoda_bands_and_atol_per_state():
    def F(p, **opts):
        return di.solve_ivp(lambda t, y: A @ y * p, (0, 1.0), Y0, **opts, **TIGHT).y[:, -1]
    expected = A @ sl.expm(A * 1.3) @ Y0
    d_jac = ad.derivative(lambda p: F(p, method="BDF", jac=lambda t, y: A * 1.3), 1.3)
    d_band = ad.derivative(lambda p: F(p, method="LSODA", lband=1, uband=1), 1.3)
    assert np.allclose(d_jac, expected, atol=1e-7) and np.allclose(d_band, expected, atol=1e-7)
    sol = di.solve_ivp(lambda t, y: A @ y * ad.Dual(1.3), (0, 1.0), Y0,
                       atol=[1e-12, 1e-12, 1e-12], rtol=1e-10)
    assert np.allclose(sol.y.tangent[:, -1], expected, atol=1e-7)


def second_central(F, v):
    return central(lambda q: central(F, q, 1e-5), v, 1e-4)


@pytest.mark.parametrize("method", METHODS)
def test_hessian_through_solve_ivp(method):
    tol = dict(rtol=1e-8, atol=1e-10) if method == "RK23" else TIGHT
    p = np.array([1.3, 2.0])
    H = ad.hessian(lambda q: di.solve_ivp(lambda t, y: q[0] * y * (1 - y / q[1]), (0, 2),
                                          [0.1], method=method, **tol).y[0, -1])(p)
    expected = second_central(lambda q: logistic(2.0, q[0], q[1]), p)
    assert np.allclose(H, expected, rtol=0, atol=2e-6 if method == "RK23" else 1e-6)


def test_second_order_in_end_time_events_and_dense_output():
    def y_at(k, T):   # y = exp(-kT)
        return di.solve_ivp(lambda t, y: -k * y, (0, T), [1.0], **TIGHT).y[0, -1]
    d_TT = ad.derivative(lambda T: ad.derivative(lambda S: y_at(0.7, S), T), 2.0)
    d_kT = ad.derivative(lambda k: ad.derivative(lambda S: y_at(k, S), 2.0), 0.7)
    assert abs(d_TT - 0.49 * np.exp(-1.4)) < 1e-9
    assert abs(d_kT - (1.4 - 1) * np.exp(-1.4)) < 1e-9

    def crossing(q):
        return di.solve_ivp(lambda t, y: q[0] * y * (1 - y / q[1]), (0, 10), [0.1],
                            events=lambda t, y: y[0] - q[2], **TIGHT).t_events[0][0]
    p = np.array([1.3, 2.0, 1.0])
    assert np.allclose(ad.hessian(crossing)(p), second_central(lambda q: event_time(*q), p),
                       atol=1e-6)

    def dense(q):
        return di.solve_ivp(lambda t, y: q[0] * y * (1 - y / q[1]), (0, 3), [0.1],
                            dense_output=True, **TIGHT).sol(2.5)[0]
    p = p[:2]
    assert np.allclose(ad.hessian(dense)(p),
                       second_central(lambda q: logistic(2.5, q[0], q[1]), p), atol=1e-6)


def test_refusals_name_the_problem():
    p = ad.Dual(1.0)
    with pytest.raises(TypeError, match="jac"):
        di.solve_ivp(lambda t, y: -p * y, (0, 1), [1.0], method="BDF",
                     jac=lambda t, y: -p * np.eye(1))
    with pytest.raises(TypeError, match="rtol"):
        di.solve_ivp(lambda t, y: -p * y, (0, 1), [1.0], rtol=ad.Dual(1e-6))
    with pytest.raises(TypeError, match="Taylor jets"):
        ad.derivative(lambda q: di.solve_ivp(lambda t, y: -q * y, (0, 1), [1.0]).y[0, -1],
                      1.0, n=2)
    def branchy(t, y):   # plain at t0, where dualad looks for the closure's duals
        return -y if t == 0 else -p * y
    with pytest.raises(TypeError, match="at every t"):
        di.solve_ivp(branchy, (0, 1), [1.0])


# --- quad and quad_vec ----------------------------------------------------------------------

def test_quad_parameter_and_limits():
    # d/dp ∫_0^1 e^{px} dx = ∫ x e^{px}; d/db ∫_0^b e^x = e^b
    assert abs(ad.derivative(lambda p: di.quad(lambda x: np.exp(p * x), 0, 1)[0], 1.0)
               - 1.0) < 1e-12
    g = ad.gradient(lambda v: di.quad(lambda x, c: c * np.exp(x), v[0], v[1], args=(v[2],))[0],
                    np.array([0.3, 1.2, 2.0]))
    assert np.allclose(g, [-2 * np.exp(0.3), 2 * np.exp(1.2), np.exp(1.2) - np.exp(0.3)])


def test_quad_primal_is_scipys_and_full_output_is_kept():
    ours = di.quad(lambda x, c: np.sin(c * x), 0, 2, args=(ad.Dual(1.5),), full_output=1)
    theirs = si.quad(lambda x: np.sin(1.5 * x), 0, 2, full_output=1)
    assert ours[0].value == theirs[0] and ours[1] == theirs[1] and len(ours) == len(theirs)


def test_quad_infinite_limits_and_refused_infinite_dual_limit():
    # ∫ c exp(-a x²) = c sqrt(pi/a)
    g = ad.gradient(lambda p: di.quad(lambda x: p[1] * np.exp(-p[0] * x * x), -np.inf,
                                      np.inf)[0], np.array([2.0, 3.0]))
    assert np.allclose(g, [-1.5 * np.sqrt(np.pi) * 2 ** -1.5, np.sqrt(np.pi / 2)], atol=1e-9)
    with pytest.raises(ValueError, match="infinite"):
        di.quad(lambda x: np.exp(-x * x), 0, ad.Dual(np.inf))


def test_quad_complex_integrand():
    # d/dp ∫_0^1 exp(i p x) dx = ∫_0^1 i x exp(i p x) dx, by parts at p = 2
    d = ad.derivative(lambda p: di.quad(lambda x: np.exp(1j * p * x), 0, 1,
                                        complex_func=True)[0], 2.0)
    expected = 1j * (np.exp(2j) / 2j + (np.exp(2j) - 1) / 4)
    assert abs(d - expected) < 1e-10


def test_quad_and_solve_ivp_refusals():
    with pytest.raises(ValueError, match="weight"):
        di.quad(lambda x: x, 0, ad.Dual(1.0), weight="cos", wvar=1.0)
    with pytest.raises(TypeError, match="wvar"):
        di.quad(lambda x: x, 0, 1, weight="cos", wvar=ad.Dual(1.0))
    with pytest.raises(ValueError, match="atol"):
        di.solve_ivp(lambda t, y: -ad.Dual(1.0) * y, (0, 1), [1.0, 2.0], atol=[1e-9])


def test_quad_weight_and_second_order():
    d = ad.derivative(lambda a: di.quad(lambda x: np.exp(-a * x), 0, 3, weight="cos",
                                        wvar=2.0)[0], 0.5)
    plain = central(lambda a: si.quad(lambda x: np.exp(-a[0] * x), 0, 3, weight="cos",
                                      wvar=2.0, epsabs=1e-13)[0], [0.5], 1e-5)[0]
    assert abs(d - plain) < 1e-8
    H = ad.hessian(lambda p: di.quad(lambda x: np.exp(p[0] * x) * p[1], 0, p[1])[0])(
        np.array([1.0, 1.0]))
    # I(a, b) = b (e^{ab} - 1)/a in closed form
    expected = central(lambda q: central(lambda r: r[1] * np.expm1(r[0] * r[1]) / r[0], q,
                                         1e-5), [1.0, 1.0], 1e-4)
    assert np.allclose(H, expected, atol=1e-6)
    # d²/dp² ∫_0^1 e^{px} dx at p = 1 is ∫ x² e^x = e - 2
    assert abs(ad.derivative(lambda q: ad.derivative(
        lambda p: di.quad(lambda x: np.exp(p * x), 0, 1)[0], q), 1.0) - (np.e - 2)) < 1e-10


def test_quad_vec_vector_integrand_and_limits():
    def F(p):
        return di.quad_vec(lambda x: np.sin(p * x), 0, p[0])[0]
    p = np.array([1.0, 3.0])
    plain = central(lambda q: si.quad_vec(lambda x: np.sin(q * x), 0, q[0],
                                          epsrel=1e-12)[0], p, 1e-5)
    assert np.allclose(ad.jacfwd(F)(p), plain, atol=1e-8)


# --- the sampled rules ------------------------------------------------------------------------

X = np.array([0.0, 0.3, 0.7, 1.2, 1.5, 2.1])
Y2 = np.random.default_rng(0).normal(size=(3, 6))


@pytest.mark.parametrize("name", ["trapezoid", "cumulative_trapezoid", "simpson"])
@pytest.mark.parametrize("axis", [0, -1])
def test_sampled_rules_in_y_and_dx(name, axis):
    ours, theirs = getattr(di, name), getattr(si, name)
    x = X if axis == -1 else X[:3]
    J = ad.jacfwd(lambda y: ours(y, x=x, axis=axis))(Y2)
    assert np.allclose(J, central(lambda y: theirs(y, x=x, axis=axis), Y2, 1e-6), atol=1e-8)
    d = ad.derivative(lambda h: ours(Y2, dx=h, axis=axis), 0.3)
    assert np.allclose(d, central(lambda h: theirs(Y2, dx=h[0], axis=axis), [0.3], 1e-6)[..., 0])
    assert np.array_equal(ours(ad.DualArray(Y2), x=x, axis=axis).value,
                          theirs(Y2, x=x, axis=axis))


@pytest.mark.parametrize("name", ["trapezoid", "cumulative_trapezoid"])
def test_trapezoids_in_x_first_and_second_order(name):
    ours, theirs = getattr(di, name), getattr(si, name)
    J = ad.jacfwd(lambda x: ours(Y2, x=x))(X)
    assert np.allclose(J, central(lambda x: theirs(Y2, x=x), X, 1e-6), atol=1e-8)
    H = ad.hessian(lambda x: np.sum(ours(np.sin(x), x=x)))(X)
    expected = central(lambda x: central(lambda z: np.sum(theirs(np.sin(z), x=z)), x, 1e-5),
                       X, 1e-5)
    assert np.allclose(H, expected, atol=1e-5)


@pytest.mark.parametrize("n", [2, 3, 4, 7])
def test_simpson_in_x_first_and_second_order(n):   # odd and even n (Cartwright's end)
    x = np.cumsum(np.random.default_rng(n).uniform(0.1, 1.0, n))
    J = ad.jacfwd(lambda v: di.simpson(np.cos(x), x=v))(x)
    assert np.allclose(J, central(lambda v: si.simpson(np.cos(x), x=v), x, 1e-6), atol=1e-8)
    H = ad.hessian(lambda v: di.simpson(np.sin(v), x=v))(x)
    expected = central(lambda q: central(lambda v: si.simpson(np.sin(v), x=v), q, 1e-5), x,
                       1e-4)
    assert np.allclose(H, expected, atol=1e-6)
    assert di.simpson(np.cos(x), x=ad.DualArray(x)).value == si.simpson(np.cos(x), x=x)


def test_simpson_in_x_along_an_axis():
    x = np.cumsum(np.random.default_rng(5).uniform(0.1, 1.0, 3))
    J = ad.jacfwd(lambda v: di.simpson(Y2, x=v, axis=0))(x)
    assert np.allclose(J, central(lambda v: si.simpson(Y2, x=v, axis=0), x, 1e-6), atol=1e-8)


def test_example_runs():
    path = Path(__file__).resolve().parents[1] / "examples" / "ode_parameter_sensitivity.py"
    runpy.run_path(str(path), run_name="__main__")
