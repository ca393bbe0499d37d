#!/usr/bin/env python
"""Maintainer script: curate the related-work tables (Gadre et al. 2024, Lourie et al. 2025,
Ruan et al. 2024) from the raw published folders.

    python -m data.curate_related /work/shared/data/raw [--out data]     (from the repository root)

Writes (values copied as the published strings; units in the column names):
  gadre_models.csv       104 Gadre et al. models: identifiers, N, D, M = D/N, 6ND, validation losses
  gadre_tasks.csv        long form (model, task, accuracy): the 46 downstream accuracies
  gadre_task_info.csv    46 tasks: Gadre metadata, 17-task subset flag, Lourie et al. category
                         (UNVERIFIED second-hand transcription, see the raw PROVENANCE.md)
  obsscaling_models.csv  Ruan et al. base-LLM benchmark table with the main-set flag
Every table is validated against its schema before anything is written, and each file is written
atomically (`analysis.core.data.write_curated`); then SHA256SUMS is rewritten, keeping the sum of every other registered
table present, e.g. the hand-transcribed published_comparisons.csv (the third-party numbers the
analysis compares against; schema and rules in analysis/core/data_related.py).
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from analysis.core import data
from analysis.core.paths import DATA

GADRE_DIR = "gadre2024_overtraining"
GADRE_CSV = "gadre2024_104models_loss_and_46task_accuracy.csv"
LOURIE_CSV = "lourie2025_reality_check/lourie2025_gadre46_task_classification.csv"
OBS_CSV = "obsscaling_ruan2024/base_llm_benchmark_eval.csv"

LOSS_SPLITS = ("c4_val", "openlm", "paloma_c4_en", "paloma_dolma_100_programing_languages",
               "paloma_falcon-refinedweb", "paloma_ptb", "paloma_redpajama", "val_de-en_100")

# the paper's "17-task split" (repository `SUBSET`, raw PROVENANCE.md)
GADRE_SUBSET17 = ("bigbench_operators", "pubmed_qa_labeled", "hellaswag_zeroshot", "boolq", "arc_easy", "coqa",
                  "bigbench_dyck_languages", "lambada_openai", "bigbench_novel_concepts", "winograd",
                  "bigbench_cs_algorithms", "commonsense_qa", "bigbench_qa_wikidata", "hellaswag", "copa",
                  "squad", "piqa")

# Ruan et al.: the 21 families of EVAL_BASE_MODEL_FAMILY_MAP (paper's main set) ...
OBS_MAIN_FAMILIES = ("Llama-2", "Llama", "Llama-3", "Qwen1.5", "Qwen", "Mistral", "Mixtral", "Yi", "Gemma",
                     "Falcon", "Phi", "Pythia", "BLOOM", "GPT-Neo/J", "OPT", "MPT", "XGLM", "CodeLlama",
                     "StarCoder", "StarCoder2", "DeepSeek-Coder")
# ... minus the 20 preregistered test models (PREREGISTERED_BASE_MODEL_MAP)
OBS_PREREGISTERED = ("meta-llama/Meta-Llama-3.1-8B", "meta-llama/Meta-Llama-3.1-70B",
                     "meta-llama/Meta-Llama-3.1-405B-FP8", "Qwen/Qwen1.5-110B", "Qwen/Qwen2-0.5B",
                     "Qwen/Qwen2-1.5B", "Qwen/Qwen2-7B", "Qwen/Qwen2-57B-A14B", "Qwen/Qwen2-72B",
                     "deepseek-ai/DeepSeek-V2", "deepseek-ai/DeepSeek-Coder-V2-Base", "google/gemma-2-2b",
                     "google/gemma-2-9b", "google/gemma-2-27b", "mistralai/Mixtral-8x22B-v0.1",
                     "mistralai/Mistral-Nemo-Base-2407", "01-ai/Yi-1.5-6B", "01-ai/Yi-1.5-9B", "01-ai/Yi-1.5-34B",
                     "ai21labs/Jamba-v0.1")
OBS_BENCH = ("MMLU", "ARC-C", "HellaSwag", "Winograd", "TruthfulQA", "GSM8K", "XWinograd", "HumanEval")
OBS_BENCH_COLS = ("mmlu_acc", "arc_c_acc", "hellaswag_acc", "winogrande_acc", "truthfulqa_mc2",
                  "gsm8k_exact_match", "xwinograd_acc", "humaneval_pass1")

LOURIE_STATUS = "unverified third-party transcription of Lourie et al. Figs. 5-10"


def _read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


class CurationError(RuntimeError):
    """The raw folder does not have the shape this script was written for."""


def _csv_text(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def curate(raw: Path, out: Path) -> list[Path]:
    raw, out = Path(raw), Path(out)
    texts: dict[str, str] = {}
    gadre = _read(raw / GADRE_DIR / GADRE_CSV)
    if len(gadre) != 104:
        raise CurationError(f"expected 104 Gadre models, found {len(gadre)}")
    tasks = sorted(k[4:] for k in gadre[0] if k.startswith("acc_"))
    if len(tasks) != 46:
        raise CurationError(f"expected 46 Gadre tasks, found {len(tasks)}")
    gadre.sort(key=lambda r: r["name"])

    header = ["model", "corpus", "model_config", "params_count", "params_no_embed_count", "train_tokens",
              "tokens_per_param_M", "chinchilla_multiplier", "train_flops_6ND"]
    header += [f"loss_{s}_nats_per_token" for s in LOSS_SPLITS]
    rows = [[r["name"], r["dataset_name"], r["model_config"], r["params"], r["params_no_embed"], r["tokens"],
             r["token_multiplier_M"], r["chinchilla_multiplier"], r["flops_6ND"]] + [r[f"loss_{s}"] for s in LOSS_SPLITS]
            for r in gadre]
    texts["gadre_models.csv"] = _csv_text(header, rows)

    rows = [[r["name"], t, r[f"acc_{t}"]] for r in gadre for t in tasks]
    texts["gadre_tasks.csv"] = _csv_text(["model", "task", "accuracy_fraction"], rows)

    meta = {r["Eval Task"]: r for r in _read(raw / GADRE_DIR / "exp_data" / "eval_metadata.csv")}
    lourie = {r["task"]: r for r in _read(raw / LOURIE_CSV)}
    if set(lourie) != set(tasks):
        raise CurationError("Lourie task list does not match the Gadre task columns")
    rows = []
    for t in tasks:
        m = meta[t]
        rows.append([t, m["Task Category"], m["Task Type"], m["#shots"], m["#datapoints"], m["Random baseline"],
                     int(t in GADRE_SUBSET17), lourie[t]["lourie2025_category"], LOURIE_STATUS,
                     "mlfoundations/scaling exp_data/eval_metadata.csv @79adc263; Lourie: zrobertson466920 blog @62ff0676"])
    texts["gadre_task_info.csv"] = _csv_text(["task", "gadre_category", "task_type", "num_shots", "n_items", "random_baseline_acc_pct",
                         "in_gadre_subset17", "lourie_category", "lourie_label_status", "source"], rows)

    obs = _read(raw / OBS_CSV)
    missing = set(OBS_PREREGISTERED) - {r["Model"] for r in obs}
    if missing:
        raise CurationError(f"preregistered models missing from {OBS_CSV}: {sorted(missing)}")
    rows = []
    for r in sorted(obs, key=lambda r: (r["Model Family"], r["Model"])):
        if r["Model"] in OBS_PREREGISTERED:
            group = "preregistered"
        elif r["Model Family"] in OBS_MAIN_FAMILIES:
            group = "main"
        else:
            group = "misc"
        rows.append([r["Model"], r["Model Family"], r["Model Size (B)"], r["Pretraining Data Size (T)"],
                     r["FLOPs (1E21)"]] + [r[b] for b in OBS_BENCH] + [group, int(group == "main")])
    texts["obsscaling_models.csv"] = _csv_text(["model", "family", "params_billion", "train_tokens_trillion", "train_flops_1e21"]
           + list(OBS_BENCH_COLS) + ["model_set", "in_main_set"], rows)
    written = data.write_curated(out, texts)
    written.append(data.write_checksums(out))
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("raw", type=Path, help="the raw data root (holds gadre2024_overtraining/ etc.)")
    p.add_argument("--out", type=Path, default=DATA, help="output folder (default: the repository's data/)")
    args = p.parse_args(argv)
    try:
        written = curate(args.raw, args.out)
    except (CurationError, data.DataError) as exc:
        print(f"curate_related.py: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
