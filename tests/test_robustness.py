"""The statistics of the robustness analysis, tested in the library (core/binomial_glm,
core/breakpoints, the Huber and log-space options of core/fitting, the bootstrap variants),
each against data with a known answer or an independent computation."""
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats

from analysis.core import binomial_glm as bglm
from analysis.core import bootstrap, breakpoints, fitting, forms

ROOT = Path(__file__).resolve().parents[1]
N = np.array([1.11e8, 2.56e8, 5.9e8, 1.3e9, 2.7e9, 6.7e9, 1.3e10])
U = np.log(np.array([111, 256, 590, 1300, 2700, 6700, 13000]) * 1e6)


# ----------------------------------------------------------------------------- binomial GLM with a floor
def test_binomial_sigmoid_with_floor_recovers_parameters():
    rng = np.random.default_rng(1)
    u = np.linspace(-2.5, 2.5, 12)
    X = np.column_stack([np.ones_like(u), u])
    beta, c, n = np.array([-0.5, 0.8]), 0.25, np.full(u.size, 20000.0)
    s = rng.binomial(n.astype(int), bglm.floor_prob(X, beta, c)).astype(float)
    fit = bglm.binom_fit(X, s, n, c)
    assert fit.converged and fit.glm_converged
    assert np.allclose(fit.beta, beta, atol=0.05)
    assert 0.2 < fit.dispersion < 3.0          # binomial data: no overdispersion
    assert np.all(fit.se > 0)
    np.testing.assert_allclose(fit.se_ql, fit.se * np.sqrt(fit.dispersion))
    np.testing.assert_allclose(fit.predict(X), bglm.floor_prob(X, fit.beta, c))


def test_binomial_fit_maximises_the_likelihood_of_scipy_binom():
    """The optimum is a maximum of sum log Binomial(s | n, p) as scipy computes it, and the
    log-likelihood (with its binomial coefficient) equals scipy's."""
    rng = np.random.default_rng(4)
    u = np.linspace(-2.0, 2.0, 9)
    X = np.column_stack([np.ones_like(u), u])
    n = np.full(u.size, 500.0)
    s = rng.binomial(500, bglm.floor_prob(X, np.array([0.2, 0.6]), 0.5)).astype(float)
    fit = bglm.binom_fit(X, s, n, 0.5, glm=False)
    assert fit.glm_converged is None and fit.se is None

    def scipy_ll(b):
        return stats.binom.logpmf(s, n, bglm.floor_prob(X, b, 0.5)).sum()
    assert fit.llf == pytest.approx(scipy_ll(fit.beta), rel=1e-12)
    for d in itertools.product((-1e-3, 1e-3), repeat=2):
        assert scipy_ll(fit.beta + np.array(d)) < fit.llf
    p = bglm.floor_prob(X, fit.beta, 0.5)
    assert fit.pearson_chi2 == pytest.approx(np.sum((s - n * p) ** 2 / (n * p * (1 - p))))
    assert fit.df == u.size - 2


def test_floor_logit_link_inverts_the_floored_sigmoid():
    link = bglm.FloorLogit(0.25)
    z = np.linspace(-4, 4, 9)
    np.testing.assert_allclose(link(link.inverse(z)), z, atol=1e-8)
    h = 1e-6
    np.testing.assert_allclose(link.inverse_deriv(z), (link.inverse(z + h) - link.inverse(z - h)) / (2 * h), rtol=1e-6)
    p = link.inverse(z)
    np.testing.assert_allclose(link.deriv(p), (link(p + h) - link(p - h)) / (2 * h), rtol=1e-5)


def test_floor_is_dropped_when_a_model_scores_below_chance():
    assert bglm.floor_for(0.25, [0.3, 0.4]) == (0.25, 0)
    assert bglm.floor_for(0.25, [0.24, 0.4]) == (0.0, 1)


# ----------------------------------------------------------------------------- breakpoints: one search
def brute_force_hinge(u, y):
    """Every candidate's hinge fit by the normal equations, written out independently."""
    order = np.argsort(u)
    u, y = u[order], y[order]
    best = (np.inf, None)
    for i in range(1, u.size - 2):
        c = (u[i] + u[i + 1]) / 2
        X = np.column_stack([np.ones_like(u), u, np.clip(u - c, 0, None)])
        coef = np.linalg.solve(X.T @ X, X.T @ y)
        rss = float(np.sum((y - X @ coef) ** 2))
        if rss < best[0]:
            best = (rss, c)
    slope, icpt = np.polyfit(u, y, 1)
    return best[1], best[0], float(np.sum((y - (icpt + slope * u)) ** 2))


