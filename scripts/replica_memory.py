"""A replica's memory against the number of stored vacancies, and the store's vacancy
write rate: figures from one run, on SYNTHETIC vacancies (issue 22, docs/scale.md).

What a replica holds per vacancy is its derived data: the vector, the occupations, the
skills with their evidence offsets, and the filter columns. This script derives
``--real`` synthetic vacancies for real (with skills, on the store's active snapshot)
and writes stand-ins of them up to each of ``--steps`` (``service.bench.stand_ins``).

At each step it starts a real ``overstap serve`` on the store, times it until ready,
sends a few matches and vacancy searches, and reads the process's resident memory
(VmRSS, VmHWM); the memory per vacancy is the least-squares slope over the steps.

The stand-ins stay in the store (ids ``standin-…``): run it on a copy of a store, as
below (a second run on the same store stops at its first write, the ids being taken).

Writes go through ``ontology.vacancy_store.write_vacancies`` in batches of 500 (the
import's batch: one transaction each, change log included), so their rate is the
store's. ``--write-url`` writes to another store (a PostgreSQL URL) instead, and then
no server is started (the stand-ins' derivation still reads the settings' store).

    OVERSTAP_DATA_DIR=/tmp/esco-100k python -m scripts.replica_memory \\
        --steps 0 25000 50000 100000
    OVERSTAP_DATA_DIR=/tmp/esco-100k python -m scripts.replica_memory \\
        --steps 50000 --write-url postgresql+psycopg://…
"""

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from models.domain import DerivedVacancy
from ontology.store import Store
from service.bench.payloads import STORY
from service.bench.server import ServerProcess, json_call
from service.bench.stand_ins import PREFIX, derive_real, stand_ins, write
from service.bench.synthetic_vacancies import Template
from service.runtime.services import open_services
from service.settings import Settings

WARM_UP = 5  # requests of each kind before memory is read
err = Console(stderr=True)


def _derive_real(settings: Settings, count: int) -> tuple[list[DerivedVacancy], list[Template]]:
    """``count`` synthetic vacancies derived with skills, as an import derives them, and
    the generator's templates."""
    store = Store(settings.resolved_database_url, settings.db_upgrade)
    try:
        derived, found, seconds = derive_real(open_services(settings, store), count, 22)
        err.print(f"derived {count} for real in {seconds:.0f} s")
        return derived, found
    finally:
        store.close()


def _serve(settings: Settings, log: Path) -> dict[str, Any]:
    """Start a server on the store, warm it with matches and searches, read its memory.
    ``stand_ins_found``: how many of a search's vacancies are stand-ins (the server
    loaded them)."""
    env = {
        "OVERSTAP_DATA_DIR": str(settings.data_dir),
        "OVERSTAP_DATABASE_URL": settings.resolved_database_url,
    }
    with ServerProcess(env, log) as server:
        figures: dict[str, Any] = {"ready_seconds": round(server.ready_seconds, 2)}
        figures |= {f"{k}_after_start": v for k, v in server.memory_mib().items()}
        for _ in range(WARM_UP):
            json_call(server.port, "POST", "/v1/match", {"text": STORY})
            json_call(
                server.port, "POST", "/v1/vacancies/search", {"text": STORY, "region": "Utrecht"}
            )
            answer = json_call(server.port, "POST", "/v1/vacancies/search", {"text": STORY})
        figures["stand_ins_found"] = sum(
            hit["id"].startswith(PREFIX) for hit in answer["vacancies"]
        )
        return figures | server.memory_mib()


def _slope(points: Sequence[tuple[int, float]]) -> float | None:
    """Least-squares MiB per vacancy over the steps (None with fewer than two)."""
    if len({count for count, _ in points}) < 2:
        return None
    counts = np.array([c for c, _ in points], dtype=np.float64)
    mib = np.array([m for _, m in points], dtype=np.float64)
    return float(np.polyfit(counts, mib, 1)[0])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[0, 25_000, 50_000, 100_000])
    parser.add_argument("--real", type=int, default=200, help="vacancies derived for real")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write-url", help="write to this store instead (no server then)")
    args = parser.parse_args(argv)
    settings = Settings()
    real, found = _derive_real(settings, args.real)
    target = Store(args.write_url or settings.resolved_database_url, upgrade=True)
    report: dict[str, Any] = {
        "data": "SYNTHETIC stand-ins: copies of real derivations under new records",
        "derived_for_real": len(real),
        "skills_per_vacancy": round(statistics.mean(len(d.skills or []) for d in real), 1),
        "occupations_per_vacancy": round(statistics.mean(len(d.occupations) for d in real), 1),
        "store": target.url.split("://")[0],
        "steps": [],
    }
    stored = 0
    try:
        with tempfile.TemporaryDirectory() as folder:
            for step in sorted(args.steps):
                figures: dict[str, Any] = {"vacancies": step}
                if step > stored:
                    err.print(f"writing stand-ins {stored:,} … {step:,}")
                    figures["writes"] = write(
                        target, stand_ins(real, found, stored, step - stored, args.seed)
                    )
                    stored = step
                if args.write_url is None:
                    err.print(f"serving {step:,} vacancies")
                    figures |= _serve(settings, Path(folder) / f"serve-{step}.log")
                err.print(f"  {figures}")
                report["steps"].append(figures)
    finally:
        target.close()
    if args.write_url is None:
        points = [(s["vacancies"], s["rss_mib"]) for s in report["steps"]]
        slope = _slope(points)
        report["rss_mib_per_1000_vacancies"] = None if slope is None else round(1000 * slope, 2)
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
