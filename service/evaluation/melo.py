"""MELO benchmark evaluation (Retyk et al. 2024) with the service's own search code.

Protocol: for each query rank all corpus elements (ESCO surface forms), keep the top
100, break score ties by descending element id (as trec_eval does), and compute
trec_eval's ``recip_rank`` (MRR), ``map`` and ``success@k`` against the qrels. With
``lexical_weight=1`` the ranking is MELO's character TF-IDF baseline, which reproduces
its published figures (bel_q_nl_c_nl MRR 0.5529, nld_q_nl_c_nl 0.4862).
"""

import gzip
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.base import Embedder
from indexes.embedding.cache import Batches, EmbeddingCache, encode_cached
from indexes.labels import Aggregation, LabelIndex, LabelIndexKind, LabelRecord
from indexes.title_text import clean_title

TOP = 100
DATASETS = ("bel_q_nl_c_nl", "nld_q_nl_c_nl", "nld_q_nl_c_en", "bel_q_nl_c_en")


class MeloError(Exception):
    """The benchmark files are missing or not in MELO's layout."""


@dataclass(frozen=True)
class MeloDataset:
    """Queries, corpus elements and relevance judgements of one MELO dataset."""

    name: str
    queries: list[tuple[str, str]]
    corpus: list[tuple[str, str]]
    relevant: dict[str, set[str]]


def _rows(folder: Path, dataset: str, name: str) -> list[list[str]]:
    path = folder / f"{dataset}__{name}"
    if path.exists():
        text = path.read_text(encoding="utf-8")
    elif path.with_name(path.name + ".gz").exists():
        text = gzip.decompress(path.with_name(path.name + ".gz").read_bytes()).decode("utf-8")
    else:
        raise MeloError(f"{path}(.gz) not found: is {folder} the MELO benchmark folder?")
    return [line.split("\t") for line in text.splitlines() if line.strip()]


def load_dataset(folder: Path, dataset: str) -> MeloDataset:
    """Read one dataset (``<name>__queries.tsv``, ``__corpus_elements``, ``__annotations``)."""
    queries = [(row[0], row[1]) for row in _rows(folder, dataset, "queries.tsv")]
    corpus = [(row[0], row[1]) for row in _rows(folder, dataset, "corpus_elements.tsv")]
    relevant: dict[str, set[str]] = {}
    for row in _rows(folder, dataset, "annotations.tsv"):
        if row[3].strip() != "0":
            relevant.setdefault(row[0], set()).add(row[2])
    # Rows in ascending id order, so "higher row wins ties" equals trec_eval's
    # descending-docno tie-break.
    corpus.sort(key=lambda item: item[0])
    return MeloDataset(dataset, queries, corpus, relevant)


def metrics(ranked: dict[str, list[str]], relevant: dict[str, set[str]]) -> dict[str, float]:
    """trec_eval's recip_rank, map and success@1/5/10 over the judged queries."""
    rr: list[float] = []
    ap: list[float] = []
    success = {1: [], 5: [], 10: []}  # type: dict[int, list[float]]
    for query, wanted in relevant.items():
        ranking = ranked.get(query, [])[:TOP]
        first = 0.0
        hits = 0
        precision_sum = 0.0
        for rank, element in enumerate(ranking, start=1):
            if element in wanted:
                hits += 1
                precision_sum += hits / rank
                if not first:
                    first = 1.0 / rank
        rr.append(first)
        ap.append(precision_sum / len(wanted))
        for k, values in success.items():
            values.append(1.0 if any(e in wanted for e in ranking[:k]) else 0.0)
    return {
        "mrr": float(np.mean(rr)),
        "map": float(np.mean(ap)),
        **{f"success_{k}": float(np.mean(v)) for k, v in success.items()},
        "queries": float(len(rr)),
    }


def element_index(
    dataset: MeloDataset,
    embedder: Embedder | None,
    cache: EmbeddingCache | None = None,
    on_progress: Callable[[int], None] | None = None,
    concept_of: dict[str, str] | None = None,
    batches: Batches | None = None,
    label_index: LabelIndexKind = "auto",
) -> tuple[list[LabelRecord], LabelIndex, list[str], NDArray[np.float32]]:
    """The corpus as the service's LabelIndex, and the queries cleaned and embedded as
    the service does: what every ranking here starts from. Records are keyed by corpus
    element, or by ESCO concept through ``concept_of``; ``embedder=None`` leaves the
    dense channel empty (lexical only); ``batches`` embeds elsewhere (a cluster);
    ``label_index``: the dense index, as the service's setting of that name chooses it
    (MELO's 24,000 and 34,000 elements get a graph under ``auto``)."""
    records = [
        LabelRecord(concept_of[eid] if concept_of else eid, "", "element", text)
        for eid, text in dataset.corpus
    ]
    query_texts = [clean_title(text) for _, text in dataset.queries]  # as the service does
    if embedder is None:
        vectors = np.zeros((len(records), 1), dtype=np.float32)
        query_vectors = np.zeros((len(query_texts), 1), dtype=np.float32)
    else:
        texts = [r.text for r in records]
        vectors, _ = encode_cached(embedder, texts, "query", cache, on_progress, batches)
        query_vectors, _ = encode_cached(
            embedder, query_texts, "query", cache, on_progress, batches
        )
    # without an embedder the dense channel is empty: nothing to build a graph over
    kind = label_index if embedder is not None else "flat"
    return records, LabelIndex.build(records, vectors, kind), query_texts, query_vectors


