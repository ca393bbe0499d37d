"""Reviewer's check: recompute every number from data/ and compare it with the committed
record of what the paper prints (record/ledger.json).

Prints `key | value in the record | recomputed | status` for every ledger entry and exits
non-zero if any differs. The recomputation runs every analysis script in a temporary
results directory (nothing in results/ or record/ is touched), with the bootstrap size and
seed the record was made with.

Comparison: the rule of tools/record.py (printed strings identical, numeric values within
a relative 1e-6; environment descriptions shown, never compared).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from analysis.core import ledger, paths
from tools import record


def pipeline(root: Path = paths.ROOT) -> list[str]:
    """Analysis modules in dependency order, as the Makefile runs them."""
    sections = sorted(p.stem for p in (root / "analysis").glob("s[0-9]_*.py"))
    extensions = sorted(p.stem for p in (root / "analysis").glob("x[0-9]*_*.py"))
    audit = [s for s in sections if s.startswith("s6")]
    return [s for s in sections if s not in audit] + extensions + audit + ["build_ledger"]


def recompute(results_dir: Path, extra_args: list[str] | None = None) -> dict:
    env = dict(os.environ, SLM_RESULTS=str(results_dir), PYTHONHASHSEED="0")
    for module in pipeline():
        args = [] if module == "build_ledger" else (extra_args or [])
        proc = subprocess.run([sys.executable, "-m", f"analysis.{module}", *args], cwd=paths.ROOT, env=env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"recomputation failed in analysis/{module}.py:\n{proc.stdout}{proc.stderr}")
    return ledger.read_json(results_dir / "ledger.json")


def method_args(reference: dict) -> list[str]:
    """Recompute with the bootstrap size and seed the reference ledger was built with."""
    try:
        return ["--B", str(reference["method.bootstrap_b"]["value"]), "--seed", str(reference["method.seed"]["value"])]
    except KeyError:
        raise record.RecordError("the reference ledger lacks method.bootstrap_b / method.seed; "
                                 "it is not a complete record") from None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledger", type=Path, default=record.RECORD,
                        help="reference ledger (default: the committed record, record/ledger.json)")
    parser.add_argument("--only-problems", action="store_true", help="print only rows that do not match")
    args = parser.parse_args(argv)
    reference = record.load_record(args.ledger)
    with tempfile.TemporaryDirectory(prefix="verify-") as tmp:
        fresh = recompute(Path(tmp), method_args(reference))
    rows = record.compare(reference, fresh)
    width = max(len(r[0]) for r in rows)
    print(f"{'key':<{width}} | {'value in the record':>20} | {'recomputed':>20} | status")
    for row in rows:
        if not args.only_problems or row[3] not in ("ok", "env"):
            print(f"{row[0]:<{width}} | {row[1]:>20} | {row[2]:>20} | {row[3]}")
    bad = record.problems(rows)
    n_env = sum(1 for r in rows if r[3] == "env")
    print(f"\n{len(rows) - len(bad) - n_env} of {len(rows) - n_env} numbers match; {len(bad)} do not "
          f"({n_env} environment descriptions shown, not compared).")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
