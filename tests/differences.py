"""Central differences of plain NumPy functions: the expected values of tests that check
derivatives of programs (first and second order), independent of dualad."""
import numpy as np


def central_jacobian(f, x, h=1e-6):
    """d ravel(f) / dx by central differences: shape (f's size, x's size)."""
    columns = [(np.ravel(f(x + h * e)) - np.ravel(f(x - h * e))) / (2 * h)
               for e in np.eye(x.size)]
    return np.stack(columns, axis=-1)


def central_hessian(f, x, h=1e-4):
    """The Hessian of a scalar f by second-order central differences."""
    n = x.size
    e = np.eye(n) * h
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            out[i, j] = (f(x + e[i] + e[j]) - f(x + e[i] - e[j]) - f(x - e[i] + e[j])
                         + f(x - e[i] - e[j])) / (4 * h * h)
    return out
