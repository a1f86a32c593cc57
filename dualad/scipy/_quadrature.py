"""Quadrature with derivatives: ``quad``, ``quad_vec`` (Leibniz's rule) and the sampled rules.

Leibniz's rule for ``I(p) = ∫_a^b f(x, p) dx`` with moving limits:

    I' = ∫_a^b f_p(x, p) p' dx + f(b, p) b' - f(a, p) a'.

The primal is SciPy's integral of the primal integrand, the tangents (all K directions)
one ``quad_vec`` call over the integrand's tangent (one dual evaluation of f per node),
plus the boundary terms. Each level of nesting (``ad.hessian`` of an integral) is one
more application of the rule: the primal and the tangent integrands of the outermost
differentiation are integrated by these same functions, which handle the next one.
Infinite limits work when they are plain; a dual limit must be finite.

``trapezoid`` and ``cumulative_trapezoid`` are bilinear in ``(y, x)`` (and ``dx``):
their tangent is the rule applied to ``(y', x)`` plus the rule applied to ``(y, x')``.
``simpson`` is linear in ``y`` and homogeneous in ``dx``; its x-tangent (the weights
depend on the spacings nonlinearly) comes from SciPy's formula written with NumPy
operations on the dual x.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.integrate as _si

from dualad.arrays.array import DualArray, _make_array
from dualad.core.number import Dual, _make
from dualad.scipy._ivp_duals import (
    all_primal, lanes, operand, outer_tag, primal, refuse_duals, tags_in)

__all__ = ["quad", "quad_vec", "trapezoid", "simpson", "cumulative_trapezoid"]


def _probe_point(a, b):
    if math.isinf(a) and math.isinf(b):
        return 0.0
    if math.isinf(a):
        return b - 1.0
    if math.isinf(b):
        return a + 1.0
    return 0.5 * (a + b)


def _outer(value, lanes_):
    """value[..., None] * lanes_: a boundary term's K lanes."""
    return np.expand_dims(value, -1) * lanes_ if np.ndim(value) else value * lanes_


def _lanes(x, tag):
    """K, the number of directions of tag in x, and k (None for one direction)."""
    k = lanes(x, tag)
    k = None if k == "unset" else k
    return (1 if k is None else k), k


def _split(out, tag, K, k):
    """(primal, tangent with a trailing axis of K lanes) of f's output at tag."""
    out = operand(out)
    if isinstance(out, (Dual, DualArray)) and out.tag == tag:
        t = out.tangent
        if k is None:
            # (np.stack takes duals through __array_function__, which NumPy's annotations
            # do not model)
            t = np.expand_dims(t, -1) if not isinstance(t, (Dual, DualArray)) else \
                np.stack([t], axis=-1)  # type: ignore[list-item]
        return out.value, t
    zeros = np.zeros(np.shape(all_primal(out, tags_in(out))) + (K,))
    return out, zeros


def _join(value, t, tag, k):
    """A dual of tag from a primal and a tangent with K lanes (lanes dropped for k None)."""
    if k is None:
        t = t[..., 0]
    if np.ndim(all_primal(value, tags_in(value))) == 0:
        if isinstance(value, np.ndarray):
            value = value[()]
        if isinstance(t, np.ndarray) and t.ndim == 0:
            t = t[()]
        if type(value) in (np.float64, np.complex128):
            value = value.item()
        if type(t) in (np.float64, np.complex128):
            t = t.item()
        return _make(value, t, tag)
    return _make_array(np.asarray(value) if not isinstance(value, DualArray) else value,
                       t, tag, k)


def _limit(x, tag, K, name, who):
    value = primal(x, tag)
    t = np.zeros(K) if not (isinstance(x, Dual) and x.tag == tag) else \
        np.reshape(x.tangent, K) if not isinstance(x.tangent, Dual) else \
        np.stack([x.tangent])  # type: ignore[list-item, arg-type]  # (as in _split above)
    if np.any(t != 0) and math.isinf(float(np.real(all_primal(value, tags_in(value))))):
        raise ValueError(f"{who}: {name} is an infinite dual limit; an infinite limit must "
                         "be a plain number")
    return value, t


