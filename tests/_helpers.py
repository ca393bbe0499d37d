"""Small helpers shared by several test modules."""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest

from analysis.core.paths import DATA, ROOT

# The raw published files the curated tables come from, next to the repository (../shared).
RAW_ROOT = ROOT.parent / "shared" / "data" / "raw"
# Set to 1 where the raw files must be present (CI): a missing raw folder then fails the
# curation tests instead of skipping them.
REQUIRE_RAW_ENV = "SLM_REQUIRE_RAW"


def load_data_script(name: str) -> ModuleType:
    """Import a maintainer script from data/ (e.g. "curate"); data/ is not a package."""
    spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def raw_required() -> bool:
    return os.environ.get(REQUIRE_RAW_ENV, "").strip() not in ("", "0")


def require_raw(folder: str, marker: str = "PROVENANCE.md") -> Path:
    """The raw folder `RAW_ROOT/folder`, for a test that compares curated tables with it.

    If `folder/marker` is missing the test is skipped (a developer without ../shared), or fails
    with the reason when SLM_REQUIRE_RAW=1 (CI, where ../shared is provided).
    """
    path = RAW_ROOT / folder
    if (path / marker).is_file():
        return path
    reason = f"raw published data not available: {path / marker} not found"
    if raw_required():
        pytest.fail(f"{reason}; {REQUIRE_RAW_ENV}=1 requires the curation tests to run "
                    f"(provide the raw folder at {RAW_ROOT}, or unset {REQUIRE_RAW_ENV})", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------- build-time data rules
# A rule test edits a private copy of data/, re-signs SHA256SUMS there (so the checksum check cannot
# be what catches the edit) and expects the build's validation (`verify_checksums` + `validate`, as
# in analysis/s0_data_check.py) to stop with one line naming file, row and column.


def data_copy(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "data"
    target.mkdir()
    for path in DATA.iterdir():
        if path.is_file() and not path.name.startswith("."):
            shutil.copy2(path, target / path.name)
    return target


def read_csv_rows(path: Path) -> list[list[str]]:
    import csv

    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_csv_rows(path: Path, rows: list[list[str]]) -> None:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def find_line(rows: list[list[str]], **match: str) -> int:
    """Line number (header = 1) of the first row whose cells equal `match`."""
    idx = {c: rows[0].index(c) for c in match}
    for line, row in enumerate(rows[1:], start=2):
        if all(row[idx[c]] == v for c, v in match.items()):
            return line
    raise LookupError(f"no row with {match}")


def get_cell(rows: list[list[str]], line: int, column: str) -> str:
    return rows[line - 1][rows[0].index(column)]


def put_cell(rows: list[list[str]], line: int, column: str, value) -> None:
    rows[line - 1][rows[0].index(column)] = str(value)


def expect_rule_violation(tmp_path: Path, filename: str, edit, column: str, *fragments: str,
                          blamed: str | None = None):
    """Apply `edit(rows) -> expected row` to data/<filename> in a copy, re-sign, validate.

    Asserts that validation fails with a one-line `<blamed>, row R, column 'C': ... expected ...`
    message (`blamed` defaults to `filename`; a cross-source rule may name the other file);
    returns the DataError.
    """
    from analysis.core import data

    d = data_copy(tmp_path)
    rows = read_csv_rows(d / filename)
    row = edit(rows)
    write_csv_rows(d / filename, rows)
    data.write_checksums(d)
    data.verify_checksums(d)  # re-signed: the checksum check passes
    with pytest.raises(data.DataError) as info:
        data.validate(d)
    err = info.value
    message = str(err)
    blamed = blamed or filename
    assert "\n" not in message, message
    assert err.file.endswith(blamed) and err.row == row and err.column == column, message
    assert f"{blamed}, row {row}, column {column!r}: " in message, message
    assert "expected" in message, message
    for fragment in fragments:
        assert fragment in message, message
    return err
