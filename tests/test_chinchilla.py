"""Chinchilla / Epoch AI refit: curation is byte-reproducible, the published table's schema rejects a
wrong Chinchilla-model N or D (file, row and column named), the Huber/LSE estimator
(analysis/core/chinchilla_estimator.py) recovers known parameters, and its bootstrap and
profile intervals follow the confidence level."""
from __future__ import annotations


import numpy as np
import pytest
from _helpers import data_copy, find_line, load_data_script, put_cell, read_csv_rows, require_raw, write_csv_rows
from scipy import optimize, stats

from analysis.core import chinchilla_estimator as ce
from analysis.core import data, fitting, forms
from analysis.core.paths import DATA
from analysis.core.profile_likelihood import lr_cut, profile_interval

PUB = "chinchilla_published.csv"
FILES = ("chinchilla_epoch.csv", PUB)
# a Chinchilla-like law on the log scale: (a, b, e, alpha, beta)
THETA = np.array([np.log(406.4), np.log(410.7), np.log(1.69), 0.34, 0.28])


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
    model = pub[pub.estimate_set == "chinchilla_model"].set_index("parameter")["value"]
    assert model["params"] == 70e9 and model["train_tokens"] == 1.4e12  # Hoffmann et al.: 70B, 1.4T tokens


# --------------------------------------------------------------------------- the Chinchilla model's N, D, C


def _published_copy(tmp_path, edit):
    """data/chinchilla_published.csv in a private copy, changed by `edit(rows)`; returns the folder."""
    d = data_copy(tmp_path)
    rows = read_csv_rows(d / PUB)
    edit(rows)
    write_csv_rows(d / PUB, rows)
    return d


def _model_line(rows, parameter):
    return find_line(rows, estimate_set="chinchilla_model", parameter=parameter)


def _expect_rejected(d, line, column, *fragments):
    with pytest.raises(data.DataError) as info:
        data.load_table("chinchilla_published", d)
    err, message = info.value, str(info.value)
    assert err.file.endswith(PUB) and err.row == line and err.column == column, message
    assert f"{PUB}, row {line}, column {column!r}: " in message, message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("parameter, value", [
    ("params", "7e9"),         # a dropped zero
    ("params", "75e9"),        # a wrong digit
    ("train_tokens", "1.4e11"),  # D wrong: the one relation cannot tell N from D and names N's row
])
def test_wrong_chinchilla_model_size_is_rejected(tmp_path, parameter, value):
    d = _published_copy(tmp_path, lambda rows: put_cell(rows, _model_line(rows, parameter), "value", value))
    line = _model_line(read_csv_rows(d / PUB), "params")
    _expect_rejected(d, line, "value", "6 N D", "stated C = 5.88e+23", "expected N = C / (6 D)")


def test_chinchilla_model_row_is_required(tmp_path):
    def drop_n(rows):
        del rows[_model_line(rows, "params") - 1]

    d = _published_copy(tmp_path, drop_n)
    n_lines = len(read_csv_rows(d / PUB))
    _expect_rejected(d, n_lines + 1, "parameter", "chinchilla_model has no params")


@pytest.mark.parametrize("estimate_set, parameter", [("chinchilla_model", "alpha"), ("epoch_mle", "params")])
def test_chinchilla_model_parameters_belong_to_their_set(tmp_path, estimate_set, parameter):
    def move(rows):
        line = find_line(rows, estimate_set="hoffmann_printed", parameter="alpha")
        put_cell(rows, line, "estimate_set", estimate_set)
        put_cell(rows, line, "parameter", parameter)

    d = _published_copy(tmp_path, move)
    line = find_line(read_csv_rows(d / PUB), estimate_set=estimate_set, parameter=parameter)
    _expect_rejected(d, line, "parameter", "expected params, train_tokens, train_flops exactly in chinchilla_model")


