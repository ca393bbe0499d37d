"""Section "Task scaling": bounded power law and sigmoid per Cerebras-GPT task, and breakpoints.

Outputs: ledger part `s2_task_scaling`, table `task_fits`, figures `task_scaling`, `residuals`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import matplotlib.pyplot as plt

from analysis.core import bootstrap, breakpoints, cli, config, data, fitting
from analysis.core.ledger import Ledger
from analysis.core.figures import PALETTE, save_figure
from analysis.core.report import Key, percentile_labels, write_table

SCRIPT = "analysis/s2_task_scaling.py"
# A hinge "is favoured" when it lowers AIC by more than this (the usual rule of thumb for a
# meaningful AIC difference). Candidate for config.py: s1's model-selection figure draws the same 2.


@dataclass(frozen=True)
class TaskFit:
    task: str
    bpl: fitting.FitResult
    sigmoid: fitting.FitResult
    alpha_ci: tuple[float, float]
    boot_failed: int
    breakpoint: breakpoints.BreakpointResult


@dataclass(frozen=True)
class TaskSummary:
    poor: tuple[str, ...]              # tasks with power-law adj-R² below the threshold
    sigmoid_better: tuple[str, ...]    # tasks whose sigmoid has the higher adj-R²
    n_sigmoid_top_at_bound: int
    min_adj_r2: float
    n_breakpoint_favoured: int


# --------------------------------------------------------------------------- load

def load() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(N, {task: zero-shot accuracies}) of the Cerebras-GPT models."""
    table = data.load_cerebras()
    n = table[config.MAIN_N_COLUMN].to_numpy(float)
    return n, {task: table[f"zs_{task}"].to_numpy(float) for task in config.CEREBRAS_TASKS}


# --------------------------------------------------------------------------- compute

def fit_converged(n, y, name: str) -> fitting.FitResult:
    res = fitting.fit(name, n, y)
    if not res.converged:
        raise SystemExit(f"{SCRIPT}: {name} fit did not converge: {res.message}")
    return res


def fit_task(task: str, n, y, B: int, seed: int) -> TaskFit:
    bpl, sig = fit_converged(n, y, "bounded_power_law"), fit_converged(n, y, "sigmoid")
    boot = bootstrap.parametric(bpl, f"task.{task}.bpl", B=B, seed=seed)
    return TaskFit(task, bpl, sig, boot.ci("alpha", bpl.form.params, level=config.CI_LEVEL), boot.n_failed,
                   breakpoints.detect(np.log(n), y))


def summarise(fits: dict[str, TaskFit]) -> TaskSummary:
    tasks = list(fits)
    return TaskSummary(
        poor=tuple(t for t in tasks if fits[t].bpl.adj_r2 < config.POOR_FIT_THRESHOLD),
        sigmoid_better=tuple(t for t in tasks if fits[t].sigmoid.adj_r2 > fits[t].bpl.adj_r2),
        n_sigmoid_top_at_bound=sum("top" in fits[t].sigmoid.at_bound for t in tasks),
        min_adj_r2=min(fits[t].bpl.adj_r2 for t in tasks),
        n_breakpoint_favoured=sum(fits[t].breakpoint.delta_aic < -config.AIC_MARGIN for t in tasks),
    )


# --------------------------------------------------------------------------- record

