"""The conformance suite's shared machinery: references, cases, known failures.

Everything the suite tests is generated from the rule table (``dualad.table.rules``):

* every elementwise rule, through each NumPy ufunc it implements (``rule.numpy_names``,
  e.g. ``np.sin(x)`` with ``x`` a scalar ``Dual`` or an array dual inside ``ad.jvp``), or
  through its ``dualad.stdlib.differentiable`` function when NumPy has no ufunc for it (``sigmoid``),
  at the rule's sample points (``rule.at``, ``rule.at_complex``);
* every array function of the table (``rule.numpy_functions`` of the "array" rules), with
  the argument sets of ``ARRAY_CASES`` below, in positional and keyword form;
* every ufunc at the points of a small candidate set where NumPy answers inf/nan.

The expected values never come from dualad: they are Ridders' extrapolation of central
differences of the plain NumPy function (``richardson``), or ``mpmath.diff`` of the
rule's mpmath primal.

Cases that fail today because of a defect named in issue 12 (or a new one) are listed
once, in ``KNOWN_FAILURES``; they run as ``xfail(strict=True)``, so a fix shows up as an
unexpected pass and its entry must then be deleted.
"""
from __future__ import annotations

import contextlib
import fnmatch
import functools
import inspect
import itertools
import math
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

import mpmath
import numpy as np
import pytest

import dualad as ad
from dualad.stdlib.differentiable import GENERIC_FUNCTIONS

# --- known failures ---------------------------------------------------------------------
# Test id (fnmatch pattern) -> reason. "issue 12 item N" entries are defects a fix is
# under way for; "NEW:" entries were found by this suite. Delete an entry once the case
# passes (strict xfail turns the fix into a failure "XPASS(strict)").

KNOWN_FAILURES: dict[str, str] = {}


def known_failure(case_id: str) -> str | None:
    for pattern, reason in KNOWN_FAILURES.items():
        if fnmatch.fnmatchcase(case_id, pattern):
            return reason
    return None


#: every case id generated so far (to find KNOWN_FAILURES entries that match nothing)
GENERATED_IDS: set[str] = set()


def param(value, case_id: str):
    """A pytest parameter with a readable id, marked xfail(strict) when it is known to fail."""
    GENERATED_IDS.add(case_id)
    reason = known_failure(case_id)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(value, id=case_id, marks=marks)


# --- references -------------------------------------------------------------------------

def _norm(x) -> float:
    a = np.abs(np.asarray(x, dtype=complex))
    return float(np.max(a)) if a.size else 0.0


def richardson(g: Callable[[float], Any], h: float, order: int = 1, shrink: float = 1.6,
               levels: int = 10):
    """Ridders' extrapolation of the central difference of ``g`` at 0 (``order`` 1: first
    derivative, 2: second difference), for scalar or array ``g``.

    Returns ``(estimate, error)``: the error is Ridders' own estimate (the change between
    the two best tableau entries), and at least the rounding noise of the differences at
    the step it came from, 4 eps |g(0)| / h**order (the differences of a function whose
    change is below its rounding, such as expm1 at -40, are exactly 0 at every step).
    """
    g0 = g(0.0)

    def quotient(step):
        if order == 1:
            return (np.asarray(g(step)) - np.asarray(g(-step))) / (2 * step)
        return (np.asarray(g(step)) - 2 * np.asarray(g0) + np.asarray(g(-step))) / (step * step)

    table = [[quotient(h)]]
    best, error, best_h = table[0][0], math.inf, h
    for i in range(1, levels):
        h /= shrink
        row = [quotient(h)]
        factor = shrink * shrink
        for j in range(1, i + 1):
            row.append((row[j - 1] * factor - table[i - 1][j - 1]) / (factor - 1))
            factor *= shrink * shrink
            change = max(_norm(row[j] - row[j - 1]), _norm(row[j] - table[i - 1][j - 1]))
            if change <= error:
                best, error, best_h = row[j], change, h
        table.append(row)
        if _norm(row[i] - table[i - 1][i - 1]) >= 2 * error:
            break   # higher order only amplifies rounding noise now
    noise = 4 * np.finfo(float).eps * _norm(g0) / best_h ** order
    return best, max(error, noise)


#: relative tolerances. First order: Ridders reaches 1e-10 or better on these smooth
#: functions, so 1e-7 leaves three digits of margin. Second order by extrapolated second
#: differences loses about half the digits (rounding noise grows like eps/h^2): 1e-5.
#: Against mpmath (exact reference) a second derivative in double is good to ~1e-12
#: times the conditioning of the rule's partial: 1e-9.
RTOL = {1: 1e-7, 2: 1e-5, "mp": 1e-9}
#: a primal computed by libm/cmath (scalar duals) and by NumPy's kernels differs by a few
#: units in the last place (NumPy's SIMD float64 kernels promise <= 4 ulp): 1e-14.
PRIMAL_RTOL = 1e-14
ERR_FACTOR = 8   # multiples of Ridders' error estimate added to the tolerance


def assert_close(got, ref, err, rtol, what, scale=None):
    """|got - ref| <= rtol*scale + ERR_FACTOR*err, elementwise; nan where ref is nan.

    ``scale`` defaults to |ref| per element (elementwise lanes are independent points);
    array-function outputs pass the largest |ref| of the output.
    """
    got = np.asarray(got)
    ref = np.asarray(ref)
    assert got.shape == ref.shape, f"{what}: shape {got.shape}, expected {ref.shape}"
    if got.dtype.kind not in "fc" and got.size:
        got = got.astype(float)
    nan_ref = np.isnan(ref)
    nan_got = np.isnan(got)
    assert np.array_equal(nan_ref, nan_got), \
        f"{what}: nan pattern differs: got {got!r}, expected {ref!r}"
    s = np.abs(ref) if scale is None else scale
    with np.errstate(invalid="ignore"):
        bad = ~nan_ref & ~(np.abs(got - ref) <= rtol * s + ERR_FACTOR * np.asarray(err))
    assert not np.any(bad), (f"{what}: got {got!r}, expected {ref!r} "
                             f"(error estimate of the reference {err!r}, rtol {rtol})")