def test_hinge_search_matches_brute_force_on_detect_and_stat():
    rng = np.random.default_rng(5)
    for _ in range(10):
        y = 0.3 + 0.02 * (U - U[0]) + 0.03 * np.clip(U - U[rng.integers(2, 5)], 0, None) + rng.normal(0, 0.005, 7)
        perm = rng.permutation(7)          # input order must not matter
        c, rss_hinge, rss_line = brute_force_hinge(U, y)
        bp = breakpoints.detect(U[perm], y[perm])
        assert bp.breakpoint_log_n == pytest.approx(c)
        assert bp.rss_hinge == pytest.approx(rss_hinge, rel=1e-8)
        assert bp.rss_line == pytest.approx(rss_line, rel=1e-8)
        t = breakpoints.hinge_stat(U[perm], y[perm])[0]
        assert t == pytest.approx(7 * np.log(rss_line / rss_hinge), rel=1e-8)


def test_exact_hinge_is_found_and_the_statistic_is_vectorised():
    c = (U[3] + U[4]) / 2
    y = 0.25 + 0.01 * U + 0.05 * np.clip(U - c, 0, None)
    bp = breakpoints.detect(U, y)
    assert bp.breakpoint_log_n == pytest.approx(c)
    assert bp.rss_hinge < 1e-20
    assert bp.slope_before == pytest.approx(0.01) and bp.slope_after == pytest.approx(0.06)
    Y = y[:, None] + np.random.default_rng(6).normal(0, 0.003, (7, 4))
    np.testing.assert_allclose(breakpoints.hinge_stat(U, Y), [breakpoints.hinge_stat(U, Y[:, k])[0] for k in range(4)])


def test_breakpoint_test_not_always_significant_under_null():
    rng = np.random.default_rng(2)
    p0 = 0.2 + 0.5 / (1 + np.exp(-(U - U.mean())))
    pvals = []
    for _ in range(20):
        y = rng.binomial(1000, p0) / 1000
        r = breakpoints.hinge_test(U, y, p0, 1000, 200, rng)
        assert r.null_stats.shape == (200,) and np.all(r.null_stats >= 0)
        assert r.p_value == pytest.approx((1 + np.sum(r.null_stats >= r.stat)) / 201)
        pvals.append(r.p_value)
    pvals = np.array(pvals)
    assert np.mean(pvals < 0.05) <= 0.25
    assert 0.25 < np.mean(pvals) < 0.75


def test_breakpoint_test_detects_a_large_kink():
    rng = np.random.default_rng(3)
    c = (U[3] + U[4]) / 2
    p0 = 0.3 + 0.02 * (U - U[0])
    y = p0 + 0.08 * np.clip(U - c, 0, None) / (U[-1] - c)
    assert breakpoints.hinge_test(U, y, p0, 100000, 200, rng).p_value < 0.05


# ----------------------------------------------------------------------------- least squares: Huber, log space
def test_huber_loss_resists_an_outlier_that_pulls_least_squares():
    truth = (1.9, 0.11, 0.9)
    y = fitting.predict(forms.get("kaplan"), truth, N) + np.array([2, -1, 1, 0, -2, 1, -1]) * 1e-4
    y[3] += 0.05                                  # 50x the noise, 5x f_scale below
    ls = fitting.fit("kaplan", N, y)
    hub = fitting.fit("kaplan", N, y, loss="huber", f_scale=1e-3)
    assert hub.converged and hub.options == {"loss": "huber", "f_scale": 1e-3, "space": "value"}
    assert abs(hub.theta[1] - truth[1]) < 0.1 * abs(ls.theta[1] - truth[1])
    # with f_scale far beyond every residual the Huber loss is least squares
    wide = fitting.fit("kaplan", N, y, loss="huber", f_scale=100.0)
    np.testing.assert_allclose(wide.theta, ls.theta, rtol=1e-5)


def test_log_space_fit_minimises_the_log_residuals():
    rng = np.random.default_rng(8)
    y = fitting.predict(forms.get("kaplan"), (1.9, 0.11, 0.9), N) * np.exp(rng.normal(0, 0.01, N.size))
    val = fitting.fit("kaplan", N, y)
    log = fitting.fit("kaplan", N, y, space="log")
    assert log.converged and log.space == "log"

    def log_rss(th):
        return np.sum((np.log(fitting.predict(forms.get("kaplan"), th, N)) - np.log(y)) ** 2)
    # an independent optimiser on the same objective agrees
    ref = optimize.minimize(log_rss, val.theta, method="Nelder-Mead",
                            options={"xatol": 1e-12, "fatol": 1e-16, "maxiter": 20000})
    assert log_rss(log.theta) <= ref.fun * (1 + 1e-6)
    assert log_rss(log.theta) <= log_rss(val.theta) and val.rss <= log.rss
    np.testing.assert_allclose(log.fit_residuals, np.log(y) - np.log(log.yhat))
    # goodness of fit stays on the value scale
    assert log.rss == pytest.approx(np.sum((y - log.yhat) ** 2))


