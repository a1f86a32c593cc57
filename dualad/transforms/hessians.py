"""``hessian(f)`` and ``hvp(f, x, v)``: second derivatives by forward over forward."""
from __future__ import annotations

from concurrent.futures import Executor
from typing import Any, Callable, Literal, overload

from dualad.types import Array

from dualad.transforms.seeding import (
    check_callable, check_chunk_size, check_flags, plain_errors)
from dualad.transforms.arguments import (
    check_argnums, narrow_dtype, normalised_argnums)
from dualad.transforms.engine import jacobian_at
from dualad.transforms.directional import jvp_at
from dualad.transforms.grads import _bind, cast_tree, per_input_leaf, value_and_grad_at
from dualad.transforms.pytrees import flatten_args
from dualad.transforms.sparse import sparse_hessian


@overload
def hessian(f: Callable[..., Any], argnums: int = 0, has_aux: Literal[False] = False,
            holomorphic: bool = False, sparsity: None = None,
            chunk_size: int | None = None,
            executor: Executor | None = None) -> Callable[..., Array]: ...
@overload
def hessian(f: Callable[..., Any], argnums: tuple[int, ...], has_aux: Literal[False] = False,
            holomorphic: bool = False, sparsity: None = None,
            chunk_size: int | None = None,
            executor: Executor | None = None) -> Callable[..., tuple[Any, ...]]: ...
@overload
def hessian(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *,
            has_aux: Literal[True], holomorphic: bool = False, sparsity: None = None,
            chunk_size: int | None = None,
            executor: Executor | None = None) -> Callable[..., tuple[Any, Any]]: ...
@overload
def hessian(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False,
            holomorphic: bool = False, sparsity: Any = None,
            chunk_size: int | None = None,
            executor: Executor | None = None) -> Callable[..., Any]: ...


def hessian(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False,
            holomorphic: bool = False, sparsity: Any = None,
            chunk_size: int | None = None,
            executor: Executor | None = None) -> Callable[..., Any]:
    """A function returning the Hessian of the scalar ``f`` in the arguments ``argnums``:
    the Jacobian (tag A) of the gradient (tag B), shape ``in.shape + in.shape``.

    As ``jax.hessian``: with tuple ``argnums`` the blocks are nested tuples,
    ``H[i][j] = d/dx_j (df/dx_i)``; tree inputs give the tree product (the gradient's
    structure outside, the input's inside); ``has_aux`` returns ``(hessian, aux)``.
    ``chunk_size`` columns of the outer Jacobian are seeded per pass. A float32 input's
    blocks are float32.

    With ``sparsity`` (a symmetric boolean pattern, a scipy.sparse matrix, or
    ``"auto"``, detected and reused as in ``jacfwd``; an int ``argnums`` only) the result
    is a ``scipy.sparse.csr_array`` computed from H·S, S the seeds of a star colouring.
    ``executor``: the passes of the outer Jacobian as tasks of a
    ``concurrent.futures.Executor`` (see ``jacfwd``).

    Complex input needs ``holomorphic=True`` (then the result is the complex second
    derivative of a holomorphic ``f``), as ``jacfwd``: a real-valued function of complex
    numbers has no complex Hessian (differentiate its real and imaginary parts as reals).

    >>> import dualad as ad
    >>> ad.hessian(lambda v: v[0]**2 * v[1])([1.0, 3.0])
    array([[6., 2.],
           [2., 0.]])
    >>> ad.hessian(lambda x, y: x * x * y, argnums=(0, 1))(1.0, 3.0)
    ((array(6.), array(2.)), (array(2.), array(0.)))
    """
    check_callable(f, "hessian")
    nums = check_argnums(argnums, "hessian")
    check_chunk_size(chunk_size, "hessian")
    check_flags("hessian", has_aux=has_aux, holomorphic=holomorphic)
    if sparsity is not None:
        if not isinstance(argnums, int) or has_aux or holomorphic or chunk_size is not None:
            raise TypeError("hessian: with sparsity, argnums must be a single int, and "
                            "has_aux, holomorphic and chunk_size are not supported")
        sparse: Callable[..., Any] = sparse_hessian(f, argnums, sparsity, executor)
        return sparse
    f = plain_errors(f, "hessian")

    def hessian_of_f(*args: Any, **kwargs: Any) -> Any:
        f_kw = _bind(f, kwargs)

        def gradient_of_f(*a: Any) -> Any:   # tag B inside tag A
            _, aux, g = value_and_grad_at(f_kw, a, argnums, nums, has_aux, holomorphic, None,
                                          "hessian")
            if not isinstance(argnums, int):   # a tuple of scalars would be one vector leaf
                g = dict(enumerate(g))
            return (g, aux) if has_aux else g
        result = jacobian_at(gradient_of_f, args, argnums, nums, has_aux, chunk_size,
                             "hessian", holomorphic=holomorphic, executor=executor)
        h, aux = result if has_aux else (result, None)
        if not isinstance(argnums, int):
            h = tuple(h[i] for i in range(len(nums)))
        leaves, spec = flatten_args([args[i] for i in
                                     normalised_argnums(nums, argnums, len(args), "hessian")])
        # block (i, j) in the dtype of input leaf i (the gradient's), as jax.hessian
        h = per_input_leaf(h, spec, argnums, leaves,
                           lambda block, x: cast_tree(block, narrow_dtype(x)))
        return (h, aux) if has_aux else h

    hessian_of_f.__name__ = f"hessian_of_{getattr(f, '__name__', 'f')}"
    return hessian_of_f


@overload
def hvp(f: Callable[..., Any], x: float, v: float) -> float: ...
@overload
def hvp(f: Callable[..., Any], x: Array | list[float] | tuple[float, ...], v: Any) -> Array: ...
@overload
def hvp(f: Callable[..., Any], x: Any, v: Any) -> Any: ...


def hvp(f: Callable[..., Any], x: Any, v: Any) -> Any:
    """The Hessian of the scalar ``f`` at ``x`` times ``v``, without forming the Hessian:
    the directional derivative along ``v`` (one direction) of the gradient. ``x`` may be
    a tree (tuple/list/dict of numbers and arrays); ``v`` has its structure, and so has
    the result.

    >>> import dualad as ad
    >>> ad.hvp(lambda w: w[0]**2 * w[1], [1.0, 3.0], [1.0, 0.0])
    array([6., 2.])
    """
    check_callable(f, "hvp")
    f = plain_errors(f, "hvp")

    def gradient_of_f(y: Any) -> Any:
        return value_and_grad_at(f, (y,), 0, (0,), False, False, None, "hvp")[2]
    product = jvp_at(gradient_of_f, (x,), (v,), False, "hvp", ("x", "v"))[1]
    leaves, spec = flatten_args([x])
    return per_input_leaf(product, spec, 0, leaves,
                          lambda t, leaf: cast_tree(t, narrow_dtype(leaf)))
