"""Type stubs of dualad.cmath: written by dualad/stdlib/stubs.py from the rule table
(``python -m dualad.stdlib.stubs``; generated on Python 3.11, whose cmath module
has these names). tests/test_typing.py fails when they are stale.

The Dual overload of each function comes first: a Dual also has ``__float__``,
``__complex__`` and ``__index__`` (which refuse, naming the lost derivative), so to a
type checker it matches the plain-number overload too, and mypy reports the overlap
(``overload-overlap``, silenced on those lines). At run time a Dual gets a Dual, as
the first overload says.
"""
from typing import (Any, Iterable, SupportsComplex, SupportsFloat, SupportsIndex, TypeAlias,
                    overload)

from dualad.core.number import Dual

_Real: TypeAlias = SupportsFloat | SupportsIndex
_Complex: TypeAlias = SupportsFloat | SupportsComplex | SupportsIndex | complex

e: float
inf: float
infj: complex
nan: float
nanj: complex
pi: float
tau: float

@overload
def acos(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def acos(x: _Complex, /) -> complex: ...

@overload
def acosh(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def acosh(x: _Complex, /) -> complex: ...

@overload
def asin(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def asin(x: _Complex, /) -> complex: ...

@overload
def asinh(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def asinh(x: _Complex, /) -> complex: ...

@overload
def atan(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def atan(x: _Complex, /) -> complex: ...

@overload
def atanh(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def atanh(x: _Complex, /) -> complex: ...

@overload
def cos(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def cos(x: _Complex, /) -> complex: ...

@overload
def cosh(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def cosh(x: _Complex, /) -> complex: ...

@overload
def exp(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def exp(x: _Complex, /) -> complex: ...

def isclose(a: Dual | _Complex, b: Dual | _Complex, /, *, rel_tol: float = ..., abs_tol: float = ...) -> bool: ...

def isfinite(x: Dual | _Complex, /) -> bool: ...

def isinf(x: Dual | _Complex, /) -> bool: ...

def isnan(x: Dual | _Complex, /) -> bool: ...

@overload
def log(x: Dual, base: Dual | _Complex = ..., /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def log(x: _Complex, base: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def log(x: _Complex, base: _Complex = ..., /) -> complex: ...

@overload
def log10(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def log10(x: _Complex, /) -> complex: ...

@overload
def phase(z: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def phase(z: _Complex, /) -> float: ...

@overload
def polar(z: Dual, /) -> tuple[Dual, Dual]: ...  # type: ignore[overload-overlap]
@overload
def polar(z: _Complex, /) -> tuple[float, float]: ...

@overload
def rect(r: Dual, phi: Dual | _Real, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def rect(r: _Real, phi: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def rect(r: _Real, phi: _Real, /) -> complex: ...

@overload
def sin(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def sin(x: _Complex, /) -> complex: ...

@overload
def sinh(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def sinh(x: _Complex, /) -> complex: ...

@overload
def sqrt(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def sqrt(x: _Complex, /) -> complex: ...

@overload
def tan(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def tan(x: _Complex, /) -> complex: ...

@overload
def tanh(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def tanh(x: _Complex, /) -> complex: ...
