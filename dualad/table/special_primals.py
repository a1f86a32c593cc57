"""Primal kernels of scipy.special's functions that the standard modules lack (logit, xlogy,
the Bessel functions, gammainc, ...): SciPy's own ufunc when SciPy is installed (so that a rule's
float path and scipy.special agree bit for bit), mpmath at double precision otherwise; and
the mpmath references the rule checker differentiates at 40 digits.
"""
from __future__ import annotations

import math
from typing import Any

import mpmath

from dualad.table import primals as _primals
from dualad.table.primals import _vectorized

_special = _primals._special


def _mp64_float(fn):
    def kernel(*args):
        try:
            out = fn(*args)
        except (ValueError, ZeroDivisionError):
            return math.nan
        return float(out) if not isinstance(out, mpmath.mpc) else math.nan
    return kernel


def _special_kernels(name, mp64):
    """(float kernel, NumPy kernel) of scipy.special.<name> (a dotted name for a ufunc of
    ``scipy.special._ufuncs``); ``mp64`` is the fallback."""
    ufunc = _special
    for part in name.split("."):
        ufunc = getattr(ufunc, part, None)
    if ufunc is None:  # pragma: no cover - exercised only without scipy
        kernel = _mp64_float(mp64)
        return kernel, _vectorized(kernel)

    def f(*args):
        return float(ufunc(*args))
    f.__name__ = name.rpartition(".")[2]
    return f, ufunc


def mp_logit(x):
    return mpmath.log(x / (1 - x))


def mp_log_expit(x):
    return -mpmath.log1p(mpmath.exp(-x))


def mp_xlogy(x, y):
    return x * mpmath.log(y) if x != 0 else x * 0


def mp_xlog1py(x, y):
    return x * mpmath.log1p(y) if x != 0 else x * 0


def mp_entr(x):
    return -x * mpmath.log(x) if x != 0 else x * 0


def mp_erfcx(x):
    return mpmath.exp(x * x) * mpmath.erfc(x)


def mp_erfcinv(x):
    return mpmath.erfinv(1 - x)


def mp_log_ndtr(x):
    return mpmath.log(mpmath.ncdf(x))


def mp_ndtri(p):
    return mpmath.sqrt(2) * mpmath.erfinv(2 * p - 1)


def mp_rel_entr(x, y):
    return x * mpmath.log(x / y) if x != 0 else x * 0


def mp_kl_div(x, y):
    return (x * mpmath.log(x / y) if x != 0 else x * 0) - x + y


def mp_exp10(x):
    return mpmath.power(10, x)


def mp_sindg(x):
    return mpmath.sin(x * mpmath.pi / 180)


def mp_cosdg(x):
    return mpmath.cos(x * mpmath.pi / 180)


def mp_gammainc(a, x):
    return mpmath.gammainc(a, 0, x, regularized=True)


def mp_gammaincc(a, x):
    return mpmath.gammainc(a, x, mpmath.inf, regularized=True)


def mp_betainc(a, b, x):
    return mpmath.betainc(a, b, 0, x, regularized=True)


def mp_ive(v, x):
    return mpmath.exp(-abs(x)) * mpmath.besseli(v, x)


def mp_kve(v, x):
    return mpmath.exp(x) * mpmath.besselk(v, x)


def mp_betaln(a, b):
    return mpmath.log(abs(mpmath.beta(a, b)))


def _bessel(fn, order, scaled=None):
    """An mpmath Bessel function of one order; ``scaled``: times e^-|x| ("i") or e^x ("k")."""
    if scaled == "i":
        return lambda x: mpmath.exp(-abs(x)) * fn(order, x)
    if scaled == "k":
        return lambda x: mpmath.exp(x) * fn(order, x)
    return lambda x: fn(order, x)


mp_j0, mp_j1 = _bessel(mpmath.besselj, 0), _bessel(mpmath.besselj, 1)

mp_y0, mp_y1 = _bessel(mpmath.bessely, 0), _bessel(mpmath.bessely, 1)

mp_i0, mp_i1 = _bessel(mpmath.besseli, 0), _bessel(mpmath.besseli, 1)

mp_i0e, mp_i1e = _bessel(mpmath.besseli, 0, "i"), _bessel(mpmath.besseli, 1, "i")

mp_k0, mp_k1 = _bessel(mpmath.besselk, 0), _bessel(mpmath.besselk, 1)

mp_k0e, mp_k1e = _bessel(mpmath.besselk, 0, "k"), _bessel(mpmath.besselk, 1, "k")


def _mp64_of(fn):
    """``fn`` (an mpmath reference above) in the double-precision context."""
    def kernel(*args):
        with mpmath.workprec(64):   # only without scipy
            return fn(*map(mpmath.mpf, args))
    return kernel


f_logit, np_logit = _special_kernels("logit", _mp64_of(mp_logit))

f_log_expit, np_log_expit = _special_kernels("log_expit", _mp64_of(mp_log_expit))

f_xlogy, np_xlogy = _special_kernels("xlogy", _mp64_of(mp_xlogy))

