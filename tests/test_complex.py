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


# a grid over the strip |Im z| < pi (log(1 + e^z) has branch points at Im z = ±pi,
# Re z >= 0): far left, where log(1 + e^z) cancels, far right, where e^z overflows
_SOFTPLUS_GRID = (np.concatenate([np.linspace(-40, 40, 41), [-1e-3, 1e-3, -0.3, 0.3]])[:, None]
                  + 1j * np.linspace(-3, 3, 13)[None, :]).ravel()


def _mp_softplus(z):
    with mpmath.workdps(40):
        return complex(mpmath.log1p(mpmath.exp(mpmath.mpc(z))))


def _mp_logistic(z):
    with mpmath.workdps(40):
        return complex(1 / (1 + mpmath.exp(-mpmath.mpc(z))))


def test_softplus_of_a_complex_scalar_with_very_negative_real_part_keeps_its_digits():
    # log(1 + e^z) computed as written rounds 1 + e^z and keeps 3 digits (9.0594e-14)
    got = ad.softplus(ad.Dual(-30 + 0.25j))
    np.testing.assert_allclose(got.value, _mp_softplus(-30 + 0.25j), rtol=1e-15)


@pytest.mark.parametrize("form", ["scalar", "array"])
def test_complex_softplus_and_its_tangent_against_mpmath_over_a_grid(form):
    z = _SOFTPLUS_GRID
    want = np.array([_mp_softplus(w) for w in z])
    dwant = np.array([_mp_logistic(w) for w in z])   # softplus' = logistic sigmoid
    if form == "scalar":
        duals = [ad.softplus(ad.Dual(complex(w), 1.0)) for w in z]
        got = np.array([d.value for d in duals])
        tangent = np.array([d.tangent for d in duals])
    else:
        got, tangent = ad.jvp(ad.softplus, (z,), (np.ones_like(z),))
    assert np.all(np.abs(got - want) <= 2e-15 * np.abs(want))
    assert np.all(np.abs(tangent - dwant) <= 2e-15 * np.abs(dwant))


def test_complex_softplus_of_an_mpc_keeps_the_working_precision():
    with mpmath.workdps(40):
        got = ad.softplus(mpmath.mpc(-30, 0.25))
    with mpmath.workdps(80):
        want = mpmath.log1p(mpmath.exp(mpmath.mpc(-30, 0.25)))
        assert abs(got - want) <= mpmath.mpf(10) ** -39 * abs(want)


# NumPy orders complex numbers lexicographically: the real parts, then the imaginary parts.
_SELECT_CASES = [
    # x, y, dx, dy: the point and the direction of the real parameter t
    (1 + 1j, 2 + 0j, 1.0, 0.5j),      # the real parts decide
    (1 + 3j, 1 + 2j, 1.0, 1.0),       # equal real parts (kept along t): the imaginary decide
    (-2 + 1j, -2 + 1j, 1.0, 3.0),     # a tie: the half/half convention (= central differences)
]


@pytest.mark.parametrize("ufunc", [np.maximum, np.minimum, np.fmax, np.fmin],
                         ids=lambda u: u.__name__)
@pytest.mark.parametrize("x, y, dx, dy", _SELECT_CASES)
def test_max_and_min_of_complex_scalar_duals_order_as_numpy(ufunc, x, y, dx, dy):
    want = central(lambda t: ufunc(x + t * dx, y + t * dy), 0.0, 1.0)
    got = ufunc(ad.Dual(x, dx), ad.Dual(y, dy))
    assert got.value == ufunc(x, y)
    assert abs(got.tangent - want) <= 1e-9
    primal, tangent = ad.jvp(ufunc, (np.array([x]), np.array([y])),
                             (np.array([dx], dtype=complex), np.array([dy], dtype=complex)))
    np.testing.assert_array_equal(primal, [ufunc(x, y)])
    np.testing.assert_allclose(tangent, [want], atol=1e-9)


def test_maximum_of_complex_scalar_duals_propagates_nan_as_numpy():
    x = complex(1.0, math.nan)
    got = np.maximum(ad.Dual(x, 1.0), ad.Dual(2 + 0j, 1.0))
    assert cmath.isnan(got.value) and np.isnan(np.maximum(x, 2 + 0j))
    assert np.fmax(ad.Dual(x, 1.0), ad.Dual(2 + 0j, 3.0)).tangent == 3.0   # fmax skips nan


