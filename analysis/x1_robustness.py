"""Robustness of the reproduced findings and better models of downstream scaling (issue 4).

Five questions, one ledger part (`x1_robustness`, every key prefixed `rob.`):
  1. How sensitive is the Kaplan loss law to each analysis choice (loss source, definition of N,
     fit space, estimator, bootstrap variant)?               -> table rob_loss_sensitivity, figure rob_loss_alpha
  2. A binomial GLM for accuracy with a chance floor: fit, overdispersion, AIC on a binomial
     footing, held-out error on the 4 -> 3 split (0-shot and 5-shot). -> table rob_glm
  3. Two-stage (N -> loss -> accuracy) versus direct (N -> accuracy) prediction on identical
     held-out splits.                                        -> table rob_prediction, figure rob_prediction
  4. Pythia over training: accuracy as a function of (N, D); extrapolation to the final
     checkpoints of the three largest models; standard versus deduplicated. -> table rob_pythia
  5. Are the hinge breakpoints distinguishable from a smooth curve under binomial noise, and
     how much power does the test have?                      -> table rob_breakpoints, figure rob_breakpoint_power
"""
from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import statsmodels.api as sm
from scipy import optimize, stats
from scipy.special import expit, gammaln

from analysis.core import bootstrap, breakpoints, cli, config, data, fitting, forms, metrics, profiled
from analysis.core.fitting import N_SCALE
from analysis.core.ledger import Ledger
from analysis.core.figures import PALETTE, save_figure
from analysis.core.report import Key, write_table

SCRIPT = "analysis/x1_robustness.py"
TASKS = config.CEREBRAS_TASKS
LABEL = config.TASK_LABELS
HUBER_F_SCALE = 0.01        # nats/token: residuals beyond this are down-weighted by the Huber loss
KINK_PP = 5.0               # breakpoint power: kink adding this many accuracy points at the largest model
KINK_GRID = (0.0, 1.0, 2.0, 3.0, 5.0, 8.0)
PYTHIA_TASKS = ("lambada_openai", "piqa", "winogrande", "arc_easy", "arc_challenge")
PYTHIA_MIN_STEP = 1000
PYTHIA_EARLY_STEP = 33000   # larger models contribute checkpoints up to this step to the training set
PYTHIA_FINAL_STEP = 143000
PYTHIA_SMALL_MAX = 1.5e9    # "small" Pythia models: <= 1.4B parameters


# ----------------------------------------------------------------------------- generic fitters
def lsq(func, x, y, lower, upper, starts, loss="linear", f_scale=1.0, space="value", max_nfev=400, jac=None):
    """Multi-start bounded least squares; returns (theta, converged, at_bound).
    `jac(x, *theta)` is the model's analytic Jacobian (n, k), if it has one."""
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)

    def resid(th):
        with np.errstate(all="ignore"):
            pred = func(x, *th)
            r = np.log(pred) - np.log(y) if space == "log" else pred - y
        return np.where(np.isfinite(r), r, 1e6)

    def resid_jac(th):
        with np.errstate(all="ignore"):
            j = jac(x, *th)
            if space == "log":  # d ln f = df / f
                j = j / func(x, *th)[:, None]
        return np.where(np.isfinite(j), j, 0.0)

    best = None
    for s in starts:
        s = np.clip(np.asarray(s, float), lower + 1e-9, np.where(np.isfinite(upper), upper - 1e-9, np.inf))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = optimize.least_squares(resid, s, jac=resid_jac if jac is not None else "2-point",
                                       bounds=(lower, upper), loss=loss, f_scale=f_scale,
                                       method="trf", x_scale="jac", max_nfev=max_nfev, xtol=1e-10, ftol=1e-12, gtol=1e-10)
        if r.status > 0 and np.all(np.isfinite(r.x)) and (best is None or r.cost < best.cost - 1e-15):
            best = r
    if best is None:
        return np.full(len(lower), np.nan), False, False
    th = best.x
    tol = 1e-6 * np.maximum(1.0, np.abs(th))
    at_bound = bool(np.any((np.abs(th - lower) < tol) | (np.abs(th - upper) < tol)))
    return th, True, at_bound


def kaplan_fit(n, y, space="value", loss="linear", starts=None):
    f = forms.get("kaplan")
    return lsq(f.func, np.asarray(n, float) / N_SCALE, np.asarray(y, float), f.lower, f.upper,
               starts if starts is not None else f.starts, loss=loss, f_scale=HUBER_F_SCALE, space=space, jac=f.jac)


def adj_r2(y, yhat, k):
    return fitting.goodness(y, yhat, k)["adj_r2"]


# ----------------------------------------------------------------------------- binomial model
def floor_prob(X, beta, c):
    """acc = c + (1 - c) * sigmoid(X @ beta)."""
    return c + (1.0 - c) * expit(X @ beta)


def binom_loglik(p, s, n):
    """Binomial log-likelihood including the log binomial coefficient."""
    p = np.clip(p, 1e-12, 1 - 1e-12)
    s, n = np.asarray(s, float), np.asarray(n, float)
    const = gammaln(n + 1) - gammaln(s + 1) - gammaln(n - s + 1)
    return float(np.sum(const + s * np.log(p) + (n - s) * np.log1p(-p)))


