"""Wengert evaluation traces, as Griewank & Walther print them.

``trace(f, *args, wrt=0)`` runs ``f`` on recording numbers. Every elemental operation
becomes one row ``v_i = phi_i(v_j, ...)`` with its value, its local partials
``c_ij = d phi_i / d v_j`` (from the rule table) and its tangent
``v̇_i = sum_j c_ij v̇_j``; the inputs are ``v_{1-n} .. v_0``. The same operation on the
same operands is recorded once (a value reused is one row), so writing
``(x1/x2 - exp(x2))`` twice still gives G&W's single ``v4``.

The reverse sweep comes from the same rows: ``v̄_l = 1``, then for i = l..1 the
incremental adjoint recursion ``v̄_j += v̄_i c_ij``.

NumPy programs are traced one row per *element* operation: array arguments become
arrays of recording numbers, so ``np.sum(w * x)`` shows each product and each addition.

>>> import dualad as ad
>>> t = ad.trace(lambda x1, x2: ad.math.log(x1) + x1 * x2 - ad.math.sin(x2), 2.0, 5.0)
>>> t.output.tangent
5.5
>>> [round(a, 3) for a in t.gradient]
[5.5, 1.716]
"""
from __future__ import annotations

import inspect
import numbers
from typing import Any, Callable, Sequence

import numpy as np

from dualad.core import rule_path
from dualad.base.carriers import Carrier, register as _register_carrier
from dualad.core.number import DroppedDerivative
from dualad.core.operators import install_operators
from dualad.table.rules import Rule, table
from dualad.base.tags import check_met

from dualad.teach.tables import Row, Trace

__all__ = ["trace", "Trace", "Row"]


class Traced(Carrier):
    """A recording number: its row in the trace."""

    __slots__ = ("row", "tracer")

    def __init__(self, row: Row, tracer: _Tracer) -> None:
        self.row, self.tracer = row, tracer

    @property
    def value(self) -> Any:
        return self.row.value

    @property
    def tag(self) -> int:
        return self.tracer.tag

    def __repr__(self) -> str:
        return f"Traced({self.row.name} = {self.row.value!r})"

    def __pos__(self) -> Traced:
        return self

    __hash__ = None  # type: ignore[assignment]  # unhashable, as a dual array

    def __bool__(self) -> bool:
        return bool(self.row.value)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # A ufunc of the table records its rule (np.sign's object loop would compare with
        # 0, which a complex value cannot); any other (np.greater, ...) runs NumPy's object
        # loop, as on an object array of traced values.
        rule = _UFUNC_RULES.get(ufunc) if method == "__call__" and not kwargs else None
        if method == "__call__" and ufunc in table.primal_only_ufuncs:   # np.isnan, np.less, ...
            return ufunc(*[x.value if isinstance(x, Traced) else x for x in inputs], **kwargs)
        if rule is None or any(isinstance(x, np.ndarray) for x in inputs):
            return getattr(ufunc, method)(*[_boxed(x) for x in inputs], **kwargs)
        return _traced_rule(rule, inputs, None)

    def __float__(self) -> float:
        # a DroppedDerivative as a dual's: compiled code that swallows it is recognised
        raise DroppedDerivative("float() of a traced value would leave the trace (and drop "
                                "its derivative); use .value. Compiled code that needs plain "
                                "floats (scipy.optimize.brentq, for example) cannot be traced")

    __int__ = __complex__ = __float__


def _record(rule: Rule, *args: Any) -> Any:
    return args[0].tracer.record(rule, args) if isinstance(args[0], Traced) else \
        args[1].tracer.record(rule, args)


def _compare(op: Callable[[Any, Any], Any], a: Traced, b: Any) -> Any:
    return op(a.row.value, b.row.value if isinstance(b, Traced) else b)


install_operators(Traced, binary=_record, unary=_record, compare=_compare)


def _ufunc_method(rule: Rule) -> Callable[[Traced], Any]:
    def method(self: Traced) -> Any:
        return self.tracer.record(rule, (self,))
    method.__name__ = rule.name
    return method


