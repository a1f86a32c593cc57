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
