"""The fallback manuscript renderer (tools/render/renderer.py) and the Quarto `ledger` shortcode.

Everything runs on a tiny fixture project written into tmp_path (fake ledger, a table
with a key sidecar, a small SVG, a two-entry bib, staged into paper/_generated/ by
tools/render/stage.py as `make paper` does), never on the real results/.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from analysis.core import paths
from tools.render import renderer, stage

LEDGER = {
    "loss.kaplan.alpha": {"value": 0.1063, "unit": "", "format": "f3", "formatted": "0.106",
                          "script": "analysis/s1_loss_scaling.py", "paper": True, "note": ""},
    "loss.kaplan.beta": {"value": -0.52, "unit": "", "format": "f2", "formatted": "\u22120.52",
                         "script": "analysis/s1_loss_scaling.py", "paper": True, "note": ""},
    "task.share": {"value": 13.08, "unit": "%", "format": "pct1", "formatted": "13.1%",
                   "script": "analysis/s2_task_scaling.py", "paper": True, "note": ""},
    "task.n": {"value": 1200, "unit": "", "format": "int", "formatted": "1,200",
               "script": "analysis/s2_task_scaling.py", "paper": True, "note": ""},
    "corr.p": {"value": 2e-05, "unit": "", "format": "p", "formatted": "< 0.001",
               "script": "analysis/s3_correlation.py", "paper": True, "note": ""},
}

TABLE = """\
| Law | $\\alpha$ | Models |
|:---|---:|---:|
| Kaplan | 0.106 | 1,200 |
| Other | \u22120.52 | 7 |
"""
SIDECAR = [[None, "loss.kaplan.alpha", "task.n"], [None, "loss.kaplan.beta", None]]

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120" viewBox="0 0 240 120">'
       '<rect x="1" y="1" width="238" height="118" fill="none" stroke="black"/>'
       '<polyline points="10,110 60,60 120,35 230,20" fill="none" stroke="#0072B2" stroke-width="2"/></svg>\n')

BIB = """\
@article{kaplan2020,
  author = {Kaplan, Jared and McCandlish, Sam},
  title = {Scaling Laws for Neural Language Models},
  journal = {arXiv preprint arXiv:2001.08361},
  year = {2020}
}
@inproceedings{hoffmann2022,
  author = {Hoffmann, Jordan and Borgeaud, Sebastian},
  title = {Training Compute-Optimal Large Language Models},
  booktitle = {NeurIPS},
  year = {2022}
}
"""

QMD = """\
---
title: "Scaling laws, checked"
author:
  - name: Ada Lovelace
    affiliations:
      - name: Analytical Engine Institute
date: 2025-03-05
abstract: |
  The exponent is {{< ledger loss.kaplan.alpha >}}; the share is {{< ledger task.share >}}.
---

# Introduction {#sec-intro}

Scaling laws [@kaplan2020] relate loss to compute; @hoffmann2022 refit them.
The exponent is $\\alpha = {{< ledger loss.kaplan.alpha >}}$ over {{< ledger task.n >}} models,
slope {{< var loss.kaplan.beta >}} (p {{< ledger corr.p >}}).
See @fig-curve, @tbl-fits, @eq-law and @sec-method.
Code is left alone: `{{< ledger not.a.key >}}`.

```
{{< nonsense >}}
```

## Method {#sec-method}

