"""Builds ``dualad.math`` and ``dualad.cmath`` from the rule table.

Every public name of the standard module is provided. Constants are copied; each
function is the rule of the same ``math``/``cmath`` name made differentiable, calling
the stdlib function itself on plain numbers (same value, same exceptions). The few
functions whose signature is not "numbers in, number out" (``log`` with an optional
base, ``fsum``, ``dist``, ``frexp``, ``polar``, ...) get a small adapter here. A name
the table does not know (a function added to a future Python) still works on plain
numbers and refuses duals with a ``TypeError`` rather than dropping a derivative.
"""
from __future__ import annotations

import inspect
from types import ModuleType
from typing import Any, Callable

import mpmath

from dualad.table import primals
from dualad.core.rule_path import Flavour, apply, to_complex
from dualad.base.carriers import Carrier, apply_rule as apply_carrier_rule
from dualad.stdlib.differentiable import differentiable
from dualad.core.number import Dual, _make, _zeros_like
from dualad.table.rules import Rule, table

__all__ = ["build"]


def _is_dual(x) -> bool:
    return isinstance(x, Carrier)


def _has_dual(args) -> bool:
    for a in args:
        if isinstance(a, Carrier):
            return True
    return False


def _primal(x):
    while isinstance(x, Carrier):
        x = x.value
    return x


def _predicate(std: Callable) -> Callable:
    def fn(*args, **kwargs):
        return std(*[_primal(a) for a in args], **{k: _primal(v) for k, v in kwargs.items()})
    return fn


def _refusing(std: Callable, qualified: str) -> Callable:
    def fn(*args, **kwargs):
        if _has_dual(args) or _has_dual(kwargs.values()):
            raise TypeError(f"{qualified}() has no derivative rule in dualad.table.rules; it "
                            "cannot take a Dual (call it on d.value if the derivative "
                            "is not needed)")
        return std(*args, **kwargs)
    return fn


def _sequence_rule(rule: Rule, flavour: Flavour, std: Callable, split: bool) -> Callable:
    """Adapter for f(iterable) or f(p, q): the rule sees one flat argument list."""
    def pair(p, q, /):
        p, q = list(p), list(q)
        if not (_has_dual(p) or _has_dual(q)) or len(p) != len(q):
            return std(p, q)  # unequal lengths: the stdlib's ValueError
        return _apply_any(rule, (*p, *q), flavour)

    def single(iterable, /):
        items = list(iterable)
        if not _has_dual(items):
            return std(items)
        return _apply_any(rule, tuple(items), flavour)
    return pair if split else single


def _apply_any(rule, args, flavour):
    if any(isinstance(a, Dual) for a in args):
        return apply(rule, args, flavour)
    return apply_carrier_rule(rule, args, flavour)   # jets, traced values


def _by_arity(unary: Callable, binary: Callable, std: Callable) -> Callable:
    """One stdlib name, two rules (math.log: log and log_base): the optional second
    argument chooses."""
    def fn(x, *base):
        if not (_is_dual(x) or (base and _is_dual(base[0]))):
            return std(x, *base)
        if not base:
            return unary(x)
        if len(base) > 1:
            return std(x, *base)  # the stdlib's TypeError about the argument count
        return binary(x, base[0])
    return fn


def _frexp(rule_function: Callable, std: Callable) -> Callable:
    ldexp = rule_function(table["ldexp"])

    def frexp(x, /):
        if not _is_dual(x):
            return std(x)
        v = _primal(x)
        e = int(mpmath.frexp(v)[1]) if isinstance(v, mpmath.mpf) else std(v)[1]
        return ldexp(x, -e), e
    return frexp


