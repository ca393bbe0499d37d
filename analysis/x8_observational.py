"""Section "Observational scaling" (Ruan, Maddison & Hashimoto 2024): a capability scale from public models.

Data: the 8 standard benchmarks of Ruan et al.'s base-LLM table; the paper's main set of 77
models in 21 families (table column `in_main_set`).

Missing cells (ARC-C 2, HumanEval 4, < 1% of the main set) are imputed as the paper does:
standardise, mean-impute, then iterate a rank-1 PCA reconstruction (clipped to [0, 1]) to
convergence; in the hold-out analysis the imputer is fitted on the training models only.

1. PCA of the 8 benchmarks: variance explained by PC-1 and by the top 3, both centred (the
   paper's choice) and standardised (unit variance per benchmark).
2. Within-family linearity: R^2 of PC-1 against log10 FLOPs, per family with >= 3 models with FLOPs.
3. Hold-out: train = models with FLOPs <= 8.4e22 (Llama-2-7B, the paper's cutoff), test = the rest.
   Each benchmark is predicted by OLS from the top-3 PCs of the OTHER 7 benchmarks (loadings and
   imputer fitted on the training models only: no leak of the target or of test models), and by
   OLS on log10 FLOPs. MAE on the test models that have FLOPs (the compute baseline cannot
   predict the others).
4. Bridge: Cerebras-GPT and Pythia are placed on PC-1 (loadings from the main set, target benchmark
   left out); for HellaSwag, WinoGrande and ARC-C, linear R^2 against PC-1 vs against log10 N.

Published numbers compared against are read from data/published_comparisons.csv.

Outputs: ledger part `x8_observational` (keys `obs.*`), tables `obs_pca`, `obs_family_r2`,
`obs_holdout`, `obs_bridge`, figures `obs_pc1_flops`, `obs_bridge`.
"""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from analysis.core import cli, data, data_related, ols
from analysis.core.figures import PALETTE, save_figure
from analysis.core.ledger import Ledger
from analysis.core.pca import PCA, RankOneImputer
from analysis.core.report import Key, write_table

SCRIPT = "analysis/x8_observational.py"
BENCH = ("mmlu_acc", "arc_c_acc", "hellaswag_acc", "winogrande_acc", "truthfulqa_mc2",
         "gsm8k_exact_match", "xwinograd_acc", "humaneval_pass1")
LABEL = {"mmlu_acc": "MMLU", "arc_c_acc": "ARC-C", "hellaswag_acc": "HellaSwag", "winogrande_acc": "WinoGrande",
         "truthfulqa_mc2": "TruthfulQA", "gsm8k_exact_match": "GSM8K", "xwinograd_acc": "XWinograd",
         "humaneval_pass1": "HumanEval"}
KEYNAME = {b: LABEL[b].lower().replace("-", "_") for b in BENCH}
CUTOFF_1E21 = 84.0          # Llama-2-7B, 8.4e22 FLOPs (paper's default)
K_PCS = 3
FAMILY_MIN_MODELS = 3       # families with fewer models with FLOPs get no within-family R^2
BRIDGE_TASKS = ("hellaswag_acc", "winogrande_acc", "arc_c_acc")
BRIDGE_FAMILIES = ("Cerebras-GPT", "Pythia")
PLOT_LABELLED = ("Pythia", "Llama-2", "OPT", "Qwen1.5", "StarCoder")


def _slug(name: str) -> str:
    return name.lower().replace("-", "_").replace("/", "_").replace(".", "_")


# --------------------------------------------------------------------------- load

@dataclass(frozen=True)
class Benchmarks:
    table: pd.DataFrame         # every model of the ObsScaling base-LLM table
    main_set: pd.DataFrame      # the paper's 77-model main set
    X_raw: np.ndarray           # main set x BENCH, NaN where missing
    flops: np.ndarray           # main set training FLOPs / 1e21 (NaN where unknown)
    published: dict


def load() -> Benchmarks:
    table = data.load_table("obsscaling_models")
    main_set = table[table["in_main_set"] == 1].reset_index(drop=True)
    return Benchmarks(table, main_set, main_set[list(BENCH)].to_numpy(float),
                      main_set["train_flops_1e21"].to_numpy(float), data_related.load_published())


# --------------------------------------------------------------------------- compute

def _others(j: int) -> list[int]:
    return [i for i in range(len(BENCH)) if i != j]


@dataclass(frozen=True)
class PCAResult:
    imputer: RankOneImputer     # fitted on the whole main set
    X: np.ndarray               # imputed main set
    pcas: dict                  # "centred" / "std" -> fitted PCA
    pc1: np.ndarray             # centred PC-1 score of each main-set model


