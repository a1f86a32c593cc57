"""``scipy.interpolate`` on duals: splines of dual data, evaluated at dual query points.

>>> import numpy as np, dualad as ad
>>> from dualad.scipy import interpolate
>>> x = np.linspace(0.0, 3.0, 7)
>>> s = interpolate.CubicSpline(x, np.sin(x))
>>> float(ad.derivative(s, 1.2)) == float(s(1.2, nu=1))   # a dual query point
True
>>> ad.jacobian(lambda y: interpolate.CubicSpline(x, y)(1.0), np.sin(x)).shape   # dual data
(7,)

``CubicSpline``, ``make_interp_spline``, ``BSpline``, ``PPoly`` and ``interp1d`` take
SciPy's arguments and build SciPy's objects. Two kinds of duals go through them:

- **dual data** (``y``; a B-spline's coefficients ``c``): these splines are linear in their
  data (a spline's coefficients solve a linear system of the data, with the knots, the
  boundary conditions and the kind fixed). The result is then a ``DualSpline``: SciPy's
  spline of the values (the primal) beside SciPy's spline of the tangents (k directions as
  one more trailing axis of data), combined wherever it is evaluated. Boundary values
  given in ``bc_type`` and interp1d's ``fill_value`` are constants: their tangent is 0.
- **dual query points** ``x_new``: the tangent is the spline's derivative there times
  x_new' (``nu=`` adds to the order; for interp1d: the slope of its piece, 0 for the
  piecewise constant kinds and outside the range where a fill value is returned).

Both at once, and nested (second order: ``ad.hessian``), compose; Taylor mode
(``ad.derivatives``) works at dual query points, not for dual data. The objects behave as
SciPy's: callable with ``nu`` and ``extrapolate``, ``.derivative()``, ``.antiderivative()``,
``.integrate(a, b)`` (for a ``DualSpline`` too, whose ``.c``/``.y`` are dual arrays);
methods that would need more (``roots``, ``solve``, ``extend``, ...) refuse on a
``DualSpline``. Dual knots or abscissae (``x``, ``t``), dual ``bc_type`` or
``fill_value`` values, and dual limits of ``integrate`` refuse with an error naming the
argument: the spline is not linear in those.
"""
from __future__ import annotations

import numpy as np

try:   # SciPy is optional: the scipy extra
    import scipy.interpolate as _si
except ImportError as exc:  # pragma: no cover - exercised only without scipy
    raise ImportError("dualad.scipy.interpolate needs SciPy: pip install scipy (or, in a "
                      "dualad checkout, pip install -e '.[scipy]')") from exc

from dualad.arrays.array import _as_operand, _directions, _outer_tag, _split, wrap
from dualad.arrays import objects as _objects
from dualad.core.number import Dual
from dualad.arrays.array import DualArray
from dualad.scipy._dropin import holds_duals
from dualad.taylor.fallback import through_duals
from dualad.taylor.jet import Jet

__all__ = ["BSpline", "CubicSpline", "DualSpline", "PPoly", "interp1d", "make_interp_spline"]

_WHO = "dualad.scipy.interpolate"


def _refuse_duals(who, **arguments):
    for name, value in arguments.items():
        if holds_duals(value, f"{_WHO}.{who}"):
            raise TypeError(
                f"{_WHO}.{who}: {name} holds duals; the result is not linear in {name} and "
                f"its tangent is not implemented (pass {name} without tangents: "
                f"{name}.value); the data (y, c) and the query points may be duals")


def _dual_parts(y):
    """(tag, value, tangent, k) of ``y`` split at its outermost differentiation."""
    y = _objects.as_operand(_as_operand(y))
    if isinstance(y, Jet):
        raise TypeError(f"{_WHO}: a spline of data in Taylor mode (ad.derivatives, "
                        "ad.derivative with n >= 2) is not supported; nest ad.derivative or "
                        "use ad.hessian (dual query points do work in Taylor mode)")
    tag = _outer_tag([y])
    value, tangent = _split(y, tag)
    return tag, value, tangent, _directions([y], tag)


