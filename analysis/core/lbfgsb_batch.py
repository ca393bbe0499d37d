"""Many independent L-BFGS-B minimisations advanced in lockstep, with one vectorised objective call per round.

Why: Epoch AI's Chinchilla procedure runs L-BFGS-B from 4,500 starts and refits 1,000 bootstrap
replicates. Run one at a time, almost all the time goes into Python-level overhead around a
240-point objective. SciPy's L-BFGS-B is a reverse-communication routine (`setulb`): it returns
whenever it needs f and g at a new x. So we keep one workspace per problem, step every problem
until it asks for an evaluation, evaluate all pending x in one array operation, and repeat.

Each problem sees exactly the iterates, stopping tests and counters of
`scipy.optimize.fmin_l_bfgs_b` (same routine, same factr/pgtol/maxiter/maxfun/maxls logic,
same evaluation counting); only the objective is evaluated for many problems at once.
`tests/test_lbfgsb_batch.py` checks the results against `fmin_l_bfgs_b` problem by problem.

`setulb` lives in a private SciPy module whose signature changed in SciPy 1.15; the lock pins
SciPy, and `_check_signature` fails loudly (never silently) if a future SciPy changes it again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.optimize import _lbfgsb, _lbfgsb_py

_EXPECTED = "setulb(m,x,l,u,nbd,f,g,factr,pgtol,wa,iwa,task,lsave,isave,dsave,maxls,ln_task)"
_FG, _NEW_X, _CONVERGENCE, _STOP = 3, 1, 4, 5


def _check_signature() -> None:
    doc = (getattr(_lbfgsb.setulb, "__doc__", "") or "").strip().splitlines()
    if not doc or doc[0].strip() != _EXPECTED:
        raise RuntimeError(
            "analysis/core/lbfgsb_batch.py drives SciPy's private L-BFGS-B routine `setulb` and expects "
            f"the signature {_EXPECTED!r}; this SciPy has {doc[0] if doc else 'no docstring'!r}. "
            "Use the SciPy version pinned in requirements.lock, or update this driver.")


@dataclass
class BatchResult:
    x: np.ndarray          # (k, n) final iterates
    f: np.ndarray          # (k,) objective at x
    warnflag: np.ndarray   # (k,) 0 converged, 1 iteration/evaluation limit, 2 other stop (as fmin_l_bfgs_b)
    nit: np.ndarray        # (k,) iterations
    nfev: np.ndarray       # (k,) objective evaluations, counted as ScalarFunction counts them
    message: list          # (k,) SciPy's task message

    @property
    def converged(self) -> np.ndarray:
        return self.warnflag == 0


def minimize_batch(fg: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]], x0: np.ndarray,
                   factr: float = 1e7, pgtol: float = 1e-5, maxiter: int = 15000, maxfun: int = 15000,
                   m: int = 10, maxls: int = 20) -> BatchResult:
    """Minimise k unconstrained problems; `fg(X, idx)` returns (f, G) for the rows X of problems idx.

    Defaults are those of `fmin_l_bfgs_b`. `fg` must treat each row independently (row i of the
    output may depend only on X[i] and problem idx[i]).
    """
    _check_signature()
    x0 = np.atleast_2d(np.asarray(x0, dtype=np.float64))
    k, n = x0.shape
    ftol = factr * np.finfo(float).eps           # fmin_l_bfgs_b converts factr -> ftol ...
    factr_c = ftol / np.finfo(float).eps          # ... and _minimize_lbfgsb converts back; keep both roundings
    lo, hi, nbd = np.zeros(n), np.zeros(n), np.zeros(n, np.int32)
    xs = [x0[i].copy() for i in range(k)]
    fs = [np.array(0.0) for _ in range(k)]
    gs = [np.zeros(n) for _ in range(k)]
    wa = [np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m) for _ in range(k)]
    iwa = [np.zeros(3 * n, np.int32) for _ in range(k)]
    task = [np.zeros(2, np.int32) for _ in range(k)]
    ln_task = [np.zeros(2, np.int32) for _ in range(k)]
    lsave = [np.zeros(4, np.int32) for _ in range(k)]
    isave = [np.zeros(44, np.int32) for _ in range(k)]
    dsave = [np.zeros(29) for _ in range(k)]
    nit = np.zeros(k, int)
    # ScalarFunction evaluates at x0 on construction and re-evaluates only when x changes
    f_last, g_last = fg(x0, np.arange(k))
    f_last, g_last = np.asarray(f_last, float).copy(), np.asarray(g_last, float).copy()
    x_last = [row.tolist() for row in x0]  # plain lists: comparing five floats is cheaper than np.array_equal
    nfev = np.ones(k, int)
    active = list(range(k))
    while active:
        pending = []  # problems waiting for f and g; the others have finished
        for i in active:
            while True:
                _lbfgsb.setulb(m, xs[i], lo, hi, nbd, fs[i], gs[i], factr_c, pgtol, wa[i], iwa[i], task[i],
                               lsave[i], isave[i], dsave[i], maxls, ln_task[i])
                t = task[i][0]
                if t == _FG:
                    if xs[i].tolist() == x_last[i]:
                        fs[i] = np.array(f_last[i])
                        gs[i] = g_last[i].copy()
                        continue
                    pending.append(i)
                    break
                if t == _NEW_X:
                    nit[i] += 1
                    if nit[i] >= maxiter:
                        task[i][0], task[i][1] = _STOP, 504
                    elif nfev[i] > maxfun:
                        task[i][0], task[i][1] = _STOP, 502
                    continue
                break  # converged, stopped, warning or error: this problem is finished
        if pending:
            idx = np.array(pending)
            X = np.stack([xs[i] for i in pending])
            f_new, g_new = fg(X, idx)
            for j, i in enumerate(pending):
                x_last[i] = X[j].tolist()
                f_last[i] = f_new[j]
                g_last[i] = g_new[j]
                fs[i] = np.array(float(f_new[j]))
                gs[i] = np.array(g_new[j], dtype=np.float64)
                nfev[i] += 1
        active = pending
    warn = np.array([0 if task[i][0] == _CONVERGENCE else (1 if (nfev[i] > maxfun or nit[i] >= maxiter) else 2)
                     for i in range(k)])
    msgs = [_lbfgsb_py.status_messages.get(int(task[i][0]), "?") + ": "
            + _lbfgsb_py.task_messages.get(int(task[i][1]), "") for i in range(k)]
    return BatchResult(np.stack(xs), np.array([float(f) for f in fs]), warn, nit, nfev, msgs)
