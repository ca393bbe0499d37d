"""Section "Beyond two families: an objective reality check" (Gadre et al. 2024 testbed, Lourie et al. 2025).

Pre-stated criterion (fixed before looking at any result; the manuscript states it verbatim):

  x = C4 validation loss L (nats/token; the loss Gadre et al. use for downstream prediction),
  y = top-1 error err = 1 - accuracy.  For each of the 46 tasks fit Gadre et al.'s law
  err = eps - k * exp(-gamma * L) by least squares on the TRAINING models, those with training
  compute 6ND <= 1e20 FLOPs (TRAIN_MAX_FLOPS), and predict the HELD-OUT models above that
  cutoff (every 1.4B and 6.9B model and the most over-trained 412M models).
  A task is "predictable" iff all of
    (a) the fit converges: the optimiser reports success and no parameter sits on its box bound;
    (b) the held-out mean absolute error of predicted accuracy is <= TAU = 2 accuracy points;
    (c) the fitted curve is a proper, non-trivial exponential: k > 0 and gamma > GAMMA_MIN
        (error rises monotonically with loss), and the fitted accuracy changes over the loss
        range of all 104 models by at least max(2 points, 4 binomial standard errors), the SE
        taken at the task's mean accuracy with its item count (the change exceeds chance noise).
  Variant (b'): MAE <= 2 x the binomial SE of the held-out accuracies (item count of the task).
The criterion for one task, with its thresholds, bounds and gamma grid, is
analysis/core/predictability_criterion.py; this script applies it to the 46 tasks.

Reported: fraction predictable with a percentile bootstrap over tasks and a Wilson interval, the
fraction as a function of tau, and agreement (Cohen's kappa) with Lourie et al.'s by-eye labels
(UNVERIFIED second-hand transcription). Added after the criterion was fixed (a calibration, not part
of it): the pass rate of each lawful task if it followed its own all-model fit exactly with binomial
noise only (its "power"). Pipeline check: Gadre et al.'s four published relative
errors (RedPajama family, 17-task average error, C4 loss) re-derived with their forms and start grid.
Published numbers compared against are read from data/published_comparisons.csv.

Outputs: ledger part `x7_reality_check` (keys `rc.*`), tables `rc_summary`, `rc_confusion`,
`rc_by_category`, `rc_tasks`, `rc_gadre_check`, figures `rc_sensitivity`, `rc_examples`.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy import optimize

from analysis.core import bootstrap, cli, config, data, data_related, forms
from analysis.core.figures import PALETTE, save_figure
from analysis.core.fmt import format_value
from analysis.core.ledger import Ledger
from analysis.core.predictability_criterion import (BINOM_K, GAMMA_MIN, SPAN_MIN, SPAN_SE, TAU, Verdict, classify,
                                                    fit_law, increasing_in_loss, span_threshold)
from analysis.core.report import Key, write_table
from analysis.core.small_sample import cohen_kappa, wilson

SCRIPT = "analysis/x7_reality_check.py"
LOSS = "loss_c4_val_nats_per_token"
# The pre-stated split of the criterion (module docstring); its thresholds, bounds and gamma grid are
# analysis.core.predictability_criterion's. None of these numbers change.
TRAIN_MAX_FLOPS = 1e20
TAU_GRID = np.round(np.arange(0.0, 10.0001, 0.1), 10)
SENS_TAUS = (1.0, 2.0, 3.0, 5.0, 10.0)
POWER_R = 40              # simulated replicates per task in the power calibration
LOURIE_CATEGORIES = ("predictable", "breakthrough", "noisy", "nonmonotonic", "trendless", "inverse")
EXAMPLE_TASKS = ("hellaswag", "arc_easy", "piqa", "boolq", "commonsense_qa", "mmlu")
# Gadre et al.'s pipeline (scaling_explorer.ipynb): the 5 small RedPajama runs of the loss fit, the
# 1.4B run added for the error fit, and the two extrapolation targets (tag, config, M).
SUBSET_SMALL = ("d=96_l=8_h=4", "d=512_l=8_h=4", "d=576_l=24_h=8", "d=1024_l=24_h=8")
GADRE_TARGETS = (("b1_m640", "open_lm_1b", 640), ("b7_m20", "open_lm_7b", 20))
GADRE_LABELS = {"loss.b1_m640": "C4 loss, 1.4B, M = 640", "loss.b7_m20": "C4 loss, 6.9B, M = 20",
                "err.b1_m640": "17-task error, 1.4B, M = 640", "err.b7_m20": "17-task error, 6.9B, M = 20"}


# --------------------------------------------------------------------------- load

@dataclass(frozen=True)
class Testbed:
    models: pd.DataFrame        # the 104 Gadre et al. runs
    info: pd.DataFrame          # the 46 tasks (metadata, Lourie label), indexed by task
    acc: pd.DataFrame           # accuracy fraction, models x tasks
    tasks: tuple[str, ...]
    L: np.ndarray               # C4 validation loss of each model
    train: np.ndarray           # models fitted (6ND <= TRAIN_MAX_FLOPS); the rest are held out
    lourie: np.ndarray          # Lourie et al.'s label "predictable", per task
    published: dict


def load() -> Testbed:
    models = data.load_table("gadre_models").reset_index(drop=True)
    info = data.load_table("gadre_task_info")
    long = data.load_table("gadre_tasks")
    acc = long.pivot(index="model", columns="task", values="accuracy_fraction").loc[models["model"]]
    return Testbed(models=models, info=info.set_index("task"), acc=acc, tasks=tuple(info["task"]),
                   L=models[LOSS].to_numpy(float),
                   train=models["train_flops_6ND"].to_numpy(float) <= TRAIN_MAX_FLOPS,
                   lourie=(info["lourie_category"] == "predictable").to_numpy(),
                   published=data_related.load_published())


# --------------------------------------------------------------------------- compute

@dataclass(frozen=True)
class Verdicts:
    """The criterion over all tasks, as arrays in task order."""
    by_task: dict[str, Verdict]
    pred: np.ndarray
    pred_b: np.ndarray
    relaxed: np.ndarray
    conv: np.ndarray
    mono: np.ndarray            # (c) first half, among converged fits
    span_ok: np.ndarray         # (c) second half, among converged fits
    mae_all: np.ndarray         # MAE of every fit the optimiser finished
    mae: np.ndarray             # MAE of converged fits (NaN otherwise)
    eps_upper: np.ndarray


def classify_tasks(tb: Testbed) -> Verdicts:
    L, train = tb.L, tb.train
    res = {}
    for t in tb.tasks:
        a = tb.acc[t].to_numpy(float)
        res[t] = classify(L[train], a[train], L[~train], a[~train], L, int(tb.info.loc[t, "n_items"]), float(a.mean()))

    def col(attr):
        return np.array([getattr(res[t], attr) for t in tb.tasks])

    conv, mae_all = col("converged"), col("mae")
    return Verdicts(by_task=res, pred=col("pred"), pred_b=col("pred_binom"), relaxed=col("pred_relaxed_a"),
                    conv=conv, mono=col("monotone") & conv, span_ok=col("span_ok") & conv, mae_all=mae_all,
                    mae=np.where(conv, mae_all, np.nan),
                    eps_upper=np.array([res[t].fit.eps_at_upper for t in tb.tasks]))


@dataclass(frozen=True)
class FractionIntervals:
    draws: np.ndarray           # (B, n) task indices of the bootstrap over tasks
    boot: tuple[float, float]   # percentile interval of the fraction predictable, %
    wilson: tuple[float, float]
    wilson_binom: tuple[float, float]


def fraction_intervals(v: Verdicts, B: int, seed: int) -> FractionIntervals:
    n = v.pred.size
    rng = bootstrap.stream(seed, "rc.tasks")
    draws = rng.integers(0, n, size=(B, n))
    lo, hi = bootstrap.percentile_interval(100 * v.pred[draws].mean(axis=1))
    wlo, whi = wilson(int(v.pred.sum()), n)
    blo, bhi = wilson(int(v.pred_b.sum()), n)
    return FractionIntervals(draws, (lo, hi), (100 * wlo, 100 * whi), (100 * blo, 100 * bhi))


@dataclass(frozen=True)
class Power:
    tasks: tuple[str, ...]      # tasks whose all-model fit is lawful
    rates: np.ndarray           # pass rate of each under the tau criterion
    rates_b: np.ndarray         # ... and under variant (b')
    in_sim: np.ndarray          # per task of the testbed: among `tasks`


def power_calibration(tb: Testbed, seed: int) -> Power:
    """How often would a task pass if it followed its own fitted law exactly, with only binomial
    sampling noise (item count of the task)? Truth = fit on all 104 models."""
    L, train = tb.L, tb.train
    rng = bootstrap.stream(seed, "rc.power")
    rates, rates_b, sim_tasks = [], [], []
    for t in tb.tasks:
        n_items = int(tb.info.loc[t, "n_items"])
        a = tb.acc[t].to_numpy(float)
        truth = fit_law(L, 1.0 - a)
        if not truth.converged or not increasing_in_loss(truth):
            continue
        p_true = np.clip(1.0 - truth.predict(L), 0.0, 1.0)
        span_true = 100 * abs(p_true.max() - p_true.min())
        if span_true < span_threshold(a.mean(), n_items):
            continue
        sims = rng.binomial(n_items, p_true, size=(POWER_R, L.size)) / n_items
        outs = [classify(L[train], s_[train], L[~train], s_[~train], L, n_items, float(s_.mean())) for s_ in sims]
        rates.append(np.mean([o.pred for o in outs]))
        rates_b.append(np.mean([o.pred_binom for o in outs]))
        sim_tasks.append(t)
    return Power(tuple(sim_tasks), np.array(rates), np.array(rates_b), np.array([t in sim_tasks for t in tb.tasks]))


@dataclass(frozen=True)
class Sensitivity:
    curve: np.ndarray           # % predictable at each tau of TAU_GRID
    band: np.ndarray            # (len(TAU_GRID), 2) bootstrap interval over tasks
    lourie_pct: float           # Lourie et al.'s published fraction, %
    tau_match: float            # smallest tau reaching it (NaN: never)
    ceiling: float              # % passing (a) and (c): the curve's limit


def sensitivity(tb: Testbed, v: Verdicts, draws: np.ndarray) -> Sensitivity:
    ac = v.conv & v.mono & v.span_ok
    curve = np.array([100 * np.mean(ac & (v.mae <= tau)) for tau in TAU_GRID])
    band = np.array([bootstrap.percentile_interval(100 * (ac & (v.mae <= tau))[draws].mean(axis=1)) for tau in TAU_GRID])
    lourie_pct = 100 * tb.published["lourie2025.n_predictable"] / len(tb.tasks)
    tau_match = TAU_GRID[np.argmax(curve >= lourie_pct)] if np.any(curve >= lourie_pct) else np.nan
    return Sensitivity(curve, band, lourie_pct, float(tau_match), 100 * float(np.mean(ac)))


@dataclass(frozen=True)
class GadreCheck:
    rel_err: dict               # "loss.<tag>" / "err.<tag>" -> relative error, %
    loss_law: np.ndarray        # (a, c, b, E) of forms "gadre_loss_law_code"
    error_law: np.ndarray       # (k, gamma, eps) of forms "gadre_error_law_code"


def gadre_check(tb: Testbed) -> GadreCheck:
    """Re-derive Gadre et al.'s headline relative errors with their forms and start grid."""
    models, loss_law, error_law = tb.models, forms.get("gadre_loss_law_code"), forms.get("gadre_error_law_code")
    sub = tb.info.index[tb.info["in_gadre_subset17"] == 1].tolist()
    err17 = 1.0 - tb.acc[sub].mean(axis=1)
    r = models[models["corpus"] == "rpj"]
    small = r[(r["model_config"].isin(SUBSET_SMALL) & (r["tokens_per_param_M"] == 20))
              | ((r["model_config"] == "d=96_l=8_h=4") & (r["tokens_per_param_M"] == 320))]
    x = (small["params_count"].to_numpy(float), small["tokens_per_param_M"].to_numpy(float))
    y = small[LOSS].to_numpy(float)
    best = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for p0 in loss_law.starts:   # their code keeps the best fit of the start grid
            try:
                popt, _ = optimize.curve_fit(loss_law.func, x, y, p0=p0, maxfev=10000)
            except RuntimeError:
                continue
            s = np.sqrt(np.sum((y - loss_law.func(x, *popt)) ** 2) / (y.size - 2))
            if best is None or s < best[0]:
                best = (s, popt)
        ploss = best[1]
        b1 = r[(r["model_config"] == "open_lm_1b") & (r["tokens_per_param_M"] == 20)]
        train = list(small["model"]) + list(b1["model"])
        idx = models.set_index("model")
        perr, _ = optimize.curve_fit(error_law.func, idx.loc[train, LOSS].to_numpy(float),
                                     err17.loc[train].to_numpy(float), p0=error_law.starts[0], maxfev=10000)
    out = {}
    for tag, cfg, M in GADRE_TARGETS:
        row = r[(r["model_config"] == cfg) & (r["tokens_per_param_M"] == M)].iloc[0]
        lhat = loss_law.func((row["params_count"], row["tokens_per_param_M"]), *ploss)
        out[f"loss.{tag}"] = 100 * abs(lhat - row[LOSS]) / row[LOSS]
        ehat = error_law.func(lhat, *perr)
        out[f"err.{tag}"] = 100 * abs(ehat - err17.loc[row["model"]]) / err17.loc[row["model"]]
    return GadreCheck(out, ploss, perr)