f_xlog1py, np_xlog1py = _special_kernels("xlog1py", _mp64_of(mp_xlog1py))

f_entr, np_entr = _special_kernels("entr", _mp64_of(mp_entr))

f_erfcx, np_erfcx = _special_kernels("erfcx", _mp64_of(mp_erfcx))

f_erfinv, np_erfinv = _special_kernels("erfinv", _mp64_of(mpmath.erfinv))

f_erfcinv, np_erfcinv = _special_kernels("erfcinv", _mp64_of(mp_erfcinv))

f_ndtr, np_ndtr = _special_kernels("ndtr", _mp64_of(mpmath.ncdf))

f_log_ndtr, np_log_ndtr = _special_kernels("log_ndtr", _mp64_of(mp_log_ndtr))

f_ndtri, np_ndtri = _special_kernels("ndtri", _mp64_of(mp_ndtri))

f_rel_entr, np_rel_entr = _special_kernels("rel_entr", _mp64_of(mp_rel_entr))

f_kl_div, np_kl_div = _special_kernels("kl_div", _mp64_of(mp_kl_div))

f_exp10, np_exp10 = _special_kernels("exp10", _mp64_of(mp_exp10))

f_sindg, np_sindg = _special_kernels("sindg", _mp64_of(mp_sindg))

f_cosdg, np_cosdg = _special_kernels("cosdg", _mp64_of(mp_cosdg))

f_loggamma, np_loggamma = _special_kernels("loggamma", _mp64_of(mpmath.loggamma))

f_ellipk, np_ellipk = _special_kernels("ellipk", _mp64_of(mpmath.ellipk))

f_ellipe, np_ellipe = _special_kernels("ellipe", _mp64_of(mpmath.ellipe))

f_gammainc, np_gammainc = _special_kernels("gammainc", _mp64_of(mp_gammainc))

f_gammaincc, np_gammaincc = _special_kernels("gammaincc", _mp64_of(mp_gammaincc))

f_betainc, np_betainc = _special_kernels("betainc", _mp64_of(mp_betainc))

f_jv, np_jv = _special_kernels("jv", _mp64_of(mpmath.besselj))

f_yv, np_yv = _special_kernels("yv", _mp64_of(mpmath.bessely))

f_iv, np_iv = _special_kernels("iv", _mp64_of(mpmath.besseli))

f_ive, np_ive = _special_kernels("ive", _mp64_of(mp_ive))

f_kv, np_kv = _special_kernels("kv", _mp64_of(mpmath.besselk))

f_kve, np_kve = _special_kernels("kve", _mp64_of(mp_kve))

f_beta, np_beta = _special_kernels("beta", _mp64_of(mpmath.beta))

f_betaln, np_betaln = _special_kernels("betaln", _mp64_of(mp_betaln))

f_j0, np_j0 = _special_kernels("j0", _mp64_of(mp_j0))

f_j1, np_j1 = _special_kernels("j1", _mp64_of(mp_j1))

f_y0, np_y0 = _special_kernels("y0", _mp64_of(mp_y0))

f_y1, np_y1 = _special_kernels("y1", _mp64_of(mp_y1))

f_i0, np_i0 = _special_kernels("i0", _mp64_of(mp_i0))

f_i1, np_i1 = _special_kernels("i1", _mp64_of(mp_i1))

f_i0e, np_i0e = _special_kernels("i0e", _mp64_of(mp_i0e))

f_i1e, np_i1e = _special_kernels("i1e", _mp64_of(mp_i1e))

f_k0, np_k0 = _special_kernels("k0", _mp64_of(mp_k0))

f_k1, np_k1 = _special_kernels("k1", _mp64_of(mp_k1))

f_k0e, np_k0e = _special_kernels("k0e", _mp64_of(mp_k0e))

f_k1e, np_k1e = _special_kernels("k1e", _mp64_of(mp_k1e))


# zeta ------------------------------------------------------------------------

def mp_zetad(n, s, q):
    """The n-th derivative in s of the Hurwitz zeta function zeta(s, q) (mpmath's)."""
    return mpmath.zeta(s, q, int(n))


def mp_riemann_zeta(s):
    return mpmath.zeta(s)


def mp_hurwitz_zeta(s, q):
    return mpmath.zeta(s, q)


def _mp_float(fn, prec=80):
    """``fn`` (mpmath) as a float kernel: evaluated with guard bits, rounded once."""
    def kernel(*args):
        with mpmath.workprec(prec):
            try:
                out = fn(*[a if isinstance(a, int) else mpmath.mpf(a) for a in args])
            except (ValueError, ZeroDivisionError):
                return math.nan
        return float(out) if not isinstance(out, mpmath.mpc) else math.nan
    return kernel


def f_zetad(n, s, q):
    return _mp_float(mp_zetad)(int(n), s, q)


np_zetad = _vectorized(f_zetad)

f_zeta, np_zeta = _special_kernels("_ufuncs._riemann_zeta", _mp64_of(mp_riemann_zeta))

