"""The results ledger: every reported number under a stable dotted key.

Each analysis script builds a `Ledger`, adds entries, and saves one part file
`results/ledger/<script>.json`. `merge_parts` joins the parts into `results/ledger.json`,
refusing key collisions, and the manuscript reads only that merged file.

An entry: {"value": float | str, "unit": str, "format": spec, "formatted": str,
           "script": "analysis/<script>.py", "paper": bool, "note": str}
`formatted` is produced by `fmt.format_value`, the same formatter the tests use.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

from . import atomic, fmt, paths

KEY = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")


class LedgerError(ValueError):
    pass


def read_json(path: Path) -> dict:
    """A ledger file, or one line naming the file and what to do if it is unreadable."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LedgerError(f"{paths.rel(path)} does not exist; run `make analysis` first") from None
    except UnicodeDecodeError as exc:
        raise LedgerError(f"{paths.rel(path)}: not UTF-8 text (byte {exc.start}); "
                          "delete it and run make again") from None
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LedgerError(f"{paths.rel(path)}:{exc.lineno}:{exc.colno}: corrupt ledger ({exc.msg}); "
                          "delete it and run make again") from None
    if not isinstance(entries, dict) or not all(isinstance(v, dict) and "formatted" in v and "value" in v
                                                for v in entries.values()):
        raise LedgerError(f"{paths.rel(path)}: not a ledger (expected an object of entries with "
                          "'value' and 'formatted'); delete it and run make again")
    return entries


def _clean(value):
    """JSON-stable value: Python float/int/str, rounded to 12 significant digits.

    Rounding at 12 significant digits removes last-bit noise between BLAS builds without
    touching anything that could reach print precision (at most 4 significant digits).
    """
    if isinstance(value, str):
        return value
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        raise LedgerError("booleans are not ledger values; store 0/1 with spec 'int'")
    if isinstance(value, int):
        return value
    value = float(value)
    if not math.isfinite(value):
        raise LedgerError(f"non-finite value {value!r}")
    return float(f"{value:.12g}")


class Ledger:
    """Entries of one script.

    Every entry is marked for the manuscript unless it is added with `paper=False` (recorded, so
    `make verify` and the record gate check it, but not printed); the tests fail if a marked
    entry is never printed, so the mark sits where the number is added.
    """

    def __init__(self, script: str):
        self.script = script
        self.entries: dict[str, dict] = {}

    def add(self, key: str, value, spec: str, unit: str = "", paper: bool = True, note: str = "") -> str:
        """Record one number; returns its printed form."""
        if not KEY.match(key):
            raise LedgerError(f"{self.script}: malformed ledger key {key!r} (dotted lower-case words)")
        if key in self.entries:
            raise LedgerError(f"{self.script}: ledger key collision: {key!r} added twice")
        value = _clean(value)
        formatted = fmt.format_value(value, spec)
        self.entries[key] = {
            "value": value, "unit": unit, "format": spec, "formatted": formatted,
            "script": self.script, "paper": bool(paper), "note": note,
        }
        return formatted

    def get(self, key: str) -> dict:
        return self.entries[key]

    def save(self, name: str | None = None) -> Path:
        stem = name or Path(self.script).stem
        target = paths.LEDGER_PARTS / f"{stem}.json"
        atomic.write_text(target, dumps(self.entries))
        return target


def dumps(entries: dict) -> str:
    return json.dumps(dict(sorted(entries.items())), indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def merge_parts(part_files: list[Path]) -> dict:
    merged: dict[str, dict] = {}
    for part in sorted(part_files):
        for key, entry in read_json(part).items():
            if key in merged:
                raise LedgerError(
                    f"ledger key collision: {key!r} is written by both "
                    f"{merged[key]['script']} and {entry['script']} ({paths.rel(part)})")
            merged[key] = entry
    return merged


def load(path: Path | None = None) -> dict:
    return read_json(path or paths.LEDGER)


def nested(entries: dict, field: str = "formatted") -> dict:
    """Dotted keys -> nested dict (the shape of Quarto's _variables.yml)."""
    tree: dict = {}
    for key, entry in sorted(entries.items()):
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise LedgerError(f"ledger key {key!r} nests under a leaf")
        if parts[-1] in node:
            raise LedgerError(f"ledger key {key!r} is both a leaf and a branch")
        node[parts[-1]] = entry[field]
    return tree
