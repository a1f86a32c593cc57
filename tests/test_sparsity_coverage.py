"""Sparsity detection on every array function of the table, and on every composition of
them (dualad/array_functions.py).

Each argument set (tests/conformance.py ARRAY_CASES for the table's functions,
COMPOSED_CASES below for the compositions; real and complex) becomes a function of one
real vector: the differentiable arrays are slices of it (real and imaginary parts for
the complex domain), the output is every output's real (and imaginary) part, flattened.
Its detected Jacobian pattern must hold every non-zero of the dense Jacobian (ad.jacfwd
without sparsity), which must agree with Ridders' central differences of the plain
NumPy function, and the coloured Jacobian must equal the dense one; the keyword forms
must detect the positional form's pattern. The same for the Hessian of a weighted sum of
the outputs, the dense one checked against mixed second differences of the plain
function along random directions. Functions that look at values are refused; shape
queries and constants carry no dependence. Then the reported cases, by hand.
"""
import functools
import warnings
import zlib

import numpy as np
import pytest

import conformance as cf
import dualad as ad
from dualad.arrays.array import DualArray
from dualad.arrays.dispatch import _HANDLERS
from dualad.sparse.patterns import PatternArray, PatternBranchError
from dualad.sparse import detection
from dualad.transforms import sparse as transforms_sparse

CASES = cf.array_cases()


def _packed(case):
    """(g, z): g of one real vector z holding the case's differentiable arrays, returning
    the real (and imaginary) parts of all outputs as one flat real vector."""
    f = case.make()
    shapes = [np.shape(v) for v in case.values]
    complex_ = case.domain == "complex"

    def g(z):
        xs, start = [], 0
        for shape in shapes:
            size = int(np.prod(shape))
            part = z[start:start + size]
            start += size
            if complex_:
                part = part + 1j * z[start:start + size]
                start += size
            xs.append(np.reshape(part, shape))
        pieces = []
        for y in f(*xs):
            pieces.append(np.reshape(np.real(y), -1))
            if complex_:
                pieces.append(np.reshape(np.imag(y), -1))
        return np.concatenate(pieces)

    parts = [(np.real(v).ravel(), np.imag(v).ravel()) if complex_ else (np.ravel(v),)
             for v in case.values]
    z = np.concatenate([p for pair in parts for p in pair])
    return g, z


def _structure(result):
    """The entries a coloured result holds: the detected pattern (for a Hessian made
    symmetric, with the diagonal), every entry of it recovered, zero or not."""
    held = result.copy()
    held.data = np.ones_like(held.data, dtype=bool)
    return held.toarray()


def _differences(g, z):
    """The Jacobian of g at z column by column, by Ridders' extrapolation of central
    differences, with its error estimate."""
    columns, errors = [], []
    for j in range(z.size):
        e = np.zeros(z.size)
        e[j] = 1.0
        with cf.quiet():
            column, err = cf.richardson(lambda t, e=e: g(z + t * e), 1e-2)
        columns.append(np.asarray(column, dtype=float))
        errors.append(err)
    return np.stack(columns, axis=-1), np.array(errors)


# --- the compositions of ruled functions (dualad/array_functions.py) --------------------

C, X = cf.C, cf.X

