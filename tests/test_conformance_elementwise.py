"""Every elementwise rule of the table through NumPy: np.<ufunc>(x) with x a scalar Dual and
with x an array dual inside ad.jvp, real and complex inputs, first and second order.

Generated from ``dualad.table.rules`` (see tests/conformance.py): a new rule is tested the day
it is added. test_rules.py checks the rules' partials against mpmath on scalar duals
through dualad.stdlib.differentiable; this file checks what a NumPy user calls: the ufunc dispatch,
the array path, complex directions (dz = 1 and dz = 1j, so non-holomorphic functions are
covered), nested duals, ad.hessian, and that scalars and arrays agree.
"""
import numpy as np
import pytest

import conformance as cf

CASES = cf.elementwise_cases()


def _params(forms, orders):
    return [cf.param((case, form, order), f"{case.name}-{form}-order{order}")
            for case in CASES for form in forms for order in orders]


def _check(case, results, order):
    refs = cf.elementwise_reference(case, order)
    for point, got_point, ref_point in zip(case.points, results, refs):
        for direction, (primal, tangent), (p_ref, d_ref, err, rtol) in zip(
                case.directions, got_point, ref_point):
            what = f"{case.name} at {point} along dz={direction} (order {order})"
            cf.assert_close(primal, p_ref, 0.0, cf.PRIMAL_RTOL, f"{what}: primal")
            cf.assert_close(tangent, d_ref, err, rtol, f"{what}: derivative")


@pytest.mark.parametrize("case_form_order", _params(("scalar", "array"), (1, 2)))
def test_ufunc_matches_differences_of_numpy(case_form_order, request):
    with cf.compact_if_known(request):
        case, form, order = case_form_order
        with cf.quiet():
            results = (cf.dual_scalar if form == "scalar" else cf.dual_array)(case, order)
        _check(case, results, order)


@pytest.mark.parametrize("case_form_order", _params(("same",), (1, 2)))
def test_scalar_dual_and_array_dual_agree(case_form_order, request):
    # The same rule through math-style scalars and through NumPy arrays: the same numbers
    # up to the last few bits that libm and NumPy's own kernels may differ in.
    with cf.compact_if_known(request):
        case, _, order = case_form_order
        with cf.quiet():
            scalar = cf.dual_scalar(case, order)
            array = cf.dual_array(case, order)
        for point, s_point, a_point in zip(case.points, scalar, array):
            for direction, s, a in zip(case.directions, s_point, a_point):
                what = f"{case.name} at {point} along dz={direction} (order {order})"
                for label, x, y in (("primal", s[0], a[0]), ("tangent", s[1], a[1])):
                    cf.assert_close(x, y, 0.0, 1e-13, f"{what}: scalar {label} vs array {label}")


@pytest.mark.parametrize("case_form_order", _params(("hessian",), (2,)))
def test_hessian_is_diagonal_with_the_second_derivatives(case_form_order, request):
    # s -> sum_k c_k Re f(x_k + s_k t) + c'_k Im f(...): a diagonal Hessian whose entries
    # are the weighted second derivatives along t; every off-diagonal entry exactly 0.
    with cf.compact_if_known(request):
        case, _, _ = case_form_order
        refs = cf.elementwise_reference(case, 2)
        for j, direction in enumerate(case.directions):
            with cf.quiet():
                hess, c_re, c_im = cf.dual_hessian(case, direction)
            n = len(case.points)
            off = hess[~np.eye(n, dtype=bool)]
            assert np.all(off == 0), f"{case.name} dz={direction}: off-diagonal {hess!r}"
            d = np.array([refs[i][j][1] for i in range(n)])
            err = np.array([refs[i][j][2] for i in range(n)])
            rtol = max(refs[i][j][3] for i in range(n))
            expected = c_re * np.real(d) + c_im * np.imag(d) if case.domain == "complex" \
                else c_re * d
            cf.assert_close(np.diag(hess), expected, (c_re + np.abs(c_im)) * err, rtol,
                            f"{case.name} dz={direction}: hessian diagonal")


def test_every_ufunc_of_the_table_is_exercised():
    # each NumPy name of each differentiable elementwise rule has a case: sample points of
    # its arity, or the rule is not tested through NumPy at all
    covered = {(c.rule.name, c.entry) for c in CASES}
    missing = [(r.name, n) for r in cf.ad.rules if r.kind in ("smooth", "constant")
               for n in r.numpy_names if (r.name, n) not in covered]
    assert missing == [], f"ufuncs of the table without a conformance case: {missing}"
