"""derivative, jvp, gradient, hessian on scalars and sequences.

References: the seeds' worked examples (published 4-digit values), mpmath.diff of the
same function written with mpmath, and hand derivations.
"""
import math

import mpmath
import numpy as np
import pytest

import dualad as ad
from dualad import math as dm


def gw(x1, x2):
    """Griewank & Walther's example (Evaluating Derivatives, table 1.2)."""
    return (dm.sin(x1 / x2) + x1 / x2 - dm.exp(x2)) * (x1 / x2 - dm.exp(x2))


def gw_mp(x1, x2):
    return (mpmath.sin(x1 / x2) + x1 / x2 - mpmath.exp(x2)) * (x1 / x2 - mpmath.exp(x2))


def lnprod(x1, x2):
    """ln x1 + x1 x2 - sin x2 (the seeds' forward/reverse example)."""
    return dm.log(x1) + x1 * x2 - dm.sin(x2)


def test_griewank_walther_trace_values():
    y, ydot = ad.jvp(gw, (1.5, 0.5), (1.0, 0.0))
    # the seeds' table rounds every intermediate to 4 digits: 1.4924 * 1.3513 = 2.0167
    assert abs(y - 2.0167) < 1e-4 and round(ydot, 4) == 3.0118
    with mpmath.workdps(30):
        ref = mpmath.diff(lambda s: gw_mp(mpmath.mpf(1.5) + s, mpmath.mpf(0.5)), 0)
    assert ydot == pytest.approx(float(ref), rel=1e-15)


def test_log_example_forward_and_gradient():
    y, ydot = ad.jvp(lnprod, (2.0, 5.0), (1.0, 0.0))
    assert ydot == 5.5
    assert y == pytest.approx(math.log(2) + 10 - math.sin(5), rel=1e-15)
    g = ad.gradient(lambda v: lnprod(*v), [2.0, 5.0])
    assert g[0] == 5.5 and round(g[1], 3) == 1.716
    assert g[1] == pytest.approx(2 - math.cos(5), rel=1e-15)


def test_derivative_of_scalar_functions():
    assert ad.derivative(dm.sin, 0.0) == 1.0
    assert ad.derivative(lambda x: x ** 3, 2) == 12.0        # int promoted to float
    assert ad.derivative(lambda x: 5.0, 1.0) == 0.0          # constant function


def test_higher_derivatives_by_nesting():
    # d^n/dx^n exp(2x) = 2^n exp(2x)
    for n in range(5):
        assert ad.derivative(lambda x: dm.exp(2 * x), 0.0, n) == pytest.approx(2.0 ** n, rel=1e-14)
    assert ad.derivative(dm.sin, 0.3, 3) == pytest.approx(-math.cos(0.3), rel=1e-15)


def test_derivative_of_vector_valued_function_is_an_array():
    d = ad.derivative(lambda t: [dm.cos(t), dm.sin(t), t], 0.0)
    assert isinstance(d, np.ndarray) and d.tolist() == [0.0, 1.0, 1.0]


def test_derivative_at_mpmath_point_keeps_precision():
    with mpmath.workdps(50):
        d = ad.derivative(lambda x: dm.exp(dm.sin(x)), mpmath.mpf(1) / 3)
        ref = mpmath.diff(lambda x: mpmath.exp(mpmath.sin(x)), mpmath.mpf(1) / 3)
        assert abs(d - ref) < mpmath.mpf(10) ** -45


def test_complex_derivative_of_holomorphic_function():
    z = 0.3 + 0.4j
    assert ad.derivative(lambda w: ad.cmath.exp(w * w), z) == pytest.approx(
        2 * z * __import__("cmath").exp(z * z), rel=1e-15)


def test_jvp_on_sequences_and_has_aux():
    f = lambda v, s: ([v[0] * s, v[1] ** 2], s)  # noqa: E731
    (out, tan, aux) = ad.jvp(f, ([1.0, 3.0], 2.0), ([1.0, 0.0], 0.5), has_aux=True)
    assert out.tolist() == [2.0, 9.0] and tan.tolist() == [2.5, 0.0] and aux == 2.0


def test_gradient_chunked_equals_unchunked():
    f = lambda v: sum(dm.sin(v[i]) * v[(i + 1) % len(v)] for i in range(len(v)))  # noqa: E731
    x = np.linspace(-1, 2, 11)
    full = ad.gradient(f, x)
    for chunk in (1, 2, 3, 5, 11, 64):
        np.testing.assert_array_equal(ad.gradient(f, x, chunk_size=chunk), full)
    by_hand = np.array([math.cos(x[i]) * x[(i + 1) % 11] + math.sin(x[i - 1]) for i in range(11)])
    np.testing.assert_allclose(full, by_hand, rtol=1e-14)


def test_gradient_of_sum_of_squares_is_exact():
    # the seeds' example: f = sum x_i^2 at x_i = i, n = 1000; AD gives exactly 2 x_i
    n = 1000
    g = ad.gradient(lambda v: dm.fsum(t * t for t in v), list(range(1, n + 1)))
    assert g.tolist() == [2.0 * i for i in range(1, n + 1)]


def test_gradient_with_mpmath_entries():
    with mpmath.workdps(40):
        g = ad.gradient(lambda v: v[0] * dm.exp(v[1]), [mpmath.mpf(2), mpmath.mpf(1) / 3])
        assert isinstance(g, list)
        assert abs(g[1] - 2 * mpmath.exp(mpmath.mpf(1) / 3)) < mpmath.mpf(10) ** -38


def rosenbrock(v):
    return sum(100 * (v[i + 1] - v[i] ** 2) ** 2 + (1 - v[i]) ** 2 for i in range(len(v) - 1))


def rosenbrock_hessian(x):
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        h[i + 1, i + 1] += 200
        h[i, i + 1] = h[i + 1, i] = -400 * x[i]
    return h


def test_hessian_of_rosenbrock_by_hand():
    x = [1.2, -0.7, 0.3, 2.0]
    np.testing.assert_allclose(ad.hessian(rosenbrock)(x), rosenbrock_hessian(x), rtol=1e-14)


def test_hessian_scalar_and_argnums():
    assert ad.hessian(lambda x: x ** 4)(2.0) == 48.0
    h = ad.hessian(lambda a, v: a * v[0] * v[1] ** 2, argnums=1)(3.0, [1.0, 2.0])
    np.testing.assert_array_equal(h, [[0.0, 12.0], [12.0, 6.0]])
