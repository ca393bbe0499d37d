"""Section "Extrapolation risk": fit on the 4 smallest Cerebras-GPT models, predict the 3
largest; MAPE for loss (Kaplan) and for each task (bounded power law).

Outputs: ledger part `extrapolation`, table `extrapolation`, figure `extrapolation`.
"""
from __future__ import annotations

import numpy as np
import matplotlib.pyplot as plt

from analysis.core import cli, config, data, fitting, metrics
from analysis.core.ledger import Ledger
from analysis.core.figures import PALETTE, save_figure
from analysis.core.report import Key, write_table

SCRIPT = "analysis/s4_extrapolation.py"


def split(n_models: int):
    train = np.arange(config.N_TRAIN_SMALLEST)
    test = np.arange(n_models - config.N_TEST_LARGEST, n_models)
    if train.max() >= test.min():
        raise ValueError("train and test models overlap")
    return train, test


def extrapolate(form: str, n, y, train, test):
    res = fitting.fit(form, n[train], y[train])
    if not res.converged:
        raise SystemExit(f"{SCRIPT}: {form} fit on the training models did not converge: {res.message}")
    pred = res.predict(n[test])
    return res, pred, metrics.mape(y[test], pred), metrics.signed_pe(y[test], pred)


def main(argv=None) -> None:
    cli.parser(__doc__).parse_args(argv)
    table = data.load_cerebras()
    n = table[config.MAIN_N_COLUMN].to_numpy(float)
    train, test = split(len(n))
    led = Ledger(SCRIPT, record_only=(r"^extrap\.n_tasks_above_loss$",))
    led.add("method.split_train", len(train), "int", unit="models")
    led.add("method.split_test", len(test), "int", unit="models")
    labels = table["params_label"].tolist()
    led.add("extrap.train_range", f"{labels[train[0]]}–{labels[train[-1]]}", "str")
    led.add("extrap.test_range", f"{labels[test[0]]}–{labels[test[-1]]}", "str")

    loss = table[config.MAIN_LOSS_COLUMN].to_numpy(float)
    loss_fit, loss_pred, loss_mape, _ = extrapolate("kaplan", n, loss, train, test)
    led.add("extrap.loss.mape", loss_mape, "pct1", unit="%")
    led.add("extrap.loss.alpha_small", loss_fit.params["alpha"], "f3")
    led.add("extrap.loss.l_inf_small", loss_fit.params["l_inf"], "f3", unit="nats/token")

    task_mapes, preds, rows = {}, {}, []
    for task in config.CEREBRAS_TASKS:
        y = table[f"zs_{task}"].to_numpy(float)
        _, pred, m, spe = extrapolate("bounded_power_law", n, y, train, test)
        task_mapes[task], preds[task] = m, pred
        led.add(f"extrap.task.{task}.mape", m, "pct1", unit="%")
        led.add(f"extrap.task.{task}.largest_signed_pe", spe[-1], "pct1", unit="%",
                note="signed error at the largest model; negative = under-prediction")
        rows.append([config.TASK_LABELS[task], Key(f"extrap.task.{task}.mape"),
                     Key(f"extrap.task.{task}.largest_signed_pe")])
    mean_task = float(np.mean(list(task_mapes.values())))
    led.add("extrap.task.mean_mape", mean_task, "pct1", unit="%")
    led.add("extrap.ratio_task_to_loss", mean_task / loss_mape, "f2")
    worst = max(task_mapes, key=task_mapes.get)
    led.add("extrap.worst_task", config.TASK_LABELS[worst], "str")
    led.add("extrap.worst_task_mape", task_mapes[worst], "pct1", unit="%")
    led.add("extrap.n_tasks_above_loss", sum(m > loss_mape for m in task_mapes.values()), "int")
    led.add("extrap.winogrande_under_largest", -led.get("extrap.task.winogrande.largest_signed_pe")["value"], "pct1",
            unit="%", note="WinoGrande under-prediction at the largest model, the paper's '>16%' claim")
    rows.append(["Mean of tasks", Key("extrap.task.mean_mape"), ""])
    rows.append(["Pile loss (Kaplan)", Key("extrap.loss.mape"), ""])
    write_table("extrapolation", ["Quantity", "held-out MAPE", "signed error at largest model"], rows, led)

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(7.0, 2.7))
    grid = np.geomspace(n.min() / 1.5, n.max() * 1.5, 200)
    ax1.scatter(n[train], loss[train], color="black", s=16, label="fitted (4 smallest)")
    ax1.scatter(n[test], loss[test], facecolor="none", edgecolor="black", s=28, label="held out (3 largest)")
    ax1.plot(grid, loss_fit.predict(grid), color=PALETTE[0], label="Kaplan fit on 4 smallest")
    ax1.set_xscale("log")
    ax1.set_xlabel("parameters N")
    ax1.set_ylabel("Pile test loss (nats/token)")
    ax1.legend(frameon=False)
    names = [config.TASK_LABELS[t] for t in config.CEREBRAS_TASKS] + ["task mean", "loss"]
    vals = list(task_mapes.values()) + [mean_task, loss_mape]
    colors = [PALETTE[5]] * len(task_mapes) + [PALETTE[1], PALETTE[0]]
    ax2.barh(names[::-1], vals[::-1], color=colors[::-1])
    ax2.set_xlabel("MAPE on the 3 largest models (%)")
    save_figure(fig, "extrapolation")
    led.save()


if __name__ == "__main__":
    main()