def test_maximum_of_mpc_duals_orders_lexicographically():
    got = np.maximum(ad.Dual(mpmath.mpc(1, 3), 1), ad.Dual(mpmath.mpc(1, 2), 2))
    assert got.value == mpmath.mpc(1, 3) and got.tangent == 1


@pytest.mark.parametrize("v, dv", [(0.5 + 1j, 1.0), (1.5 + 3j, 1.0 + 1j), (3 + 0j, 1.0)])
def test_clip_of_a_complex_scalar_dual_orders_as_numpy(v, dv):
    lo, hi = 1 + 2j, 2 + 0j
    want = central(lambda t: np.clip(v + t * dv, lo, hi), 0.0, 1.0)
    got = np.clip(ad.Dual(v, dv), lo, hi)
    assert got.value == np.clip(v, lo, hi)
    assert abs(got.tangent - want) <= 1e-9


# --- phase (cmath.phase, np.angle): d arg z = Im(dz/z) ---------------------------------

def _phase_central(z, dz, h):
    return (cmath.phase(z + h * dz) - cmath.phase(z - h * dz)) / (2 * h)


@pytest.mark.parametrize("phase", [ad.cmath.phase, np.angle], ids=["cmath.phase", "np.angle"])
def test_phase_of_a_scalar_dual_with_several_directions(phase):
    z, directions = 1 + 1j, np.array([1.0, 1j, 2 - 1j])
    got = phase(ad.Dual(z, directions)).tangent
    want = [_phase_central(z, d, 1e-6) for d in directions]
    np.testing.assert_allclose(got, want, rtol=1e-9)


@pytest.mark.parametrize("phase", [ad.cmath.phase, np.angle], ids=["cmath.phase", "np.angle"])
def test_phase_at_zero_with_several_directions_is_zero_lane_by_lane(phase):
    # arg(s dz) is arg dz for s > 0 and arg(-dz) for s < 0: both one-sided derivatives are 0
    got = phase(ad.Dual(0j, np.array([1.0, 1j, 2 - 1j])))
    assert got.value == 0.0
    np.testing.assert_array_equal(got.tangent, [0.0, 0.0, 0.0])
    _, t = ad.jvp(np.angle, (np.array([0j, 1 + 1j]),), (np.array([1j, 1j]),))
    np.testing.assert_allclose(t, [0.0, _phase_central(1 + 1j, 1j, 1e-6)], rtol=1e-9)


@pytest.mark.parametrize("phase", [ad.cmath.phase, np.angle], ids=["cmath.phase", "np.angle"])
def test_phase_tangent_where_the_squared_modulus_underflows(phase):
    z = 1e-200 * (1 + 1j)   # |z|^2 = 2e-400 is 0 in double; Im(1/z) = -0.5e200 by hand
    assert phase(ad.Dual(z, 1.0)).tangent == pytest.approx(-5e199, rel=1e-15)
    assert phase(ad.Dual(z, 1.0)).tangent == pytest.approx(_phase_central(z, 1.0, 1e-208),
                                                          rel=1e-8)
    _, t = ad.jvp(np.angle, (np.array([z]),), (np.array([1.0 + 0j]),))
    np.testing.assert_allclose(t, [-5e199], rtol=1e-15)


def test_jacobian_of_the_angle_of_a_complex_array_in_several_directions():
    c = np.array([1 + 1j, 2 - 1j, 0j])
    got = ad.jacfwd(lambda v: np.angle(c + 1j * v))(np.zeros(3))
    want = np.diag([_phase_central(w, 1j, 1e-6) for w in c[:2]] + [0.0])   # 0 at z = 0
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


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


