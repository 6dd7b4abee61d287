"""Measure embedding throughput per torch thread count, to set threads by figures.

``python -m scripts.embed_threads [--threads 1,2] [--texts 600]`` embeds the embedded
default's labels (batch encode, as ``reindex`` does) and single queries (as a request
does) with each thread count, in one run, and prints texts/s and the ratios.
"""

import argparse
import json
import statistics
import time

import torch

from indexes.embedder import load_embedder
from models.vocabulary import ConceptKind
from ontology.default import load_default
from ontology.store import Store
from service.settings import get_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--texts", type=int, default=600)
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    settings = get_settings()
    embedder = load_embedder(settings.embedder, settings.models_dir)
    store = Store("sqlite://")
    load_default(store)
    labels = [text for _, _, _, text in store.labels_of(ConceptKind.SKILL)][: args.texts]
    queries = labels[: args.queries]
    embedder.encode(labels[:64], "query")  # warm-up
    result: dict[str, dict[str, float]] = {}
    for threads in (int(t) for t in args.threads.split(",")):
        torch.set_num_threads(threads)
        started = time.perf_counter()
        embedder.encode(labels, "query")
        batch_seconds = time.perf_counter() - started
        single: list[float] = []
        for query in queries:
            started = time.perf_counter()
            embedder.encode([query], "query")
            single.append(time.perf_counter() - started)
        result[str(threads)] = {
            "batch_texts_per_s": round(len(labels) / batch_seconds, 1),
            "single_query_ms_median": round(1000 * statistics.median(single), 2),
        }
    first, last = next(iter(result.values())), list(result.values())[-1]
    print(
        json.dumps(
            {
                "embedder": embedder.name,
                "texts": len(labels),
                "by_threads": result,
                "ratios": {
                    "batch_speedup_last_over_first": round(
                        last["batch_texts_per_s"] / first["batch_texts_per_s"], 2
                    ),
                    "single_speedup_last_over_first": round(
                        first["single_query_ms_median"] / last["single_query_ms_median"], 2
                    ),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
