"""Taylor mode where the jet layer has no series of its own (see ``through_duals``): n
nested first-order duals, which give every coefficient of the series."""
from __future__ import annotations

import contextlib
import math
from typing import Any

from dualad.arrays.array import wrap
from dualad.core import rule_path
from dualad.base.carriers import Carrier
from dualad.base.tags import new_tag, running
from dualad.taylor.jet import Jet, _series
from dualad.taylor.recurrences import _primal, _zero_like

__all__ = ["through_duals"]


def through_duals(fn, args, kwargs, name):
    """``fn(*args, **kwargs)`` on jets, for a function the jet layer has no series for
    (NumPy's linear algebra, ``np.sort``, ``np.max``, ``np.einsum``, ``np.var``, a ufunc's
    ``reduce``, a rule with a tangent map (``jvp``), ``abs`` of a complex jet, ...): its
    series from the first-order layer.

    The coefficients of y(t) = fn(x(t)), x(t) = sum_k x_k t^k, are y_k = y^(k)(0) / k!,
    and n nested first-order differentiations give all of them in one call: seeded with
    X = x(e_1 + ... + e_n), the e_m independent perturbations (duals of n fresh tags,
    e_m^2 = 0), fn returns Y whose component along e_1 ... e_k is y^(k)(0). Every rule of
    the first-order layer, scalar or array, runs on duals of lower tags (that is how
    ``hessian`` works), so this is right wherever that layer is right, piecewise
    functions included (sort, max: with its conventions at ties, the numbers ``hessian``
    gives), and it refuses what that layer refuses, with that layer's message.

    Why not a series derived from the tangent map, as ``_generic`` derives one from an
    elementwise rule's partials? The map would run on jets, and the maps of linear
    algebra call the very functions being differentiated (solve's tangent is a solve,
    det's needs the inverse, eigh's and svd's the factors): the same missing series one
    order lower. Why not all of f on nested duals, when it meets such a function? Only
    this call pays: the rest of f keeps its O(n^2) recurrences, and f runs once.

    The price: the nested dual has 2^n lanes (one per subset of e_1..e_n), and a rule
    whose tangent map calls several functions nests each of them: a 2x2 det costs 12 ms
    at order 4, 1 s at order 8, 16 s at order 10, as n nested ``derivative`` calls do.
    The accuracy is theirs too: det's tangent map goes through the inverse, and the
    eighth derivative of that det is 0.016 off its exact 0. The seed shares its subtrees.
    """
    arguments = (args, kwargs)
    found: list = []
    _map_jets(found.append, arguments)
    tag = max(jet.tag for jet in found)   # the outermost Taylor pass
    order = min(jet.order for jet in found if jet.tag == tag)
    if kwargs.get("out") is not None:
        raise TypeError(f"dualad: {name}(..., out=...) on jets: the result's coefficients "
                        "cannot be written into an array; let NumPy allocate the result")
    perturbations = [new_tag() for _ in range(order)]   # e_1 .. e_n, innermost first
    with contextlib.ExitStack() as stack:
        for t in perturbations:
            stack.enter_context(running(t))
        seed = _map_jets(lambda jet: _nested_seed(_series(jet, order, tag), perturbations),
                         arguments)   # a jet of an earlier pass is a constant here
        y = fn(*seed[0], **seed[1])
    return _map_results(lambda leaf: _nested_jet(leaf, perturbations, tag), y)


def _map_jets(fn, tree):
    """``tree`` (arguments: lists, tuples, dicts) with each jet replaced by ``fn(jet)``."""
    if type(tree) is Jet:
        return fn(tree)
    if isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
        return type(tree)(_map_jets(fn, v) for v in tree)
    if isinstance(tree, dict):
        return {k: _map_jets(fn, v) for k, v in tree.items()}
    return tree


def _nested_seed(coeffs, perturbations):
    """x(e_1 + ... + e_n) as nested duals, e_m of tag ``perturbations[m - 1]``. With
    N(j, m) the j-th derivative of x(e_1 + ... + e_m): N(j, 0) = j! x_j and, as
    e_m^2 = 0, N(j, m) = N(j, m - 1) + e_m N(j + 1, m - 1)."""
    built = {}

    def nested(j, m):
        if (j, m) not in built:
            built[j, m] = (math.factorial(j) * coeffs[j] if m == 0 else
                           wrap(nested(j, m - 1), nested(j + 1, m - 1), perturbations[m - 1],
                                None))   # a scalar Dual or a DualArray
        return built[j, m]
    return nested(0, len(perturbations))


def _map_results(fn, y):
    if isinstance(y, tuple):
        items = [_map_results(fn, v) for v in y]
        return type(y)(*items) if hasattr(y, "_fields") else tuple(items)
    if isinstance(y, list):
        return [_map_results(fn, v) for v in y]
    return fn(y)


def _nested_jet(y, perturbations, tag):
    """The jet of ``tag`` held by ``y``, a result of nested duals of ``perturbations``:
    coefficient k is y's component along e_1 ... e_k, over k!. A result that does not
    move with them is a constant (returned as it is)."""
    if not (isinstance(y, Carrier) and y.tag in perturbations):
        return y
    coeffs = []
    rest: Any = y   # y at e_(k+1) = ... = e_n = 0 (a dual or, at the end, its primal)
    for k in range(len(perturbations), -1, -1):
        part = rest
        for e in reversed(perturbations[:k]):
            part = part.tangent if _of(part, e) else _zero_like(_primal(part))
        coeffs.append(part / math.factorial(k) if k > 1 else part)
        if k:
            rest = rest.value if _of(rest, perturbations[k - 1]) else rest
    return Jet(coeffs[::-1], tag)


def _of(x, tag) -> bool:
    return isinstance(x, Carrier) and x.tag == tag


def _first_order(rule, flavour):
    """The first-order layer's function of ``rule`` with ``flavour``'s semantics (it takes
    scalar and array duals alike)."""
    fn = (flavour or rule_path.GENERIC).functions.get(rule.name) or \
        rule_path.GENERIC.functions.get(rule.name)
    if fn is None:
        raise TypeError(f"{rule.name}(): no Taylor rule for a {rule.kind} function")
    return fn
