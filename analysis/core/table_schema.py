"""The schema language, registry and reader of the curated tables in `data/`, and the rule
helpers the schema modules share.

Schema modules (`data.py` for the Cerebras-GPT and Pythia tables, `data_chinchilla.py`,
`data_related.py`) import this module and declare their tables with `register(TableSchema(...))`
and their cross-table rules with `@cross_check`. `read_table`/`load_table` parse one file against
its schema; `validate` loads every registered table and runs every cross-table check. `data.py`
imports the two related-work schema modules and re-exports these names, so every consumer of
`data` sees every table. Imports run one way (schema modules -> this module; data -> schema
modules); this module imports only `paths` from the library. The file conventions (row numbers,
encoding, cells, ...) are described in data.py.
"""
from __future__ import annotations

import csv
import gzip
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional

import numpy as np
import pandas as pd

from .paths import DATA, rel

__all__ = [
    "Column", "TableSchema", "REGISTRY", "register", "schema", "RowCheck", "TableCheck",
    "text", "positive_int", "nonneg_int", "positive", "nonneg", "probability",
    "CrossProblem", "CrossCheck", "CROSS_CHECKS", "cross_check",
    "first_true", "expect_sequence", "label_value", "NEAR_CHANCE_MARGIN", "chance_levels", "below_chance",
    "near_chance_reason", "DataError", "CURATE_HINT", "read_table", "load_table", "validate",
]

CURATE_HINT = "python -m data.curate /path/to/raw/cerebras_pythia"


# --------------------------------------------------------------------------- errors


class DataError(ValueError):
    """A curated data file is malformed.

    Attributes: `file` (repository-relative path, as shown), `path` (Path), `row` (line
    number, header = 1, or None), `column` (column name or None) and `reason`.
    """

    def __init__(self, file: str | Path, row: Optional[int], column: Optional[str], reason: str):
        self.path = Path(file)
        self.file = rel(self.path)
        self.row = row
        self.column = column
        self.reason = reason
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts) + ": " + self.reason


# --------------------------------------------------------------------------- columns and tables

_FLOAT_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_INT_RE = re.compile(r"^[+-]?\d+$")
DTYPES = ("int", "float", "str")


def _fmt_bound(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"


@dataclass(frozen=True)
class Column:
    """One column: type, whether empty cells are allowed, and an optional allowed range/set.

    `lo`/`hi` bound numeric values; `lo_open`/`hi_open` make the bound strict (`lo=0,
    lo_open=True` means "> 0"). `choices` restricts the parsed value to a set.
    """

    name: str
    dtype: str
    nullable: bool = False
    lo: Optional[float] = None
    hi: Optional[float] = None
    lo_open: bool = False
    hi_open: bool = False
    choices: Optional[tuple] = None
    doc: str = ""

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"column {self.name!r}: dtype must be one of {DTYPES}, not {self.dtype!r}")
        if self.dtype == "str" and (self.lo is not None or self.hi is not None):
            raise ValueError(f"column {self.name!r}: a str column cannot have a numeric range")

    def range_text(self) -> str:
        lo = -math.inf if self.lo is None else self.lo
        hi = math.inf if self.hi is None else self.hi
        left = "(" if (self.lo_open or self.lo is None) else "["
        right = ")" if (self.hi_open or self.hi is None) else "]"
        return f"{left}{_fmt_bound(lo)}, {_fmt_bound(hi)}{right}"

    def parse(self, text: str) -> tuple[Any, Optional[str]]:
        """Return (value, None) or (None, reason). An empty cell gives (None, None) if nullable."""
        if text == "":
            return (None, None) if self.nullable else (None, "missing value (empty cell)")
        if text != text.strip():
            return None, f"value {text!r} has leading or trailing whitespace"
        if self.dtype == "str":
            value: Any = text
        elif self.dtype == "int":
            if not _INT_RE.match(text):
                return None, f"{text!r} is not an integer"
            value = int(text)
        else:
            if not _FLOAT_RE.match(text):
                return None, f"{text!r} is not a number"
            value = float(text)
            if not math.isfinite(value):
                return None, f"{text!r} is not a finite number"
        if self.dtype != "str" and (self.lo is not None or self.hi is not None):
            bad_lo = self.lo is not None and (value <= self.lo if self.lo_open else value < self.lo)
            bad_hi = self.hi is not None and (value >= self.hi if self.hi_open else value > self.hi)
            if bad_lo or bad_hi:
                if self.hi is None:
                    return None, f"value {text} must be {'>' if self.lo_open else '>='} {_fmt_bound(self.lo)}"
                return None, f"value {text} outside {self.range_text()}"
        if self.choices is not None and value not in self.choices:
            allowed = ", ".join(repr(c) for c in self.choices)
            return None, f"value {text!r} is not one of {allowed}"
        return value, None


