"""Binomial GLM for benchmark accuracy with a chance floor.

Model: s successes out of n items, s ~ Binomial(n, p), p = c + (1 - c) sigmoid(X beta), where c
is the task's chance accuracy (the floor a guessing model reaches). The maximum-likelihood beta is
found by multi-start BFGS on the binomial log-likelihood and handed to a statsmodels GLM (Binomial
family, the floor-logit link below) as its start; the GLM must return the same optimum (checked)
and supplies the Fisher-information standard errors. Overdispersion is Pearson chi2 / df, and the
quasi-likelihood standard errors are the binomial ones times sqrt(dispersion).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from scipy import optimize
from scipy.special import expit, gammaln

STARTS = ((0.0, 0.5), (-2.0, 0.5), (2.0, 0.5), (0.0, -0.5))   # (intercept, every slope)


def floor_prob(X, beta, c):
    """acc = c + (1 - c) * sigmoid(X @ beta)."""
    return c + (1.0 - c) * expit(X @ beta)


def binom_loglik(p, s, n):
    """Binomial log-likelihood including the log binomial coefficient."""
    p = np.clip(p, 1e-12, 1 - 1e-12)
    s, n = np.asarray(s, float), np.asarray(n, float)
    const = gammaln(n + 1) - gammaln(s + 1) - gammaln(n - s + 1)
    return float(np.sum(const + s * np.log(p) + (n - s) * np.log1p(-p)))


def pearson_chi2(p, s, n) -> float:
    """Pearson X2 = sum (s - n p)^2 / (n p (1 - p)) of success counts s out of n at probabilities p."""
    return float(((s - n * p) ** 2 / (n * p * (1 - p))).sum())


def binomial_aic(loglik: float, k: int) -> float:
    return 2 * k - 2 * loglik


class FloorLogit(sm.families.links.Logit):
    """Link g(p) = log((p - c) / (1 - p)), the inverse of p = c + (1 - c) sigmoid(eta)."""

    def __init__(self, c: float):
        self.c = float(c)

    def _clean(self, p):
        return np.clip(p, self.c + 1e-10, 1 - 1e-10)

    def __call__(self, p):
        p = self._clean(p)
        return np.log((p - self.c) / (1 - p))

    def inverse(self, z):
        return self.c + (1 - self.c) * expit(z)

    def deriv(self, p):
        p = self._clean(p)
        return (1 - self.c) / ((p - self.c) * (1 - p))

    def deriv2(self, p):
        p = self._clean(p)
        return -1.0 / (p - self.c) ** 2 + 1.0 / (1 - p) ** 2

    def inverse_deriv(self, z):
        s = expit(z)
        return (1 - self.c) * s * (1 - s)


@dataclass(frozen=True)
class BinomialFit:
    beta: np.ndarray
    floor: float
    converged: bool              # BFGS optimum (and, with the GLM, its agreement with statsmodels)
    llf: float
    pearson_chi2: float
    df: int
    dispersion: float            # Pearson chi2 / df (NaN if df = 0)
    glm_converged: bool | None = None     # None: the GLM step was not run
    glm_beta: np.ndarray | None = None
    se: np.ndarray | None = None          # binomial (Fisher) standard errors
    se_ql: np.ndarray | None = None       # quasi-likelihood: se * sqrt(dispersion)

    def predict(self, X) -> np.ndarray:
        return floor_prob(np.asarray(X, float), self.beta, self.floor)


def binom_fit(X, s, n, c, glm: bool = True) -> BinomialFit:
    """Maximum-likelihood fit of acc = c + (1-c) sigmoid(X beta) to s successes out of n (module docstring)."""
    X, s, n = np.asarray(X, float), np.asarray(s, float), np.asarray(n, float)

    def nll(b):
        return -binom_loglik(floor_prob(X, b, c), s, n)

    def grad(b):
        sg = expit(X @ b)
        p = np.clip(c + (1 - c) * sg, 1e-12, 1 - 1e-12)
        return -X.T @ ((s / p - (n - s) / (1 - p)) * (1 - c) * sg * (1 - sg))

    best = None
    k = X.shape[1]
    for b0, b1 in STARTS:
        start = np.zeros(k)
        start[0], start[1:] = b0, b1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = optimize.minimize(nll, start, jac=grad, method="BFGS", options={"gtol": 1e-6, "maxiter": 5000})
        if np.all(np.isfinite(r.x)) and (best is None or r.fun < best.fun - 1e-10):
            best = r
    converged = bool(best.success or np.max(np.abs(best.jac)) < 1e-3 * max(1.0, abs(best.fun)))
    chi2 = pearson_chi2(floor_prob(X, best.x, c), s, n)
    df = int(len(s) - k)
    out = dict(beta=best.x, floor=float(c), converged=converged, llf=-float(best.fun), pearson_chi2=chi2, df=df,
               dispersion=chi2 / df if df > 0 else np.nan)
    if glm:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = sm.GLM(np.column_stack([s, n - s]), X, family=sm.families.Binomial(link=FloorLogit(c)))
            g = model.fit(start_params=best.x, maxiter=200, tol=1e-10)
        se = np.asarray(g.bse)
        out.update(glm_converged=bool(g.converged and np.allclose(g.params, best.x, atol=1e-4)),
                   glm_beta=np.asarray(g.params), se=se, se_ql=se * np.sqrt(out["dispersion"]))
    return BinomialFit(**out)


def floor_for(chance: float, y_train) -> tuple[float, int]:
    """(floor, dropped): the chance accuracy, or 0 with dropped = 1 if a training observation is
    below chance (the floor is then violated and cannot be imposed)."""
    c = float(chance)
    return (c, 0) if np.all(np.asarray(y_train) >= c) else (0.0, 1)
