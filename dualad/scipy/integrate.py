"""``dualad.scipy.integrate``: SciPy's integrators with derivatives.

Each function has SciPy's signature and computes its primal with SciPy; where an argument
(or the closure of a callable argument) carries duals, the result carries their tangents,
as duals of the caller's differentiation:

- ``solve_ivp``: forward sensitivities (see ``dualad.scipy._ivp``);
- ``quad``, ``quad_vec``: Leibniz's rule (see ``dualad.scipy._quadrature``);
- ``trapezoid``, ``simpson``, ``cumulative_trapezoid``: linear in ``y``; dual ``x`` too.
"""
from dualad.scipy._ivp import DualOdeSolution, solve_ivp
from dualad.scipy._quadrature import (
    cumulative_trapezoid, quad, quad_vec, simpson, trapezoid)

__all__ = ["solve_ivp", "DualOdeSolution", "quad", "quad_vec", "trapezoid", "simpson",
           "cumulative_trapezoid"]
