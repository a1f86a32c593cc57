"""Taylor mode: truncated power series (jets) through the same rule table.

A ``Jet`` holds the Taylor coefficients ``x_0, x_1, ..., x_n`` of ``x(t) = sum x_k t^k``.
Every rule of the table propagates it, in O(n^2):

* arithmetic, ``exp``, ``log``, powers, ``sqrt``, ``sin``/``cos``, ``sinh``/``cosh``,
  ``tan``, ``tanh`` have their classical coefficient recurrences (Griewank & Walther,
  ch. 13);
* every other rule derives its series from its tangent rule: if ``y = f(x)`` then
  ``y' = f'(x) x'``, so ``y_k = (1/k) sum_{j=1..k} j x_j [f'(x)]_{k-j}``, where
  ``[f'(x)]`` is the partial expression evaluated on the series itself (one evaluation,
  or one per order when the partial refers to ``ans``, the result). A new rule gets
  Taylor mode with no code.

Coefficients may be floats, complex numbers, mpmath numbers (then everything runs at the
working precision, plain constants promoted exactly) or NumPy arrays (elementwise series:
NumPy's semantics, and a recurrence that branches on the value, such as sqrt or x**r at
0, takes its branch lane by lane), and duals of lower tags.

>>> import dualad as ad
>>> ad.taylor(ad.math.exp, 0.0, 4)
[1.0, 1.0, 0.5, 0.16666666666666666, 0.041666666666666664]
"""
from __future__ import annotations

import math
import numbers
import re

import mpmath
import numpy as np

from . import elemental
from . import number as _number
from .carriers import Carrier, register as _register_carrier
from .number import Dual
from .rules import table
from .tags import check_met

__all__ = ["Jet", "apply_rule"]


def _zero_like(c):
    if isinstance(c, np.ndarray):
        return np.zeros_like(c, dtype=np.result_type(c, float))
    if isinstance(c, (mpmath.mpf, mpmath.mpc)):
        return type(c)(0)
    if isinstance(c, complex):
        return 0j
    return 0.0


