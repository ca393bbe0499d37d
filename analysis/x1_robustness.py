"""Robustness of the reproduced findings and better models of downstream scaling (issue 4).

Five questions, one ledger part (`x1_robustness`, every key prefixed `rob.`):
  1. How sensitive is the Kaplan loss law to each analysis choice (loss source, definition of N,
     fit space, estimator, bootstrap variant)?               -> table rob_loss_sensitivity, figure rob_loss_alpha
  2. A binomial GLM for accuracy with a chance floor: fit, overdispersion, AIC on a binomial
     footing, held-out error on the 4 -> 3 split (0-shot and 5-shot). -> table rob_glm
  3. Two-stage (N -> loss -> accuracy) versus direct (N -> accuracy) prediction on identical
     held-out splits.                                        -> table rob_prediction, figure rob_prediction
  4. Pythia over training: accuracy as a function of (N, D); extrapolation to the final
     checkpoints of the three largest models; standard versus deduplicated. -> table rob_pythia
  5. Are the hinge breakpoints distinguishable from a smooth curve under binomial noise, and
     how much power does the test have?                      -> table rob_breakpoints, figure rob_breakpoint_power

The statistics are the library's: least squares (core/fitting, with Huber loss and log space),
the bootstrap and jackknife (core/bootstrap), the binomial GLM with a floor (core/binomial_glm) and
the hinge search and its calibrated test (core/breakpoints). This script chooses the inputs,
records the results, and draws the tables and figures.
"""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from analysis.core import binomial_glm as bglm
from analysis.core import bootstrap, breakpoints, cli, config, data, fitting, forms, metrics
from analysis.core.figures import PALETTE, save_figure
from analysis.core.ledger import Ledger
from analysis.core.report import Key, level_label, percentile_labels, write_table

SCRIPT = "analysis/x1_robustness.py"
TASKS = config.CEREBRAS_TASKS
LABEL = config.TASK_LABELS
LEVEL = config.CI_LEVEL
Z = stats.norm.ppf(0.5 + LEVEL / 2)          # two-sided Wald interval at LEVEL
TEST_SIZE = 1 - LEVEL                        # significance level of the breakpoint test
HUBER_F_SCALE = 0.01        # nats/token: residuals beyond this are down-weighted by the Huber loss
HIGH_ADJ_R2 = 0.99          # "fits well" threshold of the loss sensitivity summary
OVERDISPERSED = 2.0         # Pearson chi2 / df above this counts as overdispersed
KINK_PP = 5.0               # breakpoint power: kink adding this many accuracy points at the largest model
KINK_GRID = (0.0, 1.0, 2.0, 3.0, 5.0, 8.0)
PYTHIA_TASKS = tuple(config.PYTHIA_TASK.values())
PYTHIA_EARLY_STEP = 33000   # larger models contribute checkpoints up to this step to the training set
PYTHIA_SMALL_MAX = 1.5e9    # "small" Pythia models: <= 1.4B parameters
N_SCALE = forms.N_SCALE     # GLM covariates are ln(N in billions) and ln(D in billions of tokens)


# ============================================================================= load
@dataclass(frozen=True)
class Inputs:
    table: object           # Cerebras-GPT table (pandas)
    bench: object           # benchmarks indexed by harness task (pandas)
    pythia: object          # Pythia trajectory rows used by section 4 (pandas)

    @property
    def n(self) -> np.ndarray:
        return self.table[config.MAIN_N_COLUMN].to_numpy(float)

    @property
    def loss(self) -> np.ndarray:
        return self.table[config.MAIN_LOSS_COLUMN].to_numpy(float)

    def acc(self, shot: str, task: str) -> np.ndarray:
        return self.table[f"{shot}_{task}"].to_numpy(float)

    def n_items(self, harness_task: str) -> int:
        return int(self.bench.loc[harness_task, "n_items"])

    def chance(self, harness_task: str) -> float:
        return float(self.bench.loc[harness_task, "chance_accuracy"])


def load() -> Inputs:
    traj = data.load_pythia_trajectory()
    models = data.load_pythia_models().set_index("model")
    traj = traj[(traj.num_fewshot == 0) & (traj.metric == "acc") & traj.task.isin(PYTHIA_TASKS)
                & (traj.step >= config.PYTHIA_MIN_STEP)].copy()
    traj["N"] = traj.model.map(models["params_total"]).astype(float)
    traj["dedup"] = traj.model.map(models["deduped"]).astype(int)
    return Inputs(data.load_cerebras(), data.load_benchmarks().set_index("task"), traj)


# ============================================================================= 1. loss sensitivity
@dataclass(frozen=True)
class LossVariant:
    name: str
    label: str
    converged: bool
    alpha: float = np.nan
    l_inf: float = np.nan
    adj_r2: float = np.nan
    ci: tuple[float, float] = (np.nan, np.nan)
    boot_failed: int = 0
    at_bound: bool = False


