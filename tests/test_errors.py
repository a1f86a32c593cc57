"""Bad input gets a clear error naming the argument and what was expected."""
import numpy as np
import pytest

import dualad as ad


@pytest.mark.parametrize("call", [
    lambda: ad.derivative(3.0, 1.0), lambda: ad.gradient("f", [1.0]),
    lambda: ad.jvp(None, (1.0,), (1.0,)), lambda: ad.hessian(1),
])
def test_non_callable_f(call):
    with pytest.raises(TypeError, match="f must be callable"):
        call()


@pytest.mark.parametrize("x", ["1.0", None, object(), {"a": 1}])
def test_derivative_rejects_non_numbers(x):
    with pytest.raises(TypeError, match="x must be a number"):
        ad.derivative(lambda t: t, x)


@pytest.mark.parametrize("x", [["a", 1.0], [None], "ab"])
def test_gradient_rejects_non_numbers(x):
    with pytest.raises(TypeError, match=r"x(\[\d\])? must be a number"):
        ad.gradient(lambda v: v[0], x)


def test_gradient_rejects_empty():
    with pytest.raises(ValueError, match="empty"):
        ad.gradient(lambda v: 0.0, [])
    with pytest.raises(ValueError, match="empty"):
        ad.gradient(lambda v: 0.0, np.ones(0))


def test_gradient_needs_scalar_output():
    with pytest.raises(TypeError, match="scalar"):
        ad.gradient(lambda v: [v[0], v[1]], [1.0, 2.0])


@pytest.mark.parametrize("primals, tangents, error, match", [
    ((1.0, 2.0), (1.0,), ValueError, "same structure"),
    (([1.0, 2.0],), ([1.0],), ValueError, "same shape"),
    (([1.0, 2.0],), (1.0,), ValueError, "same shape"),
    ((1.0,), ([1.0, 2.0],), ValueError, "same shape"),
    (1.0, (1.0,), TypeError, "primals must be a tuple"),
    ((1.0,), 1.0, TypeError, "tangents must be a tuple"),
    (("x",), (1.0,), TypeError, r"primals\[0\] must be a number"),
])
def test_jvp_structure_mismatch(primals, tangents, error, match):
    with pytest.raises(error, match=match):
        ad.jvp(lambda *a: a[0], primals, tangents)


@pytest.mark.parametrize("out", ["text", None, object(), True])
def test_f_returning_a_non_number(out):
    with pytest.raises(TypeError, match="f returned"):
        ad.derivative(lambda t: out, 1.0)


def test_order_must_be_a_non_negative_int():
    with pytest.raises(TypeError, match="n must be"):
        ad.derivative(lambda t: t, 1.0, n=1.5)
    with pytest.raises(ValueError, match="n must be"):
        ad.derivative(lambda t: t, 1.0, n=-1)


def test_chunk_size_checked():
    with pytest.raises(ValueError, match="chunk_size"):
        ad.gradient(lambda v: v[0], [1.0], chunk_size=0)
    with pytest.raises(TypeError, match="chunk_size"):
        ad.gradient(lambda v: v[0], [1.0], chunk_size="4")


def test_has_aux_requires_a_pair():
    with pytest.raises(TypeError, match="pair"):
        ad.jvp(lambda x: x, (1.0,), (1.0,), has_aux=True)


@pytest.mark.parametrize("like", [np.zeros_like, np.ones_like,
                                  lambda a: np.full_like(a, 2.0)])
def test_like_of_a_list_of_duals_is_a_constant_that_holds_duals(like):
    # NumPy dispatches on the list, which is no dual, and makes an object array: a
    # constant (Jacobian 0), into which a dual can be stored without losing its tangent
    got = ad.jacobian(lambda x: like(x), [1.0, 2.0])
    np.testing.assert_array_equal(got, np.zeros((2, 2)))

    def f(x):
        y = like(x)
        y[0] = x[0] ** 2
        return y
    np.testing.assert_array_equal(ad.jacobian(f, [3.0, 2.0]), [[6.0, 0.0], [0.0, 0.0]])
