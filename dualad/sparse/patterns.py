"""Sparse Jacobians and Hessians: pattern detection, colouring, compressed seeding.

**Detection.** ``jacobian_sparsity(f, x)`` runs ``f`` on *pattern duals*: each entry
carries the set of inputs it depends on (a ``scipy.sparse`` boolean row). Elementwise
functions take the union over their differentiable arguments (from the rule table);
array functions follow the dependence structure their rule records ("select",
"reduce", "bilinear", ...). The detection is *global*, as a global tracer's: no partial
is evaluated and no number is looked at, so the pattern holds for every input of those
shapes. Constants (the other arguments, closed-over arrays, literals) count as possibly
non-zero whatever their value; ``np.where`` takes both branches; and a look at a value
that depends on the inputs (a comparison in an ``if``, ``bool()``, an index, ``argmax``,
...) is refused with ``PatternBranchError``, because the pattern of one branch would be
reused for inputs that take the other.

In a Hessian detection (the Jacobian pattern of a forward-mode gradient), the seed
directions are pattern arrays of their own, *tangent level*: their extra last column
(the marker) says "possibly non-zero", so a product with a structurally zero lane of
the seed is zero for every input, while a product with a constant is never taken as
zero.

**Colouring.** Columns that never share a row can share a seed direction:
``color_columns`` colours the column intersection graph greedily in largest-first order
(exact on banded patterns: as many colours as the band is wide); ``star_color`` colours
a symmetric (Hessian) pattern so that every entry can be read off directly.

**Compressed seeding.** ``jacfwd(f, sparsity=...)`` seeds one direction per colour and
decompresses the result into a ``scipy.sparse.csr_array``; ``hessian(f, sparsity=...)``
does the same for H·S with a star colouring.
"""
from __future__ import annotations

import inspect
import numbers
import operator
import sys
import threading
from typing import Any, Callable, NamedTuple

import numpy as np

from dualad.arrays import array as _arrays
from dualad.core import carriers as _carriers
from dualad.core import elemental
from dualad.core import number as _number
from dualad.core.shaped import ValueShaped
from dualad.core.carriers import Carrier
from dualad.core.number import DroppedDerivative, Dual, _make
from dualad.table.rules import table
from dualad.core.tags import new_tag, running

__all__ = ["jacobian_sparsity", "color_columns", "star_color", "Coloring", "PatternArray",
           "PatternBranchError"]


def _scipy_sparse():
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - exercised only without scipy
        raise ImportError("dualad's sparse Jacobians need SciPy: pip install 'dualad[sparse]' "
                          "(or pip install scipy)") from None
    return sp


# --- a look at a value is refused ------------------------------------------------------

class PatternBranchError(TypeError):
    """``f`` looked at a value that depends on the inputs while its sparsity pattern was
    being detected (an ``if`` on a comparison, ``bool()``, an index, ``argmax``, ...)."""


class PatternConversionError(PatternBranchError, DroppedDerivative):
    """float()/int()/complex() of a pattern value: refused as any look at a value, and a
    ``DroppedDerivative`` as a dual's is, so that a refusal compiled code swallowed (and
    Python reported as SystemError) is recognised (``transforms._seed.plain_errors``)."""


def refuse(what: str, conversion: bool = False):
    raise (PatternConversionError if conversion else PatternBranchError)(
        f"sparsity detection: f used a value that depends on its arguments as {what}. A "
        "detected pattern is reused for every call with arguments of the same shapes, so no value "
        "may steer f while it is detected (the arguments other than the differentiated one "
        "are traced as constants too). Write the choice with np.where(condition, a, b) "
        "(both branches count), or pass the pattern yourself (sparsity=<boolean pattern>, "
        "e.g. from ad.jacobian_sparsity of a branch-free version of f)")


def truth(x) -> bool:
    """``bool()`` of a pattern value: refused in f; dualad's own code may branch on the
    primal (its fast and careful paths give the same derivative, so the same pattern)."""
    frame = sys._getframe(2)
    while frame.f_code.co_name == "__bool__" and frame.f_back is not None:
        frame = frame.f_back   # an outer dual's bool() asks its primal's
    caller = frame.f_globals.get("__name__", "")
    if caller.startswith("dualad.") and caller != "dualad.sparse.patterns":
        return bool(_value(x))
    refuse("a truth value (if, and, or, bool())")


def condition(op, a, b):
    """The result of a comparison of pattern values: a pattern of booleans without
    dependence, which ``np.where`` accepts and ``bool()`` or an index refuses."""
    items = (a, b)
    tag = _tag_of(items)
    n = next((x.n for x in items if type(x) is PatternArray), _N_INPUTS[-1])
    ans = np.asarray(op(_value(a), _value(b)))
    return _wrap(ans, _empty(ans.size, n), n, tag)


# --- pattern numbers -------------------------------------------------------------------

class PatternRow:
    """The inputs one scalar depends on: the tangent of a scalar pattern dual. Arithmetic
    is union, whatever the numbers involved (the pattern is structural)."""

    __slots__ = ("cols",)

    def __init__(self, cols=()):
        self.cols = frozenset() if isinstance(cols, numbers.Number) else frozenset(cols)

    def _union(self, other):
        if isinstance(other, PatternRow):
            return PatternRow(self.cols | other.cols)
        if isinstance(other, (numbers.Number, np.generic)):
            return self
        return NotImplemented

    __add__ = __radd__ = __sub__ = __rsub__ = _union

    def _scale(self, other):
        if isinstance(other, PatternRow):   # a product of two tangents never happens
            return PatternRow(self.cols | other.cols)
        if isinstance(other, (numbers.Number, np.generic, Dual)):
            return self
        return NotImplemented

    __mul__ = __rmul__ = __truediv__ = _scale

    def __neg__(self):
        return self

    __pos__ = __neg__

    def __eq__(self, other):  # "t == 0" in lane guards: a pattern is never known zero
        return False if isinstance(other, numbers.Number) else NotImplemented

    __hash__ = None

    def conjugate(self):
        return self

    real = imag = property(lambda self: self)

    def __repr__(self):
        return f"PatternRow({sorted(self.cols)})"


def _is_pattern(x, tag=None):
    if type(x) is PatternArray:
        return tag is None or x.tag == tag
    return type(x) is Dual and type(x.tangent) is PatternRow and (tag is None or x.tag == tag)


