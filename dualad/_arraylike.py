"""The array protocol shared by the array-shaped carriers (DualArray, PatternArray): shape
and iteration follow the primal ``value``, and the methods NumPy arrays have are the
NumPy functions, so that each carrier's ``__array_function__``/``__array_ufunc__``
applies its own rules (a tangent map, a dependence pattern) to ``x.sum()`` as to
``np.sum(x)``. One list for both: code that runs on a dual array runs on a pattern."""
from __future__ import annotations

import numpy as np


class ValueShaped:
    """Shape, length, iteration and the ndarray methods of an object whose primal is
    ``self.value``."""

    __slots__ = ()

    shape = property(lambda self: np.shape(self.value))
    ndim = property(lambda self: np.ndim(self.value))
    size = property(lambda self: np.size(self.value))
    T = property(lambda self: np.transpose(self))
    real = property(lambda self: np.real(self))
    imag = property(lambda self: np.imag(self))

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        for i in range(len(self.value)):
            yield self[i]

    def sum(self, axis=None, keepdims=False):
        return np.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return np.mean(self, axis=axis, keepdims=keepdims)

    def prod(self, axis=None, keepdims=False):
        return np.prod(self, axis=axis, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return np.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return np.min(self, axis=axis, keepdims=keepdims)

    def cumsum(self, axis=None):
        return np.cumsum(self, axis=axis)

    def cumprod(self, axis=None):
        return np.cumprod(self, axis=axis)

    def dot(self, other):
        return np.dot(self, other)

    def __matmul__(self, other):
        return np.matmul(self, other)

    def __rmatmul__(self, other):
        return np.matmul(other, self)

    def reshape(self, *shape, order="C"):
        shape = shape[0] if len(shape) == 1 and not isinstance(shape[0], int) else shape
        return np.reshape(self, shape, order=order)

    def ravel(self):
        return np.ravel(self)

    flatten = ravel

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and not isinstance(axes[0], int) else (axes or None)
        return np.transpose(self, axes)

    def swapaxes(self, axis1, axis2):
        return np.swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None):
        return np.squeeze(self, axis=axis)

    def clip(self, min=None, max=None):
        return np.clip(self, min, max)

    def conj(self):
        return np.conjugate(self)

    conjugate = conj

    def item(self):
        if self.size != 1:
            raise ValueError(f"can only convert a {type(self).__name__} of size 1 to a Dual")
        return self.reshape(())
