"""Arrays built from duals (dualad.arrays.objects): np.array([d1, d2]) and np.asarray(x)
are object arrays of scalar duals; NumPy computes on them element by element, dualad
converts them back to DualArrays where it sees them, the transformations read their
tangents, and nothing converts them to floats silently.

References: derivatives by hand, and scipy.optimize's own hand-written rosen_der and
rosen_hess."""
import numpy as np
import pytest
import scipy.optimize

import dualad as ad
from dualad.base.errors import DroppedDerivative
from dualad.table.rules import table


def test_an_array_of_duals_is_an_object_array_of_them():
    d1, d2 = ad.Dual(1.0, 1.0), ad.Dual(2.0, 0.0)
    a = np.array([d1, d2])
    assert a.dtype == object and a[0] is d1 and a[1] is d2
    y = np.sin(a)   # NumPy's object loop calls d.sin()
    assert y[0].value == np.sin(1.0) and y[0].tangent == np.cos(1.0)
    assert y[1].tangent == 0.0


def test_jacobian_of_an_array_built_from_entries():
    # d/dx (x0, x1**2) = [[1, 0], [0, 2 x1]]
    got = ad.jacfwd(lambda x: np.array([x[0], x[1] ** 2]))(np.array([1.0, 3.0]))
    np.testing.assert_array_equal(got, [[1.0, 0.0], [0.0, 6.0]])


def test_least_squares_residuals_as_scipy_writes_them():
    # scipy.optimize's test fun_rosenbrock: r = (10 (x1 - x0^2), 1 - x0)
    def fun_rosenbrock(x):
        return np.array([10 * (x[1] - x[0] ** 2), (1 - x[0])])
    x = np.array([-1.2, 1.0])
    np.testing.assert_array_equal(ad.jacobian(fun_rosenbrock, x),
                                  [[-20 * x[0], 10.0], [-1.0, 0.0]])


def test_scipy_rosen_unchanged():
    # rosen calls np.asarray(x): an object array of duals
    x = np.array([0.3, -1.2, 2.0, 0.7, 1.1])
    np.testing.assert_allclose(ad.gradient(scipy.optimize.rosen, x),
                               scipy.optimize.rosen_der(x), rtol=1e-14)
    np.testing.assert_allclose(ad.hessian(scipy.optimize.rosen)(x),
                               scipy.optimize.rosen_hess(x), rtol=1e-14)


def test_asarray_of_a_dual_array_keeps_each_entry_and_its_tangent():
    x = ad.DualArray([1.0, 2.0], [[1.0, 0.0], [0.0, 1.0]])
    a = np.asarray(x)
    assert a.dtype == object and a.shape == (2,)
    assert a[1].value == 2.0 and list(a[1].tangent) == [0.0, 1.0]
    assert a[0].tag == x.tag


def test_a_cast_to_float_refuses():
    x = ad.DualArray([1.0, 2.0], [1.0, 0.0])
    with pytest.raises(TypeError, match="dtype float64.*tangent would be lost"):
        np.asarray(x, dtype=float)
    with pytest.raises(DroppedDerivative, match="np.zeros_like"):
        np.asarray(x).astype(float)
    with pytest.raises(DroppedDerivative):
        np.array([ad.Dual(1.0, 1.0)], dtype=float)
    out = np.zeros(2)
    with pytest.raises(DroppedDerivative):
        out[0] = ad.Dual(1.0, 1.0)


def test_lists_of_duals_to_numpy_reductions():
    d1, d2 = ad.Dual(3.0, 1.0), ad.Dual(4.0, 0.0)
    m = np.mean([d1, d2])
    assert (m.value, m.tangent) == (3.5, 0.5)
    n = np.linalg.norm([d1, d2])   # d/dd1 sqrt(d1^2 + d2^2) = d1 / 5
    assert n.value == 5.0 and n.tangent == pytest.approx(0.6, rel=1e-15)


