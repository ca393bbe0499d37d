"""Determinism (issue 6): two builds give byte-identical ledger, tables and SVG figures.

The second build uses one bootstrap worker (`SLM_JOBS=1`) and the first the default number,
so this also checks that the parallel loop engine returns exactly the serial draws. Across
machines the tolerance is the one documented in tools/record.py.
"""
from __future__ import annotations

import subprocess

import numpy as np

from analysis.core import bootstrap, fitting

from test_interrupt import env, make_command, project_copy, reference_build

B = "50"


def build(root, jobs: str | None):
    if jobs is not None:
        proc = subprocess.run(make_command(root), env=dict(env(), SLM_JOBS=jobs),
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr
    results = root / "results"
    return {p.relative_to(results).as_posix(): p.read_bytes()
            for p in sorted(results.rglob("*")) if p.is_file()}


def test_two_builds_are_byte_identical(tmp_path):
    a = build(reference_build(), None)   # the session's uninterrupted build (default jobs)
    b = build(project_copy(tmp_path / "b"), "1")
    assert any(k.endswith(".svg") for k in a) and "ledger.json" in a
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []


def test_parallel_loop_engine_equals_serial():
    n = np.array([1.11e8, 2.56e8, 5.9e8, 1.3e9, 2.7e9, 6.7e9, 1.3e10])
    rng = np.random.default_rng(3)
    y = fitting.predict(fitting.get("corrected"), (2.0, 0.2, 0.3, 0.5, 1.5), n) + rng.normal(0, 0.01, n.size)
    res = fitting.fit("corrected", n, y)
    ys = bootstrap.replicates(res, 120, 1, "determinism")
    serial, f1 = bootstrap.refit_loop(res, ys, n_jobs=1)
    parallel, f2 = bootstrap.refit_loop(res, ys, n_jobs=2)
    assert f1 == f2 and serial.shape == parallel.shape
    assert np.array_equal(serial, parallel)
