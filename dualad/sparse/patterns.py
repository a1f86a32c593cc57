"""Pattern values: numbers and arrays that carry their input dependence, not a derivative.

Sparsity detection (``dualad.sparse.detection``) runs ``f`` on them: each entry carries
the set of inputs it depends on (a ``scipy.sparse`` boolean row). Elementwise functions
take the union over their differentiable arguments (from the rule table); NumPy's array
functions follow the dependence structure their rule records (``dualad.sparse.dispatch``).
No partial is evaluated and no number is looked at, so a pattern holds for every input of
those shapes. Constants (the other arguments, closed-over arrays, literals) count as
possibly non-zero whatever their value; ``np.where`` takes both branches; and a look at a
value that depends on the inputs (a comparison in an ``if``, ``bool()``, an index,
``argmax``, ...) is refused with ``PatternBranchError``, because the pattern of one branch
would be reused for inputs that take the other.

In a Hessian detection (the Jacobian pattern of a forward-mode gradient), the seed
directions are pattern arrays of their own, *tangent level*: their extra last column
(the marker) says "possibly non-zero", so a product with a structurally zero lane of
the seed is zero for every input, while a product with a constant is never taken as
zero.
"""
from __future__ import annotations

import numbers
import sys
import threading
from typing import NoReturn

import numpy as np

from dualad.core.shaped import ValueShaped
from dualad.base.carriers import Carrier
from dualad.core.number import DroppedDerivative, Dual, _make
from dualad.table.rules import table
from dualad.sparse import curvature, views

__all__ = ["PatternArray", "PatternRow", "PatternBranchError", "PatternConversionError"]


def _scipy_sparse():
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover - exercised only without scipy
        raise ImportError("dualad's sparse Jacobians need SciPy: pip install scipy (or, in a "
                          "dualad checkout, pip install -e '.[sparse]')") from None
    return sp


class PatternBranchError(TypeError):
    """``f`` looked at a value that depends on the inputs while its sparsity pattern was
    being detected (an ``if`` on a comparison, ``bool()``, an index, ``argmax``, ...)."""


class PatternConversionError(PatternBranchError, DroppedDerivative):
    """float()/int()/complex() of a pattern value: refused as any look at a value, and a
    ``DroppedDerivative`` as a dual's is, so that a refusal compiled code swallowed (and
    Python reported as SystemError) is recognised (``dualad.base.errors.plain_errors``)."""


def refuse(what: str, conversion: bool = False) -> NoReturn:
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
    n = next((x.n for x in items if type(x) is PatternArray), _n_inputs())
    ans = np.asarray(op(_value(a), _value(b)))
    return _wrap(ans, _empty(ans.size, n), n, tag, curved=False)


class PatternRow:
    """The inputs one scalar depends on: the tangent of a scalar pattern dual. Arithmetic
    is union, whatever the numbers involved (the pattern is structural)."""

    __slots__ = ("cols",)

    def __init__(self, cols=()):
        self.cols = frozenset() if isinstance(cols, numbers.Number) else frozenset(cols)
        record = curvature.active() if self.cols else None
        if record is not None:   # a scalar's operations report no pairs
            record.complete = False

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

    __hash__ = None  # type: ignore[assignment]  # unhashable, as ndarray

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

    _DATA = ("value", "rows", "n", "tag", "tangent")
    # root: (the array a view was taken of, the entries shown); views: the views taken
    # of this one (``dualad.sparse.views``)
    __slots__ = _DATA + ("root", "views", "__weakref__")
    __array_priority__ = 20   # as DualArray's: an ndarray operand defers to it

    def __init__(self, value, rows, n, tag, tangent=False):
        self.value, self.rows, self.n, self.tag, self.tangent = value, rows, n, tag, tangent
        self.root = self.views = None

    dtype = property(lambda self: self.value.dtype)

    def __repr__(self):
        return f"PatternArray(shape={self.shape}, nnz={self.rows.nnz})"

    def _follows_writes_of(self, other) -> bool:
        """Whether a write into this pattern array is seen in ``other``, and the other way
        round (what a dual array that holds patterns asks of a view's buffers: patterns
        share no memory, their views are followed by ``dualad.sparse.views``)."""
        return type(other) is PatternArray and views.same_array(self, other)

    def __array__(self, dtype=None, copy=None):
        refuse("a plain ndarray (np.asarray, an ndarray index or assignment)")

    def __bool__(self):
        return truth(self)

    def __index__(self):
        refuse("an index")

    __int__ = __index__

    def __getitem__(self, index):
        index = _plain(index)
        ids = np.arange(self.size).reshape(self.shape)[index]
        out = _wrap(self.value[index], self.rows[np.ravel(ids)], self.n, self.tag,
                    self.tangent, curved=False)
        if type(out) is PatternArray and views.is_view(index, self.ndim):
            views.register(self, out, np.ravel(ids))
        return out

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
        place = _bool_csr(ids, np.arange(len(ids)), (self.size, len(ids)))
        self.rows = (eye @ self.rows + place @ rows).tocsr()
        views.written(self, ids, _absorb)

    # the methods NumPy arrays have: the shared ones in ValueShaped

    def copy(self):
        return PatternArray(self.value.copy(), self.rows.copy(), self.n, self.tag, self.tangent)

    def _take_on(self, result):
        """Become ``result`` (a pattern of this one's level), in place."""
        for name in self._DATA:
            setattr(self, name, getattr(result, name))
        views.written(self, np.arange(self.size), _absorb)

    __copy__ = copy

    def __deepcopy__(self, memo):
        out = memo[id(self)] = self.copy()
        return out

    def astype(self, dtype):
        if np.dtype(dtype).kind not in "fc":   # rounding looks at the values
            raise TypeError(f"PatternArray.astype({dtype}): only float and complex dtypes keep "
                            "the dependence")
        return PatternArray(self.value.astype(dtype), self.rows, self.n, self.tag, self.tangent)

    def __neg__(self):
        return PatternArray(-self.value, self.rows, self.n, self.tag, self.tangent)

    def __pos__(self):
        return self

    __hash__ = None  # type: ignore[assignment]  # unhashable, as ndarray

    def __float__(self):
        refuse("a float (float())", conversion=True)

    def __complex__(self):
        refuse("a complex number (complex())", conversion=True)


