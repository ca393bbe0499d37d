"""Section "Cross-metric correlation": loss improvement vs accuracy improvement between
consecutive Cerebras-GPT sizes (Pearson and Spearman, n = 6 pairs).

Improvement in loss is L_i - L_{i+1} (positive when loss falls); improvement in accuracy is
the change in the unweighted mean of the 7 zero-shot accuracies.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from analysis.core import cli, config, data
from analysis.core.ledger import Ledger
from analysis.core.report import Key, write_table

SCRIPT = "analysis/s3_correlation.py"


def consecutive_improvements(table, loss_column):
    loss = table[loss_column].to_numpy(float)
    acc = table[[f"zs_{t}" for t in config.CEREBRAS_TASKS]].to_numpy(float).mean(axis=1)
    return -np.diff(loss), np.diff(acc)


def main(argv=None) -> None:
    cli.parser(__doc__).parse_args(argv)
    table = data.load_cerebras()
    led = Ledger(SCRIPT)
    rows = []
    for source, column in (("hf_card", "pile_loss_hf_card"), ("modelzoo", "pile_loss_modelzoo_readme")):
        d_loss, d_acc = consecutive_improvements(table, column)
        pr, sr = stats.pearsonr(d_loss, d_acc), stats.spearmanr(d_loss, d_acc)
        base = f"corr.{source}"
        led.add(f"{base}.pearson_r", pr.statistic, "f2")
        led.add(f"{base}.pearson_p", pr.pvalue, "p")
        led.add(f"{base}.spearman_rho", sr.statistic, "f2")
        led.add(f"{base}.spearman_p", sr.pvalue, "p")
        # 95% CI for Pearson r by the Fisher z transform (approximate at n = 6)
        lo, hi = pr.confidence_interval(0.95)
        led.add(f"{base}.pearson_ci_lo", lo, "f2")
        led.add(f"{base}.pearson_ci_hi", hi, "f2")
        rows.append(["model card" if source == "hf_card" else "modelzoo README", Key(f"{base}.pearson_r"),
                     Key(f"{base}.pearson_ci_lo"), Key(f"{base}.pearson_ci_hi"), Key(f"{base}.pearson_p"),
                     Key(f"{base}.spearman_rho"), Key(f"{base}.spearman_p")])
    led.add("corr.n_pairs", len(d_loss), "int", unit="pairs")
    write_table("correlation", ["Pile loss source", "Pearson r", "r 2.5%", "r 97.5%", "p", "Spearman ρ", "p"],
                rows, led)
    led.save()


if __name__ == "__main__":
    main()
