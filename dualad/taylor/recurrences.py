"""The classical coefficient recurrences of Taylor mode (Griewank & Walther, ch. 13).

Functions of coefficient lists (``a[k]``: the coefficient of ``t^k``), for arithmetic,
``exp``, ``log``, powers, ``sqrt``, ``sin``/``cos``, ``sinh``/``cosh``, ``tan``, ``tanh``,
and the registries that give a rule its recurrence (``_DIRECT``, ``_BINARY``, keyed by
rule object). Coefficients may be floats, complex numbers, mpmath numbers, NumPy arrays
(elementwise: a recurrence that branches on the value takes its branch lane by lane) or
carriers of earlier differentiations; no ``Jet`` is needed here.
"""
from __future__ import annotations

import math
import numbers

import mpmath
import numpy as np

from dualad.core import rule_path
from dualad.base.carriers import Carrier
from dualad.table.rules import table


def _zero_like(c):
    if isinstance(c, np.ndarray):
        return np.zeros_like(c, dtype=np.result_type(c, float))
    if isinstance(c, (mpmath.mpf, mpmath.mpc)):
        return type(c)(0)
    if isinstance(c, complex):
        return 0j
    return 0.0


def _primal(x):
    """The plain number (or array) under any carriers: coefficient 0 of a jet, the value
    of a dual."""
    while isinstance(x, Carrier):
        x = x.value
    return x


# --- the classical recurrences -----------------------------------------------------------

def _mul(a, b):
    return [sum_products(a, b, k, 0, k) for k in range(len(a))]


def sum_products(a, b, k, lo, hi):
    """sum_{j=lo..hi} a_j b_{k-j}."""
    total = a[lo] * b[k - lo]
    for j in range(lo + 1, hi + 1):
        total = total + a[j] * b[k - j]
    return total


def _div(a, b):
    c: list = []
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
        if not rule_path.ieee_mode():
            raise
        return rule_path._ieee(np.divide, (x, d), rule_path.kind_of((x, d)), error)


def _weighted(a, p, k):
    """(1/k) sum_{j=1..k} j a_j p_{k-j}: the coefficient k of y with y' = p a'. Where p
    is infinite (exp of 800), a term whose a_j is 0 is exactly 0: the lane rule of SPEC
    (a lane that does not move contributes nothing, not 0 * inf = nan)."""
    total = a[1] * p[k - 1]
    for j in range(2, k + 1):
        total = total + j * a[j] * p[k - j]
    if (type(total) is float and total - total == 0) or rule_path.finite(total):
        return total / k
    total = rule_path.lanes(p[k - 1], a[1])
    for j in range(2, k + 1):
        total = total + j * rule_path.lanes(p[k - j], a[j])
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
            return _one(a)
        if r > 0:
            result, base, e = None, list(a), r
            while e:
                if e & 1:
                    result = base if result is None else _mul(result, base)
                e >>= 1
                if e:
                    base = _mul(base, base)
            return result
        return _div(_one(a), _pow_const(a, -r))
    if _is_mp(a[0]):
        r = rule_path.to_mpmath(r)   # r - (k - 1) at the working precision, not in double

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


def _one(a):
    """The series of the constant 1, as long as ``a`` and of its coefficients' type."""
    return [_zero_like(a[0]) + 1] + [_zero_like(a[0])] * (len(a) - 1)


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
    if not rule_path.has_complex(_primal(a[m])) and a[m] < 0:   # x leaves 0 downwards
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
        falling = math.prod(e - i for i in range(k))
        sign = math.copysign(1.0, falling) * (math.nan if rule_path.has_complex(_primal(inner[0]))
                                                  else 1.0)
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
    table["reciprocal"]: lambda a, c0: _div(_one(a), a),
    table["neg"]: lambda a, c0: [-x for x in a], table["pos"]: lambda a, c0: list(a),
}


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
