"""Reproduction, audit and extension of "Scaling Laws Under the Microscope".

`analysis.core` is the importable library; the `analysis/s*_*.py` modules are thin
scripts, one per manuscript section, each run as `python -m analysis.<name>`.

Importing this package fixes the numerical environment before numpy loads (below), and makes
the known failure kinds of a build (bad data, a corrupt ledger, a full disk, an unwritable
results directory) print one line naming the file instead of a traceback.
"""

import os as _os

from analysis.core import numerics as _numerics

_numerics.pin(_os.environ)

from analysis.core import errors as _errors  # noqa: E402  (stdlib only; numpy is not imported)

_errors.install()
