"""Failures a person can act on print one line, not a traceback.

`install()` (called when the `analysis` package is imported) replaces `sys.excepthook` for the
scripts run by `make`: the known failure kinds below print `<script>: error: <what> — <what to
do>` on one line and exit with status 1. Anything else is a bug in our code and keeps its full
traceback, so nothing is hidden. Kept free of numpy/pandas imports: it loads before them.
"""
from __future__ import annotations

import errno
import json
import os
import sys

# Exception classes (by name; their modules import pandas, this one must not) that already carry
# a message naming file, row and column.
USER_ERRORS = ("DataError", "LedgerError", "RecordError", "MethodError")

OS_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space and run make again",
    getattr(errno, "EDQUOT", -1): "the disk quota is exhausted: free some space and run make again",
    errno.EROFS: "the file system is read-only: build in a writable copy of the repository",
    errno.EACCES: "permission denied: make the results directory writable (or build in a copy you own)",
    errno.EPERM: "operation not permitted: make the results directory writable (or build in a copy you own)",
    errno.ENOTDIR: "a path component is a file, not a directory: remove it (for example `make clean`)",
    errno.EFBIG: "the file size limit is reached (ulimit -f): free some space or raise the limit and run make again",
    errno.EISDIR: "a directory stands where a file is expected: remove it (for example `make clean`)",
}


def describe(exc: BaseException) -> str | None:
    """One line for a known failure kind, or None for a bug (which keeps its traceback)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & set(USER_ERRORS):
        return str(exc).replace("\n", " ")
    if isinstance(exc, json.JSONDecodeError):
        return (f"corrupt JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}; "
                "delete the file and run make again")
    if isinstance(exc, OSError) and exc.errno in OS_ADVICE:
        where = exc.filename or "(unknown file)"
        return f"{where}: {exc.strerror or os.strerror(exc.errno)} — {OS_ADVICE[exc.errno]}"
    return None


def program() -> str:
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return spec.name if spec is not None else os.path.basename(sys.argv[0] or "python")


def _hook(exc_type, exc, tb, _default=sys.excepthook):
    line = describe(exc) if isinstance(exc, Exception) else None
    if line is None:
        _default(exc_type, exc, tb)
        return
    try:
        sys.stderr.write(f"{program()}: error: {line}\n")
        sys.stderr.flush()
    except OSError:  # stderr itself is gone (closed pipe, full disk): nothing left to tell
        pass


def install() -> None:
    sys.excepthook = _hook
    # Under a locale whose encoding lacks a character we print (the minus sign, Greek letters),
    # replace that character instead of failing: `make verify` works under any locale.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # pragma: no cover - detached or closed stream
                pass
