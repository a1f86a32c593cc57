"""Test problems shared by several test files, with derivatives derived by hand."""
import numpy as np


def bratu(u):
    """The Bratu-type residual (u[i-1] - 2u[i] + u[i+1])/h² + e^u + u² sin u, zero ends."""
    h = 1.0 / (u.shape[0] + 1)
    up = np.concatenate((np.zeros(1), u, np.zeros(1)))
    return (up[:-2] - 2 * up[1:-1] + up[2:]) / h ** 2 + np.exp(u) + np.sin(u) * u ** 2


def bratu_jacobian(u):
    """By hand: tridiagonal, 1/h² beside the diagonal -2/h² + e^u + 2u sin u + u² cos u."""
    n = u.shape[0]
    h = 1.0 / (n + 1)
    return (np.diag(-2 / h ** 2 + np.exp(u) + 2 * u * np.sin(u) + u ** 2 * np.cos(u))
            + (np.eye(n, k=1) + np.eye(n, k=-1)) / h ** 2)
