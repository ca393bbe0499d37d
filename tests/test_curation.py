"""data/curate.py regenerates the committed curated files byte for byte from the raw folder.

The raw folder is looked up next to the repository (ROOT/../shared/data/raw/cerebras_pythia);
where it is not available the tests are skipped, or fail when SLM_REQUIRE_RAW=1 (CI), see
`_helpers.require_raw`.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _helpers import RAW_ROOT, load_data_script, require_raw

from analysis.core import data
from analysis.core.paths import CHECKSUMS, DATA

RAW = RAW_ROOT / "cerebras_pythia"


@pytest.fixture(autouse=True, scope="module")
def _raw_present():
    require_raw("cerebras_pythia")


def _load_curate():
    return load_data_script("curate")


@pytest.fixture(scope="module")
def curate():
    return _load_curate()


@pytest.fixture(scope="module")
def regenerated(curate, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("curated")
    curate.curate(RAW, out)
    return out


def produced_files(curate) -> list[str]:
    return sorted(list(curate.TABLE_FILES.values()) + [curate.NOTES_FILE])


def test_every_curated_file_is_reproduced_byte_for_byte(curate, regenerated):
    for name in produced_files(curate):
        committed = (DATA / name).read_bytes()
        fresh = (regenerated / name).read_bytes()
        assert committed == fresh, f"data/{name} differs from what data/curate.py produces; re-run it"


def test_checksums_cover_the_regenerated_files(curate, regenerated):
    fresh = data.read_checksums(regenerated / CHECKSUMS.name)
    committed = data.read_checksums(CHECKSUMS)
    assert set(fresh) == set(curate.TABLE_FILES.values())
    for name, digest in fresh.items():
        assert committed.get(name) == digest, name


def test_regenerated_folder_verifies(regenerated):
    assert data.verify_checksums(regenerated)


def test_curation_is_deterministic(curate, regenerated, tmp_path):
    curate.curate(RAW, tmp_path)
    for name in produced_files(curate) + [CHECKSUMS.name]:
        assert (tmp_path / name).read_bytes() == (regenerated / name).read_bytes(), name


def test_foreign_checksum_entries_are_kept(curate, regenerated, tmp_path):
    """Tables owned by other scripts keep their SHA256SUMS lines; stale lines are dropped."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "other.csv").write_text("a\n1\n", encoding="utf-8")
    (out / CHECKSUMS.name).write_text(f"{'a' * 64}  other.csv\n{'b' * 64}  gone.csv\n", encoding="utf-8")
    curate.curate(RAW, out)
    entries = data.read_checksums(out / CHECKSUMS.name)
    assert entries["other.csv"] == "a" * 64
    assert "gone.csv" not in entries
    assert list(entries) == sorted(entries)


def test_cli_rejects_a_wrong_folder(curate, tmp_path, capsys):
    assert curate.main([str(tmp_path), "--out", str(tmp_path / "out")]) == 1
    assert "PROVENANCE.md" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_cross_check_failure_writes_nothing(curate, tmp_path):
    """A raw value that breaks a cross-check stops the script before any file is written."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    path = raw / "cerebras_gpt_derived.csv"
    path.chmod(0o644)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("1208602624", "1208602625"), encoding="utf-8")
    with pytest.raises(curate.CurationError, match="params_nonembedding"):
        curate.curate(raw, tmp_path / "out")
    assert not (tmp_path / "out").exists()
