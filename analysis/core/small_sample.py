"""Statistics of small counts: binomial standard error, Wilson score interval, Cohen's kappa, and
the percentile interval of bootstrap draws. Every interval takes its level from `config.CI_LEVEL`.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

from . import config


def binom_se(p, n):
    """Standard error sqrt(p (1 - p) / n) of a proportion p of n items (p clipped to [0, 1])."""
    p = np.clip(np.asarray(p, float), 0.0, 1.0)
    return np.sqrt(p * (1 - p) / n)


def normal_quantile(level: float = config.CI_LEVEL) -> float:
    """z of a two-sided normal interval at `level` (1.96 at 95%)."""
    return float(stats.norm.ppf(0.5 + level / 2))


def wilson(k, n, level: float = config.CI_LEVEL) -> tuple[float, float]:
    """Wilson score interval (lo, hi) of the proportion k / n."""
    z = normal_quantile(level)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return centre - half, centre + half


def cohen_kappa(a, b) -> tuple[float, float]:
    """(observed agreement, Cohen's kappa) of two binary labellings of the same items.

    Kappa is NaN when the chance agreement is 1 (both raters give every item one label).
    """
    a, b = np.asarray(a, bool), np.asarray(b, bool)
    po = float(np.mean(a == b))
    pe = float(a.mean() * b.mean() + (1 - a.mean()) * (1 - b.mean()))
    return po, (po - pe) / (1 - pe) if pe < 1 else np.nan
