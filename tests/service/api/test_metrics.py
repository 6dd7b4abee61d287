"""What an operator sees of a real ``overstap serve`` (issue 21): ``GET /metrics``
scraped after traffic (request counts and latency per route template and status, match
and extraction timings, the active snapshot, the vacancy index and re-index jobs;
nothing a person typed in any label or value), and the log of a first start (what it
is doing, where to find it when ready, no library noise)."""

import json
import time
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from service.bench.server import ServerProcess
from tests.support.served import call, sqlite_server

KEY = "metrics-key"
STORY = "Ik heet Anna Verbeek en ik heb tien jaar cv-ketels onderhouden bij klanten thuis."
PERSONAL = ("Verbeek", "cv-ketels", "Jansen")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with sqlite_server(tmp_path_factory.mktemp("metrics"), api_keys=KEY) as running:
        yield running


def scrape(
    server: ServerProcess,
) -> tuple[str, dict[tuple[str, frozenset[tuple[str, str]]], float]]:
    """The exposition text and every sample by (name, labels)."""
    with urllib.request.urlopen(f"{server.base}/metrics", timeout=60) as answer:
        assert answer.headers["content-type"].startswith("text/plain")
        text = answer.read().decode()
    samples = {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    return text, samples


def value(
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    """The sample's value; a missing series fails the test (it is not a zero)."""
    key = (name, frozenset(labels.items()))
    assert key in samples, key
    return samples[key]


def test_metrics_after_traffic(server: ServerProcess) -> None:
    port = server.port
    assert call(port, "GET", "/v1/occupations/search?q=lasser")[0] == 200
    assert call(port, "GET", "/v1/occupations/search?q=Jansen")[0] == 200
    assert call(port, "GET", "/v1/occupations/Jansen")[0] == 404
    assert call(port, "POST", "/v1/match", {"text": STORY})[0] == 200
    assert call(port, "POST", "/v1/skills/extract", {"text": STORY})[0] == 200
    _, _, meta = call(port, "GET", "/v1/meta")

    text, samples = scrape(server)
    get = {"method": "GET", "status": "200", "handler": "/v1/occupations/search"}
    assert value(samples, "http_requests_total", **get) == 2
    missing = {"method": "GET", "status": "404", "handler": "/v1/occupations/{id:path}"}
    assert value(samples, "http_requests_total", **missing) == 1
    assert (
        value(samples, "http_request_duration_seconds_count", handler="/v1/match", method="POST")
        == 1
    )
    assert value(samples, "overstap_match_seconds_count") == 1
    assert value(samples, "overstap_extract_seconds_count") == 1
    assert value(samples, "overstap_match_seconds_sum") > 0
    assert value(samples, "overstap_ready") == 1
    assert value(samples, "overstap_snapshot_info", id=meta["snapshot"]["id"]) == 1
    assert value(samples, "overstap_snapshot_age_seconds") >= 0
    assert value(samples, "overstap_vacancy_index_vectors") == meta["counts"]["vacancies"] > 0
    assert value(samples, "overstap_vacancy_sync_lag_changes") == 0
    for status in ("running", "succeeded", "failed"):
        assert ("overstap_reindex_jobs", frozenset({("status", status)})) in samples
    for typed in PERSONAL:
        assert typed not in text, typed  # neither the path nor the body becomes a label


def test_a_reindex_job_shows_in_the_metrics(server: ServerProcess) -> None:
    port = server.port
    key = {"X-API-Key": KEY}
    before = call(port, "GET", "/v1/meta")[2]["snapshot"]["id"]
    status, headers, _ = call(port, "POST", "/v1/admin/reindex", headers=key)
    assert status == 202, status
    deadline = time.monotonic() + 600
    job: dict[str, str] = {}
    while time.monotonic() < deadline:
        job = call(port, "GET", headers["location"], headers=key)[2]
        if job["status"] != "running":
            break
        time.sleep(2)
    assert job["status"] == "succeeded", job
    _, samples = scrape(server)
    assert value(samples, "overstap_reindex_jobs", status="succeeded") == 1
    assert value(samples, "overstap_reindex_jobs", status="running") == 0
    assert value(samples, "overstap_snapshot_info", id=job["snapshot"]) == 1
    assert job["snapshot"] != before


def test_the_first_start_says_what_it_does(server: ServerProcess) -> None:
    lines = [
        json.loads(line)
        for line in server.log_path.read_text().splitlines()
        if line.startswith("{")
    ]
    messages = [line["message"] for line in lines]
    assert "no index snapshot yet: building the first one" in messages
    stages = [m for m in messages if ": started" in m]
    assert any(m.startswith("skills: embedding labels") for m in stages), stages
    ready = next(m for m in messages if m.startswith("ready in "))
    assert f"{server.base}/docs" in ready and f"{server.base}/," in ready
    ours = ("overstap", "service", "indexes", "ontology", "models", "uvicorn")
    noise = [
        line for line in lines if not line["logger"].startswith(ours) and line["level"] == "info"
    ]
    assert not noise, noise[:3]  # sentence-transformers, onnxruntime's fusions, …
    assert "Loading weights" not in server.log_path.read_text()
