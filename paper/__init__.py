"""The manuscript: `paper.qmd` (Quarto project) and `build`, the fallback renderer used when
the Quarto CLI is not installed (`python -m paper.build`)."""
