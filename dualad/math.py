"""Drop-in replacement for the standard ``math`` module that also takes duals.

Every function and constant of ``math`` is here. On plain numbers each function returns
exactly what ``math`` returns (same value, same exceptions); on duals it returns a dual
whose tangent follows the rule table. Domain errors on duals raise ``math``'s own
``ValueError``.

>>> from dualad import math, Dual
>>> math.sin(0.5) == __import__("math").sin(0.5)
True
>>> math.exp(Dual(0.0))
Dual(1.0, 1.0)
"""
import math as _std

from dualad.stdlib.modules import build as _build
from dualad.core.rule_path import MATH as _MATH

globals().update(_build(_std, _MATH))