def _leibniz(func, a, b, args, who):
    """What Leibniz's rule needs for ``∫_a^b func(x, *args) dx``: the caller's tag (None
    when nothing carries a dual: SciPy's own call then), the lanes ``K``, ``k``, the primal limits
    and their tangents, and the integrand's value and tangent as functions of x. Closure
    duals are found by one call of ``func`` at a point inside [a, b]."""
    found = tags_in((a, b, args))
    ap, bp = all_primal(a, found), all_primal(b, found)
    probe = func(_probe_point(float(ap), float(bp)), *all_primal(args, found))
    found |= tags_in(probe)
    tag = outer_tag(found, who)
    if tag is None:
        return None
    K, k = _lanes((a, b, args, probe), tag)
    a_p, da = _limit(a, tag, K, "a", who)
    b_p, db = _limit(b, tag, K, "b", who)
    args_p = primal(args, tag)

    def value_of(x):
        return primal(operand(func(x, *args_p)), tag)

    def tangent_of(x):
        return _split(func(x, *args), tag, K, k)[1]
    return tag, K, k, a_p, da, b_p, db, value_of, tangent_of


def quad(func, a, b, args=(), full_output=0, epsabs=1.49e-8, epsrel=1.49e-8, limit=50,
         points=None, weight=None, wvar=None, wopts=None, maxp1=50, limlst=50,
         complex_func=False):
    """``scipy.integrate.quad`` with derivatives (Leibniz's rule: see the module).

    Same signature and return value; where ``a``, ``b``, ``args`` or the closure of
    ``func`` carry duals, the integral is a ``Dual`` of the caller's differentiation
    (abserr and the info dict are SciPy's, of the primal integral).

    >>> import numpy as np, dualad as ad
    >>> from dualad.scipy.integrate import quad
    >>> # d/dp ∫_0^1 exp(p x) dx at p = 1 is ∫_0^1 x e^x dx = 1
    >>> round(ad.derivative(lambda p: quad(lambda x: np.exp(p * x), 0, 1)[0], 1.0), 12)
    1.0
    """
    who = "quad"
    if not isinstance(args, tuple):
        args = (args,)
    for name, v in (("epsabs", epsabs), ("epsrel", epsrel), ("points", points),
                    ("wvar", wvar), ("wopts", wopts)):
        refuse_duals(v, who, name)
    options = dict(full_output=full_output, epsabs=epsabs, epsrel=epsrel, limit=limit,
                   points=points, weight=weight, wvar=wvar, wopts=wopts, maxp1=maxp1,
                   limlst=limlst)
    if complex_func:   # SciPy >= 1.11 only: passed when asked for
        options["complex_func"] = complex_func
    setup = _leibniz(func, a, b, args, who)
    if setup is None:
        return _si.quad(func, a, b, args, **options)
    tag, K, k, a_p, da, b_p, db, value_of, tangent_of = setup

    result = quad(value_of, a_p, b_p, (), **options)
    integral = result[0]
    if weight is None:
        t = quad_vec(tangent_of, a_p, b_p, epsabs=epsabs, epsrel=epsrel, points=points)[0]
    else:
        if np.any(da != 0) or np.any(db != 0):
            raise ValueError(f"{who}: with weight={weight!r} the limits a and b must be "
                             "plain numbers (a dual limit is not supported with a weight)")
        t = np.stack([quad(lambda x, j=j: tangent_of(x)[..., j], a_p, b_p, (),
                           **dict(options, full_output=0))[0] for j in range(K)], axis=-1)
    if np.any(db != 0):
        t = t + value_of(b_p) * db
    if np.any(da != 0):
        t = t - value_of(a_p) * da
    return (_join(integral, t, tag, k),) + tuple(result[1:])


