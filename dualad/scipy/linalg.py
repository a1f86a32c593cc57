"""``scipy.linalg`` on duals: the same functions, signatures and primal results, plus tangents.

>>> import numpy as np, dualad as ad
>>> from dualad.scipy import linalg
>>> a = np.array([[0.0, 1.0], [0.0, 0.0]])        # nilpotent: expm(tA) = I + tA
>>> ad.derivative(lambda t: linalg.expm(t * a), 0.3)
array([[0., 1.],
       [0., 0.]])

The drop-ins: ``expm``, ``expm_frechet``, ``logm``, ``sqrtm``, ``solve_sylvester``, ``inv``,
``det``, ``solve``, ``solve_triangular``, ``cholesky``, ``cho_factor``, ``cho_solve``,
``lu_factor``, ``lu_solve``, ``eigh``, ``eigvalsh``, ``svd``, ``svdvals``, ``lstsq``,
``pinv``, ``norm``. SciPy computes every primal (on the values of the duals); the
tangents come from the rule table's maps for NumPy's linear algebra where one exists
(inv, det, cholesky, eigh, svd, pinv, norm) and from the maps of
``dualad.scipy._linalg_tangents`` otherwise:

- ``expm``, ``logm``: the Fréchet derivative L(A, E): SciPy's ``expm_frechet`` for one
  direction of a matrix, else the upper right block of f([[A, E], [0, A]]), all k
  directions in one batched SciPy call; ``expm_frechet`` itself differentiates in A and
  E (a 4n x 4n block). ``sqrtm``: X dX + dX X = dA by
  ``solve_sylvester`` (itself differentiable).
- ``solve`` with every ``assume_a``: dx = A^{-1}(db - dA x), where dA is what the solver
  reads of A (one triangle mirrored for 'sym', 'her', 'pos' by ``lower``; a triangle; the
  band or the diagonal), and the solve of the tangents is the same structured solve.
  ``solve_triangular`` likewise (``trans``, ``unit_diagonal``); ``inv`` with ``assume_a``
  too (SciPy 1.17's ``inv(assume_a='diagonal')`` inverts the diagonal and keeps the other
  entries as they are: their tangent is A's).
- ``cho_factor``/``cho_solve``, ``lu_factor``/``lu_solve``: the factor keeps SciPy's tuple,
  ``(c, lower)`` and ``(lu, piv)``, and its array is a ``DualArray`` whose tangent is the
  derivative of that very array: the factor's tangent (L' or U', from A's tangent) in the
  entries the factor occupies and, for ``cho_factor``, A's own tangent in the triangle
  SciPy leaves as A's entries (pivots are integers: no tangent). The solve reads A's
  tangent back from it: A' = L'L^H + L L'^H, or P(L'U + L U'), and gives
  x' = A^{-1}(b' - A' x). A factor built by hand from a dual array works the same way.
- ``eigh``/``eigvalsh`` (also generalized, with ``b``; ``subset_by_index``/``_value``):
  distinct eigenvalues; repeated ones refuse when eigenvectors are asked for (they are
  not unique), and with ``eigvals_only`` when the repeated eigenvalues split.
- ``lstsq`` and ``pinv``: constant rank (NumPy's pinv rule).

Batches (..., n, n) work where SciPy takes them. Complex matrices throughout, except
where SciPy refuses them (``solve(..., transposed=True)``). Higher order by nesting
(``ad.hessian``): each map solves through these same functions; Taylor mode
(``ad.derivatives``, ``ad.derivative(f, x, n >= 2)``) runs them on n nested duals (cost
~2^n). Sparsity detection and traces do not pass through SciPy: they refuse by name, as
do names of scipy.linalg without a drop-in here (AttributeError).
"""
from __future__ import annotations

import numpy as np

try:   # SciPy is optional: the scipy extra
    import scipy.linalg as _sl
    from scipy.linalg import LinAlgError, LinAlgWarning
except ImportError as exc:  # pragma: no cover - exercised only without scipy
    raise ImportError("dualad.scipy.linalg needs SciPy: pip install scipy (or, in a "
                      "dualad checkout, pip install -e '.[scipy]')") from exc

from dualad.scipy import _eigh_tangents as _eig
from dualad.scipy import _linalg_tangents as _t
from dualad.scipy._dropin import dual_call, holds_duals
from dualad.table import linalg_rules as _la

__all__ = ["LinAlgError", "LinAlgWarning", "cho_factor", "cho_solve", "cholesky", "det",
           "eigh", "eigvalsh", "expm", "expm_frechet", "inv", "logm", "lstsq", "lu_factor",
           "lu_solve", "norm", "pinv", "solve", "solve_sylvester", "solve_triangular",
           "sqrtm", "svd", "svdvals"]

_UNSET = object()   # an option the caller did not give (SciPy's deprecated ones)


def _given(**options):
    return {key: v for key, v in options.items() if v is not _UNSET}


