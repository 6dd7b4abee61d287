"""A real ``overstap serve`` process (uvicorn, loopback): structured JSON logs that never
carry what a person wrote, and a re-index under load from 8 clients with zero failed
requests, each answer consistent with the snapshot it names."""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from service.bench.server import ServerProcess
from tests.support.paths import MINI_EN
from tests.support.served import call, server_env

# Real server processes under load: `make test-all` (CI) runs these, the quick `make test` not.
pytestmark = pytest.mark.slow
KEY = "server-process-test-key"
MARKER = "ZQX" + uuid.uuid4().hex.upper()  # occurs nowhere unless we leaked it


@dataclass
class Running:
    server: ServerProcess
    log: Path
    env: dict[str, str]
    data_dir: Path

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        return call(self.server.port, method, path, body, headers)


@pytest.fixture(scope="module")
def running(
    tmp_path_factory: pytest.TempPathFactory, module_database_url: str
) -> Iterator[Running]:
    folder = tmp_path_factory.mktemp("server")
    env = server_env(folder, module_database_url, api_keys=KEY, snapshot_sync_seconds="0.5")
    log = folder / "server.log"
    with ServerProcess(env, log, timeout=600) as server:
        yield Running(server, log, {**os.environ, **env, "HF_HUB_OFFLINE": "1"}, folder / "var")


def log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def test_logs_are_json_with_request_facts_and_no_personal_text(running: Running) -> None:
    story = f"Ik ben {MARKER} en werkte als kok; ik repareer fietsen en las graag."
    status, headers, answer = running.call(
        "POST", "/v1/match", {"text": story}, {"X-Request-ID": "trace-42"}
    )
    assert status == 200 and headers["x-request-id"] == "trace-42"
    assert running.call("POST", "/v1/skills/extract", {"text": story})[0] == 200
    assert running.call("POST", "/v1/job-titles/normalize", {"titles": [MARKER]})[0] == 200
    assert running.call("GET", f"/v1/occupations/search?q={MARKER}")[0] == 200
    assert running.call("GET", f"/v1/suggest?q={MARKER}")[0] == 200
    bad = running.call("POST", "/v1/match", {"text": story, "limit": MARKER})
    assert bad[0] == 422 and MARKER not in json.dumps(bad[2])
    assert running.call("POST", "/v1/match", {"text": story * 300})[0] in (413, 422)
    time.sleep(0.3)  # the access line is written after the answer

    text = running.log.read_text()
    assert MARKER not in text, "a request's text reached the log"
    stored = b"".join(p.read_bytes() for p in running.data_dir.rglob("*") if p.is_file())
    assert MARKER.encode() not in stored, "a request's text reached the data folder"

    lines = log_lines(running.log)
    assert lines and all({"time", "level", "logger", "message"} <= set(e) for e in lines)
    access = [e for e in lines if e["logger"] == "overstap.access"]
    traced = next(e for e in access if e["request_id"] == "trace-42")
    assert traced["route"] == "/v1/match" and traced["status"] == 200 and traced["ms"] > 0
    assert traced["snapshot"] == answer["snapshot"]
    search = next(e for e in access if e["route"] == "/v1/occupations/search")
    assert len(search["request_id"]) == 32 and search["method"] == "GET"


@dataclass
class Tally:
    answers: list[tuple[str, str, list[str]]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def client_loop(running: Running, stop: threading.Event, tally: Tally, number: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", running.server.port, timeout=120)
    paths = ["/v1/occupations/search?q=domestic%20electrician&limit=10"]
    if number % 2:
        paths.append("/v1/suggest?q=domestic%20electrician&limit=10&types=occupation")
    turn = 0
    while not stop.is_set():
        path = paths[turn % len(paths)]
        turn += 1
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = json.loads(response.read())
            header = response.getheader("x-overstap-snapshot") or ""
            with tally.lock:
                if response.status != 200:
                    tally.failures.append(f"{path}: {response.status} {body}")
                    continue
                ids = [hit["id"] for hit in body["results"]]
                tally.answers.append((header, body["snapshot"], ids))
        except (OSError, http.client.HTTPException, ValueError) as exc:
            with tally.lock:
                tally.failures.append(f"{path}: {type(exc).__name__}: {exc}")
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", running.server.port, timeout=120)
    connection.close()


def test_reindex_under_load_from_8_clients_fails_nothing(running: Running) -> None:
    before = running.call("GET", "/v1/meta")[2]["snapshot"]["id"]
    imported = subprocess.run(
        [sys.executable, "-m", "service.cli", "import", "esco", str(MINI_EN)],
        env=running.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    stop, tally = threading.Event(), Tally()
    clients = [
        threading.Thread(target=client_loop, args=(running, stop, tally, n)) for n in range(8)
    ]
    for thread in clients:
        thread.start()
    try:
        time.sleep(1.0)
        status, headers, job = running.call("POST", "/v1/admin/reindex", None, {"X-API-Key": KEY})
        assert status == 202, job
        deadline = time.monotonic() + 600
        while job["status"] == "running":
            assert time.monotonic() < deadline
            time.sleep(0.2)
            job = running.call("GET", headers["location"], None, {"X-API-Key": KEY})[2]
        assert job["status"] == "succeeded", job
        time.sleep(1.5)
    finally:
        stop.set()
        for thread in clients:
            thread.join()

    after = job["snapshot"]
    assert tally.failures == []
    assert len(tally.answers) > 50
    seen = {header for header, _, _ in tally.answers}
    assert seen == {before, after}, seen
    for header, snapshot, ids in tally.answers:
        assert header == snapshot
        # only the new snapshot holds the imported occupation
        assert ("occ-electrician" in ids) == (snapshot == after), (snapshot, ids)
    assert tally.answers[-1][1] == after
    on_old = sum(1 for _, snapshot, _ in tally.answers if snapshot == before)
    print(f"load and swap: {len(tally.answers)} answers, {on_old} from the old snapshot")
