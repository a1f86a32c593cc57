"""Type stubs of ``dualad.math`` and ``dualad.cmath``, written from the rule table.

The two modules are built at import time (``dualad.stdlib.modules.build``), so a type
checker cannot see their functions; ``dualad/math.pyi`` and ``dualad/cmath.pyi`` declare
them. This module writes those files from the same sources as ``build``: the names of
the running standard module, the table's rule of each name (its kind and parameters)
and, where it says what a plain call returns, the standard function itself. Each
function gets overloads whose result follows the input: ``sin(float) -> float``,
``sin(Dual) -> Dual``; ``cmath`` with complex numbers. ``python -m dualad.stdlib.stubs``
rewrites the stubs; ``tests/test_typing.py`` fails when they are stale.

>>> from dualad.stdlib.stubs import render
>>> import math
>>> print(render(math).split("def sin(")[1].split("\\n")[0])
x: Dual, /) -> Dual: ...  # type: ignore[overload-overlap]
"""
from __future__ import annotations

import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

from dualad.table.rules import Rule, table

__all__ = ["render", "write"]

_HEADER = '''"""Type stubs of dualad.{module}: written by dualad/stdlib/stubs.py from the rule table
(``python -m dualad.stdlib.stubs``; generated on Python {version}, whose {module} module
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
'''

_OVERLAP = "  # type: ignore[overload-overlap]"


def _overloads(name: str, signatures: list[tuple[str, str, bool]]) -> str:
    """``@overload`` lines of ``name``: (parameters, result, overlaps) each."""
    if len(signatures) == 1:
        params, result, _ = signatures[0]
        return f"def {name}({params}) -> {result}: ...\n"
    return "".join(f"@overload\ndef {name}({params}) -> {result}: ...{_OVERLAP if overlaps else ''}\n"
                   for params, result, overlaps in signatures)


def _plain_result(std: Callable[..., Any], rule: Rule, complex_: bool) -> str:
    """What ``std`` returns on plain numbers (``math.floor``: int; ``cmath.phase``:
    float), from a call at the rule's first sample point (complex, for cmath, where the
    rule has one)."""
    points = (rule.at_complex if complex_ else ()) or rule.at
    return type(std(*points[0])).__name__


def _positional(params: list[str], types: list[str]) -> str:
    return ", ".join(f"{p}: {t}" for p, t in zip(params, types)) + ", /"


def _smooth(rule: Rule, plain: str, number: str) -> list[tuple[str, str, bool]]:
    """Dual in any differentiable argument gives a Dual; an integer argument (a partial
    of None: ``ldexp``'s i) takes an index (a Dual holding an int, such as floor(x))."""
    params = list(rule.params)
    if rule.variadic:   # hypot(*x): a Dual in any place
        x = params[0]
        return [(f"{x}: float", plain, False), (f"{x}: Dual", "Dual", False),
                (f"{x}: Dual | float", f"Dual | {plain}", False)]
    moving = [i for i, p in enumerate(rule.partials or [""] * len(params)) if p is not None]
    index = {i: "SupportsIndex" for i in range(len(params)) if i not in moving}
    out = []
    for i in moving:   # the first Dual at argument i: plain before it, either after
        types = [index.get(j, number if j < i else "Dual" if j == i else f"Dual | {number}")
                 for j in range(len(params))]
        out.append((_positional(params, types), "Dual", True))
    out.append((_positional(params, [index.get(j, number) for j in range(len(params))]),
                plain, False))
    return out


def _keywords(std: Callable[..., Any]) -> str:
    """The keyword-only parameters of ``std`` (isclose's tolerances), typed float."""
    try:
        params = inspect.signature(std).parameters.values()
    except (TypeError, ValueError):   # pragma: no cover - every stdlib function has one
        return ""
    names = [p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY]
    return ", *" + "".join(f", {n}: float = ..." for n in names) if names else ""


