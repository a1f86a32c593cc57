"""NumPy's calls on pattern values: ufuncs elementwise, array functions by the dependence
structure their rule records.

Each array rule of the table names a structure (``pattern=``): "select" (an entry of the
result is one entry of the input: slices, reshapes, take, ...), "reduce" (the union over
the reduced axis), "scan" (cumulative: the union of the entries up to it), "sort",
"bilinear" (products: matmul, dot, einsum, ...), "dense" (every output on every input:
linear algebra). A function composed of ruled ones runs through them; any other is refused.
"""
from __future__ import annotations

import inspect
import threading

import numpy as np

from dualad.arrays import dispatch as _arrays
from dualad.table.rules import table
from dualad.sparse import curvature as _curvature, views
from dualad.sparse.pattern_objects import converted

from dualad.sparse.pattern_elementwise import elementwise
from dualad.sparse.patterns import (
    PatternArray, _ON_PRIMAL, _UFUNC_RULES, _additive, _bool_csr, _broadcast_rows,
    _empty, _is_pattern, _is_tangent, _level, _n_inputs, _nonzero, _rows,
    _scipy_sparse, _tag_of, _union, _value, _wrap, condition, has_pattern, refuse)


def _pattern_ufunc(ufunc, method, inputs, kwargs):
    inputs = converted(inputs)
    name = table.ufunc_name(ufunc)
    if kwargs.get("out") is not None:
        raise TypeError(f"dualad: {name}(..., out=...) is not supported on pattern duals")
    if method == "__call__":
        if ufunc in _ON_PRIMAL:   # a predicate of the values: a condition (see condition())
            if kwargs:
                raise TypeError(f"dualad: {name} with keyword arguments is not "
                                "supported on pattern duals")
            if len(inputs) == 1:
                return condition(lambda a, _: ufunc(a), inputs[0], None)
            return condition(ufunc, *inputs)
        if ufunc is np.matmul:
            return _bilinear(np.matmul, inputs, kwargs)
        rule = _UFUNC_RULES.get(ufunc)
        if rule is None:
            raise TypeError(f"dualad: {name} has no rule; its sparsity is unknown")
        return elementwise(rule, ufunc, inputs)
    rule = _UFUNC_RULES.get(ufunc)
    if method == "reduce" and rule is not None and "reduce" in rule.methods:
        return rule.methods["reduce"](inputs[0], axis=kwargs.get("axis", 0),
                                      keepdims=kwargs.get("keepdims", False))
    raise TypeError(f"dualad: {name}.{method} is not supported on pattern duals")


def _pattern_function(func, args, kwargs):
    args = converted(args)
    kwargs = dict(zip(kwargs, converted(list(kwargs.values()))))
    rule = _ARRAY_RULES.get(func)
    if rule is not None:
        args, kwargs = _normalised(rule, func)(args, kwargs)
        return _STRUCTURES[rule.pattern](rule, func, args, kwargs)  # type: ignore[index]  # array rules have one
    handler = _EXTRA.get(func)
    if handler is not None:
        return handler(*args, **kwargs)
    composite = _arrays._HANDLERS.get(func)
    if composite is not None:   # compositions of ruled functions, and primal-only ones
        return _composed(func, composite, args, kwargs)
    raise TypeError(f"dualad: numpy.{func.__name__} has no rule; its sparsity is unknown")


_NORMALISERS: dict = {}


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
    n = _n_inputs()
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
    several = isinstance(value_out, (list, tuple))
    outs = [_wrap(np.asarray(v), table_rows[np.ravel(i)], n, tag, tangent, curved=False)
            for v, i in (zip(value_out, id_out) if several else [(value_out, id_out)])]
    if func in _VIEWS and len(items) == 1 and type(items[0]) is PatternArray:
        for out, i in zip(outs, id_out if several else [id_out]):
            if type(out) is PatternArray:   # a write into either is seen by the other
                views.register(items[0], out, np.ravel(i) - 1)
    return type(value_out)(outs) if several else outs[0]


#: the selections that NumPy returns as views (where it can)
_VIEWS = {getattr(np, name) for name in (
    "reshape", "ravel", "squeeze", "expand_dims", "transpose", "swapaxes", "moveaxis",
    "rollaxis", "flip", "fliplr", "flipud", "rot90", "diagonal", "diag", "broadcast_to",
    "atleast_1d", "atleast_2d", "atleast_3d", "split", "array_split", "hsplit", "vsplit",
    "dsplit", "matrix_transpose", "permute_dims", "unstack") if hasattr(np, name)}


_ARRAYS_ONLY: dict = {}


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


