"""The lockstep L-BFGS-B driver reproduces scipy.optimize.fmin_l_bfgs_b problem by problem.

The reference is SciPy's own public wrapper, run one problem at a time; agreement is required
to 1e-10 (in practice the iterates are bit-identical, since both drive the same routine with the
same objective values), along with the converged flags, iteration and evaluation counts.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from analysis.core import bootstrap, lbfgsb_batch
from analysis.core import chinchilla_estimator as ce


def _reference(fun, starts, args_each=None, **kw):
    """fmin_l_bfgs_b from each start; `args_each[i]` are problem i's extra arguments."""
    out = []
    for i, s in enumerate(starts):
        x, f, info = optimize.fmin_l_bfgs_b(fun, s, args=() if args_each is None else args_each[i], **kw)
        out.append((x, f, info["warnflag"], info["nit"], info["funcalls"]))
    return out


def _assert_same(res, ref):
    for i, (x, f, warn, nit, nfev) in enumerate(ref):
        np.testing.assert_allclose(res.x[i], x, rtol=1e-10, atol=1e-12, err_msg=f"problem {i}")
        assert res.f[i] == pytest.approx(f, rel=1e-10, abs=1e-15), i
        assert res.warnflag[i] == warn, i
        assert (res.nit[i], res.nfev[i]) == (nit, nfev), i


def test_rosenbrock_batch_matches_scipy_including_iteration_limits():
    """Different starts, some stopped by maxiter: flags, counts and iterates all match."""
    def rosen(x):
        return float(optimize.rosen(x)), optimize.rosen_der(x)

    def rosen_batch(X, idx):
        return np.array([optimize.rosen(x) for x in X]), np.stack([optimize.rosen_der(x) for x in X])

    starts = np.random.default_rng(1).uniform(-2, 2, size=(12, 4))
    for maxiter in (15, 200):
        res = lbfgsb_batch.minimize_batch(rosen_batch, starts, maxiter=maxiter)
        _assert_same(res, _reference(rosen, starts, maxiter=maxiter))
    assert (lbfgsb_batch.minimize_batch(rosen_batch, starts, maxiter=15).warnflag == 1).any()


def _epoch():
    return ce.epoch_points().logs


def test_chinchilla_grid_starts_match_one_at_a_time_runs():
    lN, lD, lL = _epoch()
    starts = ce.grid_starts()[::45]
    res = ce.lbfgs_many(starts, lN, lD, lL)
    _assert_same(res, _reference(ce.huber_lse, starts, [(lN, lD, lL)] * len(starts), m=10, **ce.DEFAULT_TOL))


def test_chinchilla_weighted_bootstrap_refits_match_one_at_a_time_runs():
    lN, lD, lL = _epoch()
    rng = bootstrap.stream(1, "test")
    counts = np.stack([np.bincount(r, minlength=lN.size) for r in rng.integers(0, lN.size, (8, lN.size))]).astype(float)
    theta0 = np.array([6.17, 7.67, 0.6, 0.35, 0.37])
    starts = np.tile(theta0, (8, 1))
    res = ce.lbfgs_many(starts, lN, lD, lL, counts, ce.TIGHT_TOL)
    _assert_same(res, _reference(ce.huber_lse, starts, [(lN, lD, lL, w) for w in counts], m=10, **ce.TIGHT_TOL))


def test_batched_objective_rows_equal_single_evaluations():
    lN, lD, lL = _epoch()
    X = ce.grid_starts()[::500] + 0.01
    W = np.random.default_rng(2).integers(0, 3, size=(len(X), lN.size)).astype(float)
    F, G = ce.huber_lse(X, lN, lD, lL, W)
    for i, x in enumerate(X):
        f, g = ce.huber_lse(x, lN, lD, lL, W[i])
        assert F[i] == pytest.approx(f, rel=1e-13)
        np.testing.assert_allclose(G[i], g, rtol=1e-12, atol=1e-300)


def test_unexpected_setulb_signature_fails_loudly(monkeypatch):
    class Fake:
        __doc__ = "setulb(m,x,l,u,nbd,f,g,factr,pgtol,wa,iwa,task,iprint,csave,lsave,isave,dsave,maxls)"

        def __call__(self, *a):
            raise AssertionError("must not be called")
    monkeypatch.setattr(lbfgsb_batch._lbfgsb, "setulb", Fake())
    with pytest.raises(RuntimeError, match="signature"):
        lbfgsb_batch.minimize_batch(lambda X, i: (X.sum(1), np.ones_like(X)), np.zeros((1, 2)))