def _constant_tangent(option, rest_shape):
    """A boundary-condition value's tangent: zeros of the tangent data's trailing shape."""
    if type(option) is tuple and len(option) == 2 and isinstance(option[0], (int, np.integer)):
        return (option[0], np.zeros(rest_shape))
    if isinstance(option, (list, tuple)):
        return type(option)(_constant_tangent(o, rest_shape) for o in option)
    return option


def _rest(shape, axis):
    return tuple(s for i, s in enumerate(shape) if i != axis)


# --- evaluation at query points that may be duals --------------------------------------

def _query(spline, x, nu, extrapolate):
    """spline(x, nu) where the spline's data, ``x`` or both carry tangents (any nesting):
    d S(x) = S_tangent(x) + S'(x) x'."""
    if type(x) in (list, tuple) or (type(x) is np.ndarray and x.dtype == object):
        x = _objects.as_operand(_as_operand(x))
    if isinstance(x, Jet):   # Taylor mode: the series from nested duals
        return through_duals(lambda q: _query(spline, q, nu, extrapolate), (x,), {},
                             f"{_WHO}: evaluation")
    spline_tag = spline.tag if isinstance(spline, DualSpline) else -1
    x_tag = x.tag if isinstance(x, (Dual, DualArray)) else -1
    if spline_tag < 0 and x_tag < 0:
        return spline._at(x, nu, extrapolate)
    tag = max(spline_tag, x_tag)
    xv, xt = _split(x, tag)
    primal = spline.value if spline_tag == tag else spline
    value = _query(primal, xv, nu, extrapolate)
    tangent, k = None, spline.directions if spline_tag == tag else None
    if spline_tag == tag:
        tangent = _query(spline.tangent, xv, nu, extrapolate)
    if xt is not None:
        kx = _directions([x], tag)
        if spline_tag == tag and kx != k:
            raise ValueError(f"{_WHO}: the data and the query points carry different numbers "
                             f"of directions ({k} and {kx})")
        k = kx
        slope = _query(primal, xv, nu + 1, extrapolate)
        ndim_x, ndim_out = np.ndim(xv), np.ndim(slope)
        before = spline.axis
        shape = (1,) * before + np.shape(xt)[:ndim_x] + (1,) * (ndim_out - ndim_x - before)
        term = (slope if k is None or np.ndim(slope) == 0 else slope[..., None]) * np.reshape(
            xt, shape + (() if k is None else (k,)))
        tangent = term if tangent is None else tangent + term
    return wrap(value, tangent, tag, k)


class _QueriedByDuals:
    """SciPy's spline classes, callable at dual query points."""

    # (a mixin: super() is the SciPy class after it in the drop-in's bases, which mypy
    # does not see from here)
    def _at(self, x, nu, extrapolate):
        return super().__call__(x, nu, extrapolate)  # type: ignore[misc]

    def __call__(self, x, nu=0, extrapolate=None):
        if holds_duals(x, f"{_WHO}.{type(self).__name__}"):
            return _query(self, x, nu, extrapolate)
        return super().__call__(x, nu, extrapolate)  # type: ignore[misc]

    def integrate(self, a, b, extrapolate=None):
        _refuse_duals("integrate", a=a, b=b)
        return super().integrate(a, b, extrapolate)  # type: ignore[misc]


class PPoly(_QueriedByDuals, _si.PPoly):
    """SciPy's PPoly; dual coefficients ``c`` give a ``DualSpline``."""

    def __new__(cls, c, x, extrapolate=None, axis=0):
        _refuse_duals("PPoly", x=x)
        if holds_duals(c, f"{_WHO}.PPoly"):
            axis = axis % _ndim(c)   # the tangents' trailing axis of directions stays last
            return _dual(lambda data: PPoly(data, x, extrapolate, axis), c, axis=None)
        return super().__new__(cls)


