"""Applying an elemental rule to duals: the general path every layer falls back on.

Given a rule and its arguments, ``apply``

1. finds the outermost perturbation tag among the arguments (the largest) and splits
   each argument into (value, tangent) for that tag; other arguments are constants;
2. evaluates the primal on the values (recursing when they are duals of lower tags);
3. evaluates each needed partial from the rule's expression, compiled for the kind of
   the values (floats, complex, mpmath, NumPy, or duals again), and sums
   ``partial · tangent`` with the lane rule of SPEC: a lane whose tangent is 0 gets
   exactly 0, even when the partial is infinite (no ``0 * inf = nan``).

Python floats raise where IEEE arithmetic answers inf/nan (``1/0.0``, ``math.log(0)``).
The primal keeps Python's behaviour; a partial that raises is evaluated again in IEEE
arithmetic (through NumPy), so ``sqrt'(0)`` is ``inf``, not ``ZeroDivisionError``.
"""
from __future__ import annotations

import cmath
import math
import numbers
import threading
from typing import Any, Callable

import mpmath
import numpy as np

from dualad.base import fpe as _fpe
from dualad.base.carriers import Carrier
from dualad.core.number import Dual, _make, _zeros_like
from dualad.table.rules import Rule
from dualad.base.tags import check_met

__all__ = ["apply", "lanes", "Flavour", "OPERATOR", "GENERIC", "MATH", "CMATH", "NUMPY"]

_mpf, _mpc = mpmath.mpf, mpmath.mpc

# --- what kind of numbers are we looking at ------------------------------------------

def _base_kind(v) -> str | None:
    cls = type(v)
    if cls is float or cls is int or cls is bool:
        return "float"
    if cls is complex:
        return "complex"
    if cls is _mpf:
        return "mpf"
    if cls is _mpc:
        return "mpc"
    if isinstance(v, np.ndarray):
        return "numpy"
    if isinstance(v, np.generic):
        return "complex" if isinstance(v, np.complexfloating) else "float"
    if hasattr(v, "_mpf_"):  # mpf subclasses and mpmath constants such as mpmath.pi
        return "mpf"
    if hasattr(v, "_mpc_"):
        return "mpc"
    if isinstance(v, numbers.Real):
        return "float"
    if isinstance(v, numbers.Complex):
        return "complex"
    return None


_PRIORITY = {"float": 0, "complex": 1, "numpy": 2, "mpf": 3, "mpc": 4}


def kind_of(values) -> str:
    """The backend key for a tuple of primal values: "float", "complex", "mpf", "mpc",
    "numpy", or "dual:<base>" when some value is itself a dual."""
    dual = False
    best = "float"
    for v in values:
        while isinstance(v, Carrier):
            dual = True
            v = v.value
        k = _base_kind(v)
        if k is None:
            raise TypeError(f"expected a number, got {type(v).__name__} {v!r:.60}")
        if _PRIORITY[k] > _PRIORITY[best]:
            best = k
    if best == "mpf" and any(_base_kind(_inner(v)) == "complex" for v in values):
        best = "mpc"
    return "dual:" + best if dual else best


def _inner(v):
    while isinstance(v, Carrier):
        v = v.value
    return v


# --- mpmath values keep their precision against plain constants ---------------------

def to_mpmath(v):
    """A plain number as an mpmath number, exactly (a float is its binary value, not the
    decimal it was typed as); anything else unchanged."""
    cls = type(v)
    if cls is float or cls is int or cls is bool:
        return _mpf(v)
    if cls is complex:
        return _mpc(v)
    if isinstance(v, np.generic):
        if isinstance(v, np.complexfloating):
            return _mpc(to_mpmath(v.real), to_mpmath(v.imag))
        if isinstance(v, np.floating):
            numerator, denominator = v.as_integer_ratio()   # exact, also for longdouble
            return _mpf(numerator) / denominator
        if isinstance(v, (np.integer, np.bool_)):
            return _mpf(int(v))
    return v


def promote_constants(rule: Rule, values):
    """The values of a rule applied at mpmath precision with plain constants among them
    (``s ** (1/3)``, ``atan2(s, 0.3)``): the constants become mpmath numbers, so that the
    primal, the partials (``y - 1``, ``x*x + y*y``) and Taylor recurrences run at the
    working precision instead of in double. Integer arguments (ldexp's i) stay ints; a
    float among the arguments that are not differentiated (gammainc's a, jv's order) is
    promoted too, for the partials that are functions of it (lgamma(a))."""
    if rule.kind not in ("smooth", "reduction"):
        return values
    p = rule.partials
    return [v if p is not None and p[0 if rule.variadic else i] is None and
            not isinstance(v, float) else to_mpmath(v) for i, v in enumerate(values)]


