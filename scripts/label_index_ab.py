"""Exact against HNSW label search on a real snapshot: before and after from one run
(issue 23, docs/performance.md).

For each large collection of the data folder's active snapshot it builds the other dense
index from the snapshot's own label vectors, then asks both the same real queries, in
alternating blocks on one thread (a server's request thread), through the search the
service runs (``LabelIndex.search_concepts``, dense and lexical fused):

* median milliseconds of the dense search alone (200 candidates) and of the whole
  concept search;
* the dense top 10's recall against an exact scan (ties at the tenth place count);
* how many of the exact concept top 10 the approximate search also returns;
* the lexical channel's sparse product against its dense row (``_lexical``).

Queries: MELO's Dutch job titles for occupations (``--melo``), Decorte's TECH and HOUSE
vacancy sentences for skills (``--decorte``); the first ``--queries`` of each, all from
dev splits (MELO's Belgian ``bel_q_nl_c_nl`` queries, Decorte's validation), since the graph's
efSearch in ``indexes.labels.LABEL_HNSW`` was chosen on these figures.
``--search-breadths`` measures the graph at other efSearch values in the same run.

    python -m scripts.label_index_ab --data-dir /tmp/bench-esco-s17 \
        --melo ../shared/data/melo-benchmark-nl --decorte \
        ../shared/data/decorte-skill-extraction-benchmark --out /tmp/label-ab.json
"""

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rich.console import Console

from indexes.ann import FaissIndex, IndexKind, set_search_threads
from indexes.embedding.load import load_embedder
from indexes.labels import CANDIDATES, LabelIndex, dense_index
from indexes.snapshot import SnapshotDirectory
from service.bench.peer import agreement
from service.evaluation.melo import load_dataset
from service.evaluation.skills import load_sentences
from service.settings import Settings

BLOCK = 25  # queries per turn before the other index takes its turn


def _queries(melo: Path, decorte: Path, count: int) -> dict[str, list[str]]:
    titles = [text for _, text in load_dataset(melo, "bel_q_nl_c_nl").queries]
    sentences = [
        *load_sentences(decorte, "tech", "validation"),
        *load_sentences(decorte, "house", "validation"),
    ]
    return {"occupations": titles[:count], "skills": sentences[:count]}


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 3)


def _compare(
    exact: LabelIndex,
    graph: LabelIndex,
    texts: list[str],
    vectors: NDArray[np.float32],
    lexical_weight: float,
) -> dict[str, Any]:
    """Both indexes on the same queries, taking turns per block of queries."""
    timings: dict[str, dict[str, list[float]]] = {
        name: {"dense": [], "search": []} for name in ("exact", "hnsw")
    }
    answers: dict[str, list[list[str]]] = {"exact": [], "hnsw": []}
    dense_rows: list[list[int]] = []

    def run(name: str, index: LabelIndex, start: int, keep: Callable[[], bool]) -> None:
        for i in range(start, min(start + BLOCK, len(texts))):
            began = time.perf_counter()
            _, ids = index.dense.search(vectors[i][None, :], CANDIDATES)
            middle = time.perf_counter()
            hits = index.search_concepts(vectors[i], texts[i], 10, lexical_weight)
            ended = time.perf_counter()
            timings[name]["dense"].append(middle - began)
            timings[name]["search"].append(ended - middle)
            answers[name].append([h.concept for h in hits])
            if keep():
                dense_rows.append([int(r) for r in ids[0][:10]])

    for turn, start in enumerate(range(0, len(texts), BLOCK)):
        order = [("exact", exact), ("hnsw", graph)]
        for name, index in order if turn % 2 == 0 else reversed(order):
            run(name, index, start, lambda name=name: name == "hnsw")  # type: ignore[misc]
    same = sum(len(set(a) & set(b)) for a, b in zip(answers["exact"], answers["hnsw"], strict=True))
    wanted = sum(len(a) for a in answers["exact"])
    return {
        "labels": len(exact),
        "queries": len(texts),
        "dense_200_ms": {name: _median_ms(t["dense"]) for name, t in timings.items()},
        "search_ms": {name: _median_ms(t["search"]) for name, t in timings.items()},
        "dense_recall_at_10": agreement(np.asarray(exact.vectors), vectors, dense_rows),
        "concept_top10_agreement": round(same / wanted, 4) if wanted else None,
    }


def _lexical(index: LabelIndex, texts: list[str]) -> dict[str, Any]:
    """The lexical channel's two ways to score every label for a query, taking turns
    per block: the sparse product (``CharNgramIndex.scores``, what searches used before
    issue 23) and the dense row (``dense_scores``, what they use now); and whether the
    two give the same figures for every query."""
    lexical = index.lexical

    def product(text: str) -> NDArray[np.float32]:
        row = np.zeros(len(index), dtype=np.float32)
        found = lexical.scores([text]).tocoo()
        row[found.col] = found.data
        return row

    ways: dict[str, Callable[[str], NDArray[np.float32]]] = {
        "sparse_product": product,
        "dense_row": lexical.dense_scores,
    }
    timings: dict[str, list[float]] = {name: [] for name in ways}
    for turn, start in enumerate(range(0, len(texts), BLOCK)):
        order = list(ways) if turn % 2 == 0 else list(reversed(ways))
        for name in order:
            for text in texts[start : start + BLOCK]:
                began = time.perf_counter()
                ways[name](text)
                timings[name].append(time.perf_counter() - began)
    return {
        "lexical_ms": {name: _median_ms(values) for name, values in timings.items()},
        "lexical_identical": all(
            np.array_equal(product(text), lexical.dense_scores(text)) for text in texts
        ),
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--melo", type=Path, required=True)
    parser.add_argument("--decorte", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument(
        "--search-breadths",
        type=int,
        nargs="*",
        default=[],
        help="also measure the graph at these efSearch values (default: its own)",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    settings = Settings(data_dir=args.data_dir)
    set_search_threads(1)
    embedder = load_embedder(settings.embedder, settings.models_dir, settings.runtime, threads=1)
    snapshot = SnapshotDirectory(settings.snapshots_dir).load(embedder)
    results: dict[str, Any] = {"snapshot": snapshot.id, "embedder": embedder.name}
    for name, texts in _queries(args.melo, args.decorte, args.queries).items():
        loaded = snapshot.collections[name]
        vectors = np.asarray(loaded.vectors, dtype=np.float32)
        began = time.perf_counter()
        kind: IndexKind = "hnsw" if loaded.dense.kind == "flat" else "flat"
        other = LabelIndex(
            loaded.records, loaded.vectors, dense_index(vectors, kind), loaded.lexical
        )
        build_seconds = round(time.perf_counter() - began, 1)
        exact, graph = (loaded, other) if loaded.dense.kind == "flat" else (other, loaded)
        query_vectors = embedder.encode(texts, "query")
        results[name] = {"built_seconds": build_seconds, **_lexical(loaded, texts)}
        dense = graph.dense
        assert isinstance(dense, FaissIndex)
        for breadth in [dense.search_breadth, *args.search_breadths]:
            dense.search_breadth = int(breadth or 0)
            results[name][f"ef{breadth}"] = _compare(
                exact, graph, texts, query_vectors, settings.lexical_weight
            )
        Console().print(name, results[name])
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