class Jet(Carrier):
    """Taylor coefficients ``coeffs[k] = x^(k)(0) / k!`` of a scalar (or elementwise
    array) function of one variable, truncated after order ``len(coeffs) - 1``."""

    __slots__ = ("coeffs", "tag")

    def __init__(self, coeffs, tag=0):
        self.coeffs = list(coeffs)
        self.tag = tag

    @property
    def order(self) -> int:
        return len(self.coeffs) - 1

    @property
    def value(self):
        return self.coeffs[0]

    def __repr__(self):
        return f"Jet({self.coeffs!r})"

    # --- helpers -------------------------------------------------------------------

    def _coerce(self, other):
        """(other's coefficients, ok): constants become [c, 0, 0, ...]."""
        if isinstance(other, Carrier) and other.tag != self.tag:
            check_met(self.tag, other.tag)   # two differentiations meet: both running?
        if type(other) is Jet:
            if other.tag == self.tag:
                if other.order != self.order:
                    n = min(self.order, other.order)
                    return other.coeffs[:n + 1], True
                return other.coeffs, True
            if other.tag > self.tag:
                return None, False   # the other jet is the outer level
            return [other] + [_zero_like(_primal(other))] * self.order, True
        if isinstance(other, Carrier) and getattr(other, "tag", -1) > self.tag:
            return None, False
        if isinstance(other, (numbers.Number, np.generic, np.ndarray, mpmath.mpf, mpmath.mpc,
                              Dual)) or isinstance(other, Carrier):
            return [other] + [_zero_like(_primal(other))] * self.order, True
        return None, False

    def _new(self, coeffs):
        return Jet(coeffs, self.tag)

    # --- arithmetic ------------------------------------------------------------------

    def __add__(self, other):
        b, ok = self._coerce(other)
        if not ok:
            return NotImplemented
        return self._new([x + y for x, y in zip(self.coeffs, b)])

    def __radd__(self, other):
        b, ok = self._coerce(other)
        if not ok:
            return NotImplemented
        return self._new([y + x for x, y in zip(self.coeffs, b)])

    def __sub__(self, other):
        b, ok = self._coerce(other)
        if not ok:
            return NotImplemented
        return self._new([x - y for x, y in zip(self.coeffs, b)])

    def __rsub__(self, other):
        b, ok = self._coerce(other)
        if not ok:
            return NotImplemented
        return self._new([y - x for x, y in zip(self.coeffs, b)])

    def __mul__(self, other):
        if type(other) is not Jet and isinstance(other, (numbers.Number, np.generic)):
            return self._new([x * other for x in self.coeffs])
        b, ok = self._coerce(other)
        if not ok:
            return NotImplemented
        return self._new(_mul(self.coeffs, b))

    def __rmul__(self, other):
        if isinstance(other, (numbers.Number, np.generic)):
            return self._new([other * x for x in self.coeffs])
        b, ok = self._coerce(other)
        if not ok:
            return NotImplemented
        return self._new(_mul(b, self.coeffs))

    def __truediv__(self, other):
        if type(other) is not Jet and isinstance(other, (numbers.Number, np.generic)):
            return self._new([x / other for x in self.coeffs])
        b, ok = self._coerce(other)
        if not ok:
            return NotImplemented
        return self._new(_div(self.coeffs, b))

    def __rtruediv__(self, other):
        b, ok = self._coerce(other)
        if not ok:
            return NotImplemented
        return self._new(_div(b, self.coeffs))

    def __pow__(self, other, modulo=None):
        if modulo is not None:
            return NotImplemented
        if type(other) is not Jet and isinstance(other, (numbers.Number, np.generic)) \
                and not isinstance(other, complex):
            return self._new(_pow_const(self.coeffs, other))
        b, ok = self._coerce(other)
        if not ok:
            return NotImplemented
        return apply_rule(table["pow"], (self, other))   # a constant exponent stays one

    def __rpow__(self, other):
        b, ok = self._coerce(other)
        if not ok:
            return NotImplemented
        return apply_rule(table["pow"], (other, self))

    def __neg__(self):
        return self._new([-x for x in self.coeffs])

    def __pos__(self):
        return self

    def __abs__(self):
        return apply_rule(table["abs"], (self,))

    def __floordiv__(self, other):
        return apply_rule(table["floordiv"], (self, other))

    def __rfloordiv__(self, other):
        return apply_rule(table["floordiv"], (other, self))

    def __mod__(self, other):
        return apply_rule(table["mod"], (self, other))

    def __rmod__(self, other):
        return apply_rule(table["mod"], (other, self))

    # --- comparisons and conversions follow Dual ------------------------------------

    def __eq__(self, other):
        return self.coeffs[0] == (other.coeffs[0] if type(other) is Jet else other)

    def __ne__(self, other):
        return self.coeffs[0] != (other.coeffs[0] if type(other) is Jet else other)

    def __lt__(self, other):
        return self.coeffs[0] < (other.coeffs[0] if type(other) is Jet else other)

    def __le__(self, other):
        return self.coeffs[0] <= (other.coeffs[0] if type(other) is Jet else other)

    def __gt__(self, other):
        return self.coeffs[0] > (other.coeffs[0] if type(other) is Jet else other)

    def __ge__(self, other):
        return self.coeffs[0] >= (other.coeffs[0] if type(other) is Jet else other)

    def __bool__(self):
        return bool(self.coeffs[0])

    __hash__ = None

    def __float__(self):
        raise _number.DroppedDerivative("float() of a Jet would drop its higher coefficients; "
                                        "use j.value")

    __int__ = __complex__ = __float__

    def __round__(self, ndigits=None):
        return apply_rule(table["round"], (self,) if ndigits is None else (self, ndigits))

    def __floor__(self):
        return apply_rule(table["floor"], (self,))

    def __ceil__(self):
        return apply_rule(table["ceil"], (self,))

    def __trunc__(self):
        return apply_rule(table["trunc"], (self,))

    @property
    def real(self):
        return self._new([c.real for c in self.coeffs])

    @property
    def imag(self):
        return self._new([c.imag for c in self.coeffs])

    def conjugate(self):
        return self._new([c.conjugate() for c in self.coeffs])

    # --- NumPy: elementwise series ----------------------------------------------------

    shape = property(lambda self: np.shape(self.coeffs[0]))

    def __len__(self):
        return len(self.coeffs[0])

    def __getitem__(self, index):
        return self._new([c[index] for c in self.coeffs])

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc is np.matmul and method == "__call__" and not kwargs:
            return self.__array_function__(np.matmul, (), inputs, {})
        if method != "__call__" or kwargs:
            raise TypeError(f"dualad: numpy.{ufunc.__name__}.{method} is not supported on jets")
        if ufunc.__name__ in _ON_PRIMAL:
            return ufunc(*[_primal(x) for x in inputs])
        rule = _UFUNC_RULES.get(ufunc.__name__)
        if rule is None:
            raise TypeError(f"dualad: numpy.{ufunc.__name__} has no rule for jets")
        return apply_rule(rule, inputs)

    def __array_function__(self, func, types, args, kwargs):
        if func in _LINEAR:
            return _linear(func, args, kwargs)
        if func is np.prod:
            return _prod(*args, **kwargs)
        if func in (np.dot, np.matmul):
            a, b = args
            ca, _ = (a.coeffs, True) if type(a) is Jet else (None, False)
            cb = b.coeffs if type(b) is Jet else None
            jet = a if type(a) is Jet else b
            if ca is None:
                return jet._new([func(a, c) for c in cb])
            if cb is None:
                return jet._new([func(c, b) for c in ca])
            return jet._new([sum((func(ca[j], cb[k - j]) for j in range(k + 1)))
                             for k in range(len(ca))])
        raise TypeError(f"dualad: numpy.{func.__name__} is not supported on jets "
                        "(elementwise functions, indexing and linear maps are)")

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a Jet cannot become an ndarray: its coefficients would be lost")

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return np.reshape(self, shape)

    def ravel(self):
        return np.ravel(self)

    def sum(self, axis=None, keepdims=False):
        return np.sum(self, axis=axis, keepdims=keepdims)

    @property
    def T(self):
        return np.transpose(self)


