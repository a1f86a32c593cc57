"""Taylor mode: truncated power series (jets) through the same rule table.

A ``Jet`` holds the Taylor coefficients ``x_0, x_1, ..., x_n`` of ``x(t) = sum x_k t^k``.
Every rule of the table propagates it, in O(n^2):

* arithmetic, ``exp``, ``log``, powers, ``sqrt``, ``sin``/``cos``, ``sinh``/``cosh``,
  ``tan``, ``tanh`` have their classical coefficient recurrences (Griewank & Walther,
  ch. 13);
* every other rule derives its series from its tangent rule: if ``y = f(x)`` then
  ``y' = f'(x) x'``, so ``y_k = (1/k) sum_{j=1..k} j x_j [f'(x)]_{k-j}``, where
  ``[f'(x)]`` is the partial expression evaluated on the series itself (one evaluation,
  or one per order when the partial refers to ``ans``, the result). A new rule gets
  Taylor mode with no code;
* a function with no series of its own (NumPy's linear algebra, sort, max, einsum, a
  ufunc's reduce, a non-holomorphic rule on complex values) runs on nested first-order
  duals, which give every coefficient of its series (see ``through_duals``).

Coefficient 0 is the primal, evaluated with the semantics of the function called
(``np.exp`` NumPy's, ``dualad.math.exp`` math's), as for a dual; the higher coefficients
are derivatives and, like a dual's partials, follow IEEE arithmetic (inf, nan) where
Python's floats would raise.

Coefficients may be floats, complex numbers, mpmath numbers (then everything runs at the
working precision, plain constants promoted exactly) or NumPy arrays (elementwise series:
NumPy's semantics, and a recurrence that branches on the value, such as sqrt or x**r at
0, takes its branch lane by lane), and duals of lower tags.

>>> import dualad as ad
>>> ad.taylor(ad.math.exp, 0.0, 4)
[1.0, 1.0, 0.5, 0.16666666666666666, 0.041666666666666664]
"""
from __future__ import annotations

import contextlib
import numbers
import re
from functools import reduce
from operator import add
from typing import Any

import mpmath
import numpy as np

from dualad.core import rule_path
from dualad.base.carriers import Carrier, register as _register_carrier
from dualad.core.operators import install_operators
from dualad.base.tags import check_met
from dualad.table.rules import table
from dualad.taylor.fallback import _first_order, through_duals
from dualad.taylor.jet import Jet, _compare, _defers, _series, _series_of, _to_complex
from dualad.taylor.recurrences import (
    _BINARY, _DIRECT, _div, _is_mp, _mul, _pow_const, _primal, _weighted, _zero_like)

__all__ = ["Jet", "apply_rule", "through_duals"]


# --- the generic recurrence from the tangent rule ---------------------------------------

_USES_ANS: dict[Any, Any] = {}


def _uses_ans(rule) -> bool:
    if rule not in _USES_ANS:
        _USES_ANS[rule] = any(isinstance(p, str) and re.search(r"\bans\b", p)
                              for p in (rule.partials or ()))
    return _USES_ANS[rule]


def apply_rule(rule, args, flavour=None):
    """The rule applied to jets (and constants): a jet of the same order. Its coefficient
    0 is the primal with ``flavour``'s semantics, as for a dual (``rule_path.NUMPY`` for
    a ufunc: ``np.exp`` of 800 is inf, with NumPy's warning); a rule without a series
    of its own runs on nested duals (``through_duals``)."""
    if rule in _REDUCTIONS:
        return apply_reduction(rule, args)
    tags = [a.tag for a in args if type(a) is Jet]
    tag = max(tags)
    for a in args:
        if isinstance(a, Carrier) and a.tag != tag:
            check_met(tag, a.tag)   # two differentiations meet: both running?
    order = min(a.order for a in args if type(a) is Jet and a.tag == tag)
    series = [_series(a, order, tag) for a in args]
    moving = [type(a) is Jet and a.tag == tag for a in args]
    if rule.jvp is not None or rule.kind not in ("smooth", "constant") or (
            rule.complex_jvp is not None and any(
                rule_path.has_complex(c) for s in series for c in s)):
        # a complex coefficient, even on a real primal, leaves the real line (|z|, sign z)
        return through_duals(_first_order(rule, flavour), args, {}, f"{rule.name}()")
    if flavour is rule_path.CMATH and rule.complex_args:
        series = [[_to_complex(c) for c in s] for s in series]
    if any(_is_mp(s[0]) for s in series):   # constants join at the working precision
        constants = rule_path.promote_constants(rule, [s[0] for s in series])
        series = [s if m else [c] + s[1:] for s, m, c in zip(series, moving, constants)]
    value = _call(rule, [s[0] for s in series], flavour)
    if rule.kind == "constant" or order == 0:
        return Jet([value] + [_zero_like(_primal(value))] * order, tag)
    coeffs = _in_ieee(flavour, type(value) is np.ndarray or isinstance(value, Carrier),
                      _coefficients, rule, series, moving, value, order, tag)
    coeffs[0] = value
    return Jet(coeffs, tag)


