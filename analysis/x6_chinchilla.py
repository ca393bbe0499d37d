"""Section "Chinchilla refit": Epoch AI's Huber/LSE estimator on the reconstructed Chinchilla points,
and the identifiability of the Chinchilla form on Cerebras-GPT (D ∝ N) versus Pythia checkpoints.

Outputs: ledger part `x6_chinchilla` (keys `chin.*`), tables `chin_epoch_fit`,
`chin_identifiability`, figures `chin_epoch_fit`, `chin_identifiability`.

Estimator (Hoffmann et al. 2022, Approach 3, as replicated by Besiroglu et al. 2024):
minimise sum_i Huber_delta(LSE(a - alpha ln N_i, b - beta ln D_i, e) - ln L_i) over
(a, b, e, alpha, beta), delta = 1e-3, A = e^a, B = e^b, E = e^e, with L-BFGS-B (analytic
gradient) from every point of the 4,500-point grid alpha, beta in {0, 0.5, ..., 2},
e in {-1, -0.5, ..., 1}, a, b in {0, 5, ..., 25}; D = C / (6 N); the 5 highest-loss points
are dropped. Bootstrap: resample the 240 points with replacement, refit from the full-data
optimum.
"""
from __future__ import annotations

import itertools
import time

import numpy as np
import matplotlib.pyplot as plt
from scipy import optimize

from analysis.core import bootstrap, cli, data, fitting, lbfgsb_batch
from analysis.core.ledger import Ledger
from analysis.core.figures import PALETTE, save_figure
from analysis.core.report import Key, write_table
from analysis.core.profile_likelihood import profile_interval

SCRIPT = "analysis/x6_chinchilla.py"
# parameter -> ledger key word (keys are lower case; e/a/b are the log-scale parameters)
KEYWORD = {"E": "e_irr", "A": "a_coef", "B": "b_coef", "alpha": "alpha", "beta": "beta", "a_opt": "a_opt",
           "b_opt": "b_opt", "tpp_chinchilla": "tpp_chinchilla", "huber_objective": "huber_objective"}
DELTA = 1e-3
GRID = {"a": np.arange(0.0, 25.1, 5.0), "b": np.arange(0.0, 25.1, 5.0), "e": np.arange(-1.0, 1.01, 0.5),
        "alpha": np.arange(0.0, 2.01, 0.5), "beta": np.arange(0.0, 2.01, 0.5)}
PARAMS = ("a", "b", "e", "alpha", "beta")
CHINCHILLA_C = 6 * 70e9 * 1.4e12  # Chinchilla's own training compute, FLOPs
PROFILE_GRID = np.linspace(0.01, 1.99, 67)
PYTHIA_MIN_STEP = 1000


# --------------------------------------------------------------------------- the estimator


def huber_lse(theta, lN, lD, lL, w=None, delta=DELTA):
    """Huber objective and its gradient in (a, b, e, alpha, beta); w are point weights (counts).

    `theta` is one parameter vector (5,) or a batch (k, 5); with a batch, `w` is None or (k, n)
    and the result is (k,) objectives and (k, 5) gradients, each row computed independently."""
    th = np.asarray(theta, float)
    single = th.ndim == 1
    th = np.atleast_2d(th)
    a, b, e, al, be = (th[:, j:j + 1] for j in range(5))
    t1, t2 = a - al * lN, b - be * lD
    m = np.maximum(np.maximum(t1, t2), e)
    w1, w2, w3 = np.exp(t1 - m), np.exp(t2 - m), np.exp(e - m)
    s = w1 + w2 + w3
    r = m + np.log(s) - lL
    ar = np.abs(r)
    h = np.where(ar <= delta, 0.5 * r * r, delta * (ar - 0.5 * delta))
    g = np.clip(r, -delta, delta) / s
    if w is not None:
        h, g = h * w, g * w
    g1, g2 = g * w1, g * w2
    grad = np.stack([g1.sum(1), g2.sum(1), (g * w3).sum(1), -(g1 * lN).sum(1), -(g2 * lD).sum(1)], axis=1)
    f = h.sum(1)
    return (float(f[0]), grad[0]) if single else (f, grad)


