"""Differentiable functions built from the rule table, one per rule.

``differentiable(rule, flavour, plain)`` makes the function that every public entry
point uses: on plain numbers it calls ``plain`` (for ``dualad.math`` that is the stdlib
function itself, so results are bit-identical); on duals it applies the rule. Unary
rules get an inline fast path for float-valued duals.

This module also holds the *generic* family (real values follow ``math``, complex
``cmath``, mpmath values mpmath), which is what a partial expression calls when it is
evaluated on duals, and which exposes the functions that have no stdlib home:

>>> from dualad.stdlib.differentiable import sigmoid
>>> from dualad import Dual
>>> sigmoid(Dual(0.0))
Dual(0.5, 0.25)
"""
from __future__ import annotations

from typing import Any, Callable

from dualad.core import rule_path
from dualad.core import operators  # noqa: F401  (operators: installs them on Dual)
from dualad.base.carriers import RULE_HANDLERS, apply_rule as apply_carrier_rule
from dualad.core.rule_path import GENERIC, NUMPY, OPERATOR, apply, lanes, kind_of, namespace
from dualad.core.number import Dual, _make
from dualad.table.rule import Rule, _functions
from dualad.table.rules import table

__all__ = ["differentiable", "GENERIC_FUNCTIONS"]

_ARITH_ERRORS = (ArithmeticError, ValueError)


def differentiable(rule: Rule, flavour: rule_path.Flavour,
                   plain: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """The differentiable function of ``rule`` with ``flavour``'s semantics."""
    if plain is None:
        plain = _plain_by_kind(rule, flavour)
    if (rule.arity == 1 and rule.kind == "smooth" and rule.jvp is None
            and flavour is not rule_path.CMATH):
        fn = _unary(rule, flavour, plain)
    else:
        def fn(*args):
            for a in args:
                if isinstance(a, Dual):
                    return apply(rule, args, flavour)
            for a in args:
                if type(a) in RULE_HANDLERS:
                    return apply_carrier_rule(rule, args, flavour)
            return plain(*args)
    fn.__name__ = fn.__qualname__ = rule.name
    fn.rule = rule
    flavour.functions[rule.name] = fn
    return fn


# The float fast path of a unary rule, with the rule's partial expression written inline
# (compiled from the table like every other backend of the partial), so that the hottest
# calls -- dualad.math.sin(dual) in a loop -- pay no extra Python call for the partial.
_UNARY_SOURCE = """
def {name}(_arg):
    if type(_arg) is Dual:
        {param} = _arg.value
        if type({param}) is float{guard}:
            try:
                ans = _impl({param})
            except _ARITH_ERRORS:
                return _apply(_rule, (_arg,), _flavour)   # raises, or IEEE in nested partials
            try:
                _p = {expr}
            except _ARITH_ERRORS:
                _p = _partial(_rule, 0, ({param},), ans, "float")
            _t = _arg.tangent
            if _p - _p == 0.0:
                return _make(ans, _p * _t, _arg.tag)
            return _make(ans, _lanes(_p, _t), _arg.tag)
        return _apply(_rule, (_arg,), _flavour)
    if isinstance(_arg, Dual):
        return _apply(_rule, (_arg,), _flavour)
    if type(_arg) in _OTHER:
        return _other(_rule, (_arg,), _flavour)
    return _plain(_arg)
"""


def _unary(rule: Rule, flavour, plain):
    expr, param = rule.partials[0], rule.params[0]
    env = dict(namespace("float"))
    if not isinstance(expr, str) or not param.isidentifier():
        # a partial given as a function (or a parameter name Python cannot spell): called
        expr, param = "_d(_x, ans)", "_x"
        env["_d"] = rule.partial(0, namespace("float"), "float")
    env.update(Dual=Dual, _make=_make, _lanes=lanes, _apply=apply, _partial=rule_path.partial,
               _ARITH_ERRORS=_ARITH_ERRORS, _OTHER=RULE_HANDLERS, _other=apply_carrier_rule,
               _impl=flavour.impl(rule, "float"), _rule=rule, _flavour=flavour, _plain=plain,
               __builtins__={"type": type, "float": float, "isinstance": isinstance})
    # a rule with its own complex tangent map (abs) takes it for a complex tangent
    guard = (" and (type(_arg.tangent) is float or not _has_complex(_arg.tangent))"
             if rule.complex_jvp is not None else "")
    env["_has_complex"] = rule_path.has_complex
    source = _UNARY_SOURCE.format(name="fn", param=param, expr=expr, guard=guard)
    exec(compile(source, f"<dualad rule {rule.name}>", "exec"), env)   # table data only
    return env["fn"]


def _plain_by_kind(rule: Rule, flavour):
    impl_float = rule.impl.get("float") if flavour is not NUMPY else None

    def plain(*args):
        try:
            if impl_float is not None and all(type(a) is float for a in args):
                return impl_float(*args)
            for a in args:
                if type(a) in RULE_HANDLERS:
                    return apply_carrier_rule(rule, args, flavour)
            key = kind_of(args)
            return flavour.impl(rule, key)(*args)
        except _ARITH_ERRORS as error:
            # Inside a partial evaluated on duals (IEEE mode), answer inf/nan.
            if not rule_path.ieee_mode():
                raise
            return rule_path._ieee(rule.impl.get("numpy"), args, kind_of(args), error)
    return plain


#: rule name -> generic differentiable function (the names partial expressions see on duals)
GENERIC_FUNCTIONS: dict[str, Callable[..., Any]] = {}
for _rule in table:
    if _rule.kind in ("smooth", "constant", "reduction"):
        if _rule.symbol is not None:   # Python's operators and builtins (abs, round)
            OPERATOR.functions[_rule.name] = _rule.impl["float"]
        GENERIC_FUNCTIONS[_rule.name] = differentiable(_rule, GENERIC)
        differentiable(_rule, NUMPY)   # NumPy's ufuncs on scalar duals (dualad.arrays.dispatch)
_functions.update(GENERIC_FUNCTIONS)

def _method(fn):
    def method(self):
        return fn(self)
    method.__name__ = fn.__name__
    return method


# NumPy applies a ufunc to an array of objects by calling the method of that name on each
# element (np.exp(a) calls x.exp()): give Dual one method per unary ufunc of the table,
# so NumPy code runs elementwise on object arrays of duals (as dualad.check does for its
# mpmath reference).
for _rule in table:
    if _rule.arity == 1 and _rule.kind in ("smooth", "constant") and _rule.jvp is None:
        for _name in _rule.numpy_names:
            if not hasattr(Dual, _name):
                setattr(Dual, _name, _method(GENERIC_FUNCTIONS[_rule.name]))

sigmoid = GENERIC_FUNCTIONS["sigmoid"]
logistic = sigmoid
softplus = GENERIC_FUNCTIONS["softplus"]
sech = GENERIC_FUNCTIONS["sech"]
relu = GENERIC_FUNCTIONS["relu"]
digamma = GENERIC_FUNCTIONS["digamma"]
polygamma = GENERIC_FUNCTIONS["polygamma"]
sign = GENERIC_FUNCTIONS["sign"]
heaviside = GENERIC_FUNCTIONS["heaviside"]
