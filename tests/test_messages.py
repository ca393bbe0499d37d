"""Messages a person can act on (issue 10, point 5): each failure kind prints one line naming the
file (and line, where there is one) and what to do, never a traceback. The renderer's messages
(unknown keys, typst errors, front matter) are tested in tests/test_renderer_confinement.py.
"""
from __future__ import annotations

import errno
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.core import errors, ledger, paths


def run(module: str, *args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    full = dict(os.environ, PYTHONHASHSEED="0", **(env or {}))
    return subprocess.run([sys.executable, "-m", module, *args], cwd=paths.ROOT, env=full,
                          capture_output=True, text=True, timeout=300, **kw)


def one_line(proc: subprocess.CompletedProcess, *fragments: str) -> str:
    assert proc.returncode != 0, proc.stdout + proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def test_a_corrupt_ledger_part_names_file_line_and_column(tmp_path):
    parts = tmp_path / "results" / "ledger"
    parts.mkdir(parents=True)
    (parts / "s3_correlation.json").write_text('{\n "corr.x": {"value": 1,\n')
    proc = run("analysis.build_ledger", env={"SLM_RESULTS": str(tmp_path / "results")})
    one_line(proc, "s3_correlation.json:3:1", "corrupt ledger", "delete it and run make again")


def test_a_corrupt_record_names_the_record(tmp_path):
    bad = tmp_path / "ledger.json"
    bad.write_text("[1, 2")
    proc = run("tools.record", "check", "--ledger", str(bad))
    one_line(proc, str(bad), "corrupt ledger")
    not_a_ledger = tmp_path / "list.json"
    not_a_ledger.write_text("[1, 2]")
    one_line(run("tools.record", "check", "--ledger", str(not_a_ledger)), "not a ledger")


def test_a_results_path_that_cannot_be_a_directory(tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("a file where the results directory should be")
    proc = run("analysis.s3_correlation", "--B", "40", env={"SLM_RESULTS": str(blocker)})
    one_line(proc, str(blocker), "is a file, not a directory")


def test_a_read_only_results_directory(tmp_path):
    if os.geteuid() == 0:
        # root ignores permission bits; /sys refuses new entries even to root
        target = Path("/sys/slm-results-test")
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        target = ro / "results"
    proc = run("analysis.s3_correlation", "--B", "40", env={"SLM_RESULTS": str(target)})
    line = one_line(proc, str(target.parent) if os.geteuid() == 0 else str(target))
    assert "writable" in line or "read-only" in line


def test_a_file_size_limit_stops_the_write_with_one_line(tmp_path):
    # RLIMIT_FSIZE makes the next write fail with EFBIG, as a full disk makes it fail with ENOSPC;
    # both go through the same message (the ENOSPC text is checked directly below).
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))
    proc = run("analysis.s3_correlation", "--B", "40", env={"SLM_RESULTS": str(tmp_path / "results")},
               preexec_fn=limit)
    one_line(proc, str(tmp_path / "results"), "free some space")
    assert not list((tmp_path / "results").rglob("*.tmp")), "a torn temporary file was left behind"


def test_disk_full_and_unknown_errors():
    full = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "results/ledger/s1.json")
    assert errors.describe(full) == ("results/ledger/s1.json: No space left on device — "
                                     "the disk is full: free some space and run make again")
    assert errors.describe(KeyError("bug")) is None, "a bug keeps its traceback"


def test_bootstrap_size_below_the_minimum_is_refused():
    one_line(run("analysis.s1_loss_scaling", "--B", "10"), "B=10", "below the minimum 40")


def test_record_check_prints_under_an_ascii_locale(tmp_path):
    built = ledger.read_json(paths.LEDGER)
    negative = next(k for k, e in built.items() if isinstance(e["value"], float) and e["value"] < 0
                    and "\u2212" in e["formatted"])
    other = dict(built)
    other[negative] = dict(built[negative], value=built[negative]["value"] * 2, formatted="\u22129.99")
    path = tmp_path / "ledger.json"
    path.write_text(ledger.dumps(other), encoding="utf-8")
    proc = run("tools.record", "check", "--ledger", str(path),
               env={"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii", "PYTHONUTF8": "0"})
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"{negative}:" in proc.stdout and "\\u2212" in proc.stdout