def has_complex(x) -> bool:
    """Whether ``x`` (a primal or a tangent, possibly a dual) holds complex numbers."""
    if isinstance(x, Carrier):
        # the carriers reaching here (duals, array duals) have a tangent; Carrier itself
        # declares only value and tag (a Jet has coefficients instead)
        return has_complex(x.value) or has_complex(x.tangent)  # type: ignore[attr-defined]
    if isinstance(x, np.ndarray):
        if x.dtype == object:
            return any(has_complex(v) for v in x.flat)
        return x.dtype.kind == "c"
    return isinstance(x, (complex, _mpc, np.complexfloating))


def nonholomorphic(rule: Rule, key: str, tangents) -> bool:
    """Whether ``rule`` takes its complex tangent map here: it has one, and a primal or a
    tangent is complex (a real x moved along i leaves the real line, where |x|, sign x
    are not the real rule's holomorphic extension)."""
    return rule.complex_jvp is not None and rule.jvp is None and (
        key.endswith(("complex", "mpc")) or any(t is not None and has_complex(t) for t in tangents))


# --- namespaces in which the partial expressions are evaluated -------------------

def _where(condition, a, b):
    if isinstance(condition, np.ndarray) or isinstance(condition, Carrier):
        # arrays of duals: elementwise choice; a condition of sparsity patterns: both
        # (NumPy's annotations do not know its __array_function__ protocol, which a
        # carrier condition takes)
        return np.where(condition, a, b)  # type: ignore[arg-type]
    return a if condition else b


_FLOAT_CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf, "nan": math.nan,
                    "ln2": math.log(2.0), "ln10": math.log(10.0)}
_MP_CONSTANTS = {"pi": mpmath.pi, "e": mpmath.e, "inf": mpmath.inf, "nan": mpmath.nan,
                 "ln2": mpmath.ln2, "ln10": mpmath.ln10}
_namespaces: dict[str, dict] = {}


def namespace(key: str) -> dict:
    """Names visible to partial expressions on one backend (built from the table)."""
    ns = _namespaces.get(key)
    if ns is not None:
        return ns
    from dualad.table.rules import table
    base = key.split(":")[-1]
    ns = {"__builtins__": {}}
    ns.update(_MP_CONSTANTS if base in ("mpf", "mpc") else _FLOAT_CONSTANTS)
    if key.startswith("dual:"):
        ns.update(GENERIC.functions)   # the differentiable functions (dualad.stdlib.differentiable)
        ns["where"] = _where
    else:
        ns.update({r.name: r.impl[base] for r in table if base in r.impl})
        ns["where"] = np.where if base == "numpy" else _where
    _namespaces[key] = ns
    return ns


# --- flavours: which module's semantics the primal follows ------------------------

class Flavour:
    """The semantics of a family of differentiable functions.

    ``math``: real arguments, ``math``'s exceptions; ``cmath``: arguments promoted to
    complex; ``generic``: by the kind of the value (real -> math, complex -> cmath,
    mpmath -> mpmath, arrays -> NumPy); ``operator``: Python's operators; ``numpy``: the
    NumPy ufuncs on scalar duals (``np.log(dual)``), generic where that gives a finite
    answer, NumPy's inf/nan (with its floating-point warning) where it does not.
    """

    def __init__(self, name: str):
        self.name = name
        self.functions: dict[str, Callable[..., Any]] = {}  # rule name -> differentiable function

    def __repr__(self):
        return f"<flavour {self.name}>"

    def impl(self, rule: Rule, key: str):
        """The primal implementation of ``rule`` for plain values of kind ``key``."""
        impl = rule.impl
        name = self.name
        if name == "operator":
            return impl["float"]
        if name == "math":
            if key == "mpf":
                return impl["mpf"]
            if key == "mpc":
                raise TypeError(f"math.{rule.math or rule.name}() takes real numbers, "
                                "not mpmath.mpc; use dualad.cmath")
            # (this flavour serves dualad.math's functions: their rules all have a math name)
            std = getattr(math, rule.math, None) if rule.kind != "reduction" else None  # type: ignore[arg-type]
            return std or impl["float"]
        if name == "numpy" and (key == "float" or key == "complex"):
            return _numpy_scalar(rule, key)
        if name == "cmath":
            if key in ("mpf", "mpc"):
                key = "mpc"
            elif key != "numpy":
                std = getattr(cmath, rule.cmath, None) if rule.cmath else None
                if std is not None:
                    return std
                key = "complex"
        fn = impl.get(key)
        if fn is None:
            if key == "numpy":
                raise TypeError(f"{rule.name}() has no array implementation (it takes scalars "
                                "only): apply it to each scalar element instead")
            raise TypeError(f"{rule.name}() has no implementation for {key} values")
        return fn


