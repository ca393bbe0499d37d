"""One-way architecture (issue 11): scripts import only the library; the library imports nothing
outside itself and has no import circle; tools may import the library but no script; paper/ holds
only what Quarto reads (no Python); nothing edits sys.path; the HTML number span has one Lua
source. The import graph is read with `ast` (tools/imports.py), nothing is imported.
"""
from __future__ import annotations

import ast
from pathlib import Path

from analysis.core import paths
from tools import imports

ROOT = paths.ROOT
GRAPH = imports.graph(ROOT)
MODULES = imports.modules(ROOT)


def is_library(name: str) -> bool:
    """analysis.core and its modules, and the `analysis` package itself (whose __init__ pins the
    numerical environment; tests/test_architecture checks it imports only the library too)."""
    return name in ("analysis", "analysis.core") or name.startswith("analysis.core.")


def scripts() -> list[str]:
    return [n for n in MODULES if n.startswith("analysis.") and not is_library(n)]


def project_imports(name: str) -> set[str]:
    """Project modules (and names below them) that module `name` imports, as written."""
    return {n for n in imports.imported_names(MODULES[name], ROOT) if n.split(".")[0] in imports.PACKAGES}


def offenders(modules, allowed) -> dict[str, list[str]]:
    bad = {m: sorted(n for n in project_imports(m) if not allowed(n)) for m in modules}
    return {m: v for m, v in bad.items() if v}


def test_the_graph_sees_every_part():
    """Guard against a scanner that finds nothing: the section and extension scripts are there,
    and s1 imports the fitting library."""
    assert len([s for s in scripts() if s.split(".")[1][:1] in "sx"]) >= 10
    assert "analysis.core.fitting" in GRAPH["analysis.s1_loss_scaling"]


def test_scripts_import_only_the_library():
    bad = offenders(scripts(), is_library)
    assert not bad, f"scripts importing scripts, tools or paper/ (only analysis.core is allowed): {bad}"


def test_the_library_imports_nothing_outside_itself():
    library = [m for m in MODULES if is_library(m)]
    bad = offenders(library, is_library)
    assert not bad, f"library modules importing scripts, tools or paper/: {bad}"


def test_the_library_has_no_import_circle():
    library = {m: {n for n in GRAPH[m] if is_library(n) and n not in ("analysis", "analysis.core")}
               for m in MODULES if is_library(m)}
    circles = imports.cycles(library)
    assert not circles, f"import circles in analysis/core: {[' -> '.join(c) for c in circles]}"


def test_tools_import_the_library_but_no_script():
    tools = [m for m in MODULES if m.split(".")[0] == "tools"]
    assert "tools.render.renderer" in tools and "tools.record" in tools
    bad = offenders(tools, lambda n: is_library(n) or n.split(".")[0] == "tools")
    assert not bad, f"tools importing analysis scripts or paper/: {bad}"


def test_paper_holds_no_python():
    found = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "paper").rglob("*.py")
                   if ".build" not in p.parts)
    assert not found, f"paper/ holds only what Quarto reads; move these to tools/: {found}"


def python_files() -> list[Path]:
    folders = [ROOT / d for d in ("analysis", "tools", "tests", "data", "paper")]
    return sorted(p for d in folders for p in d.rglob("*.py") if "__pycache__" not in p.parts)


def test_nothing_edits_sys_path():
    """Imports work from the repository root with `python -m` (see pyproject.toml), not by
    editing the import path."""
    bad = []
    for path in python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr == "path" and isinstance(node.value, ast.Name)
                    and node.value.id == "sys"):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, f"sys.path used at {bad}"


def test_the_number_span_has_one_lua_source():
    """The Quarto shortcode and the fallback filter build the HTML span with the same code
    (paper/_extensions/ledger/ledger_span.lua), and no Lua hides inside a Python string."""
    span = ROOT / "paper" / "_extensions" / "ledger" / "ledger_span.lua"
    lua = sorted(p for d in ("paper", "tools") for p in (ROOT / d).rglob("*.lua") if ".build" not in p.parts)
    assert span in lua
    for path in lua:
        text = path.read_text(encoding="utf-8")
        if path != span:
            assert '"%.14g"' not in text and 'pandoc.Attr("", { "ledger" }' not in text, \
                f"{path.relative_to(ROOT)} builds the number span itself; use ledger_span.lua"
    assert "ledger_span.lua" in (span.parent / "ledger.lua").read_text(encoding="utf-8")
    from tools.render import renderer
    assert renderer.SPAN_LUA.resolve() == span.resolve()
    assert 'dofile(os.getenv("PAPER_BUILD_SPAN"))' in renderer.FILTER.read_text(encoding="utf-8")
    for path in python_files():
        if path.parts[len(ROOT.parts)] in ("analysis", "tools"):   # tests may hold small Lua harnesses
            assert "local function" not in path.read_text(encoding="utf-8"), f"Lua inside {path.relative_to(ROOT)}"