# shorthand constructors for the registry
def text(name: str, doc: str = "", **kw) -> Column:
    return Column(name, "str", doc=doc, **kw)


def positive_int(name: str, doc: str = "", **kw) -> Column:
    return Column(name, "int", lo=0, lo_open=True, doc=doc, **kw)


def nonneg_int(name: str, doc: str = "", **kw) -> Column:
    return Column(name, "int", lo=0, doc=doc, **kw)


def positive(name: str, doc: str = "", **kw) -> Column:
    return Column(name, "float", lo=0, lo_open=True, doc=doc, **kw)


def nonneg(name: str, doc: str = "", **kw) -> Column:
    return Column(name, "float", lo=0, doc=doc, **kw)


def probability(name: str, doc: str = "", **kw) -> Column:
    return Column(name, "float", lo=0, hi=1, doc=doc, **kw)


RowCheck = Callable[[Mapping[str, Any]], Optional[tuple[str, str]]]
# A table check returns None or (position, column, reason); position is the 0-based index of the
# offending row in the frame (file order), or len(frame) for "a row is missing at the end".
TableCheck = Callable[[pd.DataFrame], Optional[tuple[int, str, str]]]


@dataclass(frozen=True)
class TableSchema:
    """Declarative description of one curated file.

    name        registry name (used by `load_table`), normally the file stem
    filename    file name inside the data directory (`.gz` is decompressed)
    columns     the exact header, in order
    key         columns whose combination must be unique
    sort_by     rows must be in non-decreasing order of these columns; empty means the file
                order itself carries meaning (e.g. the order of claims in the paper)
    sort_keys   optional per-column key functions for `sort_by` (e.g. Pythia size order)
    row_checks  functions(row dict) -> None or (column, reason), for cross-column rules
    table_checks functions(frame) -> None or (position, column, reason), for cross-row rules
                (counts, completeness, monotonic relations); see `TableCheck`
    """

    name: str
    filename: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    sort_by: tuple[str, ...]
    sort_keys: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    row_checks: tuple[RowCheck, ...] = ()
    table_checks: tuple[TableCheck, ...] = ()

    def __post_init__(self) -> None:
        names = self.column_names
        if len(set(names)) != len(names):
            raise ValueError(f"schema {self.name!r}: duplicate column names")
        for group, cols in (("key", self.key), ("sort_by", self.sort_by), ("sort_keys", tuple(self.sort_keys))):
            unknown = [c for c in cols if c not in names]
            if unknown:
                raise ValueError(f"schema {self.name!r}: {group} names unknown columns {unknown}")
        if not self.key:
            raise ValueError(f"schema {self.name!r}: a key is required")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


REGISTRY: dict[str, TableSchema] = {}


def register(table: TableSchema) -> TableSchema:
    """Add a table to the registry (one call per curated file)."""
    if table.name in REGISTRY:
        raise ValueError(f"table {table.name!r} is already registered")
    if any(t.filename == table.filename for t in REGISTRY.values()):
        raise ValueError(f"file {table.filename!r} is already registered")
    REGISTRY[table.name] = table
    return table


def schema(name: str) -> TableSchema:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no curated table named {name!r}; known tables: {sorted(REGISTRY)}") from None


# --------------------------------------------------------------------------- rule helpers

# Accuracies may sit below chance (a model that prefers a distractor), but not far: real lowest
# values, accuracy minus chance: -0.154 (WSC, 104 items, pythia-1.4b-deduped at step 53000),
# -0.135 (WSC, final checkpoint), -0.132 (Cerebras-GPT OpenBookQA), -0.133 (Gadre winogender),
# -0.048 (ObsScaling ARC-C). 0.2 admits these and catches a swapped column between a binary task
# and a 4-way or open-vocabulary one (e.g. LAMBADA 0.194 under PIQA: 0.31 below chance).
NEAR_CHANCE_MARGIN = 0.2


def first_true(mask) -> Optional[int]:
    """Position of the first True in a boolean array, or None."""
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))
    return int(idx[0]) if len(idx) else None


def expect_sequence(found: list, expected: list, what: Callable[[Any], str]) -> Optional[tuple[int, str]]:
    """First difference between the keys found (file order) and the expected keys.

    Returns (position, reason) or None; position len(found) means a row is missing at the end.
    The reason says what is wrong; the caller appends what is expected.
    """
    wanted = set(expected)
    for i, (f, e) in enumerate(zip(found, expected)):
        if f != e:
            if f not in wanted:
                return i, f"unexpected {what(f)} where {what(e)} belongs"
            return i, f"{what(e)} is missing before {what(f)}"
    if len(found) > len(expected):
        return len(expected), f"unexpected extra {what(found[len(expected)])} after the last of {len(expected)} rows"
    if len(found) < len(expected):
        return len(found), (f"{len(expected) - len(found)} row(s) missing after the last row, "
                            f"from {what(expected[len(found)])} on")
    return None