@dataclass(frozen=True)
class RealityCheck:
    verdicts: Verdicts
    intervals: FractionIntervals
    power: Power
    sens: Sensitivity
    gadre: GadreCheck


def compute(tb: Testbed, B: int, seed: int) -> RealityCheck:
    v = classify_tasks(tb)
    iv = fraction_intervals(v, B, seed)
    return RealityCheck(v, iv, power_calibration(tb, seed), sensitivity(tb, v, iv.draws), gadre_check(tb))


# --------------------------------------------------------------------------- record

def _names(tasks, mask) -> str:
    return ", ".join(t for t, m in zip(tasks, mask) if m) or "none"


def record_design(led: Ledger, tb: Testbed) -> None:
    L, train = tb.L, tb.train
    led.add("rc.n_models", len(tb.models), "int", unit="models")
    led.add("rc.n_tasks", len(tb.tasks), "int", unit="tasks")
    led.add("rc.n_train", int(train.sum()), "int", unit="models")
    led.add("rc.n_test", int((~train).sum()), "int", unit="models")
    led.add("rc.test_share", 100 * float((~train).mean()), "pct0", unit="%")
    led.add("rc.train_max_flops", TRAIN_MAX_FLOPS, "e0", unit="FLOPs", note="criterion: training compute cutoff")
    led.add("rc.tau", TAU, "f1", unit="accuracy points", note="criterion (b) threshold")
    led.add("rc.span_min", SPAN_MIN, "f1", unit="accuracy points")
    led.add("rc.span_se", SPAN_SE, "f1", unit="binomial SEs")
    led.add("rc.binom_k", BINOM_K, "f1", unit="binomial SEs", note="variant (b')")
    led.add("rc.gamma_min", GAMMA_MIN, "e0")
    led.add("rc.test_loss_min", float(L[~train].min()), "f2", unit="nats/token")
    led.add("rc.train_loss_min", float(L[train].min()), "f2", unit="nats/token")


