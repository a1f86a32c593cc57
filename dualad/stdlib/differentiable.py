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

from typing import Any, Callable, Protocol, overload

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
        def fn(*args: Any) -> Any:
            for a in args:
                if isinstance(a, Dual):
                    return apply(rule, args, flavour)
            for a in args:
                if type(a) in RULE_HANDLERS:
                    return apply_carrier_rule(rule, args, flavour)
            return plain(*args)
    fn.__name__ = fn.__qualname__ = rule.name
    setattr(fn, "rule", rule)
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


def _unary(rule: Rule, flavour: rule_path.Flavour,
           plain: Callable[..., Any]) -> Callable[..., Any]:
    assert rule.partials is not None, f"the smooth rule {rule.name} has no partial"
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
    fn: Callable[..., Any] = env["fn"]
    return fn


def _plain_by_kind(rule: Rule, flavour: rule_path.Flavour) -> Callable[..., Any]:
    impl_float = rule.impl.get("float") if flavour is not NUMPY else None

    def plain(*args: Any) -> Any:
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

def _method(fn: Callable[..., Any]) -> Callable[[Any], Any]:
    def method(self: Any) -> Any:
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



class UnaryFunction(Protocol):
    """A function of one number: a dual for a dual, a float for a float."""

    @overload
    def __call__(self, x: Dual, /) -> Dual: ...
    @overload
    def __call__(self, x: float, /) -> float: ...
    @overload
    def __call__(self, x: Any, /) -> Any: ...


class BinaryFunction(Protocol):
    """A function of two numbers: a dual when either is a dual, else a float."""

    @overload
    def __call__(self, x: Dual, y: Dual | float, /) -> Dual: ...
    @overload
    def __call__(self, x: float, y: Dual, /) -> Dual: ...
    @overload
    def __call__(self, x: float, y: float, /) -> float: ...
    @overload
    def __call__(self, x: Any, y: Any, /) -> Any: ...


sigmoid: UnaryFunction = GENERIC_FUNCTIONS["sigmoid"]
logistic: UnaryFunction = sigmoid
softplus: UnaryFunction = GENERIC_FUNCTIONS["softplus"]
sech: UnaryFunction = GENERIC_FUNCTIONS["sech"]
relu: UnaryFunction = GENERIC_FUNCTIONS["relu"]
digamma: UnaryFunction = GENERIC_FUNCTIONS["digamma"]
polygamma: BinaryFunction = GENERIC_FUNCTIONS["polygamma"]
sign: UnaryFunction = GENERIC_FUNCTIONS["sign"]
heaviside: BinaryFunction = GENERIC_FUNCTIONS["heaviside"]

# The docstrings of the functions that have no stdlib home (the others' come from math).
sigmoid.__doc__ = """The logistic sigmoid ``1 / (1 + exp(-x))``, whose derivative is
    ``sigmoid(x) (1 - sigmoid(x))``; ``logistic`` is the same function. A dual gives a
    dual, a plain number a number.

    >>> import dualad as ad
    >>> ad.sigmoid(0.0)
    0.5
    >>> ad.sigmoid(ad.Dual(0.0))       # sigmoid'(0) = 1/2 (1 - 1/2)
    Dual(0.5, 0.25)
    """
softplus.__doc__ = """``log(1 + exp(x))``, a smooth relu, whose derivative is ``sigmoid(x)``.

    >>> import dualad as ad
    >>> ad.softplus(ad.Dual(0.0))      # log 2, and sigmoid(0) = 1/2
    Dual(0.6931471805599453, 0.5)
    """
relu.__doc__ = """``max(x, 0)``, with the subgradient 0 at 0 (as most frameworks take it).

    >>> import dualad as ad
    >>> ad.relu(-1.0), ad.relu(ad.Dual(2.0)), ad.relu(ad.Dual(0.0))
    (0.0, Dual(2.0, 1.0), Dual(0.0, 0.0))
    """
digamma.__doc__ = """The digamma function ``psi(x) = Gamma'(x) / Gamma(x)``, whose derivative is
    ``polygamma(1, x)``.

    >>> import dualad as ad
    >>> ad.digamma(ad.Dual(1.0))       # -Euler's gamma, and psi'(1) = pi^2 / 6
    Dual(-0.5772156649015329, 1.6449340668482264)
    """
polygamma.__doc__ = """``polygamma(n, x)``: the n-th derivative of ``digamma`` (n a non-negative
    integer, which carries no derivative); its derivative in x is ``polygamma(n + 1, x)``.

    >>> import dualad as ad
    >>> ad.polygamma(1, ad.Dual(1.0))  # pi^2 / 6, and psi''(1) = -2 zeta(3)
    Dual(1.6449340668482264, -2.4041138063191885)
    """
#: doctest does not find the examples of functions compiled from the table: run them
__test__ = {f"{getattr(fn, '__name__', fn)}.__doc__": fn.__doc__
            for fn in (sigmoid, softplus, relu, digamma, polygamma)}
