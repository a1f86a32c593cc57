"""Elementwise rules on dual arrays: ufuncs and Python's operators, rules from the table.

``elementwise`` is the rule path: any elemental rule of the table on arrays and duals,
tangents broadcast like the values, nested differentiations and the lane rule included.
The fast paths in front of it serve the arithmetic that dominates array code inside
transformation passes (see ``rule_path.in_pass``): ``_fast_binary`` (the rules with a
binary form, see ``dualad.arrays.ufunc_rules``), ``_fast_unary`` (smooth one-argument
rules) and ``_fast_pow`` (a power by a number); they keep k-tangents scaled
(``dualad.arrays.scaled``) and hand gathered ones to ``dualad.arrays.gathered``.

Installed on ``DualArray`` here: its operators (see ``dualad.arrays.array``) and its
carrier registration (how the table's rules apply to it).

The fast paths are among the hottest code in the package: measure before and after a
change.
"""
from __future__ import annotations

import numbers

import numpy as np

from dualad.base import buffers as _buffers
from dualad.arrays.gathered import _gathered_binary, _gathered_pow
from dualad.arrays import scaled as _scaled_parts
from dualad.arrays.array import (
    DualArray, _as_array_operand, _directions, _gathered_array, _make_array, _outer_tag,
    _plain, _PLAIN, _primal, _scaled, _split, wrap, writable_like, released)
from dualad.arrays.ufunc_rules import (
    F64 as _F64, FORMS as _FORMS, STAND_INS as _STAND_INS, UFUNC_BY_OBJECT as _UFUNC_BY_OBJECT,
    array_partial as _array_partial, ex as _ex, into as _into, lanes_safe as _lanes_safe,
    negative as _neg, power as _power)
from dualad.core import rule_path
from dualad.base import fpe as _fpe
# carrier kinds above this layer that take precedence (sparsity patterns): their hooks,
# and those active now (see dualad.base.carriers.Precedence)
from dualad.base.carriers import ACTIVE as _PRECEDING, PRECEDENCE as _PRECEDENCE
from dualad.base.carriers import RULE_HANDLERS, register as _register_carrier
from dualad.core.rule_path import finite, kind_of, lanes
from dualad.core.number import Dual
from dualad.core.operators import install_operators
from dualad.arrays import objects as _objects
from dualad.table.rules import table

_STATE = rule_path._state

def elementwise(rule, ufunc, inputs):
    """Apply an elementwise rule to arrays/duals; tangents broadcast like the values."""
    if _PRECEDING and _PRECEDING[-1].claims(inputs):
        return _PRECEDING[-1].elementwise(rule, ufunc, inputs)
    if any(_is_objects(x) for x in inputs):
        raise TypeError("dualad: an object array reached an elementwise rule; convert it "
                        "with dualad.arrays.objects.as_operand first")   # a bug, not input
    tag = _outer_tag(inputs)
    k = _directions(inputs, tag)
    values, tangents = [], []
    for x in inputs:
        v, t = _split(x, tag)
        values.append(v)
        tangents.append(t)
    key = "numpy" if all(type(v) is np.ndarray for v in values) else kind_of(values)
    if key.startswith("dual:"):
        return _fpe.nested(_elementwise_values, rule, ufunc, values, tangents, key, tag, k)
    return _elementwise_values(rule, ufunc, values, tangents, key, tag, k)