class FloorLogit(sm.families.links.Logit):
    """Link g(p) = log((p - c) / (1 - p)), the inverse of p = c + (1 - c) sigmoid(eta)."""

    def __init__(self, c: float):
        self.c = float(c)

    def _clean(self, p):
        return np.clip(p, self.c + 1e-10, 1 - 1e-10)

    def __call__(self, p):
        p = self._clean(p)
        return np.log((p - self.c) / (1 - p))

    def inverse(self, z):
        return self.c + (1 - self.c) * expit(z)

    def deriv(self, p):
        p = self._clean(p)
        return (1 - self.c) / ((p - self.c) * (1 - p))

    def deriv2(self, p):
        p = self._clean(p)
        return -1.0 / (p - self.c) ** 2 + 1.0 / (1 - p) ** 2

    def inverse_deriv(self, z):
        s = expit(z)
        return (1 - self.c) * s * (1 - s)


def binom_fit(X, s, n, c, glm=True):
    """Maximum-likelihood fit of acc = c + (1-c) sigmoid(X beta) to s successes out of n.

    The optimum is found by multi-start BFGS on the binomial log-likelihood, then handed to a
    statsmodels GLM (Binomial family, custom link) as its start; the GLM must return the same
    optimum (checked) and supplies the Fisher-information standard errors. Dispersion is Pearson
    chi2 / df and the quasi-likelihood standard errors are the binomial ones times sqrt(dispersion).
    Returns dict(beta, converged, llf, dispersion, se, se_ql, glm_converged).
    """
    X, s, n = np.asarray(X, float), np.asarray(s, float), np.asarray(n, float)

    def nll(b):
        return -binom_loglik(floor_prob(X, b, c), s, n)

    def grad(b):
        sg = expit(X @ b)
        p = np.clip(c + (1 - c) * sg, 1e-12, 1 - 1e-12)
        return -X.T @ ((s / p - (n - s) / (1 - p)) * (1 - c) * sg * (1 - sg))

    best = None
    k = X.shape[1]
    for b0, b1 in ((0.0, 0.5), (-2.0, 0.5), (2.0, 0.5), (0.0, -0.5)):
        start = np.zeros(k)
        start[0], start[1:] = b0, b1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = optimize.minimize(nll, start, jac=grad, method="BFGS", options={"gtol": 1e-6, "maxiter": 5000})
        if np.all(np.isfinite(r.x)) and (best is None or r.fun < best.fun - 1e-10):
            best = r
    out = {"beta": best.x, "converged": bool(best.success or np.max(np.abs(best.jac)) < 1e-3 * max(1.0, abs(best.fun))),
           "llf": -float(best.fun)}
    p = floor_prob(X, best.x, c)
    out["pearson_chi2"] = float(((s - n * p) ** 2 / (n * p * (1 - p))).sum())
    out["df"] = int(len(s) - k)
    out["dispersion"] = out["pearson_chi2"] / out["df"] if out["df"] > 0 else np.nan
    if glm:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = sm.GLM(np.column_stack([s, n - s]), X, family=sm.families.Binomial(link=FloorLogit(c)))
            g = model.fit(start_params=best.x, maxiter=200, tol=1e-10)
        out["glm_converged"] = bool(g.converged and np.allclose(g.params, best.x, atol=1e-4))
        out["glm_beta"] = np.asarray(g.params)
        out["se"] = np.asarray(g.bse)
        # quasi-binomial: standard errors inflated by sqrt(Pearson chi2 / df)
        out["se_ql"] = out["se"] * np.sqrt(out["dispersion"])
    return out


def floor_for(task_harness, bench, y_train):
    """Chance floor of a task; 0 if any training observation is below chance (the floor is then violated)."""
    c = float(bench.loc[task_harness, "chance_accuracy"])
    return (c, 0) if np.all(np.asarray(y_train) >= c) else (0.0, 1)


# ----------------------------------------------------------------------------- loss-based two-stage forms
def exp_in_loss_acc(L, eps, k, gamma):
    return 1.0 - forms.exp_in_loss(L, eps, k, gamma)


def fit_exp_in_loss(L, acc):
    starts = [(e, max((e - np.mean(1 - acc)) * np.exp(g * np.mean(L)), 1e-3), g)
              for e in (0.9, 1.0) for g in (0.5, 1.5, 4.0)]
    return lsq(exp_in_loss_acc, L, acc, (0.0, 0.0, 0.0), (1.0, np.inf, 20.0), starts)


# ----------------------------------------------------------------------------- breakpoint test
def hinge_stat(u, Y):
    """T = n ln(RSS_line / RSS_hinge) for each column of Y (n, B); the hinge search of breakpoints.detect."""
    Y = np.atleast_2d(Y.T).T if Y.ndim == 1 else Y
    n = u.size

    def rss(X):
        coef, *_ = np.linalg.lstsq(X, Y, rcond=None)
        r = Y - X @ coef
        return (r * r).sum(0)

    r_line = rss(breakpoints.design(u, None))
    cands = (u[1:-2] + u[2:-1]) / 2.0
    r_hinge = np.min([rss(breakpoints.design(u, c)) for c in cands], axis=0)
    return n * np.log(r_line / np.maximum(r_hinge, 1e-300))


