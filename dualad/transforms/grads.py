"""``grad``, ``value_and_grad`` (JAX's gradient transformations, in forward mode) and
``gradient(f, x)``, the evaluate-now ``grad(f)(x)``.

``grad(f)(x)`` seeds basis directions into the leaves of the differentiated arguments
(``chunk_size`` per pass, as ``jacfwd``) and reads the gradient of the real scalar output
off the tangents: one pass per chunk, ``n / chunk_size`` evaluations of ``f`` for n
inputs (reverse mode would take one; forward mode suits small n and wide outputs).

Trees follow JAX (see ``pytrees``): the gradient has the structure of the argument
(a tuple of them for tuple ``argnums``), except that a non-empty list or tuple of numbers
is one vector leaf, whose gradient is an ndarray. A float16/float32/complex64 leaf gets
a gradient of its dtype, as in JAX; mpmath leaves keep mpmath.
"""
from __future__ import annotations

from concurrent.futures import Executor
from typing import Any, Callable, Literal, Sequence, TypeVar, Union, overload

import numpy as np
from numpy.typing import NDArray

from dualad.arrays.array import DualArray
from dualad.core.number import Dual
from dualad.types import GradientFunction, ValueAndGradientFunction
from dualad.base.carriers import Carrier
from dualad.transforms.arguments import (
    check_argnums, complex_leaf, narrow_dtype, normalised_argnums, split_aux)
from dualad.transforms.engine import jacobian_at
from dualad.transforms.gradients import check_scalar, gradient_leaf
from dualad.transforms.pytrees import flatten_args, is_vector, unflatten
from dualad.transforms.seeding import (
    _MP, check_callable, check_chunk_size, check_flags, plain_errors, strip)

_UNSET = object()
_Inexact = TypeVar("_Inexact", bound=np.inexact[Any])
_Tree = TypeVar("_Tree", bound=Union[dict[Any, Any], tuple[Any, ...], list[Any]])


@overload
def grad(f: Callable[..., Any], argnums: Literal[0] = 0, has_aux: Literal[False] = False,
         holomorphic: bool = False, chunk_size: int | None = None,
         executor: Executor | None = None) -> GradientFunction: ...
@overload
def grad(f: Callable[..., Any], argnums: tuple[int, ...], has_aux: Literal[False] = False,
         holomorphic: bool = False,
         chunk_size: int | None = None,
         executor: Executor | None = None) -> Callable[..., tuple[Any, ...]]: ...
@overload
def grad(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *,
         has_aux: Literal[True], holomorphic: bool = False,
         chunk_size: int | None = None,
         executor: Executor | None = None) -> Callable[..., tuple[Any, Any]]: ...
@overload
def grad(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False,
         holomorphic: bool = False, chunk_size: int | None = None,
         executor: Executor | None = None) -> Callable[..., Any]: ...


def grad(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False,
         holomorphic: bool = False, chunk_size: int | None = None,
         executor: Executor | None = None) -> Callable[..., Any]:
    """A function returning the gradient of the real scalar ``f`` in the arguments
    ``argnums`` (a tuple of gradients for tuple ``argnums``), as ``jax.grad``.

    With ``has_aux=True``, ``f`` returns ``(output, aux)`` and the function returns
    ``(gradient, aux)``, aux's duals replaced by their primals. Keyword arguments are
    passed to ``f`` and not differentiated. Complex inputs: see ``gradient``. Types: with
    the default ``argnums`` the gradient has the type of the first argument
    (``dualad.types.GradientFunction``: a float for a float, an ndarray for an array).
    With ``executor`` (a ``concurrent.futures.Executor``) the chunked passes are its
    tasks (see ``jacfwd``).

    >>> import numpy as np, dualad as ad
    >>> ad.grad(lambda x, y: np.sum(x * y), argnums=(0, 1))(np.ones(2), np.arange(2.0))
    (array([0., 1.]), array([1., 1.]))
    >>> ad.grad(lambda p: p["w"] ** 2 + p["b"])({"w": 3.0, "b": 1.0})
    {'b': 1.0, 'w': 6.0}
    """
    check_callable(f, "grad")
    nums = check_argnums(argnums, "grad")
    check_chunk_size(chunk_size, "grad")
    check_flags("grad", has_aux=has_aux, holomorphic=holomorphic)
    f = plain_errors(f, "grad")

    def grad_of_f(*args: Any, **kwargs: Any) -> Any:
        _, aux, g = value_and_grad_at(_bind(f, kwargs), args, argnums, nums, has_aux,
                                      holomorphic, chunk_size, "grad", executor)
        return (g, aux) if has_aux else g

    grad_of_f.__name__ = f"grad_of_{getattr(f, '__name__', 'f')}"
    return grad_of_f