def test_chinchilla_model_has_no_uncertainty(tmp_path):
    d = _published_copy(tmp_path, lambda rows: put_cell(rows, _model_line(rows, "train_tokens"), "se", "1e10"))
    _expect_rejected(d, _model_line(read_csv_rows(d / PUB), "train_tokens"), "se", "expected none")


def test_curation_needs_the_provenance_line(tmp_path):
    raw = require_raw("chinchilla_epoch2024")
    fake = tmp_path / "raw"
    fake.mkdir()
    (fake / "svg_extracted_data.csv").write_bytes((raw / "svg_extracted_data.csv").read_bytes())
    text = (raw / "PROVENANCE.md").read_text(encoding="utf-8")
    (fake / "PROVENANCE.md").write_text(text.replace("At Chinchilla's compute", "At Chinchilla's budget"),
                                        encoding="utf-8")
    curate = _load_curate()
    with pytest.raises(curate.CurationError, match="expected exactly 1"):
        curate.curate(fake, tmp_path / "out")
    assert not (tmp_path / "out" / PUB).exists()


def test_epoch_points_use_d_equals_c_over_6n_and_drop_the_outliers():
    t = data.load_table("chinchilla_epoch")
    pts = ce.epoch_points()
    np.testing.assert_allclose(6 * pts.n * pts.d, t["train_flops"].to_numpy(float), rtol=1e-12)
    lN, lD, lL = pts.logs
    assert lN.size == lD.size == lL.size == int((t["epoch_outlier_derived"] == 0).sum())
    assert np.exp(lL).max() < pts.loss[~pts.keep].min()


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    lN, lD = rng.uniform(18, 24, 50), rng.uniform(21, 27, 50)
    lL = np.log(1.7 + 400 * np.exp(-0.34 * lN) + 400 * np.exp(-0.28 * lD)) + rng.normal(0, 0.01, 50)
    theta = np.array([6.0, 6.0, 0.5, 0.33, 0.29])
    f0, g = ce.huber_lse(theta, lN, lD, lL)
    num = np.empty(5)
    for i in range(5):
        h = np.zeros(5)
        h[i] = 1e-7
        num[i] = (ce.huber_lse(theta + h, lN, lD, lL)[0] - ce.huber_lse(theta - h, lN, lD, lL)[0]) / 2e-7
    np.testing.assert_allclose(g, num, rtol=1e-4, atol=1e-9)


def test_predicted_loss_is_the_additive_law():
    n, d = np.geomspace(1e8, 1e11, 5), np.geomspace(1e9, 1e13, 5)
    E, A, B, alpha, beta = 1.69, 406.4, 410.7, 0.34, 0.28
    np.testing.assert_allclose(ce.predicted_loss(THETA, np.log(n), np.log(d)),
                               E + A / n ** alpha + B / d ** beta, rtol=1e-12)


def _noise_free_points():
    n, d = np.meshgrid(np.geomspace(7e7, 2e10, 9), np.geomspace(1e9, 5e11, 9))
    n, d = n.ravel(), d.ravel()
    return np.log(n), np.log(d), np.log(ce.predicted_loss(THETA, np.log(n), np.log(d)))


def test_huber_lse_fit_recovers_known_parameters():
    """Noise-free points on a (N, D) grid: the grid-started L-BFGS-B fit returns the true law."""
    starts = ce.grid_starts()[::25]  # a thinned grid keeps the test fast
    fit = ce.fit_grid(*_noise_free_points(), starts=starts)
    est = ce.natural(fit.theta, compute=1e23)
    assert fit.objective < 1e-12
    assert 0 < fit.n_converged <= fit.n_starts == len(starts)
    for name, true in (("E", 1.69), ("A", 406.4), ("B", 410.7), ("alpha", 0.34), ("beta", 0.28)):
        assert est[name] == pytest.approx(true, rel=2e-3), name