def breakpoint_pvalue(u, y, p_null, n_items, B, rng, noise="binomial", sigma=None):
    """Parametric-bootstrap p-value of the hinge statistic under a smooth null curve p_null."""
    t_obs = float(hinge_stat(u, y)[0])
    if noise == "binomial":
        Y = rng.binomial(n_items, np.clip(p_null, 0, 1), size=(B, u.size)).T / n_items
    else:
        Y = p_null[:, None] + rng.normal(0.0, sigma, size=(u.size, B))
    t_null = hinge_stat(u, Y)
    return t_obs, (1 + np.sum(t_null >= t_obs)) / (B + 1), t_null


# ============================================================================= 1. loss sensitivity
def loss_sensitivity(table, led, B, seed):
    n0 = table[config.MAIN_N_COLUMN].to_numpy(float)
    y0 = table[config.MAIN_LOSS_COLUMN].to_numpy(float)
    variants = {
        "baseline": ("Baseline: model-card loss, nominal N, loss space, LS, parametric", n0, y0, "value", "linear"),
        "loss_modelzoo": ("Loss from modelzoo README", n0, table["pile_loss_modelzoo_readme"].to_numpy(float),
                          "value", "linear"),
        "n_total": ("N = total parameters (derived)", table["params_total_derived"].to_numpy(float), y0,
                    "value", "linear"),
        "n_nonemb": ("N = non-embedding parameters", table["params_nonembedding_derived"].to_numpy(float), y0,
                     "value", "linear"),
        "log_space": ("Fit in log loss", n0, y0, "log", "linear"),
        "huber": ("Huber loss", n0, y0, "value", "huber"),
    }
    led.add("rob.loss.huber_f_scale", HUBER_F_SCALE, "f2", unit="nats/token")
    rows, alphas, adjs, summary = [], {}, {}, {}
    for name, (label, n, y, space, loss) in variants.items():
        th, ok, at_b = kaplan_fit(n, y, space, loss)
        if not ok:
            led.add(f"rob.loss.{name}.converged", 0, "int")
            rows.append([label, "failed", "", "", "", ""])
            continue
        yhat = forms.kaplan(n / N_SCALE, *th)
        # parametric bootstrap with the variant's own estimator, Gaussian noise in the fit space
        rng = bootstrap.stream(seed, f"rob.loss.{name}")
        if space == "log":
            s = np.std(np.log(y) - np.log(yhat))
            Ys = np.exp(np.log(yhat)[None, :] + rng.normal(0, s, size=(B, y.size)))
        else:
            s = np.std(y - yhat)
            Ys = yhat[None, :] + rng.normal(0, s, size=(B, y.size))
        if space == "value" and loss == "linear":
            draws = profiled.fit_many("kaplan", n, Ys)
            ok_b = np.all(np.isfinite(draws), axis=1)
        else:
            draws = np.full((B, 3), np.nan)
            ok_b = np.zeros(B, bool)
            for b in range(B):
                d, okk, _ = kaplan_fit(n, Ys[b], space, loss, starts=[th])
                if okk:
                    draws[b], ok_b[b] = d, True
        lo, hi = np.percentile(draws[ok_b, 1], [2.5, 97.5])
        a2 = adj_r2(y, yhat, 3)
        alphas[name], adjs[name] = th[1], a2
        base = f"rob.loss.{name}"
        led.add(f"{base}.alpha", th[1], "f3")
        led.add(f"{base}.l_inf", th[2], "f3", unit="nats/token")
        led.add(f"{base}.adj_r2", a2, "f3", note="adj-R2 on the loss scale")
        led.add(f"{base}.alpha_ci_lo", lo, "f3")
        led.add(f"{base}.alpha_ci_hi", hi, "f3")
        led.add(f"{base}.boot_failed", int((~ok_b).sum()), "int", unit="replicates")
        led.add(f"{base}.at_bound", int(at_b), "int")
        rows.append([label, Key(f"{base}.alpha"), Key(f"{base}.l_inf"), Key(f"{base}.adj_r2"),
                     Key(f"{base}.alpha_ci_lo"), Key(f"{base}.alpha_ci_hi")])
        summary[name] = (th[1], lo, hi)
        if name == "baseline":
            th0, yhat0 = th, yhat

    # bootstrap variants of the baseline fit
    rng = bootstrap.stream(seed, "rob.loss.boot_residual")
    res0 = y0 - yhat0
    Ys = yhat0[None, :] + rng.choice(res0, size=(B, y0.size), replace=True)
    draws = profiled.fit_many("kaplan", n0, Ys)
    ok_b = np.all(np.isfinite(draws), axis=1)
    lo, hi = np.percentile(draws[ok_b, 1], [2.5, 97.5])
    led.add("rob.loss.boot_residual.alpha_ci_lo", lo, "f3")
    led.add("rob.loss.boot_residual.alpha_ci_hi", hi, "f3")
    led.add("rob.loss.boot_residual.boot_failed", int((~ok_b).sum()), "int", unit="replicates")
    summary["boot_residual"] = (th0[1], lo, hi)
    rows.append(["Residual-resampling bootstrap", Key("rob.loss.baseline.alpha"), Key("rob.loss.baseline.l_inf"),
                 Key("rob.loss.baseline.adj_r2"), Key("rob.loss.boot_residual.alpha_ci_lo"),
                 Key("rob.loss.boot_residual.alpha_ci_hi")])
    jk, jk_fail = [], 0
    for i in range(y0.size):
        keep = np.arange(y0.size) != i
        th, ok, _ = kaplan_fit(n0[keep], y0[keep])
        if ok:
            jk.append(th[1])
        else:
            jk_fail += 1
    led.add("rob.loss.jackknife.alpha_min", min(jk), "f3", note="leave-one-out range of alpha")
    led.add("rob.loss.jackknife.alpha_max", max(jk), "f3")
    led.add("rob.loss.jackknife.failed", jk_fail, "int", unit="fits")
    summary["jackknife"] = (th0[1], min(jk), max(jk))
    rows.append(["Leave-one-out jackknife (range)", Key("rob.loss.baseline.alpha"), Key("rob.loss.baseline.l_inf"),
                 Key("rob.loss.baseline.adj_r2"), Key("rob.loss.jackknife.alpha_min"),
                 Key("rob.loss.jackknife.alpha_max")])
    write_table("rob_loss_sensitivity", ["Variant (one choice changed)", "α", "L∞", "adj-R²", "α lower", "α upper"],
                rows, led)

    led.add("rob.loss.n_variants", len(alphas), "int", unit="fits")
    led.add("rob.loss.alpha_min", min(alphas.values()), "f3")
    led.add("rob.loss.alpha_max", max(alphas.values()), "f3")
    led.add("rob.loss.alpha_min_variant", min(alphas, key=alphas.get), "str")
    led.add("rob.loss.alpha_max_variant", max(alphas, key=alphas.get), "str")
    led.add("rob.loss.alpha_range", max(alphas.values()) - min(alphas.values()), "f3")
    led.add("rob.loss.n_adj_r2_above_099", sum(v > 0.99 for v in adjs.values()), "int", unit="fits")
    led.add("rob.loss.all_adj_r2_above_099", int(all(v > 0.99 for v in adjs.values())), "int")
    led.add("rob.loss.adj_r2_min", min(adjs.values()), "f3")
    widths = {k: v[2] - v[1] for k, v in summary.items()}
    led.add("rob.loss.widest_interval_variant", max(widths, key=widths.get), "str")

    fig, ax = plt.subplots(figsize=(6.0, 2.8))
    names = list(summary)
    for i, k in enumerate(names):
        a, lo, hi = summary[k]
        ax.plot([lo, hi], [i, i], color=PALETTE[0] if k not in ("boot_residual", "jackknife") else PALETTE[1], lw=2)
        ax.plot(a, i, "o", color="black", ms=4)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([k.replace("_", " ") for k in names])
    ax.invert_yaxis()
    ax.axvline(summary["baseline"][0], color="grey", ls=":", lw=1)
    ax.set_xlabel("Kaplan exponent α (point estimate and 95% interval / jackknife range)")
    save_figure(fig, "rob_loss_alpha")