def record_verdicts(led: Ledger, tb: Testbed, v: Verdicts, iv: FractionIntervals, B: int) -> None:
    tasks, n = tb.tasks, len(tb.tasks)
    conv, mono, span_ok, mae = v.conv, v.mono, v.span_ok, v.mae
    led.add("rc.n_nonconverged", int((~conv).sum()), "int", unit="tasks",
            note="fits failing (a): optimiser failure or a parameter on its bound")
    led.add("rc.n_nonconv_eps_upper", int(v.eps_upper.sum()), "int", unit="tasks",
            note="non-converged fits whose asymptote eps ran to its upper bound with gamma near 0: a near-linear "
                 "trend that the exponential family reaches only in a limit")
    led.add("rc.n_predictable_relaxed_a", int(v.relaxed.sum()), "int", unit="tasks",
            note="(b) and (c) only, i.e. fits on a bound accepted")
    led.add("rc.frac_predictable_relaxed_a", 100 * v.relaxed.mean(), "pct0", unit="%", paper=False)
    led.add("rc.relaxed_a_extra", _names(tasks, v.relaxed & ~v.pred), "str", paper=False)
    led.add("rc.nonconverged_list", _names(tasks, ~conv), "str", paper=False)
    led.add("rc.n_fail_monotone", int((conv & ~mono).sum()), "int", unit="tasks")
    led.add("rc.n_fail_span", int((conv & mono & ~span_ok).sum()), "int", unit="tasks")
    led.add("rc.n_fail_mae", int((conv & mono & span_ok & (mae > TAU)).sum()), "int", unit="tasks")
    led.add("rc.n_pass_ac", int((conv & mono & span_ok).sum()), "int", unit="tasks", paper=False,
            note="tasks passing (a) and (c); the ceiling of the fraction as tau grows")
    led.add("rc.n_predictable", int(v.pred.sum()), "int", unit="tasks")
    led.add("rc.frac_predictable", 100 * v.pred.mean(), "pct0", unit="%")
    led.add("rc.frac_ci_lo", iv.boot[0], "pct0", unit="%", note=f"percentile bootstrap over tasks, B={B}")
    led.add("rc.frac_ci_hi", iv.boot[1], "pct0", unit="%")
    led.add("rc.frac_wilson_lo", iv.wilson[0], "pct0", unit="%")
    led.add("rc.frac_wilson_hi", iv.wilson[1], "pct0", unit="%")
    led.add("rc.n_predictable_binom", int(v.pred_b.sum()), "int", unit="tasks", paper=False)
    led.add("rc.frac_predictable_binom", 100 * v.pred_b.mean(), "pct0", unit="%")
    led.add("rc.frac_binom_wilson_lo", iv.wilson_binom[0], "pct0", unit="%")
    led.add("rc.frac_binom_wilson_hi", iv.wilson_binom[1], "pct0", unit="%")
    led.add("rc.lourie_n_predictable", int(tb.lourie.sum()), "int", unit="tasks",
            note="Lourie et al. 2025 by-eye labels, UNVERIFIED third-party transcription")
    n_lourie = tb.published["lourie2025.n_predictable"]
    frac_lourie = 100 * n_lourie / n
    led.add("rc.lourie_frac_published", frac_lourie, "pct0", unit="%",
            note=f"published: Lourie et al. 2025, abstract ({n_lourie}/{n} = {format_value(frac_lourie, 'pct0')})")
    led.add("rc.predictable_list", _names(tasks, v.pred), "str")


