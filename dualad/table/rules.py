"""The elemental tangent-rule table: one entry per primitive, the single source of truth.

Every layer reads this table: the scalar ``Dual`` and its operators, the drop-in
``dualad.math``/``dualad.cmath``, user rules, the docs' table of primitives and the
test that checks every rule against mpmath. A rule gives each partial derivative once,
as an expression in the rule's parameters and ``ans`` (the primal result), written with
the table's own functions::

    sin(x)      d/dx = cos(x)
    atan2(y, x) d/dy = x/hypot(x, y)/hypot(x, y),  d/dx = -y/hypot(x, y)/hypot(x, y)

The expression is compiled once per backend (floats with ``math``, complex numbers with
``cmath``, mpmath values, NumPy arrays, and duals themselves), so a partial evaluated on
duals is differentiated again by the same table: higher derivatives come for free.

>>> from dualad import rules
>>> rules["sin"].partials
('cos(x)',)
>>> rules["atan2"].params
('y', 'x')
"""
from __future__ import annotations

import cmath
import math
import operator

import mpmath
import numpy as np

from dualad.table import array_rules as ar
from dualad.table import linalg_rules as la
from dualad.table import primals as k
from dualad.table import shape_rules as sr
from dualad.table import special_primals as sk
from dualad.table import spectral_rules as fr
from dualad.table import statistics_rules as st
from dualad.table.rule import BACKENDS, Rule, RuleTable

__all__ = ["Rule", "RuleTable", "table"]
_math, _cmath = math, cmath   # the modules, where _rule's parameters take their names


# --- building the table -------------------------------------------------------------

def _real(fn):
    """An mpmath function restricted to the reals, as ``math`` is: a complex result, or an
    infinite one from finite arguments (a pole such as log(0)), raises ValueError."""
    def real(*args):
        try:
            out = fn(*args)
        except (ValueError, ZeroDivisionError) as exc:  # e.g. "gamma function pole"
            raise ValueError("math domain error") from exc
        if isinstance(out, mpmath.mpc) or (mpmath.isinf(out) and not any(
                isinstance(a, mpmath.mpf) and mpmath.isinf(a) for a in args)):
            raise ValueError("math domain error")
        return out
    real.__name__ = getattr(fn, "__name__", "real")
    return real


def _rule(name, params, *partials, kind="smooth", math=None, cmath=None, mp=None,
          numpy=None, float_=None, complex_=None, mpc=None, op=None, symbol=None,
          complex_args=True, jvp=None, complex_jvp=None, at=(), at_complex=(), doc="",
          ufuncs=(), methods=None, pattern=None, scipy=()):
    numpy_names = (numpy,) if isinstance(numpy, str) else (
        tuple(numpy) if isinstance(numpy, tuple) else tuple(ufuncs))
    # a kernel given as a function is the NumPy backend even where ``ufuncs`` names the
    # ufunc it stands for (np_hypot is variadic and takes complex numbers; np.hypot is not)
    if not callable(numpy):
        numpy = getattr(np, numpy_names[0]) if numpy_names else None
    if op is not None:
        impl = dict.fromkeys(BACKENDS, op)
    else:
        impl = {"float": float_ if float_ is not None else getattr(_math, math or "", None),
                "complex": complex_ if complex_ is not None else getattr(_cmath, cmath or "", None)}
        if mp is not None:
            # Functions of real arguments (all but the cmath-only ones) get a real mpmath
            # variant that raises ValueError where mpmath would go complex, as ``math`` does.
            fn = getattr(mpmath, mp) if isinstance(mp, str) else mp
            impl["mpf"] = _real(fn) if math is not None or cmath is None else fn
            impl["mpc"] = mpc if mpc is not None else fn
        impl = {b: f for b, f in dict(impl, numpy=numpy).items() if f is not None}
    return Rule(name=name, params=tuple(params.split()), partials=tuple(partials) or None,
                kind=kind, impl=impl, math=math, cmath=cmath, numpy_names=numpy_names,
                scipy=(scipy,) if isinstance(scipy, str) else tuple(scipy),
                methods=dict(methods or {}), pattern=pattern, symbol=symbol,
                complex_args=complex_args, jvp=jvp, complex_jvp=complex_jvp,
                at=tuple(p if isinstance(p, tuple) else (p,) for p in at),
                at_complex=tuple(p if isinstance(p, tuple) else (p,) for p in at_complex),
                doc=doc)


# --- tangent maps that are not a list of partials ------------------------------------

# A ``complex_jvp`` serves scalars and arrays alike: ``jvp(vals, ans, tans, k)``, ``k``
# the number of directions of an array's trailing tangent axis (None for one direction or
# for scalars). It is used whenever a primal *or a tangent* is complex: a real x moved
# along i leaves the real line, where these functions are not the real rule's extension.

def _part(x, name):
    """``x.real`` / ``x.imag``, also entry by entry in an object array (mpmath k-tangents,
    whose ``.real`` NumPy leaves as it is)."""
    if isinstance(x, np.ndarray) and x.dtype == object:
        return np.array([getattr(v, name) for v in x.flat], dtype=object).reshape(x.shape)
    return getattr(x, name)


def _over(num, r, k):
    """``num / r``, and 0 where ``r`` is 0 (the conventions abs'(0) = 0, arg'(0) = 0)."""
    if getattr(r, "ndim", 0) == 0:   # numbers and scalar duals
        return num * 0 if r == 0 else num / r
    r = ar.ex(r, k)
    zero = r == 0
    return np.where(zero, 0.0, num / np.where(zero, 1.0, r))


def _abs_complex_jvp(vals, ans, tans, k=None):
    """d|z| = Re(conj(z) dz)/|z| (not holomorphic), 0 at z = 0."""
    (z,), (t,) = vals, tans
    return _over(_part(ar.ex(z.conjugate(), k) * t, "real"), ans, k)


def _sign_complex_jvp(vals, ans, tans, k=None):
    """sign z = z/|z| (NumPy 2): d sign = (dz - s Re(conj(s) dz))/|z|, s = sign z; 0 at 0."""
    # With r = |z| and dr = Re(conj(s) dz): d(z/r) = dz/r - z dr/r^2; not holomorphic.
    (z,), (t,) = vals, tans
    s = ar.ex(ans, k)
    return _over(t - s * _part(s.conjugate() * t, "real"), abs(z), k)


def _phase_complex_jvp(vals, ans, tans, k=None):
    """d arg z = Im(dz/z) (not holomorphic); 0 at z = 0."""
    # Im(dz/z) = Im(conj(z) dz)/|z|^2, but the complex division keeps its scale where |z|^2
    # underflows (|z| = 1e-200). At z = 0 arg jumps, but along every line through 0 it is
    # constant on each side (arg dz, arg -dz): both one-sided derivatives are 0, as for
    # sign z = e^{i arg z}. Lane by lane: a k-tangent holds several directions.
    (z,), (t,) = vals, tans
    return _part(_over(t, z, k), "imag")


def _conjugate_jvp(vals, ans, tans):
    (t,) = tans
    return t.conjugate()


def _fsum_jvp(vals, ans, tans):
    moving = [t for t in tans if t is not None]
    if all(type(t) is float for t in moving):
        return math.fsum(moving)
    return sum(moving[1:], moving[0])


def _dist_jvp(vals, ans, tans):
    # d dist(p, q) = sum_i (p_i - q_i)(dp_i - dq_i) / dist(p, q)
    n = len(vals) // 2
    total = None
    for i in range(n):
        tp, tq = tans[i], tans[n + i]
        if tp is None and tq is None:
            continue
        dt = tp if tq is None else (-tq if tp is None else tp - tq)
        term = (vals[i] - vals[n + i]) * dt
        total = term if total is None else total + term
    assert total is not None, "dist's tangent rule is called with a moving argument"
    return total * 0 if ans == 0 else total / ans


def _sumprod_jvp(vals, ans, tans):
    n = len(vals) // 2
    total = None
    for i in range(n):
        for t, other in ((tans[i], vals[n + i]), (tans[n + i], vals[i])):
            if t is not None:
                term = t * other
                total = term if total is None else total + term
    return total


