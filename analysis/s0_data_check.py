"""Data check: verify data/SHA256SUMS, then load and validate every curated table.

Also records facts about the data that the manuscript prints (model counts, size ranges,
the disagreement between the two published Pile-loss sources) and the method constants.
Output: ledger part `s0_data_check` (its presence tells `make` the data passed).
"""
from __future__ import annotations

import numpy as np

from analysis.core import cli, config, data
from analysis.core.ledger import Ledger

SCRIPT = "analysis/s0_data_check.py"


def main(argv=None) -> None:
    args = cli.parser(__doc__).parse_args(argv)
    try:
        sums = data.verify_checksums()
        tables = {name: data.load_table(name) for name in data.REGISTRY}
    except data.DataError as exc:
        raise SystemExit(f"data check failed: {exc}") from None
    led = Ledger(SCRIPT)
    led.add("data.n_files_checksummed", len(sums), "int")
    cer = tables["cerebras_gpt"]
    led.add("data.n_cerebras", len(cer), "int", unit="models")
    led.add("data.cerebras_smallest", cer["params_label"].iloc[0], "str")
    led.add("data.cerebras_largest", cer["params_label"].iloc[-1], "str")
    diff = (cer["pile_loss_hf_card"] - cer["pile_loss_modelzoo_readme"]).abs().to_numpy()
    led.add("data.loss_sources_n_differ", int((diff > 0).sum()), "int", unit="models")
    led.add("data.loss_sources_max_diff", float(diff.max()), "f3", unit="nats/token")
    led.add("data.loss_sources_max_diff_model", cer["params_label"].iloc[int(np.argmax(diff))], "str")
    led.add("data.cerebras_tokens_per_param", float(cer["tokens_per_param"].median()), "int")
    pm = tables["pythia_models"]
    led.add("data.n_pythia_sizes", pm["size_label"].nunique(), "int", unit="sizes")
    led.add("data.n_pythia_models", len(pm), "int", unit="models")
    led.add("data.pythia_smallest", pm["size_label"].iloc[0], "str")
    led.add("data.pythia_largest", pm["size_label"].iloc[-1], "str")
    led.add("data.pythia_tokens_billion", float(pm["train_tokens"].iloc[0]) / 1e9, "f1", unit="billion tokens")
    traj = tables["pythia_trajectory"]
    led.add("data.pythia_n_checkpoints", traj["step"].nunique(), "int")
    led.add("data.n_claims", len(tables["paper_claims"]), "int")
    led.add("method.bootstrap_b", args.B, "int", unit="replicates")
    led.add("method.seed", str(args.seed), "str", note="base seed of every random stream")
    led.add("method.ci_level", 100 * config.CI_LEVEL, "pct0")
    led.add("method.poor_fit_threshold", config.POOR_FIT_THRESHOLD, "f2")
    led.save()
    print(f"data check passed: {len(sums)} checksummed files, {len(tables)} tables validated")


if __name__ == "__main__":
    main()
