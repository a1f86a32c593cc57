"""Tangent maps of NumPy's linear algebra (``np.linalg``: solve, inv, det, slogdet, cholesky,
qr, eigh, svd, svdvals, pinv), with the signature of ``dualad.table.array_rules``.

Complex matrices: the formulas are written with adjoints (conjugate transposes); on real
values (primal and tangent) the conjugation is skipped, it would be the identity. The
maps use only NumPy's public functions, so nested duals run through them unchanged.
"""
from __future__ import annotations

import numpy as np

from dualad.table.array_rules import (
    _arg, _dtype, _k_back, _k_batch, _matrix_with_k_axis, _primal, as_array, ex, zeros)


def _mT(x):
    return np.swapaxes(x, -1, -2)


def _is_complex(x) -> bool:
    """Whether ``x`` (an array, possibly a dual of a lower tag) holds complex numbers."""
    if hasattr(x, "tag") and hasattr(x, "tangent"):
        return _is_complex(x.value) or _is_complex(x.tangent)
    return np.iscomplexobj(x)


def _conj(x):
    return np.conjugate(x) if _is_complex(x) else x


def _mH(x):
    """The adjoint (conjugate transpose) of a matrix."""
    return _conj(_mT(x))


def _real(x):
    return np.real(x) if _is_complex(x) else x


def _matrix_act(m, t, k):
    """m @ t where t is a tangent of a matrix (..., n, p[, k])."""
    if k is None:
        return np.matmul(m, t)
    return _k_back(np.matmul(_matrix_with_k_axis(m), _k_batch(t)))


def _act_matrix(t, m, k):
    """t @ m where t is a tangent of a matrix (..., n, p[, k])."""
    if k is None:
        return np.matmul(t, m)
    return _k_back(np.matmul(_k_batch(t), _matrix_with_k_axis(m)))


def _tmT(t, k):
    """The transpose of a matrix tangent (swapping the two matrix axes, not k)."""
    return _mT(t) if k is None else np.swapaxes(t, -2, -3)


def _tmH(t, k):
    """The adjoint of a matrix tangent."""
    return _conj(_tmT(t, k))


def _matrix_diagonal(p, k):
    """The diagonal (..., r[, k]) of a matrix tangent (..., r, r[, k])."""
    if k is None:
        return np.diagonal(p, axis1=-2, axis2=-1)
    return np.swapaxes(np.diagonal(p, axis1=-3, axis2=-2), -1, -2)


def solve_jvp(args, kwargs, ans, tangents, k):
    """x = A^{-1} b:  dx = A^{-1} (db - dA x)."""
    a, b = args[0], args[1]
    ta, tb = tangents[0], tangents[1]
    vector = np.ndim(b) == 1
    rhs = tb
    if ta is not None:
        dax = _act_matrix(ta, ans[..., None] if vector else ans, k)  # dA @ x, directions last
        if vector:
            dax = dax[..., 0, :] if k is not None else dax[..., 0]
        rhs = -dax if rhs is None else rhs - dax
    if k is None or vector:   # a vector b: rhs (n, k) holds k right-hand sides
        return np.linalg.solve(a, rhs)
    shape = np.shape(rhs)   # (..., n, m, k) -> (..., n, m*k): k right-hand sides at once
    return np.reshape(np.linalg.solve(a, np.reshape(rhs, shape[:-2] + (shape[-2] * shape[-1],))),
                      shape)


def inv_jvp(args, kwargs, ans, tangents, k):
    """dX = -X dA X."""
    return -_act_matrix(_matrix_act(ans, tangents[0], k), ans, k)


def _adjugate(a):
    """adj(A) = det(A) A^{-1}, valid also for singular A. A singular A holding duals (the
    adjugate inside a higher derivative) takes the cofactors: determinants of minors,
    differentiable again by the det rule; a plain singular A goes through the SVD."""
    pa = _primal(a)
    try:
        cond = np.linalg.cond(pa)
        if np.all(np.isfinite(cond)) and np.all(cond < 1e12):
            return np.expand_dims(np.linalg.det(a), (-2, -1)) * np.linalg.inv(a)
    except np.linalg.LinAlgError:
        pass
    if hasattr(a, "tag"):
        return _cofactors_transposed(a)
    u, s, vt = np.linalg.svd(a)
    n = np.shape(s)[-1]
    others = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(n)], axis=-1)
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return sign[..., None, None] * np.matmul(_mH(vt) * others[..., None, :], _mH(u))


