"""Sparse Jacobians and Hessians: pattern detection, colouring, compressed seeding.

**Detection.** ``jacobian_sparsity(f, x)`` runs ``f`` on *pattern duals*: each entry
carries the set of inputs it depends on (a ``scipy.sparse`` boolean row). Elementwise
functions take the union over their differentiable arguments (from the rule table);
array functions follow the dependence structure their rule records ("select",
"reduce", "bilinear", ...). Partials are never evaluated, so the pattern holds for every
``x`` of that shape: ``np.where`` takes both branches, a multiplication by a value that
happens to be 0 still counts. Python ``if`` statements follow the given ``x``.

**Colouring.** Columns that never share a row can share a seed direction:
``color_columns`` colours the column intersection graph greedily in largest-first order
(exact on banded patterns: as many colours as the band is wide); ``star_color`` colours
a symmetric (Hessian) pattern so that every entry can be read off directly.

**Compressed seeding.** ``jacfwd(f, sparsity=...)`` seeds one direction per colour and
decompresses the result into a ``scipy.sparse.csr_array``; ``hessian(f, sparsity=...)``
does the same for H·S with a star colouring.
"""
from __future__ import annotations

import numbers
from typing import Any, Callable, NamedTuple

import numpy as np

from . import elemental
from ._arraylike import ValueShaped
from .number import Dual, _make
from .rules import table
from .tags import new_tag

__all__ = ["jacobian_sparsity", "color_columns", "star_color", "Coloring", "PatternArray"]


def _scipy_sparse():
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - exercised only without scipy
        raise ImportError("dualad's sparse Jacobians need SciPy: pip install 'dualad[sparse]' "
                          "(or pip install scipy)") from None
    return sp


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


class PatternArray(ValueShaped):
    """An array whose entries carry their input dependence (rows of a sparse matrix)."""

    __slots__ = ("value", "rows", "n", "tag")

    def __init__(self, value, rows, n, tag):
        self.value, self.rows, self.n, self.tag = value, rows, n, tag

    dtype = property(lambda self: self.value.dtype)

    def __repr__(self):
        return f"PatternArray(shape={self.shape}, nnz={self.rows.nnz})"

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a pattern dual cannot become a plain ndarray (see DualArray)")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _pattern_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _pattern_function(func, args, kwargs)

    def __getitem__(self, index):
        index = _plain(index)
        ids = np.arange(self.size).reshape(self.shape)[index]
        return _wrap(self.value[index], self.rows[np.ravel(ids)], self.n, self.tag)

    def __setitem__(self, index, item):
        sp = _scipy_sparse()
        index = _plain(index)
        ids = np.ravel(np.arange(self.size).reshape(self.shape)[index])
        shape = np.shape(self.value[index])
        if _is_pattern(item, self.tag):
            value, rows = item.value, _rows(item)
            rows = _broadcast_rows(rows, np.shape(value), shape)
        else:
            value, rows = _value(item), _empty(len(ids), self.n)
        self.value = self.value.copy()
        self.value[index] = value
        keep = np.ones(self.size, dtype=bool)
        keep[ids] = False
        eye = sp.diags_array(keep, dtype=bool).tocsr()
        place = sp.csr_array((np.ones(len(ids), dtype=bool), (ids, np.arange(len(ids)))),
                             shape=(self.size, len(ids)))
        self.rows = (eye @ self.rows + place @ rows).tocsr()

    def reshape(self, *shape, order="C"):
        shape = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return np.reshape(self, shape, order=order)

    def ravel(self):
        return np.ravel(self)

    def sum(self, axis=None, keepdims=False):
        return np.sum(self, axis=axis, keepdims=keepdims)

    def dot(self, other):
        return np.dot(self, other)

    def copy(self):
        return PatternArray(self.value.copy(), self.rows.copy(), self.n, self.tag)

    def _binary(name):
        ufunc = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "truediv": np.divide,
                 "pow": np.power, "mod": np.remainder, "floordiv": np.floor_divide}[name]

        def op(self, other):
            return _elementwise(table[name], ufunc, (self, other))

        def rop(self, other):
            return _elementwise(table[name], ufunc, (other, self))
        return op, rop

    __add__, __radd__ = _binary("add")
    __sub__, __rsub__ = _binary("sub")
    __mul__, __rmul__ = _binary("mul")
    __truediv__, __rtruediv__ = _binary("truediv")
    __pow__, __rpow__ = _binary("pow")
    __mod__, __rmod__ = _binary("mod")
    __floordiv__, __rfloordiv__ = _binary("floordiv")

    def __matmul__(self, other):
        return np.matmul(self, other)

    def __rmatmul__(self, other):
        return np.matmul(other, self)

    def __neg__(self):
        return PatternArray(-self.value, self.rows, self.n, self.tag)

    def __pos__(self):
        return self

    def __abs__(self):
        return _elementwise(table["abs"], np.absolute, (self,))

    def __lt__(self, other):
        return self.value < _value(other)

    def __le__(self, other):
        return self.value <= _value(other)

    def __gt__(self, other):
        return self.value > _value(other)

    def __ge__(self, other):
        return self.value >= _value(other)

    def __eq__(self, other):
        return self.value == _value(other)

    def __ne__(self, other):
        return self.value != _value(other)

    __hash__ = None

    def __float__(self):
        raise TypeError("float() of a pattern dual would drop its pattern")


