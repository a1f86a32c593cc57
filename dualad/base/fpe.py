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

- dualad's code evaluating a primal (an ``evaluate(name, ...)`` frame among its callers):
  the caller's handling;
- code outside dualad (a plain NumPy operation in the user's f): the caller's handling;
- dualad's code otherwise (tangents, lane guards): ignored.

The caller's handling is what ``np.geterr()``/``np.geterrcall()`` said when the pass
began (for a pass inside another, when the user's f last set it): "warn" (a
RuntimeWarning at the user's line), "raise" (FloatingPointError), "call", "print" or
"log". The frames are looked at only when an error occurs.
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
    if getattr(_state, "primal", None) is INTERNAL:
        return
    name = _origin(sys._getframe(1))
    if name is None:
        return   # dualad's own tangent arithmetic
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
        self.outer = outer = getattr(_state, "caller", None)
        call = np.geterrcall()
        if outer is not None and call is _dispatch:
            self.errstate = None   # inside another pass, whose handling is in place
            return self
        # the outermost pass, or one inside the user's own np.errstate in f
        mode = np.geterr()
        _state.caller = (mode, call)
        key = (mode["divide"], mode["over"], mode["under"], mode["invalid"])
        kwargs = _ERRSTATES.get(key)
        if kwargs is None:
            kwargs = _ERRSTATES[key] = {"all": "ignore"} if set(key) == {"ignore"} else dict(
                call=_dispatch, **{k: "ignore" if v == "ignore" else "call"
                                   for k, v in mode.items()})
        self.errstate = np.errstate(**kwargs)
        self.errstate.__enter__()
        return self

    def __exit__(self, *exc):
        if self.errstate is not None:
            self.errstate.__exit__(*exc)
        _state.caller = self.outer
        return False


#: the caller's (divide, over, under, invalid) handling -> the errstate of a pass
_ERRSTATES: dict = {}


#: the marker of dualad's own arithmetic on the duals of an outer transformation
INTERNAL = "dualad's own arithmetic"


def evaluate(name, fn, *args, **kwargs):
    """``fn(*args, **kwargs)``: the primal ``name`` of the user's program, evaluated by
    dualad on plain values. It costs one call: ``_dispatch`` finds this frame among those
    of a failing operation, and then hands the error to the caller's handling."""
    return fn(*args, **kwargs)


_SITES = {evaluate.__code__}
#: (file, line) of the statements marked ``# primal`` (or ``# primal: name``) -> name
_LINES: dict = {}


def mark_primal_lines(module_name: str) -> None:
    """Register the lines of ``module_name`` marked ``# primal``: one-line statements that
    evaluate a primal on plain values on the hottest paths, where even ``evaluate``'s call
    would cost. The name is the marker's, else that of the local ``ufunc``. A marked line
    must evaluate nothing else (a ``passing`` call goes on a line of its own)."""
    path = sys.modules[module_name].__file__
    if path is None:
        raise ValueError(f"mark_primal_lines: {module_name} has no source file")
    with open(path, encoding="utf-8") as source:
        for number, line in enumerate(source, 1):
            code, _, comment = line.partition("#")
            if comment.strip().startswith("primal") and code.strip():
                name = comment.strip()[len("primal"):].lstrip(":").strip() or None
                _LINES[(path, number)] = name


def _origin(frame):
    """Where a failing operation came from, seen from the frames of its callers: the
    name of the primal being evaluated (an ``evaluate`` frame among dualad's frames),
    "a NumPy operation" (the first frame that is not NumPy's is outside dualad), or None
    (dualad's own arithmetic)."""
    inside = False
    while frame is not None:
        if frame.f_code in _SITES:
            return frame.f_locals["name"]
        line = (frame.f_code.co_filename, frame.f_lineno)
        if line in _LINES:
            ufunc = frame.f_locals.get("ufunc")
            return _LINES[line] or getattr(ufunc, "__name__", "an operation")
        module = _module(frame)
        if module == "dualad" or module.startswith("dualad."):
            inside = True
        elif not module.startswith("numpy"):
            return None if inside else "a NumPy operation"
        frame = frame.f_back
    return None


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
        if getattr(_state, "primal", None) is INTERNAL:
            return "ignore"
        return "ignore" if _origin(sys._getframe(1)) is None else "record"
    return "ignore" if np.geterr() == _IGNORED else None


class Record(list):
    """A NumPy error callback that keeps the kinds of error it is called with."""

    def __call__(self, kind, flag):
        self.append((kind, flag))


def replay(record: Record) -> None:
    """Hand each kind of error in ``record`` once to the caller's handling."""
    for kind, flag in dict.fromkeys(record):
        _dispatch(kind, flag)
