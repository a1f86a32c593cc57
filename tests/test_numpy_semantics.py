"""NumPy semantics at singular points.

A NumPy ufunc applied to a scalar dual (``np.log(ad.Dual(0.0))``) gives what NumPy gives
on a plain float there: inf or nan with NumPy's RuntimeWarning, or FloatingPointError
under ``np.errstate(all="raise")``; a scalar dual and an array dual agree. ``dualad.math``
keeps ``math``'s exceptions, and Python's operators on duals Python's. Inside the
transformations the primal of f runs under the caller's errstate (NumPy warns or raises
as it would without dualad); partials and tangent products, where 0·inf and inf/inf are
expected and the lane rule handles them, run quietly.

Expected primals and warnings are those of plain NumPy on the same point; tangents are
the table's partial in IEEE arithmetic, derived by hand in each test.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import dualad as ad
from dualad import math as dm


def record(fn, *args):
    """(result, messages of the RuntimeWarnings emitted) of one call, NumPy warning."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="warn"):
            out = fn(*args)
    return out, [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


# --- scalar duals through NumPy's ufuncs ---------------------------------------------

SINGULAR = [
    # (ufunc, point, NumPy's warning)
    (np.log, (0.0,), "divide by zero"),
    (np.log, (-1.0,), "invalid value"),
    (np.sqrt, (-1.0,), "invalid value"),
    (np.arctanh, (1.0,), "divide by zero"),
    (np.exp, (800.0,), "overflow"),
    (np.divide, (1.0, 0.0), "divide by zero"),
    (np.divide, (0.0, 0.0), "invalid value"),
    (np.power, (0.0, -1.0), "divide by zero"),
]
IDS = [f"{f.__name__}{p}" for f, p, _ in SINGULAR]


@pytest.mark.parametrize("ufunc, point, message", SINGULAR, ids=IDS)
def test_scalar_dual_gives_numpys_primal_and_warning(ufunc, point, message):
    with np.errstate(all="ignore"):
        want = ufunc(*(np.float64(p) for p in point))   # a plain NumPy scalar: inf or nan
    with pytest.warns(RuntimeWarning, match=message):
        got = ufunc(ad.Dual(point[0]), *point[1:])
    assert isinstance(got, ad.Dual)
    np.testing.assert_array_equal(got.value, want)


@pytest.mark.parametrize("ufunc, point, message", SINGULAR, ids=IDS)
def test_array_dual_gives_numpys_primal_and_warning(ufunc, point, message):
    with np.errstate(all="ignore"):
        want = ufunc(*(np.array([p]) for p in point))
    x = ad.DualArray(np.array([point[0]]), np.ones(1))
    with pytest.warns(RuntimeWarning, match=message):
        got = ufunc(x, *(np.array([p]) for p in point[1:]))
    np.testing.assert_array_equal(got.value, want)


@pytest.mark.parametrize("ufunc, point, message", SINGULAR, ids=IDS)
def test_scalar_dual_raises_numpys_error_under_seterr_raise(ufunc, point, message):
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError, match=message):
            ufunc(ad.Dual(point[0]), *point[1:])


def test_one_warning_per_call():
    _, messages = record(np.log, ad.Dual(0.0))
    assert messages == ["divide by zero encountered in log"]


def test_tangent_of_log_at_zero_is_the_partial_in_ieee_arithmetic():
    # d/dx log x = 1/x = +inf at x = 0 (IEEE), times the seed 1
    y, _ = record(np.log, ad.Dual(0.0, 1.0))
    assert y.value == -math.inf and y.tangent == math.inf


def test_tangent_of_exp_past_overflow():
    # d/dx exp x = exp x = inf at x = 800
    y, _ = record(np.exp, ad.Dual(800.0, 2.0))
    assert y.value == math.inf and y.tangent == math.inf


def test_zero_lane_of_a_singular_scalar_stays_zero():
    # lanes [0, 1] at x = 0: 1/x = inf times 0 is exactly 0 (the lane rule)
    y, _ = record(np.log, ad.Dual(0.0, [0.0, 1.0]))
    np.testing.assert_array_equal(y.tangent, [0.0, math.inf])


def test_regular_points_keep_the_math_result():
    # away from singular points the scalar path is unchanged: math.log, bit for bit
    y, messages = record(np.log, ad.Dual(2.0))
    assert y.value == math.log(2.0) and y.tangent == 0.5 and not messages


def test_nested_scalar_dual_takes_numpys_semantics_too():
    x = ad.Dual(ad.Dual(0.0, 1.0), 1.0)
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        y = np.log(x)
    assert y.value.value == -math.inf


def test_dualad_math_keeps_maths_value_error():
    with pytest.raises(ValueError, match="math domain error"):
        dm.log(ad.Dual(0.0))
    with pytest.raises(ValueError, match="math domain error"):
        dm.sqrt(ad.Dual(-1.0))


def test_python_operators_on_duals_keep_pythons_zero_division_error():
    with pytest.raises(ZeroDivisionError):
        ad.Dual(1.0) / 0.0
