"""Tangent maps of ``dualad.scipy.linalg`` (signature of ``dualad.table.array_rules``).

Where NumPy's linear algebra has a map in the rule table (``dualad.table.linalg_rules``:
inv, det, cholesky, eigh, svd, pinv) it is reused; the maps here add what SciPy has
beyond NumPy: matrix functions (Fréchet derivatives by block matrices), structured
solvers (``assume_a``, triangular, Cholesky and LU factors), Sylvester equations. Each
solve in a map goes back through the drop-in (``dualad.scipy.linalg``), so that under
nested differentiation the same map runs on inner duals.
"""
from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import scipy.linalg

from dualad.table import linalg_rules as la
from dualad.table.array_rules import _primal, ex, zeros
from dualad.table.linalg_rules import (
    _act_matrix, _diag_part, _hermitian_from_triangle, _matrix_act, _mH, _mT, _tmH, _tmT,
    _tril)


#: the drop-ins of dualad.scipy.linalg, which it hands over when it is imported (it imports
#: this module, not the reverse): the maps solve through them, so that under nested
#: differentiation each solve is itself differentiated
DROP_INS = SimpleNamespace()


def _triu(t, offset, k):
    return _tmT(_tril(_tmT(t, k), -offset, k), k)


def _masked(t, mask, k):
    return np.where(ex(mask, k), t, 0)


def structured(t, assume_a, lower, k):
    """The matrix SciPy's solver reads of ``t`` (a matrix or its tangent) under
    ``assume_a``: one triangle mirrored for 'sym'/'her'/'pos' (``lower`` picks it),
    a triangle, a band, the diagonal; the whole matrix for None, 'gen' and 'banded'
    (both look at the matrix itself, and a solve of any matrix is exact for it)."""
    if assume_a in (None, "general", "gen", "banded"):
        return t
    n = np.shape(t)[-2 if k is None else -3]
    if assume_a == "diagonal":
        return _diag_part(t, k)
    if assume_a == "tridiagonal":
        near = np.abs(np.subtract.outer(np.arange(n), np.arange(n))) <= 1
        return _masked(t, near, k)
    if assume_a == "upper triangular":
        return _triu(t, 0, k)
    if assume_a == "lower triangular":
        return _tril(t, 0, k)
    uplo = "L" if lower else "U"
    if assume_a in ("sym", "symmetric"):   # complex symmetric: A^T = A, no conjugate
        strictly = _tril(t, -1, k) if lower else _triu(t, 1, k)
        return strictly + _tmT(strictly, k) + _diag_part(t, k)
    if assume_a in ("her", "hermitian", "pos", "positive definite"):
        return _hermitian_from_triangle(t, k, uplo)
    raise ValueError(f"{assume_a} is not a recognized matrix structure")


def solve_tangent(solve_with, da, x, tb, k, vector):
    """dx of x = A^{-1} b: A^{-1} (db - dA x), the solve by ``solve_with`` (one call, the
    k directions as right-hand sides). ``da`` is op(dA) as the solver applies A."""
    rhs = tb
    if da is not None:
        dax = _act_matrix(da, x[..., None] if vector else x, k)
        dax = (dax[..., 0] if k is None else dax[..., 0, :]) if vector else dax
        rhs = -dax if rhs is None else rhs - dax
    if vector:   # one vector per matrix: a column (k of them: the columns)
        return solve_with(rhs[..., None])[..., 0] if k is None else solve_with(rhs)
    if k is None:
        return solve_with(rhs)
    shape = np.shape(rhs)   # (..., n, m, k) -> (..., n, m*k)
    return np.reshape(solve_with(np.reshape(rhs, shape[:-2] + (shape[-2] * shape[-1],))),
                      shape)


def solve_jvp(args, kwargs, x, tangents, k):
    """x = A^{-1} b: dx = A^{-1}(db - dA x), dA the matrix ``assume_a`` reads (A^T:
    ``transposed``)."""
    a, b = args
    da = tangents[0]
    if da is not None:
        da = structured(da, kwargs.get("assume_a"), kwargs.get("lower", False), k)
        da = _tmT(da, k) if kwargs.get("transposed") else da
    return solve_tangent(lambda r: DROP_INS.solve(a, r, **kwargs), da, x, tangents[1], k,
                         np.ndim(_primal(b)) == 1)