def record_power(led: Ledger, v: Verdicts, p: Power) -> None:
    led.add("rc.power.r", POWER_R, "int", unit="replicates per task")
    led.add("rc.power.n_tasks", len(p.tasks), "int", unit="tasks",
            note="tasks whose all-model fit converges, is increasing in loss and spans more than chance noise")
    led.add("rc.power.median_pass", 100 * float(np.median(p.rates)), "pct0", unit="%")
    led.add("rc.power.expected_n", float(p.rates.sum()), "f1", unit="tasks",
            note="expected number of these tasks passing the tau criterion if each were exactly its law "
                 "+ binomial noise")
    led.add("rc.power.expected_n_binom", float(p.rates_b.sum()), "f1", unit="tasks")
    led.add("rc.power.observed_n", int(v.pred[p.in_sim].sum()), "int", unit="tasks")
    led.add("rc.power.observed_n_binom", int(v.pred_b[p.in_sim].sum()), "int", unit="tasks")


def record_agreement(led: Ledger, tb: Testbed, v: Verdicts) -> None:
    for name, ours in (("main", v.pred), ("binom", v.pred_b)):
        po, kappa = cohen_kappa(ours, tb.lourie)
        led.add(f"rc.agree.{name}.pct", 100 * po, "pct0", unit="%", paper=name != "binom")
        led.add(f"rc.agree.{name}.kappa", kappa, "f2")
    for oi, ours in ((1, True), (0, False)):
        for li, lab in ((1, True), (0, False)):
            led.add(f"rc.conf.ours{oi}_lourie{li}", int(np.sum((v.pred == ours) & (tb.lourie == lab))), "int",
                    unit="tasks")
    cats = tb.info["lourie_category"].to_numpy()
    for cat in LOURIE_CATEGORIES:
        m = cats == cat
        led.add(f"rc.cat.{cat}.n", int(m.sum()), "int", unit="tasks")
        led.add(f"rc.cat.{cat}.n_ours", int(v.pred[m].sum()), "int", unit="tasks")
        led.add(f"rc.cat.{cat}.n_ours_binom", int(v.pred_b[m].sum()), "int", unit="tasks")
        led.add(f"rc.cat.{cat}.median_mae", float(np.nanmedian(v.mae_all[m])), "f1", unit="accuracy points")