@pytest.mark.parametrize("combine", [
    lambda x, o: x + o, lambda x, o: o + x, lambda x, o: x * o, lambda x, o: o * x,
    lambda x, o: x ** o, lambda x, o: o ** x, lambda x, o: np.add(x, o),
    lambda x, o: np.concatenate([o, x]), lambda x, o: np.stack([x, o]),
])
def test_an_object_array_meeting_a_dual_array_becomes_one(combine):
    x = ad.DualArray([1.0, 2.0], [1.0, 0.0])
    o = np.array([ad.Dual(3.0, 2.0), 1.5], dtype=object)
    got = combine(x, o)
    assert type(got) is ad.DualArray and got.value.dtype == float
    # the same with o as the DualArray it holds
    want = combine(x, ad.DualArray([3.0, 1.5], [2.0, 0.0]))
    np.testing.assert_array_equal(got.value, want.value)
    np.testing.assert_array_equal(got.tangent, want.tangent)


def test_second_order_through_an_array_of_entries():
    # f = x0 x1 + x1^3: Hessian [[0, 1], [1, 6 x1]]
    def f(x):
        return np.sum(np.array([x[0] * x[1], x[1] ** 3]))
    np.testing.assert_array_equal(ad.hessian(f)(np.array([2.0, 0.5])),
                                  [[0.0, 1.0], [1.0, 3.0]])


def test_object_arrays_of_two_differentiations():
    # inner and outer duals in one object array: d/dy d/dx (x * y) = 1
    def outer(y):
        def inner(x):
            return np.sum(np.array([x * y, x]) * np.array([1.0, 0.0]))
        return ad.derivative(inner, 0.3)
    assert ad.derivative(outer, 2.0) == 1.0


def _numpy_ufuncs(nin):
    return [u for u in table.ufuncs if isinstance(u, np.ufunc) and u.nin == nin and
            u.nout == 1 and getattr(np, u.__name__, None) is u and table.ufuncs[u].differentiable
            and None not in (table.ufuncs[u].partials or ())]   # not ldexp's integer exponent


def _assert_same_duals(got, want):
    assert got.dtype == object
    np.testing.assert_allclose([g.value for g in got], want.value, rtol=1e-15)
    np.testing.assert_allclose([g.tangent for g in got], want.tangent, rtol=1e-15)


@pytest.mark.parametrize("ufunc", _numpy_ufuncs(1), ids=lambda u: u.__name__)
def test_object_loops_carry_the_tangent_of_every_unary_rule(ufunc):
    # NumPy's object loop calls the method of the ufunc's name (or an operator) on each
    # element: it gives what the rule gives a DualArray
    x = ad.DualArray([0.3, 0.6], [1.0, -2.0]) + (1.0 if ufunc is np.arccosh else 0.0)
    _assert_same_duals(ufunc(np.asarray(x)), ufunc(x))


@pytest.mark.parametrize("ufunc", _numpy_ufuncs(2), ids=lambda u: u.__name__)
def test_binary_object_loops_carry_the_tangent_or_refuse(ufunc):
    # NumPy has object loops for some binary ufuncs only (not logaddexp, copysign, ...):
    # the others refuse with NumPy's TypeError, never a number without its tangent
    x = ad.DualArray([0.3, 0.6], [1.0, -2.0])
    y = ad.DualArray([1.3, 0.2], [0.5, 1.0])
    want = ufunc(x, y)
    try:
        got = ufunc(np.asarray(x), np.asarray(y))
    except TypeError as e:
        assert "not supported for the input types" in str(e)
        return
    _assert_same_duals(got, want)


def test_jacobian_of_a_jacobian_of_an_array_built_from_duals():
    # J(x) = d/dy [y0 x0 x1, y1 x0^2] = diag(x0 x1, x0^2); its derivative by hand
    x = np.array([1.0, 3.0])
    got = ad.jacfwd(lambda u: ad.jacfwd(
        lambda y: np.array([y[0] * u[0] * u[1], y[1] * u[0] ** 2]))(u))(x)
    expected = np.zeros((2, 2, 2))
    expected[0, 0] = [x[1], x[0]]
    expected[1, 1] = [2 * x[0], 0.0]
    np.testing.assert_array_equal(got, expected)
    # an entry constant in the inner pass beside one that is not
    got = ad.jacfwd(lambda u: ad.jacfwd(lambda y: np.array([y[0] * u[0], y[1]]))(u))(x)
    expected = np.zeros((2, 2, 2))
    expected[0, 0, 0] = 1.0
    np.testing.assert_array_equal(got, expected)
