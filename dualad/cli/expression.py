"""Safe parsing of the command line's expressions (``dualad trace``, ``dualad check``).

The expression is parsed with ``ast`` and checked against a whitelist: numbers, the
named variables, arithmetic (+ - * / // % **, unary -), and calls of the table's
functions (``sin``, ``exp``, ``log``, ``sqrt``, ``atan2``, ``sigmoid``, ... and ``ln``)
and the constants ``pi``, ``e``, ``tau``. It is then evaluated by walking the tree: no
``eval`` of the text, no attribute access, no imports, no keywords.

Every step is bounded, so that the command line answers in a second or two whatever it
is given: the text is at most ``MAX_LENGTH`` characters and ``MAX_DEPTH`` operations
deep, and no number the expression makes (an integer, or an mpmath value of ``dualad
check``) exceeds ``2**MAX_BITS`` in magnitude. A power or an integer function whose
result would be larger (``9**9**9**9``, ``factorial(10**8)``) is refused before it is
computed: computing it would take hours.
"""
from __future__ import annotations

import ast
import inspect
import math as _stdmath
import operator
from typing import Any, Callable

import mpmath

from dualad.stdlib import differentiable as _functions
from dualad import math as _math
from dualad.table.rules import table

__all__ = ["ExpressionError", "parse", "FUNCTIONS"]

#: the longest expression text accepted
MAX_LENGTH = 10_000
#: the deepest nesting of operations (CPython's own parser allows 200 nested parentheses)
MAX_DEPTH = 200
#: the most variables ``--at`` takes
MAX_VARIABLES = 100
#: numbers made by an expression stay below 2**MAX_BITS in magnitude (floats end at
#: 2**1024; integers and mpmath numbers would grow without end, and so would their cost)
MAX_BITS = 4096


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

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod,
    ast.FloorDiv: operator.floordiv}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}


def parse(text: str, variables: list[str]) -> Callable[..., Any]:
    """A function of ``variables`` (positional, in order) that evaluates ``text``."""
    clashes = [v for v in variables if v in FUNCTIONS or v in CONSTANTS]
    if clashes:
        raise ExpressionError(f"variable name {clashes[0]!r} is the name of a function or "
                              "constant; choose another")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression has {len(text)} characters; at most "
                              f"{MAX_LENGTH} are accepted")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"could not parse {text!r:.80}: {exc.msg}") from None
    except (RecursionError, MemoryError):   # the parser's own stack ran out
        raise _too_deep() from None
    _check(tree.body, set(variables), 1)

    def evaluate(*values):
        env = dict(zip(variables, values))
        return _eval(tree.body, env)
    evaluate.__name__ = "expression"
    setattr(evaluate, "__signature__", inspect.Signature(
        [inspect.Parameter(v, inspect.Parameter.POSITIONAL_OR_KEYWORD) for v in variables]))
    return evaluate


def _too_deep() -> ExpressionError:
    return ExpressionError(f"the expression is nested more than {MAX_DEPTH} operations deep "
                           f"(a sum of more than {MAX_DEPTH} terms is); split it up")


def _check(node, variables, depth):
    if depth > MAX_DEPTH:
        raise _too_deep()
    depth += 1
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float, complex)):
            raise ExpressionError(f"only numbers are allowed as constants, not {node.value!r}")
        _bounded(node.value, node)
    elif isinstance(node, ast.Name):
        if node.id not in variables and node.id not in CONSTANTS:
            hint = " (it is a function: call it)" if node.id in FUNCTIONS else ""
            raise ExpressionError(f"unknown name {node.id!r}{hint}; variables: "
                                  f"{', '.join(sorted(variables)) or 'none'}")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        _check(node.left, variables, depth)
        _check(node.right, variables, depth)
    elif isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        _check(node.operand, variables, depth)
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
            _check(arg, variables, depth)
    else:
        raise ExpressionError(f"{type(node).__name__} is not allowed in an expression "
                              "(numbers, variables, arithmetic and function calls are)")


def _eval(node, env):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return env[node.id] if node.id in env else CONSTANTS[node.id]
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, env), _eval(node.right, env)
        if type(node.op) is ast.Pow:
            _refuse_if_larger(_log2_power(_primal(a), _primal(b)), node)
        return _bounded(_BINARY[type(node.op)](a, b), node)
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_eval(node.operand, env))
    args = [_eval(a, env) for a in node.args]
    growth = _GROWTH.get(node.func.id)
    if growth is not None:
        _refuse_if_larger(growth(*[_primal(a) for a in args]), node)
    return _bounded(FUNCTIONS[node.func.id](*args), node)