class CubicSpline(_QueriedByDuals, _si.CubicSpline):
    """SciPy's CubicSpline; dual data ``y`` give a ``DualSpline``."""

    def __new__(cls, x, y, axis=0, bc_type="not-a-knot", extrapolate=None):
        _refuse_duals("CubicSpline", x=x, bc_type=bc_type)
        if holds_duals(y, f"{_WHO}.CubicSpline"):
            axis = axis % _ndim(y)
            return _dual(lambda data, bc: CubicSpline(x, data, axis, bc, extrapolate), y,
                         axis=axis, bc_type=bc_type)
        return super().__new__(cls)


class BSpline(_QueriedByDuals, _si.BSpline):
    """SciPy's BSpline; dual coefficients ``c`` give a ``DualSpline``."""

    def __new__(cls, t, c, k, extrapolate=True, axis=0):
        _refuse_duals("BSpline", t=t)
        if holds_duals(c, f"{_WHO}.BSpline"):
            axis = axis % _ndim(c)
            return _dual(lambda data: BSpline(t, data, k, extrapolate, axis), c, axis=None)
        return super().__new__(cls)


def make_interp_spline(x, y, k=3, t=None, bc_type=None, axis=0, check_finite=True):
    """SciPy's make_interp_spline, as a ``BSpline`` of this module (dual query points), or
    a ``DualSpline`` for dual data ``y``."""
    _refuse_duals("make_interp_spline", x=x, t=t, bc_type=bc_type)
    if holds_duals(y, f"{_WHO}.make_interp_spline"):
        axis = axis % _ndim(y)
        return _dual(lambda data, bc: make_interp_spline(x, data, k, t, bc, axis,
                                                         check_finite), y, axis=axis,
                     bc_type=bc_type)
    spline = _si.make_interp_spline(x, y, k, t, bc_type, axis, check_finite)
    return BSpline.construct_fast(spline.t, spline.c, spline.k, spline.extrapolate,
                                  spline.axis)


class interp1d(_si.interp1d):  # noqa: N801 (SciPy's name)
    """SciPy's interp1d, callable at dual query points; dual data ``y`` give a
    ``DualSpline``."""

    def __new__(cls, x, y, kind="linear", axis=-1, copy=True, bounds_error=None,
                fill_value=np.nan, assume_sorted=False):
        _refuse_duals("interp1d", x=x, fill_value=fill_value)
        if holds_duals(y, f"{_WHO}.interp1d"):
            fill = fill_value if isinstance(fill_value, str) else 0.0
            along = axis % _ndim(y)
            return _dual(lambda data: interp1d(x, data, kind, along, copy, bounds_error, fill,
                                               assume_sorted),
                         y, axis=None, first=lambda data: interp1d(
                             x, data, kind, axis, copy, bounds_error, fill_value,
                             assume_sorted))
        return super().__new__(cls)

    def __call__(self, x):
        if holds_duals(x, f"{_WHO}.interp1d"):
            return _query(self, x, 0, None)
        return super().__call__(x)

    def _at(self, x, nu, extrapolate):
        if nu == 0:
            return super().__call__(x)
        x_flat, x_shape = self._prepare_x(x)
        spline = getattr(self, "_spline", None)   # the spline kinds; None: piecewise constant
        order = 1 if self._kind == "linear" else getattr(spline, "k", 0)
        if nu > order:
            slope = np.zeros((x_flat.size,) + self._y.shape[1:])   # piecewise constant
        elif self._kind == "linear":
            hi = np.clip(np.searchsorted(self.x, x_flat), 1, len(self.x) - 1)
            slope = (self._y[hi] - self._y[hi - 1]) / (self.x[hi] - self.x[hi - 1])[:, None]
        else:
            slope = self._spline.derivative(nu)(x_flat)
        if not self._extrapolate:   # a fill value outside the range: constant
            outside = (x_flat < self.x[0]) | (x_flat > self.x[-1])
            slope = np.where(outside[:, None], 0.0, slope)
        return self._finish_y(slope, x_shape)


