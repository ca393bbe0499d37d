"""Reality-check criterion (x7) and observational-scaling helpers (x8) on synthetic data."""
from __future__ import annotations

import numpy as np

from analysis import x7_reality_check as rc
from analysis import x8_observational as obs


def _losses(rng, n=80):
    return np.sort(rng.uniform(2.4, 5.0, n))[::-1]


def test_exp_law_recovered():
    rng = np.random.default_rng(1)
    L = _losses(rng)
    eps, k, gamma = 0.85, 2.2, 0.7
    err = rc.exp_law(L, eps, k, gamma) + rng.normal(0, 0.002, L.size)
    fit = rc.fit_exp_law(L, err)
    assert fit["converged"]
    assert abs(fit["eps"] - eps) < 0.05
    assert abs(fit["gamma"] - gamma) / gamma < 0.15
    assert abs(fit["k"] - k) / k < 0.3


def test_exp_law_recovered_noiseless():
    L = np.linspace(2.5, 5.0, 30)
    fit = rc.fit_exp_law(L, rc.exp_law(L, 0.9, 3.0, 0.9))
    assert fit["converged"]
    np.testing.assert_allclose([fit["eps"], fit["k"], fit["gamma"]], [0.9, 3.0, 0.9], rtol=1e-4)


def _split(L):
    train = L > 3.0
    return train, ~train


def test_criterion_clean_task_predictable():
    """A clean task (the law plus binomial noise, 5,000 items) passes in most synthetic draws."""
    passed = []
    for seed in range(10, 20):
        rng = np.random.default_rng(seed)
        L = _losses(rng)
        n_items = 5000
        acc = rng.binomial(n_items, 1 - rc.exp_law(L, 0.85, 2.2, 0.7)) / n_items
        tr, te = _split(L)
        out = rc.classify(L[tr], acc[tr], L[te], acc[te], L, n_items, acc.mean())
        assert out["converged"] and out["monotone"] and out["span_ok"]
        passed.append(out["pred"])
    assert np.mean(passed) >= 0.8


def test_criterion_noise_task_not_predictable():
    rng = np.random.default_rng(3)
    L = _losses(rng)
    n_items = 300
    acc = rng.binomial(n_items, 0.25, size=L.size) / n_items   # chance-level, trendless
    tr, te = _split(L)
    out = rc.classify(L[tr], acc[tr], L[te], acc[te], L, n_items, acc.mean())
    assert not out["pred"]
    assert not out["pred_binom"]


def test_criterion_inverse_task_not_predictable():
    rng = np.random.default_rng(4)
    L = _losses(rng)
    acc = 0.3 + 0.05 * (L - 2.4)            # accuracy improves as loss gets worse
    tr, te = _split(L)
    out = rc.classify(L[tr], acc[tr], L[te], acc[te], L, 2000, acc.mean())
    assert not out["pred"]


def test_kappa_and_wilson():
    po, kappa = rc.cohen_kappa([1, 1, 0, 0], [1, 1, 0, 0])
    assert po == 1.0 and kappa == 1.0
    lo, hi = rc.wilson(18, 46)
    assert lo < 18 / 46 < hi


def test_pca_and_imputer():
    rng = np.random.default_rng(5)
    z = rng.normal(size=(60, 1))
    X = np.clip(0.5 + 0.1 * z @ np.ones((1, 5)) + rng.normal(0, 0.005, (60, 5)), 0, 1)
    p = obs.PCA().fit(X)
    assert p.ratio[0] > 0.95
    Xm = X.copy()
    Xm[3, 2] = np.nan
    filled = obs.Imputer().fit(Xm).transform(Xm)
    assert abs(filled[3, 2] - X[3, 2]) < 0.03
