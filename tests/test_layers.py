"""The package's layers depend one way: no import cycle among dualad's modules, and each
layer imports only the layers below it.

Every ``import`` and ``from ... import`` in dualad/ counts, at module level and inside
functions (a deferred import hides a cycle; it does not remove it)."""
from __future__ import annotations

import ast
import pathlib

import dualad

ROOT = pathlib.Path(dualad.__file__).parent


def module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph():
    modules = {module_name(p): p for p in ROOT.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                found = [base] + [f"{base}.{a.name}" for a in node.names]
            else:
                continue
            for target in found:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    targets.add(target)
        graph[name] = targets
    return graph


def cycles(graph):
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle():
    assert cycles(import_graph()) == []


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    assert "dualad.core.number" in graph["dualad.core.operators"] or \
        "dualad.core.number" in graph.get("dualad.core.rule_path", set())
    assert len(graph) > 30


#: the layers, lowest first: a module imports only from its own layer and those before it
#: (taylor and sparse are siblings; the public modules dualad.math/dualad.cmath sit on stdlib;
#: dualad.scipy, the SciPy drop-ins, sits on the transformations)
LAYERS = ("base", "table", "core", "stdlib", "arrays", "taylor", "sparse", "transforms", "scipy",
          "teach", "cli")


def _layer(module):
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_layer_imports_only_the_layers_below_it():
    graph = import_graph()
    upward = sorted(f"{m} -> {t}" for m, targets in graph.items() for t in targets
                    if _layer(m) is not None and _layer(t) is not None and _layer(t) > _layer(m)
                    and {m.split(".")[1], t.split(".")[1]} != {"taylor", "sparse"})
    assert upward == []


def test_every_module_is_in_a_layer():
    outside = {m for m in import_graph() if _layer(m) is None}
    # (dualad.types: the transformations' result types, for type checkers, on core)
    assert outside == {"dualad", "dualad.__main__", "dualad.math", "dualad.cmath",
                       "dualad._version", "dualad.types"}


def test_the_array_layer_imports_nothing_above_it():
    """dualad.arrays knows the carriers above it (sparsity patterns, jets) only through
    the carrier registry (dualad.base.carriers), never by importing them."""
    above = ("dualad.taylor", "dualad.sparse", "dualad.teach", "dualad.transforms", "dualad.cli")
    graph = import_graph()
    found = {(m, t) for m, targets in graph.items() if m.startswith("dualad.arrays")
             for t in targets if t.startswith(above)}
    assert found == set()


if __name__ == "__main__":
    for c in cycles(import_graph()):
        print(" ⇄ ".join(c))
