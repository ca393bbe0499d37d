"""Section "Loss scaling": Kaplan, Chinchilla and corrected laws fitted to Cerebras-GPT Pile loss.

Outputs: ledger part `s1_loss_scaling` (keys `loss.*`), tables `loss_fits`, `loss_ci_variants`,
`loss_profile`, figures `loss_scaling`, `model_selection`.
"""
from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass

import numpy as np
import matplotlib.pyplot as plt

from analysis.core import bootstrap, cli, config, data, fitting, forms
from analysis.core.figures import PALETTE, save_figure
from analysis.core.ledger import Ledger
from analysis.core.profile_likelihood import ProfileInterval, lr_cut, profile_interval
from analysis.core.report import Key, level_label, percentile_labels, write_table

SCRIPT = "analysis/s1_loss_scaling.py"
LOSS_FORMS = ("kaplan", "chinchilla", "corrected")
PROFILE_GRID = np.linspace(0.005, 1.995, 200)
# The paper's interval depends on choices it does not state: B (it says 500), the seed and the
# residual-SD rule. The variants show how the Kaplan interval moves with each.
VARIANT_LABELS = {"main": "ours: B as in Methods, SD with ddof 0", "b500": "B = 500 (the paper's B)",
                  "unbiased_sd": "SD = sqrt(RSS / (n - k))", "other_seed": "next seed"}


def inputs(table, form_name: str, n_column=config.MAIN_N_COLUMN, loss_column=config.MAIN_LOSS_COLUMN):
    n = table[n_column].to_numpy(float)
    x = np.vstack([n, table["train_tokens"].to_numpy(float)]) if forms.get(form_name).n_inputs == 2 else n
    return x, table[loss_column].to_numpy(float)


# --------------------------------------------------------------------------- compute


@dataclass(frozen=True)
class FormFit:
    fit: fitting.FitResult
    boot: bootstrap.BootstrapResult
    profile: ProfileInterval  # of alpha

    def ci(self, param: str) -> tuple[float, float]:
        return self.boot.ci(param, self.fit.form.params, level=config.CI_LEVEL)


@dataclass(frozen=True)
class CiVariant:
    B: int
    lo: float
    hi: float


def fit_forms(table, B: int, seed: int) -> tuple[dict[str, FormFit], dict[str, CiVariant]]:
    """Each loss form: least-squares fit, parametric bootstrap and profile likelihood of alpha;
    and the Kaplan interval under the bootstrap variants."""
    fits, boots, pending = {}, {}, {}
    # the profile likelihoods (one sequential grid scan per form) run in worker processes while
    # the bootstraps run; each scan is the same computation as in a serial loop
    with concurrent.futures.ProcessPoolExecutor(bootstrap.jobs(), mp_context=bootstrap._pool_context()) as pool:
        for name in LOSS_FORMS:
            x, y = inputs(table, name)
            res = fitting.fit(name, x, y)
            if not res.converged:
                raise SystemExit(f"{SCRIPT}: the {name} fit did not converge: {res.message}")
            fits[name] = res
            pending[name] = pool.submit(profile_interval, res, "alpha", PROFILE_GRID)
            boots[name] = bootstrap.parametric(res, f"loss.{name}", B=B, seed=seed)
        variants = kaplan_ci_variants(fits["kaplan"], boots["kaplan"], B, seed)
        results = {name: FormFit(fits[name], boots[name], pending[name].result()) for name in LOSS_FORMS}
    return results, variants


def kaplan_ci_variants(kaplan: fitting.FitResult, main_boot: bootstrap.BootstrapResult, B: int,
                       seed: int) -> dict[str, CiVariant]:
    settings = {"main": dict(B=B, seed=seed, sigma="std"), "b500": dict(B=500, seed=seed, sigma="std"),
                "unbiased_sd": dict(B=B, seed=seed, sigma="unbiased"),
                "other_seed": dict(B=B, seed=seed + 1, sigma="std")}
    out = {}
    for vname, kw in settings.items():
        b = main_boot if vname == "main" else bootstrap.parametric(kaplan, "loss.kaplan", **kw)
        lo, hi = b.ci("alpha", kaplan.form.params, level=config.CI_LEVEL)
        out[vname] = CiVariant(kw["B"], lo, hi)
    return out