def test_taylor_of_sign_and_abs_off_the_real_line():
    """A real x with complex intermediates: sign and |z| have no complex Taylor series,
    but these are functions of the real x, and their series are the nested duals': by
    hand, sign(x(3+4i)) = (3+4i)/5 for x > 0, and |x + i(x-2)| = sqrt(x² + (x-2)²)."""
    np.testing.assert_allclose(ad.taylor(lambda x: np.sign(x * (3 + 4j)), 2.0, 3),
                               [0.6 + 0.8j, 0, 0, 0], atol=1e-15)
    with mpmath.workdps(30):
        reference = mpmath.taylor(lambda t: mpmath.sqrt((2 + t) ** 2 + t ** 2), 0, 3)
    np.testing.assert_allclose(ad.taylor(lambda x: abs(x + 1j * (x - 2)), 2.0, 3),
                               [float(c) for c in reference], rtol=1e-15)


# --- complex linear algebra -------------------------------------------------------------

_rng = np.random.default_rng(12)


def _cplx(*shape):
    return _rng.standard_normal(shape) + 1j * _rng.standard_normal(shape)


_B = _cplx(3, 3)
HERMITIAN = _B + _B.conj().T              # distinct eigenvalues
SYMMETRIC = (_B + _B.T).real
D_ANY = _cplx(3, 3)                       # not Hermitian: numpy reads one triangle of A + t dA


def projectors(v):
    """v_i v_i^H for each column: unchanged by the phase of v_i."""
    return np.stack([v[:, i:i + 1] @ np.conjugate(v[:, i:i + 1]).T for i in range(v.shape[1])])


def pairs(u, vh):
    """u_i v_i^H: unchanged by a common phase of the i-th singular vectors."""
    return np.stack([u[:, i:i + 1] @ vh[i:i + 1, :] for i in range(vh.shape[0])])


def assert_jvp_matches_central(f, a, da, rtol=1e-7):
    _, t = ad.jvp(f, (a,), (da,))
    want = central(f, a, da)
    np.testing.assert_allclose(t, want, rtol=rtol, atol=rtol * np.max(np.abs(want)))
    return t


def test_eigvalsh_of_a_complex_hermitian_matrix_has_real_tangents():
    h = np.array([[2, 1 - 1j], [1 + 1j, 3]])
    dh = np.array([[0, 1j], [-1j, 0]])
    t = assert_jvp_matches_central(np.linalg.eigvalsh, h, dh)
    assert not np.iscomplexobj(t)
    np.testing.assert_allclose(t, [2 / 3, -2 / 3], rtol=1e-14)   # v_i^H dH v_i by hand


@pytest.mark.parametrize("a", [HERMITIAN, SYMMETRIC], ids=["hermitian", "real"])
@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("quantity", ["values", "projectors", "moduli"])
def test_eigh_gauge_invariant_quantities(a, uplo, quantity):
    pick = {"values": lambda w, v: w, "projectors": lambda w, v: projectors(v),
            "moduli": lambda w, v: np.abs(v) ** 2}[quantity]
    assert_jvp_matches_central(lambda m: pick(*np.linalg.eigh(m, UPLO=uplo)), a, D_ANY)


def test_eigh_tangents_solve_the_differentiated_eigen_equation():
    """A v = λ v differentiated: dA V + A dV = dV diag(w) + V diag(dw), and the
    normalisation v^H v = 1: Re(v_i^H dv_i) = 0 (by hand, for any phase of V)."""
    dh = D_ANY + D_ANY.conj().T   # Hermitian, so numpy's triangle is all of it
    (w, v), (dw, dv) = ad.jvp(np.linalg.eigh, (HERMITIAN,), (dh,))
    residual = dh @ v + HERMITIAN @ dv - dv * w - v * dw
    np.testing.assert_allclose(residual, 0, atol=1e-13)
    np.testing.assert_allclose(np.real(np.sum(np.conjugate(v) * dv, axis=0)), 0, atol=1e-14)


_TALL, _WIDE, _SQUARE = _cplx(4, 3), _cplx(3, 4), _cplx(3, 3)


def _svd_quantity(name, full_matrices=False):
    def f(m):
        u, s, vh = np.linalg.svd(m, full_matrices=full_matrices)
        return {"values": s, "product": u @ (s[:, None] * vh), "left": projectors(u),
                "right": projectors(np.conjugate(vh).T), "pairs": pairs(u, vh)}[name]
    return f


