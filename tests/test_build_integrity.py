"""The record can fail, and every input of a number is a make prerequisite (issue 10, points 1-2).

The sandbox tests copy the project with its built results into a directory whose path has a
space, and run make there with an interpreter path that has a space, so they also prove that
the build works from such paths.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis.core import ledger, paths
from tools import imports, record, sandbox


def entry(value, formatted=None):
    return {"value": value, "formatted": formatted if formatted is not None else str(value), "format": "str",
            "script": "analysis/x.py", "paper": True, "note": "", "unit": ""}


# --- the comparison rule -----------------------------------------------------------------------

def test_compare_flags_printed_changes_drift_new_and_missing_but_not_environment():
    ref = {"a.x": entry(0.1234567, "0.123"), "a.y": entry(1.0, "1.0"), "a.gone": entry(1, "1"),
           "prov.version.p00": entry("3.11"), "a.same": entry(2.0, "2.0")}
    new = {"a.x": entry(0.1244, "0.124"), "a.y": entry(1.00001, "1.0"), "a.new": entry(1, "1"),
           "prov.version.p00": entry("3.12"), "a.same": entry(2.0 * (1 + 1e-9), "2.0")}
    status = {k: s for k, _, _, s in record.compare(ref, new)}
    assert status == {"a.x": "MISMATCH", "a.y": "MISMATCH", "a.gone": "MISSING", "a.new": "NEW",
                      "prov.version.p00": "env", "a.same": "ok"}
    lines = "\n".join(record.describe_moves(ref, new))
    assert "a.x: 0.123 -> 0.124" in lines and "a.y: printed 1.0 unchanged" in lines
    assert "prov.version" not in lines


def test_record_update_lists_moves_and_refuses_non_default_method(tmp_path, capsys):
    built = ledger.read_json(paths.LEDGER)
    build_path = tmp_path / "ledger.json"
    moved = dict(built)
    key = "corr.hf_card.pearson_r"
    moved[key] = dict(built[key], value=built[key]["value"] + 0.5, formatted="9.99")
    build_path.write_text(ledger.dumps(moved), encoding="utf-8")
    (tmp_path / "record").mkdir()
    (tmp_path / "record" / "ledger.json").write_text(ledger.dumps(built), encoding="utf-8")
    assert record.update(build_path, tmp_path / "record") == 0
    out = capsys.readouterr().out
    assert f"{key}: {built[key]['formatted']} -> 9.99" in out and "1 keys moved" in out
    assert ledger.read_json(tmp_path / "record" / "ledger.json") == moved
    env = json.loads((tmp_path / "record" / "environment.json").read_text())
    assert env["python"].count(".") == 2 and env["bootstrap_b"] == built["method.bootstrap_b"]["value"]

    moved["method.bootstrap_b"] = dict(built["method.bootstrap_b"], value=200, formatted="200")
    build_path.write_text(ledger.dumps(moved), encoding="utf-8")
    with pytest.raises(record.RecordError, match="built with B=200"):
        record.update(build_path, tmp_path / "record")


def test_the_committed_record_is_not_a_build_output():
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    assert "record/" not in re.sub(r"#.*", "", makefile.split("clean:", 1)[1]), "make clean must keep record/"
    assert record.RECORD.parent.name == "record" and paths.LEDGER.parent.name == "results"
    ignored = subprocess.run(["git", "check-ignore", "-q", "record/ledger.json"], cwd=paths.ROOT)
    assert ignored.returncode == 1, "record/ledger.json must be committed, not ignored"


# --- sandbox builds ----------------------------------------------------------------------------

@pytest.fixture()
def spaced(tmp_path):
    """(project copy with built results, interpreter wrapper), both in paths with a space."""
    base = tmp_path / "dir with space"
    root = sandbox.copy_project(base / "proj ect", with_results=True)
    # the copied build counts as up to date even if this tree's sources moved since its last build
    now = time.time()
    for path in (root / "results").rglob("*"):
        os.utime(path, (now, now))
    wrapper = base / "python wrapper"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    return root, wrapper


def run_make(root, wrapper, *args, timeout=600):
    return subprocess.run(sandbox.make_command(root, *args, python=wrapper), env=sandbox.make_env(),
                          capture_output=True, text=True, timeout=timeout)


def test_a_printed_number_changed_in_code_fails_the_gate_naming_the_keys(spaced):
    root, wrapper = spaced
    # the copy's record is its own build, so the gate starts green whatever this tree holds
    (root / "record" / "ledger.json").write_bytes((root / "results" / "ledger.json").read_bytes())
    ok = run_make(root, wrapper, "check-record")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # a contributor changes a method parameter inside one script and does not update the record
    script = root / "analysis" / "s3_correlation.py"
    text, n = re.subn(r"\.confidence_interval\([^()]*\)", ".confidence_interval(0.90)", script.read_text())
    assert n == 1, "s3_correlation.py should compute its Pearson interval with one confidence_interval call"
    script.write_text(text)
    gate = run_make(root, wrapper, "check-record")
    assert gate.returncode != 0
    named = set(re.findall(r"^  ([a-z0-9_.]+): ", gate.stdout, re.M))
    assert named == {f"corr.{s}.pearson_ci_{e}" for s in ("hf_card", "modelzoo") for e in ("lo", "hi")}, gate.stdout
    assert "make record" in gate.stdout


def test_ci_runs_the_readme_test_command_and_the_test_command_runs_the_gate():
    ci = (paths.ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", ci, re.M)
    assert "make test" in (paths.ROOT / "README.md").read_text(encoding="utf-8")
    recipe = subprocess.run(["make", "-s", "-n", "-C", str(paths.ROOT), "test", "PAPER_OUT="],
                            capture_output=True, text=True, env=sandbox.make_env())
    assert "tools.record check" in recipe.stdout, recipe.stdout + recipe.stderr


def dry_run(root, wrapper, *args) -> str:
    proc = run_make(root, wrapper, "-n", *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def scripts_run(out: str) -> set[str]:
    return set(re.findall(r"-m analysis\.(\w+)", out))


def test_method_parameters_are_build_inputs(spaced):
    root, wrapper = spaced
    assert not scripts_run(dry_run(root, wrapper, "analysis")), "the copied build should be up to date"
    with_b200 = scripts_run(dry_run(root, wrapper, "analysis", "B=200"))
    assert {"s0_data_check", "s1_loss_scaling", "x6_chinchilla", "s6_audit", "build_ledger"} <= with_b200
    assert (root / "results" / ".method").read_text().split() == ["B=200", "SEED=20260331"]
    # back to the default: the B = 200 numbers may not stay
    assert "s1_loss_scaling" in scripts_run(dry_run(root, wrapper, "analysis"))
    assert "x1_robustness" in scripts_run(dry_run(root, wrapper, "analysis", "SEED=1"))


def test_a_change_to_any_imported_module_rebuilds_every_part_that_imports_it(spaced):
    """For every module a ledger part's script imports, directly or transitively (the import graph
    of tools/imports.py, package __init__ files included), touching it makes `make` rerun that part.
    Scripts import only analysis/core (tests/test_architecture.py), so these are library modules."""
    root, wrapper = spaced
    edges = imports.graph(root)
    files = imports.modules(root)
    parts = sorted(p.stem for p in (root / "analysis").glob("[sx][0-9]*_*.py"))
    needs = {part: imports.closure(f"analysis.{part}", edges) for part in parts}
    imported = sorted(set().union(*needs.values()))
    assert "analysis.core.fitting" in imported and "analysis" in imported
    now = time.time()
    for module in imported:
        path = files[module]
        os.utime(path, (now + 5, now + 5))
        ran = scripts_run(dry_run(root, wrapper, "analysis"))
        os.utime(path, (now - 1e6, now - 1e6))
        missed = sorted(part for part in parts if module in needs[part] and part not in ran)
        assert not missed, f"editing {path.relative_to(root)} does not rebuild {missed}"
    # the check can fail: with the library dropped from the prerequisites, the same edit rebuilds nothing
    makefile = root / "Makefile"
    lib = "LIB        := $(wildcard analysis/core/*.py) analysis/__init__.py\n"
    assert lib in makefile.read_text()
    makefile.write_text(makefile.read_text().replace(lib, "LIB        :=\n"))
    os.utime(files["analysis.core.fitting"], (now + 10, now + 10))
    assert "s1_loss_scaling" not in scripts_run(dry_run(root, wrapper, "analysis"))


def test_a_venv_left_without_pip_is_repaired(tmp_path):
    root = sandbox.copy_project(tmp_path / "proj")
    (root / "requirements.lock").write_text("")        # nothing to install: this tests the repair only
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    assert subprocess.run([str(root / ".venv/bin/python"), "-m", "pip", "--version"],
                          capture_output=True).returncode != 0
    env = sandbox.make_env()
    proc = subprocess.run(["make", "-s", "-C", str(root), "env", f"PYTHON_SYS={sys.executable}"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "creating it again" in proc.stdout
    assert subprocess.run([str(root / ".venv/bin/python"), "-m", "pip", "--version"],
                          capture_output=True).returncode == 0
    assert (root / ".venv" / ".installed-from-lock").exists()