f_hurwitz_zeta, np_hurwitz_zeta = _special_kernels("_ufuncs._zeta", _mp64_of(mp_hurwitz_zeta))


# spherical Bessel functions: z**(-1/2) times the Bessel function of order n + 1/2 --------

def _spherical(fn, parity):
    """sqrt(pi/(2z)) fn(n + 1/2, z), extended to z < 0 by ``parity`` (the sign of f(-z) is
    parity(n) times f(z)), and its value at 0 (1 for n = 0, else 0; kn is infinite)."""
    def f(n, z):
        if z == 0:
            return mpmath.mpf(1 if n == 0 else 0)
        if z < 0:
            return parity(n) * f(n, -z)
        return mpmath.sqrt(mpmath.pi / (2 * z)) * fn(n + mpmath.mpf(1) / 2, z)
    return f


mp_spherical_jn = _spherical(mpmath.besselj, lambda n: (-1) ** n)

mp_spherical_yn = _spherical(mpmath.bessely, lambda n: (-1) ** (n + 1))

mp_spherical_in = _spherical(mpmath.besseli, lambda n: (-1) ** n)

mp_spherical_kn = _spherical(mpmath.besselk, lambda n: mpmath.nan)


def _derivative_in_z(fn):
    return lambda n, z: mpmath.diff(lambda t: fn(n, t), z)


mp_spherical_jn_d = _derivative_in_z(mp_spherical_jn)

mp_spherical_yn_d = _derivative_in_z(mp_spherical_yn)

mp_spherical_in_d = _derivative_in_z(mp_spherical_in)

mp_spherical_kn_d = _derivative_in_z(mp_spherical_kn)

f_spherical_jn, np_spherical_jn = _special_kernels("_ufuncs._spherical_jn",
                                                   _mp64_of(mp_spherical_jn))

f_spherical_yn, np_spherical_yn = _special_kernels("_ufuncs._spherical_yn",
                                                   _mp64_of(mp_spherical_yn))

f_spherical_in, np_spherical_in = _special_kernels("_ufuncs._spherical_in",
                                                   _mp64_of(mp_spherical_in))

f_spherical_kn, np_spherical_kn = _special_kernels("_ufuncs._spherical_kn",
                                                   _mp64_of(mp_spherical_kn))

f_spherical_jn_d, np_spherical_jn_d = _special_kernels("_ufuncs._spherical_jn_d",
                                                       _mp64_of(mp_spherical_jn_d))

f_spherical_yn_d, np_spherical_yn_d = _special_kernels("_ufuncs._spherical_yn_d",
                                                       _mp64_of(mp_spherical_yn_d))

f_spherical_in_d, np_spherical_in_d = _special_kernels("_ufuncs._spherical_in_d",
                                                       _mp64_of(mp_spherical_in_d))

f_spherical_kn_d, np_spherical_kn_d = _special_kernels("_ufuncs._spherical_kn_d",
                                                       _mp64_of(mp_spherical_kn_d))


# Lambert W: scipy.special.lambertw(z, k=0, tol=1e-8) calls the ufunc _lambertw(z, k, tol),
# which computes in complex numbers (its only loops are complex): a real z gives a complex
# result, as in SciPy.

def mp_lambertw(z, k, tol):
    return mpmath.lambertw(z, int(k))


_lambertw_ufunc: Any = getattr(getattr(_special, "_ufuncs", None), "_lambertw", None)
if _lambertw_ufunc is None:  # pragma: no cover - exercised only without scipy
    def c_lambertw(z, k, tol):
        with mpmath.workprec(64):
            return complex(mpmath.lambertw(z, int(k)))
    np_lambertw = _vectorized(c_lambertw)
else:
    def c_lambertw(z, k, tol):
        return complex(_lambertw_ufunc(z, k, tol))
    np_lambertw = _lambertw_ufunc


# Airy functions: scipy.special.airy(z) returns (Ai, Ai', Bi, Bi') from one ufunc with four
# outputs; the table has one rule per output (dualad.scipy.special.airy returns the four)

def _airy_output(i):
    airy = getattr(_special, "airy", None)
    mp = (lambda z: mpmath.airyai(z), lambda z: mpmath.airyai(z, derivative=1),
          lambda z: mpmath.airybi(z), lambda z: mpmath.airybi(z, derivative=1))[i]
    if airy is None:  # pragma: no cover - exercised only without scipy
        kernel = _mp64_float(mp)
        return mp, kernel, kernel, _vectorized(kernel)

    def f(z):
        return float(airy(z)[i])

    def c(z):
        return complex(airy(z)[i])

    def np_(z):
        return airy(z)[i]
    return mp, f, c, np_


mp_airy_ai, f_airy_ai, c_airy_ai, np_airy_ai = _airy_output(0)

mp_airy_aip, f_airy_aip, c_airy_aip, np_airy_aip = _airy_output(1)

mp_airy_bi, f_airy_bi, c_airy_bi, np_airy_bi = _airy_output(2)

mp_airy_bip, f_airy_bip, c_airy_bip, np_airy_bip = _airy_output(3)
