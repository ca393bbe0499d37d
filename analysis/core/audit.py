"""The claim-audit rule: one published claim against our recomputed ledger entry.

A claim is *reproduced* when our value, printed at the paper's precision, equals the paper's
printed value (comparison "eq"), or satisfies the stated inequality ("gt", "lt"); otherwise it
*differs*. A claim that differs about a quantity of a loss form whose exponent the data do not
identify (the form's `loss.<form>.alpha_identified` entry is 0: its profile-likelihood interval
runs into the bounds) is *not reproducible*: any optimiser returns some point on a flat ridge.

Both sides are recorded at the paper's precision, so the audit table shows like with like.
Pure functions of a claim (a row of data/paper_claims.csv) and ledger entries
({"value", "format", ...}); no file access.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import fmt

REPRODUCED, DIFFERS, NOT_REPRODUCIBLE = "reproduced", "differs", "not reproducible"
STATUSES = (REPRODUCED, DIFFERS, NOT_REPRODUCIBLE)
UNEXPLAINED = "not yet explained"


@dataclass(frozen=True)
class Printed:
    """A value with the format spec it is recorded under."""
    value: float | int | str
    spec: str


@dataclass(frozen=True)
class Verdict:
    claim_id: str
    status: str
    reason: str            # empty for a reproduced claim without an alternative
    paper: Printed
    ours: Printed
    alt: Printed | None    # the value under the undocumented choice that reproduces the paper


def claim_holds(claim: dict, ours: dict) -> bool:
    """Whether our entry reproduces the claim's printed value (see module docstring)."""
    printed = claim["paper_value"]
    if claim["comparison"] == "eq":
        if ours["format"] == "str":
            return ours["value"] == printed
        at_paper_precision = fmt.format_value(float(ours["value"]), f"f{fmt.decimals_of(printed)}")
        return fmt.parse_formatted(at_paper_precision) == fmt.parse_formatted(printed)
    if claim["comparison"] == "gt":
        return float(ours["value"]) > float(printed)
    if claim["comparison"] == "lt":
        return float(ours["value"]) < float(printed)
    raise ValueError(f"unknown comparison {claim['comparison']!r}")


def identified(key: str, entries: dict) -> bool:
    """False for quantities of a loss form (`loss.<form>.*`) whose exponent the profile likelihood
    leaves open; True for every other key."""
    parts = key.split(".")
    flag = entries.get(f"loss.{parts[1]}.alpha_identified") if parts[0] == "loss" and len(parts) > 2 else None
    return flag is None or flag["value"] == 1


def paper_printed(printed: str, ours_format: str) -> Printed:
    """The paper's printed string as a value of the same kind as ours, at the paper's precision."""
    if ours_format == "str":
        return Printed(printed, "str")
    if ours_format == "int":
        return Printed(int(printed), "int")
    kind = "pct" if ours_format.startswith("pct") else "f"
    return Printed(float(printed), f"{kind}{fmt.decimals_of(printed)}")


def ours_printed(claim: dict, ours: dict) -> Printed:
    """Our value, at the paper's precision where the claim is an equality of non-integers."""
    if ours["format"] == "str":
        return Printed(ours["value"], "str")
    if claim["comparison"] == "eq" and ours["format"] != "int":
        kind = "pct" if ours["format"].startswith("pct") else "f"
        return Printed(ours["value"], f"{kind}{fmt.decimals_of(claim['paper_value'])}")
    return Printed(ours["value"], ours["format"])


def judge(claim: dict, ours: dict, entries: dict, alt: dict | None = None, reason: str = "") -> Verdict:
    """The verdict on one claim. `ours` is the entry under the claim's ledger key, `alt` the one
    under its alternative key (if any), `entries` all section entries (for identifiability) and
    `reason` the analysis' explanation, printed only where there is something to explain."""
    holds = claim_holds(claim, ours)
    if holds:
        status = REPRODUCED
    else:
        status = DIFFERS if identified(claim["ledger_key"], entries) else NOT_REPRODUCIBLE
    if holds and alt is None:
        reason = ""
    elif not holds and not reason:
        reason = UNEXPLAINED
    return Verdict(claim["claim_id"], status, reason, paper_printed(claim["paper_value"], ours["format"]),
                   ours_printed(claim, ours), None if alt is None else Printed(alt["value"], alt["format"]))