@pytest.mark.parametrize("a", [_TALL, _WIDE, _SQUARE, _TALL.real, _WIDE.real],
                         ids=["tall", "wide", "square", "real tall", "real wide"])
@pytest.mark.parametrize("quantity", ["values", "product", "left", "right", "pairs"])
def test_svd_gauge_invariant_quantities(a, quantity):
    da = _cplx(*a.shape) if np.iscomplexobj(a) else _rng.standard_normal(a.shape)
    t = assert_jvp_matches_central(_svd_quantity(quantity), a, da)
    if quantity == "values":
        assert not np.iscomplexobj(t)   # singular values stay real
    if quantity == "product":           # U diag(s) V^H is A itself
        np.testing.assert_allclose(t, da, atol=1e-13)


def test_svd_full_matrices_of_a_square_complex_matrix():
    assert_jvp_matches_central(_svd_quantity("pairs", full_matrices=True), _SQUARE, D_ANY)


def test_svd_full_matrices_of_a_non_square_matrix_refuses():
    with pytest.raises(TypeError, match="full_matrices"):
        ad.jvp(np.linalg.svd, (_TALL,), (_TALL,))


def test_svd_values_only_and_svdvals_of_a_complex_matrix():
    t = assert_jvp_matches_central(lambda m: np.linalg.svd(m, compute_uv=False), _TALL,
                                   _cplx(4, 3))
    assert not np.iscomplexobj(t)
    if hasattr(np.linalg, "svdvals"):
        assert_jvp_matches_central(np.linalg.svdvals, _TALL, _cplx(4, 3))


@pytest.mark.parametrize("a", [HERMITIAN, SYMMETRIC], ids=["hermitian", "real"])
def test_svd_hermitian_reads_the_lower_triangle_as_numpy_does(a):
    assert_jvp_matches_central(lambda m: np.linalg.svd(m, hermitian=True, compute_uv=False),
                               a, D_ANY)
    assert_jvp_matches_central(lambda m: pairs(*np.linalg.svd(m, hermitian=True)[::2]),
                               a, D_ANY)


@pytest.mark.parametrize("name", ["cholesky", "qr", "qr r", "slogdet", "pinv", "lstsq",
                                  "det of a singular matrix"])
def test_other_decompositions_of_complex_matrices(name):
    p = _B @ _B.conj().T + 3 * np.eye(3)
    b = _cplx(4)
    f, a = {"cholesky": (np.linalg.cholesky, p),
            "qr": (lambda m: np.concatenate(np.linalg.qr(m)), _TALL),
            "qr r": (lambda m: np.linalg.qr(m, mode="r"), _TALL),
            "slogdet": (lambda m: np.stack(np.linalg.slogdet(m)), _SQUARE),
            "pinv": (np.linalg.pinv, _TALL),
            "lstsq": (lambda m: np.concatenate(np.linalg.lstsq(m, b)[:2]), _TALL),
            "det of a singular matrix": (np.linalg.det, _cplx(3, 2) @ _cplx(2, 3))}[name]
    assert_jvp_matches_central(f, a, _cplx(*a.shape))


def second_central(g, t0, h=1e-4):
    n = len(t0)
    e = np.eye(n) * h
    return np.array([[(g(t0 + e[i] + e[j]) - g(t0 + e[i] - e[j]) - g(t0 - e[i] + e[j])
                       + g(t0 - e[i] - e[j])) / (4 * h * h) for j in range(n)]
                     for i in range(n)])


@pytest.mark.parametrize("name", ["eigvalsh", "svd"])
def test_hessian_through_complex_eigenvalues_and_singular_values(name):
    """Second order along two real parameters: A(t) = A + t1 dA1 + t2 dA2."""
    d1, d2 = _cplx(3, 3), _cplx(3, 3)
    base = HERMITIAN if name == "eigvalsh" else _SQUARE
    fn = np.linalg.eigvalsh if name == "eigvalsh" else (
        lambda m: np.linalg.svd(m, compute_uv=False))

    def g(t):
        return np.sum(fn(base + t[0] * d1 + t[1] * d2) ** 3)
    t0 = np.array([0.1, -0.2])
    want = second_central(g, t0)
    np.testing.assert_allclose(ad.hessian(g)(t0), want, rtol=1e-6, atol=1e-6 * np.max(abs(want)))


