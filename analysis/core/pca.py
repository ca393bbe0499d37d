"""Principal component analysis and rank-1 PCA imputation of a benchmark matrix
(models x benchmarks), as Ruan, Maddison & Hashimoto (2024) use them.
"""
from __future__ import annotations

import numpy as np


class RankOneImputer:
    """Rank-1 PCA imputation (Ruan et al. 2024): standardise, mean-impute, then replace the missing
    cells by the rank-1 reconstruction (clipped to [0, 1]) until they stop changing.

    `fit` learns the column means, standard deviations and the first loading from the rows it is
    given; `transform` fills other rows with those, so a test set never informs the imputer.
    """

    def __init__(self, n_iter: int = 500, tol: float = 1e-10):
        self.n_iter, self.tol = n_iter, tol

    def fit(self, X):
        X = np.asarray(X, float)
        self.mu = np.nanmean(X, axis=0)
        self.sd = np.nanstd(X, axis=0)
        self._fill(X, fit=True)   # sets the fitted loadings as a side effect
        return self

    def _fill(self, X, fit: bool):
        miss = np.isnan(X)
        Z = np.where(miss, self.mu, X)
        for _ in range(self.n_iter):
            S = (Z - self.mu) / self.sd
            if fit:
                _, _, vt = np.linalg.svd(S, full_matrices=False)
                self.v1 = vt[0]
            recon = np.outer(S @ self.v1, self.v1) * self.sd + self.mu
            new = np.where(miss, np.clip(recon, 0.0, 1.0), X)
            if np.max(np.abs(new - Z)) < self.tol:
                Z = new
                break
            Z = new
        return Z

    def transform(self, X):
        return self._fill(np.asarray(X, float), fit=False)


class PCA:
    """PCA by SVD of the centred (or, with `standardise`, also unit-variance) columns.

    `ratio` is the share of variance of each component; `components` are the loadings, each
    oriented so that its loadings sum to a positive number (PC-1 = "more capable").
    """

    def __init__(self, standardise: bool = False):
        self.standardise = standardise

    def fit(self, X):
        self.mu = X.mean(axis=0)
        self.sd = X.std(axis=0) if self.standardise else np.ones(X.shape[1])
        S = (X - self.mu) / self.sd
        _, s, vt = np.linalg.svd(S, full_matrices=False)
        self.components = vt
        self.ratio = s ** 2 / np.sum(s ** 2)
        sign = np.where(vt.sum(axis=1) < 0, -1.0, 1.0)
        self.components = vt * sign[:, None]
        return self

    def transform(self, X, k=None):
        """Scores of the rows of X on the first k components (all if k is None)."""
        S = (np.asarray(X, float) - self.mu) / self.sd
        return S @ self.components[:k].T