@contextlib.contextmanager
def compact_if_known(request):
    """Inside a known-failing case, any exception becomes a one-line failure: pytest
    formats the full traceback even of an expected failure, which for a thousand cases
    (and RecursionErrors) costs minutes. Other cases keep their full report."""
    if request.node.get_closest_marker("xfail") is None:
        yield
        return
    try:
        yield
    except Exception as error:   # noqa: BLE001 - reported, not swallowed
        message = str(error).split("\n")[0][:300]
        pytest.fail(f"{type(error).__name__}: {message}", pytrace=False)


def mp_second_derivative(fn, point, direction):
    """mpmath.diff (second order) of t -> fn(point + t*direction) at t = 0, 30 digits."""
    with mpmath.workdps(30):
        args = [mpmath.mpmathify(p) for p in point]
        dirs = [mpmath.mpmathify(d) for d in direction]

        def g(t):
            return fn(*[a + t * d for a, d in zip(args, dirs)])
        return complex(mpmath.diff(g, 0, 2))


def quiet():
    """NumPy floating-point warnings off (for references evaluated near edges)."""
    return np.errstate(all="ignore")


# --- elementwise rules ---------------------------------------------------------------------

WEIGHTS = (1.0, -0.6, 0.35)   # tangent of the k-th differentiable argument


@dataclass(frozen=True, eq=False)
class Elementwise:
    """One way of applying one elementwise rule, on one domain (real or complex)."""
    rule: Any
    entry: str                 # the ufunc's name, or "generic" (dualad.stdlib.differentiable.<rule>)
    fn: Callable               # what the test calls on duals
    plain: Callable            # the plain NumPy function (reference)
    domain: str                # "real" or "complex"
    points: tuple              # sample points (tuples of arguments)
    moving: tuple              # indices of the differentiable arguments

    @property
    def name(self) -> str:
        return f"{self.rule.name}-{self.entry}-{self.domain}"

    @property
    def directions(self):
        return (1.0,) if self.domain == "real" else (1.0, 1j)

    def tangent(self, k: int, direction) -> complex | float:
        return WEIGHTS[self.moving.index(k)] * direction

    def along(self, point, direction):
        """t -> plain(point + t*tangent): the function the references differentiate."""
        def g(t):
            args = [p + t * self.tangent(k, direction) if k in self.moving else p
                    for k, p in enumerate(point)]
            with quiet():
                return self.plain(*args)
        return g

    def step(self, point) -> float:
        return 1e-2 * max(1.0, max(abs(point[k]) for k in self.moving))

    def mp_reference_fn(self):
        """The mpmath primal when it may serve as the second-order reference."""
        if self.rule.kind != "smooth":
            return None
        return self.rule.impl.get("mpf" if self.domain == "real" else "mpc")


def _is_int(a) -> bool:
    return isinstance(a, int) and not isinstance(a, bool)


def _entries(rule):
    """(entry name, function on duals, plain function, number of arguments) of a rule."""
    out = []
    for name in rule.numpy_names:
        fn = getattr(np, name)
        nin = fn.nin if isinstance(fn, np.ufunc) else len(rule.params)
        out.append((name, fn, fn, nin))
    if not out and "numpy" in rule.impl and "mpf" in rule.impl \
            and rule.name in GENERIC_FUNCTIONS and not rule.variadic:
        # no NumPy ufunc: dualad's own NumPy kernel is what is under test, so the
        # reference is the table's mpmath primal, lane by lane
        out.append(("generic", GENERIC_FUNCTIONS[rule.name], _mp_plain(rule),
                    len(rule.params)))
    return out


def _mp_plain(rule):
    """The rule's mpmath primal as a NumPy-style function of floats/complex numbers."""
    def plain(*args):
        arrays = np.broadcast_arrays(*[np.asarray(a) for a in args])
        is_complex = any(a.dtype.kind == "c" for a in arrays)
        fn = rule.impl["mpc" if is_complex else "mpf"]
        out = np.empty(arrays[0].shape, dtype=complex if is_complex else float)
        with mpmath.workdps(30):
            for idx in np.ndindex(out.shape):
                vals = [a[idx].item() for a in arrays]
                try:
                    y = fn(*[v if _is_int(v) else mpmath.mpmathify(v) for v in vals])
                    out[idx] = complex(y) if is_complex else float(y)
                except (ValueError, ZeroDivisionError):
                    out[idx] = np.nan
        return out[()]
    return plain


def _complex_domain(rule, entry, plain, points) -> bool:
    """A ufunc is tested on complex input where NumPy defines it for complex (a TypeError
    says it does not); a function with no NumPy ufunc where the table says it has a
    complex implementation."""
    if entry == "generic":
        return ("complex" in rule.impl and "mpc" in rule.impl) or bool(rule.at_complex)
    return _defined(plain, points[0])


def _complex_point(point):
    """A complex point from a real one: each float argument moved off the real axis."""
    return tuple(p if _is_int(p) else complex(p, 0.25) for p in point)


def _defined(plain, point) -> bool:
    """Whether NumPy defines the function at ``point`` (TypeError: it does not)."""
    try:
        with quiet():
            plain(*[np.asarray(p) for p in point])
    except TypeError:
        return False
    return True