# --- matrix functions ---------------------------------------------------------------

def expm(A):
    """The matrix exponential (SciPy's), tangent the Fréchet derivative L(A, A')."""
    return dual_call(_sl.expm, _t.expm_jvp, (A,), {})


def expm_frechet(A, E, method=None, compute_expm=True, check_finite=True):
    """(expm(A), L(A, E)), or L(A, E), differentiable in A and E."""
    return dual_call(_sl.expm_frechet, _t.expm_frechet_jvp, (A, E),
                     {"method": method, "compute_expm": compute_expm,
                      "check_finite": check_finite})


def logm(A, disp=_UNSET):
    """The principal matrix logarithm (SciPy's), tangent L_log(A, A') by the block matrix."""
    return dual_call(_sl.logm, _t.logm_jvp, (A,), _given(disp=disp))


def sqrtm(A, disp=_UNSET, blocksize=_UNSET):
    """The principal square root X (SciPy's), tangent from X X' + X' X = A'."""
    return dual_call(_sl.sqrtm, _t.sqrtm_jvp, (A,), _given(disp=disp, blocksize=blocksize))


def solve_sylvester(a, b, q):
    """X with A X + X B = Q (SciPy's), tangent from A X' + X' B = Q' - A' X - X B'."""
    return dual_call(_sl.solve_sylvester, _t.solve_sylvester_jvp, (a, b, q), {})


# --- inverses, determinants, solves -----------------------------------------------------

def inv(a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    """The inverse (SciPy's), tangent -X A' X (A' as ``assume_a`` reads A)."""
    options = {"overwrite_a": overwrite_a, "check_finite": check_finite}
    if assume_a is not None or lower:   # SciPy >= 1.17's options, passed only when given
        options.update(assume_a=assume_a, lower=lower)
    return dual_call(_sl.inv, _t.inv_jvp, (a,), options)


def det(a, overwrite_a=False, check_finite=True):
    """The determinant (SciPy's), tangent tr(adj(A) A') (NumPy's rule)."""
    return dual_call(_sl.det, _la.det_jvp, (a,),
                     {"overwrite_a": overwrite_a, "check_finite": check_finite})


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
          assume_a=None, transposed=False):
    """x with A x = b (SciPy's), tangent A^{-1}(b' - A' x) by the same structured solve."""
    return dual_call(_sl.solve, _t.solve_jvp, (a, b),
                     {"lower": lower, "overwrite_a": overwrite_a, "overwrite_b": overwrite_b,
                      "check_finite": check_finite, "assume_a": assume_a,
                      "transposed": transposed})


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    """x with op(T) x = b for a triangular T (SciPy's), tangent op(T)^{-1}(b' - op(T') x)."""
    return dual_call(_sl.solve_triangular, _t.solve_triangular_jvp, (a, b),
                     {"trans": trans, "lower": lower, "unit_diagonal": unit_diagonal,
                      "overwrite_b": overwrite_b, "check_finite": check_finite})


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    """The Cholesky factor (SciPy's: U, or L with ``lower``), NumPy's rule for its tangent."""
    return dual_call(_sl.cholesky, lambda args, kw, ans, ts, k: _la.cholesky_jvp(
        args, {"upper": not lower}, ans, ts, k), (a,),
        {"lower": lower, "overwrite_a": overwrite_a, "check_finite": check_finite})


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    """``(c, lower)`` as SciPy's; for a dual ``a``, c is a dual array (see the module)."""
    return dual_call(_sl.cho_factor, _t.cho_factor_jvp, (a,),
                     {"lower": lower, "overwrite_a": overwrite_a,
                      "check_finite": check_finite})


def _cho_solve(c, b, lower, **options):
    return _sl.cho_solve((c, lower), b, **options)


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    """x with A x = b from ``cho_factor``'s (c, lower); tangents from c's and b's."""
    c, lower = c_and_lower
    return dual_call(_cho_solve, _t.cho_solve_jvp, (c, b),
                     {"lower": lower, "overwrite_b": overwrite_b,
                      "check_finite": check_finite}, name="cho_solve")


def lu_factor(a, overwrite_a=False, check_finite=True):
    """``(lu, piv)`` as SciPy's; for a dual ``a``, lu is a dual array (see the module)."""
    if holds_duals(a, "dualad.scipy.linalg.lu_factor"):
        shape = np.shape(a)
        if len(shape) < 2 or shape[-1] != shape[-2]:
            raise ValueError("dualad.scipy.linalg.lu_factor: the tangent needs a square "
                             f"matrix a, got shape {shape}")
    return dual_call(_sl.lu_factor, _t.lu_factor_jvp, (a,),
                     {"overwrite_a": overwrite_a, "check_finite": check_finite})


def _lu_solve(lu, piv, b, **options):
    return _sl.lu_solve((lu, piv), b, **options)


