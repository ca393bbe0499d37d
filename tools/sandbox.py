"""A throw-away copy of the project, built by `make` with the running interpreter.

The benchmark and the build tests (interrupt, determinism, regression) all need the same
thing: the sources, data and Makefile copied with their mtimes into a temporary directory,
and `make` run there with this interpreter's environment (a .venv, or tox's), never creating
a second environment from the lock.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from analysis.core import paths

COPY = ("analysis", "tools", "data", "paper", "record", "Makefile", "pyproject.toml", "requirements.lock", "requirements-uv.lock",
        "requirements.in")
IGNORE = ("__pycache__", "*.pyc", ".build", "paper.pdf", "paper.html", "_variables.yml", ".*.tmp")


def copy_project(dest: Path, with_results: bool = False) -> Path:
    """Copy what `make` needs into `dest`, keeping modification times. `with_results` also
    copies this tree's built results/ (so `make` in the copy rebuilds only what a change touches)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPY + (("results",) if with_results else ()):
        src = paths.ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns(*IGNORE), copy_function=shutil.copy2)
        elif src.exists():
            shutil.copy2(src, dest / name)
    return dest


def make_env(**overrides: str) -> dict:
    """The environment for a sandbox build: no output/data redirection of ours, no inherited
    make flags, fixed hash seed. SLM_JOBS is kept unless overridden or removed by the caller."""
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("SLM_") and k != "SLM_JOBS") and k not in ("MAKEFLAGS", "MFLAGS")}
    env["PYTHONHASHSEED"] = "0"
    env.update(overrides)
    return env


def make_command(root: Path, *args: str, python: str | os.PathLike | None = None) -> list[str]:
    """`make` in `root` with this interpreter (or `python`) as PY and no environment stamp to satisfy."""
    return ["make", "-s", "-C", str(root), f"PY={python or sys.executable}", "VENV_STAMP=", *args]
