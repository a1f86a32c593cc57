"""The carriers of derivatives: one base class and one registry.

Every type that carries derivatives derives from ``Carrier``: the scalar ``Dual``,
``DualArray``, Taylor ``Jet``s, the ``PatternArray`` values of sparsity detection and the
``Traced`` values of Wengert traces. ``isinstance(x, Carrier)`` is the one test of "does
x carry derivatives"; being a class, not a tuple that modules extend at import time, it
is never stale.

A carrier with machinery of its own registers once (``register``):

- ``apply_rule(rule, args, flavour)`` applies an elemental rule when one of ``args`` is
  of its type (the highest tag among such arguments decides); the scalar ``Dual`` needs
  none, the rule path (``dualad.core.rule_path.apply``) is its machinery;
- ``scalar=True``: a scalar ``Dual`` may hold it as its primal (a jet of an outer level);
- ``lift(array, like)``, of the array carrier: a plain array as a carrier of ``like``'s
  differentiation (so that tangent maps low in the layers can store duals into arrays);
- ``precedence=Precedence(...)``, of a carrier kind that a layer above the array layer
  defines (the pattern values of sparsity detection): the hooks through which the array
  carrier's dispatch defers to it. While such a kind is active (``ACTIVE``, a detection
  running) the array layer hands it every operation it ``claims``; outside, the array
  layer's hottest dispatch pays one test of an empty list.

This module imports nothing of dualad's: every layer may use it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, NamedTuple


class Carrier:
    """Base of every type that carries derivatives (see the module's docstring)."""

    __slots__ = ()

    if TYPE_CHECKING:   # every carrier has a primal and a tag (declarations only)
        value: Any
        tag: Any


def primal_of(x: Any) -> Any:
    """The innermost primal of ``x``: every level of carriers taken off."""
    while isinstance(x, Carrier):
        x = x.value
    return x


#: type -> its ``apply_rule(rule, args, flavour)``
RULE_HANDLERS: dict[type, Callable] = {}
#: carriers a scalar Dual may hold as its primal
SCALARS: set[type] = set()
#: the array carrier's ``lift(array, like)``: see ``lift``
_LIFT: list[Callable] = []


class Precedence(NamedTuple):
    """How the array carrier defers to a carrier kind that takes precedence over it (the
    pattern values of a sparsity detection). ``claims(items)``: whether the kind handles
    an operation on ``items`` (one of them, or in lists among them, is its own and no
    dual of a later differentiation is); the rest is called only for claimed items, or
    while the kind is active:

    - ``ufunc(ufunc, method, inputs, kwargs)``: NumPy's ufunc protocol;
    - ``function(func, args, kwargs)``: NumPy's array-function protocol;
    - ``elementwise(rule, ufunc, inputs)``: an operator or ufunc by its elemental rule;
    - ``compare(op, a, b)``: a comparison of primals (active: any operands);
    - ``primal(x)``: ``x`` without the duals around the kind's own values (active);
    - ``observed(x, what)``: ``x`` for a function that looks at values, refused on the
      kind's own values (active);
    - ``writable(out, like)``: the plain array ``out`` as a container that ``like``
      (claimed) is stored into (``lift``)."""
    claims: Callable
    ufunc: Callable
    function: Callable
    elementwise: Callable
    compare: Callable
    primal: Callable
    observed: Callable
    writable: Callable


#: type -> its ``Precedence`` hooks
PRECEDENCE: dict[type, Precedence] = {}
#: the hooks of the kinds active now, the innermost last (pushed and popped in place by
#: the layer that activates them, never rebound: the array layer holds this list)
ACTIVE: list[Precedence] = []


def register(cls: type, *, apply_rule: Callable | None = None, scalar: bool = False,
             lift: Callable | None = None, precedence: Precedence | None = None) -> type:
    """Register the carrier ``cls`` (the parameters: see the module's docstring)."""
    if not issubclass(cls, Carrier):
        raise TypeError(f"dualad: {cls.__name__} must derive from dualad.base.carriers.Carrier")
    if apply_rule is not None:
        RULE_HANDLERS[cls] = apply_rule
    if scalar:
        SCALARS.add(cls)
    if lift is not None:
        _LIFT[:] = [lift]
    if precedence is not None:
        PRECEDENCE[cls] = precedence
    return cls


def lift(array, like):
    """``array`` (plain) as an array carrier of ``like``'s differentiation, with zero
    tangent: a container that entries like ``like`` can be stored into."""
    return _LIFT[0](array, like)


def apply_rule(rule, args, flavour):
    """Apply ``rule`` to ``args`` with the machinery of the registered carrier of the
    highest tag among them (the innermost differentiation running)."""
    best: tuple[Any, Callable] | None = None
    for a in args:
        handler = RULE_HANDLERS.get(type(a))
        if handler is not None and (best is None or a.tag > best[0]):
            best = (a.tag, handler)
    if best is None:
        raise TypeError(f"apply_rule: no registered carrier among the arguments of "
                        f"{getattr(rule, 'name', rule)!r}")
    return best[1](rule, args, flavour)
