"""``solve_ivp`` with forward sensitivities: the state and its tangents integrated together.

For ``y' = f(t, y, p)``, the tangent ``S = dy/dε`` of a perturbation ε (of ``y0``, of
parameters ``p`` in ``args`` or in ``f``'s closure, of the ends of ``t_span``) solves the
sensitivity equations ``S' = f_y S + f_p p'``, ``S(t0) = y0' - f(t0, y0) t0'``. SciPy
integrates the augmented system ``z = [y, S[:, 0], ..., S[:, K-1]]`` (K directions) on
plain floats, so its error control covers the tangents too; each right-hand side of the
augmented system is ONE evaluation of ``f`` on a dual array of the caller's tag whose
tangent is S: the duals in ``args`` and in the closure then add ``f_p p'`` by themselves.
A point whose time moves (the end ``t_span[1]``, a dual ``t_eval``, an event) adds
``f(t, y(t)) t'``. The implicit methods get the Jacobian of the augmented system,
block diagonal with ``f_y`` (dualad's jacfwd, one pass) in each block; the block
``f_yy S`` it leaves out changes only SciPy's Newton matrix, not the answer.
"""
from __future__ import annotations

import numpy as np
import scipy.integrate as _si
import scipy.sparse as _sparse

from dualad.arrays.array import DualArray, _make_array
from dualad.core.number import Dual
from dualad.scipy._ivp_duals import (
    dual_of, lanes, operand, outer_tag, plain_value, primal, refuse_duals, tangent, tags_in)
from dualad.scipy._ivp_events import event_tangents, wrapped_events
from dualad.transforms.jacobians import jacfwd

try:   # the result type SciPy returns (a dict with attribute access)
    from scipy.integrate._ivp.ivp import OdeResult
except ImportError:   # pragma: no cover
    from scipy.optimize import OptimizeResult as OdeResult

WHO = "solve_ivp"
_IMPLICIT = ("Radau", "BDF", "LSODA")


def solve_ivp(fun, t_span, y0, method="RK45", t_eval=None, dense_output=False,
              events=None, vectorized=False, args=None, **options):
    """``scipy.integrate.solve_ivp`` with forward sensitivities.

    Same signature and result (an ``OdeResult``) as SciPy's. Where ``y0``, ``args``, the
    closure of ``fun`` or ``t_span`` carry duals, ``sol.y`` is a ``DualArray`` of the
    caller's differentiation, and so are ``sol.sol(t)`` (``dense_output``), ``sol.y_events``
    and ``sol.t_events`` (an event's time moves with the parameters), and ``sol.t`` where an
    end of ``t_span`` (or ``t_eval``) is dual. Without duals it is SciPy's call unchanged.

    >>> import numpy as np, dualad as ad
    >>> from dualad.scipy.integrate import solve_ivp
    >>> def y_end(k):   # y' = -k y, y(0) = 1: y(2) = exp(-2k), d/dk = -2 exp(-2k)
    ...     return solve_ivp(lambda t, y: -k * y, (0.0, 2.0), [1.0], rtol=1e-10,
    ...                      atol=1e-12).y[0, -1]
    >>> round(ad.derivative(y_end, 0.5), 8), round(-2 * np.exp(-1.0), 8)
    (-0.73575888, -0.73575888)
    """
    if args is not None:
        try:
            args = tuple(args)
        except TypeError:
            raise TypeError(f"{WHO}: args must be a tuple of extra arguments for fun, got "
                            f"{type(args).__name__}") from None
    call_args = () if args is None else args
    try:
        t0, tf = t_span
    except (TypeError, ValueError):
        raise ValueError(f"{WHO}: t_span must be a pair (t0, tf), got {t_span!r:.60}") from None
    y0 = operand(y0)
    found = tags_in((t0, tf, y0, call_args, t_eval))
    plain_args = _all_primal(call_args, found)
    y0p, t0p = _all_primal(y0, found), _all_primal(t0, found)
    probe = _call(fun, t0p, plain_value(y0p, WHO, "y0"), plain_args, vectorized)
    found |= tags_in(probe)
    tag = outer_tag(found, WHO)
    for name in ("rtol", "atol", "first_step", "max_step", "min_step", "jac", "jac_sparsity"):
        if name in options and not callable(options[name]):
            refuse_duals(options[name], WHO, name)
    if tag is None:   # nothing to differentiate: SciPy's call, fun's output checked
        return _si.solve_ivp(_checked(fun), t_span, y0, method=method, t_eval=t_eval,
                             dense_output=dense_output, events=events,
                             vectorized=vectorized, args=args, **options)
    return _sensitivities(fun, (t0, tf), y0, method, t_eval, dense_output, events,
                          vectorized, call_args, plain_args, options, tag, probe)


