"""Primal kernels the standard modules do not provide, one per backend.

The rule table (``dualad.table.rules``) names, for every primitive, its implementation on
each backend: Python floats (``math``), Python complex numbers (``cmath``), mpmath's
``mpf``/``mpc`` at the working precision, and NumPy. Most entries point straight at
those modules; the functions below fill the gaps (activations, digamma, real-valued
mpmath variants, ...). They are plain numerical code with no knowledge of duals.
"""
from __future__ import annotations

import cmath
import math
from fractions import Fraction

import mpmath
import numpy as np
from mpmath.ctx_mp import MPContext

from dualad.base import buffers as _buffers


# A private mpmath context for double-precision special functions: its precision is
# fixed, so it is safe from threads and from users who change ``mpmath.mp.dps``.
_mp64 = MPContext()

_mp64.prec = 64


def f_sign(x):
    """sign(x) in {-1, 0, 1}; nan for nan."""
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return x * 0.0  # 0.0 keeps its sign; nan stays nan


def f_heaviside(x, h0=0.0):
    if x > 0:
        return 1.0
    if x < 0:
        return 0.0
    if x == 0:
        return float(h0)
    return math.nan


def _sigmoid(exp, one):
    def sigmoid(x):
        # Two branches so that exp never overflows.
        if x >= 0:
            return one / (one + exp(-x))
        e = exp(x)
        return e / (one + e)
    return sigmoid


f_sigmoid, mp_sigmoid = _sigmoid(math.exp, 1.0), _sigmoid(mpmath.exp, 1)


def f_sech(x):
    try:
        return 1.0 / math.cosh(x)
    except OverflowError:   # |x| > 710: sech(x) = 2e^-|x| to the last bit (a subnormal or 0)
        return 2.0 * math.exp(-abs(x))


def f_softplus(x):
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|), exact in both tails.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def f_relu(x):
    return x if x > 0 or x != x else 0.0


def f_digamma(x):
    return float(_mp64.digamma(x))


def f_polygamma(n, x):
    return float(_mp64.polygamma(n, x))


def f_cbrt(x):
    # math.cbrt exists from Python 3.11; numpy's is correctly rounded as well.
    return float(np.cbrt(x))


def f_exp2(x):
    return float(np.exp2(x))


def f_square(x):
    return x * x


def f_reciprocal(x):
    return 1 / x


def _extremum(larger: bool, nan_propagates: bool):
    """max/min (``larger``) of two floats with NumPy's semantics: nan propagates as in
    np.maximum/minimum (Python's max does not), or is ignored as in np.fmax/fmin."""
    def extremum(x, y):
        if x != x or y != y:
            return x + y if nan_propagates else (y if x != x else x)
        return x if (x >= y if larger else x <= y) else y
    return extremum


f_maximum, f_minimum = _extremum(True, True), _extremum(False, True)

f_fmax, f_fmin = _extremum(True, False), _extremum(False, False)


def f_logaddexp(x, y):
    hi, lo = (x, y) if x >= y else (y, x)
    return hi + math.log1p(math.exp(lo - hi))


def f_logaddexp2(x, y):
    hi, lo = (x, y) if x >= y else (y, x)
    return hi + math.log1p(2.0 ** (lo - hi)) / math.log(2.0)


def f_conjugate(z):
    return z.conjugate()


def mp_maximum(x, y):
    return x if x >= y else y


def mp_minimum(x, y):
    return x if x <= y else y


def _mp_order(x, y):
    """1, 0 or -1 as x > y, x == y, x < y in NumPy's (lexicographic) complex order."""
    xr, xi, yr, yi = mpmath.re(x), mpmath.im(x), mpmath.re(y), mpmath.im(y)
    return (xr > yr) - (xr < yr) or (xi > yi) - (xi < yi)


def _mpc_extremum(larger: bool, nan_propagates: bool):
    """max/min (``larger``) of complex mpmath numbers in NumPy's lexicographic order; nan
    propagates as in np.maximum/minimum, or is ignored as in np.fmax/fmin."""
    def extremum(x, y):
        if mpmath.isnan(x) or mpmath.isnan(y):
            return (x if mpmath.isnan(x) else y) if nan_propagates else \
                (y if mpmath.isnan(x) else x)
        order = _mp_order(x, y)
        return x if (order >= 0 if larger else order <= 0) else y
    return extremum


mpc_maximum, mpc_minimum = _mpc_extremum(True, True), _mpc_extremum(False, True)

mpc_fmax, mpc_fmin = _mpc_extremum(True, False), _mpc_extremum(False, False)


