"""Schemas of the curated Chinchilla / Epoch AI tables (registered into `data.REGISTRY`).

Written by `data/curate_chinchilla.py` from the raw folder `chinchilla_epoch2024/`.
"""
from __future__ import annotations

from typing import Any, Mapping, Optional

from .data import Column, TableSchema, positive_int, register, text

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
    row_checks=(_hex_colours,),
))

register(TableSchema(
    name="chinchilla_published",
    filename="chinchilla_published.csv",
    description="Published Chinchilla-form parameter estimates (Hoffmann et al. 2022; Besiroglu et al. 2024), "
                "as printed, with the source of each.",
    columns=(
        text("estimate_set", choices=("epoch_mle", "epoch_approach3", "hoffmann_printed", "hoffmann_unrounded",
                                      "hoffmann_reported")),
        text("parameter", choices=("A", "B", "E", "alpha", "beta", "a", "b", "e", "a_opt", "huber_objective")),
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
))
