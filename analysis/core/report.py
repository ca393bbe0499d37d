"""Writing tables (CSV + Markdown + key sidecar); figures are in `analysis.core.figures`.

A table is a list of rows; each cell is either text (a label) or `Key("dotted.key")`,
a reference to a ledger entry. The Markdown shows the entry's `formatted` string, the
CSV its full-precision value, and `<name>.keys.json` maps each body cell to its key, so
the manuscript build can tie every printed table number back to the ledger.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from . import atomic, config, paths
from .ledger import Ledger


@dataclass(frozen=True)
class Key:
    key: str


def level_label(level: float = config.CI_LEVEL) -> str:
    """The confidence level as printed in a header: 0.95 -> "95%"."""
    return f"{100 * level:g}%"


def percentile_labels(level: float = config.CI_LEVEL) -> tuple[str, str]:
    """Headers of the two ends of a central percentile interval: 0.95 -> ("2.5%", "97.5%").

    The same points as the intervals themselves, 50 (1 - level) and 50 (1 + level); `:g` drops
    the float noise of 50 * (1 - 0.95) = 2.5000000000000022.
    """
    return f"{50 * (1 - level):g}%", f"{50 * (1 + level):g}%"


def write_table(name: str, header: list[str], rows: list[list], ledger: Ledger, align: str | None = None,
                widths: list[int] | None = None) -> None:
    """Write results/tables/<name>.{md,csv,keys.json} from text cells and ledger keys.

    `widths` gives relative column widths; pandoc reads them from the number of dashes in
    the separator line of a pipe table whose rows are wider than its line width.
    """
    def shown(cell):
        return ledger.get(cell.key)["formatted"] if isinstance(cell, Key) else str(cell)

    def raw(cell):
        return ledger.get(cell.key)["value"] if isinstance(cell, Key) else cell

    for row in rows:
        if len(row) != len(header):
            raise ValueError(f"table {name}: row {row} has {len(row)} cells, header has {len(header)}")
    align = align or "l" + "r" * (len(header) - 1)
    widths = widths or [3] * len(header)
    if len(widths) != len(header):
        raise ValueError(f"table {name}: {len(widths)} widths for {len(header)} columns")

    def rule(a, w):
        dashes = "-" * max(3, w)
        return {"l": ":" + dashes, "r": dashes + ":", "c": ":" + dashes + ":"}[a]

    md = ["| " + " | ".join(header) + " |", "|" + "|".join(rule(a, w) for a, w in zip(align, widths)) + "|"]
    md += ["| " + " | ".join(shown(c) for c in row) + " |" for row in rows]
    atomic.write_text(paths.TABLES / f"{name}.md", "\n".join(md) + "\n")

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[raw(c) for c in row] for row in rows])
    atomic.write_text(paths.TABLES / f"{name}.csv", buf.getvalue())

    keys = [[c.key if isinstance(c, Key) else None for c in row] for row in rows]
    atomic.write_text(paths.TABLES / f"{name}.keys.json", json.dumps(keys, indent=1) + "\n")