def elementwise_cases() -> list[Elementwise]:
    cases = []
    for rule in ad.rules:
        if rule.kind not in ("smooth", "constant"):
            continue
        for entry, fn, plain, nin in _entries(rule):
            real = tuple(p for p in rule.at if len(p) == nin)
            cplx = tuple(p for p in rule.at_complex if len(p) == nin) or \
                tuple(_complex_point(p) for p in real)
            # the differentiated arguments are complex; an order or tolerance (no partial)
            # keeps the type it has at the point
            fixed = {i for i, d in enumerate(rule.partials or ()) if d is None}
            cplx = tuple(tuple(complex(a) if not _is_int(a) and i not in fixed else a
                               for i, a in enumerate(p)) for p in cplx)
            for domain, points in (("real", real), ("complex", cplx)):
                if not points or not (_defined(plain, points[0]) if domain == "real"
                                      else _complex_domain(rule, entry, plain, points)):
                    continue
                moving = _moving(rule, points[0])
                if moving:
                    cases.append(Elementwise(rule, entry, fn, plain, domain, points, moving))
    return cases


def _moving(rule, point):
    if rule.partials and not rule.variadic:
        return tuple(k for k, d in enumerate(rule.partials) if d is not None)
    return tuple(k for k, p in enumerate(point) if not _is_int(p))


@functools.lru_cache(maxsize=None)
def elementwise_reference(case: Elementwise, order: int):
    """Per point and direction: (primal, derivative, error estimate, rtol)."""
    out = []
    for point in case.points:
        per_direction = []
        for direction in case.directions:
            g = case.along(point, direction)
            primal = g(0.0)
            value, err = richardson(g, case.step(point), order)
            rtol = RTOL[order]
            mp_fn = case.mp_reference_fn() if order == 2 else None
            if mp_fn is not None and not np.isnan(value) and _mp_agrees(mp_fn, point, primal):
                tangents = [case.tangent(k, direction) if k in case.moving else 0
                            for k in range(len(point))]
                mp_value = mp_second_derivative(mp_fn, point, tangents)
                value = mp_value.real if case.domain == "real" else mp_value
                # mpmath.diff at 30 digits: exact to ~1e-25 of the function's size
                err, rtol = 1e-20 * max(1.0, abs(complex(primal))), RTOL["mp"]
            per_direction.append((primal, value, err, rtol))
        out.append(per_direction)
    return out


def _mp_agrees(fn, point, primal) -> bool:
    try:
        with mpmath.workdps(30):
            value = complex(fn(*[mpmath.mpmathify(p) for p in point]))
    except (TypeError, ValueError, ZeroDivisionError):
        return False
    return abs(value - complex(primal)) <= 1e-12 * max(1.0, abs(complex(primal)))


def _call(case: Elementwise, point):
    def f(*moving):
        args = list(point)
        for k, x in zip(case.moving, moving):
            args[k] = x
        return case.fn(*args)
    return f


def dual_scalar(case: Elementwise, order: int):
    """jvp (order 1) or jvp of jvp (order 2) with scalar duals, per point and direction:
    [(primal, derivative), ...]."""
    out = []
    for point in case.points:
        per_direction = []
        for direction in case.directions:
            f = _call(case, point)
            xs = tuple(point[k] for k in case.moving)
            ts = tuple(case.tangent(k, direction) for k in case.moving)
            per_direction.append(_jvp_order(f, xs, ts, order))
        out.append(per_direction)
    return out


def dual_array(case: Elementwise, order: int):
    """The same with every point a lane of one array dual per argument."""
    point = tuple(np.array([p[k] for p in case.points]) for k in range(len(case.points[0])))
    point = tuple(p.astype(int) if p.dtype.kind in "iu" else p for p in point)
    out = []
    for direction in case.directions:
        f = _call(case, point)
        xs = tuple(point[k] for k in case.moving)
        ts = tuple(np.full(len(case.points), case.tangent(k, direction)) for k in case.moving)
        out.append(_jvp_order(f, xs, ts, order))
    # [point][direction] like dual_scalar
    return [[(np.asarray(p)[i], np.asarray(t)[i]) for p, t in out]
            for i in range(len(case.points))]


def _jvp_order(f, xs, ts, order):
    if order == 1:
        return ad.jvp(f, xs, ts)

    def first(*ys):
        return ad.jvp(f, ys, ts)[1]
    primal = f(*xs)
    return primal, ad.jvp(first, xs, ts)[1]


def dual_hessian(case: Elementwise, direction):
    """ad.hessian of s -> sum(c*Re f(x + s*t) + c'*Im f(x + s*t)) over one lane per point."""
    n = len(case.points)
    point = tuple(np.array([p[k] for p in case.points]) for k in range(len(case.points[0])))
    point = tuple(p.astype(int) if p.dtype.kind in "iu" else p for p in point)
    c_re, c_im = 1.0 + 0.1 * np.arange(n), 0.5 - 0.2 * np.arange(n)

    def phi(s):
        args = [p + s * case.tangent(k, direction) if k in case.moving else p
                for k, p in enumerate(point)]
        y = case.fn(*args)
        if case.domain == "real":
            return np.sum(c_re * y)
        return np.sum(c_re * np.real(y) + c_im * np.imag(y))
    return ad.hessian(phi)(np.zeros(n)), c_re, c_im


# --- array functions ----------------------------------------------------------------------

@dataclass(frozen=True)
class X:
    """A differentiable array argument: its shape and the kind of values it needs."""
    shape: tuple
    kind: str = "any"   # any | spaced | positive | wellcond | spd | hermitian | distinct_sv |
    #                     sorted | midpoints


@dataclass(eq=False)
class Call:
    """One argument set of an array function: positional arguments (``X`` placeholders
    for the differentiable arrays, anywhere inside lists), keyword arguments, and a
    gauge-fixing ``post`` map of the output (for eigenvectors and singular vectors)."""
    label: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    post: Callable | None = None


def C(label, *args, post=None, **kwargs):
    return Call(label, args, kwargs, post)


def _abs2(v):
    return np.real(v * np.conj(v))


def _eigh_post(out):
    # eigenvalues, and |v_ij|^2: invariant under v_j -> v_j e^{i phi} (sign, for real)
    w, v = out
    return w, _abs2(v)