def record_tasks(led: Ledger, tb: Testbed, v: Verdicts) -> None:
    for t in tb.tasks:
        r = v.by_task[t]
        if r.fit.optimiser_ok:
            led.add(f"rc.task.{t}.mae", r.mae, "f1", unit="accuracy points")
            led.add(f"rc.task.{t}.span", r.span, "f1", unit="accuracy points")
            led.add(f"rc.task.{t}.gamma", r.fit.gamma, "f2", unit="per nat")


def record_sensitivity(led: Ledger, s: Sensitivity) -> None:
    for tau in SENS_TAUS:
        led.add(f"rc.sens.tau{int(tau)}", float(s.curve[np.isclose(TAU_GRID, tau)][0]), "pct0", unit="%",
                paper=tau != 2.0)
    if np.isfinite(s.tau_match):
        led.add("rc.sens.tau_match_lourie", s.tau_match, "f1", unit="accuracy points", paper=False,
                note="smallest tau at which our fraction reaches Lourie et al.'s 39%")
    else:
        led.add("rc.sens.tau_match_lourie", "never (ceiling below 39%)", "str", paper=False)
    led.add("rc.ceiling", s.ceiling, "pct0", unit="%")


def record_gadre(led: Ledger, tb: Testbed, g: GadreCheck) -> None:
    pub = tb.published
    led.add("rc.gadre.n_subset", int(tb.info["in_gadre_subset17"].sum()), "int", unit="tasks")
    led.add("rc.gadre.provenance_err_k", pub["raw_gadre2024.err_law_k"], "f3", paper=False,
            note="published check in the raw PROVENANCE.md (k, gamma, eps)")
    for k, value in g.rel_err.items():
        led.add(f"rc.gadre.{k}.ours", value, "pct2", unit="% relative error")
        led.add(f"rc.gadre.{k}.published", pub[f"gadre2024.rel_err.{k.replace('.', '_')}"], "pct2",
                unit="% relative error",
                note="published: Gadre et al. 2024 scaling_explorer.ipynb outputs (mlfoundations/scaling @a003c49)")
    led.add("rc.gadre.loss_b", float(g.loss_law[2]), "f4", paper=False)
    led.add("rc.gadre.loss_e", float(g.loss_law[3]), "f3", unit="nats/token", paper=False)
    led.add("rc.gadre.err_k", float(g.error_law[0]), "f3")
    led.add("rc.gadre.err_gamma", float(g.error_law[1]), "f4", unit="per nat")
    led.add("rc.gadre.err_eps", float(g.error_law[2]), "f4")


