"""Section "Chinchilla refit": Epoch AI's Huber/LSE estimator on the reconstructed Chinchilla points,
and the identifiability of the Chinchilla form on Cerebras-GPT (D ∝ N) versus Pythia checkpoints.

Outputs: ledger part `x6_chinchilla` (keys `chin.*`), tables `chin_epoch_fit`,
`chin_identifiability`, figures `chin_epoch_fit`, `chin_identifiability`.

The estimator (Hoffmann et al. 2022, Approach 3, as replicated by Besiroglu et al. 2024) and
its start grid, bootstrap and data points live in `analysis/core/chinchilla_estimator.py`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import matplotlib.pyplot as plt

from analysis.core import chinchilla_estimator as ce
from analysis.core import cli, config, data, fitting
from analysis.core.figures import PALETTE, save_figure
from analysis.core.ledger import Ledger
from analysis.core.profile_likelihood import ProfileInterval, lr_cut, profile_interval
from analysis.core.report import Key, level_label, percentile_labels, write_table

SCRIPT = "analysis/x6_chinchilla.py"
# parameter -> ledger key word (keys are lower case; e/a/b are the log-scale parameters)
KEYWORD = {"E": "e_irr", "A": "a_coef", "B": "b_coef", "alpha": "alpha", "beta": "beta", "a_opt": "a_opt",
           "b_opt": "b_opt", "tpp_chinchilla": "tpp_chinchilla", "huber_objective": "huber_objective"}
PROFILE_GRID = np.linspace(0.01, 1.99, 67)
# ledger spec and unit of each bootstrapped parameter; PUBLISHED are those with published values
SPECS = {"E": ("f3", "nats/token"), "A": ("f1", ""), "B": ("f0", ""), "alpha": ("f3", ""),
         "beta": ("f3", ""), "a_opt": ("f3", ""), "b_opt": ("f3", ""), "tpp_chinchilla": ("f1", "tokens/parameter")}
PUBLISHED = ("E", "A", "B", "alpha", "beta")
COMPARED = PUBLISHED + ("a_opt",)
# recorded for verification, not printed in the paper
UNPRINTED_OURS = {"b_opt", "b_opt_ci_hi", "b_opt_ci_lo", "tpp_chinchilla_ci_hi", "tpp_chinchilla_ci_lo"}


# --------------------------------------------------------------------------- load


@dataclass(frozen=True)
class Setup:
    """One data set for the identifiability check: x = (N, D), y = loss."""
    x: np.ndarray
    y: np.ndarray
    label: str


@dataclass(frozen=True)
class Inputs:
    points: ce.EpochPoints
    pub: dict                # (estimate_set, parameter) -> row of data/chinchilla_published.csv
    chinchilla_c: float      # the Chinchilla model's training compute 6 N D, FLOPs
    setups: dict             # name -> Setup
    pythia_n_models: int
    pythia_n_steps: int


def published() -> dict:
    p = data.load_table("chinchilla_published")
    return {(r.estimate_set, r.parameter): r for r in p.itertuples(index=False)}


def chinchilla_compute(pub: dict) -> float:
    """Training compute C = 6 N D (FLOPs) of the Chinchilla model, from its published N and D."""
    return 6 * pub[("chinchilla_model", "params")].value * pub[("chinchilla_model", "train_tokens")].value


def pythia_points(min_step=config.PYTHIA_MIN_STEP):
    traj = data.load_pythia_trajectory()
    models = data.load_pythia_models()
    std = models[models["deduped"] == 0]
    sel = traj[(traj["task"] == "lambada_openai") & (traj["metric"] == "ppl") & (traj["num_fewshot"] == 0)
               & (traj["step"] >= min_step) & traj["model"].isin(std["model"])]
    n = sel["model"].map(dict(zip(std["model"], std["params_total"]))).to_numpy(float)
    d = sel["tokens_seen_derived"].to_numpy(float)
    return n, d, np.log(sel["value"].to_numpy(float)), sel


def load() -> Inputs:
    cer = data.load_cerebras()
    xc = np.vstack([cer["params_nominal"].to_numpy(float), cer["train_tokens"].to_numpy(float)])
    npy, dpy, ypy, sel = pythia_points()
    setups = {"cerebras": Setup(xc, cer["pile_loss_hf_card"].to_numpy(float),
                                "Cerebras-GPT, Pile test loss (nats/token)"),
              "pythia": Setup(np.vstack([npy, dpy]), ypy, "Pythia checkpoints, ln LAMBADA perplexity")}
    pub = published()
    return Inputs(ce.epoch_points(), pub, chinchilla_compute(pub), setups, int(sel["model"].nunique()),
                  int(sel["step"].nunique()))


# --------------------------------------------------------------------------- compute


@dataclass(frozen=True)
class EpochRefit:
    grid: ce.GridFit
    boot: ce.BootstrapFit
    ours: dict               # natural-scale parameters at the optimum
    ci: dict                 # parameter -> ce.Interval


def refit_epoch(points: ce.EpochPoints, compute: float, B: int, seed: int, stage=lambda what: None) -> EpochRefit:
    """Grid fit and bootstrap; compute-optimal quantities are evaluated at `compute` (FLOPs)."""
    lN, lD, lL = points.logs
    grid = ce.fit_grid(lN, lD, lL)
    stage("grid")
    boot = ce.bootstrap_fit(grid.theta, lN, lD, lL, B, seed, "chin.epoch")
    stage("bootstrap")
    return EpochRefit(grid, boot, ce.natural(grid.theta, compute), boot.intervals(compute))


@dataclass(frozen=True)
class Comparison:
    hoffmann_theta: list     # Hoffmann et al.'s unrounded (a, b, e, alpha, beta)
    hoffmann: dict           # ... on the natural scale
    epoch_inside: dict       # parameter -> is Epoch's MLE inside our interval?
    hoffmann_inside: dict    # parameter -> is Hoffmann's unrounded estimate inside our interval?
    reldiff_pct: dict        # parameter -> |ours / Epoch's Approach 3 - 1| in percent


def compare(refit: EpochRefit, pub: dict, compute: float) -> Comparison:
    theta_h = [pub[("hoffmann_unrounded", p)].value for p in ce.PARAMS]
    hoff = ce.natural(theta_h, compute)
    inside = {p: refit.ci[p].lo <= pub[("epoch_mle", p)].value <= refit.ci[p].hi for p in COMPARED}
    inside_h = {p: refit.ci[p].lo <= hoff[p] <= refit.ci[p].hi for p in COMPARED}
    rel = {p: abs(refit.ours[p] / pub[("epoch_approach3", p)].value - 1) * 100 for p in PUBLISHED}
    return Comparison(theta_h, hoff, inside, inside_h, rel)


@dataclass(frozen=True)
class Identifiability:
    corr_logn_logd: float
    fit: fitting.FitResult
    profiles: dict[str, ProfileInterval]  # "alpha"/"beta"; empty if the fit did not converge


def identifiability(setup: Setup) -> Identifiability:
    x, y = setup.x, setup.y
    corr = float(np.corrcoef(np.log(x[0]), np.log(x[1]))[0, 1])
    res = fitting.fit("chinchilla", x, y)
    profiles = {par: profile_interval(res, par, PROFILE_GRID) for par in ("alpha", "beta")} if res.converged else {}
    return Identifiability(corr, res, profiles)


# --------------------------------------------------------------------------- record


def record_epoch(led: Ledger, points: ce.EpochPoints, refit: EpochRefit, B: int, seed: int) -> None:
    keep, loss = points.keep, points.loss
    led.add("chin.n_points_raw", points.n.size, "int", unit="points")
    led.add("chin.n_points_fit", int(keep.sum()), "int", unit="points")
    led.add("chin.n_outliers", int((~keep).sum()), "int", unit="points")
    led.add("chin.outlier_threshold", float(loss[~keep].min()), "f3", unit="nats/token",
            note="lowest loss among the dropped points; kept points have loss below it")
    led.add("chin.huber_delta", ce.DELTA, "e0")
    g = refit.grid
    led.add("chin.grid.n_starts", g.n_starts, "int", unit="starts")
    led.add("chin.grid.n_converged", g.n_converged, "int", unit="starts", paper=False,
            note="L-BFGS-B runs ending with warnflag 0; the others are counted, not used")
    led.add("chin.grid.n_nonconverged", g.n_starts - g.n_converged, "int", unit="starts")
    led.add("chin.grid.n_at_optimum", g.n_at_optimum, "int", unit="starts",
            note="starts whose final objective is within 1e-6 (relative) of the best")
    led.add("chin.ours.huber_objective", g.objective, "e5")
    led.add("chin.bootstrap_b", B, "int", unit="replicates")
    led.add("chin.bootstrap_failed", refit.boot.n_failed, "int", unit="replicates",
            note="non-convergent bootstrap refits (after one restart), excluded from the intervals")
    led.add("chin.seed", str(seed), "str")
    for p, (spec, unit) in SPECS.items():
        base = f"chin.ours.{KEYWORD[p]}"
        ci = refit.ci[p]
        for key, value in ((base, refit.ours[p]), (f"{base}_ci_lo", ci.lo), (f"{base}_ci_hi", ci.hi)):
            led.add(key, value, spec, unit=unit, paper=key.removeprefix("chin.ours.") not in UNPRINTED_OURS)
        led.add(f"{base}_se", ci.se, spec, unit=unit, paper=False)
    led.add("chin.ours.alpha_beta_boot_corr", refit.boot.alpha_beta_corr, "f2",
            note="correlation of bootstrap (alpha, beta) draws")


def record_published(led: Ledger, pub: dict, cmp: Comparison) -> None:
    """The published values (data/chinchilla_published.csv) and what follows from them."""
    led.add("chin.pub.epoch_approach3.huber_objective", pub[("epoch_approach3", "huber_objective")].value, "e5")
    for p in PUBLISHED:
        spec = SPECS[p][0]
        for s in ("epoch_mle", "epoch_approach3", "hoffmann_printed"):
            led.add(f"chin.pub.{s}.{KEYWORD[p]}", pub[(s, p)].value, spec)
        led.add(f"chin.pub.epoch_mle.{KEYWORD[p]}_ci_lo", pub[("epoch_mle", p)].ci_lo, spec)
        led.add(f"chin.pub.epoch_mle.{KEYWORD[p]}_ci_hi", pub[("epoch_mle", p)].ci_hi, spec)
        led.add(f"chin.derived.hoffmann_unrounded.{KEYWORD[p]}", cmp.hoffmann[p], spec,
                note="from the unrounded log-scale estimates in the TeX source")
    led.add("chin.pub.epoch_mle.a_opt", pub[("epoch_mle", "a_opt")].value, "f3")
    led.add("chin.pub.epoch_mle.a_opt_se", pub[("epoch_mle", "a_opt")].se, "f3", paper=False)
    for s in ("epoch_approach3", "hoffmann_printed"):
        al, be = pub[(s, "alpha")].value, pub[(s, "beta")].value
        led.add(f"chin.derived.{s}.a_opt", be / (al + be), "f3",
                note="beta/(alpha+beta) computed from the published point estimates")
    led.add("chin.derived.hoffmann_unrounded.a_opt", cmp.hoffmann["a_opt"], "f3")
    led.add("chin.derived.hoffmann_unrounded.tpp_chinchilla", cmp.hoffmann["tpp_chinchilla"], "f1",
            unit="tokens/parameter")
    for end in ("lo", "hi"):
        led.add(f"chin.pub.hoffmann_reported.a_opt_ci_{end}", getattr(pub[("hoffmann_reported", "a_opt")], f"ci_{end}"),
                "f3", paper=False)


def record_comparison(led: Ledger, cmp: Comparison) -> None:
    level = level_label()
    for p in COMPARED:
        led.add(f"chin.status.epoch_in_ci.{KEYWORD[p]}", "inside" if cmp.epoch_inside[p] else "outside", "str",
                note=f"is Epoch's published (MLE) estimate inside our {level} bootstrap interval?")
        led.add(f"chin.status.hoffmann_in_ci.{KEYWORD[p]}", "inside" if cmp.hoffmann_inside[p] else "outside",
                "str", paper=False,
                note=f"Hoffmann et al.'s unrounded estimate inside our {level} bootstrap interval?")
    for p, rel in cmp.reldiff_pct.items():
        led.add(f"chin.ours.{KEYWORD[p]}_reldiff_approach3", rel, "pct2", paper=False,
                note="|ours / Epoch's Approach-3 replication - 1|")
    led.add("chin.status.n_epoch_in_ci", sum(cmp.epoch_inside.values()), "int", unit="of 6 parameters")
    led.add("chin.status.n_hoffmann_in_ci", sum(cmp.hoffmann_inside.values()), "int", unit="of 6 parameters")
    led.add("chin.ours.max_reldiff_approach3", max(cmp.reldiff_pct.values()), "pct2", paper=False)


def record_identifiability(led: Ledger, inputs: Inputs, ident: dict) -> None:
    pythia = inputs.setups["pythia"]
    led.add("chin.pythia.n_points", int(pythia.y.size), "int", unit="checkpoints")
    led.add("chin.pythia.n_models", inputs.pythia_n_models, "int", unit="models")
    led.add("chin.pythia.min_step", config.PYTHIA_MIN_STEP, "int", unit="steps")
    led.add("chin.pythia.n_steps", inputs.pythia_n_steps, "int", unit="checkpoints per model")
    for name, idf in ident.items():
        base, res = f"chin.ident.{name}", idf.fit
        led.add(f"{base}.corr_logn_logd", idf.corr_logn_logd, "f4",
                note="correlation of ln N and ln D across the fitted points")
        led.add(f"{base}.n_points", int(res.y.size), "int", unit="points")
        led.add(f"{base}.converged", int(res.converged), "int", paper=False)
        if not res.converged:
            led.add(f"{base}.status", "fit did not converge", "str", note=res.message)
            continue
        p = res.params
        led.add(f"{base}.alpha", p["alpha"], "f3")
        led.add(f"{base}.beta", p["beta"], "f3")
        led.add(f"{base}.l_inf", p["l_inf"], "f3", paper=False)
        led.add(f"{base}.r2", res.stats["r2"], "f4", paper=False)
        led.add(f"{base}.n_at_bound", len(res.at_bound), "int", unit="parameters", paper=False,
                note="at a box bound: " + (", ".join(res.at_bound) or "none"))
        for par, pi in idf.profiles.items():
            led.add(f"{base}.{par}_profile_lo", pi.lo, "f3")
            led.add(f"{base}.{par}_profile_hi", pi.hi, "f3")
            led.add(f"{base}.{par}_profile_width", pi.hi - pi.lo, "f3", paper=False)
            led.add(f"{base}.{par}_lo_open", int(pi.lo_open), "int", paper=False)
            led.add(f"{base}.{par}_hi_open", int(pi.hi_open), "int", paper=False)
            led.add(f"{base}.{par}_identified", "closed" if pi.closed else "open (runs into the grid edge)", "str",
                    note=f"{level_label()} profile-likelihood interval over the grid "
                         f"[{PROFILE_GRID[0]}, {PROFILE_GRID[-1]}]")
            led.add(f"{base}.{par}_lr_max", float(np.nanmax(pi.curve[1])), "f1", paper=False,
                    note="largest profile LR statistic over the grid")
    led.add("chin.ident.profile_grid_lo", float(PROFILE_GRID[0]), "f2")
    led.add("chin.ident.profile_grid_hi", float(PROFILE_GRID[-1]), "f2")
    led.add("chin.ident.profile_grid_n", int(PROFILE_GRID.size), "int", paper=False)


# --------------------------------------------------------------------------- tables


def epoch_table(led: Ledger) -> None:
    labels = {"E": "E (nats/token)", "A": "A", "B": "B", "alpha": "α", "beta": "β", "a_opt": "a = β/(α+β)"}
    dash = "–"
    rows = []
    for p in COMPARED:
        w = KEYWORD[p]
        if p == "a_opt":  # no published interval; the published point values are derived from α, β
            a3, hp = Key("chin.derived.epoch_approach3.a_opt"), Key("chin.derived.hoffmann_printed.a_opt")
            ep_ci = (dash, dash)
        else:
            a3, hp = Key(f"chin.pub.epoch_approach3.{w}"), Key(f"chin.pub.hoffmann_printed.{w}")
            ep_ci = (Key(f"chin.pub.epoch_mle.{w}_ci_lo"), Key(f"chin.pub.epoch_mle.{w}_ci_hi"))
        rows.append([labels[p], Key(f"chin.ours.{w}"), Key(f"chin.ours.{w}_ci_lo"), Key(f"chin.ours.{w}_ci_hi"),
                     a3, Key(f"chin.pub.epoch_mle.{w}"), *ep_ci, hp, Key(f"chin.derived.hoffmann_unrounded.{w}"),
                     Key(f"chin.status.epoch_in_ci.{w}")])
    lo, hi = percentile_labels()
    write_table("chin_epoch_fit",
                ["Parameter", "ours", f"ours {lo}", f"ours {hi}", "Epoch Approach 3", "Epoch MLE",
                 f"Epoch {lo}", f"Epoch {hi}", "Hoffmann (printed)", "Hoffmann (unrounded)", "Epoch MLE in our CI"],
                rows, led, align="lrrrrrrrrrl")


def identifiability_table(led: Ledger, ident: dict) -> None:
    rows = []
    for name, lab in (("cerebras", "Cerebras-GPT (Pile loss)"), ("pythia", "Pythia checkpoints (ln LAMBADA ppl)")):
        b = f"chin.ident.{name}"
        if not ident[name].profiles:
            continue
        rows.append([lab, Key(f"{b}.n_points"), Key(f"{b}.corr_logn_logd"), Key(f"{b}.alpha"),
                     Key(f"{b}.alpha_profile_lo"), Key(f"{b}.alpha_profile_hi"), Key(f"{b}.beta"),
                     Key(f"{b}.beta_profile_lo"), Key(f"{b}.beta_profile_hi"), Key(f"{b}.alpha_identified")])
    write_table("chin_identifiability",
                ["Data", "points", "corr(ln N, ln D)", "α", "α profile lo", "α profile hi", "β",
                 "β profile lo", "β profile hi", "α interval"], rows, led, align="lrrrrrrrrl")


# --------------------------------------------------------------------------- figures


def epoch_figure(points: ce.EpochPoints, refit: EpochRefit, cmp: Comparison) -> None:
    n, d, loss, keep = points.n, points.d, points.loss, points.keep
    lN, lD, _ = points.logs
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(7.0, 3.0))
    sc = ax.scatter(n[keep], loss[keep], c=np.log10(d[keep]), cmap="viridis", s=12, lw=0)
    ax.scatter(n[~keep], loss[~keep], facecolor="none", edgecolor=PALETTE[3], s=22,
               label=f"dropped ({int((~keep).sum())} highest loss)")
    ax.set_xscale("log")
    ax.set_xlabel("parameters N")
    ax.set_ylabel("final training loss (nats/token)")
    ax.legend(frameon=False, loc="upper right")
    cb = fig.colorbar(sc, ax=ax)
    cb.set_label("log10 tokens D")
    ax2.scatter(loss[keep], ce.predicted_loss(refit.grid.theta, lN, lD), s=10, color=PALETTE[0], lw=0,
                label="our refit")
    lim = [loss[keep].min() * 0.97, loss[keep].max() * 1.03]
    ax2.plot(lim, lim, color="grey", lw=0.8, ls=":", label="y = x")
    ax2.scatter(loss[keep], ce.predicted_loss(cmp.hoffmann_theta, lN, lD), s=10, facecolor="none",
                edgecolor=PALETTE[1], lw=0.6, label="Hoffmann et al. (unrounded)")
    ax2.set_xlabel("observed loss (nats/token)")
    ax2.set_ylabel("predicted loss (nats/token)")
    ax2.legend(frameon=False)
    fig.tight_layout()
    save_figure(fig, "chin_epoch_fit")


def identifiability_figure(setups: dict, ident: dict) -> None:
    cut = lr_cut()
    fig, axes = plt.subplots(1, 2, figsize=(7.0, 2.8), sharey=True)
    for ax, par, sym in zip(axes, ("alpha", "beta"), ("α (exponent of N)", "β (exponent of D)")):
        for i, (name, setup) in enumerate(setups.items()):
            if ident[name].profiles:
                ax.plot(*ident[name].profiles[par].curve, color=PALETTE[i], label=setup.label)
        ax.axhline(cut, color="grey", ls=":", lw=1, label=f"χ²₁ {level_label()} cut ({cut:.2f})")
        ax.set_xlabel(sym)
        ax.set_ylim(-0.5, 30)
    axes[0].set_ylabel("profile LR statistic")
    axes[0].legend(frameon=False, loc="upper right")
    fig.tight_layout()
    save_figure(fig, "chin_identifiability")


# --------------------------------------------------------------------------- section


def main(argv=None) -> None:
    args = cli.parser(__doc__).parse_args(argv)
    t_start = time.time()

    def stage(what: str) -> None:
        print(f"x6_chinchilla: {what} done at {time.time() - t_start:.1f} s", flush=True)

    inputs = load()
    refit = refit_epoch(inputs.points, inputs.chinchilla_c, args.B, args.seed, stage)
    cmp = compare(refit, inputs.pub, inputs.chinchilla_c)
    ident = {name: identifiability(setup) for name, setup in inputs.setups.items()}
    stage("identifiability")

    led = Ledger(SCRIPT)
    record_epoch(led, inputs.points, refit, args.B, args.seed)
    record_published(led, inputs.pub, cmp)
    record_comparison(led, cmp)
    record_identifiability(led, inputs, ident)

    epoch_table(led)
    identifiability_table(led, ident)

    epoch_figure(inputs.points, refit, cmp)
    identifiability_figure(inputs.setups, ident)
    led.save()


if __name__ == "__main__":
    main()