def inv_jvp(args, kwargs, ans, tangents, k):
    """dX = -X dA X (NumPy's rule), dA the matrix ``assume_a`` reads."""
    assume_a = kwargs.get("assume_a")
    da = structured(tangents[0], assume_a, kwargs.get("lower", False), k)
    if assume_a != "diagonal":
        return la.inv_jvp(args, kwargs, ans, (da,), k)
    n = np.shape(_primal(ans))[-1]   # d(1/a_ii) = -da_ii / a_ii^2 on the diagonal
    diagonal = np.eye(n, dtype=bool)
    squares = np.where(diagonal, ans * ans, 0)
    rest = tangents[0] if _diagonal_inv_keeps_the_rest() else 0   # in place: A's entries
    return np.where(ex(diagonal, k), -ex(squares, k) * da, rest)


def _diagonal_inv_keeps_the_rest() -> bool:
    """Whether SciPy's inv(assume_a='diagonal') leaves the entries off the diagonal as
    they are (SciPy 1.17 does): they are then A's own, with A's tangent."""
    return scipy.linalg.inv(np.array([[1.0, 2.0], [0.0, 1.0]]), assume_a="diagonal")[0, 1] == 2


def _op(t, trans, k):
    """op(t) of LAPACK's ``trans``: t, t^T or t^H."""
    if trans in (0, "N"):
        return t
    if trans in (1, "T"):
        return _tmT(t, k)
    if trans in (2, "C"):
        return _tmH(t, k)
    raise ValueError(f"trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")


def solve_triangular_jvp(args, kwargs, x, tangents, k):
    """x = op(T)^{-1} b: dx = op(T)^{-1}(db - op(dT) x), dT the triangle read (no
    diagonal with ``unit_diagonal``)."""
    a, b = args
    da = tangents[0]
    if da is not None:
        lower, trans = kwargs.get("lower", False), kwargs.get("trans", 0)
        da = _tril(da, -1 if kwargs.get("unit_diagonal") else 0, k) if lower else \
            _triu(da, 1 if kwargs.get("unit_diagonal") else 0, k)
        da = _op(da, trans, k)
    return solve_tangent(lambda r: DROP_INS.solve_triangular(a, r, **kwargs), da, x,
                         tangents[1], k, np.ndim(_primal(b)) == 1)


# --- Cholesky and LU factors ----------------------------------------------------------

def _triangle(n, lower):
    return np.tri(n, dtype=bool) if lower else np.tri(n, dtype=bool).T


def cho_factor_jvp(args, kwargs, ans, tangents, k):
    """c holds the factor in one triangle (NumPy's Cholesky rule gives its tangent) and
    A's own entries in the other (their tangent is A's)."""
    c, lower = ans
    ta, lower = tangents[0], bool(np.all(lower))   # a batch: one flag per matrix, all equal
    factor = np.tril(c) if lower else np.triu(c)
    dfactor = la.cholesky_jvp(args, {"upper": not lower}, factor, (ta,), k)
    return np.where(ex(_triangle(np.shape(_primal(c))[-1], lower), k), dfactor, ta), None


def cho_solve_jvp(args, kwargs, x, tangents, k):
    """x = A^{-1} b with A = L L^H (or U^H U) from c: dA = dL L^H + L dL^H."""
    c, b = args
    tc, lower = tangents[0], bool(np.all(kwargs["lower"]))
    da = None
    if tc is not None:
        f = np.tril(c) if lower else np.triu(c)
        df = _masked(tc, _triangle(np.shape(_primal(c))[-1], lower), k)
        da = (_act_matrix(df, _mH(f), k) + _matrix_act(f, _tmH(df, k), k)) if lower else \
            (_act_matrix(_tmH(df, k), f, k) + _matrix_act(_mH(f), df, k))
    options = {key: v for key, v in kwargs.items() if key != "lower"}
    factor = (c, kwargs["lower"])
    return solve_tangent(lambda r: DROP_INS.cho_solve(factor, r, **options), da, x,
                         tangents[1], k, np.ndim(_primal(b)) == 1)