@dataclass(frozen=True)
class LossSensitivity:
    variants: tuple[LossVariant, ...]
    residual_ci: tuple[float, float]
    residual_failed: int
    jackknife_range: tuple[float, float]
    jackknife_failed: int

    @property
    def fitted(self) -> dict[str, LossVariant]:
        return {v.name: v for v in self.variants if v.converged}

    @property
    def baseline(self) -> LossVariant:
        return self.fitted["baseline"]

    @property
    def intervals(self) -> dict[str, tuple[float, float, float]]:
        """(point, lower, upper) of every variant, the resampling bootstrap and the jackknife range."""
        out = {name: (v.alpha, *v.ci) for name, v in self.fitted.items()}
        out["boot_residual"] = (self.baseline.alpha, *self.residual_ci)
        out["jackknife"] = (self.baseline.alpha, *self.jackknife_range)
        return out


def loss_variant_inputs(inp: Inputs) -> dict:
    t = inp.table
    n0, y0 = inp.n, inp.loss
    return {
        "baseline": ("Baseline: model-card loss, nominal N, loss space, LS, parametric", n0, y0, "value", "linear"),
        "loss_modelzoo": ("Loss from modelzoo README", n0, t["pile_loss_modelzoo_readme"].to_numpy(float),
                          "value", "linear"),
        "n_total": ("N = total parameters (derived)", t["params_total_derived"].to_numpy(float), y0,
                    "value", "linear"),
        "n_nonemb": ("N = non-embedding parameters", t["params_nonembedding_derived"].to_numpy(float), y0,
                     "value", "linear"),
        "log_space": ("Fit in log loss", n0, y0, "log", "linear"),
        "huber": ("Huber loss", n0, y0, "value", "huber"),
    }


def fit_loss_variant(name, label, n, y, space, loss, B, seed) -> tuple[LossVariant, fitting.FitResult]:
    """One Kaplan fit with one analysis choice changed, and its parametric bootstrap with the
    variant's own estimator (Gaussian noise in the fit space)."""
    res = fitting.fit("kaplan", n, y, loss=loss, f_scale=HUBER_F_SCALE, space=space)
    if not res.converged:
        return LossVariant(name, label, False), res
    boot = bootstrap.parametric(res, f"rob.loss.{name}", B=B, seed=seed)
    return LossVariant(name, label, True, float(res.theta[1]), float(res.theta[2]), float(res.adj_r2),
                       boot.ci("alpha", res.form.params, LEVEL), boot.n_failed, bool(res.at_bound)), res


def loss_sensitivity(inp: Inputs, B: int, seed: int) -> LossSensitivity:
    variants, fits = [], {}
    for name, (label, n, y, space, loss) in loss_variant_inputs(inp).items():
        v, fits[name] = fit_loss_variant(name, label, n, y, space, loss, B, seed)
        variants.append(v)
    base = fits["baseline"]
    resampled = bootstrap.parametric(base, "rob.loss.boot_residual", B=B, seed=seed, noise="resample")
    jk, jk_failed = bootstrap.jackknife(base)
    return LossSensitivity(tuple(variants), resampled.ci("alpha", base.form.params, LEVEL), resampled.n_failed,
                           (float(jk[:, 1].min()), float(jk[:, 1].max())), jk_failed)


def record_loss(led: Ledger, r: LossSensitivity) -> None:
    led.add("rob.loss.huber_f_scale", HUBER_F_SCALE, "f2", unit="nats/token")
    for v in r.variants:
        base = f"rob.loss.{v.name}"
        if not v.converged:
            led.add(f"{base}.converged", 0, "int")
            continue
        led.add(f"{base}.alpha", v.alpha, "f3")
        led.add(f"{base}.l_inf", v.l_inf, "f3", unit="nats/token")
        led.add(f"{base}.adj_r2", v.adj_r2, "f3", note="adj-R2 on the loss scale")
        led.add(f"{base}.alpha_ci_lo", v.ci[0], "f3")
        led.add(f"{base}.alpha_ci_hi", v.ci[1], "f3")
        led.add(f"{base}.boot_failed", v.boot_failed, "int", unit="replicates", paper=False)
        led.add(f"{base}.at_bound", int(v.at_bound), "int", paper=False)
    led.add("rob.loss.boot_residual.alpha_ci_lo", r.residual_ci[0], "f3")
    led.add("rob.loss.boot_residual.alpha_ci_hi", r.residual_ci[1], "f3")
    led.add("rob.loss.boot_residual.boot_failed", r.residual_failed, "int", unit="replicates", paper=False)
    led.add("rob.loss.jackknife.alpha_min", r.jackknife_range[0], "f3", note="leave-one-out range of alpha")
    led.add("rob.loss.jackknife.alpha_max", r.jackknife_range[1], "f3")
    led.add("rob.loss.jackknife.failed", r.jackknife_failed, "int", unit="fits", paper=False)

    alphas = {name: v.alpha for name, v in r.fitted.items()}
    adjs = {name: v.adj_r2 for name, v in r.fitted.items()}
    led.add("rob.loss.n_variants", len(alphas), "int", unit="fits")
    led.add("rob.loss.alpha_min", min(alphas.values()), "f3")
    led.add("rob.loss.alpha_max", max(alphas.values()), "f3")
    led.add("rob.loss.alpha_min_variant", min(alphas, key=alphas.get), "str", paper=False)
    led.add("rob.loss.alpha_max_variant", max(alphas, key=alphas.get), "str", paper=False)
    led.add("rob.loss.alpha_range", max(alphas.values()) - min(alphas.values()), "f3")
    led.add("rob.loss.n_adj_r2_above_099", sum(v > HIGH_ADJ_R2 for v in adjs.values()), "int", unit="fits")
    led.add("rob.loss.all_adj_r2_above_099", int(all(v > HIGH_ADJ_R2 for v in adjs.values())), "int", paper=False)
    led.add("rob.loss.adj_r2_min", min(adjs.values()), "f3")
    widths = {k: hi - lo for k, (_, lo, hi) in r.intervals.items()}
    led.add("rob.loss.widest_interval_variant", max(widths, key=widths.get), "str", paper=False)