def quad_vec(f, a, b, epsabs=1e-200, epsrel=1e-08, norm="2", cache_size=100e6,
             limit=10000, workers=1, points=None, quadrature=None, full_output=False, *,
             args=()):
    """``scipy.integrate.quad_vec`` with derivatives (Leibniz's rule: see the module).

    Same signature and return value; where ``a``, ``b``, ``args`` or the closure of ``f``
    carry duals, the integral is a dual of the caller's differentiation (the error
    estimate and info are SciPy's, of the primal integral).

    >>> import numpy as np, dualad as ad
    >>> from dualad.scipy.integrate import quad_vec
    >>> J = ad.jacfwd(lambda p: quad_vec(lambda x: p * x, 0, 2)[0])(np.array([1.0, 3.0]))
    >>> np.round(J, 12)   # ∫_0^2 x dx = 2 on the diagonal
    array([[2., 0.],
           [0., 2.]])
    """
    who = "quad_vec"
    if not isinstance(args, tuple):
        args = (args,)
    for name, v in (("epsabs", epsabs), ("epsrel", epsrel), ("points", points)):
        refuse_duals(v, who, name)
    options = dict(epsabs=epsabs, epsrel=epsrel, norm=norm, cache_size=cache_size,
                   limit=limit, workers=workers, points=points, quadrature=quadrature,
                   full_output=full_output)
    setup = _leibniz(f, a, b, args, who)
    if setup is None:
        return _si.quad_vec(f, a, b, args=args, **options)
    tag, K, k, a_p, da, b_p, db, value_of, tangent_of = setup

    result = quad_vec(value_of, a_p, b_p, **options)
    t = quad_vec(tangent_of, a_p, b_p, **dict(options, full_output=False))[0]
    if np.any(db != 0):
        t = t + _outer(value_of(b_p), db)
    if np.any(da != 0):
        t = t - _outer(value_of(a_p), da)
    return (_join(result[0], t, tag, k),) + tuple(result[1:])


# --- the sampled rules ------------------------------------------------------------------

def _lanes_first(t):
    """A tangent with lanes last (shape + (K,)) as K arrays along a leading axis."""
    return np.moveaxis(t, -1, 0)


def _sampled(rule, who, y, x, dx, axis, extra, bilinear_in_x):
    """``rule(y, x=x, dx=dx, axis=axis, **extra)`` with derivatives: linear in y, and
    (``bilinear_in_x``) in the sample points x; homogeneous of degree 1 in dx."""
    y = operand(y)
    x = None if x is None else operand(x)
    found = tags_in((y, x, dx))
    tag = outer_tag(found, who)
    if tag is None:
        return rule(y, x=x, dx=dx, axis=axis, **extra)
    for name, v in extra.items():
        refuse_duals(v, who, name)
    K, k = _lanes((y, x, dx), tag)
    yp, xp, dxp = primal(y, tag), None if x is None else primal(x, tag), primal(dx, tag)
    value = _sampled(rule, who, yp, xp, dxp, axis, extra, bilinear_in_x)
    shape = np.shape(all_primal(yp, tags_in(yp)))
    if not -len(shape) <= axis < len(shape):
        raise ValueError(f"{who}: axis {axis} is out of bounds for y of shape {shape}")
    axis = axis - len(shape) if axis >= 0 else axis   # the same axis with lanes in front
    t = None
    if isinstance(y, (Dual, DualArray)) and y.tag == tag:
        ty = _split(y, tag, K, k)[1]
        x_lanes = xp if xp is None or np.ndim(all_primal(xp, tags_in(xp))) == 1 else \
            np.broadcast_to(xp, (K,) + shape)
        t = np.moveaxis(_sampled(rule, who, _lanes_first(ty), x_lanes, dxp, axis, extra,
                                 bilinear_in_x), 0, -1)
    if isinstance(x, (Dual, DualArray)) and x.tag == tag and not bilinear_in_x:
        part = _split(_simpson_weights_applied(yp, x, axis), tag, K, k)[1]
        t = part if t is None else t + part
    elif isinstance(x, (Dual, DualArray)) and x.tag == tag:
        tx = _lanes_first(_split(x, tag, K, k)[1])
        if np.ndim(all_primal(xp, tags_in(xp))) == 1 and len(shape) > 1:
            along = [1] * len(shape)
            along[axis] = shape[axis]
            tx = np.reshape(tx, (K,) + tuple(along))
        tx = np.broadcast_to(tx, (K,) + shape)
        part = _sampled(rule, who, np.broadcast_to(yp, (K,) + shape), tx, 1.0, axis,
                        extra, bilinear_in_x)
        part = np.moveaxis(part, 0, -1)
        t = part if t is None else t + part
    if x is None and isinstance(dx, Dual) and dx.tag == tag:
        unit = _sampled(rule, who, yp, None, 1.0, axis, extra, bilinear_in_x)
        part = _outer(unit, _split(dx, tag, K, k)[1])
        t = part if t is None else t + part
    if t is None:   # the tag was in dx while x was given: dx is ignored, as by SciPy
        return value
    return _join(value, t, tag, k)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """``scipy.integrate.trapezoid`` with derivatives in ``y``, ``x`` and ``dx`` (the
    rule is bilinear in y and the sample points).

    >>> import numpy as np, dualad as ad
    >>> from dualad.scipy.integrate import trapezoid
    >>> ad.gradient(lambda y: trapezoid(y, dx=0.5), np.ones(3))
    array([0.25, 0.5 , 0.25])
    """
    return _sampled(_si.trapezoid, "trapezoid", y, x, dx, axis, {}, True)