$$
L(C) = a \\, C^{-\\alpha}
$$ {#eq-law}

![Loss against compute.](_generated/figures/curve.svg){#fig-curve width=50%}

{{< include _generated/tables/fits.md >}}

: Fitted exponents. {#tbl-fits}

As -@eq-law shows.

# References {.unnumbered}

::: {#refs}
:::
"""


def make_project(root: Path, qmd: str = QMD, quarto_yml: bool = True) -> dict:
    paper, results = root / "paper", root / "results"
    (results / "tables").mkdir(parents=True)
    (results / "figures").mkdir(parents=True)
    paper.mkdir(parents=True)
    (results / "ledger.json").write_text(json.dumps(LEDGER, indent=1, ensure_ascii=False), encoding="utf-8")
    (results / "tables" / "fits.md").write_text(TABLE, encoding="utf-8")
    (results / "tables" / "fits.keys.json").write_text(json.dumps(SIDECAR), encoding="utf-8")
    (results / "figures" / "curve.svg").write_text(SVG, encoding="utf-8")
    (paper / "references.bib").write_text(BIB, encoding="utf-8")
    (paper / "paper.qmd").write_text(qmd, encoding="utf-8")
    if quarto_yml:  # the real project file (and the style file it names) must be understood by the fallback too
        shutil.copy(paths.PAPER / "_quarto.yml", paper / "_quarto.yml")
        shutil.copy(paths.PAPER / "style.typ", paper / "style.typ")
    stage.stage(results, paper / "_generated", LEDGER)
    return {"root": root, "qmd": paper / "paper.qmd", "ledger": results / "ledger.json",
            "staged": paper / "_generated"}


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    return text.replace("\u00a0", " ")  # typst joins "Figure" and its number with a no-break space


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    project = make_project(tmp_path_factory.mktemp("paper-ok"))
    out = project["root"]
    pdf = renderer.render_pdf(project["qmd"], out / "a.pdf", project["ledger"], typ_out=out / "a.typ")
    html = renderer.render_html(project["qmd"], out / "a.html", project["ledger"])
    return project, pdf, html


# -- successful builds ------------------------------------------------------------------------

def test_pdf_has_ledger_numbers_and_numbered_references(rendered):
    text = pdf_text(rendered[1])
    for value in ("0.106", "13.1%", "1,200", "\u22120.52", "< 0.001"):
        assert value in text
    for label in ("Figure 1", "Table 1", "Equation (1)", "Section 1.1"):
        assert label in text
    assert "Kaplan and McCandlish 2020" in text and "Hoffmann and Borgeaud (2022)" in text
    assert "{{< nonsense >}}" in text and "{{< ledger not.a.key >}}" in text  # code untouched
    assert "??" not in text and "{{< ledger" not in text.replace("{{< ledger not.a.key >}}", "")
    # table caption above the table body; figure caption below the figure
    assert text.index("Table 1: Fitted exponents.") < text.index("Kaplan 0.106")
    typ = (rendered[0]["root"] / "a.typ").read_text(encoding="utf-8")
    # Quarto's float calls (layout/typst.lua make_typst_figure): its kinds, caption positions
    assert re.search(r'caption: figure\.caption\(position: top, \[Fitted exponents\.\]\), kind: "quarto-float-tbl", '
                     r'supplement: "Table"\)<tbl-fits>', typ), typ
    assert re.search(r'position: bottom, \[Loss against compute\.\]\), kind: "quarto-float-fig", '
                     r'supplement: "Figure"\)<fig-curve>', typ), typ
    assert "kind: table" not in typ and "kind: image" not in typ
    # the shared style file came in through include-in-header, before the page set-up
    assert typ.index('#show figure.where(kind: "quarto-float-tbl"): set block(breakable: true)') < typ.index("\n#set page(")
    assert 'numbering: "1",' in typ  # page-numbering from _quarto.yml
    assert 'math.equation(numbering: "(1)")' in typ and "<eq-law>" in typ


def test_pdf_uses_only_embedded_fonts(rendered):
    fonts = set()
    for page in pypdf.PdfReader(rendered[1]).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            fonts.add(font.get_object()["/BaseFont"].split("+")[-1])
    assert fonts and all(re.match(r"(LibertinusSerif|NewCM|DejaVuSansMono)", f) for f in fonts), fonts


def test_pdf_is_deterministic(rendered, tmp_path):
    project = rendered[0]
    again = renderer.render_pdf(project["qmd"], tmp_path / "b.pdf", project["ledger"])
    assert again.read_bytes() == rendered[1].read_bytes()


def test_html_wraps_every_ledger_number(rendered):
    html = rendered[2].read_text(encoding="utf-8")
    span = ('<span class="ledger" data-ledger-key="loss.kaplan.alpha" '
            'title="loss.kaplan.alpha = 0.1063 (analysis/s1_loss_scaling.py)">0.106</span>')
    assert html.count(span) == 2  # abstract + the staged table's shortcode cell (the one in math stays math)
    keys = re.findall(r'data-ledger-key="([^"]+)"', html)
    assert sorted(set(keys)) == sorted(LEDGER)
    assert 'title="task.share = 13.08 % (analysis/s2_task_scaling.py)">13.1%</span>' in html
    # staged table: keyed cells wrapped, unkeyed cells plain; the .ledger style is the extension's
    assert (paths.PAPER / "_extensions" / "ledger" / "ledger.css").read_text(encoding="utf-8").split("*/")[-1].strip() in html
    assert 'data-ledger-key="task.n" title="task.n = 1200 (analysis/s2_task_scaling.py)">1,200</span></td>' in html
    assert '<td style="text-align: right;">7</td>' in html
    # cross references and captions
    assert '<a href="#fig-curve">Figure\u00a01</a>' in html and "Figure\u00a01: Loss against compute." in html
    assert '<a href="#tbl-fits">Table\u00a01</a>' in html and "Table\u00a01: Fitted exponents." in html
    assert '<a href="#eq-law">Equation\u00a0(1)</a>' in html and '<a href="#eq-law">(1)</a>' in html
    assert '<a href="#sec-method">Section\u00a01.1</a>' in html


def test_html_is_deterministic(rendered, tmp_path):
    project = rendered[0]
    again = renderer.render_html(project["qmd"], tmp_path / "b.html", project["ledger"])
    assert again.read_bytes() == rendered[2].read_bytes()


def test_html_is_self_contained(rendered):
    html = rendered[2].read_text(encoding="utf-8")
    assert "curve.svg" not in html and ("data:image/svg+xml" in html or "<svg" in html)
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="https?:', html)
    assert "<math" in html


def test_used_keys_includes_included_tables(rendered):
    project = rendered[0]
    text = project["qmd"].read_text(encoding="utf-8")
    keys = renderer.used_keys(text, project["qmd"].parent)
    include_line = line_of(text, "{{< include")
    assert ("loss.kaplan.alpha", line_of(text, "The exponent is {{<")) in keys
    assert ("loss.kaplan.beta", line_of(text, "{{< var")) in keys
    assert ("task.n", include_line) in keys and ("loss.kaplan.beta", include_line) in keys
    assert "not.a.key" not in {k for k, _ in keys}


def test_quarto_extension_matches_the_fallback(rendered, tmp_path):
    """Run paper/_extensions/ledger/ledger.lua under pandoc with a stand-in `quarto` table."""
    project = rendered[0]
    harness = tmp_path / "harness.lua"
    harness.write_text(r'''
quarto = {
  project = { directory = os.getenv("LEDGER_TEST_PROJECT") },
  doc = { is_format = function(name) return FORMAT:match(name) ~= nil end },
  json = { decode = function(s) return pandoc.json.decode(s, false) end },
}
local handlers = dofile(os.getenv("LEDGER_LUA"))
function Str(el)
  local key = el.text:match("^KEY:(.+)$")
  if key then return handlers.ledger({ key }, {}, {}, { key }, "inline") end
end
''', encoding="utf-8")
    env = dict(os.environ, LEDGER_TEST_PROJECT=str(project["qmd"].parent),
               LEDGER_LUA=str(paths.PAPER / "_extensions" / "ledger" / "ledger.lua"))
    env.pop("SLM_RESULTS", None)

    def run(text, fmt):
        return subprocess.run([renderer._pandoc(), "-f", "markdown", "-t", fmt, "--wrap=none",
                               "--lua-filter", str(harness)],
                              input=text.encode(), capture_output=True, env=env)

    html = run("Alpha KEY:loss.kaplan.alpha here.", "html").stdout.decode()
    assert ('<span class="ledger" data-ledger-key="loss.kaplan.alpha" '
            'title="loss.kaplan.alpha = 0.1063 (analysis/s1_loss_scaling.py)">0.106</span>') in html
    assert run("Alpha KEY:loss.kaplan.alpha here.", "typst").stdout.decode().strip() == "Alpha 0.106 here."
    failed = run("Alpha KEY:no.such.key here.", "html")
    assert failed.returncode != 0 and "no.such.key" in failed.stderr.decode()


# -- failures name the culprit ---------------------------------------------------------------

def broken(tmp_path, old: str, new: str) -> tuple[dict, int]:
    assert old in QMD
    qmd = QMD.replace(old, new, 1)
    return make_project(tmp_path, qmd), line_of(qmd, new.splitlines()[0] if new else old)


def fails(project, *needles):
    with pytest.raises(renderer.BuildError) as info:
        renderer.render_html(project["qmd"], project["root"] / "x.html", project["ledger"])
    message = str(info.value)
    for needle in needles:
        assert needle in message, message
    assert not (project["root"] / "x.html").exists()
    return message


def test_unknown_ledger_key_fails(tmp_path):
    project, line = broken(tmp_path, "{{< ledger task.n >}}", "{{< ledger task.nope >}}")
    fails(project, "task.nope", f"paper.qmd:{line}")


def test_unknown_shortcode_fails(tmp_path):
    project, line = broken(tmp_path, "{{< ledger corr.p >}}", "{{< meta title >}}")
    fails(project, "'meta'", f"paper.qmd:{line}")


def test_unresolved_crossref_fails(tmp_path):
    project, line = broken(tmp_path, "See @fig-curve,", "See @fig-nope,")
    fails(project, "@fig-nope", f"paper.qmd:{line}")


def test_missing_figure_fails(tmp_path):
    project, line = broken(tmp_path, "figures/curve.svg", "figures/gone.svg")
    fails(project, "gone.svg", f"paper.qmd:{line}")


def test_missing_include_fails(tmp_path):
    project, line = broken(tmp_path, "tables/fits.md", "tables/absent.md")
    fails(project, "absent.md", f"paper.qmd:{line}")


def test_unknown_citation_fails(tmp_path):
    project, line = broken(tmp_path, "[@kaplan2020]", "[@nobody2099]")
    fails(project, "@nobody2099", f"paper.qmd:{line}")


def test_stale_table_fails_at_staging(tmp_path):
    project = make_project(tmp_path)
    table = project["root"] / "results" / "tables" / "fits.md"
    table.write_text(TABLE.replace("0.106", "0.107"), encoding="utf-8")
    with pytest.raises(stage.StageError) as info:
        stage.stage(project["root"] / "results", project["staged"], LEDGER)
    message = str(info.value)
    assert "fits.md:3:" in message and "0.107" in message and "loss.kaplan.alpha" in message, message


def test_sidecar_shape_must_match_the_table(tmp_path):
    project = make_project(tmp_path)
    sidecar = project["root"] / "results" / "tables" / "fits.keys.json"
    sidecar.write_text(json.dumps(SIDECAR[:1]), encoding="utf-8")
    with pytest.raises(stage.StageError, match="1 rows, the table has 2 body rows"):
        stage.stage(project["root"] / "results", project["staged"], LEDGER)


def test_staged_table_carries_shortcodes_and_no_sidecar(tmp_path):
    project = make_project(tmp_path)
    staged = (project["staged"] / "tables" / "fits.md").read_text(encoding="utf-8").splitlines()
    assert staged[2] == "| Kaplan | {{< ledger loss.kaplan.alpha >}} | {{< ledger task.n >}} |"
    assert staged[3] == "| Other | {{< ledger loss.kaplan.beta >}} | 7 |"
    # rows that fitted in pandoc's 72 columns: dashes follow the widest cell of each column
    widths = [len("Kaplan"), len("$\\alpha$"), len("Models")]
    assert staged[1] == "|:{}|{}:|{}:|".format(*("-" * w for w in widths)), staged[1]
    assert not list(project["staged"].rglob("*.keys.json"))
    assert (project["staged"] / ".gitignore").read_text(encoding="utf-8").rstrip().endswith("*")


def test_variables_yml_must_agree_with_ledger(tmp_path):
    project = make_project(tmp_path)
    (project["qmd"].parent / "_variables.yml").write_text("loss:\n  kaplan:\n    beta: '-0.5'\n", encoding="utf-8")
    fails(project, "loss.kaplan.beta", "_variables.yml")


def test_cli_exits_nonzero_naming_the_key(tmp_path):
    project, line = broken(tmp_path, "{{< ledger task.n >}}", "{{< ledger task.nope >}}")
    proc = subprocess.run([sys.executable, "-m", "tools.render", "--qmd", str(project["qmd"]),
                           "--ledger", str(project["ledger"]), "--html", str(tmp_path / "x.html")],
                          cwd=paths.ROOT, capture_output=True, text=True)
    assert proc.returncode != 0
    assert "task.nope" in proc.stderr and f"paper.qmd:{line}" in proc.stderr