def pca_main_set(b: Benchmarks) -> PCAResult:
    imp = RankOneImputer().fit(b.X_raw)
    X = imp.transform(b.X_raw)
    pcas = {tag: PCA(standardise=std).fit(X) for tag, std in (("centred", False), ("std", True))}
    return PCAResult(imp, X, pcas, pcas["centred"].transform(X, 1)[:, 0])


@dataclass(frozen=True)
class FamilyFit:
    family: str
    n: int
    r2: float


def family_linearity(b: Benchmarks, p: PCAResult) -> list[FamilyFit]:
    """R^2 of PC-1 against log10 FLOPs within each family with enough models with FLOPs."""
    out = []
    for fam in sorted(b.main_set["family"].unique()):
        m = (b.main_set["family"] == fam).to_numpy() & np.isfinite(b.flops)
        if m.sum() < FAMILY_MIN_MODELS:
            continue
        out.append(FamilyFit(fam, int(m.sum()), ols.r2_line(np.log10(b.flops[m]), p.pc1[m])))
    return out


@dataclass(frozen=True)
class Holdout:
    train: np.ndarray
    test: np.ndarray
    test_f: np.ndarray          # test models with FLOPs
    mae_pc: np.ndarray          # per benchmark, accuracy points
    mae_flops: np.ndarray
    n_test: np.ndarray          # test models with FLOPs and a value of the benchmark


def holdout(b: Benchmarks) -> Holdout:
    X_raw, flops = b.X_raw, b.flops
    train = np.isfinite(flops) & (flops <= CUTOFF_1E21)
    test = ~train
    test_f = test & np.isfinite(flops)
    mae_pc, mae_fl, n_test = [], [], []
    for j in range(len(BENCH)):
        others = _others(j)
        imp_tr = RankOneImputer().fit(X_raw[train][:, others])
        Ztr = imp_tr.transform(X_raw[train][:, others])
        Zte = imp_tr.transform(X_raw[test_f][:, others])
        p = PCA().fit(Ztr)
        y = X_raw[:, j]
        ok_tr = train & np.isfinite(y)
        ok_te = np.isfinite(y[test_f])
        Str = p.transform(imp_tr.transform(X_raw[ok_tr][:, others]), K_PCS)
        pred_pc = np.clip(ols.fit_predict(Str, y[ok_tr], p.transform(Zte, K_PCS)), 0.0, 1.0)[ok_te]
        pred_fl = np.clip(ols.fit_predict(np.log10(flops[ok_tr])[:, None], y[ok_tr],
                                          np.log10(flops[test_f])[:, None]), 0.0, 1.0)[ok_te]
        truth = y[test_f][ok_te]
        mae_pc.append(100 * np.mean(np.abs(pred_pc - truth)))
        mae_fl.append(100 * np.mean(np.abs(pred_fl - truth)))
        n_test.append(int(ok_te.sum()))
    return Holdout(train, test, test_f, np.array(mae_pc), np.array(mae_fl), np.array(n_test))


@dataclass(frozen=True)
class BridgeFit:
    family: str
    fi: int                     # family's index in BRIDGE_FAMILIES (its colour)
    task: str
    logn: np.ndarray
    pc1: np.ndarray             # PC-1 of the other 7 benchmarks
    y: np.ndarray
    r2_pc1: float
    r2_logn: float


def bridge(b: Benchmarks, p: PCAResult) -> list[BridgeFit]:
    out = []
    for task in BRIDGE_TASKS:
        jb = BENCH.index(task)
        others = _others(jb)
        pca = PCA().fit(p.imputer.transform(b.X_raw)[:, others])
        for fi, fam in enumerate(BRIDGE_FAMILIES):
            sub = b.table[b.table["family"] == fam]
            if len(sub) < 3:
                continue
            Xs = sub[list(BENCH)].to_numpy(float)
            Xs_f = RankOneImputer().fit(b.X_raw).transform(Xs) if np.isnan(Xs).any() else Xs
            s1 = pca.transform(Xs_f[:, others], 1)[:, 0]
            logn = np.log10(sub["params_billion"].to_numpy(float) * 1e9)
            y = Xs[:, jb]
            out.append(BridgeFit(fam, fi, task, logn, s1, y, ols.r2_line(s1, y), ols.r2_line(logn, y)))
    return out


@dataclass(frozen=True)
class Observational:
    pca: PCAResult
    families: list
    holdout: Holdout
    bridge: list


def compute(b: Benchmarks) -> Observational:
    p = pca_main_set(b)
    return Observational(p, family_linearity(b, p), holdout(b), bridge(b, p))


# --------------------------------------------------------------------------- record