def _primal(x):
    while isinstance(x, Carrier):
        x = x.coeffs[0] if type(x) is Jet else x.value
    return x


# --- the classical recurrences -----------------------------------------------------------

def _mul(a, b):
    n = len(a)
    return [sum_products(a, b, k, 0, k) for k in range(n)]


def sum_products(a, b, k, lo, hi):
    """sum_{j=lo..hi} a_j b_{k-j}."""
    total = a[lo] * b[k - lo]
    for j in range(lo + 1, hi + 1):
        total = total + a[j] * b[k - j]
    return total


def _div(a, b):
    c = []
    b0 = b[0]
    for k in range(len(a)):
        acc = a[k]
        for j in range(1, k + 1):
            acc = acc - b[j] * c[k - j]
        c.append(acc / b0)
    return c


def _weighted(a, p, k):
    """(1/k) sum_{j=1..k} j a_j p_{k-j}: the coefficient k of y with y' = p a'."""
    total = a[1] * p[k - 1]
    for j in range(2, k + 1):
        total = total + j * a[j] * p[k - j]
    return total / k


def _exp(a):
    c = [_fn("exp", a[0])]
    for k in range(1, len(a)):
        c.append(_weighted(a, c, k))
    return c


def _log(a):
    c = [_fn("log", a[0])]
    a0 = a[0]
    for k in range(1, len(a)):
        acc = k * a[k]
        for j in range(1, k):
            acc = acc - j * c[j] * a[k - j]
        c.append(acc / (k * a0))
    return c