def _mp_dist(*x):
    n = len(x) // 2
    return mpmath.sqrt(mpmath.fsum((x[i] - x[n + i]) ** 2 for i in range(n)))


def _mp_sumprod(*x):
    n = len(x) // 2
    return mpmath.fsum(x[i] * x[n + i] for i in range(n))


_REAL = (0.3, -0.7, 1.9)
_POS = (0.3, 1.7, 6.5)
_UNIT = (-0.7, 0.2, 0.9)
_CPLX = (0.3 + 0.4j, -1.5 + 0.5j, 2.0 - 1.0j)
#: complex pairs with distinct real parts (a tie in the real part is a jump of the
#: lexicographic max/min along the real axis)
_CPLX_PAIRS = [(1.5 + 2j, 1.0 - 1j), (-0.5 - 1j, 0.25 + 3j)]
#: the partials of a function that returns one of its arguments (max, min, fmax, fmin)
_CHOSEN_X = "where(x == y, 0.5, where(ans == x, 1, 0))"
_CHOSEN_Y = "where(x == y, 0.5, where(ans == y, 1, 0))"

_RULES = [
    # Python's arithmetic operators ------------------------------------------------
    _rule("add", "x y", "1", "1", op=operator.add, symbol="+", numpy="add",
          methods={"reduce": np.sum, "accumulate": np.cumsum},
          at=[(1.3, -0.7)], at_complex=[(1 + 2j, 0.5 - 1j)], doc="x + y"),
    _rule("sub", "x y", "1", "-1", op=operator.sub, symbol="-", numpy="subtract",
          at=[(1.3, -0.7)], at_complex=[(1 + 2j, 0.5 - 1j)], doc="x - y"),
    _rule("mul", "x y", "y", "x", op=operator.mul, symbol="*", numpy="multiply", pattern="product",
          methods={"reduce": np.prod, "accumulate": np.cumprod},
          at=[(1.3, -0.7)], at_complex=[(1 + 2j, 0.5 - 1j)], doc="x * y"),
    _rule("truediv", "x y", "1/y", "-ans/y", op=operator.truediv, symbol="/",
          numpy=("divide", "true_divide"), pattern="quotient",
          at=[(1.3, -0.7), (-2.5, 4.0)], at_complex=[(1 + 2j, 0.5 - 1j)], doc="x / y"),
    _rule("pow", "x y", "where(x == 0, where(y == 0, 0, y*x**(y - 1)), y*x**(y - 1))", "where(x == 0, 0, ans*log(x))",
          op=operator.pow, symbol="**", math="pow", numpy=("power", "float_power"),
          at=[(1.3, 2.5), (0.7, -1.5), (2.0, 3.0), (-1.5, 2.0)],
          at_complex=[(1 + 2j, 0.5 - 1j)],
          doc="x ** y; x**0 has tangent 0, x**n is exact at 0, 0**y has d/dy = 0 for y > 0"),
    _rule("neg", "x", "-1", op=operator.neg, symbol="-", numpy="negative",
          at=[1.3], at_complex=[1 - 2j], doc="-x"),
    _rule("pos", "x", "1", op=operator.pos, symbol="+", numpy="positive",
          at=[1.3], at_complex=[1 - 2j], doc="+x"),
    _rule("abs", "x", "sign(x)", op=abs, symbol="abs()", numpy="absolute", complex_jvp=_abs_complex_jvp,
          at=[1.3, -0.4], at_complex=[1 - 2j], doc="|x|; abs'(0) = 0"),
    _rule("mod", "x y", "1", "-round((x - ans)/y)", op=operator.mod, symbol="%",
          numpy="remainder", at=[(5.3, 1.7), (-5.3, 1.7), (5.3, -1.7)],
          doc="x % y (Python's sign convention)"),
    _rule("floordiv", "x y", kind="constant", op=operator.floordiv, symbol="//",
          numpy="floor_divide", at=[(5.3, 1.7)], doc="x // y: piecewise constant"),

    # math / cmath: trigonometric and hyperbolic ----------------------------------
    _rule("sin", "x", "cos(x)", math="sin", cmath="sin", mp="sin", numpy="sin",
          at=_REAL, at_complex=_CPLX),
    _rule("cos", "x", "-sin(x)", math="cos", cmath="cos", mp="cos", numpy="cos",
          at=_REAL, at_complex=_CPLX),
    _rule("tan", "x", "1 + ans*ans", math="tan", cmath="tan", mp="tan", numpy="tan",
          at=_REAL, at_complex=_CPLX),
    _rule("asin", "x", "1/sqrt((1 - x)*(1 + x))", math="asin", cmath="asin", mp="asin",
          numpy="arcsin", at=_UNIT, at_complex=_CPLX),
    _rule("acos", "x", "-1/sqrt((1 - x)*(1 + x))", math="acos", cmath="acos", mp="acos",
          numpy="arccos", at=_UNIT, at_complex=_CPLX),
    _rule("atan", "x", "1/(1 + x*x)", math="atan", cmath="atan", mp="atan", numpy="arctan",
          at=_REAL, at_complex=_CPLX),
    _rule("atan2", "y x", "x/hypot(x, y)/hypot(x, y)", "-y/hypot(x, y)/hypot(x, y)",
          math="atan2", mp="atan2", numpy="arctan2",
          at=[(0.3, 1.2), (-1.1, -0.4), (2.0, -3.0)]),
    _rule("sinh", "x", "cosh(x)", math="sinh", cmath="sinh", mp="sinh", numpy="sinh",
          at=_REAL, at_complex=_CPLX),
    _rule("cosh", "x", "sinh(x)", math="cosh", cmath="cosh", mp="cosh", numpy="cosh",
          at=_REAL, at_complex=_CPLX),
    _rule("tanh", "x", "sech(x)**2", math="tanh", cmath="tanh", mp="tanh", numpy="tanh",
          at=_REAL + (25.0,), at_complex=_CPLX, doc="also the seeds' tanh activation"),
    _rule("sech", "x", "-ans*tanh(x)", float_=k.f_sech, complex_=k.c_sech, mp="sech",
          numpy=k.np_sech, at=_REAL + (25.0, 400.0), at_complex=_CPLX,
          doc="1/cosh(x), finite where cosh overflows: tanh's partial sech(x)**2 stays "
              "finite at every order (1/cosh(x)**2 is inf/inf on duals for |x| > 355)"),
    _rule("asinh", "x", "1/hypot(1, x)", math="asinh", cmath="asinh", mp="asinh",
          numpy="arcsinh", at=_REAL, at_complex=_CPLX),
    _rule("acosh", "x", "1/(sqrt(x - 1)*sqrt(x + 1))", math="acosh", cmath="acosh",
          mp="acosh", numpy="arccosh", at=(1.2, 3.0, 25.0), at_complex=_CPLX),
    _rule("atanh", "x", "1/((1 - x)*(1 + x))", math="atanh", cmath="atanh", mp="atanh",
          numpy="arctanh", at=_UNIT, at_complex=_CPLX),
    _rule("hypot", "*x", "where(ans == 0, 0, x/ans)", math="hypot", complex_=k.c_hypot, mp=k.mp_hypot,
          numpy=k.np_hypot, ufuncs=("hypot",), at=[(0.3, -1.2), (1.5, 2.0, -0.5)],
          doc="sqrt(x1^2 + ... + xn^2), any number of coordinates; 0 derivative at the origin"),
    _rule("degrees", "x", "180/pi", math="degrees", mp="degrees", numpy=("degrees", "rad2deg"),
          at=_REAL),
    _rule("radians", "x", "pi/180", math="radians", mp="radians", numpy=("radians", "deg2rad"),
          at=_REAL),

    # exponentials and logarithms --------------------------------------------------
    _rule("exp", "x", "ans", math="exp", cmath="exp", mp="exp", numpy="exp",
          at=_REAL, at_complex=_CPLX),
    _rule("exp2", "x", "ans*ln2", math="exp2", float_=None if hasattr(math, "exp2") else k.f_exp2,
          complex_=k.c_exp2, mp=k.mp_exp2, numpy="exp2", scipy="exp2", at=_REAL),
    _rule("expm1", "x", "exp(x)", math="expm1", complex_=k.c_expm1, mp="expm1", numpy="expm1",
          scipy="expm1", at=_REAL + (-40.0,), at_complex=_CPLX),
    _rule("log", "x", "1/x", math="log", cmath="log", mp="log", numpy="log",
          at=_POS, at_complex=_CPLX),
    _rule("log_base", "x base", "1/(x*log(base))", "-ans/(base*log(base))", math="log",
          cmath="log", float_=math.log, complex_=cmath.log, mp="log",
          numpy=k.np_log_base, at=[(2.5, 10.0), (0.3, 2.0)], at_complex=[(1 + 1j, 3.0)],
          doc="log(x, base): the two-argument log"),
    _rule("log2", "x", "1/(x*ln2)", math="log2", complex_=k.c_log2, mp=k.mp_log2,
          numpy="log2", at=_POS, at_complex=_CPLX),
    _rule("log10", "x", "1/(x*ln10)", math="log10", cmath="log10", mp="log10",
          numpy="log10", at=_POS, at_complex=_CPLX),
    _rule("log1p", "x", "1/(1 + x)", math="log1p", complex_=k.c_log1p, mp="log1p",
          numpy=k.np_log1p, ufuncs=("log1p",), scipy="log1p", at=(-0.7, 0.3, 4.0), at_complex=_CPLX,
          doc="log(1 + x); on complex numbers to a few ulp (NumPy's log(1 + z) is not)"),
    _rule("sqrt", "x", "0.5/ans", math="sqrt", cmath="sqrt", mp="sqrt", numpy="sqrt",
          at=_POS, at_complex=_CPLX),
    _rule("cbrt", "x", "1/(3*ans*ans)", math="cbrt",
          float_=None if hasattr(math, "cbrt") else k.f_cbrt, mp=k.mp_cbrt, mpc=mpmath.cbrt,
          numpy="cbrt", scipy="cbrt", at=(0.3, -8.0, 27.5)),

    # special functions ------------------------------------------------------------
    _rule("erf", "x", "2*exp(-x*x)/sqrt(pi)", math="erf", mp="erf", numpy=k.np_erf, scipy="erf",
          at=_REAL),
    _rule("erfc", "x", "-2*exp(-x*x)/sqrt(pi)", math="erfc", mp="erfc", numpy=k.np_erfc,
          scipy="erfc", at=_REAL),
    _rule("gamma", "x", "ans*digamma(x)", math="gamma", mp="gamma", numpy=k.np_gamma,
          scipy="gamma", at=(0.3, 2.5, -1.5, 6.2)),
    _rule("lgamma", "x", "digamma(x)", math="lgamma", mp=k.mp_lgamma, numpy=k.np_lgamma,
          scipy="gammaln", at=(0.3, 2.5, -1.5, 16.2), doc="log|gamma(x)| (scipy.special.gammaln)"),
    _rule("digamma", "x", "polygamma(1, x)", float_=k.f_digamma, mp="digamma",
          numpy=k.np_digamma, scipy=("digamma", "psi"), at=(0.3, 2.5, -1.5), doc="psi(x) = gamma'(x)/gamma(x)"),
    _rule("polygamma", "n x", None, "polygamma(n + 1, x)", float_=k.f_polygamma,
          mp="polygamma", numpy=k.np_polygamma, at=[(1, 0.3), (2, 2.5), (1, -1.5)],
          doc="the n-th derivative of digamma; n is an integer"),

    # scipy.special's functions (their float and NumPy kernels are SciPy's when it is
    # installed; see dualad.table.primals) ----------------------------------------------
    _rule("logit", "x", "1/(x*(1 - x))", float_=sk.f_logit, mp=sk.mp_logit, numpy=sk.np_logit,
          scipy="logit", at=(0.2, 0.5, 0.9), doc="log(x/(1 - x)), the inverse of expit"),
    _rule("log_expit", "x", "sigmoid(-x)", float_=sk.f_log_expit, mp=sk.mp_log_expit,
          numpy=sk.np_log_expit, scipy="log_expit", at=(-30.0, -1.0, 0.5, 20.0),
          doc="log(expit(x)) = -softplus(-x)"),
    _rule("xlogy", "x y", "log(y)", "x/y", float_=sk.f_xlogy, mp=sk.mp_xlogy, numpy=sk.np_xlogy,
          scipy="xlogy", at=[(0.7, 2.5), (-1.5, 0.3), (0.0, 2.0)],
          doc="x*log(y), 0 where x = 0"),
    _rule("xlog1py", "x y", "log1p(y)", "x/(1 + y)", float_=sk.f_xlog1py, mp=sk.mp_xlog1py,
          numpy=sk.np_xlog1py, scipy="xlog1py", at=[(0.7, 2.5), (-1.5, -0.3), (0.0, 2.0)],
          doc="x*log1p(y), 0 where x = 0"),
    _rule("entr", "x", "-1 - log(x)", float_=sk.f_entr, mp=sk.mp_entr, numpy=sk.np_entr,
          scipy="entr", at=(0.2, 1.0, 3.5), doc="-x*log(x) (0 at 0, -inf for x < 0)"),
    _rule("rel_entr", "x y", "log(x/y) + 1", "-x/y", float_=sk.f_rel_entr, mp=sk.mp_rel_entr,
          numpy=sk.np_rel_entr, scipy="rel_entr", at=[(0.7, 2.5), (3.0, 1.5)],
          doc="x*log(x/y) for x, y > 0 (0 at x = 0)"),
    _rule("kl_div", "x y", "log(x/y)", "1 - x/y", float_=sk.f_kl_div, mp=sk.mp_kl_div,
          numpy=sk.np_kl_div, scipy="kl_div", at=[(0.7, 2.5), (3.0, 1.5)],
          doc="x*log(x/y) - x + y for x, y > 0"),
    _rule("erfcx", "x", "2*x*ans - 2/sqrt(pi)", float_=sk.f_erfcx, mp=sk.mp_erfcx,
          numpy=sk.np_erfcx, scipy="erfcx", at=(-1.5, 0.3, 3.0),
          doc="exp(x^2) erfc(x); its partial cancels for large x (~x^2 ulp: 1e3 at x = 30)"),
    _rule("erfinv", "x", "sqrt(pi)*exp(ans*ans)/2", float_=sk.f_erfinv, mp="erfinv",
          numpy=sk.np_erfinv, scipy="erfinv", at=(-0.9, 0.1, 0.7), doc="the inverse of erf"),
    _rule("erfcinv", "x", "-sqrt(pi)*exp(ans*ans)/2", float_=sk.f_erfcinv, mp=sk.mp_erfcinv,
          numpy=sk.np_erfcinv, scipy="erfcinv", at=(0.1, 1.0, 1.7), doc="the inverse of erfc"),
    _rule("ndtr", "x", "exp(-x*x/2)/sqrt(2*pi)", float_=sk.f_ndtr, mp="ncdf", numpy=sk.np_ndtr,
          scipy="ndtr", at=(-2.5, 0.3, 1.9), doc="the standard normal CDF"),
    _rule("log_ndtr", "x", "exp(-x*x/2 - ans)/sqrt(2*pi)", float_=sk.f_log_ndtr,
          mp=sk.mp_log_ndtr, numpy=sk.np_log_ndtr, scipy="log_ndtr", at=(-5.0, -2.5, 0.3, 4.0),
          doc="log of the standard normal CDF; its partial stays finite far in the tail "
              "(to ~|x| ulp there)"),
    _rule("ndtri", "p", "sqrt(2*pi)*exp(ans*ans/2)", float_=sk.f_ndtri, mp=sk.mp_ndtri,
          numpy=sk.np_ndtri, scipy="ndtri", at=(0.05, 0.5, 0.8), doc="the inverse of ndtr"),
    _rule("loggamma", "x", "digamma(x)", float_=sk.f_loggamma, mp="loggamma",
          numpy=sk.np_loggamma, scipy="loggamma", at=(0.3, 2.5, 16.2),
          doc="the principal branch of log Gamma (nan for real x < 0, as SciPy's; on "
              "complex numbers through scipy.special.loggamma, first order)"),
    _rule("gammainc", "a x", None, "where(a < 0, nan, where(x == 0, x**(a - 1)*exp(-x - "
          "lgamma(a)), exp((a - 1)*log(x) - x - lgamma(a))))", float_=sk.f_gammainc, mp=sk.mp_gammainc,
          numpy=sk.np_gammainc, scipy="gammainc", at=[(2.5, 1.3), (0.5, 0.2), (1, 3.0)],
          doc="regularized lower incomplete gamma P(a, x) (a >= 0, nan below, as "
              "SciPy's); a is not differentiated"),
    _rule("gammaincc", "a x", None, "where(a < 0, nan, -where(x == 0, x**(a - 1)*exp(-x - "
          "lgamma(a)), exp((a - 1)*log(x) - x - lgamma(a))))", float_=sk.f_gammaincc, mp=sk.mp_gammaincc,
          numpy=sk.np_gammaincc, scipy="gammaincc", at=[(2.5, 1.3), (0.5, 0.2), (1, 3.0)],
          doc="regularized upper incomplete gamma Q(a, x) = 1 - P(a, x); a is not "
              "differentiated"),
    _rule("betainc", "a b x", None, None, "where(a < 0, nan, where(b < 0, nan, where(x*(1 - x) "
          "== 0, x**(a - 1)*(1 - x)**(b - 1)/beta(a, b), exp((a - 1)*log(x) + (b - 1)*log1p(-x) "
          "- betaln(a, b)))))",
          float_=sk.f_betainc, mp=sk.mp_betainc, numpy=sk.np_betainc, scipy="betainc",
          at=[(2.5, 1.5, 0.3), (0.5, 3.0, 0.8)],
          doc="regularized incomplete beta I_x(a, b) (a, b >= 0, nan below, as SciPy's); "
              "a, b are not differentiated"),
    _rule("beta", "a b", "ans*(digamma(a) - digamma(a + b))", "ans*(digamma(b) - digamma(a + b))",
          float_=sk.f_beta, mp="beta", numpy=sk.np_beta, scipy="beta",
          at=[(0.7, 2.5), (3.0, 1.5)], doc="B(a, b) = Gamma(a) Gamma(b)/Gamma(a + b)"),
    _rule("betaln", "a b", "digamma(a) - digamma(a + b)", "digamma(b) - digamma(a + b)",
          float_=sk.f_betaln, mp=sk.mp_betaln, numpy=sk.np_betaln, scipy="betaln",
          at=[(0.7, 2.5), (3.0, 1.5), (-0.5, 2.2)], doc="log|B(a, b)|"),
    _rule("jv", "v x", None, "(jv(v - 1, x) - jv(v + 1, x))/2", float_=sk.f_jv, mp="besselj",
          numpy=sk.np_jv, scipy="jv", at=[(0.5, 1.3), (2, 7.5), (-1.5, 2.0)],
          doc="Bessel function of the first kind of real order v (not differentiated)"),
    _rule("yv", "v x", None, "(yv(v - 1, x) - yv(v + 1, x))/2", float_=sk.f_yv, mp="bessely",
          numpy=sk.np_yv, scipy="yv", at=[(0.5, 1.3), (2, 7.5), (-1.5, 2.0)],
          doc="... of the second kind (x > 0)"),
    _rule("iv", "v x", None, "(iv(v - 1, x) + iv(v + 1, x))/2", float_=sk.f_iv, mp="besseli",
          numpy=sk.np_iv, scipy="iv", at=[(0.5, 1.3), (2, 7.5), (-1.5, 2.0)],
          doc="modified Bessel function of the first kind of real order v"),
    _rule("ive", "v x", None, "(ive(v - 1, x) + ive(v + 1, x))/2 - sign(x)*ans",
          float_=sk.f_ive, mp=sk.mp_ive, numpy=sk.np_ive, scipy="ive",
          at=[(0.5, 1.3), (2, 7.5), (-1.5, 2.0)], doc="exp(-|x|) iv(v, x)"),
    _rule("kv", "v x", None, "-(kv(v - 1, x) + kv(v + 1, x))/2", float_=sk.f_kv, mp="besselk",
          numpy=sk.np_kv, scipy="kv", at=[(0.5, 1.3), (2, 7.5), (-1.5, 2.0)],
          doc="modified Bessel function of the second kind of real order v (x > 0)"),
    _rule("kve", "v x", None, "ans - (kve(v - 1, x) + kve(v + 1, x))/2", float_=sk.f_kve,
          mp=sk.mp_kve, numpy=sk.np_kve, scipy="kve", at=[(0.5, 1.3), (2, 7.5), (-1.5, 2.0)],
          doc="exp(x) kv(v, x)"),
    _rule("exp10", "x", "ans*ln10", float_=sk.f_exp10, mp=sk.mp_exp10, numpy=sk.np_exp10,
          scipy="exp10", at=_REAL, doc="10**x"),
    _rule("sindg", "x", "pi/180*cosdg(x)", float_=sk.f_sindg, mp=sk.mp_sindg, numpy=sk.np_sindg,
          scipy="sindg", at=(30.0, -45.0, 100.0), doc="sin of x degrees"),
    _rule("cosdg", "x", "-pi/180*sindg(x)", float_=sk.f_cosdg, mp=sk.mp_cosdg, numpy=sk.np_cosdg,
          scipy="cosdg", at=(30.0, -45.0, 100.0), doc="cos of x degrees"),
    _rule("ellipk", "m", "(ellipe(m) - (1 - m)*ans)/(2*m*(1 - m))", float_=sk.f_ellipk,
          mp="ellipk", numpy=sk.np_ellipk, scipy="ellipk", at=(-1.5, 0.2, 0.7),
          doc="complete elliptic integral of the first kind K(m) (m < 1; the partial is "
              "0/0 at m = 0)"),
    _rule("ellipe", "m", "(ans - ellipk(m))/(2*m)", float_=sk.f_ellipe, mp="ellipe",
          numpy=sk.np_ellipe, scipy="ellipe", at=(-1.5, 0.2, 0.7),
          doc="complete elliptic integral of the second kind E(m) (m <= 1; the partial is "
              "0/0 at m = 0)"),
    _rule("j0", "x", "-j1(x)", float_=sk.f_j0, mp=sk.mp_j0, numpy=sk.np_j0, scipy="j0",
          at=(-1.3, 0.4, 7.5), doc="Bessel function of the first kind, order 0"),
    _rule("j1", "x", "where(x == 0, 0.5, j0(x) - j1(x)/x)", float_=sk.f_j1, mp=sk.mp_j1,
          numpy=sk.np_j1, scipy="j1", at=(-1.3, 0.4, 7.5), doc="... order 1"),
    _rule("y0", "x", "-y1(x)", float_=sk.f_y0, mp=sk.mp_y0, numpy=sk.np_y0, scipy="y0",
          at=(0.4, 2.0, 7.5), doc="Bessel function of the second kind, order 0 (x > 0)"),
    _rule("y1", "x", "y0(x) - y1(x)/x", float_=sk.f_y1, mp=sk.mp_y1, numpy=sk.np_y1, scipy="y1",
          at=(0.4, 2.0, 7.5), doc="... order 1 (x > 0)"),
    _rule("i0", "x", "i1(x)", float_=sk.f_i0, mp=sk.mp_i0, numpy=sk.np_i0, scipy="i0",
          at=(-1.3, 0.4, 7.5), doc="modified Bessel function of the first kind, order 0"),
    _rule("i1", "x", "where(x == 0, 0.5, i0(x) - i1(x)/x)", float_=sk.f_i1, mp=sk.mp_i1,
          numpy=sk.np_i1, scipy="i1", at=(-1.3, 0.4, 7.5), doc="... order 1"),
    _rule("i0e", "x", "i1e(x) - sign(x)*ans", float_=sk.f_i0e, mp=sk.mp_i0e, numpy=sk.np_i0e,
          scipy="i0e", at=(-1.3, 0.4, 3.0),
          doc="exp(-|x|) i0(x); i0e'(0) = 0; the partial cancels for large |x| (~|x|/10 ulp)"),
    _rule("i1e", "x", "where(x == 0, 0.5, i0e(x) - i1e(x)/x - sign(x)*ans)", float_=sk.f_i1e,
          mp=sk.mp_i1e, numpy=sk.np_i1e, scipy="i1e", at=(-0.4, 1.0, 5.0),
          doc="exp(-|x|) i1(x); the partial cancels for large |x|"),
    _rule("k0", "x", "-k1(x)", float_=sk.f_k0, mp=sk.mp_k0, numpy=sk.np_k0, scipy="k0",
          at=(0.4, 2.0, 7.5), doc="modified Bessel function of the second kind, order 0 (x > 0)"),
    _rule("k1", "x", "-k0(x) - k1(x)/x", float_=sk.f_k1, mp=sk.mp_k1, numpy=sk.np_k1, scipy="k1",
          at=(0.4, 2.0, 7.5), doc="... order 1 (x > 0)"),
    _rule("k0e", "x", "ans - k1e(x)", float_=sk.f_k0e, mp=sk.mp_k0e, numpy=sk.np_k0e,
          scipy="k0e", at=(0.4, 2.0, 7.5),
          doc="exp(x) k0(x); the partial cancels for large x (~x/3 ulp)"),
    _rule("k1e", "x", "ans - k0e(x) - k1e(x)/x", float_=sk.f_k1e, mp=sk.mp_k1e, numpy=sk.np_k1e,
          scipy="k1e", at=(0.4, 2.0, 7.5),
          doc="exp(x) k1(x); the partial cancels for large x"),
    _rule("zeta", "s", "zetad(1, s, 1)", float_=sk.f_zeta, mp=sk.mp_riemann_zeta,
          numpy=sk.np_zeta, scipy=[("zeta", "_ufuncs._riemann_zeta")],
          at=(-1.5, 0.5, 2.5, 4.0), doc="Riemann zeta function (scipy.special.zeta(s))"),
    _rule("hurwitz_zeta", "s q", "zetad(1, s, q)", "-s*hurwitz_zeta(s + 1, q)",
          float_=sk.f_hurwitz_zeta, mp=sk.mp_hurwitz_zeta, numpy=sk.np_hurwitz_zeta,
          scipy=[("zeta", "_ufuncs._zeta")], at=[(2.5, 0.7), (3.0, 2.0), (1.5, 1.3)],
          doc="Hurwitz zeta function (scipy.special.zeta(s, q))"),
    _rule("zetad", "n s q", None, "zetad(n + 1, s, q)",
          "-s*zetad(n, s + 1, q) - n*zetad(maximum(n - 1, 0), s + 1, q)",
          float_=sk.f_zetad, mp=sk.mp_zetad, numpy=sk.np_zetad,
          at=[(1, 2.5, 0.7), (2, 3.0, 1.0)],
          doc="n-th derivative in s of zeta(s, q) (mpmath's zeta(s, q, n), entry by entry: "
              "slow on large arrays)"),
    _rule("lambertw", "z k tol", "where(z == 0, 1, ans/(z*(1 + ans)))", None, None,
          float_=sk.c_lambertw, complex_=sk.c_lambertw, mp=sk.mp_lambertw, mpc=sk.mp_lambertw,
          numpy=sk.np_lambertw, scipy=[("lambertw", "_ufuncs._lambertw")],
          at_complex=[(0.5 + 0.2j, 0, 1e-8), (2.5 - 1.0j, 0, 1e-8), (-0.2 + 0.1j, -1, 1e-8)],
          doc="Lambert W, branch k (complex, as in SciPy, also for real z; k and tol not "
              "differentiated)"),
    _rule("airy_ai", "z", "airy_aip(z)", float_=sk.f_airy_ai, complex_=sk.c_airy_ai, mp=sk.mp_airy_ai,
          numpy=sk.np_airy_ai, at=(-1.3, 0.4, 2.5), at_complex=[0.3 + 0.4j],
          doc="Airy function Ai(z) (the first output of scipy.special.airy; dualad.scipy.special.airy)"),
    _rule("airy_aip", "z", "z*airy_ai(z)", float_=sk.f_airy_aip, complex_=sk.c_airy_aip, mp=sk.mp_airy_aip,
          numpy=sk.np_airy_aip, at=(-1.3, 0.4, 2.5), at_complex=[0.3 + 0.4j],
          doc="Ai'(z) (the second output of scipy.special.airy; dualad.scipy.special.airy)"),
    _rule("airy_bi", "z", "airy_bip(z)", float_=sk.f_airy_bi, complex_=sk.c_airy_bi, mp=sk.mp_airy_bi,
          numpy=sk.np_airy_bi, at=(-1.3, 0.4, 2.5), at_complex=[0.3 + 0.4j],
          doc="Airy function Bi(z) (the third output of scipy.special.airy; dualad.scipy.special.airy)"),
    _rule("airy_bip", "z", "z*airy_bi(z)", float_=sk.f_airy_bip, complex_=sk.c_airy_bip, mp=sk.mp_airy_bip,
          numpy=sk.np_airy_bip, at=(-1.3, 0.4, 2.5), at_complex=[0.3 + 0.4j],
          doc="Bi'(z) (the fourth output of scipy.special.airy; dualad.scipy.special.airy)"),
    _rule("spherical_jn", "n z", None,
          "(n*spherical_jn(maximum(n - 1, 0), z) - (n + 1)*spherical_jn(n + 1, z))/(2*n + 1)",
          float_=sk.f_spherical_jn, mp=sk.mp_spherical_jn, numpy=sk.np_spherical_jn,
          scipy=[("_ufuncs._spherical_jn", "_ufuncs._spherical_jn")],
          at=[(0, 0.7), (1, 2.5), (3, 1.3)], doc="spherical Bessel function j_n(z) (z >= 0; dualad.scipy.special.spherical_jn for any z)"),
    _rule("spherical_jn_d", "n z", None,
          "(n*spherical_jn_d(maximum(n - 1, 0), z) - (n + 1)*spherical_jn_d(n + 1, z))/(2*n + 1)",
          float_=sk.f_spherical_jn_d, mp=sk.mp_spherical_jn_d, numpy=sk.np_spherical_jn_d,
          scipy=[("_ufuncs._spherical_jn_d", "_ufuncs._spherical_jn_d")],
          at=[(0, 0.7), (1, 2.5), (3, 1.3)], doc="j_n'(z) (spherical_jn(n, z, derivative=True))"),
    _rule("spherical_yn", "n z", None,
          "(n*spherical_yn(maximum(n - 1, 0), z) - (n + 1)*spherical_yn(n + 1, z))/(2*n + 1)",
          float_=sk.f_spherical_yn, mp=sk.mp_spherical_yn, numpy=sk.np_spherical_yn,
          scipy=[("_ufuncs._spherical_yn", "_ufuncs._spherical_yn")],
          at=[(0, 0.7), (1, 2.5), (2, 1.3)], doc="spherical Bessel function y_n(z)"),
    _rule("spherical_yn_d", "n z", None,
          "(n*spherical_yn_d(maximum(n - 1, 0), z) - (n + 1)*spherical_yn_d(n + 1, z))/(2*n + 1)",
          float_=sk.f_spherical_yn_d, mp=sk.mp_spherical_yn_d, numpy=sk.np_spherical_yn_d,
          scipy=[("_ufuncs._spherical_yn_d", "_ufuncs._spherical_yn_d")],
          at=[(0, 0.7), (1, 2.5), (2, 1.3)], doc="y_n'(z)"),
    _rule("spherical_in", "n z", None,
          "(n*spherical_in(maximum(n - 1, 0), z) + (n + 1)*spherical_in(n + 1, z))/(2*n + 1)",
          float_=sk.f_spherical_in, mp=sk.mp_spherical_in, numpy=sk.np_spherical_in,
          scipy=[("_ufuncs._spherical_in", "_ufuncs._spherical_in")],
          at=[(0, 0.7), (1, 2.5), (3, 1.3)], doc="modified spherical Bessel function i_n(z)"),
    _rule("spherical_in_d", "n z", None,
          "(n*spherical_in_d(maximum(n - 1, 0), z) + (n + 1)*spherical_in_d(n + 1, z))/(2*n + 1)",
          float_=sk.f_spherical_in_d, mp=sk.mp_spherical_in_d, numpy=sk.np_spherical_in_d,
          scipy=[("_ufuncs._spherical_in_d", "_ufuncs._spherical_in_d")],
          at=[(0, 0.7), (1, 2.5), (3, 1.3)], doc="i_n'(z)"),
    _rule("spherical_kn", "n z", None,
          "-(n*spherical_kn(maximum(n - 1, 0), z) + (n + 1)*spherical_kn(n + 1, z))/(2*n + 1)",
          float_=sk.f_spherical_kn, mp=sk.mp_spherical_kn, numpy=sk.np_spherical_kn,
          scipy=[("_ufuncs._spherical_kn", "_ufuncs._spherical_kn")],
          at=[(0, 0.7), (1, 2.5), (2, 4.0)], doc="modified spherical Bessel function k_n(z) (z > 0)"),
    _rule("spherical_kn_d", "n z", None,
          "-(n*spherical_kn_d(maximum(n - 1, 0), z) + (n + 1)*spherical_kn_d(n + 1, z))/(2*n + 1)",
          float_=sk.f_spherical_kn_d, mp=sk.mp_spherical_kn_d, numpy=sk.np_spherical_kn_d,
          scipy=[("_ufuncs._spherical_kn_d", "_ufuncs._spherical_kn_d")],
          at=[(0, 0.7), (1, 2.5), (2, 4.0)], doc="k_n'(z)"),

    # the seeds' activations ------------------------------------------------------
    _rule("sigmoid", "x", "ans*sigmoid(-x)", float_=k.f_sigmoid, complex_=k.c_sigmoid,
          mp=k.mp_sigmoid, mpc=k.mpc_sigmoid, numpy=k.np_sigmoid, scipy="expit", at=(-2.0, 0.0, 0.5, 30.0),
          at_complex=[0.3 + 0.2j], doc="logistic sigmoid 1/(1 + e^-x) (alias: logistic)"),
    _rule("softplus", "x", "sigmoid(x)", float_=k.f_softplus, complex_=k.c_softplus,
          mp=k.mp_softplus, mpc=k.mpc_softplus, numpy=k.np_softplus, at=(-30.0, -1.0, 0.0, 2.0),
          doc="log(1 + e^x)"),
    _rule("relu", "x", "heaviside(x, 0)", float_=k.f_relu, mp=k.mp_relu, numpy=k.np_relu,
          at=(-1.5, 0.7), doc="max(x, 0); relu'(0) = 0"),

    # sign manipulation and remainders ----------------------------------------------
    _rule("fabs", "x", "sign(x)", math="fabs", mp="fabs", numpy="fabs", at=(1.3, -0.4),
          complex_jvp=_abs_complex_jvp,
          doc="|x| as a float; fabs'(0) = 0; moved off the real line, the modulus (as abs)"),
    _rule("copysign", "x y", "sign(x)*copysign(1, y)", "0", math="copysign",
          mp=k.mp_copysign, numpy="copysign", at=[(1.3, -2.0), (-0.4, 3.0)]),
    _rule("fmod", "x y", "1", "-round((x - ans)/y)", math="fmod", mp=k.mp_fmod, numpy="fmod",
          at=[(5.3, 1.7), (-5.3, 1.7)], doc="C fmod: the sign of x"),
    _rule("remainder", "x y", "1", "-round((x - ans)/y)", math="remainder",
          mp=k.mp_remainder, numpy=k.np_remainder, at=[(5.3, 1.7), (-5.3, 1.9)], doc="IEEE remainder"),
    _rule("ldexp", "x i", "ldexp(1.0, i)", None, math="ldexp", mp="ldexp", numpy="ldexp",
          at=[(1.3, 3), (-0.7, -2)], doc="x * 2**i; i is an integer"),
    _rule("nextafter", "x y", "1", "0", math="nextafter", mp=k.mp_nextafter,
          numpy="nextafter", at=[(1.3, 2.0)], doc="the float after x towards y (~ x)"),

    # reductions over sequences ---------------------------------------------------
    _rule("fsum", "*x", kind="reduction", pattern="sum", math="fsum", float_=k.f_fsum, jvp=_fsum_jvp,
          mp=lambda *x: mpmath.fsum(x), at=[(0.1, 0.2, -0.3)], doc="exact sum of an iterable"),
    _rule("prod", "*x", kind="composite", math="prod", mp=lambda *x: mpmath.fprod(x),
          at=[(1.3, -0.7, 2.0)], doc="product of an iterable (through the mul rule)"),
    _rule("dist", "*x", kind="reduction", math="dist", float_=k.f_dist, jvp=_dist_jvp, mp=_mp_dist,
          at=[(0.3, 1.2, -0.5, 2.0)], doc="Euclidean distance of two points p, q"),
    _rule("sumprod", "*x", kind="reduction", math="sumprod", float_=k.f_sumprod, jvp=_sumprod_jvp,
          mp=_mp_sumprod, at=[(0.3, 1.2, -0.5, 2.0)], doc="sum of products of p and q"),
    _rule("fma", "x y z", "y", "x", "1", math="fma", float_=k.f_fma, mp=lambda x, y, z: x * y + z,
          at=[(1.3, -0.7, 0.4)], doc="x*y + z rounded once"),

    # NumPy ufuncs without a math/cmath name ------------------------------------------
    _rule("square", "x", "2*x", float_=k.f_square, complex_=k.f_square, mp=k.f_square,
          numpy="square", at=_REAL, at_complex=_CPLX),
    _rule("reciprocal", "x", "-ans*ans", float_=k.f_reciprocal, complex_=k.f_reciprocal,
          mp=k.f_reciprocal, numpy="reciprocal", at=_REAL, at_complex=_CPLX),
    # The four select an argument: its tangent is the result's (half each at a tie). The
    # partials compare the result with the arguments, not the arguments with each other,
    # so that they hold on complex numbers too (NumPy's lexicographic order) and the nan
    # conventions live in the kernels alone.
    _rule("maximum", "x y", _CHOSEN_X, _CHOSEN_Y, float_=k.f_maximum, complex_=k.c_maximum,
          mp=k.mp_maximum, mpc=k.mpc_maximum, numpy="maximum", methods={"reduce": np.max},
          at=[(1.3, -0.7), (-0.2, 0.4)], at_complex=_CPLX_PAIRS,
          doc="elementwise max (complex: lexicographic, as NumPy); a tie gives each "
              "argument half the tangent"),
    _rule("minimum", "x y", _CHOSEN_X, _CHOSEN_Y, float_=k.f_minimum, complex_=k.c_minimum,
          mp=k.mp_minimum, mpc=k.mpc_minimum, numpy="minimum", methods={"reduce": np.min},
          at=[(1.3, -0.7), (-0.2, 0.4)], at_complex=_CPLX_PAIRS,
          doc="elementwise min (complex: lexicographic, as NumPy); a tie gives each "
              "argument half the tangent"),
    _rule("fmax", "x y", _CHOSEN_X, _CHOSEN_Y, float_=k.f_fmax, complex_=k.c_fmax,
          mp=k.mp_maximum, mpc=k.mpc_fmax, numpy="fmax", at=[(1.3, -0.7)],
          at_complex=_CPLX_PAIRS, doc="max ignoring nan"),
    _rule("fmin", "x y", _CHOSEN_X, _CHOSEN_Y, float_=k.f_fmin, complex_=k.c_fmin,
          mp=k.mp_minimum, mpc=k.mpc_fmin, numpy="fmin", at=[(1.3, -0.7)],
          at_complex=_CPLX_PAIRS, doc="min ignoring nan"),
    _rule("logaddexp", "x y", "exp(x - ans)", "exp(y - ans)", float_=k.f_logaddexp,
          mp=k.mp_logaddexp, numpy="logaddexp", at=[(1.3, -0.7), (30.0, 29.0)],
          doc="log(e^x + e^y) without overflow"),
    _rule("logaddexp2", "x y", "exp2(x - ans)", "exp2(y - ans)", float_=k.f_logaddexp2,
          mp=k.mp_logaddexp2, numpy="logaddexp2", at=[(1.3, -0.7)],
          doc="log2(2^x + 2^y)"),
    _rule("conjugate", "z", jvp=_conjugate_jvp, float_=k.f_conjugate, complex_=k.f_conjugate,
          mp=mpmath.conj, numpy=("conjugate",), at_complex=_CPLX,
          doc="complex conjugate (real-linear, not holomorphic)"),

    # complex-only --------------------------------------------------------------------
    _rule("phase", "z", "0", cmath="phase", float_=cmath.phase, mp="arg",
          numpy="angle", complex_jvp=_phase_complex_jvp, at=[1.3, -0.4], at_complex=_CPLX,
          doc="arg z (not holomorphic); on the reals 0 or pi, derivative 0"),
    _rule("rect", "r phi", "rect(1, phi)", "1j*ans", cmath="rect", float_=cmath.rect,
          complex_args=False, mp=k.mp_rect, at=[(1.5, 0.3), (0.4, -2.0)], doc="r*(cos phi + i sin phi)"),

    # piecewise constant: derivative 0 --------------------------------------------
    _rule("floor", "x", kind="constant", math="floor", mp="floor", numpy="floor", at=[1.3]),
    _rule("ceil", "x", kind="constant", math="ceil", mp="ceil", numpy="ceil", at=[1.3]),
    _rule("trunc", "x", kind="constant", math="trunc", mp=k.mp_trunc, numpy="trunc", at=[-1.3]),
    _rule("round", "x", kind="constant", symbol="round()", float_=k.f_round, mp=k.mp_round, numpy=k.np_round,
          at=[1.3], doc="round half to even (builtin round)"),
    _rule("rint", "x", kind="constant", float_=k.f_round, complex_=k.c_rint, mp=k.mp_round,
          numpy="rint",
          at=[1.3], doc="NumPy's round to nearest integer"),
    _rule("sign", "x", kind="constant", float_=k.f_sign, complex_=k.c_sign, mp="sign",
          numpy="sign", complex_jvp=_sign_complex_jvp, at=[-1.3],
          doc="sign: constant on the reals; z/|z| on complex numbers (NumPy 2), not holomorphic"),
    _rule("heaviside", "x h0", kind="constant", float_=k.f_heaviside, mp=k.mp_heaviside,
          numpy=k.np_heaviside, ufuncs=("heaviside",), at=[(1.3, 0.0)], doc="step: 1 for x > 0, 0 for x < 0, h0 at 0"),
    _rule("ulp", "x", kind="constant", math="ulp", mp=k.mp_ulp, at=[1.3]),
    _rule("frexp", "x", kind="composite", math="frexp", at=[6.5],
          doc="(m, e) with x = m * 2**e; dm = dx / 2**e"),
    _rule("modf", "x", kind="composite", math="modf", at=[6.5],
          doc="(fractional, integral) parts; d fractional = dx"),
    _rule("polar", "z", kind="composite", cmath="polar", at_complex=_CPLX,
          doc="(abs z, phase z)"),

    # predicates on the primal ------------------------------------------------------
    _rule("isfinite", "x", kind="predicate", math="isfinite", cmath="isfinite"),
    _rule("isinf", "x", kind="predicate", math="isinf", cmath="isinf"),
    _rule("isnan", "x", kind="predicate", math="isnan", cmath="isnan"),
    _rule("isclose", "a b", kind="predicate", math="isclose", cmath="isclose"),

    # integer functions: no derivative, integers (or duals holding one) only -------
    _rule("factorial", "n", kind="integer", math="factorial"),
    _rule("comb", "n k", kind="integer", math="comb"),
    _rule("perm", "n k", kind="integer", math="perm"),
    _rule("gcd", "*n", kind="integer", math="gcd"),
    _rule("lcm", "*n", kind="integer", math="lcm"),
    _rule("isqrt", "n", kind="integer", math="isqrt"),
]

