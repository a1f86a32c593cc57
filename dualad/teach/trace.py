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

import ast
import inspect
import numbers
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from dualad.core import elemental
from dualad.core.carriers import Carrier, register as _register_carrier
from dualad.core.number import DroppedDerivative
from dualad.core.operators import install_operators
from dualad.table.rules import Rule, table
from dualad.core.tags import check_met

__all__ = ["trace", "Trace", "Row"]

DOT = "\u0307"   # combining dot above: v̇
BAR = "\u0304"   # combining macron: v̄


@dataclass
class Row:
    """One step of the trace: ``v_index = operation(operands)``."""
    index: int                       # 1-n..0 for inputs, 1..l for elemental steps
    name: str                        # "v-1", "v0", "v1", ...
    operation: str                   # rule name, or "input"
    operands: list = field(default_factory=list)   # Row (a step) or a number (a constant)
    value: Any = None
    tangent: Any = None
    partials: list = field(default_factory=list)   # c_ij, one per operand (0 for constants)
    adjoint: Any = 0.0
    rule: Rule | None = None
    #: whether tangent = sum_j c_ij v̇_j holds, so the reverse sweep may use the c_ij; not
    #: so for |z|, sign z, arg z, conj z at complex values (only R-linear, not C-linear)
    complex_linear: bool = True
    label: str = ""                  # for inputs: the argument's name

    def __repr__(self):
        return f"<row {self.name} = {self.expression()} = {self.value!r}>"

    def expression(self) -> str:
        if self.operation == "input":
            return self.label
        names = [_operand_name(o) for o in self.operands]
        rule = self.rule
        symbol = rule.symbol if rule is not None and rule.symbol and \
            not rule.symbol.endswith("()") else None   # an operator, not a builtin (abs())
        if symbol and len(names) == 2:
            return f"{names[0]} {symbol} {names[1]}"
        if symbol and len(names) == 1:
            return f"{symbol}{names[0]}"
        return f"{self.operation}({', '.join(names)})"

    def partial_expressions(self) -> list[str]:
        """The local partials as formulas in the operand names (from the rule table)."""
        rule = self.rule
        out = []
        for i, operand in enumerate(self.operands):
            text = None
            if rule is not None and rule.partials is not None:
                expr = rule.partials[0 if rule.variadic else i]
                if isinstance(expr, str):
                    text = _substitute(expr, rule, self.operands, i, self.name)
            if text is None:
                text = f"\u2202{self.operation}/\u2202{_operand_name(operand)}"
            out.append(text)
        return out


def _operand_name(operand) -> str:
    if isinstance(operand, Row):
        return operand.name
    text = _number(operand)
    return f"({text})" if text.startswith("-") else text


def _number(x) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _substitute(expr: str, rule: Rule, operands, i: int, own: str) -> str:
    if rule.variadic:
        params, args = ["x"], [operands[i]]
    else:
        params, args = list(rule.params), list(operands)
    constants = {p: o for p, o in zip(params, args) if not isinstance(o, Row)}
    expr = _simplify(expr, constants)
    mapping = {p: _operand_name(o) for p, o in zip(params, args)}
    mapping["ans"] = own
    return re.sub(r"\b[A-Za-z_]\w*\b", lambda m: mapping.get(m.group(0), m.group(0)), expr)


class _Fold(ast.NodeTransformer):
    """Constant folding for display: where(2 == 0, 0, 2*x**(2 - 1)) reads 2*x."""

    def __init__(self, constants):
        self.constants = constants

    def visit_Name(self, node):
        if node.id in self.constants and isinstance(self.constants[node.id], (int, float)):
            value = self.constants[node.id]
            value = int(value) if float(value).is_integer() else value
            return ast.copy_location(ast.Constant(value), node)
        return node

    def generic_visit(self, node):
        node = super().generic_visit(node)
        try:
            if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Compare)) and all(
                    isinstance(c, ast.Constant) for c in ast.iter_child_nodes(node)
                    if isinstance(c, ast.expr)):
                value = eval(compile(ast.Expression(node), "<fold>", "eval"), {})  # noqa: S307
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                return ast.copy_location(ast.Constant(value), node)
        except Exception:  # noqa: BLE001 - leave what cannot be folded
            return node
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "where" and \
                isinstance(node.args[0], ast.Constant):
            return node.args[1] if node.args[0].value else node.args[2]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and \
                isinstance(node.right, ast.Constant) and node.right.value == 1:
            return node.left
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            for a, b in ((node.left, node.right), (node.right, node.left)):
                if isinstance(a, ast.Constant) and a.value == 1:
                    return b
        return node


def _simplify(expr: str, constants: dict) -> str:
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        return expr
    return ast.unparse(_Fold(constants).visit(tree))


