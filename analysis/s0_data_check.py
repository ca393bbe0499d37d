"""Data check: verify data/SHA256SUMS, then load and validate every curated table.

Validation is `data.validate`: every schema, row and table rule, then the cross-table rules
(values published twice agree, accuracies near chance, ...); the first violation stops the build
with one line naming file, row and column.

Also records facts about the data that the manuscript prints (model counts, size ranges,
the disagreement between the two published Pile-loss sources) and the method constants.
Output: ledger part `s0_data_check` (its presence tells `make` the data passed).
"""
from __future__ import annotations

import platform
import re
from dataclasses import dataclass

import numpy as np

from analysis.core import cli, config, data, paths
from analysis.core.ledger import Ledger
from analysis.core.report import Key, write_table

SCRIPT = "analysis/s0_data_check.py"


# --------------------------------------------------------------------------- load

def load_validated() -> tuple[dict[str, str], dict]:
    """({checksummed file: digest}, {table name: frame}); a data problem stops the build in one line."""
    try:
        sums = data.verify_checksums()
        tables = data.validate()
    except data.DataError as exc:
        raise SystemExit(f"data check failed: {exc}") from None
    return sums, tables


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


# --------------------------------------------------------------------------- compute

@dataclass(frozen=True)
class DataFacts:
    n_cerebras: int
    cerebras_smallest: str
    cerebras_largest: str
    loss_sources_n_differ: int
    loss_sources_max_diff: float
    loss_sources_max_diff_model: str
    cerebras_tokens_per_param: float
    n_pythia_sizes: int
    n_pythia_models: int
    pythia_smallest: str
    pythia_largest: str
    pythia_tokens_billion: float
    pythia_n_checkpoints: int
    n_claims: int


def data_facts(tables: dict) -> DataFacts:
    cer, pm = tables["cerebras_gpt"], tables["pythia_models"]
    diff = (cer["pile_loss_hf_card"] - cer["pile_loss_modelzoo_readme"]).abs().to_numpy()
    return DataFacts(
        n_cerebras=len(cer),
        cerebras_smallest=cer["params_label"].iloc[0],
        cerebras_largest=cer["params_label"].iloc[-1],
        loss_sources_n_differ=int((diff > 0).sum()),
        loss_sources_max_diff=float(diff.max()),
        loss_sources_max_diff_model=cer["params_label"].iloc[int(np.argmax(diff))],
        cerebras_tokens_per_param=float(cer["tokens_per_param"].median()),
        n_pythia_sizes=pm["size_label"].nunique(),
        n_pythia_models=len(pm),
        pythia_smallest=pm["size_label"].iloc[0],
        pythia_largest=pm["size_label"].iloc[-1],
        pythia_tokens_billion=float(pm["train_tokens"].iloc[0]) / 1e9,
        pythia_n_checkpoints=tables["pythia_trajectory"]["step"].nunique(),
        n_claims=len(tables["paper_claims"]),
    )


# --------------------------------------------------------------------------- record

def record(led: Ledger, facts: DataFacts, sums: dict[str, str], versions: list[tuple[str, str]], args) -> None:
    led.add("data.n_files_checksummed", len(sums), "int", paper=False)
    led.add("data.n_cerebras", facts.n_cerebras, "int", unit="models")
    led.add("data.cerebras_smallest", facts.cerebras_smallest, "str")
    led.add("data.cerebras_largest", facts.cerebras_largest, "str")
    led.add("data.loss_sources_n_differ", facts.loss_sources_n_differ, "int", unit="models")
    led.add("data.loss_sources_max_diff", facts.loss_sources_max_diff, "f3", unit="nats/token")
    led.add("data.loss_sources_max_diff_model", facts.loss_sources_max_diff_model, "str")
    led.add("data.cerebras_tokens_per_param", facts.cerebras_tokens_per_param, "int")
    led.add("data.n_pythia_sizes", facts.n_pythia_sizes, "int", unit="sizes")
    led.add("data.n_pythia_models", facts.n_pythia_models, "int", unit="models", paper=False)
    led.add("data.pythia_smallest", facts.pythia_smallest, "str")
    led.add("data.pythia_largest", facts.pythia_largest, "str")
    led.add("data.pythia_tokens_billion", facts.pythia_tokens_billion, "f1", unit="billion tokens")
    led.add("data.pythia_n_checkpoints", facts.pythia_n_checkpoints, "int")
    led.add("data.n_claims", facts.n_claims, "int", paper=False)
    led.add("method.bootstrap_b", args.B, "int", unit="replicates")
    led.add("method.seed", str(args.seed), "str", note="base seed of every random stream")
    led.add("method.ci_level", 100 * config.CI_LEVEL, "pct0")
    led.add("method.poor_fit_threshold", config.POOR_FIT_THRESHOLD, "f2", paper=False)
    # reproducibility appendix: data checksums and the pinned versions of direct dependencies
    for i, (name, digest) in enumerate(sorted(sums.items())):
        led.add(f"prov.sha256.f{i:02d}", digest[:16], "str", note=name)
    for i, (package, version) in enumerate(versions):
        led.add(f"prov.version.p{i:02d}", version, "str", note=package)


# --------------------------------------------------------------------------- tables

def write_tables(led: Ledger, sums: dict[str, str], versions: list[tuple[str, str]]) -> None:
    rows = [[f"`{name}`", Key(f"prov.sha256.f{i:02d}")] for i, name in enumerate(sorted(sums))]
    write_table("checksums", ["File", "SHA-256 (first 16 hex digits)"], rows, led, align="ll")
    rows = [[package, Key(f"prov.version.p{i:02d}")] for i, (package, _) in enumerate(versions)]
    write_table("software", ["Package", "Version"], rows, led, align="ll")


def main(argv=None) -> None:
    args = cli.parser(__doc__).parse_args(argv)
    sums, tables = load_validated()
    versions = direct_dependency_versions()
    facts = data_facts(tables)
    led = Ledger(SCRIPT)
    record(led, facts, sums, versions, args)
    write_tables(led, sums, versions)
    led.save()
    print(f"data check passed: {len(sums)} checksummed files, {len(tables)} tables validated")


if __name__ == "__main__":
    main()