#: argument sets of the NumPy functions dualad composes from ruled ones; a composition
#: added without an entry here (or in one of the sets below) fails
#: test_every_composed_function_is_covered
COMPOSED_CASES = {
    np.var: [C("all", X((3, 4))), C("axis", X((3, 4)), axis=1, ddof=1),
             C("keepdims", X((3, 4)), axis=0, keepdims=True)],
    np.std: [C("all", X((3, 4))), C("axis", X((3, 4)), axis=0)],
    np.average: [C("axis", X((3, 4)), axis=1),
                 C("weights", X((3, 4)), axis=1, weights=X((4,)))],
    np.real: [C("vector", X((3,)))],
    np.imag: [C("vector", X((3,)))],
    np.angle: [C("vector", X((4,))), C("deg", X((4,)), deg=True)],
    np.clip: [C("bounds", X((5,), "spaced"), -0.95, 0.95)],
    np.copy: [C("vector", X((3,)))],
    np.outer: [C("vectors", X((3,)), X((2,)))],
    np.vdot: [C("vectors", X((3,)), X((3,)))],
    np.kron: [C("vectors", X((2,)), X((3,))), C("matrices", X((2, 2)), X((2, 3)))],
    np.hstack: [C("vectors", [X((2,)), X((3,))])],
    np.vstack: [C("mixed", [X((3,)), X((2, 3))])],
    np.column_stack: [C("mixed", [X((3,)), X((3, 2))])],
    np.fliplr: [C("matrix", X((2, 3)))],
    np.flipud: [C("matrix", X((2, 3)))],
    np.sinc: [C("vector", X((4,)))],
    np.polyval: [C("vectors", X((3,)), X((4,)))],
    np.trapezoid: [C("dx", X((5,))), C("x", X((5,)), X((5,)))],
    np.histogram: [C("bins", X((6,), "spaced"), 3)],
    np.histogram_bin_edges: [C("bins", X((6,), "spaced"), 3)],
    # the 2-norm and Frobenius norm are a table rule (conformance's cases); these orders
    # are compositions
    np.linalg.norm: [C("inf-vector", X((4,)), np.inf),
                     C("rows", X((3, 4)), 1, axis=1), C("two", X((3, 3), "distinct_sv"), 2),
                     C("nuc", X((3, 3), "distinct_sv"), "nuc")],
    np.round: [C("vector", X((4,)))],
    np.around: [C("decimals", X((4,)), 1)],
    np.compress: [C("rows", [True, False, True], X((3, 2)), axis=0)],
    np.partition: [C("kth", X((5,), "spaced"), 2), C("axis", X((3, 4), "spaced"), 1, axis=0)],
    np.linalg.eigvalsh: [C("lower", X((3, 3), "hermitian"))],
    np.linalg.matrix_power: [C("cube", X((3, 3)), 3), C("inverse", X((3, 3), "wellcond"), -2)],
    np.linalg.multi_dot: [C("three", [X((2, 3)), X((3, 3)), X((3, 2))])],
}
#: functions that look at values: refused on a pattern (their argument sets)
LOOKS_AT_VALUES = {
    np.argmax: C("x", X((4,))), np.argmin: C("x", X((4,))), np.argsort: C("x", X((4,))),
    np.nonzero: C("x", X((4,))), np.count_nonzero: C("x", X((4,))),
    np.flatnonzero: C("x", X((4,))), np.argwhere: C("x", X((4,))),
    np.searchsorted: C("x", X((4,)), 0.5), np.digitize: C("x", X((4,)), [0.0, 1.0]),
    np.isclose: C("x", X((4,)), 1.0), np.allclose: C("x", X((4,)), 1.0),
    np.array_equal: C("x", X((4,)), np.ones(4)), np.any: C("x", X((4,))),
    np.all: C("x", X((4,))), np.lexsort: C("x", X((4,))),
    np.unravel_index: C("x", X((4,)), (2, 2)), np.iscomplex: C("x", X((4,))),
    np.isreal: C("x", X((4,))), np.argpartition: C("x", X((4,)), 1),
}
#: functions of shapes and dtypes only, and constants shaped like their argument: no
#: dependence
NO_DEPENDENCE = {
    np.shape: C("x", X((4,))), np.ndim: C("x", X((4,))), np.size: C("x", X((4,))),
    np.iscomplexobj: C("x", X((4,))), np.isrealobj: C("x", X((4,))),
    np.result_type: C("x", X((4,))), np.may_share_memory: C("x", X((4,)), np.ones(4)),
    np.shares_memory: C("x", X((4,)), np.ones(4)), np.zeros_like: C("x", X((4,))),
    np.diag_indices_from: C("x", X((2, 2))),
    np.ones_like: C("x", X((4,))), np.empty_like: C("x", X((4,))),
    np.full_like: C("x", X((4,)), 2.0),
}