class Traced(Carrier):
    """A recording number: its row in the trace."""

    __slots__ = ("row", "tracer")

    def __init__(self, row: Row, tracer: "_Tracer"):
        self.row, self.tracer = row, tracer

    @property
    def value(self):
        return self.row.value

    tag = property(lambda self: self.tracer.tag)

    def __repr__(self):
        return f"Traced({self.row.name} = {self.row.value!r})"

    def __pos__(self):
        return self

    __hash__ = None

    def __bool__(self):
        return bool(self.row.value)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # A ufunc of the table records its rule (np.sign's object loop would compare with
        # 0, which a complex value cannot); any other (np.greater, ...) runs NumPy's object
        # loop, as on an object array of traced values.
        rule = _UFUNC_RULES.get(ufunc) if method == "__call__" and not kwargs else None
        if method == "__call__" and ufunc.__name__ in table.primal_only:   # np.isnan, np.less, ...
            return ufunc(*[x.value if isinstance(x, Traced) else x for x in inputs], **kwargs)
        if rule is None or any(isinstance(x, np.ndarray) for x in inputs):
            return getattr(ufunc, method)(*[_boxed(x) for x in inputs], **kwargs)
        return _traced_rule(rule, inputs, None)

    def __float__(self):
        # a DroppedDerivative as a dual's: compiled code that swallows it is recognised
        raise DroppedDerivative("float() of a traced value would leave the trace (and drop "
                                "its derivative); use .value. Compiled code that needs plain "
                                "floats (scipy.optimize.brentq, for example) cannot be traced")

    __int__ = __complex__ = __float__


def _record(rule, *args):
    return args[0].tracer.record(rule, args) if isinstance(args[0], Traced) else \
        args[1].tracer.record(rule, args)


def _compare(op, a, b):
    return op(a.row.value, b.row.value if isinstance(b, Traced) else b)


install_operators(Traced, binary=_record, unary=_record, compare=_compare)


def _ufunc_method(rule):
    def method(self):
        return self.tracer.record(rule, (self,))
    method.__name__ = rule.name
    return method


def _boxed(x):
    """A traced value as a 0-d object array (for NumPy's object loops)."""
    if not isinstance(x, Traced):
        return x
    box = np.empty((), dtype=object)
    box[()] = x
    return box


#: NumPy ufunc -> the rule it implements
_UFUNC_RULES = {getattr(np, name): rule for rule in table for name in rule.numpy_names
                if isinstance(getattr(np, name, None), np.ufunc)}


# NumPy calls x.sin(), x.exp(), ... on arrays of objects: one method per unary ufunc rule.
for _rule in table:
    if _rule.arity == 1 and _rule.kind in ("smooth", "constant"):
        for _name in _rule.numpy_names:
            setattr(Traced, _name, _ufunc_method(_rule))


class _Tracer:
    def __init__(self, tag, rounding=None):
        self.tag = tag
        self.rounding = rounding
        self.rows: list[Row] = []
        self.steps = 0
        self.seen: dict = {}

    def record(self, rule: Rule, args, flavour=None):
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
        if rule.jvp is not None or elemental.nonholomorphic(rule, elemental.kind_of(values),
                                                            tangents):
            # not holomorphic (|z|, phase, ...): no partial times a complex tangent serves
            tangent = (rule.jvp or rule.complex_jvp)(values, ans, tangents)
            complex_linear = not any(elemental.has_complex(v) for v in values + tangents
                                     if v is not None)
        else:
            tangent = 0.0
            for a, p in zip(args, partials):
                if isinstance(a, Traced):
                    tangent = tangent + elemental.lanes(p, a.row.tangent)
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
    def _partial(rule, i, values, ans):
        if rule.kind == "constant":
            return 0.0
        if rule.jvp is not None or (rule.complex_jvp is not None and isinstance(values[i], complex)):
            jvp = rule.jvp or rule.complex_jvp
            unit = [None] * len(values)
            unit[i] = 1.0
            return jvp(values, ans, unit)
        key = elemental.kind_of(values)
        return elemental.partial(rule, i, values, ans, key)


def _traced_rule(rule, args, flavour):
    tracer = next(a.tracer for a in args if isinstance(a, Traced))
    if rule.kind == "reduction" or rule.variadic:
        if rule.pattern == "sum":   # a sum of many (fsum): one row per addition, as written
            total = args[0]
            for a in args[1:]:
                total = total + a
            return total
    return tracer.record(rule, args, flavour)


_register_carrier(Traced, apply_rule=_traced_rule)


