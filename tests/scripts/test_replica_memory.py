"""`scripts/replica_memory.py` (docs/scale.md's replica memory and write figures) end to
end, small: real derivations, stand-ins written to a real store, real servers."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.support.paths import REPO_ROOT
from tests.support.seed import seed_into

pytestmark = pytest.mark.slow  # starts servers and a model: `make test-all` (CI)


def run_script(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "scripts.replica_memory", "--real", "4", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **env, "HF_HUB_OFFLINE": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def seeded(tmp_path: Path, default_seed: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    seed_into(default_seed, tmp_path / "var", url)
    return {"OVERSTAP_DATA_DIR": str(tmp_path / "var"), "OVERSTAP_DATABASE_URL": url}


def test_servers_load_the_stand_ins_and_memory_is_read_per_step(
    tmp_path: Path, default_seed: Path
) -> None:
    report = run_script(seeded(tmp_path, default_seed), "--steps", "0", "3000")
    first, second = report["steps"]
    assert (first["vacancies"], second["vacancies"]) == (0, 3000)
    assert "writes" not in first and second["writes"]["written"] == 3000
    assert first["stand_ins_found"] == 0 and second["stand_ins_found"] > 0
    for step in report["steps"]:
        assert step["rss_mib"] > 100 and step["peak_rss_mib"] >= step["rss_mib"]
        assert step["ready_seconds"] > 0
    assert report["rss_mib_per_1000_vacancies"] > 0  # 3,000 vacancies (about 26 MB) cost memory
    assert report["derived_for_real"] == 4 and report["skills_per_vacancy"] > 0


def test_stand_ins_go_to_another_store_when_asked(
    tmp_path: Path, default_seed: Path, database_url: str
) -> None:
    """The write figures on PostgreSQL come from this path: derive on the settings'
    store, write every stand-in to the other one, start no server."""
    report = run_script(
        seeded(tmp_path, default_seed), "--steps", "700", "--write-url", database_url
    )
    (step,) = report["steps"]
    assert step["writes"]["written"] == 700 and step["writes"]["vacancies_per_s"] > 0
    assert "rss_mib" not in step and "rss_mib_per_1000_vacancies" not in report
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(
                text("SELECT count(*) FROM vacancy WHERE id LIKE 'standin-%'")
            ).scalar_one()
            logged = conn.execute(text("SELECT count(*) FROM vacancy_change")).scalar_one()
    finally:
        engine.dispose()
    assert stored == 700 and logged >= 700  # each write is in the change log
