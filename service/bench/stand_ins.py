"""Many vacancies without deriving each: stand-ins for memory and scale figures.

Deriving a vacancy with skills on full ESCO takes a sixth of a second or more on this
machine (100,000 would take 4½ hours at least), so ``derive_real`` derives a few
synthetic vacancies for real, as an import does, and ``stand_ins`` makes as many more
as asked out of them: each stand-in is one of those derivations (same title, text,
occupations and skills, so the evidence offsets stay true) under its own id, region,
postcode, employer and dates from the generator, with its vector jittered so no two
are equal. Memory depends on the shape of the derived data, not on its values; what a
search finds among stand-ins says nothing about quality. Used by ``overstap bench --vacancies`` and
``scripts/replica_memory.py``.
"""

import itertools
import random
import time
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import numpy as np

from models.domain import DerivedVacancy, VacancyRecord
from ontology.store import Store
from ontology.vacancy_store import write_vacancies
from service.bench.synthetic_vacancies import Template, templates, vacancies
from service.runtime.services import Services

BATCH = 500  # the import's batch
JITTER = 0.02  # per-dimension noise on a stand-in's vector (cosine about 0.9 to its source)
PREFIX = "standin-"  # a stand-in's id starts with it


def derive_real(
    services: Services, count: int, seed: int
) -> tuple[list[DerivedVacancy], list[Template], float]:
    """``count`` synthetic vacancies derived with skills, as an import derives them; the
    generator's templates; and the seconds the derivation took."""
    found = templates(services.catalog.store)
    records = [
        VacancyRecord.model_validate(item) for item in vacancies(found, count, seed, date.today())
    ]
    started = time.perf_counter()
    derived = services.vacancies.deriver.derive(records, skills=True)
    return derived, found, time.perf_counter() - started


def stand_ins(
    real: Sequence[DerivedVacancy], found: list[Template], first: int, count: int, seed: int
) -> Iterator[DerivedVacancy]:
    """Stand-ins ``first`` … ``first + count - 1``: real derivations under new records
    (the generator's records lend only their id-independent fields)."""
    rng = np.random.default_rng(seed + first)
    pick = random.Random(seed + first)
    fresh = itertools.islice(vacancies(found, first + count, seed, date.today()), first, None)
    for number, item in enumerate(fresh, start=first):
        source = pick.choice(real)
        record = source.record.model_copy(
            update={
                "id": f"{PREFIX}{number:07d}",
                **{key: item[key] for key in ("region", "postcode", "city", "employer")},
                "posted": date.fromisoformat(str(item["posted"])),
                "expires": date.fromisoformat(str(item["expires"])),
            }
        )
        vector = np.frombuffer(source.vector, dtype=np.float32)
        vector = vector + rng.normal(0.0, JITTER, size=vector.shape).astype(np.float32)
        vector /= np.linalg.norm(vector)
        yield source.model_copy(
            update={"record": record, "vector": vector.astype(np.float32).tobytes()}
        )


def write(store: Store, items: Iterator[DerivedVacancy]) -> dict[str, Any]:
    """Write ``items`` in batches of 500 (one ``write_vacancies`` transaction each,
    change log included); the rate and per-batch times."""
    batch: list[DerivedVacancy] = []
    seconds: list[float] = []
    written = 0

    def flush() -> None:
        nonlocal written
        started = time.perf_counter()
        statuses = write_vacancies(store, batch)
        seconds.append(time.perf_counter() - started)
        if set(statuses.values()) != {"created"}:
            raise RuntimeError(f"expected only new vacancies, got {set(statuses.values())}")
        written += len(batch)
        batch.clear()

    for item in items:
        batch.append(item)
        if len(batch) == BATCH:
            flush()
    if batch:
        flush()
    total = sum(seconds)
    ordered = sorted(seconds)
    return {
        "written": written,
        "seconds": round(total, 3),
        "vacancies_per_s": round(written / total, 1) if total else 0.0,
        "batch_p50_ms": round(1000 * ordered[len(ordered) // 2], 1) if ordered else 0.0,
        "batch_max_ms": round(1000 * ordered[-1], 1) if ordered else 0.0,
    }
