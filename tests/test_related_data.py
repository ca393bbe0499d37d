"""data/curate_related.py regenerates the committed related-work tables byte for byte, and the
build-time rules on their published counts reject a wrong table; the hand-transcribed
published_comparisons.csv follows its rules and matches the raw folders' headline numbers.

The raw folder is looked up next to the repository (ROOT/../shared/data/raw); where it is not
available the regeneration test is skipped, or fails when SLM_REQUIRE_RAW=1 (CI), see
`_helpers.require_raw`. The count rules live in analysis/core/data_related.py; the tests here feed
a wrong table and expect the one-line error.
"""
from __future__ import annotations

import csv

import pytest
from _helpers import expect_rule_violation, find_line, load_data_script, put_cell, require_raw

from analysis.core import data
from analysis.core.paths import DATA

FILES = ("gadre_models.csv", "gadre_tasks.csv", "gadre_task_info.csv", "obsscaling_models.csv")
RAW_FOLDERS = ("gadre2024_overtraining", "lourie2025_reality_check", "obsscaling_ruan2024")


def _curate():
    return load_data_script("curate_related")


def test_regenerates_byte_identical(tmp_path):
    raw = [require_raw(folder) for folder in RAW_FOLDERS][0].parent
    _curate().curate(raw, tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_committed_tables_validate():
    tables = data.validate()
    assert len(tables["gadre_models"]) == 104 and len(tables["gadre_tasks"]) == 104 * 46


# --------------------------------------------------------------------------- count rules (moved from this file)


def _drop_last(rows):
    del rows[-1]
    return len(rows) + 1  # the missing row's place: after the last row


def _drop_gadre_result(rows):
    line = find_line(rows, model="rpj-open_lm_1b-1.0", task="piqa")
    del rows[line - 1]
    return line


def _flip_subset(rows):
    line = find_line(rows, task="piqa")
    put_cell(rows, line, "in_gadre_subset17", "0")
    return line


def _extra_predictable(rows):
    line = find_line(rows, lourie_category="trendless")
    put_cell(rows, line, "lourie_category", "predictable")
    predictable = [i for i, r in enumerate(rows[1:], start=2) if r[rows[0].index("lourie_category")] == "predictable"]
    return predictable[18]  # the 19th


def _preregistered_to_main(rows):
    # a later Qwen1.5 model counted into the paper's main set (its family is a main-set family)
    line = find_line(rows, model="Qwen/Qwen1.5-110B")
    put_cell(rows, line, "model_set", "main")
    put_cell(rows, line, "in_main_set", "1")
    main = [i for i, r in enumerate(rows[1:], start=2) if r[rows[0].index("model_set")] == "main"]
    return main[77]  # the 78th


def _drop_preregistered(rows):
    line = find_line(rows, model_set="preregistered")
    del rows[line - 1]
    return len(rows) + 1


@pytest.mark.parametrize("filename, edit, column, fragment", [
    ("gadre_models.csv", _drop_last, "model", "103 models (expected the 104 published runs)"),
    ("gadre_tasks.csv", _drop_gadre_result, "task", "model=rpj-open_lm_1b-1.0, task=piqa is missing"),
    ("gadre_task_info.csv", _drop_last, "task", "45 tasks (expected the 46"),
    ("gadre_task_info.csv", _flip_subset, "in_gadre_subset17", "17-task SUBSET"),
    ("gadre_task_info.csv", _extra_predictable, "lourie_category", "19 tasks labelled 'predictable' (expected 18"),
    ("obsscaling_models.csv", _preregistered_to_main, "model_set", "78 models in set 'main' (expected 77"),
    ("obsscaling_models.csv", _drop_preregistered, "model_set", "only 19 models in set 'preregistered' (expected 20"),
], ids=["gadre-103-models", "gadre-missing-result", "gadre-45-tasks", "subset17-flag", "lourie-19-predictable",
        "obs-78-main", "obs-19-preregistered"])
def test_published_counts(tmp_path, filename, edit, column, fragment):
    expect_rule_violation(tmp_path, filename, edit, column, fragment)



# --------------------------------------------------------------------------- published comparisons

def _set_value(quantity, value):
    def edit(rows):
        line = find_line(rows, quantity=quantity)
        put_cell(rows, line, "value", value)
        return line
    return edit


def _drop_quantity(rows):
    line = find_line(rows, quantity="ruan2024.n_main_models")
    del rows[line - 1]
    return line


def _misnamed_source(rows):
    line = find_line(rows, quantity="ruan2024.pca_pc1")
    put_cell(rows, line, "source_id", "lourie2025")
    return line


@pytest.mark.parametrize("edit, column, fragment", [
    (_set_value("lourie2025.n_predictable", "18.5"), "value", "expected a whole number"),
    (_set_value("ruan2024.pca_top3", "970"), "value", "percentage in [0, 100]"),
    (_set_value("lourie2025.n_predictable", "19"), "value", "tasks labelled 'predictable': 18"),
    (_set_value("ruan2024.n_main_families", "20"), "value", "main-set families: 21"),
    (_drop_quantity, "quantity", "ruan2024.n_main_models"),
    (_misnamed_source, "quantity", "is not named after its source"),
], ids=["count-not-whole", "pct-out-of-range", "lourie-count-vs-labels", "ruan-families-vs-table",
        "missing-quantity", "quantity-source-mismatch"])
def test_published_comparison_rules(tmp_path, edit, column, fragment):
    expect_rule_violation(tmp_path, "published_comparisons.csv", edit, column, fragment)


RAW_FOLDER_OF_SOURCE = {"gadre2024": "gadre2024_overtraining", "raw_gadre2024": "gadre2024_overtraining",
                        "lourie2025": "lourie2025_reality_check", "ruan2024": "obsscaling_ruan2024",
                        "raw_ruan2024": "obsscaling_ruan2024"}


def test_published_values_are_printed_in_the_raw_provenance():
    """Each transcribed value appears, as printed (a percentage possibly as a ratio), in the raw
    folder's PROVENANCE.md that records the source's headline numbers."""
    raw = require_raw("gadre2024_overtraining").parent
    with open(DATA / "published_comparisons.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["source_id"] for r in rows} == set(RAW_FOLDER_OF_SOURCE)
    for r in rows:
        text = (raw / RAW_FOLDER_OF_SOURCE[r["source_id"]] / "PROVENANCE.md").read_text(encoding="utf-8")
        printed = {r["value"], f"{float(r['value']) / 100:g}"} if r["unit"].startswith("%") else {r["value"]}
        assert any(p in text for p in printed), (r["quantity"], printed)