def mp_logaddexp(x, y):
    return mpmath.log(mpmath.exp(x) + mpmath.exp(y))


def mp_logaddexp2(x, y):
    return mpmath.log(mpmath.power(2, x) + mpmath.power(2, y), 2)


def f_fsum(*x):
    return math.fsum(x)


def f_dist(*x):
    n = len(x) // 2
    return math.dist(x[:n], x[n:])


def f_sumprod(*x):
    n = len(x) // 2
    if hasattr(math, "sumprod"):
        return math.sumprod(x[:n], x[n:])
    return math.fsum(a * b for a, b in zip(x[:n], x[n:]))


def f_fma(x, y, z):
    # x*y + z rounded once (math.fma arrives in Python 3.13): exact rational arithmetic.
    if math.isfinite(x) and math.isfinite(y) and math.isfinite(z):
        return float(Fraction(x) * Fraction(y) + Fraction(z))
    return x * y + z


def f_round(x, ndigits=None):
    return round(x) if ndigits is None else round(x, ndigits)


def c_sigmoid(z):
    # As the real kernel: exp of a number with non-positive real part never overflows.
    if z.real >= 0:
        return 1.0 / (1.0 + cmath.exp(-z))
    e = cmath.exp(z)
    return e / (1.0 + e)


def c_sech(z):
    if -700.0 <= z.real <= 700.0:
        return 1.0 / cmath.cosh(z)
    # where cosh would overflow: 2e^-s, s = ±z with Re s > 700 (e^-2s is below the last bit)
    return 2.0 * cmath.exp(-z if z.real > 0 else z)


def c_softplus(z):
    # log(1 + e^z) (principal branch) without cancellation for Re z << 0 and without
    # overflow for Re z >> 0: with u = e^-|x| (x = Re z, y = Im z) and s = 1 for x <= 0,
    # s = e^x for x > 0,  1 + e^z = s (1 + u e^{+-iy} ...), which gives
    #   Re = max(x, 0) + log1p(u (2 cos y + u))/2,
    #   Im = atan2(sin y, u + cos y) for x > 0,  atan2(u sin y, 1 + u cos y) for x <= 0.
    x, y = z.real, z.imag
    u = math.exp(-abs(x))
    c, s = math.cos(y), math.sin(y)
    re = max(x, 0.0) + 0.5 * math.log1p(u * (2.0 * c + u))
    im = math.atan2(s, u + c) if x > 0 else math.atan2(u * s, 1.0 + u * c)
    return complex(re, im)


def c_hypot(x, y):
    return cmath.sqrt(x * x + y * y)


def _by_numpy(fn):
    """The complex scalar kernel of NumPy's ``fn``: evaluated by NumPy, so that scalars
    and arrays agree (nan handling included)."""
    def kernel(*z):
        return complex(fn(*map(np.complex128, z)))
    return kernel


# sign: NumPy 2's z/|z| (0 at 0); expm1: cmath has none; log1p: to a few ulp in each part,
# as the array kernel ``np_log1p`` (defined below). NumPy orders complex numbers
# lexicographically (real part, then imaginary part) in maximum, minimum, fmax, fmin.
c_sign, c_expm1, c_log2, c_rint = map(_by_numpy, (np.sign, np.expm1, np.log2, np.rint))

c_maximum, c_minimum, c_fmax, c_fmin = map(_by_numpy, (np.maximum, np.minimum, np.fmax,
                                                       np.fmin))


def c_exp2(z):
    return cmath.exp(z * math.log(2.0))


def mp_heaviside(x, h0=0):
    if x > 0:
        return mpmath.mpf(1)
    if x < 0:
        return mpmath.mpf(0)
    return mpmath.mpf(h0)


def mpc_sigmoid(z):
    return 1 / (1 + mpmath.exp(-z))


def mp_softplus(x):
    return max(x, 0) + mpmath.log1p(mpmath.exp(-abs(x)))


def mpc_softplus(z):
    # mpmath's exponent range has no overflow; log1p keeps the digits for Re z << 0
    return mpmath.log1p(mpmath.exp(z))


def mp_relu(x):
    return x if x > 0 else mpmath.mpf(0)


def mp_cbrt(x):
    # mpmath.cbrt returns the principal (complex) root of a negative number.
    return -mpmath.cbrt(-x) if x < 0 else mpmath.cbrt(x)


def mp_exp2(x):
    return mpmath.power(2, x)


def mp_log2(x):
    return mpmath.log(x, 2)


def mp_lgamma(x):
    return mpmath.log(abs(mpmath.gamma(x)))


