"""Drop-ins for scipy.sparse.linalg's direct solvers with a dual right-hand side.

Each has SciPy's signature and SciPy's primal (the same call on the primal b); the matrix A
is a plain sparse matrix (a sparse matrix holds numbers only), and the tangent of
x = A⁻¹ b is x' = A⁻¹ b', all k directions in one solve with a matrix right-hand side.
Nested duals (second order) solve again at each level. ``splu`` and ``factorized`` factor
A once; their ``solve`` reuses the factors for the primal and the tangents.

>>> import numpy as np, scipy.sparse as sp, dualad as ad
>>> from dualad.scipy.sparse import linalg
>>> A = sp.csc_matrix(np.array([[2.0, 0.0], [1.0, 4.0]]))
>>> lu = linalg.splu(A)
>>> ad.jvp(lu.solve, (np.array([2.0, 9.0]),), (np.array([1.0, 0.0]),))[1]
array([ 0.5  , -0.125])
"""
from __future__ import annotations

import numpy as np
from scipy.sparse import linalg as _linalg

from dualad.arrays.array import DualArray, wrap
from dualad.base.carriers import Carrier

__all__ = ["spsolve", "splu", "factorized", "spsolve_triangular", "SuperLU"]


def _plain_matrix(A, who):
    if isinstance(A, Carrier):
        raise TypeError(f"dualad.scipy.sparse.linalg.{who}: A is a dual ({type(A).__name__}); "
                        "a sparse matrix holds numbers only, so only b may carry derivatives "
                        "(for a dense dual matrix use np.linalg.solve)")
    return A


def _solved(solve, b, real_matrix, who):
    """``solve(b)`` for a dual ``b``: the primal by ``solve`` on b's value (itself dual in a
    nested differentiation), the tangents in one more ``solve`` of b' with its directions
    as columns. With real factors a complex tangent (a real b moved along i) is solved as
    its real and imaginary parts, which SciPy's real factors refuse."""
    if not isinstance(b, Carrier):
        return solve(b)
    if not isinstance(b, DualArray):
        raise TypeError(f"dualad.scipy.sparse.linalg.{who}: b must be an array (of shape "
                        f"(n,) or (n, m)), got a {type(b).__name__}")
    value = _solved(solve, b.value, real_matrix, who)
    t = b.tangent
    columns = np.reshape(t, (b.shape[0], -1)) if np.ndim(t) > 1 else t
    tangent = _solved(_by_parts(solve) if real_matrix else solve, columns, real_matrix, who)
    return wrap(value, np.reshape(tangent, np.shape(value) + (() if b.k is None else (b.k,))),
                b.tag, b.k)


def _by_parts(solve):
    def solve_parts(rhs):
        if not np.iscomplexobj(rhs):
            return solve(rhs)
        return solve(np.ascontiguousarray(rhs.real)) + 1j * solve(np.ascontiguousarray(rhs.imag))
    return solve_parts


def _is_real(A):
    return np.dtype(A.dtype).kind not in "c"


def spsolve(A, b, permc_spec=None, use_umfpack=True):
    """scipy.sparse.linalg.spsolve with a dual ``b``: x = A⁻¹ b, x' = A⁻¹ b'."""
    A = _plain_matrix(A, "spsolve")
    return _solved(lambda rhs: _linalg.spsolve(A, rhs, permc_spec=permc_spec,
                                               use_umfpack=use_umfpack), b, False, "spsolve")


def spsolve_triangular(A, b, lower=True, overwrite_A=False, overwrite_b=False,
                       unit_diagonal=False):
    """scipy.sparse.linalg.spsolve_triangular with a dual ``b``."""
    A = _plain_matrix(A, "spsolve_triangular")
    return _solved(lambda rhs: _linalg.spsolve_triangular(
        A, rhs, lower=lower, overwrite_A=overwrite_A, overwrite_b=overwrite_b,
        unit_diagonal=unit_diagonal), b, False, "spsolve_triangular")


class SuperLU:
    """SciPy's ``SuperLU`` factorisation (``L``, ``U``, ``perm_r``, ``perm_c``, ``shape``,
    ``nnz`` are its own) whose ``solve`` takes a dual right-hand side."""

    def __init__(self, factors):
        self._factors = factors

    def solve(self, rhs, trans="N"):
        """x with A x = rhs (trans "T": Aᵀ x = rhs, "H": Aᴴ x = rhs), the tangents too."""
        real = np.dtype(self._factors.U.dtype).kind != "c"
        return _solved(lambda b: self._factors.solve(b, trans), rhs, real, "SuperLU.solve")

    def __getattr__(self, name):
        return getattr(self._factors, name)

    def __repr__(self):
        return f"<dualad SuperLU of {self._factors!r}>"


def splu(A, permc_spec=None, diag_pivot_thresh=None, relax=None, panel_size=None,
         options=None):
    """scipy.sparse.linalg.splu, its ``solve`` taking dual right-hand sides (``SuperLU``)."""
    A = _plain_matrix(A, "splu")
    return SuperLU(_linalg.splu(A, permc_spec=permc_spec, diag_pivot_thresh=diag_pivot_thresh,
                                relax=relax, panel_size=panel_size, options=options))


def factorized(A):
    """scipy.sparse.linalg.factorized: a function solving A x = b, b dual or plain."""
    A = _plain_matrix(A, "factorized")
    solve = _linalg.factorized(A)
    real = _is_real(A)

    def solve_dual(b):
        return _solved(solve, b, real, "factorized")
    solve_dual.__doc__ = "x with A x = b (A factored once); a dual b gives x' = A⁻¹ b'."
    return solve_dual