def test_fit_refuses_unknown_options_and_nonpositive_log_data():
    with pytest.raises(fitting.FitError, match="loss must be"):
        fitting.fit("kaplan", N, np.ones(7), loss="cauchy")
    with pytest.raises(fitting.FitError, match="positive y"):
        fitting.fit("kaplan", N, np.r_[-1.0, np.ones(6)], space="log")


def test_exp_in_loss_is_the_registered_gadre_law():
    loss = np.linspace(2.0, 3.5, 7)
    err = forms.exp_in_loss(loss, 0.9, 30.0, 1.5)
    r = fitting.fit("exp_in_loss", loss, err, starts=[(0.9, 10.0, 1.0), (1.0, 50.0, 2.0)])
    np.testing.assert_allclose(r.theta, (0.9, 30.0, 1.5), rtol=1e-4)


# ----------------------------------------------------------------------------- bootstrap variants
def test_log_space_bootstrap_adds_noise_to_log_loss_and_refits_in_log_space():
    y = fitting.predict(forms.get("kaplan"), (1.9, 0.11, 0.9), N) * np.exp(np.array([2, -1, 1, 0, -2, 1, -1]) * 3e-3)
    res = fitting.fit("kaplan", N, y, space="log")
    ys = bootstrap.replicates(res, 2000, 1, "log")
    assert np.all(ys > 0)
    resid = np.log(ys) - np.log(res.yhat)
    assert resid.std() == pytest.approx(np.std(res.fit_residuals), rel=0.05)
    boot = bootstrap.parametric(res, "log", B=40, seed=1)   # loop engine: the profiled one is value-space LS
    assert boot.n_failed == 0 and boot.draws.shape == (40, 3)
    with pytest.raises(ValueError, match="profiled engine"):
        bootstrap.parametric(res, "log", B=40, seed=1, engine="profiled")


def test_residual_resampling_draws_only_the_fits_residuals():
    y = fitting.predict(forms.get("kaplan"), (1.9, 0.11, 0.9), N) + np.array([2, -1, 1, 0, -2, 1, -1]) * 1e-3
    res = fitting.fit("kaplan", N, y)
    ys = bootstrap.replicates(res, 200, 1, "resample", noise="resample")
    e = ys - res.yhat
    assert np.all(np.isclose(e[..., None], res.residuals).any(-1))


def test_jackknife_refits_leave_one_out():
    y = fitting.predict(forms.get("kaplan"), (1.9, 0.11, 0.9), N) + np.array([2, -1, 1, 0, -2, 1, -1]) * 1e-3
    res = fitting.fit("kaplan", N, y)
    thetas, failed = bootstrap.jackknife(res)
    assert failed == 0 and thetas.shape == (7, 3)
    keep = np.arange(7) != 3
    np.testing.assert_allclose(thetas[3], fitting.fit("kaplan", N[keep], y[keep]).theta)


# ----------------------------------------------------------------------------- the script's promised outputs
def test_script_writes_promised_keys(tmp_path):
    env = dict(os.environ, SLM_RESULTS=str(tmp_path))
    subprocess.run([sys.executable, "-m", "analysis.x1_robustness", "--B", "40"], cwd=ROOT, env=env, check=True)
    part = json.loads((tmp_path / "ledger" / "x1_robustness.json").read_text())
    assert all(k.startswith("rob.") for k in part)
    for key in ("rob.loss.baseline.alpha", "rob.loss.alpha_range", "rob.loss.all_adj_r2_above_099",
                "rob.glm.lambada.dispersion", "rob.glm.zs.mean_mape_glm", "rob.glm.fs.mean_mape_bpl",
                "rob.pred.recommended", "rob.pred.recommended_mape", "rob.pred.split43.bpl.mean",
                "rob.pythia.standard.mean_mape", "rob.pythia.deduped.mean_mape",
                "rob.bp.hellaswag.p_binomial", "rob.bp.hellaswag.power"):
        assert key in part, key
    for name in ("rob_loss_sensitivity", "rob_glm", "rob_prediction_split43", "rob_prediction_loo13b",
                 "rob_pythia", "rob_breakpoints"):
        assert (tmp_path / "tables" / f"{name}.md").exists()