# ============================================================================= 2. binomial GLM
def glm_section(table, bench, led):
    n_b = table[config.MAIN_N_COLUMN].to_numpy(float)
    u = np.log(n_b / N_SCALE)
    X = np.column_stack([np.ones_like(u), u])
    train, test = np.arange(4), np.arange(len(u) - 3, len(u))
    rows, disp, floors_dropped = [], {}, 0
    mape = {"zs": {"glm": {}, "bpl": {}}, "fs": {"glm": {}, "bpl": {}}}
    for task in TASKS:
        h = data.CEREBRAS_TO_HARNESS[task]
        n_items = int(bench.loc[h, "n_items"])
        base = f"rob.glm.{task}"
        for shot in ("zs", "fs"):
            y = table[f"{shot}_{task}"].to_numpy(float)
            s = np.round(y * n_items)
            nn = np.full_like(y, n_items)
            c, dropped = floor_for(h, bench, y)
            if shot == "zs":
                floors_dropped += dropped
                fit = binom_fit(X, s, nn, c)
                bpl = fitting.fit("bounded_power_law", n_b, y)
                ll_glm = fit["llf"]
                ll_bpl = binom_loglik(bpl.yhat, s, nn)
                led.add(f"{base}.n_items", n_items, "int", unit="items")
                led.add(f"{base}.floor", c, "f2", note="chance floor used; 0 if a model scores below chance")
                led.add(f"{base}.floor_dropped", dropped, "int")
                led.add(f"{base}.beta1", fit["beta"][1], "f3", note="slope per unit ln N")
                z = stats.norm.ppf(0.975)
                led.add(f"{base}.beta1_lo", fit["beta"][1] - z * fit["se"][1], "f3", note="binomial Wald 95%")
                led.add(f"{base}.beta1_hi", fit["beta"][1] + z * fit["se"][1], "f3")
                led.add(f"{base}.beta1_ql_lo", fit["beta"][1] - z * fit["se_ql"][1], "f3",
                        note="quasi-likelihood (Pearson X2 scale) Wald 95%")
                led.add(f"{base}.beta1_ql_hi", fit["beta"][1] + z * fit["se_ql"][1], "f3")
                led.add(f"{base}.dispersion", fit["dispersion"], "f1", note="Pearson chi2 / df, df = 5")
                led.add(f"{base}.bpl_dispersion", float(((s - nn * bpl.yhat) ** 2 /
                                                         (nn * bpl.yhat * (1 - bpl.yhat))).sum() / 5), "f1")
                led.add(f"{base}.aic_glm", 2 * 2 - 2 * ll_glm, "f1", note="binomial AIC, k = 2")
                led.add(f"{base}.aic_bpl", 2 * 2 - 2 * ll_bpl, "f1", note="binomial AIC of the LS power-law curve")
                led.add(f"{base}.delta_aic", (2 * 2 - 2 * ll_glm) - (2 * 2 - 2 * ll_bpl), "f1",
                        note="AIC(GLM) - AIC(power law); negative favours the GLM")
                led.add(f"{base}.converged", int(fit["converged"] and fit["glm_converged"]), "int")
                disp[task] = fit["dispersion"]
            # held-out 4 -> 3
            ctr, _ = floor_for(h, bench, y[train])
            ft = binom_fit(X[train], s[train], nn[train], ctr, glm=False)
            p_glm = floor_prob(X[test], ft["beta"], ctr)
            bt = fitting.fit("bounded_power_law", n_b[train], y[train])
            mape[shot]["glm"][task] = metrics.mape(y[test], p_glm)
            mape[shot]["bpl"][task] = metrics.mape(y[test], bt.predict(n_b[test]))
            led.add(f"{base}.{shot}.mape_glm", mape[shot]["glm"][task], "pct1", unit="%")
            led.add(f"{base}.{shot}.mape_bpl", mape[shot]["bpl"][task], "pct1", unit="%")
            led.add(f"{base}.{shot}.train_converged", int(ft["converged"] and bt.converged), "int")
        rows.append([LABEL[task], Key(f"{base}.n_items"), Key(f"{base}.floor"), Key(f"{base}.beta1"),
                     Key(f"{base}.beta1_ql_lo"), Key(f"{base}.beta1_ql_hi"), Key(f"{base}.dispersion"),
                     Key(f"{base}.delta_aic"), Key(f"{base}.zs.mape_glm"), Key(f"{base}.zs.mape_bpl"),
                     Key(f"{base}.fs.mape_glm"), Key(f"{base}.fs.mape_bpl")])
    for shot in ("zs", "fs"):
        for m in ("glm", "bpl"):
            led.add(f"rob.glm.{shot}.mean_mape_{m}", float(np.mean(list(mape[shot][m].values()))), "pct1", unit="%")
        led.add(f"rob.glm.{shot}.n_glm_better", sum(mape[shot]["glm"][t] < mape[shot]["bpl"][t] for t in TASKS), "int")
    rows.append(["Mean", "", "", "", "", "", "", "", Key("rob.glm.zs.mean_mape_glm"), Key("rob.glm.zs.mean_mape_bpl"),
                 Key("rob.glm.fs.mean_mape_glm"), Key("rob.glm.fs.mean_mape_bpl")])
    write_table("rob_glm", ["Task", "items", "floor c", "β₁", "β₁ QL 2.5%", "β₁ QL 97.5%", "dispersion",
                            "ΔAIC (GLM − power law)", "0-shot MAPE GLM", "0-shot MAPE power law",
                            "5-shot MAPE GLM", "5-shot MAPE power law"], rows, led)
    d = np.array(list(disp.values()))
    led.add("rob.glm.dispersion_min", d.min(), "f1")
    led.add("rob.glm.dispersion_max", d.max(), "f1")
    led.add("rob.glm.dispersion_median", float(np.median(d)), "f1")
    led.add("rob.glm.n_overdispersed", int(np.sum(d > 2)), "int", note="tasks with Pearson chi2/df > 2")
    led.add("rob.glm.n_floor_dropped", floors_dropped, "int", note="tasks where some model scores below chance")
    led.add("rob.glm.n_glm_lower_aic", sum(led.get(f"rob.glm.{t}.delta_aic")["value"] < 0 for t in TASKS), "int")
    led.add("rob.glm.n_not_converged", sum(1 - led.get(f"rob.glm.{t}.converged")["value"] for t in TASKS), "int")