def _coefficients(rule, series, moving, value, order, tag):
    """The series of a smooth rule, given its primal ``value``."""
    direct = _DIRECT.get(rule)
    if direct is not None and len(series) == 1:
        return direct(series[0], value)
    binary = _BINARY.get(rule)
    if binary is not None:
        a, b = series
        return binary(a, b, moving, value)
    return _generic(rule, series, moving, value, order, tag)


_LOUD = contextlib.nullcontext()


def _in_ieee(flavour, arrays, extend, *args):
    """``extend(*args)``: coefficients 1..n. They are derivatives, not the user's primal,
    so they are computed as a dual's partials are: quietly (dualad's own arithmetic
    neither warns nor raises) and, where Python's floats raise (``1 / 0.0``,
    ``math.exp(800.0)``, ``1e200 ** 2.5``), again in IEEE mode (inf, nan). A domain
    error (ValueError) stays one, "no real series", except under NumPy's semantics,
    where it is nan. ``arrays``: the coefficients may be arrays (whose arithmetic warns)."""
    try:
        with np.errstate(all="ignore") if arrays else _LOUD:
            return extend(*args)
    except (rule_path._ARITH_ERRORS if flavour is rule_path.NUMPY else ArithmeticError):
        if rule_path.ieee_mode():
            raise
        with np.errstate(all="ignore"), rule_path.ieee_arithmetic():
            return extend(*args)


def _call(rule, values, flavour):
    """The primal on the order-0 coefficients, with the flavour's semantics (mpmath values
    stay mpmath even under dualad.math, as for duals; arrays follow NumPy, as for
    ``DualArray``)."""
    key = rule_path.kind_of(values)
    if flavour is None or rule.name not in flavour.functions or key == "numpy":
        flavour = rule_path.GENERIC   # arrays: NumPy's elementwise semantics, as array duals
    return rule_path.primal(rule, values, flavour, key)


def _generic(rule, series, moving, value, order, tag):
    """y_k = (1/k) sum_i sum_{j=1..k} j x_{i,j} [d rule / d x_i]_{k-j}. The partials are
    evaluated once, on the series truncated at order - 1, or, when they need the result
    itself (``ans``), again at every order, on the coefficients known so far."""
    key = "dual:" + rule_path.kind_of([_primal(s[0]) for s in series])
    ns = rule_path.namespace(key)
    needs_ans = _uses_ans(rule)
    moving_series = [s for s, m in zip(series, moving) if m]
    out, partials = [value], None
    for k in range(1, order + 1):
        if partials is None or needs_ans:
            n = k if needs_ans else order
            truncated = [Jet(s[:n], tag) if m else s[0] for s, m in zip(series, moving)]
            ans = Jet(out[:k], tag) if needs_ans else None
            partials = [_series_of(_partial(rule, i, truncated, ans, ns, key), n - 1, tag)
                        for i, m in enumerate(moving) if m]
        total = None
        for a, p in zip(moving_series, partials):
            term = _weighted(a, p, k)
            total = term if total is None else total + term
        out.append(total)
    return out


def _partial(rule, i, args, ans, ns, key):
    fn = rule.partial(i, ns, key)
    call = (args[i], ans) if rule.variadic else (*args, ans)
    return fn(*call)


# --- NumPy support ------------------------------------------------------------------------

_UFUNC_RULES = table.ufuncs   # by the ufunc object (scipy.special's too)
_ON_PRIMAL = table.primal_only_ufuncs
#: the array functions of the table's linear rules: applied coefficient by coefficient
#: (np.where's rule dispatches by hand, without numpy_functions)
_LINEAR = {func for r in table if r.linear for func in r.numpy_functions} | {np.where}


