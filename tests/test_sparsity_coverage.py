"""Sparsity detection on every array function of the table.

Each argument set of the conformance suite (tests/conformance.py ARRAY_CASES, real and
complex, positional and keyword forms) becomes a function of one real vector: the
differentiable arrays are slices of it (real and imaginary parts for the complex
domain), the output is every output's real (and imaginary) part, flattened. Its
detected Jacobian pattern must hold every non-zero of the dense Jacobian (ad.jacfwd
without sparsity), which must agree with Ridders' central differences of the plain
NumPy function; the coloured Jacobian must equal the dense one. The same for the
Hessian of a weighted sum of the outputs, the dense one checked against mixed second
differences of the plain function along random directions.
"""
import warnings
import zlib

import numpy as np
import pytest

import dualad as ad
import conformance as cf
from dualad.array import DualArray
from dualad.sparsity import PatternArray

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
            column, err = cf.richardson(lambda t: g(z + t * e), 1e-2)
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
    np.cross: [C("rows", X((2, 3)), X((2, 3)))],
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
    np.linalg.norm: [C("vector", X((4,))), C("fro", X((3, 4)), "fro"),
                     C("rows", X((3, 4)), 1, axis=1), C("two", X((3, 3), "distinct_sv"), 2),
                     C("nuc", X((3, 3), "distinct_sv"), "nuc")],
    np.linalg.lstsq: [C("tall", X((4, 3)), X((4,)))],
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
    np.isreal: C("x", X((4,))),
}
#: functions of shapes and dtypes only, and constants shaped like their argument: no
#: dependence
NO_DEPENDENCE = {
    np.shape: C("x", X((4,))), np.ndim: C("x", X((4,))), np.size: C("x", X((4,))),
    np.iscomplexobj: C("x", X((4,))), np.isrealobj: C("x", X((4,))),
    np.result_type: C("x", X((4,))), np.may_share_memory: C("x", X((4,)), np.ones(4)),
    np.shares_memory: C("x", X((4,)), np.ones(4)), np.zeros_like: C("x", X((4,))),
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
    return [cf.param(case, case.name) for case in cases if case.form in forms]


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


@pytest.mark.parametrize("case", _params(CASES + COMPOSED, ("kw", "allkw")))
def test_keyword_forms_detect_the_pattern_of_the_positional_one(case):
    positional = POSITIONAL[case.fn, case.call.label, case.domain]
    patterns = []
    for form in (positional, case):
        g, z = _packed(form)
        with cf.quiet():
            patterns.append(ad.jacobian_sparsity(g, z, sparse=False))
    np.testing.assert_array_equal(patterns[1], patterns[0])


def _mixed_difference(phi, z, u, v):
    """u^T H v of plain phi at z: a quarter of the difference of the second differences
    along u + v and u - v (Ridders), with its error estimate."""
    with cf.quiet():
        plus, e_plus = cf.richardson(lambda t: phi(z + t * (u + v)), 1e-2, 2)
        minus, e_minus = cf.richardson(lambda t: phi(z + t * (u - v)), 1e-2, 2)
    return (plus - minus) / 4, (e_plus + e_minus) / 4


# the keyword forms reach the pattern duals normalised by the gradient's dual arrays
@pytest.mark.parametrize("case", _params(CASES + COMPOSED, ("pos",)))
def test_detected_hessian_pattern_holds_every_non_zero_of_the_hessian(case):
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
    outside = ~(pattern | pattern.T)
    assert not np.any(outside & (dense != 0)), f"{case.name}: Hessian outside the pattern"
    # the dense Hessian, its zeros outside the pattern included, is the plain function's:
    # u^T H v along random u, v against mixed second differences
    u, v = np.random.default_rng(11).uniform(-1.0, 1.0, size=(2, z.size))
    value, err = _mixed_difference(phi, z, u, v)
    cf.assert_close(u @ dense @ v, value, err, cf.RTOL[2], f"{case.name}: u^T H v", scale=scale)


def _one_argument(fn, call):
    """f of the call's one differentiable argument, at its values."""
    case = cf.ArrayCase(fn, call, "real", "pos", (call.args, call.kwargs),
                        *([cf._values(X((4,)), "real", np.random.default_rng(3))[0]],) * 3)
    return (lambda x: case.make()(x)[0]), case.values[0]


@pytest.mark.parametrize("fn", list(LOOKS_AT_VALUES), ids=cf.function_name)
def test_a_function_that_looks_at_values_is_refused(fn):
    f, x = _one_argument(fn, LOOKS_AT_VALUES[fn])
    with pytest.raises(ad.sparsity.PatternBranchError, match=fn.__name__):
        ad.jacobian_sparsity(lambda v: v * np.sum(f(v)), x)


@pytest.mark.parametrize("fn", list(NO_DEPENDENCE), ids=cf.function_name)
def test_shapes_and_constants_carry_no_dependence(fn):
    f, x = _one_argument(fn, NO_DEPENDENCE[fn])
    out = f(x)   # plain NumPy
    if np.asarray(out).dtype.kind not in "fc":   # a shape, a dtype, a flag: as NumPy's
        ad.jacobian_sparsity(lambda v: v * (f(v) == out), x)
        return
    pattern = ad.jacobian_sparsity(lambda v: f(v) + 0.0, x, sparse=False)
    assert pattern.shape == (4, 4) and not pattern.any()


def test_every_composed_function_is_covered():
    # every NumPy function dualad composes or answers from the primal has a case here
    from dualad.array import _HANDLERS
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
    # a pattern dual stands in for a dual array in f: every method f may call on one
    missing = _public(DualArray) - _public(PatternArray) - {"tangent", "stored"}
    assert missing == set()
