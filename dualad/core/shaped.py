"""The array protocol shared by the array-shaped carriers (DualArray, PatternArray): shape
and iteration follow the primal ``value``, and the ndarray methods are NumPy's functions.

A method such as ``x.std(axis=0)`` is ``np.std(x, axis=0)``, as it is for an ndarray, so it
goes through NumPy's dispatch to the carrier's handler for the function: the same
arguments, the same tangent, the same refusals. The methods that work in place (``sort``,
``fill``, ``+=``) compute the new entries that way and store them with the carrier's own
``x[...] = ...``.
"""
from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, Callable

import numpy as np


def _function_method(func, name, in_place=False) -> Callable[..., Any]:
    if in_place:
        def method(self, *args, **kwargs):
            self[...] = func(self, *args, **kwargs)
    else:
        def method(self, *args, **kwargs):
            return func(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"``self[...] = numpy.{func.__name__}(self, ...)``: in place, as "
                      f"``ndarray.{name}``." if in_place else
                      f"``numpy.{func.__name__}(self, ...)``, as ``ndarray.{name}``.")
    return method


def _in_place_operator(op, name) -> Callable[..., Any]:
    def method(self, other):
        result = op(self, other)
        if getattr(result, "tag", None) != self.tag:
            # a dual of an inner differentiation cannot be stored in this one: the name
            # is rebound to the result instead (Python's fallback, x = x + other)
            return result
        if not np.can_cast(result.dtype, self.dtype, "same_kind"):
            raise TypeError(f"x {name} y: the result has dtype {result.dtype}, which cannot "
                            f"be stored in x of dtype {self.dtype} (as NumPy: cast x first, "
                            f"x = x.astype({result.dtype}))")
        if np.shape(result) != self.shape:
            raise ValueError(f"x {name} y: the result has shape {np.shape(result)}, which "
                             f"cannot be stored in x of shape {self.shape} (as NumPy)")
        self._take_on(result)
        return self
    method.__name__ = f"__i{op.__name__.strip('_')}__"
    return method


#: operand types whose own ``@`` computes their products with a carrier (scipy.sparse's)
_MATMUL_DEFERS_TO: tuple[type, ...] = ()


def defer_matmul_to(cls: type) -> None:
    """Let ``x @ a`` with ``a`` of type ``cls`` be computed by ``a.__rmatmul__`` (and
    ``a @ x`` by ``a.__matmul__``): registered by ``dualad.arrays.sparse_matrices``."""
    global _MATMUL_DEFERS_TO
    if cls not in _MATMUL_DEFERS_TO:
        _MATMUL_DEFERS_TO = _MATMUL_DEFERS_TO + (cls,)


