"""Type stubs of dualad.math: written by dualad/stdlib/stubs.py from the rule table
(``python -m dualad.stdlib.stubs``; generated on Python 3.11, whose math module
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
nan: float
pi: float
tau: float

@overload
def acos(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def acos(x: _Real, /) -> float: ...

@overload
def acosh(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def acosh(x: _Real, /) -> float: ...

@overload
def asin(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def asin(x: _Real, /) -> float: ...

@overload
def asinh(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def asinh(x: _Real, /) -> float: ...

@overload
def atan(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def atan(x: _Real, /) -> float: ...

@overload
def atan2(y: Dual, x: Dual | _Real, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def atan2(y: _Real, x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def atan2(y: _Real, x: _Real, /) -> float: ...

@overload
def atanh(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def atanh(x: _Real, /) -> float: ...

@overload
def cbrt(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def cbrt(x: _Real, /) -> float: ...

@overload
def ceil(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def ceil(x: _Real, /) -> int: ...

def comb(n: SupportsIndex, k: SupportsIndex, /) -> int: ...

@overload
def copysign(x: Dual, y: Dual | _Real, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def copysign(x: _Real, y: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def copysign(x: _Real, y: _Real, /) -> float: ...

@overload
def cos(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def cos(x: _Real, /) -> float: ...

@overload
def cosh(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def cosh(x: _Real, /) -> float: ...

@overload
def degrees(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def degrees(x: _Real, /) -> float: ...

@overload
def dist(p: Iterable[float], q: Iterable[float], /) -> float: ...
@overload
def dist(p: Iterable[Dual], q: Iterable[Dual], /) -> Dual: ...
@overload
def dist(p: Iterable[Dual | float], q: Iterable[Dual | float], /) -> Dual | float: ...

@overload
def erf(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def erf(x: _Real, /) -> float: ...

@overload
def erfc(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def erfc(x: _Real, /) -> float: ...

@overload
def exp(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def exp(x: _Real, /) -> float: ...

@overload
def exp2(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def exp2(x: _Real, /) -> float: ...

@overload
def expm1(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def expm1(x: _Real, /) -> float: ...

@overload
def fabs(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def fabs(x: _Real, /) -> float: ...

def factorial(n: SupportsIndex, /) -> int: ...

@overload
def floor(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def floor(x: _Real, /) -> int: ...

@overload
def fmod(x: Dual, y: Dual | _Real, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def fmod(x: _Real, y: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def fmod(x: _Real, y: _Real, /) -> float: ...

@overload
def frexp(x: Dual, /) -> tuple[Dual, int]: ...  # type: ignore[overload-overlap]
@overload
def frexp(x: _Real, /) -> tuple[float, int]: ...

@overload
def fsum(seq: Iterable[float], /) -> float: ...
@overload
def fsum(seq: Iterable[Dual], /) -> Dual: ...
@overload
def fsum(seq: Iterable[Dual | float], /) -> Dual | float: ...

@overload
def gamma(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def gamma(x: _Real, /) -> float: ...

def gcd(*n: SupportsIndex) -> int: ...

@overload
def hypot(*x: float) -> float: ...
@overload
def hypot(*x: Dual) -> Dual: ...
@overload
def hypot(*x: Dual | float) -> Dual | float: ...

def isclose(a: Dual | _Real, b: Dual | _Real, /, *, rel_tol: float = ..., abs_tol: float = ...) -> bool: ...

def isfinite(x: Dual | _Real, /) -> bool: ...

def isinf(x: Dual | _Real, /) -> bool: ...

def isnan(x: Dual | _Real, /) -> bool: ...

def isqrt(n: SupportsIndex, /) -> int: ...

def lcm(*n: SupportsIndex) -> int: ...

@overload
def ldexp(x: Dual, i: SupportsIndex, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def ldexp(x: _Real, i: SupportsIndex, /) -> float: ...

@overload
def lgamma(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def lgamma(x: _Real, /) -> float: ...

@overload
def log(x: Dual, base: Dual | _Real = ..., /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def log(x: _Real, base: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def log(x: _Real, base: _Real = ..., /) -> float: ...

@overload
def log10(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def log10(x: _Real, /) -> float: ...

@overload
def log1p(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def log1p(x: _Real, /) -> float: ...

@overload
def log2(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def log2(x: _Real, /) -> float: ...

@overload
def modf(x: Dual, /) -> tuple[Dual, Dual]: ...  # type: ignore[overload-overlap]
@overload
def modf(x: _Real, /) -> tuple[float, float]: ...

@overload
def nextafter(x: Dual, y: Dual | _Real, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def nextafter(x: _Real, y: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def nextafter(x: _Real, y: _Real, /) -> float: ...

def perm(n: SupportsIndex, k: SupportsIndex | None = ..., /) -> int: ...

@overload
def pow(x: Dual, y: Dual | _Real, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def pow(x: _Real, y: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def pow(x: _Real, y: _Real, /) -> float: ...

@overload
def prod(iterable: Iterable[int], /, *, start: int = 1) -> int: ...
@overload
def prod(iterable: Iterable[float], /, *, start: float = 1) -> float: ...
@overload
def prod(iterable: Iterable[Dual], /, *, start: Dual | float = 1) -> Dual: ...
@overload
def prod(iterable: Iterable[Dual | float], /, *, start: Dual | float = 1) -> Dual | float: ...
@overload
def prod(iterable: Iterable[Any], /, *, start: Any = 1) -> Any: ...

@overload
def radians(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def radians(x: _Real, /) -> float: ...

@overload
def remainder(x: Dual, y: Dual | _Real, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def remainder(x: _Real, y: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def remainder(x: _Real, y: _Real, /) -> float: ...

@overload
def sin(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def sin(x: _Real, /) -> float: ...

@overload
def sinh(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def sinh(x: _Real, /) -> float: ...

@overload
def sqrt(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def sqrt(x: _Real, /) -> float: ...

@overload
def tan(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def tan(x: _Real, /) -> float: ...

@overload
def tanh(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def tanh(x: _Real, /) -> float: ...

@overload
def trunc(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def trunc(x: _Real, /) -> int: ...

@overload
def ulp(x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
@overload
def ulp(x: _Real, /) -> float: ...