def _elementwise_values(rule, ufunc, values, tangents, key, tag, k):
    if key.startswith("dual:") and ufunc not in _UFUNC_BY_OBJECT:
        # nested duals: a kernel (scipy.special's ufuncs, dualad's own NumPy kernels) would
        # see the inner dual as a plain array; the rule is applied again at that level
        ans = _fpe.passing(rule_path.GENERIC.functions[rule.name], *values)
    elif key.startswith("dual:"):
        ans = _fpe.passing(ufunc, *values)
    else:
        ans = _STAND_INS.get(ufunc, ufunc)(*values)   # primal
    shape = np.shape(ans) if k is None else np.shape(ans) + (k,)
    if (key == "complex" or key == "float") and key not in rule.impl:
        key = "numpy"   # scalars of a kind only the NumPy kernel takes (scipy's complex gamma)
    if rule.complex_jvp is not None and (rule_path.nonholomorphic(rule, key, tangents) or any(
            rule_path.has_complex(v) for v in values)):
        with np.errstate(divide="ignore", invalid="ignore"):
            tangent = rule.complex_jvp(values, ans, tangents, k)
    elif rule.kind == "constant":
        return wrap(ans, np.zeros(shape), tag, k)
    elif rule.jvp is not None:
        tangent = rule.jvp(values, ans, tangents)
    elif rule_path.in_pass():
        tangent = _sum_of_terms(rule, values, ans, tangents, key, k)
    else:   # the primal warns as NumPy does; its partials do not
        with rule_path.quiet_partials():
            tangent = _sum_of_terms(rule, values, ans, tangents, key, k)
    if np.shape(tangent) != shape:
        tangent = np.broadcast_to(tangent, shape)
    return wrap(ans, tangent, tag, k)


def _sum_of_terms(rule, values, ans, tangents, key, k):
    """sum_i partial_i · tangent_i, each term with the lane rule."""
    tangent = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        p = rule_path.partial(rule, i, values, ans, key)
        term = t if type(p) in (int, float) and p == 1 else lanes(p, t, k)
        tangent = term if tangent is None else tangent + term
    return tangent


def _is_objects(x):
    return type(x) is np.ndarray and x.dtype == object


def _operand(x):
    return isinstance(x, (Dual, DualArray, np.ndarray, numbers.Number, np.generic)) or \
        type(x) in _PRECEDENCE   # a traced constant inside a sparsity detection


# Fast paths for the arithmetic that dominates array code, used inside transformation
# passes (see rule_path.in_pass): same-shaped operands of one tag, or one constant.
# They return None when they do not apply, and the rule path takes over; also when a
# partial is not finite, so that the rule path applies the lane rule.

def _binary_fast_paths(rule, ufunc, a, b):
    """``a (op) b`` by the gathered tangents or, inside a pass, the fast paths; None where
    neither applies."""
    if (type(a) is DualArray and a.cols is not None) or (
            type(b) is DualArray and b.cols is not None):
        out = _gathered_binary(rule, ufunc, a, b)
        if out is not None:
            return out
    if getattr(_STATE, "in_pass", False):
        return _fast_binary(rule, ufunc, a, b)
    return None


def _operator(rule, a, b):
    """``a (op) b`` for a binary operator rule (``+ - * / ** // %``) by the rule path: the
    gathered and the fast paths first for a rule with a binary form."""
    ufunc = _UFUNCS[rule]
    if type(a) in _NUMBERS_AND_DUALS and type(b) in _NUMBERS_AND_DUALS:
        # the common case, directly: no list to stack, no object array to convert
        out = _binary_fast_paths(rule, ufunc, a, b) if rule in _FORMS else None
        if out is None:
            out = elementwise(rule, ufunc, (a, b))
        if type(a) is DualArray and a.owned or type(b) is DualArray and b.owned:
            released(out, (a, b))   # an identity tangent (x + c) keeps x's buffer
        return out
    if isinstance(a, (list, tuple)):
        a = _as_array_operand(a)
    if isinstance(b, (list, tuple)):
        b = _as_array_operand(b)
    if _is_objects(a) or _is_objects(b):   # np.array([d1, d2]): back to a DualArray
        a, b = _objects.as_operand(a), _objects.as_operand(b)
        if _is_objects(a) or _is_objects(b):
            return ufunc(a, b)   # NumPy's object loop (dualad.arrays.dispatch)
    if rule in _FORMS:
        out = _binary_fast_paths(rule, ufunc, a, b)
        if out is not None:
            return released(out, (a, b))
    if not (_operand(a) and _operand(b)):
        return NotImplemented
    return released(elementwise(rule, ufunc, (a, b)), (a, b))