# --- bounds on the numbers an expression makes -------------------------------------

def _primal(v):
    """The number inside a dual (or a recording number of ``dualad trace``)."""
    from dualad.base.carriers import Carrier
    while isinstance(v, Carrier):
        v = v.value
    return v


_MP = (mpmath.mpf, mpmath.mpc)


def _refuse_if_larger(log2_size, node):
    if log2_size > MAX_BITS:
        size = mpmath.nstr(mpmath.mpf(log2_size), 4)
        raise ExpressionError(f"{_text(node)}: the result would reach about 2**{size} in "
                              f"magnitude; numbers in an expression are limited to "
                              f"2**{MAX_BITS}")


def _bounded(value, node):
    """``value``, unless it is an integer or an mpmath number beyond 2**MAX_BITS."""
    v = _primal(value)
    if type(v) is int:
        size = v.bit_length()
    elif isinstance(v, _MP) and mpmath.isfinite(v):
        size = mpmath.mag(v)
    else:
        return value
    _refuse_if_larger(size, node)
    return value


def _text(node) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _log2_power(a, b):
    """About log2 |a ** b|, where that is costly to compute: integer powers (the exact
    result has that many bits) and mpmath powers (their precision grows with it); 0 for
    floats, whose powers overflow at once."""
    if type(a) is int and type(b) is int:
        if b <= 0 or abs(a) <= 1:
            return 0.0
        with mpmath.workprec(53):
            return mpmath.mpf(b) * mpmath.log(abs(a), 2)
    if not (isinstance(a, _MP) or isinstance(b, _MP)):
        return 0.0
    with mpmath.workprec(53):
        a, b = mpmath.mpmathify(a), mpmath.mpmathify(b)
        if not (mpmath.isfinite(a) and mpmath.isfinite(b)) or a == 0:
            return 0.0
        return abs(b) * abs(mpmath.log(abs(a), 2))


def _log2_factorial(n) -> float:
    if not (_is_int(n) and n >= 0):
        return 0.0   # the function itself refuses
    return _stdmath.lgamma(n + 1) / _stdmath.log(2) if n < 2 ** 53 else _stdmath.inf


def _log2_choose(n, k, comb: bool) -> float:
    """About log2 of comb(n, k), or of perm(n, k) = n! / (n - k)! (perm(n) = n!)."""
    if k is None and not comb:
        return _log2_factorial(n)
    if not (_is_int(n) and _is_int(k)) or not 0 <= k <= n:
        return 0.0   # the function itself refuses, or answers 0
    if comb:
        k = min(k, n - k)
    if n < 2 ** 53:
        return (_log2_factorial(n) - (_log2_factorial(k) if comb else 0.0)
                - _log2_factorial(n - k))
    return k * _stdmath.log2(n)   # C(n, k) and n! / (n - k)! are at most n**k


def _is_int(v) -> bool:
    return type(v) is int


#: integer functions whose result outgrows their arguments: about log2 of the result (at
#: most), known before it is computed (gcd and isqrt stay within their arguments)
_GROWTH_BY_RULE = {
    table["factorial"]: lambda n=0, *_: _log2_factorial(n),
    table["comb"]: lambda n=0, k=0, *_: _log2_choose(n, k, comb=True),
    table["perm"]: lambda n=0, k=None, *_: _log2_choose(n, k, comb=False),
    table["lcm"]: lambda *ns: float(sum(n.bit_length() for n in ns if _is_int(n))),
}
#: the same by the name an expression calls them (math's)
_GROWTH: dict[str, Callable[..., float]] = {rule.math: fn for rule, fn in _GROWTH_BY_RULE.items()
                                           if rule.math}


def parse_point(text: str) -> dict[str, float | complex]:
    """``"x1=1.5,x2=0.5"`` -> {"x1": 1.5, "x2": 0.5} (a value such as ``1+2j`` is complex)."""
    point: dict[str, float | complex] = {}
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) > MAX_VARIABLES:
        raise ExpressionError(f"--at gives {len(parts)} variables; at most {MAX_VARIABLES} "
                              "are accepted")
    for part in parts:
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"--at expects name=value pairs separated by commas, got "
                                  f"{part!r:.60}")
        if name in point:
            raise ExpressionError(f"--at gives {name!r} twice")
        try:
            point[name] = float(value)
        except ValueError:
            try:
                point[name] = complex(value.replace(" ", ""))
            except ValueError:
                raise ExpressionError(f"--at: {value.strip()!r:.60} is not a number") from None
    if not point:
        raise ExpressionError("--at needs at least one name=value")
    return point
