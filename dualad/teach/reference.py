"""The accuracy lab's reference: the derivative at ``dps`` digits, by dualad's own AD on
duals holding mpmath numbers, cross-checked by ``mpmath.diff`` of ``f`` at that precision.

``reference(f, v, rebuild, kind, dps)`` returns ``(J, cross-check J)`` as nested lists of
mpmath numbers (rows = outputs). At a complex ``x`` the derivative is the complex one,
which exists only where ``f`` is holomorphic (its derivative along i is i times the one
along 1); elsewhere :class:`NotHolomorphic` is raised.

>>> import numpy as np, dualad as ad
>>> J, cross = reference(ad.math.exp, np.array([1.0]), lambda v: v[0], "scalar", 30)
>>> str(J[0][0])[:12]
'2.7182818284'
"""
from __future__ import annotations

import numbers

import mpmath
import numpy as np

from dualad.core.number import Dual
from dualad.base.tags import new_tag, running

__all__ = ["reference", "NotHolomorphic"]


def reference(f, v, rebuild, kind, dps):
    """J at dps digits: dualad's AD on mpmath values, and mpmath.diff of f evaluated at
    mpmath precision (through duals with zero tangent); returns (J, cross-check J).
    An f that cannot run on duals holding mpmath numbers is an error: no reference, no
    report (a zero in its place would look like a result)."""
    try:
        return _reference_columns(f, v, rebuild, kind, dps)
    except NotHolomorphic:
        raise
    except (TypeError, ValueError, ArithmeticError) as exc:
        kind = next(k for k in (TypeError, ValueError, ArithmeticError) if isinstance(exc, k))
        raise kind(f"check: no mpmath reference: f failed on duals holding mpmath "
                        f"numbers ({str(exc).strip() or type(exc).__name__}); write f with "
                        "dualad.math and NumPy functions, which take them") from exc


def _reference_columns(f, v, rebuild, kind, dps):
    complex_x = np.iscomplexobj(v)
    with mpmath.workdps(dps):
        mp_v = [mpmath.mpc(t) if complex_x else mpmath.mpf(float(t)) for t in v]
        columns: list[list] = []
        diff_columns: list[list | None] = []
        for j in range(len(v)):
            columns.append(_mp_column(f, mp_v, j, mpmath.mpf(1), rebuild, kind))
            if complex_x:
                _check_holomorphic(f, mp_v, j, columns[-1], rebuild, kind, dps)

            def f_mp(s, j=j):
                point = list(mp_v)
                point[j] = s
                tag0 = new_tag()
                with running(tag0):
                    out = _call_mp(f, _duals(point, [mpmath.mpf(0)] * len(point), tag0),
                                   rebuild, kind)
                return [o.value if isinstance(o, Dual) else mpmath.mpmathify(o) for o in out]
            try:
                diff_columns.append([mpmath.diff(lambda s, i=i: f_mp(s)[i], mp_v[j])
                                     for i in range(len(columns[-1]))])
            except (ArithmeticError, ValueError, TypeError):
                diff_columns.append(None)
        ref = [[columns[j][i] for j in range(len(v))] for i in range(len(columns[0]))]
        known = [c for c in diff_columns if c is not None]
        cross = None if len(known) < len(diff_columns) else \
            [[known[j][i] for j in range(len(v))] for i in range(len(columns[0]))]
    return ref, cross


def _mp_column(f, mp_v, j, direction, rebuild, kind):
    """Column j of the Jacobian at mpmath precision: f on duals seeded with ``direction``
    in entry j."""
    tag = new_tag()
    tangents = [direction if i == j else mpmath.mpf(0) for i in range(len(mp_v))]
    with running(tag):
        y = _call_mp(f, _duals(mp_v, tangents, tag), rebuild, kind)
    for yi in y:
        if not (isinstance(yi, Dual) or _is_number(yi)):
            raise TypeError(f"f returned {_describe(yi)}; expected numbers")
    return [_tangent(yi, tag) for yi in y]


def _duals(values, tangents, tag):
    """Duals of ``tag`` holding mpmath numbers (built directly: no conversion)."""
    duals = [Dual.__new__(Dual) for _ in values]
    for d, t, dt in zip(duals, values, tangents):
        d.value, d.tangent, d.tag = t, dt, tag
    return duals


class NotHolomorphic(ValueError):
    """check at a complex x of an f that has no complex derivative there."""


def _check_holomorphic(f, mp_v, j, column, rebuild, kind, dps):
    """A complex derivative exists only where f is holomorphic: its derivative along i
    (moving x[j] to x[j] + i h) is then i times the one along 1. Refused otherwise."""
    along_i = _mp_column(f, mp_v, j, mpmath.mpc(0, 1), rebuild, kind)
    gap = max(abs(a - 1j * b) for a, b in zip(along_i, column))
    scale = max([abs(b) for b in column] + [abs(a) for a in along_i] + [mpmath.mpf(1)])
    if gap > scale * mpmath.mpf(10) ** (-dps // 2):
        where = "x" if kind == "scalar" else f"x[{j}]"
        raise NotHolomorphic(f"check: f is not holomorphic at x = "
                             f"{_short(rebuild(np.array([complex(t) for t in mp_v])))}: "
                         f"its derivative along i in {where} is not i times the one along 1, "
                         "so there is no complex derivative to compare; check the real and "
                         "imaginary parts as functions of real variables instead")


def _call_mp(f, duals, rebuild, kind):
    if kind == "scalar":
        y = f(duals[0])
    elif kind == "sequence":
        y = f(rebuild(duals))
    else:   # NumPy code runs elementwise on an array of duals holding mpmath numbers
        arr = np.empty(len(duals), dtype=object)
        for i, d in enumerate(duals):
            arr[i] = d
        y = f(rebuild(arr.view(_Entries)))
    if isinstance(y, np.ndarray):
        return list(y.ravel())
    return list(y) if isinstance(y, (list, tuple)) else [y]


class _Entries(np.ndarray):
    """An object array of the reference's duals whose real and imaginary parts are taken
    entry by entry: NumPy takes an object array's real part as the array itself and its
    imaginary part as 0, which at a complex x would be a wrong reference."""

    real = property(lambda self: _each(self, "real"))
    imag = property(lambda self: _each(self, "imag"))


def _each(entries, part):
    return np.frompyfunc(lambda v: getattr(v, part), 1, 1)(entries).view(_Entries)


def _is_number(y) -> bool:
    return isinstance(y, (numbers.Number, mpmath.mpf, mpmath.mpc)) and not isinstance(y, bool)


def _describe(y) -> str:
    if isinstance(y, np.ndarray):
        return f"an ndarray of dtype {y.dtype}"
    return f"{type(y).__name__} {y!r:.40}"



def _tangent(y, tag):
    if isinstance(y, Dual) and y.tag == tag:
        return y.tangent
    return mpmath.mpf(0)


def _short(x):
    text = repr(x)
    return text if len(text) < 60 else text[:57] + "..."