def _svd_post(out):
    # singular values, |u_ik|^2, |vh_kj|^2 and u @ vh over the leading k columns: all
    # invariant under u_k -> u_k e^{i phi}, vh_k -> e^{-i phi} vh_k
    u, s, vh = out
    k = s.shape[-1]
    u, vh = u[..., :, :k], vh[..., :k, :]
    return s, _abs2(u), _abs2(vh), u @ vh


_COND = np.array([[True, False, True, True], [False, False, True, False],
                  [True, True, False, True]])
_CONST23 = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])

# One entry per NumPy function of the table's array rules. A new array rule without an
# entry here fails test_every_array_function_has_argument_sets.
ARRAY_CASES: dict[Callable, list[Call]] = {
    np.sum: [C("all", X((3, 4))), C("axis", X((3, 4)), axis=1),
             C("keepdims", X((2, 3)), axis=0, keepdims=True)],
    np.mean: [C("all", X((3, 4))), C("axis", X((3, 4)), axis=0)],
    np.prod: [C("all", X((5,))), C("axis", X((3, 4)), axis=1)],
    np.cumsum: [C("flat", X((2, 3))), C("axis", X((3, 4)), axis=1)],
    np.cumprod: [C("flat", X((2, 3))), C("axis", X((3, 4)), axis=1)],
    np.max: [C("all", X((3, 4), "spaced")), C("axis", X((3, 4), "spaced"), axis=0),
             C("axis1", X((3, 4), "spaced"), axis=1)],
    np.amax: [C("axis", X((3, 4), "spaced"), axis=1)],
    np.min: [C("all", X((3, 4), "spaced")), C("axis", X((3, 4), "spaced"), axis=0),
             C("axis1", X((3, 4), "spaced"), axis=1)],
    np.amin: [C("axis", X((3, 4), "spaced"), axis=1)],
    np.linalg.norm: [C("vector", X((5,))), C("all", X((2, 3, 2))),
                     C("axis", X((3, 4)), axis=1), C("fro", X((3, 4)), "fro", keepdims=True),
                     C("axes", X((2, 3, 4)), None, (2, 0))],
    np.where: [C("both", _COND, X((3, 4)), X((3, 4))),
               C("broadcast", _COND, X((4,)), 2.0)],
    np.sort: [C("last", X((3, 4), "spaced")), C("axis0", X((3, 4), "spaced"), axis=0)],
    np.take: [C("flat", X((3, 4)), [5, 0, 5, 11]), C("axis", X((3, 4)), [2, 0], axis=1)],
    np.take_along_axis: [C("axis1", X((3, 4)), np.array([[3, 0], [1, 1], [2, 0]]), axis=1)],
    np.reshape: [C("2x6", X((3, 4)), (2, 6)), C("F", X((3, 4)), (6, 2), order="F")],
    np.ravel: [C("C", X((3, 4))), C("F", X((3, 4)), order="F")],
    np.squeeze: [C("all", X((3, 1, 4))), C("axis", X((1, 3, 1)), axis=2)],
    np.expand_dims: [C("axis", X((3, 4)), 1), C("tuple", X((3,)), (0, 2))],
    np.atleast_1d: [C("one", X((3,))), C("two", X(()), X((2,)))],
    np.atleast_2d: [C("one", X((3,))), C("two", X(()), X((2, 3)))],
    np.atleast_3d: [C("one", X((3,))), C("two", X((2,)), X((2, 3)))],
    np.transpose: [C("default", X((2, 3, 4))), C("axes", X((2, 3, 4)), (1, 2, 0))],
    np.swapaxes: [C("0-2", X((2, 3, 4)), 0, 2)],
    np.moveaxis: [C("0-1", X((2, 3, 4)), 0, 1), C("lists", X((2, 3, 4)), [0, 1], [2, 0])],
    np.broadcast_to: [C("row", X((3,)), (2, 3)), C("col", X((2, 1)), (2, 3))],
    np.flip: [C("all", X((3, 4))), C("axis", X((3, 4)), 1)],
    np.roll: [C("flat", X((3, 4)), 2), C("axis", X((3, 4)), -1, axis=0)],
    np.concatenate: [C("axis0", [X((2, 3)), X((1, 3))]),
                     C("axis1", [X((2, 3)), X((2, 2))], axis=1),
                     C("constant", [X((2,)), np.ones(2)])],
    np.stack: [C("axis0", [X((3,)), X((3,))]), C("axis1", [X((2, 3)), X((2, 3))], axis=1)],
    np.split: [C("sections", X((6,)), 3), C("indices", X((3, 4)), [1, 3], axis=1)],
    np.array_split: [C("uneven", X((7,)), 3), C("axis", X((3, 4)), 2, axis=1)],
    np.repeat: [C("scalar", X((3,)), 2), C("axis", X((2, 3)), [1, 2], axis=0)],
    np.tile: [C("1d", X((3,)), 2), C("2d", X((2, 3)), (2, 1))],
    np.diff: [C("n1", X((5,))), C("n2", X((4, 3)), 2, axis=0)],
    np.trace: [C("square", X((3, 3))), C("offset", X((3, 4)), 1)],
    np.diagonal: [C("main", X((3, 3))), C("offset", X((3, 4)), -1),
                  C("axes", X((2, 3, 3)), 0, 1, 2)],
    np.diag: [C("vector", X((3,))), C("matrix", X((3, 3))), C("k", X((3,)), 1)],
    np.tril: [C("main", X((3, 3))), C("k", X((3, 4)), -1), C("stacked", X((2, 3, 3)), 1)],
    np.triu: [C("main", X((3, 3))), C("k", X((3, 4)), 1), C("stacked", X((2, 3, 3)), -1)],
    np.dot: [C("mat-vec", X((3, 3)), X((3,))), C("mat-mat", X((2, 3)), X((3, 4))),
             C("constant", _CONST23, X((3,)))],
    np.inner: [C("vec", X((3,)), X((3,))), C("mat", X((2, 3)), X((4, 3)))],
    np.tensordot: [C("axes2", X((2, 3)), X((2, 3))), C("axes1", X((2, 3)), X((3, 4)), 1),
                   C("pairs", X((2, 3, 4)), X((3, 2)), ([0, 1], [1, 0]))],
    np.matmul: [C("mat", X((2, 3)), X((3, 4))), C("batched", X((2, 2, 3)), X((3, 2))),
                C("vec", X((3,)), X((3, 4)))],
    np.einsum: [C("ij,jk", "ij,jk->ik", X((2, 3)), X((3, 4))), C("trace", "ii", X((3, 3))),
                C("three", "i,ij,j->", X((2,)), X((2, 3)), X((3,))),
                C("sublist", X((2, 3)), [0, 1], X((3, 4)), [1, 2], [0, 2]),
                C("sublist-implicit", X((3, 3)), [0, 0]),
                C("sublist-ellipsis", X((2, 3, 4)), [Ellipsis, 1], X((4,)), [1], [Ellipsis])],
    np.linalg.solve: [C("vector", X((3, 3), "wellcond"), X((3,))),
                      C("matrix", X((3, 3), "wellcond"), X((3, 2)))],
    np.linalg.inv: [C("3x3", X((3, 3), "wellcond")), C("batched", X((2, 3, 3), "wellcond"))],
    np.linalg.det: [C("3x3", X((3, 3), "wellcond")), C("batched", X((2, 3, 3), "wellcond"))],
    np.linalg.slogdet: [C("3x3", X((3, 3), "wellcond"))],
    np.linalg.cholesky: [C("lower", X((3, 3), "spd")), C("upper", X((3, 3), "spd"), upper=True)],
    np.linalg.qr: [C("tall", X((4, 3))), C("square", X((3, 3), "wellcond")),
                   C("r", X((4, 3)), "r")],
    np.linalg.eigh: [C("lower", X((3, 3), "hermitian"), post=_eigh_post),
                     C("upper", X((3, 3), "hermitian"), "U", post=_eigh_post)],
    np.linalg.svd: [C("values", X((4, 3), "distinct_sv"), compute_uv=False),
                    C("reduced", X((4, 3), "distinct_sv"), False, post=_svd_post),
                    # the default full_matrices=True: unique only for a square matrix
                    C("full", X((3, 3), "distinct_sv"), post=_svd_post)],
    np.linalg.svdvals: [C("tall", X((4, 3), "distinct_sv")), C("square", X((3, 3), "distinct_sv"))],
    np.linalg.pinv: [C("tall", X((4, 3))), C("square", X((3, 3), "wellcond"))],
    # padding, rotation, splitting, spacing, cross products (dualad.table.shape_rules)
    np.pad: [C("constant", X((3, 4)), ((1, 2), (0, 1))),
             C("constant-dual", X((3, 4)), ((1, 2), (2, 1)), constant_values=X((2, 2))),
             C("constant-scalar", X((3,)), 2, constant_values=X(())),
             C("edge", X((3, 4)), 2, mode="edge"),
             C("reflect", X((3, 4)), ((2, 1), (1, 3)), mode="reflect"),
             C("reflect-odd", X((4,)), 2, mode="reflect", reflect_type="odd"),
             C("symmetric", X((3, 4)), ((1, 2), (2, 0)), mode="symmetric"),
             C("wrap", X((3, 4)), ((1, 2), (5, 1)), mode="wrap"),
             C("linear_ramp", X((3, 4)), 2, mode="linear_ramp", end_values=X((2, 2))),
             C("maximum", X((3, 4), "spaced"), ((1, 2), (2, 1)), mode="maximum"),
             C("minimum", X((3, 4), "spaced"), 1, mode="minimum", stat_length=2),
             C("mean", X((3, 4)), ((1, 0), (2, 1)), mode="mean", stat_length=((2, 3), (1, 4))),
             C("median", X((3, 4), "spaced"), 1, mode="median"),
             C("median-even", X((4, 3), "spaced"), ((2, 1), (1, 1)), mode="median",
               stat_length=((2, 4), (3, 2)))],
    np.select: [C("two", [_COND, ~_COND & _COND[::-1]], [X((3, 4)), X((3, 4))], X((3, 4))),
                C("broadcast", [_COND], [X((4,))], 1.5)],
    np.rot90: [C("once", X((3, 4))), C("k-axes", X((2, 3, 4)), 3, (2, 0))],
    np.rollaxis: [C("to-front", X((2, 3, 4)), 2), C("start", X((2, 3, 4)), 0, 3)],
    np.hsplit: [C("2d", X((2, 6)), 3), C("1d", X((6,)), [2, 5])],
    np.vsplit: [C("2d", X((4, 3)), 2)],
    np.dsplit: [C("3d", X((2, 2, 4)), [1, 3])],
    np.append: [C("flat", X((2, 3)), X((4,))), C("axis", X((2, 3)), X((1, 3)), axis=0),
                C("constant", X((2,)), [1.0, 2.0])],
    np.linspace: [C("scalars", X(()), X(())), C("no-endpoint", X(()), X(()), 6, False),
                  C("arrays", X((2,)), X((2,)), 4, axis=-1),
                  C("retstep", X((3,)), X(()), 5, retstep=True)],
    np.geomspace: [C("scalars", X((), "positive"), X((), "positive"), 5),
                   C("arrays", X((2,), "positive"), X((2,), "positive"), 4, False, axis=1)],
    np.logspace: [C("scalars", X(()), X(()), 5), C("base", X((2,)), X(()), 4, base=2.0, axis=1)],
    np.cross: [C("vectors", X((3,)), X((3,))), C("batched", X((4, 3)), X((3,))),
               C("axes", X((3, 2)), X((2, 3)), axisa=0, axisb=1, axisc=0),
               C("axis", X((3, 4)), X((3, 4)), axis=0)],
}