def _all_primal(x, tags):
    for tag in sorted(tags, reverse=True):
        x = primal(x, tag)
    return x


def _call(fun, t, y, args, vectorized):
    """``fun(t, y, *args)`` as an operand; a vectorized fun gets ``y`` as one column."""
    if vectorized:
        column = y[:, None] if not isinstance(y, DualArray) else _make_array(
            y.value[:, None], y.tangent[:, None], y.tag, y.k)
        out = operand(fun(t, column, *args))
        return out.reshape(-1) if hasattr(out, "reshape") else out
    return operand(fun(t, y, *args))


def _checked(fun):
    """fun for SciPy, refusing a dual that appears after the probe (a branch at t > t0)."""
    def plain_fun(t, y, *args):
        out = fun(t, y, *args)
        if type(out) is np.ndarray and out.dtype.kind in "fc":
            return out
        if tags_in(out) or isinstance(operand(out), (Dual, DualArray)):
            raise TypeError(f"{WHO}: fun returned a dual at t={t!r}, though it returned plain "
                            "numbers at t_span[0] (where dualad looks for the duals in its "
                            "closure); make fun carry its parameters' duals at every t")
        return out
    return plain_fun


class _Problem:
    """The augmented system of one sensitivity solve: sizes, the tag, the RHS."""

    def __init__(self, fun, n, K, k, tag, args, plain_args, vectorized, dtype):
        self.fun, self.n, self.K, self.k, self.tag = fun, n, K, k, tag
        self.args, self.plain_args, self.vectorized, self.dtype = args, plain_args, \
            vectorized, dtype

    def rhs(self, t, z):
        """[f, f_y S + f_p p'] from one dual evaluation of f."""
        n, K = self.n, self.K
        S = z[n:].reshape(K, n).T
        y = _make_array(z[:n], S if self.k is not None else S[:, 0], self.tag, self.k)
        out = _call(self.fun, t, y, self.args, self.vectorized)
        value, slope = self.split(out, t)
        dz = np.empty(n * (K + 1), dtype=np.result_type(value.dtype, slope.dtype, self.dtype))
        dz[:n] = value
        dz[n:] = slope.T.reshape(-1)
        return dz

    def split(self, out, t):
        tag = self.tag
        if type(out) is DualArray and out.tag == tag:
            value, slope = out.value, out.tangent
            if self.k is None:
                slope = slope[:, None]
        else:
            slope = tangent(out, tag, self.K, WHO, "fun's output")
            value = primal(out, tag)
        if not (type(value) is np.ndarray and value.dtype != object):
            value = plain_value(value, WHO, f"fun's output at t={t!r}")
        if value.shape != (self.n,) or type(slope) is not np.ndarray or slope.dtype == object:
            if value.size == self.n and type(slope) is np.ndarray and slope.dtype != object:
                return value.reshape(self.n), slope.reshape(self.n, self.K)
            raise ValueError(f"{WHO}: fun returned shape {value.shape} at t={t!r}; expected "
                             f"({self.n},), the shape of y0, with plain tangents")
        return value, slope

    def f(self, t, y):
        """The primal f(t, y) (plain y)."""
        out = _call(self.fun, t, y, self.plain_args, self.vectorized)
        return plain_value(primal(out, self.tag), WHO, "fun's output").reshape(self.n)

    def f_y(self, t, y):
        """df/dy at plain (t, y): dualad's jacfwd, the closure's tangents dropped."""
        J = jacfwd(lambda v: _call(self.fun, t, v, self.plain_args, self.vectorized),
                   holomorphic=np.iscomplexobj(y))(y)
        return plain_value(primal(operand(J), self.tag), WHO, "the Jacobian of fun")