class PatternArray(ValueShaped, Carrier):
    """An array whose entries carry their input dependence (rows of a sparse matrix with
    ``n`` columns: the inputs, then the marker). ``tangent``: a tangent-level array (a
    seed direction of a Hessian detection and what is computed from it), whose entries
    are structurally zero unless their row holds the marker."""

    __slots__ = ("value", "rows", "n", "tag", "tangent")
    __array_priority__ = 20   # as DualArray's: an ndarray operand defers to it

    def __init__(self, value, rows, n, tag, tangent=False):
        self.value, self.rows, self.n, self.tag, self.tangent = value, rows, n, tag, tangent

    dtype = property(lambda self: self.value.dtype)

    def __repr__(self):
        return f"PatternArray(shape={self.shape}, nnz={self.rows.nnz})"

    def __array__(self, dtype=None, copy=None):
        refuse("a plain ndarray (np.asarray, an ndarray index or assignment)")

    def __bool__(self):
        return truth(self)

    def __index__(self):
        refuse("an index")

    __int__ = __index__

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if not has_pattern(inputs):   # a dual of an outer differentiation comes first
            return _arrays.array_ufunc(ufunc, method, inputs, kwargs)
        return _pattern_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if not has_pattern(args):
            return _arrays.array_function(func, args, kwargs)
        return _pattern_function(func, args, kwargs)

    def __getitem__(self, index):
        index = _plain(index)
        ids = np.arange(self.size).reshape(self.shape)[index]
        return _wrap(self.value[index], self.rows[np.ravel(ids)], self.n, self.tag,
                     self.tangent)

    def __setitem__(self, index, item):
        sp = _scipy_sparse()
        index = _plain(index)
        ids = np.ravel(np.arange(self.size).reshape(self.shape)[index])
        shape = np.shape(self.value[index])
        if _is_pattern(item, self.tag):
            value, rows = item.value, _rows(item)
            rows = _broadcast_rows(rows, np.shape(value), shape)
            if _is_tangent(item) != self.tangent:   # one level: the value-level part marked
                if self.tangent:
                    rows = _marked(rows)
                else:
                    self.rows, self.tangent = _marked(self.rows), True
        else:   # a constant: no dependence (a zero tangent, at tangent level)
            value, rows = _value(item), _empty(len(ids), self.n)
        self.value = self.value.copy()
        self.value[index] = value
        keep = np.ones(self.size, dtype=bool)
        keep[ids] = False
        eye = sp.diags_array(keep, dtype=bool).tocsr()
        place = sp.csr_array((np.ones(len(ids), dtype=bool), (ids, np.arange(len(ids)))),
                             shape=(self.size, len(ids)))
        self.rows = (eye @ self.rows + place @ rows).tocsr()

    # the methods NumPy arrays have: the shared ones in ValueShaped

    def copy(self):
        return PatternArray(self.value.copy(), self.rows.copy(), self.n, self.tag, self.tangent)

    def _take_on(self, result):
        """Become ``result`` (a pattern of this one's level), in place."""
        for name in self.__slots__:
            setattr(self, name, getattr(result, name))

    __copy__ = copy

    def __deepcopy__(self, memo):
        out = memo[id(self)] = self.copy()
        return out

    def astype(self, dtype):
        if np.dtype(dtype).kind not in "fc":   # rounding looks at the values
            raise TypeError(f"PatternArray.astype({dtype}): only float and complex dtypes keep "
                            "the dependence")
        return PatternArray(self.value.astype(dtype), self.rows, self.n, self.tag, self.tangent)

    def _binary(name):
        ufunc = getattr(np, table[name].numpy)   # add -> np.add, truediv -> np.divide

        def op(self, other):
            if not has_pattern((self, other)):
                return NotImplemented   # the outer dual's operator runs
            return _elementwise(table[name], ufunc, (self, other))

        def rop(self, other):
            if not has_pattern((self, other)):
                return NotImplemented
            return _elementwise(table[name], ufunc, (other, self))
        return op, rop

    __add__, __radd__ = _binary("add")
    __sub__, __rsub__ = _binary("sub")
    __mul__, __rmul__ = _binary("mul")
    __truediv__, __rtruediv__ = _binary("truediv")
    __pow__, __rpow__ = _binary("pow")
    __mod__, __rmod__ = _binary("mod")
    __floordiv__, __rfloordiv__ = _binary("floordiv")

    def __neg__(self):
        return PatternArray(-self.value, self.rows, self.n, self.tag, self.tangent)

    def __pos__(self):
        return self

    def __abs__(self):
        return _elementwise(table["abs"], np.absolute, (self,))

    def __lt__(self, other):
        return condition(operator.lt, self, other)

    def __le__(self, other):
        return condition(operator.le, self, other)

    def __gt__(self, other):
        return condition(operator.gt, self, other)

    def __ge__(self, other):
        return condition(operator.ge, self, other)

    def __eq__(self, other):
        return condition(operator.eq, self, other)

    def __ne__(self, other):
        return condition(operator.ne, self, other)

    __hash__ = None

    def __float__(self):
        refuse("a float (float())", conversion=True)

    def __complex__(self):
        refuse("a complex number (complex())", conversion=True)


def _plain(index):
    if isinstance(index, tuple):
        return tuple(_plain(i) for i in index)
    if type(index) is PatternArray or _is_pattern(index):
        refuse("an index")
    if isinstance(index, Dual):
        return index.__index__()
    return index


def _value(x):
    while isinstance(x, Carrier):
        x = x.value
    return x


def _empty(m, n):
    return _scipy_sparse().csr_array((m, n), dtype=bool)


def _rows(x):
    """The dependence rows of a pattern dual (scalar or array)."""
    if type(x) is PatternArray:
        return x.rows
    sp = _scipy_sparse()
    cols = sorted(x.tangent.cols)
    n = _N_INPUTS[-1]
    return sp.csr_array((np.ones(len(cols), dtype=bool), (np.zeros(len(cols), dtype=int), cols)),
                        shape=(1, n))


_N_INPUTS = [0]   # the number of inputs of the innermost detection in progress


