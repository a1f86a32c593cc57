"""The scalar dual number: a primal value and a tangent.

``Dual(v, t)`` stands for ``v + t·ε`` with ``ε² = 0``. The tangent is a float for one
direction, or a 1-D ``ndarray`` of k directions (multi-tangent, "vector mode"). Values
may be ints (promoted to float), floats, complex numbers, mpmath ``mpf``/``mpc`` or NumPy
scalars; a value may itself be a dual of a lower tag (nested differentiation).

Its operators, the hottest code in the package, are in ``dualad.core.operators``.

>>> from dualad import Dual
>>> x = Dual(3.0)            # tangent 1: d/dx
>>> x * x + 2 * x
Dual(15.0, 8.0)
>>> Dual(2.0, [1.0, 0.0]) * Dual(5.0, [0.0, 1.0])   # two directions at once
Dual(10.0, [5.0, 2.0])
"""
from __future__ import annotations

import decimal
import numbers
import operator as _operator
from copy import deepcopy as _deepcopy
from typing import TYPE_CHECKING, Any, Callable, NoReturn, Sequence, Union

import mpmath
import numpy as np

from dualad.base.carriers import Carrier
# re-exported (the layers above import them from here)
from dualad.base.errors import DroppedDerivative as DroppedDerivative, refusals as refusals
from dualad.base.tags import TRANSFORM_BASE, new_user_tag

__all__ = ["Dual"]

#: what a dual's value may be (mpmath's mpf and mpc are untyped: they pass as Any)
Value = Union[float, complex, "np.number[Any]", "Dual"]
#: a tangent: one direction (a number), or k directions (a 1-D sequence or array)
Tangent = Union[float, complex, "Dual", Sequence[Union[float, complex]], "np.ndarray[Any, Any]"]
#: what combines with a dual in arithmetic and comparisons (an int is a float to mypy)
Operand = Union[float, complex, "Dual"]

_new = object.__new__


def _promote_value(value: Any, what: str = "value") -> Any:
    cls = type(value)
    if cls is float or cls is complex:
        return value
    if cls is int or cls is bool:
        return float(value)
    if isinstance(value, (Dual, mpmath.mpf, mpmath.mpc)):
        return value
    if isinstance(value, np.ndarray):
        raise TypeError(f"Dual: {what} must be a scalar number, got an ndarray of shape "
                        f"{value.shape}; pass arrays to the transformations (jvp, jacfwd, ...) "
                        "instead")
    if isinstance(value, np.generic) and isinstance(value, (np.number, np.bool_)):
        return value if isinstance(value, np.inexact) else float(value)
    if isinstance(value, (numbers.Real, decimal.Decimal)):
        return float(value)
    if isinstance(value, numbers.Number):
        # a numbers.Complex, which has __complex__ (typeshed's numbers.Number declares none)
        return complex(value)  # type: ignore[call-overload]
    raise TypeError(f"Dual: {what} must be a number (int, float, complex, mpmath.mpf/mpc "
                    f"or a NumPy scalar), got {type(value).__name__} {value!r:.60}")


def _promote_tangent(tangent: Any, value: Any) -> Any:
    cls = type(tangent)
    if isinstance(_innermost(value), (mpmath.mpf, mpmath.mpc)) and (
            cls is float or cls is int or cls is complex):
        return mpmath.mpmathify(tangent)  # keep tangent arithmetic at the working precision
    if cls is float:
        return tangent
    if cls is int:
        return float(tangent)
    if isinstance(tangent, (Dual, mpmath.mpf, mpmath.mpc, complex, float)):
        return tangent
    if isinstance(tangent, (np.ndarray, list, tuple)):
        is_mp = isinstance(value, (mpmath.mpf, mpmath.mpc))
        try:
            arr = np.array(tangent, dtype=object if is_mp else None)
        except ValueError as exc:
            raise ValueError(f"Dual: tangent must be a 1-D sequence of numbers: {exc}") from None
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError("Dual: tangent must be a number or a non-empty 1-D sequence of "
                             f"numbers (one per direction), got shape {arr.shape}")
        if is_mp:
            return np.array([mpmath.mpmathify(t) for t in arr], dtype=object)
        if arr.dtype.kind in "biu":
            return arr.astype(float)
        if arr.dtype.kind not in "fc":
            raise TypeError("Dual: tangent entries must be real or complex numbers, got "
                            f"dtype {arr.dtype}")
        return arr
    if isinstance(tangent, (bool, numbers.Number)):
        return _promote_value(tangent, "tangent")
    raise TypeError("Dual: tangent must be a number or a 1-D sequence of numbers, got "
                    f"{type(tangent).__name__} {tangent!r:.60}")


def _refusal(kind: str, as_pattern: str) -> Callable[[Dual], NoReturn]:
    """``__float__``, ``__int__``, ``__complex__``: each would drop the derivative."""
    def conversion(self: Dual) -> NoReturn:
        if type(self.tangent) is _PatternRow:
            _pattern_refuse(as_pattern, conversion=True)
        raise DroppedDerivative(_LOSS.format(kind, kind))
    conversion.__name__ = f"__{kind}__"
    return conversion


