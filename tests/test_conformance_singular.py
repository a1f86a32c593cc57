"""NumPy semantics at singular points: a ufunc of the table applied to a scalar Dual, and to
an array dual inside ad.jvp, gives NumPy's primal there (inf or nan, with NumPy's
RuntimeWarning), not a Python ``math`` exception.

The points are found, not listed: every ufunc of the table is evaluated by plain NumPy on
a small set of candidate arguments (conformance.SINGULAR_CANDIDATES) and every finite
input with an inf/nan answer becomes a case (np.log(0.0), np.sqrt(-1.0), np.arctanh(1.0),
np.divide(1.0, 0.0), np.power(0.0, -1.0), np.exp(800.0), ...).
"""
import numpy as np
import pytest

import dualad as ad
import conformance as cf

CASES = cf.singular_cases()


def _params(form, check):
    return [cf.param(case, f"{case.name}-{form}-{check}") for case in CASES]


def _numpy(case):
    args = [np.float64(p) if isinstance(p, float) else p for p in case.point]
    return cf.numpy_outcome(case.fn, args)


def _scalar(case):
    args = [ad.Dual(p, 1.0) if k in case.moving else p for k, p in enumerate(case.point)]
    out, warned = cf.numpy_outcome(case.fn, args)
    assert isinstance(out, ad.Dual), f"{case.name}: got {type(out).__name__}"
    return out.value, warned


def _array(case):
    def f(*moving):
        args = [np.array([p]) if isinstance(p, float) else p for p in case.point]
        for k, x in zip(case.moving, moving):
            args[k] = x
        return case.fn(*args)
    xs = tuple(np.array([case.point[k]]) for k in case.moving)
    ts = tuple(np.ones(1) for _ in case.moving)
    (primal, _), warned = cf.numpy_outcome(lambda: ad.jvp(f, xs, ts), ())
    return primal[0], warned


FORMS = {"scalar": _scalar, "array": _array}


def _check_primal(case, form):
    got, _ = FORMS[form](case)
    expected, _ = _numpy(case)
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, f"{case.name}: shape {got.shape} vs {expected.shape}"
    same = (got == expected) | (np.isnan(got) & np.isnan(expected))
    assert np.all(same), f"{case.name}: primal {got!r}, NumPy gives {expected!r}"


def _check_warning(case, form):
    _, warned = FORMS[form](case)
    assert warned, f"{case.name}: NumPy warns (RuntimeWarning), the {form} dual call is silent"


@pytest.mark.parametrize("case", _params("scalar", "primal"))
def test_scalar_dual_gives_numpys_primal(case, request):
    with cf.compact_if_known(request):
        _check_primal(case, "scalar")


@pytest.mark.parametrize("case", _params("array", "primal"))
def test_array_dual_in_jvp_gives_numpys_primal(case, request):
    with cf.compact_if_known(request):
        _check_primal(case, "array")


WARNING_CASES = [c for c in CASES if _numpy(c)[1]]


@pytest.mark.parametrize("case", [cf.param(c, f"{c.name}-scalar-warning") for c in WARNING_CASES])
def test_scalar_dual_warns_where_numpy_warns(case, request):
    with cf.compact_if_known(request):
        _check_warning(case, "scalar")


@pytest.mark.parametrize("case", [cf.param(c, f"{c.name}-array-warning") for c in WARNING_CASES])
def test_array_dual_in_jvp_warns_where_numpy_warns(case, request):
    with cf.compact_if_known(request):
        _check_warning(case, "array")


def test_the_issues_examples_are_among_the_cases():
    names = {c.name for c in CASES}
    for example in ("singular-log(0.0)", "singular-sqrt(-1.0)", "singular-arctanh(1.0)",
                    "singular-divide(1.0,0.0)", "singular-power(0.0,-1.0)"):
        assert example in names