# scipy's stopping rule is a relative reduction of f with denominator max(|f|, 1); the Huber
# objective is O(1e-3), so the default factr (1e7) stops early near the optimum. The grid uses the
# default (as the replication did); the polish of the best start and every bootstrap refit use TIGHT.
DEFAULT_TOL = {"factr": 1e7, "pgtol": 1e-8, "maxiter": 2000}
TIGHT_TOL = {"factr": 1e1, "pgtol": 1e-12, "maxiter": 5000}


def lbfgs(start, lN, lD, lL, w=None, tol=None):
    """One L-BFGS-B run; returns (theta, objective, converged flag, message)."""
    x, f, info = optimize.fmin_l_bfgs_b(huber_lse, np.asarray(start, float), args=(lN, lD, lL, w),
                                        m=10, **(tol or DEFAULT_TOL))
    return x, float(f), info["warnflag"] == 0, info["task"] if isinstance(info["task"], str) else str(info["task"])


def lbfgs_many(starts, lN, lD, lL, W=None, tol=None) -> lbfgsb_batch.BatchResult:
    """`lbfgs` from every row of `starts` (row i weighted by W[i] if given), run in lockstep so the
    objective is evaluated for all pending problems at once; per problem, the same iterates as `lbfgs`."""
    def fg(X, idx):
        return huber_lse(X, lN, lD, lL, None if W is None else W[idx])
    return lbfgsb_batch.minimize_batch(fg, starts, m=10, **(tol or DEFAULT_TOL))


def grid_starts() -> np.ndarray:
    return np.array(list(itertools.product(*(GRID[p] for p in PARAMS))), float)


def fit_grid(lN, lD, lL, starts=None):
    """L-BFGS-B from every start; returns (best theta, best objective, n converged, n starts, all objectives)."""
    starts = grid_starts() if starts is None else np.asarray(starts, float)
    res = lbfgs_many(starts, lN, lD, lL)
    fs = np.where(np.isfinite(res.f), res.f, np.inf)
    oks = res.converged
    # best among converged starts (ties: first in grid order); fall back to any start if none converged
    pool_idx = np.where(oks)[0] if oks.any() else np.arange(len(fs))
    i = pool_idx[np.argmin(fs[pool_idx])]
    x, f, ok, _ = lbfgs(res.x[i], lN, lD, lL, tol=TIGHT_TOL)  # polish the best start
    if not (ok and f <= fs[i]):
        x, f = res.x[i], float(fs[i])
    return x, float(f), int(oks.sum()), len(fs), fs


def natural(theta) -> dict:
    a, b, e, al, be = map(float, theta)
    out = {"A": np.exp(a), "B": np.exp(b), "E": np.exp(e), "alpha": al, "beta": be, "a": a, "b": b, "e": e,
           "a_opt": be / (al + be), "b_opt": al / (al + be)}
    # compute-optimal tokens per parameter at Chinchilla's compute (Hoffmann et al. eq. 4)
    g = (al * out["A"] / (be * out["B"])) ** (1.0 / (al + be))
    out["tpp_chinchilla"] = g ** -2 * (CHINCHILLA_C / 6) ** (out["b_opt"] - out["a_opt"])
    return out


