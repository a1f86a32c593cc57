"""NumPy's protocols on dual numbers: ``__array_ufunc__`` and ``__array_function__``.

``array_ufunc`` takes a ufunc call on dual arrays or scalar duals to its rule of the table
(the gathered and fast paths first, then the rule path, ``dualad.arrays.elementwise``);
``array_function`` takes an array function to its handler in ``_HANDLERS``: the tangent
map of an array rule of the table (``apply_array_rule``, the call first brought to one form
by ``_normaliser``), or a composition of ruled functions registered with ``implements``
(``dualad.arrays.functions``). np.concatenate and np.sum have direct paths in front of
their rules (gathered and full k-tangents).

Installed here: ``__array_ufunc__`` and ``__array_function__`` on ``DualArray``
(``dualad.arrays.array``) and on the scalar ``Dual`` (``dualad.core.number``).
"""
from __future__ import annotations

import functools
import inspect
from typing import Any

import numpy as np

from dualad.arrays.array import (
    DualArray, _as_array_operand, _as_operand, _directions, _holds_dual, _make_array,
    _outer_tag, _plain, _primal, _split, wrap, released)
from dualad.arrays import objects as _objects
from dualad.arrays import views as _views
from dualad.arrays.views import VIEW_FUNCTIONS as _VIEW_FUNCTIONS
from dualad.arrays.elementwise import _fast_binary, _fast_unary, elementwise
from dualad.arrays.gathered import (
    _concatenate_gathered, _gathered_binary, _gathered_sum, _gathered_unary, _is_gathered)
from dualad.arrays.gathered_shapes import (
    SELECTIONS as _SELECTIONS, gathered_diff, gathered_permuted, gathered_reshape,
    gathered_reshaped, gathered_selected)
from dualad.arrays.ufunc_rules import (
    FORMS as _FORMS, METHODS as _METHODS, UFUNC_BY_OBJECT as _UFUNC_BY_OBJECT)
from dualad.core import rule_path
from dualad.base import fpe as _fpe
from dualad.base.carriers import ACTIVE as _PRECEDING, Carrier
from dualad.core.number import Dual
from dualad.table.rules import table

_STATE = rule_path._state
_ON_PRIMAL = table.primal_only_ufuncs
#: the ufuncs of the table that are not NumPy's own (scipy.special's): on scalar duals of
#: floats their primal is the ufunc's, bit for bit, not the rule's float kernel
_FOREIGN = frozenset(u for u in _UFUNC_BY_OBJECT if not table.ufunc_name(u).startswith("numpy."))


# --- __array_ufunc__ --------------------------------------------------------------------

def _reduction(func, who, a, kwargs):
    """``ufunc.reduce``/``accumulate`` as the array function ``func`` (np.sum, np.cumsum,
    ...), its keywords (dtype=, initial=, where=, keepdims=) handed on; one ``func`` does
    not take is refused (it would be dropped)."""
    taken = inspect.signature(func).parameters
    for key, v in kwargs.items():
        if key not in taken and v is not None:
            raise TypeError(f"dualad: numpy.{who} with {key}={v!r} has no tangent rule")
    return func(a, axis=kwargs.pop("axis", 0), **kwargs)


def _as_object(x):
    if isinstance(x, np.ndarray):
        return x
    box = np.empty((), dtype=object)
    box[()] = x
    return box


