"""Python's operators on the scalar ``Dual``, from the rule table.

Each rule of the table with an operator ``symbol`` (``+ - * / ** % //``, unary ``-`` and
``+``) gives ``Dual`` that operator and its reflected form: the rule applied by
``dualad.core.rule_path.apply`` on the general path. The hottest ones (``+ - * / **`` and
``abs``) first try an inline fast path for the common case, same tag and plain numbers;
everything else (mixed tags, NaN-guarded lanes, exotic operands) goes to the rule.
``install`` puts them on the class; ``install_operators`` puts the operator table on
the other carriers (arrays, jets, pattern values, traced values), each with its own
application of a rule.

The fast paths are the hottest code in the package: measure before and after a change.
"""
from __future__ import annotations

import numbers
import operator as _op

import mpmath
import numpy as np

from dualad.base.carriers import SCALARS
from dualad.core.rule_path import GENERIC, OPERATOR, apply, finite
from dualad.core.number import Dual, _make, _zeros_like
from dualad.table.rules import table

#: Python's dunder names of the operator symbols: (symbol, arity) -> name
_DUNDER = {("+", 2): "add", ("-", 2): "sub", ("*", 2): "mul", ("/", 2): "truediv",
           ("**", 2): "pow", ("%", 2): "mod", ("//", 2): "floordiv", ("-", 1): "neg",
           ("+", 1): "pos"}
_OPERATORS = {_DUNDER[key]: r for r in table
              if (key := (str(r.symbol), r.arity or 0)) in _DUNDER}
_ADD, _SUB, _MUL, _TRUEDIV, _POW = (_OPERATORS[n] for n in ("add", "sub", "mul", "truediv", "pow"))
_ABS, _ROUND = table["abs"], table["round"]
_finite, _apply, _OPERATOR, _GENERIC = finite, apply, OPERATOR, GENERIC


def _is_operand(x):
    """Numbers that combine with duals; anything else (a DualArray or an ndarray, which
    then handle the operation through NumPy's protocol) gets NotImplemented."""
    return isinstance(x, (Dual, numbers.Number, mpmath.mpf, mpmath.mpc)) or type(x) in SCALARS


def _binary(rule, a, b):
    if not (_is_operand(a) and _is_operand(b)):
        return NotImplemented
    if type(a) in SCALARS or type(b) in SCALARS:
        # a jet of a later tag than the dual is the outer level and handles the operation
        jet_tag = max(x.tag for x in (a, b) if type(x) in SCALARS)
        dual_tag = max(x.tag for x in (a, b) if isinstance(x, Dual))
        if jet_tag > dual_tag:
            return NotImplemented
    return _apply(rule, (a, b), _OPERATOR)


# --- the fast paths ---------------------------------------------------------------------


def __add__(self, other):
    if type(other) is Dual:
        if other.tag is self.tag:
            return _make(self.value + other.value, self.tangent + other.tangent, self.tag)
    elif type(other) is float or type(other) is int:
        return _make(self.value + other, self.tangent, self.tag)
    return _binary(_ADD, self, other)


def __radd__(self, other):
    if type(other) is float or type(other) is int:
        return _make(other + self.value, self.tangent, self.tag)
    return _binary(_ADD, other, self)


def __sub__(self, other):
    if type(other) is Dual:
        if other.tag is self.tag:
            return _make(self.value - other.value, self.tangent - other.tangent, self.tag)
    elif type(other) is float or type(other) is int:
        return _make(self.value - other, self.tangent, self.tag)
    return _binary(_SUB, self, other)


def __rsub__(self, other):
    if type(other) is float or type(other) is int:
        return _make(other - self.value, -self.tangent, self.tag)
    return _binary(_SUB, other, self)


def __mul__(self, other):
    # The `r - r == 0` test is False for inf/nan products: those go to the rule
    # path, which keeps lanes whose tangent is 0 at exactly 0 (no 0*inf = nan). On
    # nested duals it sees the value only: there the result must be finite at every
    # level, which makes the factors of its tangent so (an inf anywhere in a factor
    # or a divisor gives an inf or a nan in the result; likewise for / below).
    if type(other) is Dual:
        if other.tag is self.tag:
            a = self.value
            b = other.value
            r = a * b
            if r - r == 0.0 and (type(a) is not Dual or _finite(r)):
                return _make(r, self.tangent * b + a * other.tangent, self.tag)
    elif type(other) is float or type(other) is int:
        r = self.value * other
        if r - r == 0.0:
            return _make(r, self.tangent * other, self.tag)
    return _binary(_MUL, self, other)


def __rmul__(self, other):
    if type(other) is float or type(other) is int:
        r = other * self.value
        if r - r == 0.0:
            return _make(r, other * self.tangent, self.tag)
    return _binary(_MUL, other, self)