# ============================================================================= 3. two-stage vs direct
METHODS = {"bpl": "Direct: bounded power law (paper)", "sigmoid_ls": "Direct: sigmoid in ln N, LS (paper)",
           "glm": "Direct: binomial logistic in ln N", "exp_loss": "Two-stage: exponential in loss (Gadre)",
           "glm_loss": "Two-stage: binomial logistic in loss"}


def prediction_section(table, bench, led):
    n_b = table[config.MAIN_N_COLUMN].to_numpy(float)
    loss = table[config.MAIN_LOSS_COLUMN].to_numpy(float)
    u = np.log(n_b / N_SCALE)
    m = len(u)
    splits = {"split43": (np.arange(4), np.arange(m - 3, m)), "loo13b": (np.arange(m - 1), np.array([m - 1]))}
    res = {sp: {meth: {} for meth in METHODS} for sp in splits}
    fails = {sp: 0 for sp in splits}
    bounds = {sp: 0 for sp in splits}
    for sp, (tr, te) in splits.items():
        th_l, ok_l, _ = kaplan_fit(n_b[tr], loss[tr])
        if not ok_l:
            raise SystemExit(f"{SCRIPT}: Kaplan fit on the training models failed for split {sp}")
        loss_pred = forms.kaplan(n_b[te] / N_SCALE, *th_l)
        led.add(f"rob.pred.{sp}.loss_mape", metrics.mape(loss[te], loss_pred), "pct1", unit="%")
        for task in TASKS:
            h = data.CEREBRAS_TO_HARNESS[task]
            n_items = int(bench.loc[h, "n_items"])
            y = table[f"zs_{task}"].to_numpy(float)
            s, nn = np.round(y * n_items), np.full(m, float(n_items))
            c, _ = floor_for(h, bench, y[tr])
            preds = {}
            r = fitting.fit("bounded_power_law", n_b[tr], y[tr])
            preds["bpl"] = (r.predict(n_b[te]) if r.converged else None, bool(r.at_bound))
            r = fitting.fit("sigmoid", n_b[tr], y[tr], max_nfev=400)
            preds["sigmoid_ls"] = (r.predict(n_b[te]) if r.converged else None, bool(r.at_bound))
            X = np.column_stack([np.ones(m), u])
            f = binom_fit(X[tr], s[tr], nn[tr], c, glm=False)
            preds["glm"] = (floor_prob(X[te], f["beta"], c) if f["converged"] else None, False)
            th, ok, at_b = fit_exp_in_loss(loss[tr], y[tr])
            preds["exp_loss"] = (exp_in_loss_acc(loss_pred, *th) if ok else None, at_b)
            XL = np.column_stack([np.ones(m), loss])
            XLp = np.column_stack([np.ones(te.size), loss_pred])
            f = binom_fit(XL[tr], s[tr], nn[tr], c, glm=False)
            preds["glm_loss"] = (floor_prob(XLp, f["beta"], c) if f["converged"] else None, False)
            for meth, (p, at_b) in preds.items():
                bounds[sp] += int(at_b)
                if p is None or not np.all(np.isfinite(p)):
                    fails[sp] += 1
                    res[sp][meth][task] = np.nan
                    continue
                res[sp][meth][task] = metrics.mape(y[te], p)
                led.add(f"rob.pred.{sp}.{meth}.{task}", res[sp][meth][task], "pct1", unit="%")
        for meth in METHODS:
            vals = np.array([res[sp][meth][t] for t in TASKS])
            led.add(f"rob.pred.{sp}.{meth}.n_failed", int(np.isnan(vals).sum()), "int")
            if np.all(np.isfinite(vals)):
                led.add(f"rob.pred.{sp}.{meth}.mean", float(vals.mean()), "pct1", unit="%")
        led.add(f"rob.pred.{sp}.n_failed", fails[sp], "int", unit="fits")
        led.add(f"rob.pred.{sp}.n_at_bound", bounds[sp], "int", unit="fits",
                note="training fits with a parameter on a box bound")
    rows = []
    for meth, label in METHODS.items():
        row = [label]
        for sp in splits:
            row += [Key(f"rob.pred.{sp}.{meth}.{t}") if np.isfinite(res[sp][meth][t]) else "failed" for t in TASKS]
            row += [Key(f"rob.pred.{sp}.{meth}.mean") if f"rob.pred.{sp}.{meth}.mean" in led.entries else "—"]
        rows.append(row)
    # split into two tables for width: one per split
    for i, sp in enumerate(splits):
        sub = [[r[0]] + r[1 + i * (len(TASKS) + 1): 1 + (i + 1) * (len(TASKS) + 1)] for r in rows]
        write_table(f"rob_prediction_{sp}", ["Method"] + [LABEL[t] for t in TASKS] + ["Mean"], sub, led)
    means = {meth: led.get(f"rob.pred.split43.{meth}.mean")["value"] for meth in METHODS
             if f"rob.pred.split43.{meth}.mean" in led.entries}
    best = min(means, key=means.get)
    led.add("rob.pred.recommended", METHODS[best], "str", note="lowest mean MAPE on the 4 -> 3 split")
    led.add("rob.pred.recommended_mape", means[best], "pct1", unit="%")
    if f"rob.pred.loo13b.{best}.mean" in led.entries:
        led.add("rob.pred.recommended_mape_loo13b", led.get(f"rob.pred.loo13b.{best}.mean")["value"], "pct1", unit="%")
    led.add("rob.pred.paper_mape", means["bpl"], "pct1", unit="%")
    best_loo = min((m for m in METHODS if f"rob.pred.loo13b.{m}.mean" in led.entries),
                   key=lambda m: led.get(f"rob.pred.loo13b.{m}.mean")["value"])
    led.add("rob.pred.best_loo13b", METHODS[best_loo], "str")
    led.add("rob.pred.best_loo13b_mape", led.get(f"rob.pred.loo13b.{best_loo}.mean")["value"], "pct1", unit="%")

    fig, axes = plt.subplots(1, 2, figsize=(7.0, 2.8), sharey=True)
    width = 0.16
    for ax, sp, title in zip(axes, splits, ("fit 4 smallest, predict 3 largest", "fit 6, predict 13B")):
        for j, meth in enumerate(METHODS):
            vals = [res[sp][meth][t] for t in TASKS]
            ax.bar(np.arange(len(TASKS)) + (j - 2) * width, vals, width, color=PALETTE[j], label=METHODS[meth])
        ax.set_xticks(range(len(TASKS)))
        ax.set_xticklabels([LABEL[t] for t in TASKS], rotation=45, ha="right")
        ax.set_title(title)
    axes[0].set_ylabel("held-out MAPE (%)")
    axes[1].legend(frameon=False, fontsize=6.5, loc="upper right")
    save_figure(fig, "rob_prediction")