def _boxed(x: Any) -> Any:
    """A traced value as a 0-d object array (for NumPy's object loops)."""
    if not isinstance(x, Traced):
        return x
    box = np.empty((), dtype=object)
    box[()] = x
    return box


#: NumPy ufunc -> the rule it implements
_UFUNC_RULES = table.ufuncs   # by the ufunc object (scipy.special's too)


# NumPy calls x.sin(), x.exp(), ... on arrays of objects: one method per unary ufunc rule.
for _rule in table:
    if _rule.arity == 1 and _rule.kind in ("smooth", "constant"):
        for _name in _rule.numpy_names:
            setattr(Traced, _name, _ufunc_method(_rule))


class _Tracer:
    def __init__(self, tag: int, rounding: int | None = None) -> None:
        self.tag = tag
        self.rounding = rounding
        self.rows: list[Row] = []
        self.steps = 0
        self.seen: dict[Any, Row] = {}

    def record(self, rule: Rule, args: Sequence[Any],
               flavour: rule_path.Flavour | None = None) -> Any:
        for a in args:
            if isinstance(a, Carrier) and not isinstance(a, Traced):
                check_met(self.tag, a.tag)   # a dual of a finished differentiation?
        values = [a.row.value if isinstance(a, Traced) else a for a in args]
        key = (rule.name, tuple(("row", a.row.index) if isinstance(a, Traced) else ("c", a)
                                for a in args))
        if key in self.seen:
            return Traced(self.seen[key], self)
        if rule.kind in ("predicate", "integer"):
            return rule(*values)
        if flavour is not None and rule.name in flavour.functions:
            ans = flavour.functions[rule.name](*values)
        else:
            ans = rule(*values)
        partials = [self._partial(rule, i, values, ans) if isinstance(a, Traced) else 0.0
                    for i, a in enumerate(args)]
        tangents = [a.row.tangent if isinstance(a, Traced) else None for a in args]
        complex_linear = True
        if rule.jvp is not None or rule_path.nonholomorphic(rule, rule_path.kind_of(values),
                                                            tangents):
            # not holomorphic (|z|, phase, ...): no partial times a complex tangent serves
            jvp: Any = rule.jvp or rule.complex_jvp   # one of them, as the test says
            tangent = jvp(values, ans, tangents)
            complex_linear = not any(rule_path.has_complex(v) for v in values + tangents
                                     if v is not None)
        else:
            tangent = 0.0
            for a, p in zip(args, partials):
                if isinstance(a, Traced):
                    tangent = tangent + rule_path.lanes(p, a.row.tangent)
        if self.rounding is not None:   # a table computed by hand: round every value
            ans, tangent = round(ans, self.rounding), round(tangent, self.rounding)
        self.steps += 1
        row = Row(index=self.steps, name=f"v{self.steps}", operation=rule.name,
                  operands=[a.row if isinstance(a, Traced) else a for a in args],
                  value=ans, tangent=tangent, partials=partials, rule=rule,
                  complex_linear=complex_linear)
        self.rows.append(row)
        self.seen[key] = row
        return Traced(row, self)

    @staticmethod
    def _partial(rule: Rule, i: int, values: list[Any], ans: Any) -> Any:
        if rule.kind == "constant":
            return 0.0
        if rule.jvp is not None or (rule.complex_jvp is not None and isinstance(values[i], complex)):
            jvp: Any = rule.jvp or rule.complex_jvp
            unit: list[float | None] = [None] * len(values)
            unit[i] = 1.0
            return jvp(values, ans, unit)
        key = rule_path.kind_of(values)
        return rule_path.partial(rule, i, values, ans, key)


def _traced_rule(rule: Rule, args: Sequence[Any], flavour: rule_path.Flavour | None) -> Any:
    tracer = next(a.tracer for a in args if isinstance(a, Traced))
    if rule.kind == "reduction" or rule.variadic:
        if rule.pattern == "sum":   # a sum of many (fsum): one row per addition, as written
            total = args[0]
            for a in args[1:]:
                total = total + a
            return total
    return tracer.record(rule, args, flavour)


