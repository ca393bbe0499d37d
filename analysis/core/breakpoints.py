"""Piecewise-linear (one-hinge) breakpoint detection in (ln N, accuracy) space.

Model: acc = b0 + b1 * u + b2 * max(0, u - c), u = ln N. For each candidate breakpoint c
(midpoints between consecutive distinct u, so every segment holds at least two points) the
coefficients are estimated by OLS (statsmodels); the c with the smallest RSS is kept. Because
c is chosen by search, the hinge model has k = 4 parameters for AIC/BIC, and the nominal
F-test p-value against the straight line (which treats c as known) is anti-conservative:
it is reported as such, and the calibrated test is the parametric bootstrap in the
robustness analysis.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm

from .fitting import goodness


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


def design(u: np.ndarray, c: float | None) -> np.ndarray:
    cols = [np.ones_like(u), u] + ([np.maximum(0.0, u - c)] if c is not None else [])
    return np.column_stack(cols)


def detect(log_n, acc) -> BreakpointResult:
    u, y = np.asarray(log_n, float), np.asarray(acc, float)
    order = np.argsort(u)
    u, y = u[order], y[order]
    if u.size < 5:
        raise ValueError(f"breakpoint detection needs at least 5 points, got {u.size}")
    line = sm.OLS(y, design(u, None)).fit()
    candidates = (u[1:-2] + u[2:-1]) / 2.0   # >= 2 points on each side
    best = None
    for c in candidates:
        m = sm.OLS(y, design(u, c)).fit()
        if best is None or m.ssr < best[1].ssr:
            best = (c, m)
    c, hinge = best
    f_p = float(hinge.compare_f_test(line)[1])
    g_line, g_hinge = goodness(y, line.fittedvalues, 2), goodness(y, hinge.fittedvalues, 4)
    return BreakpointResult(float(c), float(line.ssr), float(hinge.ssr), g_line["aic"], g_hinge["aic"], f_p,
                            float(hinge.params[1]), float(hinge.params[1] + hinge.params[2]))
