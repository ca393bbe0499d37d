"""The reality check's pre-stated predictability criterion for one task (Gadre et al. 2024 testbed).

x = validation loss L (nats/token), y = top-1 error err = 1 - accuracy. Gadre et al.'s law
err = eps - k exp(-gamma L) is fitted by least squares on the training models (within BOUNDS,
started from GAMMA_GRID) and predicts the held-out models. A task is "predictable" iff all of
  (a) the fit converges: the optimiser reports success and no parameter sits on its box bound;
  (b) the held-out mean absolute error of predicted accuracy is <= TAU accuracy points;
  (c) the fitted curve is a proper, non-trivial exponential: k > 0 and gamma > GAMMA_MIN (error
      rises monotonically with loss), and the fitted accuracy changes over the loss range of all
      models by at least max(SPAN_MIN points, SPAN_SE binomial SEs), the SE taken at the task's
      mean accuracy with its item count.
Variant (b'): MAE <= BINOM_K x the mean binomial SE of the held-out accuracies.

The numbers below were fixed before looking at any result and are part of the criterion: they do
not change (the manuscript states them verbatim).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import exp_in_loss_fit
from .exp_in_loss_fit import ExpLawFit
from .small_sample import binom_se

TAU = 2.0                 # (b): accuracy points
SPAN_MIN = 2.0            # (c): accuracy points
SPAN_SE = 4.0             # (c): binomial SEs
BINOM_K = 2.0             # (b'): MAE <= BINOM_K x binomial SE
GAMMA_MIN = 1e-3          # (c): gamma at or below this is a straight line, not an exponential
GAMMA_GRID = np.geomspace(1e-3, 20.0, 300)
BOUNDS = (np.array([-1.0, -50.0, 0.0]), np.array([2.0, 50.0, 20.0]))  # eps, k' (k at L0), gamma


def fit_law(L, err) -> ExpLawFit:
    """Gadre et al.'s law fitted within the criterion's pre-stated bounds and gamma grid."""
    return exp_in_loss_fit.fit(L, err, GAMMA_GRID, BOUNDS)


def increasing_in_loss(fit: ExpLawFit) -> bool:
    """(c), first half: k > 0 and gamma > GAMMA_MIN, so error rises with loss."""
    return bool(fit.k > 0 and fit.gamma > GAMMA_MIN)


def span_threshold(acc_mean, n_items) -> float:
    """(c), second half: the smallest fitted accuracy change (points) that counts as a trend."""
    return max(SPAN_MIN, SPAN_SE * (100 * float(binom_se(acc_mean, n_items))))


@dataclass(frozen=True)
class Verdict:
    fit: ExpLawFit
    converged: bool             # (a)
    mae: float                  # held-out MAE, accuracy points (NaN if the optimiser failed)
    span: float                 # fitted accuracy change over all models' losses, points
    monotone: bool              # (c), first half
    span_ok: bool               # (c), second half
    se_test: float              # mean binomial SE of the held-out accuracies, points
    pred: bool                  # (a), (b), (c)
    pred_binom: bool            # (a), (b'), (c)
    pred_relaxed_a: bool        # (b), (c) only


def classify(L_train, acc_train, L_test, acc_test, L_all, n_items, acc_mean, tau=TAU) -> Verdict:
    """Apply the criterion to one task. Accuracies are fractions; tau in points; `L_all` spans the
    loss range of (c); `acc_mean` is the task's mean accuracy over all models."""
    fit = fit_law(L_train, 1.0 - np.asarray(acc_train, float))
    if not fit.optimiser_ok:
        return Verdict(fit, fit.converged, np.nan, np.nan, False, False, np.nan, False, False, False)
    acc_hat = 1.0 - fit.predict(L_test)
    mae = 100 * float(np.mean(np.abs(acc_hat - np.asarray(acc_test, float))))
    lo, hi = float(np.min(L_all)), float(np.max(L_all))
    span = 100 * float(abs(fit.predict(hi) - fit.predict(lo)))
    se_test = 100 * float(np.mean(binom_se(acc_test, n_items)))
    monotone = increasing_in_loss(fit)
    span_ok = bool(span >= span_threshold(acc_mean, n_items))
    c = fit.converged
    return Verdict(fit, c, mae, span, monotone, span_ok, se_test,
                   pred=bool(c and monotone and span_ok and mae <= tau),
                   pred_binom=bool(c and monotone and span_ok and mae <= BINOM_K * se_test),
                   pred_relaxed_a=bool(monotone and span_ok and mae <= tau))
