"""Drop-ins for the scipy.special functions written in Python that convert their argument
with ``np.asarray`` before calling a ufunc (``polygamma``, ``spherical_jn``/``yn``/``in``/
``kn``) or that return several outputs from one ufunc (``airy``): the same signatures and,
on plain numbers, SciPy's own results; on duals, the table's rules (``polygamma``,
``spherical_jn`` and ``spherical_jn_d``, ``airy_ai`` ... ``airy_bip``), so first and higher
derivatives, scalars and arrays.

>>> import dualad as ad
>>> from dualad.scipy import special
>>> float(round(ad.derivative(lambda z: special.spherical_jn(1, z), 0.0), 15))   # j1'(0) = 1/3
0.333333333333333
"""
from __future__ import annotations

import numpy as np
import scipy.special as _scipy_special

from dualad.arrays.array import _primal
from dualad.arrays.objects import from_objects, holds_duals
from dualad.base.carriers import Carrier
from dualad.stdlib.differentiable import GENERIC_FUNCTIONS as _RULES

__all__ = ["airy", "polygamma", "spherical_in", "spherical_jn", "spherical_kn",
           "spherical_yn"]


def _as_dual(x):
    """``x`` as a carrier of dualad (an object array of duals becomes a DualArray), or
    None when it carries no derivative."""
    if isinstance(x, Carrier):
        return x
    if holds_duals(x):
        return from_objects(x)
    return None


def _refuse_dual_order(who, n):
    if _as_dual(n) is not None:
        raise TypeError(f"dualad.scipy.special.{who}: the order n is not differentiated "
                        f"(an integer), got a {type(n).__name__} carrying a derivative")


def polygamma(n, x):
    """scipy.special.polygamma(n, x): the n-th derivative of the digamma function; on a
    dual ``x`` the table's ``polygamma`` rule (its derivative is polygamma(n + 1, x))."""
    _refuse_dual_order("polygamma", n)
    dual = _as_dual(x)
    if dual is None:
        return _scipy_special.polygamma(n, x)
    return _RULES["polygamma"](np.asarray(n) if np.ndim(n) else n, dual)


def _spherical(name, rule, rule_d, sign_n_even):
    """The drop-in for scipy.special.<name>: the table's rules ``rule`` (the function) and
    ``rule_d`` (its derivative); ``sign_n_even``: the sign of f(-z)/f(z) for even n (None:
    no real reflection)."""
    scipy_fn = getattr(_scipy_special, name)

    def fn(n, z, derivative=False):
        _refuse_dual_order(name, n)
        dual = _as_dual(z)
        if dual is None:
            return scipy_fn(n, z, derivative=derivative)
        n = np.asarray(n, dtype=np.dtype("long"))
        n = n[()] if n.ndim == 0 else n
        value = np.asarray(_primal(dual))
        if np.iscomplexobj(value):
            raise TypeError(f"dualad.scipy.special.{name}: derivatives are for real z, got "
                            f"complex values")
        negative = value < 0
        f = _RULES[rule_d if derivative else rule]
        if not negative.any():
            return f(n, dual)
        if sign_n_even is None:
            raise ValueError(f"dualad.scipy.special.{name}: no derivative at negative z "
                             f"(SciPy takes the real part of a complex evaluation there)")
        # f(n, -z) = s f(n, z) with s = sign_n_even (-1)**n, and the derivative one more -1
        s = np.where(n % 2 == 0, sign_n_even, -sign_n_even) * (-1 if derivative else 1)
        if np.ndim(value) == 0:
            return int(s) * f(n, -dual) if negative else f(n, dual)
        mirrored = np.where(negative, -dual, dual)
        return np.where(negative, s, 1) * f(n, mirrored)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"scipy.special.{name}(n, z, derivative=False) on duals: the table's "
                  f"``{rule}``/``{rule_d}`` rules, with SciPy's reflection for z < 0.")
    return fn


spherical_jn = _spherical("spherical_jn", "spherical_jn", "spherical_jn_d", 1)
spherical_yn = _spherical("spherical_yn", "spherical_yn", "spherical_yn_d", -1)
spherical_in = _spherical("spherical_in", "spherical_in", "spherical_in_d", 1)
spherical_kn = _spherical("spherical_kn", "spherical_kn", "spherical_kn_d", None)


def airy(z):
    """scipy.special.airy(z) = (Ai, Ai', Bi, Bi'); on a dual ``z`` each output is a dual
    (Ai' = Ai' , (Ai')' = z Ai, ... from the table's four airy rules)."""
    dual = _as_dual(z)
    if dual is None:
        return _scipy_special.airy(z)
    return tuple(_RULES[name](dual) for name in ("airy_ai", "airy_aip", "airy_bi", "airy_bip"))