def array_ufunc(ufunc, method, inputs, kwargs):
    if any(type(x) in (list, tuple) for x in inputs):   # np.multiply(x, [1., 2.]) as NumPy
        inputs = tuple(_as_array_operand(x) if type(x) in (list, tuple) else x
                       for x in inputs)
    if any(type(x) is np.ndarray and x.dtype == object for x in inputs):
        # an array of duals as objects (np.array([d1, d2])) becomes a DualArray; one that
        # does not convert goes to NumPy's object loops, element by element
        inputs = tuple(_objects.as_operand(x) for x in inputs)
        if any(type(x) is np.ndarray and x.dtype == object for x in inputs):
            return getattr(ufunc, method)(*[_objects.to_objects(x) if type(x) is DualArray
                                            else _as_object(x) for x in inputs], **kwargs)
    if _PRECEDING and _PRECEDING[-1].claims(inputs):
        return _PRECEDING[-1].ufunc(ufunc, method, inputs, kwargs)
    if method == "__call__" and not kwargs and any(_is_gathered(x) for x in inputs):
        rule = _UFUNC_BY_OBJECT.get(ufunc)
        result = None
        if rule is not None and len(inputs) == 1:
            result = _gathered_unary(rule, ufunc, inputs[0])
        elif rule is not None and len(inputs) == 2 and rule in _FORMS:
            result = _gathered_binary(rule, ufunc, inputs[0], inputs[1])
        if result is not None:
            return result
    out = kwargs.pop("out", None)
    result = None
    if method == "__call__" and not kwargs and getattr(_STATE, "in_pass", False):
        rule = _UFUNC_BY_OBJECT.get(ufunc)   # the fast paths (scipy.special's ufuncs too)
        if rule is not None and len(inputs) == 1 and type(inputs[0]) is DualArray:
            result = _fast_unary(rule, ufunc, inputs[0])
        elif rule is not None and len(inputs) == 2 and rule in _FORMS:
            result = _fast_binary(rule, ufunc, *inputs)
    if result is not None:
        pass
    elif method == "__call__" and ufunc in _HANDLERS:   # np.matmul is a ufunc
        result = _HANDLERS[ufunc](*inputs, **kwargs)
    elif method == "__call__":
        if ufunc in _ON_PRIMAL:
            unwrap = _PRECEDING[-1].primal if _PRECEDING else _primal
            result = ufunc(*[unwrap(x) for x in inputs], **kwargs)
        else:
            if kwargs:
                raise TypeError(f"dualad: {table.ufunc_name(ufunc)} with keyword arguments "
                                f"{sorted(kwargs)} has no tangent rule")
            rule = _UFUNC_BY_OBJECT.get(ufunc)
            if rule is None:
                raise TypeError(f"dualad: {table.ufunc_name(ufunc)} has no tangent rule for "
                                "dual numbers (add one with dualad.defjvp)")
            if not any(isinstance(x, (np.ndarray, DualArray)) for x in inputs):
                # scalars only (np.sin(dual)): the scalar path with NumPy's semantics at
                # singular points (np.log(Dual(0.0)) is -inf with NumPy's warning, not
                # math's ValueError); it keeps mpmath values. SciPy's ufuncs compute their
                # own primal (scipy.special.gamma(Dual(2.5)) is scipy's Γ(2.5))
                if ufunc not in _FOREIGN or rule_path.kind_of(
                        [_primal(x) for x in inputs]).split(":")[-1] not in ("float", "complex"):
                    return rule_path.NUMPY.functions.get(rule.name, rule)(*inputs)
            result = elementwise(rule, ufunc, inputs)
    elif (ufunc, method) in _METHODS:   # reduce, accumulate
        result = _reduction(_METHODS[ufunc, method], f"{ufunc.__name__}.{method}", inputs[0],
                            kwargs)
    elif method == "outer" and ufunc in _UFUNC_BY_OBJECT:
        a, b = inputs
        a_ndim = np.ndim(_primal(a))
        b_ndim = np.ndim(_primal(b))
        a = a[(Ellipsis,) + (None,) * b_ndim] if a_ndim else a
        b = b[(None,) * a_ndim + (Ellipsis,)] if b_ndim else b
        result = ufunc(a, b)
    else:
        raise TypeError(f"dualad: {table.ufunc_name(ufunc)}.{method} has no tangent rule for "
                        "dual numbers")
    if out is not None:
        target = out[0] if isinstance(out, tuple) else out
        if not isinstance(target, DualArray):
            raise TypeError(f"dualad: {table.ufunc_name(ufunc)}(..., out=ndarray) would drop "
                            "the tangent; "
                            "let NumPy allocate the result")
        target[...] = result
        return target
    return result


# --- __array_function__ ----------------------------------------------------------------

