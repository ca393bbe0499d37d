"""The manuscript's numbers are the ledger's numbers.

Runs on the built outputs of `make paper` (the Makefile builds them before the tests):
every key the paper uses exists; every entry meant for print is printed; the prose has no
hand-typed result numbers; the PDF's text contains every value the manuscript prints and
the audit table; each table cell that looks numeric is a ledger entry.
"""
from __future__ import annotations

import json
import re

import pypdf
import pytest

from analysis.core import ledger, paths
from tools.render import renderer

QMD = paths.PAPER / "paper.qmd"
PDF = paths.PAPER / "paper.pdf"
HTML = paths.PAPER / "paper.html"
PROSE_FILES = [QMD, *sorted((paths.PAPER / "sections").glob("*.qmd"))]

needs_build = pytest.mark.skipif(not PDF.exists() or not paths.LEDGER.exists(),
                                 reason="run `make paper` first (make test does this)")


@pytest.fixture(scope="module")
def entries():
    return ledger.load()


@pytest.fixture(scope="module")
def expanded(entries):
    return renderer.preprocess(QMD, entries)


@needs_build
def test_every_used_key_exists(expanded, entries):
    missing = sorted({u.key for u in expanded.uses if u.key not in entries})
    assert not missing, f"manuscript uses keys absent from the ledger: {missing}"


@needs_build
def test_every_entry_marked_for_the_paper_is_printed(expanded, entries):
    used = {u.key for u in expanded.uses}
    orphans = sorted(k for k, e in entries.items() if e["paper"] and k not in used)
    assert not orphans, f"{len(orphans)} ledger entries are marked for the paper but never printed: {orphans[:40]}"


# --- no hand-typed numbers in the prose ------------------------------------------------------

ALLOWED_PATTERNS = [
    r"\{\{<.*?>\}\}",                 # shortcodes (ledger keys, includes)
    r"\$\$.*?\$\$", r"\$[^$\n]*\$",    # mathematics: constants of formulas, not results
    r"`[^`\n]*`",                     # code: file names, commands
    r"\{#[^}]*\}", r"\{[^}]*width=[^}]*\}",  # labels and image attributes
    r"\[?-?@[\w:.-]+",                # citations and cross-references
    r"\]\([^)]*\)",                   # link / image targets
    r"<!--.*?-->",
    r"^date: .*$",                    # front-matter date
    r"SHA-256",                       # the name of the hash function
]
ALLOWED_WORDS = re.compile(r"\b(?:19|20)\d\d\b")   # years, e.g. in "Kaplan et al. 2020"
# Names that contain digits: datasets, benchmarks, components, methods and published model
# names. Each is a name, not a result; the list is explicit and short on purpose.
ALLOWED_NAMES = ["C4", "top-1", "Approach-3", "Approach 3", "PC-1", "rank-1", "GSM8K", "Llama-2-7B", "log10",
                 "Figure 4 of",            # Hoffmann et al.'s figure that Epoch digitised
                 "1.4B", "6.9B", "412M",   # model names in Gadre et al.'s suite
                 "M = 20"]                 # Gadre et al.'s name for 20 tokens per parameter


def strip_allowed(text: str) -> str:
    for pattern in ALLOWED_PATTERNS:
        text = re.sub(pattern, " ", text, flags=re.S | re.M)
    for name in ALLOWED_NAMES:
        text = text.replace(name, " ")
    return ALLOWED_WORDS.sub(" ", text)


@pytest.mark.parametrize("path", PROSE_FILES, ids=lambda p: p.name)
def test_prose_has_no_hand_typed_numbers(path):
    offenders = []
    for number, line in enumerate(strip_allowed(path.read_text(encoding="utf-8")).splitlines(), start=1):
        if re.search(r"\d", line):
            offenders.append((number, line.strip()[:120]))
    assert not offenders, f"{path.name}: digits outside shortcodes/math/code: {offenders[:10]}"


def test_lint_catches_a_typed_number():
    assert re.search(r"\d", strip_allowed("The exponent is 0.106 here."))
    assert not re.search(r"\d", strip_allowed("The exponent is {{< ledger loss.kaplan.alpha >}} [@kaplan2020scaling]."))


# --- the rendered PDF --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdf_text():
    reader = pypdf.PdfReader(PDF)
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u2212", "-"))


def squash(s: str) -> str:
    return re.sub(r"\s+", " ", s.replace("\u2212", "-"))


@needs_build
def test_pdf_contains_every_printed_value(expanded, entries, pdf_text):
    nospace = pdf_text.replace(" ", "")
    missing = sorted({entries[u.key]["formatted"] for u in expanded.uses
                      if squash(entries[u.key]["formatted"]).replace(" ", "") not in nospace})
    assert not missing, f"values printed by the manuscript but absent from the PDF text: {missing[:20]}"


@needs_build
def test_pdf_contains_headline_numbers_and_the_audit(entries, pdf_text):
    for key in ("loss.kaplan.alpha", "loss.kaplan.adj_r2", "extrap.loss.mape", "extrap.task.mean_mape",
                "corr.hf_card.pearson_r"):
        assert squash(entries[key]["formatted"]) in pdf_text, key
    assert "Claim-by-claim audit" in pdf_text
    assert pdf_text.count("reproduced") >= entries["audit.n_reproduced"]["value"]


@needs_build
def test_numeric_table_cells_are_ledger_entries(entries):
    """Every cell of a generated table that contains a digit is keyed to a ledger entry
    whose printed form it shows (text cells such as labels are exempt)."""
    tables = sorted(paths.TABLES.glob("*.md"))
    assert tables
    for table in tables:
        sidecar = table.with_suffix(".keys.json")
        assert sidecar.exists(), f"{table.name} has no key sidecar"
        keys = json.loads(sidecar.read_text())
        body = [line for line in table.read_text(encoding="utf-8").splitlines()[2:] if line.startswith("|")]
        assert len(body) == len(keys), table.name
        for row_text, row_keys in zip(body, keys):
            cells = [c.strip() for c in row_text.strip().strip("|").split("|")]
            for cell, key in zip(cells, row_keys):
                if key is None:
                    assert not re.fullmatch(r"[\u2212\-<>\s]*[\d.,%]+[\d.,%\s]*", cell), \
                        f"{table.name}: numeric cell {cell!r} is not tied to the ledger"
                else:
                    assert cell == entries[key]["formatted"], f"{table.name}: {cell!r} != ledger {key}"


@needs_build
def test_html_carries_ledger_keys(entries):
    html = HTML.read_text(encoding="utf-8")
    keys = set(re.findall(r'data-ledger-key="([^"]+)"', html))
    assert "loss.kaplan.alpha" in keys and "audit.n_claims" in keys
    assert keys <= set(entries)


@needs_build
def test_html_table_cells_carry_their_keys(expanded):
    """Table numbers reach the HTML through the ledger shortcode in the staged tables
    (tools/render/stage.py), so both renderers wrap them in the same span."""
    html = HTML.read_text(encoding="utf-8")
    keys = set(re.findall(r'data-ledger-key="([^"]+)"', html))
    in_tables = {u.key for u in expanded.uses if "_generated" in u.file.parts and u.file.parent.name == "tables"}
    assert in_tables, "no ledger shortcodes in the staged tables"
    assert not sorted(in_tables - keys)[:20]
