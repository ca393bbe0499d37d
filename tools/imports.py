"""The project's import graph, read with `ast` (nothing is imported or run).

Used by the architecture tests (tests/test_architecture.py: who may import whom) and by the
rebuild test (tests/test_build_integrity.py: a change to a module rebuilds every ledger part
whose script imports it, directly or transitively). Standard library only.
"""
from __future__ import annotations

import ast
from pathlib import Path

from analysis.core import paths

# Top-level packages of the project (data/ holds maintainer scripts, imported by path only).
PACKAGES = ("analysis", "tools", "paper")


def imported_names(path: Path, root: Path = paths.ROOT) -> set[str]:
    """Every dotted name `path` imports (`from a.b import c` gives a.b and a.b.c); relative imports
    are resolved against the file's package (its folder below `root`)."""
    package = Path(path).resolve().parent.relative_to(Path(root).resolve()).parts
    tree = ast.parse(Path(path).read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1] if node.level else ())
            module = ".".join(p for p in (base, node.module or "") if p)
            if node.module:
                names.add(module)
            names |= {f"{module}.{alias.name}" for alias in node.names}
    return names


def module_name(path: Path, root: Path = paths.ROOT) -> str:
    """Dotted module name of a .py file below `root` (a package's __init__.py is the package)."""
    parts = Path(path).resolve().relative_to(Path(root).resolve()).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = paths.ROOT) -> dict[str, Path]:
    """Dotted name -> file of every Python module of the project packages."""
    found = {}
    for package in PACKAGES:
        for path in sorted((Path(root) / package).rglob("*.py")):
            if "__pycache__" not in path.parts:
                found[module_name(path, root)] = path
    return found


def graph(root: Path = paths.ROOT) -> dict[str, set[str]]:
    """Module -> the project modules that importing it runs directly: the modules it names and
    their parent packages (`import analysis.core.fitting` runs analysis/__init__.py and
    analysis/core/__init__.py too). Names that are not modules, such as the function in
    `from analysis.core.fmt import fmt`, are dropped."""
    known = modules(root)

    def with_parents(name: str) -> set[str]:
        parts = name.split(".")
        return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}

    return {name: {m for n in imported_names(path, root) for m in with_parents(n) if m in known and m != name}
            for name, path in known.items()}


def closure(start: str, edges: dict[str, set[str]]) -> set[str]:
    """Every module `start` imports, directly or transitively."""
    seen: set[str] = set()
    todo = list(edges.get(start, ()))
    while todo:
        module = todo.pop()
        if module not in seen and module != start:
            seen.add(module)
            todo.extend(edges.get(module, ()))
    return seen


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles: for each module that reaches itself, one shortest path back to it."""
    found = []
    for start in sorted(edges):
        paths_ = {start: [start]}
        frontier = [start]
        while frontier and start not in [m for f in frontier for m in edges.get(f, ())]:
            nxt = []
            for f in frontier:
                for m in sorted(edges.get(f, ())):
                    if m not in paths_:
                        paths_[m] = paths_[f] + [m]
                        nxt.append(m)
            frontier = nxt
        back = [f for f in frontier if start in edges.get(f, ())]
        if back:
            found.append(paths_[back[0]] + [start])
    return found
