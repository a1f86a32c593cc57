"""Perturbation tags: which differentiation a tangent belongs to.

Every transformation (``derivative``, ``jvp``, ``gradient``, ...) seeds its inputs with a
fresh tag. When duals of different tags meet, the one with the larger tag is the outer
dual and the other is a constant with respect to it; that is what keeps nested
differentiation free of perturbation confusion (Siskind & Pearlmutter's problem):

>>> import dualad as ad
>>> ad.derivative(lambda x: x * ad.derivative(lambda y: x + y, 1.0), 1.0)
1.0

Tags come from one process-wide counter (``next`` on ``itertools.count`` is atomic in
CPython), so threads differentiating at the same time never share a tag. Duals that a
user builds by hand get small "user levels" (0 for ``Dual(x)``, 1 for ``Dual(Dual(x))``,
...), all below the transformation tags.

A transformation's tag is *running* while its pass calls ``f`` (``with running(tag):``).
A dual that escapes ``f`` (kept in a list, a global, a closure) outlives its pass; met
by a dual of another tag later, it would pass for an outer perturbation (or be taken as
a constant) and give a wrong number, so ``check_met`` refuses it, where duals of
different tags meet (the rule path of every operation; such a meeting never takes an
operator's fast path), as JAX refuses an escaped tracer:

>>> leak = []
>>> ad.derivative(lambda x: leak.append(x) or x * x, 1.0)
2.0
>>> ad.derivative(lambda y: y * leak[0], 2.0)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
dualad.base.tags.EscapedDualError: a dual of a finished differentiation ...
"""
from __future__ import annotations

import itertools
import threading

#: Tags of user-built duals are below this; transformation tags are at or above it.
TRANSFORM_BASE = 1 << 20

_counter = itertools.count(TRANSFORM_BASE)


def new_tag() -> int:
    """A tag no live dual carries yet, larger than every tag handed out before."""
    return next(_counter)


def hand_out_again_from(tag: int) -> None:
    """Hand out tags from ``tag`` on again: for a caller whose duals of those tags are all
    gone (``dualad.transforms.warmup``, so that a user's tags do not depend on it)."""
    global _counter
    _counter = itertools.count(tag)


#: tags whose transformation pass is running f now (in any thread), and the tags of
#: hand-built duals nested beyond TRANSFORM_BASE levels, which never finish
_running: set = set()
_permanent: set = set()
#: per thread: how many passes this thread's calls are inside (``running_here``)
_here = threading.local()


def new_user_tag() -> int:
    """A tag for a hand-built dual (no transformation will finish it)."""
    tag = next(_counter)
    _permanent.add(tag)
    return tag


class running:
    """``with running(tag): out = f(...)``: the pass of ``tag`` is running ``f``."""

    __slots__ = ("tag",)

    def __init__(self, tag: int):
        self.tag = tag

    def __enter__(self):
        _running.add(self.tag)
        _here.depth = getattr(_here, "depth", 0) + 1
        return self.tag

    def __exit__(self, *exc):
        _running.discard(self.tag)
        _here.depth -= 1
        return False


def running_here() -> bool:
    """Whether this thread is inside a running pass (a differentiation of its own, not
    one that another thread runs meanwhile)."""
    return getattr(_here, "depth", 0) > 0


class EscapedDualError(TypeError):
    """A dual of a finished transformation met a dual of another differentiation."""


def finished(tag) -> bool:
    """True for the tag of a transformation pass that has returned."""
    return tag >= TRANSFORM_BASE and tag not in _running and tag not in _permanent


def check_met(a: int, b: int) -> None:
    """Duals of tags ``a`` and ``b`` meet: both must belong to running differentiations."""
    if finished(a):
        raise escaped(a, b)
    if finished(b):
        raise escaped(b, a)


def escaped(tag: int, other: int | None = None) -> EscapedDualError:
    meeting = f" met a dual of tag {other}" if other is not None else " came back from f"
    return EscapedDualError(
        f"a dual of a finished differentiation (tag {tag}){meeting}: it escaped from the f "
        "of an earlier transformation (kept in a list, a global or a closure) and is used "
        "after that transformation returned, where its tangent would be taken for another "
        "perturbation. Keep duals inside the f that received them; pass out d.value")
