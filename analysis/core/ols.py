"""Ordinary least squares with an intercept, by `numpy.linalg.lstsq` (linear models only; the
nonlinear scaling-law fits are in `fitting`)."""
from __future__ import annotations

import numpy as np


def r2_line(x, y) -> float:
    """R^2 of the least-squares line y = a + b x."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    X = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    rss = np.sum((y - X @ coef) ** 2)
    return 1 - rss / np.sum((y - y.mean()) ** 2)


def fit_predict(X_train, y_train, X_new) -> np.ndarray:
    """Fit y = a + X b on the training rows and predict the rows of X_new (2-D, same columns)."""
    X_train = np.column_stack([np.ones(len(X_train)), X_train])
    X_new = np.column_stack([np.ones(len(X_new)), X_new])
    coef, *_ = np.linalg.lstsq(X_train, y_train, rcond=None)
    return X_new @ coef
