"""Schemas of curated related-work tables (registered into `data.REGISTRY`).

Tables written by `data/curate_related.py` from Gadre et al. (2024), Lourie et al. (2025) and
Ruan et al. (2024); see the raw PROVENANCE.md files for sources and column meanings. Also the
hand-transcribed `published_comparisons.csv`: every third-party number a result is compared
against, with its work and the place it is printed (read with `load_published`).
"""
from __future__ import annotations

import numpy as np

from .table_schema import (Column, TableSchema, below_chance, cross_check, expect_sequence, first_true,
                   label_value, load_table, near_chance_reason, nonneg_int, positive, positive_int, probability,
                   register, text)

_LOSS_SPLITS = ("c4_val", "openlm", "paloma_c4_en", "paloma_dolma_100_programing_languages",
                "paloma_falcon-refinedweb", "paloma_ptb", "paloma_redpajama", "val_de-en_100")
LOURIE_CATEGORIES = ("predictable", "inverse", "nonmonotonic", "noisy", "trendless", "breakthrough")

# Published facts (raw PROVENANCE.md files: gadre2024_overtraining, lourie2025_reality_check,
# obsscaling_ruan2024).
GADRE_N_MODELS = 104  # 95 small-config runs + 3 + 3 open_lm_1b + 3 open_lm_7b
GADRE_N_TASKS = 46
# Gadre et al.'s 17-task split (the repository's SUBSET).
GADRE_SUBSET17 = ("arc_easy", "bigbench_cs_algorithms", "bigbench_dyck_languages", "bigbench_novel_concepts",
                  "bigbench_operators", "bigbench_qa_wikidata", "boolq", "commonsense_qa", "copa", "coqa",
                  "hellaswag", "hellaswag_zeroshot", "lambada_openai", "piqa", "pubmed_qa_labeled", "squad",
                  "winograd")
# Lourie et al. (2025) category counts; 18/46 = the paper's headline "39%" predictable.
LOURIE_CATEGORY_COUNTS = {"predictable": 18, "trendless": 9, "noisy": 7, "nonmonotonic": 6, "inverse": 4,
                          "breakthrough": 2}
OBS_SET_COUNTS = {"main": 77, "preregistered": 20, "misc": 51}
# The 21 families of the paper's main set (Sec. 3-5, Table B.1; the repo's EVAL_BASE_MODEL_FAMILY_MAP).
OBS_MAIN_FAMILIES = ("Llama-2", "Llama", "Llama-3", "Qwen1.5", "Qwen", "Mistral", "Mixtral", "Yi", "Gemma", "Falcon",
                     "Phi", "Pythia", "BLOOM", "GPT-Neo/J", "OPT", "MPT", "XGLM", "CodeLlama", "StarCoder",
                     "StarCoder2", "DeepSeek-Coder")
# Chance accuracy of the ObsScaling benchmark columns: 4-way (MMLU, ARC-C, HellaSwag), binary
# (WinoGrande, XWinograd), generation scored by exact match / pass@1 (0). TruthfulQA MC2 is a
# probability mass whose chance value depends on each item's answer counts: no rule beyond [0, 1].
OBS_CHANCE = {"mmlu_acc": 0.25, "arc_c_acc": 0.25, "hellaswag_acc": 0.25, "winogrande_acc": 0.5,
              "xwinograd_acc": 0.5, "gsm8k_exact_match": 0.0, "humaneval_pass1": 0.0}
# Ratios stored as floats (M = D/N, multiplier = M/20, 6ND, ObsScaling's FLOPs = 6 N D) equal their
# parts up to float rounding; real largest relative deviation 3.7e-16 (ObsScaling), 0 (Gadre).
RATIO_REL_TOL = 1e-9
# Validation loss falls strictly with N at fixed corpus and token multiplier on every split except
# Paloma's code split, where C4/RedPajama/RefinedWeb models do not improve with size (real: rises
# up to 0.44 nats, c4_original d=1024 at M=16); real smallest fall on the other splits 0.025 nats (PTB).
GADRE_SIZE_ORDER_SPLITS = tuple(s for s in _LOSS_SPLITS if s != "paloma_dolma_100_programing_languages")
# ObsScaling lists Pythia and Cerebras-GPT (published twice with our tables): sizes are the same labels;
# tokens are ObsScaling's 20 x label for Cerebras-GPT (real: 1.9% from the card's count for 2.7B) and
# 0.3T for Pythia (0.04%). 2.5% admits these; a wrong unit or another model's value is >= 2x off.
OBS_TOKENS_REL_TOL = 0.025
OBS_FAMILY_TABLE = {"Cerebras-GPT": "cerebras_gpt", "Pythia": "pythia_models"}