# --- issue 14: np.fft, signals, interpolation, fits, order statistics, eig (numpy1) ------

def _eig_post(out):
    # eigenvalues and |v_ij|^2: invariant under each eigenvector's phase (sign, for real)
    w, v = out
    return w, _abs2(v)


_fft = np.fft
_SPACED = X((3, 4), "spaced")
ARRAY_CASES.update({
    _fft.fft: [C("default", X((5,))), C("n-axis-norm", X((3, 4)), 6, 0, "ortho")],
    _fft.ifft: [C("default", X((4,))), C("n-axis", X((3, 4)), 3, axis=0, norm="forward")],
    _fft.rfft: [C("default", X((6,))), C("n-axis", X((3, 5)), 4, axis=0, norm="ortho")],
    _fft.irfft: [C("default", X((4,))), C("n-axis", X((3, 4)), 5, axis=0)],
    _fft.hfft: [C("default", X((4,))), C("n-norm", X((2, 4)), 7, norm="ortho")],
    _fft.ihfft: [C("default", X((5,))), C("n", X((2, 5)), 4)],
    _fft.fft2: [C("default", X((3, 4))), C("s-axes", X((2, 3, 4)), (4, 2), (0, 2))],
    _fft.ifft2: [C("default", X((3, 4))), C("norm", X((2, 3, 4)), norm="ortho")],
    _fft.rfft2: [C("default", X((3, 4))), C("s-axes", X((2, 3, 4)), (3, 4), (2, 0))],
    _fft.irfft2: [C("default", X((3, 4))), C("s-axes", X((3, 4)), (4, 5), (0, 1))],
    _fft.fftn: [C("default", X((2, 3, 2))), C("s-axes", X((3, 4)), (4,), (1,), "backward")],
    _fft.ifftn: [C("default", X((2, 3))), C("axes", X((2, 3, 2)), axes=(0, 2))],
    _fft.rfftn: [C("default", X((2, 3, 4))), C("s-axes", X((3, 4)), (2, 6), (1, 0))],
    _fft.irfftn: [C("default", X((2, 3))), C("s-axes", X((3, 4)), (3, 6), (0, 1))],
    _fft.fftshift: [C("all", X((3, 4))), C("axes", X((3, 4)), 1)],
    _fft.ifftshift: [C("all", X((5,))), C("axes", X((3, 4)), (0,))],
    np.convolve: [C("full", X((5,)), X((3,))), C("same", X((4,)), X((4,)), "same"),
                  C("constant", X((5,)), np.array([0.5, -1.0, 2.0]), mode="valid")],
    np.correlate: [C("valid", X((5,)), X((3,))), C("full", X((3,)), X((5,)), "full")],
    np.gradient: [C("1d", X((5,))), C("spacing-axis", X((3, 4)), 0.5, axis=1),
                  C("edge2", X((4, 5)), 1.0, 2.0, edge_order=2),
                  C("coordinates", X((5,)), np.array([0.0, 0.5, 1.5, 2.0, 3.0]))],
    np.interp: [C("inside", X((4,), "midpoints"), X((6,), "sorted"), X((6,))),
                C("ends", X((4,), "midpoints"), np.array([-2.0, -1.5, -0.9]), X((3,)),
                  left=-1.0),
                C("period", X((4,), "midpoints"), np.array([0.1, 0.9, 2.0, 2.7]), X((4,)),
                  period=3.0),
                # only the values move: complex values at real points
                C("values", np.array([-2.65, -1.2, 0.3, 1.5]), np.array([-3.0, -1.0, 0.0, 1.0]),
                  X((4,)), right=0.5)],
    np.vander: [C("default", X((4,))), C("N-increasing", X((3,)), 5, True)],
    np.polyfit: [C("deg2", X((6,), "spaced"), X((6,)), 2),
                 C("weights", X((5,), "spaced"), X((5, 2)), 1,
                   w=np.array([1.0, 2.0, 0.5, 1.0, 3.0]))],
    np.nan_to_num: [C("finite", X((4,))), C("keywords", X((3,)), nan=1.0, posinf=2.0)],
    np.median: [C("all", _SPACED), C("axis", _SPACED, axis=0), C("even", X((4,), "spaced"))],
    np.quantile: [C("linear", X((5,), "spaced"), 0.3),
                  C("q-axis", _SPACED, [0.2, 0.9], axis=1),
                  C("median_unbiased", X((6,), "spaced"), 0.4, method="median_unbiased"),
                  C("nearest-keepdims", X((3, 5), "spaced"), 0.6, axis=1, method="nearest",
                    keepdims=True)],
    np.percentile: [C("50", X((5,), "spaced"), 50),
                    C("weibull", _SPACED, [10, 75], axis=0, method="weibull")],
    np.nanmedian: [C("all", _SPACED), C("axis", _SPACED, axis=1)],
    np.nanquantile: [C("axis", _SPACED, [0.25, 0.5], axis=0),
                     C("hazen", X((5,), "spaced"), 0.7, method="hazen")],
    np.nanpercentile: [C("axis", _SPACED, 30, axis=1, method="midpoint")],
    np.linalg.lstsq: [C("tall", X((5, 3)), X((5,)), post=lambda out: (out[0], out[1], out[3])),
                      C("matrix", X((5, 2)), X((5, 3)), None,
                        post=lambda out: (out[0], out[1], out[3])),
                      C("wide", X((2, 4)), X((2,)), post=lambda out: (out[0], out[3]))],
    np.linalg.eig: [C("3x3", X((3, 3), "wellcond"), post=_eig_post),
                    C("batched", X((2, 3, 3), "wellcond"), post=_eig_post)],
    np.linalg.eigvals: [C("3x3", X((3, 3), "wellcond")), C("4x4", X((4, 4)))],
})


