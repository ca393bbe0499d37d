"""Section "Task scaling": bounded power law and sigmoid per Cerebras-GPT task, and breakpoints.

Outputs: ledger part `task_scaling`, table `task_fits`, figures `task_scaling`, `residuals`.
"""
from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt

from analysis.core import bootstrap, breakpoints, cli, config, data, fitting
from analysis.core.ledger import Ledger
from analysis.core.figures import PALETTE, save_figure
from analysis.core.report import Key, write_table

SCRIPT = "analysis/s2_task_scaling.py"


def fit_task(n, y, name):
    res = fitting.fit(name, n, y)
    if not res.converged:
        raise SystemExit(f"{SCRIPT}: {name} fit did not converge: {res.message}")
    return res


def main(argv=None) -> None:
    args = cli.parser(__doc__).parse_args(argv)
    table = data.load_cerebras()
    n = table[config.MAIN_N_COLUMN].to_numpy(float)
    led = Ledger(SCRIPT, record_only=(r"\.aic$", r"\.sigmoid\.top(_at_bound)?$", r"\.breakpoint\.(n_billion|p_nominal)$",
                                       r"^task\.min_adj_r2$"))
    fits = {}
    for task in config.CEREBRAS_TASKS:
        y = table[f"zs_{task}"].to_numpy(float)
        bpl, sig = fit_task(n, y, "bounded_power_law"), fit_task(n, y, "sigmoid")
        fits[task] = (bpl, sig)
        boot = bootstrap.parametric(bpl, f"task.{task}.bpl", B=args.B, seed=args.seed)
        base = f"task.{task}"
        led.add(f"{base}.bpl.alpha", bpl.params["alpha"], "f3")
        lo, hi = boot.ci("alpha", bpl.form.params)
        led.add(f"{base}.bpl.alpha_ci_lo", lo, "f3")
        led.add(f"{base}.bpl.alpha_ci_hi", hi, "f3")
        led.add(f"{base}.bpl.boot_failed", boot.n_failed, "int", unit="replicates")
        led.add(f"{base}.bpl.adj_r2", bpl.adj_r2, "f3")
        led.add(f"{base}.bpl.aic", bpl.aic, "f1")
        led.add(f"{base}.sigmoid.adj_r2", sig.adj_r2, "f3")
        led.add(f"{base}.sigmoid.aic", sig.aic, "f1")
        led.add(f"{base}.sigmoid.top", sig.params["top"], "f3",
                note="upper asymptote; at its bound 1" if "top" in sig.at_bound else "upper asymptote")
        led.add(f"{base}.sigmoid.top_at_bound", int("top" in sig.at_bound), "int")
        bp = breakpoints.detect(np.log(n), y)
        led.add(f"{base}.breakpoint.n_billion", float(np.exp(bp.breakpoint_log_n) / 1e9), "f2", unit="billion parameters")
        led.add(f"{base}.breakpoint.delta_aic", bp.delta_aic, "f1")
        led.add(f"{base}.breakpoint.p_nominal", bp.f_pvalue_nominal, "p")

    adj = {t: fits[t][0].adj_r2 for t in config.CEREBRAS_TASKS}
    poor = [t for t in config.CEREBRAS_TASKS if adj[t] < config.POOR_FIT_THRESHOLD]
    led.add("task.threshold_poor", config.POOR_FIT_THRESHOLD, "f2")
    led.add("task.n_tasks", len(config.CEREBRAS_TASKS), "int")
    led.add("task.n_poor", len(poor), "int", note="tasks with power-law adj-R2 below the threshold: " + ", ".join(poor))
    led.add("task.poor_list", ", ".join(config.TASK_LABELS[t] for t in poor), "str")
    better = [t for t in config.CEREBRAS_TASKS if fits[t][1].adj_r2 > fits[t][0].adj_r2]
    led.add("task.n_sigmoid_better", len(better), "int")
    led.add("task.sigmoid_worse_list",
            ", ".join(config.TASK_LABELS[t] for t in config.CEREBRAS_TASKS if t not in better) or "none", "str")
    led.add("task.n_sigmoid_top_at_bound", sum("top" in fits[t][1].at_bound for t in config.CEREBRAS_TASKS), "int")
    led.add("task.min_adj_r2", min(adj.values()), "f3")
    led.add("task.n_breakpoint_favoured", sum(
        led.get(f"task.{t}.breakpoint.delta_aic")["value"] < -2 for t in config.CEREBRAS_TASKS), "int",
        note="tasks where the one-hinge model beats the line by more than 2 AIC units")

    rows = [[config.TASK_LABELS[t], Key(f"task.{t}.bpl.alpha"), Key(f"task.{t}.bpl.alpha_ci_lo"),
             Key(f"task.{t}.bpl.alpha_ci_hi"), Key(f"task.{t}.bpl.adj_r2"), Key(f"task.{t}.sigmoid.adj_r2"),
             Key(f"task.{t}.bpl.boot_failed"), Key(f"task.{t}.breakpoint.delta_aic")] for t in config.CEREBRAS_TASKS]
    write_table("task_fits", ["Task", "α", "α 2.5%", "α 97.5%", "power law adj-R²", "sigmoid adj-R²",
                              "failed refits", "hinge ΔAIC"], rows, led)

    grid = np.geomspace(n.min() / 1.5, n.max() * 1.5, 200)
    fig, axes = plt.subplots(2, 4, figsize=(7.0, 3.6), sharex=True)
    for ax, task in zip(axes.flat, config.CEREBRAS_TASKS):
        bpl, sig = fits[task]
        ax.scatter(n, bpl.y, color="black", s=12, zorder=3)
        ax.plot(grid, bpl.predict(grid), color=PALETTE[0], label="bounded power law")
        ax.plot(grid, sig.predict(grid), color=PALETTE[1], ls="--", label="sigmoid in ln N")
        ax.set_xscale("log")
        ax.set_title(config.TASK_LABELS[task])
    for ax in axes[:, 0]:
        ax.set_ylabel("zero-shot accuracy")
    for ax in axes[1, :]:
        ax.set_xlabel("parameters N")
    axes.flat[-1].axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    axes.flat[-1].legend(handles, labels, loc="center", frameon=False)
    fig.tight_layout()
    save_figure(fig, "task_scaling")

    fig, ax = plt.subplots(figsize=(5.2, 2.6))
    for i, task in enumerate(config.CEREBRAS_TASKS):
        bpl = fits[task][0]
        ax.plot(n, 100 * bpl.residuals, marker="o", ms=3, color=PALETTE[i], label=config.TASK_LABELS[task])
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xscale("log")
    ax.set_xlabel("parameters N")
    ax.set_ylabel("residual (accuracy points)")
    ax.legend(frameon=False, ncol=2, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    save_figure(fig, "residuals")
    led.save()


if __name__ == "__main__":
    main()