class ValueShaped:
    """Shape, length and iteration of an object whose primal is ``self.value``, and the
    ndarray methods (``x.sum()``, ``x.std()``, ``x.sort()``, ``x += y``) as NumPy's
    functions of it."""

    __slots__ = ()

    if TYPE_CHECKING:   # what the carriers deriving from this give it (declarations only)
        value: Any
        tag: Any
        dtype: Any

        def __getitem__(self, index: Any) -> Any: ...
        def __setitem__(self, index: Any, item: Any) -> None: ...
        def copy(self) -> Any: ...
        def __eq__(self, other: object) -> Any: ...
        def __floordiv__(self, other: Any) -> Any: ...
        def __mod__(self, other: Any) -> Any: ...

    shape = property(lambda self: np.shape(self.value))
    ndim = property(lambda self: np.ndim(self.value))
    size = property(lambda self: np.size(self.value))
    T = property(lambda self: np.transpose(self))
    mT = property(lambda self: np.swapaxes(self, -1, -2))
    flat = property(lambda self: FlatView(self))
    real = property(lambda self: np.real(self))
    imag = property(lambda self: np.imag(self))

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        for i in range(len(self.value)):
            yield self[i]

    def __contains__(self, item):
        return bool(np.any(self == item))

    def __divmod__(self, other):
        return self // other, self % other

    def __rdivmod__(self, other):
        return other // self, other % self

    def __round__(self, ndigits=None):
        return np.round(self, 0 if ndigits is None else ndigits)

    def __matmul__(self, other):
        if isinstance(other, _MATMUL_DEFERS_TO):
            return NotImplemented   # other.__rmatmul__ (a scipy.sparse matrix's) computes it
        return np.matmul(self, other)

    def __rmatmul__(self, other):
        if isinstance(other, _MATMUL_DEFERS_TO):
            return NotImplemented
        return np.matmul(other, self)

    def reshape(self, *shape, order="C"):
        shape = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return np.reshape(self, shape, order=order)

    def transpose(self, *axes):
        order = axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else (axes or None)
        return np.transpose(self, order)

    def compress(self, condition, axis=None, out=None):
        return np.compress(condition, self, axis=axis, out=out)

    def _take_on(self, result: Any) -> None:
        """Become ``result`` (a carrier of this one's tag and shape), in place."""
        self[...] = result

    def resize(self, *new_shape, refcheck=True):
        """In place, as ``ndarray.resize``: the entries in C order, cut or padded with
        zeros (no derivative) to the new shape."""
        shape = new_shape[0] if len(new_shape) == 1 and not isinstance(new_shape[0], int) \
            else new_shape
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        flat, size = np.ravel(self), int(np.prod(shape))
        if size <= self.size:
            flat = flat[:size].copy()   # new buffers, as NumPy's reallocation
        else:
            flat = np.concatenate([flat, np.zeros(size - self.size, dtype=self.dtype)])
        self._resize_to(np.reshape(flat, shape), refcheck)

    def _resize_to(self, result: Any, refcheck: bool) -> None:
        """Become ``result`` (this array resized, new buffers), in place."""
        self._take_on(result)

    def flatten(self, order="C"):
        """The entries in one axis, as ``ndarray.flatten``: a copy, never a view."""
        return np.ravel(self, order=order).copy()

    def fill(self, value):
        self[...] = value

    def put(self, indices, values, mode="raise"):
        """``self.flat[indices] = values``, the values repeated as needed, indices out of
        range wrapped or clipped as ``mode`` says (as ``ndarray.put``)."""
        flat = np.ravel(self)
        index = np.ravel(np.asarray(indices, dtype=np.intp))
        if mode == "wrap":
            index = index % self.size
        elif mode == "clip":
            index = np.clip(index, 0, self.size - 1)
        values = np.ravel(values)
        flat[index] = np.take(values, np.arange(len(index)) % np.size(values))
        self[...] = np.reshape(flat, self.shape)

    def item(self, *args):
        """The entry ``args`` names (a flat index or one index per axis; none for a size-1
        array) as a scalar carrier, as ``ndarray.item``."""
        if not args:
            if self.size != 1:
                raise ValueError(f"can only convert an array of size 1 to a scalar, got "
                                 f"size {self.size}")
            return np.reshape(self, ())
        if len(args) == 1 and not isinstance(args[0], tuple):
            return np.ravel(self)[args[0]]
        return self[args[0] if len(args) == 1 else args]

    def tolist(self):
        """Nested lists of the entries as scalar carriers (their tangents kept)."""
        if self.ndim == 0:
            return self.item()
        return [entry.tolist() if self.ndim > 1 else entry for entry in self]

    # ndarray methods that are NumPy functions of the array, with the same parameters after
    # it (assigned here, not in a loop, so that type checkers see them)
    all = _function_method(np.all, "all")
    any = _function_method(np.any, "any")
    argmax = _function_method(np.argmax, "argmax")
    argmin = _function_method(np.argmin, "argmin")
    argpartition = _function_method(np.argpartition, "argpartition")
    argsort = _function_method(np.argsort, "argsort")
    clip = _function_method(np.clip, "clip")
    conj = _function_method(np.conj, "conj")
    conjugate = _function_method(np.conjugate, "conjugate")
    cumprod = _function_method(np.cumprod, "cumprod")
    cumsum = _function_method(np.cumsum, "cumsum")
    diagonal = _function_method(np.diagonal, "diagonal")
    dot = _function_method(np.dot, "dot")
    max = _function_method(np.max, "max")
    mean = _function_method(np.mean, "mean")
    min = _function_method(np.min, "min")
    nonzero = _function_method(np.nonzero, "nonzero")
    prod = _function_method(np.prod, "prod")
    ravel = _function_method(np.ravel, "ravel")
    repeat = _function_method(np.repeat, "repeat")
    round = _function_method(np.round, "round")
    searchsorted = _function_method(np.searchsorted, "searchsorted")
    squeeze = _function_method(np.squeeze, "squeeze")
    std = _function_method(np.std, "std")
    sum = _function_method(np.sum, "sum")
    swapaxes = _function_method(np.swapaxes, "swapaxes")
    take = _function_method(np.take, "take")
    trace = _function_method(np.trace, "trace")
    var = _function_method(np.var, "var")
    sort = _function_method(np.sort, "sort", in_place=True)
    partition = _function_method(np.partition, "partition", in_place=True)
    __iadd__ = _in_place_operator(operator.add, "+=")
    __isub__ = _in_place_operator(operator.sub, "-=")
    __imul__ = _in_place_operator(operator.mul, "*=")
    __itruediv__ = _in_place_operator(operator.truediv, "/=")
    __ifloordiv__ = _in_place_operator(operator.floordiv, "//=")
    __imod__ = _in_place_operator(operator.mod, "%=")
    __ipow__ = _in_place_operator(operator.pow, "**=")
    __imatmul__ = _in_place_operator(operator.matmul, "@=")


class FlatView:
    """``x.flat``: the entries of ``x`` in C order, to iterate over, read and write (a write
    goes into ``x``)."""

    __slots__ = ("base",)

    def __init__(self, base):
        self.base = base

    def __len__(self):
        return self.base.size

    def __iter__(self):
        return iter(np.ravel(self.base))

    def __getitem__(self, index):
        return np.ravel(self.base)[index]

    def __setitem__(self, index, item):
        flat = np.ravel(self.base)
        flat[index] = item
        self.base[...] = np.reshape(flat, self.base.shape)
