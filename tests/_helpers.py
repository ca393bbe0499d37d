"""Small helpers shared by several test modules."""
from __future__ import annotations

import importlib.util
from types import ModuleType

from analysis.core.paths import DATA


def load_data_script(name: str) -> ModuleType:
    """Import a maintainer script from data/ (e.g. "curate"); data/ is not a package."""
    spec = importlib.util.spec_from_file_location(name, DATA / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
