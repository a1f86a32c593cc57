"""``derivative(f, x, n=1)``: the n-th derivative of a function of one variable."""
from __future__ import annotations

from typing import Any, Callable, Literal, overload

from dualad.core.number import Dual
from dualad.core.rule_path import transformation_pass
from dualad.transforms.arguments import split_aux
from dualad.base.tags import new_tag, running
from dualad.transforms.seeding import (
    as_scalar, check_callable, check_order, one_like, plain_errors, seed, strip, tangent_of,
    to_array)


# The overloads follow x (overloads on f's return type would make every lambda's
# derivative Any to mypy, a lambda's result being Any): the type of the common case, an
# f returning a number. An f returning a sequence or an array gives an ndarray.
@overload
def derivative(f: Callable[..., Any], x: Dual, n: int = 1,
               has_aux: Literal[False] = False) -> Dual: ...
@overload
def derivative(f: Callable[..., Any], x: float, n: int = 1,
               has_aux: Literal[False] = False) -> float: ...
@overload
def derivative(f: Callable[..., Any], x: complex, n: int = 1,
               has_aux: Literal[False] = False) -> complex: ...
@overload
def derivative(f: Callable[..., Any], x: Any, n: int = 1, *,
               has_aux: Literal[True]) -> tuple[Any, Any]: ...
@overload
def derivative(f: Callable[..., Any], x: Any, n: int = 1, has_aux: bool = False) -> Any: ...


def derivative(f: Callable[..., Any], x: Any, n: int = 1, has_aux: bool = False) -> Any:
    """The n-th derivative of ``f`` at the scalar ``x`` (a dual for n = 1, Taylor mode,
    one pass of cost ~n^2, for n >= 2; a NumPy function without a series of its own,
    such as ``np.linalg.det``, costs ~2^n there: see ``dualad.taylor.fallback.through_duals``).

    ``f`` may return a number or a list/tuple/array of numbers (then the result is an
    array of derivatives). ``x`` may be an int (promoted to float), a float, a complex
    number (the complex derivative of a holomorphic ``f``), an mpmath ``mpf``/``mpc``
    (every rule is then evaluated by mpmath at the working precision) or a dual.

    With ``has_aux=True``, ``f`` returns ``(output, aux)`` and the result is
    ``(derivative, aux)``, aux's duals replaced by their primals. Outputs may be trees
    (tuples, lists, dicts of numbers and arrays): the derivative has their structure.

    Types: a float ``x`` gives a ``float``, a complex one a ``complex``, a dual a dual,
    as for an ``f`` that returns a number; for an ``f`` that returns a sequence or an
    array the result is an ndarray (``dualad.types.Array``: annotate it so, with
    ``typing.cast``), and inside another differentiation, for an ``f`` that uses its
    variable, a dual of that one.

    >>> import dualad as ad
    >>> ad.derivative(ad.math.sin, 0.0)
    1.0
    >>> ad.derivative(lambda x: x**3, 2.0, n=2)
    12.0
    """
    check_callable(f, "derivative")
    f = plain_errors(f, "derivative")
    n = check_order(n, "derivative")
    x = as_scalar(x, "derivative")
    if has_aux:
        kept: list[Any] = []

        def output_of_f(t: Any) -> Any:
            out, aux = split_aux(f(t), "derivative")
            if not kept:
                kept.append(strip(aux, getattr(t, "tag", None), "derivative"))
            return out
        return derivative(output_of_f, x, n), kept[0]
    if n == 0:
        return to_array(_value(f(x)))
    if n == 1:
        tag = new_tag()
        with transformation_pass():
            with running(tag):
                y = f(seed(x, one_like(x), tag))
            return to_array(tangent_of(y, tag, "derivative"))
    from dualad.transforms.series import derivatives
    return to_array(derivatives(f, x, n)[n])


def _value(y: Any) -> Any:
    tangent_of(y, -1, "derivative")  # validates the structure of f's output
    return y