def composed_cases():
    """ArrayCases of COMPOSED_CASES, generated as the conformance suite generates the
    table's (``cf.array_cases``)."""
    cases = []
    for fn, calls in COMPOSED_CASES.items():
        for call in calls:
            specs = cf._placeholders(call.args, []) + \
                cf._placeholders(list(call.kwargs.values()), [])
            for domain in ("real", "complex"):
                rng = np.random.default_rng(zlib.crc32(
                    f"{cf.function_name(fn)}-{call.label}-{domain}".encode()))
                pairs = [cf._values(spec, domain, rng) for spec in specs]
                values = tuple(p[0] for p in pairs)
                tangents = tuple(p[1] for p in pairs)
                for form, layout in cf.forms(fn, call).items():
                    case = cf.ArrayCase(fn, call, domain, form, layout, values, tangents,
                                        tangents)
                    if domain == "complex" and not _accepts_complex(case):
                        break
                    cases.append(case)
    return cases


def _accepts_complex(case):
    """NumPy takes complex input (no TypeError) and keeps it (no ComplexWarning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        try:
            with cf.quiet():
                case.make()(*case.values)
        except (TypeError, np.exceptions.ComplexWarning):
            return False
    return True


COMPOSED = composed_cases()


def _params(cases, forms):
    return [pytest.param(case, id=case.name) for case in cases if case.form in forms]


@pytest.mark.parametrize("case", _params(CASES + COMPOSED, ("pos",)))
def test_detected_pattern_holds_every_non_zero_of_the_jacobian(case):
    g, z = _packed(case)
    with cf.quiet():
        colored = ad.jacfwd(g, sparsity="auto")(z)
        dense = np.asarray(ad.jacfwd(g)(z))
    pattern, colored = _structure(colored), colored.toarray()
    reference, err = _differences(g, z)
    scale = max(cf._norm(reference), 1.0)
    cf.assert_close(dense, reference, err[None, :], cf.RTOL[1], f"{case.name}: dense Jacobian",
                    scale=scale)
    outside = ~pattern
    assert not np.any(outside & (dense != 0)), \
        f"{case.name}: non-zeros outside the pattern at {np.argwhere(outside & (dense != 0))}"
    cf.assert_close(np.where(outside, reference, 0.0), np.zeros_like(reference), err[None, :],
                    cf.RTOL[1], f"{case.name}: differences outside the pattern", scale=scale)
    np.testing.assert_allclose(colored, dense, rtol=1e-12, atol=1e-12 * scale,
                               err_msg=f"{case.name}: coloured Jacobian")


POSITIONAL = {(case.fn, case.call.label, case.domain): case for case in CASES + COMPOSED
              if case.form == "pos"}


@functools.lru_cache(maxsize=None)
def _detected(case):
    g, z = _packed(case)
    with cf.quiet():
        return ad.jacobian_sparsity(g, z, sparse=False)


@pytest.mark.parametrize("case", _params(CASES + COMPOSED, ("kw", "allkw")))
def test_keyword_forms_detect_the_pattern_of_the_positional_one(case):
    positional = POSITIONAL[case.fn, case.call.label, case.domain]
    np.testing.assert_array_equal(_detected(case), _detected(positional))


def _mixed_difference(phi, z, u, v):
    """u^T H v of plain phi at z: a quarter of the difference of the second differences
    along u + v and u - v (Ridders), with its error estimate."""
    with cf.quiet():
        plus, e_plus = cf.richardson(lambda t: phi(z + t * (u + v)), 1e-2, 2)
        minus, e_minus = cf.richardson(lambda t: phi(z + t * (u - v)), 1e-2, 2)
    return (plus - minus) / 4, (e_plus + e_minus) / 4


# the keyword forms reach the pattern duals normalised by the gradient's dual arrays
@pytest.mark.parametrize("case", _params(CASES + COMPOSED, ("pos",)))
def test_detected_hessian_pattern_holds_every_non_zero_of_the_hessian(case, monkeypatch):
    exhaustive = []   # every rule reports its second-order pairs: one run of phi suffices

    def one_run(f, args, argnums, fallback):
        return detection.detect_hessian(f, args, argnums, lambda: exhaustive.append(1) or
                                        fallback())
    monkeypatch.setattr(transforms_sparse, "detect_hessian", one_run)
    g, z = _packed(case)
    with cf.quiet():
        weights = np.random.default_rng(7).uniform(0.5, 1.5, size=np.size(g(z)))

    def phi(x):
        return np.sum(weights * g(x))
    with cf.quiet():
        colored = ad.hessian(phi, sparsity="auto")(z)
        dense = np.asarray(ad.hessian(phi)(z))
    pattern, colored = _structure(colored), colored.toarray()
    scale = max(cf._norm(dense), 1.0)
    np.testing.assert_allclose(colored, dense, rtol=1e-12, atol=1e-12 * scale,
                               err_msg=f"{case.name}: coloured Hessian")
    assert not exhaustive, f"{case.name}: the Hessian detection took the exhaustive route"
    outside = ~(pattern | pattern.T)
    assert not np.any(outside & (dense != 0)), f"{case.name}: Hessian outside the pattern"
    # the dense Hessian, its zeros outside the pattern included, is the plain function's:
    # u^T H v along random u, v against mixed second differences
    u, v = np.random.default_rng(11).uniform(-1.0, 1.0, size=(2, z.size))
    value, err = _mixed_difference(phi, z, u, v)
    cf.assert_close(u @ dense @ v, value, err, cf.RTOL[2], f"{case.name}: u^T H v", scale=scale)


def _one_argument(fn, call):
    """f of the call's one differentiable argument, at its values."""
    spec = (cf._placeholders(call.args, []) or [X((4,))])[0]   # of 4 entries
    case = cf.ArrayCase(fn, call, "real", "pos", (call.args, call.kwargs),
                        *([cf._values(spec, "real", np.random.default_rng(3))[0]],) * 3)
    return (lambda x: case.make()(x)[0]), case.values[0]


