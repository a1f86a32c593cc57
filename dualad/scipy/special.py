"""``scipy.special`` on duals: ``logsumexp``, ``softmax``, ``log_softmax``, and every other
name of scipy.special.

>>> import numpy as np, dualad as ad
>>> from dualad.scipy import special
>>> ad.gradient(lambda x: special.logsumexp(x), np.array([0.0, np.log(3.0)]))
array([0.25, 0.75])
>>> round(special.gamma(ad.Dual(2.5, 1.0)).tangent, 12)   # SciPy's own ufunc: Γ(2.5) ψ(2.5)
0.934734521626

``logsumexp(a, axis, b, keepdims, return_sign)``, ``softmax`` and ``log_softmax`` take
SciPy's primal (computed on the values) and add the tangent with SciPy's stability: the
weights are exp(a - logsumexp(a)) of the primal result, never exp(a) alone, so that
large arguments neither overflow nor lose the tangent. With weights ``b`` (which may be
duals too): d lse = sum(exp(a - lse) (b da + db)) / sign; with ``return_sign`` the sign's
tangent is 0 for real data, sign i Im(...) for complex. Complex arguments take the
complex logarithm as SciPy does. Higher order by nesting (``ad.hessian``); Taylor mode
(``ad.derivatives``) through nested duals.

``polygamma``, ``spherical_jn``/``yn``/``in``/``kn`` and ``airy`` are SciPy's on plain
numbers and the table's rules on duals (``dualad.scipy._special_functions``): SciPy's
versions convert their argument with ``np.asarray`` before calling a ufunc, or return four
outputs from one ufunc, so no dual reaches dualad there.

Every other name is scipy.special's own (the module forwards it): its ufuncs already take
duals through the rule table (``scipy.special.gamma(d)`` works unchanged), so
``special.gamma``, ``special.erf``, ... are those same ufuncs.

``scipy.special.logsumexp`` and ``log_softmax`` themselves cannot take a ``DualArray``:
their array-API helpers convert it to an object array and then test its dtype for a
real or complex float, which an object array never is. Called with a dual they refuse,
naming these drop-ins. ``scipy.special.softmax`` does run on duals (element by element,
through object arrays); the drop-in is the fast path.
"""
from __future__ import annotations

from typing import Any

import numpy as np

try:   # SciPy is optional: the scipy extra
    import scipy.special as _special
except ImportError as exc:  # pragma: no cover - exercised only without scipy
    raise ImportError("dualad.scipy.special needs SciPy: pip install scipy (or, in a "
                      "dualad checkout, pip install -e '.[scipy]')") from exc

from dualad.scipy._dropin import dual_call
from dualad.table.array_rules import _primal, axes_of, ex, tangent_or_zeros
from dualad.table.linalg_rules import _is_complex

from dualad.scipy._special_functions import (  # noqa: E402  (drop-ins of Python-level functions)
    airy, polygamma, spherical_in, spherical_jn, spherical_kn, spherical_yn)

__all__ = ["airy", "log_softmax", "logsumexp", "polygamma", "softmax", "spherical_in",
           "spherical_jn", "spherical_kn", "spherical_yn"]


def _axes(axis, ndim):
    return axes_of(axis, ndim)


def _with_axes(v, axes, keepdims):
    """A reduction's result with the reduced axes back (length 1), to broadcast."""
    return v if keepdims else np.expand_dims(v, axes)


def _logsumexp_jvp(args, kwargs, ans, tangents, k):
    """d log(s) = ds/s, s = sum(b e^a): sum(exp(a - out) (b da + db)); with return_sign,
    out = log|s|, sign = s/|s|, ds/s = sum(exp(a - out) (b da + db)) / sign, and
    d out = Re(ds/s), d sign = sign i Im(ds/s) (0 for real data)."""
    a, b = args
    ta, tb = tangents
    shape = np.broadcast_shapes(np.shape(_primal(a)), np.shape(_primal(b))) \
        if b is not None else np.shape(_primal(a))
    axes = _axes(kwargs.get("axis"), len(shape))
    keepdims, return_sign = kwargs.get("keepdims", False), kwargs.get("return_sign", False)
    out, sign = ans if return_sign else (ans, None)
    with np.errstate(invalid="ignore", over="ignore"):
        weights = ex(np.exp(a - _with_axes(out, axes, keepdims)), k)
    total: Any = 0
    if ta is not None:   # where b = 0, a is left out (also an infinite a)
        total = weights * ta if b is None else np.where(
            ex(np.asarray(_primal(b)) == 0, k), 0, weights * ex(b, k) * ta)
    if tb is not None:   # lanes that do not move b stay 0 (no 0 * inf)
        total = total + np.where(np.asarray(_primal(tb)) == 0, 0, weights * tb)
    ratio = np.sum(np.broadcast_to(total, shape + ((k,) if k else ())), axis=axes,
                   keepdims=keepdims)
    if not return_sign:
        return ratio
    ratio = ratio / ex(sign, k)
    if not _is_complex(ratio):
        return ratio, np.zeros(np.shape(_primal(ratio)))
    return np.real(ratio), ex(sign, k) * (1j * np.imag(ratio))


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False):
    """log(sum(b * exp(a))) along ``axis``, as SciPy's (see the module's docstring)."""
    return dual_call(_logsumexp, _logsumexp_jvp, (a, b),
                     {"axis": axis, "keepdims": keepdims, "return_sign": return_sign},
                     name="logsumexp")


def _logsumexp(a, b, **options):
    return _special.logsumexp(a, b=b, **options)


def _softmax_jvp(args, kwargs, ans, tangents, k):
    """s = softmax(x): ds = s (dx - sum(s dx)) along ``axis``."""
    axes = _axes(kwargs.get("axis"), np.ndim(_primal(ans)))
    s, dx = ex(ans, k), tangents[0]
    return s * (dx - np.sum(s * dx, axis=axes, keepdims=True))


def softmax(x, axis=None):
    """exp(x) / sum(exp(x)) along ``axis``, as SciPy's; tangent s (x' - sum(s x'))."""
    return dual_call(_special.softmax, _softmax_jvp, (x,), {"axis": axis})


def _log_softmax_jvp(args, kwargs, ans, tangents, k):
    """log s = x - logsumexp(x): d log s = dx - sum(s dx), s = exp(log s)."""
    axes = _axes(kwargs.get("axis"), np.ndim(_primal(ans)))
    s, dx = ex(np.exp(ans), k), tangent_or_zeros(tangents[0], ans, k)
    return dx - np.sum(s * dx, axis=axes, keepdims=True)


def log_softmax(x, axis=None):
    """x - logsumexp(x) along ``axis``, as SciPy's; tangent x' - sum(softmax(x) x')."""
    return dual_call(_special.log_softmax, _log_softmax_jvp, (x,), {"axis": axis})


def __getattr__(name):
    return getattr(_special, name)   # the ufuncs take duals through the rule table


def __dir__():
    return sorted(set(__all__) | set(dir(_special)))