def _wrap(value, rows, n, tag, tangent=False):
    if np.ndim(value) == 0:   # a scalar keeps no level: a tangent one counts as a value
        v = value[()] if isinstance(value, np.ndarray) else value
        v = float(v) if type(v) is np.float64 else v
        return _make(v, PatternRow(rows.indices if hasattr(rows, "indices") else ()), tag)
    return PatternArray(np.asarray(value), rows.tocsr(), n, tag, tangent)


# --- tangent level: the marker column says "possibly non-zero" ----------------------------

def _is_tangent(x) -> bool:
    return type(x) is PatternArray and x.tangent


def _marked(rows):
    """``rows`` with the marker on every entry (values in a tangent-level result)."""
    sp = _scipy_sparse()
    m, n = rows.shape
    marker = sp.csr_array((np.ones(m, dtype=bool), (np.arange(m), np.full(m, n - 1))),
                          shape=(m, n))
    return (rows + marker).tocsr()


def _nonzero(x, shape):
    """Entries of ``x``, broadcast to ``shape``, that may be non-zero: the marked ones of
    a tangent-level array; every one of anything else (values and constants count as
    possibly non-zero, whatever their value). ``None`` for all of them."""
    if not _is_tangent(x):
        return None
    marker = x.rows[:, [x.n - 1]].toarray().reshape(np.shape(x.value))
    return np.broadcast_to(marker, shape).ravel()


def constant_like(out, like):
    """A plain array that a pattern dual is stored into (``out[i] = like``, in a rule) as a
    pattern of ``like``'s tag without dependence. Next to a tangent-level ``like`` an
    array of zeros is a constant's tangent, structurally zero (tangent level); any other
    array is a constant, possibly non-zero (value level, marked by the store)."""
    value = np.asarray(out)
    n = like.n if type(like) is PatternArray else _N_INPUTS[-1]
    tangent = _is_tangent(like) and not np.any(value)
    return PatternArray(value, _empty(value.size, n), n, like.tag, tangent)


def tangent_seed(directions, like):
    """Seed directions (an array whose last axis is the direction) as a tangent-level
    pattern array: the marker where a seed entry is non-zero (the seed's zeros are
    structural, the same for every input)."""
    sp = _scipy_sparse()
    directions = np.asarray(directions)
    n = like.n if type(like) is PatternArray else _N_INPUTS[-1]
    on = np.flatnonzero(directions)
    rows = sp.csr_array((np.ones(on.size, dtype=bool), (on, np.full(on.size, n - 1))),
                        shape=(directions.size, n))
    return PatternArray(directions, rows, n, like.tag, True)


def _level(items, tag):
    """Whether a result from the pattern duals among ``items`` is at tangent level."""
    return any(_is_tangent(x) for x in items if _is_pattern(x, tag))


def _additive(x, rows, tangent):
    """Rows of an operand that enters a result additively (a sum, a selection): in a
    tangent-level result a value-level operand counts as possibly non-zero everywhere."""
    return _marked(rows) if tangent and not _is_tangent(x) else rows


def _broadcast_rows(rows, shape_from, shape_to):
    if tuple(shape_from) == tuple(shape_to):
        return rows
    ids = np.broadcast_to(np.arange(int(np.prod(shape_from))).reshape(shape_from), shape_to)
    return rows[np.ravel(ids)]


def _union(parts, m, n):
    out = None
    for rows in parts:
        out = rows if out is None else out + rows
    return _empty(m, n) if out is None else out


# --- elementwise: union over the differentiable arguments ---------------------------

_UFUNC_RULES = {}
for _rule in table:
    for _name in _rule.numpy_names:
        _UFUNC_RULES[_name] = _rule
_ON_PRIMAL = table.primal_only


def _tag_of(items):
    tags = [x.tag for x in items if _is_pattern(x)]
    return max(tags) if tags else None


def _differentiable_args(rule, count):
    if rule.kind in ("constant", "predicate", "integer"):
        return []
    if rule.partials is None or rule.variadic:
        return list(range(count))
    return [i for i, p in enumerate(rule.partials) if p is not None and i < count]


def _elementwise(rule, ufunc, inputs):
    tag = _tag_of(inputs)
    values = [x.value if _is_pattern(x, tag) else x for x in inputs]
    ans = np.asarray(ufunc(*values))
    n = _N_INPUTS[-1]
    broadcast = [(_broadcast_rows(_rows(x), np.shape(x.value), ans.shape)
                  if _is_pattern(x, tag) else None) for x in inputs]
    tangent = _level(inputs, tag)
    if not tangent:   # values: the union over the differentiable arguments, never masked
        # off the real line a piecewise constant rule may move (sign z = z/|z|)
        moving = range(len(inputs)) if rule.complex_jvp is not None and any(
            elemental.has_complex(v) for v in values + [ans]) else \
            _differentiable_args(rule, len(inputs))
        parts = [broadcast[i] for i in moving if broadcast[i] is not None]
        return _wrap(ans, _union(parts, ans.size, n), n, tag)
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


#: an elementwise rule's pattern -> the arguments its result is zero with (the table's
#: "product" x*y: either factor; "quotient" x/y: t / v is zero with t)
_ZERO_WITH = {"product": lambda inputs: inputs, "quotient": lambda inputs: inputs[:1]}

_LINEAR = {}


def _is_linear(rule) -> bool:
    """A rule whose partials are numbers (add, sub, neg, ...): zero lanes stay zero."""
    linear = _LINEAR.get(rule)
    if linear is None:
        partials = rule.partials or ()
        linear = _LINEAR[rule] = bool(partials) and all(
            isinstance(p, str) and not compile(p, "<partial>", "eval").co_names
            for p in partials if p is not None)
    return linear


def _mask_rows(rows, keep):
    if keep.all():
        return rows
    sp = _scipy_sparse()
    return (sp.diags_array(keep, dtype=bool).tocsr() @ rows).tocsr()