def _primal(x):
    while isinstance(x, (Dual, DualArray)):
        x = x.value
    return x


def _ndim(data):
    return np.ndim(_primal(_objects.as_operand(_as_operand(data))))


# --- splines of dual data ------------------------------------------------------------

def _dual(build, data, axis, bc_type=None, first=None):
    """The ``DualSpline`` of dual ``data``: ``build`` of the values and of the tangents
    (``bc_type``'s values replaced by zeros for the tangents; ``first`` builds the primal
    where it differs)."""
    tag, value, tangent, k = _dual_parts(data)
    if bc_type is None and axis is None:
        primal = (first or build)(value)
        tangents = _of_tangents(build, tangent)
    else:
        n = np.ndim(_primal(value))
        rest = _rest(np.shape(_primal(tangent)), axis % n)
        primal = build(value, bc_type)
        tangents = _of_tangents(build, tangent, _constant_tangent(bc_type, rest))
    return DualSpline(primal, tangents, tag, k)


def _of_tangents(build, *args):
    try:
        return build(*args)
    except ValueError as exc:   # the primal was built: the tangents break a condition
        raise ValueError(f"{_WHO}: the spline of the data's tangents cannot be built: {exc} "
                         "(with bc_type='periodic' the tangents must be periodic too: a "
                         "direction that moves one end alone leaves periodic data)") from exc


class DualSpline:
    """A spline whose data carry tangents: ``value``, SciPy's spline (or, nested, another
    ``DualSpline``) of the data's values, and ``tangent``, the same spline of the data's
    tangents (k directions: one more trailing axis of data). Callable as the primal is;
    ``derivative``, ``antiderivative`` and ``integrate`` act on both (they are linear in
    the data); plain attributes (``x``, ``t``, ``k``, ``axis``, ``extrapolate``, ...) are
    the primal's, and ``c``/``y`` are dual arrays."""

    _PLAIN = frozenset(("x", "t", "k", "axis", "extrapolate", "bounds_error", "fill_value",
                        "kind", "copy", "assume_sorted", "dtype"))

    def __init__(self, value, tangent, tag, directions):
        self.value, self.tangent, self.tag, self.directions = value, tangent, tag, directions

    def __call__(self, x, nu=0, extrapolate=None):
        return _query(self, x, nu, extrapolate)

    def _pair(self, name, *args):
        if not hasattr(self.value, name):
            raise AttributeError(f"{type(self.value).__name__} has no {name!r}")
        return DualSpline(getattr(self.value, name)(*args), getattr(self.tangent, name)(*args),
                          self.tag, self.directions)

    def derivative(self, nu=1):
        return self._pair("derivative", nu)

    def antiderivative(self, nu=1):
        return self._pair("antiderivative", nu)

    def integrate(self, a, b, extrapolate=None):
        _refuse_duals("integrate", a=a, b=b)
        return wrap(self.value.integrate(a, b, extrapolate),
                    self.tangent.integrate(a, b, extrapolate), self.tag, self.directions)

    @property
    def c(self):
        return wrap(self.value.c, self.tangent.c, self.tag, self.directions)

    @property
    def y(self):
        return wrap(self.value.y, self.tangent.y, self.tag, self.directions)

    def __getattr__(self, name):
        if name in DualSpline._PLAIN:
            return getattr(self.value, name)
        raise AttributeError(
            f"{_WHO}.DualSpline has no {name!r}: {type(self.value).__name__}.{name} of a "
            "spline whose data carry tangents is not supported here (it would drop or "
            "misplace the tangent)")

    def __repr__(self):
        return f"DualSpline({type(self.value).__name__}, directions={self.directions})"


def __getattr__(name):
    if hasattr(_si, name):
        raise AttributeError(
            f"{_WHO} has no drop-in for {name!r}: scipy.interpolate.{name} is not linear in "
            "its data or is not covered; use CubicSpline, make_interp_spline, BSpline, PPoly "
            "or interp1d")
    raise AttributeError(f"module {_WHO!r} has no attribute {name!r}")
