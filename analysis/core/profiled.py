"""Vectorised least squares for forms with one nonlinear exponent (variable projection).

For `kaplan` (y = a x + l, x = N^-alpha) and `bounded_power_law` (1 - y = a x) the model is
linear in the remaining coefficients once alpha is fixed, so those coefficients have a
closed form (with their box bounds a >= 0, l >= 0 enforced by the active-set cases) and the
residual sum of squares becomes a function of alpha alone. Many response vectors (bootstrap
replicates) are then fitted at once: RSS is evaluated on a grid of alpha for every replicate
as one matrix product, and the best grid cell is refined by a vectorised golden-section
search. The estimator is the same constrained least-squares problem `fitting.fit` solves
with scipy; `tests/test_profiled.py` checks that both give the same parameters.
"""
from __future__ import annotations

import numpy as np

from .forms import get

GRID = 120
GOLDEN_ITERS = 60
_INV_PHI = (np.sqrt(5.0) - 1.0) / 2.0
SUPPORTED = ("kaplan", "bounded_power_law")


def _coef_kaplan(x, Y):
    """Constrained (a >= 0, l >= 0) LS of Y (B, n) on [x, 1] for x of shape (..., n).

    Returns a, l, rss broadcast over the leading dimensions of x and Y.
    """
    n = Y.shape[-1]
    sx, sxx = x.sum(-1), (x * x).sum(-1)
    sy, syy = Y.sum(-1), (Y * Y).sum(-1)
    sxy = (x * Y).sum(-1)
    det = n * sxx - sx * sx
    with np.errstate(divide="ignore", invalid="ignore"):
        a = (n * sxy - sx * sy) / det
        l = (sy - a * sx) / n
        # active set: l = 0  ->  a = sxy / sxx ; a = 0 -> l = mean(y)
        a_l0 = np.maximum(sxy / sxx, 0.0)
    use_l0 = (l < 0) | ~np.isfinite(l)
    use_a0 = (a < 0) & ~use_l0
    a = np.where(use_l0, a_l0, np.where(use_a0, 0.0, a))
    l = np.where(use_l0, 0.0, np.where(use_a0, sy / n, l))
    l = np.maximum(l, 0.0)
    rss = syy - 2 * a * sxy - 2 * l * sy + a * a * sxx + 2 * a * l * sx + n * l * l
    return a, l, rss


def _coef_bpl(x, Y):
    """LS of z = 1 - Y on x with a >= 0."""
    Z = 1.0 - Y
    sxx, szz, sxz = (x * x).sum(-1), (Z * Z).sum(-1), (x * Z).sum(-1)
    a = np.maximum(sxz / sxx, 0.0)
    rss = szz - 2 * a * sxz + a * a * sxx
    return a, None, rss


def _setup(form_name):
    if form_name == "kaplan":
        return _coef_kaplan, 1e-4, 2.0
    if form_name == "bounded_power_law":
        return _coef_bpl, 1e-6, 1.0
    raise ValueError(f"no vectorised path for form {form_name!r}; supported: {SUPPORTED}")


def fit_many(form_name: str, n, Y) -> np.ndarray:
    """Fit `form_name` to every row of Y (B, n_points) at sizes n; returns theta (B, k)."""
    coef, lo, hi = _setup(form_name)
    logx = np.log(np.asarray(n, float) / get(form_name).x_unit)   # the units fitting.fit uses
    Y = np.atleast_2d(np.asarray(Y, float))
    grid = np.linspace(lo, hi, GRID)
    X = np.exp(-grid[:, None] * logx[None, :])                      # (G, n)
    _, _, rss = coef(X[None, :, :], Y[:, None, :])                  # (B, G)
    g = np.argmin(rss, axis=1)
    step = grid[1] - grid[0]
    left = np.clip(grid[g] - step, lo, hi)
    right = np.clip(grid[g] + step, lo, hi)

    def rss_at(alpha):
        x = np.exp(-alpha[:, None] * logx[None, :])
        return coef(x, Y)[2]

    c = right - _INV_PHI * (right - left)
    d = left + _INV_PHI * (right - left)
    fc, fd = rss_at(c), rss_at(d)
    for _ in range(GOLDEN_ITERS):
        move_left = fc < fd                   # minimum in [left, d]
        right = np.where(move_left, d, right)
        left = np.where(move_left, left, c)
        d_new = np.where(move_left, c, left + _INV_PHI * (right - left))
        c_new = np.where(move_left, right - _INV_PHI * (right - left), d)
        fd_new = np.where(move_left, fc, np.nan)
        fc_new = np.where(move_left, np.nan, fd)
        c, d = c_new, d_new
        need_c, need_d = np.isnan(fc_new), np.isnan(fd_new)
        fc = np.where(need_c, rss_at(c), fc_new)
        fd = np.where(need_d, rss_at(d), fd_new)
    alpha = (left + right) / 2.0
    # the grid end points themselves (bounds) are candidates too
    for edge in (lo, hi):
        e = np.full_like(alpha, edge)
        better = rss_at(e) < rss_at(alpha)
        alpha = np.where(better, e, alpha)
    x = np.exp(-alpha[:, None] * logx[None, :])
    a, l, _ = coef(x, Y)
    if form_name == "kaplan":
        return np.column_stack([a, alpha, l])
    return np.column_stack([a, alpha])