_HANDLERS: dict = {}


def array_function(func, args, kwargs):
    if _PRECEDING and _PRECEDING[-1].claims((*args, *kwargs.values())):   # np.f(a=x) too
        return _PRECEDING[-1].function(func, args, kwargs)
    handler = _HANDLERS.get(func)
    if handler is None:
        name = getattr(func, "__module__", "numpy")
        raise TypeError(f"dualad: {name}.{func.__name__} has no tangent rule for dual numbers "
                        "(docs/reference/support.md lists what takes duals)")
    return handler(*args, **kwargs)


def apply_array_rule(rule, func, args, kwargs, sequence=False):
    """Apply an array rule: primal by ``func`` on the values, tangent by ``rule.jvp``."""
    if sequence:
        items = [_objects.as_operand(_as_operand(x)) for x in args[0]]
        tag = _outer_tag(items)
        k = _directions(items, tag)
        split = [_split(x, tag) for x in items]
        values = ([v for v, _ in split],) + tuple(args[1:])
        tangents = [[t for _, t in split]] + [None] * (len(args) - 1)
    else:
        args = tuple(_objects.as_operand(_as_operand(a)) for a in args)
        tag = _outer_tag(args)
        k = _directions(args, tag)
        split = [_split(x, tag) for x in args]
        values = tuple(v for v, _ in split)
        tangents = [t for _, t in split]
    if tag < 0:
        return func(*values, **kwargs)
    name = getattr(func, "__name__", "an array function")
    if all(map(_plain, values[0] if sequence else values)):
        return _array_rule_values(rule, func, values, kwargs, tangents, tag, k,
                                  _fpe.evaluate, name)
    return _fpe.nested(_array_rule_values, rule, func, values, kwargs, tangents, tag, k,
                       lambda name, fn, *a, **kw: _fpe.passing(fn, *a, **kw), name)


def _array_rule_values(rule, func, values, kwargs, tangents, tag, k, evaluate, name):
    ans = evaluate(name, func, *values, **kwargs)
    dtype = kwargs.get("dtype")
    if dtype is not None and np.dtype(dtype).kind in "biu":
        return ans   # rounded to integers: piecewise constant, derivative 0 (as floor)
    if dtype is not None and np.dtype(dtype).kind == "f":
        values, tangents = _real_parts(values, tangents)
    tangent = rule.jvp(values, kwargs, ans, tangents, k)
    return _wrap_result(ans, tangent, tag, k)


def _real_parts(values, tangents):
    """The inputs as NumPy reads them under a real ``dtype=``: it casts a complex input to
    the dtype, discarding the imaginary part (with a ComplexWarning, which the primal's
    evaluation gave). The function differentiated is then one of the real parts, so each
    complex input and its tangent become their real parts (a sequence argument entry by
    entry); the tangent map then sees a real function of real inputs."""
    def real(v):
        if isinstance(v, list):
            return [real(x) for x in v]
        return np.real(v) if v is not None and np.iscomplexobj(_primal(v)) else v

    def real_tangent(v, t):
        if isinstance(v, list):
            return [real_tangent(x, u) for x, u in zip(v, t)]
        return np.real(t) if t is not None and np.iscomplexobj(_primal(v)) else t
    return (tuple(real(v) for v in values),
            [real_tangent(v, t) for v, t in zip(values, tangents)])


def _wrap_result(ans, tangent, tag, k):
    if isinstance(ans, tuple):
        wrapped = [wrap(a, t, tag, k) if t is not None else a for a, t in zip(ans, tangent)]
        return type(ans)(*wrapped) if hasattr(ans, "_fields") else tuple(wrapped)
    if isinstance(ans, list):
        return [wrap(a, t, tag, k) for a, t in zip(ans, tangent)]
    return wrap(ans, tangent, tag, k)


def implements(*funcs):
    """Register ``handler`` for NumPy functions made of ruled operations. The call is
    bound to NumPy's own signature and handed over by NumPy's parameter names, so that
    positional and keyword forms mean what they mean to NumPy; ``out=`` and any argument
    the handler does not take (given other than at its default) are refused."""
    def register(handler):
        for f in funcs:
            _HANDLERS[f] = _bound_to_numpy(f, handler)
        return handler
    return register


