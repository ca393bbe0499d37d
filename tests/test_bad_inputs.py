"""Catalogue of bad inputs (issue 6): every kind fails with a clear error naming the file, row
and column (or is handled in a documented way), and leaves previous outputs intact.

Each kind is one row of `CATALOGUE` (a data-file corruption checked through `data.load_table`)
or one test below (fits, ledger, manuscript, and the end-to-end "outputs left intact" check,
which runs a section script on a bad data directory via `SLM_DATA`). Kinds that
tests/test_data_validation.py covers in more depth reuse its helpers.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analysis.core import bootstrap, data, fitting, forms, ledger, paths

from test_data_validation import _drop_column, expect_error, read_rows, set_cell, write_rows


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    for path in paths.DATA.iterdir():
        if path.is_file() and not path.name.startswith("."):
            shutil.copy2(path, target / path.name)
    return target


# --------------------------------------------------------------------------- data-file kinds


def _cell(table, row, column, value):
    def corrupt(d: Path):
        set_cell(d / data.schema(table).filename, row, column, value)
    return corrupt


def _swap_rows(d: Path):
    path = d / "cerebras_gpt.csv"
    rows = read_rows(path)
    rows[3], rows[4] = rows[4], rows[3]
    write_rows(path, rows)


def _duplicate_model(d: Path):
    set_cell(d / "pythia_models.csv", 3, "model", "pythia-70m")


def _drop(column):
    return lambda d: _drop_column(d / "cerebras_gpt.csv", column)


def _unknown_column(d: Path):
    path = d / "cerebras_gpt.csv"
    rows = read_rows(path)
    write_rows(path, [r + (["extra_col"] if i == 0 else ["1"]) for i, r in enumerate(rows)])


def _empty(d: Path):
    (d / "cerebras_gpt.csv").write_bytes(b"")


def _bom(d: Path):
    path = d / "cerebras_gpt.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def _crlf(d: Path):
    path = d / "cerebras_gpt.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))


# kind, corruption, table, row, column, fragment of the message
CATALOGUE = [
    ("missing cell", _cell("cerebras_gpt", 3, "pile_loss_hf_card", ""), "cerebras_gpt", 3, "pile_loss_hf_card",
     "missing value"),
    ("non-numeric text", _cell("cerebras_gpt", 5, "train_flops", "abc"), "cerebras_gpt", 5, "train_flops",
     "is not a number"),
    ("zero N", _cell("cerebras_gpt", 2, "params_nominal", "0"), "cerebras_gpt", 2, "params_nominal", "must be > 0"),
    ("negative N", _cell("pythia_models", 3, "params_total", "-5"), "pythia_models", 3, "params_total",
     "must be > 0"),
    ("N in millions (wrong unit)", _cell("cerebras_gpt", 2, "params_nominal", "111"), "cerebras_gpt", 2,
     "params_nominal", "implausible parameter count"),
    ("N in billions (wrong unit)", _cell("pythia_models", 2, "params_total", "0.07"), "pythia_models", 2,
     "params_total", "is not an integer"),
    ("N in billions, integer", _cell("pythia_models", 9, "params_nonembedding", "1"), "pythia_models", 9,
     "params_nonembedding", "implausible parameter count"),
    ("accuracy above 1", _cell("cerebras_gpt", 4, "zs_piqa", "1.3"), "cerebras_gpt", 4, "zs_piqa",
     "outside [0, 1]"),
    ("accuracy below 0", _cell("cerebras_gpt", 4, "fs_arc_easy", "-0.1"), "cerebras_gpt", 4, "fs_arc_easy",
     "outside [0, 1]"),
    ("zero loss", _cell("cerebras_gpt", 2, "pile_loss_hf_card", "0"), "cerebras_gpt", 2, "pile_loss_hf_card",
     "must be > 0"),
    ("negative loss", _cell("cerebras_gpt", 8, "pile_loss_modelzoo_readme", "-1.5"), "cerebras_gpt", 8,
     "pile_loss_modelzoo_readme", "must be > 0"),
    ("duplicate model", _duplicate_model, "pythia_models", 3, "model", "duplicate key"),
    ("missing column", _drop("zs_piqa"), "cerebras_gpt", 1, "zs_piqa", "missing column"),
    ("unknown column", _unknown_column, "cerebras_gpt", 1, "extra_col", "unknown column"),
    ("unsorted rows", _swap_rows, "cerebras_gpt", 5, "params_nominal", "out of order"),
    ("empty file", _empty, "cerebras_gpt", 1, None, "file is empty"),
    ("byte-order mark", _bom, "cerebras_gpt", 1, None, "byte-order mark"),
    ("CRLF line endings", _crlf, "cerebras_gpt", 1, None, "carriage return"),
    ("unknown task name", _cell("pythia_final", 2, "task", "hellaswag_v9"), "pythia_final", 2, "task",
     "is not one of"),
]


@pytest.mark.parametrize("kind, corrupt, table, row, column, fragment", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_bad_data_file(copy, kind, corrupt, table, row, column, fragment):
    corrupt(copy)
    expect_error(table, copy, row, column, fragment)


def test_tampered_checksum(copy):
    path = copy / "cerebras_gpt.csv"
    set_cell(path, 2, "zs_piqa", "0.5")
    with pytest.raises(data.ChecksumError) as info:
        data.verify_checksums(copy)
    assert "cerebras_gpt.csv" in str(info.value) and "SHA-256 mismatch" in str(info.value)


def test_unknown_task_column_in_analysis():
    """An unknown task name in code is a clear KeyError naming the known tables/forms."""
    with pytest.raises(KeyError, match="no curated table named 'nope'"):
        data.schema("nope")
    with pytest.raises(KeyError, match="unknown scaling-law form 'nope'"):
        forms.get("nope")


# --------------------------------------------------------------------------- fits

N = np.array([1.11e8, 2.56e8, 5.9e8, 1.3e9, 2.7e9, 6.7e9, 1.3e10])


def test_nan_reaching_a_fit():
    y = fitting.predict(forms.get("kaplan"), (1.9, 0.11, 0.9), N)
    y[3] = np.nan
    with pytest.raises(fitting.FitError, match="NaN or infinite"):
        fitting.fit("kaplan", N, y)


def test_non_convergent_fit_is_reported_not_substituted():
    y = fitting.predict(forms.get("kaplan"), (1.9, 0.11, 0.9), N)
    res = fitting.fit("kaplan", N, y, max_nfev=1)
    assert not res.converged and np.all(np.isnan(res.theta)) and "no start converged" in res.message
    with pytest.raises(fitting.FitError, match="did not converge"):
        bootstrap.parametric(res, "bad", B=10)


def test_too_few_points_for_the_parameter_count():
    with pytest.raises(fitting.FitError, match="2 points cannot determine 5 parameters"):
        fitting.fit("corrected", N[:2], np.array([3.0, 2.9]))


def test_identical_x_values():
    with pytest.raises(fitting.FitError, match="all x values are identical"):
        fitting.fit("kaplan", np.full(5, 1e9), np.array([3.0, 2.9, 2.8, 2.7, 2.6]))


def test_zero_size_reaching_a_fit():
    with pytest.raises(fitting.FitError, match="model size must be positive"):
        fitting.fit("kaplan", np.r_[0.0, N[1:]], np.linspace(3, 2, 7))


# --------------------------------------------------------------------------- ledger and manuscript


def test_ledger_key_collision_within_a_script():
    led = ledger.Ledger("analysis/s9_demo.py")
    led.add("demo.x", 1.0, "f2")
    with pytest.raises(ledger.LedgerError, match="collision"):
        led.add("demo.x", 2.0, "f2")


def test_ledger_key_collision_between_parts(tmp_path):
    entry = {"value": 1.0, "unit": "", "format": "f2", "formatted": "1.00", "paper": True, "note": ""}
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"demo.x": dict(entry, script="analysis/a.py")}))
    b.write_text(json.dumps({"demo.x": dict(entry, script="analysis/b.py")}))
    with pytest.raises(ledger.LedgerError, match=r"'demo.x' is written by both analysis/a.py and analysis/b.py"):
        ledger.merge_parts([a, b])


def test_manuscript_references_missing_figure(tmp_path):
    from test_paper_build import broken, fails
    project, line = broken(tmp_path, "figures/curve.svg", "figures/gone.svg")
    fails(project, "gone.svg", f"paper.qmd:{line}")


# --------------------------------------------------------------------------- previous outputs intact


def _run(module: str, results: Path, data_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, SLM_RESULTS=str(results), SLM_DATA=str(data_dir), PYTHONHASHSEED="0", SLM_JOBS="1")
    return subprocess.run([sys.executable, "-m", f"analysis.{module}", "--B", "40"], cwd=paths.ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("module, corrupt, fragment", [
    # checksums re-signed, so the validator (not the checksum) must catch the bad cell
    ("s0_data_check", lambda d: (_cell("cerebras_gpt", 4, "zs_piqa", "1.3")(d), data.write_checksums(d)),
     "cerebras_gpt.csv, row 4, column 'zs_piqa'"),
    ("s0_data_check", lambda d: set_cell(d / "benchmarks.csv", 2, "n_items", "12"), "SHA-256 mismatch"),
    ("s2_task_scaling", _cell("cerebras_gpt", 2, "params_nominal", "111"), "row 2, column 'params_nominal'"),
])
def test_failed_script_leaves_previous_outputs_intact(tmp_path, copy, module, corrupt, fragment):
    results = tmp_path / "results"
    part = results / "ledger" / f"{module}.json"
    part.parent.mkdir(parents=True)
    previous = b'{"previous": "complete part"}\n'
    part.write_bytes(previous)
    corrupt(copy)
    proc = _run(module, results, copy)
    assert proc.returncode != 0
    assert fragment in proc.stderr, proc.stderr
    assert part.read_bytes() == previous
    assert not list(results.rglob("*.tmp"))
