"""Root-relative paths shared by every script, test and the manuscript build."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("SLM_DATA", ROOT / "data"))  # override for tests (bad-input catalogue)
RESULTS = Path(os.environ.get("SLM_RESULTS", ROOT / "results"))
LEDGER_PARTS = RESULTS / "ledger"
LEDGER = RESULTS / "ledger.json"
TABLES = RESULTS / "tables"
FIGURES = RESULTS / "figures"
PAPER = ROOT / "paper"
CHECKSUMS = DATA / "SHA256SUMS"


def rel(path: Path) -> str:
    """Path relative to the repository root, with forward slashes (for messages and ledgers)."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)
