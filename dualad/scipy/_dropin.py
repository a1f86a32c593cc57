"""How a SciPy drop-in carries tangents: SciPy computes the primal, a tangent map the rest.

``dual_call(scipy_func, jvp, arrays, options)`` is ``scipy_func(*arrays, **options)``
when no array holds duals, bit for bit SciPy. Otherwise the arrays are split at the
outermost differentiation (``dualad.arrays.dispatch.apply_array_rule``, as for NumPy's
array functions): the primal is the same call on the values (which, under nested
differentiation, are duals of an inner one: the call recurses until SciPy sees plain
arrays), and the tangent is ``jvp(values, options, ans, tangents, k)``, a tangent map with
the signature of ``dualad.table.array_rules``. The maps are written with NumPy functions
and the drop-ins themselves, so they run again on inner duals: second order is nesting.
"""
from __future__ import annotations

import numpy as np

from dualad.arrays.array import DualArray
from dualad.arrays.dispatch import apply_array_rule
from dualad.arrays import objects as _objects
from dualad.base.carriers import Carrier
from dualad.core.number import Dual
from dualad.taylor.fallback import through_duals
from dualad.taylor.jet import Jet

__all__ = ["dual_call", "holds_duals", "no_overwrite"]


class _TangentMap:
    """What ``apply_array_rule`` reads of a rule: its tangent map."""

    __slots__ = ("jvp",)

    def __init__(self, jvp):
        self.jvp = jvp


def holds_duals(value, who: str = "dualad.scipy") -> bool:
    """Whether ``value`` is a ``Dual``/``DualArray`` or a Taylor ``Jet``, or a list, tuple
    or object array with one inside. Another carrier (a sparsity pattern, a traced value)
    has no path through SciPy here and is refused by name."""
    if isinstance(value, (Dual, DualArray, Jet)):
        return True
    if isinstance(value, Carrier):
        raise TypeError(f"{who}: an argument of type {type(value).__name__} has no path "
                        "through SciPy; the SciPy drop-ins carry duals (Dual, DualArray, "
                        "and Taylor jets through nested duals) only")
    if type(value) in (list, tuple):
        return any(holds_duals(v, who) for v in value)
    if type(value) is np.ndarray and value.dtype == object:
        return _objects.holds_duals(value)
    return False


def _holds_jet(value) -> bool:
    if isinstance(value, Jet):
        return True
    return type(value) in (list, tuple) and any(_holds_jet(v) for v in value)


def no_overwrite(options: dict) -> dict:
    """``options`` with every ``overwrite_*`` flag off: SciPy must not write into the
    value arrays of duals (they may be shared with other duals)."""
    return {key: (False if key.startswith("overwrite_") else v) for key, v in options.items()}


def dual_call(scipy_func, jvp, arrays, options, name=None):
    """``scipy_func(*arrays, **options)``, its result carrying tangents by ``jvp`` where
    ``arrays`` hold duals (see the module's docstring)."""
    name = name or scipy_func.__name__
    who = f"dualad.scipy.{_submodule(scipy_func)}.{name}"
    if not any(holds_duals(a, who) for a in arrays):
        return scipy_func(*arrays, **options)

    listed = []   # SciPy's batched factorizations return lists: tuples for the rule

    def primal(*values, **kw):
        ans = dual_call(scipy_func, jvp, values, kw, name)
        if type(ans) is list:
            listed.append(True)
            return tuple(ans)
        return ans
    primal.__name__ = name
    if any(_holds_jet(a) for a in arrays):   # Taylor mode: the series from nested duals
        return through_duals(primal, tuple(arrays), options, who)
    result = apply_array_rule(_TangentMap(jvp), primal, tuple(arrays), no_overwrite(options))
    return list(result) if listed else result


def _submodule(func) -> str:
    """'linalg' for scipy.linalg._basic.solve or dualad.scipy.linalg._cho_solve."""
    parts = (getattr(func, "__module__", None) or "scipy.?").split(".") + ["?", "?"]
    return parts[2] if parts[0] == "dualad" else parts[1]
