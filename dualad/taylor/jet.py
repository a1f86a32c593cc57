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
  Taylor mode with no code;
* a function with no series of its own (NumPy's linear algebra, sort, max, einsum, a
  ufunc's reduce, a non-holomorphic rule on complex values) runs on nested first-order
  duals, which give every coefficient of its series (see ``through_duals``).

Coefficient 0 is the primal, evaluated with the semantics of the function called
(``np.exp`` NumPy's, ``dualad.math.exp`` math's), as for a dual; the higher coefficients
are derivatives and, like a dual's partials, follow IEEE arithmetic (inf, nan) where
Python's floats would raise.

Coefficients may be floats, complex numbers, mpmath numbers (then everything runs at the
working precision, plain constants promoted exactly) or NumPy arrays (elementwise series:
NumPy's semantics, and a recurrence that branches on the value, such as sqrt or x**r at
0, takes its branch lane by lane), and duals of lower tags.

>>> import dualad as ad
>>> ad.taylor(ad.math.exp, 0.0, 4)
[1.0, 1.0, 0.5, 0.16666666666666666, 0.041666666666666664]
"""
from __future__ import annotations

import contextlib
import math
import numbers
import re

import mpmath
import numpy as np

from dualad.core import elemental
from dualad.core import number as _number
from dualad.arrays.array import wrap
from dualad.core.carriers import Carrier, register as _register_carrier
from dualad.core.number import Dual
from dualad.table.rules import table
from dualad.core.tags import check_met, new_tag, running

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

    def __matmul__(self, other):
        return np.matmul(self, other)

    def __rmatmul__(self, other):
        return np.matmul(other, self)

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
        if _defers(inputs):
            return NotImplemented
        if method == "__call__" and not kwargs:
            if ufunc is np.matmul:
                return self.__array_function__(np.matmul, (), inputs, {})
            if ufunc.__name__ in _ON_PRIMAL:
                return ufunc(*[_primal(x) for x in inputs])
            rule = _UFUNC_RULES.get(ufunc.__name__)
            if rule is not None:
                return apply_rule(rule, inputs, elemental.NUMPY)
        # reduce, accumulate, keyword arguments, a ufunc without a rule: the dual layer's
        return through_duals(getattr(ufunc, method), inputs, kwargs,
                             f"numpy.{ufunc.__name__}" + (f".{method}" if method != "__call__"
                                                          else ""))

    def __array_function__(self, func, types, args, kwargs):
        if _defers((args, list(kwargs.values()))):
            return NotImplemented
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
        return through_duals(func, args, kwargs, f"numpy.{func.__name__}")

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a Jet cannot become an ndarray: its coefficients would be lost. Use "
                        "np.stack([...]) instead of np.array([...]) (as for a Dual), or j.value")

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


def _defers(args) -> bool:
    """Whether a dual of a later differentiation (a tag above every jet's) is among
    ``args``: then the jets are constants to it, and its layer applies the function (NumPy
    asks it next), as the arithmetic operators leave it to that dual (``_coerce``)."""
    jet, other = _largest_tags(args)
    return other > jet


def _largest_tags(tree, jet=-1, other=-1):
    """(the largest tag of a jet, of any other dual) in ``tree``, lists and tuples searched."""
    for v in tree:
        if type(v) is Jet:
            jet = v.tag if v.tag > jet else jet
        elif isinstance(v, Carrier):
            other = v.tag if v.tag > other else other
        elif isinstance(v, (list, tuple)):
            jet, other = _largest_tags(v, jet, other)
    return jet, other


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
        c.append(_over(acc, b0))
    return c


def _over(x, d):
    """x / d in a recurrence: where d is 0, Python's ZeroDivisionError for the primal
    (``1 / x`` at 0, as for a dual), IEEE's inf or nan in IEEE mode (see ``_in_ieee``)."""
    try:
        return x / d
    except ZeroDivisionError as error:
        if not elemental.ieee_mode():
            raise
        return elemental._ieee(np.divide, (x, d), elemental.kind_of((x, d)), error)


def _weighted(a, p, k):
    """(1/k) sum_{j=1..k} j a_j p_{k-j}: the coefficient k of y with y' = p a'. Where p
    is infinite (exp of 800), a term whose a_j is 0 is exactly 0: the lane rule of SPEC
    (a lane that does not move contributes nothing, not 0 * inf = nan)."""
    total = a[1] * p[k - 1]
    for j in range(2, k + 1):
        total = total + j * a[j] * p[k - j]
    if (type(total) is float and total - total == 0) or elemental.finite(total):
        return total / k
    total = elemental.lanes(p[k - 1], a[1])
    for j in range(2, k + 1):
        total = total + j * elemental.lanes(p[k - j], a[j])
    return total / k


def _exp(a, c0=None):
    c = [_fn("exp", a[0]) if c0 is None else c0]
    for k in range(1, len(a)):
        c.append(_weighted(a, c, k))
    return c


def _log(a, c0=None):
    c = [_fn("log", a[0]) if c0 is None else c0]
    a0 = a[0]
    for k in range(1, len(a)):
        acc = k * a[k]
        for j in range(1, k):
            acc = acc - j * c[j] * a[k - j]
        c.append(_over(acc, k * a0))
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
        c = [_fn("pow", a0, r) if c0 is None else c0]
        for k in range(1, n):
            acc = (r - (k - 1)) * a[1] * c[k - 1]
            for j in range(2, k + 1):
                acc = acc + (r * j - (k - j)) * a[j] * c[k - j]
            c.append(_over(acc, k * a0))
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


def _sqrt(a, c0=None):
    def regular():
        c = [_fn("sqrt", a[0]) if c0 is None else c0]
        two_c0 = 2 * c[0]
        for k in range(1, len(a)):
            acc = a[k]
            for j in range(1, k):
                acc = acc - c[j] * c[k - j]
            c.append(_over(acc, two_c0))
        return c

    zero = a[0] == 0
    if isinstance(zero, np.ndarray):   # elementwise: the lanes at 0 one by one
        if not zero.any():
            return regular()
        return _lanes_apart(zero, regular, lambda lane: _pow_at_zero(lane, 0.5), a)
    return _pow_at_zero(a, 0.5) if zero else regular()


def _sin_cos(a, hyperbolic=False, s0=None, c0=None):
    s = [_fn("sinh" if hyperbolic else "sin", a[0]) if s0 is None else s0]
    c = [_fn("cosh" if hyperbolic else "cos", a[0]) if c0 is None else c0]
    for k in range(1, len(a)):
        s.append(_weighted(a, c, k))
        ck = _weighted(a, s, k)
        c.append(ck if hyperbolic else -ck)
    return s, c


def _tan(a, t0=None, hyperbolic=False):
    """t' = (1 + t^2) a' (tan) or (1 - t^2) a' (tanh), built order by order."""
    t = [_fn("tanh" if hyperbolic else "tan", a[0]) if t0 is None else t0]
    sign = -1 if hyperbolic else 1
    u = [1 + sign * t[0] * t[0]]
    for k in range(1, len(a)):
        t.append(_weighted(a, u, k))
        u.append(sign * sum_products(t, t, k, 0, k))
    return t


def _fn(name, *x):
    """The primal of a table function at coefficients (float, mpmath, array, dual)."""
    return table[name](*x)


#: rule -> series(a, c0) of a one-argument rule, given the argument's series and the
#: primal: the Taylor layer's own recurrences, registered by rule (a user rule of the same
#: name is another rule, and gets the generic recurrence of its own partials)
_DIRECT = {
    table["exp"]: _exp, table["log"]: _log, table["sqrt"]: _sqrt,
    table["sin"]: lambda a, c0: _sin_cos(a, s0=c0)[0],
    table["cos"]: lambda a, c0: _sin_cos(a, c0=c0)[1],
    table["sinh"]: lambda a, c0: _sin_cos(a, True, s0=c0)[0],
    table["cosh"]: lambda a, c0: _sin_cos(a, True, c0=c0)[1],
    table["tan"]: _tan, table["tanh"]: lambda a, c0: _tan(a, c0, True),
    table["cbrt"]: lambda a, c0: _pow_const(a, (_zero_like(a[0]) + 1) / 3, c0, odd=True),
    table["square"]: lambda a, c0: _mul(a, a),
    table["reciprocal"]: lambda a, c0: _div(
        [_zero_like(a[0]) + 1] + [_zero_like(a[0])] * (len(a) - 1), a),
    table["neg"]: lambda a, c0: [-x for x in a], table["pos"]: lambda a, c0: list(a),
}


def _pow_series(a, b, moving, c0):
    if not moving[1]:   # a constant exponent
        return _pow_const(a, b[0], c0)
    return _pow(a, b, moving[0])


#: rule -> series(a, b, moving, c0) of a two-argument rule, given both series, which of
#: them move, and the primal
_BINARY = {
    table["add"]: lambda a, b, moving, c0: [x + y for x, y in zip(a, b)],
    table["sub"]: lambda a, b, moving, c0: [x - y for x, y in zip(a, b)],
    table["mul"]: lambda a, b, moving, c0: _mul(a, b),
    table["truediv"]: lambda a, b, moving, c0: _div(a, b),
    table["pow"]: _pow_series,
}


# --- the generic recurrence from the tangent rule ---------------------------------------

_USES_ANS = {}


def _uses_ans(rule) -> bool:
    if rule not in _USES_ANS:
        _USES_ANS[rule] = any(isinstance(p, str) and re.search(r"\bans\b", p)
                              for p in (rule.partials or ()))
    return _USES_ANS[rule]


def _series(x, n, tag):
    if type(x) is Jet and x.tag == tag:
        return x.coeffs[:n + 1]
    return [x] + [_zero_like(_primal(x))] * n


def apply_rule(rule, args, flavour=None):
    """The rule applied to jets (and constants): a jet of the same order. Its coefficient
    0 is the primal with ``flavour``'s semantics, as for a dual (``elemental.NUMPY`` for
    a ufunc: ``np.exp`` of 800 is inf, with NumPy's warning); a rule without a series
    of its own runs on nested duals (``through_duals``)."""
    if rule in _REDUCTIONS:
        return apply_reduction(rule, args)
    tags = [a.tag for a in args if type(a) is Jet]
    tag = max(tags)
    for a in args:
        if isinstance(a, Carrier) and a.tag != tag:
            check_met(tag, a.tag)   # two differentiations meet: both running?
    order = min(a.order for a in args if type(a) is Jet and a.tag == tag)
    series = [_series(a, order, tag) for a in args]
    moving = [type(a) is Jet and a.tag == tag for a in args]
    if rule.jvp is not None or rule.kind not in ("smooth", "constant") or (
            rule.complex_jvp is not None and any(
                elemental.has_complex(c) for s in series for c in s)):
        # a complex coefficient, even on a real primal, leaves the real line (|z|, sign z)
        return through_duals(_first_order(rule, flavour), args, {}, f"{rule.name}()")
    if flavour is elemental.CMATH and rule.complex_args:
        series = [[_to_complex(c) for c in s] for s in series]
    if any(_is_mp(s[0]) for s in series):   # constants join at the working precision
        constants = elemental.promote_constants(rule, [s[0] for s in series])
        series = [s if m else [c] + s[1:] for s, m, c in zip(series, moving, constants)]
    value = _call(rule, [s[0] for s in series], flavour)
    if rule.kind == "constant" or order == 0:
        return Jet([value] + [_zero_like(_primal(value))] * order, tag)
    coeffs = _in_ieee(flavour, type(value) is np.ndarray or isinstance(value, Carrier),
                      _coefficients, rule, series, moving, value, order, tag)
    coeffs[0] = value
    return Jet(coeffs, tag)


def _coefficients(rule, series, moving, value, order, tag):
    """The series of a smooth rule, given its primal ``value``."""
    direct = _DIRECT.get(rule)
    if direct is not None and len(series) == 1:
        return direct(series[0], value)
    binary = _BINARY.get(rule)
    if binary is not None:
        a, b = series
        return binary(a, b, moving, value)
    return _generic(rule, series, moving, value, order, tag)


_LOUD = contextlib.nullcontext()


def _in_ieee(flavour, arrays, extend, *args):
    """``extend(*args)``: coefficients 1..n. They are derivatives, not the user's primal,
    so they are computed as a dual's partials are: quietly (dualad's own arithmetic
    neither warns nor raises) and, where Python's floats raise (``1 / 0.0``,
    ``math.exp(800.0)``, ``1e200 ** 2.5``), again in IEEE mode (inf, nan). A domain
    error (ValueError) stays one, "no real series", except under NumPy's semantics,
    where it is nan. ``arrays``: the coefficients may be arrays (whose arithmetic warns)."""
    try:
        with np.errstate(all="ignore") if arrays else _LOUD:
            return extend(*args)
    except (elemental._ARITH_ERRORS if flavour is elemental.NUMPY else ArithmeticError):
        if elemental.ieee_mode():
            raise
        with np.errstate(all="ignore"), elemental.ieee_arithmetic():
            return extend(*args)


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


# --- no series of its own: nested first-order duals ---------------------------------------

def through_duals(fn, args, kwargs, name):
    """``fn(*args, **kwargs)`` on jets, for a function the jet layer has no series for
    (NumPy's linear algebra, ``np.sort``, ``np.max``, ``np.einsum``, ``np.var``, a ufunc's
    ``reduce``, ``abs`` of a complex jet, ...): its series from the first-order layer.

    The coefficients of y(t) = fn(x(t)), x(t) = sum_k x_k t^k, are y_k = y^(k)(0) / k!,
    and n nested first-order differentiations give all of them in one call: seeded with
    X = x(e_1 + ... + e_n), the e_m independent perturbations (duals of n fresh tags,
    e_m^2 = 0), fn returns Y whose component along e_1 ... e_k is y^(k)(0). Every rule of
    the first-order layer, scalar or array, runs on duals of lower tags (that is how
    ``hessian`` works), so this is right wherever that layer is right, piecewise
    functions included (sort, max: with its conventions at ties, the numbers ``hessian``
    gives), and it refuses what that layer refuses, with that layer's message.

    Why not a series derived from the tangent map, as ``_generic`` derives one from an
    elementwise rule's partials? The map would run on jets, and the maps of linear
    algebra call the very functions being differentiated (solve's tangent is a solve,
    det's needs the inverse, eigh's and svd's the factors): the same missing series one
    order lower. Why not all of f on nested duals, when it meets such a function? Only
    this call pays: the rest of f keeps its O(n^2) recurrences, and f runs once.

    The price: the nested dual has 2^n lanes (one per subset of e_1..e_n), and a rule
    whose tangent map calls several functions nests each of them: a 2x2 det costs 12 ms
    at order 4, 1 s at order 8, 16 s at order 10, as n nested ``derivative`` calls do.
    The accuracy is theirs too: det's tangent map goes through the inverse, and the
    eighth derivative of that det is 0.016 off its exact 0. The seed shares its subtrees.
    """
    arguments, found = (args, kwargs), []
    _map_jets(found.append, arguments)
    tag = max(jet.tag for jet in found)   # the outermost Taylor pass
    order = min(jet.order for jet in found if jet.tag == tag)
    if kwargs.get("out") is not None:
        raise TypeError(f"dualad: {name}(..., out=...) on jets: the result's coefficients "
                        "cannot be written into an array; let NumPy allocate the result")
    perturbations = [new_tag() for _ in range(order)]   # e_1 .. e_n, innermost first
    with contextlib.ExitStack() as stack:
        for t in perturbations:
            stack.enter_context(running(t))
        seed = _map_jets(lambda jet: _nested_seed(_series(jet, order, tag), perturbations),
                         arguments)   # a jet of an earlier pass is a constant here
        y = fn(*seed[0], **seed[1])
    return _map_results(lambda leaf: _nested_jet(leaf, perturbations, tag), y)


def _map_jets(fn, tree):
    """``tree`` (arguments: lists, tuples, dicts) with each jet replaced by ``fn(jet)``."""
    if type(tree) is Jet:
        return fn(tree)
    if isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
        return type(tree)(_map_jets(fn, v) for v in tree)
    if isinstance(tree, dict):
        return {k: _map_jets(fn, v) for k, v in tree.items()}
    return tree


def _nested_seed(coeffs, perturbations):
    """x(e_1 + ... + e_n) as nested duals, e_m of tag ``perturbations[m - 1]``. With
    N(j, m) the j-th derivative of x(e_1 + ... + e_m): N(j, 0) = j! x_j and, as
    e_m^2 = 0, N(j, m) = N(j, m - 1) + e_m N(j + 1, m - 1)."""
    built = {}

    def nested(j, m):
        if (j, m) not in built:
            built[j, m] = (math.factorial(j) * coeffs[j] if m == 0 else
                           _dual(nested(j, m - 1), nested(j + 1, m - 1), perturbations[m - 1]))
        return built[j, m]
    return nested(0, len(perturbations))


def _dual(value, tangent, tag):
    return wrap(value, tangent, tag, None)   # a scalar Dual or a DualArray


def _map_results(fn, y):
    if isinstance(y, tuple):
        items = [_map_results(fn, v) for v in y]
        return type(y)(*items) if hasattr(y, "_fields") else tuple(items)
    if isinstance(y, list):
        return [_map_results(fn, v) for v in y]
    return fn(y)


def _nested_jet(y, perturbations, tag):
    """The jet of ``tag`` held by ``y``, a result of nested duals of ``perturbations``:
    coefficient k is y's component along e_1 ... e_k, over k!. A result that does not
    move with them is a constant (returned as it is)."""
    if not (isinstance(y, Carrier) and y.tag in perturbations):
        return y
    coeffs = []
    rest = y   # y at e_(k+1) = ... = e_n = 0
    for k in range(len(perturbations), -1, -1):
        part = rest
        for e in reversed(perturbations[:k]):
            part = part.tangent if _of(part, e) else _zero_like(_primal(part))
        coeffs.append(part / math.factorial(k) if k > 1 else part)
        if k:
            rest = rest.value if _of(rest, perturbations[k - 1]) else rest
    return Jet(coeffs[::-1], tag)


def _of(x, tag) -> bool:
    return isinstance(x, Carrier) and x.tag == tag


def _first_order(rule, flavour):
    """The first-order layer's function of ``rule`` with ``flavour``'s semantics (it takes
    scalar and array duals alike)."""
    fn = (flavour or elemental.GENERIC).functions.get(rule.name) or \
        elemental.GENERIC.functions.get(rule.name)
    if fn is None:
        raise TypeError(f"{rule.name}(): no Taylor rule for a {rule.kind} function")
    return fn


# --- NumPy support ------------------------------------------------------------------------

_UFUNC_RULES = {name: r for r in table for name in r.numpy_names}
_ON_PRIMAL = table.primal_only
#: the array functions of the table's linear rules: applied coefficient by coefficient
#: (np.where's rule dispatches by hand, without numpy_functions)
_LINEAR = {func for r in table if r.linear for func in r.numpy_functions} | {np.where}


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
    if type(jet) is not Jet or any(type(v) is Jet for v in (*args[1:], *kwargs.values())):
        # linear in its first argument only (indices, shapes, np.atleast_1d(a, b)):
        return through_duals(func, args, kwargs, f"numpy.{func.__name__}")
    outs = [func(c, *args[1:], **kwargs) for c in jet.coeffs]
    if isinstance(outs[0], (list, tuple)):   # np.split: a list of jets
        return [Jet([out[i] for out in outs], jet.tag) for i in range(len(outs[0]))]
    return Jet(outs, jet.tag)


#: rule -> its series as a composition of other rules on the items (functions of a
#: sequence: p and q are the two halves of dist's and sumprod's items)
_REDUCTIONS = {
    table["fsum"]: lambda items: _sum(items),
    table["sumprod"]: lambda items: _sum([a * b for a, b in zip(items[:len(items) // 2],
                                                                items[len(items) // 2:])]),
    table["dist"]: lambda items: table["sqrt"](_sum([(a - b) * (a - b) for a, b in zip(
        items[:len(items) // 2], items[len(items) // 2:])])),
    table["hypot"]: lambda items: table["sqrt"](_sum([a * a for a in items])),
}


def _sum(items):
    total = items[0]
    for v in items[1:]:
        total = total + v
    return total


def apply_reduction(rule, items):
    compose = _REDUCTIONS.get(rule)
    if compose is None:
        raise TypeError(f"{rule.name}(): no Taylor rule")
    items = list(items)
    if any(_is_mp(v) for v in items):   # constants join at the working precision
        items = [elemental.to_mpmath(v) for v in items]
    return compose(items)




def _jet_rule(rule, args, flavour):
    return apply_rule(rule, args, flavour)


_register_carrier(Jet, apply_rule=_jet_rule, scalar=True)
