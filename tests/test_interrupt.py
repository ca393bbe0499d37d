"""Atomic outputs and resumability (issue 6): a build killed part-way and restarted with
`make analysis` ends byte-identical to an uninterrupted build, with no stray *.tmp files.

The build runs in a temporary copy of the project (analysis/ with the section scripts only,
data/, Makefile; built with the running interpreter) with a small B, so the test takes well under a minute.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from analysis.core import paths

B = "50"


def project_copy(dest: Path) -> Path:
    """Section scripts (s*), core library, data and Makefile; extension scripts are left out
    (the Makefile picks them up by wildcard) to keep the build short."""
    dest.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "x[0-9]*_*.py", "bench.py", "verify.py")
    shutil.copytree(paths.ROOT / "analysis", dest / "analysis", ignore=ignore, copy_function=shutil.copy2)
    shutil.copytree(paths.ROOT / "data", dest / "data", copy_function=shutil.copy2,
                    ignore=shutil.ignore_patterns(".*"))
    for name in ("Makefile", "requirements.lock", "requirements.in"):
        if (paths.ROOT / name).exists():
            shutil.copy2(paths.ROOT / name, dest / name)
    (dest / "paper").mkdir()
    return dest


def env() -> dict:
    e = {k: v for k, v in os.environ.items() if not k.startswith("SLM_") and k not in ("MAKEFLAGS", "MFLAGS")}
    e["PYTHONHASHSEED"] = "0"
    return e


def make(root: Path, **kw) -> subprocess.CompletedProcess:
    # the running interpreter's environment (a .venv, or tox's) builds the copy
    return subprocess.run(["make", "-s", "-C", str(root), "analysis", f"B={B}", f"PY={sys.executable}",
                           "VENV_STAMP="], env=env(),
                          capture_output=True, text=True, timeout=600, **kw)


def outputs(root: Path) -> dict[str, bytes]:
    results = root / "results"
    files = [results / "ledger.json", *sorted((results / "tables").glob("*")), *sorted((results / "ledger").glob("*"))]
    return {p.relative_to(results).as_posix(): p.read_bytes() for p in files}


_REFERENCE: dict = {}


def reference_build() -> Path:
    """One uninterrupted build per test session (shared with tests/test_determinism.py)."""
    if "root" not in _REFERENCE:
        root = project_copy(Path(tempfile.mkdtemp(prefix="slm-reference-")) / "repo")
        proc = make(root)
        assert proc.returncode == 0, proc.stderr
        _REFERENCE["root"] = root
    return _REFERENCE["root"]


@pytest.fixture(scope="module")
def reference() -> dict[str, bytes]:
    return outputs(reference_build())


def test_killed_build_resumes_to_identical_outputs(tmp_path, reference):
    root = project_copy(tmp_path / "repo")
    marker = root / "results" / "ledger" / "s0_data_check.json"
    proc = subprocess.Popen(["make", "-s", "-C", str(root), "analysis", f"B={B}"], env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), "the data check never finished"
    time.sleep(1.0)                      # s1 and s2 are now running
    assert proc.poll() is None, "the build finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGKILL)  # make and every script it started
    proc.wait(timeout=30)
    assert not (root / "results" / "ledger.json").exists()

    again = make(root)
    assert again.returncode == 0, again.stderr
    got = outputs(root)
    assert sorted(got) == sorted(reference)
    assert [k for k in reference if got[k] != reference[k]] == []
    assert not list((root / "results").rglob("*.tmp"))