def _reduce(rule, func, args, kwargs):
    x = args[0]
    axis = args[1] if len(args) > 1 else kwargs.get("axis")
    value = x.value
    ans = np.asarray(func(value, *args[1:], **kwargs))
    axes = tuple(range(value.ndim)) if axis is None else (
        tuple(a % value.ndim for a in axis) if isinstance(axis, tuple) else (axis % value.ndim,))
    kept = tuple(1 if i in axes else s for i, s in enumerate(value.shape))
    out_ids = np.broadcast_to(np.arange(int(np.prod(kept))).reshape(kept), value.shape)
    out_m = int(np.prod(kept))   # output entries (also of an empty input's reduction)
    rows = _bool_csr(np.ravel(out_ids), np.arange(value.size), (out_m, value.size)) @ _rows(x)
    return _wrap(ans, rows, x.n, x.tag, x.tangent, curved=_curved(rule))


def _curved(rule) -> bool:
    """Whether an array rule has a second derivative (not linear, nor a selection)."""
    return not (rule.linear or rule.piecewise_linear)


def _pairs(x, axis, lower):
    """Rows where output entry i of each line along ``axis`` depends on entries j of the
    same line with j <= i (``lower``) or on all of them."""
    value = x.value
    ids = np.arange(value.size).reshape(value.shape)
    if axis is None:
        ids = ids.reshape(-1)
        axis = 0
    moved = np.moveaxis(ids, axis, -1)   # each line along the axis, a row (none if empty)
    lines = moved.reshape(int(np.prod(moved.shape[:-1])), moved.shape[-1])
    length = lines.shape[1]
    i_idx, j_idx = np.tril_indices(length) if lower else np.indices((length, length)).reshape(2, -1)
    dep = _bool_csr(lines[:, i_idx].ravel(), lines[:, j_idx].ravel(), (value.size, value.size))
    return dep @ _rows(x)


def _lines(lower, default_axis):
    """"scan" (``lower``: on the entries up to it, default axis None) and "sort" (on the
    whole line, default axis -1): each output entry on entries of its line along the axis."""
    def structure(rule, func, args, kwargs):
        x = args[0]
        axis = args[1] if len(args) > 1 else kwargs.get("axis", default_axis)
        ans = func(x.value, *args[1:], **kwargs)
        return _wrap(ans, _pairs(x, axis if axis is None else axis % x.ndim, lower), x.n,
                     x.tag, x.tangent, curved=_curved(rule))
    return structure


def _where(rule, func, args, kwargs):
    if len(args) == 1:
        refuse("the input of numpy.where(condition)")
    cond, x, y = args
    ans = np.where(_value(cond), _value(x), _value(y))
    tag = _tag_of((cond, x, y))
    n = _n_inputs()
    tangent = _level((x, y), _tag_of((x, y)))
    parts = [_additive(v, _broadcast_rows(_rows(v), np.shape(v.value), ans.shape), tangent)
             for v in (x, y) if _is_pattern(v, tag)]
    # the result depends on both branches; with neither a pattern it is still chosen by
    # a value, so it stays a pattern (without dependence) that no branch may look at
    return _wrap(ans, _union(parts, ans.size, n), n, tag, tangent, curved=False)


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


def _bilinear(func, args, kwargs, curved=None):
    """Products. Matrix/vector products follow the index structure (out[i, k] from row i
    of a and column k of b, every entry of a constant counting as possibly non-zero);
    other products put every output on every entry of the operands. ``curved`` (in a
    Hessian detection): whether the function has second derivatives; None for a product,
    which has them between two operands that depend on the inputs."""
    operands = args[1:] if isinstance(args[0], str) else args
    tag = _tag_of(operands)
    values = [x.value if _is_pattern(x, tag) else _value(x) for x in args]
    ans = func(*values, **kwargs)
    if not isinstance(ans, tuple):
        ans = np.asarray(ans)
    n = _n_inputs()
    if func in (np.matmul, np.dot) and len(args) == 2 and not kwargs:
        va, vb = (np.asarray(v) for v in values)
        if 1 <= va.ndim <= 2 and 1 <= vb.ndim <= 2:
            return _matrix_product(args, va, vb, ans, tag, n)
    duals = [x for x in operands if _is_pattern(x, tag)]
    if curved is None:
        curved = sum(1 for x in duals if _rows(x).nnz) > 1
    return _every(ans, duals, n, tag, curved)


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
    if _is_pattern(a, tag) and _is_pattern(b, tag):
        _cross_pairs(_rows(a), _rows(b), m, inner, p)
    return _wrap(ans, _union(parts, m * p, n), n, tag, tangent, curved=False)