def bootstrap_fit(theta0, lN, lD, lL, B: int, seed: int, label: str):
    """Nonparametric bootstrap: B resamples of the points (as integer weights), each refitted from
    theta0; a refit that does not converge gets one restart from where it stopped (line searches
    stall on the Huber kink). Returns (converged draws (B', 5), number still failing)."""
    rng = bootstrap.stream(seed, label)
    n = lN.size
    idx = rng.integers(0, n, size=(B, n))
    counts = np.stack([np.bincount(r, minlength=n) for r in idx]).astype(float)
    res = lbfgs_many(np.tile(np.asarray(theta0, float), (B, 1)), lN, lD, lL, counts, TIGHT_TOL)
    x, ok = res.x.copy(), res.converged.copy()
    again = np.where(~ok)[0]
    if again.size:
        retry = lbfgs_many(x[again], lN, lD, lL, counts[again], TIGHT_TOL)
        x[again], ok[again] = retry.x, retry.converged
    return x[ok], int((~ok).sum())


# --------------------------------------------------------------------------- data


def epoch_points():
    t = data.load_table("chinchilla_epoch")
    n = t["params"].to_numpy(float)
    d = t["train_flops"].to_numpy(float) / (6.0 * n)
    loss = t["loss_nats_per_token"].to_numpy(float)
    keep = t["epoch_outlier_derived"].to_numpy() == 0
    return n, d, loss, keep


def published():
    p = data.load_table("chinchilla_published")
    return {(r.estimate_set, r.parameter): r for r in p.itertuples(index=False)}


def pythia_points(min_step=PYTHIA_MIN_STEP):
    traj = data.load_pythia_trajectory()
    models = data.load_pythia_models()
    std = models[models["deduped"] == 0]
    sel = traj[(traj["task"] == "lambada_openai") & (traj["metric"] == "ppl") & (traj["num_fewshot"] == 0)
               & (traj["step"] >= min_step) & traj["model"].isin(std["model"])]
    n = sel["model"].map(dict(zip(std["model"], std["params_total"]))).to_numpy(float)
    d = sel["tokens_seen_derived"].to_numpy(float)
    return n, d, np.log(sel["value"].to_numpy(float)), sel


# --------------------------------------------------------------------------- section


def _stage(t0: float, what: str) -> None:
    print(f"x6_chinchilla: {what} done at {time.time() - t0:.1f} s", flush=True)


