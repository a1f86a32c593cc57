"""Properties that hold for every input (hypothesis)."""
import math

import numpy as np
from hypothesis import given, settings, strategies as st

import dualad as ad
from dualad import Dual, math as dm

finite = st.floats(min_value=-3.0, max_value=3.0, allow_nan=False)
positive = st.floats(min_value=0.1, max_value=4.0)


def program(x, y):
    """A composition of many rules: arithmetic, trig, exp/log, pow, atan2, hypot."""
    u = dm.sin(x * y) + dm.exp(-x * x) / (1 + y * y)
    v = dm.atan2(u, 1.5 + dm.cos(y)) * dm.hypot(x, y, 1.0)
    return v ** 2 - dm.log1p(dm.fabs(u)) + dm.tanh(x - y) * dm.sqrt(1 + x * x)


@settings(max_examples=80, deadline=None)
@given(x=finite, y=finite, a=finite, b=finite, c=finite, d=finite, s=finite, r=finite)
def test_tangent_is_linear_in_the_seed(x, y, a, b, c, d, s, r):
    jv = lambda t: ad.jvp(program, (x, y), t)[1]  # noqa: E731
    combined = jv((s * a + r * c, s * b + r * d))
    separate = s * jv((a, b)) + r * jv((c, d))
    assert math.isclose(combined, separate, rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=80, deadline=None)
@given(x=finite, y=finite, seeds=st.lists(st.tuples(finite, finite), min_size=1, max_size=6))
def test_k_directions_at_once_equal_k_single_runs(x, y, seeds):
    tx = np.array([s[0] for s in seeds])
    ty = np.array([s[1] for s in seeds])
    multi = program(Dual(x, tx), Dual(y, ty)).tangent
    singles = [program(Dual(x, a), Dual(y, b)).tangent for a, b in seeds]
    np.testing.assert_array_equal(multi, singles)


@settings(max_examples=60, deadline=None)
@given(x=finite, y=finite)
def test_primal_of_a_dual_run_equals_the_float_run(x, y):
    assert program(Dual(x), y).value == program(x, y)


@settings(max_examples=60, deadline=None)
@given(x=positive)
def test_derivative_of_inverse_pairs_is_reciprocal(x):
    # (f^-1)'(f(x)) * f'(x) = 1 for exp/log, sinh/asinh, tan/atan
    for f, g in ((dm.exp, dm.log), (dm.sinh, dm.asinh), (dm.tan, dm.atan)):
        if f is dm.tan and x > 1.5:
            continue
        assert math.isclose(ad.derivative(lambda t: g(f(t)), x), 1.0, rel_tol=1e-13)
