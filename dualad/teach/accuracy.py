"""Accuracy lab: AD against finite differences, complex step and an mpmath reference.

``check(f, x)`` computes the derivative (scalar ``x``) or the gradient/Jacobian (a
sequence or array ``x``) of ``f`` several ways and measures each against a reference
nobody can argue with: ``f`` itself evaluated with mpmath numbers at ``dps`` digits
(through ``dualad.math``, by dualad's own AD), cross-checked with ``mpmath.diff``. At a
complex ``x`` the derivative is the complex one, df/dz, which only a holomorphic ``f``
has: the reference checks that f is (its derivative along i is i times the one along 1),
and the differences step along the real axis (the complex step needs a real ``x``).
``error_vs_step(f, x)`` sweeps the finite-difference step and shows the classic V:
truncation error falling, round-off rising, AD flat. The differences are in
:mod:`dualad.teach.differences`, the reference in :mod:`dualad.teach.reference`.

>>> import dualad as ad
>>> report = ad.check(ad.math.exp, 1.0)
>>> report.errors["AD (dualad)"][1] < 1e-15
True
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable

import mpmath
import numpy as np

from dualad.core.number import Dual
from dualad.teach import differences as fd
from dualad.teach.reference import NotHolomorphic  # noqa: F401  (raised by check)
from dualad.teach.reference import _describe, _is_number, _short, reference as _reference

__all__ = ["check", "error_vs_step", "Report", "StepSweep"]

EPS = np.finfo(float).eps
#: the name of the Richardson method in a report
RICHARDSON = f"Richardson (central, {fd.RICHARDSON_LEVELS} levels)"


# --- evaluating f at perturbed points -----------------------------------------------

def _flat(x: Any, who: str = "check") -> tuple[np.ndarray, Callable[[Any], Any], str]:
    """(flat vector, rebuild function, kind) for a number, sequence or array: float, or
    complex where ``x`` holds a complex number."""
    if isinstance(x, (list, tuple)):
        values = np.array([_as_number(v, who, f"x[{i}]") for i, v in enumerate(x)])
        return values, (lambda v, t=type(x): t(_python(v))), "sequence"
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biufc":
            raise TypeError(f"{who}: x must be an array of real or complex numbers, got an "
                            f"ndarray of dtype {x.dtype}")
        values = x.astype(complex if x.dtype.kind == "c" else float).ravel()
        return values, (lambda v, s=x.shape: np.reshape(v, s)), "array"
    return np.array([_as_number(x, who, "x")]), (lambda v: _python(v)[0]), "scalar"


def _as_number(v: Any, who: str, what: str) -> float | complex:
    """``v`` as a float, or a complex for a complex number; anything else is refused."""
    if isinstance(v, (numbers.Complex, np.number)) and not isinstance(v, (numbers.Real,
                                                                          np.floating,
                                                                          np.integer)):
        return complex(v)
    if isinstance(v, (numbers.Real, np.floating, np.integer)):
        return float(v)
    raise TypeError(f"{who}: {what} must be a real or complex number (or x a sequence or "
                    f"array of them), got {type(v).__name__} {v!r:.40}")


def _python(v: Any) -> list[Any]:
    """Python numbers (not NumPy scalars: math.sin(np.complex128(z)) silently drops the
    imaginary part, which would fake a complex step)."""
    return v.tolist() if isinstance(v, np.ndarray) else list(v)


def _out(y: Any) -> np.ndarray:
    if isinstance(y, Dual):
        raise TypeError("check: f returned a dual for a plain input")
    return np.atleast_1d(np.asarray(y, dtype=complex if np.iscomplexobj(y) else float)).ravel()


def _vector(f: Callable[..., Any],
            rebuild: Callable[[Any], Any]) -> Callable[[np.ndarray], np.ndarray]:
    """f as a function of the flat vector, for the finite differences."""
    return lambda w: _out(f(rebuild(w)))


def _complex_vector(f: Callable[..., Any],
                    rebuild: Callable[[Any], Any]) -> Callable[[np.ndarray], np.ndarray]:
    return lambda w: np.atleast_1d(np.asarray(f(rebuild(w)))).ravel()


def _ad(f: Callable[..., Any], x: Any, v: np.ndarray, kind: str) -> np.ndarray:
    from dualad.transforms import derivative, jacfwd
    holomorphic = np.iscomplexobj(v)
    if kind == "scalar":
        d = derivative(f, complex(x) if holomorphic else float(x))
        return np.atleast_1d(np.asarray(d)).reshape(-1, 1)
    jac = np.asarray(jacfwd(f, holomorphic=holomorphic)(x))
    n = len(x) if kind == "sequence" else np.size(x)
    return jac.reshape(-1, n)


def _outputs(f: Callable[..., Any], x: Any, v: np.ndarray, rebuild: Callable[[Any], Any],
             who: str) -> None:
    """f at the plain point, checked: a number, or a sequence/array of numbers (an f that
    fails there in floating point is left to the report, which shows each method fail)."""
    try:
        y = f(rebuild(v))
    except (ArithmeticError, ValueError):
        return
    leaves = list(np.ravel(y)) if isinstance(y, np.ndarray) else (
        list(y) if isinstance(y, (list, tuple)) else [y])
    bad = [leaf for leaf in leaves if isinstance(leaf, Dual) or not _is_number(leaf)]
    if bad or not leaves:
        shown = _describe(y) if not leaves or y is leaves[0] else \
            f"a {type(y).__name__} holding {_describe(bad[0])}"
        raise TypeError(f"{who}: f returned {shown} at x = {_short(x)}; expected a number or a "
                        "sequence/array of numbers")


def _check_step(step: Any, who: str) -> float:
    if isinstance(step, bool) or not isinstance(step, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"{who}: step must be a positive finite number, got "
                        f"{type(step).__name__} {step!r:.40}")
    value = float(step)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{who}: step must be a positive finite number, got {step!r}")
    return value


# --- the report ----------------------------------------------------------------------

@dataclass
class Report:
    """Derivatives of ``f`` at ``x`` by several methods, and their errors.

    ``values[method]`` is the derivative (a number) or Jacobian (an array, rows =
    outputs); ``errors[method] = (absolute, relative)`` against ``reference`` (max-norm;
    relative to the largest reference entry); ``notes[method]`` says why a method is
    missing; ``steps[method]`` is the step a difference actually took, h max(1, |x|) as
    rounded (a number; an array of one per input for a sequence or array x; Richardson's
    is its largest, the first of its four).
    """
    x: Any
    reference: Any
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, tuple[float, float]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    steps: dict[str, Any] = field(default_factory=dict)
    dps: int = 50
    cross_check: float | None = None

    @property
    def ad(self) -> Any:
        return self.values.get("AD (dualad)")

    def __str__(self) -> str:
        ref = self.reference
        shown = (_number(ref) if np.ndim(ref) == 0 else f"array of shape {np.shape(ref)}")
        lines = [f"derivative of f at x = {_short(self.x)}",
                 f"reference: {shown} (dualad on mpmath values at {self.dps} digits"
                 + (f"; mpmath.diff agrees to {self.cross_check:.1e})"
                    if self.cross_check is not None else "; mpmath.diff not available)"),
                 ""]
        rows = []
        for name, value in self.values.items():
            step = self.steps.get(name)
            label = f"{name} (h={_steps(step)})" if step is not None else name
            shown = (_number(value) if np.ndim(value) == 0 else "(array)")
            rows.append((label, shown, *self.errors[name]))
        width = max([42] + [len(label) for label, *_ in rows])
        lines.append(f"{'method':{width}s} {'value':>24s} {'abs error':>11s} {'rel error':>11s}")
        for label, shown, abs_err, rel_err in rows:
            lines.append(f"{label:{width}s} {shown:>24s} {abs_err:11.2e} {rel_err:11.2e}")
        for name, note in self.notes.items():
            lines.append(f"{name:{width}s} {'n/a':>24s}  {note}")
        return "\n".join(lines)


def _steps(step: Any) -> str:
    """One step, or the range of the steps of the columns."""
    low, high = float(np.min(step)), float(np.max(step))
    return f"{low:.1e}" if f"{low:.1e}" == f"{high:.1e}" else f"{low:.1e}..{high:.1e}"


def _number(v: Any) -> str:
    if isinstance(v, (complex, np.complexfloating)) and v.imag != 0:
        return f"{complex(v):.12g}"
    return f"{float(np.real(v)):.17g}"


def _errors(value: Any, reference: Any) -> tuple[float, float]:
    ref = np.asarray(reference, dtype=object)
    diff = [abs(mpmath.mpmathify(complex(a)) - b) if isinstance(a, complex) else
            abs(mpmath.mpf(float(a)) - b)
            for a, b in zip(np.ravel(value), ref.ravel())]
    abs_err = float(max(diff))
    scale = float(max(abs(b) for b in ref.ravel()))
    return abs_err, (abs_err / scale if scale else abs_err)


def check(f: Callable[..., Any], x: Any, *, step: float | None = None,
          dps: int = 50) -> Report:
    """Compare AD, forward/central/Richardson differences and the complex step with an
    mpmath reference at ``dps`` digits, for the derivative (or Jacobian) of ``f`` at ``x``.

    The differences move each x_j by a relative step h scaled to ``h max(1, |x_j|)``:
    h = ``sqrt(eps)`` (forward) and ``eps^(1/3)`` (central), and ``step`` adds both with
    that h. Richardson's start is chosen where its extrapolations agree
    (:mod:`dualad.teach.differences`). ``report.steps`` holds the steps taken.

    >>> import math, dualad as ad
    >>> report = ad.check(ad.math.sin, 1e5)          # the step scales with |x|
    >>> round(report.steps["central difference"], 3)
    0.606
    >>> bool(abs(report.values["Richardson (central, 4 levels)"] - math.cos(1e5)) < 1e-12)
    True
    """
    from dualad.transforms.seeding import check_callable
    check_callable(f, "check")
    if isinstance(dps, bool) or not isinstance(dps, int) or dps < 20:
        raise ValueError(f"check: dps must be an int >= 20, got {dps!r}")
    if step is not None:
        step = _check_step(step, "check")
    v, rebuild, kind = _flat(x)
    _outputs(f, x, v, rebuild, "check")
    ref, cross = _reference(f, v, rebuild, kind, dps)
    report = Report(x=x, reference=_shape(ref, kind), dps=dps)

    g = _vector(f, rebuild)

    def differences(h: float, central: bool) -> Callable[[], tuple[Any, Any]]:
        return lambda: fd.difference(g, v, h, central)

    # name -> the method, returning (J, the steps taken per column, or None)
    methods: dict[str, Callable[[], tuple[Any, Any]]] = {
        "AD (dualad)": lambda: (_ad(f, x, v, kind), None),
        "forward difference": differences(math.sqrt(EPS), False),
        "central difference": differences(EPS ** (1 / 3), True),
    }
    if step is not None:
        methods["forward difference, your step"] = differences(step, False)
        methods["central difference, your step"] = differences(step, True)
    methods[RICHARDSON] = lambda: fd.richardson(g, v)
    if np.iscomplexobj(v):
        report.notes["complex step"] = "x is complex: the step i h would move x itself"
    else:
        methods["complex step"] = lambda: fd.complex_step(_complex_vector(f, rebuild), v)
    for name, compute in methods.items():
        try:
            value, steps = compute()
        except (TypeError, ValueError, ArithmeticError) as exc:
            reason = str(exc).splitlines()[0][:60]
            report.notes[name] = (f"f does not take complex input ({reason})"
                                  if name == "complex step" else f"f failed: {reason}")
            continue
        if steps is not None:
            report.steps[name] = float(steps[0]) if kind == "scalar" else steps
        report.values[name] = _shape(value, kind)
        report.errors[name] = _errors(value, ref)
    if cross is not None:
        with mpmath.workdps(dps):
            gap = max(abs(a - b) for a, b in zip(np.ravel(np.asarray(ref, dtype=object)),
                                                 np.ravel(np.asarray(cross, dtype=object))))
            scale = max(abs(b) for b in np.ravel(np.asarray(ref, dtype=object))) or 1
            report.cross_check = float(gap / scale)
    return report


def _shape(j: Any, kind: str) -> Any:
    arr = np.array([[complex(v) if isinstance(v, (complex, mpmath.mpc)) else float(v)
                     for v in row] for row in np.asarray(j, dtype=object)])
    if kind == "scalar":
        return arr[0, 0] if arr.size == 1 else arr[:, 0]
    if arr.shape[0] == 1:
        return arr[0]
    return arr


# --- step sweeps ----------------------------------------------------------------------

@dataclass
class StepSweep:
    """Errors of forward and central differences against the reference, per relative
    step h in ``steps``; ``taken`` holds the steps actually taken, h max(1, |x|) as
    rounded (0 where h max(1, |x|) is below one ulp of x)."""
    steps: np.ndarray
    forward: np.ndarray
    central: np.ndarray
    ad: float
    reference: float
    taken: np.ndarray | None = None

    def __str__(self) -> str:
        return self.text_chart()

    def text_chart(self, height: int = 17) -> str:
        """A log-log chart in text: f forward, c central, a AD (0 plotted at 1e-17)."""
        floor = 1e-17
        top = 0
        rows = []
        for level in range(height):
            exponent = top - level
            line = []
            for fe, ce in zip(self.forward, self.central):
                cell = " "
                for err, mark in ((fe, "f"), (ce, "c")):
                    if math.isfinite(err) and round(math.log10(max(err, floor))) == exponent:
                        cell = mark if cell == " " else "*"
                line.append(cell)
            ad_exp = round(math.log10(max(self.ad, floor)))
            if ad_exp == exponent:
                line = [c if c != " " else "a" for c in line]
            rows.append(f"1e{exponent:+03d} |" + "".join(line))
        axis = " " * 7 + "+" + "-" * len(self.steps)
        label = (" " * 8 + f"h = {self.steps[0]:.0e} ... {self.steps[-1]:.0e} "
                 "(f forward, c central, * both, a AD)")
        if self.taken is not None and not np.array_equal(self.taken, self.steps):
            label += (f"\n{' ' * 8}steps taken h max(1, |x|) = {self.taken[0]:.0e} ... "
                      f"{self.taken[-1]:.0e}")
        return "\n".join(rows + [axis, label])

    def plot(self, path: str) -> str:
        """Save the error-vs-step plot as a PNG (needs matplotlib: the plot extra)."""
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("plotting needs matplotlib: pip install matplotlib (or, in a "
                              "dualad checkout, pip install -e '.[plot]'); print(sweep) "
                              "draws a text chart instead") from None
        floor = 1e-18
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        steps = self.steps if self.taken is None else self.taken
        ax.loglog(steps, np.maximum(self.forward, floor), "o-", ms=3,
                  label="forward difference")
        ax.loglog(steps, np.maximum(self.central, floor), "s-", ms=3,
                  label="central difference")
        ax.axhline(max(self.ad, floor), color="k", lw=1.5,
                   label=f"AD (dualad): {self.ad:.1e}" if self.ad else "AD (dualad): exact")
        ax.set_xlabel("step taken, h max(1, |x|)")
        ax.set_ylabel("absolute error")
        ax.set_title("derivative error against an mpmath reference")
        ax.legend()
        ax.grid(True, which="major", alpha=0.3)
        fig.tight_layout()
        fig.savefig(path, dpi=120)
        plt.close(fig)
        return path


def error_vs_step(f: Callable[..., Any], x: float, steps: Any = None,
                  dps: int = 50) -> StepSweep:
    """Forward and central difference errors over the relative ``steps`` h (default
    10^-16 .. 1; each moves x by h max(1, |x|)), with AD's error as the flat line, all
    against the mpmath reference at ``x`` (nan where a step is too small to move ``x``).

    >>> import dualad as ad
    >>> sweep = ad.error_vs_step(ad.math.exp, 1.0)
    >>> bool(sweep.ad < 1e-15 < sweep.central.min() < sweep.forward[1:].min())
    True
    """
    from dualad.transforms import derivative
    from dualad.transforms.seeding import as_scalar, check_callable
    check_callable(f, "error_vs_step")
    x = as_scalar(x, "error_vs_step")
    if isinstance(x, (complex, np.complexfloating)):
        raise TypeError(f"error_vs_step: x must be a real number, got complex {x!r} (the sweep "
                        "charts real steps of a real derivative; ad.check(f, z) compares "
                        "the complex derivative of a holomorphic f)")
    x = float(x)
    steps = np.logspace(-16, 0, 33) if steps is None else np.asarray(steps, dtype=float)
    if steps.ndim != 1 or not np.all(steps > 0) or not np.all(np.isfinite(steps)):
        raise ValueError("error_vs_step: steps must be a 1-D sequence of positive finite "
                         "numbers")
    v, rebuild, kind = _flat(x)
    _outputs(f, x, v, rebuild, "error_vs_step")
    ref, _ = _reference(f, v, rebuild, "scalar", dps)
    reference = ref[0][0]
    with mpmath.workdps(dps):
        def err(value: Any) -> float:   # nan where the step is below one ulp of x
            plain = float(value)
            return float(abs(mpmath.mpf(plain) - reference)) if math.isfinite(plain) else math.nan
        g = _vector(f, rebuild)
        forward: list[float] = []
        central: list[float] = []
        taken: list[float] = []
        for h in steps:
            (column, _), (central_column, step) = (fd.difference(g, v, h, False),
                                                   fd.difference(g, v, h, True))
            forward.append(err(column[0, 0]))
            central.append(err(central_column[0, 0]))
            taken.append(step[0])
        ad_error = err(derivative(f, x))
    return StepSweep(steps, np.array(forward), np.array(central), ad_error,
                     float(reference), np.array(taken))