class Dual(Carrier):
    """A dual number ``value + tangent·ε``.

    ``Dual(value, tangent=1.0)``: ``tangent`` is a number (one direction) or a 1-D
    sequence of k numbers (k directions). Arithmetic follows the elemental rules of
    ``dualad.table.rules``; comparisons and ``bool`` look at the primal only; ``float()`` and
    ``int()`` refuse, because they would drop the derivative (use ``d.value``).
    """

    __slots__ = ("value", "tangent", "tag")

    if TYPE_CHECKING:
        # the slots: the primal (a number, an mpmath number or a dual of a lower tag), the
        # tangent (a number, or a 1-D ndarray of k directions) and the differentiation's tag
        value: Any
        tangent: Any
        tag: int

        # installed by dualad.core.operators from the rule table (declarations only)
        def __add__(self, other: Operand) -> Dual: ...
        def __radd__(self, other: Operand) -> Dual: ...
        def __sub__(self, other: Operand) -> Dual: ...
        def __rsub__(self, other: Operand) -> Dual: ...
        def __mul__(self, other: Operand) -> Dual: ...
        def __rmul__(self, other: Operand) -> Dual: ...
        def __truediv__(self, other: Operand) -> Dual: ...
        def __rtruediv__(self, other: Operand) -> Dual: ...
        def __floordiv__(self, other: Operand) -> Dual: ...
        def __rfloordiv__(self, other: Operand) -> Dual: ...
        def __mod__(self, other: Operand) -> Dual: ...
        def __rmod__(self, other: Operand) -> Dual: ...
        def __pow__(self, other: Operand, modulo: None = None) -> Dual: ...
        def __rpow__(self, other: Operand) -> Dual: ...
        def __divmod__(self, other: Operand) -> tuple[Dual, Dual]: ...
        def __rdivmod__(self, other: Operand) -> tuple[Dual, Dual]: ...
        def __neg__(self) -> Dual: ...
        def __pos__(self) -> Dual: ...
        def __abs__(self) -> Dual: ...
        def __round__(self, ndigits: int | None = None) -> Dual: ...
        def __floor__(self) -> Dual: ...
        def __ceil__(self) -> Dual: ...
        def __trunc__(self) -> Dual: ...

        # installed by dualad.arrays.dispatch: NumPy's ufuncs and functions on duals
        def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any: ...
        def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any: ...

    def __init__(self, value: Value, tangent: Tangent = 1.0) -> None:
        value = _promote_value(value)
        self.value = value
        self.tangent = _promote_tangent(tangent, value)
        if isinstance(value, Dual):
            # A dual of a dual: one user level above the inner one (hyper-dual numbers).
            level = value.tag + 1
            self.tag = level if level < TRANSFORM_BASE else new_user_tag()
        else:
            self.tag = 0

    # --- comparisons look at the primal only (branches follow the primal) --------

    def __eq__(self, other: object) -> bool:
        if type(self.tangent) is _PatternRow:
            return _pattern_compare(_operator.eq, self, other)
        o = _comparable(other)
        return NotImplemented if o is NotImplemented else self.value == o

    def __ne__(self, other: object) -> bool:
        if type(self.tangent) is _PatternRow:
            return _pattern_compare(_operator.ne, self, other)
        o = _comparable(other)
        return NotImplemented if o is NotImplemented else self.value != o

    def __lt__(self, other: Operand) -> bool:
        if type(self.tangent) is _PatternRow:
            return _pattern_compare(_operator.lt, self, other)
        o = _comparable(other)
        return NotImplemented if o is NotImplemented else self.value < o

    def __le__(self, other: Operand) -> bool:
        if type(self.tangent) is _PatternRow:
            return _pattern_compare(_operator.le, self, other)
        o = _comparable(other)
        return NotImplemented if o is NotImplemented else self.value <= o

    def __gt__(self, other: Operand) -> bool:
        if type(self.tangent) is _PatternRow:
            return _pattern_compare(_operator.gt, self, other)
        o = _comparable(other)
        return NotImplemented if o is NotImplemented else self.value > o

    def __ge__(self, other: Operand) -> bool:
        if type(self.tangent) is _PatternRow:
            return _pattern_compare(_operator.ge, self, other)
        o = _comparable(other)
        return NotImplemented if o is NotImplemented else self.value >= o

    def __hash__(self) -> int:
        return hash(self.value)

    def __bool__(self) -> bool:
        if type(self.tangent) is _PatternRow:
            return _pattern_truth(self)
        return bool(self.value)

    # --- conversions that would lose the derivative --------------------------------

    __float__ = _refusal("float", "a float (float(), math.*: use ad.math or NumPy)")
    __int__ = _refusal("int", "an int")
    __complex__ = _refusal("complex", "a complex (complex(), cmath.*: use ad.cmath or NumPy)")

    def __index__(self) -> int:
        if type(self.tangent) is _PatternRow:
            _pattern_refuse("an index")
        # An integer with a zero tangent (e.g. floor(x)) loses nothing as an index.
        v = _innermost(self)
        if isinstance(v, int) and not isinstance(v, bool) and _is_zero_tangent(self):
            return v
        raise TypeError("a Dual can serve as an integer index only when it holds an int "
                        f"with a zero tangent (such as floor(x)); got {self!r}")

    # --- complex parts (R-linear, so they act on the tangent directly) -------------

    @property
    def real(self) -> Dual:
        return _make(self.value.real, self.tangent.real, self.tag)

    @property
    def imag(self) -> Dual:
        return _make(self.value.imag, self.tangent.imag, self.tag)

    def conjugate(self) -> Dual:
        return _make(self.value.conjugate(), self.tangent.conjugate(), self.tag)

    # --- NumPy: ufuncs and array functions on scalar duals (np.sin(d), ndarray * d) are
    # installed by dualad.arrays.dispatch; np.array([d1, d2]) is an object array of duals,
    # and the methods its element-by-element loops call (d.sin()) are installed by
    # dualad.arrays.objects ----------------------------------------------------------

    # --- display -------------------------------------------------------------------

    def __repr__(self) -> str:
        t = self.tangent
        tangent = repr(t.tolist()) if isinstance(t, np.ndarray) else repr(t)
        tag = f", tag={self.tag}" if self.tag else ""
        return f"Dual({self.value!r}, {tangent}{tag})"

    def __format__(self, spec: str) -> str:
        if not spec:
            return repr(self)
        t = self.tangent
        if isinstance(t, np.ndarray):
            tangent = "[" + ", ".join(format(x, spec) for x in t) + "]"
        else:
            tangent = format(t, spec)
        return f"Dual({format(self.value, spec)}, {tangent})"

    def __copy__(self) -> Dual:
        # a new dual; a k-tangent array is copied, as ndarray.__copy__ copies its data
        t = self.tangent
        return _make(self.value, t.copy() if type(t) is np.ndarray else t, self.tag)

    def __deepcopy__(self, memo: dict[int, Any]) -> Dual:
        # same tag: a copy belongs to the same differentiation as the original
        d = _make(None, None, self.tag)
        memo[id(self)] = d
        d.value = _deepcopy(self.value, memo)
        d.tangent = _deepcopy(self.tangent, memo)
        return d

    def __reduce__(self) -> tuple[Callable[[Any, Any, int], Dual], tuple[Any, Any, int]]:
        return (_make, (self.value, self.tangent, self.tag))