def _prod(a, axis=None, keepdims=False, **kwargs):
    """np.prod of an elementwise jet: products along the axis, Cauchy product by product."""
    if kwargs:
        raise TypeError("dualad: numpy.prod of a jet takes axis and keepdims only")
    if axis is None:
        a = np.ravel(a)
        axis = 0
    moved = np.moveaxis(a, axis, 0)
    result = moved[0]
    for i in range(1, moved.shape[0]):
        result = result * moved[i]
    return np.expand_dims(result, axis) if keepdims else result


def _linear(func, args, kwargs):
    """A function linear in its array arguments: applied to each coefficient."""
    if func is np.where:
        condition, x, y = args
        jets = [v for v in (x, y) if type(v) is Jet]
        order, tag = jets[0].order, jets[0].tag
        xs, ys = _series(x, order, tag), _series(y, order, tag)
        return Jet([np.where(_primal(condition), a, b) for a, b in zip(xs, ys)], tag)
    if func in (np.concatenate, np.stack):
        items = list(args[0])
        jet = next(v for v in items if type(v) is Jet)
        cols = [_series(v, jet.order, jet.tag) for v in items]
        return Jet([func([c[k] for c in cols], *args[1:], **kwargs)
                    for k in range(jet.order + 1)], jet.tag)
    jet = args[0]
    if type(jet) is not Jet or any(type(v) is Jet for v in (*args[1:], *kwargs.values())):
        # linear in its first argument only (indices, shapes, np.atleast_1d(a, b)):
        return through_duals(func, args, kwargs, f"numpy.{func.__name__}")
    outs = [func(c, *args[1:], **kwargs) for c in jet.coeffs]
    if isinstance(outs[0], (list, tuple)):   # np.split: a list of jets
        return [Jet([out[i] for out in outs], jet.tag) for i in range(len(outs[0]))]
    return Jet(outs, jet.tag)


#: rule -> its series as a composition of other rules on the items (functions of a
#: sequence: ``_halves`` pairs the p and q of dist's and sumprod's items)
_REDUCTIONS = {
    table["fsum"]: lambda items: reduce(add, items),
    table["sumprod"]: lambda items: reduce(add, [a * b for a, b in _halves(items)]),
    table["dist"]: lambda items: table["sqrt"](
        reduce(add, [(a - b) * (a - b) for a, b in _halves(items)])),
    table["hypot"]: lambda items: table["sqrt"](reduce(add, [a * a for a in items])),
}