#: operand types of ``_operator``'s direct branch (one of them is a DualArray)
_NUMBERS_AND_DUALS = frozenset((DualArray, Dual, float, int))


def _t_sum(va, ta, vb, tb, ans, k):
    return ta if tb is None else (tb if ta is None else _into(np.add, ta, tb))


def _t_difference(va, ta, vb, tb, ans, k):
    return ta if tb is None else (_neg(tb) if ta is None else _into(np.subtract, ta, tb))


def _t_product(va, ta, vb, tb, ans, k):
    if tb is None:
        return _into(np.multiply, ta, _ex(vb, k))
    if ta is None:
        return _into(np.multiply, tb, _ex(va, k))
    if ta is tb and va is vb:   # (t + t)·v rounds exactly as t·(2v) does
        twice = _into(np.add, ta, ta)
        return _into(np.multiply, twice, _ex(va, k), True)
    out = _into(np.multiply, ta, _ex(vb, k))
    return _into(np.add, out, _into(np.multiply, tb, _ex(va, k)), True)


def _t_quotient(va, ta, vb, tb, ans, k):
    if tb is None:
        return _into(np.true_divide, ta, _ex(vb, k))
    if ta is None:
        p = -ans / vb
        return _into(np.multiply, tb, _ex(p, k)) if finite(p) else lanes(p, tb, k)
    return (ta - _ex(ans, k) * tb) / _ex(vb, k)


_TANGENT = {"sum": _t_sum, "difference": _t_difference, "product": _t_product,
            "quotient": _t_quotient}


# The same tangents on small ndarrays (every tangent under buffers.SMALL_BYTES), where
# ``_into`` would hand each operation to NumPy unchanged: the same ufuncs, in the same
# order, by NumPy's operators, without the checks that choose a buffer.

def _small_sum(va, ta, vb, tb, ans, k):
    return ta if tb is None else (tb if ta is None else ta + tb)


def _small_difference(va, ta, vb, tb, ans, k):
    return ta if tb is None else (-tb if ta is None else ta - tb)


def _small_product(va, ta, vb, tb, ans, k):
    if tb is None:
        return ta * _ex(vb, k)
    if ta is None:
        return tb * _ex(va, k)
    if ta is tb and va is vb:
        return (ta + ta) * _ex(va, k)
    return ta * _ex(vb, k) + tb * _ex(va, k)


_SMALL_TANGENT = dict(_TANGENT, sum=_small_sum, difference=_small_difference,
                      product=_small_product)
_SMALL = _buffers.SMALL_BYTES


def _small(t):
    """Whether the tangent ``t`` (None: a constant's) is a small ndarray."""
    return t is None or (type(t) is np.ndarray and t.nbytes < _SMALL)


