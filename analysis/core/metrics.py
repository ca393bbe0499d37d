"""Prediction-error metrics."""
from __future__ import annotations

import numpy as np


def ape(actual, predicted) -> np.ndarray:
    """Absolute percentage error of each prediction, in percent."""
    actual = np.asarray(actual, float)
    predicted = np.asarray(predicted, float)
    if np.any(actual == 0):
        raise ValueError("percentage error undefined for an actual value of 0")
    return 100.0 * np.abs(predicted - actual) / np.abs(actual)


def mape(actual, predicted) -> float:
    """Mean absolute percentage error, in percent."""
    return float(np.mean(ape(actual, predicted)))


def signed_pe(actual, predicted) -> np.ndarray:
    """Signed percentage error (positive = over-prediction), in percent."""
    actual = np.asarray(actual, float)
    return 100.0 * (np.asarray(predicted, float) - actual) / np.abs(actual)
