"""Data check: verify data/SHA256SUMS, then load and validate every curated table.

Validation is `data.validate`: every schema, row and table rule, then the cross-table rules
(values published twice agree, accuracies near chance, ...); the first violation stops the build
with one line naming file, row and column.

Also records facts about the data that the manuscript prints (model counts, size ranges,
the disagreement between the two published Pile-loss sources) and the method constants.
Output: ledger part `s0_data_check` (its presence tells `make` the data passed).
"""
from __future__ import annotations

import numpy as np

import platform
import re

from analysis.core import cli, config, data, paths
from analysis.core.ledger import Ledger
from analysis.core.report import Key, write_table

SCRIPT = "analysis/s0_data_check.py"


def direct_dependency_versions() -> list[tuple[str, str]]:
    """(package, version pinned for this interpreter) for each package of requirements.in.

    The lock is universal (pins may depend on the Python version); the pin whose environment
    marker matches the running interpreter is the one installed, so that is the one listed.
    """
    from packaging.markers import Marker

    wanted = [line.split("#")[0].strip().lower() for line in
              (paths.ROOT / "requirements.in").read_text(encoding="utf-8").splitlines()]
    wanted = [w for w in wanted if w]
    pins: dict[str, str] = {}
    for line in (paths.ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)\s*(?:;\s*(.*?))?\s*\\?$", line)
        if m and (not m.group(3) or Marker(m.group(3)).evaluate()):
            pins[m.group(1).lower()] = m.group(2)
    missing = [w for w in wanted if w not in pins]
    if missing:
        raise SystemExit(f"requirements.lock has no pin for {missing} on this Python; run `make lock`")
    return [("python", ".".join(platform.python_version_tuple()[:2]))] + [(w, pins[w]) for w in wanted]


def main(argv=None) -> None:
    args = cli.parser(__doc__).parse_args(argv)
    try:
        sums = data.verify_checksums()
        tables = data.validate()
    except data.DataError as exc:
        raise SystemExit(f"data check failed: {exc}") from None
    led = Ledger(SCRIPT, record_only=(r"^data\.n_claims$", r"^data\.n_files_checksummed$",
                                       r"^data\.n_pythia_models$", r"^method\.poor_fit_threshold$"))
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

    # Reproducibility appendix: data checksums and the pinned versions of direct dependencies
    rows = []
    for i, (name, digest) in enumerate(sorted(sums.items())):
        led.add(f"prov.sha256.f{i:02d}", digest[:16], "str", note=name)
        rows.append([f"`{name}`", Key(f"prov.sha256.f{i:02d}")])
    write_table("checksums", ["File", "SHA-256 (first 16 hex digits)"], rows, led, align="ll")
    rows = []
    for i, (package, version) in enumerate(direct_dependency_versions()):
        led.add(f"prov.version.p{i:02d}", version, "str", note=package)
        rows.append([package, Key(f"prov.version.p{i:02d}")])
    write_table("software", ["Package", "Version"], rows, led, align="ll")
    led.save()
    print(f"data check passed: {len(sums)} checksummed files, {len(tables)} tables validated")


if __name__ == "__main__":
    main()
