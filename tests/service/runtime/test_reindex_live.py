"""Re-index without downtime: live services swapped per request, the build lock and
snapshot leases, admin jobs over HTTP (202, progress, 409), and a server following a
snapshot that the CLI built."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from indexes.leases import BuildLock, SnapshotBusyError, collect_garbage, take_lease
from indexes.snapshot import MANIFEST, SnapshotDirectory
from service.api.app import create_app
from service.runtime.live import LiveServices
from service.runtime.services import Services
from service.settings import Settings, get_settings
from tests.support.paths import MINI_EN, REPO_ROOT
from tests.support.seed import seed_into

KEY = "admin-key-for-tests"
ADMIN = {"X-API-Key": KEY}


def fake_services(snapshot_id: str) -> Services:
    catalog = SimpleNamespace(snapshot=SimpleNamespace(id=snapshot_id, lease=None))
    return cast(Services, SimpleNamespace(catalog=catalog))


def test_requests_in_flight_keep_their_snapshot_and_retire_it_last() -> None:
    retired: list[str] = []
    live = LiveServices(fake_services("old"), lambda s: retired.append(s.catalog.snapshot.id))
    with live.using() as first, live.using() as second:
        live.swap(fake_services("new"))
        with live.using() as third:
            assert third.catalog.snapshot.id == "new"
        assert first.catalog.snapshot.id == second.catalog.snapshot.id == "old"
        assert retired == [] and live.in_flight() == 2
    assert retired == ["old"] and live.in_flight() == 0
    live.swap(fake_services("newer"))  # nothing in flight: retired at once
    assert retired == ["old", "new"]


def complete_snapshot(root: Path, snapshot_id: str) -> None:
    (root / snapshot_id).mkdir(parents=True)
    (root / snapshot_id / MANIFEST).write_text("{}")


def test_garbage_collection_keeps_active_leased_and_half_built(tmp_path: Path) -> None:
    for name in ("s-active", "s-leased", "s-unused", "s-stale"):
        complete_snapshot(tmp_path, name)
    (tmp_path / "s-new.building").mkdir()
    take_lease(tmp_path, "s-leased")
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = take_lease(tmp_path, "s-stale")
    dead.rename(dead.with_name(dead.name.rsplit("-", 1)[0] + "-" + gone.stdout.strip()))
    removed = collect_garbage(tmp_path, "s-active")
    assert sorted(removed) == ["s-stale", "s-unused"]
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert left == ["s-active", "s-leased", "s-new.building"]
    assert [p.name.split("@")[0] for p in (tmp_path / ".leases").iterdir()] == ["s-leased"]


def test_build_lock_is_exclusive_across_processes_and_freed_by_a_kill(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from indexes.leases import BuildLock;"
            f"BuildLock(__import__('pathlib').Path({str(tmp_path)!r})).acquire();"
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with pytest.raises(SnapshotBusyError):
        BuildLock(tmp_path).acquire()
    holder.kill()  # SIGKILL: the kernel releases the lock with the process
    holder.wait()
    with BuildLock(tmp_path).acquire(), pytest.raises(SnapshotBusyError):
        BuildLock(tmp_path).acquire()


@pytest.fixture(scope="module")
def settings(
    tmp_path_factory: pytest.TempPathFactory, module_database_url: str, default_seed: Path
) -> Settings:
    data_dir = tmp_path_factory.mktemp("reindex") / "var"
    seed_into(default_seed, data_dir, module_database_url)
    return Settings(
        data_dir=data_dir,
        database_url=module_database_url,
        api_keys=[KEY],
        snapshot_sync_seconds=0.2,
    )


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def wait_for(client: TestClient, job: str, timeout: float = 300) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = client.get(f"/v1/admin/reindex/{job}", headers=ADMIN)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        if body["status"] != "running":
            return body
        time.sleep(0.1)
    raise AssertionError(f"job {job} still running after {timeout} s")


def run_cli(settings: Settings, *args: str) -> Any:
    from service.cli.commands import app

    env = {
        "OVERSTAP_DATA_DIR": str(settings.data_dir),
        "OVERSTAP_DATABASE_URL": settings.resolved_database_url,
    }
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args), catch_exceptions=False)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        get_settings.cache_clear()


def electrician_ids(client: TestClient) -> tuple[str, list[str]]:
    answer = client.get("/v1/occupations/search", params={"q": "domestic electrician"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["snapshot"] == answer.headers["x-overstap-snapshot"]
    return body["snapshot"], [hit["id"] for hit in body["results"]]


def test_admin_reindex_switches_to_new_content_and_removes_the_old_snapshot(
    client: TestClient, settings: Settings
) -> None:
    before, ids = electrician_ids(client)
    assert "occ-electrician" not in ids
    assert run_cli(settings, "import", "esco", str(MINI_EN)).exit_code == 0
    assert electrician_ids(client) == (before, ids)  # the store changed, the snapshot not

    accepted = client.post("/v1/admin/reindex", headers=ADMIN)
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert accepted.headers["location"] == f"/v1/admin/reindex/{job['id']}"
    assert job["status"] == "running" and job["previous_snapshot"] == before
    busy = client.post("/v1/admin/reindex", headers=ADMIN)
    assert busy.status_code == 409 and job["id"] in busy.json()["detail"]

    done = wait_for(client, job["id"])
    assert done["status"] == "succeeded", done
    assert done["labels"] > 0 and done["snapshot"] != before and done["finished_at"]
    after, ids = electrician_ids(client)
    assert after == done["snapshot"] and "occ-electrician" in ids
    assert client.get("/v1/meta").json()["snapshot"]["id"] == after
    time.sleep(0.5)  # the old snapshot is removed off the request thread
    folders = {p.name for p in settings.snapshots_dir.iterdir() if not p.name.startswith(".")}
    assert folders == {"ACTIVE", after}


def test_reindex_is_refused_while_another_process_builds(
    client: TestClient, settings: Settings
) -> None:
    with SnapshotDirectory(settings.snapshots_dir).lock():
        refused = client.post("/v1/admin/reindex", headers=ADMIN)
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"
        cli = run_cli(settings, "reindex")
        assert cli.exit_code == 2 and "another re-index is running" in cli.output
    missing = client.get("/v1/admin/reindex/nope", headers=ADMIN)
    assert missing.status_code == 404


def test_server_follows_a_snapshot_the_cli_activated(
    client: TestClient, settings: Settings
) -> None:
    before, _ = electrician_ids(client)
    built = run_cli(settings, "reindex")
    assert built.exit_code == 0, built.output
    active = SnapshotDirectory(settings.snapshots_dir).active_id()
    assert active != before
    deadline = time.monotonic() + 30
    while electrician_ids(client)[0] != active:
        assert time.monotonic() < deadline, "the server did not switch"
        time.sleep(0.1)
    time.sleep(0.5)
    assert not (settings.snapshots_dir / before).exists()  # released and removed
