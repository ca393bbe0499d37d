"""Section "Cross-metric correlation": loss improvement vs accuracy improvement between
consecutive Cerebras-GPT sizes (Pearson and Spearman, n = 6 pairs).

Improvement in loss is L_i - L_{i+1} (positive when loss falls); improvement in accuracy is
the change in the unweighted mean of the 7 zero-shot accuracies.

Outputs: ledger part `s3_correlation`, table `correlation`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from analysis.core import cli, config, data
from analysis.core.ledger import Ledger
from analysis.core.report import Key, percentile_labels, write_table

SCRIPT = "analysis/s3_correlation.py"
# ledger name of each published Pile-loss source -> (its column, its label in the table)
LOSS_SOURCES = {"hf_card": ("pile_loss_hf_card", "model card"),
                "modelzoo": ("pile_loss_modelzoo_readme", "modelzoo README")}


@dataclass(frozen=True)
class Correlation:
    n_pairs: int
    pearson_r: float
    pearson_p: float
    pearson_ci: tuple[float, float]
    spearman_rho: float
    spearman_p: float


def consecutive_improvements(table, loss_column):
    loss = table[loss_column].to_numpy(float)
    acc = table[[f"zs_{t}" for t in config.CEREBRAS_TASKS]].to_numpy(float).mean(axis=1)
    return -np.diff(loss), np.diff(acc)


def correlate(d_loss, d_acc, level: float = config.CI_LEVEL) -> Correlation:
    pr, sr = stats.pearsonr(d_loss, d_acc), stats.spearmanr(d_loss, d_acc)
    # interval for Pearson r by the Fisher z transform (approximate at n = 6)
    ci = pr.confidence_interval(level)
    return Correlation(len(d_loss), pr.statistic, pr.pvalue, (ci.low, ci.high), sr.statistic, sr.pvalue)


def record(led: Ledger, results: dict[str, Correlation]) -> None:
    for source, c in results.items():
        base = f"corr.{source}"
        led.add(f"{base}.pearson_r", c.pearson_r, "f2")
        led.add(f"{base}.pearson_p", c.pearson_p, "p")
        led.add(f"{base}.spearman_rho", c.spearman_rho, "f2")
        led.add(f"{base}.spearman_p", c.spearman_p, "p")
        led.add(f"{base}.pearson_ci_lo", c.pearson_ci[0], "f2")
        led.add(f"{base}.pearson_ci_hi", c.pearson_ci[1], "f2")
    (n_pairs,) = {c.n_pairs for c in results.values()}   # both sources pair the same models
    led.add("corr.n_pairs", n_pairs, "int", unit="pairs")


def write_tables(led: Ledger, sources) -> None:
    rows = []
    for source in sources:
        base = f"corr.{source}"
        rows.append([LOSS_SOURCES[source][1], Key(f"{base}.pearson_r"), Key(f"{base}.pearson_ci_lo"),
                     Key(f"{base}.pearson_ci_hi"), Key(f"{base}.pearson_p"), Key(f"{base}.spearman_rho"),
                     Key(f"{base}.spearman_p")])
    lo, hi = percentile_labels()
    write_table("correlation", ["Pile loss source", "Pearson r", f"r {lo}", f"r {hi}", "p", "Spearman ρ", "p"],
                rows, led)


def main(argv=None) -> None:
    cli.parser(__doc__).parse_args(argv)
    table = data.load_cerebras()
    results = {source: correlate(*consecutive_improvements(table, column))
               for source, (column, _) in LOSS_SOURCES.items()}
    led = Ledger(SCRIPT)
    record(led, results)
    write_tables(led, results)
    led.save()


if __name__ == "__main__":
    main()