def _pow_const(a, r, c0=None, odd=False):
    """(x)^r for a constant r: exact for integers (also at 0), the recurrence otherwise
    (``c0`` overrides the leading coefficient, e.g. the real cube root, and ``odd`` says
    the power is continued to x < 0 as an odd function, as cbrt is). ``r`` may be an
    array (an elementwise exponent)."""
    n = len(a)
    integer = _integer_exponent(r)
    if integer is not None:
        r = integer
        if r == 0:
            one = _zero_like(a[0]) + 1
            return [one] + [_zero_like(a[0])] * (n - 1)
        if r > 0:
            result, base, e = None, list(a), r
            while e:
                if e & 1:
                    result = base if result is None else _mul(result, base)
                e >>= 1
                if e:
                    base = _mul(base, base)
            return result
        one = [_zero_like(a[0]) + 1] + [_zero_like(a[0])] * (n - 1)
        return _div(one, _pow_const(a, -r))
    if _is_mp(a[0]):
        r = elemental.to_mpmath(r)   # r - (k - 1) at the working precision, not in double

    def regular():
        a0 = a[0]
        c = [a0 ** r if c0 is None else c0]
        for k in range(1, n):
            acc = (r - (k - 1)) * a[1] * c[k - 1]
            for j in range(2, k + 1):
                acc = acc + (r * j - (k - j)) * a[j] * c[k - j]
            c.append(acc / (k * a0))
        return c

    zero = a[0] == 0
    if isinstance(zero, np.ndarray) or isinstance(r, np.ndarray):
        if not np.any(zero):
            return regular()
        return _lanes_apart(zero, regular,
                            lambda lane, r_lane: _pow_const(lane, r_lane[0], odd=odd), a, [r])
    return _pow_at_zero(a, r, odd) if zero else regular()


def _integer_exponent(r):
    """r as an int when it is one (small enough for repeated squaring); else None."""
    if isinstance(r, numbers.Integral):
        return int(r)
    if isinstance(r, (float, mpmath.mpf)) and abs(r) < 64 and r == int(r):
        return int(r)
    return None


def _is_mp(c) -> bool:
    return isinstance(_primal(c), (mpmath.mpf, mpmath.mpc))


def _lanes_apart(special, regular, one_lane, *series):
    """An elementwise series whose lanes need different recurrences: ``regular()`` for
    every lane (NumPy's inf/nan, without warnings, where it does not apply), replaced in
    the lanes where the boolean array ``special`` holds by ``one_lane(*series of that
    lane)``, a scalar problem (such as sqrt at 0). Each of ``series`` is a list of
    coefficients; all broadcast together."""
    shape = np.broadcast_shapes(np.shape(special), *(np.shape(c) for s in series for c in s))
    with np.errstate(all="ignore"):
        out = [np.array(np.broadcast_to(c, shape)) for c in regular()]
    full = [[np.broadcast_to(c, shape) for c in s] for s in series]
    for index in zip(*np.nonzero(np.broadcast_to(special, shape))):
        lane = one_lane(*[[c[index] for c in s] for s in full])
        for k, v in enumerate(lane):
            if np.iscomplexobj(v) and not np.iscomplexobj(out[k]):
                out[k] = out[k].astype(np.result_type(out[k], v))
            out[k][index] = v
    return out


def _pow_at_zero(a, r, odd=False):
    """x^r for non-integer r where x(0) = 0: with x = t^m (a_m + a_{m+1} t + ...), x^r is
    t^(m r) times a power series. Coefficients below t^(m r) are 0; where m r is not an
    integer the higher derivatives at 0 are infinite, as for sqrt'(0) = inf."""
    n = len(a)
    zero = _zero_like(a[0])
    m = next((j for j in range(1, n) if a[j] != 0), None)
    if m is None:   # x is constant 0 up to this order
        return [zero if r > 0 else math.inf] + [zero] * (n - 1)
    if not _is_complex(a[m]) and a[m] < 0:   # x leaves 0 downwards
        if odd:   # cbrt(x) = -cbrt(-x)
            return [-c for c in _pow_at_zero([-c for c in a], r)]
        # no real x^r beside 0 (not the complex numbers Python's ** would give)
        return [zero if r > 0 else math.inf] + [math.nan] * (n - 1)
    inner = _pow_const(a[m:] + [zero] * m, r)        # (a_m + ...)^r, a_m > 0
    e = m * r
    if float(e).is_integer() and e >= 0:
        e = int(e)
        return [zero] * min(e, n) + inner[:max(n - e, 0)]
    out = []
    for k in range(n):
        if k < e:
            out.append(zero)
            continue
        falling = 1.0
        for i in range(k):
            falling *= e - i
        sign = math.copysign(1.0, falling) * (math.nan if _is_complex(inner[0]) else 1.0)
        out.append(sign * math.inf)
    return out


