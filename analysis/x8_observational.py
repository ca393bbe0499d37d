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

Outputs: ledger part `x8_observational` (keys `obs.*`), tables `obs_pca`, `obs_family_r2`,
`obs_holdout`, `obs_bridge`, figures `obs_pc1_flops`, `obs_bridge`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from analysis.core import cli, data
from analysis.core.ledger import Ledger
from analysis.core.figures import PALETTE, save_figure
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
BRIDGE_TASKS = ("hellaswag_acc", "winogrande_acc", "arc_c_acc")
BRIDGE_FAMILIES = ("Cerebras-GPT", "Pythia")
PUBLISHED = {"pc1": 80.0, "top3": 97.0}


class Imputer:
    """Rank-1 PCA imputation (Ruan et al. 2024): standardise, mean-impute, iterate."""

    def __init__(self, n_iter: int = 500, tol: float = 1e-10):
        self.n_iter, self.tol = n_iter, tol

    def fit(self, X):
        X = np.asarray(X, float)
        self.mu = np.nanmean(X, axis=0)
        self.sd = np.nanstd(X, axis=0)
        self._fill(X, fit=True)   # sets the fitted loadings as a side effect
        return self

    def _fill(self, X, fit: bool):
        miss = np.isnan(X)
        Z = np.where(miss, self.mu, X)
        for _ in range(self.n_iter):
            S = (Z - self.mu) / self.sd
            if fit:
                _, _, vt = np.linalg.svd(S, full_matrices=False)
                self.v1 = vt[0]
            recon = np.outer(S @ self.v1, self.v1) * self.sd + self.mu
            new = np.where(miss, np.clip(recon, 0.0, 1.0), X)
            if np.max(np.abs(new - Z)) < self.tol:
                Z = new
                break
            Z = new
        return Z

    def transform(self, X):
        return self._fill(np.asarray(X, float), fit=False)


class PCA:
    def __init__(self, standardise: bool = False):
        self.standardise = standardise

    def fit(self, X):
        self.mu = X.mean(axis=0)
        self.sd = X.std(axis=0) if self.standardise else np.ones(X.shape[1])
        S = (X - self.mu) / self.sd
        _, s, vt = np.linalg.svd(S, full_matrices=False)
        self.components = vt
        self.ratio = s ** 2 / np.sum(s ** 2)
        # orient each PC so that its mean loading is positive (PC-1 = "more capable")
        sign = np.where(vt.sum(axis=1) < 0, -1.0, 1.0)
        self.components = vt * sign[:, None]
        return self

    def transform(self, X, k=None):
        S = (np.asarray(X, float) - self.mu) / self.sd
        return S @ self.components[:k].T