def _plain(index):
    if isinstance(index, tuple):
        return tuple(_plain(i) for i in index)
    if isinstance(index, Dual):
        return index.__index__()
    return index


def _value(x):
    while isinstance(x, elemental.DUALS):
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


def _wrap(value, rows, n, tag):
    if np.ndim(value) == 0:
        v = value[()] if isinstance(value, np.ndarray) else value
        v = float(v) if type(v) is np.float64 else v
        return _make(v, PatternRow(rows.indices if hasattr(rows, "indices") else ()), tag)
    return PatternArray(np.asarray(value), rows.tocsr(), n, tag)


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
_ON_PRIMAL = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal",
              "logical_and", "logical_or", "logical_xor", "logical_not", "isfinite", "isinf",
              "isnan", "signbit"}


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
    parts = [broadcast[i] for i in _differentiable_args(rule, len(inputs))
             if broadcast[i] is not None]
    if rule.name == "mul" and len(inputs) == 2:
        # d(a b) = b da + a db: where a factor is a constant 0 (the same for every x), the
        # other factor's dependence does not reach the product
        parts = []
        for i, j in ((0, 1), (1, 0)):
            if broadcast[i] is None:
                continue
            other_zero = np.broadcast_to(np.asarray(values[j]) == 0, ans.shape).ravel()
            if broadcast[j] is not None:
                other_zero = other_zero & (np.diff(broadcast[j].tocsr().indptr) == 0)
            parts.append(_mask_rows(broadcast[i], ~other_zero))
    return _wrap(ans, _union(parts, ans.size, n), n, tag)


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
        if name in _ON_PRIMAL:
            return ufunc(*[_value(x) for x in inputs], **kwargs)
        if ufunc is np.matmul:
            return _bilinear(np.matmul, inputs, kwargs)
        rule = _UFUNC_RULES.get(name)
        if rule is None:
            raise TypeError(f"dualad: numpy.{name} has no rule; its sparsity is unknown")
        return _elementwise(rule, ufunc, inputs)
    reductions = {"add": np.sum, "multiply": np.prod, "maximum": np.max, "minimum": np.min}
    if method == "reduce" and name in reductions:
        return reductions[name](inputs[0], axis=kwargs.get("axis", 0),
                                keepdims=kwargs.get("keepdims", False))
    raise TypeError(f"dualad: numpy.{name}.{method} is not supported on pattern duals")


# --- array functions by dependence structure -----------------------------------------

def _pattern_function(func, args, kwargs):
    rule = _ARRAY_RULES.get(func)
    if rule is not None:
        return _STRUCTURES[rule.pattern](rule, func, args, kwargs)
    handler = _EXTRA.get(func)
    if handler is not None:
        return handler(*args, **kwargs)
    from .array import _HANDLERS
    composite = _HANDLERS.get(func)
    if composite is not None:   # compositions of ruled functions, and primal-only ones
        return composite(*args, **kwargs)
    raise TypeError(f"dualad: numpy.{func.__name__} has no rule; its sparsity is unknown")


def _ids(x, offset):
    """Entry ids (offset + 1 ...) of a pattern dual, 0 for constants: for the index trick."""
    shape = np.shape(_value(x))
    if _is_pattern(x):
        return np.arange(offset + 1, offset + 1 + int(np.prod(shape))).reshape(shape)
    return np.zeros(shape, dtype=int)