def _pattern_ufunc(ufunc, method, inputs, kwargs):
    name = ufunc.__name__
    if kwargs.get("out") is not None:
        raise TypeError(f"dualad: numpy.{name}(..., out=...) is not supported on pattern duals")
    if method == "__call__":
        if name in _ON_PRIMAL:   # a predicate of the values: a condition (see condition())
            if kwargs:
                raise TypeError(f"dualad: numpy.{name} with keyword arguments is not "
                                "supported on pattern duals")
            if len(inputs) == 1:
                return condition(lambda a, _: ufunc(a), inputs[0], None)
            return condition(ufunc, *inputs)
        if ufunc is np.matmul:
            return _bilinear(np.matmul, inputs, kwargs)
        rule = _UFUNC_RULES.get(name)
        if rule is None:
            raise TypeError(f"dualad: numpy.{name} has no rule; its sparsity is unknown")
        return _elementwise(rule, ufunc, inputs)
    rule = _UFUNC_RULES.get(name)
    if method == "reduce" and rule is not None and "reduce" in rule.methods:
        return rule.methods["reduce"](inputs[0], axis=kwargs.get("axis", 0),
                                      keepdims=kwargs.get("keepdims", False))
    raise TypeError(f"dualad: numpy.{name}.{method} is not supported on pattern duals")


# --- array functions by dependence structure -----------------------------------------

def _pattern_function(func, args, kwargs):
    rule = _ARRAY_RULES.get(func)
    if rule is not None:
        args, kwargs = _normalised(rule, func)(args, kwargs)
        return _STRUCTURES[rule.pattern](rule, func, args, kwargs)
    handler = _EXTRA.get(func)
    if handler is not None:
        return handler(*args, **kwargs)
    composite = _arrays._HANDLERS.get(func)
    if composite is not None:   # compositions of ruled functions, and primal-only ones
        return _composed(func, composite, args, kwargs)
    raise TypeError(f"dualad: numpy.{func.__name__} has no rule; its sparsity is unknown")


_NORMALISERS = {}


def _normalised(rule, func):
    """The call in the one form the dual arrays' tangent maps read (``array._normaliser``):
    the rule's parameters positionally, the rest by keyword, ``np.sum(a=x)`` as ``np.sum(x)``."""
    normalise = _NORMALISERS.get(func)
    if normalise is None:
        normalise = _NORMALISERS[func] = _arrays._normaliser(rule, func)
    return normalise


_COMPOSING = threading.local()


def _composed(func, composite, args, kwargs):
    """A composition of ruled functions (``array_functions``) on pattern duals. One that
    recognises only dual arrays takes a pattern for a constant and hands it back to NumPy
    unchanged: that same call, entered again, is refused (it would recurse for ever)."""
    calls = _COMPOSING.__dict__.setdefault("calls", set())
    call = (func, tuple(map(id, args)), tuple((key, id(v)) for key, v in kwargs.items()))
    if call in calls:
        raise TypeError(f"dualad: numpy.{func.__name__} has no sparsity rule: its composition "
                        "of ruled functions does not take pattern duals. Pass the pattern "
                        "yourself (sparsity=<boolean pattern>)")
    calls.add(call)
    try:
        return composite(*args, **kwargs)
    finally:
        calls.discard(call)


def _ids(x, offset):
    """Entry ids (offset + 1 ...) of a pattern dual, 0 for constants: for the index trick."""
    shape = np.shape(_value(x))
    if _is_pattern(x):
        return np.arange(offset + 1, offset + 1 + int(np.prod(shape))).reshape(shape)
    return np.zeros(shape, dtype=int)


def _select(rule, func, args, kwargs):
    """Outputs are copies of input entries: apply ``func`` to entry ids to find which.
    The entries come from the first argument (a sequence of arrays for "arrays"), or from
    every argument of a function of arrays only (``atleast_1d(*arys)``); the others
    (indices, shifts, shapes) choose entries, so a pattern there is a look at a value."""
    sequence = rule.params[0] == "arrays"
    many = not sequence and _of_arrays_only(func)
    items, rest = (list(args[0]), tuple(args[1:])) if sequence else (
        (list(args), ()) if many else ([args[0]], tuple(args[1:])))
    if has_pattern(rest) or has_pattern(tuple(kwargs.values())):
        refuse(f"an argument of numpy.{func.__name__} that chooses entries (an index, a "
               "shift, a shape)")
    items = [_stack_scalars(x) for x in items]
    tag = _tag_of(items)
    n = _N_INPUTS[-1]
    offset, tables, ids = 0, [_empty(1, n)], []
    for x in items:
        ids.append(_ids(x if _is_pattern(x, tag) else np.asarray(_value(x)), offset))
        if _is_pattern(x, tag):
            tables.append(_rows(x))
            offset += int(np.prod(np.shape(x.value)))
    sp = _scipy_sparse()
    tangent = _level(items, tag)
    tables[1:] = [_additive(x, rows, tangent)
                  for x, rows in zip([x for x in items if _is_pattern(x, tag)], tables[1:])]
    table_rows = sp.vstack(tables).tocsr()
    values = [x.value if _is_pattern(x, tag) else x for x in items]
    value_out = func(values, *rest, **kwargs) if sequence else func(*values, *rest, **kwargs)
    id_out = func(ids, *rest, **kwargs) if sequence else func(*ids, *rest, **kwargs)
    if isinstance(value_out, (list, tuple)):
        return type(value_out)(_wrap(np.asarray(v), table_rows[np.ravel(i)], n, tag, tangent)
                               for v, i in zip(value_out, id_out))
    return _wrap(np.asarray(value_out), table_rows[np.ravel(id_out)], n, tag, tangent)


_ARRAYS_ONLY = {}


def _of_arrays_only(func) -> bool:
    """Whether every argument of ``func`` is an array (``atleast_1d(*arys)``)."""
    only = _ARRAYS_ONLY.get(func)
    if only is None:
        try:
            parameters = list(inspect.signature(func).parameters.values())
        except (TypeError, ValueError):
            parameters = []
        only = _ARRAYS_ONLY[func] = bool(parameters) and \
            parameters[0].kind is inspect.Parameter.VAR_POSITIONAL
    return only


def _stack_scalars(x):
    if isinstance(x, (list, tuple)) and any(_is_pattern(v) for v in x):
        return np.stack(x)
    return x


def _group(rule, value_in_shape, out_ids):
    """Rows of the result from a map input entry -> output entry."""
    sp = _scipy_sparse()
    m = int(np.prod(value_in_shape))
    out_m = int(out_ids.max()) + 1 if out_ids.size else 0
    return sp.csr_array((np.ones(m, dtype=bool), (np.ravel(out_ids), np.arange(m))),
                        shape=(out_m, m))


