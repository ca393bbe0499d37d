"""Atomic outputs and resumability (issue 6): a build killed part-way and restarted with
`make analysis` ends byte-identical to an uninterrupted build, with no stray *.tmp files.

The build runs in a temporary copy of the project (analysis/, data/, Makefile; every section and
extension script, built with the running interpreter) with a small B, so it takes about 15 s.
"""
from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tools import sandbox

B = "50"


def project_copy(dest: Path) -> Path:
    return sandbox.copy_project(dest)


def env() -> dict:
    e = sandbox.make_env()
    e.pop("SLM_JOBS", None)      # the reference build uses the default number of workers
    return e


def make_command(root: Path) -> list[str]:
    return sandbox.make_command(root, "analysis", f"B={B}")


def make(root: Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(make_command(root), env=env(), capture_output=True, text=True, timeout=600, **kw)


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
    proc = subprocess.Popen(make_command(root), env=env(),
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
