#!/usr/bin/env python
"""Maintainer script: regenerate the curated tables in data/ from the raw published folder.

    python -m data.curate /path/to/raw/cerebras_pythia [--out data]     (from the repository root)

The build never runs this script; it reads the files this script writes (checked by
`analysis.core.data.verify_checksums`). Running it again on the same raw folder gives
byte-identical files (tests/test_curation.py checks this).

Rules followed here:
* Published values are copied as the exact strings in the raw files; nothing is reformatted.
* Columns whose names end in `_derived` are computed; the formulas are re-checked here.
* Rows are written in a fixed sort order (the one each schema in analysis/core/data.py
  declares), with LF line endings and UTF-8 without BOM.
* `SHA256SUMS` is rewritten: entries for the files written here are replaced, entries for
  other files (tables owned by other curation scripts) are kept if those files still exist.
* Every cross-check failure, and every table that fails its schema (`data.write_curated`
  validates before writing), stops the script before anything is written; each file is
  written atomically (analysis/core/atomic.py).

Only the csv/gzip standard library is used for reading and writing, so strings pass through
untouched.
"""
from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import sys
from fractions import Fraction
from pathlib import Path

from analysis.core.atomic import write_text
from analysis.core.config import PYTHIA_TASK
from analysis.core.data import (
    CEREBRAS_TASKS,
    PYTHIA_CORE_TASKS,
    PYTHIA_TOKENS_PER_STEP,
    REGISTRY,
    DataError,
    load_table,
    pythia_model_order,
    read_checksums,
    write_curated,
)
from analysis.core.paths import CHECKSUMS, DATA

# Files written by this script (the curated tables plus the human-readable notes).
TABLE_FILES = {
    "cerebras_gpt": "cerebras_gpt.csv",
    "pythia_models": "pythia_models.csv",
    "pythia_final": "pythia_final.csv",
    "pythia_trajectory": "pythia_trajectory.csv",
    "benchmarks": "benchmarks.csv",
    "sources": "sources.csv",
}
NOTES_FILE = "SOURCES.md"
MAX_PLAIN_BYTES = 2_000_000

VOCAB = 50257          # S1 "Vocabulary Size", S3 vocab_size
SEQ_LEN = 2048         # S1 "Sequence Length", S3 max_position_embeddings
FINAL_STEP = 143000    # P2: step143000 = main
PYTHIA_TOKENS = 299_892_736_000  # P2/P4
# 13B two-phase schedule: S3 13b_bs720.yaml max_steps, 13b_bs1080.yaml max_steps, S2 "reset ... to 38k".
C13B_PHASE1_STEPS, C13B_PHASE2_STEPS, C13B_RESET = 57000, 116223, 38000

CEREBRAS_RAW_TASK = {  # curated suffix -> raw column suffix (raw order differs)
    "lambada": "lambada", "hellaswag": "hellaswag", "piqa": "piqa", "winogrande": "winogrande",
    "arc_easy": "arc_easy", "arc_challenge": "arc_challenge", "openbookqa": "openbookqa",
}
S2_COLUMN_TO_TASK = {  # published column heading (spaces after hyphens removed) -> curated suffix
    "Hella-Swag": "hellaswag", "PIQA": "piqa", "Wino-Grande": "winogrande", "Lambada": "lambada",
    "ARC-e": "arc_easy", "ARC-c": "arc_challenge", "OpenBookQA": "openbookqa",
    "Downstream Average": "downstream_avg",
}
# The tasks evaluated on both families, Cerebras suffix -> harness name: config.PYTHIA_TASK (one owner).
CEREBRAS_TO_PYTHIA_TASK = PYTHIA_TASK

CEREBRAS_COLUMNS = (
    ["model", "params_label", "params_nominal", "params_total_derived", "params_nonembedding_derived",
     "train_tokens", "train_tokens_derived", "tokens_per_param", "train_flops",
     "train_flops_modelzoo_training_table", "pile_loss_hf_card", "pile_loss_modelzoo_readme"]
    + [f"zs_{t}" for t in CEREBRAS_TASKS] + ["zs_downstream_avg"]
    + [f"fs_{t}" for t in CEREBRAS_TASKS]
)
PYTHIA_MODEL_COLUMNS = ["model", "size_label", "deduped", "params_total", "params_nonembedding", "train_tokens"]
FINAL_COLUMNS = ["model", "num_fewshot", "task", "metric", "value", "stderr"]
TRAJ_COLUMNS = ["model", "step", "tokens_seen_derived", "num_fewshot", "task", "metric", "value", "stderr"]
BENCH_COLUMNS = ["task", "display_name", "n_items", "n_items_source", "split_used", "n_choices",
                 "chance_accuracy", "chance_source"]
SOURCES_COLUMNS = ["table", "columns", "source_id", "repository", "path", "commit", "note"]

# Answer options per item, from the dataset formats (H1 task classes, H2/H3 dataset cards).
CHOICES = {
    "lambada_openai": (None, "open-vocabulary prediction of a passage's last word, no answer options "
                             "(LAMBADA format): chance accuracy taken as 0"),
    "piqa": (2, "2 solutions per item, sol1/sol2 (PIQA dataset format)"),
    "winogrande": (2, "2 options per item, option1/option2 (WinoGrande dataset format)"),
    "wsc": (2, "binary true/false label per item (SuperGLUE WSC dataset format)"),
    "arc_easy": (4, "answer choices per item, 4 for nearly all items (AI2 ARC dataset format); a few items "
                    "have 3 or 5 options, so 1/4 is a known approximation"),
    "arc_challenge": (4, "answer choices per item, 4 for nearly all items (AI2 ARC dataset format); a few "
                         "items have 3 or 5 options, so 1/4 is a known approximation"),
    "hellaswag": (4, "4 candidate endings per item (HellaSwag dataset format)"),
    "openbookqa": (4, "4 choices per item, A-D (OpenBookQA dataset format)"),
    "sciq": (4, "correct answer plus 3 distractors per item (SciQ dataset format)"),
    "logiqa": (4, "4 options per item, A-D (LogiQA dataset format)"),
}