OPERATOR, GENERIC, MATH, CMATH, NUMPY = map(Flavour, ("operator", "generic", "math", "cmath",
                                                    "numpy"))

_numpy_scalars: dict = {}


def _numpy_scalar(rule: Rule, key: str):
    """The primal of ``rule`` with NumPy's semantics on Python numbers: the generic
    implementation where it answers a finite number (bit-identical to the ``math``
    path), else the rule's NumPy implementation on NumPy scalars under the caller's
    ``np.errstate``: ``np.log(Dual(0.0))`` is -inf with NumPy's "divide by zero"
    warning (or FloatingPointError), not math's ValueError."""
    cached = _numpy_scalars.get((rule.name, key))
    if cached is not None:
        return cached
    std = rule.impl.get(key)
    ufunc = rule.impl.get("numpy")
    to_numpy: Callable[[Any], Any] = np.float64 if key == "float" else np.complex128

    def fn(*args):
        error = None
        if std is not None:
            try:
                ans = std(*args)
            except _ARITH_ERRORS as e:
                error = e
            else:
                if ans - ans == 0:   # finite (a float or complex answer)
                    return ans
        if ufunc is None:
            if error is not None:
                raise error
            return ans
        numpy_args = [to_numpy(a) if type(a) is float or type(a) is complex else a
                      for a in args]
        if any(isinstance(a, Dual) for a in numpy_args):   # the inner dual evaluates its primal
            out = ufunc(*numpy_args)
        else:
            out = _fpe.evaluate(ufunc.__name__, ufunc, *numpy_args)
        return out.item() if isinstance(out, (np.generic, np.ndarray)) else out

    _numpy_scalars[(rule.name, key)] = fn
    return fn


def to_complex(v):
    """Promote a value (possibly a dual) to complex, as cmath does with its arguments."""
    cls = type(v)
    if cls is complex or cls is _mpc:
        return v
    if isinstance(v, Dual):
        return _make(to_complex(v.value), v.tangent, v.tag)
    if cls is _mpf:
        return _mpc(v)
    if isinstance(v, np.ndarray):
        return v.astype(np.result_type(v.dtype, np.complex64))
    return complex(v)


# --- IEEE mode: inf/nan instead of exceptions inside partial evaluation ------------

_state = threading.local()


def ieee_mode() -> bool:
    return getattr(_state, "ieee", False)


class ieee_arithmetic:
    """Context in which rule primals on plain numbers answer IEEE's inf/nan where Python
    raises (``math.exp(800.0)``, ``math.log(0.0)``): for the arithmetic of derivatives
    (partials evaluated on duals, Taylor coefficients), never for the user's primal."""

    def __enter__(self):
        self.previous = ieee_mode()
        _state.ieee = True
        return self

    def __exit__(self, *exc):
        _state.ieee = self.previous
        return False


# --- transformation passes: NumPy's floating-point errors --------------------------
#
# A partial may be inf or nan where the primal is finite (sqrt'(0) = inf), and the lane
# guard computes products it then discards: warnings from those are not the user's. A
# transformation runs f once per pass inside ``transformation_pass``: dualad's own
# floating-point errors are ignored for the whole pass, the primal's are handled as the
# caller asked (see dualad.base.fpe), and the array fast paths, which evaluate partials
# without an errstate of their own, apply. Outside a pass, array operations take the
# general path, which evaluates partials under its own errstate.

def in_pass() -> bool:
    return getattr(_state, "in_pass", False)


