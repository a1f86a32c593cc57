"""scipy.sparse with dual arrays: products and solves.

Products need no import of this package: once dualad is imported, ``A @ x``, ``x @ A``
and ``A.dot(x)`` of any SciPy sparse matrix or array ``A`` (kept plain) and a dual array
``x`` give SciPy's primal ``A @ x.value`` and the tangent ``A @ x'`` (see
``dualad.arrays.sparse_matrices``). Sparse matrices *of* duals are refused where they
would be made.

Solves are drop-ins in ``dualad.scipy.sparse.linalg``: ``spsolve``, ``splu``,
``factorized`` and ``spsolve_triangular`` with a dual right-hand side b (x' = A⁻¹ b').

>>> import numpy as np, scipy.sparse as sp, dualad as ad
>>> from dualad.scipy.sparse.linalg import spsolve
>>> A = sp.csc_matrix(np.array([[4.0, 1.0], [0.0, 2.0]]))
>>> ad.jacobian(lambda b: spsolve(A, b), np.array([1.0, 1.0]))
array([[ 0.25 , -0.125],
       [ 0.   ,  0.5  ]])
"""
try:
    import scipy.sparse  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised only without scipy
    raise ImportError("dualad.scipy.sparse needs SciPy: pip install scipy (or, in a "
                      "dualad checkout, pip install -e '.[scipy]')") from error

from dualad.scipy.sparse import linalg  # noqa: E402

__all__ = ["linalg"]
