"""Schemas of the curated Chinchilla / Epoch AI tables (registered into `table_schema.REGISTRY`;
`data` imports this module, so every consumer of `data` sees them).

Written by `data/curate_chinchilla.py` from the raw folder `chinchilla_epoch2024/`.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Optional

import numpy as np

from .table_schema import Column, TableSchema, cross_check, expect_sequence, positive_int, register, text

# Published facts (raw chinchilla_epoch2024/PROVENANCE.md).
EPOCH_N_POINTS = 245
EPOCH_N_OUTLIERS = 5  # Besiroglu et al. exclude the 5 highest-loss points, keeping 240
# Log-scale axis calibration of the SVG: (pixel, log10 value) ticks. N from y, C from x.
EPOCH_Y_TICKS = ((319.125, 8.0), (221.707, 9.0), (124.290, 10.0), (26.872, 11.0))
EPOCH_X_TICKS = ((83.856, 18.0), (294.452, 21.0))
# The extracted N and C follow from the pixel position through that calibration; real largest
# deviation 7.6e-6 decades for N (the four y ticks are not exactly equidistant), 4e-15 for C.
# 1e-4 decades (0.023%) catches a changed 4th significant digit.
CALIBRATION_TOL_DECADES = 1e-4
# Figure extraction against the fit its authors published on it (Epoch's MLE on the 240 kept
# points): |log loss - log L(N, D)| with D = C / (6N). Real largest residual 0.051 (point 6); the
# colour bar alone quantises loss to ~0.015 nats. 0.075 admits the scatter and catches a mistyped or
# exchanged loss (2.5 -> 2.8 is 0.11); the 5 excluded outliers sit 0.061-0.31 off and are not checked.
FIT_RESIDUAL_TOL = 0.075
# Two published fits of the same 240 points (Epoch MLE and the exact Approach-3 replication) agree
# in units of the MLE's bootstrap SE: real largest gap 0.062 SE (beta). 0.25 SE catches a digit typo.
FIT_AGREEMENT_SE = 0.25
# A parameter printed both linearly (A) and as its log (a = log A): real largest |log A - a| 3.5e-5,
# from rounding a to 4 decimals (<= 5e-5) and A to 2 (<= 1e-5).
LOG_PAIR_TOL = 1e-4
# The Chinchilla model (estimate set chinchilla_model): its size N, training tokens D and the
# training compute C = 6 N D stated with them (rounded). x6 uses N and D; C is there to check them.
CHINCHILLA_MODEL_SET = "chinchilla_model"
CHINCHILLA_MODEL_PARAMS = ("params", "train_tokens", "train_flops")


def _log10_from_ticks(px: float, ticks) -> float:
    xs, ys = zip(*sorted(ticks))
    if len(ticks) == 2 or px <= xs[0] or px >= xs[-1]:  # extrapolate the nearest segment
        i = 0 if px <= xs[1] else len(xs) - 2
    else:
        i = int(np.searchsorted(xs, px)) - 1
    return ys[i] + (px - xs[i]) * (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i])


def _calibration(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    for col, px, ticks in (("params", row["svg_y_px"], EPOCH_Y_TICKS), ("train_flops", row["svg_x_px"], EPOCH_X_TICKS)):
        want = _log10_from_ticks(px, ticks)
        if abs(math.log10(row[col]) - want) > CALIBRATION_TOL_DECADES:
            return col, (f"{row[col]:.6g} does not match its SVG position {px} px through the published axis "
                         f"calibration (expected {10 ** want:.6g} within {CALIBRATION_TOL_DECADES:g} decades)")
    return None


def _epoch_table(frame) -> Optional[tuple[int, str, str]]:
    found = expect_sequence(frame["point_id"].tolist(), list(range(1, EPOCH_N_POINTS + 1)), lambda v: f"point {v}")
    if found:
        return found[0], "point_id", found[1] + (f" (expected the {EPOCH_N_POINTS} published points, "
                                                 f"numbered 1..{EPOCH_N_POINTS})")
    top = set(frame["loss_nats_per_token"].nlargest(EPOCH_N_OUTLIERS, keep="all").index)
    flag = frame["epoch_outlier_derived"].to_numpy()
    for pos in range(len(frame)):
        want = int(pos in top)
        if flag[pos] != want:
            return pos, "epoch_outlier_derived", (f"{flag[pos]} (expected {want}: 1 exactly for the {EPOCH_N_OUTLIERS} "
                                                  f"highest-loss points that Besiroglu et al. exclude)")
    if len(top) != EPOCH_N_OUTLIERS:
        return max(top), "loss_nats_per_token", f"ties at the {EPOCH_N_OUTLIERS}th highest loss (expected a unique cut)"
    return None


def _published_row(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    v, lo, hi, level = row["value"], row["ci_lo"], row["ci_hi"], row["ci_level_pct"]  # None = empty cell
    is_model, model_param = row["estimate_set"] == CHINCHILLA_MODEL_SET, row["parameter"] in CHINCHILLA_MODEL_PARAMS
    if is_model != model_param:
        return "parameter", (f"{row['parameter']!r} in estimate set {row['estimate_set']!r} (expected "
                             f"{', '.join(CHINCHILLA_MODEL_PARAMS)} exactly in {CHINCHILLA_MODEL_SET})")
    if is_model and (v is None or not v > 0):
        return "value", f"{v} for the Chinchilla model's {row['parameter']} (expected a positive number)"
    uncertain = [c for c in ("se", "ci_lo", "ci_hi", "ci_level_pct") if row[c] is not None] if is_model else []
    if uncertain:
        return uncertain[0], (f"an uncertainty for the Chinchilla model's {row['parameter']} "
                              f"(expected none: N, D and C are stated design values)")
    has_ci = lo is not None or hi is not None
    if has_ci and (lo is None or hi is None or not lo < hi):
        return "ci_hi", f"interval ({lo}, {hi}) (expected ci_lo < ci_hi, both given)"
    if has_ci != (level is not None):
        return "ci_level_pct", "an interval needs its level and a level needs an interval (expected both or neither)"
    if has_ci and v is not None and not lo <= v <= hi:
        return "value", f"{v} lies outside its own interval ({lo}, {hi}) (expected inside)"
    if row["se"] is not None and v is None:
        return "se", "a standard error without a point estimate (expected a value)"
    return None


def _decimals(x: float) -> int:
    text_ = repr(float(x))
    return 0 if "e" in text_ else len(text_.split(".")[1].rstrip("0")) if "." in text_ else 0


def _significant_digits(x: float) -> int:
    mantissa = repr(float(abs(x))).split("e")[0].replace(".", "")
    return max(len(mantissa.strip("0")), 1)


def _published_table(frame) -> Optional[tuple[int, str, str]]:
    """Internal consistency of the printed estimates: each relation uses two printed values."""
    pos_of = {(s, p): i for i, (s, p) in enumerate(zip(frame["estimate_set"], frame["parameter"]))}
    val = dict(zip(pos_of, frame["value"]))
    se = dict(zip(pos_of, frame["se"]))

    def has(*keys):
        return all(k in val and not math.isnan(val[k]) for k in keys)

    # The Chinchilla model: N, D and C all present, and 6 N D rounds to the stated C. One relation
    # cannot tell which of the three is wrong; it names N's row and prints all three.
    model = [(CHINCHILLA_MODEL_SET, p) for p in CHINCHILLA_MODEL_PARAMS]
    missing = [p for (_, p) in model if (CHINCHILLA_MODEL_SET, p) not in pos_of]
    if missing:
        return len(frame), "parameter", (f"{CHINCHILLA_MODEL_SET} has no {', '.join(missing)} "
                                         f"(expected the Chinchilla model's {', '.join(CHINCHILLA_MODEL_PARAMS)})")
    n, d, c = (val[k] for k in model)
    half_unit = 0.5 * 10 ** (math.floor(math.log10(c)) - _significant_digits(c) + 1)
    if abs(6 * n * d - c) > half_unit:
        return pos_of[model[0]], "value", (f"N = {n:g} with D = {d:g} gives 6 N D = {6 * n * d:.4g} FLOPs, not the "
                                           f"stated C = {c:g} (expected N = C / (6 D) = {c / (6 * d):.3g}, "
                                           f"6 N D within rounding of C)")

    for s in frame["estimate_set"].unique():
        for lin, log in (("A", "a"), ("B", "b"), ("E", "e")):
            if has((s, lin), (s, log)) and abs(math.log(val[s, lin]) - val[s, log]) > LOG_PAIR_TOL:
                return pos_of[s, lin], "value", (f"{s} {lin} = {val[s, lin]} but {log} = {val[s, log]} "
                                                 f"(expected {lin} = exp({log}) = {math.exp(val[s, log]):.6g})")
        if has((s, "a_opt"), (s, "alpha"), (s, "beta")):
            want = val[s, "beta"] / (val[s, "alpha"] + val[s, "beta"])
            if abs(val[s, "a_opt"] - want) > 0.5 * 10 ** -_decimals(val[s, "a_opt"]) + 1e-4:
                return pos_of[s, "a_opt"], "value", (f"{val[s, 'a_opt']} "
                                                     f"(expected beta/(alpha+beta) = {want:.4f}, rounded)")
    # Hoffmann et al. printed = unrounded (TeX source) rounded to the printed digits
    for p, log in (("A", "a"), ("B", "b"), ("E", "e"), ("alpha", None), ("beta", None)):
        key, src = ("hoffmann_printed", p), ("hoffmann_unrounded", log or p)
        if has(key, src):
            exact = math.exp(val[src]) if log else val[src]
            digits = _decimals(val[key])
            if abs(val[key] - exact) > 0.5 * 10 ** -digits + 1e-9:
                return pos_of[key], "value", (f"printed {p} = {val[key]} is not the unrounded {exact:.6g} rounded to "
                                              f"{digits} decimals (expected {round(exact, digits)})")
    # Epoch's MLE and Approach-3 fits of the same 240 points agree within a fraction of the bootstrap SE
    for p in ("A", "B", "E", "alpha", "beta"):
        a, b = ("epoch_approach3", p), ("epoch_mle", p)
        if has(a, b) and not math.isnan(se.get(b, math.nan)) and abs(val[a] - val[b]) > FIT_AGREEMENT_SE * se[b]:
            return pos_of[a], "value", (f"Approach-3 {p} = {val[a]} differs from the MLE {val[b]} by "
                                        f"{abs(val[a] - val[b]) / se[b]:.2f} bootstrap SE "
                                        f"(expected within {FIT_AGREEMENT_SE})")
    return None


def _hex_colours(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    for col in ("marker_color_hex", "colorbar_color_hex"):
        v = row[col]
        if not (len(v) == 7 and v[0] == "#" and all(c in "0123456789abcdef" for c in v[1:])):
            return col, f"{v!r} is not a lower-case #rrggbb colour"
    if row["marker_color_hex"] != row["colorbar_color_hex"]:
        return "colorbar_color_hex", "differs from marker_color_hex (identical in all published rows)"
    return None


register(TableSchema(
    name="chinchilla_epoch",
    filename="chinchilla_epoch.csv",
    description="Hoffmann et al. (2022) Fig. 4 training runs as reconstructed from the SVG by Epoch AI "
                "(Besiroglu et al. 2024): model size, training FLOPs, final loss.",
    columns=(
        positive_int("point_id", "1-based row number in the raw svg_extracted_data.csv"),
        Column("svg_x_px", "float", doc="marker x coordinate in the SVG (px)"),
        Column("svg_y_px", "float", doc="marker y coordinate in the SVG (px)"),
        text("marker_color_hex", "marker fill colour"),
        Column("params", "float", lo=1e7, hi=1e11, doc="model size N (parameters), from the y calibration"),
        Column("train_flops", "float", lo=1e17, hi=1e23, doc="training compute C (FLOPs), from the x calibration"),
        text("colorbar_color_hex", "matched colour-bar colour"),
        Column("loss_nats_per_token", "float", lo=1.0, hi=6.0, doc="final training loss (nats/token), read off the colour bar"),
        Column("epoch_outlier_derived", "int", choices=(0, 1),
               doc="DERIVED: 1 for the 5 highest-loss points that Besiroglu et al. (2024) exclude"),
    ),
    key=("point_id",),
    sort_by=("point_id",),
    row_checks=(_hex_colours, _calibration),
    table_checks=(_epoch_table,),
))

register(TableSchema(
    name="chinchilla_published",
    filename="chinchilla_published.csv",
    description="Published Chinchilla-form parameter estimates (Hoffmann et al. 2022; Besiroglu et al. 2024), "
                "as printed, and the Chinchilla model's size N, tokens D and compute C, with the source of each.",
    columns=(
        text("estimate_set", choices=("epoch_mle", "epoch_approach3", "hoffmann_printed", "hoffmann_unrounded",
                                      "hoffmann_reported", CHINCHILLA_MODEL_SET)),
        text("parameter", choices=("A", "B", "E", "alpha", "beta", "a", "b", "e", "a_opt", "huber_objective",
                                   *CHINCHILLA_MODEL_PARAMS)),
        Column("value", "float", nullable=True, doc="point estimate as printed (empty if none stated)"),
        Column("se", "float", nullable=True, lo=0, doc="bootstrap standard error"),
        Column("ci_lo", "float", nullable=True),
        Column("ci_hi", "float", nullable=True),
        Column("ci_level_pct", "int", nullable=True, choices=(80, 95)),
        text("source"),
        text("note", nullable=True),
    ),
    key=("estimate_set", "parameter"),
    sort_by=(),  # rows follow the order of the sources
    row_checks=(_published_row,),
    table_checks=(_published_table,),
))


@cross_check("chinchilla_epoch", "chinchilla_published")
def _epoch_points_follow_published_fit(t):
    """The extracted points against the law Epoch fitted to them (estimate set epoch_mle)."""
    pub = t["chinchilla_published"]
    fit = {p: v for s, p, v in zip(pub["estimate_set"], pub["parameter"], pub["value"]) if s == "epoch_mle"}
    missing = [p for p in ("A", "B", "E", "alpha", "beta") if p not in fit or math.isnan(fit[p])]
    if missing:
        return "chinchilla_published", len(pub), "parameter", (f"epoch_mle has no {', '.join(missing)} "
                                                               f"(expected the fitted law)")
    pts = t["chinchilla_epoch"]
    n = pts["params"].to_numpy()
    d = pts["train_flops"].to_numpy() / (6 * n)
    pred = fit["E"] + fit["A"] / n ** fit["alpha"] + fit["B"] / d ** fit["beta"]
    resid = np.log(pts["loss_nats_per_token"].to_numpy() / pred)
    bad = (np.abs(resid) > FIT_RESIDUAL_TOL) & (pts["epoch_outlier_derived"].to_numpy() == 0)
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        return "chinchilla_epoch", pos, "loss_nats_per_token", (
            f"{pts['loss_nats_per_token'].iloc[pos]:.4f} is {resid[pos]:+.3f} in log from Epoch's fitted law "
            f"({pred[pos]:.4f} at N = {n[pos]:.3g}, D = {d[pos]:.3g}; expected within {FIT_RESIDUAL_TOL})")
    return None