def _rel_diff(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


def _gadre_row(row):
    expected = 6.0 * row["params_count"] * row["train_tokens"]
    if abs(row["train_flops_6ND"] - expected) > 1e-6 * expected:
        return "train_flops_6ND", f"{row['train_flops_6ND']} != 6 N D = {expected:g}"
    if not row["params_no_embed_count"] < row["params_count"]:
        return "params_no_embed_count", (f"{row['params_no_embed_count']} is not below params_count "
                                         f"{row['params_count']}")
    m = row["train_tokens"] / row["params_count"]
    if _rel_diff(row["tokens_per_param_M"], m) > RATIO_REL_TOL:
        return "tokens_per_param_M", (f"{row['tokens_per_param_M']!r} is not train_tokens / params_count "
                                      f"(expected {m!r})")
    if _rel_diff(row["chinchilla_multiplier"], row["tokens_per_param_M"] / 20) > RATIO_REL_TOL:
        return "chinchilla_multiplier", (f"{row['chinchilla_multiplier']!r} is not tokens_per_param_M / 20 "
                                         f"(expected {row['tokens_per_param_M'] / 20!r})")
    name = f"{row['corpus']}-{row['model_config']}-{row['chinchilla_multiplier']!r}"
    if row["model"] != name:
        return "model", f"{row['model']!r} does not match its corpus, config and multiplier (expected {name!r})"
    return None


def _gadre_models_table(frame):
    if len(frame) != GADRE_N_MODELS:
        pos = min(len(frame), GADRE_N_MODELS)
        return pos, "model", f"{len(frame)} models (expected the {GADRE_N_MODELS} published runs)"
    for c in ("params_count", "params_no_embed_count"):
        first = frame.groupby("model_config")[c].transform("first")
        pos = first_true(frame[c] != first)
        if pos is not None:
            return pos, c, (f"{frame[c].iloc[pos]} differs from {first.iloc[pos]} of the other "
                            f"{frame['model_config'].iloc[pos]} runs (expected one count per model_config)")
    for split in GADRE_SIZE_ORDER_SPLITS:
        col = f"loss_{split}_nats_per_token"
        for _, g in frame.groupby(["corpus", "chinchilla_multiplier"]):
            g = g.sort_values("params_count")
            pos = first_true(np.diff(g[col].to_numpy()) >= 0)
            if pos is not None:
                return int(g.index[pos + 1]), col, (
                    f"loss {g[col].iloc[pos + 1]:.4f} of {g['model'].iloc[pos + 1]} is not below "
                    f"{g[col].iloc[pos]:.4f} of the smaller {g['model'].iloc[pos]} (expected to fall with N "
                    f"at fixed corpus and multiplier)")
    return None


def _gadre_task_row(row):
    if row["in_gadre_subset17"] != int(row["task"] in GADRE_SUBSET17):
        return "in_gadre_subset17", (f"{row['in_gadre_subset17']} (expected {int(row['task'] in GADRE_SUBSET17)}: "
                                     f"Gadre et al.'s 17-task SUBSET)")
    pct = row["random_baseline_acc_pct"]
    if 0 < pct < 1:
        return "random_baseline_acc_pct", (f"{pct!r} looks like a fraction "
                                           f"(expected a percentage, e.g. 25 for 4 options)")
    return None


def _gadre_task_info_table(frame):
    if len(frame) != GADRE_N_TASKS:
        return min(len(frame), GADRE_N_TASKS), "task", (f"{len(frame)} tasks "
                                                        f"(expected the {GADRE_N_TASKS} evaluated tasks)")
    for cat, n in LOURIE_CATEGORY_COUNTS.items():
        rows = np.flatnonzero(frame["lourie_category"] == cat)
        if len(rows) > n:
            return int(rows[n]), "lourie_category", (f"{len(rows)} tasks labelled {cat!r} "
                                                     f"(expected {n}, Lourie et al. 2025)")
    return None  # with 46 tasks and no category above its count, every count is exact


def _main_flag(row):
    if row["in_main_set"] != int(row["model_set"] == "main"):
        return "in_main_set", "must be 1 exactly when model_set is 'main'"
    if row["model_set"] == "main" and row["family"] not in OBS_MAIN_FAMILIES:
        return "family", (f"{row['family']!r} is not one of the paper's {len(OBS_MAIN_FAMILIES)} main-set families "
                          f"(expected one of them)")
    return None


def _obs_row(row):
    tokens, flops = row["train_tokens_trillion"], row["train_flops_1e21"]  # None = empty cell
    if (tokens is None) != (flops is None):
        return "train_flops_1e21", "given without train_tokens_trillion or vice versa (expected both or neither)"
    if flops is not None:
        expected = 6 * row["params_billion"] * tokens  # 1e9 x 1e12 x 6 = 6e21
        if _rel_diff(flops, expected) > RATIO_REL_TOL:
            return "train_flops_1e21", (f"{flops!r} is not 6 x params_billion x train_tokens_trillion "
                                        f"(expected {expected!r})")
    return None


def _obs_table(frame):
    for cat, n in OBS_SET_COUNTS.items():
        rows = np.flatnonzero(frame["model_set"] == cat)
        if len(rows) > n:
            return int(rows[n]), "model_set", f"{len(rows)} models in set {cat!r} (expected {n}, Ruan et al. 2024)"
        if len(rows) < n:
            return len(frame), "model_set", f"only {len(rows)} models in set {cat!r} (expected {n}, Ruan et al. 2024)"
    present = set(frame.loc[frame["model_set"] == "main", "family"])
    missing = [f for f in OBS_MAIN_FAMILIES if f not in present]
    if missing:
        return len(frame), "family", (f"no main-set model of family {', '.join(missing)} "
                                      f"(expected all {len(OBS_MAIN_FAMILIES)} families)")
    for col, chance in OBS_CHANCE.items():
        pos = below_chance(frame[col].fillna(1.0), chance)
        if pos is not None:
            return pos, col, near_chance_reason(frame[col].iloc[pos], chance, col)
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
    row_checks=(_gadre_row,),
    table_checks=(_gadre_models_table,),
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
    row_checks=(_gadre_task_row,),
    table_checks=(_gadre_task_info_table,),
))