def __truediv__(self, other):
    try:
        if type(other) is Dual:
            if other.tag is self.tag:
                b = other.value
                r = self.value / b
                if r - r == 0.0 and (type(b) is not Dual or _finite(r)):
                    return _make(r, (self.tangent - r * other.tangent) / b, self.tag)
        elif type(other) is float or type(other) is int:
            r = self.value / other
            if r - r == 0.0:
                return _make(r, self.tangent / other, self.tag)
    except ZeroDivisionError:
        pass  # the rule path raises it again, or answers inf/nan in IEEE mode
    return _binary(_TRUEDIV, self, other)


def __rtruediv__(self, other):
    if type(other) is float or type(other) is int:
        v = self.value
        try:
            r = other / v
        except ZeroDivisionError:
            return _binary(_TRUEDIV, other, self)
        if r - r == 0.0 and (type(v) is not Dual or _finite(r)):
            return _make(r, -r * self.tangent / v, self.tag)
    return _binary(_TRUEDIV, other, self)


def __pow__(self, other, modulo=None):
    if modulo is not None:
        return NotImplemented
    if type(other) is int or type(other) is float:
        v = self.value
        if type(v) is float:
            if other == 0:  # x**0 = 1 with tangent 0 everywhere, also at 0
                return _make(v ** other, _zeros_like(self.tangent), self.tag)
            try:
                r = v ** other
                p = other * v ** (other - 1)
            except (ZeroDivisionError, OverflowError):
                return _binary(_POW, self, other)
            if type(r) is float and type(p) is float and p - p == 0.0:
                return _make(r, p * self.tangent, self.tag)
    return _binary(_POW, self, other)


def __divmod__(self, other):
    q = self.__floordiv__(other)
    return NotImplemented if q is NotImplemented else (q, self.__mod__(other))


def __rdivmod__(self, other):
    q = self.__rfloordiv__(other)
    return NotImplemented if q is NotImplemented else (q, self.__rmod__(other))


def __abs__(self):
    v = self.value
    t = self.tangent
    # a complex tangent leaves the real line, where |z| has its own rule (the table's)
    if type(v) is float and (type(t) is float or type(t) is np.ndarray and
                             t.dtype.kind == "f"):
        if v > 0.0:
            return self
        if v < 0.0:
            return _make(-v, -t, self.tag)
    return _apply(_ABS, (self,), _OPERATOR)

# --- piecewise-constant builtins (round(), math.floor, ...): derivative 0 ----------


def __round__(self, ndigits=None):
    args = (self,) if ndigits is None else (self, ndigits)
    return _apply(_ROUND, args, _GENERIC)


def _constant(rule):   # math.floor(x), math.ceil(x), math.trunc(x)
    def method(self):
        return _apply(rule, (self,), _GENERIC)
    return method


__floor__, __ceil__, __trunc__ = (_constant(table[n]) for n in ("floor", "ceil", "trunc"))


def __neg__(self):
    return _make(-self.value, -self.tangent, self.tag)


def __pos__(self):
    return self


#: the comparisons, by dunder stem: a carrier compares its primal (or its own way)
COMPARISONS = {"lt": _op.lt, "le": _op.le, "gt": _op.gt, "ge": _op.ge, "eq": _op.eq,
               "ne": _op.ne}


def install_operators(cls, binary, unary, compare=None) -> None:
    """Python's operators on the carrier ``cls``, from the table's operator rules:
    ``binary(rule, a, b)`` for each binary symbol (the reflected form swaps a and b),
    ``unary(rule, x)`` for ``-x``, ``+x`` and ``abs(x)``, ``compare(op, a, b)`` for the six
    comparisons (``op`` from the ``operator`` module). A method written in the class body
    is kept: that is the carrier's own fast path."""
    own = vars(cls)

    def put(form, method):
        if form not in own:
            method.__name__ = form
            method.__qualname__ = f"{cls.__name__}.{form}"
            setattr(cls, form, method)

    for name, rule in _OPERATORS.items():
        if rule.arity == 2:
            put(f"__{name}__", lambda self, other, modulo=None, _r=rule:
                NotImplemented if modulo is not None else binary(_r, self, other))
            put(f"__r{name}__", lambda self, other, _r=rule: binary(_r, other, self))
        else:
            put(f"__{name}__", lambda self, _r=rule: unary(_r, self))
    put("__abs__", lambda self: unary(_ABS, self))
    if compare is not None:
        for name, op in COMPARISONS.items():
            put(f"__{name}__", lambda self, other, _o=op: compare(_o, self, other))


def install(cls) -> None:
    """Put the operators of the table on ``cls``: the fast paths above where they exist,
    the rule path for the others (``install_operators``)."""
    for form in ("add radd sub rsub mul rmul truediv rtruediv pow neg pos divmod rdivmod abs "
                 "round floor ceil trunc").split():
        method = globals()[f"__{form}__"]
        method.__name__ = method.__qualname__ = f"__{form}__"
        setattr(cls, method.__name__, method)
    install_operators(cls, _binary, lambda rule, x: _apply(rule, (x,), _OPERATOR))


install(Dual)
