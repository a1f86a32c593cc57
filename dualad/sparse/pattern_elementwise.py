"""Elementwise functions of pattern values (``dualad.sparse.patterns``): the union of the
dependence rows of an elemental rule's differentiable arguments (from the rule table), the
second-order pairs its partials say in a Hessian detection (``dualad.sparse.curvature``),
and, at tangent level, the lanes a product or a quotient keeps zero. The table's operators
are installed on ``PatternArray`` from here.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dualad.core import rule_path
from dualad.core.operators import install_operators
from dualad.sparse import curvature
from dualad.sparse.patterns import (
    PatternArray, _additive, _broadcast_rows, _is_pattern, _level, _marked, _mask_rows,
    _n_inputs, _nonzero, _rows, _tag_of, _union, _wrap, condition, has_pattern)


def _differentiable_args(rule, count):
    if rule.kind in ("constant", "predicate", "integer"):
        return []
    if rule.partials is None or rule.variadic:
        return list(range(count))
    return [i for i, p in enumerate(rule.partials) if p is not None and i < count]


#: ``dualad.sparse.pattern_objects.converted``: object arrays of pattern values stacked
_convert_objects: Any = None


def elementwise(rule, ufunc, inputs):
    """``ufunc(*inputs)`` for the elemental rule ``rule`` on pattern values."""
    if _convert_objects is not None:
        inputs = _convert_objects(inputs)
    tag = _tag_of(inputs)
    values = [x.value if _is_pattern(x, tag) else x for x in inputs]
    ans = np.asarray(ufunc(*values))
    n = _n_inputs()
    broadcast = [(_broadcast_rows(_rows(x), np.shape(x.value), ans.shape)
                  if _is_pattern(x, tag) else None) for x in inputs]
    tangent = _level(inputs, tag)
    if not tangent:   # values: the union over the differentiable arguments, never masked
        # off the real line a piecewise constant rule may move (sign z = z/|z|)
        moving = range(len(inputs)) if rule.complex_jvp is not None and any(
            rule_path.has_complex(v) for v in values + [ans]) else \
            _differentiable_args(rule, len(inputs))
        parts = [broadcast[i] for i in moving if broadcast[i] is not None]
        if curvature.active() is not None:
            _second_order(rule, broadcast, moving, len(inputs))
        return _wrap(ans, _union(parts, ans.size, n), n, tag, curved=False)
    # tangent level (a tangent map): zero where the rule keeps a zero tangent lane zero
    parts = [b for b in broadcast if b is not None]
    zero_with = _ZERO_WITH.get(rule.pattern)
    if zero_with is not None:
        factors = zero_with(inputs)
        keep = None
        for x in factors:
            nonzero = _nonzero(x, ans.shape)
            if nonzero is not None:
                keep = nonzero if keep is None else keep & nonzero
        rows = _union(parts, ans.size, n)
        return _wrap(ans, rows if keep is None else _mask_rows(rows, keep), n, tag, True)
    if _is_linear(rule):
        parts = [_additive(x, b, True) for x, b in zip(inputs, broadcast) if b is not None]
        return _wrap(ans, _union(parts, ans.size, n), n, tag, True)
    # any other function of a tangent (none is expected): possibly non-zero everywhere
    return _wrap(ans, _marked(_union(parts, ans.size, n)), n, tag, True)


def _second_order(rule, broadcast, moving, count):
    """The pairs of an elementwise operation (value level) in a Hessian detection: those
    its second partials say, every pair of the moving arguments off the real line."""
    pairs = [(a, b) for a in moving for b in moving] if rule.complex_jvp is not None else \
        curvature.second_partials(rule, count)
    for a, b in pairs:
        if broadcast[a] is not None and broadcast[b] is not None:
            curvature.add_pairs(broadcast[a], broadcast[b])


#: an elementwise rule's pattern -> the arguments its result is zero with (the table's
#: "product" x*y: either factor; "quotient" x/y: t / v is zero with t)
_ZERO_WITH = {"product": lambda inputs: inputs, "quotient": lambda inputs: inputs[:1]}

_LINEAR: dict = {}


def _is_linear(rule) -> bool:
    """A rule whose partials are numbers (add, sub, neg, ...): zero lanes stay zero."""
    linear = _LINEAR.get(rule)
    if linear is None:
        partials = rule.partials or ()
        linear = _LINEAR[rule] = bool(partials) and all(
            isinstance(p, str) and not compile(p, "<partial>", "eval").co_names
            for p in partials if p is not None)
    return linear


def _operator(rule, *operands):
    """An operator of the table on pattern values (``dualad.core.operators``); a dual of a
    later differentiation among the operands applies it first."""
    if not has_pattern(operands):
        return NotImplemented
    return elementwise(rule, getattr(np, rule.numpy), operands)


install_operators(PatternArray, binary=_operator, unary=_operator, compare=condition)
