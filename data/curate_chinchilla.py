#!/usr/bin/env python
"""Maintainer script: curate Epoch AI's reconstruction of the Chinchilla (Hoffmann et al. 2022)
Fig. 4 points, and the published parameter estimates to compare a refit against.

    python -m data.curate_chinchilla /path/to/raw/chinchilla_epoch2024 [--out data]     (from the repository root)

Writes
* `chinchilla_epoch.csv`: the 245 points of `svg_extracted_data.csv`, in the raw file order,
  columns renamed with explicit units. Published values are copied as the exact strings of the
  raw file. Two columns are added: `point_id` (1-based row number in the raw file, the key)
  and `epoch_outlier_derived` (1 for the 5 highest-loss points, which Besiroglu et al. 2024
  exclude: a point is kept iff its loss is < the 5th-highest loss; see the raw PROVENANCE.md,
  "Outliers").
* `chinchilla_published.csv`: parameter estimates as printed in the raw folder's
  PROVENANCE.md (Epoch's notebook outputs) and in Hoffmann et al. (2022), one row per
  (estimate set, parameter), each with its source. Only values stated there are listed.
  The last rows (estimate set `chinchilla_model`) are the Chinchilla model's size N, training
  tokens D and the compute C = 6 N D stated for it, read from the raw PROVENANCE.md line
  "At Chinchilla's compute, C = 6 × N × D = C FLOPs" (the curation fails if that line is missing).

Both tables are validated against their schemas before anything is written and each file is written
atomically (`analysis.core.data.write_curated`); then `SHA256SUMS` is rewritten via
`analysis.core.data.write_checksums`. Running the script again
on the same raw folder gives byte-identical files (tests/test_chinchilla.py checks this).
"""
from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

from analysis.core import data
from analysis.core.paths import DATA

RAW_FILE = "svg_extracted_data.csv"
PROVENANCE_FILE = "PROVENANCE.md"
RAW_HEADER = ["x", "y", "color", "Model Size", "Training FLOP", "hex_color", "loss"]
N_POINTS = 245
N_OUTLIERS = 5

# raw column -> curated column (units explicit in the name)
RENAME = {
    "x": "svg_x_px",
    "y": "svg_y_px",
    "color": "marker_color_hex",
    "Model Size": "params",
    "Training FLOP": "train_flops",
    "hex_color": "colorbar_color_hex",
    "loss": "loss_nats_per_token",
}
EPOCH_COLUMNS = ["point_id", *RENAME.values(), "epoch_outlier_derived"]

EPOCH_NB = ("Besiroglu et al. (2024), arXiv:2404.10102; epoch-research/analyzing-chinchilla "
            "data_analysis.ipynb outputs at commit 92258837425e1b5f2851d624287f0120583a3d0e")
HOFF_PAPER = "Hoffmann et al. (2022), arXiv:2203.15556, main text (Approach 3)"
HOFF_TEX = "Hoffmann et al. (2022), arXiv:2203.15556, TeX source (unrounded), as quoted by Besiroglu et al. (2024)"

HOFF_MODEL = "Hoffmann et al. (2022), arXiv:2203.15556: the Chinchilla model (70B parameters, 1.4T training tokens)"

PUBLISHED_COLUMNS = ["estimate_set", "parameter", "value", "se", "ci_lo", "ci_hi", "ci_level_pct", "source", "note"]
# (estimate_set, parameter, value, se, ci_lo, ci_hi, ci_level_pct, source, note): strings as printed
PUBLISHED = [
    ("epoch_mle", "A", "482.01", "124.52", "285.2", "743.6", "95", EPOCH_NB,
     "Huber-density maximum likelihood, 240 points; bootstrap SE and percentile interval (4,000 resamples)"),
    ("epoch_mle", "B", "2085.43", "1293.28", "1042.4", "5810.3", "95", EPOCH_NB, ""),
    ("epoch_mle", "E", "1.8169", "0.026", "1.769", "1.871", "95", EPOCH_NB, ""),
    ("epoch_mle", "alpha", "0.3478", "0.015", "0.317", "0.373", "95", EPOCH_NB, ""),
    ("epoch_mle", "beta", "0.3659", "0.021", "0.331", "0.415", "95", EPOCH_NB,
     "a third-party summary of the paper quotes 0.3658"),
    ("epoch_mle", "a", "6.1780", "", "", "", "", EPOCH_NB, "log A"),
    ("epoch_mle", "b", "7.6427", "", "", "", "", EPOCH_NB, "log B"),
    ("epoch_mle", "e", "0.5971", "", "", "", "", EPOCH_NB, "log E"),
    ("epoch_mle", "a_opt", "0.513", "0.020", "", "", "", EPOCH_NB,
     "data-optimal exponent a = beta/(alpha+beta) of N_opt ~ C^a; its 80% CI width is 0.051"),
    ("epoch_approach3", "A", "477.8", "", "", "", "", EPOCH_NB,
     "exact Approach-3 replication: Huber sum (delta 1e-3) on log loss, L-BFGS from a grid"),
    ("epoch_approach3", "B", "2143.9", "", "", "", "", EPOCH_NB, ""),
    ("epoch_approach3", "E", "1.8172", "", "", "", "", EPOCH_NB, ""),
    ("epoch_approach3", "alpha", "0.3473", "", "", "", "", EPOCH_NB, ""),
    ("epoch_approach3", "beta", "0.3672", "", "", "", "", EPOCH_NB, ""),
    ("epoch_approach3", "huber_objective", "1.01827e-3", "", "", "", "", EPOCH_NB,
     "value of the Huber objective at the optimum"),
    ("hoffmann_printed", "A", "406.4", "", "", "", "", HOFF_PAPER, ""),
    ("hoffmann_printed", "B", "410.7", "", "", "", "", HOFF_PAPER, ""),
    ("hoffmann_printed", "E", "1.69", "", "", "", "", HOFF_PAPER, ""),
    ("hoffmann_printed", "alpha", "0.34", "", "", "", "", HOFF_PAPER, ""),
    ("hoffmann_printed", "beta", "0.28", "", "", "", "", HOFF_PAPER, ""),
    ("hoffmann_unrounded", "a", "6.0073404", "", "", "", "", HOFF_TEX, "log A"),
    ("hoffmann_unrounded", "b", "6.0179186", "", "", "", "", HOFF_TEX, "log B"),
    ("hoffmann_unrounded", "e", "0.5267228", "", "", "", "", HOFF_TEX, "log E"),
    ("hoffmann_unrounded", "alpha", "0.33917084", "", "", "", "", HOFF_TEX, ""),
    ("hoffmann_unrounded", "beta", "0.2849083", "", "", "", "", HOFF_TEX, ""),
    ("hoffmann_reported", "a_opt", "", "", "0.454", "0.455", "80", EPOCH_NB,
     "Hoffmann et al.'s reported 80% CI for a = beta/(alpha+beta), as quoted by Besiroglu et al. (2024); "
     "no point estimate listed in the raw PROVENANCE"),
]