def _reduce(rule, func, args, kwargs):
    x = args[0]
    axis = args[1] if len(args) > 1 else kwargs.get("axis")
    keepdims = kwargs.get("keepdims", False)
    value = x.value
    ans = np.asarray(func(value, *args[1:], **kwargs))
    axes = tuple(range(value.ndim)) if axis is None else (
        tuple(a % value.ndim for a in axis) if isinstance(axis, tuple) else (axis % value.ndim,))
    kept = tuple(1 if i in axes else s for i, s in enumerate(value.shape))
    out_ids = np.broadcast_to(np.arange(int(np.prod(kept))).reshape(kept), value.shape)
    rows = _group(rule, value.shape, out_ids) @ _rows(x)
    return _wrap(ans, rows, x.n, x.tag, x.tangent)


def _pairs(x, axis, lower):
    """Rows where output entry i of each line along ``axis`` depends on entries j of the
    same line with j <= i (``lower``) or on all of them."""
    sp = _scipy_sparse()
    value = x.value
    ids = np.arange(value.size).reshape(value.shape)
    if axis is None:
        ids = ids.reshape(-1)
        axis = 0
    lines = np.moveaxis(ids, axis, -1).reshape(-1, ids.shape[axis])
    length = lines.shape[1]
    i_idx, j_idx = np.tril_indices(length) if lower else np.indices((length, length)).reshape(2, -1)
    out = lines[:, i_idx].ravel()
    inp = lines[:, j_idx].ravel()
    dep = sp.csr_array((np.ones(out.size, dtype=bool), (out, inp)), shape=(value.size, value.size))
    return dep @ _rows(x)


def _scan(rule, func, args, kwargs):
    x = args[0]
    axis = args[1] if len(args) > 1 else kwargs.get("axis")
    ans = func(x.value, *args[1:], **kwargs)
    return _wrap(ans, _pairs(x, axis if axis is None else axis % x.ndim, True), x.n, x.tag,
                 x.tangent)


def _sort(rule, func, args, kwargs):
    x = args[0]
    axis = args[1] if len(args) > 1 else kwargs.get("axis", -1)
    ans = func(x.value, *args[1:], **kwargs)
    return _wrap(ans, _pairs(x, axis if axis is None else axis % x.ndim, False), x.n, x.tag,
                 x.tangent)


def _where(rule, func, args, kwargs):
    if len(args) == 1:
        refuse("the input of numpy.where(condition)")
    cond, x, y = args
    ans = np.where(_value(cond), _value(x), _value(y))
    tag = _tag_of((cond, x, y))
    n = _N_INPUTS[-1]
    tangent = _level((x, y), _tag_of((x, y)))
    parts = [_additive(v, _broadcast_rows(_rows(v), np.shape(v.value), ans.shape), tangent)
             for v in (x, y) if _is_pattern(v, tag)]
    # the result depends on both branches; with neither a pattern it is still chosen by
    # a value, so it stays a pattern (without dependence) that no branch may look at
    return _wrap(ans, _union(parts, ans.size, n), n, tag, tangent)


def _diff(rule, func, args, kwargs):
    a = args[0]
    n = args[1] if len(args) > 1 else kwargs.get("n", 1)
    axis = args[2] if len(args) > 2 else kwargs.get("axis", -1)
    for key in ("prepend", "append"):
        if kwargs.get(key) is not None:
            parts = [kwargs[key], a] if key == "prepend" else [a, kwargs[key]]
            a = np.concatenate([np.broadcast_to(p, _edge_shape(a, axis)) if np.ndim(_value(p))
                                < np.ndim(_value(a)) else p for p in parts], axis=axis)
    for _ in range(n):
        upper = [slice(None)] * a.ndim
        lower = [slice(None)] * a.ndim
        upper[axis] = slice(1, None)
        lower[axis] = slice(None, -1)
        a = a[tuple(upper)] - a[tuple(lower)]
    return a


def _edge_shape(a, axis):
    shape = list(np.shape(_value(a)))
    shape[axis] = 1
    return tuple(shape)


def _trace(rule, func, args, kwargs):
    a = args[0]
    offset = args[1] if len(args) > 1 else kwargs.get("offset", 0)
    axis1 = args[2] if len(args) > 2 else kwargs.get("axis1", 0)
    axis2 = args[3] if len(args) > 3 else kwargs.get("axis2", 1)
    return np.sum(np.diagonal(a, offset, axis1, axis2), axis=-1)


def _bilinear(func, args, kwargs):
    """Products. Matrix/vector products follow the index structure (out[i, k] from row i
    of a and column k of b, every entry of a constant counting as possibly non-zero);
    other products put every output on every entry of the operands."""
    operands = args[1:] if isinstance(args[0], str) else args
    tag = _tag_of(operands)
    values = [x.value if _is_pattern(x, tag) else _value(x) for x in args]
    ans = func(*values, **kwargs)
    if not isinstance(ans, tuple):
        ans = np.asarray(ans)
    n = _N_INPUTS[-1]
    if func in (np.matmul, np.dot) and len(args) == 2 and not kwargs:
        va, vb = (np.asarray(v) for v in values)
        if 1 <= va.ndim <= 2 and 1 <= vb.ndim <= 2:
            return _matrix_product(args, va, vb, ans, tag, n)
    return _every(ans, [x for x in operands if _is_pattern(x, tag)], n, tag)


def _matrix_product(args, va, vb, ans, tag, n):
    """out = a @ b with a (m, l) and b (l, p) (a vector as one row / one column):
    out[i, k] depends on a[i, j] where b[j, k] may be non-zero and on b[j, k] where
    a[i, j] may be non-zero."""
    sp = _scipy_sparse()
    a, b = args
    m, inner = va.shape if va.ndim == 2 else (1, va.shape[0])
    p = vb.shape[1] if vb.ndim == 2 else 1
    tangent = _level(args, tag)
    parts = []
    if _is_pattern(a, tag):
        nonzero_b = _nonzero(b, vb.shape) if _is_pattern(b, tag) else None
        mask_b = np.ones((inner, p), bool) if nonzero_b is None else nonzero_b.reshape(inner, p)
        parts.append(sp.kron(sp.eye_array(m, dtype=bool), sp.csr_array(mask_b.T)).tocsr()
                     @ _rows(a))
    if _is_pattern(b, tag):
        nonzero_a = _nonzero(a, va.shape) if _is_pattern(a, tag) else None
        mask_a = np.ones((m, inner), bool) if nonzero_a is None else nonzero_a.reshape(m, inner)
        parts.append(sp.kron(sp.csr_array(mask_a), sp.eye_array(p, dtype=bool)).tocsr()
                     @ _rows(b))
    return _wrap(ans, _union(parts, m * p, n), n, tag, tangent)


