"""The rule table as the array paths read it: which rule a NumPy ufunc has, the form of a
binary rule's tangent that the fast paths serve, where that form keeps the lanes whose
tangent is 0 at 0, and each smooth rule's partial compiled for arrays.

Shared by the fast paths (``dualad.arrays.elementwise``), the gathered tangents
(``dualad.arrays.gathered``) and the dispatch (``dualad.arrays.dispatch``); it knows no
carrier.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from dualad.base import buffers as _buffers
from dualad.core import rule_path
from dualad.core.rule_path import finite
from dualad.table.rules import table

F64 = np.dtype(np.float64)


#: ufunc object -> rule (NumPy's and scipy.special's: keyed by the object, never by name)
UFUNC_BY_OBJECT = table.ufuncs
#: NumPy kernels of the table that compute a ufunc's primal on plain arrays in its place
#: (``kernel.ufunc``): np.log1p's complex values, which NumPy computes as log(1 + z)
STAND_INS: dict[Any, Callable[..., Any]] = {getattr(kernel, "ufunc"): kernel
             for kernel in (rule.impl.get("numpy") for rule in table)
             if kernel is not None and getattr(kernel, "ufunc", None) is not None}
#: (ufunc, method) -> the array function computing it: (np.add, "reduce") -> np.sum
METHODS = {(ufunc, method): func for ufunc, rule in UFUNC_BY_OBJECT.items()
           for method, func in rule.methods.items()}
NUMPY_NAMESPACE = rule_path.namespace("numpy")


def _form(rule):
    """The fast paths' name for the form of a two-argument rule's tangent, from
    ``Rule.binary_form``: "sum" (ta + tb), "difference" (ta - tb), "product" or
    "quotient"; None for a rule without one (it takes the rule path)."""
    form = rule.binary_form
    if form == "linear":
        return "sum" if rule.partials[1] == "1" else "difference"
    return {"bilinear": "product", "quotient": "quotient"}.get(form)


#: the rules of the table that the binary fast paths serve, and their forms
FORMS = {rule: form for rule in table if (form := _form(rule)) is not None}


def lanes_safe(form, va, vb, ans, a_dual, b_dual):
    """Whether the tangent rules of ``form`` keep the lanes whose tangent is 0 at 0: the
    factors of a product are finite wherever the product is, and a quotient is finite
    only where no 0/0 occurs (the partial -ans/vb alone is checked where it is formed)."""
    if form == "product":
        c = va if not a_dual else (vb if not b_dual else None)
        if type(c) is float or type(c) is int:
            return c - c == 0
        return finite(ans)
    if form == "quotient" and a_dual:
        if not b_dual and (type(vb) is float or type(vb) is int):
            return vb != 0 and vb == vb
        return finite(ans)
    return True


_ARRAY_PARTIALS: dict = {}


def array_partial(rule):
    """The rule's partial for the array fast path: its temporaries go into recycled
    buffers (see dualad.base.buffers.compile_expression)."""
    d = _ARRAY_PARTIALS.get(rule.name)
    if d is not None:
        return d
    expr = rule.partials[0]
    if isinstance(expr, str):
        d = _buffers.compile_expression(expr, rule.params[0], NUMPY_NAMESPACE)
    else:
        d = rule.partial(0, NUMPY_NAMESPACE, "numpy")
        d = lambda *args, _d=d: _d(*args)   # noqa: E731  (its own attribute below)
        setattr(d, "temporary", False)   # (read by dualad.base.buffers)
    _ARRAY_PARTIALS[rule.name] = d
    return d


def power(v, b):
    """``v ** b`` (``v * v`` for squares, as NumPy rounds them)."""
    return v * v if b == 2 else v ** b


def ex(v, k):
    """``v`` with a trailing length-1 axis to broadcast against a k-tangent (scalars of any
    kind, duals included, broadcast as they are)."""
    if k is None or getattr(v, "ndim", 0) == 0:
        return v
    return v[..., None]


# Large float64 results go into recycled buffers (see dualad.base.buffers): a fresh array
# of megabytes costs more in page faults than the arithmetic that fills it. into(ufunc,
# big, other, own): ``own``, the first operand is a temporary of the caller's, written over.
into = _buffers.binary


def negative(x):
    return _buffers.unary(np.negative, x)
