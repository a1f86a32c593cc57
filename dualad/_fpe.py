"""NumPy's floating-point errors inside a transformation pass.

Inside a pass dualad computes tangents whose inf and nan are not the user's: a partial
is inf where the primal is finite (sqrt'(0) = inf), and the lane rule forms products it
then discards. Those must neither warn nor raise under ``np.seterr(all="raise")``. The
primal, though, is the user's program: ``np.log(x)`` at x = 0 warns "divide by zero" in
a pass exactly as it does outside one.

A pass (``floating_point_errors``) therefore sets NumPy's handling of every error the
caller does not ignore to "call", with ``_dispatch`` as the callback. NumPy calls it only
when an operation has an error, so the pass costs nothing while none occurs.
``_dispatch`` looks at where the failing operation came from:

- dualad's code evaluating a primal (inside ``evaluate(name, ...)``): the caller's handling;
- code outside dualad (a plain NumPy operation in the user's f): the caller's handling;
- dualad's code otherwise (tangents, lane guards): ignored.

The caller's handling is what ``np.geterr()``/``np.geterrcall()`` said when the pass
began (for a pass inside another, when the user's f last set it): "warn" (a RuntimeWarning at the user's line), "raise" (FloatingPointError),
"call", "print" or "log".
"""
from __future__ import annotations

import sys
import threading
import warnings

import numpy as np

_state = threading.local()

_KIND = {"divide by zero": "divide", "overflow": "over", "underflow": "under",
         "invalid value": "invalid"}
_IGNORED = {"divide": "ignore", "over": "ignore", "under": "ignore", "invalid": "ignore"}


def _module(frame) -> str:
    """The module of a frame; code that dualad compiles (partials, rules) is dualad's."""
    if frame.f_code.co_filename.startswith("<dualad"):
        return "dualad"
    return frame.f_globals.get("__name__") or ""


def _outside(frame):
    """The first frame, from ``frame`` outwards, of neither dualad nor NumPy."""
    depth = 0
    while frame is not None:
        name = _module(frame)
        if not (name == "dualad" or name.startswith(("dualad.", "numpy"))):
            return frame, depth
        frame = frame.f_back
        depth += 1
    return None, depth


def _dispatch(kind: str, flag: int) -> None:
    name = getattr(_state, "primal", None)
    if name is INTERNAL:
        return
    if name is None:
        frame = sys._getframe(1)
        while frame is not None and _module(frame).startswith("numpy"):
            frame = frame.f_back
        if frame is None or _module(frame).partition(".")[0] == "dualad":
            return   # dualad's own tangent arithmetic
        name = "a NumPy operation"
    caller = getattr(_state, "caller", None)
    if caller is None:
        return
    mode, callback = caller
    handling = mode.get(_KIND.get(kind, "invalid"), "warn")
    message = f"{kind} encountered in {name}"
    if handling == "ignore":
        return
    if handling == "raise":
        raise FloatingPointError(message)
    if handling == "call":
        callback(kind, flag)
    elif handling == "log":
        callback.write(f"Warning: {message}\n")
    elif handling == "print":
        print(f"Warning: {message}")
    else:
        _, depth = _outside(sys._getframe(1))
        warnings.warn(message, RuntimeWarning, stacklevel=depth + 2)


class floating_point_errors:
    """Context for one pass: the primal's floating-point errors are handled as the
    caller asked, dualad's own are ignored (see the module's docstring)."""

    def __enter__(self):
        self.outer = getattr(_state, "caller", None)
        if self.outer is None or np.geterrcall() is not _dispatch:
            # the outermost pass, or one inside the user's own np.errstate in f
            _state.caller = (np.geterr(), np.geterrcall())
        mode = _state.caller[0]
        if all(v == "ignore" for v in mode.values()):
            self.errstate = np.errstate(all="ignore")
        else:
            self.errstate = np.errstate(
                call=_dispatch, **{k: "ignore" if v == "ignore" else "call"
                                   for k, v in mode.items()})
        self.errstate.__enter__()
        return self

    def __exit__(self, *exc):
        self.errstate.__exit__(*exc)
        _state.caller = self.outer
        return False


#: the marker of dualad's own arithmetic on the duals of an outer transformation
INTERNAL = "dualad's own arithmetic"


def evaluate(name, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``: the primal ``name`` of the user's program, evaluated by
    dualad on plain values; its floating-point errors are handled as the caller of the
    pass asked (unless it is part of a nested operation's own arithmetic)."""
    state = _state.__dict__   # this thread's
    previous = state.get("primal")
    if previous is INTERNAL:
        return fn(*args, **kwargs)
    state["primal"] = name
    try:
        return fn(*args, **kwargs)
    finally:
        state["primal"] = previous


def nested(fn, *args):
    """Run a nested operation: one whose values are duals of an outer transformation
    (jvp of jvp, Hessians). Its tangent arithmetic runs on those duals, and their primals
    are not the user's: they are ``INTERNAL``. Its own primal goes through ``passing``."""
    primal, entry = getattr(_state, "primal", None), getattr(_state, "entry", None)
    _state.entry, _state.primal = primal, INTERNAL
    try:
        return fn(*args)
    finally:
        _state.primal, _state.entry = primal, entry


def passing(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, the primal of a nested operation on the duals of an outer
    transformation: they evaluate theirs as the nested operation's caller would have."""
    previous = getattr(_state, "primal", None)
    _state.primal = getattr(_state, "entry", None)
    try:
        return fn(*args, **kwargs)
    finally:
        _state.primal = previous


def split_mode():
    """How an operation split across worker threads (which run under NumPy's default
    handling) treats floating-point errors: "ignore" (dualad's own, or the caller ignores
    them), "record" (a primal inside a pass: the workers record them and ``replay``
    hands them to the caller's handling), or None (do not split: outside a pass the
    caller's handling applies directly)."""
    if getattr(_state, "caller", None) is not None:
        primal = getattr(_state, "primal", None)
        return "ignore" if primal is None or primal is INTERNAL else "record"
    return "ignore" if np.geterr() == _IGNORED else None


class Record(list):
    """A NumPy error callback that keeps the kinds of error it is called with."""

    def __call__(self, kind, flag):
        self.append((kind, flag))


def replay(record: Record) -> None:
    """Hand each kind of error in ``record`` once to the caller's handling."""
    for kind, flag in dict.fromkeys(record):
        _dispatch(kind, flag)
