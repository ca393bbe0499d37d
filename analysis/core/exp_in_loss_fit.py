"""Least squares for Gadre et al.'s error law err = eps - k exp(-gamma L) (`forms.exp_in_loss`)
by variable projection, with caller-given box bounds and gamma grid.

For fixed gamma the law is linear in (eps, k), so every gamma of a log grid is solved by
closed-form OLS at once; the best grid point starts a bounded trust-region polish of all three
parameters. The optimiser works with k' = k exp(-gamma L0), L0 the mean loss, so that the
prefactor stays O(1) (k itself is exp(gamma L0) larger); the result is reported as (eps, k, gamma).
The bounds and grid are the caller's (the reality check states its own in advance), in the
optimiser's parameters (eps, k', gamma).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .forms import exp_in_loss

REL_TOL_BOUND = 1e-6   # a parameter this close (relative, at least absolute) to its bound sits on it


@dataclass(frozen=True)
class ExpLawFit:
    eps: float
    k: float
    gamma: float
    L0: float
    converged: bool        # optimiser success and no parameter on its bound
    optimiser_ok: bool
    at_bound: bool
    eps_at_upper: bool     # eps on its upper bound (a near-linear trend the family reaches only in a limit)
    message: str

    def predict(self, L) -> np.ndarray:
        return exp_in_loss(np.asarray(L, float), self.eps, self.k, self.gamma)


def fit(L, err, gamma_grid, bounds) -> ExpLawFit:
    """Fit err = eps - k exp(-gamma L); `bounds` = (lower, upper) arrays over (eps, k', gamma)."""
    L, err = np.asarray(L, float), np.asarray(err, float)
    lower, upper = bounds
    L0 = float(L.mean())
    x = L - L0
    # closed-form OLS of err on (1, -exp(-g (L - L0))) for every grid gamma at once
    E = np.exp(-gamma_grid[:, None] * x[None, :])
    ec, yc = E - E.mean(axis=1, keepdims=True), err - err.mean()
    sxx = np.einsum("gi,gi->g", ec, ec)
    slope = np.where(sxx > 0, ec @ yc / np.where(sxx > 0, sxx, 1.0), 0.0)
    rss = np.sum((yc[None, :] - slope[:, None] * ec) ** 2, axis=1)
    i = int(np.argmin(rss))
    eps0 = err.mean() - slope[i] * E[i].mean()
    start = np.clip(np.array([eps0, -slope[i], gamma_grid[i]]), lower + 1e-9, upper - 1e-9)

    def resid(t):
        return exp_in_loss(x, *t) - err

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = optimize.least_squares(resid, start, bounds=bounds, method="trf", xtol=1e-12, ftol=1e-12,
                                     gtol=1e-12, max_nfev=2000)
    eps, kp, gamma = res.x
    tol = REL_TOL_BOUND * np.maximum(1.0, np.abs(res.x))
    at_bound = bool(np.any(np.abs(res.x - lower) < tol) or np.any(np.abs(res.x - upper) < tol))
    ok = bool(res.status > 0 and np.all(np.isfinite(res.x)))
    return ExpLawFit(eps=float(eps), k=float(kp * np.exp(gamma * L0)), gamma=float(gamma), L0=L0,
                     converged=ok and not at_bound, optimiser_ok=ok, at_bound=at_bound,
                     eps_at_upper=bool(abs(eps - upper[0]) < REL_TOL_BOUND * max(1.0, abs(eps))),
                     message=str(res.message))
