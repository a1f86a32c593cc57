"""Sparsity detection: ``jacobian_sparsity(f, x)`` runs ``f`` once on pattern values.

Each input entry depends on itself; ``f``'s outputs carry the rows of the Jacobian's
pattern. The detection is global, as a global tracer's: it looks at no number, so the
pattern holds for every input of those shapes. While one runs, the array layer hands
every operation on a pattern value to the hooks registered here (``dualad.base.carriers``).
"""
from __future__ import annotations

import numbers
from typing import Any, Callable, Literal, overload

import numpy as np
from numpy.typing import NDArray

from dualad.arrays import array as _arrays
from dualad.base import carriers as _carriers
from dualad.core import rule_path
from dualad.core import number as _number
from dualad.core.number import Dual, _make
from dualad.base.tags import new_tag, running
from dualad.sparse.patterns import (
    PatternArray, PatternRow, _DETECTIONS, _empty, _mask_rows, _row_of,
    _scipy_sparse, _wrap, compare, condition, constant_like, has_pattern, observed, refuse,
    shallow_primal, truth)
from dualad.sparse.dispatch import _pattern_function, _pattern_ufunc
from dualad.sparse.pattern_elementwise import elementwise
from dualad.sparse import curvature
from dualad.sparse.pattern_objects import converted

__all__ = ["jacobian_sparsity", "detect", "detect_hessian"]


@overload
def jacobian_sparsity(f: Callable[..., Any], x: Any, argnums: int = 0, *,
                      sparse: Literal[False]) -> NDArray[np.bool_]: ...
@overload
def jacobian_sparsity(f: Callable[..., Any], x: Any, argnums: int = 0, *,
                      sparse: bool = True) -> Any: ...


def jacobian_sparsity(f: Callable[..., Any], x: Any, argnums: int = 0, *,
                      sparse: bool = True) -> Any:
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
    from dualad.base.errors import check_callable
    check_callable(f, "jacobian_sparsity")
    args = x if isinstance(x, tuple) else (x,)
    pattern = detect(f, args, argnums)
    return pattern if sparse else pattern.toarray()


def detect(f, args, argnums, who="jacobian_sparsity"):
    """Pattern of f's single output (flattened) in args[argnums] (flattened). The other
    arguments are traced as constants (``traced_constant``)."""
    out, tag, n_in = _traced_call(f, args, argnums, who)
    return _output_rows(out, tag, n_in, who)


def detect_hessian(f, args, argnums, exhaustive):
    """The Hessian pattern of a scalar ``f`` in args[argnums]: from one run of ``f`` on
    pattern values that records each operation's second-order pairs
    (``dualad.sparse.curvature``), in time linear in the pairs. Where that record is
    incomplete (a scalar pattern dual, whose operations report no pairs; an output that
    is not one number; an error) it is ``exhaustive()``: the Jacobian pattern of the
    forward-mode gradient, n² work, which also raises what ``f`` raises."""
    with curvature.recording() as record:
        try:
            out, tag, n_in = _traced_call(f, args, argnums, "hessian")
            rows = _output_rows(out, tag, n_in, "hessian")
        except curvature.TooDense:
            raise
        except Exception:   # noqa: BLE001 - the exhaustive route says what f raised
            record.complete = False
    if not record.complete or rows.shape[0] != 1:
        return exhaustive()
    return record.pattern(n_in)


def _traced_call(f, args, argnums, who):
    """f on pattern values: (its output, the detection's tag, the number of inputs)."""
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
    seeded: Any
    if isinstance(x, (list, tuple)):
        seeded = type(x)(_scalar_seed(v, i, n, tag) for i, v in enumerate(x))
    else:
        value = np.asarray(x, dtype=float) if np.asarray(x).dtype.kind in "biu" else np.asarray(x)
        if value.dtype.kind not in "fc":
            raise TypeError(f"{who}: x must hold numbers, got dtype {value.dtype}")
        rows = sp.eye_array(n_in, n, dtype=bool, format="csr")
        seeded = _wrap(value, rows, n, tag, curved=False) if value.ndim else \
            _scalar_seed(value[()], 0, n, tag)
    call = [seeded if i == argnums else traced_constant(a, tag, n)
            for i, a in enumerate(args)]
    _DETECTIONS.n_inputs.append(n)
    _carriers.ACTIVE.append(_PRECEDENCE)   # the array layer defers pattern duals to us
    from dualad.base.errors import plain_errors
    try:
        with rule_path.transformation_pass(), running(tag):
            out = plain_errors(f, who)(*call)
    finally:
        _carriers.ACTIVE.pop()
        _DETECTIONS.n_inputs.pop()
    return out, tag, n_in


def _scalar_seed(v, i, n, tag):
    """Input number i as a scalar pattern dual; a 0-d pattern array in a Hessian
    detection (whose operations report their second-order pairs)."""
    if curvature.active() is not None:
        return _wrap(np.asarray(float(v)), _row_of([i], n), n, tag, curved=False)
    return _make(float(v), PatternRow((i,)), tag)


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
    if type(out) is np.ndarray and out.dtype == object and out.size:
        out = converted([out])[0]   # an object array of a Hessian detection's patterns
    if type(out) is PatternArray and out.tag == tag:
        rows = out.rows.tocsr()
        if out.tangent:
            rows = _mask_rows(rows, rows[:, [n]].toarray().ravel())
        return rows[:, :n].tocsr()
    if type(out) is Dual and out.tag == tag and type(out.tangent) is PatternRow:
        return _row_of(sorted(c for c in out.tangent.cols if c < n), n)
    if isinstance(out, (numbers.Number, np.ndarray, np.generic)):
        # (np.size takes any number; NumPy's annotations do not name numbers.Number)
        return _empty(int(np.size(out)), n)  # type: ignore[arg-type]
    raise TypeError(f"{who}: f returned {type(out).__name__}; expected numbers or arrays")


_number._PatternRow, _number._pattern_compare, _number._pattern_refuse, _number._pattern_truth \
    = PatternRow, condition, refuse, truth


# The array layer knows pattern duals only through these hooks (dualad.base.carriers):
# while a detection runs it hands them every operation on a pattern dual.
_PRECEDENCE = _carriers.Precedence(
    claims=has_pattern, ufunc=_pattern_ufunc, function=_pattern_function,
    elementwise=elementwise, compare=compare, primal=shallow_primal, observed=observed,
    writable=constant_like)

_carriers.register(PatternArray, apply_rule=_carriers.RULE_HANDLERS[_arrays.DualArray],
                   precedence=_PRECEDENCE)