def _select(rule, func, args, kwargs):
    """Outputs are copies of input entries: apply ``func`` to entry ids to find which."""
    sequence = rule.params[0] == "arrays"
    items = list(args[0]) if sequence else [args[0]]
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
    table_rows = sp.vstack(tables).tocsr()
    values = [x.value if _is_pattern(x, tag) else x for x in items]
    rest = tuple(args[1:])
    value_out = func(values, *rest, **kwargs) if sequence else func(values[0], *rest, **kwargs)
    id_out = func(ids, *rest, **kwargs) if sequence else func(ids[0], *rest, **kwargs)
    if isinstance(value_out, (list, tuple)):
        return [_wrap(np.asarray(v), table_rows[np.ravel(i)], n, tag)
                for v, i in zip(value_out, id_out)]
    return _wrap(np.asarray(value_out), table_rows[np.ravel(id_out)], n, tag)


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
    return _wrap(ans, rows, x.n, x.tag)


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
    return _wrap(ans, _pairs(x, axis if axis is None else axis % x.ndim, True), x.n, x.tag)


def _sort(rule, func, args, kwargs):
    x = args[0]
    axis = args[1] if len(args) > 1 else kwargs.get("axis", -1)
    ans = func(x.value, *args[1:], **kwargs)
    return _wrap(ans, _pairs(x, axis if axis is None else axis % x.ndim, False), x.n, x.tag)


def _where(rule, func, args, kwargs):
    if len(args) == 1:
        return np.nonzero(_value(args[0]))
    condition, x, y = args
    ans = np.where(_value(condition), _value(x), _value(y))
    tag = _tag_of((x, y))
    n = _N_INPUTS[-1]
    parts = [_broadcast_rows(_rows(v), np.shape(v.value), ans.shape)
             for v in (x, y) if _is_pattern(v, tag)]
    return _wrap(ans, _union(parts, ans.size, n), n, tag)


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
    """Products: exact for matrix/vector products with one constant operand (its zero
    entries are fixed for every x), else every output on every entry of the operands."""
    operands = args[1:] if isinstance(args[0], str) else args
    tag = _tag_of(operands)
    values = [x.value if _is_pattern(x, tag) else _value(x) for x in args]
    ans = func(*values, **kwargs)
    if not isinstance(ans, tuple):
        ans = np.asarray(ans)
    n = _N_INPUTS[-1]
    sp = _scipy_sparse()
    if func in (np.matmul, np.dot) and len(args) == 2:
        a, b = args
        va, vb = values
        if _is_pattern(a, tag) != _is_pattern(b, tag) and va.ndim <= 2 and vb.ndim <= 2 \
                and va.ndim and vb.ndim:
            if _is_pattern(b, tag):
                struct = sp.csr_array(np.atleast_2d(va != 0))
                rows_b = _rows(b)
                if vb.ndim == 1:
                    return _wrap(ans, (struct @ rows_b), n, tag)
                p = vb.shape[1]
                dep = sp.kron(struct, sp.eye_array(p, dtype=bool)).tocsr()
                return _wrap(ans, dep @ rows_b, n, tag)
            struct = sp.csr_array(np.atleast_2d(vb != 0).T if vb.ndim == 2 else (vb != 0)[None, :])
            rows_a = _rows(a)
            if va.ndim == 1:
                return _wrap(ans, struct @ rows_a, n, tag)
            m = va.shape[0]
            dep = sp.kron(sp.eye_array(m, dtype=bool), struct).tocsr()
            return _wrap(ans, dep @ rows_a, n, tag)
    return _every(ans, [x for x in operands if _is_pattern(x, tag)], n, tag)


def _every(ans, duals, n, tag):
    """Every entry of the result(s) depends on every input any of ``duals`` depends on."""
    sp = _scipy_sparse()
    union = None
    for x in duals:
        row = _rows(x)
        row = sp.csr_array(np.asarray(row.sum(axis=0)).reshape(1, -1) > 0)
        union = row if union is None else union + row
    union = _empty(1, n) if union is None else union
    if isinstance(ans, tuple):
        return type(ans)(*[_every_entry(np.asarray(a), union, n, tag) for a in ans]) \
            if hasattr(ans, "_fields") else tuple(_every_entry(np.asarray(a), union, n, tag)
                                                  for a in ans)
    return _every_entry(np.asarray(ans), union, n, tag)