def mp_trunc(x):
    return mpmath.floor(x) if x >= 0 else mpmath.ceil(x)


def mp_round(x, ndigits=None):
    if ndigits is None:
        return mpmath.nint(x)
    scale = mpmath.mpf(10) ** ndigits
    return mpmath.nint(x * scale) / scale


def mp_copysign(x, y):
    negative = y < 0 or (y == 0 and mpmath.mpf(y)._mpf_[0] == 1)
    return -abs(x) if negative else abs(x)


def mp_remainder(x, y):
    return x - y * mpmath.nint(x / y)


def mp_fmod(x, y):
    # C's fmod keeps the sign of x (mpmath.fmod follows Python's %).
    return x - y * mp_trunc(x / y)


def mp_hypot(*coordinates):
    if all(isinstance(c, mpmath.mpf) or isinstance(c, (int, float)) for c in coordinates):
        return mpmath.sqrt(mpmath.fsum(mpmath.mpf(c) ** 2 for c in coordinates))
    return mpmath.sqrt(mpmath.fsum(c * c for c in coordinates))


def mp_nextafter(x, y):
    return x


def mp_ulp(x):
    return mpmath.mpf(math.ulp(float(x)))


def mp_rect(r, phi):
    return mpmath.mpc(r * mpmath.cos(phi), r * mpmath.sin(phi))


def np_sigmoid(x):
    # Real and complex alike: u = ±x with Re u >= 0, so exp(-u) never overflows;
    # sigmoid(x) = 1/(1 + e^-u) for Re x >= 0, e^-u/(1 + e^-u) otherwise (|u| is not used:
    # on complex numbers it would give sigmoid(|z|)).
    right = np.real(x) >= 0
    e = np.exp(-np.where(right, x, -x))
    return np.where(right, 1.0 / (1.0 + e), e / (1.0 + e))[()]


def np_sech(x):
    """1/cosh(x) on arrays, 2e^-|x| where cosh overflows (as ``f_sech``, ``c_sech``);
    no overflow warning, since the result does not overflow. Large real arrays are
    written into one recycled buffer."""
    x = np.asarray(x)
    with np.errstate(over="ignore", invalid="ignore"):
        if x.dtype.kind == "c":
            s = np.where(x.real < 0, -x, x)
            return np.where(s.real <= 700.0, 1.0 / np.cosh(x), 2.0 * np.exp(-s))[()]
        c = _buffers.unary(np.cosh, x)
        if type(c) is not np.ndarray:   # a 0-d input
            return 1.0 / c if np.isfinite(c) else 2.0 * np.exp(-np.abs(x[()]))
        tail = np.isinf(c) if not np.isfinite(np.add.reduce(c, None)) else None   # one read
        np.reciprocal(c, out=c)
        if tail is not None and tail.any():
            c[tail] = 2.0 * np.exp(-np.abs(x[tail]))
        return c


def np_softplus(x):
    if np.iscomplexobj(x):   # as the complex scalar kernel ``c_softplus``
        re, y = np.real(x), np.imag(x)
        u = np.exp(-np.abs(re))
        c, s = np.cos(y), np.sin(y)
        real = np.maximum(re, 0.0) + 0.5 * np.log1p(u * (2.0 * c + u))
        imag = np.where(re > 0, np.arctan2(s, u + c), np.arctan2(u * s, 1.0 + u * c))
        return (real + 1j * imag)[()]
    return (np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x))))


def np_relu(x):
    if np.iscomplexobj(x):   # np.maximum would order complex numbers lexicographically
        raise TypeError("relu is not defined for complex numbers (max(x, 0) needs an order); "
                        f"got an array of dtype {np.result_type(x)}")
    return np.maximum(x, 0.0)


def np_heaviside(x, h0=0.0):
    return np.heaviside(x, h0)


def np_remainder(x, y):
    """IEEE 754 remainder x - n*y, n = x/y rounded half to even, exactly as
    ``math.remainder`` (NumPy has no such ufunc: np.remainder is Python's %). fdlibm's
    method: a = |fmod(x, 2|y|)| < 2|y| is exact, and so is each a - |y| that brings it
    into [-|y|/2, |y|/2] (Sterbenz: |y|/2 <= a <= 2|y|); the sign is then x's. Doubling
    a instead of halving |y| stays exact for subnormal y (an overflow of 2a means
    a > |y|/2). y = 0 or an infinite x give nan with NumPy's invalid warning."""
    x, y = np.asarray(x), np.asarray(y)
    p = np.abs(y)
    with np.errstate(over="ignore"):   # 2|y| = inf leaves fmod(x, inf) = x, as it should
        a = np.abs(np.fmod(x, p + p))
        once = a + a > p
        a = np.where(once, a - p, a)
        a = np.where(once & (a + a >= p), a - p, a)
    return np.where(np.signbit(x), -a, a)[()]


