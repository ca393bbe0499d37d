"""Library code of the reality check (x7) and the observational-scaling section (x8) on synthetic
data: the exp-in-loss estimator and Gadre et al.'s code forms, the small-sample statistics, PCA and
rank-1 imputation, OLS. Expected values are closed forms or independent computations."""
from __future__ import annotations

import statistics

import numpy as np
import pytest

from analysis.core import exp_in_loss_fit, forms, ols
from analysis.core.pca import PCA, RankOneImputer
from analysis.core.small_sample import binom_se, cohen_kappa, normal_quantile, percentile_interval, wilson

# A grid and box of the test's own (the reality check states its own in its script).
GRID = np.geomspace(1e-3, 20.0, 300)
BOUNDS = (np.array([-1.0, -50.0, 0.0]), np.array([2.0, 50.0, 20.0]))


def _losses(rng, n=80):
    return np.sort(rng.uniform(2.4, 5.0, n))[::-1]


# --------------------------------------------------------------------------- exp-in-loss estimator

def test_exp_law_recovered():
    rng = np.random.default_rng(1)
    L = _losses(rng)
    eps, k, gamma = 0.85, 2.2, 0.7
    err = forms.exp_in_loss(L, eps, k, gamma) + rng.normal(0, 0.002, L.size)
    fit = exp_in_loss_fit.fit(L, err, GRID, BOUNDS)
    assert fit.converged
    assert abs(fit.eps - eps) < 0.05
    assert abs(fit.gamma - gamma) / gamma < 0.15
    assert abs(fit.k - k) / k < 0.3


def test_exp_law_recovered_noiseless():
    L = np.linspace(2.5, 5.0, 30)
    fit = exp_in_loss_fit.fit(L, forms.exp_in_loss(L, 0.9, 3.0, 0.9), GRID, BOUNDS)
    assert fit.converged and not fit.at_bound
    np.testing.assert_allclose([fit.eps, fit.k, fit.gamma], [0.9, 3.0, 0.9], rtol=1e-4)
    np.testing.assert_allclose(fit.predict(L), forms.exp_in_loss(L, 0.9, 3.0, 0.9), atol=1e-9)


def test_exp_law_fit_on_a_bound_is_not_converged():
    """A straight line in L is reached by the exponential only as gamma -> 0 with eps, k -> infinity:
    the fit runs into the box and must say so."""
    L = np.linspace(2.5, 5.0, 30)
    fit = exp_in_loss_fit.fit(L, 0.2 + 0.1 * L, GRID, BOUNDS)
    assert fit.optimiser_ok and fit.at_bound and not fit.converged


def test_gadre_error_law_code_is_exp_in_loss():
    L = np.linspace(2.0, 6.0, 9)
    np.testing.assert_allclose(forms.gadre_error_law_code(L, 2.2, 0.7, 0.86), forms.exp_in_loss(L, 0.86, 2.2, 0.7),
                               rtol=1e-13)


def test_gadre_loss_law_code_in_compute_terms():
    """a N^b + c 6^(b/2) (M N)^b + E = a N^b + c (sqrt(6) D)^b + E with D = M N."""
    N, M = np.array([1e7, 4e8, 7e9]), np.array([20.0, 320.0, 640.0])
    a, c, b, E = 166.2, 366.7, -0.2729, 1.837
    expected = a * N ** b + c * (np.sqrt(6.0) * M * N) ** b + E
    np.testing.assert_allclose(forms.gadre_loss_law_code((N, M), a, c, b, E), expected, rtol=1e-12)
    assert len(forms.get("gadre_loss_law_code").starts) == 4 * 4 * 2 * 4


# --------------------------------------------------------------------------- small-sample statistics

def test_normal_quantile_matches_the_standard_library():
    for level in (0.8, 0.9, 0.95, 0.99):
        assert normal_quantile(level) == pytest.approx(statistics.NormalDist().inv_cdf(0.5 + level / 2), rel=1e-12)


def test_wilson_zero_successes_closed_form():
    # p = 0: the interval is [0, z^2 / (n + z^2)]
    z = statistics.NormalDist().inv_cdf(0.975)
    lo, hi = wilson(0, 46, level=0.95)
    assert lo == pytest.approx(0.0, abs=1e-15)
    assert hi == pytest.approx(z * z / (46 + z * z), rel=1e-12)


@pytest.mark.parametrize("k, n, level", [(18, 46, 0.95), (3, 10, 0.9), (45, 46, 0.99)])
def test_wilson_solves_the_score_equation(k, n, level):
    """The Wilson bounds are the two p with (k/n - p)^2 = z^2 p (1 - p) / n."""
    z = statistics.NormalDist().inv_cdf(0.5 + level / 2)
    ph = k / n
    roots = np.sort(np.roots([1 + z * z / n, -(2 * ph + z * z / n), ph * ph]).real)
    np.testing.assert_allclose(wilson(k, n, level=level), roots, rtol=1e-10)