def record(led: Ledger, fits: dict[str, TaskFit], summary: TaskSummary) -> None:
    for task, f in fits.items():
        base = f"task.{task}"
        led.add(f"{base}.bpl.alpha", f.bpl.params["alpha"], "f3")
        led.add(f"{base}.bpl.alpha_ci_lo", f.alpha_ci[0], "f3")
        led.add(f"{base}.bpl.alpha_ci_hi", f.alpha_ci[1], "f3")
        led.add(f"{base}.bpl.boot_failed", f.boot_failed, "int", unit="replicates")
        led.add(f"{base}.bpl.adj_r2", f.bpl.adj_r2, "f3")
        led.add(f"{base}.bpl.aic", f.bpl.aic, "f1", paper=False)
        led.add(f"{base}.sigmoid.adj_r2", f.sigmoid.adj_r2, "f3")
        led.add(f"{base}.sigmoid.aic", f.sigmoid.aic, "f1", paper=False)
        top_at_bound = "top" in f.sigmoid.at_bound
        led.add(f"{base}.sigmoid.top", f.sigmoid.params["top"], "f3", paper=False,
                note="upper asymptote; at its bound 1" if top_at_bound else "upper asymptote")
        led.add(f"{base}.sigmoid.top_at_bound", int(top_at_bound), "int", paper=False)
        led.add(f"{base}.breakpoint.n_billion", float(np.exp(f.breakpoint.breakpoint_log_n) / 1e9), "f2",
                unit="billion parameters", paper=False)
        led.add(f"{base}.breakpoint.delta_aic", f.breakpoint.delta_aic, "f1")
        led.add(f"{base}.breakpoint.p_nominal", f.breakpoint.f_pvalue_nominal, "p", paper=False)

    led.add("task.threshold_poor", config.POOR_FIT_THRESHOLD, "f2")
    led.add("task.n_tasks", len(fits), "int")
    led.add("task.n_poor", len(summary.poor), "int",
            note="tasks with power-law adj-R2 below the threshold: " + ", ".join(summary.poor))
    led.add("task.poor_list", ", ".join(config.TASK_LABELS[t] for t in summary.poor), "str")
    led.add("task.n_sigmoid_better", len(summary.sigmoid_better), "int")
    led.add("task.sigmoid_worse_list",
            ", ".join(config.TASK_LABELS[t] for t in fits if t not in summary.sigmoid_better) or "none", "str")
    led.add("task.n_sigmoid_top_at_bound", summary.n_sigmoid_top_at_bound, "int")
    led.add("task.min_adj_r2", summary.min_adj_r2, "f3", paper=False)
    led.add("task.n_breakpoint_favoured", summary.n_breakpoint_favoured, "int",
            note=f"tasks where the one-hinge model beats the line by more than {config.AIC_MARGIN} AIC units")


# --------------------------------------------------------------------------- tables

def write_tables(led: Ledger, tasks) -> None:
    rows = [[config.TASK_LABELS[t], Key(f"task.{t}.bpl.alpha"), Key(f"task.{t}.bpl.alpha_ci_lo"),
             Key(f"task.{t}.bpl.alpha_ci_hi"), Key(f"task.{t}.bpl.adj_r2"), Key(f"task.{t}.sigmoid.adj_r2"),
             Key(f"task.{t}.bpl.boot_failed"), Key(f"task.{t}.breakpoint.delta_aic")] for t in tasks]
    lo, hi = percentile_labels()
    write_table("task_fits", ["Task", "α", f"α {lo}", f"α {hi}", "power law adj-R²", "sigmoid adj-R²",
                              "failed refits", "hinge ΔAIC"], rows, led)


# --------------------------------------------------------------------------- figures

def plot_fits(n, fits: dict[str, TaskFit]) -> None:
    grid = np.geomspace(n.min() / 1.5, n.max() * 1.5, 200)
    fig, axes = plt.subplots(2, 4, figsize=(7.0, 3.6), sharex=True)
    for ax, (task, f) in zip(axes.flat, fits.items()):
        ax.scatter(n, f.bpl.y, color="black", s=12, zorder=3)
        ax.plot(grid, f.bpl.predict(grid), color=PALETTE[0], label="bounded power law")
        ax.plot(grid, f.sigmoid.predict(grid), color=PALETTE[1], ls="--", label="sigmoid in ln N")
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


def plot_residuals(n, fits: dict[str, TaskFit]) -> None:
    fig, ax = plt.subplots(figsize=(5.2, 2.6))
    for i, (task, f) in enumerate(fits.items()):
        ax.plot(n, 100 * f.bpl.residuals, marker="o", ms=3, color=PALETTE[i], label=config.TASK_LABELS[task])
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xscale("log")
    ax.set_xlabel("parameters N")
    ax.set_ylabel("residual (accuracy points)")
    ax.legend(frameon=False, ncol=2, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    save_figure(fig, "residuals")


def main(argv=None) -> None:
    args = cli.parser(__doc__).parse_args(argv)
    n, accuracy = load()
    fits = {task: fit_task(task, n, y, args.B, args.seed) for task, y in accuracy.items()}
    summary = summarise(fits)
    led = Ledger(SCRIPT)
    record(led, fits, summary)
    write_tables(led, fits)
    plot_fits(n, fits)
    plot_residuals(n, fits)
    led.save()


if __name__ == "__main__":
    main()
