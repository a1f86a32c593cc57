"""The errors dualad raises when a derivative would be lost, and their explanation.

``DroppedDerivative`` is the refusal of ``float()``, ``int()`` or ``complex()`` of a dual
(the derivative would be dropped). Compiled code may swallow it (see ``plain_errors``):
each one made is counted per thread, so that a transformation can still explain the
error that comes out instead.
"""
from __future__ import annotations

import functools
import threading

__all__ = ["DroppedDerivative", "check_callable", "plain_errors", "refusals"]


class DroppedDerivative(TypeError):
    """float(), int() or complex() of a dual, refused: the derivative would be dropped.
    Its own class, and counted per thread (``refusals``), for ``plain_errors``."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        _refusals.count = getattr(_refusals, "count", 0) + 1
        _refusals.last = self


_refusals = threading.local()


def refusals() -> tuple:
    """(how many DroppedDerivative this thread has made, the last one)."""
    return getattr(_refusals, "count", 0), getattr(_refusals, "last", None)


def check_callable(f, who: str) -> None:
    if not callable(f):
        raise TypeError(f"{who}: f must be callable, got {type(f).__name__} {f!r:.60}")


def plain_errors(f, who: str):
    """``f``, except that a SystemError made of a dual's refused float() comes out as a
    TypeError that says what happened.

    Compiled code that asks for a float (``PyFloat_AsDouble``) and does not check for an
    error, as ``scipy.optimize.brentq``'s C loop does, goes on with the refusal pending;
    CPython then stops at the next call with "SystemError: ... returned a result with an
    exception set", the refusal as its cause; or the compiled code raises an error of its
    own on the value it got instead (brentq: "f(a) and f(b) must have different signs"),
    the refusal as its context."""
    @functools.wraps(f)
    def f_with_plain_errors(*args, **kwargs):
        made = refusals()[0]
        try:
            return f(*args, **kwargs)
        except Exception as exc:   # noqa: BLE001 - re-raised unless a refusal lies under it
            refusal = None if isinstance(exc, DroppedDerivative) else _refusal_in(exc)
            if refusal is None:
                count, last = refusals()
                if count == made or isinstance(exc, DroppedDerivative):
                    raise
                refusal = last   # a refusal made while f ran, cleared on the way
            # (CPython's specialised code can clear it inside the compiled loop: brentq
            # then reports only its own error on the value it got instead)
            raise TypeError(
                f"{who}: f passed a dual to compiled code that needs a plain float (such as "
                "scipy.optimize.brentq); a dual refuses float() because the derivative would "
                "be dropped, and that code went on regardless (Python reported "
                f"{type(exc).__name__}: {str(exc):.200}). "
                "Differentiate the result another way, e.g. for a root x(a) of g(x, a) = 0: "
                "dx/da = -(dg/da)/(dg/dx) at the root (implicit function theorem)") from refusal
    return f_with_plain_errors


def _refusal_in(exc):
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, DroppedDerivative):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