def _bound_to_numpy(func, handler):
    try:
        numpy_signature = inspect.signature(func)
    except (TypeError, ValueError):
        return handler
    ours = inspect.signature(handler).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in ours.values())
    theirs = list(numpy_signature.parameters.values())
    aligned = 0   # leading parameters with the same name in both, positionally
    for p, q in zip(theirs, ours.values()):
        if p.name != q.name or q.kind not in (q.POSITIONAL_ONLY, q.POSITIONAL_OR_KEYWORD):
            break
        aligned += 1
    name = _numpy_name(func)

    def bound(*args, **kwargs):
        if not kwargs and len(args) <= aligned:
            return handler(*args)
        arguments = numpy_signature.bind(*args, **kwargs).arguments
        positional, keywords = [], {}
        for key, v in arguments.items():
            p = numpy_signature.parameters[key]
            if p.kind is p.POSITIONAL_ONLY:
                positional.append(v)
            elif p.kind is p.VAR_POSITIONAL:
                positional.extend(v)
            elif p.kind is p.VAR_KEYWORD:
                keywords.update(v)
            else:
                keywords[key] = v
        if keywords.get("out") is not None:
            raise TypeError(f"dualad: {name}(..., out=...) would drop the tangent; let NumPy "
                            f"allocate the result (y = {name}(...))")
        if not takes_any:
            for key in [key for key in keywords if key not in ours]:
                if not _is_default(keywords[key], numpy_signature.parameters.get(key)):
                    raise TypeError(f"dualad: {name} with {key}={keywords[key]!r} has no "
                                    "tangent rule")
                del keywords[key]
        return handler(*positional, **keywords)
    bound.__name__ = getattr(handler, "__name__", "handler")
    return bound


def _is_default(v, parameter):
    if v is None or parameter is None:
        return v is None
    default = parameter.default
    return v is default or (type(v) is type(default) and type(v) in (bool, int, float, str)
                            and v == default)


def _register_table_rules():
    """Array functions with a tangent map in the rule table dispatch to it."""
    for rule in table:
        if rule.kind != "array":
            continue
        for func in rule.numpy_functions:
            _HANDLERS[func] = _handler_for(rule, func)


def _handler_for(rule, func):
    sequence = rule.params and rule.params[0] == "arrays"
    normalise = _normaliser(rule, func)

    def handler(*args, **kwargs):
        args, kwargs = normalise(args, kwargs)
        return apply_array_rule(rule, func, args, kwargs, sequence=sequence)
    handler.__name__ = f"{rule.name}_handler"
    setattr(handler, "normalise", normalise)
    return handler


def _normaliser(rule, func):
    """The call brought to the one form every tangent map reads: the rule's parameters
    (NumPy's leading parameters, in NumPy's order) positionally, every other argument by
    keyword under NumPy's name for it. The call is bound to the NumPy function's own
    signature, so ``np.moveaxis(a, source=0, destination=1)`` and ``np.moveaxis(a, 0, 1)``
    reach the map alike. Arguments a tangent map cannot honour are refused here: ``out=``
    (the result would lose its tangent) and a dual in any other argument than the rule's
    parameters (its tangent would be dropped)."""
    name = _numpy_name(func)
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):   # no signature: the call is taken as it comes
        signature = None
    parameters = list(signature.parameters.values()) if signature is not None else []
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):   # einsum, atleast_1d
        signature = None
    leading = tuple(p.name for p in parameters[:len(rule.params)]) if signature else ()
    n = len(leading)

    def normalise(args, kwargs):
        if signature is not None and (len(args) != n or not kwargs.keys().isdisjoint(leading)):
            bound = signature.bind(*args, **kwargs)   # NumPy's dispatcher checked the call
            arguments = dict(bound.arguments)
            args = tuple(arguments.pop(p) if p in arguments else
                         signature.parameters[p].default for p in leading)
            kwargs = {}
            for key, v in arguments.items():
                if signature.parameters[key].kind is inspect.Parameter.VAR_KEYWORD:
                    kwargs.update(v)
                else:
                    kwargs[key] = v
        if kwargs:
            _refuse_keywords(name, kwargs)
        return args, kwargs
    return normalise