# ============================================================================= 4. Pythia over training
def pythia_section(led, bench):
    traj = data.load_pythia_trajectory()
    models = data.load_pythia_models().set_index("model")
    traj = traj[(traj.num_fewshot == 0) & (traj.metric == "acc") & traj.task.isin(PYTHIA_TASKS)
                & (traj.step >= PYTHIA_MIN_STEP)].copy()
    traj["N"] = traj.model.map(models["params_total"]).astype(float)
    traj["dedup"] = traj.model.map(models["deduped"]).astype(int)
    rows = []
    summary = {}
    for variant, dd in (("standard", 0), ("deduped", 1)):
        sub = traj[traj.dedup == dd]
        small = sub.N <= PYTHIA_SMALL_MAX
        train_mask = small | (sub.step <= PYTHIA_EARLY_STEP)
        test_mask = (~small) & (sub.step == PYTHIA_FINAL_STEP)
        mp, mp_dir, disp = {}, {}, {}
        for task in PYTHIA_TASKS:
            t = sub[sub.task == task]
            tr, te = t[train_mask[t.index]], t[test_mask[t.index]].sort_values("N")
            n_items = float(bench.loc[task, "n_items"])
            c, _ = floor_for(task, bench, tr.value)

            def design(d):
                return np.column_stack([np.ones(len(d)), np.log(d.N / N_SCALE), np.log(d.tokens_seen_derived / 1e9)])
            s = np.round(tr.value.to_numpy() * n_items)
            f = binom_fit(design(tr), s, np.full(len(tr), n_items), c)
            pred = floor_prob(design(te), f["beta"], c)
            mp[task] = metrics.mape(te.value.to_numpy(), pred)
            disp[task] = f["dispersion"]
            base = f"rob.pythia.{variant}.{task}"
            led.add(f"{base}.beta_n", f["beta"][1], "f3")
            led.add(f"{base}.beta_d", f["beta"][2], "f3")
            led.add(f"{base}.dispersion", f["dispersion"], "f1")
            led.add(f"{base}.mape", mp[task], "pct1", unit="%")
            led.add(f"{base}.converged", int(f["converged"] and f["glm_converged"]), "int")
            # direct N-only baseline: bounded power law on the final checkpoints of the small models
            fin = t[t.step == PYTHIA_FINAL_STEP].sort_values("N")
            fs = fin[fin.N <= PYTHIA_SMALL_MAX]
            r = fitting.fit("bounded_power_law", fs.N.to_numpy(), fs.value.to_numpy())
            mp_dir[task] = metrics.mape(te.value.to_numpy(), r.predict(te.N.to_numpy())) if r.converged else np.nan
            led.add(f"{base}.mape_direct", mp_dir[task], "pct1", unit="%")
            led.add(f"{base}.n_train", len(tr), "int", unit="checkpoints")
            rows.append([variant, task, Key(f"{base}.beta_n"), Key(f"{base}.beta_d"), Key(f"{base}.dispersion"),
                         Key(f"{base}.mape"), Key(f"{base}.mape_direct")])
        led.add(f"rob.pythia.{variant}.mean_mape", float(np.mean(list(mp.values()))), "pct1", unit="%")
        led.add(f"rob.pythia.{variant}.mean_mape_direct", float(np.nanmean(list(mp_dir.values()))), "pct1", unit="%")
        led.add(f"rob.pythia.{variant}.n_nd_better", sum(mp[t] < mp_dir[t] for t in PYTHIA_TASKS), "int")
        led.add(f"rob.pythia.{variant}.dispersion_median", float(np.median(list(disp.values()))), "f1")
        rows.append([variant, "mean", "", "", "", Key(f"rob.pythia.{variant}.mean_mape"),
                     Key(f"rob.pythia.{variant}.mean_mape_direct")])
        summary[variant] = mp
    led.add("rob.pythia.n_tasks", len(PYTHIA_TASKS), "int")
    led.add("rob.pythia.early_step", PYTHIA_EARLY_STEP, "int", unit="steps")
    led.add("rob.pythia.final_step", PYTHIA_FINAL_STEP, "int", unit="steps")
    led.add("rob.pythia.min_step", PYTHIA_MIN_STEP, "int", unit="steps")
    led.add("rob.pythia.mean_abs_diff_dedup", float(np.mean([abs(summary["standard"][t] - summary["deduped"][t])
                                                           for t in PYTHIA_TASKS])), "f1", unit="MAPE points")
    write_table("rob_pythia", ["Suite", "Task", "β ln N", "β ln D", "dispersion", "MAPE (N, D) model",
                               "MAPE N-only power law"], rows, led)


