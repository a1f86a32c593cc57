"""Tangent maps of ``dualad.scipy.linalg``'s Hermitian eigenproblems and least squares.

Eigenvectors of a repeated eigenvalue are not unique, and no tangent is defined for them:
the maps refuse then, naming the eigenvalues. NumPy's rules of the table
(``dualad.table.linalg_rules``: eigh, pinv, svd) are reused where they apply.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from dualad.scipy._linalg_tangents import DROP_INS
from dualad.table import linalg_rules as la
from dualad.table.array_rules import _primal, ex
from dualad.table.linalg_rules import (
    _act_matrix, _hermitian_from_triangle, _inverse_gaps, _is_complex, _matrix_act,
    _matrix_diagonal, _mH, _real)


def _clusters(w):
    """Pairs (i, j), i < j, of (numerically) equal eigenvalues of the primal ``w``."""
    w = np.asarray(_primal(w))
    scale = np.max(np.abs(w), axis=-1, keepdims=True, initial=0.0)
    tol = 1e3 * np.finfo(w.dtype).eps * np.where(scale > 0, scale, 1.0)
    close = np.abs(w[..., :, None] - w[..., None, :]) <= tol[..., None]
    close = np.any(np.reshape(close, (-1,) + close.shape[-2:]), axis=0)
    return [(i, j) for i, j in zip(*np.nonzero(np.triu(close, 1)))]


def _refuse_repeated(pairs, who):
    i, j = pairs[0]
    raise ValueError(
        f"dualad.scipy.linalg.{who}: eigenvalues {i} and {j} are equal (to rounding); the "
        "eigenvectors of a repeated eigenvalue are not unique and have no tangent. Ask for "
        "eigenvalues only (eigvals_only=True, eigvalsh), or differentiate a function of the "
        "eigenspace that is unique (a projector, np.trace of a function of A)")


def _check_eigenvalue_tangents(w, projected, pairs, k, who):
    """Eigenvalues only, some repeated: their tangents exist (as a linear map of dA) only
    where the projected block V_c^H dA V_c of each cluster is a multiple of the identity,
    in every direction; otherwise the repeated eigenvalues split and refuse."""
    p = np.asarray(_primal(projected))
    if k is None:
        p = p[..., None]
    size = np.max(np.abs(p), initial=0.0)
    for i, j in pairs:
        if abs(p[..., i, j, :]).max(initial=0.0) > 1e-8 * size or \
                abs(p[..., i, i, :] - p[..., j, j, :]).max(initial=0.0) > 1e-8 * size:
            raise ValueError(
                f"dualad.scipy.linalg.{who}: eigenvalues {i} and {j} are equal (to rounding) "
                "and split along the tangent: each alone is not differentiable there (their "
                "sum is: np.trace)")


def eigh_jvp(args, kwargs, ans, tangents, k):
    """A V = B V diag(w), V^H B V = I (B = I without b): with P = V^H dA V, Q = V^H dB V,
    dw_i = Re(P_ii - w_i Q_ii), dV = V C, C_ij = (P_ij - w_j Q_ij)/(w_j - w_i),
    C_ii = -Q_ii/2 (NumPy's eigh rule where B = I). dA, dB: the triangle ``lower`` reads."""
    a, b = args
    ta, tb = tangents
    who = "eigvalsh" if kwargs.get("eigvals_only") else "eigh"
    if kwargs.get("type", 1) != 1:
        raise TypeError(f"dualad.scipy.linalg.{who}: type={kwargs['type']} has no tangent "
                        "rule; use type=1 (A v = w B v)")
    uplo = "L" if kwargs.get("lower", True) else "U"
    only_values = kwargs.get("eigvals_only", False)
    subset = kwargs.get("subset_by_index") is not None or \
        kwargs.get("subset_by_value") is not None
    if only_values or subset:
        full = {key: v for key, v in kwargs.items()
                if key not in ("eigvals_only", "subset_by_index", "subset_by_value")}
        w_all, v = DROP_INS.eigh(a, b, **full)
    else:
        w_all, v = ans
    w = ans if only_values else ans[0]
    columns = _selected(w_all, w, kwargs)
    pairs = [(i, j) for i, j in _clusters(w_all) if i in columns or j in columns]
    if pairs and not only_values:
        _refuse_repeated(pairs, who)
    da = 0 if ta is None else _hermitian_from_triangle(ta, k, uplo)
    p = _act_matrix(_matrix_act(_mH(v), da, k), v, k) if ta is not None else None
    if b is None:
        if pairs:
            _check_eigenvalue_tangents(w_all, p, pairs, k, who)
        dw, dv = la.eigh_jvp((a,), {"UPLO": uplo}, (w_all, v), (ta,), k) if not only_values \
            else (_real(_matrix_diagonal(p, k)), None)
    else:
        dw, dv = _generalized(w_all, v, p, tb, uplo, k, only_values, pairs, who)
    dw = dw[..., columns] if k is None else dw[..., columns, :]
    if only_values:
        return dw
    assert dv is not None, "eigenvector tangents are computed unless only_values"
    dv = dv[..., columns] if k is None else dv[..., columns, :]
    if subset:   # SciPy's subset driver may give other phases than the full problem's V
        overlap = np.sum(np.conjugate(_primal(v)[..., columns]) * _primal(ans[1]), axis=-2)
        dv = dv * ex((overlap / np.abs(overlap))[..., None, :], k)
    return dw, dv


def _generalized(w, v, p, tb, uplo, k, only_values, pairs, who):
    n = np.shape(_primal(v))[-1]
    if tb is not None:
        q = _act_matrix(_matrix_act(_mH(v), _hermitian_from_triangle(tb, k, uplo), k), v, k)
    else:
        q = np.zeros(np.shape(_primal(p)))
    if p is None:
        p = np.zeros(np.shape(_primal(q)))
    wj = ex(w[..., None, :], k)   # w_j along the columns
    c = p - wj * q
    if pairs:
        _check_eigenvalue_tangents(w, c, pairs, k, who)
    dw = _real(_matrix_diagonal(c, k))
    if only_values:
        return dw, None
    off = ex(_inverse_gaps(w), k) * c
    diagonal = np.where(ex(np.eye(n, dtype=bool), k), -0.5 * q, 0)
    return dw, _matrix_act(v, off + diagonal, k)


def _selected(w_all, w, kwargs):
    """The columns of the full eigendecomposition that a subset call returned."""
    n = np.shape(_primal(w_all))[-1]
    by_index, by_value = kwargs.get("subset_by_index"), kwargs.get("subset_by_value")
    if by_index is not None:
        lo, hi = by_index
        return list(range(lo, hi + 1))
    if by_value is not None:
        lo, hi = by_value
        wa = np.asarray(_primal(w_all))
        if wa.ndim != 1:
            raise TypeError("dualad.scipy.linalg.eigh: subset_by_value on a batch has no "
                            "tangent rule")
        columns = [i for i in range(n) if lo < wa[i] <= hi]
        if len(columns) != np.shape(_primal(w))[-1]:
            raise ValueError("dualad.scipy.linalg.eigh: an eigenvalue sits at an end of "
                             "subset_by_value; its tangent is not defined")
        return columns
    return list(range(n))


def lstsq_jvp(args, kwargs, ans, tangents, k):
    """x = A^+ b: dx = dA^+ b + A^+ db (NumPy's pinv rule: constant rank); the residues
    |b - A x|^2 (full column rank, m > n): 2 Re(r^H dr), dr = db - dA x - A dx; the
    singular values: NumPy's svdvals rule."""
    a, b = args
    ta, tb = tangents
    x, residues, rank, s = ans
    pa = np.asarray(_primal(a))
    cond = kwargs.get("cond")
    a_pinv, pinv_rank = DROP_INS.pinv(a, atol=0.0, rtol=np.finfo(pa.dtype).eps
                                       if cond is None else cond, return_rank=True)
    if pinv_rank != rank:
        raise ValueError(f"dualad.scipy.linalg.lstsq: the rank of a is ambiguous ({rank} "
                         f"or {pinv_rank} by the cut-off); pass cond= to fix it")
    vector = np.ndim(_primal(b)) == 1   # as columns: b (n, m), tangents (n, m[, k])
    b2, x2 = (b[:, None], x[:, None]) if vector else (b, x)
    tb2 = tb[:, None] if vector and tb is not None else tb
    dx2: Any = 0
    if ta is not None:
        dx2 = _act_matrix(la.pinv_jvp((a,), {}, a_pinv, (ta,), k), b2, k)
    if tb2 is not None:
        dx2 = dx2 + _matrix_act(a_pinv, tb2, k)
    ds = None if ta is None else la.svdvals_jvp((a,), {}, s, (ta,), k)
    dres = None
    if np.size(_primal(residues)):
        r = b2 - np.matmul(a, x2)
        dr = -_matrix_act(a, dx2, k)
        if ta is not None:
            dr = dr - _act_matrix(ta, x2, k)
        if tb2 is not None:
            dr = dr + tb2
        dres = 2 * np.sum(_real(ex(np.conjugate(r) if _is_complex(r) else r, k) * dr), axis=0)
        dres = dres[0] if np.ndim(_primal(residues)) == 0 else dres   # 1-D b: a number
    return (dx2[:, 0] if vector else dx2), dres, None, ds