def label_value(label: str) -> int:
    """'111M' -> 111_000_000, '1.4B' -> 1_400_000_000 (exact, via Decimal)."""
    from decimal import Decimal, InvalidOperation

    scale = {"M": 10 ** 6, "B": 10 ** 9}.get(label[-1:].upper())
    try:
        if scale is None:
            raise InvalidOperation
        return int(Decimal(label[:-1]) * scale)
    except InvalidOperation:
        raise ValueError(f"{label!r} is not a size label like 111M or 1.4B") from None


# --------------------------------------------------------------------------- cross-table checks
# Problem = (registry name of the table to blame, position in its frame, column, reason).
CrossProblem = tuple[str, int, str, str]


@dataclass(frozen=True)
class CrossCheck:
    """A rule over several tables, run by `validate` after every table has loaded."""

    name: str
    tables: tuple[str, ...]
    check: Callable[[Mapping[str, pd.DataFrame]], Optional[CrossProblem]]


CROSS_CHECKS: list[CrossCheck] = []


def cross_check(*tables: str) -> Callable:
    """Decorator: register `fn(frames) -> None | CrossProblem` as a cross-table check over `tables`."""
    def wrap(fn):
        CROSS_CHECKS.append(CrossCheck(fn.__name__.lstrip("_"), tables, fn))
        return fn
    return wrap


def chance_levels(bench: pd.DataFrame) -> dict[str, float]:
    """Harness task name -> chance accuracy (benchmarks.csv)."""
    return dict(zip(bench["task"], bench["chance_accuracy"]))


def below_chance(values, chance) -> Optional[int]:
    """Position of the first accuracy more than NEAR_CHANCE_MARGIN below its chance level."""
    return first_true(np.asarray(values, dtype=float) < np.asarray(chance, dtype=float) - NEAR_CHANCE_MARGIN - 1e-12)


def near_chance_reason(value: float, chance: float, task: str) -> str:
    return (f"accuracy {float(value)!r} is {chance - value:.3f} below chance {chance:g} on {task} "
            f"(expected at least chance - {NEAR_CHANCE_MARGIN}; a swapped column or a wrong unit?)")


# --------------------------------------------------------------------------- reading


def _decode(path: Path, raw: bytes) -> str:
    if path.name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise DataError(path, None, None, f"not a valid gzip file ({exc})") from None
    if not raw:
        raise DataError(path, 1, None, "file is empty (expected a header row)")
    if raw.startswith(b"\xef\xbb\xbf"):
        raise DataError(path, 1, None,
                        "file starts with a UTF-8 byte-order mark (BOM); curated files are UTF-8 without BOM. "
                        f"Re-save without BOM or regenerate with `{CURATE_HINT}`")
    cr = raw.find(b"\r")
    if cr >= 0:
        line = raw.count(b"\n", 0, cr) + 1
        raise DataError(path, line, None,
                        "carriage return found (CRLF or CR line ending); curated files use LF only. "
                        "If git converted line endings, disable core.autocrlf for data/ and check the file out again, "
                        f"or regenerate with `{CURATE_HINT}`")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise DataError(path, line, None, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None


def _records(path: Path, text_: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text_, newline=""), strict=True)
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error as exc:
        raise DataError(path, reader.line_num, None, f"malformed CSV ({exc})") from None


def _check_header(path: Path, table: TableSchema, header: list[str]) -> None:
    expected = list(table.column_names)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise DataError(path, 1, name, "column appears twice in the header")
        seen.add(name)
    for name in header:
        if name not in expected:
            raise DataError(path, 1, name, f"unknown column (table {table.name!r} expects: {', '.join(expected)})")
    for name in expected:
        if name not in seen:
            raise DataError(path, 1, name, f"missing column (table {table.name!r} expects: {', '.join(expected)})")
    if header != expected:
        for pos, (got, want) in enumerate(zip(header, expected)):
            if got != want:
                raise DataError(path, 1, got, f"column in position {pos + 1} should be {want!r}; "
                                              f"expected order: {', '.join(expected)}")


def _frame(table: TableSchema, values: dict[str, list]) -> pd.DataFrame:
    data = {}
    for col in table.columns:
        vals = values[col.name]
        has_null = any(v is None for v in vals)
        if col.dtype == "int":
            data[col.name] = pd.array(vals, dtype="Int64") if has_null else np.asarray(vals, dtype=np.int64)
        elif col.dtype == "float":
            data[col.name] = np.asarray([np.nan if v is None else v for v in vals], dtype=np.float64)
        elif has_null:  # object dtype keeps None (falsy, `is None`-testable) for empty optional cells
            data[col.name] = pd.Series(vals, dtype=object)
        else:
            data[col.name] = pd.array(vals, dtype="str")
    return pd.DataFrame(data, columns=list(table.column_names))