# ============================================================================= 5. breakpoints
def breakpoint_section(table, bench, led, B, seed):
    n_b = table[config.MAIN_N_COLUMN].to_numpy(float)
    u = np.log(n_b)
    rows, pw_curves, pvals = [], {}, {}
    c_kink = (u[3] + u[4]) / 2.0     # between 1.3B and 2.7B
    for task in TASKS:
        h = data.CEREBRAS_TO_HARNESS[task]
        n_items = int(bench.loc[h, "n_items"])
        y = table[f"zs_{task}"].to_numpy(float)
        sig = fitting.fit("sigmoid", n_b, y)
        if not sig.converged:
            raise SystemExit(f"{SCRIPT}: smooth null fit failed for {task}")
        p0 = np.clip(sig.yhat, 1e-6, 1 - 1e-6)
        rng = bootstrap.stream(seed, f"rob.bp.{task}")
        t_obs, p_bin, t_null = breakpoint_pvalue(u, y, p0, n_items, B, rng)
        _, p_gau, _ = breakpoint_pvalue(u, y, p0, n_items, B, rng, noise="gaussian",
                                        sigma=float(np.std(sig.residuals)))
        crit = np.percentile(t_null, 95)
        curve = []
        for kink in KINK_GRID:
            slope = (kink / 100.0) / (u[-1] - c_kink)
            p_alt = np.clip(p0 + slope * np.maximum(0.0, u - c_kink), 1e-6, 1 - 1e-6)
            Y = rng.binomial(n_items, p_alt, size=(B, u.size)).T / n_items
            curve.append(float(np.mean(hinge_stat(u, Y) > crit)))
        pw_curves[task] = curve
        base = f"rob.bp.{task}"
        pvals[task] = p_bin
        led.add(f"{base}.stat", t_obs, "f2", note="n ln(RSS_line / RSS_hinge)")
        led.add(f"{base}.p_binomial", p_bin, "p")
        led.add(f"{base}.p_gaussian", p_gau, "p", note="null noise = residual sd of the smooth fit")
        led.add(f"{base}.power", curve[KINK_GRID.index(KINK_PP)], "f2")
        led.add(f"{base}.size", curve[0], "f2", note="rejection rate with no kink (should be near 0.05)")
        rows.append([LABEL[task], Key(f"{base}.stat"), Key(f"{base}.p_binomial"), Key(f"{base}.p_gaussian"),
                     Key(f"{base}.power")])
    led.add("rob.bp.kink_pp", KINK_PP, "f1", unit="accuracy points")
    led.add("rob.bp.kink_at_billion", float(np.exp(c_kink) / 1e9), "f1", unit="billion parameters")
    led.add("rob.bp.n_sig_binomial", sum(pvals[t] < 0.05 for t in TASKS), "int")
    led.add("rob.bp.n_sig_gaussian", sum(led.get(f"rob.bp.{t}.p_gaussian")["value"] < 0.05 for t in TASKS), "int")
    pw = [led.get(f"rob.bp.{t}.power")["value"] for t in TASKS]
    led.add("rob.bp.power_min", min(pw), "f2")
    led.add("rob.bp.power_max", max(pw), "f2")
    led.add("rob.bp.n_boot", B, "int", unit="replicates")
    write_table("rob_breakpoints", ["Task", "hinge statistic", "p (binomial null)", "p (Gaussian null)",
                                    "power"], rows, led)

    fig, ax = plt.subplots(figsize=(5.0, 2.8))
    for i, task in enumerate(TASKS):
        ax.plot(KINK_GRID, pw_curves[task], marker="o", ms=3, color=PALETTE[i], label=LABEL[task])
    ax.axhline(0.05, color="grey", ls=":", lw=1)
    ax.set_xlabel("kink size: accuracy added at 13B (points)")
    ax.set_ylabel("rejection rate at 5% level")
    ax.set_ylim(0, 1.02)
    ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    save_figure(fig, "rob_breakpoint_power")


