"""A Wengert trace as Griewank & Walther print it: one ``Row`` per elemental step, and the
``Trace`` of a function at a point, with its forward (tangent) and reverse (adjoint)
tables as text, Markdown or LaTeX. ``dualad.teach.trace`` records them.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from dualad.table.rules import Rule

__all__ = ["Trace", "Row"]

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

    def _tangent_formula(self, row: Row) -> str:
        if row.operation == "input":
            return "1" if row.index - 1 + len(self.inputs) == self.wrt else "0"
        terms = []
        for operand, text in zip(row.operands, row.partial_expressions()):
            if isinstance(operand, Row):
                negative, factor = _signed_factor(text)
                name = _dotted(operand.name)
                terms.append(("-" if negative else "+",
                              f"{factor}\u00b7{name}" if factor else name))
        if not terms:
            return "0"
        return ("-" if terms[0][0] == "-" else "") + terms[0][1] + "".join(
            f" {sign} {term}" for sign, term in terms[1:])

    def forward_lines(self) -> list[tuple[str, str, str, str]]:
        """(primal formula, primal value, tangent formula, tangent value) per row."""
        lines = []
        for row in self.rows:
            primal = f"{row.name} = {row.expression()}"
            tangent = f"{_dotted(row.name)} = {self._tangent_formula(row)}"
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
                negative, factor = _signed_factor(text)
                statement = (f"{_barred(operand.name)} {'-=' if negative else '+='} "
                             f"{_barred(row.name)}" + (f"\u00b7{factor}" if factor else ""))
                lines.append((statement, self._fmt(accumulated[operand.name])))
        for row in self.inputs:
            lines.append((f"{_barred(row.label)} = {_barred(row.name)}",
                          self._fmt(row.adjoint)))
        return lines

    def __str__(self):
        return self.to_text()

    def to_text(self, reverse: bool = False, digits: int | None = None) -> str:
        """Griewank & Walther's layout: primal column | tangent column."""
        saved = self.digits
        self.digits = saved if digits is None else digits
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
        out += [r"\bottomrule", r"\end{tabular}"]
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
            out += ['  "y" [shape=plaintext];', f'  "{self.output.name}" -> "y";']
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


def _signed_factor(text: str) -> tuple[bool, str]:
    """A partial as a factor: (whether it is negated, its magnitude: "" for 1, in
    parentheses unless atomic)."""
    negative = text.startswith("-") and _balanced(text[1:])
    magnitude = text[1:] if negative else text
    return negative, "" if magnitude == "1" else (
        magnitude if _atomic(magnitude) else f"({magnitude})")


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
