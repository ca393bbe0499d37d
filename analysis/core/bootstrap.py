"""Parametric bootstrap of a fitted form, as the original paper describes it.

Replicate b: y*_b = yhat + e_b, e_b ~ Normal(0, s^2) i.i.d., where yhat is the fitted curve
and s the standard deviation of the fit's residuals (numpy `std`, ddof = 0, the plain
reading of "standard deviation estimated from residuals"; `sigma="unbiased"` uses
sqrt(RSS / (n - k)) instead). The noise is added in the space the fit was made in: for a
log-space fit, ln y*_b = ln yhat + e_b with s from the log residuals. `noise="resample"` draws
e_b from the fit's own residuals with replacement instead (residual-resampling bootstrap).
Each replicate is refitted by the same estimator (same loss and space), started
from the point estimate and, if that fails, from the form's full start grid. Replicates
whose refit fails are counted and excluded from the percentile interval; the count is
reported beside every interval. Intervals are at `config.CI_LEVEL` unless a level is given.

`jackknife` refits the point estimate's estimator leaving out one point at a time.

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

    def ci(self, param: str, params: tuple[str, ...], level: float = config.CI_LEVEL) -> tuple[float, float]:
        col = self.draws[:, params.index(param)]
        lo, hi = percentile_interval(col, level)
        return float(lo), float(hi)


def percentiles(level: float = config.CI_LEVEL) -> list[float]:
    """The two percentiles (in %) that bound a central interval at `level`."""
    return [50 * (1 - level), 50 * (1 + level)]


def percentile_interval(draws, level: float = config.CI_LEVEL, axis=None) -> np.ndarray:
    """Central percentile interval [lo, hi] of bootstrap draws at `level` (along `axis`): the one
    place every bootstrap interval of the analysis is taken."""
    return np.percentile(draws, percentiles(level), axis=axis)


def stream(seed: int, label: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(label.encode())])


def residual_sigma(result: fitting.FitResult, sigma: str = "std") -> float:
    """Noise scale of the replicates, from the residuals in the fit's own space."""
    if sigma == "std":
        return float(np.std(result.fit_residuals))
    if sigma == "unbiased":
        if result.space == "value":
            return float(result.stats["sigma_unbiased"])
        r = result.fit_residuals
        return float(np.sqrt(r @ r / (r.size - result.form.k)))
    raise ValueError(f"unknown sigma rule {sigma!r}")


def replicates(result: fitting.FitResult, B: int, seed: int, label: str, sigma: str = "std",
               noise: str = "normal") -> np.ndarray:
    """The B synthetic response vectors (B, n); identical for every engine given the seed."""
    rng = stream(seed, label)
    if noise == "normal":
        e = rng.normal(0.0, residual_sigma(result, sigma), size=(B, result.y.size))
    elif noise == "resample":
        e = rng.choice(result.fit_residuals, size=(B, result.y.size), replace=True)
    else:
        raise ValueError(f"unknown noise rule {noise!r}; use 'normal' or 'resample'")
    if result.space == "log":
        return np.exp(np.log(result.yhat)[None, :] + e)
    return result.yhat[None, :] + e


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
        refit = fitting.fit(result.form, result.x, y_b, starts=[result.theta], max_nfev=REFIT_MAX_NFEV,
                            **result.options)
        if not refit.converged:
            refit = fitting.fit(result.form, result.x, y_b, starts=result.form.starts[:FALLBACK_STARTS],
                                max_nfev=REFIT_MAX_NFEV, **result.options)
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
               sigma: str = "std", engine: str = "auto", noise: str = "normal") -> BootstrapResult:
    """Parametric bootstrap; `engine` is "loop" (scipy per replicate), "profiled" or "auto"
    (profiled where the form supports it and the fit is ordinary least squares in value space).
    Both engines solve the same problem on the same replicates; the benchmark and tests check
    they agree."""
    if not result.converged:
        raise fitting.FitError(f"{label}: cannot bootstrap a fit that did not converge ({result.message})")
    ys = replicates(result, B, seed, label, sigma, noise)
    ordinary = result.loss == "linear" and result.space == "value"
    if engine == "auto":
        engine = "profiled" if result.form.name in profiled.SUPPORTED and ordinary else "loop"
    if engine == "profiled" and not ordinary:
        raise ValueError(f"{label}: the profiled engine solves ordinary least squares in value space only")
    draws, failed = (refit_profiled if engine == "profiled" else refit_loop)(result, ys)
    return BootstrapResult(label, draws, B, failed, residual_sigma(result, sigma), seed)


def jackknife(result: fitting.FitResult) -> tuple[np.ndarray, int]:
    """Leave-one-out refits with the point estimate's estimator and the form's start grid;
    returns (theta of each converged refit, number that failed)."""
    thetas, failed = [], 0
    for i in range(result.y.size):
        keep = np.arange(result.y.size) != i
        refit = fitting.fit(result.form, result.x[..., keep], result.y[keep], **result.options)
        if refit.converged:
            thetas.append(refit.theta)
        else:
            failed += 1
    return (np.array(thetas) if thetas else np.empty((0, result.form.k))), failed