_BENCH = ("mmlu_acc", "arc_c_acc", "hellaswag_acc", "winogrande_acc", "truthfulqa_mc2",
          "gsm8k_exact_match", "xwinograd_acc", "humaneval_pass1")


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
    row_checks=(_main_flag, _obs_row),
    table_checks=(_obs_table,),
))


# --------------------------------------------------------------------------- published comparisons
# Ids of the works in published_comparisons.csv; a quantity is named "<source id>.<name>". The raw_*
# ids are the raw folders' PROVENANCE.md files (the data collector's re-fits, printed there).
PUBLISHED_SOURCE_IDS = ("gadre2024", "lourie2025", "ruan2024", "raw_gadre2024", "raw_ruan2024")
# The quantities the analysis compares against (x7_reality_check, x8_observational).
PUBLISHED_QUANTITIES = (
    "gadre2024.rel_err.err_b1_m640", "gadre2024.rel_err.err_b7_m20", "gadre2024.rel_err.loss_b1_m640",
    "gadre2024.rel_err.loss_b7_m20", "lourie2025.n_predictable", "raw_gadre2024.err_law_k", "raw_ruan2024.pca_top3",
    "ruan2024.family_r2_min", "ruan2024.n_main_families", "ruan2024.n_main_models", "ruan2024.pca_pc1",
    "ruan2024.pca_top3",
)
COUNT_UNITS = ("tasks", "models", "families")   # values in these units are whole numbers (read as int)


def _published_row(row):
    sid = row["source_id"]
    if not row["quantity"].startswith(sid + "."):
        return "quantity", f"{row['quantity']!r} is not named after its source (expected '{sid}.<name>')"
    value = row["value"]
    if row["unit"] in COUNT_UNITS and value != int(value):
        return "value", f"{value!r} {row['unit']} (expected a whole number)"
    if row["unit"].startswith("%") and not 0 <= value <= 100:
        return "value", f"{value!r} {row['unit']} (expected a percentage in [0, 100])"
    return None


def _published_table(frame):
    problem = expect_sequence(frame["quantity"].tolist(), list(PUBLISHED_QUANTITIES), lambda v: f"quantity {v}")
    if problem:
        return problem[0], "quantity", problem[1] + " (expected every quantity the analysis compares against)"
    first = frame.groupby("source_id")["source"].transform("first")
    pos = first_true(frame["source"] != first)
    if pos is not None:
        return pos, "source", (f"{frame['source'].iloc[pos]!r} differs from {first.iloc[pos]!r} of the other "
                               f"{frame['source_id'].iloc[pos]} rows (expected one citation per source id)")
    return None


register(TableSchema(
    name="published_comparisons",
    filename="published_comparisons.csv",
    description="Third-party numbers the results are compared against: value as printed, unit, work and place "
                "(section, table, figure or notebook cell).",
    columns=(
        text("quantity", "<source id>.<name>, the name the analysis reads"),
        Column("value", "float", doc="as printed (a percentage in percent)"),
        text("unit"),
        text("source_id", choices=PUBLISHED_SOURCE_IDS),
        text("source", "the work: authors, year, arXiv id; repository and commit for code outputs"),
        text("location", "the exact place in the source"),
        text("note", nullable=True),
    ),
    key=("quantity",),
    sort_by=("quantity",),
    row_checks=(_published_row,),
    table_checks=(_published_table,),
))


