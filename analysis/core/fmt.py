"""The one number formatter. Scripts, tables, the manuscript and the tests all call it.

A format spec is a short string:

    f<n>    fixed point, n decimals                  0.10634 -> "0.106"
    pct<n>  value already in percent, n decimals     13.08   -> "13.1%"
    int     integer with thousands separators        1000    -> "1,000"
    p       p-value: 2 significant decimals, floor   0.5812  -> "0.58", 3e-5 -> "< 0.001"
    e<n>    scientific, n decimals, typeset as a power of ten 2.6e18 -> "2.6e18"
    str     the value is already text                "Kaplan"

Negative numbers use the typographic minus sign (U+2212) so that the PDF shows a
minus rather than a hyphen; `parse_formatted` inverts this for checks.
"""
from __future__ import annotations

import math
import re

MINUS = "\u2212"
_SPEC = re.compile(r"^(f|pct|e)(\d)$|^(int|p|str)$")


class FormatError(ValueError):
    pass


def check_spec(spec: str) -> None:
    if not _SPEC.match(spec):
        raise FormatError(f"unknown format spec {spec!r}; expected f<n>, pct<n>, e<n>, int, p or str")


def _signed(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def format_value(value, spec: str) -> str:
    """Format `value` for print according to `spec` (see module docstring)."""
    check_spec(spec)
    if spec == "str":
        if not isinstance(value, str):
            raise FormatError(f"spec 'str' needs text, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FormatError(f"cannot format non-number {value!r} with spec {spec!r}")
    if not math.isfinite(value):
        raise FormatError(f"refusing to print non-finite value {value!r}")
    kind, digits = spec.rstrip("0123456789"), spec[len(spec.rstrip("0123456789")):]
    if kind == "f":
        text = f"{value:.{int(digits)}f}"
        if float(text) == 0:  # never print "-0.000"
            text = text.lstrip("-")
        return _signed(text)
    if kind == "pct":
        text = f"{value:.{int(digits)}f}"
        if float(text) == 0:
            text = text.lstrip("-")
        return _signed(text) + "%"
    if kind == "int":
        if float(value) != int(value):
            raise FormatError(f"spec 'int' given non-integer {value!r}")
        return _signed(f"{int(value):,}")
    if kind == "p":
        if not 0 <= value <= 1:
            raise FormatError(f"p-value out of [0, 1]: {value!r}")
        return "< 0.001" if value < 0.001 else (f"{value:.3f}" if value < 0.01 else f"{value:.2f}")
    if kind == "e":
        mantissa, exponent = f"{value:.{int(digits)}e}".split("e")
        return f"{_signed(mantissa)}e{int(exponent)}"
    raise FormatError(spec)  # pragma: no cover - guarded by check_spec


def parse_formatted(text: str) -> float:
    """Inverse of `format_value` for numeric specs (used by checks on printed values)."""
    cleaned = text.replace(MINUS, "-").replace(",", "").rstrip("%").strip()
    if cleaned.startswith("<"):
        cleaned = cleaned[1:].strip()
    return float(cleaned)


def decimals_of(text: str) -> int:
    """Number of decimals a printed number carries ("0.106" -> 3, "13.1%" -> 1, "-47" -> 0)."""
    cleaned = text.replace(MINUS, "-").rstrip("%").strip()
    return len(cleaned.split(".")[1]) if "." in cleaned else 0
