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

Nested differentiation (``ad.hessian`` of a function that calls ``solve_ivp``) is the
same construction once per level: the augmented system of the outermost differentiation
carries the duals of the next one, and is solved by this same function, down to SciPy.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import scipy.integrate as _si
import scipy.sparse as _sparse

from dualad.arrays.array import DualArray, _make_array
from dualad.base.carriers import Carrier
from dualad.core.number import Dual
from dualad.scipy._ivp_duals import (
    all_primal, dual_of, lanes, operand, outer_tag, plain_value, primal, refuse_duals,
    tangent, tags_in)
from dualad.scipy._ivp_events import event_tangents, wrapped_events
from dualad.transforms.jacobians import jacfwd

try:   # the result type SciPy returns (a dict with attribute access)
    from scipy.integrate._ivp.ivp import OdeResult
except ImportError:   # pragma: no cover
    from scipy.optimize import OptimizeResult as OdeResult

WHO = "solve_ivp"
_IMPLICIT = (_si.Radau, _si.BDF, _si.LSODA)


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
    >>> round(ad.derivative(y_end, 0.5), 8), round(-2 * float(np.exp(-1.0)), 8)
    (-0.73575888, -0.73575888)
    """
    if args is not None:
        try:
            args = tuple(args)
        except TypeError:
            raise TypeError(f"{WHO}: args must be a tuple of extra arguments for fun, got "
                            f"{type(args).__name__}") from None
    for name in ("rtol", "atol", "first_step", "max_step", "min_step", "jac", "jac_sparsity"):
        if name in options and not callable(options[name]):
            refuse_duals(options[name], WHO, name)
    return _solve(fun, t_span, y0, method, t_eval, dense_output, events, vectorized,
                  () if args is None else args, options, None)


def _solve(fun, t_span, y0, method, t_eval, dense_output, events, vectorized, args, options,
           f_y):
    """One level: SciPy's call without duals; else the augmented system of the outermost
    differentiation, solved by ``_solve`` again (the next level, or SciPy). ``f_y(t, y)``:
    the plain Jacobian of the original f, from the level above (None at the top)."""
    try:
        t0, tf = t_span
    except (TypeError, ValueError):
        raise ValueError(f"{WHO}: t_span must be a pair (t0, tf), got {t_span!r:.60}") from None
    y0 = operand(y0)
    found = tags_in((t0, tf, y0, args, t_eval))
    plain_args = all_primal(args, found)
    probe = _call(fun, all_primal(t0, found), plain_value(all_primal(y0, found), WHO, "y0"),
                  plain_args, vectorized)
    found |= tags_in(probe)
    tag = outer_tag(found, WHO)
    if tag is None:   # nothing to differentiate: SciPy's call, fun's output checked
        if f_y is not None:   # the innermost level of a sensitivity solve
            options = f_y.options(method, options, np.size(y0))
        return _si.solve_ivp(_checked(fun), t_span, y0, method=method, t_eval=t_eval,
                             dense_output=dense_output, events=events,
                             vectorized=vectorized, args=args or None, **options)
    nested = len(found) > 1
    k = lanes((t0, tf, y0, args, t_eval, probe), tag)
    problem = _Problem(fun, np.size(all_primal(y0, found)), k, tag, args,
                       primal(args, tag), vectorized, nested, found)
    y0p = primal(y0, tag)
    if np.ndim(all_primal(y0p, found)) != 1:
        raise ValueError(f"{WHO}: y0 must be 1-dimensional, got shape {np.shape(y0p)}")
    t0p, tfp = primal(t0, tag), primal(tf, tag)
    f0 = problem.f(t0p, y0p) if nested else plain_value(primal(probe, tag), WHO, "fun")
    S0 = tangent(y0, tag, problem.K, WHO, "y0")
    t0_moves = tangent(t0, tag, problem.K, WHO, "t_span[0]").reshape(problem.K)
    if tags_in(t0_moves) or np.any(t0_moves != 0):
        S0 = S0 - _outer(f0, t0_moves)
    z0 = np.concatenate([y0p, S0.T.reshape(-1)])
    if f_y is None:   # the top level: the Jacobian for implicit methods, of plain floats
        f_y = _StateJacobian(problem.user_f_y(options) if "jac" in options else
                             problem.f_y, problem.n)
    options = dict(options)
    options.pop("jac", None)
    options.pop("jac_sparsity", None)   # the Jacobian is given: nothing to finite-difference
    atol = options.get("atol")
    if atol is not None and np.ndim(atol) == 1:   # per state: the same for its tangents
        if np.size(atol) != problem.n:
            raise ValueError(f"{WHO}: atol has shape {np.shape(atol)}; expected a number or "
                             f"shape ({problem.n},), one per state")
        options["atol"] = np.tile(np.asarray(atol, dtype=float), problem.K + 1)
    t_eval_p = None if t_eval is None else primal(operand(t_eval), tag)
    res = _solve(problem.rhs, (t0p, tfp), z0, method, t_eval_p, dense_output,
                 wrapped_events(events, problem), False, (), options, f_y)
    return _result(res, problem, t_span, t_eval, events)


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


def _outer(column, row):
    """column[:, None] * row[None, :], for plain arrays and duals alike."""
    if not (isinstance(column, Carrier) or isinstance(row, Carrier)):
        return np.outer(column, row)
    return np.reshape(column, (-1, 1)) * np.reshape(row, (1, -1))


class _Problem:
    """The augmented system of one level: sizes, the tag followed, the RHS; ``nested``
    when the state carries duals of other (inner, lower-tagged) differentiations too."""

    def __init__(self, fun, n, k, tag, args, primal_args, vectorized, nested, tags):
        self.fun, self.n, self.tag = fun, n, tag
        self.k = None if k == "unset" else k   # "unset": only the closure carries the tag
        self.K = 1 if self.k is None else self.k
        self.args, self.primal_args, self.vectorized = args, primal_args, vectorized
        self.nested, self.tags = nested, tags

    def rhs(self, t, z):
        """[f, f_y S + f_p p'] from one dual evaluation of f."""
        n, K = self.n, self.K
        # S as a C-ordered (n, K) array, not a transposed view of z: NumPy's loops on the
        # tangents f computes with then run over contiguous memory (rhs ~8% faster, n=10, K=5)
        S = np.ascontiguousarray(z[n:].reshape(K, n).T)
        y = _make_array(z[:n], S if self.k is not None else S[:, 0], self.tag, self.k)
        out = _call(self.fun, t, y, self.args, self.vectorized)
        if type(out) is DualArray and out.tag == self.tag:
            value, slope = out.value, out.tangent
            if self.k is None:
                slope = slope[:, None]
        else:
            value, slope = primal(out, self.tag), tangent(out, self.tag, K, WHO, "fun")
        if not self.nested and not (type(value) is np.ndarray and value.dtype.kind in "fc"):
            value = plain_value(value, WHO, f"fun's output at t={t!r}")
        if np.shape(value) != (n,):
            raise ValueError(f"{WHO}: fun returned shape {np.shape(value)} at t={t!r}; "
                             f"expected ({n},), the shape of y0")
        return np.concatenate([value, slope.T.reshape(-1)])

    def f(self, t, y):
        """f(t, y) with the tangents of this level dropped."""
        out = primal(_call(self.fun, t, y, self.primal_args, self.vectorized), self.tag)
        return np.reshape(out if self.nested else plain_value(out, WHO, "fun"), self.n)

    def f_y(self, t, y):
        """df/dy at plain (t, y): dualad's jacfwd, every tangent of the closure dropped."""
        args = all_primal(self.args, self.tags)
        J = jacfwd(lambda v: _call(self.fun, t, v, args, self.vectorized),
                   holomorphic=np.iscomplexobj(y))(y)
        return plain_value(all_primal(operand(J), self.tags), WHO, "the Jacobian of fun")

    def user_f_y(self, options):
        user_jac = options["jac"]
        if not callable(user_jac):
            return lambda t, y: user_jac
        args = all_primal(self.args, self.tags)

        def f_y(t, y):
            J = user_jac(t, y, *args)
            refuse_duals(J, WHO, "the output of jac")
            return J
        return f_y


class _StateJacobian:
    """df/dy of the original f on plain floats (size n), for the innermost level."""

    def __init__(self, f_y, n):
        self.f_y, self.n = f_y, n

    def options(self, method, options, N):
        """SciPy's options for an implicit method on the augmented system of N states: its
        Jacobian block diagonal with f_y in each block, f_yy S left out."""
        if not (method in ("Radau", "BDF", "LSODA") or
                (isinstance(method, type) and issubclass(method, _IMPLICIT))):
            return options
        band = options.get("lband"), options.get("uband")
        lsoda = method == "LSODA" or (isinstance(method, type) and
                                      issubclass(method, _si.LSODA))
        n, blocks = self.n, N // self.n

        def jac(t, z):
            J = self.f_y(t, z[:n])
            if band != (None, None):
                return np.tile(_packed(_dense(J), *band), (1, blocks))
            if _sparse.issparse(J) or (N > 400 and not lsoda):
                return _sparse.block_diag([_sparse.csc_matrix(J)] * blocks, format="csc")
            return np.kron(np.eye(blocks), np.asarray(J))
        return dict(options, jac=jac)


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


def _moving_rows(moving):
    """The indices of the rows of ``moving`` (m, K) with a nonzero (or dual) tangent."""
    if isinstance(moving, np.ndarray) and moving.dtype != object:
        return list(np.flatnonzero(np.any(moving != 0, axis=1)))
    return [i for i in range(len(moving)) if tags_in(moving[i]) or np.any(moving[i] != 0)]


def _with_moving_times(S, Y, times, moving, problem):
    """S (n, m, K) plus f(t_i, y_i) t_i' in each column i whose time moves."""
    rows = _moving_rows(moving)
    if not rows:
        return S
    if not (problem.nested or tags_in(moving)):
        S = S.copy()
        for i in rows:
            S[:, i, :] += np.outer(problem.f(times[i], Y[:, i]), moving[i])
        return S
    columns = [S[:, i, :] + _outer(problem.f(times[i], Y[:, i]), moving[i]) if i in rows
               else S[:, i, :] for i in range(np.shape(S)[1])]
    return np.stack(columns, axis=1)


def _result(res, problem, t_span, t_eval, events):
    n, K, k, tag = problem.n, problem.K, problem.k, problem.tag
    m = np.size(res.t)
    Y = res.y[:n]
    S = np.transpose(np.reshape(res.y[n:], (K, n, m)), (1, 2, 0))   # (n, m, K)
    t_events = y_events = terminal = None
    if events is not None and res.t_events is not None:
        t_events, y_events, terminal = event_tangents(res, problem, events)
    if t_eval is None:   # the ends of t_span move, or the time of a terminal event
        start = tangent(t_span[0], tag, K, WHO, "t_span[0]").reshape(K)
        end = terminal if res.status == 1 and terminal is not None else \
            tangent(t_span[1], tag, K, WHO, "t_span[1]").reshape(K)
        zero = np.zeros(K)
        moving: Any = [start if i == 0 else end if i == m - 1 else zero for i in range(m)]
        moving = np.array(moving) if not tags_in(moving) else moving
    else:
        moving = tangent(operand(t_eval), tag, K, WHO, "t_eval")[:m]
    S = _with_moving_times(S, Y, res.t, moving, problem)
    out = OdeResult(res)
    out.y = dual_of(Y, S, tag, k)
    if _moving_rows(moving):
        out.t = dual_of(res.t, np.stack(list(moving)) if m else np.zeros((0, K)), tag, k)
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
        tp = primal(t, tag)
        z = self.augmented(tp)
        Y = z[:n]
        S = np.moveaxis(np.reshape(z[n:], (K, n) + np.shape(z)[1:]), 0, -1)   # (n, [m,] K)
        moving = tangent(t, tag, K, "OdeSolution", "t")
        if np.ndim(Y) == 1:
            if tags_in(moving) or np.any(moving != 0):
                S = S + _outer(p.f(tp, Y), moving)
        else:
            S = _with_moving_times(S, Y, tp, moving, p)
        return dual_of(Y, S, tag, p.k)


__all__ = ["solve_ivp", "DualOdeSolution"]
