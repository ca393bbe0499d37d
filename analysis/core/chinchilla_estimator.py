"""The Chinchilla Approach-3 estimator (Hoffmann et al. 2022) as replicated by Besiroglu et al. (2024).

Minimise sum_i Huber_delta(LSE(a - alpha ln N_i, b - beta ln D_i, e) - ln L_i) over
(a, b, e, alpha, beta), delta = 1e-3, A = e^a, B = e^b, E = e^e, with L-BFGS-B (analytic
gradient) from every point of the 4,500-point grid alpha, beta in {0, 0.5, ..., 2},
e in {-1, -0.5, ..., 1}, a, b in {0, 5, ..., 25}. The points are Epoch AI's reconstruction of
Hoffmann et al.'s Figure 4, with D = C / (6 N) and the 5 highest-loss points dropped.
Bootstrap: resample the points with replacement (as integer weights), refit from the
full-data optimum.

Used by analysis/x6_chinchilla.py; bench.py and the tests call the same functions.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from . import bootstrap, config, data, lbfgsb_batch

DELTA = 1e-3
PARAMS = ("a", "b", "e", "alpha", "beta")
GRID = {"a": np.arange(0.0, 25.1, 5.0), "b": np.arange(0.0, 25.1, 5.0), "e": np.arange(-1.0, 1.01, 0.5),
        "alpha": np.arange(0.0, 2.01, 0.5), "beta": np.arange(0.0, 2.01, 0.5)}
# parameters on the natural scale that get a bootstrap interval
NATURAL = ("E", "A", "B", "alpha", "beta", "a_opt", "b_opt", "tpp_chinchilla")
OPTIMUM_RTOL = 1e-6  # a grid start "reaches the optimum" if its objective is within this of the best

# scipy's stopping rule is a relative reduction of f with denominator max(|f|, 1); the Huber
# objective is O(1e-3), so the default factr (1e7) stops early near the optimum. The grid uses the
# default (as the replication did); the polish of the best start and every bootstrap refit use TIGHT.
DEFAULT_TOL = {"factr": 1e7, "pgtol": 1e-8, "maxiter": 2000}
TIGHT_TOL = {"factr": 1e1, "pgtol": 1e-12, "maxiter": 5000}


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class EpochPoints:
    """Epoch AI's reconstructed Chinchilla points; `keep` is False for the 5 dropped outliers."""
    n: np.ndarray
    d: np.ndarray
    loss: np.ndarray
    keep: np.ndarray

    @property
    def logs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ln N, ln D, ln L) of the kept points: what the estimator is fitted to."""
        k = self.keep
        return np.log(self.n[k]), np.log(self.d[k]), np.log(self.loss[k])


def epoch_points() -> EpochPoints:
    t = data.load_table("chinchilla_epoch")
    n = t["params"].to_numpy(float)
    d = t["train_flops"].to_numpy(float) / (6.0 * n)
    loss = t["loss_nats_per_token"].to_numpy(float)
    return EpochPoints(n, d, loss, t["epoch_outlier_derived"].to_numpy() == 0)


# --------------------------------------------------------------------------- objective and optimiser


def huber_lse(theta, lN, lD, lL, w=None, delta=DELTA):
    """Huber objective and its gradient in (a, b, e, alpha, beta); w are point weights (counts).

    `theta` is one parameter vector (5,) or a batch (k, 5); with a batch, `w` is None or (k, n)
    and the result is (k,) objectives and (k, 5) gradients, each row computed independently."""
    th = np.asarray(theta, float)
    single = th.ndim == 1
    th = np.atleast_2d(th)
    a, b, e, al, be = (th[:, j:j + 1] for j in range(5))
    t1, t2 = a - al * lN, b - be * lD
    m = np.maximum(np.maximum(t1, t2), e)
    w1, w2, w3 = np.exp(t1 - m), np.exp(t2 - m), np.exp(e - m)
    s = w1 + w2 + w3
    r = m + np.log(s) - lL
    ar = np.abs(r)
    h = np.where(ar <= delta, 0.5 * r * r, delta * (ar - 0.5 * delta))
    g = np.clip(r, -delta, delta) / s
    if w is not None:
        h, g = h * w, g * w
    g1, g2 = g * w1, g * w2
    grad = np.stack([g1.sum(1), g2.sum(1), (g * w3).sum(1), -(g1 * lN).sum(1), -(g2 * lD).sum(1)], axis=1)
    f = h.sum(1)
    return (float(f[0]), grad[0]) if single else (f, grad)


def predicted_loss(theta, lN, lD) -> np.ndarray:
    """L = exp(LSE(a - alpha ln N, b - beta ln D, e)) = E + A / N^alpha + B / D^beta."""
    a, b, e, al, be = theta
    return np.exp(np.logaddexp.reduce(np.stack([a - al * lN, b - be * lD, np.full_like(lN, e)]), axis=0))


def lbfgs(start, lN, lD, lL, w=None, tol=None):
    """One L-BFGS-B run; returns (theta, objective, converged flag, message)."""
    x, f, info = optimize.fmin_l_bfgs_b(huber_lse, np.asarray(start, float), args=(lN, lD, lL, w),
                                        m=10, **(tol or DEFAULT_TOL))
    return x, float(f), info["warnflag"] == 0, info["task"] if isinstance(info["task"], str) else str(info["task"])


def lbfgs_many(starts, lN, lD, lL, W=None, tol=None) -> lbfgsb_batch.BatchResult:
    """`lbfgs` from every row of `starts` (row i weighted by W[i] if given), run in lockstep so the
    objective is evaluated for all pending problems at once; per problem, the same iterates as `lbfgs`."""
    def fg(X, idx):
        return huber_lse(X, lN, lD, lL, None if W is None else W[idx])
    return lbfgsb_batch.minimize_batch(fg, starts, m=10, **(tol or DEFAULT_TOL))


def grid_starts() -> np.ndarray:
    return np.array(list(itertools.product(*(GRID[p] for p in PARAMS))), float)


# --------------------------------------------------------------------------- fits


@dataclass(frozen=True)
class GridFit:
    theta: np.ndarray        # (5,) best (a, b, e, alpha, beta), polished
    objective: float         # Huber objective at theta
    n_converged: int         # starts whose run ended with warnflag 0
    objectives: np.ndarray   # final objective of every start (inf where not finite)

    @property
    def n_starts(self) -> int:
        return int(self.objectives.size)

    @property
    def n_at_optimum(self) -> int:
        return int((np.isfinite(self.objectives) & (self.objectives <= self.objective * (1 + OPTIMUM_RTOL))).sum())


def fit_grid(lN, lD, lL, starts=None) -> GridFit:
    """L-BFGS-B from every start (default: the full grid), then a tight polish of the best one."""
    starts = grid_starts() if starts is None else np.asarray(starts, float)
    res = lbfgs_many(starts, lN, lD, lL)
    fs = np.where(np.isfinite(res.f), res.f, np.inf)
    oks = res.converged
    # best among converged starts (ties: first in grid order); fall back to any start if none converged
    pool_idx = np.where(oks)[0] if oks.any() else np.arange(len(fs))
    i = pool_idx[np.argmin(fs[pool_idx])]
    x, f, ok, _ = lbfgs(res.x[i], lN, lD, lL, tol=TIGHT_TOL)  # polish the best start
    if not (ok and f <= fs[i]):
        x, f = res.x[i], float(fs[i])
    return GridFit(x, float(f), int(oks.sum()), fs)


def natural(theta, compute: float) -> dict:
    """Natural-scale parameters of theta = (a, b, e, alpha, beta), the compute-optimal exponents
    a_opt, b_opt (N_opt ~ C^a_opt, D_opt ~ C^b_opt) and the optimal tokens per parameter at
    `compute` FLOPs (Hoffmann et al. eq. 4, with C = 6 N D)."""
    a, b, e, al, be = map(float, theta)
    out = {"A": np.exp(a), "B": np.exp(b), "E": np.exp(e), "alpha": al, "beta": be, "a": a, "b": b, "e": e,
           "a_opt": be / (al + be), "b_opt": al / (al + be)}
    g = (al * out["A"] / (be * out["B"])) ** (1.0 / (al + be))
    out["tpp_chinchilla"] = g ** -2 * (compute / 6) ** (out["b_opt"] - out["a_opt"])
    return out


@dataclass(frozen=True)
class Interval:
    lo: float
    hi: float
    se: float


@dataclass(frozen=True)
class BootstrapFit:
    draws: np.ndarray   # (B', 5) converged refits
    n_requested: int
    n_failed: int       # refits still not converged after one restart; excluded

    def natural_draws(self, compute: float) -> dict:
        """Each natural-scale parameter (see `natural`) over the draws, as arrays."""
        rows = [natural(t, compute) for t in self.draws]
        return {p: np.array([r[p] for r in rows]) for p in rows[0]}

    def intervals(self, compute: float, level: float = config.CI_LEVEL) -> dict[str, Interval]:
        """Percentile interval and SD of every parameter in NATURAL."""
        cols = self.natural_draws(compute)
        out = {}
        for p in NATURAL:
            lo, hi = bootstrap.percentile_interval(cols[p], level)
            out[p] = Interval(float(lo), float(hi), float(np.std(cols[p], ddof=1)))
        return out

    @property
    def alpha_beta_corr(self) -> float:
        return float(np.corrcoef(self.draws[:, 3], self.draws[:, 4])[0, 1])


def bootstrap_fit(theta0, lN, lD, lL, B: int, seed: int, label: str) -> BootstrapFit:
    """Nonparametric bootstrap: B resamples of the points (as integer weights), each refitted from
    theta0; a refit that does not converge gets one restart from where it stopped (line searches
    stall on the Huber kink)."""
    rng = bootstrap.stream(seed, label)
    n = lN.size
    idx = rng.integers(0, n, size=(B, n))
    counts = np.stack([np.bincount(r, minlength=n) for r in idx]).astype(float)
    res = lbfgs_many(np.tile(np.asarray(theta0, float), (B, 1)), lN, lD, lL, counts, TIGHT_TOL)
    x, ok = res.x.copy(), res.converged.copy()
    again = np.where(~ok)[0]
    if again.size:
        retry = lbfgs_many(x[again], lN, lD, lL, counts[again], TIGHT_TOL)
        x[again], ok[again] = retry.x, retry.converged
    return BootstrapFit(x[ok], B, int((~ok).sum()))
