"""Regression: the built ledger equals the committed record (record/ledger.json, what the
paper prints), and a change to one data value changes exactly the numbers that depend on it.

Tolerance: printed strings identical and values within a relative 1e-6 (tools/record.py
explains the choice). In a fresh clone (CI) the built ledger is a fresh recomputation; on a
developer's tree `make verify` recomputes from scratch in a temporary directory.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pypdf

from analysis.core import data, ledger, paths
from tools import record, sandbox



def test_built_ledger_equals_the_committed_record():
    reference = record.load_record()
    built = ledger.read_json(paths.LEDGER)
    assert built["method.bootstrap_b"]["value"] == reference["method.bootstrap_b"]["value"], \
        "results/ledger.json was built with another B; run `make paper` (default B) first"
    moved = record.describe_moves(reference, built)
    assert not moved, f"{len(moved)} keys differ from record/ledger.json:\n" + "\n".join(moved[:30])


def make(root: Path, *targets: str) -> None:
    proc = subprocess.run(sandbox.make_command(root, "B=200", *targets), env=sandbox.make_env(),
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def pdf_tokens(pdf: Path) -> list[str]:
    text = "\n".join(p.extract_text() or "" for p in pypdf.PdfReader(pdf).pages)
    return re.findall(r"[\u2212\-]?\d[\d.,]*%?", text)


def test_one_changed_value_changes_exactly_the_dependent_numbers(tmp_path):
    root = sandbox.copy_project(tmp_path / "proj")
    make(root, "paper")
    before = json.loads((root / "results/ledger.json").read_text())
    tokens_before = pdf_tokens(root / "paper/paper.pdf")

    # Cerebras-GPT 13B zero-shot PIQA: 0.766 -> 0.776 and its average (a maintainer edit, checksums refreshed)
    csv_path = root / "data/cerebras_gpt.csv"
    lines = csv_path.read_text().splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    col = header.index("zs_piqa")
    cells = lines[-1].rstrip("\n").split(",")
    assert cells[col] == "0.766"
    cells[col] = "0.776"
    # the published 7-task average moves with it (the build checks the average against its parts)
    zs = [float(cells[header.index(c)]) for c in header if c.startswith("zs_") and c != "zs_downstream_avg"]
    assert len(zs) == 7
    cells[header.index("zs_downstream_avg")] = f"{sum(zs) / len(zs):.3f}"
    lines[-1] = ",".join(cells) + "\n"
    csv_path.write_text("".join(lines))

    # the regression check fails until the ledger is regenerated
    stale = json.loads((root / "results/ledger.json").read_text())
    data.write_checksums(root / "data")
    env = dict(os.environ, PYTHONPATH=str(root))
    proc = subprocess.run([sys.executable, "-m", "tools.verify", "--only-problems",
                           "--ledger", str(root / "results/ledger.json")], cwd=root, env=env,
                          capture_output=True, text=True)
    assert proc.returncode != 0 and "MISMATCH" in proc.stdout, proc.stdout + proc.stderr

    make(root, "paper")
    after = json.loads((root / "results/ledger.json").read_text())
    changed = {k for k in after if k in stale and after[k]["value"] != stale[k]["value"]}
    assert changed, "changing a data value changed nothing"
    # loss laws do not read accuracies; other tasks' fits do not read PIQA
    assert not {k for k in changed if k.startswith("loss.")}
    for task in ("lambada", "hellaswag", "winogrande", "arc_easy", "arc_challenge", "openbookqa"):
        assert not {k for k in changed if k.startswith(f"task.{task}.")}, task
    assert {"task.piqa.bpl.alpha", "extrap.task.piqa.mape", "extrap.task.mean_mape"} <= changed
    # the PDF changes exactly where a changed number is printed
    printed_changed = {after[k]["formatted"] for k in changed} | {before[k]["formatted"] for k in changed}
    tokens_after = pdf_tokens(root / "paper/paper.pdf")
    removed = set(tokens_before) - set(tokens_after)
    added = set(tokens_after) - set(tokens_before)
    unexplained = {t for t in removed | added
                   if not any(t.replace("\u2212", "-") in p.replace("\u2212", "-") for p in printed_changed)}
    assert not unexplained, f"PDF numbers changed that no changed ledger entry explains: {sorted(unexplained)[:20]}"
    assert added, "the PDF did not change"