def _fast_binary(rule, ufunc, a, b, nested=False):
    ca, cb = type(a), type(b)
    if (ca is Dual and cb is DualArray) or (ca is DualArray and cb is Dual):
        return _fast_scalar_binary(rule, ufunc, a, b)
    if ca is DualArray:
        if cb is DualArray:
            if b.tag != a.tag or b.k != a.k or b.value.shape != a.value.shape:
                return None
            a_dual = b_dual = True
        elif cb is float or cb is int or (cb is np.ndarray and b.shape == a.value.shape):
            a_dual, b_dual = True, False
        else:
            return None
        tag, k = a.tag, a.k
    elif cb is DualArray and (ca is float or ca is int or (ca is np.ndarray and
                                                          a.shape == b.value.shape)):
        a_dual, b_dual = False, True
        tag, k = b.tag, b.k
    else:
        return None
    va = a.value if a_dual else a
    vb = b.value if b_dual else b
    if (type(va) in _PLAIN or _plain(va)) and (type(vb) in _PLAIN or _plain(vb)):
        ans = _into(ufunc, va, vb)   # primal
    elif not nested:   # the values are duals of an outer differentiation
        return _fpe.nested(_fast_binary, rule, ufunc, a, b, True)
    else:
        ans = _fpe.passing(_into, ufunc, va, vb)
    form = _FORMS[rule]
    if not _lanes_safe(form, va, vb, ans, a_dual, b_dual):
        # the rule path, which evaluates the primal again: its floating-point errors were
        # reported at the line above, once, as NumPy reports them
        return _fpe.nested(elementwise, rule, ufunc, (a, b))
    tangent_of = _TANGENT[form]
    if k is not None and type(ans) is np.ndarray and type(va if a_dual else vb) is np.ndarray \
            and not _full_parts(a, b, a_dual, b_dual):
        parts = _scaled_parts.binary(form, a, b, va, vb, ans, a_dual, b_dual)
        if parts is not None:
            return _scaled(ans, *parts, tag, k)
    ta = a.tangent if a_dual else None
    tb = b.tangent if b_dual else None
    if _small(ta) and _small(tb):
        tangent_of = _SMALL_TANGENT[form]
    return _make_array(ans, tangent_of(va, ta, vb, tb, ans, k), tag, k)


def _full_parts(a, b, a_dual, b_dual):
    """Whether ``_scaled_parts.binary`` has nothing to keep scaled: both tangents full, or
    a full one (op) a number (its constant-array and quotient-by-the-dual forms do)."""
    if a_dual and b_dual:
        return a._tangent is not None and b._tangent is not None
    return a_dual and a._tangent is not None and (type(b) is float or type(b) is int)


def _fast_scalar_binary(rule, ufunc, a, b):
    """A plain-valued DualArray (op) a scalar Dual of its tag with a float value (a
    parameter times a state): the scalar's tangent, shape (k,), broadcasts along the
    array's k-tangent as its value does along the array. The rule path's tangent, without
    its generic dispatch; None (the rule path) for any other kind of operand."""
    array, scalar = (a, b) if type(a) is DualArray else (b, a)
    va = array.value
    if scalar.tag != array.tag or type(va) is not np.ndarray or va.dtype != _F64 or \
            type(scalar.value) is not float:
        return None
    k, t = array.k, scalar.tangent
    if not (type(t) is float if k is None else
            type(t) is np.ndarray and t.shape == (k,) and t.dtype == _F64):
        return None
    v = scalar.value
    a_value, b_value = (va, v) if array is a else (v, va)
    ans = _into(ufunc, a_value, b_value)   # primal
    form = _FORMS[rule]
    if not _lanes_safe(form, a_value, b_value, ans, True, True):
        return _fpe.nested(elementwise, rule, ufunc, (a, b))
    ta, tb = (array.tangent, t) if array is a else (t, array.tangent)
    forms = _SMALL_TANGENT if _small(ta) and _small(tb) else _TANGENT
    return _make_array(ans, forms[form](a_value, ta, b_value, tb, ans, k), array.tag, k)


def _fast_pow(a, b, nested=False):
    if not (type(a) is DualArray and type(b) in (int, float)):
        return None
    va, k = a.value, a.k
    plain = _plain(va)
    if not (plain or nested):   # the values are duals of an outer differentiation
        return _fpe.nested(_fast_pow, a, b, True)
    if b != 0:
        p = 2 * va if b == 2 else b * va ** (b - 1)
        if not finite(p):
            return None   # the rule path (before the primal: it evaluates it once)
    if plain:
        ans = _power(va, b)   # primal: power
    else:
        ans = _fpe.passing(_power, va, b)
    if b == 0:
        return _make_array(ans, np.zeros(np.shape(va) + ((k,) if k else ())), a.tag, k)
    if k is not None and type(va) is np.ndarray:
        return _scaled(ans, *_scaled_parts.rescaled(p, a), a.tag, k)
    return _make_array(ans, a.tangent * _ex(p, k), a.tag, k)


