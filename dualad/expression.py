"""Safe parsing of the command line's expressions (``dualad trace``, ``dualad check``).

The expression is parsed with ``ast`` and checked against a whitelist: numbers, the
named variables, arithmetic (+ - * / // % **, unary -), and calls of the table's
functions (``sin``, ``exp``, ``log``, ``sqrt``, ``atan2``, ``sigmoid``, ... and ``ln``)
and the constants ``pi``, ``e``, ``tau``. It is then evaluated by walking the tree: no
``eval`` of the text, no attribute access, no imports, no keywords.
"""
from __future__ import annotations

import ast
import inspect
import math as _stdmath
import operator
from typing import Any, Callable

from . import functions as _functions
from . import math as _math

__all__ = ["ExpressionError", "parse", "FUNCTIONS"]


class ExpressionError(ValueError):
    """A bad expression: the message is one line for the user."""


FUNCTIONS: dict[str, Callable[..., Any]] = {
    name: getattr(_math, name) for name in dir(_stdmath)
    if not name.startswith("_") and callable(getattr(_stdmath, name))
}
FUNCTIONS.update(ln=_math.log, abs=abs, sigmoid=_functions.sigmoid,
                 logistic=_functions.logistic, relu=_functions.relu,
                 softplus=_functions.softplus)
CONSTANTS = {"pi": _stdmath.pi, "e": _stdmath.e, "tau": _stdmath.tau}

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod,
           ast.FloorDiv: operator.floordiv}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def parse(text: str, variables: list[str]) -> Callable[..., Any]:
    """A function of ``variables`` (positional, in order) that evaluates ``text``."""
    clashes = [v for v in variables if v in FUNCTIONS or v in CONSTANTS]
    if clashes:
        raise ExpressionError(f"variable name {clashes[0]!r} is the name of a function or "
                              "constant; choose another")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"could not parse {text!r}: {exc.msg}") from None
    _check(tree.body, set(variables))

    def evaluate(*values):
        env = dict(zip(variables, values))
        return _eval(tree.body, env)
    evaluate.__name__ = "expression"
    evaluate.__signature__ = inspect.Signature(
        [inspect.Parameter(v, inspect.Parameter.POSITIONAL_OR_KEYWORD) for v in variables])
    return evaluate


def _check(node, variables):
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float, complex)):
            raise ExpressionError(f"only numbers are allowed as constants, not {node.value!r}")
    elif isinstance(node, ast.Name):
        if node.id not in variables and node.id not in CONSTANTS:
            hint = " (it is a function: call it)" if node.id in FUNCTIONS else ""
            raise ExpressionError(f"unknown name {node.id!r}{hint}; variables: "
                                  f"{', '.join(sorted(variables)) or 'none'}")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        _check(node.left, variables)
        _check(node.right, variables)
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        _check(node.operand, variables)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ExpressionError("only calls of named functions such as sin(x) are allowed")
        if node.func.id not in FUNCTIONS:
            raise ExpressionError(f"unknown function {node.func.id!r}")
        if node.keywords:
            raise ExpressionError("keyword arguments are not allowed")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise ExpressionError("* arguments are not allowed")
            _check(arg, variables)
    else:
        raise ExpressionError(f"{type(node).__name__} is not allowed in an expression "
                              "(numbers, variables, arithmetic and function calls are)")


def _eval(node, env):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else CONSTANTS[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, env), _eval(node.right, env))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_eval(node.operand, env))
    return FUNCTIONS[node.func.id](*[_eval(a, env) for a in node.args])


def parse_point(text: str) -> dict[str, float]:
    """``"x1=1.5,x2=0.5"`` -> {"x1": 1.5, "x2": 0.5}."""
    point = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"--at expects name=value pairs separated by commas, got "
                                  f"{part!r}")
        try:
            point[name] = float(value)
        except ValueError:
            try:
                point[name] = complex(value.replace(" ", ""))
            except ValueError:
                raise ExpressionError(f"--at: {value.strip()!r} is not a number") from None
    if not point:
        raise ExpressionError("--at needs at least one name=value")
    return point
