"""scripts.label_index_ab: its recall and agreement figures are what they claim."""

import numpy as np

from indexes.ann import FaissIndex, HnswShape
from indexes.labels import LabelIndex, LabelRecord
from scripts.label_index_ab import _compare, _lexical


def _labels(count: int) -> tuple[list[LabelRecord], np.ndarray]:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(count, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    records = [LabelRecord(f"c:{i // 2}", "nl", "alternative", f"l{i}") for i in range(count)]
    return records, vectors


def test_an_index_compared_with_itself_agrees_fully_and_a_poor_graph_does_not() -> None:
    records, vectors = _labels(2000)
    exact = LabelIndex.build(records, vectors, "flat")
    queries = vectors[:60] + np.random.default_rng(4).normal(scale=0.4, size=(60, 16)).astype(
        np.float32
    )
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    texts = [f"q{i}" for i in range(60)]
    same = _compare(exact, exact, texts, queries, 0.0)
    assert same["dense_recall_at_10"] == 1.0 and same["concept_top10_agreement"] == 1.0
    assert same["queries"] == 60 and set(same["search_ms"]) == {"exact", "hnsw"}
    # a graph with two links per vector, searched narrowly, misses some of the top 10
    poor = FaissIndex.empty(16, "hnsw", HnswShape(neighbours=2, build_breadth=4, search_breadth=1))
    poor.add(vectors, np.arange(2000, dtype=np.int64))
    graph = LabelIndex(records, vectors, poor, exact.lexical)
    worse = _compare(exact, graph, texts, queries, 0.0)
    assert worse["dense_recall_at_10"] < 0.95
    assert worse["concept_top10_agreement"] < 1.0


def test_the_lexical_comparison_times_both_ways_and_finds_them_equal() -> None:
    records, vectors = _labels(300)
    index = LabelIndex.build(records, vectors)
    figures = _lexical(index, ["l1", "l2 l3", "monteur", ""])
    assert set(figures["lexical_ms"]) == {"sparse_product", "dense_row"}
    assert figures["lexical_identical"] is True