def record(led: Ledger, b: Benchmarks, o: Observational) -> None:
    pub = b.published
    led.add("obs.n_models", len(b.main_set), "int", unit="models")
    led.add("obs.n_families", b.main_set["family"].nunique(), "int", unit="families")
    led.add("obs.n_bench", len(BENCH), "int", unit="benchmarks")
    led.add("obs.k_pcs", K_PCS, "int", unit="components")
    led.add("obs.family.min_models", FAMILY_MIN_MODELS, "int", unit="models")
    led.add("obs.n_main_families_published", pub["ruan2024.n_main_families"], "int", unit="families",
            note="published: Ruan et al. 2024 Table B.1 (77 models, 21 families)")
    led.add("obs.n_models_published", pub["ruan2024.n_main_models"], "int", unit="models",
            note="published: Ruan et al. 2024 Table B.1")
    led.add("obs.n_missing", int(np.isnan(b.X_raw).sum()), "int", unit="cells")
    led.add("obs.pct_missing", 100 * float(np.isnan(b.X_raw).mean()), "pct2", unit="%")

    for tag, p in o.pca.pcas.items():
        for i in range(3):
            led.add(f"obs.pca.{tag}.pc{i + 1}", 100 * p.ratio[i], "pct1", unit="% variance")
        led.add(f"obs.pca.{tag}.top3", 100 * p.ratio[:3].sum(), "pct1", unit="% variance")
    led.add("obs.pca.published.pc1", pub["ruan2024.pca_pc1"], "pct0", unit="% variance",
            note="published: Ruan et al. 2024 Sec. 3.2 ('nearly 80%')")
    led.add("obs.pca.published.top3", pub["ruan2024.pca_top3"], "pct0", unit="% variance",
            note="published: Ruan et al. 2024 Sec. 3.2 (~97%)")
    led.add("obs.pca.provenance_check.top3", pub["raw_ruan2024.pca_top3"], "pct1", unit="% variance", paper=False,
            note="published check in the raw PROVENANCE.md (centred PCA, rank-1 imputation): 0.802/0.119/0.046")

    r2s = np.array([f.r2 for f in o.families])
    for f in o.families:
        led.add(f"obs.family.{_slug(f.family)}.n", f.n, "int", unit="models")
        led.add(f"obs.family.{_slug(f.family)}.r2", f.r2, "f2")
    led.add("obs.family.n_families", len(r2s), "int", unit="families", note="families with >= 3 models with FLOPs")
    led.add("obs.family.median_r2", float(np.median(r2s)), "f2")
    led.add("obs.family.min_r2", float(np.min(r2s)), "f2")
    led.add("obs.family.n_above_09", int(np.sum(r2s > pub["ruan2024.family_r2_min"])), "int", unit="families")
    led.add("obs.family.published_r2", pub["ruan2024.family_r2_min"], "f1",
            note="published: Ruan et al. 2024 Sec. 3.3, R^2 > 0.9")

    h = o.holdout
    led.add("obs.holdout.n_train", int(h.train.sum()), "int", unit="models")
    led.add("obs.holdout.n_test", int(h.test.sum()), "int", unit="models")
    led.add("obs.holdout.n_test_flops", int(h.test_f.sum()), "int", unit="models")
    led.add("obs.holdout.cutoff", CUTOFF_1E21 * 1e21, "e1", unit="FLOPs")
    for j, bench in enumerate(BENCH):
        k = f"obs.holdout.{KEYNAME[bench]}"
        led.add(f"{k}.mae_pc", h.mae_pc[j], "f1", unit="accuracy points")
        led.add(f"{k}.mae_flops", h.mae_flops[j], "f1", unit="accuracy points")
        led.add(f"{k}.n_test", int(h.n_test[j]), "int", unit="models")
    led.add("obs.holdout.mean_mae_pc", float(np.mean(h.mae_pc)), "f1", unit="accuracy points")
    led.add("obs.holdout.mean_mae_flops", float(np.mean(h.mae_flops)), "f1", unit="accuracy points")
    led.add("obs.holdout.n_pc_better", int(np.sum(h.mae_pc < h.mae_flops)), "int", unit="benchmarks")

    for fam in BRIDGE_FAMILIES:
        led.add(f"obs.bridge.{_slug(fam)}.n", int((b.table["family"] == fam).sum()), "int", unit="models")
    for f in o.bridge:
        k = f"obs.bridge.{_slug(f.family)}.{KEYNAME[f.task]}"
        led.add(f"{k}.r2_pc1", f.r2_pc1, "f3")
        led.add(f"{k}.r2_logn", f.r2_logn, "f3")
    led.add("obs.bridge.n_pc1_better", sum(int(f.r2_pc1 > f.r2_logn) for f in o.bridge), "int",
            unit="family-task pairs")
    led.add("obs.bridge.n_pairs", len(o.bridge), "int", unit="family-task pairs")


