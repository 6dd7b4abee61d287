"""Vacancy scale benchmark on SYNTHETIC vacancies (``service.bench.synthetic_vacancies``): figures,
not asserts, all measured in one run on one machine.

It opens the services on a fresh data folder (the embedded default ontology unless
``OVERSTAP_DATABASE_URL``/``OVERSTAP_DATA_DIR`` say otherwise) and prints:

* ingest rate (vacancies/s) through ``VacancyService.ingest`` in batches of 500, the
  path ``POST /v1/vacancies`` takes minus HTTP: with skill extraction on a sample, and
  without it for the whole load;
* the vacancy tables' share of the database and the FAISS index's size on disk;
* resident memory (RSS) after the load, and the time a restart needs to load the index;
* search latency p50/p99 over the index alone (vector in, filtered top 10 out),
  through the full search (text → profile → ranked fits) and a search by three skills
  without a text, with and without a region.

    python -m scripts.vacancy_bench --count 100000 --with-skills 500
"""

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from indexes.vacancy_index import VacancyFilter, VacancyIndex
from models.domain import VacancyRecord
from ontology.store import Store
from service.bench.load import percentiles
from service.bench.synthetic_vacancies import templates, vacancies
from service.cli.progress_bar import RichProgress
from service.runtime.services import open_services
from service.settings import Settings
from service.vacancies.service import VacancyQuery

BATCH = 500
STORIES = (
    "Ik heb tien jaar als vrachtwagenchauffeur gewerkt en deed zelf kleine reparaties.",
    "Jarenlang cv-ketels onderhouden en storingen verholpen bij klanten thuis.",
    "Ik werkte in de horeca en wil nu iets met mijn handen doen, bijvoorbeeld lassen.",
    "Als magazijnmedewerker reed ik heftruck en deed ik voorraadbeheer.",
    "Ik heb elektrische installaties aangelegd in nieuwbouwwoningen.",
    "Kok in een restaurant, goed in plannen en hygiënisch werken.",
)


def rss_mib() -> float:
    """Resident memory now, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(work: Callable[[], Any], times: int) -> list[float]:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return samples


def table_bytes(store: Store) -> int | None:
    """Bytes of the vacancy tables (SQLite's dbstat), or None where unavailable."""
    try:
        with store.reading() as conn:
            from sqlalchemy import text

            value = conn.execute(
                text(
                    "SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'vacancy%' "
                    "OR name LIKE 'ix_vacancy%' OR name LIKE 'sqlite_autoindex_vacancy%'"
                )
            ).scalar()
        return int(value) if value is not None else None
    except Exception:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--with-skills", type=int, default=500, help="sample ingested with skills")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="skip the ingest: measure size, memory and search on what OVERSTAP_DATA_DIR holds",
    )
    args = parser.parse_args(argv)

    data_dir = Path(os.environ.get("OVERSTAP_DATA_DIR") or tempfile.mkdtemp(prefix="vbench-"))
    settings = Settings(data_dir=data_dir)
    store = Store(settings.resolved_database_url, settings.db_upgrade)
    err_console = Console(stderr=True)
    figures: dict[str, Any] = {
        "count": args.count,
        "data": "SYNTHETIC (service.bench.synthetic_vacancies)",
    }
    try:
        services = open_services(settings, store)
        found = templates(store)
        records = [
            VacancyRecord.model_validate(item)
            for item in vacancies(found, args.count, args.seed, date.today())
        ]
        service = services.vacancies
        figures["rss_before_mib"] = round(rss_mib(), 1)
        sample = records[: args.with_skills]
        rest = records[args.with_skills :]
        if args.measure_only:
            sample, rest = [], []
        with RichProgress(err_console) as progress:
            for part, skills, figure in (
                (sample, True, "ingest_with_skills_per_s"),
                (rest, False, "ingest_without_skills_per_s"),
            ):
                if not part:
                    continue
                progress.stage(f"ingest, skills {'on' if skills else 'off'}", len(part))
                started = time.perf_counter()
                for start in range(0, len(part), BATCH):
                    batch = part[start : start + BATCH]
                    service.ingest(batch, skills=skills)
                    progress.advance(len(batch))
                figures[figure] = round(len(part) / (time.perf_counter() - started), 1)
        index = service.index
        figures["indexed"] = len(index)
        figures["rss_after_mib"] = round(rss_mib(), 1)
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "vacancies.faiss"
            index.save(target)
            figures["faiss_file_mib"] = round(target.stat().st_size / 2**20, 1)
        tables = table_bytes(store)
        figures["vacancy_tables_mib"] = round(tables / 2**20, 1) if tables else None

        started = time.perf_counter()
        reloaded = VacancyIndex.load(store, index.embedder, index.dimension)
        figures["restart_load_s"] = round(time.perf_counter() - started, 2)
        del reloaded

        rng = random.Random(args.seed)
        embedder = services.catalog.embedder
        vectors = embedder.encode(list(STORIES), "query")
        today = date.today()

        def index_search(regions: list[str | None]) -> Callable[[], Any]:
            def run() -> Any:
                vector = vectors[rng.randrange(len(vectors))]
                where = VacancyFilter(region=rng.choice(regions), today=today)
                return index.search(np.asarray(vector), 10, where)

            return run

        def full_search(regions: list[str | None]) -> Callable[[], Any]:
            def run() -> Any:
                query = VacancyQuery(text=rng.choice(STORIES), region=rng.choice(regions))
                return service.search(query, today)

            return run

        skill_names = sorted({task for template in found for task in template.tasks})

        def skill_search(regions: list[str | None]) -> Callable[[], Any]:
            def run() -> Any:
                skills = rng.sample(skill_names, k=min(3, len(skill_names)))
                query = VacancyQuery(skills=skills, region=rng.choice(regions))
                return service.search(query, today)

            return run

        filters: dict[str, list[str | None]] = {
            "no_filter": [None],
            "province": ["Utrecht", "Zeeland", "Noord-Brabant", "Groningen"],
            "postcode_2": ["35", "43", "56", "97"],
        }
        runs = (("index", index_search), ("search", full_search), ("skills", skill_search))
        for name, make in runs:
            times = args.queries if name == "index" else max(20, args.queries // 5)
            for label, regions in filters.items():
                figures[f"{name}_{label}"] = percentiles(timed(make(regions), times))
    finally:
        store.close()
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