def _array(name, params, jvp, *functions, pattern, linear=False, piecewise_linear=False,
           doc=""):
    """A NumPy array function, its tangent map (``dualad.table.array_rules``) and its dependence
    structure for sparsity detection: "select" (outputs are copies of input entries),
    "reduce" (along axes), "scan" (prefixes along an axis), "sort" (any entry of the
    axis), "where", "diff", "trace", "bilinear" (products) or "dense" (every output on
    every input, e.g. linear algebra). ``linear``: linear in its array arguments;
    ``piecewise_linear``: a selection of entries chosen by the values (max, sort)."""
    return Rule(name=name, params=tuple(params.split()), kind="array", jvp=jvp,
                numpy_functions=functions, pattern=pattern, linear=linear,
                piecewise_linear=piecewise_linear,
                doc=doc or (jvp.__doc__ or "").strip().split("\n")[0])



def _linear_map(name, params, jvp, *functions, pattern="select", doc=""):
    """An array function linear in its array arguments (a selection, a shape, a sum): its
    tangent is the same function of the tangents, applied coefficient by coefficient in
    Taylor mode."""
    return _array(name, params, jvp, *functions, pattern=pattern, linear=True, doc=doc)

_la = np.linalg
_ARRAY_RULES = [
    # reductions
    _linear_map("np.sum", "a", ar.sum_jvp, np.sum, pattern="reduce"),
    _linear_map("np.mean", "a", ar.mean_jvp, np.mean, pattern="reduce"),
    _array("np.prod", "a", ar.prod_jvp, np.prod, pattern="reduce",
           doc="zero-safe: exclusive products, no division"),
    _linear_map("np.cumsum", "a", ar.cumsum_jvp, np.cumsum, pattern="scan"),
    _array("np.cumprod", "a", ar.cumprod_jvp, np.cumprod, pattern="scan"),
    _array("np.max", "a", ar.max_jvp, np.max, np.amax, np.min, np.amin, pattern="reduce",
           piecewise_linear=True),
    _array("np.linalg.norm", "x", ar.two_norm_jvp, pattern="reduce",
           doc="the 2-norm and Frobenius norm, scaled as hypot (other orders: compositions)"),
    # selection
    _linear_map("np.where", "condition x y", ar.where_jvp, pattern="where"),
    _array("np.sort", "a", ar.sort_jvp, np.sort, pattern="sort", piecewise_linear=True),
    _linear_map("np.take", "a indices", ar.take_jvp, np.take),
    _linear_map("np.take_along_axis", "a indices", ar.take_along_axis_jvp, np.take_along_axis),
    # shapes
    _linear_map("np.reshape", "a", ar.reshape_like_jvp, np.reshape, np.ravel, np.squeeze,
                np.expand_dims, np.atleast_1d, np.atleast_2d, np.atleast_3d,
                doc="reshape, ravel, squeeze, expand_dims, atleast_*d: the tangent reshaped"),
    _linear_map("np.transpose", "a", ar.transpose_jvp, np.transpose),
    _linear_map("np.swapaxes", "a axis1 axis2", ar.swapaxes_jvp, np.swapaxes),
    _linear_map("np.moveaxis", "a source destination", ar.moveaxis_jvp, np.moveaxis),
    _linear_map("np.broadcast_to", "a shape", ar.broadcast_to_jvp, np.broadcast_to),
    _linear_map("np.flip", "a", ar.flip_jvp, np.flip),
    _linear_map("np.roll", "a shift", ar.roll_jvp, np.roll),
    _linear_map("np.concatenate", "arrays", ar.concatenate_jvp, np.concatenate),
    _linear_map("np.stack", "arrays", ar.stack_jvp, np.stack),
    _linear_map("np.split", "a indices", ar.split_jvp, np.split, np.array_split),
    _linear_map("np.repeat", "a repeats", ar.repeat_jvp, np.repeat),
    _linear_map("np.tile", "a reps", ar.tile_jvp, np.tile),
    _linear_map("np.diff", "a", ar.diff_jvp, np.diff, pattern="diff"),
    _linear_map("np.trace", "a", ar.trace_jvp, np.trace, pattern="trace"),
    _linear_map("np.diagonal", "a", ar.diagonal_jvp, np.diagonal),
    _linear_map("np.diag", "v", ar.diag_jvp, np.diag),
    _linear_map("np.tril", "m", ar.tril_jvp, np.tril),
    _linear_map("np.triu", "m", ar.triu_jvp, np.triu),
    # products
    _array("np.dot", "a b", ar.dot_jvp, np.dot, pattern="bilinear"),
    _array("np.inner", "a b", ar.inner_jvp, np.inner, pattern="bilinear"),
    _array("np.tensordot", "a b", ar.tensordot_jvp, np.tensordot, pattern="bilinear"),
    _array("np.matmul", "a b", ar.matmul_jvp, np.matmul, doc="also the @ operator", pattern="bilinear"),
    _array("np.einsum", "subscripts operands", ar.einsum_jvp, np.einsum, pattern="bilinear"),
    # linear algebra
    _array("np.linalg.solve", "a b", la.solve_jvp, _la.solve, pattern="dense"),
    _array("np.linalg.inv", "a", la.inv_jvp, _la.inv, pattern="dense"),
    _array("np.linalg.det", "a", la.det_jvp, _la.det, pattern="dense"),
    _array("np.linalg.slogdet", "a", la.slogdet_jvp, _la.slogdet, pattern="dense"),
    _array("np.linalg.cholesky", "a", la.cholesky_jvp, _la.cholesky, pattern="dense"),
    _array("np.linalg.qr", "a", la.qr_jvp, _la.qr, pattern="dense"),
    _array("np.linalg.eigh", "a", la.eigh_jvp, _la.eigh, pattern="dense"),
    _array("np.linalg.svd", "a", la.svd_jvp, _la.svd, pattern="dense"),
    *([_array("np.linalg.svdvals", "x", la.svdvals_jvp, _la.svdvals, pattern="dense")]
      if hasattr(_la, "svdvals") else []),   # NumPy >= 2.0
    _array("np.linalg.pinv", "a", la.pinv_jvp, _la.pinv, pattern="dense"),
]