def table_loss(led: Ledger, r: LossSensitivity) -> None:
    rows = []
    for v in r.variants:
        base = f"rob.loss.{v.name}"
        rows.append([v.label, Key(f"{base}.alpha"), Key(f"{base}.l_inf"), Key(f"{base}.adj_r2"),
                     Key(f"{base}.alpha_ci_lo"), Key(f"{base}.alpha_ci_hi")] if v.converged
                    else [v.label, "failed", "", "", "", ""])
    point = [Key("rob.loss.baseline.alpha"), Key("rob.loss.baseline.l_inf"), Key("rob.loss.baseline.adj_r2")]
    rows.append(["Residual-resampling bootstrap", *point, Key("rob.loss.boot_residual.alpha_ci_lo"),
                 Key("rob.loss.boot_residual.alpha_ci_hi")])
    rows.append(["Leave-one-out jackknife (range)", *point, Key("rob.loss.jackknife.alpha_min"),
                 Key("rob.loss.jackknife.alpha_max")])
    write_table("rob_loss_sensitivity", ["Variant (one choice changed)", "α", "L∞", "adj-R²", "α lower", "α upper"],
                rows, led)


def figure_loss(r: LossSensitivity) -> None:
    summary = r.intervals
    fig, ax = plt.subplots(figsize=(6.0, 2.8))
    names = list(summary)
    for i, k in enumerate(names):
        a, lo, hi = summary[k]
        ax.plot([lo, hi], [i, i], color=PALETTE[0] if k not in ("boot_residual", "jackknife") else PALETTE[1], lw=2)
        ax.plot(a, i, "o", color="black", ms=4)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([k.replace("_", " ") for k in names])
    ax.invert_yaxis()
    ax.axvline(r.baseline.alpha, color="grey", ls=":", lw=1)
    ax.set_xlabel(f"Kaplan exponent α (point estimate and {level_label(LEVEL)} interval / jackknife range)")
    save_figure(fig, "rob_loss_alpha")


# ============================================================================= 2. binomial GLM
@dataclass(frozen=True)
class GlmTask:
    task: str
    n_items: int
    floor: float
    floor_dropped: int
    fit: bglm.BinomialFit       # all 7 models, 0-shot
    aic_glm: float
    aic_bpl: float
    bpl_dispersion: float
    holdout: dict               # shot -> (MAPE GLM, MAPE power law, both training fits converged)


def successes(y, n_items):
    """Success counts and trials of accuracies y on a benchmark of n_items items."""
    return np.round(y * n_items), np.full_like(y, n_items)


def glm_task(inp: Inputs, task: str) -> GlmTask:
    n_b = inp.n
    X = np.column_stack([np.ones_like(n_b), np.log(n_b / N_SCALE)])
    m = len(n_b)
    train, test = np.arange(config.N_TRAIN_SMALLEST), np.arange(m - config.N_TEST_LARGEST, m)
    h = data.CEREBRAS_TO_HARNESS[task]
    n_items = inp.n_items(h)
    y = inp.acc("zs", task)
    s, nn = successes(y, n_items)
    c, dropped = bglm.floor_for(inp.chance(h), y)
    fit = bglm.binom_fit(X, s, nn, c)
    bpl = fitting.fit("bounded_power_law", n_b, y)
    holdout = {}
    for shot in ("zs", "fs"):
        y = inp.acc(shot, task)
        s, nn = successes(y, n_items)
        ctr, _ = bglm.floor_for(inp.chance(h), y[train])
        ft = bglm.binom_fit(X[train], s[train], nn[train], ctr, glm=False)
        bt = fitting.fit("bounded_power_law", n_b[train], y[train])
        holdout[shot] = (metrics.mape(y[test], ft.predict(X[test])), metrics.mape(y[test], bt.predict(n_b[test])),
                         bool(ft.converged and bt.converged))
    s, nn = successes(inp.acc("zs", task), n_items)
    return GlmTask(task, n_items, c, dropped, fit, bglm.binomial_aic(fit.llf, 2),
                   bglm.binomial_aic(bglm.binom_loglik(bpl.yhat, s, nn), 2),
                   bglm.pearson_chi2(bpl.yhat, s, nn) / fit.df, holdout)


