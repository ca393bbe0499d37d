"""The committed record of what the paper prints, and the gate that holds every build to it.

`record/ledger.json` is committed and never written by the build (the build writes
`results/ledger.json`). Two commands:

  python -m tools.record check    (`make check-record`, run by `make test`, `.ci/run`, tox)
      compares the built ledger with the record; exits 1 naming every key that moved.
  python -m tools.record update   (`make record`, the only way the record changes)
      lists which printed numbers moved, then writes record/ledger.json and
      record/environment.json.

Comparison rule (also used by `make verify`): a key must exist in both; printed strings must be
identical and numeric values must agree to a relative 1e-6. Printed strings carry at most 4
significant digits, so the tolerance is far tighter than anything a reader sees; it admits
last-bit differences that remain between machines whose kernels cannot be pinned
(analysis/core/numerics.py). Environment descriptions (the interpreter and the package pins
installed for it, keys `prov.version.*`) are recorded but not compared, so the gate passes on
any supported Python; `record/environment.json` says which Python and kernels made the record.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

from analysis.core import atomic, config, ledger, numerics, paths

RECORD_DIR = paths.ROOT / "record"
RECORD = RECORD_DIR / "ledger.json"
ENVIRONMENT = RECORD_DIR / "environment.json"
REL_TOL = 1e-6
ENVIRONMENT_KEYS = re.compile(r"^prov\.version\.")


class RecordError(ValueError):
    pass


def is_environment(key: str) -> bool:
    return bool(ENVIRONMENT_KEYS.match(key))


def same(a: dict, b: dict) -> bool:
    if a["formatted"] != b["formatted"]:
        return False
    va, vb = a["value"], b["value"]
    if isinstance(va, str) or isinstance(vb, str):
        return va == vb
    return math.isclose(va, vb, rel_tol=REL_TOL, abs_tol=1e-12)


def compare(reference: dict, fresh: dict) -> list[tuple[str, str, str, str]]:
    """(key, reference printed, fresh printed, status) for every key of either ledger.

    status: ok | MISMATCH (printed string or value differs) | NEW | MISSING | env (an
    environment description, shown but never a failure)."""
    rows = []
    for key in sorted(set(reference) | set(fresh)):
        ref, new = reference.get(key), fresh.get(key)
        if is_environment(key):
            rows.append((key, ref["formatted"] if ref else "(absent)", new["formatted"] if new else "(absent)", "env"))
        elif ref is None:
            rows.append((key, "(absent)", new["formatted"], "NEW"))
        elif new is None:
            rows.append((key, ref["formatted"], "(absent)", "MISSING"))
        else:
            rows.append((key, ref["formatted"], new["formatted"], "ok" if same(ref, new) else "MISMATCH"))
    return rows


def problems(rows) -> list[tuple[str, str, str, str]]:
    return [r for r in rows if r[3] not in ("ok", "env")]


def describe_moves(reference: dict, fresh: dict) -> list[str]:
    """Readable lines for the keys that moved: printed changes first, then value-only drift."""
    bad = problems(compare(reference, fresh))
    printed = [r for r in bad if r[1] != r[2]]
    drift = [r for r in bad if r[1] == r[2]]
    lines = [f"  {k}: {a} -> {b}" + ("" if s == "MISMATCH" else f" ({s.lower()})") for k, a, b, s in printed]
    for key, a, _, _ in drift:
        lines.append(f"  {key}: printed {a} unchanged, value {reference[key]['value']!r} -> {fresh[key]['value']!r}")
    return lines


def load_record(path: Path = RECORD) -> dict:
    if not Path(path).exists():
        raise RecordError(f"{paths.rel(path)} does not exist: the committed record is missing "
                          "(restore it with `git checkout -- record/`, or create it with `make record`)")
    return ledger.read_json(path)


def check(build_path: Path = paths.LEDGER, record_path: Path = RECORD) -> int:
    record, build = load_record(record_path), ledger.read_json(build_path)
    bad = problems(compare(record, build))
    if not bad:
        env = load_environment(record_path.parent / ENVIRONMENT.name)
        print(f"record check passed: {paths.rel(build_path)} equals {paths.rel(record_path)} "
              f"({len(record)} entries; record made with Python {env.get('python', '?')})")
        return 0
    n_printed = sum(1 for r in bad if r[1] != r[2])
    print(f"record check FAILED: {len(bad)} ledger keys differ from the committed record "
          f"{paths.rel(record_path)} ({n_printed} of them printed differently):")
    print("\n".join(describe_moves(record, build)))
    print("If the change is intended, run `make record` and commit record/ with the code; "
          "otherwise find what changed the numbers.")
    return 1


def load_environment(path: Path = ENVIRONMENT) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True,
                              timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=paths.ROOT,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    if head.returncode != 0:
        return "unknown"
    return head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


def environment(build: dict) -> dict:
    import numpy
    import scipy
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": f"{platform.system()} {platform.machine()}",
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "numerics": numerics.describe(os.environ),
        "bootstrap_b": build["method.bootstrap_b"]["value"],
        "seed": build["method.seed"]["value"],
        "recorded_on_top_of_commit": git_commit(),
        "note": "environment of the build that made record/ledger.json; recorded, never compared",
    }


def update(build_path: Path = paths.LEDGER, record_dir: Path = RECORD_DIR) -> int:
    build = ledger.read_json(build_path)
    b, seed = build["method.bootstrap_b"]["value"], build["method.seed"]["value"]
    if b != config.B or str(seed) != str(config.SEED):
        raise RecordError(f"{paths.rel(build_path)} was built with B={b}, seed={seed}; the record uses the "
                          f"defaults B={config.B}, seed={config.SEED}: run `make record` without B=/SEED=")
    record_path = record_dir / RECORD.name
    old = ledger.read_json(record_path) if record_path.exists() else {}
    moves = describe_moves(old, build)
    atomic.write_text(record_path, ledger.dumps(build))
    atomic.write_text(record_dir / ENVIRONMENT.name,
                      json.dumps(environment(build), indent=1, sort_keys=True) + "\n")
    if moves:
        print(f"record updated: {len(moves)} keys moved (printed changes first):")
        print("\n".join(moves))
    else:
        print("record updated: no ledger value moved")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("check", "update"))
    parser.add_argument("--ledger", type=Path, default=paths.LEDGER, help="built ledger (default results/ledger.json)")
    args = parser.parse_args(argv)
    return check(args.ledger) if args.command == "check" else update(args.ledger)


if __name__ == "__main__":
    sys.exit(main())