# The one line of the raw PROVENANCE.md that states the Chinchilla model's N, D and C = 6 N D.
CHINCHILLA_MODEL_LINE = re.compile(r"^At Chinchilla's compute, C = 6 × (?P<n>\S+) × (?P<d>\S+) = (?P<c>\S+) FLOPs:?$",
                                   re.MULTILINE)
CHINCHILLA_MODEL_WHERE = "raw chinchilla_epoch2024/PROVENANCE.md, 'Derived by us from the point estimates'"


class CurationError(RuntimeError):
    pass


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def epoch_rows(raw_dir: Path) -> list[list[str]]:
    path = raw_dir / RAW_FILE
    text = path.read_bytes().decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    if records[0] != RAW_HEADER:
        raise CurationError(f"{path}: header {records[0]} != expected {RAW_HEADER}")
    body = [r for r in records[1:] if r]
    if len(body) != N_POINTS:
        raise CurationError(f"{path}: {len(body)} data rows, expected {N_POINTS}")
    loss = [float(r[RAW_HEADER.index("loss")]) for r in body]
    threshold = sorted(loss, reverse=True)[N_OUTLIERS - 1]  # 5th-highest loss
    outlier = [int(not v < threshold) for v in loss]
    if sum(outlier) != N_OUTLIERS:
        raise CurationError(f"outlier rule flags {sum(outlier)} points, expected {N_OUTLIERS} (ties?)")
    rows = []
    for i, (rec, flag) in enumerate(zip(body, outlier), start=1):
        if rec[RAW_HEADER.index("color")] != rec[RAW_HEADER.index("hex_color")]:
            raise CurationError(f"{path}: row {i + 1}: color != hex_color (PROVENANCE says identical)")
        rows.append([str(i), *rec, str(flag)])
    return rows


def chinchilla_model_rows(raw_dir: Path) -> list[tuple[str, ...]]:
    """The Chinchilla model's N, D and C rows, with the strings as the raw PROVENANCE.md prints them."""
    path = raw_dir / PROVENANCE_FILE
    found = CHINCHILLA_MODEL_LINE.findall(path.read_bytes().decode("utf-8"))
    if len(found) != 1:
        raise CurationError(f"{path}: {len(found)} lines 'At Chinchilla's compute, C = 6 × N × D = C FLOPs', "
                            f"expected exactly 1")
    n, d, c = found[0]
    return [
        ("chinchilla_model", "params", n, "", "", "", "", HOFF_MODEL,
         f"parameters N of the Chinchilla model; as stated in the {CHINCHILLA_MODEL_WHERE}"),
        ("chinchilla_model", "train_tokens", d, "", "", "", "", HOFF_MODEL,
         f"training tokens D of the Chinchilla model; as stated in the {CHINCHILLA_MODEL_WHERE}"),
        ("chinchilla_model", "train_flops", c, "", "", "", "", HOFF_MODEL,
         f"training compute C = 6 N D, rounded as stated in the {CHINCHILLA_MODEL_WHERE}; "
         f"a check on N and D (the analysis computes 6 N D itself)"),
    ]


def published_rows(raw_dir: Path) -> list[list[str]]:
    rows = [*PUBLISHED, *chinchilla_model_rows(raw_dir)]
    for row in rows:
        if len(row) != len(PUBLISHED_COLUMNS):
            raise CurationError(f"published row {row} has the wrong number of fields")
    return [list(r) for r in rows]


def curate(raw_dir: Path, out_dir: Path) -> list[Path]:
    """Build both tables in memory, validate them, then write them and SHA256SUMS."""
    raw_dir, out_dir = Path(raw_dir), Path(out_dir)
    texts = {"chinchilla_epoch.csv": _csv_text(EPOCH_COLUMNS, epoch_rows(raw_dir)),
             "chinchilla_published.csv": _csv_text(PUBLISHED_COLUMNS, published_rows(raw_dir))}
    written = data.write_curated(out_dir, texts)
    written.append(data.write_checksums(out_dir))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("raw_dir", type=Path, help="the raw chinchilla_epoch2024 folder (with PROVENANCE.md)")
    parser.add_argument("--out", type=Path, default=DATA, help="output folder (default: the repository's data/)")
    args = parser.parse_args(argv)
    try:
        written = curate(args.raw_dir, args.out)
    except (CurationError, data.DataError) as exc:
        print(f"curate_chinchilla.py: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