def _sqrt(a):
    def regular():
        c = [_fn("sqrt", a[0])]
        two_c0 = 2 * c[0]
        for k in range(1, len(a)):
            acc = a[k]
            for j in range(1, k):
                acc = acc - c[j] * c[k - j]
            c.append(acc / two_c0)
        return c

    zero = a[0] == 0
    if isinstance(zero, np.ndarray):   # elementwise: the lanes at 0 one by one
        if not zero.any():
            return regular()
        return _lanes_apart(zero, regular, lambda lane: _pow_at_zero(lane, 0.5), a)
    return _pow_at_zero(a, 0.5) if zero else regular()


def _sin_cos(a, hyperbolic=False):
    s = [_fn("sinh" if hyperbolic else "sin", a[0])]
    c = [_fn("cosh" if hyperbolic else "cos", a[0])]
    for k in range(1, len(a)):
        s.append(_weighted(a, c, k))
        ck = _weighted(a, s, k)
        c.append(ck if hyperbolic else -ck)
    return s, c


def _tan(a, hyperbolic=False):
    """t' = (1 + t^2) a' (tan) or (1 - t^2) a' (tanh), built order by order."""
    t = [_fn("tanh" if hyperbolic else "tan", a[0])]
    sign = -1 if hyperbolic else 1
    u = [1 + sign * t[0] * t[0]]
    for k in range(1, len(a)):
        t.append(_weighted(a, u, k))
        u.append(sign * sum_products(t, t, k, 0, k))
    return t


def _fn(name, x):
    """The primal of a table function at a coefficient (float, mpmath, array, dual)."""
    return table[name](x)


_DIRECT = {
    "exp": _exp, "log": _log, "sqrt": _sqrt,
    "sin": lambda a: _sin_cos(a)[0], "cos": lambda a: _sin_cos(a)[1],
    "sinh": lambda a: _sin_cos(a, True)[0], "cosh": lambda a: _sin_cos(a, True)[1],
    "tan": _tan, "tanh": lambda a: _tan(a, True),
    "cbrt": lambda a: _pow_const(a, (_zero_like(a[0]) + 1) / 3, _fn("cbrt", a[0]), odd=True),
    "square": lambda a: _mul(a, a), "reciprocal": lambda a: _div(
        [_zero_like(a[0]) + 1] + [_zero_like(a[0])] * (len(a) - 1), a),
    "neg": lambda a: [-x for x in a], "pos": list,
}


# --- the generic recurrence from the tangent rule ---------------------------------------

_USES_ANS = {}


def _uses_ans(rule) -> bool:
    if rule.name not in _USES_ANS:
        _USES_ANS[rule.name] = any(isinstance(p, str) and re.search(r"\bans\b", p)
                                   for p in (rule.partials or ()))
    return _USES_ANS[rule.name]


def _series(x, n, tag):
    if type(x) is Jet and x.tag == tag:
        return x.coeffs[:n + 1]
    return [x] + [_zero_like(_primal(x))] * n


