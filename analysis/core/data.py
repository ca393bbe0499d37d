"""Loading, validation and checksum verification of the curated tables in `data/`.

Every analysis script reads data through this module. Each curated file has one
`TableSchema` in the registry (`REGISTRY`); `load_table(name)` parses the file with a strict
cell parser, checks it against the schema and returns a typed pandas DataFrame. Nothing is
coerced or dropped silently: the first problem found raises `DataError`, which names the
file, the row and the column.

Conventions
-----------
Row numbers
    A row number is the line number in the file: the header is row 1, the first data row
    is row 2. `DataError.row` is `None` only for problems that concern the whole file
    (for example a checksum mismatch).
Encoding
    UTF-8 **without** a byte-order mark. A BOM is rejected, not stripped: the curated files
    have one canonical byte form (the one `data/SHA256SUMS` pins), and a BOM means the
    file was re-saved by another tool, so it should be regenerated rather than accepted.
Line endings
    LF only. A carriage return anywhere (CRLF endings, usually from a Windows checkout with
    `core.autocrlf`) is rejected with the row where it first occurs, for the same reason.
Cells
    No cell is trimmed. Numbers must match a plain decimal/scientific pattern (`0.380`,
    `2.6E+18`); `nan`, `inf`, thousands separators, padding spaces and empty cells in a
    required column are errors. Integers must be written as integers (`1.0` is rejected).
Compression
    A schema whose file name ends in `.gz` is read through gzip; the checks are the same.
Types
    int -> int64, float -> float64, str -> pandas str. Empty cells are allowed only in columns
    declared nullable; they become <NA> (int, as pandas Int64), NaN (float) or None (str, in an
    object column, so `value or ""` and `value is None` behave as expected).
Checksums
    `verify_checksums` is separate from `load_table`: the data-check step of the build calls it
    once; tests call `load_table` on modified copies without it.

Adding a table
--------------
Write one `register(TableSchema(...))` entry below (columns with types and ranges, key
columns, sort order) and list the file in `data/SHA256SUMS` through its curation script.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Optional

import numpy as np
import pandas as pd

from .paths import CHECKSUMS, DATA, rel

__all__ = [
    "DataError",
    "ChecksumError",
    "Column",
    "TableSchema",
    "REGISTRY",
    "register",
    "schema",
    "read_table",
    "load_table",
    "verify_checksums",
    "read_checksums",
    "load_cerebras",
    "load_pythia_models",
    "load_pythia_final",
    "load_pythia_trajectory",
    "load_benchmarks",
    "load_sources",
    "cerebras_tasks",
    "TaskSet",
    "CEREBRAS_TASKS",
    "PYTHIA_CORE_TASKS",
    "pythia_model_order",
]

CURATE_HINT = "python data/curate.py /path/to/raw/cerebras_pythia"

# Canonical task order for the Cerebras-GPT columns (zs_<task>, fs_<task>).
CEREBRAS_TASKS: tuple[str, ...] = (
    "lambada", "hellaswag", "piqa", "winogrande", "arc_easy", "arc_challenge", "openbookqa",
)
# Cerebras column suffix -> lm-evaluation-harness task name (benchmarks.csv, Pythia tables).
CEREBRAS_TO_HARNESS: dict[str, str] = {t: t for t in CEREBRAS_TASKS} | {"lambada": "lambada_openai"}
# The eight tasks EleutherAI evaluated at every Pythia checkpoint (P1), in harness naming.
PYTHIA_CORE_TASKS: tuple[str, ...] = (
    "lambada_openai", "piqa", "winogrande", "arc_easy", "arc_challenge", "sciq", "logiqa", "wsc",
)
PYTHIA_TOKENS_PER_STEP = 2_097_152  # P2: batch of 1024 sequences x 2048 tokens
# Plausibility bound on parameter counts: every model here has more than a million parameters,
# so a smaller count means a wrong unit (e.g. 111 for "111M", or billions for parameters).
MIN_PARAMS = 1_000_000


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


class ChecksumError(DataError):
    """A data file does not match `data/SHA256SUMS`, is missing, or is not listed."""


# --------------------------------------------------------------------------- schema

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
    """

    name: str
    filename: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    sort_by: tuple[str, ...]
    sort_keys: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    row_checks: tuple[RowCheck, ...] = ()

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


