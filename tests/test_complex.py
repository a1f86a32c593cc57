"""Complex numbers: elementwise rules on scalars and arrays, complex linear algebra, and
gradients of functions of complex input.

Every expected value comes from outside dualad: mpmath, a derivation written here, or
central differences of the plain NumPy function along a real parameter t, z(t) = z + t·dz
(the only derivative a non-holomorphic map has: an R-linear one).
"""
import cmath
import math

import mpmath
import numpy as np
import pytest

import dualad as ad


def central(f, z, dz, h=1e-6):
    """(f(z + h dz) - f(z - h dz)) / 2h of a plain NumPy function (arrays or tuples)."""
    plus, minus = f(z + h * dz), f(z - h * dz)
    if isinstance(plus, tuple):
        return tuple((np.asarray(p) - np.asarray(m)) / (2 * h) for p, m in zip(plus, minus))
    return (np.asarray(plus) - np.asarray(minus)) / (2 * h)


def mp_complex(x):
    return complex(mpmath.mpc(x))


# --- elementwise rules: arrays agree with scalars ------------------------------------

def test_sigmoid_of_a_complex_array_is_the_complex_logistic():
    z = 0.5 + 1j
    want = mp_complex(1 / (1 + mpmath.exp(-mpmath.mpc(z))))   # 0.6562 + 0.2523i, not σ(|z|)
    got = ad.sigmoid(np.array([z, -z]))
    np.testing.assert_allclose(got, [want, mp_complex(1 / (1 + mpmath.exp(mpmath.mpc(z))))],
                               rtol=1e-15)


def test_sigmoid_tangent_on_complex_arrays_is_the_complex_derivative():
    z = np.array([0.5 + 1j, -2.0 + 0.3j])
    _, t = ad.jvp(ad.sigmoid, (z,), (np.ones(2, dtype=complex),))
    want = [mp_complex(mpmath.exp(-mpmath.mpc(w)) / (1 + mpmath.exp(-mpmath.mpc(w))) ** 2)
            for w in z]
    np.testing.assert_allclose(t, want, rtol=1e-14)


def test_sigmoid_of_complex_numbers_with_very_negative_real_part_does_not_overflow():
    z = -800.0 + 0.5j   # sigmoid(z) = e^z/(1 + e^z) ~ e^z, which underflows to 0
    assert ad.sigmoid(z) == 0j
    np.testing.assert_array_equal(ad.sigmoid(np.array([z])), [0j])


def test_softplus_of_complex_arrays_agrees_with_the_complex_scalar():
    z = 0.5 - 0.7j
    want = mp_complex(mpmath.log(1 + mpmath.exp(mpmath.mpc(z))))
    np.testing.assert_allclose(ad.softplus(np.array([z])), [want], rtol=1e-15)
    np.testing.assert_allclose(ad.softplus(z), want, rtol=1e-15)


def test_relu_refuses_complex_arrays_and_numbers():
    with pytest.raises(TypeError, match="complex"):
        ad.relu(np.array([1 + 1j]))
    with pytest.raises(TypeError, match="complex"):
        ad.relu(ad.Dual(1 + 1j, 1.0))


def test_hessian_through_sigmoid_on_arrays():
    """Σ σ(a_i): the Hessian is diag(σ''), σ'' = σ(1 - σ)(1 - 2σ) (by hand)."""
    a = np.array([1.0, 2.0, -3.0])
    s = 1 / (1 + np.exp(-a))
    np.testing.assert_allclose(ad.hessian(lambda v: np.sum(ad.sigmoid(v)))(a),
                               np.diag(s * (1 - s) * (1 - 2 * s)), rtol=1e-14)


def test_arcsinh_of_a_complex_array():
    z = 1 + 1j
    y, t = ad.jvp(np.arcsinh, (np.array([z]),), (np.array([1 + 0j]),))
    np.testing.assert_allclose(t, [mp_complex(1 / mpmath.sqrt(1 + mpmath.mpc(z) ** 2))],
                               rtol=1e-15)
    np.testing.assert_allclose(y, [np.arcsinh(z)], rtol=0)


def test_arcsinh_of_a_huge_real_array_keeps_its_hypot_partial():
    _, t = ad.jvp(np.arcsinh, (np.array([1e200]),), (np.array([1.0]),))
    assert t[0] == 1e-200   # 1/hypot(1, x): no overflow of x*x