def test_wilson_narrows_with_lower_level():
    lo95, hi95 = wilson(18, 46, level=0.95)
    lo80, hi80 = wilson(18, 46, level=0.80)
    assert lo95 < lo80 < 18 / 46 < hi80 < hi95


def test_kappa_hand_computed_2x2():
    # both yes 3, a only 1, b only 2, both no 4: po = 0.7, pe = 0.4*0.5 + 0.6*0.5 = 0.5, kappa = 0.4
    a = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]
    b = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0]
    po, kappa = cohen_kappa(a, b)
    assert po == pytest.approx(0.7)
    assert kappa == pytest.approx(0.4)


def test_kappa_perfect_and_degenerate():
    assert cohen_kappa([1, 1, 0, 0], [1, 1, 0, 0]) == (1.0, 1.0)
    assert cohen_kappa([1, 1, 0, 0], [0, 0, 1, 1]) == (0.0, -1.0)
    po, kappa = cohen_kappa([1, 1, 1], [1, 1, 1])   # chance agreement 1: kappa undefined
    assert po == 1.0 and np.isnan(kappa)


def test_binom_se():
    assert binom_se(0.5, 100) == pytest.approx(0.05)
    np.testing.assert_allclose(binom_se([0.0, 1.0, 1.2, -0.1], 50), 0.0)


def test_percentile_interval_follows_the_level():
    x = np.arange(101.0)
    np.testing.assert_allclose(percentile_interval(x, level=0.9), [5.0, 95.0])
    np.testing.assert_allclose(percentile_interval(x, level=0.95), [2.5, 97.5])
    np.testing.assert_allclose(percentile_interval(np.column_stack([x, 2 * x]), level=0.5, axis=0),
                               [[25.0, 50.0], [75.0, 150.0]])


# --------------------------------------------------------------------------- PCA and imputation

def _benchmarks(rng, n=60, p=5):
    z = rng.normal(size=(n, 1))
    return np.clip(0.5 + 0.1 * z @ np.ones((1, p)) + rng.normal(0, 0.005, (n, p)), 0, 1)


def test_pca_against_numpy():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 4)) @ rng.normal(size=(4, 4)) + 3.0
    p = PCA().fit(X)
    eig = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1]
    np.testing.assert_allclose(p.ratio, eig / eig.sum(), rtol=1e-10)
    # the scores reproduce the centred data, and each loading vector sums to a positive number
    np.testing.assert_allclose(p.transform(X) @ p.components, X - X.mean(axis=0), atol=1e-10)
    assert np.all(p.components.sum(axis=1) > 0)
    std = PCA(standardise=True).fit(X)
    eig_r = np.sort(np.linalg.eigvalsh(np.corrcoef(X, rowvar=False)))[::-1]
    np.testing.assert_allclose(std.ratio, eig_r / eig_r.sum(), rtol=1e-10)


def test_pca_first_component_of_one_factor_data():
    p = PCA().fit(_benchmarks(np.random.default_rng(5)))
    assert p.ratio[0] > 0.95
    np.testing.assert_allclose(p.components[0], np.full(5, 1 / np.sqrt(5)), atol=0.05)


def test_imputer_recovers_a_missing_cell():
    X = _benchmarks(np.random.default_rng(5))
    Xm = X.copy()
    Xm[3, 2] = np.nan
    filled = RankOneImputer().fit(Xm).transform(Xm)
    assert abs(filled[3, 2] - X[3, 2]) < 0.03
    np.testing.assert_array_equal(np.delete(filled.ravel(), 3 * 5 + 2), np.delete(X.ravel(), 3 * 5 + 2))


def test_imputer_transform_does_not_refit():
    X = _benchmarks(np.random.default_rng(6))
    imp = RankOneImputer().fit(X[:40])
    mu, v1 = imp.mu.copy(), imp.v1.copy()
    new = X[40:].copy()
    new[0, 1] = np.nan
    imp.transform(new)
    np.testing.assert_array_equal(imp.mu, mu)
    np.testing.assert_array_equal(imp.v1, v1)


# --------------------------------------------------------------------------- OLS

def test_r2_line_is_squared_correlation():
    rng = np.random.default_rng(8)
    x = rng.normal(size=30)
    y = 2 * x + rng.normal(size=30)
    assert ols.r2_line(x, y) == pytest.approx(np.corrcoef(x, y)[0, 1] ** 2, rel=1e-12)
    assert ols.r2_line(x, 3 - 2 * x) == pytest.approx(1.0)


def test_fit_predict_against_polyfit():
    rng = np.random.default_rng(9)
    x = rng.normal(size=25)
    y = 1.5 - 0.5 * x + rng.normal(0, 0.1, 25)
    new = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(ols.fit_predict(x[:, None], y, new[:, None]), np.polyval(np.polyfit(x, y, 1), new),
                               rtol=1e-10)