@pytest.mark.parametrize("fn", list(LOOKS_AT_VALUES), ids=cf.function_name)
def test_a_function_that_looks_at_values_is_refused(fn):
    f, x = _one_argument(fn, LOOKS_AT_VALUES[fn])
    with pytest.raises(PatternBranchError, match=fn.__name__):
        ad.jacobian_sparsity(lambda v: v * np.sum(f(v)), x)


@pytest.mark.parametrize("fn", list(NO_DEPENDENCE), ids=cf.function_name)
def test_shapes_and_constants_carry_no_dependence(fn):
    f, x = _one_argument(fn, NO_DEPENDENCE[fn])
    out = f(x)   # plain NumPy
    if np.asarray(out).dtype.kind not in "fc":   # a shape, a dtype, a flag: NumPy's own
        seen = []
        ad.jacobian_sparsity(lambda v: seen.append(f(v)) or v, x)
        assert len(seen) == 1 and _same(seen[0], out)
        return
    pattern = ad.jacobian_sparsity(lambda v: f(v) + 0.0, x, sparse=False)
    assert pattern.shape == (4,) + np.shape(x) and not pattern.any()


def _same(a, b):
    """Equal results of a shape query (numbers, dtypes, tuples of index arrays)."""
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


def test_every_composed_function_is_covered():
    # every NumPy function dualad composes or answers from the primal has a case here
    table = {fn for _, fn in cf.table_array_functions()}
    covered = set(COMPOSED_CASES) | set(LOOKS_AT_VALUES) | set(NO_DEPENDENCE)
    missing = [cf.function_name(fn) for fn in _HANDLERS
               if fn not in table and fn not in covered and not isinstance(fn, np.ufunc)]
    assert missing == []


# --- the carriers ---------------------------------------------------------------------

def _public(cls):
    """The array methods and properties of a carrier, its own storage left out."""
    storage = {name for c in cls.__mro__ for name in getattr(c, "__slots__", ())}
    return {name for name in dir(cls) if name not in storage
            and (name.startswith("__") or not name.startswith("_"))}