def main(argv=None) -> None:
    args = cli.parser(__doc__).parse_args(argv)
    t_start = time.time()
    led = Ledger(SCRIPT, record_only=(  # recorded for verification, not printed
        r"^chin\.grid\.n_converged$",
        r"^chin\.ident\.(cerebras|pythia)\.(alpha|beta)_(hi_open|lo_open|lr_max|profile_width)$",
        r"^chin\.ident\.(cerebras|pythia)\.(converged|l_inf|n_at_bound|r2)$",
        r"^chin\.ident\.profile_grid_n$",
        r"^chin\.ours\.[a-z_]+_(reldiff_approach3|se)$",
        r"^chin\.ours\.(b_opt|b_opt_ci_hi|b_opt_ci_lo|tpp_chinchilla_ci_hi|tpp_chinchilla_ci_lo)$",
        r"^chin\.pub\.epoch_mle\.a_opt_se$",
        r"^chin\.pub\.hoffmann_reported\.a_opt_ci_(hi|lo)$",
        r"^chin\.status\.hoffmann_in_ci\.",
    ))
    pub = published()

    # ---- 1. Epoch refit
    n, d, loss, keep = epoch_points()
    lN, lD, lL = np.log(n[keep]), np.log(d[keep]), np.log(loss[keep])
    led.add("chin.n_points_raw", n.size, "int", unit="points")
    led.add("chin.n_points_fit", int(keep.sum()), "int", unit="points")
    led.add("chin.n_outliers", int((~keep).sum()), "int", unit="points")
    led.add("chin.outlier_threshold", float(loss[~keep].min()), "f3", unit="nats/token",
            note="lowest loss among the dropped points; kept points have loss below it")
    led.add("chin.huber_delta", DELTA, "e0")
    theta, fbest, n_conv, n_starts, fs = fit_grid(lN, lD, lL)
    led.add("chin.grid.n_starts", n_starts, "int", unit="starts")
    led.add("chin.grid.n_converged", n_conv, "int", unit="starts",
            note="L-BFGS-B runs ending with warnflag 0; the others are counted, not used")
    led.add("chin.grid.n_nonconverged", n_starts - n_conv, "int", unit="starts")
    near = np.isfinite(fs) & (fs <= fbest * (1 + 1e-6))
    led.add("chin.grid.n_at_optimum", int(near.sum()), "int", unit="starts",
            note="starts whose final objective is within 1e-6 (relative) of the best")
    led.add("chin.ours.huber_objective", fbest, "e5")
    ref = pub[("epoch_approach3", "huber_objective")].value
    led.add("chin.pub.epoch_approach3.huber_objective", ref, "e5")

    _stage(t_start, "grid")
    B = args.B
    draws, n_fail = bootstrap_fit(theta, lN, lD, lL, B, args.seed, "chin.epoch")
    led.add("chin.bootstrap_b", B, "int", unit="replicates")
    led.add("chin.bootstrap_failed", n_fail, "int", unit="replicates",
            note="non-convergent bootstrap refits (after one restart), excluded from the intervals")
    led.add("chin.seed", str(args.seed), "str")
    _stage(t_start, "bootstrap")
    ours = natural(theta)
    boot = [natural(t) for t in draws]
    specs = {"E": ("f3", "nats/token"), "A": ("f1", ""), "B": ("f0", ""), "alpha": ("f3", ""),
             "beta": ("f3", ""), "a_opt": ("f3", ""), "b_opt": ("f3", ""), "tpp_chinchilla": ("f1", "tokens/parameter")}
    for p, (spec, unit) in specs.items():
        col = np.array([bd[p] for bd in boot])
        lo, hi = np.percentile(col, [2.5, 97.5])
        led.add(f"chin.ours.{KEYWORD[p]}", ours[p], spec, unit=unit)
        led.add(f"chin.ours.{KEYWORD[p]}_ci_lo", lo, spec, unit=unit)
        led.add(f"chin.ours.{KEYWORD[p]}_ci_hi", hi, spec, unit=unit)
        led.add(f"chin.ours.{KEYWORD[p]}_se", float(np.std(col, ddof=1)), spec if spec != "f0" else "f0", unit=unit)
    corr = np.corrcoef(draws[:, 3], draws[:, 4])[0, 1]
    led.add("chin.ours.alpha_beta_boot_corr", corr, "f2", note="correlation of bootstrap (alpha, beta) draws")

    # published values (from data/chinchilla_published.csv) and the status checks
    pub_specs = {"E": "f3", "A": "f1", "B": "f0", "alpha": "f3", "beta": "f3"}
    hoff_unr = {p: pub[("hoffmann_unrounded", p)].value for p in ("a", "b", "e", "alpha", "beta")}
    hoff_unr_nat = natural([hoff_unr[p] for p in PARAMS])
    for p, spec in pub_specs.items():
        for s in ("epoch_mle", "epoch_approach3", "hoffmann_printed"):
            led.add(f"chin.pub.{s}.{KEYWORD[p]}", pub[(s, p)].value, spec)
        led.add(f"chin.pub.epoch_mle.{KEYWORD[p]}_ci_lo", pub[("epoch_mle", p)].ci_lo, spec)
        led.add(f"chin.pub.epoch_mle.{KEYWORD[p]}_ci_hi", pub[("epoch_mle", p)].ci_hi, spec)
        led.add(f"chin.derived.hoffmann_unrounded.{KEYWORD[p]}", hoff_unr_nat[p], spec,
                note="from the unrounded log-scale estimates in the TeX source")
    led.add("chin.pub.epoch_mle.a_opt", pub[("epoch_mle", "a_opt")].value, "f3")
    led.add("chin.pub.epoch_mle.a_opt_se", pub[("epoch_mle", "a_opt")].se, "f3")
    for s, src in (("epoch_approach3", {p: pub[("epoch_approach3", p)].value for p in pub_specs}),
                   ("hoffmann_printed", {p: pub[("hoffmann_printed", p)].value for p in pub_specs})):
        led.add(f"chin.derived.{s}.a_opt", src["beta"] / (src["alpha"] + src["beta"]), "f3",
                note="beta/(alpha+beta) computed from the published point estimates")
    led.add("chin.derived.hoffmann_unrounded.a_opt", hoff_unr_nat["a_opt"], "f3")
    led.add("chin.derived.hoffmann_unrounded.tpp_chinchilla", hoff_unr_nat["tpp_chinchilla"], "f1",
            unit="tokens/parameter")
    led.add("chin.pub.hoffmann_reported.a_opt_ci_lo", pub[("hoffmann_reported", "a_opt")].ci_lo, "f3")
    led.add("chin.pub.hoffmann_reported.a_opt_ci_hi", pub[("hoffmann_reported", "a_opt")].ci_hi, "f3")

    n_in_epoch = n_in_hoff = 0
    for p in ("E", "A", "B", "alpha", "beta", "a_opt"):
        lo, hi = led.get(f"chin.ours.{KEYWORD[p]}_ci_lo")["value"], led.get(f"chin.ours.{KEYWORD[p]}_ci_hi")["value"]
        ev = pub[("epoch_mle", p)].value
        inside = lo <= ev <= hi
        n_in_epoch += inside
        led.add(f"chin.status.epoch_in_ci.{KEYWORD[p]}", "inside" if inside else "outside", "str",
                note="is Epoch's published (MLE) estimate inside our 95% bootstrap interval?")
        hv = hoff_unr_nat[p]
        in_h = lo <= hv <= hi
        n_in_hoff += in_h
        led.add(f"chin.status.hoffmann_in_ci.{KEYWORD[p]}", "inside" if in_h else "outside", "str",
                note="Hoffmann et al.'s unrounded estimate inside our 95% bootstrap interval?")
        # closeness to Epoch's exact Approach-3 replication
        if p in pub_specs:
            rel_diff = abs(ours[p] / pub[("epoch_approach3", p)].value - 1) * 100
            led.add(f"chin.ours.{KEYWORD[p]}_reldiff_approach3", rel_diff, "pct2",
                    note="|ours / Epoch's Approach-3 replication - 1|")
    led.add("chin.status.n_epoch_in_ci", n_in_epoch, "int", unit="of 6 parameters")
    led.add("chin.status.n_hoffmann_in_ci", n_in_hoff, "int", unit="of 6 parameters")
    led.add("chin.ours.max_reldiff_approach3",
            max(led.get(f"chin.ours.{KEYWORD[p]}_reldiff_approach3")["value"] for p in pub_specs), "pct2")

    labels = {"E": "E (nats/token)", "A": "A", "B": "B", "alpha": "α", "beta": "β", "a_opt": "a = β/(α+β)"}
    dash = "–"
    rows = []
    for p in ("E", "A", "B", "alpha", "beta", "a_opt"):
        a3 = Key(f"chin.pub.epoch_approach3.{KEYWORD[p]}") if p != "a_opt" else Key("chin.derived.epoch_approach3.a_opt")
        ep_ci = (Key(f"chin.pub.epoch_mle.{KEYWORD[p]}_ci_lo"), Key(f"chin.pub.epoch_mle.{KEYWORD[p]}_ci_hi")) if p != "a_opt" \
            else (dash, dash)
        hp = Key(f"chin.pub.hoffmann_printed.{KEYWORD[p]}") if p != "a_opt" else Key("chin.derived.hoffmann_printed.a_opt")
        rows.append([labels[p], Key(f"chin.ours.{KEYWORD[p]}"), Key(f"chin.ours.{KEYWORD[p]}_ci_lo"), Key(f"chin.ours.{KEYWORD[p]}_ci_hi"),
                     a3, Key(f"chin.pub.epoch_mle.{KEYWORD[p]}"), *ep_ci, hp, Key(f"chin.derived.hoffmann_unrounded.{KEYWORD[p]}"),
                     Key(f"chin.status.epoch_in_ci.{KEYWORD[p]}")])
    write_table("chin_epoch_fit",
                ["Parameter", "ours", "ours 2.5%", "ours 97.5%", "Epoch Approach 3", "Epoch MLE",
                 "Epoch 2.5%", "Epoch 97.5%", "Hoffmann (printed)", "Hoffmann (unrounded)", "Epoch MLE in our CI"],
                rows, led, align="lrrrrrrrrrl")

    # ---- 2. identifiability: Cerebras-GPT (D = 20 N) vs Pythia checkpoints
    cer = data.load_cerebras()
    xc = np.vstack([cer["params_nominal"].to_numpy(float), cer["train_tokens"].to_numpy(float)])
    yc = cer["pile_loss_hf_card"].to_numpy(float)
    npy, dpy, ypy, sel = pythia_points()
    xp = np.vstack([npy, dpy])
    setups = {"cerebras": (xc, yc, "Cerebras-GPT, Pile test loss (nats/token)"),
              "pythia": (xp, ypy, "Pythia checkpoints, ln LAMBADA perplexity")}
    led.add("chin.pythia.n_points", int(ypy.size), "int", unit="checkpoints")
    led.add("chin.pythia.n_models", int(sel["model"].nunique()), "int", unit="models")
    led.add("chin.pythia.min_step", PYTHIA_MIN_STEP, "int", unit="steps")
    led.add("chin.pythia.n_steps", int(sel["step"].nunique()), "int", unit="checkpoints per model")
    profiles = {}
    for name, (x, y, _) in setups.items():
        base = f"chin.ident.{name}"
        led.add(f"{base}.corr_logn_logd", float(np.corrcoef(np.log(x[0]), np.log(x[1]))[0, 1]), "f4",
                note="correlation of ln N and ln D across the fitted points")
        led.add(f"{base}.n_points", int(y.size), "int", unit="points")
        res = fitting.fit("chinchilla", x, y)
        led.add(f"{base}.converged", int(res.converged), "int")
        if not res.converged:
            led.add(f"{base}.status", "fit did not converge", "str", note=res.message)
            continue
        p = res.params
        led.add(f"{base}.alpha", p["alpha"], "f3")
        led.add(f"{base}.beta", p["beta"], "f3")
        led.add(f"{base}.l_inf", p["l_inf"], "f3")
        led.add(f"{base}.r2", res.stats["r2"], "f4")
        led.add(f"{base}.n_at_bound", len(res.at_bound), "int", unit="parameters",
                note="at a box bound: " + (", ".join(res.at_bound) or "none"))
        profiles[name] = {}
        for par in ("alpha", "beta"):
            lo, hi, lo_open, hi_open, curve = profile_interval(res, par, PROFILE_GRID)
            profiles[name][par] = curve
            led.add(f"{base}.{par}_profile_lo", lo, "f3")
            led.add(f"{base}.{par}_profile_hi", hi, "f3")
            led.add(f"{base}.{par}_profile_width", hi - lo, "f3")
            led.add(f"{base}.{par}_lo_open", int(lo_open), "int")
            led.add(f"{base}.{par}_hi_open", int(hi_open), "int")
            closed = not (lo_open or hi_open)
            led.add(f"{base}.{par}_identified", "closed" if closed else "open (runs into the grid edge)", "str",
                    note=f"95% profile-likelihood interval over the grid [{PROFILE_GRID[0]}, {PROFILE_GRID[-1]}]")
            led.add(f"{base}.{par}_lr_max", float(np.nanmax(curve[1])), "f1",
                    note="largest profile LR statistic over the grid")
    led.add("chin.ident.profile_grid_lo", float(PROFILE_GRID[0]), "f2")
    led.add("chin.ident.profile_grid_hi", float(PROFILE_GRID[-1]), "f2")
    led.add("chin.ident.profile_grid_n", int(PROFILE_GRID.size), "int")
    rows = []
    for name, lab in (("cerebras", "Cerebras-GPT (Pile loss)"), ("pythia", "Pythia checkpoints (ln LAMBADA ppl)")):
        b = f"chin.ident.{name}"
        if name not in profiles:
            continue
        rows.append([lab, Key(f"{b}.n_points"), Key(f"{b}.corr_logn_logd"), Key(f"{b}.alpha"),
                     Key(f"{b}.alpha_profile_lo"), Key(f"{b}.alpha_profile_hi"), Key(f"{b}.beta"),
                     Key(f"{b}.beta_profile_lo"), Key(f"{b}.beta_profile_hi"), Key(f"{b}.alpha_identified")])
    write_table("chin_identifiability",
                ["Data", "points", "corr(ln N, ln D)", "α", "α profile lo", "α profile hi", "β",
                 "β profile lo", "β profile hi", "α interval"], rows, led, align="lrrrrrrrrl")

    _stage(t_start, "identifiability")
    # ---- 3. figures
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(7.0, 3.0))
    sc = ax.scatter(n[keep], loss[keep], c=np.log10(d[keep]), cmap="viridis", s=12, lw=0)
    ax.scatter(n[~keep], loss[~keep], facecolor="none", edgecolor=PALETTE[3], s=22, label="dropped (5 highest loss)")
    ax.set_xscale("log")
    ax.set_xlabel("parameters N")
    ax.set_ylabel("final training loss (nats/token)")
    ax.legend(frameon=False, loc="upper right")
    cb = fig.colorbar(sc, ax=ax)
    cb.set_label("log10 tokens D")
    pred = np.exp(np.logaddexp.reduce(np.stack([theta[0] - theta[3] * lN, theta[1] - theta[4] * lD,
                                                np.full_like(lN, theta[2])]), axis=0))
    ax2.scatter(loss[keep], pred, s=10, color=PALETTE[0], lw=0, label="our refit")
    lim = [loss[keep].min() * 0.97, loss[keep].max() * 1.03]
    ax2.plot(lim, lim, color="grey", lw=0.8, ls=":", label="y = x")
    h = hoff_unr
    pred_h = np.exp(np.logaddexp.reduce(np.stack([h["a"] - h["alpha"] * lN, h["b"] - h["beta"] * lD,
                                                  np.full_like(lN, h["e"])]), axis=0))
    ax2.scatter(loss[keep], pred_h, s=10, facecolor="none", edgecolor=PALETTE[1], lw=0.6,
                label="Hoffmann et al. (unrounded)")
    ax2.set_xlabel("observed loss (nats/token)")
    ax2.set_ylabel("predicted loss (nats/token)")
    ax2.legend(frameon=False)
    fig.tight_layout()
    save_figure(fig, "chin_epoch_fit")

    fig, axes = plt.subplots(1, 2, figsize=(7.0, 2.8), sharey=True)
    for ax, par, sym in zip(axes, ("alpha", "beta"), ("α (exponent of N)", "β (exponent of D)")):
        for i, (name, (_, _, lab)) in enumerate(setups.items()):
            if name in profiles:
                g, lr = profiles[name][par]
                ax.plot(g, lr, color=PALETTE[i], label=lab)
        ax.axhline(3.841, color="grey", ls=":", lw=1, label="χ²₁ 95% cut (3.84)")
        ax.set_xlabel(sym)
        ax.set_ylim(-0.5, 30)
    axes[0].set_ylabel("profile LR statistic")
    axes[0].legend(frameon=False, loc="upper right")
    fig.tight_layout()
    save_figure(fig, "chin_identifiability")

    led.save()


if __name__ == "__main__":
    main()