SOURCES = {  # id -> (repository, path, commit)
    "S1": ("asgaardlab/model-card-reorganization",
           "verified_model_cards/cerebras@Cerebras-GPT-13B/1_raw.md",
           "3a0a6702b42ac2a960774259f4573059561b8dd8"),
    "S1b": ("Azure/azureml-assets",
            "assets/models/system/cerebras-Cerebras-GPT-111M/description.md",
            "4e4843880b1f562f68626cdf6f5cae19a6832b6d"),
    "S2": ("Cerebras/modelzoo",
           "modelzoo/transformers/pytorch/gpt3/configs/Cerebras_GPT/README.md",
           "a08d71cc39911444e41be93908bc18dc279afb5e"),
    "S3": ("Cerebras/modelzoo",
           "modelzoo/transformers/pytorch/gpt3/configs/Cerebras_GPT/"
           "{111m,256m,590m,1p3b,2p7b,6p7b,13b_bs720,13b_bs1080}.yaml",
           "a08d71cc39911444e41be93908bc18dc279afb5e"),
    "P1": ("EleutherAI/pythia", "evals/pythia-v1/<model>/{zero-shot,five-shot}/*_step<N>.json",
           "a19eecb807ec2c79a39ebf18108816e6ffffc1d5"),
    "P2": ("EleutherAI/pythia", "README.md", "a19eecb807ec2c79a39ebf18108816e6ffffc1d5"),
    "P3": ("shimo-lab/modelmap",
           "1000models/code_for_Section_5_and_Appendix_L/data/model_cards/EleutherAI_pythia-12b.md",
           "7614095ff8f57601283c9c9764338b13e8c66d99"),
    "P4": ("jd-coderepos/sota", "dataset/train/2304.01373v2/2304.01373v2.tex",
           "aa5c9e4f351d69e0d5ed9e17f1beeaf7862d8fe7"),
    "H1": ("EleutherAI/lm-evaluation-harness",
           "lm_eval/tasks/{piqa,winogrande,arc,hellaswag,lambada,openbookqa,sciq,logiqa,superglue}.py; "
           "lm_eval/evaluator.py; lm_eval/datasets/{lambada_openai,logiqa}/dataset_infos.json",
           "62ca18400ebe0fc0dbb14274b27170d2d5ae9e3d"),
    "H2": ("huggingface/datasets",
           "datasets/{piqa,winogrande,ai2_arc,hellaswag,sciq,super_glue}/dataset_infos.json",
           "040102f100964a33fd334e2695f1c493fa6b92db"),
    "H3": ("huggingface/datasets", "datasets/openbookqa/dataset_infos.json",
           "01022d1c4dc3ddf91d7ed6e8e624f4de4b325dfa"),
}


