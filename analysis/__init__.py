"""Reproduction, audit and extension of "Scaling Laws Under the Microscope".

`analysis.core` is the importable library; the `analysis/s*_*.py` modules are thin
scripts, one per manuscript section, each run as `python -m analysis.<name>`.
"""