def _cross_pairs(rows_a, rows_b, m, inner, p):
    """The pairs of a @ b in a Hessian detection: out[i, k] = Σ_j a[i, j] b[j, k], so
    a[i, j] meets b[j, k] for every i and k: the union over i of a's column j against
    the union over k of b's row j."""
    if _curvature.active() is None or not (rows_a.nnz and rows_b.nnz):
        return
    # a is (m, inner) row-major: entry i*inner + j; gather by j
    by_j_a = _bool_csr(np.repeat(np.arange(inner), m),
                       (np.arange(m)[None, :] * inner + np.arange(inner)[:, None]).ravel(),
                       (inner, m * inner)) @ rows_a
    by_j_b = _bool_csr(np.repeat(np.arange(inner), p), np.arange(inner * p),
                       (inner, inner * p)) @ rows_b
    _curvature.add_pairs(by_j_a, by_j_b)


def _every(ans, duals, n, tag, curved=True):
    """Every entry of the result(s) depends on every input any of ``duals`` depends on."""
    sp = _scipy_sparse()
    union = None
    for x in duals:
        row = _rows(x)
        row = sp.csr_array(np.asarray(row.sum(axis=0)).reshape(1, -1) > 0)
        union = row if union is None else union + row
    union = _empty(1, n) if union is None else union
    tangent = any(_is_tangent(x) for x in duals)
    if curved:   # every output entry on the same inputs: their pairs once
        _curvature.add_square(union)
    if isinstance(ans, tuple):
        items = [_every_entry(np.asarray(a), union, n, tag, tangent) for a in ans]
        return type(ans)(*items) if hasattr(ans, "_fields") else tuple(items)
    return _every_entry(np.asarray(ans), union, n, tag, tangent)


def _every_entry(ans, union, n, tag, tangent=False):
    if ans.dtype.kind not in "fc":
        return ans
    rows = _scipy_sparse().vstack([union] * max(ans.size, 1)).tocsr()[:ans.size]
    return _wrap(ans, rows, n, tag, tangent, curved=False)


def _products(rule, func, args, kwargs):
    """"bilinear" and "dense" (every output entry on every input entry: linear algebra)."""
    return _bilinear(func, args, kwargs, None if rule.pattern == "bilinear" else _curved(rule))


_STRUCTURES = {"select": _select, "reduce": _reduce, "scan": _lines(True, None),
               "sort": _lines(False, -1), "where": _where, "diff": _diff, "trace": _trace,
               "bilinear": _products, "dense": _products}

_ARRAY_RULES = {f: r for r in table if r.kind == "array" for f in r.numpy_functions}


def _filled_like(fill, keeps_level):
    """np.zeros_like (structural zeros: of a tangent, at tangent level) and np.ones_like
    (a constant, value level) of a pattern: without dependence."""
    def like(a, *args, **kwargs):
        value = fill(_value(a), *args, **kwargs)
        if _is_pattern(a) and value.dtype.kind in "fc" and value.ndim:
            return PatternArray(value, _empty(value.size, a.n), a.n, a.tag,
                                keeps_level and a.tangent)
        return value
    return like


def _part(func, attribute):
    """np.real / np.imag: each part of an entry depends on what the entry depends on, and
    is structurally zero where the entry is (a scalar pattern dual: its own part)."""
    def part(val):
        val = _stack_scalars(val)
        if type(val) is PatternArray:
            value = func(val.value)
            out = _wrap(value, val.rows, val.n, val.tag, val.tangent, curved=False)
            if type(out) is PatternArray and np.may_share_memory(value, val.value):
                views.register(val, out, np.arange(val.size))   # NumPy's view of the part
            return out
        return getattr(val, attribute)
    return part


_EXTRA = {np.where: lambda *a, **k: _where(None, np.where, a, k),
          np.real: _part(np.real, "real"), np.imag: _part(np.imag, "imag"),
          np.zeros_like: _filled_like(np.zeros_like, True),
          np.ones_like: _filled_like(np.ones_like, False),
          np.shape: lambda a: np.shape(_value(a)), np.ndim: lambda a: np.ndim(_value(a)),
          np.size: lambda a, *r: np.size(_value(a), *r)}


# --- NumPy's protocol on pattern values ---------------------------------------------------

def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if not has_pattern(inputs):   # a dual of an outer differentiation comes first
        return _arrays.array_ufunc(ufunc, method, inputs, kwargs)
    return _pattern_ufunc(ufunc, method, inputs, kwargs)


def _array_function(self, func, types, args, kwargs):
    if not has_pattern(args):
        return _arrays.array_function(func, args, kwargs)
    return _pattern_function(func, args, kwargs)


setattr(PatternArray, "__array_ufunc__", _array_ufunc)
setattr(PatternArray, "__array_function__", _array_function)
