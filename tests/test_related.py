"""Library code of the reality check (x7) and the observational-scaling section (x8) on synthetic
data: the exp-in-loss estimator and Gadre et al.'s code forms, the pre-stated predictability
criterion, the small-sample statistics, PCA and rank-1 imputation, OLS. Expected values are closed
forms, the criterion's stated rules applied by hand, or independent computations."""
from __future__ import annotations

import statistics

import numpy as np
import pytest

from analysis.core import exp_in_loss_fit, forms, ols
from analysis.core import predictability_criterion as crit
from analysis.core.pca import PCA, RankOneImputer
from analysis.core.bootstrap import percentile_interval
from analysis.core.small_sample import binom_se, cohen_kappa, normal_quantile, wilson

# A grid and box of the test's own, so that the estimator is tested apart from the criterion's.
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


# --------------------------------------------------------------------------- predictability criterion

# A Gadre-law task: err = eps - k exp(-gamma L), accuracy from about 22% to 56% over the loss range.
LAW = (0.85, 2.2, 0.7)


def _split(L, cutoff=2.9):
    """Fit the high-loss models, hold out the low-loss ones (as the reality check's compute cutoff does)."""
    return L > cutoff


def _classify(L, acc, train, n_items, **kw):
    return crit.classify(L[train], acc[train], L[~train], acc[~train], L, n_items, float(np.mean(acc)), **kw)


def _span_threshold(acc, n_items):
    """Rule (c), second half, written out: max(SPAN_MIN points, SPAN_SE binomial SEs at the mean accuracy)."""
    p = float(np.mean(acc))
    return max(2.0, 4.0 * 100 * np.sqrt(p * (1 - p) / n_items))


def test_criterion_constants_are_the_pre_stated_ones():
    """The manuscript states these before any result; a change here changes the criterion."""
    assert (crit.TAU, crit.SPAN_MIN, crit.SPAN_SE, crit.BINOM_K, crit.GAMMA_MIN) == (2.0, 2.0, 4.0, 2.0, 1e-3)
    np.testing.assert_array_equal(crit.GAMMA_GRID, np.geomspace(1e-3, 20.0, 300))
    np.testing.assert_array_equal(crit.BOUNDS[0], [-1.0, -50.0, 0.0])
    np.testing.assert_array_equal(crit.BOUNDS[1], [2.0, 50.0, 20.0])


@pytest.mark.parametrize("seed", range(5))
def test_clean_gadre_law_task_is_predictable(seed):
    rng = np.random.default_rng(seed)
    L = _losses(rng)
    acc = 1 - forms.exp_in_loss(L, *LAW) + rng.normal(0, 0.002, L.size)
    train, n_items = _split(L), 10_000
    v = _classify(L, acc, train, n_items)
    assert v.converged and v.monotone and v.span_ok
    assert v.pred and v.pred_binom and v.pred_relaxed_a
    # (b) by hand from the fitted law, and the fitted span close to the true law's
    mae = 100 * np.mean(np.abs(1 - forms.exp_in_loss(L[~train], v.fit.eps, v.fit.k, v.fit.gamma) - acc[~train]))
    assert v.mae == pytest.approx(mae, rel=1e-9) and v.mae <= crit.TAU
    true_span = 100 * abs(forms.exp_in_loss(L.max(), *LAW) - forms.exp_in_loss(L.min(), *LAW))
    assert v.span == pytest.approx(true_span, abs=1.0)
    assert v.span >= _span_threshold(acc, n_items)


@pytest.mark.parametrize("seed", range(10))
def test_noise_only_task_fails_the_span_rule(seed):
    """Flat accuracy plus binomial noise of the stated item count. The fit sees both ends of the loss
    range (alternate models held out, the lowest loss fitted), so the span measures a trend where
    there are data; extrapolated, an exponential fitted to noise may bend anywhere (next test)."""
    rng = np.random.default_rng(seed)
    L = _losses(rng)
    n_items = 500
    acc = rng.binomial(n_items, 0.5, L.size) / n_items
    train = np.arange(L.size) % 2 == 0
    train[-1] = True
    v = _classify(L, acc, train, n_items)
    assert v.span < _span_threshold(acc, n_items)
    assert not v.span_ok and not v.pred and not v.pred_binom and not v.pred_relaxed_a


def test_noise_only_task_is_never_predictable_when_extrapolated():
    for seed in range(20):
        rng = np.random.default_rng(seed)
        L = _losses(rng)
        acc = rng.binomial(500, 0.5, L.size) / 500
        v = _classify(L, acc, _split(L), 500)
        assert not v.pred and not v.pred_binom, seed


@pytest.mark.parametrize("seed", range(5))
def test_inverse_scaling_task_fails_the_monotonicity_rule(seed):
    """Accuracy falls as loss falls: the fit is good and spans a wide range, but k < 0, so only the
    monotonicity rule excludes it."""
    rng = np.random.default_rng(seed)
    L = _losses(rng)
    acc = forms.exp_in_loss(L, *LAW) + rng.normal(0, 0.002, L.size)   # accuracy follows the error curve
    v = _classify(L, acc, _split(L), 10_000)
    assert v.fit.k < 0 and not v.monotone
    assert v.converged and v.span_ok and v.mae <= crit.TAU
    assert not v.pred and not v.pred_binom and not v.pred_relaxed_a


def test_fit_on_a_bound_is_not_counted_converged():
    """A straight line in L is reached by the exponential only in a limit, so the fit runs into its
    box: (a) fails although (b) and (c) hold, and only the variant that drops (a) accepts it."""
    L = np.linspace(5.0, 2.4, 60)
    acc = 1 - (0.2 + 0.1 * L)
    v = _classify(L, acc, _split(L), 10_000)
    assert v.fit.optimiser_ok and v.fit.at_bound and not v.converged
    assert v.monotone and v.span_ok and v.mae <= crit.TAU
    assert not v.pred and not v.pred_binom and v.pred_relaxed_a


def test_binomial_variant_threshold_scales_with_the_binomial_se():
    """Held-out accuracies sit exactly 1 point above a noiselessly fitted law, so MAE = 1 point.
    Variant (b') passes iff 1 <= BINOM_K x SE; the SE falls as 1/sqrt(n), so the verdict flips at the
    item count n* where BINOM_K x SE = 1 point, while the tau rule (2 points) passes on both sides."""
    L = np.linspace(5.0, 2.4, 60)
    train = _split(L)
    law = 1 - forms.exp_in_loss(L, *LAW)
    acc = np.where(train, law, law + 0.01)
    root_pq = np.mean(np.sqrt(acc[~train] * (1 - acc[~train])))   # SE x sqrt(n), mean over held-out models
    n_star = (100 * 2.0 * root_pq / 1.0) ** 2
    few, many = _classify(L, acc, train, round(n_star / 2)), _classify(L, acc, train, round(2 * n_star))
    for v, n in ((few, round(n_star / 2)), (many, round(2 * n_star))):
        assert v.mae == pytest.approx(1.0, abs=1e-4)
        assert v.se_test == pytest.approx(100 * root_pq / np.sqrt(n), rel=1e-12)
        assert v.converged and v.monotone and v.span_ok and v.pred
    assert few.pred_binom and not many.pred_binom
    assert few.se_test / many.se_test == pytest.approx(np.sqrt(round(2 * n_star) / round(n_star / 2)), rel=1e-12)
    # and the tau rule follows its own threshold, not the SE
    assert not _classify(L, acc, train, round(2 * n_star), tau=0.5).pred


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