# --- gradients of functions of complex input: JAX's convention ------------------------

def test_gradient_of_a_real_function_of_complex_input_is_jax_grad():
    """f = Σ|z|² = Σ x² + y²: ∂f/∂x - i ∂f/∂y = 2x - 2iy = 2 conj(z) (by hand)."""
    z = np.array([1 + 2j, 3 - 1j])
    np.testing.assert_array_equal(ad.gradient(lambda v: np.sum(np.abs(v) ** 2), z),
                                  2 * np.conjugate(z))
    assert ad.gradient(lambda v: abs(v) ** 2, 3 + 4j) == 6 - 8j


def test_gradient_of_complex_input_against_central_differences():
    def f(v):
        return np.sum(np.real(v * v) * np.imag(v)) + np.abs(v[0] - v[1])
    z = np.array([0.5 + 1.5j, -1.0 + 0.25j, 2.0 - 0.5j])
    want = np.array([central(f, z, e) - 1j * central(f, z, 1j * e) for e in np.eye(3)])
    np.testing.assert_allclose(ad.gradient(f, z), want, rtol=1e-8)
    np.testing.assert_allclose(ad.gradient(f, z, chunk_size=2), want, rtol=1e-8)


def test_gradient_of_complex_sequences_and_mpmath_numbers():
    """f = |z0|² + Re z1: (2 conj z0, 1) by hand."""
    np.testing.assert_array_equal(
        ad.gradient(lambda v: abs(v[0]) ** 2 + v[1].real, [3 + 4j, 1j]), [6 - 8j, 1])
    g = ad.gradient(lambda v: abs(v[0]) ** 2, [mpmath.mpc(3, 4)])
    assert g == [mpmath.mpc(6, -8)]


def test_gradient_refuses_a_complex_valued_function_without_holomorphic():
    with pytest.raises(TypeError, match="holomorphic=True"):
        ad.gradient(lambda v: np.sum(v ** 2), np.array([1 + 2j]))
    with pytest.raises(TypeError, match="real-valued"):
        ad.gradient(lambda x: np.sum(np.exp(1j * x)), np.array([1.0]))


def test_gradient_with_holomorphic_is_the_complex_derivative():
    """Σ z³: 3z² by hand."""
    z = np.array([1 + 2j, -0.5j])
    np.testing.assert_allclose(ad.gradient(lambda v: np.sum(v ** 3), z, holomorphic=True),
                               3 * z ** 2, rtol=1e-15)
    with pytest.raises(TypeError, match="complex input"):
        ad.gradient(lambda v: np.sum(v ** 3), np.array([1.0]), holomorphic=True)


def test_jacfwd_and_hessian_refuse_complex_input_without_holomorphic():
    z = np.array([1 + 2j, 2j])
    with pytest.raises(TypeError, match="holomorphic=True"):
        ad.jacfwd(lambda v: v ** 2)(z)
    with pytest.raises(TypeError, match="holomorphic=True"):
        ad.hessian(lambda v: np.sum(np.abs(v) ** 2))(z)
    with pytest.raises(TypeError, match="complex inputs"):
        ad.jacfwd(lambda v: v ** 2, holomorphic=True)(np.array([1.0]))


def test_jacfwd_and_hessian_with_holomorphic():
    """z² and Σ z³: diag(2z) and diag(6z) by hand."""
    z = np.array([1 + 2j, 2j])
    np.testing.assert_allclose(ad.jacfwd(lambda v: v ** 2, holomorphic=True)(z),
                               np.diag(2 * z), rtol=1e-15)
    np.testing.assert_allclose(ad.hessian(lambda v: np.sum(v ** 3), holomorphic=True)(z),
                               np.diag(6 * z), rtol=1e-15)


def test_jacfwd_of_a_complex_output_of_real_input():
    """e^{ix}: i e^{ix} (by hand); complex outputs need no flag."""
    x = np.array([1.0, -0.5])
    np.testing.assert_allclose(ad.jacfwd(lambda v: np.exp(1j * v))(x),
                               np.diag(1j * np.exp(1j * x)), rtol=1e-15)