# --------------------------------------------------------------------------- tables

def write_tables(led: Ledger, o: Observational) -> None:
    def pcs(tag):
        return [Key(f"obs.pca.{tag}.{s}") for s in ("pc1", "pc2", "pc3", "top3")]

    write_table("obs_pca", ["PCA", "PC-1", "PC-2", "PC-3", "top 3"], [
        ["centred (paper)"] + pcs("centred"),
        ["standardised"] + pcs("std"),
        ["published (Ruan et al.)", Key("obs.pca.published.pc1"), "–", "–", Key("obs.pca.published.top3")],
    ], led)
    rows = [[f.family, Key(f"obs.family.{_slug(f.family)}.n"), Key(f"obs.family.{_slug(f.family)}.r2")]
            for f in o.families]
    write_table("obs_family_r2", ["Family", "models", "R² (PC-1 vs log FLOPs)"], rows, led)
    rows = [[LABEL[b]] + [Key(f"obs.holdout.{KEYNAME[b]}.{s}") for s in ("n_test", "mae_pc", "mae_flops")]
            for b in BENCH]
    rows.append(["mean", "", Key("obs.holdout.mean_mae_pc"), Key("obs.holdout.mean_mae_flops")])
    write_table("obs_holdout", ["Benchmark", "test models", "MAE from 3 PCs (pts)", "MAE from log FLOPs (pts)"],
                rows, led)
    rows = [[f.family, LABEL[f.task]] + [Key(f"obs.bridge.{_slug(f.family)}.{KEYNAME[f.task]}.{s}")
                                         for s in ("r2_pc1", "r2_logn")] for f in o.bridge]
    write_table("obs_bridge", ["Family", "Task", "R² vs PC-1", "R² vs log N"], rows, led, align="llrr")


# --------------------------------------------------------------------------- figures

def plot_bridge(o: Observational) -> None:
    fig, axes = plt.subplots(2, len(BRIDGE_TASKS), figsize=(7.0, 4.0))
    for f in o.bridge:
        j = BRIDGE_TASKS.index(f.task)
        axes[0, j].scatter(f.logn, 100 * f.y, color=PALETTE[f.fi], s=14, label=f.family)
        axes[1, j].scatter(f.pc1, 100 * f.y, color=PALETTE[f.fi], s=14, label=f.family)
    for j, task in enumerate(BRIDGE_TASKS):
        axes[0, j].set_title(LABEL[task])
        axes[0, j].set_xlabel("log10 parameters N")
        axes[1, j].set_xlabel("PC-1 of the other 7 benchmarks (a.u.)")
    for ax in axes[:, 0]:
        ax.set_ylabel("accuracy (%)")
    axes[0, 0].legend(frameon=False, fontsize=7)
    fig.tight_layout()
    save_figure(fig, "obs_bridge")


def plot_pc1_flops(b: Benchmarks, o: Observational) -> None:
    flops, pc1 = b.flops, o.pca.pc1
    fig, ax = plt.subplots(figsize=(5.6, 3.2))
    for i, fam in enumerate(sorted(b.main_set["family"].unique())):
        m = (b.main_set["family"] == fam).to_numpy() & np.isfinite(flops)
        if m.sum() == 0:
            continue
        order = np.argsort(flops[m])
        ax.plot(np.log10(flops[m][order] * 1e21), pc1[m][order], marker="o", ms=3, lw=0.8,
                color=PALETTE[i % len(PALETTE)], alpha=1.0 if fam == "Pythia" else 0.55,
                label=fam if fam in PLOT_LABELLED else None)
    cer = b.table[b.table["family"] == "Cerebras-GPT"]
    if len(cer):
        s = o.pca.pcas["centred"].transform(cer[list(BENCH)].to_numpy(float), 1)[:, 0]
        ax.plot(np.log10(cer["train_flops_1e21"].to_numpy(float) * 1e21), s, marker="s", ms=4, color="black",
                lw=1, label="Cerebras-GPT (not in main set)")
    ax.axvline(np.log10(CUTOFF_1E21 * 1e21), color="black", ls=":", lw=0.8)
    ax.set_xlabel("log10 training compute (FLOPs)")
    ax.set_ylabel("PC-1 (centred, a.u.)")
    ax.legend(frameon=False, fontsize=6.5, loc="upper left")
    save_figure(fig, "obs_pc1_flops")


# --------------------------------------------------------------------------- main

def main(argv=None) -> None:
    cli.parser(__doc__).parse_args(argv)
    b = load()
    o = compute(b)
    led = Ledger(SCRIPT)
    record(led, b, o)
    write_tables(led, o)
    plot_bridge(o)
    plot_pc1_flops(b, o)
    led.save()


if __name__ == "__main__":
    main()
