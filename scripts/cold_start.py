"""Where a server's start goes: each stage of opening the services timed in a fresh
interpreter, and a real ``overstap serve`` timed until ``/readyz`` (issue 23,
docs/performance.md).

Every round starts new processes, so each reads the store and the snapshot as a
restarted replica does (files in the page cache, nothing in memory). The stages are
those ``service.runtime.services.open_services`` runs, called one by one:

* imports: the application's modules;
* embedder: the tokenizer and the ONNX session;
* snapshot: the label rows, FAISS files, lexical matrices and stored requirements;
* vacancies: the vacancy index from the store;
* services: the calibrated extractor, the bands and the matcher.

The in-process total is ``open_services`` itself (collector paused as in a server);
the stage timings call the same pieces separately. Run it on a store with an active
snapshot:

    OVERSTAP_DATA_DIR=/tmp/esco python -m scripts.cold_start --rounds 3
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console

# Run in a fresh interpreter per round; prints one JSON object.
STAGES = r"""
import json, sys, time
started = time.perf_counter()
import service.api.app  # noqa: F401  (what a server imports)
from ontology.store import Store
from service.runtime import services
from service.runtime.memory import collection_paused
from service.settings import Settings
figures = {"imports": time.perf_counter() - started}
settings = Settings()
store = Store(settings.resolved_database_url)
if sys.argv[1] == "stages":
    from indexes.snapshot import SnapshotDirectory
    from indexes.vacancy_index import OCCUPATION_MARGIN, VacancyIndex
    from service.catalog import Catalog
    from service.vacancies.derive import derivation_key
    at = time.perf_counter()
    embedder = services.open_embedder(settings, serving=True)
    figures["embedder"] = time.perf_counter() - at
    at = time.perf_counter()
    with collection_paused():
        snapshot = SnapshotDirectory(settings.snapshots_dir).open_active(embedder)
    catalog = Catalog(store, embedder, snapshot, settings.lexical_weight)
    figures["snapshot"] = time.perf_counter() - at
    at = time.perf_counter()
    margin = embedder.calibration.margin(OCCUPATION_MARGIN)
    with collection_paused():
        index = VacancyIndex.load(store, derivation_key(embedder), embedder.dimension, margin)
    figures["vacancies"] = time.perf_counter() - at
    figures["vacancy_count"] = len(index)
    at = time.perf_counter()
    with collection_paused():
        services._assemble(catalog, index, settings)
    figures["services"] = time.perf_counter() - at
else:
    at = time.perf_counter()
    services.open_services(settings, store, serving=True, catch_up=False)
    figures["open_services"] = time.perf_counter() - at
figures["total"] = time.perf_counter() - started
with open("/proc/self/status") as status:
    figures["rss_mib"] = int(status.read().split("VmRSS:")[1].split()[0]) / 1024
print(json.dumps(figures))
"""


def _in_process(mode: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", STAGES, mode],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _server_ready() -> dict[str, float]:
    from service.bench.server import ServerProcess

    with (
        tempfile.TemporaryDirectory() as folder,
        ServerProcess({}, Path(folder) / "serve.log") as server,
    ):
        return {"ready": server.ready_seconds, "rss_mib": server.memory_mib()["rss_mib"]}


def measure(rounds: int) -> dict[str, Any]:
    """Per round: the stages, ``open_services`` whole, and a server until ready; then
    the median of each figure."""
    runs: list[dict[str, dict[str, float]]] = []
    for _ in range(rounds):
        runs.append(
            {
                "stages": _in_process("stages"),
                "open_services": _in_process("whole"),
                "server": _server_ready(),
            }
        )
    medians = {
        part: {
            name: round(statistics.median(run[part][name] for run in runs), 3)
            for name in runs[0][part]
        }
        for part in runs[0]
    }
    return {"rounds": runs, "median": medians}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    result = measure(args.rounds)
    console = Console(stderr=True)
    for part, figures in result["median"].items():
        console.print(f"{part}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
