"""scipy.sparse matrices as constant operands of dual arrays: ``A @ x``, ``x @ A``, ``A.dot(x)``
(and ``x.dot(A)``, ``np.dot``, ``np.matmul``).

A SciPy sparse matrix or array times a dual array is linear in the dual: the primal is
SciPy's own product ``A @ x.value`` and the tangent ``A @ x'`` (all k directions in one
sparse product with a multivector). SciPy's operators never hand a dual back to Python's
reflected operators (they convert it to an object array and fail), so this module wraps
the one method every product of theirs goes through, ``_matmul_dispatch``, to pass a
dual array here first; plain operands take SciPy's own path unchanged. ``x @ A`` reaches
it by ``A.__rmatmul__`` (the dual array's ``@`` defers to a sparse operand).

Sparse matrices *of* duals are refused where they would be made, with a clear error:
building one from dual data (``csr_matrix(dual)``), a sparse matrix times a dual scalar
(``A * Dual``) and the elementwise ``A.multiply(dual)``.

Installed when dualad is imported, if SciPy is (the ``scipy`` extra).

>>> import numpy as np, scipy.sparse as sp, dualad as ad
>>> A = sp.csr_matrix(np.array([[2.0, 0.0], [1.0, 3.0]]))
>>> ad.jacobian(lambda x: A @ x, np.array([1.0, 1.0]))
array([[2., 0.],
       [1., 3.]])
"""
from __future__ import annotations

import functools

import numpy as np

from dualad.arrays import dispatch
from dualad.arrays.array import DualArray, _holds_dual, wrap
from dualad.base.carriers import ACTIVE as _PRECEDING, Carrier
from dualad.core import shaped

try:   # SciPy is optional
    import scipy.sparse
    from scipy.sparse import _base as _scipy_base
except ImportError:  # pragma: no cover - exercised only without scipy
    _scipy_base = None

_WRAPPED = "__dualad_wrapped__"


def sparse_times_dual(matrix, x):
    """``matrix @ x`` for a SciPy sparse ``matrix`` and a dual array ``x``: SciPy's product
    of the primal, and the tangent ``matrix @ x'``."""
    if matrix.dtype == object:
        raise TypeError("dualad: a scipy.sparse matrix of dtype object (duals as its "
                        "entries) is not supported; keep the matrix plain and the vector dual")
    if not isinstance(x, DualArray):
        if np.ndim(x) == 0:
            raise TypeError(f"dualad: a scipy.sparse matrix times a dual scalar "
                            f"({type(x).__name__}) would be a sparse matrix of duals, which "
                            "dualad does not support; multiply the product instead, "
                            "(A @ v) * s")
        if _PRECEDING and _PRECEDING[-1].claims((x,)):
            return rows_of(matrix, x)
        # another carrier (a Taylor jet): through its own matmul rule
        return np.matmul(matrix.toarray(), x)
    value = matrix @ x.value
    t = x.tangent
    if x.k is not None and x.ndim == 2:   # (n, p, k): the directions beside the columns
        n, p = x.shape
        tangent = np.reshape(matrix @ np.reshape(t, (n, p * x.k)), np.shape(value) + (x.k,))
    else:
        tangent = matrix @ t
    return wrap(value, tangent, x.tag, x.k)


def rows_of(matrix, x):
    """``matrix @ x`` row by row, each row a sum over the stored (non-zero) entries only: the
    form whose dependence (sparsity detection) is the matrix's own pattern. ``matrix``: a
    scipy.sparse matrix or a dense array."""
    if isinstance(matrix, np.ndarray):
        one_d = matrix.ndim == 1
        rows = [(np.flatnonzero(r), r[np.flatnonzero(r)]) for r in np.atleast_2d(matrix)]
    else:
        csr = scipy.sparse.csr_array(matrix)
        one_d = csr.ndim == 1
        if one_d:
            csr = csr.reshape((1, -1))
        rows = [(csr.indices[a:b], csr.data[a:b]) for a, b in zip(csr.indptr[:-1],
                                                                   csr.indptr[1:])]
    out = []
    for cols, vals in rows:
        picked = np.take(x, cols, axis=0)
        out.append(np.tensordot(vals, picked, axes=(0, 0)) if len(cols) else
                   np.zeros(np.shape(picked)[1:]))
    stacked = np.stack(out)
    return stacked[0] if one_d else stacked


def _refuse_dual_entries(what, x):
    raise TypeError(f"dualad: {what} with a dual ({type(x).__name__}) would be a "
                    "scipy.sparse matrix of duals, which dualad does not support: SciPy "
                    "stores numbers only. Keep the sparse matrix plain (its products with "
                    "dual arrays, A @ x and x @ A, carry the tangents) or use a dense "
                    "array (A.toarray())")


def _matmul_dispatch(original):
    @functools.wraps(original)
    def dispatch(self, other):
        if isinstance(other, Carrier):
            return sparse_times_dual(self, other)
        return original(self, other)
    setattr(dispatch, _WRAPPED, original)
    return dispatch


def _multiply(original):
    @functools.wraps(original)
    def multiply(self, other):
        if _holds_dual(other):
            _refuse_dual_entries("the elementwise product of a scipy.sparse matrix", other)
        return original(self, other)
    setattr(multiply, _WRAPPED, original)
    return multiply


def _init(original):
    @functools.wraps(original)
    def __init__(self, arg1, *args, **kwargs):
        if _holds_dual(arg1):
            _refuse_dual_entries(f"scipy.sparse.{type(self).__name__}(...)", arg1)
        original(self, arg1, *args, **kwargs)
    setattr(__init__, _WRAPPED, original)
    return __init__


def _classes(base):
    yield base
    for sub in base.__subclasses__():
        yield from _classes(sub)


def _sparse_operands_by_operator(handler):
    """np.dot/np.matmul of a dual and a sparse matrix as ``a @ b`` (SciPy's product of one
    or two dimensions, which dispatches here); other calls to the rule's handler."""
    @functools.wraps(handler)
    def product(*args, **kwargs):
        if len(args) == 2 and not kwargs and any(isinstance(a, _scipy_base._spbase)
                                                 for a in args):
            return args[0] @ args[1]
        return handler(*args, **kwargs)
    return product


def install():
    """Wrap SciPy's sparse product, elementwise product and construction (once)."""
    if _scipy_base is None:
        return
    base = _scipy_base._spbase
    wrappers = [(cls, name, wrapper) for cls in set(_classes(base))
                for name, wrapper in (("_matmul_dispatch", _matmul_dispatch),
                                      ("multiply", _multiply))]
    wrappers.append((base, "__init__", _init))   # every format's constructor calls it
    for cls, name, wrapper in wrappers:
        method = vars(cls).get(name)
        if method is not None and not hasattr(method, _WRAPPED):
            setattr(cls, name, wrapper(method))
    shaped.defer_matmul_to(base)
    for func in (np.dot, np.matmul):
        dispatch._HANDLERS[func] = _sparse_operands_by_operator(dispatch._HANDLERS[func])


install()