def _refuse_keywords(name, kwargs):
    if kwargs.get("out") is not None:
        raise TypeError(f"dualad: {name}(..., out=...) would drop the tangent; let NumPy "
                        f"allocate the result (y = {name}(...))")
    for key, v in kwargs.items():
        if _holds_dual(v):
            raise TypeError(f"dualad: {name} with a dual {key}= ({type(v).__name__}) has no "
                            f"tangent rule: only its array arguments may carry derivatives")


def _numpy_name(func):
    return f"{getattr(func, '__module__', None) or 'numpy'}.{func.__name__}"


_register_table_rules()

_concatenate_by_rule = _HANDLERS[np.concatenate]


def _concatenate_full(arrays, axis=0, **kwargs):
    """np.concatenate along axis 0 of one-level k-tangents and constants, directly. Lists
    of scalar duals among them (``np.concatenate(([k1 * y[0]], flux))``) are stacked in
    place, when every list is such a list (``_stacked_scalars``); else the rule path."""
    if kwargs or axis != 0 or type(arrays) not in (list, tuple) or not rule_path.in_pass():
        return None
    stack = False
    for x in arrays:
        if (type(x) is list or type(x) is tuple) and _holds_dual(x):
            stack = True
            break
    tag = k = None
    values: list[Any] = []
    tangents: list[Any] = []   # a constant's tangent (None here) is filled in below
    for x in arrays:
        if stack and (type(x) is list or type(x) is tuple):
            x = _stacked_scalars(x)
            if x is None:
                return None
            value, t, x_tag, x_k = x
        elif type(x) is DualArray:
            value, x_tag, x_k = x.value, x.tag, x.k
            if type(value) is not np.ndarray or x_k is None:
                return None
            t = x.tangent
        elif isinstance(x, Carrier):
            return None
        else:
            values.append(x)
            tangents.append(None)
            continue
        if tag is not None and (x_tag != tag or x_k != k):
            return None
        tag, k = x_tag, x_k
        values.append(value)
        tangents.append(t)
    if tag is None:
        return None
    for i, t in enumerate(tangents):
        if t is None:
            v = values[i] = np.asarray(values[i])
            tangents[i] = np.zeros(v.shape + (k,), dtype=np.result_type(v, float))
    return _make_array(np.concatenate(values), np.concatenate(tangents), tag, k)


def _stacked_scalars(items):
    """A list of scalar duals of one tag (float values, k-tangents) and plain floats, as
    ``np.concatenate((flux, [d * y[-1]]))`` writes it, as the value and tangent of one
    DualArray (what np.stack makes of it), with its tag and k; None for anything else
    (then the rule path)."""
    tag: Any = None
    k: Any = None
    for x in items:
        if type(x) is Dual:
            t = x.tangent
            if type(x.value) is not float or type(t) is not np.ndarray or t.ndim != 1 or (
                    tag is not None and (x.tag != tag or t.shape[0] != k)):
                return None
            tag, k = x.tag, t.shape[0]
        elif type(x) is not float and type(x) is not int:
            return None
    if tag is None:
        return None
    if len(items) == 1:   # [dual]: its tangent as one row, a view
        x = items[0]
        return np.array([x.value]), x.tangent[None], tag, k
    values = np.array([x.value if type(x) is Dual else float(x) for x in items])
    tangents = np.array([x.tangent if type(x) is Dual else np.zeros(k) for x in items])
    return values, tangents, tag, k


def _concatenate(*args, **kwargs):
    args, kwargs = _concatenate_by_rule.normalise(args, kwargs)
    out = _concatenate_gathered(*args, **kwargs)
    if out is not None:
        return out
    out = _concatenate_full(*args, **kwargs)
    return _concatenate_by_rule(*args, **kwargs) if out is None else out


