"""Recycled buffers of large arrays: a buffer still referenced is never handed out again,
partials evaluated into recycled buffers agree bit for bit with NumPy's own evaluation,
and large jvp results kept alive stay intact."""
import numpy as np
import pytest

import dualad as ad
from dualad.base import buffers as _buffers
from dualad.core.rule_path import namespace

LARGE = _buffers.MIN_BYTES // 8 + 10   # float64 entries: above the pooling threshold


def test_a_referenced_buffer_is_not_handed_out_twice():
    x = np.ones(LARGE)
    a = _buffers.like(x)
    b = _buffers.like(x)
    assert a is not None and b is not None and a is not b
    view = a[3:]
    del a
    c = _buffers.like(x)
    assert c is not b and c.base is None and view.base is not c   # the view keeps a busy
    del view
    assert _buffers.like(x) is not None


def test_small_and_non_float_arrays_are_not_pooled():
    assert _buffers.like(np.ones(10)) is None
    assert _buffers.like(np.ones(LARGE, dtype=complex)) is None
    assert _buffers.like(np.ones(LARGE, dtype=np.int64)) is None


def _partial_expressions():
    for rule in ad.rules:
        for expr in rule.partials or ():
            if isinstance(expr, str):
                params = "x" if rule.variadic else ", ".join(rule.params)
                yield pytest.param(rule, expr, params, id=f"{rule.name}:{expr}")


@pytest.mark.parametrize("rule, expr, params", list(_partial_expressions()))
def test_pooled_partials_equal_numpy_bit_for_bit(rule, expr, params):
    ns = namespace("numpy")
    plain = eval(f"lambda {params}, ans: {expr}", ns)
    pooled = _buffers.compile_expression(expr, params, ns)
    rng = np.random.default_rng(7)
    nargs = 1 if rule.variadic else len(rule.params)
    # a kernel that calls Python (mpmath) per entry would take minutes at LARGE; the
    # pooling of its expression is the same code as for every other kernel
    per_element = any(getattr(ns.get(name), "per_element", False)
                      for name in compile(expr, "<partial>", "eval").co_names)
    for size in ((7,) if per_element else (7, LARGE)):
        args = [rng.uniform(0.1, 0.9, size) for _ in range(nargs)]
        ans = rng.uniform(0.1, 0.9, size)
        before = [a.copy() for a in args] + [ans.copy()]
        with np.errstate(all="ignore"):
            try:
                want = plain(*args, ans)
            except (TypeError, ValueError, NameError):   # a name NumPy lacks (cmath only)
                continue
            got = pooled(*args, ans)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
        for original, now in zip(before, args + [ans]):   # inputs are never overwritten
            np.testing.assert_array_equal(now, original)


def test_large_jvps_kept_alive_stay_intact():
    def f(x):
        return np.tanh(x) * np.exp(-x * x) + np.sin(3.0 * x)

    def df(x):   # by hand: (1 - tanh²x) e^{-x²} - 2x tanh(x) e^{-x²} + 3 cos 3x
        t, e = np.tanh(x), np.exp(-x * x)
        return (1 - t * t) * e - 2 * x * t * e + 3 * np.cos(3 * x)

    x1 = np.linspace(-2, 2, LARGE)
    x2 = np.linspace(-1, 3, LARGE)
    ones = np.ones(LARGE)
    results = [ad.jvp(f, (x,), (ones,)) for x in (x1, x2, x1)]
    for (y, t), x in zip(results, (x1, x2, x1)):
        np.testing.assert_allclose(y, f(x), rtol=0, atol=0)
        np.testing.assert_allclose(t, df(x), rtol=1e-13, atol=1e-14)
    assert results[0][1] is not results[2][1]
    np.testing.assert_array_equal(results[0][1], results[2][1])


def test_large_jacobian_products_match_the_small_path():
    """One formula on a large and on a small array: the pooled path gives the same bits."""
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, LARGE)
    v = rng.uniform(-1, 1, LARGE)
    f = lambda z: np.sqrt(1 + z * z) * np.cos(z) - z / (2 + z) + 3.0 * z   # noqa: E731
    y, t = ad.jvp(f, (x,), (v,))
    for lo in (0, 1000, LARGE - 50):
        ys, ts = ad.jvp(f, (x[lo:lo + 50],), (v[lo:lo + 50],))
        np.testing.assert_array_equal(y[lo:lo + 50], ys)
        np.testing.assert_array_equal(t[lo:lo + 50], ts)


def test_float32_tangents_stay_float32():
    """Constants of a partial (-1, 180/pi) stay Python numbers: NumPy keeps float32."""
    x = np.array([0.5, 1.0], np.float32)
    for fn in (np.negative, np.degrees, np.radians, np.sin):
        y, t = ad.jvp(fn, (x,), (np.ones(2, np.float32),))
        assert t.dtype == np.float32, fn


def test_a_frozen_buffer_is_not_handed_out_again():
    x = np.linspace(0.1, 1, LARGE)
    v = np.ones(LARGE)
    p, t = ad.jvp(np.sin, (x,), (v,))
    p.flags.writeable = False
    t.flags.writeable = False
    del p, t
    y, t = ad.jvp(np.sin, (x,), (v,))
    np.testing.assert_array_equal(t, np.cos(x))