@pytest.mark.parametrize("name, derivative", [
    ("expm1", lambda z: mpmath.exp(z)),
    ("log1p", lambda z: 1 / (1 + z)),
    ("log2", lambda z: 1 / (z * mpmath.log(2))),
])
def test_expm1_log1p_log2_on_complex_scalar_duals(name, derivative):
    fn = getattr(np, name)
    z = 1 + 1j
    y, t = ad.jvp(fn, (z,), (1 + 0j,))
    assert y == complex(fn(z))   # NumPy's value, as on an array
    np.testing.assert_allclose(t, mp_complex(derivative(mpmath.mpc(z))), rtol=1e-15)
    ya, ta = ad.jvp(fn, (np.array([z]),), (np.array([1 + 0j]),))
    assert ya[0] == y and ta[0] == t


# --- non-holomorphic rules: sign, abs ------------------------------------------------

def sign_tangent_by_hand(z, dz):
    """d(z/|z|) = (dz - s Re(conj(s) dz)) / |z|, s = z/|z|."""
    s = z / abs(z)
    return (dz - s * (s.conjugate() * dz).real) / abs(z)


@pytest.mark.parametrize("dz", [1.0 + 0j, 1j])
def test_sign_of_a_complex_array_moves(dz):
    z = np.array([3 + 4j])
    _, t = ad.jvp(np.sign, (z,), (np.array([dz]),))
    np.testing.assert_allclose(t, central(np.sign, z, dz), rtol=1e-8)
    np.testing.assert_allclose(t, [sign_tangent_by_hand(3 + 4j, dz)], rtol=1e-15)


def test_sign_of_a_complex_scalar_dual():
    y, t = ad.jvp(np.sign, (3 + 4j,), (1 + 0j,))
    assert y == 0.6 + 0.8j
    np.testing.assert_allclose(t, 0.128 - 0.096j, rtol=1e-15)   # (1 - 0.6·0.6)/5 ...


def test_sign_at_complex_zero_has_tangent_zero():
    _, t = ad.jvp(np.sign, (np.array([0j]),), (np.array([1 + 1j]),))
    assert t[0] == 0


def test_sign_of_reals_with_a_real_tangent_stays_constant():
    _, t = ad.jvp(np.sign, (np.array([-2.0, 3.0]),), (np.array([1.0, 1.0]),))
    np.testing.assert_array_equal(t, [0.0, 0.0])


def test_sign_of_a_real_primal_moved_along_i():
    """sign(x + i t) = (x + i t)/|x + i t|: d/dt at t = 0 is i/|x| (by hand)."""
    _, t = ad.jvp(np.sign, (np.array([-2.0]),), (np.array([1j]),))
    np.testing.assert_allclose(t, [0.5j], rtol=1e-15)
    np.testing.assert_allclose(t, central(np.sign, np.array([-2.0 + 0j]), 1j), rtol=1e-8)


def test_abs_of_a_real_primal_moved_along_i_does_not_change():
    """|x + i t| = sqrt(x² + t²): d/dt at t = 0 is 0 (by hand), not i."""
    assert ad.jvp(abs, (6.4,), (1j,)) == (6.4, 0.0)
    assert ad.jvp(abs, (-6.4,), (1j + 2,)) == (6.4, -2.0)   # Re(conj(x) dz)/|x|
    _, t = ad.jvp(np.abs, (np.array([6.4, -1.0]),), (np.array([1j, 1j]),))
    np.testing.assert_array_equal(t, [0.0, 0.0])
    _, t = ad.jvp(lambda x: ad.math.fabs(x), (6.4,), (1j,))
    assert t == 0.0


def test_abs_of_a_real_primal_moved_along_i_in_several_directions():
    """A 2-direction tangent (1, i): d|x| = (sign x, 0)."""
    d = ad.Dual(-3.0, np.array([1.0, 1j]))
    np.testing.assert_array_equal(abs(d).tangent, [-1.0, 0.0])
    np.testing.assert_array_equal(ad.math.fabs(d).tangent, [-1.0, 0.0])


def test_trace_of_abs_of_a_complex_intermediate():
    """|i x| = |x|: the slope at x = 2 is 1 (by hand); a partial Re(conj z)/|z| times the
    tangent i would give 0."""
    rows = ad.trace(lambda x: abs(x * 1j), 2.0).rows
    assert rows[-1].value == 2.0 and rows[-1].tangent == 1.0


def test_taylor_refuses_sign_and_abs_off_the_real_line():
    """sign(x(3+4i)) moves with x only in its phase: not a real constant, and |z| has no
    complex Taylor series; a real primal with a complex coefficient leaves the real line."""
    with pytest.raises(TypeError, match="non-holomorphic"):
        ad.taylor(lambda x: np.sign(x * (3 + 4j)), 2.0, 2)
    with pytest.raises(TypeError, match="non-holomorphic"):
        ad.taylor(lambda x: abs(x + 1j * (x - 2)), 2.0, 2)
