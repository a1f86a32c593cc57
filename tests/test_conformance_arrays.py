"""Every NumPy array function of the table (the "array" rules' ``numpy_functions``) on real
and complex inputs, in positional and keyword form, at first order (ad.jvp) and second
order (jvp of jvp, and ad.hessian of a weighted sum of the outputs), against Ridders'
extrapolation of central differences of the plain NumPy call.

The argument sets live in tests/conformance.py (ARRAY_CASES); an array function added to
the table without one fails test_every_array_function_has_argument_sets.
"""
import numpy as np
import pytest

import dualad as ad
import conformance as cf

CASES = cf.array_cases()


def _params(orders):
    # "allkw" (even the array argument by keyword) tests the dispatch only: first order
    return [cf.param((case, order), f"{case.name}-order{order}")
            for case in CASES for order in orders if case.form != "allkw" or order == 1]


def _per_output(f, k):
    return lambda *xs: f(*xs)[k]


def _jvp_order(f, xs, ts, order):
    if order == 1:
        return ad.jvp(f, xs, ts)

    def first(*ys):
        return ad.jvp(f, ys, ts)[1]
    return f(*xs), ad.jvp(first, xs, ts)[1]


@pytest.mark.parametrize("case_order", _params((1, 2)))
def test_array_function_matches_differences_of_numpy(case_order, request):
    with cf.compact_if_known(request):
        case, order = case_order
        f = case.make()
        refs = cf.array_reference(case, order)
        for k, (y_ref, d_ref, err) in enumerate(refs):
            with cf.quiet():
                primal, tangent = _jvp_order(_per_output(f, k), case.values, case.tangents, order)
            what = f"{case.name} output {k} (order {order})"
            scale = cf._norm(d_ref)
            # the primal is NumPy's own result, or recomputed from a factorisation: 1e-12
            cf.assert_close(primal, y_ref, 0.0, 1e-12, f"{what}: primal",
                            scale=max(1.0, cf._norm(y_ref)))
            cf.assert_close(tangent, d_ref, err, cf.RTOL[order], f"{what}: tangent", scale=scale)


@pytest.mark.parametrize("case_order", _params(("hessian",)))
def test_hessian_of_weighted_outputs(case_order, request):
    # phi(s) = sum_k <w_k, Re y_k> + <w'_k, Im y_k> with y = f(x + s1 t1 + s2 t2): its
    # 2x2 Hessian in s against extrapolated second differences of the plain call.
    with cf.compact_if_known(request):
        case, _ = case_order
        weights = cf.hessian_weights(case)
        f = case.make()

        def phi(s):
            xs = [v + s[0] * t1 + s[1] * t2 for v, t1, t2 in
                  zip(case.values, case.tangents, case.tangents2)]
            return cf._weighted(f(*xs), weights)
        with cf.quiet():
            got = ad.hessian(phi)(np.zeros(2))
        ref, err = cf.array_hessian_reference(case, weights)
        cf.assert_close(got, ref, err, cf.RTOL[2], f"{case.name}: hessian", scale=cf._norm(ref))


def test_every_array_function_has_argument_sets():
    missing = [cf.function_name(fn) for _, fn in cf.table_array_functions()
               if not cf.ARRAY_CASES.get(fn)]
    assert missing == [], ("array functions of the table without argument sets in "
                           f"tests/conformance.py ARRAY_CASES: {missing}")


def test_argument_sets_name_only_functions_of_the_table():
    # an entry for a function the table no longer covers is a stale test
    covered = {fn for _, fn in cf.table_array_functions()}
    stale = [cf.function_name(fn) for fn in cf.ARRAY_CASES if fn not in covered]
    assert stale == []


def test_keyword_forms_are_generated():
    # the keyword form exists wherever a function takes a second argument by name
    forms = {(cf.function_name(c.fn), c.form) for c in CASES}
    assert ("np.moveaxis", "kw") in forms and ("np.moveaxis", "pos") in forms
    assert ("np.sum", "allkw") in forms


@pytest.mark.parametrize("case", [cf.param(None, "jvp-tuple-of-different-shapes")])
def test_jvp_returns_outputs_of_different_shapes(case, request):
    # f(a) = (sum(a), 2a): by hand, the tangent along t is (sum(t), 2t)
    with cf.compact_if_known(request):
        a = np.array([[1.0, 2.0], [3.0, 4.0]])
        t = np.array([[0.5, -1.0], [0.25, 2.0]])
        primal, tangent = ad.jvp(lambda x: (np.sum(x), 2 * x), (a,), (t,))
        assert primal[0] == 10.0 and np.array_equal(primal[1], 2 * a)
        assert tangent[0] == 1.75 and np.array_equal(tangent[1], 2 * t)
