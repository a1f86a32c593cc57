"""User rules: ``defjvp`` and ``@primitive`` add a primitive with its partials.

The new primitive is a ``Rule`` like the table's (its partials are callables instead of
expressions), applied by the same machinery, so it works on plain numbers, on duals,
on nested duals and on multi-tangents.

>>> import dualad as ad
>>> @ad.primitive(lambda x: 3 * x**2)
... def cube(x):
...     return x * x * x
>>> ad.derivative(cube, 2.0)
12.0
>>> ad.derivative(cube, 2.0, n=2)      # the partial is itself differentiated
12.0
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

from dualad.core.rule_path import Flavour
from dualad.stdlib.differentiable import differentiable
from dualad.table.rules import BACKENDS, Rule

__all__ = ["defjvp", "primitive"]


def defjvp(fn: Callable[..., Any], *partials: Callable[..., Any] | None) -> Callable[..., Any]:
    """A differentiable version of ``fn`` with the given partial derivatives.

    One partial per positional argument of ``fn``, each a function of the primal
    arguments (``None`` for an argument that carries no derivative). Write the partials
    with ``dualad.math`` functions and operators if higher derivatives are wanted. ``fn``
    itself is left unchanged.

    >>> import dualad as ad
    >>> import math
    >>> hypot2 = ad.defjvp(lambda x, y: math.hypot(x, y),
    ...                    lambda x, y: x / ad.math.hypot(x, y),
    ...                    lambda x, y: y / ad.math.hypot(x, y))
    >>> ad.gradient(lambda v: hypot2(v[0], v[1]), [3.0, 4.0])     # (x, y) / r
    array([0.6, 0.8])
    """
    if not callable(fn):
        raise TypeError(f"defjvp: fn must be callable, got {type(fn).__name__}")
    if not partials:
        raise TypeError("defjvp: give one partial derivative per argument of fn")
    for i, p in enumerate(partials):
        if p is not None and not callable(p):
            raise TypeError(f"defjvp: partial {i} must be callable or None, got "
                            f"{type(p).__name__}")
    params = _parameter_names(fn, len(partials))
    name = getattr(fn, "__name__", "primitive")
    rule = Rule(name=name, params=params, partials=tuple(partials), kind="smooth",
                impl={backend: fn for backend in BACKENDS}, doc=(fn.__doc__ or "").strip())
    # Each user rule has a flavour of its own, so its name never shadows a table rule.
    wrapped = differentiable(rule, Flavour("generic"), plain=fn)
    functools.update_wrapper(wrapped, fn)
    setattr(wrapped, "rule", rule)   # as the table's differentiable functions have
    return wrapped


def primitive(*partials: Callable[..., Any] | None
              ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form of ``defjvp``: ``@primitive(dfdx, dfdy)`` makes the decorated
    function differentiable with those partials (one per positional argument, each a
    function of the primal arguments; ``None`` for one that carries no derivative).

    >>> import dualad as ad
    >>> @ad.primitive(lambda x, n: n * x ** (n - 1), None)
    ... def power(x, n):
    ...     return x ** n
    >>> ad.derivative(lambda x: power(x, 3), 2.0)
    12.0
    """
    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        return defjvp(fn, *partials)
    return decorate


def _parameter_names(fn: Callable[..., Any], count: int) -> tuple[str, ...]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return tuple(f"x{i}" for i in range(count))
    positional = [p for p in sig.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind is p.VAR_POSITIONAL for p in sig.parameters.values()):
        return tuple(f"x{i}" for i in range(count))
    required = [p for p in positional if p.default is p.empty]
    if not len(required) <= count <= len(positional):
        raise TypeError(f"defjvp: {getattr(fn, '__name__', 'fn')} takes {len(positional)} "
                        f"positional argument(s) but {count} partial(s) were given")
    return tuple(p.name for p in positional[:count])