def _halves(items):
    return zip(items[:len(items) // 2], items[len(items) // 2:])


def apply_reduction(rule, items):
    compose = _REDUCTIONS.get(rule)
    if compose is None:
        raise TypeError(f"{rule.name}(): no Taylor rule")
    items = list(items)
    if any(_is_mp(v) for v in items):   # constants join at the working precision
        items = [rule_path.to_mpmath(v) for v in items]
    return compose(items)

# --- installed on Jet: what applies rules -------------------------------------------------

_ADD, _SUB, _MUL, _TRUEDIV, _POW = (table[n] for n in ("add", "sub", "mul", "truediv", "pow"))
_NEG, _POS = table["neg"], table["pos"]
#: what a jet combines with as a constant ([c, 0, 0, ...]), besides other carriers
_CONSTANTS = (numbers.Number, np.generic, np.ndarray, mpmath.mpf, mpmath.mpc)
#: a plain number: times, over and to the power of a jet coefficient by coefficient
_NUMBERS = (numbers.Number, np.generic)


def _binary(rule, a, b):
    """``a <op> b`` with a jet among them (Jet's binary operators, reflected forms
    included). The jet of the largest tag handles it: the other operand is a constant to
    it ([c, 0, 0, ...]); a dual of a later tag takes it instead (NotImplemented: its
    layer applies the rule). + - * / combine the coefficient lists (coefficient 0 as the
    operator computes it); a jet times or over a plain number, and to a real number's
    power, coefficient by coefficient (a Cauchy product with the zeros of a constant
    would turn inf * 0 into nan); the rest through ``apply_rule``."""
    if type(a) is Jet and (type(b) is not Jet or b.tag <= a.tag):
        jet, other = a, b
    else:
        jet, other = b, a
    tag = jet.tag
    if type(other) is Jet and other.tag == tag:   # one pass: both series
        ca, cb = a.coeffs, b.coeffs
        if len(ca) != len(cb):
            n = min(len(ca), len(cb))
            ca, cb = ca[:n], cb[:n]
    else:
        if isinstance(other, Carrier):
            if other.tag != tag:
                check_met(tag, other.tag)   # two differentiations meet: both running?
            if type(other) is not Jet and other.tag > tag:
                return NotImplemented   # a dual of a later pass: the jet is its constant
        elif not isinstance(other, _CONSTANTS):
            return NotImplemented
        if isinstance(other, _NUMBERS):
            if rule is _MUL:
                return Jet([x * other for x in a.coeffs] if jet is a else
                           [other * x for x in b.coeffs], tag)
            if jet is a:
                if rule is _TRUEDIV:
                    return Jet([x / other for x in a.coeffs], tag)
                if rule is _POW and not isinstance(other, complex):
                    return Jet(_pow_const(a.coeffs, other), tag)
        if not (rule is _ADD or rule is _SUB or rule is _MUL or rule is _TRUEDIV):
            return apply_rule(rule, (a, b))   # a constant exponent stays one
        const = [other] + [_zero_like(_primal(other))] * (len(jet.coeffs) - 1)
        ca, cb = (jet.coeffs, const) if jet is a else (const, jet.coeffs)
    if rule is _ADD:
        return Jet([x + y for x, y in zip(ca, cb)], tag)
    if rule is _SUB:
        return Jet([x - y for x, y in zip(ca, cb)], tag)
    if rule is _MUL:
        return Jet(_mul(ca, cb), tag)
    if rule is _TRUEDIV:
        return Jet(_div(ca, cb), tag)
    return apply_rule(rule, (a, b))


def _unary(rule, x):
    """-x negates the coefficients, +x is x, abs(x) (and any other) through the rule."""
    if rule is _NEG:
        return Jet([-c for c in x.coeffs], x.tag)
    if rule is _POS:
        return x
    return apply_rule(rule, (x,))


def __round__(self, ndigits=None):
    return apply_rule(table["round"], (self,) if ndigits is None else (self, ndigits))


def _rounding(name):
    """Jet.__floor__, __ceil__, __trunc__: through the rule of that name."""
    def method(self):
        return apply_rule(table[name], (self,))
    method.__name__ = f"__{name}__"
    return method


def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
    if _defers(inputs):
        return NotImplemented
    if method == "__call__" and not kwargs:
        if ufunc is np.matmul:
            return self.__array_function__(np.matmul, (), inputs, {})
        if ufunc in _ON_PRIMAL:
            return ufunc(*[_primal(x) for x in inputs])
        rule = _UFUNC_RULES.get(ufunc)
        if rule is not None:
            return apply_rule(rule, inputs, rule_path.NUMPY)
    # reduce, accumulate, keyword arguments, a ufunc without a rule: the dual layer's
    return through_duals(getattr(ufunc, method), inputs, kwargs,
                         table.ufunc_name(ufunc) + (f".{method}" if method != "__call__"
                                                    else ""))


def __array_function__(self, func, types, args, kwargs):
    if _defers((args, list(kwargs.values()))):
        return NotImplemented
    if func in _LINEAR:
        return _linear(func, args, kwargs)
    if func is np.prod:
        return _prod(*args, **kwargs)
    if func in (np.dot, np.matmul):
        a, b = args
        jet = a if type(a) is Jet else b
        if type(a) is not Jet:
            return jet._new([func(a, c) for c in b.coeffs])
        if type(b) is not Jet:
            return jet._new([func(c, b) for c in a.coeffs])
        ca, cb = a.coeffs, b.coeffs
        return jet._new([sum((func(ca[j], cb[k - j]) for j in range(k + 1)))
                         for k in range(len(ca))])
    return through_duals(func, args, kwargs, f"numpy.{func.__name__}")


install_operators(Jet, binary=_binary, unary=_unary, compare=_compare)
for _method in (__round__, *map(_rounding, ("floor", "ceil", "trunc")), __array_ufunc__,
                __array_function__):
    _method.__qualname__ = f"Jet.{_method.__name__}"
    setattr(Jet, _method.__name__, _method)

_register_carrier(Jet, apply_rule=apply_rule, scalar=True)