def test_n_at_optimum_counts_objectives_within_the_relative_tolerance():
    objectives = np.array([2.0, 2.0 * (1 + ce.OPTIMUM_RTOL / 2), 2.0 * (1 + 2 * ce.OPTIMUM_RTOL), np.inf])
    assert ce.GridFit(THETA, 2.0, 3, objectives).n_at_optimum == 2


def test_tokens_per_parameter_is_the_compute_optimum():
    """tpp from Hoffmann et al.'s eq. 4 equals D/N at the numerical minimum of L(N, C / (6 N))."""
    compute = 6 * 70e9 * 1.4e12
    nat = ce.natural(THETA, compute)

    def loss_at(log_n):
        n = np.exp(log_n)
        return float(ce.predicted_loss(THETA, np.array([log_n]), np.array([np.log(compute / (6 * n))]))[0])

    best = optimize.minimize_scalar(loss_at, bounds=(np.log(1e8), np.log(1e13)), method="bounded",
                                    options={"xatol": 1e-10})
    n_opt = np.exp(best.x)
    assert nat["tpp_chinchilla"] == pytest.approx(compute / (6 * n_opt) / n_opt, rel=1e-4)
    assert nat["a_opt"] + nat["b_opt"] == pytest.approx(1.0)


def test_bootstrap_of_noise_free_points_returns_the_truth():
    lN, lD, lL = _noise_free_points()
    boot = ce.bootstrap_fit(THETA, lN, lD, lL, B=20, seed=1, label="test")
    assert boot.n_requested == 20 and boot.draws.shape[0] + boot.n_failed == 20
    np.testing.assert_allclose(boot.draws, np.tile(THETA, (len(boot.draws), 1)), rtol=1e-6, atol=1e-8)


def test_bootstrap_intervals_follow_the_level():
    lN, lD, lL = ce.epoch_points().logs
    fit = ce.fit_grid(lN, lD, lL, starts=ce.grid_starts()[::150])
    boot = ce.bootstrap_fit(fit.theta, lN, lD, lL, B=80, seed=3, label="test")
    assert boot.draws.shape[0] + boot.n_failed == 80
    cols = boot.natural_draws(compute=1e23)
    wide, narrow = boot.intervals(1e23, level=0.9), boot.intervals(1e23, level=0.5)
    for p in ce.NATURAL:
        assert wide[p].lo <= narrow[p].lo <= narrow[p].hi <= wide[p].hi, p
        share = np.mean((cols[p] >= wide[p].lo) & (cols[p] <= wide[p].hi))
        assert abs(share - 0.9) <= 2.5 / len(cols[p]), p
        assert wide[p].se == pytest.approx(np.std(cols[p], ddof=1))


def test_lr_cut_is_the_chi2_quantile():
    for level in (0.8, 0.95, 0.99):
        assert lr_cut(level) == pytest.approx(stats.norm.ppf(0.5 + level / 2) ** 2, rel=1e-12)


def test_profile_interval_of_an_identified_exponent_is_closed_and_grows_with_the_level():
    """An exponent the data pin down: its interval is closed, wider at a higher level, and its
    ends lie where the interpolated LR curve crosses the cut."""
    rng = np.random.default_rng(5)
    n = np.geomspace(0.1, 30, 20)
    y = fitting.predict(forms.get("kaplan"), (2.0, 0.3, 1.5), n) + rng.normal(0, 0.01, n.size)
    res = fitting.fit("kaplan", n, y)
    grid = np.linspace(0.01, 1.99, 60)
    narrow, wide = (profile_interval(res, "alpha", grid, level=lv) for lv in (0.8, 0.99))
    assert narrow.closed and wide.closed
    assert wide.lo < narrow.lo < res.params["alpha"] < narrow.hi < wide.hi
    g, lr = narrow.curve
    for end in (narrow.lo, narrow.hi):
        assert np.interp(end, g, lr) == pytest.approx(lr_cut(0.8), abs=1e-9)