@overload
def value_and_grad(f: Callable[..., Any], argnums: Literal[0] = 0,
                   has_aux: Literal[False] = False, holomorphic: bool = False,
                   chunk_size: int | None = None,
                   executor: Executor | None = None) -> ValueAndGradientFunction: ...
@overload
def value_and_grad(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False, holomorphic: bool = False,
                   chunk_size: int | None = None,
                   executor: Executor | None = None) -> Callable[..., tuple[Any, Any]]: ...


def value_and_grad(f: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False, holomorphic: bool = False,
                   chunk_size: int | None = None,
                   executor: Executor | None = None) -> Callable[..., tuple[Any, Any]]:
    """A function returning ``(f(x), grad(f)(x))``; ``((f(x), aux), gradient)`` with
    ``has_aux``, as ``jax.value_and_grad``.

    >>> import dualad as ad
    >>> ad.value_and_grad(lambda x: x ** 3)(2.0)
    (8.0, 12.0)
    """
    check_callable(f, "value_and_grad")
    nums = check_argnums(argnums, "value_and_grad")
    check_chunk_size(chunk_size, "value_and_grad")
    check_flags("value_and_grad", has_aux=has_aux, holomorphic=holomorphic)
    f = plain_errors(f, "value_and_grad")

    def value_and_grad_of_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        value, aux, g = value_and_grad_at(_bind(f, kwargs), args, argnums, nums, has_aux,
                                          holomorphic, chunk_size, "value_and_grad",
                                          executor)
        return ((value, aux), g) if has_aux else (value, g)

    value_and_grad_of_f.__name__ = f"value_and_grad_of_{getattr(f, '__name__', 'f')}"
    return value_and_grad_of_f


@overload
def gradient(f: Callable[..., Any], x: Dual, chunk_size: int | None = None,
             holomorphic: bool = False, has_aux: Literal[False] = False,
             executor: Executor | None = None) -> Dual: ...
@overload
def gradient(f: Callable[..., Any], x: float, chunk_size: int | None = None,
             holomorphic: bool = False, has_aux: Literal[False] = False,
             executor: Executor | None = None) -> float: ...
@overload
def gradient(f: Callable[..., Any], x: complex, chunk_size: int | None = None,
             holomorphic: bool = False, has_aux: Literal[False] = False,
             executor: Executor | None = None) -> complex: ...
@overload
def gradient(f: Callable[..., Any], x: NDArray[_Inexact], chunk_size: int | None = None,
             holomorphic: bool = False,
             has_aux: Literal[False] = False,
             executor: Executor | None = None) -> NDArray[_Inexact]: ...
@overload
def gradient(f: Callable[..., Any],
             x: Sequence[float] | NDArray[np.integer[Any] | np.bool_],
             chunk_size: int | None = None, holomorphic: bool = False,
             has_aux: Literal[False] = False,
             executor: Executor | None = None) -> NDArray[np.float64]: ...
@overload
def gradient(f: Callable[..., Any], x: _Tree, chunk_size: int | None = None,
             holomorphic: bool = False, has_aux: Literal[False] = False,
             executor: Executor | None = None) -> _Tree: ...
@overload
def gradient(f: Callable[..., Any], x: Any, chunk_size: int | None = None,
             holomorphic: bool = False, has_aux: bool = False,
             executor: Executor | None = None) -> Any: ...