def _signatures(name: str, rules: list[Rule], std: Callable[..., Any],
                complex_: bool) -> list[tuple[str, str, bool]]:
    # cmath's rect takes real arguments (its rule's complex_args is False)
    number = "_Complex" if complex_ and all(r.complex_args for r in rules) else "_Real"
    if not rules:   # no rule (a function newer than the table): refuses duals at run time
        return [("*args: Any, **kwargs: Any", "Any", False)]
    if len(rules) == 2:   # log(x) and log(x, base): the optional base
        binary = max(rules, key=lambda r: len(r.params))
        plain = _plain_result(std, binary, complex_)
        x, base = binary.params
        return [(f"{x}: Dual, {base}: Dual | {number} = ..., /", "Dual", True),
                (f"{x}: {number}, {base}: Dual, /", "Dual", True),
                (f"{x}: {number}, {base}: {number} = ..., /", plain, False)]
    (rule,) = rules
    params = list(rule.params)
    if rule.kind in ("smooth", "constant"):
        return _smooth(rule, _plain_result(std, rule, complex_), number)
    if rule.kind == "predicate":
        return [(_positional(params, [f"Dual | {number}"] * len(params)) + _keywords(std),
                 "bool", False)]
    if rule.kind == "integer":   # duals enter as indices (a Dual holding an int)
        defaults = {p.name for p in inspect.signature(std).parameters.values()
                    if p.default is not inspect.Parameter.empty}
        if rule.variadic:
            return [(f"*{params[0][1:]}: SupportsIndex", "int", False)]
        return [(", ".join(f"{p}: SupportsIndex | None = ..." if p in defaults
                           else f"{p}: SupportsIndex" for p in params) + ", /", "int", False)]
    if rule.kind == "reduction":   # f(iterable), or f(p, q) as math.dist
        # a sequence declared to hold duals or floats may hold no dual: Dual | float
        names = list(inspect.signature(std).parameters)
        return [(_positional(names, [f"Iterable[{t}]"] * len(names)), result, False)
                for t, result in (("float", "float"), ("Dual", "Dual"),
                                  ("Dual | float", "Dual | float"))]
    return _COMPOSITES[rule](params[0] if params else "x")


#: the composite rules' drop-ins (``dualad.stdlib.modules._COMPOSITES``): their results
_COMPOSITES: dict[Rule, Callable[[str], list[tuple[str, str, bool]]]] = {
    table["frexp"]: lambda x: [(f"{x}: Dual, /", "tuple[Dual, int]", True),
                        (f"{x}: _Real, /", "tuple[float, int]", False)],
    table["modf"]: lambda x: [(f"{x}: Dual, /", "tuple[Dual, Dual]", True),
                       (f"{x}: _Real, /", "tuple[float, float]", False)],
    table["polar"]: lambda z: [(f"{z}: Dual, /", "tuple[Dual, Dual]", True),
                        (f"{z}: _Complex, /", "tuple[float, float]", False)],
    table["prod"]: lambda _: [("iterable: Iterable[int], /, *, start: int = 1", "int", False),
                       ("iterable: Iterable[float], /, *, start: float = 1", "float", False),
                       ("iterable: Iterable[Dual], /, *, start: Dual | float = 1", "Dual",
                        False),
                       ("iterable: Iterable[Dual | float], /, *, start: Dual | float = 1",
                        "Dual | float", False),
                       ("iterable: Iterable[Any], /, *, start: Any = 1", "Any", False)],
}


def render(std_module: ModuleType) -> str:
    """The text of the stub of ``dualad.<std_module>`` (``math`` or ``cmath``)."""
    module = std_module.__name__
    complex_ = module == "cmath"
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    constants, functions = [], []
    for name in sorted(n for n in dir(std_module) if not n.startswith("_")):
        std = getattr(std_module, name)
        if not callable(std):
            constants.append(f"{name}: {type(std).__name__}\n")
            continue
        rules = table.stdlib(module, name)
        functions.append(_overloads(name, _signatures(name, rules, std, complex_)))
    return (_HEADER.format(module=module, version=version) + "\n" + "".join(constants)
            + "\n" + "\n".join(functions))


def write(directory: Path = Path(__file__).resolve().parents[1]) -> list[Path]:
    """Write ``math.pyi`` and ``cmath.pyi`` into ``directory`` (the package's)."""
    import cmath
    import math
    paths = []
    for std_module in (math, cmath):
        path = directory / f"{std_module.__name__}.pyi"
        path.write_text(render(std_module), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write():
        print(f"wrote {written}")
