"""One-way architecture: section scripts import only the library, and the library imports
nothing from scripts, tools or the manuscript (issue 11). Import graph read with `ast`.
"""
from __future__ import annotations

from pathlib import Path

from analysis.core import imports, paths

ANALYSIS = paths.ROOT / "analysis"


def project_imports(path: Path) -> set[str]:
    return {n for n in imports.imported_names(path) if n.split(".")[0] in ("analysis", "paper")}


def test_section_scripts_import_only_the_library():
    scripts = sorted(p for p in ANALYSIS.glob("[sx][0-9]*_*.py"))
    assert len(scripts) >= 10
    bad = {p.name: sorted(n for n in project_imports(p)
                          if not (n == "analysis.core" or n.startswith("analysis.core.")))
           for p in scripts}
    assert not {k: v for k, v in bad.items() if v}, f"scripts importing non-library modules: {bad}"


def test_the_library_imports_nothing_outside_itself():
    bad = {}
    for p in sorted((ANALYSIS / "core").glob("*.py")):
        outside = sorted(n for n in project_imports(p) if not n.startswith("analysis.core"))
        if outside:
            bad[p.name] = outside
    assert not bad, f"library modules importing scripts, tools or paper/: {bad}"
