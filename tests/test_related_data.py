"""data/curate_related.py regenerates the committed related-work tables byte for byte.

The raw folder is looked up next to the repository (ROOT/../shared/data/raw); where it is not
available the test is skipped.
"""
from __future__ import annotations


import pytest
from _helpers import load_data_script

from analysis.core import data
from analysis.core.paths import DATA, ROOT

RAW = ROOT.parent / "shared" / "data" / "raw"
FILES = ("gadre_models.csv", "gadre_tasks.csv", "gadre_task_info.csv", "obsscaling_models.csv")

pytestmark = pytest.mark.skipif(not (RAW / "gadre2024_overtraining" / "PROVENANCE.md").is_file(),
                                reason=f"raw published data not available at {RAW}")


def _curate():
    return load_data_script("curate_related")


def test_regenerates_byte_identical(tmp_path):
    _curate().curate(RAW, tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_tables_load_and_counts():
    assert len(data.load_table("gadre_models")) == 104
    assert len(data.load_table("gadre_tasks")) == 104 * 46
    info = data.load_table("gadre_task_info")
    assert len(info) == 46 and int(info["in_gadre_subset17"].sum()) == 17
    assert int((info["lourie_category"] == "predictable").sum()) == 18
    obs = data.load_table("obsscaling_models")
    assert obs["model_set"].value_counts().to_dict() == {"main": 77, "misc": 51, "preregistered": 20}