_HANDLERS[np.concatenate] = _concatenate
_sum_by_rule = _HANDLERS[np.sum]


def _sum(*args, **kwargs):
    args, kwargs = _sum_by_rule.normalise(args, kwargs)
    out = _gathered_sum(*args, **kwargs)
    return _sum_by_rule(*args, **kwargs) if out is None else out


_HANDLERS[np.sum] = _sum


def _gathered_first(func, gathered):
    """The handler of ``func``: ``gathered(args..)`` (a gathered array's shape or
    selection function, dualad.arrays.gathered_shapes), else the array rule's."""
    by_rule = _HANDLERS[func]

    def handler(*args, **kwargs):
        args, kwargs = by_rule.normalise(args, kwargs)
        out = gathered(*args, **kwargs) if args else None
        return by_rule(*args, **kwargs) if out is None else out
    return handler


_HANDLERS[np.reshape] = _gathered_first(np.reshape, gathered_reshape)
_HANDLERS[np.diff] = _gathered_first(np.diff, gathered_diff)
_HANDLERS[np.ravel] = _gathered_first(
    np.ravel, lambda a, *rest, **kwargs: None if rest else gathered_reshape(a, -1, **kwargs))
_RESHAPED: tuple[Any, ...] = (np.squeeze, np.expand_dims)
_PERMUTED: tuple[Any, ...] = (np.transpose, np.swapaxes, np.moveaxis)
for _shaping in _RESHAPED:
    _HANDLERS[_shaping] = _gathered_first(
        _shaping, functools.partial(gathered_reshaped, _shaping))
for _shaping in _PERMUTED:
    _HANDLERS[_shaping] = _gathered_first(
        _shaping, functools.partial(gathered_permuted, _shaping))


for _shaping in _SELECTIONS:
    _HANDLERS[_shaping] = _gathered_first(
        _shaping, functools.partial(gathered_selected, _shaping))


def _dual_array_ufunc(self, ufunc, method, *inputs, **kwargs):
    return released(array_ufunc(ufunc, method, inputs, kwargs), inputs)


def _dual_array_function(self, func, types, args, kwargs):
    if func in _VIEW_FUNCTIONS:   # taken and registered under the lock of writes
        with _views.LOCK:
            out = released(array_function(func, args, kwargs), args)
            _views_of(out, func, args, kwargs)
        return out
    return released(array_function(func, args, kwargs), args)


def _views_of(out, func, args, kwargs):
    """Register what ``func`` (one of NumPy's view functions) returned as views of the dual
    array argument each result shares its memory with (dualad.arrays.views)."""
    results = out if type(out) in (list, tuple) else (out,)
    for i, r in enumerate(results):
        if type(r) is not DualArray:
            continue
        for name, a in list(enumerate(args)) + list(kwargs.items()):
            if type(a) is not DualArray or a is r:
                continue
            if _views.shares(r.value, a.value):
                _views.register(r, a, _taking(func, args, kwargs, name,
                                              i if results is out else None))
                break
            if a.owned and any(_views.shares(part, a._tangent) for part in r.stored()[1:]):
                # a copy of the value (NumPy's ravel of a strided array) whose tangent is
                # still a view of a's buffer: a's next write copies first, as in released
                (a if a._view is None else a._view.root).owned = False


def _taking(func, args, kwargs, name, i):
    """The step that takes the view again: ``func`` called with the argument ``name``
    (a position or a keyword) replaced, its result ``i`` (None: the result itself)."""
    def take(x):
        if type(name) is int:
            out = func(*args[:name], x, *args[name + 1:], **kwargs)
        else:
            out = func(*args, **{**kwargs, name: x})
        return out if i is None else out[i]
    return take


# NumPy's protocols on the dual arrays, and on the scalar Dual (np.sin(d), ndarray * d)
# (setattr: both classes declare them to type checkers; they are installed here)
for _cls in (DualArray, Dual):
    setattr(_cls, "__array_ufunc__", _dual_array_ufunc)
    setattr(_cls, "__array_function__", _dual_array_function)