# --------------------------------------------------------------------------- record


def record(led: Ledger, results: dict[str, FormFit], variants: dict[str, CiVariant]) -> None:
    for name, r in results.items():
        res, p, base = r.fit, r.fit.params, f"loss.{name}"
        led.add(f"{base}.alpha", p["alpha"], "f3")
        led.add(f"{base}.l_inf", p["l_inf"], "f3", unit="nats/token")
        led.add(f"{base}.a", p["a"], "f3", paper=False, note="prefactor with N in billions of parameters")
        for stat, spec, printed in (("r2", "f4", False), ("adj_r2", "f3", True), ("adj_r2_nk", "f3", False),
                                    ("aic", "f1", True), ("bic", "f1", True)):
            led.add(f"{base}.{stat}", res.stats[stat], spec, paper=printed)
        lo, hi = r.ci("alpha")
        led.add(f"{base}.alpha_ci_lo", lo, "f3")
        led.add(f"{base}.alpha_ci_hi", hi, "f3")
        lo, hi = r.ci("l_inf")
        led.add(f"{base}.l_inf_ci_lo", lo, "f3", unit="nats/token", paper=False)
        led.add(f"{base}.l_inf_ci_hi", hi, "f3", unit="nats/token", paper=False)
        led.add(f"{base}.boot_failed", r.boot.n_failed, "int", unit="replicates")
        led.add(f"{base}.n_at_bound", len(res.at_bound), "int", unit="parameters",
                note="parameters at a box bound: " + (", ".join(res.at_bound) or "none"))
        for extra in ("beta", "gamma", "c"):
            if extra in p:
                led.add(f"{base}.{extra}", p[extra], "f3", paper=False)
        led.add(f"{base}.alpha_profile_lo", r.profile.lo, "f3")
        led.add(f"{base}.alpha_profile_hi", r.profile.hi, "f3")
        led.add(f"{base}.alpha_identified", int(r.profile.closed), "int", paper=False,
                note=f"1 if the {level_label()} profile-likelihood interval of alpha is closed inside (0, 2)")
    for vname, v in variants.items():
        led.add(f"loss.kaplan.ci_variant.{vname}.lo", v.lo, "f3")
        led.add(f"loss.kaplan.ci_variant.{vname}.hi", v.hi, "f3")
        led.add(f"loss.kaplan.ci_variant.{vname}.b", v.B, "int")
    for crit in ("aic", "bic"):
        best = min(LOSS_FORMS, key=lambda f: results[f].fit.stats[crit])
        led.add(f"loss.best_by_{crit}", forms.get(best).label, "str")
    led.add("loss.kaplan.n_points", results["kaplan"].fit.y.size, "int", unit="models", paper=False)


# --------------------------------------------------------------------------- tables


def tables(led: Ledger, variants: dict[str, CiVariant]) -> None:
    lo, hi = percentile_labels()
    rows = [[VARIANT_LABELS[v], Key(f"loss.kaplan.ci_variant.{v}.b"), Key(f"loss.kaplan.ci_variant.{v}.lo"),
             Key(f"loss.kaplan.ci_variant.{v}.hi")] for v in variants]
    write_table("loss_ci_variants", ["Bootstrap variant", "B", f"α {lo}", f"α {hi}"], rows, led)
    rows = []
    for name in LOSS_FORMS:
        b = f"loss.{name}"
        rows.append([forms.get(name).label, Key(f"{b}.alpha"), Key(f"{b}.alpha_ci_lo"), Key(f"{b}.alpha_ci_hi"),
                     Key(f"{b}.l_inf"), Key(f"{b}.adj_r2"), Key(f"{b}.aic"), Key(f"{b}.bic"),
                     Key(f"{b}.n_at_bound"), Key(f"{b}.boot_failed")])
    write_table("loss_fits", ["Form", "α", f"α {lo}", f"α {hi}", "L∞", "adj-R²", "AIC", "BIC", "at bound",
                              "failed refits"], rows, led)
    rows = [[forms.get(n).label, Key(f"loss.{n}.alpha"), Key(f"loss.{n}.alpha_profile_lo"),
             Key(f"loss.{n}.alpha_profile_hi")] for n in LOSS_FORMS]
    level = level_label()
    write_table("loss_profile", ["Form", "α", f"profile {level} lower", f"profile {level} upper"], rows, led)


