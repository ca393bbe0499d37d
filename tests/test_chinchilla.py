"""Chinchilla / Epoch AI refit: curation is byte-reproducible, the Huber/LSE fit recovers known parameters."""
from __future__ import annotations


import numpy as np
import pytest
from _helpers import load_data_script, require_raw

from analysis import x6_chinchilla as x6
from analysis.core import data
from analysis.core.paths import DATA

FILES = ("chinchilla_epoch.csv", "chinchilla_published.csv")


def _load_curate():
    return load_data_script("curate_chinchilla")


def test_curation_is_byte_identical(tmp_path):
    raw = require_raw("chinchilla_epoch2024")  # skips without ../shared, fails if SLM_REQUIRE_RAW=1
    _load_curate().curate(raw, tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_curated_tables_load():
    epoch = data.load_table("chinchilla_epoch")
    assert len(epoch) == 245
    assert int(epoch["epoch_outlier_derived"].sum()) == 5
    kept = epoch[epoch["epoch_outlier_derived"] == 0]["loss_nats_per_token"]
    dropped = epoch[epoch["epoch_outlier_derived"] == 1]["loss_nats_per_token"]
    assert kept.max() < dropped.min()
    pub = data.load_table("chinchilla_published")
    row = pub[(pub.estimate_set == "epoch_mle") & (pub.parameter == "alpha")].iloc[0]
    assert row.value == 0.3478 and row.ci_lo == 0.317 and row.ci_hi == 0.373


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    lN, lD = rng.uniform(18, 24, 50), rng.uniform(21, 27, 50)
    lL = np.log(1.7 + 400 * np.exp(-0.34 * lN) + 400 * np.exp(-0.28 * lD)) + rng.normal(0, 0.01, 50)
    theta = np.array([6.0, 6.0, 0.5, 0.33, 0.29])
    f0, g = x6.huber_lse(theta, lN, lD, lL)
    num = np.empty(5)
    for i in range(5):
        h = np.zeros(5)
        h[i] = 1e-7
        num[i] = (x6.huber_lse(theta + h, lN, lD, lL)[0] - x6.huber_lse(theta - h, lN, lD, lL)[0]) / 2e-7
    np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-9)


def test_huber_lse_fit_recovers_known_parameters():
    """Noise-free points on a (N, D) grid: the grid-started L-BFGS-B fit returns the true law."""
    E, A, B, alpha, beta = 1.69, 406.4, 410.7, 0.34, 0.28
    n, d = np.meshgrid(np.geomspace(7e7, 2e10, 9), np.geomspace(1e9, 5e11, 9))
    n, d = n.ravel(), d.ravel()
    loss = E + A / n ** alpha + B / d ** beta
    starts = x6.grid_starts()[::25]  # a thinned grid keeps the test fast
    theta, f, n_conv, n_starts, _ = x6.fit_grid(np.log(n), np.log(d), np.log(loss), starts=starts)
    est = x6.natural(theta)
    assert f < 1e-12
    assert n_conv > 0
    for name, true in (("E", E), ("A", A), ("B", B), ("alpha", alpha), ("beta", beta)):
        assert est[name] == pytest.approx(true, rel=2e-3), name
