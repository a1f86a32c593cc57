"""The implicit function theorem in dual arithmetic: tangents of a solution SciPy found.

SciPy solves ``F(x, p) = 0`` on plain floats (``primal_function`` strips the duals off
what ``F`` returns). At its solution ``x*`` the solution ``x(p)`` of the dual problem
is then a few Newton steps away, taken in dual arithmetic from ``x*``:

    x <- x - F_x(x, p)^-1 F(x, p)

with ``F(x, p)`` evaluated on the duals of ``p`` (in ``args`` or in the closure) and
``F_x`` the Jacobian in ``x`` from a fresh differentiation (a tag above every running
one, so the caller's tangents are constants of it). At ``x*`` the residual has no primal
part, so the first step gives ``x' = -F_x^-1 F_p p'``, the implicit function theorem,
exactly; Newton's quadratic convergence doubles the correct orders with each step (its
error ``e`` becomes ``O(e^2)`` in the perturbations), so a result carrying m orders of
perturbation in all (m nested differentiations, or a Taylor jet of order m) needs
``ceil(log2(m + 1))`` steps: one for first derivatives, two for ``ad.hessian``.

The primal of each residual is set to exactly zero: the tangents are those of the root
of ``F(x, p) - F(x*, p̄)``, which SciPy's ``x*`` solves exactly; the result's primal is
SciPy's ``x*`` unchanged.

Tags: every tangent of the result comes from evaluating ``F`` on the caller's duals, so
the result carries the caller's tags and nothing else (the Jacobian's tag has finished
when the step is taken, and none of its duals remain). That tag is drawn after every
running one, so it is the outer level inside its pass and the caller's duals are
constants of it: ``F_x`` at fixed ``p``, free of perturbation confusion; a dual of a
finished differentiation in the closure is refused where it meets another, as anywhere
in dualad. The number of steps is read off ``F(x*, p)`` (the tags in it, the order of a
jet), so it counts the caller's differentiations whichever way they came in.
"""
from __future__ import annotations

import math

import numpy as np

from dualad.arrays.array import DualArray, _make_array
from dualad.arrays.objects import from_objects, holds_duals
from dualad.base.carriers import Carrier
from dualad.core.number import Dual, _make
from dualad.sparse.patterns import PatternRow
from dualad.taylor.apply import Jet
from dualad.transforms import derivative, jacfwd, jvp

#: a Jacobian F_x whose condition number exceeds this is refused as ill-conditioned
MAX_CONDITION = 1e12


class SingularJacobianError(np.linalg.LinAlgError):
    """F_x at the solution is singular or ill-conditioned: no unique derivative."""


class NotConvergedError(RuntimeError):
    """SciPy's solve did not converge: no tangents at an unconverged point."""


def primal(y):
    """``y`` with every dual (at any depth, in lists, tuples, dicts, object arrays)
    replaced by its primal: what SciPy may see."""
    if isinstance(y, (Dual, DualArray, Jet)):
        while isinstance(y, Carrier):
            if not isinstance(y, (Dual, DualArray, Jet)) or \
                    type(getattr(y, "tangent", None)) is PatternRow:
                raise _unsupported(y)
            y = y.value
        return y
    if isinstance(y, Carrier):
        raise _unsupported(y)
    if type(y) is np.ndarray and y.dtype == object and holds_duals(y):
        return np.array([primal(v) for v in y.flat]).reshape(y.shape)
    if type(y) in (list, tuple):
        return type(y)(primal(v) for v in y)
    if type(y) is dict:
        return {k: primal(v) for k, v in y.items()}
    return y


def _unsupported(y):
    kind = "pattern dual" if type(getattr(y, "tangent", None)) is PatternRow else \
        type(y).__name__
    return TypeError(f"dualad.scipy.optimize: cannot solve on a {kind} (a sparsity pattern "
                     "holds for every value, and a solve depends on the values it iterates "
                     "on; a trace value holds no numbers SciPy could iterate on); give the "
                     "sparsity pattern by hand, or compute the Jacobian densely")


def primal_function(f, who):
    """``f`` as SciPy may call it: plain numbers in, plain numbers out."""
    if f is None or not callable(f):
        return f

    def plain(*args, **kwargs):
        return primal(f(*args, **kwargs))

    plain.__name__ = getattr(f, "__name__", who)
    return plain


def perturbation_order(y) -> int:
    """The total order of perturbation ``y`` carries: the number of differentiations
    (tags) among its duals, a jet of order n counting n; 0 for plain numbers."""
    return sum(v for k, v in _degrees(y).items() if k != "jet")


def _degrees(y) -> dict:
    """tag -> the order of perturbation of that tag in ``y`` (1 for a dual, n for a jet)."""
    degrees: dict[int, int] = {}
    _collect(y, degrees)
    return degrees


def _collect(y, degrees):
    if isinstance(y, Jet):
        degrees[y.tag] = max(degrees.get(y.tag, 0), y.order)
        degrees.setdefault("jet", y.tag)
        for c in y.coeffs:
            _collect(c, degrees)
    elif isinstance(y, (Dual, DualArray)):
        degrees[y.tag] = max(degrees.get(y.tag, 0), 1)
        _collect(y.value, degrees)
        _collect(y.tangent, degrees)
    elif type(y) is np.ndarray and y.dtype == object:
        for v in y.flat:
            _collect(v, degrees)
    elif type(y) in (list, tuple):
        for v in y:
            _collect(v, degrees)