def gradient(f: Callable[..., Any], x: Any, chunk_size: int | None = None,
             holomorphic: bool = False, has_aux: bool = False,
             executor: Executor | None = None) -> Any:
    """``grad(f, has_aux=has_aux, holomorphic=holomorphic)(x)``, evaluated now (ForwardDiff's
    ``gradient``): the gradient of the real-valued scalar ``f`` at ``x``, with the
    structure of ``x`` (see ``grad``); ``(gradient, aux)`` with ``has_aux``.

    ``x`` is a number (the result is ``f'(x)``), a sequence of numbers (``f`` receives a
    list of duals; the result is an ndarray, or a list for mpmath entries), an ndarray
    (``f`` receives a ``DualArray``) or a tuple/list/dict of them. Directions are seeded
    ``chunk_size`` at a time as multi-tangent duals; with ``executor`` (a
    ``concurrent.futures.Executor``) each chunk is a task of it (see ``jacfwd``).

    Complex input follows JAX's ``grad``: for a real-valued ``f`` of ``z = x + iy`` the
    result is ``∂f/∂x - i ∂f/∂y`` (the conjugate of the steepest-ascent direction:
    ``z - step * conj(gradient)`` descends); with ``holomorphic=True`` and a holomorphic
    ``f`` it is the complex derivative ``f'(z)`` (then ``f`` may be complex-valued, and
    ``x`` must be complex). Without ``holomorphic=True`` a complex-valued output refuses.

    >>> import dualad as ad
    >>> ad.gradient(lambda v: v[0] * v[1] + ad.math.sin(v[0]), [0.0, 2.0])
    array([3., 0.])
    >>> ad.gradient(lambda z: abs(z) ** 2, 3 + 4j)      # 2 conj(z), as jax.grad
    (6-8j)
    """
    check_callable(f, "gradient")
    check_chunk_size(chunk_size, "gradient")
    check_flags("gradient", has_aux=has_aux, holomorphic=holomorphic)
    _, aux, g = value_and_grad_at(plain_errors(f, "gradient"), (x,), 0, (0,), has_aux,
                                  holomorphic, chunk_size, "gradient", executor)
    return (g, aux) if has_aux else g


def _bind(f: Callable[..., Any], kwargs: dict[str, Any]) -> Callable[..., Any]:
    return (lambda *args: f(*args, **kwargs)) if kwargs else f


class _Recorder:
    """``f``, checked to return a scalar (the ``output`` of ``(output, aux)`` with
    ``has_aux``); keeps the primal output and aux of its first call."""

    def __init__(self, f: Callable[..., Any], has_aux: bool, holomorphic: bool,
                 who: str) -> None:
        self.f, self.has_aux, self.holomorphic, self.who = f, has_aux, holomorphic, who
        self.value = self.aux = _UNSET

    def __call__(self, *args: Any) -> Any:
        out = self.f(*args)
        aux = None
        if self.has_aux:
            out, aux = split_aux(out, self.who)
        check_scalar(out, self.holomorphic, self.who)
        if self.value is _UNSET:
            tag = _pass_tag(args)
            self.value, self.aux = strip(out, tag, self.who), strip(aux, tag, self.who)
        return out


def _pass_tag(args: Sequence[Any]) -> Any:
    """The tag of the running pass: the newest among the seeded arguments."""
    leaves, _ = flatten_args(list(args))
    tags = [v.tag for leaf in leaves for v in (leaf if is_vector(leaf) else [leaf])
            if isinstance(v, Carrier)]
    return max(tags) if tags else None


def value_and_grad_at(f: Callable[..., Any], args: Sequence[Any], argnums: int | tuple[int, ...],
                      nums: tuple[int, ...], has_aux: bool, holomorphic: bool,
                      chunk_size: int | None, who: str,
                      executor: Executor | None = None) -> tuple[Any, Any, Any]:
    """(value, aux, gradient) of ``f`` at ``args`` in ``argnums``. With an ``executor``
    the passes run in its workers, and the value and aux come from one plain call here."""
    value, aux, g = _value_and_grad(f, args, argnums, nums, has_aux, holomorphic, chunk_size,
                                    who, executor)
    if value is _UNSET:   # the recorder ran in the workers only
        recorder = _Recorder(f, has_aux, holomorphic, who)
        recorder(*args)
        value, aux = recorder.value, recorder.aux
    return value, aux, g


