"""Batch work on this machine against a local Ray cluster, in one run: figures, not
asserts (issue 22, docs/scale.md).

On the store and active snapshot the settings name (``OVERSTAP_DATA_DIR``, e.g. a
full-ESCO folder), it measures, each pass from nothing (no embedding cache):

* embedding a seeded sample of the store's labels (what a cold re-index spends its
  time on): here with every core, here with one thread, and through Ray Data on a local
  cluster with 1 and 2 actors of one thread each;
* deriving SYNTHETIC vacancies with skills (``service.bench.synthetic_vacancies``;
  title → occupations, skills with evidence, passage vector): here with every core and
  with one thread, and on 1 and 2 actors;
* Ray's overhead: a pass's fixed start (actor processes, model or catalog load), from a
  whole pass and a one-batch pass on one actor, and per batch the steady cost of one
  actor beyond one local thread.

    OVERSTAP_DATA_DIR=/tmp/esco-var python -m scripts.ray_bench --texts 20000 --vacancies 200
"""

import argparse
import dataclasses
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from rich.console import Console

from indexes.embedding.base import Embedder
from indexes.embedding.cache import BATCH, Batches, encode_cached, local_batches
from indexes.embedding.load import load_embedder
from models.domain import VacancyRecord
from models.vocabulary import ConceptKind
from service.bench.synthetic_vacancies import templates, vacancies
from service.cli.common import open_store
from service.cluster.connect import joined
from service.cluster.derive import cluster_derivation
from service.cluster.embed import cluster_batches
from service.runtime.services import open_services
from service.settings import get_settings
from service.vacancies.derive import DERIVE_BATCH, Derivation

err = Console(stderr=True)


def _timed(work: Callable[..., int], *args: Any) -> tuple[float, int]:
    started = time.perf_counter()
    done = work(*args)
    return time.perf_counter() - started, done


def _embed(embedder: Embedder, texts: Sequence[str], batches: Batches) -> int:
    vectors, embedded = encode_cached(embedder, texts, "query", None, batches=batches)
    assert len(vectors) == len(texts)
    return embedded


def _derive(derivation: Derivation, records: Sequence[VacancyRecord]) -> int:
    return sum(1 for _ in derivation(records, True, None))