def with_zero_primal(y):
    """``y`` with its primal (the innermost value) replaced by zeros."""
    if isinstance(y, Dual):
        return _make(with_zero_primal(y.value), y.tangent, y.tag)
    if isinstance(y, DualArray):
        return _make_array(with_zero_primal(y.value), y.tangent, y.tag, y.k)
    if isinstance(y, Jet):
        return y._new([with_zero_primal(y.coeffs[0])] + list(y.coeffs[1:]))
    return np.zeros_like(y) if isinstance(y, np.ndarray) else 0.0 * y


def with_primal(y, value):
    """``y`` with its primal replaced by ``value`` (SciPy's, bit for bit)."""
    if isinstance(y, Dual):
        return _make(with_primal(y.value, value), y.tangent, y.tag)
    if isinstance(y, DualArray):
        return _make_array(with_primal(y.value, value), y.tangent, y.tag, y.k)
    if isinstance(y, Jet):
        return y._new([with_primal(y.coeffs[0], value)] + list(y.coeffs[1:]))
    return value


def as_duals(y):
    """A list of duals, or an object array of them (``np.array([d1, d2])`` in user
    code), as a DualArray; plain numbers as they are."""
    if type(y) in (list, tuple):
        return np.stack([as_duals(v) for v in y]) if y else np.array(y)
    if type(y) is np.ndarray and y.dtype == object and holds_duals(y):
        converted = from_objects(y)
        if converted is None:   # entries whose tangents differ in kind (nested passes)
            converted = np.reshape(np.stack(list(y.flat)), y.shape)
        return converted
    return y


def newton_steps(order: int) -> int:
    """Steps from the primal solution that make ``order`` orders correct (2^k - 1 >= order)."""
    return max(1, math.ceil(math.log2(order + 1)))


def solution(residual, x_star, who: str, kind: str = "system", *, converged=True,
             message: str = "", refuse=None):
    """The solution ``x(p)`` of ``residual(x) = 0`` (p in the closure of ``residual``)
    through SciPy's ``x_star``; ``x_star`` itself when the residual carries no duals.

    ``kind``: ``"scalar"`` (x a number), ``"elementwise"`` (x an array of independent
    scalar problems, F_x diagonal: ``newton`` with an array ``x0``) or ``"system"``
    (x an array, F_x a full Jacobian). Where the residual carries duals, an unconverged
    solve (``converged`` false, SciPy's ``message``) raises ``NotConvergedError``, and
    ``refuse()``, if given, may raise where the theorem does not apply (an active bound)."""
    try:
        r = as_duals(residual(x_star))
    except TypeError as exc:   # a jet met the array duals of the gradient (minimize)
        if "Jet" not in str(exc):
            raise
        raise _no_jets(who) from exc
    order = perturbation_order(r)
    if order == 0:
        return x_star
    if kind != "scalar" and "jet" in _degrees(r):
        raise _no_jets(who)
    if not converged:
        raise NotConvergedError(
            f"{who}: SciPy's solve did not converge ({message}), and tangents at an "
            "unconverged point would be wrong; raise maxiter, loosen the tolerance or "
            "give a better starting point or bracket")
    if refuse is not None:
        refuse()
    x = x_star
    for step in range(newton_steps(order)):
        if step:
            r = as_duals(residual(x))
        x = x - _newton_step(residual, x, with_zero_primal(r), who, kind)
    return with_primal(x, x_star)


def _no_jets(who):
    return NotImplementedError(
        f"{who}: Taylor mode (ad.derivative with n >= 2, ad.taylor) through the solve of an "
        "array problem is not supported (jets and array duals do not mix); nest "
        "first-order derivatives instead (ad.derivative(lambda p: ad.derivative(f, p), p), "
        "ad.hessian)")


def _newton_step(residual, x, r, who, kind):
    if kind == "scalar":
        slope = derivative(residual, x)
        _check_scalar(primal(slope), who)
        return r / slope
    if kind == "elementwise":
        slope = as_duals(jvp(residual, (x,), (np.ones(np.shape(primal(x))),))[1])
        _check_diagonal(primal(slope), who)
        return r / slope
    shape = np.shape(primal(x))
    n = int(np.prod(shape))

    def flat_residual(v):
        return np.reshape(as_duals(residual(np.reshape(v, shape))), (n,))

    jac = as_duals(jacfwd(flat_residual)(np.reshape(x, (n,))))
    _check_matrix(primal(jac), who)
    return np.reshape(np.linalg.solve(jac, np.reshape(r, (n,))), shape)


def _check_scalar(slope, who):
    if not np.isfinite(slope) or slope == 0:
        raise SingularJacobianError(
            f"{who}: the derivative of the function in x at the solution is {slope}, so the "
            "root does not depend smoothly on the parameters (a multiple root, or a root "
            "where the function is not differentiable): no tangent by the implicit "
            "function theorem")


def _check_diagonal(slopes, who):
    bad = ~np.isfinite(slopes) | (slopes == 0)
    if np.any(bad):
        raise SingularJacobianError(
            f"{who}: the derivative of the function in x is {slopes[bad][0]} at the "
            f"solution of element(s) {np.argwhere(bad).tolist()[:5]} (a multiple root, or "
            "a root where the function is not differentiable): no tangent by the implicit "
            "function theorem")


def _check_matrix(jac, who):
    if not np.all(np.isfinite(jac)):
        raise SingularJacobianError(f"{who}: the Jacobian in x at the solution has non-finite "
                                    "entries: no tangent by the implicit function theorem")
    cond = np.linalg.cond(jac)
    if not cond <= MAX_CONDITION:
        raise SingularJacobianError(
            f"{who}: the Jacobian in x at the solution (shape {jac.shape}) is singular or "
            f"ill-conditioned (condition number {cond:.3g} > {MAX_CONDITION:.0e}): the "
            "solution does not depend smoothly on the parameters, so the implicit function "
            "theorem gives no tangent")