def _sensitivities(fun, t_span, y0, method, t_eval, dense_output, events, vectorized, args,
                   plain_args, options, tag, probe):
    t0, tf = t_span
    k = lanes((t0, tf, y0, args, t_eval, probe), tag)
    f0 = plain_value(primal(probe, tag), WHO, "fun's output")
    K = 1 if k in (None, "unset") else k
    k = None if k == "unset" else k
    y0p = plain_value(primal(y0, tag), WHO, "y0")
    if y0p.ndim != 1:
        raise ValueError(f"{WHO}: y0 must be 1-dimensional, got shape {y0p.shape}")
    n = y0p.size
    t0p, tfp = (float(np.real(plain_value(primal(t, tag), WHO, "t_span")))
                if not np.iscomplexobj(primal(t, tag)) else primal(t, tag) for t in t_span)
    S0 = tangent(y0, tag, K, WHO, "y0") - np.outer(f0.reshape(n), _time_tangent(t0, tag, K))
    dtype = np.result_type(y0p.dtype, S0.dtype, f0.dtype)
    problem = _Problem(fun, n, K, k, tag, args, plain_args, vectorized, dtype)
    z0 = np.concatenate([y0p.astype(dtype), S0.T.reshape(-1).astype(dtype)])
    t_eval_p = None if t_eval is None else plain_value(primal(operand(t_eval), tag), WHO,
                                                       "t_eval")
    options = _augmented_options(problem, method, options)
    aug_events = wrapped_events(events, problem)
    res = _si.solve_ivp(problem.rhs, (t0p, tfp), z0, method=method, t_eval=t_eval_p,
                        dense_output=dense_output, events=aug_events, **options)
    return _result(res, problem, t_span, t_eval, events)


def _time_tangent(t, tag, K):
    return tangent(t, tag, K, WHO, "t_span").reshape(K)


def _augmented_options(problem, method, options):
    """SciPy's options for the augmented system: atol per state repeated for its
    tangents; for the implicit methods the block-diagonal Jacobian."""
    options = dict(options)
    n, K = problem.n, problem.K
    atol = options.get("atol")
    if atol is not None and np.ndim(atol) == 1:
        if np.size(atol) != n:
            raise ValueError(f"{WHO}: atol has shape {np.shape(atol)}; expected a number or "
                             f"shape ({n},)")
        options["atol"] = np.tile(np.asarray(atol, dtype=float), K + 1)
    implicit = method in _IMPLICIT or (isinstance(method, type) and issubclass(
        method, (_si.Radau, _si.BDF, _si.LSODA)))
    if not implicit:
        return options
    user_jac = options.pop("jac", None)
    options.pop("jac_sparsity", None)   # the Jacobian is given: nothing to finite-difference
    band = options.get("lband"), options.get("uband")
    lsoda = method == "LSODA" or (isinstance(method, type) and issubclass(method, _si.LSODA))

    def jac(t, z):
        y = z[:n]
        if user_jac is None:
            J = problem.f_y(t, y)
        elif callable(user_jac):
            J = user_jac(t, y, *problem.plain_args)
            refuse_duals(J, WHO, "the output of jac")
        else:
            J = user_jac
        if band != (None, None):
            return np.tile(_packed(_dense(J), *band), (1, K + 1))
        if _sparse.issparse(J) or (n * (K + 1) > 400 and not lsoda):
            return _sparse.block_diag([_sparse.csc_matrix(J)] * (K + 1), format="csc")
        return np.kron(np.eye(K + 1), np.asarray(J))

    if user_jac is not None and not callable(user_jac):
        refuse_duals(user_jac, WHO, "jac")
    options["jac"] = jac
    return options