class transformation_pass:
    """Context for one pass of a transformation over f (see above)."""

    def __enter__(self):
        self.previous = getattr(_state, "in_pass", False)
        _state.in_pass = True
        self.errors = _fpe.floating_point_errors()
        self.errors.__enter__()
        return self

    def __exit__(self, *exc):
        self.errors.__exit__(*exc)
        _state.in_pass = self.previous
        return False


def quiet_partials():
    """The errstate for evaluating partials and lane products outside a pass."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


_CONVERT: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "float": (np.float64, float),
    "complex": (np.complex128, complex),
    "numpy": (np.asarray, np.asarray),
    "mpf": (lambda x: np.float64(float(x)), lambda x: _mpf(float(x))),
    "mpc": (lambda x: np.complex128(complex(x)), lambda x: _mpc(complex(x))),
}


def _ieee(fn_numpy, args, key, error):
    """Evaluate ``fn_numpy`` on ``args`` in IEEE double arithmetic; re-raise ``error``
    if that is not possible."""
    conversions = _CONVERT.get(key)
    if conversions is None or fn_numpy is None:
        raise error
    to_np, back = conversions
    with np.errstate(all="ignore"):
        try:
            out = fn_numpy(*(to_np(a) for a in args))
        except Exception:
            raise error from None
    return back(out)


# --- the general path ----------------------------------------------------------------

_ARITH_ERRORS = (ArithmeticError, ValueError)
_MP_KEYS = ("mpf", "mpc")


def apply(rule: Rule, args: tuple, flavour: Flavour):
    """Apply ``rule`` to ``args`` (at least one a dual); returns a dual."""
    if rule.partials is not None and None in rule.partials:
        args = _integer_arguments(rule, args)
        if not any(isinstance(a, Dual) for a in args):
            return primal(rule, list(args), flavour, kind_of(args))
    tag = -1
    for a in args:
        if isinstance(a, Dual) and a.tag > tag:
            tag = a.tag
    values = []
    tangents = []
    for a in args:
        if isinstance(a, Dual) and a.tag == tag:
            values.append(a.value)
            tangents.append(a.tangent)
        else:
            if isinstance(a, Carrier):   # duals of two differentiations meet: both running?
                check_met(tag, a.tag)
            values.append(a)
            tangents.append(None)
    if flavour is CMATH and rule.complex_args:
        values = [to_complex(v) for v in values]
    key = kind_of(values)
    if key.endswith(_MP_KEYS):
        values = promote_constants(rule, values)
    ans = primal(rule, values, flavour, key)
    if rule.kind == "constant" and not nonholomorphic(rule, key, tangents):
        moving = next(t for t in tangents if t is not None)
        return _make(ans, _zeros_like(moving), tag)
    return _make(ans, tangent(rule, values, ans, tangents, key), tag)


def _integer_arguments(rule, args):
    """Integer arguments (ldexp's i, polygamma's n) given as duals that hold an int with
    zero tangent (such as floor(x)) are that int; any other dual there is an error."""
    out = list(args)
    for i, (a, p) in enumerate(zip(args, rule.partials)):
        if p is None and isinstance(a, Dual):
            try:
                out[i] = a.__index__()
            except TypeError:
                raise TypeError(f"{rule.name}(): argument {rule.params[i]!r} is not "
                                "differentiated (an integer argument, or an order) and cannot "
                                "carry a derivative") from None
    return tuple(out)


def primal(rule: Rule, values, flavour: Flavour, key: str):
    """The rule's primal on ``values`` (which may be duals of lower tags)."""
    if key.startswith("dual:"):
        return flavour.functions[rule.name](*values)
    fn = flavour.impl(rule, key)
    try:
        return fn(*values)
    except _ARITH_ERRORS as error:
        if not ieee_mode():
            raise
        return _ieee(rule.impl.get("numpy"), values, key, error)


def tangent(rule: Rule, values, ans, tangents, key: str):
    """sum_i d rule / d arg_i · tangent_i, from the table."""
    if rule.jvp is not None:
        return rule.jvp(values, ans, tangents)
    if nonholomorphic(rule, key, tangents):
        # (nonholomorphic() is true only for a rule with a complex_jvp)
        return rule.complex_jvp(values, ans, tangents)  # type: ignore[misc]
    total = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        p = partial(rule, i, values, ans, key)
        term = lanes(p, t)
        total = term if total is None else total + term
    return total


