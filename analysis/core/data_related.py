"""Schemas of curated related-work tables (registered into `data.REGISTRY`).

Tables written by `data/curate_related.py` from Gadre et al. (2024), Lourie et al. (2025) and
Ruan et al. (2024); see the raw PROVENANCE.md files for sources and column meanings.
"""
from __future__ import annotations

from .data import Column, TableSchema, nonneg_int, positive, positive_int, probability, register, text

_LOSS_SPLITS = ("c4_val", "openlm", "paloma_c4_en", "paloma_dolma_100_programing_languages",
                "paloma_falcon-refinedweb", "paloma_ptb", "paloma_redpajama", "val_de-en_100")
LOURIE_CATEGORIES = ("predictable", "inverse", "nonmonotonic", "noisy", "trendless", "breakthrough")


def _flops(row):
    expected = 6.0 * row["params_count"] * row["train_tokens"]
    if abs(row["train_flops_6ND"] - expected) > 1e-6 * expected:
        return "train_flops_6ND", f"{row['train_flops_6ND']} != 6 N D = {expected:g}"
    return None


register(TableSchema(
    name="gadre_models",
    filename="gadre_models.csv",
    description="Gadre et al. (2024) 104 open_lm models: corpus, N, D, M = D/N, 6ND and 8 validation losses.",
    columns=(
        text("model", "run name {corpus}-{config}-{chinchilla multiplier}"),
        text("corpus", choices=("c4_original", "rpj", "rw_original")),
        text("model_config"),
        positive_int("params_count", "N, parameters incl. embeddings"),
        positive_int("params_no_embed_count"),
        positive_int("train_tokens", "D, tokens"),
        positive("tokens_per_param_M", "M = D / N"),
        positive("chinchilla_multiplier", "D / (20 N)"),
        positive("train_flops_6ND", "FLOPs"),
    ) + tuple(positive(f"loss_{s}_nats_per_token", f"mean cross-entropy on {s}") for s in _LOSS_SPLITS),
    key=("model",),
    sort_by=("model",),
    row_checks=(_flops,),
))

register(TableSchema(
    name="gadre_tasks",
    filename="gadre_tasks.csv",
    description="Gadre et al. (2024): accuracy of each of the 104 models on each of the 46 tasks (long form).",
    columns=(text("model"), text("task"), probability("accuracy_fraction", "top-1 error = 1 - accuracy")),
    key=("model", "task"),
    sort_by=("model", "task"),
))

register(TableSchema(
    name="gadre_task_info",
    filename="gadre_task_info.csv",
    description="The 46 Gadre et al. tasks: metadata, 17-task subset flag, Lourie et al. (2025) category "
                "(unverified transcription).",
    columns=(
        text("task"),
        text("gadre_category"),
        text("task_type"),
        nonneg_int("num_shots"),
        positive_int("n_items"),
        Column("random_baseline_acc_pct", "float", lo=0, hi=100, doc="chance accuracy in percent"),
        Column("in_gadre_subset17", "int", choices=(0, 1)),
        text("lourie_category", choices=LOURIE_CATEGORIES),
        text("lourie_label_status"),
        text("source"),
    ),
    key=("task",),
    sort_by=("task",),
))

_BENCH = ("mmlu_acc", "arc_c_acc", "hellaswag_acc", "winogrande_acc", "truthfulqa_mc2",
          "gsm8k_exact_match", "xwinograd_acc", "humaneval_pass1")


def _main_flag(row):
    if row["in_main_set"] != int(row["model_set"] == "main"):
        return "in_main_set", "must be 1 exactly when model_set is 'main'"
    return None


register(TableSchema(
    name="obsscaling_models",
    filename="obsscaling_models.csv",
    description="Ruan et al. (2024) base-LLM table: size, tokens, FLOPs and the 8 standard benchmarks; "
                "model_set = main (77, paper Sec. 3-5) / preregistered (20) / misc (51).",
    columns=(
        text("model"),
        text("family"),
        positive("params_billion"),
        positive("train_tokens_trillion", nullable=True),
        positive("train_flops_1e21", nullable=True),
    ) + tuple(probability(b, nullable=True) for b in _BENCH) + (
        text("model_set", choices=("main", "preregistered", "misc")),
        Column("in_main_set", "int", choices=(0, 1)),
    ),
    key=("model",),
    sort_by=("family", "model"),
    row_checks=(_main_flag,),
))