def _dense(J):
    return J.toarray() if _sparse.issparse(J) else np.asarray(J)


def _packed(J, lband, uband):
    """The banded (LSODA) form of J: packed[uband + i - j, j] = J[i, j]."""
    lband, uband = lband or 0, uband or 0
    n = J.shape[1]
    packed = np.zeros((lband + uband + 1, n), dtype=J.dtype)
    for offset in range(-uband, lband + 1):
        idx = np.arange(max(0, -offset), min(n, n - offset))
        packed[uband + offset, idx] = J[idx + offset, idx]
    return packed


def _result(res, problem, t_span, t_eval, events):
    n, K, k, tag = problem.n, problem.K, problem.k, problem.tag
    m = res.t.size
    Y = res.y[:n]
    S = res.y[n:].reshape(K, n, m).transpose(1, 2, 0).copy()   # (n, m, K)
    # the time of each output point moves: with t_span's ends, t_eval, a terminal event
    moving = np.zeros((m, K))
    t_events = y_events = None
    if events is not None and res.t_events is not None:
        t_events, y_events, terminal_tangent = event_tangents(res, problem, events)
    if t_eval is None:
        if m:
            moving[0] = _time_tangent(t_span[0], tag, K)
            moving[-1] = (terminal_tangent if res.status == 1 and terminal_tangent is not
                          None else _time_tangent(t_span[1], tag, K))
    else:
        moving[:] = tangent(operand(t_eval), tag, K, WHO, "t_eval")[:m]
    for i in np.flatnonzero(np.any(moving != 0, axis=1)):
        S[:, i, :] += np.outer(problem.f(res.t[i], Y[:, i]), moving[i])
    out = OdeResult(res)
    out.y = dual_of(Y, S, tag, k)
    if np.any(moving != 0):
        out.t = dual_of(res.t, moving, tag, k)
    if t_events is not None:
        out.t_events, out.y_events = t_events, y_events
    if res.sol is not None:
        out.sol = DualOdeSolution(res.sol, problem)
    return out


class DualOdeSolution:
    """``sol.sol`` of a sensitivity solve: ``sol(t)`` is the state at ``t`` as a dual
    (a DualArray of shape (n,) for a number t, (n, len(t)) for an array); a dual ``t``
    adds ``f(t, y(t)) t'``. ``augmented`` is SciPy's OdeSolution of [y, S]."""

    def __init__(self, augmented, problem):
        self.augmented, self._problem = augmented, problem
        self.t_min, self.t_max, self.ts = augmented.t_min, augmented.t_max, augmented.ts

    def __call__(self, t):
        p = self._problem
        tag, n, K = p.tag, p.n, p.K
        t = operand(t)
        tp = plain_value(primal(t, tag), "OdeSolution", "t")
        z = self.augmented(tp)
        Y = z[:n]
        S = z[n:].reshape((K, n) + z.shape[1:])
        S = np.moveaxis(S, 0, -1).copy()   # (n, [m,] K)
        moving = tangent(t, tag, K, "OdeSolution", "t")
        if np.any(moving != 0):
            if Y.ndim == 1:
                S += np.outer(p.f(tp, Y), moving)
            else:
                for i in np.flatnonzero(np.any(moving != 0, axis=1)):
                    S[:, i, :] += np.outer(p.f(tp[i], Y[:, i]), moving[i])
        return dual_of(Y, S, tag, p.k)


__all__ = ["solve_ivp", "DualOdeSolution"]