def record_glm(led: Ledger, results: list[GlmTask]) -> None:
    for g in results:
        base, f = f"rob.glm.{g.task}", g.fit
        led.add(f"{base}.n_items", g.n_items, "int", unit="items")
        led.add(f"{base}.floor", g.floor, "f2", note="chance floor used; 0 if a model scores below chance")
        led.add(f"{base}.floor_dropped", g.floor_dropped, "int", paper=False)
        led.add(f"{base}.beta1", f.beta[1], "f3", note="slope per unit ln N")
        led.add(f"{base}.beta1_lo", f.beta[1] - Z * f.se[1], "f3", paper=False,
                note=f"binomial Wald {level_label(LEVEL)}")
        led.add(f"{base}.beta1_hi", f.beta[1] + Z * f.se[1], "f3", paper=False)
        led.add(f"{base}.beta1_ql_lo", f.beta[1] - Z * f.se_ql[1], "f3",
                note=f"quasi-likelihood (Pearson X2 scale) Wald {level_label(LEVEL)}")
        led.add(f"{base}.beta1_ql_hi", f.beta[1] + Z * f.se_ql[1], "f3")
        led.add(f"{base}.dispersion", f.dispersion, "f1", note=f"Pearson chi2 / df, df = {f.df}")
        led.add(f"{base}.bpl_dispersion", g.bpl_dispersion, "f1", paper=False)
        led.add(f"{base}.aic_glm", g.aic_glm, "f1", paper=False, note="binomial AIC, k = 2")
        led.add(f"{base}.aic_bpl", g.aic_bpl, "f1", paper=False, note="binomial AIC of the LS power-law curve")
        led.add(f"{base}.delta_aic", g.aic_glm - g.aic_bpl, "f1",
                note="AIC(GLM) - AIC(power law); negative favours the GLM")
        led.add(f"{base}.converged", int(f.converged and f.glm_converged), "int", paper=False)
        for shot, (m_glm, m_bpl, ok) in g.holdout.items():
            led.add(f"{base}.{shot}.mape_glm", m_glm, "pct1", unit="%")
            led.add(f"{base}.{shot}.mape_bpl", m_bpl, "pct1", unit="%")
            led.add(f"{base}.{shot}.train_converged", int(ok), "int", paper=False)
    for shot in ("zs", "fs"):
        for i, m in enumerate(("glm", "bpl")):
            led.add(f"rob.glm.{shot}.mean_mape_{m}", float(np.mean([g.holdout[shot][i] for g in results])),
                    "pct1", unit="%")
        led.add(f"rob.glm.{shot}.n_glm_better", sum(g.holdout[shot][0] < g.holdout[shot][1] for g in results), "int",
                paper=False)
    d = np.array([g.fit.dispersion for g in results])
    led.add("rob.glm.dispersion_min", d.min(), "f1")
    led.add("rob.glm.dispersion_max", d.max(), "f1")
    led.add("rob.glm.dispersion_median", float(np.median(d)), "f1")
    led.add("rob.glm.n_overdispersed", int(np.sum(d > OVERDISPERSED)), "int",
            note=f"tasks with Pearson chi2/df > {OVERDISPERSED:g}")
    led.add("rob.glm.n_floor_dropped", sum(g.floor_dropped for g in results), "int",
            note="tasks where some model scores below chance")
    led.add("rob.glm.n_glm_lower_aic", sum(g.aic_glm - g.aic_bpl < 0 for g in results), "int")
    led.add("rob.glm.n_not_converged", sum(1 - int(g.fit.converged and g.fit.glm_converged) for g in results), "int")


def table_glm(led: Ledger, results: list[GlmTask]) -> None:
    rows = []
    for g in results:
        base = f"rob.glm.{g.task}"
        rows.append([LABEL[g.task], Key(f"{base}.n_items"), Key(f"{base}.floor"), Key(f"{base}.beta1"),
                     Key(f"{base}.beta1_ql_lo"), Key(f"{base}.beta1_ql_hi"), Key(f"{base}.dispersion"),
                     Key(f"{base}.delta_aic"), Key(f"{base}.zs.mape_glm"), Key(f"{base}.zs.mape_bpl"),
                     Key(f"{base}.fs.mape_glm"), Key(f"{base}.fs.mape_bpl")])
    rows.append(["Mean", "", "", "", "", "", "", "", Key("rob.glm.zs.mean_mape_glm"), Key("rob.glm.zs.mean_mape_bpl"),
                 Key("rob.glm.fs.mean_mape_glm"), Key("rob.glm.fs.mean_mape_bpl")])
    ql_lo, ql_hi = percentile_labels(LEVEL)
    write_table("rob_glm", ["Task", "items", "floor c", "β₁", f"β₁ QL {ql_lo}", f"β₁ QL {ql_hi}",
                            "dispersion", "ΔAIC (GLM − power law)", "0-shot MAPE GLM", "0-shot MAPE power law",
                            "5-shot MAPE GLM", "5-shot MAPE power law"], rows, led)


