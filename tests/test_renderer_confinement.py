"""The fallback renderer (tools/render/renderer.py) reads nothing outside the repository and runs nothing.

One test per vector a manuscript (or a contributor's branch that CI builds and publishes)
could use to print a file or an environment variable into the PDF/HTML, or to make typst
download a package. Each expects a refusal on exactly one line,
`tools.render: error: <file>:<line>: ...` (no traceback), naming the culprit. Fixture
projects live in paper/.build/ (gitignored) so that they are inside the repository and the
repository's own confinement root applies; they are removed afterwards.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from contextlib import suppress
from pathlib import Path

import pytest

from analysis.core import paths
from tools.render import renderer
from test_paper_build import QMD, line_of, make_project

SCRATCH = paths.PAPER / ".build"
PASSWD = "/etc/passwd"           # exists on every POSIX machine; its first line starts "root:"
LEAK_MARKERS = ("root:x:", "root:*:", "/bin/bash", "/bin/sh")
DEEP = "../" * 12                # more parent steps than any checkout has


@pytest.fixture
def scratch():
    """A fresh directory inside the repository (paper/.build/test-confinement-*)."""
    root = SCRATCH / f"test-confinement-{uuid.uuid4().hex[:10]}"
    yield root
    shutil.rmtree(root, ignore_errors=True)
    with suppress(OSError):
        SCRATCH.rmdir()


def project_with(root: Path, old: str, new: str) -> tuple[dict, str]:
    assert old in QMD, old
    qmd = QMD.replace(old, new, 1)
    return make_project(root, qmd), qmd


def refused(project: dict, fmt: str, location: str, *needles: str) -> str:
    """Run the CLI; expect exit 1 and one line `tools.render: error: <location>: ...`."""
    out = project["root"] / f"out.{fmt}"
    proc = subprocess.run([sys.executable, "-m", "tools.render", "--qmd", str(project["qmd"]),
                           "--ledger", str(project["ledger"]), f"--{fmt}", str(out)],
                          cwd=paths.ROOT, capture_output=True, text=True, timeout=300)
    stderr = proc.stderr
    lines = stderr.strip().splitlines()
    assert proc.returncode == 1, (proc.returncode, stderr)
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith("tools.render: error: "), stderr
    assert f"{location}:" in lines[0], stderr
    for needle in needles:
        assert needle in lines[0], stderr
    assert not any(marker in stderr for marker in LEAK_MARKERS), stderr
    assert not out.exists()
    return lines[0]


def one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert "\n" not in message.strip() and "Traceback" not in message, message
    assert not any(marker in message for marker in LEAK_MARKERS), message
    return message


# -- includes, figures, symlinks ---------------------------------------------------------------

@pytest.mark.parametrize("target", [DEEP + "etc/passwd", "/" + DEEP + "etc/passwd"], ids=["relative", "absolute"])
def test_include_outside_the_repository_is_refused(scratch, target):
    include = f"{{{{< include {target} >}}}}"
    project, qmd = project_with(scratch, "As -@eq-law shows.", include)
    refused(project, "html", f"paper.qmd:{line_of(qmd, include)}", "outside the repository", target)


@pytest.mark.parametrize("target", [PASSWD, DEEP + "etc/passwd"], ids=["absolute", "relative"])
def test_figure_outside_the_repository_is_refused(scratch, target):
    project, qmd = project_with(scratch, "_generated/figures/curve.svg", target)
    refused(project, "html", f"paper.qmd:{line_of(qmd, target)}", "figure", "outside the repository")


@pytest.mark.parametrize("kind", ["include", "figure", "project file", "manuscript"])
def test_symlink_inside_pointing_outside_is_refused(scratch, tmp_path, kind):
    if kind == "include":
        project, qmd = project_with(scratch, "As -@eq-law shows.", "{{< include leak.md >}}")
        (project["qmd"].parent / "leak.md").symlink_to(PASSWD)
        refused(project, "html", f"paper.qmd:{line_of(qmd, 'leak.md')}", "outside the repository", PASSWD)
    elif kind == "figure":
        project, qmd = project_with(scratch, "figures/curve.svg", "figures/leak.svg")
        (project["staged"] / "figures" / "leak.svg").symlink_to(PASSWD)
        refused(project, "html", f"paper.qmd:{line_of(qmd, 'leak.svg')}", "outside the repository", PASSWD)
    elif kind == "project file":
        project = make_project(scratch)
        outside = tmp_path / "_quarto.yml"
        shutil.copy(project["qmd"].parent / "_quarto.yml", outside)
        (project["qmd"].parent / "_quarto.yml").unlink()
        (project["qmd"].parent / "_quarto.yml").symlink_to(outside)
        refused(project, "html", "paper/_quarto.yml", "outside the repository")
    else:
        project = make_project(scratch)
        outside = tmp_path / "paper.qmd"
        shutil.copy(project["qmd"], outside)
        project["qmd"].unlink()
        project["qmd"].symlink_to(outside)
        refused(project, "html", "paper/paper.qmd", "outside the repository")


# -- raw content ------------------------------------------------------------------------------

RAW = {
    "typst-block": ("```{=typst}\n#raw(read(\"/etc/passwd\"))\n```", '#raw(read("/etc/passwd"))', "raw typst block"),
    "typst-inline": ("Host `#raw(read(\"/etc/hostname\"))`{=typst} here.", "Host `#raw", "raw typst inline"),
    "html-block": ("<script>document.title = 'x'</script>", "<script>", "raw html"),
    "html-iframe": ('<iframe src="file:///etc/passwd"></iframe>', "<iframe", "raw html"),
    "html-img": ('Look <img src="/etc/passwd"> here.', "<img", "raw html inline"),
    "tex": ("\\input{/etc/passwd}", "\\input", "raw tex"),
}


@pytest.mark.parametrize("name", list(RAW))
def test_raw_blocks_and_inlines_are_refused(scratch, name):
    snippet, needle, what = RAW[name]
    project, qmd = project_with(scratch, "As -@eq-law shows.", snippet)
    refused(project, "pdf" if "typst" in name else "html", f"paper.qmd:{line_of(qmd, needle)}", what)


def test_raw_typst_in_the_front_matter_is_refused(scratch):
    title = 'title: "Scaling laws `#raw(read(\\"/etc/passwd\\"))`{=typst}"'
    project, qmd = project_with(scratch, 'title: "Scaling laws, checked"', title)
    refused(project, "pdf", f"paper.qmd:{line_of(qmd, 'title:')}", "raw typst inline", "front matter")


def test_metadata_block_in_the_body_is_refused(scratch):
    block = "---\nheader-includes: '`#raw(read(\"/etc/passwd\"))`{=typst}'\n---"
    project, qmd = project_with(scratch, "As -@eq-law shows.", block)
    refused(project, "pdf", f"paper.qmd:{line_of(qmd, 'header-includes:')}", "outside the front matter")


# -- typst: packages, its root, template values -----------------------------------------------

def test_equation_label_cannot_smuggle_typst(scratch):
    """The filter writes labels into raw typst (`<eq-x>`): a label may not close it and add code."""
    codes = "+".join(f"str.from-unicode({ord(c)})" for c in PASSWD)  # no quotes, no spaces
    label = "{#eq-law>#raw(read(" + codes + "))<eq-b}"
    qmd = QMD.replace("$$ {#eq-law}", "$$ " + label).replace(", @eq-law and", " and").replace("As -@eq-law shows.", "")
    refused(make_project(scratch, qmd), "pdf", f"paper.qmd:{line_of(qmd, label)}", "label", "may contain only")


def test_typst_package_import_in_raw_typst_is_refused(scratch):
    block = '```{=typst}\n#import "@preview/cetz:0.2.2": canvas\n```'
    project, qmd = project_with(scratch, "As -@eq-law shows.", block)
    refused(project, "pdf", f"paper.qmd:{line_of(qmd, '#import')}", "package import")


def patched_template(scratch: Path, monkeypatch, line: str) -> tuple[Path, int]:
    template = scratch / "template.typ"
    text = renderer.TEMPLATE.read_text(encoding="utf-8").split("\n")
    at = text.index("#set par(justify: true, leading: 0.6em, spacing: 1.0em)")
    text.insert(at, line)
    template.write_text("\n".join(text), encoding="utf-8")
    monkeypatch.setattr(renderer, "TEMPLATE", template)
    return template, at + 1


def test_typst_package_import_in_the_template_is_refused(scratch, monkeypatch):
    project = make_project(scratch)
    template, line = patched_template(scratch, monkeypatch, '#import "@preview/cetz:0.2.2": canvas')
    with pytest.raises(renderer.BuildError) as info:
        renderer.render_pdf(project["qmd"], scratch / "x.pdf", project["ledger"])
    message = one_line(info)
    assert f"{template.name}:{line}:" in message and "package import" in message, message


def test_typst_template_cannot_read_outside_the_root(scratch, monkeypatch):
    project = make_project(scratch)
    template, line = patched_template(scratch, monkeypatch, '#raw(read("/etc/passwd"))')
    with pytest.raises(renderer.BuildError) as info:
        renderer.render_pdf(project["qmd"], scratch / "x.pdf", project["ledger"])
    message = one_line(info)
    assert f"{template.name}:{line}:" in message and "file not found" in message, message
    assert not (scratch / "x.pdf").exists()


@pytest.mark.parametrize("target", [PASSWD, DEEP + "etc/passwd"], ids=["absolute", "relative"])
def test_typst_root_refuses_files_outside_the_repository(scratch, target):
    """Even typst code that got through cannot read outside the root (the repository)."""
    scratch.mkdir(parents=True)
    typ = scratch / "probe.typ"
    typ.write_text(f'Probe.\n#raw(read("{target}"))\n', encoding="utf-8")
    with pytest.raises(renderer.BuildError) as info:
        renderer._compile_typst(typ, 0)
    message = one_line(info)
    assert f"{typ.name}:2:" in message, message
    assert ("file not found" in message) if target == PASSWD else ("escape the project root" in message), message


@pytest.mark.parametrize("option, value", [
    ("mainfont", 'X"); #raw(read("/etc/passwd")); ("'),
    ("fontsize", '10pt); #raw(read("/etc/passwd")); #(1pt'),
])
def test_typst_options_cannot_inject_code(scratch, option, value):
    escaped = value.replace("'", "''")
    option_lines = f"format:\n  typst:\n    {option}: '{escaped}'\n"
    project, qmd = project_with(scratch, "date: 2025-03-05\n", "date: 2025-03-05\n" + option_lines)
    refused(project, "pdf", f"paper.qmd:{line_of(qmd, option + ':')}", f"format.typst.{option}", "not allowed")


# -- metadata pointing outside ------------------------------------------------------------------

@pytest.mark.parametrize("field", ["bibliography", "csl"])
def test_bibliography_and_csl_outside_the_repository_are_refused(scratch, field):
    project, qmd = project_with(scratch, "date: 2025-03-05\n", f"date: 2025-03-05\n{field}: {PASSWD}\n")
    refused(project, "html", f"paper.qmd:{line_of(qmd, field + ':')}", field, "outside the repository")


# -- the environment ------------------------------------------------------------------------------

def test_environment_is_not_handed_to_the_document(scratch, monkeypatch):
    """A filter's os.getenv (the only code pandoc runs) sees none of the build's environment."""
    secret = "s3cr3t-" + uuid.uuid4().hex
    monkeypatch.setenv("PAPER_TEST_SECRET", secret)
    head, tail = renderer.FILTER.read_text(encoding="utf-8").rsplit("\nreturn {\n", 1)
    probe = ('local SECRET = os.getenv("PAPER_TEST_SECRET") or "no-secret"\nreturn {\n'
             '  { Str = function(s) if s.text == "SECRETSLOT" then return pandoc.Str(SECRET) end end },\n')
    envs = []
    run = subprocess.run

    def spy(*args, **kwargs):
        envs.append(kwargs.get("env"))
        return run(*args, **kwargs)

    monkeypatch.setattr(renderer.subprocess, "run", spy)
    body = "The value is SECRETSLOT here.\n\n<!-- a comment is fine -->"
    project, _ = project_with(scratch, "As -@eq-law shows.", body)
    probing = scratch / "probe-filter.lua"   # the real filter plus a probe that reads the environment
    probing.write_text(head + "\n" + probe + tail, encoding="utf-8")
    monkeypatch.setattr(renderer, "FILTER", probing)
    html = renderer.render_html(project["qmd"], scratch / "x.html", project["ledger"]).read_text(encoding="utf-8")
    assert secret not in html and "The value is no-secret here." in html
    assert envs and all(env is not None and all(k.startswith("PAPER_BUILD_") for k in env) for env in envs), envs
    assert not list((project["qmd"].parent / ".build").glob("*"))  # temporary build files removed


# -- messages a person can act on --------------------------------------------------------------------

def test_front_matter_without_closing_dashes_is_refused(scratch):
    qmd = QMD.replace("---\n\n# Introduction", "\n# Introduction", 1)
    assert qmd.count("\n---\n") == 0
    refused(make_project(scratch, qmd), "html", "paper.qmd:1", "never closed", "add a line '---'")


def test_unknown_ledger_key_says_what_to_do(scratch):
    project, qmd = project_with(scratch, "{{< ledger task.n >}}", "{{< ledger task.nope >}}")
    refused(project, "html", f"paper.qmd:{line_of(qmd, 'task.nope')}", "unknown ledger key 'task.nope'",
            "did you mean 'task.n'?", "rerun the analysis")


def test_typst_error_names_the_figure(scratch):
    project, qmd = project_with(scratch, "As -@eq-law shows.", "As -@eq-law shows.")
    (project["staged"] / "figures" / "curve.svg").write_text("this is not an SVG file\n", encoding="utf-8")
    refused(project, "pdf", f"paper.qmd:{line_of(qmd, 'curve.svg')}", "typst error", "curve.svg", "valid image")