def _cofactors_transposed(a):
    """adj(A)_ji = (-1)^(i+j) det(A without row i and column j)."""
    n = np.shape(a)[-1]
    if n == 1:
        return np.ones(np.shape(a), dtype=_dtype(a))
    keep = np.array([[j for j in range(n) if j != i] for i in range(n)])   # (n, n-1)
    minors = a[..., keep[:, None, :, None], keep[None, :, None, :]]       # (..., n, n, n-1, n-1)
    signs = (-1.0) ** np.add.outer(np.arange(n), np.arange(n))
    return _mT(signs * np.linalg.det(minors))


def _trace_product(m, t, k):
    """tr(m dA) = sum_ij m_ji dA_ij for a matrix tangent dA (..., n, n[, k])."""
    axis = -1 if k is None else -2
    return np.sum(np.sum(ex(_mT(m), k) * t, axis=axis), axis=axis)


def det_jvp(args, kwargs, ans, tangents, k):
    """d det A = tr(adj(A) dA)."""
    return _trace_product(_adjugate(args[0]), tangents[0], k)


def slogdet_jvp(args, kwargs, ans, tangents, k):
    """d log|det A| = Re c, d sign = sign·i Im c, c = tr(A^{-1} dA) (d sign = 0 when real).

    The sign of a real determinant is piecewise constant; a complex one turns with Im c."""
    c = _trace_product(np.linalg.inv(args[0]), tangents[0], k)
    sign = ans[0]
    if not _is_complex(c):
        return zeros(np.shape(sign), k, _dtype(sign)), c
    return ex(sign, k) * (1j * np.imag(c)), np.real(c)


def _hermitian_from_triangle(t, k, uplo="L"):
    """The Hermitian (real: symmetric) matrix LAPACK sees when it reads one triangle
    (``uplo`` "L" or "U") of ``t``: that triangle, its adjoint, and the real part of the
    diagonal (a complex diagonal's imaginary part is ignored, as zheevd does)."""
    if uplo == "U":
        return _tmT(_hermitian_from_triangle(_tmT(t, k), k, "L"), k)
    strictly = _tril(t, -1, k)
    return strictly + _tmH(strictly, k) + _real(_diag_part(t, k))


def _tril(t, offset, k):
    if k is None:
        return np.tril(t, offset)
    n, m = np.shape(t)[-3], np.shape(t)[-2]
    return np.where(np.tri(n, m, offset, dtype=bool)[..., None], t, 0)


def cholesky_jvp(args, kwargs, ans, tangents, k):
    """A = L L^H: dL = L Phi(L^{-1} dA L^{-H}), Phi = lower triangle with half diagonal.

    dA is the Hermitian matrix of the triangle NumPy reads: the lower one, the upper one
    with upper=True (then the result is U = L^H)."""
    upper = kwargs.get("upper", False)
    el = _mH(ans) if upper else ans
    dA = _hermitian_from_triangle(tangents[0], k, "U" if upper else "L")
    linv = np.linalg.inv(el)
    inner = _act_matrix(_matrix_act(linv, dA, k), _mH(linv), k)
    phi = _tril(inner, -1, k) + 0.5 * _diag_part(inner, k)
    dl = _matrix_act(el, phi, k)
    return _tmH(dl, k) if upper else dl


def _diag_part(t, k):
    n = np.shape(t)[-2 if k is None else -3]
    return np.where(ex(np.eye(n, dtype=bool), k), t, 0)


