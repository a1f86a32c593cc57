"""Events of a sensitivity solve: located on the primal, their times and states as duals.

SciPy finds an event where ``g(t, y(t)) = 0``. When the parameters move, the event's time
moves with them: differentiating ``g(t_e, y(t_e)) = 0`` gives

    t_e' = -(g_y S + g_p p') / (g_t + g_y f),        y_e' = S(t_e) + f(t_e, y_e) t_e',

the numerator from one dual evaluation of ``g`` (the tangent of the state S seeded, the
duals in g's closure or in ``args``, a dual threshold for instance, adding ``g_p p'``),
the denominator (the rate of change of ``g`` along the trajectory) from one more of a
fresh tag along ``(1, f)``. A tangential crossing (denominator 0) has no derivative and
is refused.
"""
from __future__ import annotations

import numpy as np

from dualad.arrays.array import _make_array
from dualad.base.tags import new_tag, running
from dualad.core.number import Dual, _make
from dualad.scipy._ivp_duals import dual_of, operand, plain_value, primal, tangent

WHO = "solve_ivp"


def _as_list(events):
    return [events] if callable(events) else list(events)


def wrapped_events(events, problem):
    """The events for SciPy's augmented solve: each ``g`` of the state part, its primal."""
    if events is None:
        return None
    wrapped = []
    n, tag = problem.n, problem.tag
    for g in _as_list(events):
        def event(t, z, g=g):
            out = primal(operand(g(t, z[:n], *problem.primal_args)), tag)
            return out if problem.nested else plain_value(out, WHO, "an event's value")[()]
        for name in ("terminal", "direction"):
            if hasattr(g, name):
                setattr(event, name, getattr(g, name))
        wrapped.append(event)
    return wrapped


def _rate_along(g, t, y, f, problem):
    """d/ds g(t + s, y + s f): g's rate of change along the trajectory at (t, y)."""
    along = new_tag()
    with running(along):
        out = operand(g(_make(t, 1.0, along), _make_array(y, f, along, None),
                        *problem.primal_args))
    rate = out.tangent if isinstance(out, Dual) and out.tag == along else 0.0
    rate = primal(rate, problem.tag)
    if problem.nested:
        return rate
    return plain_value(rate, WHO, "the rate of an event function")[()]


def event_tangents(res, problem, events):
    """The events' times and states as duals, and the tangent of the time of the event
    that stopped the solve (None when none did)."""
    n, K, k, tag = problem.n, problem.K, problem.k, problem.tag
    t_events, y_events, terminal = [], [], None
    for i, g in enumerate(_as_list(events)):
        times, states = res.t_events[i], res.y_events[i]
        if np.size(times) == 0:
            t_events.append(times)
            y_events.append(states if np.ndim(states) < 2 else states[:, :n])
            continue
        dt, dy = [], []
        for j in range(len(times)):
            t_e, z_e = times[j], states[j]
            y_e, S_e = z_e[:n], z_e[n:].reshape(K, n).T
            f_e = problem.f(t_e, y_e)
            moved = operand(g(t_e, _make_array(y_e, S_e if k is not None else S_e[:, 0], tag,
                                               k), *problem.args))
            dg = tangent(moved, tag, K, WHO, f"event {i}'s value").reshape(K)
            rate = _rate_along(g, t_e, y_e, f_e, problem)
            if rate == 0:
                raise ValueError(f"{WHO}: event {i} at t={t_e!r} is met tangentially (its "
                                 "rate of change along the solution is 0), so its time has "
                                 "no derivative")
            dt.append(-dg / rate)
            dy.append(S_e + np.reshape(f_e, (n, 1)) * np.reshape(dt[-1], (1, K)))
        dts, dys = np.stack(dt), np.stack(dy)
        t_events.append(dual_of(times, dts, tag, k))
        y_events.append(dual_of(states[:, :n], dys, tag, k))
        if res.status == 1 and getattr(g, "terminal", False) and times[-1] == res.t[-1]:
            terminal = dts[-1]
    return t_events, y_events, terminal