def record(led: Ledger, tb: Testbed, rc: RealityCheck, B: int) -> None:
    record_design(led, tb)
    record_verdicts(led, tb, rc.verdicts, rc.intervals, B)
    record_power(led, rc.verdicts, rc.power)
    record_agreement(led, tb, rc.verdicts)
    record_tasks(led, tb, rc.verdicts)
    record_sensitivity(led, rc.sens)
    record_gadre(led, tb, rc.gadre)


# --------------------------------------------------------------------------- tables

def write_tables(led: Ledger, tb: Testbed, rc: RealityCheck) -> None:
    pct = f"{100 * config.CI_LEVEL:g}%"
    write_table("rc_confusion", ["Our criterion", "Lourie: predictable", "Lourie: other"],
                [["predictable", Key("rc.conf.ours1_lourie1"), Key("rc.conf.ours1_lourie0")],
                 ["not predictable", Key("rc.conf.ours0_lourie1"), Key("rc.conf.ours0_lourie0")]], led)
    rows = [[cat] + [Key(f"rc.cat.{cat}.{s}") for s in ("n", "n_ours", "n_ours_binom", "median_mae")]
            for cat in LOURIE_CATEGORIES]
    write_table("rc_by_category", ["Lourie category (unverified)", "tasks", "predictable (τ)",
                                   "predictable (binomial)", "median held-out MAE (pts)"], rows, led)
    rows = []
    for t in tb.tasks:
        r = rc.verdicts.by_task[t]
        cols = ([Key(f"rc.task.{t}.{s}") for s in ("mae", "span", "gamma")] if r.fit.optimiser_ok
                else ["not converged"] * 3)
        fails = [c for c, bad in (("a", not r.converged), ("b", not r.mae <= TAU),
                                  ("c", not (r.monotone and r.span_ok))) if bad]
        verdict = "yes" if r.pred else "no (" + ", ".join(fails) + ")"
        rows.append([t.replace("_", " "), tb.info.loc[t, "lourie_category"]] + cols + [verdict])
    write_table("rc_tasks", ["Task", "Lourie (unverified)", "held-out MAE (pts)", "fitted span (pts)", "γ",
                             "predictable"], rows, led, align="llrrrl")
    write_table("rc_summary", ["Quantity", "Value"], [
        ["tasks predictable (τ criterion)", Key("rc.n_predictable")],
        ["fraction predictable", Key("rc.frac_predictable")],
        [f"bootstrap {pct} CI, low", Key("rc.frac_ci_lo")],
        [f"bootstrap {pct} CI, high", Key("rc.frac_ci_hi")],
        ["fraction predictable (binomial variant)", Key("rc.frac_predictable_binom")],
        ["Lourie et al. (by eye, published)", Key("rc.lourie_frac_published")],
        ["agreement with Lourie labels", Key("rc.agree.main.pct")],
        ["Cohen's κ", Key("rc.agree.main.kappa")],
        ["fits not converged", Key("rc.n_nonconverged")],
    ], led)
    rows = [[GADRE_LABELS[k], Key(f"rc.gadre.{k}.ours"), Key(f"rc.gadre.{k}.published")] for k in rc.gadre.rel_err]
    write_table("rc_gadre_check", ["Target (RedPajama)", "ours", "published"], rows, led)