def main(argv=None) -> None:
    args = cli.parser(__doc__).parse_args(argv)
    table = data.load_cerebras()
    bench = data.load_benchmarks().set_index("task")
    led = Ledger(SCRIPT, record_only=(  # recorded for verification, not printed
        r"^rob\.bp\.[a-z_]+\.size$",
        r"^rob\.bp\.n_boot$",
        r"^rob\.glm\.[a-z_]+\.(aic_bpl|aic_glm|beta1_hi|beta1_lo|bpl_dispersion|converged|floor_dropped)$",
        r"^rob\.glm\.[a-z_]+\.(fs|zs)\.train_converged$",
        r"^rob\.glm\.(fs|zs)\.n_glm_better$",
        r"^rob\.loss\.[a-z_0-9]+\.(boot_failed|at_bound|failed)$",
        r"^rob\.pred\.[a-z0-9]+\.[a-z_]+\.n_failed$",
        r"^rob\.pythia\.(standard|deduped)\.[a-z_]+\.(converged|n_train)$",
        r"^rob\.pythia\.(standard|deduped)\.(dispersion_median|n_nd_better)$",
        r"^rob\.loss\.(all_adj_r2_above_099|alpha_max_variant|alpha_min_variant|widest_interval_variant)$",
        r"^rob\.pred\.(best_loo13b|recommended_mape_loo13b)$",
    ))
    led.add("rob.n_boot", args.B, "int", unit="replicates")
    loss_sensitivity(table, led, args.B, args.seed)
    glm_section(table, bench, led)
    prediction_section(table, bench, led)
    pythia_section(led, bench)
    breakpoint_section(table, bench, led, args.B, args.seed)
    led.save()


if __name__ == "__main__":
    main()