def apply_rule(rule, args, flavour=None):
    """The rule applied to jets (and constants): a jet of the same order."""
    if rule.name in _REDUCTIONS and (rule.kind == "reduction" or rule.variadic):
        return apply_reduction(rule, args)
    tags = [a.tag for a in args if type(a) is Jet]
    tag = max(tags)
    for a in args:
        if isinstance(a, Carrier) and a.tag != tag:
            check_met(tag, a.tag)   # two differentiations meet: both running?
    order = min(a.order for a in args if type(a) is Jet and a.tag == tag)
    series = [_series(a, order, tag) for a in args]
    moving = [type(a) is Jet and a.tag == tag for a in args]
    if rule.jvp is not None or (rule.complex_jvp is not None and any(
            elemental.has_complex(c) for s in series for c in s)):
        # a complex coefficient, even on a real primal, leaves the real line (|z|, sign z)
        raise TypeError(f"{rule.name}(): no Taylor rule for this (non-holomorphic) function")
    if flavour is elemental.CMATH and rule.complex_args:
        series = [[_to_complex(c) for c in s] for s in series]
    if any(_is_mp(s[0]) for s in series):   # constants join at the working precision
        constants = elemental.promote_constants(rule, [s[0] for s in series])
        series = [s if m else [c] + s[1:] for s, m, c in zip(series, moving, constants)]
    if rule.kind == "constant":
        value = rule(*[s[0] for s in series])
        return Jet([value] + [_zero_like(_primal(value))] * order, tag)
    if rule.kind not in ("smooth",):
        raise TypeError(f"{rule.name}(): no Taylor rule for a {rule.kind} function")
    direct = _DIRECT.get(rule.name)
    if direct is not None and sum(moving) == 1 and len(args) == 1:
        return Jet(direct(series[0]), tag)
    if rule.name in ("add", "sub", "mul", "truediv"):
        a, b = series
        out = {"add": lambda: [x + y for x, y in zip(a, b)],
               "sub": lambda: [x - y for x, y in zip(a, b)],
               "mul": lambda: _mul(a, b), "truediv": lambda: _div(a, b)}[rule.name]()
        return Jet(out, tag)
    if rule.name == "pow" and not moving[1]:
        return Jet(_pow_const(series[0], series[1][0]), tag)
    if rule.name == "pow":
        return Jet(_pow(series[0], series[1], moving[0]), tag)
    value = _call(rule, [s[0] for s in series], flavour)
    if order == 0:
        return Jet([value], tag)
    return Jet(_generic(rule, series, moving, value, order, tag), tag)


def _pow(base, exponent, base_moves):
    """x ** y with a moving exponent: exp(y log x). Where x = 0: a constant base 0 with
    y > 0 gives 0 (d/dy = 0, as in SPEC); a moving base at 0 has no series."""
    def regular():
        return _exp(_mul(exponent, _log(base)))

    def at_zero(x, y):
        if not base_moves and y[0] > 0:
            return [_zero_like(_primal(y[0]))] * len(y)
        raise ValueError("pow(): x ** y with x = 0 and a moving exponent has no Taylor "
                         f"series (x = {x[0]}, y = {y[0]})")

    zero = base[0] == 0
    if isinstance(zero, np.ndarray):   # elementwise: the lanes at 0 one by one
        if not zero.any():
            return regular()
        return _lanes_apart(zero, regular, at_zero, base, exponent)
    return at_zero(base, exponent) if zero else regular()


def _is_complex(c) -> bool:
    """A complex coefficient: a complex number, mpc, or an array of complex dtype."""
    c = _primal(c)
    if isinstance(c, (complex, mpmath.mpc, np.complexfloating)):
        return True
    if isinstance(c, np.ndarray):
        return c.dtype.kind == "c" or (c.dtype == object and any(
            isinstance(v, (complex, mpmath.mpc)) for v in c.flat))
    return False


def _to_complex(c):
    """A coefficient promoted to complex, as the cmath flavour promotes its arguments."""
    if type(c) is Jet:
        return c._new([_to_complex(v) for v in c.coeffs])
    return elemental.to_complex(c)


def _call(rule, values, flavour):
    """The primal on the order-0 coefficients, with the flavour's semantics (mpmath values
    stay mpmath even under dualad.math, as for duals; arrays follow NumPy, as for
    ``DualArray``)."""
    key = elemental.kind_of(values)
    if flavour is None or rule.name not in flavour.functions or key == "numpy":
        flavour = elemental.GENERIC   # arrays: NumPy's elementwise semantics, as array duals
    return elemental.primal(rule, values, flavour, key)


def _generic(rule, series, moving, value, order, tag):
    """y_k = (1/k) sum_i sum_{j=1..k} j x_{i,j} [d rule / d x_i]_{k-j}."""
    key = "dual:" + elemental.kind_of([_primal(s[0]) for s in series])
    ns = elemental.namespace(key)
    out = [value]
    if not _uses_ans(rule):
        truncated = [Jet(s[:order], tag) if m else s[0] for s, m in zip(series, moving)]
        partials = [_series_of(_partial(rule, i, truncated, None, ns, key), order - 1, tag)
                    for i, m in enumerate(moving) if m]
        moving_series = [s for s, m in zip(series, moving) if m]
        for k in range(1, order + 1):
            total = None
            for a, p in zip(moving_series, partials):
                term = _weighted(a, p, k)
                total = term if total is None else total + term
            out.append(total)
        return out
    for k in range(1, order + 1):   # the partial needs the result itself: order by order
        truncated = [Jet(s[:k], tag) if m else s[0] for s, m in zip(series, moving)]
        ans = Jet(out[:k], tag)
        total = None
        for i, (s, m) in enumerate(zip(series, moving)):
            if not m:
                continue
            p = _series_of(_partial(rule, i, truncated, ans, ns, key), k - 1, tag)
            term = _weighted(s, p, k)
            total = term if total is None else total + term
        out.append(total)
    return out


