"""Generate the manuscript's provenance appendix and build note, and stage the manuscript's inputs.

* results/tables/provenance.md (+ .keys.json): one row per ledger entry the manuscript
  prints (in prose or in a table), with its key, printed form and producing script.
* results/build_info.md: the commit the document was built from.
* paper/_generated/: results/tables, results/figures and the build note staged into the Quarto
  project (tools/render/stage.py: inside typst's root, keyed table cells as ledger shortcodes).

Run by `make paper` (`python -m tools.provenance`) after the analysis and before rendering, for
either renderer. A build stage, not part of the manuscript: paper/ holds only what Quarto reads,
nothing there writes anywhere, and paper/_generated/ is this stage's output.
"""
from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from analysis.core import atomic, ledger, paths
from analysis.core.report import Key, write_table
from tools import render
from tools.render import stage

SELF = "provenance.md"


def printed_keys(qmd=paths.PAPER / "paper.qmd") -> list[str]:
    """Ledger keys used by the manuscript, in order of first use, excluding this appendix."""
    seen = {}
    for use in render.key_uses(qmd):
        if use.file.name != SELF:
            seen.setdefault(use.key, None)
    return list(seen)


def commit_note() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=paths.ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "This document was built outside a git checkout; its commit is unknown."
    state = " with uncommitted changes" if dirty else ""
    return f"This document was built from commit `{head}`{state}."


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qmd", type=Path, default=paths.PAPER / "paper.qmd")
    args = parser.parse_args(argv)
    atomic.write_text(paths.RESULTS / "build_info.md", commit_note() + "\n")
    entries = ledger.load()
    # the manuscript includes this table: a placeholder lets us parse it (its keys are not counted)
    placeholder = {SELF: "| Key | Printed | Script |\n|:---|---:|:---|\n"}
    try:
        stage.stage(paths.RESULTS, stage.DEST, entries, placeholder)   # the manuscript reads the staged tables
        keys = printed_keys(args.qmd)
    except (render.BuildError, stage.StageError) as exc:
        raise SystemExit(f"tools.provenance: error: {exc}") from None
    unknown = [k for k in keys if k not in entries]
    if unknown:
        raise SystemExit(f"paper uses ledger keys that do not exist: {unknown}")
    led = ledger.Ledger("tools/provenance.py")
    led.entries = {k: entries[k] for k in keys}     # read-only view for the table writer
    rows = [[f"`{k}`", Key(k), f"`{entries[k]['script']}`"] for k in keys]
    write_table("provenance", ["Ledger key", "Printed", "Script"], rows, led, align="lrl", widths=[40, 14, 30])
    try:
        stage.stage(paths.RESULTS, stage.DEST, entries)   # again, with this appendix's table
    except stage.StageError as exc:
        raise SystemExit(f"tools.provenance: error: {exc}") from None


if __name__ == "__main__":
    main()
