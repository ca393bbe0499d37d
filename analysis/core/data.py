"""Loading, validation and checksum verification of the curated tables in `data/`.

Every analysis script reads data through this module. Each curated file has one
`TableSchema` in the registry (`REGISTRY`); `load_table(name)` parses the file with a strict
cell parser, checks it against the schema and returns a typed pandas DataFrame. Nothing is
coerced or dropped silently: the first problem found raises `DataError`, which names the
file, the row and the column.

Structure (imports run one way, no circle): the schema language, registry, reader and `validate`
are in `table_schema.py`; this module declares the Cerebras-GPT and Pythia tables, verifies
checksums and writes curated tables, and imports the two related-work schema modules
(`data_chinchilla.py`, `data_related.py`, which import only `table_schema`) so that every table
is registered for anyone who imports `data`. All those names are re-exported here.

Conventions
-----------
Row numbers
    A row number is the line number in the file: the header is row 1, the first data row
    is row 2. `DataError.row` is `None` only for problems that concern the whole file
    (for example a checksum mismatch).
Encoding
    UTF-8 **without** a byte-order mark. A BOM is rejected, not stripped: the curated files
    have one canonical byte form (the one `data/SHA256SUMS` pins), and a BOM means the
    file was re-saved by another tool, so it should be regenerated rather than accepted.
Line endings
    LF only. A carriage return anywhere (CRLF endings, usually from a Windows checkout with
    `core.autocrlf`) is rejected with the row where it first occurs, for the same reason.
Cells
    No cell is trimmed. Numbers must match a plain decimal/scientific pattern (`0.380`,
    `2.6E+18`); `nan`, `inf`, thousands separators, padding spaces and empty cells in a
    required column are errors. Integers must be written as integers (`1.0` is rejected).
Compression
    A schema whose file name ends in `.gz` is read through gzip; the checks are the same.
Types
    int -> int64, float -> float64, str -> pandas str. Empty cells are allowed only in columns
    declared nullable; they become <NA> (int, as pandas Int64), NaN (float) or None (str, in an
    object column, so `value or ""` and `value is None` behave as expected).
Checksums
    `verify_checksums` is separate from `load_table`: the data-check step of the build calls it
    once; tests call `load_table` on modified copies without it.

Rules
-----
Every rule about the data lives here (or in the two related-work modules), not in the tests, and
runs in the build's data check (`analysis/s0_data_check.py`, before any analysis) through
`validate`, so that a regenerated `SHA256SUMS` cannot carry a plausible-but-wrong value into the
paper. Three levels, all reporting one line `<file>, row R, column 'C': <what is wrong> (expected ...)`:

- `Column` types/ranges and `row_checks`: one row at a time (e.g. a derived count follows its formula);
- `table_checks`: one whole table (e.g. exactly the 7 published Cerebras-GPT sizes; loss falls with
  size within a family); run by `load_table` too;
- cross-table checks (`CROSS_CHECKS`, run by `validate`): a value published twice agrees with its
  other source within a stated tolerance; accuracies are not far below their task's chance level.

Tolerances are named constants with the reason for their size and the real data's margin.

Adding a table
--------------
Write one `register(TableSchema(...))` entry in a schema module (columns with types and ranges,
key columns, sort order) and list the file in `data/SHA256SUMS` through its curation script, which
writes it with `write_curated` (validated first, atomic).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional

import numpy as np
import pandas as pd

from .config import CEREBRAS_TASKS
from .paths import CHECKSUMS, DATA, rel
# The schema language, registry and reader; re-exported, so `data.Column`, `data.load_table`,
# `data.validate`, ... keep working.
from .table_schema import (CROSS_CHECKS, CURATE_HINT, DTYPES, NEAR_CHANCE_MARGIN, REGISTRY, Column,  # noqa: F401
                           CrossCheck, CrossProblem, DataError, RowCheck, TableCheck, TableSchema, below_chance,
                           chance_levels, cross_check, expect_sequence, first_true, label_value, load_table,
                           near_chance_reason, nonneg, nonneg_int, positive, positive_int, probability, read_table,
                           register, schema, text, validate)

__all__ = [
    "DataError",
    "ChecksumError",
    "Column",
    "TableSchema",
    "REGISTRY",
    "register",
    "schema",
    "read_table",
    "load_table",
    "verify_checksums",
    "read_checksums",
    "validate",
    "CROSS_CHECKS",
    "CrossCheck",
    "load_cerebras",
    "load_pythia_models",
    "load_pythia_final",
    "load_pythia_trajectory",
    "load_benchmarks",
    "load_sources",
    "cerebras_tasks",
    "TaskSet",
    "CEREBRAS_TASKS",
    "PYTHIA_CORE_TASKS",
    "pythia_model_order",
]

# CEREBRAS_TASKS (imported from config, its one owner): the canonical task order of the
# Cerebras-GPT columns zs_<task>, fs_<task>.
# Cerebras column suffix -> lm-evaluation-harness task name (benchmarks.csv, Pythia tables).
CEREBRAS_TO_HARNESS: dict[str, str] = {t: t for t in CEREBRAS_TASKS} | {"lambada": "lambada_openai"}
# The eight tasks EleutherAI evaluated at every Pythia checkpoint (P1), in harness naming.
PYTHIA_CORE_TASKS: tuple[str, ...] = (
    "lambada_openai", "piqa", "winogrande", "arc_easy", "arc_challenge", "sciq", "logiqa", "wsc",
)
PYTHIA_TOKENS_PER_STEP = 2_097_152  # P2: batch of 1024 sequences x 2048 tokens
# Plausibility bound on parameter counts: every model here has more than a million parameters,
# so a smaller count means a wrong unit (e.g. 111 for "111M", or billions for parameters).
MIN_PARAMS = 1_000_000


# --------------------------------------------------------------------------- errors


class ChecksumError(DataError):
    """A data file does not match `data/SHA256SUMS`, is missing, or is not listed."""


# --------------------------------------------------------------------------- helpers for entries

_PYTHIA_NAME = re.compile(r"^pythia-(\d+(?:\.\d+)?)([mb])(-deduped)?$")


def pythia_model_order(name: str) -> tuple[float, int]:
    """Sort key for Pythia model names: (nominal size, deduped flag). 'pythia-1.4b-deduped' -> (1.4e9, 1)."""
    m = _PYTHIA_NAME.match(name)
    if not m:
        raise ValueError(f"{name!r} is not a Pythia model name of the form pythia-<size><m|b>[-deduped]")
    scale = 1e6 if m.group(2) == "m" else 1e9
    return float(m.group(1)) * scale, int(m.group(3) is not None)


def _metric_range(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    metric, value = row["metric"], row["value"]
    if metric in ("acc", "acc_norm") and not 0.0 <= value <= 1.0:
        return "value", f"value {value!r} outside [0, 1] (metric {metric})"
    if metric == "ppl":
        if row["task"] != "lambada_openai":
            return "metric", f"ppl is only expected for lambada_openai, not {row['task']!r}"
        if not value > 0:
            return "value", f"perplexity {value!r} must be > 0"
    return None


def _tokens_seen(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    expected = row["step"] * PYTHIA_TOKENS_PER_STEP
    if row["tokens_seen_derived"] != expected:
        return "tokens_seen_derived", (
            f"{row['tokens_seen_derived']} != step x {PYTHIA_TOKENS_PER_STEP} = {expected}")
    return None


def _chance(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    k, chance = row["n_choices"], row["chance_accuracy"]
    if k is None:
        if chance != 0:
            return "chance_accuracy", "tasks without answer options (n_choices empty) must have chance_accuracy 0"
    elif abs(chance - 1.0 / k) > 1e-12:
        return "chance_accuracy", f"chance_accuracy {chance!r} != 1/n_choices = 1/{k}"
    return None


def _plausible_params(*columns: str) -> RowCheck:
    """Row check: parameter counts of at least MIN_PARAMS (catches a count given in millions or billions)."""
    def check(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
        for c in columns:
            if row[c] is not None and row[c] < MIN_PARAMS:
                return c, (f"implausible parameter count {row[c]!r} (< {MIN_PARAMS:,}); counts are in "
                           f"parameters, not millions or billions")
        return None
    return check


# --------------------------------------------------------------------------- published facts and tolerances
# Each constant names its source; each tolerance says why it has that size and how close the
# committed data come to it ("real:"), so that a change of data or tolerance is a visible decision.

# S1: the seven Cerebras-GPT standard-parameterisation models, in size order.
CEREBRAS_LABELS: tuple[str, ...] = ("111M", "256M", "590M", "1.3B", "2.7B", "6.7B", "13B")
# S1 training table: every Cerebras-GPT model was trained compute-optimally at 20 tokens per parameter.
CEREBRAS_TOKENS_PER_PARAM = 20.0
CEREBRAS_VOCAB, CEREBRAS_CONTEXT = 50257, 2048  # S1/S3: tied embeddings, learned positions
# P2: 8 sizes, each trained once on the Pile and once on the deduplicated Pile.
PYTHIA_SIZES: tuple[str, ...] = ("70m", "160m", "410m", "1b", "1.4b", "2.8b", "6.9b", "12b")
PYTHIA_FINAL_STEP = 143_000  # P2: the main checkpoint; 143,000 x 2,097,152 = 299,892,736,000 tokens (P2, P4)
PYTHIA_PADDED_VOCABS = (50_304, 50_432, 50_688)  # SOURCES.md 6: vocabulary padded to a multiple of 128
# P1: evaluations EleutherAI published; 0-shot at 27 checkpoints, 5-shot at 15.
PYTHIA_STEPS: dict[int, tuple[int, ...]] = {
    0: (0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000) + tuple(range(3000, 143_001, 10_000)),
    5: tuple(range(3000, 143_001, 10_000)),
}
# P1: (task, metric) results per model and setting: acc for the 8 core tasks, acc_norm where the
# harness reports it, and LAMBADA perplexity; the trajectory table keeps acc and ppl only.
PYTHIA_FINAL_RESULTS: tuple[tuple[str, str], ...] = (
    ("arc_challenge", "acc"), ("arc_challenge", "acc_norm"), ("arc_easy", "acc"), ("arc_easy", "acc_norm"),
    ("lambada_openai", "acc"), ("lambada_openai", "ppl"), ("logiqa", "acc"), ("logiqa", "acc_norm"),
    ("piqa", "acc"), ("piqa", "acc_norm"), ("sciq", "acc"), ("sciq", "acc_norm"), ("winogrande", "acc"),
    ("wsc", "acc"))
PYTHIA_TRAJECTORY_RESULTS: tuple[tuple[str, str], ...] = tuple(r for r in PYTHIA_FINAL_RESULTS if r[1] != "acc_norm")
# SOURCES.md: these Cerebras-GPT shapes (layers, d_model) are also Pythia shapes, so the derived
# non-embedding count must equal the count Pythia publishes (an independent source for the formula).
CEREBRAS_SAME_SHAPE_AS_PYTHIA: dict[str, str] = {
    "Cerebras-GPT-1.3B": "pythia-1.4b", "Cerebras-GPT-2.7B": "pythia-2.8b", "Cerebras-GPT-6.7B": "pythia-6.9b"}

# A size label (111M, 1.4B) rounds the total parameter count; neither family rounds to a fixed
# number of digits (Pythia calls 162.3M "160M"), so allow 2%. Real: 1.79% (Cerebras-GPT-2.7B:
# 2,651,553,280), 1.45% (pythia-160m). A non-embedding count entered as the total is >= 3.2% off
# (Cerebras-GPT-13B), a leading-digit typo far more.
PARAMS_LABEL_REL_TOL = 0.02
# The derived tokens per parameter D/N differs from the published 20 only by N being exact rather than
# nominal in the schedule; real: 8.9e-5. A digit typo in either derived count is far larger.
TOKENS_PER_PARAM_REL_TOL = 1e-3
# Two published Pile losses per Cerebras-GPT model (card, modelzoo README). SOURCES.md 1: they differ
# for 5 of 7 models; real largest difference 0.050 nats (256M). 0.06 admits that with a 0.01 margin
# and stays below the gap between one source's value and the other source's value for any other
# model (real smallest 0.118 nats), so another model's value, or a value in bits (x1.44), is caught.
LOSS_SOURCES_ABS_TOL = 0.06
# Two published training-FLOP columns (SOURCES.md 2): the modelzoo training table is lower by 4-15%
# (real largest gap 15.4%, 256M). 20% admits that; a wrong exponent (x10) or another row's value
# (neighbouring sizes differ by >= 3.65x) is caught.
FLOPS_SOURCES_REL_TOL = 0.20
# Published 0-shot "Downstream Average" = mean of the 7 published task accuracies (LAMBADA included).
# All are printed with 3 decimals: the mean of rounded parts is within 0.0005 of the true mean and
# the printed average within another 0.0005, hence 0.001. Real: 0.00057 (Cerebras-GPT-590M).
AVERAGE_ROUNDING_TOL = 0.001
# n = p(1-p)/stderr^2 + 1 (lm-eval's standard error of a mean) is an integer up to float rounding;
# real largest deviation from n_items: 5.9e-10 (acc), 1.2e-10 (acc_norm).
IMPLIED_N_TOL = 1e-6
# LAMBADA perplexity must fall with model size at every checkpoint from this step on (real: worst
# ratio larger/smaller model 0.972 at step 33000). Earlier checkpoints do not obey it (ratio 1.002
# at step 13000, up to 45 at step 8: the untrained models' order is arbitrary), so no rule there.
PYTHIA_SIZE_ORDER_FROM_STEP = 23_000
# Along training, LAMBADA perplexity is not monotone: the small models' perplexity rises again late
# in training (real: final / best 1.757 for pythia-70m-deduped 5-shot). The rule is "broadly falls":
# the final value is below the first checkpoint's (real: final/first <= 0.49) and at most twice the
# best value reached (real 1.757).
PYTHIA_PPL_LATE_RISE_MAX = 2.0


def _cerebras_counts(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    """Label, derived counts (formula with integer L, d) and tokens, all against the published values."""
    try:
        nominal = label_value(row["params_label"])
    except ValueError as exc:
        return "params_label", str(exc)
    if row["params_nominal"] != nominal:
        return "params_nominal", (f"{row['params_nominal']} is not params_label {row['params_label']} as a number "
                                  f"(expected {nominal})")
    total, nonemb = row["params_total_derived"], row["params_nonembedding_derived"]
    if not nonemb < total:
        return "params_nonembedding_derived", f"{nonemb} is not below params_total_derived {total}"
    d, rem = divmod(total - nonemb, CEREBRAS_VOCAB + CEREBRAS_CONTEXT)
    layers, rem2 = divmod(nonemb - 2 * d, 12 * d * d + 13 * d) if d > 0 else (0, 1)
    if rem or rem2 or layers < 1:
        return "params_total_derived", (
            f"derived counts {total} / {nonemb} do not follow total = (V+T)*d + L*(12d^2+13d) + 2d for integer "
            f"L, d (V={CEREBRAS_VOCAB}, T={CEREBRAS_CONTEXT}; expected as in data/sources.csv)")
    if abs(total / nominal - 1) > PARAMS_LABEL_REL_TOL:
        return "params_total_derived", (f"{total} is {abs(total / nominal - 1):.1%} from the published size "
                                        f"{row['params_label']} (expected within {PARAMS_LABEL_REL_TOL:.0%})")
    if float(f"{row['train_tokens_derived']:.3g}") != row["train_tokens"]:
        return "train_tokens_derived", (f"{row['train_tokens_derived']} does not round to the published train_tokens "
                                        f"{row['train_tokens']:.2E} (expected equal at 3 significant figures)")
    if row["tokens_per_param"] != CEREBRAS_TOKENS_PER_PARAM:
        return "tokens_per_param", (f"{row['tokens_per_param']!r} (expected {CEREBRAS_TOKENS_PER_PARAM:g}, "
                                    f"as published for every model)")
    ratio = row["train_tokens_derived"] / total
    if abs(ratio / row["tokens_per_param"] - 1) > TOKENS_PER_PARAM_REL_TOL:
        return "train_tokens_derived", (f"derived tokens per parameter {ratio:.4f} (expected "
                                        f"{row['tokens_per_param']:g} within {TOKENS_PER_PARAM_REL_TOL:.0e} relative)")
    return None


def _cerebras_sources(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    """Values published twice (two losses, two FLOP counts) and the published average."""
    a, b = row["pile_loss_hf_card"], row["pile_loss_modelzoo_readme"]
    if abs(a - b) > LOSS_SOURCES_ABS_TOL:
        return "pile_loss_modelzoo_readme", (
            f"{b} differs from pile_loss_hf_card {a} by {abs(a - b):.3f} nats "
            f"(expected within {LOSS_SOURCES_ABS_TOL} nats; the sources differ by <= 0.050)")
    f1, f2 = row["train_flops"], row["train_flops_modelzoo_training_table"]
    if abs(f2 / f1 - 1) > FLOPS_SOURCES_REL_TOL:
        return "train_flops_modelzoo_training_table", (
            f"{f2:.2E} differs from train_flops {f1:.2E} by {abs(f2 / f1 - 1):.0%} "
            f"(expected within {FLOPS_SOURCES_REL_TOL:.0%})")
    six_nd = 6.0 * row["params_total_derived"] * row["train_tokens_derived"]
    for c in ("train_flops", "train_flops_modelzoo_training_table"):
        if row[c] < six_nd:
            return c, (f"{row[c]:.2E} is below 6ND = {six_nd:.2E} (expected at least 6ND: 6 FLOPs per parameter "
                       f"and token is the matrix-multiply floor)")
    mean = sum(row[f"zs_{t}"] for t in CEREBRAS_TASKS) / len(CEREBRAS_TASKS)
    if abs(row["zs_downstream_avg"] - mean) > AVERAGE_ROUNDING_TOL:
        return "zs_downstream_avg", (f"{row['zs_downstream_avg']} is not the mean of the 7 zs_ accuracies, {mean:.4f} "
                                     f"(expected within rounding, {AVERAGE_ROUNDING_TOL})")
    return None


def _cerebras_table(frame: pd.DataFrame) -> Optional[tuple[int, str, str]]:
    found = expect_sequence(frame["params_label"].tolist(), list(CEREBRAS_LABELS), lambda v: f"size {v}")
    if found:
        return found[0], "params_label", found[1] + f" (expected the 7 published sizes {', '.join(CEREBRAS_LABELS)})"
    for c in ("pile_loss_hf_card", "pile_loss_modelzoo_readme"):
        pos = first_true(np.diff(frame[c].to_numpy()) >= 0)
        if pos is not None:
            return pos + 1, c, (f"loss {frame[c].iloc[pos + 1]} is not below {frame[c].iloc[pos]} of the next smaller "
                                f"model (expected to fall strictly with size)")
    return None


def _pythia_shape(total: int, nonemb: int) -> Optional[tuple[int, int]]:
    """(layers, d_model) with total - nonemb = 2*V*d (untied, V padded) and nonemb = L*(12d^2+13d) + 2d."""
    for vocab in PYTHIA_PADDED_VOCABS:
        d, rem = divmod(total - nonemb, 2 * vocab)
        if rem == 0 and d > 0:
            layers, rem2 = divmod(nonemb - 2 * d, 12 * d * d + 13 * d)
            if rem2 == 0 and layers >= 1:
                return layers, d
    return None


def _pythia_model(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    m = _PYTHIA_NAME.match(row["model"])
    if not m:
        return "model", f"{row['model']!r} is not a Pythia model name of the form pythia-<size><m|b>[-deduped]"
    label = m.group(1) + m.group(2).upper()
    if row["size_label"] != label:
        return "size_label", f"{row['size_label']!r} does not match the model name (expected {label!r})"
    if row["deduped"] != int(m.group(3) is not None):
        return "deduped", f"{row['deduped']} does not match the model name (expected {int(m.group(3) is not None)})"
    total, nonemb = row["params_total"], row["params_nonembedding"]
    if not nonemb < total:
        return "params_nonembedding", f"{nonemb} is not below params_total {total}"
    if _pythia_shape(total, nonemb) is None:
        return "params_total", (f"published counts {total} / {nonemb} do not follow total = 2*V*d + L*(12d^2+13d) + 2d "
                                f"for integer L, d and padded vocabulary V in {PYTHIA_PADDED_VOCABS} "
                                f"(expected: the formula reproduces all 16 published counts, SOURCES.md)")
    if abs(total / label_value(label) - 1) > PARAMS_LABEL_REL_TOL:
        return "params_total", (f"{total} is {abs(total / label_value(label) - 1):.1%} from the size label {label} "
                                f"(expected within {PARAMS_LABEL_REL_TOL:.0%})")
    tokens = PYTHIA_FINAL_STEP * PYTHIA_TOKENS_PER_STEP
    if row["train_tokens"] != tokens:
        return "train_tokens", (f"{row['train_tokens']} (expected {tokens:,} = {PYTHIA_FINAL_STEP:,} steps x "
                                f"{PYTHIA_TOKENS_PER_STEP:,} tokens)")
    return None


def _pythia_expected_models() -> list[str]:
    return [f"pythia-{s}{suffix}" for s in PYTHIA_SIZES for suffix in ("", "-deduped")]


def _pythia_models_table(frame: pd.DataFrame) -> Optional[tuple[int, str, str]]:
    found = expect_sequence(frame["model"].tolist(), _pythia_expected_models(), lambda v: f"model {v}")
    if found:
        return found[0], "model", found[1] + (f" (expected the {2 * len(PYTHIA_SIZES)} published models: "
                                              f"{len(PYTHIA_SIZES)} sizes x (standard, deduped))")
    for c in ("params_total", "params_nonembedding"):
        v = frame[c].to_numpy()
        pos = first_true(v[1::2] != v[0::2])
        if pos is not None:
            return 2 * pos + 1, c, (f"{v[2 * pos + 1]} differs from {frame['model'].iloc[2 * pos]}'s {v[2 * pos]} "
                                    f"(expected equal: same architecture)")
    return None


def _results_grid(frame: pd.DataFrame, with_step: bool) -> Optional[tuple[int, str, str]]:
    """Every model x setting (x checkpoint) has exactly the published (task, metric) results."""
    keys = ["model"] + (["step"] if with_step else []) + ["num_fewshot", "task", "metric"]
    results = PYTHIA_TRAJECTORY_RESULTS if with_step else PYTHIA_FINAL_RESULTS
    expected = []
    for model in _pythia_expected_models():
        if with_step:
            for step in sorted(set(PYTHIA_STEPS[0]) | set(PYTHIA_STEPS[5])):
                expected += [(model, step, fs, t, m) for fs in (0, 5) if step in PYTHIA_STEPS[fs] for t, m in results]
        else:
            expected += [(model, fs, t, m) for fs in (0, 5) for t, m in results]
    found = list(zip(*(frame[k].tolist() for k in keys)))
    problem = expect_sequence(found, expected, lambda v: "result " + ", ".join(f"{k}={x}" for k, x in zip(keys, v)))
    if problem is None:
        return None
    pos, reason = problem
    per = "27 (0-shot) or 15 (5-shot) checkpoints x " if with_step else ""
    reason += (f" (expected every published result: {2 * len(PYTHIA_SIZES)} models x (0, 5)-shot x {per}"
               f"{len(results)} (task, metric) pairs)")
    column = "model"
    if pos < len(found):
        e = expected[min(pos, len(expected) - 1)]
        column = next((k for k, a, b in zip(keys, found[pos], e) if a != b), "model")
    return pos, column, reason


def _ppl_falls_with_size(frame: pd.DataFrame, from_step: Optional[int]) -> Optional[tuple[int, str, str]]:
    sel = frame[frame["metric"] == "ppl"]
    if from_step is not None:
        sel = sel[sel["step"] >= from_step]
    order = sel["model"].map(pythia_model_order)
    groups = [sel["num_fewshot"], order.map(lambda o: o[1])] + ([sel["step"]] if from_step is not None else [])
    for _, g in sel.assign(_size=order.map(lambda o: o[0])).groupby(groups, sort=True):
        g = g.sort_values("_size")
        v = g["value"].to_numpy()
        pos = first_true(np.diff(v) >= 0)
        if pos is not None:
            where = f" at step {g['step'].iloc[0]}" if from_step is not None else ""
            return int(g.index[pos + 1]), "value", (
                f"LAMBADA perplexity {v[pos + 1]:.4g} of {g['model'].iloc[pos + 1]}{where} is not below "
                f"{v[pos]:.4g} of the smaller {g['model'].iloc[pos]} (expected to fall strictly with size"
                + (f" from step {from_step} on)" if from_step is not None else ")"))
    return None


def _pythia_final_table(frame: pd.DataFrame) -> Optional[tuple[int, str, str]]:
    return _results_grid(frame, with_step=False) or _ppl_falls_with_size(frame, None)


def _pythia_trajectory_table(frame: pd.DataFrame) -> Optional[tuple[int, str, str]]:
    problem = _results_grid(frame, with_step=True) or _ppl_falls_with_size(frame, PYTHIA_SIZE_ORDER_FROM_STEP)
    if problem:
        return problem
    # Along training. The final value has passed the size-order rule above, so the row named is the
    # earlier checkpoint that the final value is compared with.
    ppl = frame[frame["metric"] == "ppl"]
    for (model, fs), g in ppl.groupby(["model", "num_fewshot"], sort=False):
        v = g["value"].to_numpy()  # file order = step order
        steps = g["step"].to_numpy()
        if not v[-1] < v[0]:
            return int(g.index[0]), "value", (
                f"LAMBADA perplexity {v[0]:.4g} of {model} ({fs}-shot) at the first checkpoint (step {steps[0]}) "
                f"is not above the final {v[-1]:.4g} (expected training to lower it)")
        best = int(np.argmin(v))
        if v[-1] > PYTHIA_PPL_LATE_RISE_MAX * v[best]:
            return int(g.index[best]), "value", (
                f"LAMBADA perplexity {v[best]:.4g} of {model} ({fs}-shot) at step {steps[best]} is below 1/"
                f"{PYTHIA_PPL_LATE_RISE_MAX:g} of the final {v[-1]:.4g} (expected to broadly fall along training: "
                f"final at most {PYTHIA_PPL_LATE_RISE_MAX:g} x the best)")
    return None


def _stderr_zero(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    """The binomial standard error of an accuracy is 0 only at accuracy 0 or 1."""
    if row["metric"] != "ppl" and row["stderr"] == 0 and row["value"] not in (0.0, 1.0):
        return "stderr", f"0 for accuracy {row['value']!r} (expected > 0 unless the accuracy is 0 or 1)"
    return None


def _benchmarks_table(frame: pd.DataFrame) -> Optional[tuple[int, str, str]]:
    expected = sorted(set(CEREBRAS_TO_HARNESS.values()) | set(PYTHIA_CORE_TASKS))
    found = expect_sequence(frame["task"].tolist(), expected, lambda v: f"task {v}")
    if found:
        return found[0], "task", found[1] + " (expected the tasks of the Cerebras-GPT and Pythia tables)"
    return None


# Columns computed by a formula but not named *_derived (sources.csv marks them 'derived').
DERIVED_WITHOUT_SUFFIX = ("chance_accuracy",)
# The tables whose column-level provenance sources.csv records (the related-work tables record
# theirs in their curation scripts and raw PROVENANCE files).
SOURCED_TABLES = ("benchmarks", "cerebras_gpt", "pythia_final", "pythia_models", "pythia_trajectory")
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def _source_row(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    tables = {t.filename: t for t in REGISTRY.values()}
    if row["table"] not in tables:
        return "table", f"{row['table']!r} is not a curated file (expected one of {', '.join(sorted(tables))})"
    names = tables[row["table"]].column_names
    for c in row["columns"].split(";"):
        if c not in names:
            return "columns", f"{c!r} is not a column of {row['table']} (expected one of: {', '.join(names)})"
        if row["source_id"] == "derived" and not (c.endswith("_derived") or c in DERIVED_WITHOUT_SUFFIX):
            return "columns", (f"{c!r} is marked derived "
                               f"(expected only *_derived columns or {', '.join(DERIVED_WITHOUT_SUFFIX)})")
    located = [row[c] is not None for c in ("repository", "path", "commit")]
    if row["source_id"] == "derived" and any(located):
        return "repository", "a derived row has no repository, path or commit (expected empty)"
    if row["source_id"] != "derived" and not all(located):
        return "repository", "a published source needs repository, path and commit (expected all three)"
    if row["commit"] is not None and not _COMMIT.match(row["commit"]):
        return "commit", f"{row['commit']!r} (expected a 40-digit lower-case hex commit)"
    return None


def _sources_table(frame: pd.DataFrame) -> Optional[tuple[int, str, str]]:
    for name in SOURCED_TABLES:
        filename = schema(name).filename
        rows = frame.index[frame["table"] == filename]
        if not len(rows):
            return len(frame), "table", f"no source rows for {filename} (expected every column of it covered)"
        covered = {c for cols in frame.loc[rows, "columns"] for c in cols.split(";")}
        missing = [c for c in schema(name).column_names if c not in covered]
        if missing:
            return int(rows[-1]), "columns", (f"no source for {filename} column(s) {', '.join(missing)} "
                                              f"(expected every column covered)")
    return None


# --------------------------------------------------------------------------- the registry

_CEREBRAS_ACC = [probability(f"zs_{t}", f"0-shot accuracy, {t} (S1)") for t in CEREBRAS_TASKS]
_CEREBRAS_ACC.append(probability("zs_downstream_avg", "0-shot 'Downstream Average' (S1)"))
_CEREBRAS_ACC += [probability(f"fs_{t}", f"5-shot accuracy, {t} (S1)") for t in CEREBRAS_TASKS]

register(TableSchema(
    name="cerebras_gpt",
    filename="cerebras_gpt.csv",
    description="Cerebras-GPT standard-parameterisation models: published size, tokens, FLOPs, "
                "Pile test loss (nats/token) and downstream accuracies, plus derived exact counts.",
    columns=(
        text("model"),
        text("params_label", "published size label, e.g. 111M"),
        positive_int("params_nominal", "params_label as a number (rounded, not exact)"),
        positive_int("params_total_derived", "DERIVED: V*d + T*d + L*(12d^2+13d) + 2d"),
        positive_int("params_nonembedding_derived", "DERIVED: L*(12d^2+13d) + 2d"),
        positive("train_tokens", "published, 3 significant figures"),
        positive_int("train_tokens_derived", "DERIVED: steps * batch * 2048"),
        positive("tokens_per_param"),
        positive("train_flops", "S1 (= S2 evaluation tables)"),
        positive("train_flops_modelzoo_training_table", "S2 training table (differs)"),
        positive("pile_loss_hf_card", "PILE test xent, nats/token, S1"),
        positive("pile_loss_modelzoo_readme", "PILE test xent, nats/token, S2"),
        *_CEREBRAS_ACC,
    ),
    key=("model",),
    sort_by=("params_nominal",),
    row_checks=(_plausible_params("params_nominal", "params_total_derived", "params_nonembedding_derived"),
                _cerebras_counts, _cerebras_sources),
    table_checks=(_cerebras_table,),
))

register(TableSchema(
    name="pythia_models",
    filename="pythia_models.csv",
    description="The 16 Pythia models (8 sizes, standard and deduplicated Pile): parameter counts and tokens.",
    columns=(
        text("model"),
        text("size_label"),
        Column("deduped", "int", choices=(0, 1)),
        positive_int("params_total"),
        positive_int("params_nonembedding"),
        positive_int("train_tokens"),
    ),
    key=("model",),
    sort_by=("model",),
    sort_keys={"model": pythia_model_order},
    row_checks=(_plausible_params("params_total", "params_nonembedding"), _pythia_model),
    table_checks=(_pythia_models_table,),
))

register(TableSchema(
    name="pythia_final",
    filename="pythia_final.csv",
    description="EleutherAI's own evaluations of the final Pythia checkpoint (step 143000), core tasks.",
    columns=(
        text("model"),
        Column("num_fewshot", "int", choices=(0, 5)),
        text("task", choices=PYTHIA_CORE_TASKS),
        text("metric", choices=("acc", "acc_norm", "ppl")),
        nonneg("value", "acc/acc_norm in [0, 1]; ppl > 0 (row check)"),
        nonneg("stderr"),
    ),
    key=("model", "num_fewshot", "task", "metric"),
    sort_by=("model", "num_fewshot", "task", "metric"),
    sort_keys={"model": pythia_model_order},
    row_checks=(_metric_range, _stderr_zero),
    table_checks=(_pythia_final_table,),
))

register(TableSchema(
    name="pythia_trajectory",
    filename="pythia_trajectory.csv",
    description="Pythia evaluations at every published checkpoint: acc for the core tasks and LAMBADA ppl.",
    columns=(
        text("model"),
        nonneg_int("step"),
        nonneg_int("tokens_seen_derived", "DERIVED: step * 2,097,152"),
        Column("num_fewshot", "int", choices=(0, 5)),
        text("task", choices=PYTHIA_CORE_TASKS),
        text("metric", choices=("acc", "ppl")),
        nonneg("value", "acc in [0, 1]; ppl > 0 (row check)"),
        nonneg("stderr"),
    ),
    key=("model", "step", "num_fewshot", "task", "metric"),
    sort_by=("model", "step", "num_fewshot", "task", "metric"),
    sort_keys={"model": pythia_model_order},
    row_checks=(_metric_range, _tokens_seen, _stderr_zero),
    table_checks=(_pythia_trajectory_table,),
))

register(TableSchema(
    name="benchmarks",
    filename="benchmarks.csv",
    description="Every evaluation task used: size of the evaluated split, number of answer options, chance accuracy.",
    columns=(
        text("task"),
        text("display_name"),
        positive_int("n_items"),
        text("n_items_source"),
        text("split_used"),
        Column("n_choices", "int", nullable=True, lo=2),
        probability("chance_accuracy"),
        text("chance_source"),
    ),
    key=("task",),
    sort_by=("task",),
    row_checks=(_chance,),
    table_checks=(_benchmarks_table,),
))

register(TableSchema(
    name="sources",
    filename="sources.csv",
    description="Where every column of every curated table comes from (ids as in the raw PROVENANCE.md).",
    columns=(
        text("table"),
        text("columns", "';'-separated column names"),
        text("source_id", "S1, S2, ... or 'derived'"),
        text("repository", nullable=True),
        text("path", nullable=True),
        text("commit", nullable=True),
        text("note"),
    ),
    key=("table", "columns", "source_id"),
    sort_by=("table",),
    row_checks=(_source_row,),
    table_checks=(_sources_table,),
))

register(TableSchema(
    name="paper_claims",
    filename="paper_claims.csv",
    description="Values printed in the original paper, transcribed with their location, for the claim audit.",
    columns=(
        text("claim_id"),
        text("location"),
        text("quantity"),
        text("paper_value", "as printed: a number or a word/list"),
        text("comparison", choices=("eq", "gt", "lt")),
        text("ledger_key"),
        text("alt_ledger_key", nullable=True),
    ),
    key=("claim_id",),
    sort_by=(),  # rows follow the paper
))


# --------------------------------------------------------------------------- reading


# --------------------------------------------------------------------------- checksums

_SUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S(?:.*\S)?)$")
DATA_PATTERNS = ("*.csv", "*.csv.gz")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_checksums(sums: Path) -> dict[str, str]:
    """Parse a sha256sum-format file into {relative file name: hex digest}."""
    if not sums.is_file():
        raise ChecksumError(sums, None, None, f"checksum file not found; regenerate it with `{CURATE_HINT}`")
    entries: dict[str, str] = {}
    for lineno, line in enumerate(sums.read_text(encoding="utf-8").split("\n"), start=1):
        if not line:
            continue
        m = _SUM_LINE.match(line)
        if not m:
            raise ChecksumError(sums, lineno, None,
                                f"malformed line {line!r}; expected '<64 lowercase hex>  <file name>'")
        digest, name = m.groups()
        if name.startswith("/") or ".." in Path(name).parts:
            raise ChecksumError(sums, lineno, None, f"file name {name!r} must be relative to the data directory")
        if name in entries:
            raise ChecksumError(sums, lineno, None, f"{name!r} is listed twice")
        entries[name] = digest
    return entries


def verify_checksums(data_dir: str | Path = DATA) -> dict[str, str]:
    """Check every file listed in `<data_dir>/SHA256SUMS`, and that every data file is listed.

    Returns {file name: digest}. Raises ChecksumError naming the file, the expected and the
    actual digest, and what to do.
    """
    data_dir = Path(data_dir)
    sums = data_dir / CHECKSUMS.name
    entries = read_checksums(sums)
    for name, expected in sorted(entries.items()):
        path = data_dir / name
        if not path.is_file():
            raise ChecksumError(path, None, None,
                                f"listed in {rel(sums)} but missing. Restore it (git checkout) or regenerate "
                                f"the curated data with `{CURATE_HINT}`")
        actual = _sha256(path)
        if actual != expected:
            raise ChecksumError(path, None, None,
                                f"SHA-256 mismatch (expected {expected} from {rel(sums)}, actual {actual}); "
                                f"if the change is intended, regenerate the curated data and checksums with "
                                f"`{CURATE_HINT}` (or the curation script that owns this file), "
                                f"otherwise restore the file with `git checkout -- {rel(path)}`")
    for pattern in DATA_PATTERNS:
        for path in sorted(data_dir.rglob(pattern)):
            relname = path.relative_to(data_dir).as_posix()
            if any(part.startswith(".") for part in path.relative_to(data_dir).parts):
                continue  # temporary files of atomic writes, editor files
            if relname not in entries:
                raise ChecksumError(path, None, None,
                                    f"data file not listed in {rel(sums)}. Every data table must be checksummed: "
                                    f"add it through its curation script (e.g. `{CURATE_HINT}`), or remove it")
    return entries


# --------------------------------------------------------------------------- convenience loaders


def load_cerebras(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Cerebras-GPT, 7 rows sorted by size (see `REGISTRY['cerebras_gpt']` for columns)."""
    return load_table("cerebras_gpt", data_dir)