def function_name(fn) -> str:
    module = getattr(fn, "__module__", "") or ""
    if module.endswith("fft"):
        return "np.fft." + fn.__name__
    return ("np.linalg." if module.endswith("linalg") else "np.") + fn.__name__


def table_array_functions():
    """Every NumPy function the table's array rules cover (a rule listing none is its
    own name, e.g. ``np.where``)."""
    out = []
    for rule in ad.rules:
        if rule.kind != "array":
            continue
        functions = rule.numpy_functions
        if not functions:
            obj = np
            for part in rule.name.split(".")[1:]:
                obj = getattr(obj, part)
            functions = (obj,)
        out.extend((rule, fn) for fn in functions)
    return out


def _values(spec: X, dtype: str, rng):
    """Values for a differentiable argument and a tangent matching its structure."""
    shape = spec.shape

    def normal(size=shape):
        z = rng.normal(size=size)
        return z + 1j * rng.normal(size=size) if dtype == "complex" else z

    n = shape[-1] if shape else 0
    eye = np.eye(n) if shape else None
    tangent = normal()
    if spec.kind == "any":
        value = normal()
    elif spec.kind == "spaced":
        # entries at least 0.7 apart in their real parts: no ties within the steps
        real = rng.permutation(np.arange(int(np.prod(shape)))).reshape(shape) * 0.7 - 3.0
        value = real + (1j * rng.normal(size=shape) if dtype == "complex" else 0)
    elif spec.kind == "positive":
        # real parts in [0.5, 2.5], small imaginary parts: away from the branch cut of log
        value = rng.uniform(0.5, 2.5, size=shape) + (
            0.3j * rng.normal(size=shape) if dtype == "complex" else 0)
    elif spec.kind == "wellcond":
        value = normal() + 4 * eye
    elif spec.kind in ("spd", "hermitian"):
        b = normal()
        if spec.kind == "spd":
            value = b @ np.conj(np.swapaxes(b, -1, -2)) + n * eye
        else:
            q, _ = np.linalg.qr(b)
            value = (q * np.arange(1.0, 3.0 * n, 3.0)) @ np.conj(np.swapaxes(q, -1, -2))
            value = (value + np.conj(np.swapaxes(value, -1, -2))) / 2
        tangent = (tangent + np.conj(np.swapaxes(tangent, -1, -2))) / 2
    elif spec.kind in ("sorted", "midpoints"):
        # increasing, 0.7 apart (knots of np.interp); "midpoints": halfway between them
        real = np.arange(int(np.prod(shape))).reshape(shape) * 0.7 - 3.0
        value = real + (0.35 if spec.kind == "midpoints" else 0.0) + \
            (1j * rng.normal(size=shape) if dtype == "complex" else 0)
    elif spec.kind == "distinct_sv":
        m, k = shape[-2], shape[-1]
        u, _ = np.linalg.qr(normal((m, m)))
        v, _ = np.linalg.qr(normal((k, k)))
        value = (u[:, :k] * np.linspace(3.0, 1.0, k)) @ np.conj(v.T)
    else:
        raise ValueError(f"unknown argument kind {spec.kind!r}")
    if dtype == "real":
        value, tangent = np.real(value), np.real(tangent)
    tangent = tangent / max(1.0, _norm(tangent))
    return np.asarray(value), np.asarray(tangent)


