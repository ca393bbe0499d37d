"""Build-time data rules: cross-source agreement and physical relations.

Each case edits a private copy of data/ with a plausible-but-wrong value, re-signs SHA256SUMS there
(`data.write_checksums`), so the checksum check passes, and expects the build's validation
(`verify_checksums` + `validate`, as in analysis/s0_data_check.py) to stop with one line
`<file>, row R, column 'C': <what is wrong> (expected ...)`. The rules and their tolerances are in
analysis/core/data.py, data_related.py and data_chinchilla.py; the counts/derived-count rules
moved out of the tests are exercised in tests/test_data_validation.py and tests/test_related_data.py.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from _helpers import data_copy, expect_rule_violation, find_line, get_cell, put_cell, read_csv_rows, write_csv_rows

from analysis.core import data, paths


# --------------------------------------------------------------------------- edit builders
# An edit takes the file's rows (header first) and returns the row number the error must name.


def cell(column, value, **match):
    """Set one cell (value may be a function of the old text)."""
    def edit(rows):
        line = find_line(rows, **match)
        put_cell(rows, line, column, value(get_cell(rows, line, column)) if callable(value) else value)
        return line
    return edit


def cells(changes, blame=None, **match):
    """Set several cells of one row; the error names row `blame` (default: that row)."""
    def edit(rows):
        line = find_line(rows, **match)
        for column, value in changes.items():
            put_cell(rows, line, column, value(get_cell(rows, line, column)) if callable(value) else value)
        return line if blame is None else blame
    return edit


def scale(factor):
    return lambda text: repr(float(text) * factor)


def one_minus(text):
    return repr(1.0 - float(text))


def swap_columns(a, b):
    def edit(rows):
        i, j = rows[0].index(a), rows[0].index(b)
        for r in rows[1:]:
            r[i], r[j] = r[j], r[i]
        return 2
    return edit


def copy_value(column, source: dict, target: dict, factor=1.0):
    """Set target's cell to source's value x factor (e.g. a larger model no better than a smaller one)."""
    def edit(rows):
        value = float(get_cell(rows, find_line(rows, **source), column))
        line = find_line(rows, **target)
        put_cell(rows, line, column, repr(value * factor))
        return line
    return edit


def drop(**match):
    def edit(rows):
        line = find_line(rows, **match)
        del rows[line - 1]
        return line
    return edit


def pythia_ppl(model, step, fs):
    return dict(model=model, step=str(step), num_fewshot=str(fs), task="lambada_openai", metric="ppl")


CER, FINAL, TRAJ, BENCH = "cerebras_gpt.csv", "pythia_final.csv", "pythia_trajectory.csv", "benchmarks.csv"
GM, GT, GI, OBS = "gadre_models.csv", "gadre_tasks.csv", "gadre_task_info.csv", "obsscaling_models.csv"
EPOCH, PUB = "chinchilla_epoch.csv", "chinchilla_published.csv"
M1B_CFG = "c4_original-d=1024_l=24_h=8-1.0"

# id, file edited, edit, column named, fragment of the message, file named (default: the edited one)
CASES = [
    # -- Cerebras-GPT: values published twice, published aggregate, physical relations
    ("two-loss-sources-neighbour-value", CER, cell("pile_loss_modelzoo_readme", "2.181", params_label="256M"),
     "pile_loss_modelzoo_readme", "differs from pile_loss_hf_card 2.299 by 0.118 nats (expected within 0.06", None),
    ("two-loss-sources-bits", CER, cell("pile_loss_modelzoo_readme", "2.881", params_label="1.3B"),
     "pile_loss_modelzoo_readme", "by 0.885 nats", None),
    ("loss-falls-with-size", CER, cells({"pile_loss_hf_card": "2.190", "pile_loss_modelzoo_readme": "2.190"},
                                        params_label="1.3B"),
     "pile_loss_hf_card", "loss 2.19 is not below 2.184 of the next smaller model", None),
    ("two-flops-sources", CER, cell("train_flops_modelzoo_training_table", "5.3E+18", params_label="590M"),
     "train_flops_modelzoo_training_table", "by 91% (expected within 20%)", None),
    ("flops-at-least-6ND", CER, cell("train_flops_modelzoo_training_table", "1.9E+22", params_label="13B"),
     "train_flops_modelzoo_training_table", "is below 6ND = 1.98E+22", None),
    ("average-of-parts", CER, cell("zs_downstream_avg", "0.351", params_label="111M"),
     "zs_downstream_avg", "is not the mean of the 7 zs_ accuracies, 0.3154", None),
    ("swapped-columns-below-chance", CER, swap_columns("zs_lambada", "zs_piqa"),
     "zs_piqa", "accuracy 0.194 is 0.306 below chance 0.5 on piqa", None),
    # -- Pythia: loss (LAMBADA perplexity) with size and along training; accuracies
    ("final-ppl-falls-with-size", FINAL, cell("value", scale(10), model="pythia-160m", num_fewshot="0",
                                              task="lambada_openai", metric="ppl"),
     "value", "of pythia-160m is not below", None),
    ("trajectory-ppl-falls-with-size", TRAJ, copy_value("value", pythia_ppl("pythia-410m", 63000, 0),
                                                        pythia_ppl("pythia-1b", 63000, 0), factor=1.01),
     "value", "of pythia-1b at step 63000 is not below", None),
    ("trajectory-final-below-first", TRAJ, cell("value", scale(0.1), **pythia_ppl("pythia-70m-deduped", 3000, 5)),
     "value", "at the first checkpoint (step 3000) is not above the final", None),
    ("trajectory-broadly-falls", TRAJ, cell("value", scale(0.1), **pythia_ppl("pythia-70m", 13000, 0)),
     "value", "at step 13000 is below 1/2 of the final", None),
    ("stderr-zero", TRAJ, cell("stderr", "0.0", model="pythia-160m", step="1000", num_fewshot="0", task="piqa",
                               metric="acc"),
     "stderr", "0 for accuracy", None),
    ("error-rate-below-chance", TRAJ, cell("value", one_minus, model="pythia-12b", step="73000", num_fewshot="0",
                                           task="piqa", metric="acc"),
     "value", "below chance 0.5 on piqa", None),
    # -- Gadre et al.: published ratios against their parts, one count per config, loss with N, chance
    ("gadre-M-is-D-over-N", GM, cell("tokens_per_param_M", "50.0", model="c4_original-d=1024_l=24_h=8-0.25"),
     "tokens_per_param_M", "is not train_tokens / params_count", None),
    ("gadre-multiplier-is-M-over-20", GM,
     cell("chinchilla_multiplier", "2.5", model="c4_original-d=1024_l=24_h=8-0.25"),
     "chinchilla_multiplier", "is not tokens_per_param_M / 20", None),
    ("gadre-name-matches-corpus", GM, cell("corpus", "rpj", model=M1B_CFG),
     "model", "does not match its corpus, config and multiplier", None),
    ("gadre-one-count-per-config", GM, cell("params_no_embed_count", lambda v: str(int(v) + 1000), model=M1B_CFG),
     "params_no_embed_count", "expected one count per model_config", None),
    ("gadre-loss-falls-with-N", GM, copy_value("loss_c4_val_nats_per_token",
                                               {"model": "c4_original-d=576_l=24_h=8-1.0"}, {"model": M1B_CFG},
                                               factor=1.001),
     "loss_c4_val_nats_per_token", "is not below", None),
    ("gadre-baseline-as-fraction", GI, cell("random_baseline_acc_pct", "0.25", task="arc_easy"),
     "random_baseline_acc_pct", "looks like a fraction", None),
    ("gadre-error-rate-below-chance", GT, cell("accuracy_fraction", one_minus, model="rpj-open_lm_7b-1.0", task="piqa"),
     "accuracy_fraction", "below chance 0.5 on piqa", None),
    # -- ObsScaling: published FLOPs against N and D; families; chance; rows shared with our tables
    ("obs-flops-is-6ND", OBS, cell("train_flops_1e21", scale(0.1), model="LLM360/Amber"),
     "train_flops_1e21", "is not 6 x params_billion x train_tokens_trillion", None),
    ("obs-flops-without-tokens", OBS, cell("train_tokens_trillion", "", model="LLM360/Amber"),
     "train_flops_1e21", "given without train_tokens_trillion", None),
    ("obs-main-family", OBS, cell("family", "StarCoder2-x", model="bigcode/starcoder2-7b"),
     "family", "is not one of the paper's 21 main-set families", None),
    ("obs-error-rate-below-chance", OBS, cell("winogrande_acc", one_minus, model="bigscience/bloom"),
     "winogrande_acc", "below chance 0.5 on winogrande_acc", None),
    ("obs-params-vs-cerebras", OBS, cells({"params_billion": "1.5", "train_flops_1e21": repr(6 * 1.5 * 0.026)},
                                          model="cerebras/Cerebras-GPT-1.3B"),
     "params_billion", "(expected 1.3, its size label 1.3B)", None),
    ("obs-tokens-vs-pythia", OBS, cells({"train_tokens_trillion": "0.03", "train_flops_1e21": "2.16"},
                                        model="EleutherAI/pythia-12b-deduped"),
     "train_tokens_trillion", "from the published 3e+11 tokens", None),
    # -- Chinchilla (Epoch AI's figure extraction) against its calibration and the published fit
    ("epoch-missing-point", EPOCH, drop(point_id="100"), "point_id", "point 100 is missing", None),
    ("epoch-calibration", EPOCH, cell("params", "6895600349.289497", point_id="1"),
     "params", "does not match its SVG position 140.63364 px", None),
    ("epoch-outlier-flag", EPOCH, cell("epoch_outlier_derived", "1", point_id="100"),
     "epoch_outlier_derived", "1 exactly for the 5 highest-loss points", None),
    ("epoch-point-vs-published-fit", EPOCH, cell("loss_nats_per_token", scale(1.12), point_id="100"),
     "loss_nats_per_token", "from Epoch's fitted law", None),
    ("published-log-pair", PUB, cell("value", "428.01", estimate_set="epoch_mle", parameter="A"),
     "value", "expected A = exp(a) = 482.027", None),
    ("published-a-opt", PUB, cell("value", "0.531", estimate_set="epoch_mle", parameter="a_opt"),
     "value", "expected beta/(alpha+beta) = 0.5127", None),
    ("printed-vs-unrounded", PUB, cell("value", "0.43", estimate_set="hoffmann_printed", parameter="alpha"),
     "value", "is not the unrounded 0.339171 rounded to 2 decimals", None),
    ("two-fits-agree", PUB, cell("value", "0.3762", estimate_set="epoch_approach3", parameter="beta"),
     "value", "differs from the MLE 0.3659 by 0.49 bootstrap SE", None),
    ("value-inside-its-interval", PUB, cell("value", "1.9169", estimate_set="epoch_mle", parameter="E"),
     "value", "lies outside its own interval (1.769, 1.871)", None),
]


@pytest.mark.parametrize("filename, edit, column, fragment, blamed", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule_rejects_plausible_wrong_value(tmp_path, filename, edit, column, fragment, blamed):
    expect_rule_violation(tmp_path, filename, edit, column, fragment, blamed=blamed)


def test_committed_data_satisfy_every_rule():
    data.verify_checksums()
    tables = data.validate()
    assert set(tables) == set(data.REGISTRY)


def test_tolerances_admit_the_real_data_with_a_margin():
    """The stated real-data extremes (comments next to the constants) are inside the tolerances."""
    cer = data.load_cerebras()
    diff = (cer["pile_loss_hf_card"] - cer["pile_loss_modelzoo_readme"]).abs().max()
    assert 0.049 < diff <= data.LOSS_SOURCES_ABS_TOL - 0.009
    # another model's value in either column cannot pass: every cross-model gap exceeds the tolerance
    card, zoo = cer["pile_loss_hf_card"].to_numpy(), cer["pile_loss_modelzoo_readme"].to_numpy()
    gaps = [abs(card[i] - zoo[j]) for i in range(len(cer)) for j in range(len(cer)) if i != j]
    assert min(gaps) > data.LOSS_SOURCES_ABS_TOL
    zs = [f"zs_{t}" for t in data.CEREBRAS_TASKS]
    assert (cer["zs_downstream_avg"] - cer[zs].mean(axis=1)).abs().max() < data.AVERAGE_ROUNDING_TOL


def test_s0_stops_the_build_with_one_line(tmp_path):
    """End to end: a plausible 8th Cerebras-GPT row with re-signed checksums stops analysis/s0_data_check.py."""
    d = data_copy(tmp_path)
    rows = read_csv_rows(d / CER)
    rows.append(list(rows[-1]))
    rows[-1][0] = "Cerebras-GPT-13B-copy"
    write_csv_rows(d / CER, rows)
    data.write_checksums(d)
    results = tmp_path / "results"
    env = dict(os.environ, SLM_DATA=str(d), SLM_RESULTS=str(results), PYTHONHASHSEED="0", SLM_JOBS="1")
    proc = subprocess.run([sys.executable, "-m", "analysis.s0_data_check", "--B", "40"], cwd=paths.ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("data check failed: ") and "cerebras_gpt.csv, row 9, column 'params_label': " \
        "unexpected extra size 13B after the last of 7 rows (expected the 7 published sizes" in lines[-1], proc.stderr
    assert not (results / "ledger" / "s0_data_check.json").exists()
