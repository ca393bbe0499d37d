"""Section "Cross-family transfer": bounded power laws fitted on Cerebras-GPT predict Pythia
(standard, final checkpoint, zero-shot) on the 5 shared tasks.

Pythia's N is its nominal size label, matching the Cerebras-GPT side. The main metric is
`acc` for every task. The original paper's numbers are reproduced only with `acc_norm` for
ARC-Challenge and `acc` elsewhere; that mixed variant is reported beside ours.
"""
from __future__ import annotations

import numpy as np

from analysis.core import cli, config, data, fitting, metrics
from analysis.core.ledger import Ledger
from analysis.core.report import Key, write_table

SCRIPT = "analysis/s5_transfer.py"
VARIANTS = {
    "acc": {t: "acc" for t in config.TRANSFER_TASKS},
    "paper_mixed": {**{t: "acc" for t in config.TRANSFER_TASKS}, "arc_challenge": "acc_norm"},
}


def pythia_accuracy(final, models, task: str, metric: str, deduped: int = 0):
    sub = final[(final.task == config.PYTHIA_TASK[task]) & (final.metric == metric) & (final.num_fewshot == 0)]
    sub = sub.merge(models, on="model", validate="one_to_one")
    sub = sub[sub.deduped == deduped].sort_values("params_total")
    if len(sub) != 8:
        raise ValueError(f"expected 8 Pythia sizes for {task}/{metric}, found {len(sub)}")
    return size_label_to_params(sub["size_label"]), sub["value"].to_numpy(float)


def size_label_to_params(labels) -> np.ndarray:
    """Nominal size label ("70M", "1.4B") -> parameters, as on the Cerebras-GPT side."""
    scale = {"M": 1e6, "B": 1e9}
    out = []
    for label in labels:
        if not label or label[-1] not in scale:
            raise ValueError(f"unrecognised size label {label!r}")
        out.append(float(label[:-1]) * scale[label[-1]])
    return np.array(out)


def main(argv=None) -> None:
    cli.parser(__doc__).parse_args(argv)
    cerebras = data.load_cerebras()
    final, models = data.load_pythia_final(), data.load_pythia_models()
    n_c = cerebras[config.MAIN_N_COLUMN].to_numpy(float)
    led = Ledger(SCRIPT, record_only=(r"^transfer\.n_tasks$", r"^transfer\.paper_mixed\.(best|worst)_task$"))
    rows = []
    means = {}
    for variant, metric_of in VARIANTS.items():
        mapes = {}
        for task in config.TRANSFER_TASKS:
            fit = fitting.fit("bounded_power_law", n_c, cerebras[f"zs_{task}"].to_numpy(float))
            if not fit.converged:
                raise SystemExit(f"{SCRIPT}: fit for {task} did not converge: {fit.message}")
            n_p, y_p = pythia_accuracy(final, models, task, metric_of[task])
            mapes[task] = metrics.mape(y_p, fit.predict(n_p))
            led.add(f"transfer.{variant}.{task}.mape", mapes[task], "pct1", unit="%")
        means[variant] = float(np.mean(list(mapes.values())))
        led.add(f"transfer.{variant}.mean_mape", means[variant], "pct1", unit="%")
        best, worst = min(mapes, key=mapes.get), max(mapes, key=mapes.get)
        led.add(f"transfer.{variant}.best_task", config.TASK_LABELS[best], "str")
        led.add(f"transfer.{variant}.worst_task", config.TASK_LABELS[worst], "str")
    led.add("transfer.n_tasks", len(config.TRANSFER_TASKS), "int")
    for task in config.TRANSFER_TASKS:
        rows.append([config.TASK_LABELS[task], Key(f"transfer.acc.{task}.mape"), Key(f"transfer.paper_mixed.{task}.mape")])
    rows.append(["Mean", Key("transfer.acc.mean_mape"), Key("transfer.paper_mixed.mean_mape")])
    write_table("transfer", ["Task", "MAPE, acc throughout (ours)", "MAPE, acc_norm for ARC-C (paper)"], rows, led)
    led.save()


if __name__ == "__main__":
    main()