def _placeholders(obj, found):
    if isinstance(obj, X):
        found.append(obj)
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            _placeholders(item, found)
    return found


def _fill(obj, values, counter):
    if isinstance(obj, X):
        counter[0] += 1
        return values[counter[0] - 1]
    if isinstance(obj, list):
        return [_fill(v, values, counter) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_fill(v, values, counter) for v in obj)
    return obj


def forms(fn, call: Call):
    """The distinct calling forms of one argument set: {"pos": (args, kwargs), "kw": ...}.

    "pos": every argument that may be positional is positional (defaults filled in
    between); "kw": the first argument positional, every other one by keyword;
    "allkw": even the first by keyword. Positional-only parameters stay positional.
    """
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return {"pos": (call.args, call.kwargs)}
    params = list(sig.parameters.values())
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return {"pos": (call.args, call.kwargs)}
    bound = sig.bind(*call.args, **call.kwargs)
    given = dict(bound.arguments)
    # keywords gathered by a **kwargs parameter (np.pad's mode options) are passed as such
    extra = next((given.pop(p.name) for p in params if p.kind is p.VAR_KEYWORD
                  and p.name in given), {})
    names = [p.name for p in params]
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    last = max((i for i, p in enumerate(positional) if p.name in given), default=-1)
    pos_args, rest = [], {}
    for i, p in enumerate(positional[:last + 1]):
        if p.name in given and not rest:
            pos_args.append(given[p.name])
        elif p.name not in given and not rest and p.default is not np._NoValue:
            pos_args.append(p.default)    # a default a user may spell: None, 0, "C"
        elif p.name in given:
            rest[p.name] = given[p.name]  # after a default no one spells positionally
    keyword_only = {k: v for k, v in given.items()
                    if sig.parameters[k].kind is inspect.Parameter.KEYWORD_ONLY}
    out = {"pos": (tuple(pos_args), {**rest, **keyword_only, **extra})}
    for label, first_by_keyword in (("kw", False), ("allkw", True)):
        args, kwargs = [], {}
        for name in names:
            if name not in given:
                continue
            p = sig.parameters[name]
            if p.kind is p.POSITIONAL_ONLY or (p is params[0] and not first_by_keyword):
                if len(args) == positional.index(p):
                    args.append(given[name])
                    continue
            kwargs[name] = given[name]
        layout = (tuple(args), {**kwargs, **extra})
        if all(_layout_key(layout) != _layout_key(v) for v in out.values()):
            out[label] = layout
    return out


def _layout_key(layout):
    args, kwargs = layout
    return len(args), tuple(sorted(kwargs))