def _every(ans, duals, n, tag):
    """Every entry of the result(s) depends on every input any of ``duals`` depends on."""
    sp = _scipy_sparse()
    union = None
    for x in duals:
        row = _rows(x)
        row = sp.csr_array(np.asarray(row.sum(axis=0)).reshape(1, -1) > 0)
        union = row if union is None else union + row
    union = _empty(1, n) if union is None else union
    tangent = any(_is_tangent(x) for x in duals)
    if isinstance(ans, tuple):
        return type(ans)(*[_every_entry(np.asarray(a), union, n, tag, tangent) for a in ans]) \
            if hasattr(ans, "_fields") else tuple(_every_entry(np.asarray(a), union, n, tag,
                                                               tangent) for a in ans)
    return _every_entry(np.asarray(ans), union, n, tag, tangent)


def _every_entry(ans, union, n, tag, tangent=False):
    if ans.dtype.kind not in "fc":
        return ans
    rows = _scipy_sparse().vstack([union] * max(ans.size, 1)).tocsr()[:ans.size]
    return _wrap(ans, rows, n, tag, tangent)


def _bilinear_rule(rule, func, args, kwargs):
    return _bilinear(func, args, kwargs)


def _dense(rule, func, args, kwargs):
    """Every output entry depends on every input entry (linear algebra)."""
    return _bilinear(func, args, kwargs)


_STRUCTURES = {"select": _select, "reduce": _reduce, "scan": _scan, "sort": _sort,
               "where": _where, "diff": _diff, "trace": _trace, "bilinear": _bilinear_rule,
               "dense": _dense}
_ARRAY_RULES = {f: r for r in table if r.kind == "array" for f in r.numpy_functions}


def _zeros_like(a, *args, **kwargs):
    """Zeros shaped like ``a``: structural zeros (of a tangent, at tangent level)."""
    value = np.zeros_like(_value(a), *args, **kwargs)
    if _is_pattern(a) and value.dtype.kind in "fc" and value.ndim:
        return PatternArray(value, _empty(value.size, a.n), a.n, a.tag, a.tangent)
    return value


def _ones_like(a, *args, **kwargs):
    value = np.ones_like(_value(a), *args, **kwargs)
    if _is_pattern(a) and value.dtype.kind in "fc" and value.ndim:
        return PatternArray(value, _empty(value.size, a.n), a.n, a.tag)
    return value


def _part(func, attribute):
    """np.real / np.imag: each part of an entry depends on what the entry depends on, and
    is structurally zero where the entry is (a scalar pattern dual: its own part)."""
    def part(val):
        val = _stack_scalars(val)
        if type(val) is PatternArray:
            return _wrap(func(val.value), val.rows, val.n, val.tag, val.tangent)
        return getattr(val, attribute)
    return part


_EXTRA = {np.where: lambda *a, **k: _where(None, np.where, a, k),
          np.real: _part(np.real, "real"), np.imag: _part(np.imag, "imag"),
          np.zeros_like: _zeros_like,
          np.ones_like: _ones_like,
          np.shape: lambda a: np.shape(_value(a)), np.ndim: lambda a: np.ndim(_value(a)),
          np.size: lambda a, *r: np.size(_value(a), *r)}


# --- detection ---------------------------------------------------------------------------

def jacobian_sparsity(f: Callable[..., Any], x, argnums: int = 0, *, sparse: bool = True):
    """The structural sparsity pattern of the Jacobian of ``f`` for inputs shaped like ``x``.

    Returns a boolean ``scipy.sparse.csr_array`` of shape (output size, input size)
    (row-major flattening of both), or a dense boolean ndarray with ``sparse=False``.
    ``x`` may be one argument, or a tuple of arguments with ``argnums`` selecting one.

    The pattern holds for every value of the arguments of these shapes: no value is
    looked at. The other arguments and the constants ``f`` reads count as possibly
    non-zero (``A @ x`` is dense for any dense ``A``); ``np.where`` counts both branches;
    an ``if`` on a value, ``bool()``, an index or ``argmax`` of a value that depends on
    the arguments raises ``PatternBranchError``.

    >>> import numpy as np, dualad as ad
    >>> ad.jacobian_sparsity(lambda u: u[1:] - u[:-1], np.ones(3), sparse=False)
    array([[ True,  True, False],
           [False,  True,  True]])
    """
    from dualad.core.errors import check_callable
    check_callable(f, "jacobian_sparsity")
    args = x if isinstance(x, tuple) else (x,)
    pattern = detect(f, args, argnums)
    return pattern if sparse else pattern.toarray()


def detect(f, args, argnums, who="jacobian_sparsity"):
    """Pattern of f's single output (flattened) in args[argnums] (flattened). The other
    arguments are traced as constants (``traced_constant``)."""
    sp = _scipy_sparse()
    if not isinstance(argnums, int) or isinstance(argnums, bool):
        raise TypeError(f"{who}: argnums must be an int, got {type(argnums).__name__}")
    if not -len(args) <= argnums < len(args):
        raise ValueError(f"{who}: argnums={argnums} but there are {len(args)} argument(s)")
    argnums %= len(args)
    x = args[argnums]
    tag = new_tag()
    n_in = len(x) if isinstance(x, (list, tuple)) else int(np.size(x))
    n = n_in + 1   # the inputs, and the marker column (see tangent_seed)
    if isinstance(x, (list, tuple)):
        seeded = type(x)(_make(float(v), PatternRow((i,)), tag) for i, v in enumerate(x))
    else:
        value = np.asarray(x, dtype=float) if np.asarray(x).dtype.kind in "biu" else np.asarray(x)
        if value.dtype.kind not in "fc":
            raise TypeError(f"{who}: x must hold numbers, got dtype {value.dtype}")
        rows = sp.eye_array(n_in, n, dtype=bool, format="csr")
        seeded = _wrap(value, rows, n, tag) if value.ndim else _make(
            float(value), PatternRow((0,)), tag)
    call = [seeded if i == argnums else traced_constant(a, tag, n)
            for i, a in enumerate(args)]
    _N_INPUTS.append(n)
    _carriers.ACTIVE.append(_PRECEDENCE)   # the array layer defers pattern duals to us
    from dualad.core.errors import plain_errors
    try:
        with elemental.transformation_pass(), running(tag):
            out = plain_errors(f, who)(*call)
    finally:
        _carriers.ACTIVE.pop()
        _N_INPUTS.pop()
    return _output_rows(out, tag, n_in, who)