# --------------------------------------------------------------------------- figures

def plot_sensitivity(tb: Testbed, s: Sensitivity) -> None:
    fig, ax = plt.subplots(figsize=(4.6, 2.8))
    ax.fill_between(TAU_GRID, s.band[:, 0], s.band[:, 1], color=PALETTE[0], alpha=0.2, lw=0,
                    label=f"{100 * config.CI_LEVEL:g}% bootstrap over tasks")
    ax.step(TAU_GRID, s.curve, where="post", color=PALETTE[0], label="our criterion")
    n_lourie = tb.published["lourie2025.n_predictable"]
    ax.axhline(s.lourie_pct, color=PALETTE[3], ls="--", lw=1,
               label=f"Lourie et al. by eye ({n_lourie}/{len(tb.tasks)})")
    ax.axvline(TAU, color="black", ls=":", lw=0.8, label=f"pre-stated τ = {TAU:g} points")
    ax.set_xlabel("held-out MAE threshold τ (accuracy points)")
    ax.set_ylabel("tasks predictable (%)")
    ax.set_ylim(0, 100)
    ax.legend(frameon=False, fontsize=7, loc="upper left")
    save_figure(fig, "rc_sensitivity")


def plot_examples(tb: Testbed, v: Verdicts) -> None:
    L, train = tb.L, tb.train
    ex = [t for t in EXAMPLE_TASKS if t in tb.tasks]
    fig, axes = plt.subplots(2, 3, figsize=(7.0, 4.0), sharex=True)
    grid = np.linspace(L.min() - 0.05, L.max() + 0.05, 200)
    for ax, t in zip(axes.flat, ex):
        a = 100 * tb.acc[t].to_numpy(float)
        r = v.by_task[t]
        ax.scatter(L[train], a[train], s=8, color=PALETTE[0], label="fitted (≤ cutoff)")
        ax.scatter(L[~train], a[~train], s=14, marker="^", color=PALETTE[3], label="held out")
        if r.fit.optimiser_ok:
            ax.plot(grid, 100 * (1 - r.fit.predict(grid)), color="black", lw=1, label="fitted law")
        ax.set_title(f"{t} ({'predictable' if r.pred else 'not predictable'})", fontsize=8)
        ax.invert_xaxis()
    for ax in axes[:, 0]:
        ax.set_ylabel("accuracy (%)")
    for ax in axes[1, :]:
        ax.set_xlabel("C4 validation loss (nats/token)")
    axes.flat[0].legend(frameon=False, fontsize=6)
    fig.tight_layout()
    save_figure(fig, "rc_examples")


# --------------------------------------------------------------------------- main

def main(argv=None) -> None:
    args = cli.parser(__doc__).parse_args(argv)
    tb = load()
    rc = compute(tb, args.B, args.seed)
    led = Ledger(SCRIPT)
    record(led, tb, rc, args.B)
    write_tables(led, tb, rc)
    plot_sensitivity(tb, rc.sens)
    plot_examples(tb, rc.verdicts)
    led.save()


if __name__ == "__main__":
    main()
