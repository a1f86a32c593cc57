"""Tangent maps of NumPy's linear algebra (``np.linalg``: solve, inv, det, slogdet, cholesky,
qr, eigh, svd, svdvals, pinv), with the signature of ``dualad.table.array_rules``.

Complex matrices: the formulas are written with adjoints (conjugate transposes); on real
values (primal and tangent) the conjugation is skipped, it would be the identity. The
maps use only NumPy's public functions, so nested duals run through them unchanged.
"""
from __future__ import annotations

import numpy as np

from dualad.table.array_rules import (
    _arg, _dtype, _k_back, _k_batch, _matrix_with_k_axis, _primal, ex, zeros)


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
