"""``scipy.optimize`` on duals: roots and minima whose tangents follow their parameters.

``from dualad.scipy import optimize`` gives ``root_scalar``, ``brentq``, ``brenth``,
``bisect``, ``ridder``, ``toms748``, ``newton`` (scalar or array ``x0``), ``fsolve``,
``root``, ``minimize`` and ``least_squares`` with SciPy's signatures and results (the
same float, ``RootResults`` or ``OptimizeResult``); every other name is SciPy's own
(``optimize.rosen``, ``optimize.Bounds``). Parameters may be duals, in ``args`` or in the
closure of the function, so a function that solves can be differentiated:

>>> import dualad as ad
>>> from dualad.scipy import optimize
>>> root = lambda p: optimize.brentq(lambda x: x**2 - p, 0.0, 10.0)   # sqrt(p)
>>> round(ad.derivative(root, 4.0), 12)                               # 1 / (2 sqrt(p))
0.25
>>> round(float(ad.hessian(lambda v: root(v[0]))([4.0])[0, 0]), 12)   # -p^(-3/2) / 4
-0.03125

SciPy solves on the primal values (it sees the function with its duals stripped off, so
its result is bit for bit what SciPy gives for the plain problem). The tangents then come
from the implicit function theorem at SciPy's solution ``x*``: for ``F(x, p) = 0``,
``x' = -F_x^-1 F_p p'``, taken as a Newton step in dual arithmetic from ``x*``
(``dualad.scipy._implicit``), with ``F_x`` from dualad; further steps give higher orders
(two for a Hessian), so nested differentiation and Taylor mode work. For ``minimize``
``F`` is the gradient of the objective, for ``least_squares`` the gradient of its cost
``1/2 sum rho(r_i^2)`` (``J_r^T r`` for the linear loss): their ``F_x`` is a Hessian,
which dualad's nested duals give. ``minimize`` and ``least_squares`` results also carry
the tangents of ``fun`` (and ``cost``) at the solution.

Refused, with an error naming the function: a solve that did not converge
(``NotConvergedError``: no tangents at an unconverged point); a singular or
ill-conditioned ``F_x`` (``SingularJacobianError``: a multiple root, a flat minimum);
a solution on an active bound and ``minimize`` with constraints (the tangents would
need the KKT conditions); a callable ``loss`` of ``least_squares``. The derivative of
the solution in the starting point or the bracket is zero, so duals there are taken by
their primal. Where nothing carries a dual, each function is SciPy's, unchanged.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable

import numpy as np

try:
    import scipy.optimize as _sp
except ImportError:   # pragma: no cover - scipy is an optional extra
    raise ImportError("dualad.scipy.optimize needs SciPy: pip install scipy (or, in a "
                      "dualad checkout, pip install -e '.[scipy]')") from None

from dualad.scipy._implicit import (
    NotConvergedError, SingularJacobianError, as_duals, perturbation_order, primal,
    primal_function, solution, with_primal)
from dualad.transforms import gradient

__all__ = ["NotConvergedError", "SingularJacobianError", "bisect", "brenth", "brentq",
           "fsolve", "least_squares", "minimize", "newton", "ridder", "root", "root_scalar",
           "toms748"]


def _drop_in(name):
    """The decorated ``solver(params)`` as a function with the signature of SciPy's
    ``name``: the call's arguments bound to it, defaults filled in, as one dict."""
    signature = inspect.signature(getattr(_sp, name))

    def decorate(solver):
        @functools.wraps(solver)
        def drop_in(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            return solver(dict(bound.arguments))
        setattr(drop_in, "__signature__", signature)
        drop_in.__name__ = drop_in.__qualname__ = name
        del drop_in.__wrapped__
        return drop_in
    return decorate


def _as_args(args) -> tuple:
    return args if isinstance(args, tuple) else (args,)


def _plain_if_callable(f):
    return primal_function(f, "function") if callable(f) else f


# --- scalar roots ------------------------------------------------------------------------

def _bracketing(name):
    scipy_solver = getattr(_sp, name)

    @_drop_in(name)
    def bracketing(params):
        f, args, full_output = params["f"], _as_args(params["args"]), params["full_output"]
        params.update(f=primal_function(f, name), a=primal(params["a"]),
                      b=primal(params["b"]), args=primal(args), full_output=True)
        root, info = scipy_solver(**params)
        info.root = solution(lambda x: f(x, *args), root, name, "scalar",
                             converged=info.converged, message=info.flag)
        return (info.root, info) if full_output else info.root

    bracketing.__doc__ = (f"``scipy.optimize.{name}(f, a, b, args=(), ...)``, the root "
                          "carrying the tangents of the parameters (in ``args`` or in the "
                          "closure of ``f``). See the module's docstring.")
    return bracketing


brentq = _bracketing("brentq")
brenth = _bracketing("brenth")
ridder = _bracketing("ridder")
bisect = _bracketing("bisect")
toms748 = _bracketing("toms748")


@_drop_in("root_scalar")
def root_scalar(params):
    """``scipy.optimize.root_scalar``: a ``RootResults`` whose ``root`` carries the
    tangents of the parameters.

    >>> import dualad as ad
    >>> from dualad.scipy import optimize
    >>> x = lambda p: optimize.root_scalar(lambda x: x**3 + p*x - 1, bracket=(0, 1)).root
    >>> round(ad.derivative(x, 0.0), 12)        # -x / (3x^2 + p) at x = 1, p = 0
    -0.333333333333
    """
    f, args = params["f"], _as_args(params["args"])
    returns_derivatives = params["fprime"] is True or params["fprime2"] is True
    params.update(f=primal_function(f, "root_scalar"), args=primal(args),
                  fprime=_plain_if_callable(params["fprime"]),
                  fprime2=_plain_if_callable(params["fprime2"]),
                  bracket=primal(params["bracket"]), x0=primal(params["x0"]),
                  x1=primal(params["x1"]))
    result = _sp.root_scalar(**params)

    def residual(x):
        y = f(x, *args)
        return y[0] if returns_derivatives else y

    result.root = solution(residual, result.root, "root_scalar", "scalar",
                           converged=result.converged, message=result.flag)
    return result


@_drop_in("newton")
def newton(params):
    """``scipy.optimize.newton`` (Newton, secant or Halley), the root carrying the
    tangents of the parameters; an array ``x0`` solves independent scalar problems
    elementwise, as SciPy does (the function must act elementwise).

    >>> import numpy as np, dualad as ad
    >>> from dualad.scipy import optimize
    >>> roots = lambda p: optimize.newton(lambda x: x**2 - p, np.ones(2))
    >>> (ad.jacfwd(roots)(np.array([4.0, 9.0])) + 0.0).round(12).tolist()
    [[0.25, 0.0], [0.0, 0.166666666667]]
    """
    func, args, full_output = params["func"], _as_args(params["args"]), params["full_output"]
    x0 = primal(params["x0"])
    params.update(func=primal_function(func, "newton"), x0=x0, x1=primal(params["x1"]),
                  fprime=_plain_if_callable(params["fprime"]),
                  fprime2=_plain_if_callable(params["fprime2"]), args=primal(args),
                  full_output=True)
    out = _sp.newton(**params)
    residual = lambda x: func(x, *args)   # noqa: E731
    if np.size(x0) > 1:   # SciPy's elementwise (array) Newton
        failed = np.flatnonzero(~out.converged | out.zero_der)
        root = solution(residual, out.root, "newton", "elementwise",
                        converged=failed.size == 0,
                        message=f"elements {failed[:5].tolist()} failed")
        return out._replace(root=root) if full_output else root
    root, info = out
    info.root = solution(residual, root, "newton", "scalar", converged=info.converged,
                         message=info.flag)
    return (info.root, info) if full_output else info.root


# --- systems -------------------------------------------------------------------------------

@_drop_in("fsolve")
def fsolve(params):
    """``scipy.optimize.fsolve``, the solution carrying the tangents of the parameters.

    >>> import numpy as np, dualad as ad
    >>> from dualad.scipy import optimize
    >>> F = lambda x, p: [x[0] + x[1] - p, x[0] - x[1]]        # x = (p/2, p/2)
    >>> ad.derivative(lambda p: optimize.fsolve(F, [1.0, 1.0], args=(p,)), 3.0).tolist()
    [0.5, 0.5]
    """
    func, args, full_output = params["func"], _as_args(params["args"]), params["full_output"]
    params.update(func=primal_function(func, "fsolve"), x0=primal(params["x0"]),
                  fprime=_plain_if_callable(params["fprime"]), args=primal(args),
                  full_output=True)
    x, info, ier, message = _sp.fsolve(**params)
    x = solution(lambda x: func(x, *args), x, "fsolve", converged=ier == 1, message=message)
    return (x, info, ier, message) if full_output else x


@_drop_in("root")
def root(params):
    """``scipy.optimize.root`` (every method), an ``OptimizeResult`` whose ``x`` carries
    the tangents of the parameters."""
    fun, args = params["fun"], _as_args(params["args"])
    returns_jacobian = params["jac"] is True
    params.update(fun=primal_function(fun, "root"), x0=primal(params["x0"]),
                  jac=_plain_if_callable(params["jac"]), args=primal(args))
    result = _sp.root(**params)

    def residual(x):
        y = fun(x, *args)
        return y[0] if returns_jacobian else y

    result.x = solution(residual, result.x, "root", converged=result.success,
                        message=result.message)
    return result


# --- minima ----------------------------------------------------------------------------------

@_drop_in("minimize")
def minimize(params):
    """``scipy.optimize.minimize`` (unconstrained, or bounds inactive at the minimum): an
    ``OptimizeResult`` whose ``x`` and ``fun`` carry the tangents of the parameters.

    >>> import numpy as np, dualad as ad
    >>> from dualad.scipy import optimize
    >>> f = lambda x, p: (x[0] - p)**2 + (x[1] - 2*p)**2 + x[0]*x[1]
    >>> argmin = lambda p: optimize.minimize(f, np.zeros(2), args=(p,)).x
    >>> (ad.derivative(argmin, 1.0) + 0.0).round(6).tolist()       # argmin = (0, 2p)
    [0.0, 2.0]
    """
    fun, args = params["fun"], _as_args(params["args"])
    returns_gradient = params["jac"] is True
    constraints, bounds = params["constraints"], params["bounds"]
    if _constraints_hold_duals(constraints, primal(params["x0"])):
        raise _constrained()
    params.update(fun=primal_function(fun, "minimize"), x0=primal(params["x0"]),
                  jac=_plain_if_callable(params["jac"]),
                  hess=_plain_if_callable(params["hess"]),
                  hessp=_plain_if_callable(params["hessp"]), args=primal(args),
                  bounds=primal(bounds))
    result = _sp.minimize(**params)

    def objective(x):
        y = fun(x, *args)
        return y[0] if returns_gradient else y

    def refuse():
        if constraints:
            raise _constrained()
        if bounds is not None:
            _refuse_active(result.x, *_bound_arrays(primal(bounds), result.x.size),
                           "minimize")

    x = solution(lambda x: gradient(objective, x), result.x, "minimize",
                 converged=result.success, message=result.message, refuse=refuse)
    _with_tangents(result, x, "fun", objective)
    return result


def _constraints_hold_duals(constraints, x0) -> bool:
    if not constraints:
        return False
    found = []
    for c in ([constraints] if isinstance(constraints, (dict, _sp.NonlinearConstraint,
                                                        _sp.LinearConstraint))
              else constraints):
        if isinstance(c, dict):
            found.append(c["fun"](x0, *c.get("args", ())))
        elif isinstance(c, _sp.NonlinearConstraint):
            found += [c.fun(x0), c.lb, c.ub]
        else:
            found += [c.A, c.lb, c.ub]
    return perturbation_order([as_duals(v) for v in found]) > 0


def _constrained():
    return NotImplementedError(
        "minimize: the tangents of a constrained minimum need the KKT conditions, which "
        "dualad.scipy.optimize does not implement; with duals in the objective or the "
        "constraints, minimize without constraints (a penalty, or a change of variables)")


def _bound_arrays(bounds, n) -> tuple[Any, Any]:
    if isinstance(bounds, _sp.Bounds):
        return (np.broadcast_to(np.asarray(bounds.lb, float), (n,)),
                np.broadcast_to(np.asarray(bounds.ub, float), (n,)))
    pairs = list(bounds)
    lower = [-np.inf if lo is None else lo for lo, _ in pairs]
    upper = [np.inf if hi is None else hi for _, hi in pairs]
    return np.asarray(lower, float), np.asarray(upper, float)


def _refuse_active(x, lower, upper, who):
    near = np.sqrt(np.finfo(float).eps) * (1 + np.abs(x))
    active = np.flatnonzero((np.abs(x - lower) <= near) | (np.abs(upper - x) <= near))
    if active.size:
        raise NotImplementedError(
            f"{who}: the solution lies on a bound in component(s) {active[:5].tolist()}, "
            "where it does not follow the parameters smoothly (the tangents would need "
            "the KKT conditions); no tangent is given for a solution on an active bound")


def _with_tangents(result, x, name, function):
    """``result.x = x``; where ``x`` carries duals, ``result[name]`` becomes
    ``function(x)`` with SciPy's primal value."""
    result.x = x
    y = as_duals(function(x))
    if perturbation_order(y):
        setattr(result, name, with_primal(y, getattr(result, name)))


# --- least squares -------------------------------------------------------------------------

#: SciPy's losses rho(z), z = (r / f_scale)^2
_LOSSES: dict[str, Callable[[Any], Any]] = {
    "linear": lambda z: z,
    "soft_l1": lambda z: 2 * ((1 + z) ** 0.5 - 1),
    "huber": lambda z: np.where(z <= 1, z, 2 * np.sqrt(z) - 1),
    "cauchy": np.log1p,
    "arctan": np.arctan,
}


@_drop_in("least_squares")
def least_squares(params):
    """``scipy.optimize.least_squares`` (every method and built-in loss; bounds inactive
    at the solution): an ``OptimizeResult`` whose ``x``, ``fun`` and ``cost`` carry the
    tangents of the parameters (in ``args``, ``kwargs`` or the closure of ``fun``).

    >>> import numpy as np, dualad as ad
    >>> from dualad.scipy import optimize
    >>> t = np.array([0.0, 1.0, 2.0]);  data = lambda p: np.array([1.0, 2.0, 3.0]) * p
    >>> fit = lambda p: optimize.least_squares(lambda c: c[0] + c[1]*t - data(p), [0.0, 0.0]).x
    >>> ad.derivative(fit, 1.0).round(8).tolist()          # the line 1 + t scales with p
    [1.0, 1.0]
    """
    fun, args, kwargs = params["fun"], _as_args(params["args"]), params["kwargs"] or {}
    loss = params["loss"]
    if callable(loss):
        raise NotImplementedError(
            "least_squares: a callable loss returns rho and its derivatives as plain "
            "arrays, so its cost cannot be differentiated; use a built-in loss "
            f"({', '.join(_LOSSES)}) to get tangents")
    f_scale = params["f_scale"]
    params.update(fun=primal_function(fun, "least_squares"), x0=primal(params["x0"]),
                  jac=_plain_if_callable(params["jac"]), args=primal(args),
                  kwargs=primal(kwargs), bounds=primal(params["bounds"]),
                  f_scale=primal(f_scale))
    result = _sp.least_squares(**params)
    residuals = lambda x: as_duals(fun(x, *args, **kwargs))   # noqa: E731
    rho = _LOSSES[loss]

    def cost(x):
        r = residuals(x)
        return 0.5 * f_scale ** 2 * np.sum(rho((r / f_scale) ** 2))

    def refuse():
        if np.any(result.active_mask):
            _refuse_mask(result.active_mask)

    x = solution(lambda x: gradient(cost, x), result.x, "least_squares",
                 converged=result.success, message=result.message, refuse=refuse)
    _with_tangents(result, x, "fun", residuals)
    if perturbation_order(result.fun):
        result.cost = with_primal(cost(x), result.cost)
    return result


def _refuse_mask(active_mask):
    raise NotImplementedError(
        "least_squares: the solution lies on a bound in component(s) "
        f"{np.flatnonzero(active_mask)[:5].tolist()}, where it does not follow the "
        "parameters smoothly (the tangents would need the KKT conditions); no tangent is "
        "given for a solution on an active bound")


def __getattr__(name):
    """Every other name is scipy.optimize's own (``optimize.rosen``, ``OptimizeResult``)."""
    try:
        return getattr(_sp, name)
    except AttributeError:
        raise AttributeError(f"module 'dualad.scipy.optimize' has no attribute {name!r}") \
            from None


def __dir__():
    return sorted(set(globals()) | set(dir(_sp)))
