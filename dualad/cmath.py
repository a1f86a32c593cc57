"""Drop-in replacement for the standard ``cmath`` module that also takes duals.

Every function and constant of ``cmath`` is here. Plain numbers get exactly ``cmath``'s
result; duals (real or complex valued) are promoted to complex and get a dual with a
complex tangent (holomorphic functions: ``f'(z)·dz``; ``phase`` and ``polar`` use the
real-linear tangent of a non-holomorphic function).

>>> from dualad import cmath, Dual
>>> cmath.exp(Dual(0j))
Dual((1+0j), (1+0j))
"""
import cmath as _std

from dualad.stdlib.modules import build as _build
from dualad.core.rule_path import CMATH as _CMATH

globals().update(_build(_std, _CMATH))