def _value_and_grad(f: Callable[..., Any], args: Sequence[Any], argnums: int | tuple[int, ...],
                    nums: tuple[int, ...], has_aux: bool, holomorphic: bool,
                    chunk_size: int | None, who: str,
                    executor: Executor | None) -> tuple[Any, Any, Any]:
    recorder = _Recorder(f, has_aux, holomorphic, who)
    nums = normalised_argnums(nums, argnums, len(args), who)
    if isinstance(argnums, int) and (not isinstance(args[nums[0]], (list, tuple, dict))
                                     or _flat_sequence(args[nums[0]])):
        # one leaf: gradient's paths for a number, a sequence, mpmath, complex, an array
        def of_x(x: Any) -> Any:
            call = list(args)
            call[nums[0]] = x
            return recorder(*call)
        g = gradient_leaf(of_x, args[nums[0]], chunk_size, holomorphic, who, checked=True,
                          executor=executor)
        return recorder.value, recorder.aux, _like(g, args[nums[0]])
    leaves, spec = flatten_args([args[i] for i in nums])

    def with_leaf(j: int, x: Any) -> list[Any]:   # args with input leaf j replaced by x
        diff = unflatten(spec, leaves[:j] + [x] + leaves[j + 1:])
        call = list(args)
        for i, d in zip(nums, diff):
            call[i] = d
        return call

    if any(_per_leaf(x, holomorphic) for x in leaves):
        # complex (non-holomorphic) or mpmath leaves: one leaf after the other
        grads = [gradient_leaf(lambda x, j=j: recorder(*with_leaf(j, x)), x, chunk_size,
                               holomorphic, who, checked=True) for j, x in enumerate(leaves)]
        per_arg = unflatten(spec, grads)
        g = per_arg[0] if isinstance(argnums, int) else tuple(per_arg)
    else:
        g = jacobian_at(recorder, args, argnums, nums, False, chunk_size, who,
                        holomorphic=holomorphic, executor=executor)
    return recorder.value, recorder.aux, per_input_leaf(g, spec, argnums, leaves, _like)


def _flat_sequence(x: Any) -> bool:
    """A list/tuple holding no containers: a vector, whose bad entries get the vector's
    errors (``x[0] must be a number``), not a tree's."""
    return isinstance(x, (list, tuple)) and not any(
        isinstance(v, (list, tuple, dict, np.ndarray, DualArray)) for v in x)


def _per_leaf(x: Any, holomorphic: bool) -> bool:
    values = x if is_vector(x) else [x]
    return any(isinstance(v, _MP) for v in values) or (not holomorphic and complex_leaf(x))


def per_input_leaf(tree: Any, spec: Any, argnums: int | tuple[int, ...], leaves: list[Any],
                   fn: Callable[[Any, Any], Any]) -> Any:
    """``tree`` (with the structure of the differentiated arguments: one of them for an
    int ``argnums``, a tuple of them for a tuple) with ``fn(subtree, input_leaf)`` at
    each of its leaves' places."""
    it = iter(leaves)
    if isinstance(argnums, int):
        return _zip(spec[2][0], tree, it, fn)
    return tuple(_zip(child, t, it, fn) for child, t in zip(spec[2], tree))


def _zip(spec: Any, tree: Any, it: Any, fn: Callable[[Any, Any], Any]) -> Any:
    if spec is None:
        return fn(tree, next(it))
    kind, keys, children = spec
    if kind is dict:
        return {key: _zip(c, tree[key], it, fn) for key, c in zip(keys, children)}
    items = [_zip(c, t, it, fn) for c, t in zip(children, tree)]
    return kind(items) if kind in (list, tuple) else kind(*items)


def cast_tree(tree: Any, dtype: Any) -> Any:
    """Plain float/complex arrays and NumPy scalars in ``tree`` as ``dtype`` (complex
    ones as its complex counterpart: an imaginary part is never dropped)."""
    if dtype is None:
        return tree
    if isinstance(tree, (np.ndarray, np.generic)) and tree.dtype.kind in "fc":
        target = np.result_type(dtype, np.complex64) if tree.dtype.kind == "c" else dtype
        return tree.astype(target)
    if isinstance(tree, dict):
        return {k: cast_tree(v, dtype) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)) and not is_vector(tree):
        items = [cast_tree(v, dtype) for v in tree]
        return type(tree)(*items) if hasattr(tree, "_fields") else type(tree)(items)
    return tree


def _like(g: Any, x: Any) -> Any:
    """One leaf's gradient: a scalar for a scalar leaf (a Python one for a Python
    number), in x's dtype if narrow."""
    if type(g) is np.ndarray and g.ndim == 0:
        g = g[()]
    if type(x) in (int, float, complex) and type(g) in (np.float64, np.complex128):
        return g.item()
    return cast_tree(g, narrow_dtype(x))


__all__ = ["grad", "gradient", "value_and_grad"]
