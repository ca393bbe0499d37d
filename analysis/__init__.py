"""Reproduction, audit and extension of "Scaling Laws Under the Microscope".

`analysis.core` is the importable library; the `analysis/s*_*.py` modules are thin
scripts, one per manuscript section, each run as `python -m analysis.<name>`.
"""

import os as _os

# Single-threaded BLAS. Our linear algebra is tiny (5x5 systems inside L-BFGS-B, small OLS); with
# OpenBLAS's default thread pool, every worker process of a parallel bootstrap spins extra threads
# on the same two cores, which made the pooled Chinchilla bootstrap four times slower than serial.
# Parallelism comes from processes instead (`bootstrap.refit_loop`, `make -j2`). Set before numpy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_var, "1")