def _absorb(x, rows, hit, tangent):
    """A write seen through ``x`` (``dualad.sparse.views``): its rows and ``rows`` (the
    rows written, at the entries ``hit``), at one level."""
    if tangent != x.tangent:   # as __setitem__: the value-level part marked
        if x.tangent:
            rows = _mask_rows(_marked(rows), hit)
        else:
            x.rows, x.tangent = _marked(x.rows), True
    x.rows = (x.rows + rows).tocsr()


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
    return _row_of(sorted(x.tangent.cols), _n_inputs())


def _bool_csr(rows, cols, shape):
    """The boolean CSR matrix of ``shape`` that holds True at (rows[i], cols[i])."""
    return _scipy_sparse().csr_array((np.ones(len(rows), dtype=bool), (rows, cols)), shape=shape)


def _row_of(cols, n):
    """The 1 x n boolean row that holds True at ``cols``."""
    return _bool_csr(np.zeros(len(cols), dtype=int), cols, (1, n))


class _Detections(threading.local):
    """The numbers of inputs of this thread's detections in progress, the innermost last
    (threads detect at the same time, each its own)."""

    def __init__(self):
        self.n_inputs = [0]


_DETECTIONS = _Detections()


def _n_inputs() -> int:
    """The number of inputs of this thread's innermost detection in progress."""
    return _DETECTIONS.n_inputs[-1]


def _wrap(value, rows, n, tag, tangent=False, curved=True):
    """A pattern result: an array, or a scalar pattern dual. ``curved``: while a Hessian
    detection runs, the operation that made it counts every pair of the inputs each
    entry depends on (``curvature.add_square``); a caller that knows the operation is
    linear, or has recorded its pairs itself, passes False. A Hessian detection keeps
    scalars as 0-d arrays, whose operations report their pairs."""
    hessian = curvature.active() is not None
    if curved and hessian:
        curvature.add_square(rows)
    if np.ndim(value) == 0 and not hessian:
        # a scalar keeps no level: a tangent one counts as a value
        v = value[()] if isinstance(value, np.ndarray) else value
        v = float(v) if type(v) is np.float64 else v
        return _make(v, PatternRow(rows.indices if hasattr(rows, "indices") else ()), tag)
    return PatternArray(np.asarray(value), rows.tocsr(), n, tag, tangent)


def _is_tangent(x) -> bool:
    return type(x) is PatternArray and x.tangent


def _marked(rows):
    """``rows`` with the marker on every entry (values in a tangent-level result)."""
    m, n = rows.shape
    return (rows + _bool_csr(np.arange(m), np.full(m, n - 1), (m, n))).tocsr()


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
    n = like.n if type(like) is PatternArray else _n_inputs()
    tangent = _is_tangent(like) and not np.any(value)
    return PatternArray(value, _empty(value.size, n), n, like.tag, tangent)


def tangent_seed(directions, like):
    """Seed directions (an array whose last axis is the direction) as a tangent-level
    pattern array: the marker where a seed entry is non-zero (the seed's zeros are
    structural, the same for every input)."""
    directions = np.asarray(directions)
    n = like.n if type(like) is PatternArray else _n_inputs()
    on = np.flatnonzero(directions)
    rows = _bool_csr(on, np.full(on.size, n - 1), (directions.size, n))
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


_UFUNC_RULES = table.ufuncs   # by the ufunc object (scipy.special's too)
_ON_PRIMAL = table.primal_only_ufuncs


def _tag_of(items):
    tags = [x.tag for x in items if _is_pattern(x)]
    return max(tags) if tags else None


def _mask_rows(rows, keep):
    if keep.all():
        return rows
    sp = _scipy_sparse()
    return (sp.diags_array(keep, dtype=bool).tocsr() @ rows).tocsr()


def detecting() -> bool:
    """True while a pattern detection runs (the array layer then defers pattern duals to
    the ``Precedence`` hooks registered below)."""
    return len(_DETECTIONS.n_inputs) > 1


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