def traced_constant(a, tag, n):
    """A non-differentiated argument as the detection sees it: float and complex arrays
    (also inside tuples, lists and dicts) and numbers passed directly become patterns
    without dependence, so their values count as possibly non-zero and may not steer
    ``f``; everything else is passed as it is (and keys the cache, see
    ``transforms.sparse``)."""
    if type(a) in (float, complex) or isinstance(a, (np.floating, np.complexfloating)):
        return _make(float(a) if type(a) is np.float64 else a, PatternRow(), tag)
    return _traced_arrays(a, tag, n)


def _traced_arrays(a, tag, n):
    if type(a) is np.ndarray and a.dtype.kind in "fc":
        return PatternArray(a, _empty(a.size, n), n, tag) if a.ndim else \
            traced_constant(a[()], tag, n)
    if type(a) in (list, tuple) or (isinstance(a, tuple) and hasattr(a, "_fields")):
        items = [_traced_arrays(v, tag, n) for v in a]
        return type(a)(*items) if hasattr(a, "_fields") else type(a)(items)
    if type(a) is dict:
        return {k: _traced_arrays(v, tag, n) for k, v in a.items()}
    return a


def _output_rows(out, tag, n, who):
    """The rows of the output in the ``n`` inputs (the marker column dropped; at tangent
    level, entries without it are zero)."""
    sp = _scipy_sparse()
    if isinstance(out, (list, tuple)):
        rows = [_output_rows(v, tag, n, who) for v in out]
        return sp.vstack(rows).tocsr() if rows else _empty(0, n)
    if type(out) is PatternArray and out.tag == tag:
        rows = out.rows.tocsr()
        if out.tangent:
            rows = _mask_rows(rows, rows[:, [n]].toarray().ravel())
        return rows[:, :n].tocsr()
    if type(out) is Dual and out.tag == tag and type(out.tangent) is PatternRow:
        cols = sorted(c for c in out.tangent.cols if c < n)
        return sp.csr_array((np.ones(len(cols), dtype=bool), (np.zeros(len(cols), int), cols)),
                            shape=(1, n))
    if isinstance(out, (numbers.Number, np.ndarray, np.generic)):
        return _empty(int(np.size(out)), n)
    raise TypeError(f"{who}: f returned {type(out).__name__}; expected numbers or arrays")


# --- colouring ----------------------------------------------------------------------------

class Coloring(NamedTuple):
    """``colors[j]`` is the seed direction of column j; ``count`` directions in all."""
    colors: np.ndarray
    count: int


def as_pattern(pattern, shape=None, who="sparsity"):
    """A boolean CSR pattern from a scipy.sparse matrix or a boolean/0-1 array."""
    sp = _scipy_sparse()
    if sp.issparse(pattern):
        p = sp.csr_array(pattern).astype(bool)
    else:
        arr = np.asarray(pattern)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{who}: the pattern must be a boolean array or a scipy.sparse "
                            f"matrix, got dtype {arr.dtype}")
        if shape is not None and arr.ndim != 2:
            arr = arr.reshape(shape)
        if arr.ndim != 2:
            raise ValueError(f"{who}: the pattern must be 2-D (outputs x inputs), got shape "
                             f"{arr.shape}")
        p = sp.csr_array(arr != 0)
    if shape is not None and tuple(p.shape) != tuple(shape):
        raise ValueError(f"{who}: the pattern has shape {tuple(p.shape)} but the Jacobian has "
                         f"shape {tuple(shape)} (output size x input size)")
    p.eliminate_zeros()
    return p


def color_columns(pattern) -> Coloring:
    """Greedy distance-2 colouring of the columns of a Jacobian pattern, largest first:
    columns with the same colour never share a row, so one seed direction serves them.

    >>> import numpy as np, dualad as ad
    >>> tridiagonal = np.eye(6, dtype=bool) | np.eye(6, k=1, dtype=bool) | np.eye(6, k=-1, dtype=bool)
    >>> ad.color_columns(tridiagonal).count
    3
    """
    p = as_pattern(pattern)
    graph = (p.T @ p).tocsr()
    return _greedy(graph, lambda v, neighbours, colors: {colors[w] for w in neighbours})


def _greedy(graph, forbidden_of):
    n = graph.shape[0]
    indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
    degree = np.diff(graph.indptr)
    order = np.argsort(-degree, kind="stable").tolist()
    colors = [-1] * n
    for v in order:
        neighbours = [w for w in indices[indptr[v]:indptr[v + 1]] if w != v]
        forbidden = forbidden_of(v, neighbours, colors)
        c = 0
        while c in forbidden:
            c += 1
        colors[v] = c
    colors = np.array(colors, dtype=int)
    return Coloring(colors, int(colors.max()) + 1 if n else 0)


def star_color(pattern) -> Coloring:
    """Greedy star colouring of a symmetric (Hessian) pattern: adjacent vertices differ,
    and no path on four vertices uses only two colours, so every entry H_ij can be read
    directly from H·S (Gebremedhin, Manne & Pothen, 2005)."""
    p = as_pattern(pattern)
    sym = (p + p.T).tocsr()
    n = sym.shape[0]
    indptr, indices = sym.indptr.tolist(), sym.indices.tolist()
    adj = [set(w for w in indices[indptr[v]:indptr[v + 1]] if w != v) for v in range(n)]

    def forbidden_of(v, neighbours, colors):
        bad = {colors[w] for w in adj[v] if colors[w] >= 0}
        for w in adj[v]:
            cw = colors[w]
            if cw < 0:
                continue
            others_share_w = any(colors[u] == cw for u in adj[v] if u != w)
            for x in adj[w]:
                cx = colors[x]
                if x == v or cx < 0:
                    continue
                # v-w-x-y with colour(v)=colour(x), colour(w)=colour(y); or u-v-w-x with
                # colour(u)=colour(w), colour(v)=colour(x): either makes a 2-coloured path
                if others_share_w or any(colors[y] == cw for y in adj[x] if y != w):
                    bad.add(cx)
        return bad

    return _greedy(sym, forbidden_of)


