"""The types of the transformations' results, for type checkers (nothing here runs).

``Array`` is a NumPy array of any dtype: what ``jacfwd``, ``hessian`` and the gradient of
an array return. ``grad(f)`` and ``value_and_grad(f)`` return functions whose result
follows the type of the first argument, as their run-time results do:

- a ``float`` (or ``int``) point gives a ``float`` gradient, a ``complex`` one a
  ``complex``, a ``Dual`` (nested differentiation) a ``Dual``;
- an ndarray of a float or complex dtype gives an ndarray of that dtype (float32 stays
  float32); an integer array or a sequence of numbers, a float64 ndarray;
- a dict, tuple or list of arrays (a pytree) gives the same kind of container.

Functions whose output may be any tree (``jvp``'s, ``derivatives``') are typed ``Any``
where the structure cannot be known, as in JAX. mpmath numbers are untyped (``Any``):
a sequence of them gives a list of mpmath numbers at run time.

>>> import numpy as np, dualad as ad
>>> from dualad.types import Array
>>> g: Array = ad.grad(lambda x: np.sum(x * x))(np.ones(2))
>>> g
array([2., 2.])
"""
from __future__ import annotations

from typing import Any, Protocol, Sequence, TypeVar, Union, overload

import numpy as np
from numpy.typing import NDArray

from dualad.core.number import Dual

__all__ = ["Array", "GradientFunction", "ValueAndGradientFunction"]

#: a NumPy array of any dtype (Jacobians, Hessians, gradients of arrays)
Array = NDArray[Any]

_Inexact = TypeVar("_Inexact", bound=np.inexact[Any])
_Tree = TypeVar("_Tree", bound=Union[dict[Any, Any], tuple[Any, ...], list[Any]])
_Vector = Union[Sequence[float], NDArray[Union[np.integer[Any], np.bool_]]]


class GradientFunction(Protocol):
    """``grad(f)``: the gradient of ``f`` at its first argument, of that argument's type."""

    @overload
    def __call__(self, x: Dual, /, *args: Any, **kwargs: Any) -> Dual: ...
    @overload
    def __call__(self, x: float, /, *args: Any, **kwargs: Any) -> float: ...
    @overload
    def __call__(self, x: complex, /, *args: Any, **kwargs: Any) -> complex: ...
    @overload
    def __call__(self, x: NDArray[_Inexact], /, *args: Any,
                 **kwargs: Any) -> NDArray[_Inexact]: ...
    @overload
    def __call__(self, x: _Vector, /, *args: Any, **kwargs: Any) -> NDArray[np.float64]: ...
    @overload
    def __call__(self, x: _Tree, /, *args: Any, **kwargs: Any) -> _Tree: ...
    @overload
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...


class ValueAndGradientFunction(Protocol):
    """``value_and_grad(f)``: ``(f(x), gradient)``, the gradient as ``GradientFunction``'s
    (the value is f's primal output: a float for a real scalar f, mpmath's for mpmath)."""

    @overload
    def __call__(self, x: Dual, /, *args: Any, **kwargs: Any) -> tuple[Any, Dual]: ...
    @overload
    def __call__(self, x: float, /, *args: Any, **kwargs: Any) -> tuple[Any, float]: ...
    @overload
    def __call__(self, x: complex, /, *args: Any, **kwargs: Any) -> tuple[Any, complex]: ...
    @overload
    def __call__(self, x: NDArray[_Inexact], /, *args: Any,
                 **kwargs: Any) -> tuple[Any, NDArray[_Inexact]]: ...
    @overload
    def __call__(self, x: _Vector, /, *args: Any,
                 **kwargs: Any) -> tuple[Any, NDArray[np.float64]]: ...
    @overload
    def __call__(self, x: _Tree, /, *args: Any, **kwargs: Any) -> tuple[Any, _Tree]: ...
    @overload
    def __call__(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]: ...