def _line_of(lines: list[int], pos: int) -> int:
    """File line of frame position `pos`; len(frame) means the line after the last row."""
    return lines[pos] if pos < len(lines) else lines[-1] + 1


def _read(path: Path, table: TableSchema) -> tuple[pd.DataFrame, list[int]]:
    """`read_table`, also returning the file line of every row (for cross-table messages)."""
    frame, lines = _parse(path, table)
    for check in table.table_checks:
        problem = check(frame)
        if problem:
            pos, column, reason = problem
            raise DataError(path, _line_of(lines, pos), column, reason)
    return frame, lines


def read_table(path: str | Path, table: TableSchema) -> pd.DataFrame:
    """Parse and validate one file against `table`; return a typed DataFrame (file row order kept)."""
    return _read(Path(path), table)[0]


def _parse(path: Path, table: TableSchema) -> tuple[pd.DataFrame, list[int]]:
    """Cell, row, key and order checks; the frame has a RangeIndex in file order."""
    if not path.is_file():
        raise DataError(path, None, None, f"file not found (table {table.name!r}); regenerate with `{CURATE_HINT}`")
    text_ = _decode(path, path.read_bytes())
    records = _records(path, text_)
    try:
        _, header = next(records)
    except StopIteration:  # pragma: no cover - non-empty text always yields a record
        raise DataError(path, 1, None, "file is empty (expected a header row)") from None
    _check_header(path, table, header)

    names = table.column_names
    ncol = len(names)
    values: dict[str, list] = {n: [] for n in names}
    lines: list[int] = []
    keys_seen: dict[tuple, int] = {}
    sort_cols = table.sort_by
    prev_sort: Optional[tuple] = None
    prev_line = 0
    for line, record in records:
        if not record:
            raise DataError(path, line, None, "blank line (every line after the header must be a data row)")
        if len(record) != ncol:
            raise DataError(path, line, None, f"expected {ncol} fields, found {len(record)}")
        row: dict[str, Any] = {}
        for col, cell in zip(table.columns, record):
            value, problem = col.parse(cell)
            if problem:
                raise DataError(path, line, col.name, problem)
            row[col.name] = value
        key = tuple(row[c] for c in table.key)
        if key in keys_seen:
            shown = ", ".join(f"{c}={row[c]!r}" for c in table.key)
            raise DataError(path, line, ", ".join(table.key),
                            f"duplicate key ({shown}) already in row {keys_seen[key]}")
        keys_seen[key] = line
        for check in table.row_checks:
            problem = check(row)
            if problem:
                raise DataError(path, line, problem[0], problem[1])
        sort_values = []
        for c in sort_cols:
            fn = table.sort_keys.get(c)
            v = row[c]
            if fn is not None:
                try:
                    v = fn(v)
                except ValueError as exc:
                    raise DataError(path, line, c, str(exc)) from None
            sort_values.append((v is None, v))  # empty cells sort last
        current = tuple(sort_values)
        if prev_sort is not None and current < prev_sort:
            culprit = next(c for c, a, b in zip(sort_cols, current, prev_sort) if a != b)
            raise DataError(path, line, culprit,
                            f"rows are out of order: must be sorted by ({', '.join(sort_cols)}), "
                            f"but this row sorts before row {prev_line}")
        prev_sort, prev_line = current, line
        for n in names:
            values[n].append(row[n])
        lines.append(line)
    if not lines:
        raise DataError(path, 2, None, "no data rows after the header")
    return _frame(table, values), lines


def load_table(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Load the curated table `name` (a registry name, e.g. 'cerebras_gpt') from `data_dir` (default data/)."""
    table = schema(name)
    return read_table(Path(DATA if data_dir is None else data_dir) / table.filename, table)


def validate(data_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Load every registered table (all cell, row and table checks), then run `CROSS_CHECKS`.

    This is the build's data check (with `verify_checksums`). Returns {registry name: frame};
    raises `DataError` for the first problem, naming file, row and column.
    """
    base = Path(DATA if data_dir is None else data_dir)
    frames: dict[str, pd.DataFrame] = {}
    lines: dict[str, list[int]] = {}
    for name, table in REGISTRY.items():
        frames[name], lines[name] = _read(base / table.filename, table)
    for cc in CROSS_CHECKS:
        problem = cc.check({t: frames[t] for t in cc.tables})
        if problem:
            name, pos, column, reason = problem
            raise DataError(base / schema(name).filename, _line_of(lines[name], pos), column, reason)
    return frames