# ============================================================================= 3. two-stage vs direct
METHODS = {"bpl": "Direct: bounded power law (paper)", "sigmoid_ls": "Direct: sigmoid in ln N, LS (paper)",
           "glm": "Direct: binomial logistic in ln N", "exp_loss": "Two-stage: exponential in loss (Gadre)",
           "glm_loss": "Two-stage: binomial logistic in loss"}
SPLIT_TITLES = {"split43": "fit 4 smallest, predict 3 largest", "loo13b": "fit 6, predict 13B"}


@dataclass(frozen=True)
class SplitResult:
    loss_mape: float
    mape: dict              # method -> task -> MAPE (NaN if the fit failed)
    n_failed: int
    n_at_bound: int

    def mean(self, meth: str) -> float | None:
        """Mean MAPE over tasks, or None if any task's fit failed."""
        vals = np.array([self.mape[meth][t] for t in TASKS])
        return float(vals.mean()) if np.all(np.isfinite(vals)) else None


def splits(m: int) -> dict:
    return {"split43": (np.arange(config.N_TRAIN_SMALLEST), np.arange(m - config.N_TEST_LARGEST, m)),
            "loo13b": (np.arange(m - 1), np.array([m - 1]))}


def exp_in_loss_starts(loss, err):
    """Start grid for the Gadre law from the data: k placing the curve at the mean error."""
    return [(e, max((e - np.mean(err)) * np.exp(g * np.mean(loss)), 1e-3), g)
            for e in (0.9, 1.0) for g in (0.5, 1.5, 4.0)]


def predictions(inp: Inputs, task: str, tr, te, loss_pred) -> dict:
    """Held-out accuracy of each method for one task: method -> (prediction or None, at a bound)."""
    n_b, loss = inp.n, inp.loss
    m = len(n_b)
    h = data.CEREBRAS_TO_HARNESS[task]
    y = inp.acc("zs", task)
    s, nn = successes(y, inp.n_items(h))
    c, _ = bglm.floor_for(inp.chance(h), y[tr])
    preds = {}
    r = fitting.fit("bounded_power_law", n_b[tr], y[tr])
    preds["bpl"] = (r.predict(n_b[te]) if r.converged else None, bool(r.at_bound))
    r = fitting.fit("sigmoid", n_b[tr], y[tr], max_nfev=400)
    preds["sigmoid_ls"] = (r.predict(n_b[te]) if r.converged else None, bool(r.at_bound))
    X = np.column_stack([np.ones(m), np.log(n_b / N_SCALE)])
    f = bglm.binom_fit(X[tr], s[tr], nn[tr], c, glm=False)
    preds["glm"] = (f.predict(X[te]) if f.converged else None, False)
    # Gadre et al. model top-1 error; accuracy = 1 - error
    r = fitting.fit("exp_in_loss", loss[tr], 1.0 - y[tr], starts=exp_in_loss_starts(loss[tr], 1.0 - y[tr]),
                    max_nfev=400)
    preds["exp_loss"] = (1.0 - r.predict(loss_pred) if r.converged else None, bool(r.at_bound))
    XL = np.column_stack([np.ones(m), loss])
    f = bglm.binom_fit(XL[tr], s[tr], nn[tr], c, glm=False)
    preds["glm_loss"] = (f.predict(np.column_stack([np.ones(te.size), loss_pred])) if f.converged else None, False)
    return preds


def prediction_split(inp: Inputs, sp: str, tr, te) -> SplitResult:
    n_b, loss = inp.n, inp.loss
    loss_fit = fitting.fit("kaplan", n_b[tr], loss[tr])
    if not loss_fit.converged:
        raise SystemExit(f"{SCRIPT}: Kaplan fit on the training models failed for split {sp}")
    loss_pred = loss_fit.predict(n_b[te])
    mape, failed, at_bound = {meth: {} for meth in METHODS}, 0, 0
    for task in TASKS:
        y_te = inp.acc("zs", task)[te]
        for meth, (p, at_b) in predictions(inp, task, tr, te, loss_pred).items():
            at_bound += int(at_b)
            ok = p is not None and np.all(np.isfinite(p))
            failed += int(not ok)
            mape[meth][task] = metrics.mape(y_te, p) if ok else np.nan
    return SplitResult(metrics.mape(loss[te], loss_pred), mape, failed, at_bound)


