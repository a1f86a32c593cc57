"""The Python-level scipy.special functions that cannot see a dual (they call np.asarray
first, or return four outputs from one ufunc): dualad.scipy.special's drop-ins. Expected
values: SciPy's own primal and central differences of SciPy's function."""
from __future__ import annotations

import numpy as np
import pytest

import dualad as ad

special = pytest.importorskip("scipy.special")
from dualad.scipy import _special_functions as drop_in  # noqa: E402

H = 1e-6


def _central(g, z, h=H):
    return (g(z + h) - g(z - h)) / (2 * h)


def _second(g, z, h=1e-4):
    return (g(z + h) - 2 * g(z) + g(z - h)) / h ** 2


SPHERICAL = [(name, n, z, derivative)
             for name in ("spherical_jn", "spherical_yn", "spherical_in", "spherical_kn")
             for n in (0, 1, 3)
             for z in ((0.7, 2.5) if name == "spherical_kn" else (0.7, 2.5, -1.3))
             for derivative in (False, True)]


@pytest.mark.parametrize("name, n, z, derivative", SPHERICAL)
def test_spherical_bessel_first_and_second_derivative(name, n, z, derivative):
    ours = getattr(drop_in, name)
    theirs = lambda t: getattr(special, name)(n, t, derivative=derivative)  # noqa: E731
    out = ours(n, ad.Dual(z, 1.0), derivative=derivative)
    assert out.value == pytest.approx(float(theirs(z)), rel=1e-15, abs=1e-300)
    assert out.tangent == pytest.approx(_central(theirs, z), rel=1e-7, abs=1e-9)
    second = ad.derivative(lambda t: ours(n, t, derivative=derivative), z, n=2)
    assert second == pytest.approx(_second(theirs, z), rel=1e-4, abs=1e-6)


def test_spherical_jn_at_zero_and_on_arrays():
    # j1'(0) = 1/3 exactly, j0'(0) = 0 (the reflection must not touch z = 0)
    assert ad.derivative(lambda z: drop_in.spherical_jn(1, z), 0.0) == pytest.approx(1 / 3)
    assert ad.derivative(lambda z: drop_in.spherical_jn(0, z), 0.0) == 0.0
    x = np.array([0.7, -1.3, 2.0])
    jac = ad.jacfwd(lambda v: drop_in.spherical_yn(2, v))(x)
    np.testing.assert_allclose(np.diag(jac), _central(lambda t: special.spherical_yn(2, t), x),
                               rtol=1e-7)
    assert np.count_nonzero(jac - np.diag(np.diag(jac))) == 0


def test_spherical_kn_refuses_negative_z_and_dual_orders():
    with pytest.raises(ValueError, match="spherical_kn: no derivative at negative z"):
        drop_in.spherical_kn(1, ad.Dual(-1.0, 1.0))
    with pytest.raises(TypeError, match="the order n is not differentiated"):
        drop_in.spherical_jn(ad.Dual(1.0, 1.0), 0.5)


def test_plain_numbers_give_scipys_results():
    assert drop_in.spherical_jn(2, 0.9) == special.spherical_jn(2, 0.9)
    assert drop_in.polygamma(1, 0.7) == special.polygamma(1, 0.7)
    assert drop_in.airy(0.3) == special.airy(0.3)


@pytest.mark.parametrize("n", [0, 1, 3])
def test_polygamma_gradient_and_hessian(n):
    x = np.array([0.7, 2.5, 6.1])
    g = ad.gradient(lambda v: drop_in.polygamma(n, v).sum(), x)
    np.testing.assert_allclose(g, special.polygamma(n + 1, x), rtol=1e-12)
    h = ad.hessian(lambda v: drop_in.polygamma(n, v).sum())(x)
    np.testing.assert_allclose(np.diag(h), special.polygamma(n + 2, x), rtol=1e-11)
    assert ad.derivative(lambda t: drop_in.polygamma(n, t), 1.3) == \
        pytest.approx(float(special.polygamma(n + 1, 1.3)), rel=1e-12)


def test_polygamma_of_an_object_array_of_duals():
    # as np.asarray inside user code would leave it
    x = np.array([ad.Dual(0.7, 1.0), ad.Dual(2.5, 2.0)], dtype=object)
    out = drop_in.polygamma(1, x)
    np.testing.assert_allclose(out.tangent, special.polygamma(2, [0.7, 2.5]) * [1, 2])


@pytest.mark.parametrize("z", [-1.3, 0.4, 2.5])
def test_airy_outputs_and_their_derivatives(z):
    outs = drop_in.airy(ad.Dual(z, 1.0))
    for i, out in enumerate(outs):
        g = lambda t, i=i: special.airy(t)[i]  # noqa: E731
        assert out.value == g(z)
        assert out.tangent == pytest.approx(_central(g, z), rel=1e-7, abs=1e-9)
        assert ad.derivative(lambda t, i=i: drop_in.airy(t)[i], z, n=2) == \
            pytest.approx(_second(g, z), rel=1e-4, abs=1e-6)