# --- issue 14: np.fft, signals, interpolation, fits, order statistics, eig (numpy1) ------
_ARRAY_RULES += [
    *[_linear_map(f"np.fft.{f.__name__}", "a", fr.transform_jvp(f), f, pattern="dense")
      for f in fr.ONE_AXIS + fr.SEVERAL_AXES],
    *[_linear_map(f"np.fft.{f.__name__}", "x", fr.shift_jvp(f), f)
      for f in (np.fft.fftshift, np.fft.ifftshift)],
    _array("np.convolve", "a v", st.convolve_jvp, np.convolve, pattern="bilinear"),
    _array("np.correlate", "a v", st.correlate_jvp, np.correlate, pattern="bilinear"),
    _array("np.gradient", "f", st.gradient_jvp, np.gradient, pattern="dense",
           doc="linear in f: the gradient of the tangent (same spacing, axes, edge_order); "
               "a dual scalar spacing h adds -ans/h dh"),
    _array("np.interp", "x xp fp", st.interp_jvp, np.interp, pattern="dense",
           doc="piecewise linear: the segment's weights of dfp and dxp, its slope times dx "
               "(at a knot the segment to its right)"),
    _array("np.vander", "x", st.vander_jvp, np.vander, pattern="dense",
           doc="dV_ij = p_j x_i^(p_j - 1) dx_i, p_j the power of column j"),
    _array("np.polyfit", "x y", st.polyfit_jvp, np.polyfit, pattern="dense",
           doc="the least-squares tangent of the (weighted) Vandermonde fit, full rank; "
               "full=/cov= refused"),
    _array("np.nan_to_num", "x", st.nan_to_num_jvp, np.nan_to_num, pattern="select",
           doc="finite entries keep their tangent, replaced ones get 0 (real and imaginary "
               "parts apart)"),
    *[_array(f"np.{f.__name__}", "a", st.order_statistic_jvp(f), f, pattern="dense")
      for f in st.ORDER_STATISTICS],
    _array("np.linalg.lstsq", "a b", la.lstsq_jvp, _la.lstsq, pattern="dense",
           doc="full rank: dx by the pinv rule applied to b; residuals and singular values "
               "alike"),
    _array("np.linalg.eig", "a", la.eig_jvp, _la.eig, pattern="dense",
           doc="distinct eigenvalues: dw = diag(P), dV = V (F o P), P = V^-1 dA V, NumPy's "
               "normalisation of V kept"),
    _array("np.linalg.eigvals", "a", la.eigvals_jvp, _la.eigvals, pattern="dense",
           doc="distinct eigenvalues: dw = diag(V^-1 dA V)"),
]

