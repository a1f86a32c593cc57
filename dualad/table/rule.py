"""The records of the rule table: ``Rule`` (one elemental function and its tangent rule)
and ``RuleTable`` (the rules by name). The entries themselves are in ``dualad.table.rules``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

__all__ = ["BACKENDS", "Rule", "RuleTable"]

#: Backends a rule can be evaluated on: the kind of its primal values.
BACKENDS = ("float", "complex", "mpf", "mpc", "numpy")


@dataclass(eq=False)
class Rule:
    """One elemental function and its tangent rule.

    ``partials`` holds one expression per parameter (``None`` where the argument is an
    integer and carries no derivative; a callable of the primal arguments for user
    rules made with ``defjvp``); a variadic rule (``params == ("*x",)``) has one
    expression used for every argument. ``kind`` is ``"smooth"`` (differentiable),
    ``"constant"`` (piecewise constant: derivative 0), ``"predicate"`` (returns a bool),
    ``"integer"`` (defined on integers only), ``"reduction"`` (a function of a whole
    sequence, with its own ``jvp``), ``"composite"`` (built from other rules by the
    drop-in modules, e.g. ``frexp``, ``modf``, ``polar``, ``prod``) or ``"array"`` (a NumPy
    array function such as ``np.sum`` or ``np.linalg.solve``, whose ``jvp`` is a tangent
    map in ``dualad.table.array_rules``).
    """

    name: str
    params: tuple[str, ...]
    partials: tuple[str | Callable[..., Any] | None, ...] | None = None
    kind: str = "smooth"
    impl: dict[str, Callable[..., Any]] = field(default_factory=dict)
    math: str | None = None          # the name it has in the standard ``math`` module
    cmath: str | None = None         # ... and in ``cmath``
    numpy_names: tuple[str, ...] = ()       # every NumPy ufunc name that maps to it
    scipy: tuple[str, ...] = ()      # the scipy.special ufuncs it implements (by name)
    numpy_functions: tuple[Callable, ...] = ()  # array functions (kind "array") it covers
    methods: dict[str, Callable] = field(default_factory=dict)  # its ufunc's methods as
    #                                  array functions: {"reduce": np.sum} (np.add.reduce)
    pattern: str | None = None       # how outputs depend on inputs (sparsity): array rules
    #                                  (see _array); elementwise "product" (zero where an
    #                                  argument is: x*y), "quotient" (zero where x is: x/y);
    #                                  "sum" (of its arguments, a chain of adds: fsum)
    linear: bool = False             # array rules: linear in its array arguments (not in a
    #                                  condition or indices): np.sum, np.reshape, np.take
    piecewise_linear: bool = False   # array rules: entries chosen by the values (np.max,
    #                                  np.sort): no second derivative (Hessian sparsity)
    symbol: str | None = None        # how Python spells it: an operator (+, -, ...) or a
    #                                  builtin function ("abs()", "round()")
    complex_args: bool = True        # cmath flavour promotes the arguments to complex
    jvp: Callable[..., Any] | None = None          # tangent map when partials do not say it all
    complex_jvp: Callable[..., Any] | None = None  # tangent map on complex values (non-holomorphic)
    at: tuple[tuple[Any, ...], ...] = ()           # in-domain real sample points (checker, docs)
    at_complex: tuple[tuple[Any, ...], ...] = ()   # complex sample points
    doc: str = ""
    _compiled: dict = field(default_factory=dict, init=False)   # (i, backend key) -> partial

    @property
    def arity(self) -> int | None:
        """Number of arguments; ``None`` for a variadic rule."""
        return None if self.variadic else len(self.params)

    @property
    def variadic(self) -> bool:
        return bool(self.params) and self.params[0].startswith("*")

    @property
    def numpy(self) -> str | None:
        """The NumPy ufunc it implements (the first of ``numpy_names``)."""
        return self.numpy_names[0] if self.numpy_names else None

    @property
    def differentiable(self) -> bool:
        return self.kind in ("smooth", "reduction")

    @property
    def binary_form(self) -> str | None:
        """The form of a two-argument rule's tangent, read from its partials, that the
        array fast paths write out directly: ``"linear"`` (partials 1 and ±1: ta ± tb),
        ``"bilinear"`` (each partial the other argument: ta·y + x·tb), ``"quotient"``
        (partials 1/y and -ans/y: (ta - ans·tb)/y); None for any other rule."""
        if self.kind != "smooth" or self.arity != 2 or not self.partials or \
                self.jvp is not None or self.complex_jvp is not None:
            return None
        x, y = self.params
        p = self.partials
        if p[0] == "1" and p[1] in ("1", "-1"):
            return "linear"
        if p == (y, x):
            return "bilinear"
        if p == (f"1/{y}", f"-ans/{y}"):
            return "quotient"
        return None

    def partial(self, i: int, namespace: dict, key: str) -> Callable[..., Any]:
        """The i-th partial compiled for one backend namespace: ``f(*args, ans)``."""
        fn = self._compiled.get((i, key))
        if fn is None:
            assert self.partials is not None, f"rule {self.name} has no partials"
            expr = self.partials[0 if self.variadic else i]
            if callable(expr):  # a user rule (defjvp): a function of the primal arguments
                return lambda *args: expr(*args[:-1])
            args = "x" if self.variadic else ", ".join(self.params)
            code = compile(f"lambda {args}, ans: {expr}", f"<dualad partial {self.name}>", "eval")
            fn = eval(code, namespace)  # table data, not user input
            self._compiled[(i, key)] = fn
        return fn

    def __call__(self, *args):
        """Apply the rule (generic flavour: real values use ``math``, complex ``cmath``)."""
        return _functions[self.name](*args)

    def __repr__(self) -> str:
        body = ", ".join(f"d/d{p} = {d}" for p, d in zip(self.params, self.partials or ()))
        return f"<rule {self.name}({', '.join(self.params)}) {self.kind}{': ' + body if body else ''}>"


def _public_and_ufunc(module, entry):
    """(public name, ufunc object) of one of a rule's module entries: a name
    (``"gamma"``: ``module.gamma``) or a pair (public name, dotted path inside ``module``)
    for a ufunc that a public Python function of the module calls with its argument as it
    is (``("zeta", "_ufuncs._riemann_zeta")``: scipy.special.zeta(s) is that ufunc of s)."""
    if isinstance(entry, str):
        return entry, getattr(module, entry, None)
    public, path = entry
    obj = module
    for part in path.split("."):
        obj = getattr(obj, part, None)
    return public, obj


class RuleTable:
    """The table: iterable, and indexable by rule name.

    ``primal_only``: the NumPy ufuncs (by name) that are functions of the primal alone,
    with bool results and no tangent (comparisons, logical functions, ``isfinite``,
    ``signbit``, ...): every carrier hands them its primal.

    ``modules``: ``(prefix, module, field)`` for each module whose ufuncs rules name, e.g.
    ``("numpy", np, "numpy_names")``, ``("scipy.special", scipy.special, "scipy")`` (a
    module that is not installed is None and contributes nothing). ``ufuncs`` maps each
    ufunc *object* to its rule: scipy.special.gamma and a same-named NumPy ufunc are two
    keys, and NumPy's aliases (np.abs is np.absolute) one."""

    def __init__(self, rules: list[Rule], primal_only: tuple[str, ...] = (),
                 modules: tuple = ()):
        self.primal_only = frozenset(primal_only)
        self._rules: dict[str, Rule] = {}
        for rule in rules:
            if rule.name in self._rules:
                raise ValueError(f"rule {rule.name!r} is defined twice")
            self._rules[rule.name] = rule
        self._modules = tuple((prefix, module) for prefix, module, _ in modules
                              if module is not None)
        #: ufunc object -> its rule
        self.ufuncs: dict[np.ufunc, Rule] = {}
        #: ufunc object -> the name it is known by ("numpy.sin", "scipy.special.gamma")
        self._ufunc_names: dict[np.ufunc, str] = {}
        for prefix, module, attr in modules:
            if module is None:
                continue
            for rule in rules:
                for entry in getattr(rule, attr):
                    name, ufunc = _public_and_ufunc(module, entry)
                    if not isinstance(ufunc, np.ufunc):
                        if module is np:   # np.round, np.i0: functions, not ufuncs
                            continue
                        raise ValueError(f"{prefix}.{name} (rule {rule.name!r}) is not a ufunc")
                    if self.ufuncs.setdefault(ufunc, rule) is not rule:
                        raise ValueError(f"{prefix}.{name} has two rules: "
                                         f"{self.ufuncs[ufunc].name!r} and {rule.name!r}")
                    self._ufunc_names.setdefault(ufunc, f"{prefix}.{name}")
        #: the primal-only ufuncs as objects (np.less, np.isnan, ...)
        self.primal_only_ufuncs = frozenset(getattr(np, name) for name in self.primal_only)

    def ufunc_name(self, ufunc) -> str:
        """The name ``ufunc`` is known by, for messages: its module (NumPy or SciPy, whose
        ufuncs say ``__module__ = None``) and name, e.g. "scipy.special.struve"."""
        known = self._ufunc_names.get(ufunc)
        if known is not None:
            return known
        name = getattr(ufunc, "__name__", repr(ufunc))
        for prefix, module in (("numpy", np),) + self._modules:
            if getattr(module, name, None) is ufunc:
                return f"{prefix}.{name}"
            if getattr(getattr(module, "_ufuncs", None), name, None) is ufunc:
                return f"{prefix}._ufuncs.{name}"   # scipy.special._ufuncs._lambertw
        module = getattr(ufunc, "__module__", None)
        return f"{module}.{name}" if module else f"the ufunc {name}"

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def __getitem__(self, name: str) -> Rule:
        try:
            return self._rules[name]
        except KeyError:
            raise KeyError(f"no rule named {name!r}; see list(dualad.table.rules)") from None

    def __contains__(self, name: object) -> bool:
        return name in self._rules

    def __repr__(self) -> str:
        return f"<dualad rule table: {len(self)} rules>"

    def stdlib(self, module: str, name: str) -> list[Rule]:
        """The rules implementing ``module.name`` (``module`` is "math" or "cmath")."""
        return [r for r in self if getattr(r, module) == name]


# Filled by dualad.stdlib.differentiable: rule name -> generic differentiable function.
_functions: dict[str, Callable[..., Any]] = {}