def _every_entry(ans, union, n, tag):
    if ans.dtype.kind not in "fc":
        return ans
    rows = _scipy_sparse().vstack([union] * max(ans.size, 1)).tocsr()[:ans.size]
    return _wrap(ans, rows, n, tag)


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
    value = np.zeros_like(_value(a), *args, **kwargs)
    if _is_pattern(a) and value.dtype.kind in "fc" and value.ndim:
        return PatternArray(value, _empty(value.size, a.n), a.n, a.tag)
    return value


_EXTRA = {np.where: lambda *a, **k: _where(None, np.where, a, k),
          np.zeros_like: _zeros_like,
          np.ones_like: lambda a, *r, **k: _zeros_like(a, *r, **k) + 1.0,
          np.shape: lambda a: np.shape(_value(a)), np.ndim: lambda a: np.ndim(_value(a)),
          np.size: lambda a, *r: np.size(_value(a), *r)}


# --- detection ---------------------------------------------------------------------------

def jacobian_sparsity(f: Callable[..., Any], x, argnums: int = 0, *, sparse: bool = True):
    """The structural sparsity pattern of the Jacobian of ``f`` at inputs shaped like ``x``.

    Returns a boolean ``scipy.sparse.csr_array`` of shape (output size, input size)
    (row-major flattening of both), or a dense boolean ndarray with ``sparse=False``.
    ``x`` may be one argument, or a tuple of arguments with ``argnums`` selecting one.

    >>> import numpy as np, dualad as ad
    >>> ad.jacobian_sparsity(lambda u: u[1:] - u[:-1], np.ones(3), sparse=False)
    array([[ True,  True, False],
           [False,  True,  True]])
    """
    from .transforms._seed import check_callable
    check_callable(f, "jacobian_sparsity")
    args = x if isinstance(x, tuple) else (x,)
    pattern = detect(f, args, argnums)
    return pattern if sparse else pattern.toarray()


def detect(f, args, argnums, who="jacobian_sparsity"):
    """Pattern of f's single output (flattened) in args[argnums] (flattened)."""
    sp = _scipy_sparse()
    if not isinstance(argnums, int) or isinstance(argnums, bool):
        raise TypeError(f"{who}: argnums must be an int, got {type(argnums).__name__}")
    if not -len(args) <= argnums < len(args):
        raise ValueError(f"{who}: argnums={argnums} but there are {len(args)} argument(s)")
    x = args[argnums]
    tag = new_tag()
    if isinstance(x, (list, tuple)):
        n = len(x)
        seeded = type(x)(_make(float(v), PatternRow((i,)), tag) for i, v in enumerate(x))
    else:
        value = np.asarray(x, dtype=float) if np.asarray(x).dtype.kind in "biu" else np.asarray(x)
        if value.dtype.kind not in "fc":
            raise TypeError(f"{who}: x must hold numbers, got dtype {value.dtype}")
        n = value.size
        rows = sp.eye_array(n, dtype=bool, format="csr")
        seeded = _wrap(value, rows, n, tag) if value.ndim else _make(
            float(value), PatternRow((0,)), tag)
    call = list(args)
    call[argnums] = seeded
    _N_INPUTS.append(n)
    try:
        with elemental.transformation_pass():
            out = f(*call)
    finally:
        _N_INPUTS.pop()
    return _output_rows(out, tag, n, who)


def _output_rows(out, tag, n, who):
    sp = _scipy_sparse()
    if isinstance(out, (list, tuple)):
        rows = [_output_rows(v, tag, n, who) for v in out]
        return sp.vstack(rows).tocsr() if rows else _empty(0, n)
    if type(out) is PatternArray and out.tag == tag:
        return out.rows.tocsr()
    if type(out) is Dual and out.tag == tag and type(out.tangent) is PatternRow:
        cols = sorted(out.tangent.cols)
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


elemental.DUALS = elemental.DUALS + (PatternArray,)


def detecting() -> bool:
    """True while a pattern detection runs (the array layer then routes pattern duals)."""
    return len(_N_INPUTS) > 1


def has_pattern(items) -> bool:
    for x in items:
        if _is_pattern(x) or (isinstance(x, (list, tuple)) and has_pattern(x)):
            return True
    return False
