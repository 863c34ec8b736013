"""The shape of the code: the stages run in one direction, so no module of pipeline/ imports, even lazily, one that
imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "pipeline"


def modules(package: Path) -> dict[str, tuple[Path, bool]]:
    """Dotted name → (file, is a package's __init__) of every module of the package."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def imported(name: str, path: Path, is_package: bool, known: set[str]) -> set[str]:
    """The modules of `known` that the module imports anywhere in its code (top level, functions, relative or
    absolute): `from . import x` imports the submodule x when there is one, else the package."""
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                if f"{source}.{alias.name}" in known:
                    found.add(f"{source}.{alias.name}")
                elif source in known:
                    found.add(source)
    return found - {name}


def import_graph(package: Path) -> dict[str, set[str]]:
    known = modules(package)
    return {name: imported(name, path, is_package, set(known)) for name, (path, is_package) in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle of imports (a → b → … → a) through each group of modules that import one another."""
    found, done = [], set()
    for start in sorted(graph):
        if start in done:
            continue
        # Every module reachable from `start` and that reaches it back is in its group.
        reach, stack = {start}, [start]
        while stack:
            for other in graph[stack.pop()]:
                if other not in reach:
                    reach.add(other)
                    stack.append(other)
        group = {m for m in reach if start in closure(graph, m)}
        done |= group
        if len(group) > 1:
            found.append(path_back(graph, start, group))
    return found


def closure(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        for other in graph[stack.pop()]:
            if other not in seen:
                seen.add(other)
                stack.append(other)
    return seen


def path_back(graph: dict[str, set[str]], start: str, group: set[str]) -> list[str]:
    """The shortest circle from `start` back to itself within its group (breadth first)."""
    previous, queue = {}, [start]
    while queue:
        current = queue.pop(0)
        for other in sorted(graph[current] & group):
            if other == start:
                chain = [current]
                while chain[-1] != start:
                    chain.append(previous[chain[-1]])
                return [start, *reversed(chain[:-1]), start]
            if other not in previous:
                previous[other] = current
                queue.append(other)
    return [start]


def test_the_cycle_finder_names_a_circle_through_a_lazy_relative_import(tmp_path):
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from .b import thing\n")
    (package / "b.py").write_text("def thing():\n    from .sub import c\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "c.py").write_text("def later():\n    from .. import a\n")
    (package / "d.py").write_text("import pkg.a\n")
    assert cycles(import_graph(package)) == [["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]]


def test_pipeline_import_graph_has_no_cycle():
    graph = import_graph(PACKAGE)
    assert {"pipeline.state", "pipeline.versions", "pipeline.outputs.pst"} <= graph.keys()
    assert "pipeline.state" in graph["pipeline.versions"]  # the graph does see imports
    found = cycles(graph)
    assert not found, "imports that come back to their module (one circle per group of modules importing one " \
        "another; the others may have more): " + "; ".join(" → ".join(circle) for circle in found)