def prediction_section(inp: Inputs) -> dict[str, SplitResult]:
    return {sp: prediction_split(inp, sp, tr, te) for sp, (tr, te) in splits(len(inp.n)).items()}


def record_prediction(led: Ledger, res: dict[str, SplitResult]) -> None:
    for sp, r in res.items():
        led.add(f"rob.pred.{sp}.loss_mape", r.loss_mape, "pct1", unit="%")
        for meth in METHODS:
            for task in TASKS:
                if np.isfinite(r.mape[meth][task]):
                    led.add(f"rob.pred.{sp}.{meth}.{task}", r.mape[meth][task], "pct1", unit="%")
            led.add(f"rob.pred.{sp}.{meth}.n_failed", int(sum(np.isnan(r.mape[meth][t]) for t in TASKS)), "int",
                    paper=False)
            if r.mean(meth) is not None:
                led.add(f"rob.pred.{sp}.{meth}.mean", r.mean(meth), "pct1", unit="%")
        led.add(f"rob.pred.{sp}.n_failed", r.n_failed, "int", unit="fits")
        led.add(f"rob.pred.{sp}.n_at_bound", r.n_at_bound, "int", unit="fits",
                note="training fits with a parameter on a box bound")
    means = {meth: res["split43"].mean(meth) for meth in METHODS if res["split43"].mean(meth) is not None}
    best = min(means, key=means.get)
    led.add("rob.pred.recommended", METHODS[best], "str", note="lowest mean MAPE on the 4 -> 3 split")
    led.add("rob.pred.recommended_mape", means[best], "pct1", unit="%")
    if res["loo13b"].mean(best) is not None:
        led.add("rob.pred.recommended_mape_loo13b", res["loo13b"].mean(best), "pct1", unit="%", paper=False)
    led.add("rob.pred.paper_mape", means["bpl"], "pct1", unit="%")
    means_loo = {meth: res["loo13b"].mean(meth) for meth in METHODS if res["loo13b"].mean(meth) is not None}
    best_loo = min(means_loo, key=means_loo.get)
    led.add("rob.pred.best_loo13b", METHODS[best_loo], "str", paper=False)
    led.add("rob.pred.best_loo13b_mape", means_loo[best_loo], "pct1", unit="%")


def table_prediction(led: Ledger, res: dict[str, SplitResult]) -> None:
    # one table per split, for width
    for sp, r in res.items():
        rows = [[label] + [Key(f"rob.pred.{sp}.{meth}.{t}") if np.isfinite(r.mape[meth][t]) else "failed"
                           for t in TASKS]
                + [Key(f"rob.pred.{sp}.{meth}.mean") if r.mean(meth) is not None else "—"]
                for meth, label in METHODS.items()]
        write_table(f"rob_prediction_{sp}", ["Method"] + [LABEL[t] for t in TASKS] + ["Mean"], rows, led)


def figure_prediction(res: dict[str, SplitResult]) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 2.8), sharey=True)
    width = 0.16
    for ax, (sp, r) in zip(axes, res.items()):
        for j, meth in enumerate(METHODS):
            ax.bar(np.arange(len(TASKS)) + (j - 2) * width, [r.mape[meth][t] for t in TASKS], width,
                   color=PALETTE[j], label=METHODS[meth])
        ax.set_xticks(range(len(TASKS)))
        ax.set_xticklabels([LABEL[t] for t in TASKS], rotation=45, ha="right")
        ax.set_title(SPLIT_TITLES[sp])
    axes[0].set_ylabel("held-out MAPE (%)")
    axes[1].legend(frameon=False, fontsize=6.5, loc="upper right")
    save_figure(fig, "rob_prediction")


# ============================================================================= 4. Pythia over training
@dataclass(frozen=True)
class PythiaTask:
    fit: bglm.BinomialFit
    mape: float                 # (N, D) binomial model, final checkpoints of the large models
    mape_direct: float          # N-only bounded power law on the small models' final checkpoints
    n_train: int


def pythia_design(d) -> np.ndarray:
    return np.column_stack([np.ones(len(d)), np.log(d.N / N_SCALE), np.log(d.tokens_seen_derived / N_SCALE)])


def pythia_task(inp: Inputs, sub, train_mask, test_mask, task: str) -> PythiaTask:
    t = sub[sub.task == task]
    tr, te = t[train_mask[t.index]], t[test_mask[t.index]].sort_values("N")
    n_items = float(inp.bench.loc[task, "n_items"])
    c, _ = bglm.floor_for(inp.chance(task), tr.value)
    s = np.round(tr.value.to_numpy() * n_items)
    f = bglm.binom_fit(pythia_design(tr), s, np.full(len(tr), n_items), c)
    mape = metrics.mape(te.value.to_numpy(), f.predict(pythia_design(te)))
    fin = t[t.step == data.PYTHIA_FINAL_STEP].sort_values("N")
    fs = fin[fin.N <= PYTHIA_SMALL_MAX]
    r = fitting.fit("bounded_power_law", fs.N.to_numpy(), fs.value.to_numpy())
    direct = metrics.mape(te.value.to_numpy(), r.predict(te.N.to_numpy())) if r.converged else np.nan
    return PythiaTask(f, mape, direct, len(tr))