class Trace:
    """A recorded evaluation: ``rows`` (inputs first), renderings, the reverse sweep."""

    def __init__(self, inputs: list[Row], rows: list[Row], output, wrt: int, digits: int = 4):
        self.inputs = inputs
        self.steps = rows
        self.output = output
        self.wrt = wrt
        self.digits = digits
        self._sweep()

    @property
    def rows(self) -> list[Row]:
        """Every row, inputs v_{1-n}..v_0 first, then v_1..v_l."""
        return self.inputs + self.steps

    @property
    def gradient(self) -> list:
        """d y / d x_i for every input, from the reverse sweep."""
        self._check_sweep()
        return [row.adjoint for row in self.inputs]

    def _sweep(self):
        for row in self.rows:
            row.adjoint = 0.0
        self._no_sweep = next((row for row in self.steps if not row.complex_linear), None)
        if isinstance(self.output, Row) and self._no_sweep is None:
            self.output.adjoint = 1.0
            for row in reversed(self.steps):
                for operand, partial in zip(row.operands, row.partials):
                    if isinstance(operand, Row):
                        operand.adjoint = operand.adjoint + row.adjoint * partial

    def _check_sweep(self):
        row = self._no_sweep
        if row is not None:
            raise TypeError(
                f"trace: no reverse sweep: step {row.name} = {row.expression()} is "
                f"{row.operation} of a complex value, whose tangent map is not a complex "
                "partial times the tangent (it is only R-linear); the forward tangents are "
                "right, use them (or ad.jacfwd) for the derivative")

    # --- renderings --------------------------------------------------------------

    def _fmt(self, x, digits=None) -> str:
        digits = self.digits if digits is None else digits
        if isinstance(x, complex):
            return f"{x.real:.{digits}f}{x.imag:+.{digits}f}j"
        try:
            return f"{float(x):.{digits}f}"
        except (TypeError, ValueError):
            return str(x)

    def _tangent_formula(self, row: Row, dot: str) -> str:
        if row.operation == "input":
            return "1" if row.index - 1 + len(self.inputs) == self.wrt else "0"
        terms = []
        for operand, text in zip(row.operands, row.partial_expressions()):
            if not isinstance(operand, Row):
                continue
            name = f"{operand.name}{dot}" if dot == "" else _dotted(operand.name)
            negative = text.startswith("-") and _balanced(text[1:])
            if negative:
                text = text[1:]
            if text == "1":
                term = name
            else:
                wrapped = text if _atomic(text) else f"({text})"
                term = f"{wrapped}\u00b7{name}"
            terms.append(("-" if negative else "+", term))
        if not terms:
            return "0"
        formula = ("-" if terms[0][0] == "-" else "") + terms[0][1]
        for sign, term in terms[1:]:
            formula += f" {sign} {term}"
        return formula

    def forward_lines(self) -> list[tuple[str, str, str, str]]:
        """(primal formula, primal value, tangent formula, tangent value) per row."""
        lines = []
        for row in self.rows:
            primal = f"{row.name} = {row.expression()}"
            tangent = f"{_dotted(row.name)} = {self._tangent_formula(row, DOT)}"
            lines.append((primal, self._fmt(row.value), tangent, self._fmt(row.tangent)))
        if isinstance(self.output, Row):
            lines.append((f"y = {self.output.name}", self._fmt(self.output.value),
                          f"y{DOT} = {_dotted(self.output.name)}", self._fmt(self.output.tangent)))
        return lines

    def reverse_lines(self) -> list[tuple[str, str]]:
        """The adjoint sweep: (statement, value) in execution order."""
        if not isinstance(self.output, Row):
            return []
        self._check_sweep()
        out = self.output
        lines = [(f"{_barred(out.name)} = y{BAR}", self._fmt(1.0))]
        accumulated: dict[str, Any] = {out.name: 1.0}
        for row in reversed(self.steps):
            if row.name not in accumulated:
                continue
            for operand, partial, text in zip(row.operands, row.partials,
                                              row.partial_expressions()):
                if not isinstance(operand, Row):
                    continue
                increment = accumulated[row.name] * partial
                accumulated[operand.name] = accumulated.get(operand.name, 0.0) + increment
                negative = text.startswith("-") and _balanced(text[1:])
                magnitude = text[1:] if negative else text
                factor = "" if magnitude == "1" else (
                    f"\u00b7{magnitude}" if _atomic(magnitude) else f"\u00b7({magnitude})")
                statement = (f"{_barred(operand.name)} {'-=' if negative else '+='} "
                             f"{_barred(row.name)}{factor}")
                lines.append((statement, self._fmt(accumulated[operand.name])))
        for row in self.inputs:
            lines.append((f"{_barred(row.label)} = {_barred(row.name)}",
                          self._fmt(row.adjoint)))
        return lines

    def __str__(self):
        return self.to_text()

    def to_text(self, reverse: bool = False, digits: int | None = None) -> str:
        """Griewank & Walther's layout: primal column | tangent column."""
        if digits is not None:
            saved, self.digits = self.digits, digits
        try:
            lines = self.forward_lines()
            w = [max(len(line[i]) for line in lines) for i in range(4)]
            text = "\n".join(f"{p.ljust(w[0])} = {v.rjust(w[1])} | {t.ljust(w[2])} = "
                             f"{tv.rjust(w[3])}".rstrip() for p, v, t, tv in lines)
            if reverse:
                rows = self.reverse_lines()
                ws = max(len(s) for s, _ in rows)
                wv = max(len(v) for _, v in rows)
                text += "\n\nreverse sweep (incremental adjoint recursion)\n" + "\n".join(
                    f"{s.ljust(ws)} = {v.rjust(wv)}" for s, v in rows)
            return text
        finally:
            if digits is not None:
                self.digits = saved

    def to_markdown(self, reverse: bool = False) -> str:
        lines = ["| step | primal | value | tangent | value |", "|---|---|---|---|---|"]
        for (p, v, t, tv), row in zip(self.forward_lines(), self.rows + [None]):
            step = row.name if row is not None else "y"
            lines.append(f"| {step} | `{p}` | {v} | `{t}` | {tv} |")
        if reverse:
            lines += ["", "| adjoint step | value |", "|---|---|"]
            lines += [f"| `{s}` | {v} |" for s, v in self.reverse_lines()]
        return "\n".join(lines)

    def to_latex(self, reverse: bool = False) -> str:
        """A booktabs table (\\usepackage{booktabs})."""
        out = [r"\begin{tabular}{llrlr}", r"\toprule",
               r"step & primal & value & tangent & value \\", r"\midrule"]
        for (p, v, t, tv), row in zip(self.forward_lines(), self.rows + [None]):
            step = _latex_name(row.name if row is not None else "y")
            out.append(f"${step}$ & ${_latex(p)}$ & {v} & ${_latex(t)}$ & {tv} \\\\")
        out.append(r"\bottomrule")
        out.append(r"\end{tabular}")
        if reverse:
            out += ["", r"\begin{tabular}{lr}", r"\toprule", r"adjoint step & value \\",
                    r"\midrule"]
            out += [f"${_latex(s)}$ & {v} \\\\" for s, v in self.reverse_lines()]
            out += [r"\bottomrule", r"\end{tabular}"]
        return "\n".join(out)

    def to_dot(self) -> str:
        """Graphviz source of the computational graph; edges carry the local partials."""
        out = ["digraph trace {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
        for row in self.rows:
            label = f"{row.name} = {row.expression()}\\n{self._fmt(row.value)}"
            shape = ", shape=ellipse" if row.operation == "input" else ""
            out.append(f'  "{row.name}" [label="{label}"{shape}];')
        for row in self.steps:
            for operand, partial, text in zip(row.operands, row.partials,
                                              row.partial_expressions()):
                if isinstance(operand, Row):
                    out.append(f'  "{operand.name}" -> "{row.name}" '
                               f'[label="{text} = {self._fmt(partial)}"];')
        if isinstance(self.output, Row):
            out.append('  "y" [shape=plaintext];')
            out.append(f'  "{self.output.name}" -> "y";')
        out.append("}")
        return "\n".join(out)


def _atomic(text: str) -> bool:
    return re.fullmatch(r"(v-\d+|[\w.]+)(\([^()]*\))?", text) is not None


def _balanced(text: str) -> bool:
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and ch in "+-" and i > 0:
            return False
    return True


def _dotted(name: str) -> str:
    return name[0] + DOT + name[1:]


def _barred(name: str) -> str:
    return name[0] + BAR + name[1:]


def _latex_name(name: str) -> str:
    if name[0] == "v":
        return f"v_{{{name[1:]}}}"
    return name


def _latex(text: str) -> str:
    text = re.sub(r"v([\u0307\u0304]?)(-?\d+)", lambda m: (
        {"": "v", DOT: r"\dot v", BAR: r"\bar v"}[m.group(1)] + f"_{{{m.group(2)}}}"), text)
    text = text.replace("y" + DOT, r"\dot y").replace("y" + BAR, r"\bar y")
    text = re.sub(r"\*\*\s*(\w+|\([^()]*\))", r"^{\1}", text)
    text = text.replace("\u00b7", r" \cdot ").replace("*", r" \cdot ")
    text = text.replace("+=", r"\mathrel{+}=").replace("-=", r"\mathrel{-}=")
    return re.sub(r"\b(sin|cos|tan|exp|log|sqrt|sinh|cosh|tanh)\b", r"\\\1", text)


def trace(f: Callable[..., Any], *args, wrt: int | str = 0, digits: int = 4,
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
    from dualad.core.errors import check_callable, plain_errors
    from dualad.core.tags import new_tag, running
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


def _argument_names(f, count) -> list[str]:
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    if len(params) >= count:
        return params[:count]
    return [f"x{i + 1}" for i in range(count)]


def _flatten_inputs(args, names):
    flat = []
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


def _rebuild(args, traced):
    it = iter(traced)
    out = []
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


