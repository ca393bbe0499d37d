"""The tests import the project as `python -m analysis.<script>` does: from the repository root,
which `python -m pytest` (what `make test`, tox and CI run) puts on the import path."""
import pytest

try:
    import analysis  # noqa: F401  (sets single-threaded BLAS before any test imports numpy)
except ModuleNotFoundError as exc:  # e.g. a bare `pytest`, or a run from another directory
    raise pytest.UsageError("run the tests from the repository root with `python -m pytest` "
                            f"(or `make test`): {exc}") from None
