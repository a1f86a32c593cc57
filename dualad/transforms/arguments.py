"""Checks and reads on the transformations' arguments and outputs, shared by every front end:
``argnums`` (``check_argnums``, ``normalised_argnums``), complex inputs as in JAX
(``check_complex_inputs``), narrow dtypes kept as in JAX (``narrow_dtype``) and the
``(output, aux)`` pair of ``has_aux`` (``split_aux``)."""
from __future__ import annotations

import numpy as np

from dualad.arrays.array import DualArray
from dualad.core.number import Dual
from dualad.transforms.pytrees import is_vector
from dualad.transforms.seeding import _innermost, _is_complex


def check_argnums(argnums, who):
    """``argnums`` as a tuple of ints. Anything else is refused, and a point (an array, a
    float, a tuple of numbers) gets the hint that ``who(f)(x)`` was probably meant."""
    nums = (argnums,) if isinstance(argnums, int) else argnums
    if not (isinstance(nums, tuple) and nums and all(
            isinstance(i, int) and not isinstance(i, bool) for i in nums)):
        raise TypeError(f"{who}: argnums must be an int or a non-empty tuple of ints, got "
                        f"{type(argnums).__name__} {argnums!r:.60}; did you mean "
                        f"{who}(f)(x)? ({who} takes a function and returns one)")
    _refuse_duplicates(nums, argnums, who)
    return nums


def normalised_argnums(nums, argnums, n_args: int, who) -> tuple:
    """``nums`` as indices 0..n_args-1 (negative ones count from the end, as in JAX);
    out of range or naming an argument twice is an error (its second Jacobian would be
    taken with the first one's seed held constant: zero)."""
    if not all(-n_args <= i < n_args for i in nums):
        raise ValueError(f"{who}: argnums={argnums!r} but f was called with {n_args} "
                         "positional argument(s)")
    nums = tuple(i % n_args for i in nums)
    _refuse_duplicates(nums, argnums, who)
    return nums


def _refuse_duplicates(nums, argnums, who):
    if len(set(nums)) != len(nums):
        twice = next(i for i in nums if nums.count(i) > 1)
        raise ValueError(f"{who}: argnums={argnums!r} names argument {twice} more than once; "
                         "each argument may be differentiated only once")


def complex_leaf(x) -> bool:
    if is_vector(x):
        return any(_is_complex(v) for v in x)
    return _is_complex(x)


def check_complex_inputs(leaves, holomorphic, who):
    """JAX's rule: complex inputs with ``holomorphic=True`` and only then."""
    kinds = [complex_leaf(x) for x in leaves]
    if holomorphic and not all(kinds):
        raise TypeError(f"{who} with holomorphic=True requires complex inputs, got a real "
                        f"{_describe_leaf(leaves[kinds.index(False)])}")
    if not holomorphic and any(kinds):
        raise TypeError(f"{who} requires real inputs, got a complex "
                        f"{_describe_leaf(leaves[kinds.index(True)])}. For the complex "
                        "derivative of a holomorphic f pass holomorphic=True; for a "
                        "non-holomorphic f use jvp (its R-linear tangent map)"
                        + (", or gradient for a real-valued f" if who == "jacfwd" else ""))


def _describe_leaf(x) -> str:
    v = _innermost(x)
    if isinstance(v, np.ndarray):
        return f"array of shape {v.shape} and dtype {v.dtype}"
    return type(v).__name__


def narrow_dtype(y, tag=None):
    """The dtype of a float16/float32/complex64 leaf (its results keep it, as in JAX);
    ``None`` for double precision, Python numbers and mpmath. ``tag``: read the primal of
    that pass's duals only (an output leaf); None: of any dual (an input leaf)."""
    values = y if is_vector(y) else [y]
    values = [v.value if isinstance(v, (Dual, DualArray)) and tag in (None, v.tag) else v
              for v in values]
    if not all(isinstance(v, (np.ndarray, np.generic)) for v in values):
        return None
    dtype = np.result_type(*values)
    if dtype.kind == "f" and dtype.itemsize < 8 or dtype.kind == "c" and dtype.itemsize < 16:
        return dtype
    return None


def split_aux(out, who):
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise TypeError(f"{who}: with has_aux=True, f must return a pair (output, aux), got "
                        f"{type(_innermost(out)).__name__}")
    return out