class Recovery:
    """Where each entry of the sparse result is read in the compressed B = M S: computed
    once per pattern and colouring, then every B is recovered by one gather into a
    ``scipy.sparse.csr_array`` (entries in CSR order)."""

    def __init__(self, shape, rows, cols, source_rows, source_colors, count):
        sp = _scipy_sparse()
        order = np.lexsort((cols, rows))
        rows, cols = rows[order], cols[order]
        self.shape = shape
        self.count = count
        self.gather = (source_rows[order] * count + source_colors[order]).astype(np.intp)
        small = max(max(shape, default=0), len(rows)) < 2 ** 31   # indptr counts entries
        self.indices = cols.astype(np.int32 if small else np.int64)
        self.indptr = np.searchsorted(rows, np.arange(shape[0] + 1)).astype(self.indices.dtype)
        self._csr = sp.csr_array

    def __call__(self, compressed):
        """The sparse matrix from ``compressed`` (shape (rows, colours))."""
        compressed = np.asarray(compressed)
        if compressed.shape != (self.shape[0], self.count):
            raise ValueError(f"the compressed matrix has shape {compressed.shape}, expected "
                             f"{(self.shape[0], self.count)}")
        values = compressed.reshape(-1)[self.gather]
        # index arrays copied: a caller may change the result's structure in place
        return self._csr((values, self.indices.copy(), self.indptr.copy()), shape=self.shape)


def symmetric_recovery(pattern, coloring) -> Recovery:
    """The recovery of H from B = H S for a star colouring (direct recovery): H_ij is
    B[i, colour(j)] when j is i's only neighbour of its colour, else B[j, colour(i)]."""
    sp = _scipy_sparse()
    p = as_pattern(pattern)
    sym = (p + p.T + sp.eye_array(p.shape[0], dtype=bool)).tocsr()
    colors = coloring.colors
    rows, cols = sym.nonzero()
    onehot = sp.csr_array((np.ones(len(colors), dtype=np.int64), (np.arange(len(colors)), colors)),
                          shape=(len(colors), coloring.count))
    off = (sym - sp.eye_array(p.shape[0], dtype=bool)).astype(np.int64)
    off.eliminate_zeros()
    counts = (off @ onehot).toarray()          # neighbours of i with each colour
    diagonal = rows == cols
    direct = diagonal | (counts[rows, colors[cols]] == 1)
    mirrored = ~direct
    if np.any(counts[cols[mirrored], colors[rows[mirrored]]] != 1):
        raise ValueError("hessian: the colouring does not allow direct recovery")
    source_rows = np.where(direct, rows, cols)
    source_colors = np.where(direct, colors[cols], colors[rows])
    return Recovery(p.shape, rows, cols, source_rows, source_colors, coloring.count)


def seed_matrix(coloring, start=0, stop=None):
    """S with S[j, c] = 1 when column j has colour c (colours start:stop)."""
    stop = coloring.count if stop is None else stop
    s = np.zeros((len(coloring.colors), stop - start))
    j = np.nonzero((coloring.colors >= start) & (coloring.colors < stop))[0]
    s[j, coloring.colors[j] - start] = 1.0
    return s


def column_recovery(pattern, coloring) -> Recovery:
    """The recovery of J from B = J S: J_ij = B[i, colour(j)] on the pattern."""
    rows, cols = as_pattern(pattern).nonzero()
    return Recovery(pattern.shape, rows, cols, rows, coloring.colors[cols], coloring.count)


_number._PatternRow, _number._pattern_compare, _number._pattern_refuse, _number._pattern_truth \
    = PatternRow, condition, refuse, truth


def detecting() -> bool:
    """True while a pattern detection runs (the array layer then defers pattern duals to
    the ``Precedence`` hooks registered below)."""
    return len(_N_INPUTS) > 1


def has_pattern(items) -> bool:
    """A pattern dual among ``items`` (or in lists/tuples among them), and no dual of a
    later differentiation: that outer level is applied first, the patterns are constants
    to it."""
    pattern, outer = _tags(items, None, None)
    return pattern is not None and (outer is None or outer < pattern)


def _tags(items, pattern, outer):
    for x in items:
        if _is_pattern(x):
            pattern = x.tag if pattern is None else max(pattern, x.tag)
        elif type(x) in (list, tuple):
            pattern, outer = _tags(x, pattern, outer)
        elif isinstance(x, Carrier):
            tag = getattr(x, "tag", None)
            if tag is not None:
                outer = tag if outer is None else max(outer, tag)
    return pattern, outer


def shallow_primal(x):
    """The primal of ``x`` for a comparison: outer duals taken off, a pattern kept (its
    comparison gives a condition, see ``condition``)."""
    while isinstance(x, Carrier) and not (type(x) is PatternArray or _is_pattern(x)):
        x = x.value
    return x


def compare(op, a, b):
    """A comparison of primals while a detection runs."""
    a, b = shallow_primal(a), shallow_primal(b)
    if type(a) is PatternArray or type(b) is PatternArray or _is_pattern(a) or _is_pattern(b):
        return condition(op, a, b)
    return op(a, b)


def observed(x, what):
    """``x`` with its duals taken off, for a function that looks at values (argmax,
    nonzero, ...): refused on a pattern (at any depth of lists and tuples)."""
    if type(x) in (list, tuple):
        return type(x)(observed(v, what) for v in x)
    while isinstance(x, Carrier):
        if type(x) is PatternArray or _is_pattern(x):
            refuse(what)
        x = x.value
    return x


# The array layer knows pattern duals only through these hooks (dualad.core.carriers):
# while a detection runs it hands them every operation on a pattern dual.
_PRECEDENCE = _carriers.Precedence(
    claims=has_pattern, ufunc=_pattern_ufunc, function=_pattern_function,
    elementwise=_elementwise, compare=compare, primal=shallow_primal, observed=observed,
    writable=constant_like)
_carriers.register(PatternArray, apply_rule=_carriers.RULE_HANDLERS[_arrays.DualArray],
                   precedence=_PRECEDENCE)