_LOSS = ("{}() of a Dual would drop its derivative. Use d.value for the primal value, or "
         "keep the computation in dualad.math / NumPy so the tangent is carried. Storing a "
         "dual into a plain array (y[i] = d with y = np.zeros(n)) calls {}() too: make the "
         "array from the input instead, y = np.zeros_like(x) (x the array the transformation "
         "passed to f), or collect the entries in a list and np.stack them. Compiled code "
         "that needs plain floats (scipy.optimize.brentq, for example) cannot carry a "
         "derivative either: dualad.scipy has drop-ins for such SciPy functions")


def _make(value: Any, tangent: Any, tag: int) -> Dual:
    """Build a dual without validation (the hot constructor)."""
    d = _new(Dual)
    d.value = value
    d.tangent = tangent
    d.tag = tag
    return d


#: The tangent type of a scalar sparsity-pattern dual, and what a look at its primal does
#: (set by ``dualad.sparse.patterns``): a pattern holds for every value, so none may steer f.
_PatternRow: Any = None
_pattern_compare: Any = None
_pattern_refuse: Any = None
_pattern_truth: Any = None


def _comparable(other: object) -> Any:
    if type(other) is Dual:
        if type(other.tangent) is _PatternRow:
            return NotImplemented   # the pattern dual's reflected comparison answers
        return other.value
    if isinstance(other, (numbers.Number, mpmath.mpf, mpmath.mpc)):
        return other
    return NotImplemented


def _innermost(x: Any) -> Any:
    while isinstance(x, Dual):
        x = x.value
    return x


def _is_zero_tangent(x: Any) -> bool:
    while isinstance(x, Dual):
        t = x.tangent
        if isinstance(t, np.ndarray):
            if np.any(t != 0):
                return False
        elif isinstance(t, Dual):
            if not _is_zero_tangent(t) or _innermost(t) != 0:
                return False
        elif t != 0:
            return False
        x = x.value
    return True


def _zeros_like(t: Any) -> Any:
    """A zero tangent of the same shape as ``t``."""
    if isinstance(t, np.ndarray):
        return np.zeros_like(t)
    if isinstance(t, Dual):
        return 0.0  # a constant at every lower level
    if getattr(t, "stored", None) is not None:   # an array dual (of a lower level)
        return np.zeros(t.shape, dtype=np.result_type(t.dtype, float))
    try:
        return type(t)(0)
    except TypeError:
        return 0.0