def qr_jvp(args, kwargs, ans, tangents, k):
    """A = QR (reduced, m >= n): dR = (M - Omega) R, dQ = Q Omega + (I - Q Q^H) dA R^{-1}.

    M = Q^H dA R^{-1} and Omega = tril(M,-1) - tril(M,-1)^H + i Im diag(M), skew-Hermitian
    (LAPACK's R keeps a real diagonal)."""
    mode = _arg(args, kwargs, 1, "mode", "reduced")
    if mode not in ("reduced", "r"):
        raise TypeError(f"dualad: qr(mode={mode!r}) has no tangent rule; use mode='reduced'")
    a = args[0]
    m, n = np.shape(a)[-2:]
    if m < n:
        raise TypeError("dualad: qr of a wide matrix (m < n) has no tangent rule")
    q, r = (ans if mode == "reduced" else np.linalg.qr(a))
    rinv = np.linalg.inv(r)
    da_rinv = _act_matrix(tangents[0], rinv, k)
    mm = _matrix_act(_mH(q), da_rinv, k)
    low = _tril(mm, -1, k)
    omega = low - _tmH(low, k)
    if _is_complex(mm):
        omega = omega + 1j * np.imag(_diag_part(mm, k))
    dr = _act_matrix(mm - omega, r, k)
    if mode == "r":
        return dr
    dq = _matrix_act(q, omega, k) + da_rinv - _matrix_act(q, _matrix_act(_mH(q), da_rinv, k), k)
    return dq, dr


def _vec_diag(v):
    return v[..., :, None] * np.eye(np.shape(v)[-1])


