"""``dualad.scipy.integrate``: SciPy's integrators with derivatives.

Each function has SciPy's signature and computes its primal with SciPy; where an argument
(or the closure of a callable argument) carries duals, the result carries their tangents,
as duals of the caller's differentiation:

- ``solve_ivp``: forward sensitivities (see ``dualad.scipy._ivp``);
- ``quad``, ``quad_vec``: Leibniz's rule (see ``dualad.scipy._quadrature``);
- ``trapezoid``, ``simpson``, ``cumulative_trapezoid``: linear in ``y``; dual ``x`` too.
"""
try:
    import scipy.integrate  # noqa: F401
except ImportError as exc:   # pragma: no cover
    raise ImportError("dualad.scipy.integrate needs SciPy: pip install 'dualad[scipy]'") \
        from exc

from dualad.scipy._ivp import DualOdeSolution, solve_ivp  # noqa: E402
from dualad.scipy._quadrature import (  # noqa: E402
    cumulative_trapezoid, quad, quad_vec, simpson, trapezoid)

__all__ = ["solve_ivp", "DualOdeSolution", "quad", "quad_vec", "trapezoid", "simpson",
           "cumulative_trapezoid"]
