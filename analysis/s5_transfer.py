"""Section "Cross-family transfer": bounded power laws fitted on Cerebras-GPT predict Pythia
(standard, final checkpoint, zero-shot) on the 5 shared tasks.

Pythia's N is its nominal size label, matching the Cerebras-GPT side. The main metric is
`acc` for every task. The original paper's numbers are reproduced only with `acc_norm` for
ARC-Challenge and `acc` elsewhere; that mixed variant is reported beside ours.

Outputs: ledger part `s5_transfer`, table `transfer`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analysis.core import cli, config, data, fitting, metrics
from analysis.core.ledger import Ledger
from analysis.core.report import Key, write_table

SCRIPT = "analysis/s5_transfer.py"
# metric variant -> {task: lm-evaluation-harness metric}
VARIANTS = {
    "acc": {t: "acc" for t in config.TRANSFER_TASKS},
    "paper_mixed": {**{t: "acc" for t in config.TRANSFER_TASKS}, "arc_challenge": "acc_norm"},
}


@dataclass(frozen=True)
class Transfer:
    mape: dict[str, float]        # task -> MAPE on Pythia, in percent

    @property
    def mean_mape(self) -> float:
        return float(np.mean(list(self.mape.values())))

    @property
    def best_task(self) -> str:
        return min(self.mape, key=self.mape.get)

    @property
    def worst_task(self) -> str:
        return max(self.mape, key=self.mape.get)


# --------------------------------------------------------------------------- compute

def pythia_accuracy(final, models, task: str, metric: str, deduped: int = 0):
    """(N, accuracy) of the Pythia models (standard or deduped), final checkpoint, zero-shot."""
    sub = final[(final.task == config.PYTHIA_TASK[task]) & (final.metric == metric) & (final.num_fewshot == 0)]
    sub = sub.merge(models, on="model", validate="one_to_one")
    sub = sub[sub.deduped == deduped].sort_values("params_total")
    if len(sub) != len(data.PYTHIA_SIZES):
        raise ValueError(f"expected {len(data.PYTHIA_SIZES)} Pythia sizes for {task}/{metric}, found {len(sub)}")
    # N from the nominal size label ("1.4B"), by the rule that reads Cerebras-GPT's labels
    n = np.array([float(data.label_value(label)) for label in sub["size_label"]])
    return n, sub["value"].to_numpy(float)


def fit_cerebras(cerebras) -> dict[str, fitting.FitResult]:
    n = cerebras[config.MAIN_N_COLUMN].to_numpy(float)
    fits = {}
    for task in config.TRANSFER_TASKS:
        fits[task] = fitting.fit("bounded_power_law", n, cerebras[f"zs_{task}"].to_numpy(float))
        if not fits[task].converged:
            raise SystemExit(f"{SCRIPT}: fit for {task} did not converge: {fits[task].message}")
    return fits


def transfer(fits: dict[str, fitting.FitResult], final, models, metric_of: dict[str, str]) -> Transfer:
    mape = {}
    for task, fit in fits.items():
        n_p, y_p = pythia_accuracy(final, models, task, metric_of[task])
        mape[task] = metrics.mape(y_p, fit.predict(n_p))
    return Transfer(mape)


# --------------------------------------------------------------------------- record

def record(led: Ledger, results: dict[str, Transfer]) -> None:
    for variant, r in results.items():
        for task, m in r.mape.items():
            led.add(f"transfer.{variant}.{task}.mape", m, "pct1", unit="%")
        led.add(f"transfer.{variant}.mean_mape", r.mean_mape, "pct1", unit="%")
        # the paper-mixed variant is printed only through its MAPEs
        printed = variant != "paper_mixed"
        led.add(f"transfer.{variant}.best_task", config.TASK_LABELS[r.best_task], "str", paper=printed)
        led.add(f"transfer.{variant}.worst_task", config.TASK_LABELS[r.worst_task], "str", paper=printed)
    led.add("transfer.n_tasks", len(config.TRANSFER_TASKS), "int", paper=False)


# --------------------------------------------------------------------------- tables

def write_tables(led: Ledger) -> None:
    rows = [[config.TASK_LABELS[t], Key(f"transfer.acc.{t}.mape"), Key(f"transfer.paper_mixed.{t}.mape")]
            for t in config.TRANSFER_TASKS]
    rows.append(["Mean", Key("transfer.acc.mean_mape"), Key("transfer.paper_mixed.mean_mape")])
    write_table("transfer", ["Task", "MAPE, acc throughout (ours)", "MAPE, acc_norm for ARC-C (paper)"], rows, led)


def main(argv=None) -> None:
    cli.parser(__doc__).parse_args(argv)
    cerebras = data.load_cerebras()
    final, models = data.load_pythia_final(), data.load_pythia_models()
    fits = fit_cerebras(cerebras)
    results = {variant: transfer(fits, final, models, metric_of) for variant, metric_of in VARIANTS.items()}
    led = Ledger(SCRIPT)
    record(led, results)
    write_tables(led)
    led.save()


if __name__ == "__main__":
    main()