def _sample(labels: list[str], count: int, seed: int) -> list[str]:
    unique = sorted(set(labels))
    random.Random(seed).shuffle(unique)
    return unique[:count]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=20_000)
    parser.add_argument("--vacancies", type=int, default=200)
    parser.add_argument("--seed", type=int, default=22)
    args = parser.parse_args(argv)
    if args.texts <= BATCH or args.vacancies <= DERIVE_BATCH:
        parser.error(
            f"--texts above {BATCH} and --vacancies above {DERIVE_BATCH}: the pool "
            "start is what a whole pass takes beyond a pass of one batch"
        )
    settings = get_settings()
    store = open_store()
    report: dict[str, Any] = {"data_dir": str(settings.data_dir), "embedder": settings.embedder}
    try:
        labels = [text for kind in ConceptKind for _, _, _, text in store.labels_of(kind)]
        texts = _sample(labels, args.texts, args.seed)
        one_batch = texts[:BATCH]
        found = templates(store)
        rows = list(vacancies(found, args.vacancies, args.seed, date(2026, 12, 5)))
        records = [VacancyRecord.model_validate(row) for row in rows]
        report["texts"], report["vacancies"] = len(texts), len(records)
        err.print(f"opening services on {settings.data_dir} …")
        services = open_services(settings, store, catch_up=False)
        here = services.catalog.embedder
        one_thread = load_embedder(settings.embedder, settings.models_dir, settings.runtime, 1)
        figures: dict[str, float] = {
            "embed_one_batch_texts": len(one_batch),
            "derive_one_batch_vacancies": len(records[:DERIVE_BATCH]),
        }

        def measure(name: str, seconds: float, done: int, unit: str) -> None:
            figures[f"{name}_seconds"] = round(seconds, 2)
            figures[f"{name}_{unit}_per_s"] = round(done / seconds, 2)
            err.print(f"{name}: {done:,} in {seconds:.1f} s, {done / seconds:,.1f} {unit}/s")

        seconds, done = _timed(_embed, here, texts, local_batches(here))
        measure("embed_local_all_cores", seconds, done, "texts")
        seconds, done = _timed(_embed, one_thread, texts, local_batches(one_thread))
        measure("embed_local_1_thread", seconds, done, "texts")
        seconds, done = _timed(_derive, services.vacancies.deriver.derive_each, records)
        measure("derive_local_all_cores", seconds, done, "vacancies")
        single = open_services(settings.model_copy(update={"threads": 1}), store, catch_up=False)
        seconds, done = _timed(_derive, single.vacancies.deriver.derive_each, records)
        measure("derive_local_1_thread", seconds, done, "vacancies")

        started = time.perf_counter()
        with joined("local", actors=2) as cluster:
            figures["cluster_start_seconds"] = round(time.perf_counter() - started, 2)
            for actors in (1, 2):
                pool = dataclasses.replace(cluster, actors=actors)
                batches = cluster_batches(pool, settings, here)
                seconds, done = _timed(_embed, here, texts, batches)
                measure(f"embed_ray_{actors}_actors", seconds, done, "texts")
            pool = dataclasses.replace(cluster, actors=1)
            batches = cluster_batches(pool, settings, here)
            seconds, done = _timed(_embed, here, one_batch, batches)
            measure("embed_ray_1_actor_one_batch", seconds, done, "texts")
            for actors in (1, 2):
                pool = dataclasses.replace(cluster, actors=actors)
                derivation = cluster_derivation(pool, settings, services.vacancies.deriver)
                seconds, done = _timed(_derive, derivation, records)
                measure(f"derive_ray_{actors}_actors", seconds, done, "vacancies")
            derivation = cluster_derivation(
                dataclasses.replace(cluster, actors=1), settings, services.vacancies.deriver
            )
            seconds, done = _timed(_derive, derivation, records[:DERIVE_BATCH])
            measure("derive_ray_1_actor_one_batch", seconds, done, "vacancies")
        report["figures"] = figures
        report["ratios"] = _ratios(figures, len(texts), len(records))
    finally:
        store.close()
    json.dump(report, sys.stdout, indent=2)
    print()


def _pool_start(whole: float, whole_count: int, small: float, small_count: int) -> float:
    """A pass's fixed cost (actor start, model or catalog load), from two passes of one
    actor: the steady rate is what the larger one did beyond the smaller."""
    per_item = (whole - small) / (whole_count - small_count)
    return small - small_count * per_item


def _ratios(f: dict[str, float], texts: int, records: int) -> dict[str, float]:
    """Speed-ups over this machine's path, and Ray's overheads: a pass's fixed start,
    and per batch the steady cost of one actor beyond one local thread."""
    embed_start = _pool_start(
        f["embed_ray_1_actors_seconds"],
        texts,
        f["embed_ray_1_actor_one_batch_seconds"],
        int(f["embed_one_batch_texts"]),
    )
    derive_start = _pool_start(
        f["derive_ray_1_actors_seconds"],
        records,
        f["derive_ray_1_actor_one_batch_seconds"],
        int(f["derive_one_batch_vacancies"]),
    )
    steady = (f["embed_ray_1_actors_seconds"] - embed_start) / texts
    local = f["embed_local_1_thread_seconds"] / texts
    return {
        "embed_ray_2_over_local": round(
            f["embed_ray_2_actors_texts_per_s"] / f["embed_local_all_cores_texts_per_s"], 3
        ),
        "embed_ray_2_over_ray_1": round(
            f["embed_ray_2_actors_texts_per_s"] / f["embed_ray_1_actors_texts_per_s"], 3
        ),
        "derive_ray_2_over_local": round(
            f["derive_ray_2_actors_vacancies_per_s"] / f["derive_local_all_cores_vacancies_per_s"],
            3,
        ),
        "derive_ray_2_over_local_1_thread": round(
            f["derive_ray_2_actors_vacancies_per_s"] / f["derive_local_1_thread_vacancies_per_s"],
            3,
        ),
        "embed_pool_start_seconds": round(embed_start, 2),
        "embed_overhead_per_batch_ms": round(1000 * BATCH * (steady - local), 1),
        "derive_pool_start_seconds": round(derive_start, 2),
    }


if __name__ == "__main__":
    main()
