"""The performance harness's arithmetic (its end-to-end run is CI's `make bench-smoke`)."""

import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from service.bench.harness import ENDPOINTS, _ratios
from service.bench.load import drive, percentile, summarise


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0
    assert math.isnan(percentile([], 0.5))


def test_summary_counts_and_rate() -> None:
    summary = summarise([10.0, 20.0, 30.0, 40.0], failures=1, seconds=2.0)
    assert summary["requests"] == 4 and summary["failures"] == 1
    assert summary["rps"] == 2.0
    assert summary["p50_ms"] == 20.0 and summary["p99_ms"] == 40.0


class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status = 404 if self.path == "/missing" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_driver_sends_the_bounded_count_and_reports_failures(echo_server: str) -> None:
    ok = drive(
        echo_server, [{"method": "GET", "path": "/a"}], concurrency=3, count=30, max_seconds=30
    )
    assert ok["requests"] == 30 and ok["failures"] == 0 and ok["concurrency"] == 3
    mixed = drive(
        echo_server,
        [{"method": "GET", "path": "/a"}, {"method": "GET", "path": "/missing"}],
        concurrency=2,
        count=10,
        max_seconds=30,
    )
    assert mixed["requests"] == 5 and mixed["failures"] == 5
    assert mixed["failure_examples"] == ["404 /missing"]


def test_ratios_are_named_as_the_targets() -> None:
    def run(p50: float, p99: float, rps: float) -> dict[str, float]:
        return {"p50_ms": p50, "p99_ms": p99, "rps": rps}

    report = {
        "floor": {"query_ms": 10.0, "embed_query_ms": 9.0, "st_torch_embed_query_ms": 27.0},
        "in_process": {f"{name}_ms": 10.0 for name in ENDPOINTS},
        "service": {
            "endpoints": {
                name: {
                    "c1": run(12.0, 15.0, 80.0),
                    "c4": run(20.0, 30.0, 144.0),
                    "c8": run(40.0, 100.0, 150.0),
                }
                for name in ENDPOINTS
            }
        },
        "indexing": {"cold": {"seconds": 100.0}, "warm": {"seconds": 2.0}},
    }
    ratios = _ratios(report)
    assert ratios["search_p50_over_floor"] == 1.2
    assert ratios["match_p50_over_in_process"] == 1.2
    assert ratios["search_c8_p99_over_p50"] == 2.5
    assert ratios["search_c4_over_c1_throughput"] == 1.8
    assert ratios["warm_over_cold_reindex"] == 0.02
    assert ratios["st_torch_over_fast_query_embed"] == 3.0


@pytest.mark.slow  # derives with the bundled model: `make test-all` (CI)
def test_bench_vacancies_are_a_few_real_derivations_and_stand_ins_of_them(
    tmp_path: Path, default_seed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ontology.store import Store
    from ontology.vacancy_store import indexed_vacancies
    from service.bench import harness
    from service.bench.stand_ins import PREFIX
    from service.runtime.services import open_embedder
    from service.settings import Settings
    from service.vacancies.derive import derivation_key
    from tests.support.seed import seed_into

    url = f"sqlite:///{tmp_path / 'store.db'}"
    seed_into(default_seed, tmp_path / "var", url)
    settings = Settings(data_dir=tmp_path / "var", database_url=url)
    monkeypatch.setattr(harness, "REAL_VACANCIES", 4)
    stages: list[str] = []
    figures = harness._vacancies(settings, 30, stages.append)
    assert (figures["count"], figures["derived_with_skills"], figures["stand_ins"]) == (30, 4, 26)
    assert figures["skills_per_vacancy"] > 0 and figures["derive_with_skills_per_s"] > 0
    assert stages == ["4 synthetic vacancies derived with skills", "26 stand-ins of them"]
    store = Store(url)
    try:
        key = derivation_key(open_embedder(settings))
        rows = indexed_vacancies(store, key)
    finally:
        store.close()
    stand_ins = [r for r in rows if r.id.startswith(PREFIX)]
    assert len(stand_ins) == 26 and figures["indexed"] == len(rows) >= 30
    # each stand-in carries a real derivation's skills
    assert all(r.skills is not None for r in stand_ins) and any(r.skills for r in stand_ins)
