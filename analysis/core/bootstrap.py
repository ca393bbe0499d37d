"""Parametric bootstrap of a fitted form, as the original paper describes it.

Replicate b: y*_b = yhat + e_b, e_b ~ Normal(0, s^2) i.i.d., where yhat is the fitted curve
and s the standard deviation of the fit's residuals (numpy `std`, ddof = 0, the plain
reading of "standard deviation estimated from residuals"; `sigma="unbiased"` uses
sqrt(RSS / (n - k)) instead). Each replicate is refitted by the same estimator, started
from the point estimate and, if that fails, from the form's full start grid. Replicates
whose refit fails are counted and excluded from the percentile interval; the count is
reported beside every interval.

Seeds: a replicate stream is `numpy.random.default_rng([seed, crc32(label)])`, so each
fit has its own reproducible stream that does not shift when other fits are added.
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import zlib
from dataclasses import dataclass

import numpy as np

from . import config, fitting, profiled

REFIT_MAX_NFEV = 300     # per replicate; a replicate that needs more is counted as failed
FALLBACK_STARTS = 4
MIN_CHUNK = 50          # fewer replicates per worker than this are not worth a process


@dataclass
class BootstrapResult:
    label: str
    draws: np.ndarray          # (B_ok, k) refitted parameters
    n_requested: int
    n_failed: int
    sigma: float
    seed: int

    def ci(self, param: str, params: tuple[str, ...], level: float = 0.95) -> tuple[float, float]:
        col = self.draws[:, params.index(param)]
        lo, hi = np.percentile(col, [50 * (1 - level), 50 * (1 + level)])
        return float(lo), float(hi)


def stream(seed: int, label: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(label.encode())])


def residual_sigma(result: fitting.FitResult, sigma: str = "std") -> float:
    if sigma == "std":
        return float(np.std(result.residuals))
    if sigma == "unbiased":
        return float(result.stats["sigma_unbiased"])
    raise ValueError(f"unknown sigma rule {sigma!r}")


def replicates(result: fitting.FitResult, B: int, seed: int, label: str, sigma: str = "std") -> np.ndarray:
    """The B synthetic response vectors (B, n); identical for every engine given the seed."""
    s = residual_sigma(result, sigma)
    rng = stream(seed, label)
    return result.yhat[None, :] + rng.normal(0.0, s, size=(B, result.y.size))


def jobs() -> int:
    """Worker processes for the loop engine: $SLM_JOBS if set, else the usable CPUs (at most 4)."""
    env = os.environ.get("SLM_JOBS", "").strip()
    if env:
        return max(1, int(env))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 4))


def _refit_chunk(result: fitting.FitResult, ys: np.ndarray) -> tuple[list, np.ndarray]:
    """Refit each replicate of a chunk; returns (draws in replicate order, failure mask)."""
    draws, failed = [], np.zeros(len(ys), bool)
    for i, y_b in enumerate(ys):
        refit = fitting.fit(result.form, result.x, y_b, starts=[result.theta], max_nfev=REFIT_MAX_NFEV)
        if not refit.converged:
            refit = fitting.fit(result.form, result.x, y_b, starts=result.form.starts[:FALLBACK_STARTS],
                                max_nfev=REFIT_MAX_NFEV)
        if refit.converged:
            draws.append(refit.theta)
        else:
            failed[i] = True
    return draws, failed


def _pool_context():
    """`fork` where available (no re-import, workers inherit the loaded modules)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def refit_loop(result: fitting.FitResult, ys: np.ndarray, n_jobs: int | None = None) -> tuple[np.ndarray, int]:
    """Reference engine: one scipy least-squares refit per replicate.

    With more than one job the replicates are split into contiguous chunks
    (`numpy.array_split`, fixed by B and the job count) refitted in worker processes and
    concatenated in replicate order. Every replicate's refit is a pure function of its own
    response vector, so the draws are bit-for-bit those of the serial loop whatever the
    number of jobs (tests/test_determinism.py checks this).
    """
    n_jobs = jobs() if n_jobs is None else max(1, int(n_jobs))
    if multiprocessing.current_process().daemon:   # already inside a pool worker
        n_jobs = 1
    n_jobs = min(n_jobs, max(1, len(ys) // MIN_CHUNK))
    if n_jobs == 1:
        chunks = [_refit_chunk(result, ys)]
    else:
        with concurrent.futures.ProcessPoolExecutor(n_jobs, mp_context=_pool_context()) as pool:
            futures = [pool.submit(_refit_chunk, result, part) for part in np.array_split(ys, n_jobs)]
            chunks = [f.result() for f in futures]
    draws = [theta for part, _ in chunks for theta in part]
    failed = int(sum(mask.sum() for _, mask in chunks))
    return (np.array(draws) if draws else np.empty((0, result.form.k))), failed


def refit_profiled(result: fitting.FitResult, ys: np.ndarray) -> tuple[np.ndarray, int]:
    """Vectorised engine (variable projection, `profiled.fit_many`) for one-exponent forms."""
    thetas = profiled.fit_many(result.form.name, result.x, ys)
    ok = np.all(np.isfinite(thetas), axis=1)
    return thetas[ok], int((~ok).sum())


def parametric(result: fitting.FitResult, label: str, B: int = config.B, seed: int = config.SEED,
               sigma: str = "std", engine: str = "auto") -> BootstrapResult:
    """Parametric bootstrap; `engine` is "loop" (scipy per replicate), "profiled" or "auto"
    (profiled where the form supports it). Both engines solve the same problem on the same
    replicates; the benchmark and tests check they agree."""
    if not result.converged:
        raise fitting.FitError(f"{label}: cannot bootstrap a fit that did not converge ({result.message})")
    ys = replicates(result, B, seed, label, sigma)
    if engine == "auto":
        engine = "profiled" if result.form.name in profiled.SUPPORTED else "loop"
    draws, failed = (refit_profiled if engine == "profiled" else refit_loop)(result, ys)
    return BootstrapResult(label, draws, B, failed, residual_sigma(result, sigma), seed)
