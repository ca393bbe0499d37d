"""Fast checks of the robustness analysis (analysis/x1_robustness.py)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from analysis import x1_robustness as rob

ROOT = Path(__file__).resolve().parents[1]


def test_binomial_sigmoid_with_floor_recovers_parameters():
    rng = np.random.default_rng(1)
    u = np.linspace(-2.5, 2.5, 12)
    X = np.column_stack([np.ones_like(u), u])
    beta, c, n = np.array([-0.5, 0.8]), 0.25, np.full(u.size, 20000.0)
    s = rng.binomial(n.astype(int), rob.floor_prob(X, beta, c)).astype(float)
    fit = rob.binom_fit(X, s, n, c)
    assert fit["converged"] and fit["glm_converged"]
    assert np.allclose(fit["beta"], beta, atol=0.05)
    assert 0.2 < fit["dispersion"] < 3.0          # binomial data: no overdispersion
    assert np.all(fit["se"] > 0)


def test_breakpoint_test_not_always_significant_under_null():
    rng = np.random.default_rng(2)
    u = np.log(np.array([111, 256, 590, 1300, 2700, 6700, 13000]) * 1e6)
    p0 = 0.2 + 0.5 / (1 + np.exp(-(u - u.mean())))
    pvals = []
    for _ in range(20):
        y = rng.binomial(1000, p0) / 1000
        _, p, _ = rob.breakpoint_pvalue(u, y, p0, 1000, 200, rng)
        pvals.append(p)
    pvals = np.array(pvals)
    assert np.mean(pvals < 0.05) <= 0.25
    assert 0.25 < np.mean(pvals) < 0.75


def test_hinge_stat_matches_breakpoints_module():
    from analysis.core import breakpoints
    u = np.log(np.array([1.0, 2, 4, 8, 16, 32, 64]))
    y = np.array([0.1, 0.12, 0.13, 0.2, 0.3, 0.41, 0.5])
    bp = breakpoints.detect(u, y)
    t = rob.hinge_stat(u, y)[0]
    assert np.isclose(t, u.size * np.log(bp.rss_line / bp.rss_hinge))


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
