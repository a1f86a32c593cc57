"""The array protocol shared by the array-shaped carriers (DualArray, PatternArray): shape
and iteration follow the primal ``value``."""
from __future__ import annotations

import numpy as np


class ValueShaped:
    """Shape, length and iteration of an object whose primal is ``self.value``."""

    __slots__ = ()

    shape = property(lambda self: np.shape(self.value))
    ndim = property(lambda self: np.ndim(self.value))
    size = property(lambda self: np.size(self.value))
    T = property(lambda self: np.transpose(self))

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        for i in range(len(self.value)):
            yield self[i]