def load_pythia_models(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The 16 Pythia models (8 sizes x {standard, deduped})."""
    return load_table("pythia_models", data_dir)


def load_pythia_final(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Final-checkpoint (step 143000) results, long form: model, num_fewshot, task, metric, value, stderr."""
    return load_table("pythia_final", data_dir)


def load_pythia_trajectory(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Results at every checkpoint (acc, and LAMBADA ppl), long form."""
    return load_table("pythia_trajectory", data_dir)


def load_benchmarks(data_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per task: n_items, split, n_choices, chance_accuracy and their sources."""
    return load_table("benchmarks", data_dir)


def load_sources(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Column-level provenance of the curated tables."""
    return load_table("sources", data_dir)


@dataclass(frozen=True)
class TaskSet:
    """The Cerebras-GPT tasks. Iterating yields the names in canonical order.

    names               Cerebras column suffixes: zs_<name>, fs_<name>
    harness             name -> lm-evaluation-harness task (as in benchmarks.csv and the Pythia tables)
    display             name -> display name (benchmarks.csv)
    shared_with_pythia  names whose harness task is in Pythia's evaluations, in canonical order
    """

    names: tuple[str, ...]
    harness: Mapping[str, str]
    display: Mapping[str, str]
    shared_with_pythia: tuple[str, ...]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def cerebras_tasks(data_dir: str | Path | None = None) -> TaskSet:
    """The 7 Cerebras-GPT tasks in canonical order, with harness and display names."""
    bench = load_benchmarks(data_dir)
    display_by_task = dict(zip(bench["task"], bench["display_name"]))
    display = {}
    for name in CEREBRAS_TASKS:
        harness = CEREBRAS_TO_HARNESS[name]
        if harness not in display_by_task:
            path = Path(DATA if data_dir is None else data_dir) / schema("benchmarks").filename
            raise DataError(path, None, "task", f"task {harness!r} (Cerebras column {name!r}) is missing")
        display[name] = display_by_task[harness]
    return TaskSet(
        names=CEREBRAS_TASKS,
        harness=dict(CEREBRAS_TO_HARNESS),
        display=display,
        shared_with_pythia=tuple(t for t in CEREBRAS_TASKS if CEREBRAS_TO_HARNESS[t] in PYTHIA_CORE_TASKS),
    )


def write_curated(out_dir: str | Path, texts: Mapping[str, str]) -> list[Path]:
    """Write curated tables {file name: text} into `out_dir`, validating every one first.

    Maintainer tool (the curation scripts' one way to write a table): each text is checked
    against the schema registered for its file name (cell, row and table checks, as `load_table`
    does) in a staging directory; only if all pass is each written, atomically. A failure raises
    `DataError` naming the file in `out_dir`, and nothing is written.
    """
    import tempfile

    from .atomic import write_text

    out_dir = Path(out_dir)
    by_file = {table.filename: table for table in REGISTRY.values()}
    unknown = sorted(set(texts) - set(by_file))
    if unknown:
        raise ValueError(f"no registered schema for {unknown}; add one to the schema modules first")
    if any(name.endswith(".gz") for name in texts):
        raise ValueError("write_curated writes plain text; write a .gz table with gzip (mtime=0) instead")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=out_dir) as staging:
        for filename, text_ in texts.items():
            staged = Path(staging) / filename
            staged.write_bytes(text_.encode("utf-8"))
            try:
                read_table(staged, by_file[filename])
            except DataError as exc:
                raise DataError(out_dir / filename, exc.row, exc.column, f"{exc.reason} (nothing was written)") from None
    written = []
    for filename, text_ in texts.items():
        write_text(out_dir / filename, text_)
        written.append(out_dir / filename)
    return written


def write_checksums(data_dir: str | Path = DATA) -> Path:
    """Rewrite SHA256SUMS for every registered table file present in `data_dir`.

    Maintainer tool, called by the curation scripts after they write a table; the build only
    ever verifies.
    """
    from .atomic import write_text

    data_dir = Path(data_dir)
    lines = []
    for table in sorted(REGISTRY.values(), key=lambda t: t.filename):
        path = data_dir / table.filename
        if path.exists():
            lines.append(f"{_sha256(path)}  {table.filename}")
    target = data_dir / CHECKSUMS.name
    write_text(target, "\n".join(lines) + "\n")
    return target


# --------------------------------------------------------------------------- cross-table checks
# Each returns None or a `CrossProblem` (table_schema.py): (table to blame, position, column, reason).
@cross_check("pythia_final", "pythia_trajectory")
def _final_equals_trajectory(t):
    """The step-143000 rows of the trajectory are the final-checkpoint results (same P1 JSONs)."""
    keys = ["model", "num_fewshot", "task", "metric"]
    last = t["pythia_trajectory"][t["pythia_trajectory"]["step"] == PYTHIA_FINAL_STEP]
    final = t["pythia_final"].reset_index().set_index(keys)
    for pos, *key, value, stderr in zip(last.index, *(last[k] for k in keys), last["value"], last["stderr"]):
        key = tuple(key)
        if key not in final.index:
            return "pythia_final", len(t["pythia_final"]), "model", (f"no final result for {key} "
                                                                     f"(expected as in the trajectory)")
        ref = final.loc[key]
        for column, got, want in (("value", value, ref["value"]), ("stderr", stderr, ref["stderr"])):
            if got != want:
                return "pythia_trajectory", int(pos), column, (
                    f"{got!r} at step {PYTHIA_FINAL_STEP} differs from pythia_final.csv row {int(ref['index']) + 2}: "
                    f"{want!r} (expected equal)")
    return None


@cross_check("benchmarks", "pythia_final", "pythia_trajectory")
def _items_match_stderr(t):
    """n_items (HF dataset cards, H2/H3/H1) against n implied by EleutherAI's stderr, se^2 = p(1-p)/(n-1)."""
    bench = t["benchmarks"]
    n_items = dict(zip(bench["task"], bench["n_items"]))
    for name in ("pythia_final", "pythia_trajectory"):
        df = t[name]
        acc = df[(df["metric"] != "ppl") & (df["stderr"] > 0)]
        implied = acc["value"] * (1 - acc["value"]) / acc["stderr"] ** 2 + 1
        want = acc["task"].map(n_items)
        bad = (implied - want).abs() > IMPLIED_N_TOL
        if bad.any():
            task = acc.loc[bad.idxmax(), "task"]
            of_task = implied[acc["task"] == task].round()
            if (of_task == of_task.iloc[0]).all():  # all results agree with each other: n_items is wrong
                return "benchmarks", int(np.flatnonzero(bench["task"] == task)[0]), "n_items", (
                    f"{n_items[task]} items, but every {name}.csv result for {task} implies n = "
                    f"p(1-p)/stderr^2 + 1 = {int(of_task.iloc[0])} (expected equal)")
            pos = int(bad.idxmax())
            return name, pos, "stderr", (f"implies n = p(1-p)/stderr^2 + 1 = {implied[pos]:.3f} items for {task}, but "
                                         f"benchmarks.csv gives n_items {n_items[task]} "
                                         f"(expected equal within {IMPLIED_N_TOL:g})")
    return None


@cross_check("benchmarks", "cerebras_gpt", "pythia_final", "pythia_trajectory")
def _accuracy_near_chance(t):
    chance = chance_levels(t["benchmarks"])
    cer = t["cerebras_gpt"]
    for prefix in ("zs", "fs"):
        for task in CEREBRAS_TASKS:
            col, c = f"{prefix}_{task}", chance[CEREBRAS_TO_HARNESS[task]]
            pos = below_chance(cer[col], c)
            if pos is not None:
                return "cerebras_gpt", pos, col, near_chance_reason(cer[col].iloc[pos], c, CEREBRAS_TO_HARNESS[task])
    for name in ("pythia_final", "pythia_trajectory"):
        df = t[name]
        acc = df[df["metric"] != "ppl"]
        pos = below_chance(acc["value"], acc["task"].map(chance))
        if pos is not None:
            row = acc.iloc[pos]
            reason = near_chance_reason(row["value"], chance[row["task"]], row["task"])
            return name, int(acc.index[pos]), "value", reason
    return None


@cross_check("cerebras_gpt", "pythia_models")
def _shared_shapes(t):
    """Derived Cerebras-GPT counts against the counts Pythia publishes for the same architecture."""
    cer = t["cerebras_gpt"].reset_index().set_index("model")
    py = t["pythia_models"].set_index("model")["params_nonembedding"]
    for c_model, p_model in CEREBRAS_SAME_SHAPE_AS_PYTHIA.items():
        got = cer.loc[c_model, "params_nonembedding_derived"]
        for p in (p_model, p_model + "-deduped"):
            if got != py[p]:
                return "cerebras_gpt", int(cer.loc[c_model, "index"]), "params_nonembedding_derived", (
                    f"{got} for {c_model} differs from the {py[p]} published for {p}, which has the same layers and "
                    f"d_model (expected equal)")
    return None


# The related-work tables are declared in their own schema modules, which import only
# table_schema; importing them here (after this module's own tables, so `validate` checks these
# first) registers them for every consumer of `data`. One way: nothing imports data back.
from . import data_chinchilla, data_related  # noqa: E402,F401