@dataclass(eq=False)
class ArrayCase:
    fn: Callable
    call: Call
    domain: str
    form: str
    layout: tuple          # (args, kwargs) with X placeholders
    values: tuple          # the differentiable arrays
    tangents: tuple        # a random tangent for each
    tangents2: tuple       # a second one (hessian)

    @property
    def name(self) -> str:
        return f"{function_name(self.fn)}-{self.call.label}-{self.domain}-{self.form}"

    def make(self):
        """(f on the differentiable arrays, returning a tuple of outputs)."""
        args, kwargs = self.layout
        post = self.call.post

        def f(*xs):
            counter = [0]
            a = _fill(args, xs, counter)
            out = self.fn(*a, **{key: _fill(v, xs, counter) for key, v in kwargs.items()})
            if post is not None:
                out = post(out)
            return tuple(out) if isinstance(out, (tuple, list)) else (out,)
        return f


def array_cases() -> list[ArrayCase]:
    cases = []
    for rule, fn in table_array_functions():
        for call in ARRAY_CASES.get(fn, []):
            specs = _placeholders(call.args, []) + _placeholders(list(call.kwargs.values()), [])
            for domain in ("real", "complex"):
                rng = np.random.default_rng(zlib.crc32(
                    f"{function_name(fn)}-{call.label}-{domain}".encode()))
                pairs = [_values(s, domain, rng) for s in specs]
                pairs2 = [_values(s, domain, rng)[1] for s in specs]
                values = tuple(p[0] for p in pairs)
                tangents = tuple(p[1] for p in pairs)
                for form, layout in forms(fn, call).items():
                    case = ArrayCase(fn, call, domain, form, layout, values, tangents,
                                     tuple(pairs2))
                    if domain == "complex" and not _accepts(case):
                        break
                    cases.append(case)
    return cases


def _accepts(case: ArrayCase) -> bool:
    try:
        with quiet():
            case.make()(*case.values)
    except TypeError:
        return False
    return True


def _outputs_along(f, values, directions_list):
    """t -> the outputs of f at values + sum t_k * directions_k (plain NumPy)."""
    def g(*ts):
        xs = [v + sum(t * d[i] for t, d in zip(ts, directions_list)) for i, v in
              enumerate(values)]
        with quiet():
            return f(*xs)
    return g


@functools.lru_cache(maxsize=None)
def array_reference(case: ArrayCase, order: int):
    """Per output: (primal, directional derivative of that order, error estimate)."""
    f = case.make()
    g = _outputs_along(f, case.values, [case.tangents])
    outs = g(0.0)
    refs = []
    for k, y in enumerate(outs):
        def gk(t, k=k):
            return np.asarray(g(t)[k])
        value, err = richardson(gk, 1e-2, order)
        refs.append((np.asarray(y), value, err))
    return refs


def array_hessian_reference(case: ArrayCase, weights):
    """Hessian in (s1, s2) of sum over outputs of <w, Re y> + <w', Im y>, by Ridders on
    the mixed second differences along (s1, s2) = t*(1, 0), t*(0, 1), t*(1, ±1)."""
    f = case.make()
    g = _outputs_along(f, case.values, [case.tangents, case.tangents2])

    def scalar(s1, s2):
        return _weighted(g(s1, s2), weights)

    d11, e11 = richardson(lambda t: scalar(t, 0.0), 1e-2, 2)
    d22, e22 = richardson(lambda t: scalar(0.0, t), 1e-2, 2)
    dp, ep = richardson(lambda t: scalar(t, t), 1e-2, 2)
    dm, em = richardson(lambda t: scalar(t, -t), 1e-2, 2)
    d12 = (dp - dm) / 4
    ref = np.array([[d11, d12], [d12, d22]])
    err = np.array([[e11, (ep + em) / 4], [(ep + em) / 4, e22]])
    return ref, err


def _weighted(outs, weights):
    total = 0.0
    for y, (w_re, w_im) in zip(outs, weights):
        total = total + np.sum(w_re * np.real(y)) + np.sum(w_im * np.imag(y))
    return total


def hessian_weights(case: ArrayCase):
    f = case.make()
    outs = f(*case.values)
    rng = np.random.default_rng(7)
    return [(rng.uniform(0.5, 1.5, size=np.shape(y)), rng.uniform(-1, 1, size=np.shape(y)))
            for y in outs]


# --- singular points -------------------------------------------------------------------------

#: candidate arguments: NumPy's poles, branch points and overflow thresholds are among them
SINGULAR_CANDIDATES = (0.0, 1.0, -1.0, -2.0, 800.0)


@dataclass(frozen=True, eq=False)
class Singular:
    rule: Any
    entry: str
    fn: Callable
    point: tuple
    moving: tuple

    @property
    def name(self) -> str:
        args = ",".join(repr(p) for p in self.point)
        return f"singular-{self.entry}({args})"


def singular_cases() -> list[Singular]:
    """Every (ufunc, point) with finite candidate arguments where NumPy answers inf/nan."""
    cases = []
    for rule in ad.rules:
        if rule.kind not in ("smooth", "constant"):
            continue
        for entry, fn, plain, nin in _entries(rule):
            if entry == "generic" or not rule.at:
                continue
            template = next((p for p in rule.at if len(p) == nin), None)
            if template is None:
                continue
            moving = _moving(rule, template)
            for combo in itertools.product(SINGULAR_CANDIDATES, repeat=len(moving)):
                point = list(template)
                for k, v in zip(moving, combo):
                    point[k] = v
                with quiet():
                    try:
                        y = plain(*[np.float64(p) if isinstance(p, float) else p
                                    for p in point])
                    except (TypeError, ValueError):
                        continue
                if not np.all(np.isfinite(y)):
                    cases.append(Singular(rule, entry, fn, tuple(point), moving))
    return cases


def numpy_outcome(fn, args):
    """(result, warned) of a call, recording whether a RuntimeWarning was emitted."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(all="warn"):
            out = fn(*args)
    return out, any(issubclass(w.category, RuntimeWarning) for w in caught)
