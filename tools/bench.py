"""Benchmark of the build (issue 6): clean rebuild, no-op rebuild, per-stage times, bootstrap engines.

Run with `make bench` (or `python -m tools.bench [--B 1000] [--skip-build]`). Writes
`results/bench.json` atomically and prints a summary.

1. Build: the analysis sources, data and Makefile are copied to a temporary directory (the
   virtual environment is symlinked), `make analysis` is timed from an empty results tree,
   then a second, no-op `make analysis`. The copy keeps the repository's results/ untouched.
2. Stages: every analysis module is run once more, one after another, into a fresh results
   directory (`SLM_RESULTS`), and timed separately.
3. Engines: on identical replicates (`bootstrap.replicates`, B = 1000) of the Kaplan loss fit
   and a bounded-power-law task fit, the vectorised engine (`bootstrap.refit_profiled`) is
   compared with a plain per-replicate `scipy.optimize.curve_fit` loop (form's bounds, started
   from the point estimate). The percentile intervals of every parameter must agree to 1e-6.
4. Chinchilla start grid: the 4,500 L-BFGS-B runs of Epoch AI's procedure, one
   `scipy.optimize.fmin_l_bfgs_b` call per start versus the lockstep driver
   (`analysis/core/lbfgsb_batch.py`); every run's end point must agree to 1e-10.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import optimize

from analysis.core import atomic, bootstrap, chinchilla_estimator, config, data, fitting, paths, profiled
from tools import sandbox, verify

CI_TOL = 1e-6
TARGETS = {"rebuild_s": 30.0, "noop_s": 1.0, "speedup": 20.0}


def timed_make(root: Path, *targets: str, extra: tuple[str, ...] = ()) -> float:
    t0 = time.perf_counter()
    # the copy is built with the running interpreter's environment (.venv, or tox's)
    proc = subprocess.run(sandbox.make_command(root, *extra, *targets), env=sandbox.make_env(),
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"bench: `make {' '.join(targets)}` failed in {root}:\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def stage_times(root: Path, B: int, seed: int) -> dict[str, float]:
    results = Path(tempfile.mkdtemp(prefix="stages-", dir=root))
    env = sandbox.make_env(SLM_RESULTS=str(results))
    times = {}
    for module in verify.pipeline(root):
        args = [] if module == "build_ledger" else ["--B", str(B), "--seed", str(seed)]
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", f"analysis.{module}", *args], cwd=root, env=env,
                              capture_output=True, text=True)
        times[module] = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"bench: stage {module} failed:\n{proc.stderr}")
    return times


# --------------------------------------------------------------------------- engines


def curve_fit_loop(result: fitting.FitResult, ys: np.ndarray) -> tuple[np.ndarray, int]:
    """The straightforward engine: one `scipy.optimize.curve_fit` per replicate."""
    form = result.form
    xs = fitting.scale_x(form, result.x)
    lower, upper = np.array(form.lower, float), np.array(form.upper, float)
    p0 = np.clip(result.theta, lower + 1e-12, np.where(np.isfinite(upper), upper - 1e-12, np.inf))
    draws, failed = [], 0
    for y_b in ys:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theta, _ = optimize.curve_fit(form.func, xs, y_b, p0=p0, bounds=(lower, upper),
                                              xtol=1e-12, ftol=1e-12, gtol=1e-12, max_nfev=2000)
        except (RuntimeError, ValueError):
            failed += 1
            continue
        draws.append(theta)
    return np.array(draws), failed


def engine_case(label: str, result: fitting.FitResult, B: int, seed: int) -> dict:
    ys = bootstrap.replicates(result, B, seed, label)
    t0 = time.perf_counter()
    loop_draws, loop_failed = curve_fit_loop(result, ys)
    t_loop = time.perf_counter() - t0
    t0 = time.perf_counter()
    prof_draws, prof_failed = bootstrap.refit_profiled(result, ys)
    t_prof = time.perf_counter() - t0
    ci_loop, ci_prof = (bootstrap.percentile_interval(d, axis=0) for d in (loop_draws, prof_draws))   # (2, k) each
    diff = float(np.max(np.abs(ci_loop - ci_prof)))
    return {
        "label": label, "form": result.form.name, "B": B,
        "loop_curve_fit_s": t_loop, "profiled_s": t_prof, "speedup": t_loop / t_prof,
        "loop_failed": loop_failed, "profiled_failed": prof_failed,
        "ci_max_abs_diff": diff, "ci_agree": bool(diff <= CI_TOL and loop_failed == prof_failed),
        "ci_loop": dict(zip(result.form.params, ci_loop.T.tolist())),
        "ci_profiled": dict(zip(result.form.params, ci_prof.T.tolist())),
    }


def chinchilla_grid_case() -> dict:
    lN, lD, lL = chinchilla_estimator.epoch_points().logs
    starts = chinchilla_estimator.grid_starts()
    t0 = time.perf_counter()
    loop = np.array([chinchilla_estimator.lbfgs(s, lN, lD, lL)[0] for s in starts])
    t_loop = time.perf_counter() - t0
    t0 = time.perf_counter()
    batch = chinchilla_estimator.lbfgs_many(starts, lN, lD, lL).x
    t_batch = time.perf_counter() - t0
    diff = float(np.max(np.abs(loop - batch)))
    return {"label": "chin.grid", "starts": len(starts), "loop_lbfgsb_s": t_loop, "lockstep_s": t_batch,
            "speedup": t_loop / t_batch, "max_abs_diff": diff, "agree": bool(diff <= 1e-10)}


def engines(B: int, seed: int) -> list[dict]:
    table = data.load_cerebras()
    n = table[config.MAIN_N_COLUMN].to_numpy(float)
    kaplan = fitting.fit("kaplan", n, table[config.MAIN_LOSS_COLUMN].to_numpy(float))
    task = fitting.fit("bounded_power_law", n, table["zs_lambada"].to_numpy(float))
    assert set(profiled.SUPPORTED) == {"kaplan", "bounded_power_law"}
    return [engine_case("loss.kaplan", kaplan, B, seed), engine_case("task.lambada.bpl", task, B, seed)]


# --------------------------------------------------------------------------- main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--B", type=int, default=config.B)
    ap.add_argument("--seed", type=int, default=config.SEED)
    ap.add_argument("--skip-build", action="store_true", help="only benchmark the bootstrap engines")
    args = ap.parse_args(argv)

    report: dict = {"B": args.B, "seed": args.seed, "cpus": len(os.sched_getaffinity(0)),
                    "jobs": bootstrap.jobs(), "python": platform.python_version(),
                    "machine": platform.machine(), "targets": TARGETS}
    if not args.skip_build:
        with tempfile.TemporaryDirectory(prefix="slm-bench-") as tmp:
            root = sandbox.copy_project(Path(tmp) / "repo")
            b = ["B=" + str(args.B), "SEED=" + str(args.seed)]
            report["rebuild_s"] = timed_make(root, "analysis", extra=tuple(b))
            report["noop_s"] = timed_make(root, "analysis", extra=tuple(b))
            report["stages_s"] = stage_times(root, args.B, args.seed)
            report["stages_total_s"] = sum(report["stages_s"].values())
    report["engines"] = engines(args.B, args.seed)
    report["speedup_min"] = min(e["speedup"] for e in report["engines"])
    report["chinchilla_grid"] = grid = chinchilla_grid_case()
    report["ci_max_abs_diff"] = max(e["ci_max_abs_diff"] for e in report["engines"])
    target = paths.RESULTS / "bench.json"
    atomic.write_text(target, json.dumps(report, indent=1, sort_keys=True) + "\n")

    print(f"bench ({report['cpus']} CPUs, {report['jobs']} bootstrap jobs, B = {args.B})")
    if "rebuild_s" in report:
        print(f"  full rebuild (make analysis, clean results): {report['rebuild_s']:.1f} s "
              f"(target <= {TARGETS['rebuild_s']:.0f} s)")
        print(f"  no-op make analysis:                         {report['noop_s']:.2f} s "
              f"(target <= {TARGETS['noop_s']:.0f} s)")
        print(f"  stages, run one after another ({report['stages_total_s']:.1f} s in all):")
        for name, t in sorted(report["stages_s"].items(), key=lambda kv: -kv[1]):
            print(f"    {name:<22} {t:6.2f} s")
    for e in report["engines"]:
        print(f"  {e['label']:<18} curve_fit loop {e['loop_curve_fit_s']:.2f} s, profiled {e['profiled_s']:.3f} s: "
              f"speedup {e['speedup']:.0f}x; CI max |diff| {e['ci_max_abs_diff']:.1e} "
              f"({'agree' if e['ci_agree'] else 'DISAGREE'}); failed {e['loop_failed']}/{e['profiled_failed']}")
    print(f"  bootstrap engine speedup (min over fits): {report['speedup_min']:.0f}x "
          f"(target >= {TARGETS['speedup']:.0f}x)")
    print(f"  Chinchilla start grid ({grid['starts']} L-BFGS-B runs): one at a time {grid['loop_lbfgsb_s']:.2f} s, "
          f"lockstep {grid['lockstep_s']:.2f} s: speedup {grid['speedup']:.1f}x; max |diff| {grid['max_abs_diff']:.1e} "
          f"({'agree' if grid['agree'] else 'DISAGREE'})")
    print(f"wrote {paths.rel(target)}")
    return 0 if all(e["ci_agree"] for e in report["engines"]) and grid["agree"] else 1


if __name__ == "__main__":
    sys.exit(main())