# --------------------------------------------------------------------------- helpers for entries

_PYTHIA_NAME = re.compile(r"^pythia-(\d+(?:\.\d+)?)([mb])(-deduped)?$")


def pythia_model_order(name: str) -> tuple[float, int]:
    """Sort key for Pythia model names: (nominal size, deduped flag). 'pythia-1.4b-deduped' -> (1.4e9, 1)."""
    m = _PYTHIA_NAME.match(name)
    if not m:
        raise ValueError(f"{name!r} is not a Pythia model name of the form pythia-<size><m|b>[-deduped]")
    scale = 1e6 if m.group(2) == "m" else 1e9
    return float(m.group(1)) * scale, int(m.group(3) is not None)


def _metric_range(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    metric, value = row["metric"], row["value"]
    if metric in ("acc", "acc_norm") and not 0.0 <= value <= 1.0:
        return "value", f"value {value!r} outside [0, 1] (metric {metric})"
    if metric == "ppl":
        if row["task"] != "lambada_openai":
            return "metric", f"ppl is only expected for lambada_openai, not {row['task']!r}"
        if not value > 0:
            return "value", f"perplexity {value!r} must be > 0"
    return None


def _tokens_seen(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    expected = row["step"] * PYTHIA_TOKENS_PER_STEP
    if row["tokens_seen_derived"] != expected:
        return "tokens_seen_derived", (
            f"{row['tokens_seen_derived']} != step x {PYTHIA_TOKENS_PER_STEP} = {expected}")
    return None


def _chance(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
    k, chance = row["n_choices"], row["chance_accuracy"]
    if k is None:
        if chance != 0:
            return "chance_accuracy", "tasks without answer options (n_choices empty) must have chance_accuracy 0"
    elif abs(chance - 1.0 / k) > 1e-12:
        return "chance_accuracy", f"chance_accuracy {chance!r} != 1/n_choices = 1/{k}"
    return None


def _plausible_params(*columns: str) -> RowCheck:
    """Row check: parameter counts of at least MIN_PARAMS (catches a count given in millions or billions)."""
    def check(row: Mapping[str, Any]) -> Optional[tuple[str, str]]:
        for c in columns:
            if row[c] is not None and row[c] < MIN_PARAMS:
                return c, (f"implausible parameter count {row[c]!r} (< {MIN_PARAMS:,}); counts are in "
                           f"parameters, not millions or billions")
        return None
    return check


# --------------------------------------------------------------------------- the registry

_CEREBRAS_ACC = [probability(f"zs_{t}", f"0-shot accuracy, {t} (S1)") for t in CEREBRAS_TASKS]
_CEREBRAS_ACC.append(probability("zs_downstream_avg", "0-shot 'Downstream Average' (S1)"))
_CEREBRAS_ACC += [probability(f"fs_{t}", f"5-shot accuracy, {t} (S1)") for t in CEREBRAS_TASKS]

register(TableSchema(
    name="cerebras_gpt",
    filename="cerebras_gpt.csv",
    description="Cerebras-GPT standard-parameterisation models: published size, tokens, FLOPs, "
                "Pile test loss (nats/token) and downstream accuracies, plus derived exact counts.",
    columns=(
        text("model"),
        text("params_label", "published size label, e.g. 111M"),
        positive_int("params_nominal", "params_label as a number (rounded, not exact)"),
        positive_int("params_total_derived", "DERIVED: V*d + T*d + L*(12d^2+13d) + 2d"),
        positive_int("params_nonembedding_derived", "DERIVED: L*(12d^2+13d) + 2d"),
        positive("train_tokens", "published, 3 significant figures"),
        positive_int("train_tokens_derived", "DERIVED: steps * batch * 2048"),
        positive("tokens_per_param"),
        positive("train_flops", "S1 (= S2 evaluation tables)"),
        positive("train_flops_modelzoo_training_table", "S2 training table (differs)"),
        positive("pile_loss_hf_card", "PILE test xent, nats/token, S1"),
        positive("pile_loss_modelzoo_readme", "PILE test xent, nats/token, S2"),
        *_CEREBRAS_ACC,
    ),
    key=("model",),
    sort_by=("params_nominal",),
    row_checks=(_plausible_params("params_nominal", "params_total_derived", "params_nonembedding_derived"),),
))

register(TableSchema(
    name="pythia_models",
    filename="pythia_models.csv",
    description="The 16 Pythia models (8 sizes, standard and deduplicated Pile): parameter counts and tokens.",
    columns=(
        text("model"),
        text("size_label"),
        Column("deduped", "int", choices=(0, 1)),
        positive_int("params_total"),
        positive_int("params_nonembedding"),
        positive_int("train_tokens"),
    ),
    key=("model",),
    sort_by=("model",),
    sort_keys={"model": pythia_model_order},
    row_checks=(_plausible_params("params_total", "params_nonembedding"),),
))

register(TableSchema(
    name="pythia_final",
    filename="pythia_final.csv",
    description="EleutherAI's own evaluations of the final Pythia checkpoint (step 143000), core tasks.",
    columns=(
        text("model"),
        Column("num_fewshot", "int", choices=(0, 5)),
        text("task", choices=PYTHIA_CORE_TASKS),
        text("metric", choices=("acc", "acc_norm", "ppl")),
        nonneg("value", "acc/acc_norm in [0, 1]; ppl > 0 (row check)"),
        nonneg("stderr"),
    ),
    key=("model", "num_fewshot", "task", "metric"),
    sort_by=("model", "num_fewshot", "task", "metric"),
    sort_keys={"model": pythia_model_order},
    row_checks=(_metric_range,),
))

register(TableSchema(
    name="pythia_trajectory",
    filename="pythia_trajectory.csv",
    description="Pythia evaluations at every published checkpoint: acc for the core tasks and LAMBADA ppl.",
    columns=(
        text("model"),
        nonneg_int("step"),
        nonneg_int("tokens_seen_derived", "DERIVED: step * 2,097,152"),
        Column("num_fewshot", "int", choices=(0, 5)),
        text("task", choices=PYTHIA_CORE_TASKS),
        text("metric", choices=("acc", "ppl")),
        nonneg("value", "acc in [0, 1]; ppl > 0 (row check)"),
        nonneg("stderr"),
    ),
    key=("model", "step", "num_fewshot", "task", "metric"),
    sort_by=("model", "step", "num_fewshot", "task", "metric"),
    sort_keys={"model": pythia_model_order},
    row_checks=(_metric_range, _tokens_seen),
))

register(TableSchema(
    name="benchmarks",
    filename="benchmarks.csv",
    description="Every evaluation task used: size of the evaluated split, number of answer options, chance accuracy.",
    columns=(
        text("task"),
        text("display_name"),
        positive_int("n_items"),
        text("n_items_source"),
        text("split_used"),
        Column("n_choices", "int", nullable=True, lo=2),
        probability("chance_accuracy"),
        text("chance_source"),
    ),
    key=("task",),
    sort_by=("task",),
    row_checks=(_chance,),
))

register(TableSchema(
    name="sources",
    filename="sources.csv",
    description="Where every column of every curated table comes from (ids as in the raw PROVENANCE.md).",
    columns=(
        text("table"),
        text("columns", "';'-separated column names"),
        text("source_id", "S1, S2, ... or 'derived'"),
        text("repository", nullable=True),
        text("path", nullable=True),
        text("commit", nullable=True),
        text("note"),
    ),
    key=("table", "columns", "source_id"),
    sort_by=("table",),
))

register(TableSchema(
    name="paper_claims",
    filename="paper_claims.csv",
    description="Values printed in the original paper, transcribed with their location, for the claim audit.",
    columns=(
        text("claim_id"),
        text("location"),
        text("quantity"),
        text("paper_value", "as printed: a number or a word/list"),
        text("comparison", choices=("eq", "gt", "lt")),
        text("ledger_key"),
        text("alt_ledger_key", nullable=True),
    ),
    key=("claim_id",),
    sort_by=(),  # rows follow the paper
))


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


def read_table(path: str | Path, table: TableSchema) -> pd.DataFrame:
    """Parse and validate one file against `table`; return a typed DataFrame (file row order kept)."""
    path = Path(path)
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
        for check in table.row_checks:
            problem = check(row)
            if problem:
                raise DataError(path, line, problem[0], problem[1])
        key = tuple(row[c] for c in table.key)
        if key in keys_seen:
            shown = ", ".join(f"{c}={row[c]!r}" for c in table.key)
            raise DataError(path, line, ", ".join(table.key),
                            f"duplicate key ({shown}) already in row {keys_seen[key]}")
        keys_seen[key] = line
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
    return _frame(table, values)


def load_table(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Load the curated table `name` (a registry name, e.g. 'cerebras_gpt') from `data_dir` (default data/)."""
    table = schema(name)
    return read_table(Path(DATA if data_dir is None else data_dir) / table.filename, table)


# --------------------------------------------------------------------------- checksums

_SUM_LINE = re.compile(r"^([0-9a-f]{64})  (\S(?:.*\S)?)$")
DATA_PATTERNS = ("*.csv", "*.csv.gz")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_checksums(sums: Path) -> dict[str, str]:
    """Parse a sha256sum-format file into {relative file name: hex digest}."""
    if not sums.is_file():
        raise ChecksumError(sums, None, None, f"checksum file not found; regenerate it with `{CURATE_HINT}`")
    entries: dict[str, str] = {}
    for lineno, line in enumerate(sums.read_text(encoding="utf-8").split("\n"), start=1):
        if not line:
            continue
        m = _SUM_LINE.match(line)
        if not m:
            raise ChecksumError(sums, lineno, None,
                                f"malformed line {line!r}; expected '<64 lowercase hex>  <file name>'")
        digest, name = m.groups()
        if name.startswith("/") or ".." in Path(name).parts:
            raise ChecksumError(sums, lineno, None, f"file name {name!r} must be relative to the data directory")
        if name in entries:
            raise ChecksumError(sums, lineno, None, f"{name!r} is listed twice")
        entries[name] = digest
    return entries


def verify_checksums(data_dir: str | Path = DATA) -> dict[str, str]:
    """Check every file listed in `<data_dir>/SHA256SUMS`, and that every data file is listed.

    Returns {file name: digest}. Raises ChecksumError naming the file, the expected and the
    actual digest, and what to do.
    """
    data_dir = Path(data_dir)
    sums = data_dir / CHECKSUMS.name
    entries = read_checksums(sums)
    for name, expected in sorted(entries.items()):
        path = data_dir / name
        if not path.is_file():
            raise ChecksumError(path, None, None,
                                f"listed in {rel(sums)} but missing. Restore it (git checkout) or regenerate "
                                f"the curated data with `{CURATE_HINT}`")
        actual = _sha256(path)
        if actual != expected:
            raise ChecksumError(path, None, None,
                                f"SHA-256 mismatch\n  expected ({rel(sums)}): {expected}\n  actual:   {actual}\n"
                                f"If the change is intended, regenerate the curated data and checksums with "
                                f"`{CURATE_HINT}` (or the curation script that owns this file); "
                                f"otherwise restore the file with `git checkout -- {rel(path)}`")
    for pattern in DATA_PATTERNS:
        for path in sorted(data_dir.rglob(pattern)):
            relname = path.relative_to(data_dir).as_posix()
            if any(part.startswith(".") for part in path.relative_to(data_dir).parts):
                continue  # temporary files of atomic writes, editor files
            if relname not in entries:
                raise ChecksumError(path, None, None,
                                    f"data file not listed in {rel(sums)}. Every data table must be checksummed: "
                                    f"add it through its curation script (e.g. `{CURATE_HINT}`), or remove it")
    return entries


# --------------------------------------------------------------------------- convenience loaders


def load_cerebras(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Cerebras-GPT, 7 rows sorted by size (see `REGISTRY['cerebras_gpt']` for columns)."""
    return load_table("cerebras_gpt", data_dir)


def load_pythia_models(data_dir: str | Path | None = None) -> pd.DataFrame:
    """The 16 Pythia models (8 sizes x {standard, deduped})."""
    return load_table("pythia_models", data_dir)


def load_pythia_final(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Final-checkpoint (step 143000) results, long form: model, num_fewshot, task, metric, value, stderr."""
    return load_table("pythia_final", data_dir)


def load_pythia_trajectory(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Results at every checkpoint (acc, and LAMBADA ppl), long form."""
    return load_table("pythia_trajectory", data_dir)


def load_benchmarks(data_dir: str | Path | None = None) -> pd.DataFrame:
    """One row per task: n_items, split, n_choices, chance_accuracy and their sources."""
    return load_table("benchmarks", data_dir)


def load_sources(data_dir: str | Path | None = None) -> pd.DataFrame:
    """Column-level provenance of the curated tables."""
    return load_table("sources", data_dir)


@dataclass(frozen=True)
class TaskSet:
    """The Cerebras-GPT tasks. Iterating yields the names in canonical order.

    names               Cerebras column suffixes: zs_<name>, fs_<name>
    harness             name -> lm-evaluation-harness task (as in benchmarks.csv and the Pythia tables)
    display             name -> display name (benchmarks.csv)
    shared_with_pythia  names whose harness task is in Pythia's evaluations, in canonical order
    """

    names: tuple[str, ...]
    harness: Mapping[str, str]
    display: Mapping[str, str]
    shared_with_pythia: tuple[str, ...]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def cerebras_tasks(data_dir: str | Path | None = None) -> TaskSet:
    """The 7 Cerebras-GPT tasks in canonical order, with harness and display names."""
    bench = load_benchmarks(data_dir)
    display_by_task = dict(zip(bench["task"], bench["display_name"]))
    display = {}
    for name in CEREBRAS_TASKS:
        harness = CEREBRAS_TO_HARNESS[name]
        if harness not in display_by_task:
            path = Path(DATA if data_dir is None else data_dir) / schema("benchmarks").filename
            raise DataError(path, None, "task", f"task {harness!r} (Cerebras column {name!r}) is missing")
        display[name] = display_by_task[harness]
    return TaskSet(
        names=CEREBRAS_TASKS,
        harness=dict(CEREBRAS_TO_HARNESS),
        display=display,
        shared_with_pythia=tuple(t for t in CEREBRAS_TASKS if CEREBRAS_TO_HARNESS[t] in PYTHIA_CORE_TASKS),
    )


def write_checksums(data_dir: str | Path = DATA) -> Path:
    """Rewrite SHA256SUMS for every registered table file present in `data_dir`.

    Maintainer tool, called by the curation scripts after they write a table; the build only
    ever verifies.
    """
    from .atomic import write_text

    data_dir = Path(data_dir)
    lines = []
    for table in sorted(REGISTRY.values(), key=lambda t: t.filename):
        path = data_dir / table.filename
        if path.exists():
            lines.append(f"{_sha256(path)}  {table.filename}")
    target = data_dir / CHECKSUMS.name
    write_text(target, "\n".join(lines) + "\n")
    return target


# Tables of the related-work datasets register themselves from their own modules.
from . import data_chinchilla, data_related  # noqa: E402,F401