def cumulative_trapezoid(y, x=None, dx=1.0, axis=-1, initial=None):
    """``scipy.integrate.cumulative_trapezoid`` with derivatives in ``y``, ``x``, ``dx``.

    >>> import numpy as np, dualad as ad
    >>> from dualad.scipy.integrate import cumulative_trapezoid
    >>> ad.jacfwd(lambda y: cumulative_trapezoid(y, initial=0))(np.ones(3))
    array([[0. , 0. , 0. ],
           [0.5, 0.5, 0. ],
           [0.5, 1. , 0.5]])
    """
    return _sampled(_si.cumulative_trapezoid, "cumulative_trapezoid", y, x, dx, axis,
                    {"initial": initial}, True)


def simpson(y, *, x=None, dx=1.0, axis=-1):
    """``scipy.integrate.simpson`` with derivatives in ``y``, ``x`` and ``dx`` (the rule
    is linear in y and homogeneous in dx; in x, see ``_simpson_weights_applied``).

    >>> import numpy as np, dualad as ad
    >>> from dualad.scipy.integrate import simpson
    >>> ad.gradient(lambda y: simpson(y, dx=1.0), np.ones(3)) * 3
    array([1., 4., 1.])
    """
    return _sampled(_si.simpson, "simpson", y, x, dx, axis, {}, False)


def _safe_quotient(num, den):
    """num / den, 0 where den is 0 (SciPy's ``np.true_divide(..., where=den != 0)``)."""
    nonzero = all_primal(den, tags_in(den)) != 0
    return np.where(nonzero, num / np.where(nonzero, den, 1.0), 0.0)


def _simpson_weights_applied(y, x, axis):
    """SciPy's composite Simpson rule for irregular spacing (its ``simpson`` with ``x``,
    Cartwright's correction for an even number of points included) written with NumPy
    operations that carry duals: the x-tangent of ``simpson(y, x=x)`` for a dual x and
    plain y. Its primal agrees with SciPy's to rounding (a test checks); the primal
    returned to the user is SciPy's own."""
    y = np.moveaxis(y, axis, -1)
    x = x if np.ndim(all_primal(x, tags_in(x))) == 1 else np.moveaxis(x, axis, -1)
    n = np.shape(all_primal(y, tags_in(y)))[-1]
    h = np.diff(x, axis=-1)

    def basic(stop):   # SciPy's _basic_simpson from 0 to stop, step 2
        h0, h1 = h[..., 0:stop:2], h[..., 1:stop + 1:2]
        hsum, hprod = h0 + h1, h0 * h1
        ratio = _safe_quotient(h0, h1)
        tmp = hsum / 6.0 * (y[..., 0:stop:2] * (2.0 - _safe_quotient(1.0, ratio))
                            + y[..., 1:stop + 1:2] * (hsum * _safe_quotient(hsum, hprod))
                            + y[..., 2:stop + 2:2] * (2.0 - ratio))
        return np.sum(tmp, axis=-1)

    if n % 2 == 1:
        return basic(n - 2)
    if n == 2:
        return 0.5 * h[..., -1] * (y[..., -1] + y[..., -2])
    h_2, h_1 = h[..., -2], h[..., -1]
    alpha = _safe_quotient(2 * h_1 ** 2 + 3 * h_2 * h_1, 6 * (h_1 + h_2))
    beta = _safe_quotient(h_1 ** 2 + 3.0 * h_2 * h_1, 6 * h_2)
    eta = _safe_quotient(h_1 ** 3, 6 * h_2 * (h_2 + h_1))
    return basic(n - 3) + alpha * y[..., -1] + beta * y[..., -2] - eta * y[..., -3]