def evaluate(
    dataset: MeloDataset,
    embedder: Embedder | None,
    lexical_weight: float,
    cache: EmbeddingCache | None = None,
    on_progress: Callable[[int], None] | None = None,
    rrf_k: int = 0,
    batches: Batches | None = None,
    label_index: LabelIndexKind = "auto",
) -> dict[str, Any]:
    """Rank with the service's LabelIndex (dense + lexical fused) and score the ranking.

    ``embedder=None`` runs the lexical channel alone (and requires weight 1). ``rrf_k``
    > 0 fuses the two channels' rankings by reciprocal rank fusion instead of the
    weighted score sum, to compare the two fusions on a dev set."""
    started = time.perf_counter()
    if embedder is None and lexical_weight != 1.0:
        raise MeloError("without an embedder only the lexical channel (weight 1) runs")
    records, index, query_texts, query_vectors = element_index(
        dataset, embedder, cache, on_progress, batches=batches, label_index=label_index
    )

    def rows(i: int, weight: float, k: int) -> list[int]:
        hits = index.search_rows(query_vectors[i], query_texts[i], k, weight)
        return [hit.row for hit in hits]

    if rrf_k:
        ranked = {
            qid: [records[r].concept for r in _rrf(rows(i, 0.0, 1000), rows(i, 1.0, 1000), rrf_k)]
            for i, (qid, _) in enumerate(dataset.queries)
        }
    else:
        ranked = {
            qid: [records[r].concept for r in rows(i, lexical_weight, TOP)]
            for i, (qid, _) in enumerate(dataset.queries)
        }
    result: dict[str, Any] = metrics(ranked, dataset.relevant)
    result["config"] = {
        "dataset": dataset.name,
        "embedder": embedder.name if embedder else None,
        "fusion": f"rrf(k={rrf_k})" if rrf_k else "weighted",
        "lexical_weight": None if rrf_k else lexical_weight,
        "top": TOP,
        "corpus_elements": len(records),
        "dense_index": index.dense.kind,
    }
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def _rrf(dense: list[int], lexical: list[int], k: int) -> list[int]:
    """Reciprocal rank fusion: Σ 1 / (k + rank) over the rankings; top ``TOP`` rows."""
    fused: dict[int, float] = {}
    for ranking in (dense, lexical):
        for rank, row in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank)
    return sorted(fused, key=lambda row: (-fused[row], -row))[:TOP]


def concept_mapping(folder: Path, dataset: MeloDataset) -> dict[str, str]:
    """Corpus element id → ESCO concept URI (MELO's ``concept_mapping`` table)."""
    return {row[0]: row[1] for row in _rows(folder, dataset.name, "concept_mapping.tsv")}


def concept_relevance(dataset: MeloDataset, concept_of: dict[str, str]) -> dict[str, set[str]]:
    """Qrels lifted to ESCO concepts through the element → concept mapping."""
    return {
        query: {concept_of[element] for element in elements if element in concept_of}
        for query, elements in dataset.relevant.items()
    }


def evaluate_concepts(
    folder: Path,
    dataset: MeloDataset,
    embedder: Embedder,
    lexical_weight: float,
    aggregation: Aggregation,
    cache: EmbeddingCache | None = None,
    label_index: LabelIndexKind = "auto",
) -> dict[str, Any]:
    """Concept-level variant (not MELO's protocol): rank ESCO concepts as the service's
    concept search does, to choose how label scores aggregate into a concept score."""
    concept_of = concept_mapping(folder, dataset)
    _, index, query_texts, query_vectors = element_index(
        dataset, embedder, cache, concept_of=concept_of, label_index=label_index
    )
    ranked = {
        qid: [
            hit.concept
            for hit in index.search_concepts(
                query_vectors[i], query_texts[i], TOP, lexical_weight, aggregation=aggregation
            )
        ]
        for i, (qid, _) in enumerate(dataset.queries)
    }
    result: dict[str, Any] = metrics(ranked, concept_relevance(dataset, concept_of))
    result["config"] = {
        "dataset": dataset.name,
        "level": "concept",
        "aggregation": aggregation,
        "lexical_weight": lexical_weight,
    }
    return result
