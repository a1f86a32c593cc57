"""The rule table is the only list of primitives (issue 13).

Outside ``dualad/table``, no code tells rules apart by name: a fact about some rules (a
kind, a pattern, a Taylor recurrence, the primal-only ufuncs, a ufunc's reduce) is an
attribute of the rule or a registry keyed by the rule object. This test reads the source
with ``ast`` and fails on a string literal naming a rule where a name list would put it:
compared (``==``, ``in``), a dict key, or a set element.
"""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

import dualad as ad

PACKAGE = Path(ad.__file__).parent
RULE_NAMES = {rule.name for rule in ad.rules}

#: (file under dualad/, top-level definition): the only places a rule name may be tested
ALLOWED = {
    ("base/fpe.py", "_dispatch"),   # np.seterr's handling "log", not the rule log
    ("scipy/_linalg_tangents.py", "structured"),   # scipy.linalg's assume_a="pos", not +x
}


def _literals(node):
    """The string constants directly in ``node`` or in a tuple/list/set literal it is."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        for item in node.elts:
            if isinstance(item, ast.Constant) and isinstance(item.value, str):
                yield item


def _definition(statement) -> str:
    """The name a top-level statement defines (function, class, assigned name)."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return statement.name
    targets = statement.targets if isinstance(statement, ast.Assign) else \
        [statement.target] if isinstance(statement, (ast.AnnAssign, ast.AugAssign)) else []
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    return names[0] if names else ""


def _name_tests(tree):
    """(definition, line, string) of each string literal used as a name test or list."""
    for statement in tree.body:
        for line, text in _in(statement):
            yield _definition(statement), line, text


def _in(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                for lit in _literals(side):
                    yield lit.lineno, lit.value
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                if key is not None:
                    for lit in _literals(key):
                        yield lit.lineno, lit.value
        elif isinstance(node, ast.Set):
            for lit in _literals(node):
                yield lit.lineno, lit.value
        elif isinstance(node, ast.MatchValue):
            for lit in _literals(node.value):
                yield lit.lineno, lit.value


def _found():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative.startswith("table/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for definition, line, text in _name_tests(tree):
            if text in RULE_NAMES and (relative, definition) not in ALLOWED:
                found.append(f"dualad/{relative}:{line}: {text!r}")
    return found


def test_no_list_of_rule_names_outside_the_table():
    found = _found()
    assert found == [], ("rule names tested or listed outside dualad/table (make the fact "
                         "an attribute of the rule, or key a registry by the rule object):\n"
                         + "\n".join(found))


def test_the_scan_finds_a_name_list():
    source = ('if rule.name in ("exp", "log"):\n    pass\n'
              'if rule.name == "sin":\n    pass\n'
              'SERIES = {"cos": 1}\nLINEAR = {"add", "not_a_rule"}\n')
    found = sorted(text for _, text in _in(ast.parse(source)) if text in RULE_NAMES)
    assert found == ["add", "cos", "exp", "log", "sin"]


def test_a_user_rule_named_like_a_table_rule_gets_its_own_taylor_series():
    # a recurrence registered for the table's sin must not serve a user function named
    # sin: x**3 at 2 has the coefficients 8, 3*2**2 = 12, 3*2 = 6, 1 (by hand)
    def sin(x):
        return x ** 3
    f = ad.defjvp(sin, lambda x: 3 * x ** 2)
    assert ad.taylor(f, 2.0, 3) == [8.0, 12.0, 6.0, 1.0]


def test_one_set_of_primal_only_ufuncs():
    only = ad.rules.primal_only
    assert all(isinstance(getattr(np, name), np.ufunc) for name in only)
    assert {"less", "equal", "logical_xor", "signbit", "isfinite", "isnan"} <= only
    # a predicate rule with a NumPy ufunc of its name is among them
    assert {r.math for r in ad.rules if r.kind == "predicate"
            and isinstance(getattr(np, r.math, None), np.ufunc)} <= only
    x = ad.DualArray(np.array([0.5, -1.0]), np.array([1.0, 1.0]))
    assert np.logical_xor(x > 0, np.array([True, True])).tolist() == [False, True]