def partial(rule: Rule, i: int, values, ans, key: str):
    """The value of the i-th partial of ``rule`` at ``values``."""
    if rule.partials is None or rule.partials[0 if rule.variadic else i] is None:
        name = rule.params[i] if i < len(rule.params) else f"#{i}"
        raise TypeError(f"{rule.name}(): argument {name!r} is not differentiated (an "
                        "integer argument, or an order) and cannot carry a derivative")
    fn = rule.partial(i, namespace(key), key)
    if key.endswith(_MP_KEYS):
        values = promote_constants(rule, values)
    args = (values[i], ans) if rule.variadic else (*values, ans)
    try:
        return fn(*args)
    except _ARITH_ERRORS as error:
        if key.startswith("dual:"):
            with ieee_arithmetic():
                return fn(*args)
        return _ieee(rule.partial(i, namespace("numpy"), "numpy"), args, key, error)


# --- the lane rule ----------------------------------------------------------------
#
# A tangent's lane is one entry of it (one direction of one element). A lane that is 0
# at every level (its value and, when the tangent is itself a dual, every tangent below)
# contributes exactly 0, whatever the partial: ``p · t`` would give 0 · inf = nan there
# when p is infinite, or when p is a dual of a lower level whose own tangent is
# infinite (a second-order partial such as d/dy (1.5 y**0.5) at y = 0). The guard costs
# a pass over p only when p is not finite, and checking p costs one read of it, which
# is value-sized while the product is value-sized times the directions.

def finite(x) -> bool:
    """True when ``x`` has no inf or nan entry at any level: for a dual, neither in its
    value nor in its tangent (recursively)."""
    cls = type(x)
    if cls is float or cls is complex:
        return x - x == 0
    if cls is np.ndarray:
        return _finite_array(x)
    if cls is Dual:
        return finite(x.value) and finite(x.tangent)
    stored = getattr(x, "stored", None)   # array duals: the arrays they keep
    if stored is not None:
        return all(finite(part) for part in stored())
    if isinstance(x, np.generic):
        return bool(np.isfinite(x)) if isinstance(x, np.number) else True
    try:
        return bool(x - x == 0)
    except Exception:  # noqa: BLE001 - a type without subtraction: no guard needed
        return True


def _finite_array(a) -> bool:
    kind = a.dtype.kind
    if kind == "f" or kind == "c":
        # one read: the sum is finite iff every entry is (inf - inf is nan; an overflow
        # of the sum only sends the caller to the guarded product, exact anyway)
        s = _add(a, axis=None) if getattr(_state, "in_pass", False) else _quietly(a)
        return math.isfinite(s) if kind == "f" else cmath.isfinite(s)
    if a.dtype == object:
        return all(finite(v) for v in a.flat)
    return True


_add = np.add.reduce


def _quietly(a):
    with np.errstate(invalid="ignore", over="ignore"):
        return _add(a, axis=None)


def zero_lanes(t):
    """Where the tangent ``t`` is 0 at every level: a bool for a number or a scalar dual
    with one direction, else a bool array of ``t``'s shape at its own level."""
    cls = type(t)
    if cls is np.ndarray:
        if t.dtype == object:
            return np.array([bool(np.all(zero_lanes(v))) for v in t.flat],
                            dtype=bool).reshape(t.shape)
        return t == 0
    if cls is Dual or getattr(t, "stored", None) is not None:
        here = zero_lanes(t.value)
        below = zero_lanes(t.tangent)   # the lower level's directions: all must be 0
        if np.ndim(below) > np.ndim(here):
            below = np.reshape(below, np.shape(here) + (-1,)).all(axis=-1)
        return here & below
    zero = t == 0
    if type(zero) is bool or type(zero) is np.bool_:
        return zero
    return False   # a sparsity pattern (or another carrier) is never known to be 0


def lanes(p, t, k=None):
    """``p · t`` with exactly 0, at every level, in the lanes where ``t`` is 0 at every
    level (see above). ``k``: t is a k-tangent of p's shape, p broadcasts along its
    last axis."""
    pe = p if (k is None or getattr(p, "ndim", 0) == 0) else p[..., None]
    if finite(p):
        return pe * t
    with np.errstate(invalid="ignore", over="ignore"):
        r = pe * t
    zero = zero_lanes(t)
    if type(zero) is np.ndarray:
        return np.where(zero, 0, r) if zero.any() else r
    return _zeros_like(r) if zero else r