def _fast_unary(rule, ufunc, x):
    """One plain-valued DualArray through a smooth unary rule."""
    v = x.value
    if type(v) is not np.ndarray or rule.kind != "smooth" or rule.jvp is not None or (
            rule.complex_jvp is not None and (v.dtype.kind == "c" or _complex_tangent(x))) \
            or rule.arity != 1:
        return None
    ans = _buffers.unary(_STAND_INS.get(ufunc, ufunc), v)   # primal
    d = _array_partial(rule)
    k = x.k
    p = d(v, ans)
    if not finite(p):
        return _make_array(ans, lanes(p, x.tangent, k), x.tag, k)
    own = d.temporary and type(p) is np.ndarray and p.dtype == _F64 and p.shape == v.shape
    if k is None:
        t = x.tangent
        if own and t.dtype == _F64:
            return _make_array(ans, np.multiply(p, t, out=p), x.tag, k)
        if type(p) is np.ndarray:
            return _make_array(ans, _into(np.multiply, t, p), x.tag, k)
        return _make_array(ans, p * t, x.tag, k)
    if getattr(p, "shape", None) != v.shape:
        p = np.broadcast_to(p, v.shape)
    return _scaled(ans, *_scaled_parts.rescaled(p, x, own), x.tag, k)


def _complex_tangent(x):
    """Whether the tangent of ``x`` is complex, looked up without building a lazy one."""
    return any(rule_path.has_complex(p) for p in x.stored()[1:])


def _array_rule(rule, args, flavour):
    kernel = rule.impl.get("numpy")
    if kernel is None:
        array = next(a for a in args if type(a) in RULE_HANDLERS)
        raise TypeError(f"dualad: {rule.name}() has no array implementation (it takes "
                        f"scalars only); got a {type(array).__name__} of shape "
                        f"{getattr(array, 'shape', '?')}: apply it to each scalar element "
                        f"instead (a list comprehension over the entries)")
    return elementwise(rule, kernel, args)


# --- the operators ------------------------------------------------------------------------

_POW = table["pow"]
#: the operator rules' ufuncs: table["add"] -> np.add
_UFUNCS = {rule: getattr(np, rule.numpy or "") for rule in table
           if isinstance(getattr(np, rule.numpy or "", None), np.ufunc)}


def _unary_operator(rule, x):
    """``abs(x)``, the one unary operator of the table without a method of its own here."""
    return elementwise(rule, _UFUNCS[rule], (x,))


def _compare(op, a, b):
    if _PRECEDING:   # a kind above this layer is active (a sparsity detection)
        return _PRECEDING[-1].compare(op, a, b)
    return op(_primal(a), _primal(b))


def __pow__(self, other):
    if _is_objects(other):
        return _operator(_POW, self, other)
    if self.cols is not None and type(other) in (int, float) and other != 0:
        return _gathered_pow(self, other)
    if rule_path.in_pass():
        out = _fast_pow(self, other)
        if out is not None:
            return out
    return _operator(_POW, self, other)


def __neg__(self):
    if self.cols is not None:
        return _gathered_array(-self.value, self.cols, -self.vals, self.tag, self.k)
    if self.scale is not None:
        return _scaled(-self.value, *_scaled_parts.negated(self), self.tag, self.k)
    return _make_array(_neg(self.value), _neg(self.tangent), self.tag, self.k)


def __pos__(self):
    return self.copy()   # as NumPy's +x: a new array, not this one


# (setattr: the class declares these methods to type checkers; they are installed here)
for _name, _method in (("__pow__", __pow__), ("__neg__", __neg__), ("__pos__", __pos__)):
    setattr(DualArray, _name, _method)
install_operators(DualArray, binary=_operator, unary=_unary_operator, compare=_compare)
_register_carrier(DualArray, apply_rule=_array_rule, lift=writable_like)

_fpe.mark_primal_lines(__name__)
