"""Figure style and deterministic SVG output.

Kept apart from the table writer so that scripts without figures (the data check, the audit)
do not pay for importing matplotlib.
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from . import atomic, paths  # noqa: E402

# Okabe & Ito (2008) colour-blind-safe palette
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

plt.rcParams.update({
    "svg.hashsalt": "scaling-laws-under-the-microscope",  # stable element ids
    "svg.fonttype": "path",
    "font.size": 9, "axes.titlesize": 9, "axes.labelsize": 9, "legend.fontsize": 7.5,
    "xtick.labelsize": 8, "ytick.labelsize": 8,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.spines.top": False, "axes.spines.right": False, "figure.dpi": 100,
})


def save_figure(fig, name: str) -> None:
    """Save as deterministic SVG (no date, fixed hash salt) atomically."""
    target = paths.FIGURES / f"{name}.svg"
    with atomic.atomic_path(target) as tmp:
        fig.savefig(tmp, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    plt.close(fig)