def row_order(piv):
    """The rows of A that LAPACK's pivots ``piv`` bring to the top: A[order] = L U."""
    piv = np.asarray(piv)
    order = np.empty(piv.shape, dtype=np.intp)
    for index in np.ndindex(piv.shape[:-1]):
        rows = np.arange(piv.shape[-1])
        for i, p in enumerate(piv[index]):
            rows[i], rows[p] = rows[p], rows[i]
        order[index] = rows
    return order


def _unit_lower(lu):
    n = np.shape(_primal(lu))[-1]
    return np.tril(lu, -1) + np.eye(n)


def lu_factor_jvp(args, kwargs, ans, tangents, k):
    """P^T A = L U: with M = L^{-1} P^T dA U^{-1}, dL = L tril(M, -1), dU = triu(M) U."""
    lu, piv = ans
    n = np.shape(_primal(lu))[-1]
    linalg, eye = DROP_INS, np.broadcast_to(np.eye(n), np.shape(_primal(lu)))
    pt = np.eye(n)[row_order(piv)]
    l_inv = linalg.solve_triangular(lu, eye, lower=True, unit_diagonal=True)
    u_inv = linalg.solve_triangular(lu, eye, lower=False)
    m = _act_matrix(_matrix_act(np.matmul(l_inv, pt), tangents[0], k), u_inv, k)
    return _matrix_act(_unit_lower(lu), _tril(m, -1, k), k) + \
        _act_matrix(_triu(m, 0, k), np.triu(lu), k), None


def lu_solve_jvp(args, kwargs, x, tangents, k):
    """x = op(A)^{-1} b with A = P L U from (lu, piv): dA = P (dL U + L dU)."""
    lu, piv, b = args
    tlu, trans = tangents[0], kwargs.get("trans", 0)
    da = None
    if tlu is not None:
        d = _act_matrix(_tril(tlu, -1, k), np.triu(lu), k) + \
            _matrix_act(_unit_lower(lu), _triu(tlu, 0, k), k)
        p = _mT(np.eye(np.shape(_primal(lu))[-1])[row_order(piv)])
        da = _op(_matrix_act(p, d, k), trans, k)
    return solve_tangent(lambda r: DROP_INS.lu_solve((lu, piv), r, **kwargs), da, x,
                         tangents[2], k, np.ndim(_primal(b)) == 1)


# --- matrix functions: Fréchet derivatives ----------------------------------------------

def _norm1(m):
    return np.max(np.sum(np.abs(m), axis=-2), axis=-1)


def _block_frechet(f, a, e, k):
    """L_f(A, E), the upper right block of f([[A, E], [0, A]]) (Higham, Functions of
    Matrices, 3.1), for a matrix function ``f`` of (batches of) matrices. The k directions
    go into the batch (one call of ``f``), each E scaled to no more than A's 1-norm (L is
    linear in E), so that the block costs ``f`` no extra scaling steps."""
    if k is not None:
        e = np.moveaxis(e, -1, -3)
        a = a[..., None, :, :]
    pa, pe = _primal(a), _primal(e)
    na, ne = _norm1(pa), _norm1(pe)
    scale = np.where((ne > na) & (na > 0), na / np.where(ne > 0, ne, 1.0), 1.0)
    scale = scale[..., None, None]
    shape = np.broadcast_shapes(np.shape(pa), np.shape(pe))
    a = np.broadcast_to(a, shape)
    e = np.broadcast_to(e * scale, shape)
    zero = np.zeros(shape, dtype=np.result_type(pa, pe))
    block = np.concatenate([np.concatenate([a, e], axis=-1),
                            np.concatenate([zero, a], axis=-1)], axis=-2)
    n = shape[-1]
    frechet = f(block)[..., :n, n:] / scale
    return frechet if k is None else np.moveaxis(frechet, -3, -1)


def expm_jvp(args, kwargs, ans, tangents, k):
    """d expm(A) = L(A, dA), the Fréchet derivative: SciPy's ``expm_frechet`` for one
    direction of one plain matrix, else the 2n x 2n block matrix (k directions and a
    batch in one call of ``expm``; on inner duals the block goes through the drop-in)."""
    a, e = args[0], tangents[0]
    if k is None and np.ndim(a) == 2 and type(a) is np.ndarray and type(e) is np.ndarray:
        return scipy.linalg.expm_frechet(a, e, compute_expm=False, check_finite=False)
    return _block_frechet(DROP_INS.expm, a, e, k)


