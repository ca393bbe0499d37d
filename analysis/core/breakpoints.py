"""Piecewise-linear (one-hinge) breakpoint search in (ln N, accuracy) space, and its calibrated test.

Model: acc = b0 + b1 * u + b2 * max(0, u - c), u = ln N. For each candidate breakpoint c
(midpoints between consecutive distinct u, so every segment holds at least two points) the
coefficients are estimated by OLS; the c with the smallest RSS is kept. One search
(`hinge_search`, vectorised over response columns) serves both the point estimate (`detect`)
and the test statistic of the parametric bootstrap (`hinge_stat`, `hinge_test`).

Because c is chosen by search, the hinge model has k = 4 parameters for AIC/BIC, and the nominal
F-test p-value against the straight line (which treats c as known) is anti-conservative:
it is reported as such, and the calibrated test is `hinge_test`: the statistic
T = n ln(RSS_line / RSS_hinge) is compared with its distribution under a smooth null curve,
simulated with binomial (or Gaussian) noise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

from .fitting import goodness

MIN_POINTS = 5


@dataclass
class BreakpointResult:
    breakpoint_log_n: float
    rss_line: float
    rss_hinge: float
    aic_line: float
    aic_hinge: float
    f_pvalue_nominal: float
    slope_before: float
    slope_after: float

    @property
    def delta_aic(self) -> float:
        """AIC(hinge) - AIC(line): negative favours a breakpoint."""
        return self.aic_hinge - self.aic_line


@dataclass(frozen=True)
class HingeTest:
    stat: float                 # T of the observed curve
    p_value: float              # (1 + #{T_null >= T}) / (B + 1)
    null_stats: np.ndarray      # (B,) T of the simulated null curves


def design(u: np.ndarray, c: float | None) -> np.ndarray:
    cols = [np.ones_like(u), u] + ([np.maximum(0.0, u - c)] if c is not None else [])
    return np.column_stack(cols)


def candidates(u: np.ndarray) -> np.ndarray:
    """Candidate breakpoints of sorted u: midpoints leaving >= 2 points on each side."""
    return (u[1:-2] + u[2:-1]) / 2.0


def _sorted(u, Y):
    u, Y = np.asarray(u, float), np.asarray(Y, float)
    Y = Y[:, None] if Y.ndim == 1 else Y
    order = np.argsort(u)
    u, Y = u[order], Y[order]
    if u.size < MIN_POINTS:
        raise ValueError(f"breakpoint detection needs at least {MIN_POINTS} points, got {u.size}")
    return u, Y


def hinge_search(u, Y) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The search itself, for every column of Y (n,) or (n, B) at inputs u (n,).

    Returns (sorted u, RSS of the straight line (B,), RSS of the best hinge (B,), index of the
    best candidate in `candidates(sorted u)` (B,)).
    """
    u, Y = _sorted(u, Y)

    def rss(X):
        coef, *_ = np.linalg.lstsq(X, Y, rcond=None)
        r = Y - X @ coef
        return (r * r).sum(0)

    r_hinge = np.array([rss(design(u, c)) for c in candidates(u)])      # (n_candidates, B)
    best = np.argmin(r_hinge, axis=0)
    return u, rss(design(u, None)), r_hinge[best, np.arange(Y.shape[1])], best


def hinge_stat(u, Y) -> np.ndarray:
    """T = n ln(RSS_line / RSS_hinge) for each column of Y (n,) or (n, B)."""
    _, r_line, r_hinge, _ = hinge_search(u, Y)
    return np.asarray(u).size * np.log(r_line / np.maximum(r_hinge, 1e-300))


def detect(log_n, acc) -> BreakpointResult:
    u, y = np.asarray(log_n, float), np.asarray(acc, float)
    u_sorted, _, _, best = hinge_search(u, y)
    y = y[np.argsort(u)]
    u = u_sorted
    c = float(candidates(u)[best[0]])
    line, hinge = sm.OLS(y, design(u, None)).fit(), sm.OLS(y, design(u, c)).fit()
    f_p = float(hinge.compare_f_test(line)[1])
    g_line, g_hinge = goodness(y, line.fittedvalues, 2), goodness(y, hinge.fittedvalues, 4)
    return BreakpointResult(c, float(line.ssr), float(hinge.ssr), g_line["aic"], g_hinge["aic"], f_p,
                            float(hinge.params[1]), float(hinge.params[1] + hinge.params[2]))


def null_curves(p_null, n_items: int, B: int, rng: np.random.Generator, noise: str = "binomial",
                sigma: float | None = None) -> np.ndarray:
    """B simulated accuracy curves (n, B) around p_null: binomial proportions of n_items, or Gaussian."""
    p_null = np.asarray(p_null, float)
    if noise == "binomial":
        return rng.binomial(n_items, np.clip(p_null, 0, 1), size=(B, p_null.size)).T / n_items
    if noise == "gaussian":
        return p_null[:, None] + rng.normal(0.0, sigma, size=(p_null.size, B))
    raise ValueError(f"unknown noise {noise!r}; use 'binomial' or 'gaussian'")


def hinge_test(u, y, p_null, n_items: int, B: int, rng: np.random.Generator, noise: str = "binomial",
               sigma: float | None = None) -> HingeTest:
    """Parametric-bootstrap p-value of the hinge statistic under a smooth null curve p_null."""
    t_obs = float(hinge_stat(u, y)[0])
    t_null = hinge_stat(u, null_curves(p_null, n_items, B, rng, noise, sigma))
    return HingeTest(t_obs, float((1 + np.sum(t_null >= t_obs)) / (B + 1)), t_null)
