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
"""
from __future__ import annotations

import itertools

#: Tags of user-built duals are below this; transformation tags are at or above it.
TRANSFORM_BASE = 1 << 20

_counter = itertools.count(TRANSFORM_BASE)


def new_tag() -> int:
    """A tag no live dual carries yet, larger than every tag handed out before."""
    return next(_counter)
