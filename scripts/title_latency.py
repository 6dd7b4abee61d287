"""Per-title linking latency of two embedders, measured in one run so they compare.

``python -m scripts.title_latency --data ../shared/data/melo-benchmark-nl --embedders
bundled:multilingual-e5-small,tuned:<folder>`` builds, for each embedder, the label
index of MELO's Dutch ESCO labels (vectors from the embedding cache when present) and
then links MELO's bel_q_nl_c_nl titles one at a time, as ``/v1/job-titles/normalize``
does for a single title: clean, embed, search dense + lexical, aggregate per concept.
The embedders take turns title by title, so machine noise hits both alike. It prints
median and 95th-percentile milliseconds per title and the ratio between them.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from indexes.embedding.base import Embedder
from indexes.embedding.cache import EmbeddingCache, encode_cached
from indexes.embedding.load import load_embedder
from indexes.labels import LabelIndex, LabelRecord
from indexes.title_text import clean_title
from service.evaluation.melo import load_dataset
from service.settings import get_settings


def _index(embedder: Embedder, corpus: list[tuple[str, str]], cache: EmbeddingCache) -> LabelIndex:
    records = [LabelRecord(eid, "nl", "element", text) for eid, text in corpus]
    vectors, _ = encode_cached(embedder, [r.text for r in records], "query", cache)
    return LabelIndex.build(records, vectors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="MELO benchmark folder")
    parser.add_argument("--embedders", required=True, help="comma-separated embedder specs")
    parser.add_argument("--titles", type=int, default=300)
    args = parser.parse_args()
    settings = get_settings()
    dataset = load_dataset(args.data, "bel_q_nl_c_nl")
    cache = EmbeddingCache(settings.cache_path)
    runs: list[tuple[str, Embedder, LabelIndex]] = []
    for spec in args.embedders.split(","):
        loaded: Embedder = load_embedder(spec, settings.models_dir, settings.runtime)
        runs.append((spec, loaded, _index(loaded, dataset.corpus, cache)))
    titles = [text for _, text in dataset.queries][: args.titles]
    timings: dict[str, list[float]] = {spec: [] for spec, _, _ in runs}
    for _spec, embedder, _idx in runs:  # warm-up
        embedder.encode([titles[0]], "query")
    for title in titles:
        for spec, embedder, index in runs:
            started = time.perf_counter()
            text = clean_title(title)
            vector = embedder.encode([text], "query")[0]
            index.search_concepts(vector, text, 10, settings.lexical_weight)
            timings[spec].append(1000 * (time.perf_counter() - started))
    report = {
        spec: {
            "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(float(np.percentile(values, 95)), 2),
        }
        for spec, values in timings.items()
    }
    first = report[runs[0][0]]["median_ms"]
    for values in report.values():
        values["median_ratio_to_first"] = round(values["median_ms"] / first, 3)
    print(json.dumps({"titles": len(titles), "by_embedder": report}, indent=2))


if __name__ == "__main__":
    main()