def _modf(rule_function: Callable, std: Callable) -> Callable:
    def modf(x, /):
        if not _is_dual(x):
            return std(x)
        if not isinstance(x, Dual):   # jets, traced values: through the table's trunc
            integral = table["trunc"](x)
            return x - integral, integral
        v = x.value
        if isinstance(v, Dual):
            fractional, integral = modf(v)
        elif isinstance(v, mpmath.mpf):
            integral = primals.mp_trunc(v)
            fractional = v - integral
        else:
            fractional, integral = std(v)
        return (_make(fractional, x.tangent, x.tag),
                _make(integral, _zeros_like(x.tangent), x.tag))
    return modf


def _polar(rule_function: Callable, std: Callable) -> Callable:
    phase = rule_function(table["phase"])

    def polar(z, /):
        if not _is_dual(z):
            return std(z)
        z = to_complex(z) if isinstance(z, Dual) else z
        return abs(z), phase(z)
    return polar


def _prod(rule_function: Callable, std: Callable) -> Callable:
    # math.prod multiplies left to right with the objects' own `*`, so on duals it is
    # already the composition of the table's mul rule, with the same rounding.
    def prod(iterable, /, *, start=1):
        return std(iterable, start=start)
    return prod


#: composite rule -> make(rule_function, std): the adapter building its drop-in function
#: from the differentiable functions of other rules (``rule_function(table[...])``)
_COMPOSITES: dict[Rule, Callable] = {table["frexp"]: _frexp, table["modf"]: _modf,
                                     table["polar"]: _polar, table["prod"]: _prod}


def build(std_module: ModuleType, flavour: Flavour) -> dict[str, Any]:
    """The namespace of the drop-in for ``std_module`` (``math`` or ``cmath``)."""
    module = std_module.__name__
    qualified = f"dualad.{module}"
    out: dict[str, Any] = {}
    by_rule: dict[str, Callable] = {}

    def rule_function(rule: Rule) -> Callable:
        fn = by_rule.get(rule.name)
        if fn is None:
            std = getattr(std_module, getattr(rule, module))
            plain = std if rule.kind != "reduction" else None
            fn = by_rule[rule.name] = differentiable(rule, flavour, plain)
        return fn

    for name in sorted(n for n in dir(std_module) if not n.startswith("_")):
        std = getattr(std_module, name)
        if not callable(std):
            out[name] = std
            continue
        rules = table.stdlib(module, name)
        if len(rules) == 2:   # math.log(x) and math.log(x, base)
            unary, binary = sorted(rules, key=lambda r: len(r.params))
            fn = _by_arity(rule_function(unary), rule_function(binary), std)
        elif not rules:
            fn = _refusing(std, f"{qualified}.{name}")
        else:
            (rule,) = rules
            kind = rule.kind
            if kind in ("smooth", "constant"):
                # plain numbers call ``std`` itself (math.floor(Fraction) is an int)
                fn = rule_function(rule)
            elif kind == "predicate":
                fn = _predicate(std)
            elif kind == "integer":
                fn = std  # duals enter through __index__ (integers with zero tangent)
            elif kind == "reduction":   # f(iterable), or f(p, q) as math.dist, math.sumprod
                fn = _sequence_rule(rule, flavour, std,
                                    split=len(inspect.signature(std).parameters) == 2)
            elif rule in _COMPOSITES:
                fn = _COMPOSITES[rule](rule_function, std)
            else:  # pragma: no cover - a new composite needs an adapter above
                raise RuntimeError(f"no adapter for {qualified}.{name}")
        out[name] = _dress(fn, std, qualified, name)
    out["__all__"] = sorted(k for k in out if not k.startswith("_"))
    return out


def _dress(fn: Callable, std: Callable, qualified: str, name: str) -> Callable:
    if fn is std:
        return fn
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = qualified
    doc = (std.__doc__ or "").strip()
    fn.__doc__ = (f"{doc}\n\nDrop-in for {qualified.split('.')[1]}.{name}: plain numbers "
                  "give exactly the stdlib's result; duals give a dual.")
    try:
        setattr(fn, "__signature__", inspect.signature(std))
    except (TypeError, ValueError):
        pass
    return fn
