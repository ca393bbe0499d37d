"""Reviewer's check: recompute every number from data/ and compare it with the ledger the
paper was built from (results/ledger.json).

Prints `key | value in the paper | recomputed | status` for every ledger entry and exits
non-zero if any differs. The recomputation runs every analysis script in a temporary
results directory (nothing in results/ is touched).

Comparison: the printed strings must be identical, and numeric values must agree to a
relative tolerance of 1e-6. Printed strings carry at most 4 significant digits, so this is
far tighter than anything a reader sees, yet loose enough for last-bit differences between
BLAS builds on other machines (on one machine two runs are byte-identical).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from analysis.core import ledger, paths

REL_TOL = 1e-6


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
    return json.loads((results_dir / "ledger.json").read_text(encoding="utf-8"))


def method_args(reference: dict) -> list[str]:
    """Recompute with the bootstrap size and seed the reference ledger was built with."""
    try:
        return ["--B", str(reference["method.bootstrap_b"]["value"]), "--seed", str(reference["method.seed"]["value"])]
    except KeyError:
        raise SystemExit("the reference ledger lacks method.bootstrap_b / method.seed; rebuild it") from None


def same(a: dict, b: dict) -> bool:
    if a["formatted"] != b["formatted"]:
        return False
    va, vb = a["value"], b["value"]
    if isinstance(va, str) or isinstance(vb, str):
        return va == vb
    return math.isclose(va, vb, rel_tol=REL_TOL, abs_tol=1e-12)


def compare(reference: dict, fresh: dict) -> list[tuple[str, str, str, str]]:
    rows = []
    for key in sorted(set(reference) | set(fresh)):
        ref, new = reference.get(key), fresh.get(key)
        if ref is None:
            rows.append((key, "(absent)", new["formatted"], "NEW"))
        elif new is None:
            rows.append((key, ref["formatted"], "(absent)", "MISSING"))
        else:
            rows.append((key, ref["formatted"], new["formatted"], "ok" if same(ref, new) else "MISMATCH"))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledger", type=Path, default=paths.LEDGER, help="ledger the paper was built from")
    parser.add_argument("--only-problems", action="store_true", help="print only rows that do not match")
    args = parser.parse_args(argv)
    reference = ledger.load(args.ledger)
    with tempfile.TemporaryDirectory(prefix="verify-") as tmp:
        fresh = recompute(Path(tmp), method_args(reference))
    rows = compare(reference, fresh)
    width = max(len(r[0]) for r in rows)
    print(f"{'key':<{width}} | {'value in the paper':>20} | {'recomputed':>20} | status")
    for row in rows:
        if not args.only_problems or row[3] != "ok":
            print(f"{row[0]:<{width}} | {row[1]:>20} | {row[2]:>20} | {row[3]}")
    bad = [r for r in rows if r[3] != "ok"]
    print(f"\n{len(rows) - len(bad)} of {len(rows)} numbers match; {len(bad)} do not.")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
