"""The manuscript follows Quarto's rules, and the fallback renderer implements (or refuses) them alike.

Each rule cites where Quarto states it: a file of quarto-cli (version 1.11, the source at
github.com/quarto-dev/quarto-cli) or a page of its documentation. The fixture tests build tiny
projects in tmp_path with the fallback (tools/render); the manuscript tests read paper/ and,
after `make paper` with either renderer, paper/paper.pdf (the CI workflow runs them against the
fallback's PDF and against real Quarto's).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pypdf
import pytest
import yaml

from analysis.core import ledger, paths
from tools.render import renderer, stage
from test_paper_build import QMD, line_of, make_project

PAPER = paths.PAPER
PDF = PAPER / "paper.pdf"
QUARTO_YML = yaml.safe_load((PAPER / "_quarto.yml").read_text(encoding="utf-8"))
TYPST = QUARTO_YML["format"]["typst"]
MANUSCRIPT = [PAPER / "paper.qmd", *sorted((PAPER / "sections").glob("*.qmd"))]
INCLUDE = re.compile(r"^\s*\{\{< include (\S+) >\}\}\s*$", re.M)
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)", re.S)
# quarto-cli's own source as a git directory, when a copy is at hand (not in CI): used only by
# the schema test; QUARTO_SRC overrides the default location
QUARTO_SRC = Path(os.environ.get("QUARTO_SRC", "/work/.mirror/quarto-dev+quarto-cli/repo"))

needs_pdf = pytest.mark.skipif(not PDF.exists(), reason="run `make paper` first (make test does this)")


def build_fails(project: dict, fmt: str = "html") -> str:
    with pytest.raises(renderer.BuildError) as info:
        if fmt == "html":
            renderer.render_html(project["qmd"], project["root"] / "x.html", project["ledger"])
        else:
            renderer.render_pdf(project["qmd"], project["root"] / "x.pdf", project["ledger"])
    return str(info.value)


def with_section(tmp_path: Path, include_line: str, nested: str) -> tuple[dict, Path]:
    """A fixture whose paper.qmd includes sections/part.qmd, which includes `nested`
    (sections/inner.md exists)."""
    qmd = QMD.replace("As -@eq-law shows.", include_line)
    project = make_project(tmp_path, qmd)
    sections = project["qmd"].parent / "sections"
    sections.mkdir()
    (sections / "inner.md").write_text("Inner text, nested.\n", encoding="utf-8")
    part = sections / "part.qmd"
    part.write_text(f"Part text.\n\n{{{{< include {nested} >}}}}\n", encoding="utf-8")
    return project, part


# -- 1. includes: relative to the main document --------------------------------------------------
# quarto-cli src/core/handlers/base.ts, resolvePath: `resolve(dirname(target.source), path)`, or
# `resolve(project.dir, "." + path)` for a path starting with "/"; src/core/handlers/
# include-standalone.ts calls the same resolvePath for nested includes (so they are relative to
# the main document, not to the including file; quarto-cli issue 7123), and fails with
# "Include directive failed". Quarto docs, "Includes" (docs/authoring/includes.qmd).

def test_nested_include_relative_to_the_including_file_fails(tmp_path):
    project, part = with_section(tmp_path, "{{< include sections/part.qmd >}}", "inner.md")
    message = build_fails(project)
    assert f"{part.name}:3:" in message, message
    assert "relative to the main document" in message and "src/core/handlers/base.ts" in message, message
    assert "Include directive failed" in message and "{{< include sections/inner.md >}}" in message, message


@pytest.mark.parametrize("nested", ["sections/inner.md", "/sections/inner.md"], ids=["main-relative", "project-root"])
def test_nested_include_relative_to_the_main_document_works(tmp_path, nested):
    project, _ = with_section(tmp_path, "{{< include sections/part.qmd >}}", nested)
    html = renderer.render_html(project["qmd"], project["root"] / "x.html", project["ledger"])
    assert "Inner text, nested." in html.read_text(encoding="utf-8")


def test_manuscript_includes_resolve_relative_to_paper_qmd():
    """Static: every include in paper.qmd and sections/*.qmd names a path relative to paper/
    (staged files under _generated/ exist after `python -m tools.provenance`)."""
    bad = []
    for path in MANUSCRIPT:
        text = path.read_text(encoding="utf-8")
        for found in INCLUDE.finditer(text):
            arg = found.group(1)
            target = PAPER / arg.lstrip("/")
            if not (target.is_file() or arg.startswith("_generated/")) or ".." in Path(arg).parts:
                bad.append(f"{path.relative_to(PAPER)}:{line_of(text, found.group(0).strip())}: {arg}")
    assert not bad, f"includes not relative to paper/paper.qmd (Quarto's rule): {bad}"


# -- 2. an include is a directive only on a line of its own ------------------------------------
# quarto-cli src/core/lib/parse-shortcode.ts, isBlockShortcode: /^\s*{{< (...) >}}\s*$/

def test_inline_include_is_refused(tmp_path):
    qmd = QMD.replace("As -@eq-law shows.", "Text {{< include extra.md >}} more.")
    project = make_project(tmp_path, qmd)
    (project["qmd"].parent / "extra.md").write_text("extra\n", encoding="utf-8")
    message = build_fails(project)
    assert f"paper.qmd:{line_of(qmd, 'Text {{<')}:" in message and "line of its own" in message, message
    assert "parse-shortcode.ts" in message, message


# -- 3. typst's root is the Quarto project directory -------------------------------------------
# quarto-cli src/command/render/output-typst.ts: `typstOptions.rootDir = project.dir`;
# src/core/typst.ts: `cmd.push("--root", options.rootDir)` (quarto-cli PR 7786).

def test_image_outside_the_project_directory_fails(tmp_path):
    project = make_project(tmp_path, QMD)
    outside = "../results/figures/curve.svg"      # exists, inside the fixture's repository, outside paper/
    qmd = QMD.replace("_generated/figures/curve.svg", outside)
    project["qmd"].write_text(qmd, encoding="utf-8")
    assert (project["qmd"].parent / outside).resolve().is_file()
    for fmt in ("pdf", "html"):
        message = build_fails(project, fmt)
        assert f"paper.qmd:{line_of(qmd, outside)}:" in message, message
        assert "outside the Quarto project directory" in message and "output-typst.ts" in message, message


def test_typst_compiles_with_the_project_directory_as_root(tmp_path):
    project = make_project(tmp_path, QMD)
    build = project["qmd"].parent / ".build"
    build.mkdir()
    probe = build / "probe.typ"
    probe.write_text('#image("../../results/figures/curve.svg")\n', encoding="utf-8")
    with pytest.raises(renderer.BuildError, match="escape the project root"):
        renderer._compile_typst(probe, 0, root=renderer._project_dir(project["qmd"]))
    inside = build / "inside.typ"
    inside.write_text('#image("/_generated/figures/curve.svg")\n', encoding="utf-8")
    assert renderer._compile_typst(inside, 0, root=renderer._project_dir(project["qmd"]))[:4] == b"%PDF"


def test_manuscript_images_are_inside_paper():
    bad = []
    for path in MANUSCRIPT:
        text = path.read_text(encoding="utf-8")
        for src in IMAGE.findall(text):
            if not (PAPER / src).resolve().is_relative_to(PAPER.resolve()):
                bad.append(f"{path.relative_to(PAPER)}: {src}")
    assert not bad, f"images outside the Quarto project (typst's --root): {bad}"


# -- 4. style through Quarto's own mechanisms ----------------------------------------------------
# quarto-cli src/resources/formats/typst/pandoc/quarto/template.typ: header-includes come after
# typst-template.typ and before page.typ; page.typ: `numbering: none` unless page-numbering
# (schema src/resources/schema/document-numbering.yml); include-in-header takes paths
# (src/resources/schema/document-includes.yml). Float kinds: customnodes/floatreftarget.lua
# (`"quarto-float-" .. ref`), layout/typst.lua make_typst_figure.

def test_style_file_is_included_the_quarto_way():
    assert TYPST["include-in-header"] == "style.typ" and (PAPER / "style.typ").is_file()
    assert TYPST.get("page-numbering") not in (None, False), "Quarto's page.typ prints no page numbers by default"


def test_style_selectors_use_quarto_float_kinds():
    style = (PAPER / "style.typ").read_text(encoding="utf-8")
    code = "\n".join(line for line in style.splitlines() if not line.lstrip().startswith("//"))
    kinds = re.findall(r"kind:\s*([^)\s,]+)", code)
    assert kinds and all(k.strip('"').startswith("quarto-float-") for k in kinds), kinds
    assert '#show figure.where(kind: "quarto-float-tbl"): set block(breakable: true)' in code
    # page.typ comes after header-includes: a #set page here would be overridden under Quarto
    assert "#set page" not in code and "@preview/" not in code


def test_fallback_template_keeps_quartos_order():
    template = renderer.TEMPLATE.read_text(encoding="utf-8")
    assert template.index("$for(header-includes)$") < template.index("\n#set page(") < template.index("$body$")
    assert 'numbering: $if(page-numbering)$"$page-numbering$"$else$none$endif$' in template


# -- 5. citations: pandoc citeproc in typst too ---------------------------------------------------
# quarto-cli src/format/typst/format-typst.ts: the typst format sets `citeproc: false` (typst's
# own citations); typstResolveFormat adds `-citations` when citeproc: true. Schema:
# src/resources/schema/document-references.yml (citeproc).

def test_typst_uses_citeproc():
    assert TYPST.get("citeproc") is True
    assert "csl" not in QUARTO_YML and "csl" not in TYPST   # both outputs use citeproc's default author-date


def test_fallback_refuses_typst_without_citeproc(tmp_path):
    project = make_project(tmp_path, QMD)
    yml = project["qmd"].parent / "_quarto.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("    citeproc: true\n", ""), encoding="utf-8")
    message = build_fails(project, "pdf")
    assert "_quarto.yml:" in message and "citeproc: true" in message and "format-typst.ts" in message, message


# -- 6. ledger keys in table cells, the same way in both renderers --------------------------------
# Shortcodes are expanded in table cells like anywhere else (quarto-cli
# src/resources/pandoc/datadir/readqmd.lua parses them before pandoc reads the table); the .ledger
# style comes from the extension (quarto.doc.add_html_dependency, src/resources/pandoc/datadir/init.lua).

def test_extension_brings_the_ledger_style():
    lua = (PAPER / "_extensions" / "ledger" / "ledger.lua").read_text(encoding="utf-8")
    assert re.search(r'add_html_dependency\(\{[^}]*stylesheets = \{ "ledger.css" \}', lua)
    assert ".ledger" in (PAPER / "_extensions" / "ledger" / "ledger.css").read_text(encoding="utf-8")
    assert ".ledger" not in renderer._HTML_STYLE   # not a fallback-only style


@pytest.mark.skipif(not (paths.RESULTS / "tables").is_dir(), reason="run `make analysis` first")
def test_staged_manuscript_tables_carry_shortcodes(tmp_path):
    staged = stage.stage(paths.RESULTS, tmp_path / "_generated", ledger.load())
    for table in (p for p in staged if p.parent.name == "tables"):
        sidecar = paths.TABLES / f"{table.stem}.keys.json"
        keys = [k for row in json.loads(sidecar.read_text(encoding="utf-8")) for k in row if k] \
            if sidecar.is_file() else []
        text = table.read_text(encoding="utf-8")
        assert text.count("{{< ledger ") == len(keys), table.name
    assert not list((tmp_path / "_generated").rglob("*.keys.json"))


# -- 7. every option in _quarto.yml is one Quarto knows --------------------------------------------
# quarto-cli src/resources/schema/*.yml (`- name: <option>` entries, the schema Quarto validates
# _quarto.yml and front matter against): a misspelt option would be silently ignored or rejected

@pytest.mark.skipif(not QUARTO_SRC.is_dir(), reason="quarto-cli source not available")
def test_quarto_yml_options_are_in_quartos_schema():
    names = subprocess.run(["git", "-C", str(QUARTO_SRC), "grep", "-h", "-o", r"^- name: [a-z-]*", "HEAD", "--",
                            "src/resources/schema/"], capture_output=True, text=True, check=True).stdout
    known = {line.split(": ", 1)[1] for line in names.splitlines()}
    used = set(TYPST) | set(QUARTO_YML["format"]["html"]) | {k for k in QUARTO_YML if k != "format"}
    assert not sorted(used - known - {"project"}), sorted(used - known)


# -- 8. the built PDF (either renderer) keeps page numbers and breaks long tables -------------------

@needs_pdf
def test_pdf_pages_are_numbered():
    pages = pypdf.PdfReader(PDF).pages
    numbered = sum(str(i) in {line.strip() for line in (page.extract_text() or "").splitlines()}
                   for i, page in enumerate(pages, 1))
    assert numbered >= 0.9 * len(pages), f"only {numbered} of {len(pages)} pages show their number"


@needs_pdf
def test_pdf_long_table_breaks_across_pages():
    """The provenance table is far longer than a page: typst repeats its header row on every page
    it spans; a non-breakable figure would squeeze it onto one page."""
    pages = [page.extract_text() or "" for page in pypdf.PdfReader(PDF).pages]
    spanned = [i for i, text in enumerate(pages, 1) if "Ledger key" in text and "Script" in text]
    assert len(spanned) >= 3 and spanned == list(range(spanned[0], spanned[-1] + 1)), spanned