def np_log1p(x, out=None):
    """np.log1p, except on complex numbers: NumPy's is log(1 + z), whose rounding of 1 + z
    loses the digits of a small z (log1p(1e-10 + 1e-10j) has 8 right), while this one is
    right to a few ulp in each part. For z = x + iy, Im = atan2(y, 1 + x) (1 + x rounds by
    half an ulp, exactly near x = -1) and Re = log|1 + z|: log1p(t)/2 with
    t = 2x + x^2 + y^2 where |1 + z| is near 1 (t, from exact products and a compensated
    sum, keeps the digits that cancel), else log(hypot(1 + x, y)). Non-finite entries are
    NumPy's. Stands in for np.log1p on dual arrays (``ufunc`` below)."""
    if not np.iscomplexobj(x):
        return np.log1p(x, out=out)
    special = ~np.isfinite(x)
    z = np.where(special, 0.0, x)
    re, im = np.real(z), np.imag(z)
    a = 1.0 + re
    length = np.hypot(a, im)
    near = (length > 0.5) & (length < 2.0)   # then |re|, |im| < 3: no square overflows
    with np.errstate(all="ignore"):   # tiny squares underflow, far entries are not used
        t = _sum_exactly(2.0 * re, *_square(np.where(near, re, 0.0)),
                         *_square(np.where(near, im, 0.0)))
    real = np.where(near, 0.5 * np.log1p(np.where(near, t, 0.0)),
                    np.log(np.where(near, 1.0, length)))
    out = real + 1j * np.arctan2(im, a)
    if np.any(special):
        out = np.where(special, np.log1p(np.where(special, x, 0.0)), out)
    return out[()]


setattr(np_log1p, "ufunc", np.log1p)   # the ufunc it stands in for (arrays.ufunc_rules)

c_log1p = _by_numpy(np_log1p)


def _square(v):
    """v*v as three floats that sum to it exactly (Veltkamp's split of v; |v| < 2^996)."""
    c = 134217729.0 * v   # 2^27 + 1
    hi = c - (c - v)
    lo = v - hi
    return hi * hi, 2.0 * hi * lo, lo * lo


def _sum_exactly(*terms):
    """The sum of ``terms`` as if in twice the precision, then rounded (Ogita, Rump and
    Oishi's Sum2: an error-free two-sum cascade)."""
    total, error = terms[0], 0.0
    for term in terms[1:]:
        s = total + term
        b = s - total
        error = error + ((total - (s - b)) + (term - b))
        total = s
    return total + error


def np_log_base(x, base):
    return np.log(x) / np.log(base)


def np_round(x, ndigits=None):
    return np.rint(x) if ndigits is None else np.round(x, ndigits)


def np_hypot(*coordinates):
    if any(np.iscomplexobj(c) for c in coordinates):
        # np.hypot takes no complex numbers: sqrt(x1^2 + ... + xn^2), as the complex kernel
        total = coordinates[0] * coordinates[0]
        for c in coordinates[1:]:
            total = total + c * c
        return np.sqrt(total)
    out = coordinates[0] * 0.0
    for c in coordinates:
        out = np.hypot(out, c)
    return out


def _vectorized(fn):
    """A NumPy kernel built from a scalar float one (no SciPy needed)."""
    vec = np.vectorize(fn, otypes=[float])

    def kernel(*args):
        return vec(*args)[()]
    kernel.__name__ = getattr(fn, "__name__", "kernel")
    setattr(kernel, "per_element", True)   # a Python call per entry: slow on large arrays
    return kernel


try:  # SciPy's special functions are vectorised and exact; fall back to math.
    from scipy import special as _special
    np_erf, np_erfc, np_gamma = _special.erf, _special.erfc, _special.gamma
    np_digamma = _special.digamma
    np_lgamma = _special.gammaln

    def np_polygamma(n, x):
        return _special.polygamma(n, x)
except ImportError:  # pragma: no cover - exercised only without scipy
    _special = None
    np_erf, np_erfc = _vectorized(math.erf), _vectorized(math.erfc)
    np_gamma, np_lgamma = _vectorized(math.gamma), _vectorized(math.lgamma)
    np_digamma = _vectorized(f_digamma)
    np_polygamma = _vectorized(f_polygamma)