# padding, rotation, splitting, spacing, cross products (dualad.table.shape_rules). np.pad
# and np.select list no function: their handlers (dualad.arrays.shapes) bring the
# differentiable keyword/list arguments to the rule's parameters.
_SHAPE_RULES = [
    _array("np.pad", "array constant_values end_values", sr.pad_jvp, pattern="dense",
           piecewise_linear=True),   # every mode copies, averages or picks entries
    # affine in each of several arrays (a constant stop, choice or appended value is no
    # zero coefficient): not linear_map, whose Taylor coefficients take the first alone
    _array("np.select", "condlist choicelist default", sr.select_jvp, pattern="where"),
    _linear_map("np.rot90", "m", sr.rot90_jvp, np.rot90),
    _linear_map("np.rollaxis", "a axis", sr.rollaxis_jvp, np.rollaxis),
    _linear_map("np.hsplit", "ary indices_or_sections", sr.hsplit_jvp, np.hsplit),
    _linear_map("np.vsplit", "ary indices_or_sections", sr.vsplit_jvp, np.vsplit),
    _linear_map("np.dsplit", "ary indices_or_sections", sr.dsplit_jvp, np.dsplit),
    _array("np.append", "arr values", sr.append_jvp, np.append, pattern="dense",
           piecewise_linear=True),
    _array("np.linspace", "start stop", sr.linspace_jvp, np.linspace, pattern="dense"),
    _array("np.geomspace", "start stop", sr.geomspace_jvp, np.geomspace, pattern="dense"),
    _array("np.logspace", "start stop", sr.logspace_jvp, np.logspace, pattern="dense"),
    _array("np.cross", "a b", sr.cross_jvp, np.cross, pattern="bilinear"),
]

#: NumPy ufuncs of the primal alone besides the predicate rules' own (isfinite, isinf, isnan)
_PRIMAL_ONLY = ("greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
                "logical_and", "logical_or", "logical_xor", "logical_not", "signbit", "isnat")

try:   # SciPy is optional: without it its ufuncs are not there to look up
    from scipy import special as _special
except ImportError:  # pragma: no cover - exercised only without scipy
    _special = None

table = RuleTable(_RULES + _ARRAY_RULES + _SHAPE_RULES, primal_only=_PRIMAL_ONLY + tuple(
    r.math for r in _RULES if r.kind == "predicate" and isinstance(getattr(np, r.math, None),
                                                                  np.ufunc)),
    modules=(("numpy", np, "numpy_names"), ("scipy.special", _special, "scipy")))
assert all(isinstance(getattr(np, name), np.ufunc) for name in table.primal_only)
