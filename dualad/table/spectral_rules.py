"""Tangent maps of ``np.fft``: every transform is (real-)linear in its input, so its tangent
is the same transform of the tangent, with the same ``n``/``s``, axes and ``norm``.

The axes are made explicit and non-negative before the transform sees the tangent, so a
trailing axis of k directions is never transformed. ``fftshift``/``ifftshift`` are
selections (the tangent shifted alike); ``fftfreq``/``rfftfreq`` are arithmetic on ``d``
and carry its tangent through NumPy's own operators. Signature as in
``dualad.table.array_rules``.

>>> import numpy as np, dualad as ad
>>> x = np.array([1.0, 2.0, 0.5, -1.0])
>>> g = ad.gradient(lambda v: np.sum(np.abs(np.fft.fft(v)) ** 2), x)   # Parseval: 2 n x
>>> bool(np.allclose(g, 2 * 4 * x))
True
"""
from __future__ import annotations

import numpy as np

from dualad.table.array_rules import _arg, _primal, axes_of

__all__ = ["ONE_AXIS", "SEVERAL_AXES", "REAL_INPUT", "transform_jvp", "shift_jvp"]

_fft = np.fft
#: the transforms along one axis: (a, n=None, axis=-1, norm=None)
ONE_AXIS = (_fft.fft, _fft.ifft, _fft.rfft, _fft.irfft, _fft.hfft, _fft.ihfft)
#: the transforms along several axes: (a, s=None, axes=..., norm=None); the 2-D ones
#: default to the last two axes, the n-D ones to all (or the last len(s))
TWO_AXES = (_fft.fft2, _fft.ifft2, _fft.rfft2, _fft.irfft2)
SEVERAL_AXES = TWO_AXES + (_fft.fftn, _fft.ifftn, _fft.rfftn, _fft.irfftn)
#: the transforms NumPy defines on real input only
REAL_INPUT = (_fft.rfft, _fft.rfft2, _fft.rfftn, _fft.ihfft)


def _several_axes(func, ndim, s, axes):
    """The axes of a 2-D or n-D transform as NumPy chooses them, non-negative."""
    if axes is None:
        if func in TWO_AXES:
            axes = (-2, -1)
        elif s is not None:
            axes = tuple(range(-len(s), 0))
    return axes_of(axes, ndim) if axes is None else tuple(a % ndim for a in axes)


def transform_jvp(func):
    """The tangent map of one transform: ``func`` of the tangent, axes made explicit."""
    one_axis = func in ONE_AXIS
    name = f"numpy.fft.{func.__name__}"

    def jvp(args, kwargs, ans, tangents, k):
        a, t = args[0], tangents[0]
        if func in REAL_INPUT and np.iscomplexobj(_primal(t)):
            raise TypeError(f"dualad: {name} takes real input, and its input's tangent is "
                            "complex: the transform has no derivative off the real line "
                            "(take np.real of the input first)")
        ndim = np.ndim(a)
        norm = kwargs.get("norm")
        if one_axis:
            axis = _arg(args, kwargs, 2, "axis", -1) % ndim
            return func(t, n=kwargs.get("n"), axis=axis, norm=norm)
        s = kwargs.get("s")
        axes = _several_axes(func, ndim, s, kwargs.get("axes"))
        return func(t, s=s, axes=axes, norm=norm)
    jvp.__name__ = f"{func.__name__}_jvp"
    jvp.__doc__ = f"{func.__name__} is linear: the {func.__name__} of the tangent"
    return jvp


def shift_jvp(func):
    """fftshift/ifftshift: the tangent shifted along the same (explicit) axes."""
    def jvp(args, kwargs, ans, tangents, k):
        axes = _arg(args, kwargs, 1, "axes")
        ndim = np.ndim(args[0])
        axes = axes_of(axes, ndim) if axes is None or np.ndim(axes) else (axes % ndim,)
        return func(tangents[0], axes=axes)
    jvp.__name__ = f"{func.__name__}_jvp"
    jvp.__doc__ = f"{func.__name__} is a selection: the tangent shifted alike"
    return jvp