def lu_solve(lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    """x with op(A) x = b from ``lu_factor``'s (lu, piv); tangents from lu's and b's."""
    lu, piv = lu_and_piv
    if holds_duals(piv, "dualad.scipy.linalg.lu_solve"):
        raise TypeError("dualad.scipy.linalg.lu_solve: piv holds duals; pivots are "
                        "integers, pass lu_factor's own")
    return dual_call(_lu_solve, _t.lu_solve_jvp, (lu, piv, b),
                     {"trans": trans, "overwrite_b": overwrite_b,
                      "check_finite": check_finite}, name="lu_solve")


# --- decompositions, least squares, norms ---------------------------------------------

def eigh(a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         type=1, check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    """Hermitian (generalized) eigenproblem (SciPy's); tangents for distinct eigenvalues."""
    return dual_call(_sl.eigh, _eig.eigh_jvp, (a, b),
                     {"lower": lower, "eigvals_only": eigvals_only, "overwrite_a": overwrite_a,
                      "overwrite_b": overwrite_b, "type": type, "check_finite": check_finite,
                      "subset_by_index": subset_by_index, "subset_by_value": subset_by_value,
                      "driver": driver})


def eigvalsh(a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
             check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    """The eigenvalues of ``eigh`` (``eigvals_only=True``)."""
    return eigh(a, b, lower=lower, eigvals_only=True, overwrite_a=overwrite_a,
                overwrite_b=overwrite_b, type=type, check_finite=check_finite,
                subset_by_index=subset_by_index, subset_by_value=subset_by_value,
                driver=driver)


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    """The SVD (SciPy's), NumPy's rule for the tangents (distinct singular values)."""
    return dual_call(_sl.svd, lambda args, kw, ans, ts, k: _la.svd_jvp(
        args, {"full_matrices": full_matrices, "compute_uv": compute_uv}, ans, ts, k), (a,),
        {"full_matrices": full_matrices, "compute_uv": compute_uv, "overwrite_a": overwrite_a,
         "check_finite": check_finite, "lapack_driver": lapack_driver})


def svdvals(a, overwrite_a=False, check_finite=True):
    """The singular values (SciPy's), NumPy's rule for their tangent."""
    return dual_call(_sl.svdvals, _la.svdvals_jvp, (a,),
                     {"overwrite_a": overwrite_a, "check_finite": check_finite})


def pinv(a, *, atol=None, rtol=None, return_rank=False, check_finite=True):
    """The pseudo-inverse (SciPy's), NumPy's rule for its tangent (constant rank)."""
    def pinv_jvp(args, kw, ans, ts, k):
        tangent = _la.pinv_jvp(args, kw, ans[0] if return_rank else ans, ts, k)
        return (tangent, None) if return_rank else tangent
    return dual_call(_sl.pinv, pinv_jvp, (a,),
                     {"atol": atol, "rtol": rtol, "return_rank": return_rank,
                      "check_finite": check_finite})


def lstsq(a, b, cond=None, overwrite_a=False, overwrite_b=False, check_finite=True,
          lapack_driver=None):
    """(x, residues, rank, s) as SciPy's; tangents of x, residues and s (constant rank)."""
    return dual_call(_sl.lstsq, _eig.lstsq_jvp, (a, b),
                     {"cond": cond, "overwrite_a": overwrite_a, "overwrite_b": overwrite_b,
                      "check_finite": check_finite, "lapack_driver": lapack_driver})


def norm(a, ord=None, axis=None, keepdims=False, check_finite=True):
    """The norm (SciPy's), tangents from NumPy's norm on duals (``np.linalg.norm``)."""
    if not holds_duals(a, "dualad.scipy.linalg.norm"):
        return _sl.norm(a, ord=ord, axis=axis, keepdims=keepdims, check_finite=check_finite)
    from dualad.arrays import objects
    from dualad.arrays.array import _as_operand, _primal
    a = objects.as_operand(_as_operand(a))
    dual = np.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims)
    primal = _sl.norm(_primal(a), ord=ord, axis=axis, keepdims=keepdims,
                      check_finite=check_finite)
    return primal + (dual - _primal(dual))   # SciPy's primal, every level's tangents kept


vars(_t.DROP_INS).update(cho_solve=cho_solve, eigh=eigh, expm=expm, logm=logm,
                        lu_solve=lu_solve, pinv=pinv, solve=solve,
                        solve_sylvester=solve_sylvester, solve_triangular=solve_triangular)


def __getattr__(name):
    if hasattr(_sl, name):
        raise AttributeError(
            f"dualad.scipy.linalg has no drop-in for {name!r}: scipy.linalg.{name} on duals "
            "would refuse or drop the tangent. Use np.linalg's counterpart (NumPy functions "
            "take duals) or compose it from the functions here")
    raise AttributeError(f"module 'dualad.scipy.linalg' has no attribute {name!r}")