def r2_linear(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    X = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = np.sum((y - X @ coef) ** 2)
    return 1 - rss / np.sum((y - y.mean()) ** 2)


def ols_predict(Xtr, ytr, Xte):
    Xtr = np.column_stack([np.ones(len(Xtr)), Xtr])
    Xte = np.column_stack([np.ones(len(Xte)), Xte])
    coef, *_ = np.linalg.lstsq(Xtr, ytr, rcond=None)
    return np.clip(Xte @ coef, 0.0, 1.0)


def main(argv=None) -> None:
    cli.parser(__doc__).parse_args(argv)
    table = data.load_table("obsscaling_models")
    led = Ledger(SCRIPT, record_only=(  # recorded for verification, not printed
        r"^obs\.pca\.provenance_check\.top3$",
    ))
    main_set = table[table["in_main_set"] == 1].reset_index(drop=True)
    X_raw = main_set[list(BENCH)].to_numpy(float)
    led.add("obs.n_models", len(main_set), "int", unit="models")
    led.add("obs.n_families", main_set["family"].nunique(), "int", unit="families")
    led.add("obs.n_bench", len(BENCH), "int", unit="benchmarks")
    led.add("obs.k_pcs", K_PCS, "int", unit="components")
    led.add("obs.family.min_models", 3, "int", unit="models")
    led.add("obs.n_main_families_published", 21, "int", unit="families",
            note="published: Ruan et al. 2024 Table B.1 (77 models, 21 families)")
    led.add("obs.n_models_published", 77, "int", unit="models", note="published: Ruan et al. 2024 Table B.1")
    led.add("obs.n_missing", int(np.isnan(X_raw).sum()), "int", unit="cells")
    led.add("obs.pct_missing", 100 * float(np.isnan(X_raw).mean()), "pct2", unit="%")

    # 1. PCA on the full main set
    imp = Imputer().fit(X_raw)
    X = imp.transform(X_raw)
    pcas = {}
    for tag, std in (("centred", False), ("std", True)):
        p = PCA(standardise=std).fit(X)
        pcas[tag] = p
        led.add(f"obs.pca.{tag}.pc1", 100 * p.ratio[0], "pct1", unit="% variance")
        led.add(f"obs.pca.{tag}.pc2", 100 * p.ratio[1], "pct1", unit="% variance")
        led.add(f"obs.pca.{tag}.pc3", 100 * p.ratio[2], "pct1", unit="% variance")
        led.add(f"obs.pca.{tag}.top3", 100 * p.ratio[:3].sum(), "pct1", unit="% variance")
    led.add("obs.pca.published.pc1", PUBLISHED["pc1"], "pct0", unit="% variance",
            note="published: Ruan et al. 2024 Sec. 3.2 ('nearly 80%')")
    led.add("obs.pca.published.top3", PUBLISHED["top3"], "pct0", unit="% variance",
            note="published: Ruan et al. 2024 Sec. 3.2 (~97%)")
    led.add("obs.pca.provenance_check.top3", 96.7, "pct1", unit="% variance",
            note="published check in the raw PROVENANCE.md (centred PCA, rank-1 imputation): 0.802/0.119/0.046")
    write_table("obs_pca", ["PCA", "PC-1", "PC-2", "PC-3", "top 3"], [
        ["centred (paper)", Key("obs.pca.centred.pc1"), Key("obs.pca.centred.pc2"), Key("obs.pca.centred.pc3"),
         Key("obs.pca.centred.top3")],
        ["standardised", Key("obs.pca.std.pc1"), Key("obs.pca.std.pc2"), Key("obs.pca.std.pc3"),
         Key("obs.pca.std.top3")],
        ["published (Ruan et al.)", Key("obs.pca.published.pc1"), "–", "–", Key("obs.pca.published.top3")],
    ], led)

    # 2. within-family linearity of PC-1 in log FLOPs
    pc1 = pcas["centred"].transform(X, 1)[:, 0]
    flops = main_set["train_flops_1e21"].to_numpy(float)
    rows, r2s = [], []
    for fam in sorted(main_set["family"].unique()):
        m = (main_set["family"] == fam).to_numpy() & np.isfinite(flops)
        if m.sum() < 3:
            continue
        r2 = r2_linear(np.log10(flops[m]), pc1[m])
        r2s.append(r2)
        key = "obs.family." + fam.lower().replace("-", "_").replace("/", "_").replace(".", "_")
        led.add(f"{key}.n", int(m.sum()), "int", unit="models")
        led.add(f"{key}.r2", r2, "f2")
        rows.append([fam, Key(f"{key}.n"), Key(f"{key}.r2")])
    r2s = np.array(r2s)
    led.add("obs.family.n_families", len(r2s), "int", unit="families", note="families with >= 3 models with FLOPs")
    led.add("obs.family.median_r2", float(np.median(r2s)), "f2")
    led.add("obs.family.min_r2", float(np.min(r2s)), "f2")
    led.add("obs.family.n_above_09", int(np.sum(r2s > 0.9)), "int", unit="families")
    led.add("obs.family.published_r2", 0.9, "f1", note="published: Ruan et al. 2024 Sec. 3.3, R^2 > 0.9")
    write_table("obs_family_r2", ["Family", "models", "R² (PC-1 vs log FLOPs)"], rows, led)

    # 3. hold-out prediction of each benchmark
    train = np.isfinite(flops) & (flops <= CUTOFF_1E21)
    test = ~train
    test_f = test & np.isfinite(flops)
    led.add("obs.holdout.n_train", int(train.sum()), "int", unit="models")
    led.add("obs.holdout.n_test", int(test.sum()), "int", unit="models")
    led.add("obs.holdout.n_test_flops", int(test_f.sum()), "int", unit="models")
    led.add("obs.holdout.cutoff", CUTOFF_1E21 * 1e21, "e1", unit="FLOPs")
    rows, mae_pc, mae_fl = [], [], []
    for j, b in enumerate(BENCH):
        others = [i for i in range(len(BENCH)) if i != j]
        imp_tr = Imputer().fit(X_raw[train][:, others])
        Ztr = imp_tr.transform(X_raw[train][:, others])
        Zte = imp_tr.transform(X_raw[test_f][:, others])
        p = PCA().fit(Ztr)
        y = X_raw[:, j]
        ok_tr = train & np.isfinite(y)
        ok_te = np.isfinite(y[test_f])
        Str = p.transform(imp_tr.transform(X_raw[ok_tr][:, others]), K_PCS)
        pred_pc = ols_predict(Str, y[ok_tr], p.transform(Zte, K_PCS))[ok_te]
        pred_fl = ols_predict(np.log10(flops[ok_tr])[:, None], y[ok_tr], np.log10(flops[test_f])[:, None])[ok_te]
        truth = y[test_f][ok_te]
        a, c = 100 * np.mean(np.abs(pred_pc - truth)), 100 * np.mean(np.abs(pred_fl - truth))
        mae_pc.append(a)
        mae_fl.append(c)
        k = f"obs.holdout.{KEYNAME[b]}"
        led.add(f"{k}.mae_pc", a, "f1", unit="accuracy points")
        led.add(f"{k}.mae_flops", c, "f1", unit="accuracy points")
        led.add(f"{k}.n_test", int(ok_te.sum()), "int", unit="models")
        rows.append([LABEL[b], Key(f"{k}.n_test"), Key(f"{k}.mae_pc"), Key(f"{k}.mae_flops")])
    led.add("obs.holdout.mean_mae_pc", float(np.mean(mae_pc)), "f1", unit="accuracy points")
    led.add("obs.holdout.mean_mae_flops", float(np.mean(mae_fl)), "f1", unit="accuracy points")
    led.add("obs.holdout.n_pc_better", int(np.sum(np.array(mae_pc) < np.array(mae_fl))), "int", unit="benchmarks")
    rows.append(["mean", "", Key("obs.holdout.mean_mae_pc"), Key("obs.holdout.mean_mae_flops")])
    write_table("obs_holdout", ["Benchmark", "test models", "MAE from 3 PCs (pts)", "MAE from log FLOPs (pts)"],
                rows, led)

    # 4. bridge: Cerebras-GPT and Pythia on PC-1
    present = {f: int((table["family"] == f).sum()) for f in BRIDGE_FAMILIES}
    for f, n in present.items():
        led.add(f"obs.bridge.{f.lower().replace('-', '_')}.n", n, "int", unit="models")
    rows, wins, total = [], 0, 0
    fig, axes = plt.subplots(2, len(BRIDGE_TASKS), figsize=(7.0, 4.0))
    for j, b in enumerate(BRIDGE_TASKS):
        jb = BENCH.index(b)
        others = [i for i in range(len(BENCH)) if i != jb]
        p = PCA().fit(imp.transform(X_raw)[:, others])
        for fi, fam in enumerate(BRIDGE_FAMILIES):
            sub = table[table["family"] == fam]
            if len(sub) < 3:
                continue
            Xs = sub[list(BENCH)].to_numpy(float)
            Xs_f = Imputer().fit(X_raw).transform(Xs) if np.isnan(Xs).any() else Xs
            s1 = p.transform(Xs_f[:, others], 1)[:, 0]
            logn = np.log10(sub["params_billion"].to_numpy(float) * 1e9)
            y = Xs[:, jb]
            r_pc, r_n = r2_linear(s1, y), r2_linear(logn, y)
            k = f"obs.bridge.{fam.lower().replace('-', '_')}.{KEYNAME[b]}"
            led.add(f"{k}.r2_pc1", r_pc, "f3")
            led.add(f"{k}.r2_logn", r_n, "f3")
            wins += int(r_pc > r_n)
            total += 1
            rows.append([fam, LABEL[b], Key(f"{k}.r2_pc1"), Key(f"{k}.r2_logn")])
            axes[0, j].scatter(logn, 100 * y, color=PALETTE[fi], s=14, label=fam)
            axes[1, j].scatter(s1, 100 * y, color=PALETTE[fi], s=14, label=fam)
        axes[0, j].set_title(LABEL[b])
        axes[0, j].set_xlabel("log10 parameters N")
        axes[1, j].set_xlabel("PC-1 of the other 7 benchmarks (a.u.)")
    for ax in axes[:, 0]:
        ax.set_ylabel("accuracy (%)")
    axes[0, 0].legend(frameon=False, fontsize=7)
    fig.tight_layout()
    save_figure(fig, "obs_bridge")
    led.add("obs.bridge.n_pc1_better", wins, "int", unit="family-task pairs")
    led.add("obs.bridge.n_pairs", total, "int", unit="family-task pairs")
    write_table("obs_bridge", ["Family", "Task", "R² vs PC-1", "R² vs log N"], rows, led, align="llrr")

    fig, ax = plt.subplots(figsize=(5.6, 3.2))
    fams = sorted(main_set["family"].unique())
    for i, fam in enumerate(fams):
        m = (main_set["family"] == fam).to_numpy() & np.isfinite(flops)
        if m.sum() == 0:
            continue
        o = np.argsort(flops[m])
        ax.plot(np.log10(flops[m][o] * 1e21), pc1[m][o], marker="o", ms=3, lw=0.8,
                color=PALETTE[i % len(PALETTE)], alpha=1.0 if fam == "Pythia" else 0.55,
                label=fam if fam in ("Pythia", "Llama-2", "OPT", "Qwen1.5", "StarCoder") else None)
    cer = table[table["family"] == "Cerebras-GPT"]
    if len(cer):
        s = pcas["centred"].transform(cer[list(BENCH)].to_numpy(float), 1)[:, 0]
        ax.plot(np.log10(cer["train_flops_1e21"].to_numpy(float) * 1e21), s, marker="s", ms=4, color="black",
                lw=1, label="Cerebras-GPT (not in main set)")
    ax.axvline(np.log10(CUTOFF_1E21 * 1e21), color="black", ls=":", lw=0.8)
    ax.set_xlabel("log10 training compute (FLOPs)")
    ax.set_ylabel("PC-1 (centred, a.u.)")
    ax.legend(frameon=False, fontsize=6.5, loc="upper left")
    save_figure(fig, "obs_pc1_flops")
    led.save()


if __name__ == "__main__":
    main()