def test_pattern_arrays_have_the_methods_of_dual_arrays():
    # a pattern dual stands in for a dual array in f: the same methods and properties
    # (a dual array's tangent and its stored forms are its storage, a pattern's level flag
    # is a slot of its own); besides, as a scalar Dual has, the ufunc methods NumPy's object
    # loops call on the 0-d entries of np.asarray(pattern) in a Hessian detection
    object_loops = {u.__name__ for u in ad.rules.ufuncs if isinstance(u, np.ufunc)}
    assert _public(PatternArray) - (object_loops - _public(DualArray)) == \
        _public(DualArray) - {"tangent", "stored"}
    assert {"sin", "exp", "log1p"} <= _public(PatternArray)


# --- the reported cases, with hand-derived values -----------------------------------------

X0 = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 7.0])


def test_variance_and_standard_deviation_along_rows_are_block_patterns():
    # var of row i over its n = 3 entries: d/dx_j = 2 (x_j - mean_i) / n in row i's block;
    # std = sqrt(var): d/dx_j = (x_j - mean_i) / (n std_i)
    rows = X0.reshape(2, 3)
    dev = rows - rows.mean(axis=1, keepdims=True)
    block = np.kron(np.eye(2), np.ones((1, 3))).astype(bool)
    for func, by_hand in ((np.var, 2 * dev / 3),
                          (np.std, dev / (3 * np.sqrt(np.mean(dev ** 2, axis=1, keepdims=True))))):
        def f(x, func=func):
            return func(x.reshape(2, 3), axis=1)
        np.testing.assert_array_equal(ad.jacobian_sparsity(f, X0, sparse=False), block)
        got = ad.jacfwd(f, sparsity="auto")(X0).toarray()
        np.testing.assert_allclose(got, block * by_hand.ravel(), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("f, by_hand", [
    (lambda x: np.real(x * (1 + 2j)), lambda x: np.ones_like(x)),   # Re((1 + 2i) x) = x
    (lambda x: np.imag(x * (1 + 2j)), lambda x: 2 * np.ones_like(x)),
    (lambda x: (x * (1 + 2j)).conj().imag, lambda x: -2 * np.ones_like(x)),
    (lambda x: np.abs(x + 1j), lambda x: x / np.sqrt(x * x + 1)),    # |x + i| = sqrt(x^2 + 1)
], ids=["real", "imag", "conj-imag", "abs"])
def test_a_complex_constant_keeps_an_elementwise_function_diagonal(f, by_hand):
    np.testing.assert_array_equal(ad.jacobian_sparsity(f, X0, sparse=False),
                                  np.eye(X0.size, dtype=bool))
    got = ad.jacfwd(f, sparsity="auto")(X0).toarray()
    np.testing.assert_allclose(got, np.diag(by_hand(X0)), rtol=1e-14)


def test_sparse_hessian_through_a_complex_constant_is_the_hand_formula():
    # sum |x + i| = sum sqrt(x^2 + 1): H = diag((x^2 + 1)^(-3/2))
    got = ad.hessian(lambda x: np.sum(np.abs(x + 1j)), sparsity="auto")(X0).toarray()
    np.testing.assert_allclose(got, np.diag((X0 ** 2 + 1) ** -1.5), rtol=1e-14)


def test_sparse_hessian_of_det_of_diag_is_the_hand_formula():
    # det(diag(x)) = prod x: H_ij = prod x / (x_i x_j) off the diagonal, 0 on it
    x = X0[:4]
    expected = np.prod(x) / np.outer(x, x) * (1 - np.eye(4))
    got = ad.hessian(lambda v: np.linalg.det(np.diag(v)), sparsity="auto")(x).toarray()
    np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_sparse_hessian_of_inv_of_diag_is_the_hand_formula():
    # sum(inv(diag(x))) = sum 1/x_i: H = diag(2 / x^3)
    x = X0[:4]
    got = ad.hessian(lambda v: np.sum(np.linalg.inv(np.diag(v))), sparsity="auto")(x).toarray()
    np.testing.assert_allclose(got, np.diag(2 / x ** 3), rtol=1e-13, atol=1e-15)


def test_sparse_hessian_through_solve_is_the_hand_formula():
    # |A^-1 x|^2: H = 2 A^-T A^-1 (A^-1 from NumPy); and |diag(x)^-1 b|^2 = sum b_i^2 / x_i^2:
    # H = diag(6 b^2 / x^4)
    a = np.array([[4.0, 1, 0, 0], [1, 3, 1, 0], [0, 1, 5, 1], [0, 0, 1, 6]])
    x, b = X0[:4], np.array([1.0, -2.0, 0.5, 3.0])
    got = ad.hessian(lambda v: np.sum(np.linalg.solve(a, v) ** 2), sparsity="auto")(x)
    a_inv = np.linalg.inv(a)
    np.testing.assert_allclose(got.toarray(), 2 * a_inv.T @ a_inv, rtol=1e-13)
    got = ad.hessian(lambda v: np.sum(np.linalg.solve(np.diag(v), b) ** 2), sparsity="auto")(x)
    np.testing.assert_allclose(got.toarray(), np.diag(6 * b ** 2 / x ** 4), rtol=1e-13)


def test_zeros_a_rule_scatters_a_tangent_into_stay_structural_zeros():
    # sum(diag(x) * (x_i + x_j)) = 2 sum x_i^2: the Hessian 4 I, and the detected pattern
    # diagonal (diag's tangent is zero off the diagonal for every input)
    def f(v):
        return np.sum(np.diag(v) * (v[:, None] + v[None, :]))
    x = X0[:4]
    pattern = ad.jacobian_sparsity(lambda v: ad.gradient(f, v), x, sparse=False)
    np.testing.assert_array_equal(pattern, np.eye(4, dtype=bool))
    np.testing.assert_allclose(ad.hessian(f, sparsity="auto")(x).toarray(), 4 * np.eye(4))


def test_the_methods_of_a_pattern_array_follow_the_functions():
    # by hand: row i of x.reshape(2, 3) feeds output i; .T, .conj(), .real, .mean(),
    # .max(), .flatten(), .squeeze(), .clip() keep each entry's own dependence
    def f(x):
        m = x.reshape(2, 3)
        return np.concatenate([m.T.conj().real.flatten(), m.mean(axis=1), m.max(axis=1),
                               m[:, :1].squeeze().clip(-10.0, 10.0), (1j * x).imag.ravel()])
    pattern = ad.jacobian_sparsity(f, X0, sparse=False)
    transpose = np.eye(6, dtype=bool)[[0, 3, 1, 4, 2, 5]]
    rows = np.kron(np.eye(2), np.ones((1, 3))).astype(bool)
    firsts = np.eye(6, dtype=bool)[[0, 3]]
    np.testing.assert_array_equal(pattern, np.vstack([transpose, rows, rows, firsts,
                                                      np.eye(6, dtype=bool)]))


def test_a_composition_that_hands_the_pattern_back_is_refused(monkeypatch):
    # a composition written for dual arrays only, that takes a pattern for a constant and
    # calls NumPy with it again (as np.real did): refused by name, no RecursionError
    def unwrap(p, *args, **kwargs):
        return p if isinstance(p, DualArray) else np.unwrap(p, *args, **kwargs)
    monkeypatch.setitem(_HANDLERS, np.unwrap, unwrap)
    with pytest.raises(TypeError, match="numpy.unwrap has no sparsity rule"):
        ad.jacobian_sparsity(lambda x: np.unwrap(x), X0)


@pytest.mark.parametrize("f, name", [
    (lambda x: np.take(x, x), "take"),
    (lambda x: np.take_along_axis(np.ones(3), x, axis=0), "take_along_axis"),
    (lambda x: np.roll(x, x[0]), "roll"),
], ids=["take", "take_along_axis", "roll"])
def test_a_pattern_choosing_the_entries_of_a_selection_is_refused(f, name):
    # the indices would be read from values that depend on x: a look at a value
    with pytest.raises(PatternBranchError, match=f"numpy.{name} that chooses"):
        ad.jacobian_sparsity(f, np.array([0.0, 1.0]))
