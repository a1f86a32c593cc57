"""``dualad.scipy.integrate``: SciPy's integrators, differentiable.

Each function has SciPy's signature and gets its primal from SciPy. Where an argument, or
the closure of a callable argument, carries duals, the result carries their tangents as
duals of the caller's differentiation, so ``ad.derivative``, ``ad.jacfwd``,
``ad.gradient`` and ``ad.hessian`` work through these calls unchanged:

>>> import numpy as np, dualad as ad
>>> from dualad.scipy.integrate import solve_ivp, quad
>>> def decay(k):            # y' = -k y, y(0) = 1, at t = 2: exp(-2k)
...     return solve_ivp(lambda t, y: -k * y, (0, 2), [1.0], rtol=1e-10, atol=1e-12).y[0, -1]
>>> round(ad.derivative(decay, 0.5), 7)            # -2 exp(-1)
-0.7357589
>>> round(ad.derivative(lambda p: quad(lambda x: np.exp(p * x), 0, 1)[0], 1.0), 10)
1.0

``solve_ivp`` (every method: RK45, RK23, DOP853, Radau, BDF, LSODA): forward sensitivities
with respect to a dual ``y0``, duals in ``args`` or in ``fun``'s closure, and dual ends of
``t_span``. SciPy integrates the state and its tangents together (one augmented system,
so its error control covers the tangents); each right-hand side is one evaluation of
``fun`` on duals. ``sol.y``, the ``t_eval`` points, ``sol.sol(t)`` (``dense_output``),
``sol.t_events`` and ``sol.y_events`` carry the tangents (an event's time moves with
the parameters); a dual end time T adds ``f(T, y(T)) T'``, and ``sol.t`` is then dual
too. The implicit methods get the augmented system's Jacobian from dualad (``jac=``,
if given, is used for it). Second order (``ad.hessian``) nests: each level is an
augmented system solved by the level below.

``quad``, ``quad_vec``: Leibniz's rule. The primal is SciPy's integral; the tangents
are one ``quad_vec`` of the integrand's tangent, plus ``f(b) b' - f(a) a'`` for dual
limits. Infinite limits work when they are plain numbers; ``weight=`` works with plain
limits.

``trapezoid``, ``cumulative_trapezoid``, ``simpson``: in ``y``, ``x`` and ``dx``.

Not differentiated (refused with a message, never a silent zero): duals in ``rtol``,
``atol``, ``first_step``, ``max_step``, in a user's ``jac`` or its output, in ``epsabs``,
``points``, ``wvar``; an infinite dual limit; a dual limit with ``weight=``; an event met
tangentially (its time has no derivative); Taylor jets (``ad.derivative(f, x, n=2)``,
``ad.taylor``: use ``ad.hessian`` or nested ``ad.derivative``). ``fun``'s closure is read
from one call at ``t_span[0]``: a fun that only picks up its duals later is refused.
With duals, ``solve_ivp``'s primal is SciPy's solution of the augmented system: it
agrees with a plain solve to the tolerance, not bit for bit (the steps see the
tangents), and ``nfev``, ``njev`` count the augmented system's calls.
"""
try:
    import scipy.integrate  # noqa: F401
except ImportError as exc:   # pragma: no cover
    raise ImportError("dualad.scipy.integrate needs SciPy: pip install scipy (or, in a "
                      "dualad checkout, pip install -e '.[scipy]')") from exc

from dualad.scipy._ivp import DualOdeSolution, solve_ivp  # noqa: E402
from dualad.scipy._quadrature import (  # noqa: E402
    cumulative_trapezoid, quad, quad_vec, simpson, trapezoid)

__all__ = ["solve_ivp", "DualOdeSolution", "quad", "quad_vec", "trapezoid", "simpson",
           "cumulative_trapezoid"]
