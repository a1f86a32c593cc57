"""``jacfwd``/``jacobian``: Jacobians column by column, chunk_size columns per pass (the
passes: ``dualad.transforms.engine``)."""
from __future__ import annotations

from concurrent.futures import Executor
from typing import Any, Callable, Literal, overload

from dualad.types import Array

from dualad.transforms.arguments import check_argnums
from dualad.transforms.engine import CHUNK_BYTES, jacobian_at  # noqa: F401
from dualad.transforms.seeding import (
    check_callable, check_chunk_size, check_flags, plain_errors)
from dualad.transforms.sparse import sparse_jacfwd


@overload
def jacfwd(f: Callable[..., Any], argnums: int = 0, has_aux: Literal[False] = False,
           chunk_size: int | None = None, sparsity: None = None,
           holomorphic: bool = False,
           executor: Executor | None = None) -> Callable[..., Array]: ...
@overload
def jacfwd(f: Callable[..., Any], argnums: tuple[int, ...], has_aux: Literal[False] = False,
           chunk_size: int | None = None, sparsity: None = None,
           holomorphic: bool = False,
           executor: Executor | None = None) -> Callable[..., tuple[Any, ...]]: ...
@overload
def jacfwd(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *,
           has_aux: Literal[True], chunk_size: int | None = None, sparsity: Any = None,
           holomorphic: bool = False,
           executor: Executor | None = None) -> Callable[..., tuple[Any, Any]]: ...
@overload
def jacfwd(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False,
           chunk_size: int | None = None, sparsity: Any = None,
           holomorphic: bool = False,
           executor: Executor | None = None) -> Callable[..., Any]: ...


def jacfwd(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False,
           chunk_size: int | None = None, sparsity: Any = None,
           holomorphic: bool = False,
           executor: Executor | None = None) -> Callable[..., Any]:
    """A function returning the Jacobian of ``f`` in the arguments ``argnums``.

    The Jacobian of an output of shape ``out.shape`` in an input of shape ``in.shape``
    has shape ``out.shape + in.shape``; with tuple ``argnums`` a tuple of them. Inputs
    and outputs may be numbers, sequences of numbers, arrays, or tuples/lists/dicts/
    namedtuples of them (JAX's tree product: the output's tree outside, the input's
    inside). ``chunk_size`` columns are seeded per pass (default: chosen so a pass's
    tangents fill about ``CHUNK_BYTES``). A float32 (float16, complex64) output's
    Jacobian has its dtype, as in JAX.

    With ``sparsity`` (a boolean pattern of shape (output size, input size), a
    ``scipy.sparse`` matrix, or ``"auto"``) the columns are coloured so that columns
    sharing no row share one seed direction, and the result is a
    ``scipy.sparse.csr_array`` of shape (output size, input size). ``"auto"`` detects
    the pattern with ``jacobian_sparsity`` (valid for all values of the arguments; the
    other arguments are traced as constants) and reuses it for calls with the same
    shapes and dtypes of float arguments and the same other arguments (ints, index
    arrays, ...; see ``transforms.sparse.detection_key``), also by the other jacfwd
    objects of the same function.

    With ``executor`` (any ``concurrent.futures.Executor``: a ``ProcessPoolExecutor``, a
    Dask ``Client.get_executor()``) each pass is a task of it: f and the arguments are
    shipped with cloudpickle, each task returns its block of columns, and the blocks are
    assembled in order (bit for bit the in-process result with the same ``chunk_size``;
    without one, one task per worker). Only the outermost transformation may ship its
    passes (see ``dualad.transforms.executors``).

    Types (``dualad.types``): with an int ``argnums`` the function returns an ``Array``
    (an ndarray; for tree inputs or outputs, at run time, the tree of arrays); with a
    tuple, a tuple; with ``has_aux``, ``(jacobian, aux)``; with ``sparsity``, SciPy's array.

    Complex inputs, as in JAX, need ``holomorphic=True``: the Jacobian is then the
    complex derivative df/dz (seeded along real directions, exact for holomorphic ``f``).
    Without it a complex input is refused, since a non-holomorphic ``f`` has no complex
    Jacobian (use ``jvp`` for its R-linear tangent map); ``holomorphic=True`` needs
    complex inputs. Complex outputs of real inputs are fine.

    >>> import numpy as np, dualad as ad
    >>> ad.jacfwd(lambda x: np.sin(x) * x[0])(np.array([0.0, 1.0]))
    array([[0.        , 0.        ],
           [0.84147098, 0.        ]])
    """
    check_callable(f, "jacfwd")
    f = plain_errors(f, "jacfwd")
    nums = check_argnums(argnums, "jacfwd")
    check_chunk_size(chunk_size, "jacfwd")
    check_flags("jacfwd", has_aux=has_aux, holomorphic=holomorphic)
    if sparsity is not None:
        if holomorphic:
            raise TypeError("jacfwd: holomorphic=True is not supported with sparsity")
        sparse: Callable[..., Any] = sparse_jacfwd(f, argnums, has_aux, chunk_size, sparsity,
                                                   executor)
        return sparse

    def jacobian_of_f(*args: Any) -> Any:
        return jacobian_at(f, args, argnums, nums, has_aux, chunk_size, "jacfwd",
                           holomorphic=holomorphic, executor=executor)

    jacobian_of_f.__name__ = f"jacfwd_of_{getattr(f, '__name__', 'f')}"
    return jacobian_of_f


@overload
def jacobian(f: Callable[..., Any], x: Any, *, chunk_size: int | None = None,
             holomorphic: bool = False, executor: Executor | None = None) -> Array: ...
@overload
def jacobian(f: Callable[..., Any], x: Any, **kwargs: Any) -> Any: ...


def jacobian(f: Callable[..., Any], x: Any, **kwargs: Any) -> Any:
    """The Jacobian of ``f`` at ``x`` now: ``jacfwd(f, **kwargs)(x)`` (the keywords are
    ``jacfwd``'s), of shape ``f(x).shape + x.shape``.

    >>> import numpy as np, dualad as ad
    >>> ad.jacobian(lambda v: np.array([v[0] * v[1], v[0] + v[1]]), np.array([2.0, 3.0]))
    array([[3., 2.],
           [1., 1.]])
    """
    jacobian_of_f: Callable[..., Any] = jacfwd(f, **kwargs)
    return jacobian_of_f(x)
