"""`scripts/cold_start.py` (docs/performance.md's cold-start figures) end to end, small:
fresh interpreters opening the services of a seeded store, and a real server."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import REPO_ROOT
from tests.support.seed import seed_into

pytestmark = pytest.mark.slow  # starts a server and a model: `make test-all` (CI)


def test_every_stage_and_a_server_are_timed(tmp_path: Path, default_seed: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    seed_into(default_seed, tmp_path / "var", url)
    done = subprocess.run(
        [sys.executable, "-m", "scripts.cold_start", "--rounds", "1"],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "OVERSTAP_DATA_DIR": str(tmp_path / "var"),
            "OVERSTAP_DATABASE_URL": url,
            "HF_HUB_OFFLINE": "1",
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    median = json.loads(done.stdout)["median"]
    stages = median["stages"]
    for stage in ("imports", "embedder", "snapshot", "vacancies", "services"):
        assert 0 < stages[stage] < stages["total"]
    assert stages["vacancy_count"] > 0  # the seed's vacancies were loaded
    assert 0 < median["open_services"]["open_services"] < median["open_services"]["total"]
    assert median["server"]["ready"] > 0 and median["server"]["rss_mib"] > 100