class CurationError(RuntimeError):
    """A raw file is missing, malformed, or fails a cross-check."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CurationError(message)


# --------------------------------------------------------------------------- I/O


def read_raw(path: Path) -> list[dict[str, str]]:
    check(path.is_file(), f"raw file not found: {path}")
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    check(bool(rows), f"raw file has no data rows: {path}")
    for i, row in enumerate(rows, start=2):
        check(None not in row and None not in row.values(), f"{path}, line {i}: wrong number of fields")
    return rows


def csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[c] for c in header])
    return buf.getvalue()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- formulas


def nonembedding_params(n_layers: int, d_model: int) -> int:
    """GPT-2/NeoX block with biases and 4*d FFN: 12d^2 + 13d per layer, plus the final LayerNorm."""
    return n_layers * (12 * d_model ** 2 + 13 * d_model) + 2 * d_model


def cerebras_total_params(n_layers: int, d_model: int) -> int:
    """Tied input/output embedding plus learned positions (S1/S3)."""
    return VOCAB * d_model + SEQ_LEN * d_model + nonembedding_params(n_layers, d_model)


def label_to_number(label: str) -> int:
    scale = {"M": 10 ** 6, "B": 10 ** 9}[label[-1]]
    return int(Fraction(label[:-1]) * scale)


def fmt_float(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}f}"


# --------------------------------------------------------------------------- tables


def curate_cerebras(raw_dir: Path, facts: dict) -> list[dict[str, str]]:
    main = read_raw(raw_dir / "cerebras_gpt.csv")
    derived = {r["model"]: r for r in read_raw(raw_dir / "cerebras_gpt_derived.csv")}
    long_rows = read_raw(raw_dir / "cerebras_reported_tables_long.csv")
    check(len(main) == 7, f"expected 7 Cerebras-GPT models, found {len(main)}")
    check(set(derived) == {r["model"] for r in main}, "cerebras_gpt_derived.csv models differ from cerebras_gpt.csv")

    # S2 (modelzoo README) cells for the Cerebras-GPT family, for cross-checks
    s2: dict[tuple[str, str, str], str] = {}
    s1_arch: dict[tuple[str, str], str] = {}
    for r in long_rows:
        if r["family"] != "Cerebras-GPT":
            continue
        col = r["column_as_published"].replace("- ", "-")
        if r["source"] == "modelzoo_readme":
            s2[(r["table"], r["model_size"], col)] = r["value_as_published"]
        elif r["source"] == "hf_model_card" and r["table"] == "architecture":
            s1_arch[(r["model_size"], col)] = r["value_as_published"]

    out = []
    for r in main:
        m, label = r["model"], r["params_label"]
        L, d = int(r["n_layers"]), int(r["d_model"])
        check(r["vocab_size"] == str(VOCAB) and r["seq_len"] == str(SEQ_LEN), f"{m}: unexpected vocab/seq_len")
        check(int(r["params_nominal"]) == label_to_number(label), f"{m}: params_nominal != label {label}")
        der = derived[m]
        check(int(der["params_total_derived"]) == cerebras_total_params(L, d), f"{m}: params_total_derived")
        check(int(der["params_nonembedding_derived"]) == nonembedding_params(L, d), f"{m}: params_nonembedding")
        if label == "13B":
            tokens = (C13B_PHASE1_STEPS * 720 + (C13B_PHASE2_STEPS - C13B_RESET) * 1080) * SEQ_LEN
        else:
            tokens = int(r["train_steps"]) * int(r["batch_size_seqs"]) * SEQ_LEN
        check(int(der["train_tokens_derived"]) == tokens, f"{m}: train_tokens_derived")
        check(f"{tokens:.2E}" == r["train_tokens"], f"{m}: derived tokens do not round to published {r['train_tokens']}")
        # S1 and S2 agree on FLOPs (evaluation table) and every downstream accuracy
        check(s2[("zero_shot", label, "Training FLOPs")] == r["train_flops"], f"{m}: S2 Training FLOPs")
        check(s2[("training", label, "Flops")] == r["train_flops_modelzoo_training_table"], f"{m}: S2 Flops")
        check(s2[("zero_shot", label, "PILE test xent")] == r["pile_test_xent_modelzoo_readme"], f"{m}: S2 xent")
        for col, task in S2_COLUMN_TO_TASK.items():
            check(s2[("zero_shot", label, col)] == r[f"zs_{task}"], f"{m}: S2 0-shot {col}")
            if task != "downstream_avg":
                check(s2[("five_shot", label, col)] == r[f"fs_{task}"], f"{m}: S2 5-shot {col}")
        row = {
            "model": m,
            "params_label": label,
            "params_nominal": r["params_nominal"],
            "params_total_derived": der["params_total_derived"],
            "params_nonembedding_derived": der["params_nonembedding_derived"],
            "train_tokens": r["train_tokens"],
            "train_tokens_derived": der["train_tokens_derived"],
            "tokens_per_param": r["tokens_per_param"],
            "train_flops": r["train_flops"],
            "train_flops_modelzoo_training_table": r["train_flops_modelzoo_training_table"],
            "pile_loss_hf_card": r["pile_test_xent_hf_card"],
            "pile_loss_modelzoo_readme": r["pile_test_xent_modelzoo_readme"],
        }
        for t in CEREBRAS_TASKS:
            row[f"zs_{t}"] = r[f"zs_{CEREBRAS_RAW_TASK[t]}"]
            row[f"fs_{t}"] = r[f"fs_{CEREBRAS_RAW_TASK[t]}"]
        row["zs_downstream_avg"] = r["zs_downstream_avg"]
        out.append(row)

        facts.setdefault("cerebras_heads", []).append(
            (label, s1_arch.get((label, "Heads")), s1_arch.get((label, "d_head")),
             s2.get(("architecture", label, "Heads")), s2.get(("architecture", label, "d_head")), r["n_heads"]))
    out.sort(key=lambda row: int(row["params_nominal"]))
    facts["cerebras"] = out
    return out


def curate_pythia_models(raw_dir: Path, facts: dict) -> list[dict[str, str]]:
    rows = read_raw(raw_dir / "pythia_models.csv")
    check(len(rows) == 16, f"expected 16 Pythia models, found {len(rows)}")
    check(int(FINAL_STEP) * PYTHIA_TOKENS_PER_STEP == PYTHIA_TOKENS, "Pythia token arithmetic")
    out, padded = [], {}
    for r in rows:
        m = r["model"]
        check(r["deduped"] == ("1" if m.endswith("-deduped") else "0"), f"{m}: deduped flag")
        L, d = int(r["n_layers"]), int(r["d_model"])
        total, nonemb = int(r["params_total"]), int(r["params_nonembedding"])
        check(nonembedding_params(L, d) == nonemb, f"{m}: non-embedding count does not follow the formula")
        emb = total - nonemb
        check(emb % (2 * d) == 0 and (emb // (2 * d)) % 128 == 0, f"{m}: embedding count is not 2 x padded vocab x d")
        padded[m] = (emb // (2 * d), d)
        check(int(r["train_tokens"]) == PYTHIA_TOKENS, f"{m}: train_tokens")
        check(int(r["train_steps"]) == FINAL_STEP and int(r["batch_size_tokens"]) == PYTHIA_TOKENS_PER_STEP,
              f"{m}: steps/batch")
        out.append({c: r[c] for c in PYTHIA_MODEL_COLUMNS})
    out.sort(key=lambda row: pythia_model_order(row["model"]))
    facts["pythia_models"] = out
    facts["pythia_padded_vocab"] = padded
    facts["pythia_shapes"] = {r["model"]: (int(r["n_layers"]), int(r["d_model"])) for r in rows}
    return out


def _pythia_rows(raw_dir: Path, models: set[str]) -> tuple[list[dict], list[dict]]:
    final = [r for r in read_raw(raw_dir / "pythia_final.csv") if r["task"] in PYTHIA_CORE_TASKS]
    traj = [r for r in read_raw(raw_dir / "pythia_trajectory.csv.gz") if r["task"] in PYTHIA_CORE_TASKS]
    for r in final + traj:
        check(r["model"] in models, f"unknown Pythia model {r['model']!r}")
        check(r["value"] != "" and r["stderr"] != "", f"{r['source_file']}: empty value or stderr for {r['task']}")
        check(int(r["tokens_seen_derived"]) == int(r["step"]) * PYTHIA_TOKENS_PER_STEP, "tokens_seen_derived")
    return final, traj


def curate_pythia_results(raw_dir: Path, models: list[dict], facts: dict) -> tuple[list, list]:
    names = {r["model"] for r in models}
    final_raw, traj_raw = _pythia_rows(raw_dir, names)

    final = []
    for r in final_raw:
        check(r["step"] == str(FINAL_STEP), f"pythia_final.csv has step {r['step']}")
        if r["metric"] in ("acc", "acc_norm", "ppl"):
            final.append({c: r[c] for c in FINAL_COLUMNS})
    final.sort(key=lambda r: (pythia_model_order(r["model"]), int(r["num_fewshot"]), r["task"], r["metric"]))

    traj = []
    for r in traj_raw:
        if r["metric"] == "acc" or (r["task"] == "lambada_openai" and r["metric"] == "ppl"):
            traj.append({c: r[c] for c in TRAJ_COLUMNS})
    traj.sort(key=lambda r: (pythia_model_order(r["model"]), int(r["step"]), int(r["num_fewshot"]),
                             r["task"], r["metric"]))

    # the final table equals the trajectory at step 143000 (two raw files, one source)
    at_final = {(r["model"], r["num_fewshot"], r["task"], r["metric"]): (r["value"], r["stderr"])
                for r in traj if r["step"] == str(FINAL_STEP)}
    final_sub = {(r["model"], r["num_fewshot"], r["task"], r["metric"]): (r["value"], r["stderr"])
                 for r in final if r["metric"] in ("acc", "ppl")}
    check(at_final == final_sub, "pythia_final.csv and the trajectory disagree at step 143000")

    # every model has the same checkpoints in each setting
    steps: dict[tuple[str, str], set[int]] = {}
    for r in traj:
        steps.setdefault((r["model"], r["num_fewshot"]), set()).add(int(r["step"]))
    for shot in ("0", "5"):
        sets = {frozenset(v) for (m, s), v in steps.items() if s == shot}
        check(len(sets) == 1, f"{shot}-shot checkpoints differ between models")
        facts[f"steps_{shot}shot"] = sorted(next(iter(sets)))
    facts["final"] = final
    facts["n_traj"] = len(traj)
    return final, traj


def curate_benchmarks(raw_dir: Path, final: list[dict], facts: dict) -> list[dict[str, str]]:
    raw = {r["task"]: r for r in read_raw(raw_dir / "benchmarks.csv")}
    wanted = sorted(set(PYTHIA_CORE_TASKS) | {"hellaswag", "openbookqa"})
    check(set(CHOICES) == set(wanted), "CHOICES must cover exactly the tasks used")

    # n implied by each final-checkpoint acc result: se = sqrt(p(1-p)/(n-1))
    implied: dict[str, set[int]] = {}
    for r in final:
        if r["metric"] != "acc":
            continue
        p, se = float(r["value"]), float(r["stderr"])
        n = p * (1 - p) / se ** 2 + 1
        check(abs(n - round(n)) < 1e-6, f"{r['model']} {r['task']}: implied n {n} is not an integer")
        implied.setdefault(r["task"], set()).add(round(n))
    facts["implied_n_checked"] = sum(1 for r in final if r["metric"] == "acc")

    out = []
    for task in wanted:
        check(task in raw, f"benchmarks.csv has no row for {task}")
        r = raw[task]
        n_items = r["n_items_documented"]
        if r["n_items_implied_by_pythia_stderr"]:
            check(r["n_items_implied_by_pythia_stderr"] == n_items, f"{task}: raw implied n differs")
        if task in PYTHIA_CORE_TASKS:
            check(implied.get(task) == {int(n_items)}, f"{task}: stderr-implied n {implied.get(task)} != {n_items}")
        k, why = CHOICES[task]
        chance = "0" if k is None else str(float(Fraction(1, k)))
        out.append({
            "task": task,
            "display_name": r["display_name"],
            "n_items": n_items,
            "n_items_source": r["n_items_documented_source"],
            "split_used": r["split_used"],
            "n_choices": "" if k is None else str(k),
            "chance_accuracy": chance,
            "chance_source": why,
        })
    facts["benchmarks"] = out
    return out


def sources_rows(facts: dict) -> list[dict[str, str]]:
    zs = [f"zs_{t}" for t in CEREBRAS_TASKS] + ["zs_downstream_avg"]
    fs = [f"fs_{t}" for t in CEREBRAS_TASKS]
    s1_cols = ["model", "params_label", "params_nominal", "train_tokens", "tokens_per_param", "train_flops",
               "pile_loss_hf_card"] + zs + fs
    j = ";".join
    entries = [
        # table, columns, source id, note
        ("benchmarks.csv", j(["task", "display_name", "split_used"]), "H1",
         "harness task names and classes (tag v0.3.0); the v0.3.0 evaluator scores the test split when a task "
         "has one and the validation split otherwise"),
        ("benchmarks.csv", j(["n_items", "n_items_source"]), "H2",
         "num_examples of the split used, from dataset_infos.json (piqa, winogrande, ai2_arc, hellaswag, sciq, "
         "super_glue); n_items_source names the file for each row"),
        ("benchmarks.csv", j(["n_items", "n_items_source"]), "H3", "openbookqa: num_examples of the test split"),
        ("benchmarks.csv", j(["n_items", "n_items_source"]), "H1",
         "lambada_openai and logiqa: the harness's local dataset_infos.json"),
        ("benchmarks.csv", "n_items", "P1",
         "cross-check: n = p(1-p)/stderr^2 + 1 from every final-checkpoint acc result equals n_items for "
         "all 8 Pythia tasks (lm-eval's stderr of a mean uses n-1)"),
        ("benchmarks.csv", j(["n_choices", "chance_source"]), "H2",
         "answer options per item from the dataset format (piqa, winogrande, ai2_arc, hellaswag, sciq, wsc); "
         "ARC items with 3 or 5 options are approximated by 4"),
        ("benchmarks.csv", j(["n_choices", "chance_source"]), "H3", "openbookqa: 4 choices per item"),
        ("benchmarks.csv", j(["n_choices", "chance_source"]), "H1",
         "logiqa: 4 options per item; lambada_openai: no options (open vocabulary), n_choices left empty"),
        ("benchmarks.csv", "chance_accuracy", "derived",
         "DERIVED: 1 / n_choices; 0 for lambada_openai (open-vocabulary word prediction)"),

        ("cerebras_gpt.csv", j(["model", "params_label"]), "S1",
         "architecture table column 'Parameters'; model = Hugging Face repository name"),
        ("cerebras_gpt.csv", "params_nominal", "S1",
         "params_label written as a number (111M -> 111000000): the rounded label, not an exact count"),
        ("cerebras_gpt.csv", j(["train_tokens", "tokens_per_param"]), "S1",
         "training table 'Tokens' and 'Tokens per Parameter', published strings (3 significant figures)"),
        ("cerebras_gpt.csv", "train_flops", "S1",
         "0-shot table 'Training FLOPs'; the same values appear in S2's 0-shot table"),
        ("cerebras_gpt.csv", "train_flops_modelzoo_training_table", "S2",
         "'Training Table' column 'Flops'; lower than train_flops for every model (SOURCES.md)"),
        ("cerebras_gpt.csv", "pile_loss_hf_card", "S1", "0-shot table 'PILE test xent', nats per token"),
        ("cerebras_gpt.csv", "pile_loss_modelzoo_readme", "S2",
         "0-shot table 'PILE test xent', nats per token; differs from S1 for some models (SOURCES.md)"),
        ("cerebras_gpt.csv", j(zs), "S1",
         "0-shot table; the sources do not say whether acc or acc_norm was reported, nor which LAMBADA variant"),
        ("cerebras_gpt.csv", j(fs), "S1", "5-shot table (S1 has no 5-shot average)"),
        ("cerebras_gpt.csv", j(["train_flops"] + zs + fs), "S2",
         "cross-check: identical values in the modelzoo README evaluation tables (checked by data/curate.py)"),
        ("cerebras_gpt.csv", j(s1_cols), "S1b",
         "cross-check only: second copy of the card text with the same architecture, training and evaluation "
         "tables"),
        ("cerebras_gpt.csv", j(["params_total_derived", "params_nonembedding_derived"]), "derived",
         "DERIVED, not published: non-embedding = L*(12*d^2 + 13*d) + 2*d; total = V*d + T*d + non-embedding, "
         "V = 50257, T = 2048, tied input/output embedding; L and d from the S1 architecture table"),
        ("cerebras_gpt.csv", j(["params_total_derived", "params_nonembedding_derived"]), "S3",
         "model configs: architecture inputs (layers, hidden size, tied embeddings, vocabulary) agree with S1"),
        ("cerebras_gpt.csv", "train_tokens_derived", "derived",
         "DERIVED: steps * batch (sequences) * 2048 from the S1 tables; 13B: 57000*720*2048 + "
         "(116223-38000)*1080*2048 (two batch-size phases); rounds to the published train_tokens"),
        ("cerebras_gpt.csv", "train_tokens_derived", "S3",
         "13B phase lengths: max_steps of 13b_bs720.yaml (57000) and 13b_bs1080.yaml (116223); "
         "the step reset to 38k is stated in the S2 text"),

        ("pythia_final.csv", j(FINAL_COLUMNS), "P1",
         "results of every <model>/{zero-shot,five-shot}/*_step143000.json (step143000 = main, per P2), core "
         "tasks only; value and stderr are the JSON floats written with Python repr; folder pythia-1b-bf16 "
         "holds the results of pythia-1b"),
        ("pythia_models.csv", j(["model", "size_label", "deduped"]), "P2",
         "public model names; deduped = 1 for the models trained on the deduplicated Pile"),
        ("pythia_models.csv", j(["params_total", "params_nonembedding"]), "P3",
         "model card table 'Naming convention and parameter count'"),
        ("pythia_models.csv", "params_nonembedding", "P4", "cross-check: Table 1 has the same values"),
        ("pythia_models.csv", "train_tokens", "P2", "'Each model saw 299,892,736,000 ~= 300B tokens'"),
        ("pythia_models.csv", "train_tokens", "P4", "cross-check: the paper states the same token count"),
        ("pythia_trajectory.csv", j([c for c in TRAJ_COLUMNS if c != "tokens_seen_derived"]), "P1",
         f"every checkpoint JSON of the 16 models (0-shot: {len(facts['steps_0shot'])} checkpoints, 5-shot: "
         f"{len(facts['steps_5shot'])}); metric acc for the core tasks plus lambada_openai ppl; step from the "
         "file name"),
        ("pythia_trajectory.csv", "tokens_seen_derived", "derived",
         "DERIVED: step * 2,097,152 tokens per step (batch size from P2)"),
    ]
    rows = []
    for table, cols, sid, note in entries:
        repo, path, commit = SOURCES.get(sid, ("", "", ""))
        rows.append({"table": table, "columns": cols, "source_id": sid, "repository": repo,
                     "path": path, "commit": commit, "note": note})
    rows.sort(key=lambda r: r["table"])  # stable: keeps the order above within each table
    return rows


# --------------------------------------------------------------------------- SOURCES.md


def sources_md(raw_dir: Path, facts: dict) -> str:
    cer = facts["cerebras"]
    final = facts["final"]
    bench = facts["benchmarks"]

    # 1. Pile loss: card vs modelzoo
    pile_lines, n_diff = [], 0
    for r in cer:
        a, b = r["pile_loss_hf_card"], r["pile_loss_modelzoo_readme"]
        if float(a) != float(b):
            n_diff += 1
            delta = float(b) - float(a)
            pile_lines.append(f"   - {r['params_label']}: card {a}, modelzoo {b} "
                              f"(modelzoo minus card {delta:+.3f} nats, {100 * delta / float(a):+.2f}%)")
    same = [r["params_label"] for r in cer if float(r["pile_loss_hf_card"]) == float(r["pile_loss_modelzoo_readme"])]

    # 2. FLOPs: two published columns and 6ND
    flop_lines = []
    for r in cer:
        f1, f2 = float(r["train_flops"]), float(r["train_flops_modelzoo_training_table"])
        check(f2 < f1, f"{r['model']}: sources.csv says the training-table FLOPs are lower")
        six_nd = 6 * int(r["params_total_derived"]) * int(r["train_tokens_derived"])
        flop_lines.append(f"   - {r['params_label']}: {r['train_flops']} vs {r['train_flops_modelzoo_training_table']} "
                          f"(ratio {f2 / f1:.3f}); 6ND = {six_nd:.2E}, train_flops/6ND = {f1 / six_nd:.2f}")

    # 3. heads
    heads = [h for h in facts["cerebras_heads"] if h[1] != h[3] or h[2] != h[4]]
    head_lines = [f"   - {lab}: card {h1} heads x d_head {dh1}; modelzoo README {h2} heads x d_head {dh2}"
                  for lab, h1, dh1, h2, dh2, _ in heads]

    # 5. Cerebras' own Pythia evaluations vs EleutherAI's JSONs (0-shot, final checkpoint)
    p1 = {(r["model"], r["task"], r["metric"]): float(r["value"]) for r in final if r["num_fewshot"] == "0"}
    cmp: dict[str, list[tuple[float, str, str, str]]] = {}
    for r in read_raw(raw_dir / "cerebras_reported_tables_long.csv"):
        if r["source"] != "modelzoo_readme" or r["table"] != "zero_shot" or not r["family"].startswith("Pythia"):
            continue
        col = r["column_as_published"].replace("- ", "-")
        task = S2_COLUMN_TO_TASK.get(col)
        if task not in CEREBRAS_TO_PYTHIA_TASK:
            continue
        model = "pythia-" + r["model_size"].lower() + ("-deduped" if r["family"] == "Pythia-deduped" else "")
        ours = p1[(model, CEREBRAS_TO_PYTHIA_TASK[task], "acc")]
        cmp.setdefault(task, []).append((abs(float(r["value_as_published"]) - ours), model,
                                         r["value_as_published"], f"{ours:.3f}"))
    cmp_lines = []
    for task in CEREBRAS_TO_PYTHIA_TASK:
        worst = max(cmp[task])
        mean = sum(x[0] for x in cmp[task]) / len(cmp[task])
        cmp_lines.append(f"   - {task}: mean |difference| {mean:.3f} over {len(cmp[task])} models; largest for "
                         f"{worst[1]}: Cerebras {worst[2]} vs EleutherAI acc {worst[3]}")

    # 6. Pythia 12B
    pm = {r["model"]: r for r in facts["pythia_models"]}
    v12, d12 = facts["pythia_padded_vocab"]["pythia-12b"]
    p12 = pm["pythia-12b"]
    vocab_sizes = sorted({v for v, _ in facts["pythia_padded_vocab"].values()})

    shared = [("Cerebras-GPT-1.3B", "pythia-1.4b"), ("Cerebras-GPT-2.7B", "pythia-2.8b"),
              ("Cerebras-GPT-6.7B", "pythia-6.9b")]
    cmap = {r["model"]: r for r in cer}
    shared_txt = "; ".join(f"{c} and {p}: {int(cmap[c]['params_nonembedding_derived']):,}" for c, p in shared
                           if cmap[c]["params_nonembedding_derived"] == pm[p]["params_nonembedding"])
    check(shared_txt.count(":") == 3, "shared shapes: derived non-embedding counts differ from Pythia's")

    bench_txt = ", ".join(f"{b['task']} {b['n_items']}" for b in bench)
    s0, s5 = facts["steps_0shot"], facts["steps_5shot"]

    lines = [
        "# Curated data: tables, sources and known discrepancies",
        "",
        "This file is generated by `data/curate.py` from the raw folder `cerebras_pythia` (described in its",
        "`PROVENANCE.md`); do not edit it by hand. Column-level sources, with repository, path and commit,",
        "are in `sources.csv`. `SHA256SUMS` pins the bytes of every data file; `analysis.core.data` checks",
        "it (`verify_checksums`) and validates each table against its schema (`load_table`).",
        "",
        "Conventions: values copied from a publication are the published strings, unchanged (`0.380`,",
        "`2.6E+18`, full-precision floats from the Pythia JSONs). Columns ending in `_derived` are computed",
        "from published values by the formulas in `sources.csv`. Files are UTF-8 without BOM, LF line",
        "endings, one header row, rows in a fixed sort order.",
        "",
        "## Tables",
        "",
        f"- `cerebras_gpt.csv`: {len(cer)} Cerebras-GPT models (standard parameterisation), sorted by size:",
        "  published size label and its numeric value (`params_nominal`, rounded), derived exact total and",
        "  non-embedding parameter counts, training tokens (published, 3 significant figures, and derived",
        "  exact), tokens per parameter, training FLOPs (two published versions), Pile test cross-entropy in",
        "  nats/token (two published versions: `pile_loss_hf_card`, `pile_loss_modelzoo_readme`), and the",
        "  0-shot (`zs_*`, plus the published average) and 5-shot (`fs_*`) accuracies on LAMBADA, HellaSwag,",
        "  PIQA, WinoGrande, ARC-Easy, ARC-Challenge and OpenBookQA, as fractions in [0, 1].",
        f"- `pythia_models.csv`: {len(facts['pythia_models'])} Pythia models, 8 sizes each trained on the "
        "standard and on",
        "  the deduplicated Pile (`deduped` 0/1), with total and non-embedding parameter counts and",
        "  training tokens.",
        f"- `pythia_final.csv`: {len(final)} rows, EleutherAI's evaluations of the final checkpoint",
        f"  (step {FINAL_STEP}) on the 8 core tasks (lambada_openai, piqa, winogrande, arc_easy,",
        "  arc_challenge, sciq, logiqa, wsc), 0- and 5-shot, metrics acc, acc_norm (where reported) and",
        "  LAMBADA perplexity `ppl`, each with its standard error. MMLU and CrowS-Pairs are left out.",
        f"- `pythia_trajectory.csv`: {facts['n_traj']} rows, the same tasks at every published checkpoint,",
        f"  metric acc plus LAMBADA ppl: 0-shot at {len(s0)} checkpoints (steps {s0[0]}-{s0[-1]}),",
        f"  5-shot at {len(s5)} (steps {s5[0]}-{s5[-1]}).",
        "  `tokens_seen_derived` = step x 2,097,152.",
        f"- `benchmarks.csv`: the {len(bench)} tasks used anywhere, with the number of items in the",
        "  evaluated split, the split, the number of answer options and chance accuracy (1/options; 0 for",
        "  LAMBADA, which is open-vocabulary word prediction). Items per task:",
        f"  {bench_txt}.",
        "  For the 8 Pythia tasks the item count is confirmed independently: n = p(1-p)/stderr^2 + 1 is",
        f"  an integer equal to `n_items` for all {facts['implied_n_checked']} final-checkpoint acc results.",
        "- `sources.csv`: one row per (table, column group, source).",
        "",
        "HellaSwag and OpenBookQA appear only in the Cerebras tables: EleutherAI's Pythia JSONs do not",
        "contain them, so only 5 tasks (LAMBADA, PIQA, WinoGrande, ARC-Easy, ARC-Challenge) are shared.",
        "",
        "Check on the derived parameter formula: L x (12 d^2 + 13 d) + 2 d reproduces the published",
        "non-embedding counts of all 16 Pythia models, and for the three shapes both families share it",
        "gives Cerebras-GPT the same numbers:",
        *[f"- {item}" for item in shared_txt.split("; ")],
        "",
        "## Known discrepancies",
        "",
        f"1. **Pile test loss, model card vs modelzoo README.** The two Cerebras sources differ for {n_diff}",
        f"   of {len(cer)} models:",
        *pile_lines,
        f"   They agree for {' and '.join(same)}. Our table carries both columns, unchanged, and does not",
        "   choose between them. `pile_loss_hf_card` comes from the card published with the weights; the",
        "   modelzoo values are reported by third parties to be the ones in the arXiv paper, which could",
        "   not be checked. Loss fits should name the column they use and report the other as a",
        "   sensitivity check.",
        "2. **Training FLOPs.** The card's tables (both 0-shot and training) and the modelzoo README's",
        "   evaluation tables give one set of values (`train_flops`); the modelzoo README's training table",
        "   gives lower ones (`train_flops_modelzoo_training_table`):",
        *flop_lines,
        "   Both exceed 6ND (with our derived N and D) by a factor that shrinks with size; neither source",
        "   documents how FLOPs were counted. We carry both; `train_flops` is the version found in three of",
        "   the four published tables. Analyses that need compute should say whether they use a published",
        "   column or 6ND.",
        "3. **Cerebras-GPT 2.7B attention heads.**",
        *head_lines,
        "   The card and the `2p7b.yaml` config (32 heads) agree with each other; the README table is the odd",
        "   one out. Our tables carry no head counts: the parameter formula depends only on layers and",
        "   d_model, which all sources agree on, so the derived counts are unaffected.",
        "4. **Pythia configuration files.** As recorded in the raw PROVENANCE.md (the config files are not",
        "   among our inputs), EleutherAI's `models/` configs disagree with the README in two places:",
        "   `pythia-12b-deduped.yml` has 40 layers and 36 heads (README and the non-deduped config: 36",
        "   layers, 40 heads), and `pythia-1b.yml` has learning rate 0.00025 and fp16 (README: 3.0e-4,",
        "   bf16). We follow the README; our tables carry no architecture columns, and the README shapes",
        "   reproduce the published parameter counts through the formula above.",
        "5. **Cerebras' own evaluations of Pythia are not used.** The modelzoo README also reports Pythia",
        "   accuracies and Pile losses measured by Cerebras, from before EleutherAI's v1 re-release. They",
        "   do not match EleutherAI's v1 JSONs (0-shot, final checkpoint, acc):",
        *cmp_lines,
        "   All Pythia accuracies in our tables come from EleutherAI's JSONs. The two sets must not be",
        "   mixed in one fit. As a consequence we have no Pile test loss for Pythia.",
        f"6. **Pythia-12B parameter count.** Our table carries {int(p12['params_total']):,} total and "
        f"{int(p12['params_nonembedding']):,}",
        "   non-embedding parameters (model card table). A third-party note quotes 11,846,072,448 for the",
        "   total, but every copy of the card consulted during extraction gives the value we carry, and it",
        "   is internally consistent: total minus non-embedding",
        f"   = 2 x {v12:,} x {d12:,} (untied input and output embeddings, vocabulary padded to a multiple",
        f"   of 128; the padded vocabulary sizes across Pythia are {', '.join(f'{v:,}' for v in vocab_sizes)}).",
        "7. **What the Cerebras accuracies measure.** Neither Cerebras source says whether acc or acc_norm",
        "   is reported, nor which LAMBADA variant; `benchmarks.csv` assumes the harness defaults",
        "   (lambada_openai, default splits). `params_nominal` is a rounded label, not a parameter count;",
        "   use the `_derived` counts where exact N matters.",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def merged_checksums(out_dir: Path, new: dict[str, str]) -> dict[str, str]:
    """Entries for SHA256SUMS: the files written now, every other registered table present in
    `out_dir` (validated first, e.g. the hand-transcribed paper_claims.csv), and any other
    existing entry whose file still exists (tables owned by other curation scripts)."""
    entries: dict[str, str] = {}
    sums = out_dir / CHECKSUMS.name
    if sums.exists():
        for name, digest in read_checksums(sums).items():
            if (out_dir / name).exists():
                entries[name] = digest
    for name, table in REGISTRY.items():
        path = out_dir / table.filename
        if table.filename not in new and path.exists():
            load_table(name, out_dir)
            entries[table.filename] = hashlib.sha256(path.read_bytes()).hexdigest()
    entries.update(new)
    return dict(sorted(entries.items()))


def curate(raw_dir: Path, out_dir: Path) -> list[Path]:
    """Build every curated file in memory, run the cross-checks, validate, then write them."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    check(raw_dir.is_dir(), f"raw folder not found: {raw_dir}")
    check((raw_dir / "PROVENANCE.md").is_file(), f"{raw_dir} has no PROVENANCE.md; is it the cerebras_pythia folder?")
    facts: dict = {}
    cer = curate_cerebras(raw_dir, facts)
    models = curate_pythia_models(raw_dir, facts)
    final, traj = curate_pythia_results(raw_dir, models, facts)
    bench = curate_benchmarks(raw_dir, final, facts)
    texts = {
        "cerebras_gpt.csv": csv_text(CEREBRAS_COLUMNS, cer),
        "pythia_models.csv": csv_text(PYTHIA_MODEL_COLUMNS, models),
        "pythia_final.csv": csv_text(FINAL_COLUMNS, final),
        "pythia_trajectory.csv": csv_text(TRAJ_COLUMNS, traj),
        "benchmarks.csv": csv_text(BENCH_COLUMNS, bench),
        "sources.csv": csv_text(SOURCES_COLUMNS, sources_rows(facts)),
    }
    check(len(texts["pythia_trajectory.csv"].encode()) < MAX_PLAIN_BYTES,
          "pythia_trajectory.csv exceeds 2 MB; switch it to .csv.gz (gzip, mtime=0) here and in the schema")
    for name, filename in TABLE_FILES.items():
        check(REGISTRY[name].filename == filename, f"schema filename for {name} is {REGISTRY[name].filename}")
        check(list(REGISTRY[name].column_names) == texts[filename].split("\n", 1)[0].split(","),
              f"{filename}: header differs from the schema in analysis/core/data.py")
    notes = sources_md(raw_dir, facts)

    written = write_curated(out_dir, texts)   # validated against the schemas before anything is written
    write_text(out_dir / NOTES_FILE, notes)
    written.append(out_dir / NOTES_FILE)
    entries = merged_checksums(out_dir, {f: sha256_text(t) for f, t in texts.items()})
    write_text(out_dir / CHECKSUMS.name, "".join(f"{digest}  {name}\n" for name, digest in entries.items()))
    written.append(out_dir / CHECKSUMS.name)

    # the files written must match their checksums
    listed = read_checksums(out_dir / CHECKSUMS.name)
    for filename in texts:
        digest = hashlib.sha256((out_dir / filename).read_bytes()).hexdigest()
        check(listed[filename] == digest, f"{filename}: written bytes do not match SHA256SUMS")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("raw_dir", type=Path, help="the raw cerebras_pythia folder (with PROVENANCE.md)")
    parser.add_argument("--out", type=Path, default=DATA, help="output folder (default: the repository's data/)")
    args = parser.parse_args(argv)
    try:
        written = curate(args.raw_dir, args.out)
    except (CurationError, DataError) as exc:
        print(f"curate.py: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