def expm_frechet_jvp(args, kwargs, ans, tangents, k):
    """With X = [[A, E], [0, A]], expm(X) = [[e^A, L(A, E)], [0, e^A]]: the tangents of
    e^A and L(A, E) are blocks of L(X, dX), dX = [[dA, dE], [0, dA]]."""
    a, e = args
    n = np.shape(_primal(a))[-1]
    da, de = (zeros(np.shape(_primal(v)), k, complex if np.iscomplexobj(_primal(v)) else float)
              if t is None else t for v, t in zip(args, tangents))
    x = np.concatenate([np.concatenate([a, e], axis=1),
                        np.concatenate([np.zeros_like(_primal(a)), a], axis=1)], axis=0)
    dx = np.concatenate([np.concatenate([da, de], axis=1),
                         np.concatenate([np.zeros_like(_primal(da)), da], axis=1)], axis=0)
    frechet = _block_frechet(DROP_INS.expm, x, dx, k)
    d_expm, d_frechet = frechet[:n, :n], frechet[:n, n:]
    return (d_expm, d_frechet) if kwargs.get("compute_expm", True) else d_frechet


def logm_jvp(args, kwargs, ans, tangents, k):
    """d logm(A) = the upper right block of logm([[A, dA], [0, A]])."""
    def logm(m):
        with warnings.catch_warnings():   # SciPy's accuracy estimate warns for the
            warnings.simplefilter("ignore", RuntimeWarning)   # non-normal block at 1e-13
            out = DROP_INS.logm(m, **kwargs)
        return out[0] if isinstance(out, tuple) else out   # disp=False: (logm, errest)
    tangent = _block_frechet(logm, args[0], tangents[0], k)
    return (tangent, None) if isinstance(ans, tuple) else tangent


def _each_matrix(f, *arrays):
    """``f`` applied to matching matrices of ``arrays`` (..., n, m) one by one (SciPy's
    Sylvester solver takes one matrix at a time), the results stacked back."""
    shapes = [np.shape(_primal(a)) for a in arrays]
    batch = np.broadcast_shapes(*(s[:-2] for s in shapes))
    if not batch:
        return f(*arrays)
    broadcast = [np.broadcast_to(a, batch + s[-2:]) for a, s in zip(arrays, shapes)]
    results = [f(*(a[index] for a in broadcast)) for index in np.ndindex(batch)]
    stacked = np.stack(results)
    return np.reshape(stacked, batch + np.shape(_primal(stacked))[1:])


def _directions_in_batch(t, k):
    return t if k is None else np.moveaxis(t, -1, -3)


def _directions_back(t, k):
    return t if k is None else np.moveaxis(t, -3, -1)


def solve_sylvester_jvp(args, kwargs, x, tangents, k):
    """A X + X B = Q: A dX + dX B = dQ - dA X - X dB."""
    a, b, q = args
    ta, tb, tq = tangents
    rhs = zeros(np.shape(_primal(x)), k, complex if np.iscomplexobj(_primal(x)) else float) \
        if tq is None else tq
    if ta is not None:
        rhs = rhs - _act_matrix(ta, x, k)
    if tb is not None:
        rhs = rhs - _matrix_act(x, tb, k)
    if k is not None:
        a, b = a[..., None, :, :], b[..., None, :, :]
    return _directions_back(_each_matrix(DROP_INS.solve_sylvester, a, b,
                                         _directions_in_batch(rhs, k)), k)


def sqrtm_jvp(args, kwargs, ans, tangents, k):
    """X = sqrtm(A), X X = A: X dX + dX X = dA, a Sylvester equation."""
    x = ans[0] if isinstance(ans, tuple) else ans
    xb = x if k is None else x[..., None, :, :]
    tangent = _directions_back(_each_matrix(DROP_INS.solve_sylvester, xb, xb,
                                            _directions_in_batch(tangents[0], k)), k)
    return (tangent, None) if isinstance(ans, tuple) else tangent