def _partial(rule, i, args, ans, ns, key):
    fn = rule.partial(i, ns, key)
    call = (args[i], ans) if rule.variadic else (*args, ans)
    return fn(*call)


def _series_of(p, order, tag):
    if type(p) is Jet and p.tag == tag:
        coeffs = p.coeffs[:order + 1]
        return coeffs + [_zero_like(_primal(coeffs[0]))] * (order + 1 - len(coeffs))
    return [p] + [_zero_like(_primal(p))] * order


# --- NumPy support ------------------------------------------------------------------------

_UFUNC_RULES = {name: r for r in table for name in r.numpy_names}
_ON_PRIMAL = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
              "isfinite", "isinf", "isnan", "signbit", "logical_and", "logical_or",
              "logical_not"}
_LINEAR = {np.sum, np.mean, np.reshape, np.ravel, np.transpose, np.squeeze, np.expand_dims,
           np.moveaxis, np.swapaxes, np.take, np.cumsum, np.diff, np.trace, np.diagonal,
           np.flip, np.roll, np.broadcast_to, np.concatenate, np.stack, np.where}


def _prod(a, axis=None, keepdims=False, **kwargs):
    """np.prod of an elementwise jet: products along the axis, Cauchy product by product."""
    if kwargs:
        raise TypeError("dualad: numpy.prod of a jet takes axis and keepdims only")
    if axis is None:
        a = np.ravel(a)
        axis = 0
    moved = np.moveaxis(a, axis, 0)
    result = moved[0]
    for i in range(1, moved.shape[0]):
        result = result * moved[i]
    return np.expand_dims(result, axis) if keepdims else result


def _linear(func, args, kwargs):
    """A function linear in its array arguments: applied to each coefficient."""
    if func is np.where:
        condition, x, y = args
        jets = [v for v in (x, y) if type(v) is Jet]
        order, tag = jets[0].order, jets[0].tag
        xs, ys = _series(x, order, tag), _series(y, order, tag)
        return Jet([np.where(_primal(condition), a, b) for a, b in zip(xs, ys)], tag)
    if func in (np.concatenate, np.stack):
        items = list(args[0])
        jet = next(v for v in items if type(v) is Jet)
        cols = [_series(v, jet.order, jet.tag) for v in items]
        return Jet([func([c[k] for c in cols], *args[1:], **kwargs)
                    for k in range(jet.order + 1)], jet.tag)
    jet = args[0]
    return Jet([func(c, *args[1:], **kwargs) for c in jet.coeffs], jet.tag)


_REDUCTIONS = {
    "fsum": lambda items: _sum(items),
    "sumprod": lambda items: _sum([a * b for a, b in zip(items[:len(items) // 2],
                                                          items[len(items) // 2:])]),
    "dist": lambda items: table["sqrt"](_sum([(a - b) * (a - b) for a, b in zip(
        items[:len(items) // 2], items[len(items) // 2:])])),
    "hypot": lambda items: table["sqrt"](_sum([a * a for a in items])),
}


def _sum(items):
    total = items[0]
    for v in items[1:]:
        total = total + v
    return total


def apply_reduction(rule, items):
    compose = _REDUCTIONS.get(rule.name)
    if compose is None:
        raise TypeError(f"{rule.name}(): no Taylor rule")
    items = list(items)
    if any(_is_mp(v) for v in items):   # constants join at the working precision
        items = [elemental.to_mpmath(v) for v in items]
    return compose(items)




def _jet_rule(rule, args, flavour):
    return apply_rule(rule, args, flavour)


_register_carrier(Jet, apply_rule=_jet_rule, scalar=True)
