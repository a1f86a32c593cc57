"""dualad.scipy.special: logsumexp, softmax, log_softmax against central differences of
SciPy's own functions and closed forms (the softmax Jacobian, the logsumexp Hessian);
the other names forwarded to scipy.special; SciPy's own logsumexp refuses a DualArray
naming the drop-in."""
from __future__ import annotations

import numpy as np
import pytest

import dualad as ad

ss = pytest.importorskip("scipy.special")
from dualad.scipy import special  # noqa: E402

RNG = np.random.default_rng(3)
A = 3 * RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))
E = RNG.standard_normal((3, 4))
AC = A + 1j * RNG.standard_normal((3, 4))
EC = E + 1j * RNG.standard_normal((3, 4))


def central(g, x, e, h=1e-6):
    return (np.asarray(g(x + h * e)) - np.asarray(g(x - h * e))) / (2 * h)


def assert_tangent(f, g, x, e, rtol=1e-7):
    value, tangent = ad.jvp(f, (x,), (e,))
    ref = central(g, x, e)
    assert np.array_equal(np.asarray(value), np.asarray(g(x)))   # SciPy's primal
    assert np.max(np.abs(np.asarray(tangent) - ref)) <= rtol * max(1.0, np.max(np.abs(ref)))


CALLS = [
    ("logsumexp", {}),
    ("logsumexp", {"axis": 1}),
    ("logsumexp", {"axis": (0, 1), "keepdims": True}),
    ("logsumexp", {"axis": 0, "b": np.abs(B) + 0.1}),
    ("softmax", {}),
    ("softmax", {"axis": 1}),
    ("log_softmax", {"axis": 0}),
    ("log_softmax", {}),
]


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
@pytest.mark.parametrize("name, kw", CALLS, ids=[f"{n}{sorted(k)}" for n, k in CALLS])
def test_tangent_matches_central_differences(name, kw, complex_):
    if complex_ and "b" in kw:
        kw = dict(kw, b=kw["b"] + 0.5j)
    ours, theirs = getattr(special, name), getattr(ss, name)
    x, e = (AC, EC) if complex_ else (A, E)
    assert_tangent(lambda v: ours(v, **kw), lambda v: theirs(v, **kw), x, e)


@pytest.mark.parametrize("complex_", [False, True], ids=["real", "complex"])
def test_return_sign_and_dual_weights(complex_):
    x, e = (AC, EC) if complex_ else (A, E)
    for part in (0, 1):
        assert_tangent(lambda v: special.logsumexp(x, axis=0, b=v, return_sign=True)[part],
                       lambda v: ss.logsumexp(x, axis=0, b=v, return_sign=True)[part], B, E)
        assert_tangent(lambda v: special.logsumexp(v, axis=1, b=B, return_sign=True)[part],
                       lambda v: ss.logsumexp(v, axis=1, b=B, return_sign=True)[part], x, e)


def test_stable_for_large_arguments():
    x = np.array([1000.0, 1001.0, 999.0])
    s = np.exp(x - x.max()) / np.sum(np.exp(x - x.max()))
    assert np.allclose(ad.gradient(special.logsumexp, x), s, rtol=1e-14)
    jac = ad.jacobian(special.softmax, x)
    assert np.allclose(jac, np.diag(s) - np.outer(s, s), rtol=1e-12, atol=1e-16)
    assert np.allclose(ad.jacobian(special.log_softmax, -x), np.eye(3) - ss.softmax(-x),
                       atol=1e-14)


def test_zero_weight_leaves_an_infinite_entry_out():
    x = np.array([1.0, np.inf, 2.0])
    b = np.array([1.0, 0.0, 1.0])
    grad = ad.gradient(lambda v: special.logsumexp(v, b=b), x)
    assert np.allclose(grad, [1 / (1 + np.e), 0.0, np.e / (1 + np.e)])


def test_hessian_of_logsumexp_is_the_softmax_covariance():
    x = A[0]
    s = ss.softmax(x)
    assert np.allclose(ad.hessian(special.logsumexp)(x), np.diag(s) - np.outer(s, s),
                       atol=1e-15)
    h = 1e-4
    u, v = RNG.standard_normal((2, 4))
    g = lambda y: ss.log_softmax(y)[1]   # noqa: E731
    ref = (g(x + h * u + h * v) - g(x + h * u - h * v) - g(x - h * u + h * v)
           + g(x - h * u - h * v)) / (4 * h * h)
    got = u @ ad.hessian(lambda y: special.log_softmax(y)[1])(x) @ v
    assert abs(got - ref) < 1e-6


def test_second_order_complex():
    got = ad.derivative(lambda t: special.logsumexp(AC + t * EC, axis=1), 0.0, n=2)
    h = 1e-4
    g = lambda t: ss.logsumexp(AC + t * EC, axis=1)   # noqa: E731
    assert np.allclose(got, (g(h) - 2 * g(0) + g(-h)) / h ** 2, rtol=1e-5, atol=1e-6)


def test_other_names_are_scipys():
    assert special.gamma is ss.gamma and special.erf is ss.erf
    d = special.gamma(ad.Dual(2.5, 1.0))
    assert d.value == ss.gamma(2.5)
    assert abs(d.tangent - ss.gamma(2.5) * ss.digamma(2.5)) < 1e-14
    assert "logsumexp" in dir(special) and "jv" in dir(special)


def test_plain_arrays_are_scipy_unchanged():
    assert special.logsumexp(A, axis=1) is not None
    assert np.array_equal(special.logsumexp(A, axis=1), ss.logsumexp(A, axis=1))
    assert np.array_equal(special.softmax(A), ss.softmax(A))


@pytest.mark.parametrize("name", ["logsumexp", "log_softmax"])
def test_scipys_own_function_refuses_naming_the_drop_in(name):
    x = ad.DualArray([1.0, 2.0, 3.0], [1.0, 0.0, 0.0])
    with pytest.raises(TypeError, match=f"use dualad.scipy.special.{name}"):
        getattr(ss, name)(x)


def test_scipys_softmax_runs_on_duals_element_by_element():
    jac = ad.jacobian(lambda v: ss.softmax(v), A[0])
    s = ss.softmax(A[0])
    assert np.allclose(jac, np.diag(s) - np.outer(s, s), atol=1e-15)


def test_module_docstring_examples_run():
    import doctest
    assert doctest.testmod(special).failed == 0
