"""Shared command-line flags of the analysis scripts."""
from __future__ import annotations

import argparse

from . import config


def parser(doc: str | None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc else None)
    p.add_argument("--B", type=int, default=config.B, help=f"bootstrap replicates (default {config.B})")
    p.add_argument("--seed", type=int, default=config.SEED, help=f"base random seed (default {config.SEED})")
    return p
