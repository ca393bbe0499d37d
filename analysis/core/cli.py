"""Shared command-line flags of the analysis scripts."""
from __future__ import annotations

import argparse
import math

from . import config

# The smallest B whose percentile interval has at least one replicate beyond each end: with
# fewer than 1 / ((1 - CI_LEVEL) / 2) replicates (40 at 95%), the 2.5% and 97.5% points are the
# sample extremes, and the interval says more about B than about the fit.
MIN_B = math.ceil(1 / ((1 - config.CI_LEVEL) / 2) - 1e-9)


class MethodError(ValueError):
    """A method parameter outside its sensible range (printed as one line, see core/errors.py)."""


class ScriptParser(argparse.ArgumentParser):
    def parse_args(self, args=None, namespace=None):
        parsed = super().parse_args(args, namespace)
        if getattr(parsed, "B", MIN_B) < MIN_B:
            raise MethodError(f"B={parsed.B} bootstrap replicates is below the minimum {MIN_B}: at "
                              f"{100 * config.CI_LEVEL:g}% the interval ends would be the extreme replicates; "
                              f"use B >= {MIN_B} (the paper uses B={config.B})")
        return parsed


def parser(doc: str | None) -> argparse.ArgumentParser:
    p = ScriptParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    p.add_argument("--B", type=int, default=config.B, help=f"bootstrap replicates (default {config.B}, minimum {MIN_B})")
    p.add_argument("--seed", type=int, default=config.SEED, help=f"base random seed (default {config.SEED})")
    return p