def pythia_section(inp: Inputs) -> dict[str, dict[str, PythiaTask]]:
    out = {}
    for variant, dd in (("standard", 0), ("deduped", 1)):
        sub = inp.pythia[inp.pythia.dedup == dd]
        small = sub.N <= PYTHIA_SMALL_MAX
        train_mask = small | (sub.step <= PYTHIA_EARLY_STEP)
        test_mask = (~small) & (sub.step == data.PYTHIA_FINAL_STEP)
        out[variant] = {task: pythia_task(inp, sub, train_mask, test_mask, task) for task in PYTHIA_TASKS}
    return out


def record_pythia(led: Ledger, res: dict[str, dict[str, PythiaTask]]) -> None:
    for variant, by_task in res.items():
        for task, p in by_task.items():
            base = f"rob.pythia.{variant}.{task}"
            led.add(f"{base}.beta_n", p.fit.beta[1], "f3")
            led.add(f"{base}.beta_d", p.fit.beta[2], "f3")
            led.add(f"{base}.dispersion", p.fit.dispersion, "f1")
            led.add(f"{base}.mape", p.mape, "pct1", unit="%")
            led.add(f"{base}.converged", int(p.fit.converged and p.fit.glm_converged), "int", paper=False)
            led.add(f"{base}.mape_direct", p.mape_direct, "pct1", unit="%")
            led.add(f"{base}.n_train", p.n_train, "int", unit="checkpoints", paper=False)
        led.add(f"rob.pythia.{variant}.mean_mape", float(np.mean([p.mape for p in by_task.values()])), "pct1", unit="%")
        led.add(f"rob.pythia.{variant}.mean_mape_direct", float(np.nanmean([p.mape_direct for p in by_task.values()])),
                "pct1", unit="%")
        led.add(f"rob.pythia.{variant}.n_nd_better", sum(p.mape < p.mape_direct for p in by_task.values()), "int",
                paper=False)
        led.add(f"rob.pythia.{variant}.dispersion_median", float(np.median([p.fit.dispersion for p in by_task.values()])),
                "f1", paper=False)
    led.add("rob.pythia.n_tasks", len(PYTHIA_TASKS), "int")
    led.add("rob.pythia.early_step", PYTHIA_EARLY_STEP, "int", unit="steps")
    led.add("rob.pythia.final_step", data.PYTHIA_FINAL_STEP, "int", unit="steps")
    led.add("rob.pythia.min_step", config.PYTHIA_MIN_STEP, "int", unit="steps")
    led.add("rob.pythia.mean_abs_diff_dedup", float(np.mean([abs(res["standard"][t].mape - res["deduped"][t].mape)
                                                           for t in PYTHIA_TASKS])), "f1", unit="MAPE points")


def table_pythia(led: Ledger, res: dict[str, dict[str, PythiaTask]]) -> None:
    rows = []
    for variant, by_task in res.items():
        for task in by_task:
            base = f"rob.pythia.{variant}.{task}"
            rows.append([variant, task, Key(f"{base}.beta_n"), Key(f"{base}.beta_d"), Key(f"{base}.dispersion"),
                         Key(f"{base}.mape"), Key(f"{base}.mape_direct")])
        rows.append([variant, "mean", "", "", "", Key(f"rob.pythia.{variant}.mean_mape"),
                     Key(f"rob.pythia.{variant}.mean_mape_direct")])
    write_table("rob_pythia", ["Suite", "Task", "β ln N", "β ln D", "dispersion", "MAPE (N, D) model",
                               "MAPE N-only power law"], rows, led)


# ============================================================================= 5. breakpoints
@dataclass(frozen=True)
class BreakpointTask:
    stat: float
    p_binomial: float
    p_gaussian: float
    power_curve: tuple[float, ...]      # rejection rate at each KINK_GRID size (the first is the test's size)


def kink_log_n(u) -> float:
    return float((u[3] + u[4]) / 2.0)     # between 1.3B and 2.7B