def _inverse_gaps(w):
    """F_ij = 1/(w_j - w_i), F_ii = 0 (an eigenvalue gap of 0 off the diagonal gives inf)."""
    off = ~np.eye(np.shape(w)[-1], dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(off, 1.0 / np.where(off, w[..., None, :] - w[..., :, None], 1.0), 0.0)


def eigh_jvp(args, kwargs, ans, tangents, k):
    """Hermitian A = V diag(w) V^H: dw = Re diag(V^H dA V), dV = V (F o V^H dA V).

    F_ij = 1/(w_j - w_i), F_ii = 0 (the gauge Im(V^H dV)_ii = 0: eigenvectors are defined
    up to a phase); dA is the Hermitian matrix of the triangle numpy reads (UPLO)."""
    uplo = _arg(args, kwargs, 1, "UPLO", "L")
    w, v = ans
    dA = _hermitian_from_triangle(tangents[0], k, uplo)
    vdv = _act_matrix(_matrix_act(_mH(v), dA, k), v, k)
    dv = _matrix_act(v, ex(_inverse_gaps(w), k) * vdv, k)
    return _real(_matrix_diagonal(vdv, k)), dv


def svd_jvp(args, kwargs, ans, tangents, k):
    """A = U S V^H (reduced, complex or real): dS = Re diag(U^H dA V); dU, dV up to phase.

    With P = U^H dA V: dU = U (F o (P S + S P^H) + i Im(diag P) S^-1) + (I - U U^H) dA V S^-1,
    dV = V (F o (S P + P^H S)) + (I - V V^H) dA^H U S^-1, F_ij = 1/(s_j^2 - s_i^2)
    (the gauge Im(V^H dV)_ii = 0; singular vectors are defined up to a common phase).
    ``hermitian=True`` reads the lower triangle, as numpy's eigh-based path does."""
    a, t = args[0], tangents[0]
    full = _arg(args, kwargs, 1, "full_matrices", True)
    compute_uv = _arg(args, kwargs, 2, "compute_uv", True)
    hermitian = _arg(args, kwargs, 3, "hermitian", False)
    if hermitian:
        t = _hermitian_from_triangle(t, k)
    if compute_uv:
        u, s, vt = ans
    else:
        u, s, vt = np.linalg.svd(a, full_matrices=False, hermitian=hermitian)
    m, n = np.shape(a)[-2:]
    if compute_uv and full and m != n:
        raise TypeError("dualad: svd(full_matrices=True) of a non-square matrix has no "
                        "unique tangent; pass full_matrices=False")
    v = _mH(vt)
    p = _act_matrix(_matrix_act(_mH(u), t, k), v, k)        # U^H dA V, (.., r, r[, k])
    ds = _real(_matrix_diagonal(p, k))
    if not compute_uv:
        return ds
    r = np.shape(s)[-1]
    f = _inverse_gaps(s * s)
    sdiag = _vec_diag(s)
    ph = _tmH(p, k)
    inner_u = ex(f, k) * (_act_matrix(p, sdiag, k) + _matrix_act(sdiag, ph, k))
    if _is_complex(p):   # the phase of U's columns follows Im(P_ii) / s_i
        inner_u = inner_u + 0.5 * _diag_part(p - ph, k) / ex(s[..., None, :], k)
    du = _matrix_act(u, inner_u, k)
    dv = _matrix_act(v, ex(f, k) * (_matrix_act(sdiag, p, k) + _act_matrix(ph, sdiag, k)), k)
    sinv = _vec_diag(1.0 / s)
    if m > r:
        proj = _act_matrix(_act_matrix(t, v, k), sinv, k)
        du = du + proj - _matrix_act(u, _matrix_act(_mH(u), proj, k), k)
    if n > r:
        proj = _act_matrix(_act_matrix(_tmH(t, k), u, k), sinv, k)
        dv = dv + proj - _matrix_act(v, _matrix_act(_mH(v), proj, k), k)
    return du, ds, _tmH(dv, k)


def svdvals_jvp(args, kwargs, ans, tangents, k):
    """np.linalg.svdvals(x) = svd(x, compute_uv=False): dS = Re diag(U^H dA V)."""
    return svd_jvp(args[:1], {"compute_uv": False}, ans, tangents, k)


def pinv_jvp(args, kwargs, ans, tangents, k):
    """dA+ = -A+ dA A+ + A+ A+^H dA^H (I - A A+) + (I - A+ A) dA^H A+^H A+ (constant rank)."""
    a, x, t = args[0], ans, tangents[0]
    tT = _tmH(t, k)
    m, n = np.shape(a)[-2:]
    left = np.eye(m) - np.matmul(a, x)
    right = np.eye(n) - np.matmul(x, a)
    return (-_act_matrix(_matrix_act(x, t, k), x, k)
            + _act_matrix(_matrix_act(np.matmul(x, _mH(x)), tT, k), left, k)
            + _act_matrix(_matrix_act(right, tT, k), np.matmul(_mH(x), x), k))


# --- least squares and the general eigenproblem (issue 14) ----------------------------


def _as_columns(v, t, k):
    """A vector right-hand side (m,) and its tangent as one column (m, 1[, k])."""
    return v[..., None], (None if t is None else (t[..., None] if k is None else t[:, None, :]))


def least_squares_tangent(a, b, x, pinv, ta, tb, k):
    """The tangent of x = A+ b (constant rank: full column rank, or full row rank):

    dx = A+ (db - dA x) + A+ A+^H dA^H r + (I - A+ A) dA^H A+^H x,  r = b - A x,

    the pinv rule applied to b. ``b`` and ``x`` are matrices (..., m, p) / (..., n, p);
    ``ta`` (..., m, n[, k]) and ``tb`` (..., m, p[, k]) may be None."""
    rhs = tb
    if ta is not None:
        dax = _act_matrix(ta, x, k)
        rhs = -dax if rhs is None else rhs - dax
    dx = _matrix_act(pinv, rhs, k)
    if ta is not None:
        tah = _tmH(ta, k)
        r = b - np.matmul(a, x)
        dx = dx + _matrix_act(np.matmul(pinv, _mH(pinv)), _act_matrix(tah, r, k), k)
        m, n = np.shape(a)[-2:]
        if m < n:   # full row rank: the null space of A moves too
            null = np.eye(n) - np.matmul(pinv, a)
            dx = dx + _matrix_act(null, _act_matrix(tah, np.matmul(_mH(pinv), x), k), k)
    return dx


def lstsq_jvp(args, kwargs, ans, tangents, k):
    """Full rank: dx by the pinv rule applied to b (see ``least_squares_tangent``);
    d residuals = 2 Re sum(conj(r) dr), dr = db - dA x - A dx; ds as svdvals'. A
    rank-deficient A is refused: its solution jumps as the rank changes."""
    a, b = as_array(args[0]), as_array(args[1])
    ta, tb = tangents[0], tangents[1]
    x, residuals, rank, s = ans
    m, n = np.shape(a)[-2:]
    if rank < min(m, n):
        raise ValueError(f"dualad: numpy.linalg.lstsq of a rank-deficient matrix (rank "
                         f"{rank} < min(m, n) = {min(m, n)}, shape {np.shape(a)}) has no "
                         "tangent: the least-squares solution is not differentiable where "
                         "the rank changes")
    vector = np.ndim(b) == 1
    bm, tbm = _as_columns(b, tb, k) if vector else (b, tb)
    xm = x[..., None] if vector else x
    dx = least_squares_tangent(a, bm, xm, np.linalg.pinv(a), ta, tbm, k)
    dres = None
    if np.size(_primal(residuals)):
        r = bm - np.matmul(a, xm)
        dr = _matrix_act(a, dx, k)
        if ta is not None:
            dr = dr + _act_matrix(ta, xm, k)
        dr = -dr if tbm is None else tbm - dr
        dres = 2 * np.sum(_real(ex(_conj(r), k) * dr), axis=0)
    if vector:
        dx = dx[..., 0] if k is None else dx[..., 0, :]
    ds = svd_jvp((a,), {"compute_uv": False}, s, [ta], k) if ta is not None else \
        zeros(np.shape(s), k)
    return dx, dres, None, ds


def _distinct(w, who, what):
    """Refuse a repeated eigenvalue (two equal to 64 ulp of the largest |w|)."""
    pw = np.asarray(_primal(w))
    n = pw.shape[-1]
    gaps = np.where(np.eye(n, dtype=bool), np.inf, np.abs(pw[..., :, None] - pw[..., None, :]))
    tol = 64 * np.finfo(float).eps * max(1.0, float(np.max(np.abs(pw), initial=0.0)))
    if np.any(gaps <= tol):
        i, j = np.argwhere(gaps <= tol)[0][-2:]
        raise ValueError(f"dualad: numpy.linalg.{who} of a matrix with a repeated eigenvalue "
                         f"(w[{i}] = w[{j}] = {pw[..., i].ravel()[0]!r}) has no {what} "
                         "tangent: only distinct eigenvalues are differentiable")


def _eig_parts(a, w, v, ta, k):
    """P = V^-1 dA V (..., n, n[, k]) of the eigendecomposition A = V diag(w) V^-1."""
    if type(ta) is np.ndarray and type(v) is np.ndarray and ta.dtype != v.dtype:
        ta = ta.astype(np.result_type(ta, v))   # matmul of mixed dtypes skips BLAS
    return _matrix_act(np.linalg.inv(v), _act_matrix(ta, v, k), k)


def eig_jvp(args, kwargs, ans, tangents, k):
    """A = V diag(w) V^-1 (distinct w): dw = diag(P), dV = V (F o P), P = V^-1 dA V,
    F_ij = 1/(w_j - w_i); then each column is kept at norm 1 (dv_i -= Re(v_i^H dv_i) v_i)
    and, complex, its largest entry real (LAPACK's normalisation), so that dV is the
    derivative of NumPy's own eigenvectors."""
    a, ta = args[0], tangents[0]
    w, v = ans
    _distinct(w, "eig", "eigenvector")
    p = _eig_parts(a, w, v, ta, k)
    dw = _matrix_diagonal(p, k)
    dv = _matrix_act(v, ex(_inverse_gaps(w), k) * p, k)
    column = (lambda u: u[..., None, :]) if k is None else (lambda u: u[..., None, :, :])
    rows = -2 if k is None else -3
    dv = dv - ex(v, k) * column(_real(np.sum(ex(_conj(v), k) * dv, axis=rows)))
    if _is_complex(v) or _is_complex(dv):
        largest = np.argmax(np.abs(_primal(v)), axis=-2)[..., None, :]     # (..., 1, n)
        vm = np.real(np.take_along_axis(v, largest, axis=-2))
        dvm = np.take_along_axis(dv, largest if k is None else largest[..., None], axis=rows)
        dv = dv - 1j * ex(v, k) * (np.imag(dvm) / ex(vm, k))
    return dw, dv


def eigvals_jvp(args, kwargs, ans, tangents, k):
    """Distinct eigenvalues: dw = diag(V^-1 dA V), V from np.linalg.eig."""
    a = args[0]
    _distinct(ans, "eigvals", "eigenvalue")
    _, v = np.linalg.eig(a)
    return _matrix_diagonal(_eig_parts(a, ans, v, tangents[0], k), k)