_register_carrier(Traced, apply_rule=_traced_rule)


def trace(f: Callable[..., Any], *args: Any, wrt: int | str = 0, digits: int = 4,
          rounded: bool = False) -> Trace:
    """Record the evaluation trace of ``f`` at ``args``, with tangents for input ``wrt``
    (an index or an argument name). ``digits`` sets the decimals shown; with
    ``rounded=True`` every value is rounded to them before it is used, as in a table
    computed by hand (how Griewank & Walther's y = 2.0167 comes about: the exact value
    is 2.01665).

    >>> import dualad as ad
    >>> print(ad.trace(lambda x: ad.math.sin(x) * x, 2.0))
    v0 = x       = 2.0000 | v̇0 = 1               =  1.0000
    v1 = sin(v0) = 0.9093 | v̇1 = cos(v0)·v̇0     = -0.4161
    v2 = v1 * v0 = 1.8186 | v̇2 = v0·v̇1 + v1·v̇0 =  0.0770
    y = v2       = 1.8186 | ẏ = v̇2              =  0.0770
    """
    from dualad.base.errors import check_callable, plain_errors
    from dualad.base.tags import new_tag, running
    check_callable(f, "trace")
    names = _argument_names(f, len(args))
    if isinstance(wrt, str):
        if wrt not in names:
            raise ValueError(f"trace: wrt={wrt!r} is not an argument of f (arguments: "
                             f"{', '.join(names)})")
        wrt = names.index(wrt)
    flat = _flatten_inputs(args, names)
    if not -len(flat) <= wrt < len(flat):
        raise ValueError(f"trace: wrt={wrt} but f has {len(flat)} scalar input(s)")
    wrt %= len(flat)
    tracer = _Tracer(new_tag(), digits if rounded else None)
    n = len(flat)
    inputs = []
    for j, (label, value) in enumerate(flat):
        index = j + 1 - n
        value = float(value) if isinstance(value, (int, np.integer)) else value
        inputs.append(Row(index=index, name=f"v{index}", operation="input", value=value,
                          tangent=1.0 if j == wrt else 0.0, label=label))
    traced = [Traced(row, tracer) for row in inputs]
    call_args = _rebuild(args, traced)
    with running(tracer.tag):
        out = plain_errors(f, "trace")(*call_args)
    output = out.row if isinstance(out, Traced) else out
    if not isinstance(output, (Row, numbers.Number)):
        raise TypeError(f"trace: f must return a number, got {type(out).__name__}")
    return Trace(inputs, tracer.rows, output, wrt, digits)


def _argument_names(f: Callable[..., Any], count: int) -> list[str]:
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    if len(params) >= count:
        return params[:count]
    return [f"x{i + 1}" for i in range(count)]


def _flatten_inputs(args: Sequence[Any], names: list[str]) -> list[tuple[str, Any]]:
    flat: list[tuple[str, Any]] = []
    for name, a in zip(names, args):
        if isinstance(a, (list, tuple, np.ndarray)):
            for i, v in enumerate(np.ravel(np.asarray(a, dtype=float))):
                flat.append((f"{name}[{i}]", float(v)))
        elif isinstance(a, numbers.Number) and not isinstance(a, bool):
            flat.append((name, a))
        else:
            raise TypeError(f"trace: argument {name!r} must be a number or a sequence/array of "
                            f"numbers, got {type(a).__name__}")
    return flat


def _rebuild(args: Sequence[Any], traced: list[Traced]) -> list[Any]:
    it = iter(traced)
    out: list[Any] = []
    for a in args:
        if isinstance(a, np.ndarray):
            arr = np.empty(a.shape, dtype=object)   # teaching only: one row per element
            for idx in np.ndindex(a.shape):
                arr[idx] = next(it)
            out.append(arr)
        elif isinstance(a, (list, tuple)):
            out.append(type(a)(next(it) for _ in a))
        else:
            out.append(next(it))
    return out