def breakpoint_task(inp: Inputs, task: str, B: int, seed: int) -> BreakpointTask:
    n_b = inp.n
    u = np.log(n_b)
    c_kink = kink_log_n(u)
    n_items = inp.n_items(data.CEREBRAS_TO_HARNESS[task])
    y = inp.acc("zs", task)
    sig = fitting.fit("sigmoid", n_b, y)
    if not sig.converged:
        raise SystemExit(f"{SCRIPT}: smooth null fit failed for {task}")
    p0 = np.clip(sig.yhat, 1e-6, 1 - 1e-6)
    rng = bootstrap.stream(seed, f"rob.bp.{task}")    # one stream, drawn in this order
    binom = breakpoints.hinge_test(u, y, p0, n_items, B, rng)
    gauss = breakpoints.hinge_test(u, y, p0, n_items, B, rng, noise="gaussian", sigma=float(np.std(sig.residuals)))
    crit = np.percentile(binom.null_stats, 100 * LEVEL)
    curve = []
    for kink in KINK_GRID:
        slope = (kink / 100.0) / (u[-1] - c_kink)
        p_alt = np.clip(p0 + slope * np.maximum(0.0, u - c_kink), 1e-6, 1 - 1e-6)
        Y = breakpoints.null_curves(p_alt, n_items, B, rng)
        curve.append(float(np.mean(breakpoints.hinge_stat(u, Y) > crit)))
    return BreakpointTask(binom.stat, binom.p_value, gauss.p_value, tuple(curve))


@dataclass(frozen=True)
class BreakpointSection:
    tasks: dict[str, BreakpointTask]
    kink_log_n: float           # where the power analysis's kink starts
    B: int


def breakpoint_section(inp: Inputs, B: int, seed: int) -> BreakpointSection:
    return BreakpointSection({task: breakpoint_task(inp, task, B, seed) for task in TASKS},
                             kink_log_n(np.log(inp.n)), B)


def record_breakpoints(led: Ledger, sec: BreakpointSection) -> None:
    res = sec.tasks
    for task, r in res.items():
        base = f"rob.bp.{task}"
        led.add(f"{base}.stat", r.stat, "f2", note="n ln(RSS_line / RSS_hinge)")
        led.add(f"{base}.p_binomial", r.p_binomial, "p")
        led.add(f"{base}.p_gaussian", r.p_gaussian, "p", note="null noise = residual sd of the smooth fit")
        led.add(f"{base}.power", r.power_curve[KINK_GRID.index(KINK_PP)], "f2")
        led.add(f"{base}.size", r.power_curve[0], "f2", paper=False,
                note=f"rejection rate with no kink (should be near {TEST_SIZE:g})")
    led.add("rob.bp.kink_pp", KINK_PP, "f1", unit="accuracy points")
    led.add("rob.bp.kink_at_billion", float(np.exp(sec.kink_log_n) / N_SCALE), "f1", unit="billion parameters")
    led.add("rob.bp.n_sig_binomial", sum(r.p_binomial < TEST_SIZE for r in res.values()), "int")
    led.add("rob.bp.n_sig_gaussian", sum(r.p_gaussian < TEST_SIZE for r in res.values()), "int")
    pw = [r.power_curve[KINK_GRID.index(KINK_PP)] for r in res.values()]
    led.add("rob.bp.power_min", min(pw), "f2")
    led.add("rob.bp.power_max", max(pw), "f2")
    led.add("rob.bp.n_boot", sec.B, "int", unit="replicates", paper=False)


def table_breakpoints(led: Ledger, sec: BreakpointSection) -> None:
    res = sec.tasks
    rows = [[LABEL[t], Key(f"rob.bp.{t}.stat"), Key(f"rob.bp.{t}.p_binomial"), Key(f"rob.bp.{t}.p_gaussian"),
             Key(f"rob.bp.{t}.power")] for t in res]
    write_table("rob_breakpoints", ["Task", "hinge statistic", "p (binomial null)", "p (Gaussian null)",
                                    "power"], rows, led)


def figure_breakpoints(sec: BreakpointSection) -> None:
    res = sec.tasks
    fig, ax = plt.subplots(figsize=(5.0, 2.8))
    for i, (task, r) in enumerate(res.items()):
        ax.plot(KINK_GRID, r.power_curve, marker="o", ms=3, color=PALETTE[i], label=LABEL[task])
    ax.axhline(TEST_SIZE, color="grey", ls=":", lw=1)
    ax.set_xlabel("kink size: accuracy added at 13B (points)")
    ax.set_ylabel(f"rejection rate at {level_label(TEST_SIZE)} level")
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    save_figure(fig, "rob_breakpoint_power")


# ============================================================================= main
def main(argv=None) -> None:
    args = cli.parser(__doc__).parse_args(argv)
    inp = load()

    loss = loss_sensitivity(inp, args.B, args.seed)
    glm = [glm_task(inp, task) for task in TASKS]
    pred = prediction_section(inp)
    pythia = pythia_section(inp)
    bp = breakpoint_section(inp, args.B, args.seed)

    led = Ledger(SCRIPT)
    led.add("rob.n_boot", args.B, "int", unit="replicates")
    record_loss(led, loss)
    record_glm(led, glm)
    record_prediction(led, pred)
    record_pythia(led, pythia)
    record_breakpoints(led, bp)
    led.save()

    table_loss(led, loss)
    table_glm(led, glm)
    table_prediction(led, pred)
    table_pythia(led, pythia)
    table_breakpoints(led, bp)

    figure_loss(loss)
    figure_prediction(pred)
    figure_breakpoints(bp)


if __name__ == "__main__":
    main()
