"""Profile-likelihood intervals: is a parameter identified by the data?

Used by the loss section (analysis/s1_loss_scaling.py) and the Chinchilla refit
(analysis/x6_chinchilla.py); one home, so a change here rebuilds both (they import it from the
library, which every part depends on).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import stats

from . import config, fitting


def lr_cut(level: float = config.CI_LEVEL) -> float:
    """The likelihood-ratio cut of a one-parameter interval at `level`: chi2_1 quantile."""
    return float(stats.chi2.ppf(level, 1))


class ProfileInterval(NamedTuple):
    """A tuple, so `lo, hi, lo_open, hi_open, curve = profile_interval(...)` keeps working."""
    lo: float
    hi: float
    lo_open: bool          # the interval runs into the lower edge of the grid
    hi_open: bool          # ... the upper edge
    curve: tuple           # (grid, LR statistic at each grid value)

    @property
    def closed(self) -> bool:
        return not (self.lo_open or self.hi_open)


def profile_interval(result: fitting.FitResult, param: str, grid: np.ndarray,
                     level: float = config.CI_LEVEL) -> ProfileInterval:
    """Profile-likelihood interval for one parameter: {v : n ln(RSS(v) / RSS_min) <= chi2_1(level)}.

    *_open is True when the interval runs into the edge of the grid (the parameter's bound),
    i.e. the data do not bound it on that side.
    """
    cut = lr_cut(level)
    form = result.form
    grid = np.unique(np.append(grid, result.params[param]))  # the optimum itself is always inside
    rss = np.full(grid.size, np.nan)
    prev = None
    for i, v in enumerate(grid):
        sub = fitting.fix_params(form, {param: float(v)})
        starts = list(sub.starts[:3]) + ([prev] if prev is not None else [])
        r = fitting.fit(sub, result.x, result.y, starts=starts, max_nfev=300)
        if r.converged:
            rss[i], prev = r.rss, r.theta
    rss_min = min(np.nanmin(rss), result.rss)
    lr = result.y.size * np.log(rss / rss_min)
    inside = np.where(lr <= cut)[0]
    i_lo, i_hi = inside.min(), inside.max()

    def crossing(i_in, i_out):
        # linear interpolation of the LR curve between the last grid point inside the
        # interval and the first one outside it
        if not (0 <= i_out < grid.size) or not np.isfinite(lr[i_out]):
            return grid[i_in]
        t = (cut - lr[i_in]) / (lr[i_out] - lr[i_in])
        return grid[i_in] + t * (grid[i_out] - grid[i_in])

    lo, hi = crossing(i_lo, i_lo - 1), crossing(i_hi, i_hi + 1)
    return ProfileInterval(float(lo), float(hi), bool(i_lo == 0), bool(i_hi == grid.size - 1), (grid, lr))