def published_values(frame) -> dict[str, float | int]:
    """quantity -> value of published_comparisons (int for counts, else float)."""
    return {q: int(v) if u in COUNT_UNITS else float(v)
            for q, v, u in zip(frame["quantity"], frame["value"], frame["unit"])}


def load_published(data_dir=None) -> dict[str, float | int]:
    """The validated published comparisons as {quantity: value}."""
    return published_values(load_table("published_comparisons", data_dir))


@cross_check("published_comparisons", "gadre_task_info", "obsscaling_models")
def _published_counts_match_tables(t):
    """Published counts against the curated tables that carry the same sets (labels, main set)."""
    pub = t["published_comparisons"]
    info, obs = t["gadre_task_info"], t["obsscaling_models"]
    main = obs[obs["model_set"] == "main"]
    counted = {"lourie2025.n_predictable": (int((info["lourie_category"] == "predictable").sum()),
                                            "gadre_task_info.csv tasks labelled 'predictable'"),
               "ruan2024.n_main_models": (len(main), "obsscaling_models.csv models in set 'main'"),
               "ruan2024.n_main_families": (int(main["family"].nunique()), "obsscaling_models.csv main-set families")}
    for pos, (quantity, value) in enumerate(zip(pub["quantity"], pub["value"])):
        if quantity in counted and value != counted[quantity][0]:
            got, what = counted[quantity]
            return "published_comparisons", pos, "value", (f"{value:g} for {quantity}, but {what}: {got} "
                                                           f"(expected equal)")
    return None


@cross_check("gadre_models", "gadre_task_info", "gadre_tasks")
def _gadre_grid(t):
    """gadre_tasks has one accuracy for every model x task, and none far below the task's random baseline."""
    long = t["gadre_tasks"]
    expected = [(m, k) for m in t["gadre_models"]["model"] for k in t["gadre_task_info"]["task"]]
    found = list(zip(long["model"], long["task"]))
    problem = expect_sequence(found, expected, lambda v: f"result model={v[0]}, task={v[1]}")
    if problem:
        pos = problem[0]
        column = "task" if pos < len(found) and found[pos][0] == expected[min(pos, len(expected) - 1)][0] else "model"
        return "gadre_tasks", pos, column, problem[1] + " (expected every gadre_models model x gadre_task_info task)"
    info = t["gadre_task_info"]
    chance = long["task"].map(dict(zip(info["task"], info["random_baseline_acc_pct"] / 100)))
    pos = below_chance(long["accuracy_fraction"], chance)
    if pos is not None:
        return "gadre_tasks", pos, "accuracy_fraction", near_chance_reason(
            long["accuracy_fraction"].iloc[pos], chance.iloc[pos], long["task"].iloc[pos])
    return None


@cross_check("obsscaling_models", "cerebras_gpt", "pythia_models")
def _obs_against_core(t):
    """ObsScaling's Pythia and Cerebras-GPT rows against the sizes and tokens of our own tables."""
    obs = t["obsscaling_models"]
    cer = t["cerebras_gpt"].set_index("model")
    py = t["pythia_models"].set_index("model")
    for pos in np.flatnonzero(obs["family"].isin(list(OBS_FAMILY_TABLE))):
        row = obs.iloc[pos]
        name = row["model"].split("/", 1)[-1]
        ours = cer if row["family"] == "Cerebras-GPT" else py
        if name not in ours.index:
            return "obsscaling_models", int(pos), "model", (
                f"{row['model']!r} has no row in {OBS_FAMILY_TABLE[row['family']]}.csv (expected one of its models)")
        label = ours.loc[name, "params_label" if ours is cer else "size_label"]
        tokens = ours.loc[name, "train_tokens"]
        if _rel_diff(row["params_billion"] * 1e9, label_value(label)) > RATIO_REL_TOL:
            return "obsscaling_models", int(pos), "params_billion", (
                f"{float(row['params_billion'])!r} for {name} "
                f"(expected {label_value(label) / 1e9:g}, its size label {label})")
        gap = _rel_diff(row["train_tokens_trillion"] * 1e12, tokens)
        if gap > OBS_TOKENS_REL_TOL:
            return "obsscaling_models", int(pos), "train_tokens_trillion", (
                f"{float(row['train_tokens_trillion'])!r} for {name} is {gap:.1%} "
                f"from the published {tokens:.3g} tokens (expected within {OBS_TOKENS_REL_TOL:.1%})")
    return None
