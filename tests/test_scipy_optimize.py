"""dualad.scipy.optimize: SciPy's solvers with tangents by the implicit function theorem.

Expected values come from outside dualad: hand-derived implicit derivatives and closed
forms, mpmath (``mpmath.diff`` of ``mpmath.findroot`` at 30 digits), and central
differences of repeated ``scipy.optimize`` solves. Primals are compared with SciPy's own
result bit for bit.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

import dualad as ad

so = pytest.importorskip("scipy.optimize")
from dualad.scipy import optimize  # noqa: E402
from dualad.scipy.optimize import NotConvergedError, SingularJacobianError  # noqa: E402

BRACKETING = ["brentq", "brenth", "ridder", "bisect", "toms748"]


# --- x^3 + p x - 1 = 0: x' = -x / (3x^2 + p), x'' by differentiating once more -----------

def cubic_root(p):
    return optimize.brentq(lambda x, p: x**3 + p * x - 1, 0.0, 2.0, args=(p,))


def cubic_reference(p, n):
    mpmath.mp.dps = 30
    root = lambda q: mpmath.findroot(lambda x: x**3 + q * x - 1, 0.7)   # noqa: E731
    return float(mpmath.diff(root, p, n))


def cubic_by_hand(p):
    x = so.brentq(lambda x: x**3 + p * x - 1, 0.0, 2.0)
    d = 3 * x**2 + p
    x1 = -x / d
    x2 = -(x1 * d - x * (6 * x * x1 + 1)) / d**2
    return x, x1, x2


@pytest.mark.parametrize("p", [0.0, 0.5, 3.0])
def test_cubic_root_first_and_second_derivative_by_hand(p):
    x, x1, x2 = cubic_by_hand(p)
    assert ad.derivative(cubic_root, p) == pytest.approx(x1, rel=1e-12)
    assert ad.derivative(lambda q: ad.derivative(cubic_root, q), p) == pytest.approx(
        x2, rel=1e-10)
    assert float(ad.hessian(lambda v: cubic_root(v[0]))([p])[0, 0]) == pytest.approx(
        x2, rel=1e-10)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_cubic_root_taylor_mode_against_mpmath(n):
    assert ad.derivative(cubic_root, 0.5, n=n) == pytest.approx(cubic_reference(0.5, n),
                                                                rel=1e-9)


def test_primal_is_scipys_bit_for_bit_and_the_result_a_dual_of_the_callers_tag():
    p = ad.Dual(0.5, 1.0)
    x = cubic_root(p)
    assert type(x) is ad.Dual and x.tag == p.tag
    assert x.value == so.brentq(lambda x: x**3 + 0.5 * x - 1, 0.0, 2.0)

    def inside(q):
        x = cubic_root(q)
        assert type(x) is ad.Dual and x.tag == q.tag
        return x
    ad.derivative(inside, 0.5)


def test_plain_parameters_give_scipys_result_unchanged():
    assert cubic_root(0.5) == so.brentq(lambda x: x**3 + 0.5 * x - 1, 0.0, 2.0)
    assert type(cubic_root(0.5)) is float


# --- x^2 - p = 0 by every bracketing method: x = sqrt(p) -------------------------------

@pytest.mark.parametrize("name", BRACKETING)
def test_every_bracketing_method_gives_the_derivatives_of_sqrt(name):
    solve = getattr(optimize, name)
    root = lambda p: solve(lambda x: x**2 - p, 0.0, 10.0)   # noqa: E731  (p in the closure)
    p = 2.0
    assert ad.derivative(root, p) == pytest.approx(0.5 / math.sqrt(p), rel=1e-10)
    assert ad.derivative(lambda q: ad.derivative(root, q), p) == pytest.approx(
        -0.25 * p**-1.5, rel=1e-9)


@pytest.mark.parametrize("name", BRACKETING)
def test_full_output_gives_scipys_root_results_with_a_dual_root(name):
    root, info = getattr(optimize, name)(lambda x: x**2 - ad.Dual(2.0, 1.0), 0.0, 10.0,
                                         full_output=True)
    plain, plain_info = getattr(so, name)(lambda x: x**2 - 2.0, 0.0, 10.0, full_output=True)
    assert root.value == plain and info.root is root
    assert info.iterations == plain_info.iterations and info.converged
    assert root.tangent == pytest.approx(0.5 / math.sqrt(2.0), rel=1e-10)


def test_gradient_and_hessian_of_a_root_in_two_parameters():
    # x^3 + a x - b = 0 at a = 1, b = 2: x = 1, F_x = 3x^2 + a = 4
    root = lambda v: optimize.brentq(lambda x: x**3 + v[0] * x - v[1], 0.0, 10.0)  # noqa: E731
    v = np.array([1.0, 2.0])
    np.testing.assert_allclose(ad.gradient(root, v), [-0.25, 0.25], rtol=1e-12)
    # differentiating x_a = -x / (3x^2 + a), x_b = 1 / (3x^2 + a) once more:
    x, d, xa, xb = 1.0, 4.0, -0.25, 0.25
    # x_aa = -(x_a d - x d_a) / d^2, d_a = 6 x x_a + 1; x_ab = -(x_b d - x d_b) / d^2,
    # d_b = 6 x x_b; x_bb = -d_b / d^2
    haa = -(xa * d - x * (6 * x * xa + 1)) / d**2
    hab = -(xb * d - x * 6 * x * xb) / d**2
    hessian = np.array([[haa, hab], [hab, -6 * x * xb / d**2]])
    np.testing.assert_allclose(ad.hessian(root)(v), hessian, rtol=1e-10)


def test_root_scalar_by_bracket_and_by_newton_with_fprime_true():
    p = ad.Dual(2.0, 1.0)
    bracketed = optimize.root_scalar(lambda x: x**2 - p, bracket=(0.0, 10.0))
    assert bracketed.converged and bracketed.root.tangent == pytest.approx(0.5 / math.sqrt(2))
    newton = optimize.root_scalar(lambda x: (x**2 - p, 2 * x), x0=1.0, fprime=True,
                                  method="newton")
    assert newton.root.value == so.root_scalar(lambda x: (x**2 - 2.0, 2 * x), x0=1.0,
                                               fprime=True, method="newton").root
    assert newton.root.tangent == pytest.approx(0.5 / math.sqrt(2), rel=1e-12)


# --- newton: Newton, secant, Halley; scalar and array x0 ------------------------------------

@pytest.mark.parametrize("kind", ["newton", "secant", "halley"])
def test_newton_scalar_every_variant(kind):
    derivatives = {"newton": dict(fprime=lambda x, p: 2 * x),
                   "secant": {},
                   "halley": dict(fprime=lambda x, p: 2 * x, fprime2=lambda x, p: 2.0)}[kind]
    root = lambda p: optimize.newton(lambda x, p: x**2 - p, 1.0, args=(p,),   # noqa: E731
                                     **derivatives)
    assert ad.derivative(root, 3.0) == pytest.approx(0.5 / math.sqrt(3.0), rel=1e-9)
    assert ad.derivative(root, 3.0, n=2) == pytest.approx(-0.25 * 3.0**-1.5, rel=1e-8)


def test_newton_with_an_array_x0_elementwise_jacobian_and_hessian():
    p = np.array([4.0, 9.0, 2.0])
    roots = lambda q: optimize.newton(lambda x: x**2 - q, np.ones(3))   # noqa: E731
    np.testing.assert_allclose(ad.jacfwd(roots)(p), np.diag(0.5 / np.sqrt(p)), rtol=1e-10)
    total = lambda q: np.sum(roots(q))   # noqa: E731
    np.testing.assert_allclose(ad.hessian(total)(p), np.diag(-0.25 * p**-1.5), rtol=1e-9)
    out = optimize.newton(lambda x: x**2 - ad.DualArray(p, np.ones(3)), np.ones(3),
                          full_output=True)
    assert out.converged.all()
    np.testing.assert_array_equal(out.root.value, so.newton(lambda x: x**2 - p, np.ones(3)))


def test_newton_complex_root_holomorphic_derivative():
    # x^2 = p at p = 2j: x = 1 + 1j, x' = 1 / (2x)
    got = ad.derivative(lambda p: optimize.newton(lambda x: x**2 - p, 1 + 1j), 2j)
    assert got == pytest.approx(1 / (2 * (1 + 1j)), rel=1e-10)


# --- systems: x0^2 + x1^2 = p0, x0 - x1 = p1 ---------------------------------------------

def circle_system(x, p):
    return [x[0]**2 + x[1]**2 - p[0], x[0] - x[1] - p[1]]


def circle_by_hand(p):
    """x0 = (p1 + s) / 2, x1 = x0 - p1, s = sqrt(2 p0 - p1^2): Jacobian and Hessians."""
    s = math.sqrt(2 * p[0] - p[1]**2)
    jac0 = [1 / (2 * s), (1 - p[1] / s) / 2]
    jacobian = np.array([jac0, [jac0[0], jac0[1] - 1]])
    s_hessian = np.array([[-1 / s**3, p[1] / s**3], [p[1] / s**3, -1 / s - p[1]**2 / s**3]])
    return jacobian, s_hessian / 2          # the same Hessian for x0 and x1


@pytest.mark.parametrize("solve", ["fsolve", "hybr", "lm", "krylov"])
def test_system_jacobian_and_hessian_by_hand(solve):
    def x_of(p):
        if solve == "fsolve":
            return optimize.fsolve(circle_system, [1.0, 0.5], args=(p,), xtol=1e-13)
        tol = dict(options={"fatol": 1e-13}) if solve == "krylov" else {}
        result = optimize.root(circle_system, [1.0, 0.5], args=(p,), method=solve, **tol)
        return result.x
    p = np.array([2.0, 0.5])
    jacobian, hessian = circle_by_hand(p)
    np.testing.assert_allclose(ad.jacfwd(x_of)(p), jacobian, rtol=1e-9)
    np.testing.assert_allclose(ad.hessian(lambda q: x_of(q)[0])(p), hessian, rtol=1e-8)
    np.testing.assert_allclose(ad.hessian(lambda q: x_of(q)[1])(p), hessian, rtol=1e-8)


def test_fsolve_primal_and_full_output_are_scipys():
    p = ad.DualArray(np.array([2.0, 0.5]), np.array([1.0, 0.0]))
    x, info, ier, message = optimize.fsolve(circle_system, [1.0, 0.5], args=(p,),
                                            full_output=True)
    plain = so.fsolve(circle_system, [1.0, 0.5], args=(np.array([2.0, 0.5]),))
    np.testing.assert_array_equal(x.value, plain)
    assert ier == 1 and isinstance(x, ad.DualArray) and x.tag == p.tag


def test_root_with_jac_true_uses_the_function_part():
    p = np.array([2.0, 0.5])

    def with_jacobian(x, p):
        return circle_system(x, p), np.array([[2 * x[0], 2 * x[1]], [1.0, -1.0]])
    x_of = lambda q: optimize.root(with_jacobian, [1.0, 0.5], args=(q,), jac=True).x  # noqa
    np.testing.assert_allclose(ad.jacfwd(x_of)(p), circle_by_hand(p)[0], rtol=1e-9)


# --- minimize: f = 1/2 x^T A(p) x - b(p)^T x, argmin A^-1 b --------------------------------

E = np.array([[1.0, 0.0], [0.0, 0.0]])   # dA/dp0


def quadratic(x, p):
    A = np.array([[2.0, 1.0], [1.0, 3.0]]) + p[0] * E
    b = np.array([1.0, 1.0]) + p[1] * np.array([1.0, 0.0])
    return 0.5 * x @ (A @ x) - b @ x


def quadratic_by_hand(p):
    A = np.array([[2.0 + p[0], 1.0], [1.0, 3.0]])
    A_inv = np.linalg.inv(A)
    x = A_inv @ np.array([1.0 + p[1], 1.0])
    e1 = np.array([1.0, 0.0])
    jacobian = np.stack([-A_inv @ E @ x, A_inv @ e1], axis=1)
    # second derivatives of x = A^-1 b: x_00 = 2 A^-1 E A^-1 E x, x_01 = -A^-1 E A^-1 e1
    x00 = 2 * A_inv @ E @ A_inv @ E @ x
    x01 = -A_inv @ E @ A_inv @ e1
    hessians = np.array([[x00, x01], [x01, np.zeros(2)]])   # [i, j, component]
    return x, jacobian, hessians


@pytest.mark.parametrize("method", ["BFGS", "Nelder-Mead", "L-BFGS-B", "trust-exact"])
def test_minimize_quadratic_argmin_first_and_second_order_by_hand(method):
    extra = {"Nelder-Mead": dict(options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 4000}),
             "trust-exact": dict(jac=lambda x, p: ad.gradient(lambda y: quadratic(y, p), x),
                                 hess=lambda x, p: ad.hessian(lambda y: quadratic(y, p))(x)),
             }.get(method, dict(tol=1e-12))

    def argmin(p):
        return optimize.minimize(quadratic, np.zeros(2), args=(p,), method=method, **extra).x
    p = np.array([0.5, 0.25])
    x, jacobian, hessians = quadratic_by_hand(p)
    tol = 1e-6 if method == "Nelder-Mead" else 1e-8
    np.testing.assert_allclose(ad.jacfwd(argmin)(p), jacobian, rtol=tol, atol=tol)
    for i in range(2):
        np.testing.assert_allclose(ad.hessian(lambda q: argmin(q)[i])(p), hessians[..., i],
                                   rtol=tol, atol=tol)


def test_minimize_result_is_scipys_with_x_and_fun_carrying_tangents():
    p = np.array([0.5, 0.25])
    dual_p = ad.DualArray(p, np.array([0.0, 1.0]))        # d/dp1
    result = optimize.minimize(quadratic, np.zeros(2), args=(dual_p,))
    plain = so.minimize(quadratic, np.zeros(2), args=(p,))
    np.testing.assert_array_equal(result.x.value, plain.x)
    assert result.fun.value == plain.fun and result.nit == plain.nit
    x, jacobian, _ = quadratic_by_hand(p)
    np.testing.assert_allclose(result.x.tangent, jacobian[:, 1], rtol=1e-5)
    # the envelope theorem: d f(x*(p), p) / dp1 = df/dp1 at x* = -x0
    assert result.fun.tangent == pytest.approx(-plain.x[0], rel=1e-5)


def test_minimize_with_parameters_in_the_closure_and_inactive_bounds():
    def argmin(p):
        f = lambda x: (x[0] - p)**2 + (x[1] - 2 * p)**2   # noqa: E731
        return optimize.minimize(f, [0.5, 0.5], bounds=[(0.0, 5.0), (None, 5.0)],
                                 method="L-BFGS-B").x
    np.testing.assert_allclose(ad.derivative(argmin, 1.0), [1.0, 2.0], rtol=1e-8)


# --- least_squares: fit y = a exp(-b t) to data moved by q ----------------------------------

T = np.linspace(0.0, 3.0, 12)
NOISE = np.sin(7.0 * T)           # a fixed, non-smooth-looking perturbation of the data


def decay_residuals(c, q):
    return c[0] * np.exp(-c[1] * T) - (2.0 * np.exp(-0.7 * T) + q * NOISE)


def decay_jacobian(c, q):
    return np.stack([np.exp(-c[1] * T), -c[0] * T * np.exp(-c[1] * T)], axis=1)


def fit(q, loss="linear", solver=optimize, x0=(1.0, 1.0)):
    return solver.least_squares(decay_residuals, x0, jac=decay_jacobian, args=(q,), loss=loss,
                                f_scale=0.3, ftol=1e-15, xtol=1e-15, gtol=1e-15)


def richardson(difference, h):
    """A difference quotient of error O(h^2), extrapolated to O(h^4)."""
    return (4 * difference(h / 2) - difference(h)) / 3


@pytest.mark.parametrize("loss", ["linear", "soft_l1", "huber", "cauchy", "arctan"])
def test_least_squares_sensitivities_match_central_differences_of_scipy_solves(loss):
    # SciPy's solves stop at a gradient of ~1e-9 (x to ~3e-10): differences with a step
    # of 1e-2, extrapolated (Richardson), keep both their truncation and the solve's
    # error near 1e-7 (absolute)
    q = 0.2
    x = lambda r: fit(r, loss, so).x   # noqa: E731
    first = richardson(lambda h: (x(q + h) - x(q - h)) / (2 * h), 1e-2)
    np.testing.assert_allclose(ad.derivative(lambda r: fit(r, loss).x, q), first, rtol=1e-5,
                               atol=2e-7)


@pytest.mark.parametrize("loss", ["linear", "soft_l1", "cauchy", "arctan"])
def test_least_squares_second_order_sensitivities_match_second_differences(loss):
    # (huber's solves stop too far from the minimum for second differences)
    q = 0.2
    x = lambda r: fit(r, loss, so).x   # noqa: E731
    second = richardson(lambda h: (x(q + h) - 2 * x(q) + x(q - h)) / h**2, 4e-2)
    x2 = ad.derivative(lambda r: ad.derivative(lambda s: fit(s, loss).x, r), q)
    np.testing.assert_allclose(x2, second, rtol=1e-3, atol=3e-6)


def test_least_squares_result_fun_and_cost_carry_tangents_and_primal_is_scipys():
    q = 0.2
    result = fit(ad.Dual(q, 1.0))
    plain = fit(q, solver=so)
    np.testing.assert_array_equal(result.x.value, plain.x)
    np.testing.assert_array_equal(result.fun.value, plain.fun)
    assert result.cost.value == plain.cost
    h = 1e-5
    cost = lambda r: fit(r, solver=so).cost   # noqa: E731
    assert result.cost.tangent == pytest.approx((cost(q + h) - cost(q - h)) / (2 * h),
                                                rel=1e-6)


def test_least_squares_parameters_through_kwargs_and_jacobian_of_a_vector():
    def residuals(c, *, data):
        return c[0] + c[1] * T - data
    fit_line = lambda d: optimize.least_squares(residuals, [0.0, 0.0],   # noqa: E731
                                                kwargs={"data": d}).x
    data = 1.0 + 2.0 * T + NOISE
    # a linear fit is linear in the data: its Jacobian is the pseudo-inverse of [1, t]
    design = np.stack([np.ones_like(T), T], axis=1)
    np.testing.assert_allclose(ad.jacfwd(fit_line)(data), np.linalg.pinv(design),
                               rtol=1e-8, atol=1e-12)


# --- refusals ---------------------------------------------------------------------------------

def test_a_multiple_root_is_refused_naming_the_solver():
    with pytest.raises(SingularJacobianError, match="brentq: the derivative .* is 0"):
        ad.derivative(lambda p: optimize.brentq(lambda x: (x - p)**3, -1.0, 3.0), 1.0)


def test_a_singular_jacobian_of_a_system_is_refused():
    # converged (the residual is exactly 0 at x = (p, 1)), but F_x = [[0, 0], [0, 1]] there
    def F(x, p):
        return [(x[0] - p)**2, x[1] - 1]
    with pytest.raises(SingularJacobianError, match="root: the Jacobian .* singular"):
        ad.derivative(lambda p: optimize.root(F, [1.0, 1.0], args=(p,), method="lm").x, 1.0)


def test_a_valley_of_minima_is_refused():
    # every x with x0 + x1 = p is a minimum: the Hessian [[2, 2], [2, 2]] is singular
    with pytest.raises(SingularJacobianError, match="minimize: the Jacobian .* singular"):
        ad.derivative(lambda p: optimize.minimize(lambda x: (x[0] + x[1] - p)**2,
                                                  [1.0, 1.0]).x, 1.0)


@pytest.mark.parametrize("call", [
    lambda p: optimize.brentq(lambda x: x**2 - p, 0.0, 10.0, maxiter=2, disp=False),
    lambda p: optimize.newton(lambda x: x**2 - p, 10.0, maxiter=2, disp=False),
    lambda p: optimize.minimize(lambda x: (x[0] - p)**4 + x[1]**2, [3.0, 1.0],
                                options={"maxiter": 1}).x,
    lambda p: optimize.least_squares(lambda x: np.exp(x) - p, [3.0], max_nfev=2).x,
], ids=["brentq", "newton", "minimize", "least_squares"])
def test_an_unconverged_solve_is_refused(call):
    with pytest.raises(NotConvergedError, match="did not converge"):
        ad.derivative(call, 2.0)


def test_an_unconverged_plain_solve_is_scipys_as_it_is():
    ours = optimize.brentq(lambda x: x**2 - 2.0, 0.0, 10.0, maxiter=2, disp=False)
    assert ours == so.brentq(lambda x: x**2 - 2.0, 0.0, 10.0, maxiter=2, disp=False)


def test_an_active_bound_and_constraints_are_refused():
    with pytest.raises(NotImplementedError, match="minimize: the solution lies on a bound"):
        ad.derivative(lambda p: optimize.minimize(lambda x: (x[0] - p)**2, [0.5],
                                                  bounds=[(0.0, 1.0)]).x, 2.0)
    with pytest.raises(NotImplementedError, match="least_squares: the solution lies on a"):
        ad.derivative(lambda p: optimize.least_squares(lambda x: x - p, [0.5],
                                                       bounds=(0.0, 1.0)).x, 2.0)
    constraint = {"type": "ineq", "fun": lambda x: x[0]}
    with pytest.raises(NotImplementedError, match="KKT"):
        ad.derivative(lambda p: optimize.minimize(lambda x: (x[0] - p)**2, [0.5],
                                                  constraints=[constraint]).x, 2.0)


def test_a_callable_loss_is_refused():
    with pytest.raises(NotImplementedError, match="callable loss"):
        optimize.least_squares(lambda x: x - 1.0, [0.5], loss=lambda z: np.stack([z] * 3))


# --- the original failures of issue 14, through the drop-in --------------------------------

def test_brentq_inside_a_function_being_differentiated():
    def f(v):   # x(v) solves x e^x = v0, scaled by v1
        return v[1] * optimize.brentq(lambda x: x * np.exp(x) - v[0], 0.0, 5.0)
    v = np.array([1.0, 2.0])
    w = so.brentq(lambda x: x * np.exp(x) - 1.0, 0.0, 5.0)     # Lambert W(1)
    np.testing.assert_allclose(ad.gradient(f, v), [2.0 * w / (1.0 * (1 + w)), w], rtol=1e-12)


def test_the_drop_in_forwards_every_other_name_to_scipy():
    assert optimize.rosen is so.rosen and optimize.OptimizeResult is so.OptimizeResult
    np.testing.assert_allclose(ad.gradient(optimize.rosen, [1.0, 2.0]), [-400.0, 200.0])
    with pytest.raises(AttributeError, match="dualad.scipy.optimize"):
        optimize.no_such_function


@pytest.mark.parametrize("solve", [
    lambda q: fit(q).x,
    lambda q: optimize.fsolve(circle_system, [1.0, 0.5], args=([2.0, q],)),
], ids=["least_squares", "fsolve"])
def test_taylor_mode_through_an_array_solve_is_refused_with_the_way_out(solve):
    with pytest.raises(NotImplementedError, match="nest first-order derivatives"):
        ad.derivative(solve, 0.5, n=2)


def test_sparsity_detection_through_a_solve_is_refused():
    # a pattern holds for every value; a solve iterates on values
    system = lambda p: optimize.fsolve(lambda x: [x[0] + x[1] - p[0], x[0] - x[1] - p[1]],  # noqa
                                       [0.0, 0.0])
    with pytest.raises(TypeError, match="cannot solve on a"):
        ad.jacobian_sparsity(system, np.ones(2))
    with pytest.raises(TypeError, match="cannot solve on a pattern dual"):
        ad.jacobian_sparsity(lambda p: optimize.brentq(lambda x: x**3 + p[0] * x - p[1],
                                                       0.0, 10.0), np.ones(2))


def test_third_order_by_three_nested_derivatives_takes_two_newton_steps():
    root = lambda p: optimize.brentq(lambda x: x**2 - p, 0.0, 10.0)   # noqa: E731
    third = ad.derivative(lambda a: ad.derivative(lambda b: ad.derivative(root, b), a), 2.0)
    assert third == pytest.approx(3 / 8 * 2.0**-2.5, rel=1e-9)
