"""``hessian(f)`` and ``hvp(f, x, v)``: second derivatives by forward over forward."""
from __future__ import annotations

import numbers
from typing import Any, Callable

from dualad.transforms.seeding import check_callable
from dualad.transforms.engine import jacobian_at
from dualad.transforms.gradients import gradient, gradient_in
from dualad.transforms.directional import jvp
from dualad.transforms.sparse import sparse_hessian


def hessian(f: Callable[..., Any], argnums: int = 0, sparsity=None,
            holomorphic: bool = False) -> Callable[..., Any]:
    """A function returning the Hessian of the scalar ``f`` in argument ``argnums``,
    shape ``in.shape + in.shape``: the Jacobian (tag A) of the gradient (tag B).

    With ``sparsity`` (a symmetric boolean pattern, a scipy.sparse matrix, or
    ``"auto"``, detected and reused as in ``jacfwd``) the result is a
    ``scipy.sparse.csr_array`` computed from H·S, S the seeds of a star colouring of the
    pattern.

    Complex input needs ``holomorphic=True`` (then the result is the complex second
    derivative of a holomorphic ``f``), as ``jacfwd``: a real-valued function of complex
    numbers has no complex Hessian (differentiate its real and imaginary parts as reals).

    >>> import dualad as ad
    >>> ad.hessian(lambda v: v[0]**2 * v[1])([1.0, 3.0])
    array([[6., 2.],
           [2., 0.]])
    """
    check_callable(f, "hessian")
    if isinstance(argnums, bool) or not isinstance(argnums, int):
        raise TypeError(f"hessian: argnums must be an int, got {type(argnums).__name__}")
    if sparsity is not None:
        if holomorphic:
            raise TypeError("hessian: holomorphic=True is not supported with sparsity")
        return sparse_hessian(f, argnums, sparsity)

    def hessian_of_f(*args):
        if not -len(args) <= argnums < len(args):
            raise ValueError(f"hessian: argnums={argnums} but f was called with "
                             f"{len(args)} positional argument(s)")
        x = args[argnums]
        if isinstance(x, dict) or (isinstance(x, (list, tuple)) and x and not all(
                isinstance(v, numbers.Number) or hasattr(v, "tag") for v in x)):
            raise TypeError(f"hessian: argument {argnums} must be a number, a sequence of "
                            f"numbers or an array, got {type(x).__name__}")

        return jacobian_at(gradient_in(f, argnums, holomorphic), args, argnums, (argnums,),
                           False, None, "hessian", holomorphic=holomorphic)

    hessian_of_f.__name__ = f"hessian_of_{getattr(f, '__name__', 'f')}"
    return hessian_of_f


def hvp(f: Callable[..., Any], x, v):
    """The Hessian of the scalar ``f`` at ``x`` times ``v``, without forming the Hessian:
    the directional derivative along ``v`` (one direction) of the gradient.

    >>> import dualad as ad
    >>> ad.hvp(lambda w: w[0]**2 * w[1], [1.0, 3.0], [1.0, 0.0])
    array([6., 2.])
    """
    check_callable(f, "hvp")
    return jvp(lambda y: gradient(f, y), (x,), (v,))[1]