# --------------------------------------------------------------------------- figures


def loss_figure(table, results: dict[str, FormFit]) -> None:
    k = results["kaplan"].fit
    fig, (ax, axp) = plt.subplots(1, 2, figsize=(7.0, 2.9), gridspec_kw={"width_ratios": [1.4, 1]})
    n = table[config.MAIN_N_COLUMN].to_numpy(float)
    ax.scatter(n, table["pile_loss_hf_card"], color="black", zorder=3, s=18, label="model card loss (fitted)")
    ax.scatter(n, table["pile_loss_modelzoo_readme"], facecolor="none", edgecolor=PALETTE[3], zorder=3, s=30,
               label="modelzoo README loss")
    grid_n = np.geomspace(n.min() / 1.5, n.max() * 1.5, 200)
    curves = np.array([fitting.predict(k.form, t, grid_n) for t in results["kaplan"].boot.draws])
    level = config.CI_LEVEL
    band = bootstrap.percentile_interval(curves, level, axis=0)
    ax.fill_between(grid_n, band[0], band[1], color=PALETTE[0], alpha=0.2, lw=0,
                    label=f"Kaplan {level_label()} bootstrap band")
    ax.plot(grid_n, k.predict(grid_n), color=PALETTE[0], label="Kaplan")
    ax.plot(grid_n, results["corrected"].fit.predict(grid_n), color=PALETTE[1], ls="--", label="Corrected")
    ax.set_xscale("log")
    ax.set_xlabel("parameters N (nominal)")
    ax.set_ylabel("Pile test loss (nats/token)")
    ax.legend(frameon=False)
    for i, name in enumerate(LOSS_FORMS):
        axp.plot(*results[name].profile.curve, color=PALETTE[i], label=forms.get(name).label)
    axp.axhline(lr_cut(), color="grey", ls=":", lw=1)
    axp.set_ylim(0, 12)
    axp.set_xlabel("exponent α")
    axp.set_ylabel("profile LR statistic")
    axp.legend(frameon=False)
    save_figure(fig, "loss_scaling")


def model_selection_figure(results: dict[str, FormFit]) -> None:
    # differences to the best form: the absolute AIC of a least-squares fit has no meaning,
    # and on the raw scale the differences between forms are invisible
    fig, axes = plt.subplots(1, 2, figsize=(6.0, 2.3))
    labels = [forms.get(n).label for n in LOSS_FORMS]
    for ax, crit in zip(axes, ("aic", "bic")):
        vals = np.array([results[n].fit.stats[crit] for n in LOSS_FORMS])
        ax.bar(labels, vals - vals.min(), color=PALETTE[:3])
        ax.axhline(config.AIC_MARGIN, color="grey", ls=":", lw=1)
        ax.set_ylabel(f"Δ{crit.upper()} to the best form")
    axes[0].text(0, config.AIC_MARGIN + 0.1, f"{config.AIC_MARGIN} units", color="grey", fontsize=7, ha="center", va="bottom")
    save_figure(fig, "model_selection")


def main(argv=None) -> None:
    args = cli.parser(__doc__).parse_args(argv)
    table = data.load_cerebras()
    results, variants = fit_forms(table, args.B, args.seed)
    led = Ledger(SCRIPT)
    record(led, results, variants)
    tables(led, variants)
    loss_figure(table, results)
    model_selection_figure(results)
    led.save()


if __name__ == "__main__":
    main()
