"""Index machinery: cache, FAISS round trip, fusion, aggregation, snapshots."""

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from indexes.ann import FaissIndex, HnswShape, IvfShape, create_index, load_index
from indexes.embedding.base import EmbedderError, TextKind
from indexes.embedding.cache import EmbeddingCache, encode_cached
from indexes.labels import (
    FOLDED,
    HNSW_FROM_ROWS,
    LABEL_HNSW,
    RECORDS,
    LabelIndex,
    LabelRecord,
    dense_kind,
)
from indexes.lexical import fold_phrase
from indexes.snapshot import (
    FORMAT,
    REQUIREMENTS,
    SnapshotDirectory,
    SnapshotError,
    texts_to_embed,
)
from ontology import queries
from ontology.default import load_default
from ontology.store import Store
from tests.support.fakes import HashingEmbedder


def test_cache_embeds_each_text_once(tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    texts = ["elektromonteur", "lasser", "elektromonteur", "kok"]
    first, embedded = encode_cached(embedder, texts, "query", cache)
    assert embedded == 3  # the repeated label is embedded once
    again, embedded_again = encode_cached(embedder, texts, "query", cache)
    assert embedded_again == 0
    assert np.array_equal(first, again)
    assert sum(embedder.calls) == 3
    # Another model identity never reads these vectors.
    other = HashingEmbedder(model_name="test:other")
    _, embedded_other = encode_cached(other, texts, "query", cache)
    assert embedded_other == 3
    cache.close()


def test_cache_takes_batches_in_any_order_and_misses_none(tmp_path: Path) -> None:
    """Another embedder of batches (a cluster) may return them in any order; what comes
    back lands on the right rows, and a text that never comes back is an error."""
    embedder = HashingEmbedder()
    texts = [f"monteur {i}" for i in range(600)] + ["monteur 1"]  # one repeat

    def reversed_batches(batch: Sequence[str], kind: TextKind) -> Iterator[Any]:
        for start in reversed(range(0, len(batch), 100)):
            part = list(batch[start : start + 100])
            yield part, embedder.encode(part, kind)

    vectors, embedded = encode_cached(
        embedder, texts, "query", EmbeddingCache(tmp_path / "c.sqlite"), batches=reversed_batches
    )
    assert embedded == 600
    assert np.allclose(vectors, HashingEmbedder().encode(texts, "query"))

    def losing(batch: Sequence[str], kind: TextKind) -> Iterator[Any]:
        yield list(batch[1:]), embedder.encode(list(batch[1:]), kind)

    with pytest.raises(EmbedderError, match="1 of 3 texts came back without a vector"):
        encode_cached(embedder, ["a", "b", "c"], "query", None, batches=losing)


def test_faiss_round_trip_add_remove(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(50, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = create_index(16)
    index.add(vectors, np.arange(100, 150, dtype=np.int64))
    scores, ids = index.search(vectors[[3]], 1)
    assert ids[0, 0] == 103 and scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert index.remove(np.array([103], dtype=np.int64)) == 1
    index.save(tmp_path / "i.faiss")
    loaded = load_index(tmp_path / "i.faiss", "flat")
    assert loaded.size == 49
    _, ids = loaded.search(vectors[[3]], 1)
    assert ids[0, 0] != 103


def _recall(found: NDArray[np.int64], truth: NDArray[np.int64]) -> float:
    return sum(len(set(f) & set(t)) for f, t in zip(found, truth, strict=True)) / truth.size


def test_an_hnsw_shape_is_built_kept_and_its_search_breadth_changeable(tmp_path: Path) -> None:
    """The shape a caller chooses reaches FAISS, survives save/load, and a wider search
    on the same graph finds more of the exact top 10 (the sweep's premise); a filtered
    search searches as widely and fills its k."""
    rng = np.random.default_rng(11)
    vectors = rng.normal(size=(3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # efSearch below k is raised to k by FAISS: 10 is as narrow as a top 10 gets
    index = FaissIndex.empty(
        32, "hnsw", HnswShape(neighbours=8, build_breadth=16, search_breadth=10)
    )
    index.add(vectors, np.arange(3000, dtype=np.int64))
    exact = create_index(32)
    exact.add(vectors, np.arange(3000, dtype=np.int64))
    queries = vectors[:200] + rng.normal(scale=0.3, size=(200, 32)).astype(np.float32)
    _, truth = exact.search(queries, 10)
    narrow = _recall(index.search(queries, 10)[1], truth)
    index.search_breadth = 256
    wide = _recall(index.search(queries, 10)[1], truth)
    assert narrow < wide and wide > 0.95
    index.save(tmp_path / "h.faiss")
    loaded = FaissIndex.load(tmp_path / "h.faiss", "hnsw")
    assert loaded.search_breadth == 256
    assert FaissIndex.empty(32).search_breadth is None
    with pytest.raises(ValueError, match="exact"):
        FaissIndex.empty(32).search_breadth = 64
    even = np.arange(0, 3000, 2, dtype=np.int64)
    _, filtered_truth = exact.search(queries, 10, allowed=even)
    _, filtered = loaded.search(queries, 10, allowed=even)
    assert (filtered % 2 == 0).all()  # no -1 either: every query got its 10
    assert _recall(filtered, filtered_truth) > 0.9


def test_an_ivf_index_keeps_caller_ids_through_add_remove_and_load(tmp_path: Path) -> None:
    """IVF holds the ids itself (no id map): reconstruct, remove, filter and reload by
    the caller's ids, trained on its first vectors, which must fill its cells; a loaded
    IVF index can still be changed and saved again."""
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(1200, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = FaissIndex.empty(16, "ivf", ivf=IvfShape(lists=8, probes=8))
    with pytest.raises(ValueError, match="at least 8"):
        index.add(vectors[:3], np.arange(3, dtype=np.int64))
    index.add(vectors[:600], np.arange(5000, 5600, dtype=np.int64))
    index.add(vectors[600:], np.arange(5600, 6200, dtype=np.int64))  # after training
    assert np.allclose(index.reconstruct(5700), vectors[700])
    scores, ids = index.search(vectors[[700]], 1)  # every cell probed: exact
    assert ids[0, 0] == 5700 and scores[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert index.remove(np.array([5700, 5701], dtype=np.int64)) == 2 and index.size == 1198
    assert np.allclose(index.reconstruct(5702), vectors[702])
    # a filtered search scanning 2 of the 8 cells: only allowed ids, and the query's
    # own vector found (its cell is the nearest)
    index.search_breadth = 2
    allowed = np.arange(5000, 6200, 2, dtype=np.int64)
    _, ids = index.search(vectors[[4]], 5, allowed=allowed)
    assert ids[0, 0] == 5004 and set(ids[0].tolist()) <= set(allowed.tolist()) | {-1}
    index.save(tmp_path / "ivf.faiss")
    loaded = load_index(tmp_path / "ivf.faiss", "ivf")
    assert isinstance(loaded, FaissIndex) and loaded.search_breadth == 2
    assert loaded.size == 1198 and np.allclose(loaded.reconstruct(6100), vectors[1100])
    assert loaded.remove(np.array([6100], dtype=np.int64)) == 1
    loaded.add(vectors[[0]], np.array([9000], dtype=np.int64))
    loaded.save(tmp_path / "again.faiss")
    (tmp_path / "ivf.faiss").unlink()  # the new file holds its own cells
    again = load_index(tmp_path / "again.faiss", "ivf")
    assert again.size == 1198 and np.allclose(again.reconstruct(9000), vectors[0])


def _tiny_index() -> tuple[LabelIndex, HashingEmbedder]:
    records = [
        LabelRecord("occ:elektricien", "nl", "preferred", "elektricien"),
        LabelRecord("occ:elektricien", "nl", "alternative", "installateur elektra woningbouw"),
        LabelRecord("occ:loodgieter", "nl", "preferred", "loodgieter"),
        LabelRecord("occ:loodgieter", "nl", "alternative", "installateur sanitair"),
        LabelRecord("occ:kok", "nl", "preferred", "kok"),
        LabelRecord("occ:kok", "en", "preferred", "cook"),
    ]
    embedder = HashingEmbedder()
    vectors = embedder.encode([r.text for r in records], "query")
    return LabelIndex.build(records, vectors), embedder


def test_label_rows_and_their_folded_texts_load_from_both_layouts(tmp_path: Path) -> None:
    """Rows are saved as columns with their folded texts (issue 23); a collection saved
    before, a JSON object a line and nothing folded, loads to the same rows and folds
    them on first use."""
    tiny, embedder = _tiny_index()
    records = [*tiny.records, LabelRecord("occ:x", "nl", "alternative", " Coördinator\tBOUW ")]
    index = LabelIndex.build(records, embedder.encode([r.text for r in records], "query"))
    index.save(tmp_path)
    loaded = LabelIndex.load(tmp_path)
    assert loaded.records == index.records
    assert loaded.folded == [fold_phrase(r.text) for r in index.records]
    assert loaded.folded[-1] == "coordinator bouw"

    (tmp_path / RECORDS).unlink()
    (tmp_path / FOLDED).unlink()
    with (tmp_path / "records.jsonl").open("w", encoding="utf-8") as handle:
        for record in index.records:
            handle.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
    old = LabelIndex.load(tmp_path)
    assert old.records == index.records and old.folded == loaded.folded

    (tmp_path / FOLDED).write_text("one line\n", encoding="ascii")  # rows and lines differ
    with pytest.raises(ValueError, match="1 lines for 7 rows"):
        LabelIndex.load(tmp_path)


def test_lexical_channel_finds_a_misspelling_dense_cannot() -> None:
    index, embedder = _tiny_index()
    query = "electricien"  # a typo: no shared word, so the hashing embedder is blind
    vector = embedder.encode([query], "query")[0]
    fused = index.search_concepts(vector, query, 3, lexical_weight=0.5)
    assert fused[0].concept == "occ:elektricien"
    assert fused[0].label.text == "elektricien"
    assert fused[0].dense == 0.0  # the embeddings saw nothing in common…
    assert fused[0].lexical > 0.5  # …the character n-grams did


def test_lexical_matrices_load_in_both_the_current_and_the_old_layout(tmp_path: Path) -> None:
    """Saved as searched (n-grams × texts, uncompressed); a snapshot written before
    issue 23 (texts × n-grams, compressed) still loads and scores the same."""
    import scipy.sparse as sp

    from indexes.lexical import TRANSPOSED, CharNgramIndex

    texts = ["elektromonteur", "monteur elektra", "kok", "lasser", "café-eigenaar"]
    built = CharNgramIndex.build(texts)
    built.save(tmp_path)
    expected = built.scores(["elektro monteur", "kokk"]).toarray()
    assert np.allclose(
        CharNgramIndex.load(tmp_path).scores(["elektro monteur", "kokk"]).toarray(), expected
    )
    old = sp.load_npz(tmp_path / TRANSPOSED).T.tocsr()
    (tmp_path / TRANSPOSED).unlink()
    sp.save_npz(tmp_path / "lexical_matrix.npz", old)
    again = CharNgramIndex.load(tmp_path).scores(["elektro monteur", "kokk"]).toarray()
    assert np.allclose(again, expected) and expected[0].argmax() == 0
    # the dense row a search uses is the sparse product's, exactly, for any query
    for query in ["elektro monteur", "kokk", "", "zzz", "a b c d e f g h i j"]:
        sparse = built.scores([query]).toarray()[0]
        assert np.array_equal(built.dense_scores(query), sparse)
    assert CharNgramIndex.build([]).dense_scores("kok").shape == (0,)


def test_query_tf_idf_equals_scikit_learn() -> None:
    """The server computes query TF-IDF itself (scikit-learn's import alone costs a
    second of start-up); it must give exactly what the fitted vectorizer gives."""
    from indexes.lexical import QueryVectorizer, _vectorizer

    labels = [
        "Elektromonteur",
        "monteur  elektro",
        "coördinator\tlogistiek",
        "café-eigenaar",
        "a",
        "  spaties   veel ",
        "Straße façade",
        "VCA-VOL",
    ]
    fitted = _vectorizer()
    fitted.fit(labels)
    ours = QueryVectorizer({t: int(i) for t, i in fitted.vocabulary_.items()}, fitted.idf_)
    queries = ["electricien", "monteur\t\telektro ", "ñ", "", "zzz", "Coördinator", "a b"]
    expected = fitted.transform(queries).toarray()
    got = ours.transform(queries).toarray()
    assert got.shape == expected.shape
    assert np.allclose(got, expected, atol=1e-6)
    assert np.count_nonzero(got[3]) == 0  # an empty query has no n-grams


def test_lexical_candidates_are_those_a_full_stable_sort_picks() -> None:
    """The linear-time top-n of the lexical channel picks exactly the rows a stable sort
    of every row would (ties by lower row), on random scores full of ties."""
    from indexes.labels import _top_rows

    rng = np.random.default_rng(0)
    for _ in range(500):
        size = int(rng.integers(1, 300))
        rows = rng.permutation(size)[: int(rng.integers(0, size + 1))].astype(np.int32)
        scores = rng.choice([0.0, 0.1, 0.3, 0.5, 0.9], size=len(rows)).astype(np.float32)
        n = int(rng.integers(1, 40))
        dense = np.zeros(size, dtype=np.float32)
        dense[rows] = scores
        expected = {int(i) for i in np.argsort(-dense, kind="stable")[:n] if dense[i] > 0}
        assert set(_top_rows(rows, scores, n)) == expected


def test_search_thread_cap_holds_in_request_threads() -> None:
    """OpenMP thread counts are per thread: a cap set where the service opens must
    still hold in the worker threads that run requests."""
    import threading

    import faiss

    from indexes.ann import set_search_threads

    index = create_index(4, "flat")
    index.add(np.eye(4, dtype=np.float32), np.arange(4, dtype=np.int64))
    seen: list[int] = []

    def request() -> None:
        index.search(np.eye(4, dtype=np.float32)[:1], 1)
        seen.append(faiss.omp_get_max_threads())

    before = faiss.omp_get_max_threads()
    set_search_threads(1)
    try:
        worker = threading.Thread(target=request)
        worker.start()
        worker.join()
    finally:
        set_search_threads(None)
    assert seen == [1]
    assert faiss.omp_get_max_threads() == before  # None lifts the cap here again


def test_dense_channel_and_concept_aggregation() -> None:
    index, embedder = _tiny_index()
    query = "installateur sanitair"
    vector = embedder.encode([query], "query")[0]
    hits = index.search_concepts(vector, query, 3, lexical_weight=0.3)
    concepts = [hit.concept for hit in hits]
    assert concepts[0] == "occ:loodgieter"
    assert len(concepts) == len(set(concepts))  # one hit per concept
    assert hits[0].label.text == "installateur sanitair"  # says which label matched
    # The elektricien shares "installateur" with the query: found, but lower.
    assert "occ:elektricien" in concepts[1:]


def test_language_filter() -> None:
    index, embedder = _tiny_index()
    vector = embedder.encode(["cook"], "query")[0]
    assert index.search_concepts(vector, "cook", 3, 0.3, languages=["en"])[0].label.text == "cook"
    dutch = index.search_concepts(vector, "cook", 3, 0.3, languages=["nl"])
    assert all(hit.label.language == "nl" for hit in dutch)


def test_label_index_save_load(tmp_path: Path) -> None:
    index, embedder = _tiny_index()
    index.save(tmp_path / "occ")
    loaded = LabelIndex.load(tmp_path / "occ")
    vector = embedder.encode(["loodgieter"], "query")[0]
    assert [h.concept for h in loaded.search_concepts(vector, "loodgieter", 2, 0.3)] == [
        h.concept for h in index.search_concepts(vector, "loodgieter", 2, 0.3)
    ]


@pytest.fixture
def default_store(store: Store) -> Store:
    load_default(store)
    return store


def test_snapshot_build_activate_load(default_store: Store, tmp_path: Path) -> None:
    embedder = HashingEmbedder()
    directory = SnapshotDirectory(tmp_path / "snapshots")
    stats = directory.build(default_store, embedder, EmbeddingCache(tmp_path / "c.sqlite"))
    assert directory.active_id() == stats.snapshot_id
    manifest = json.loads(
        (tmp_path / "snapshots" / stats.snapshot_id / "manifest.json").read_text()
    )
    assert manifest["embedder"] == {"name": "test:hashing", "dimension": 64}
    assert manifest["collections"]["occupations"] > 60  # every label, not one per concept
    assert set(manifest["collections"]) == {
        "occupations",
        "skills",
        "qualifications",
        "certificates",
    }
    snapshot = directory.load(embedder, verify=True)
    # One profile (name + description) per occupation, embedded as a passage.
    assert manifest["profiles"] == {"occupations": 60}
    assert snapshot.profiles is not None and len(snapshot.profiles) == 60
    occupations = snapshot.collections["occupations"]
    assert set(snapshot.profiles.uris) == {r.concept for r in occupations.records}
    vector = embedder.encode(["lasser"], "query")[0]
    hit = occupations.search_concepts(vector, "lasser", 1, 0.3)[0]
    assert "lasser" in hit.label.text.lower()

    # A second build with a warm cache embeds nothing.
    again = directory.build(default_store, embedder, EmbeddingCache(tmp_path / "c.sqlite"))
    assert again.embedded == 0 and again.texts == stats.texts
    assert directory.active_id() == again.snapshot_id


def test_a_large_collection_gets_an_hnsw_index_that_answers_as_the_exact_one(
    tmp_path: Path,
) -> None:
    """``auto`` builds a graph only from ``HNSW_FROM_ROWS`` labels; a graph-backed label
    index finds the same concepts as the exact one for queries near its labels, and a
    saved one loads as the graph it was, not as flat."""
    assert dense_kind(HNSW_FROM_ROWS - 1, "auto") == "flat"
    assert dense_kind(HNSW_FROM_ROWS, "auto") == "hnsw"
    assert dense_kind(10, "hnsw") == "hnsw" and dense_kind(10**6, "flat") == "flat"
    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # 1,000 concepts of three labels each
    records = [LabelRecord(f"c:{i // 3}", "nl", "alternative", f"label {i}") for i in range(3000)]
    graph = LabelIndex.build(records, vectors, "hnsw")
    exact = LabelIndex.build(records, vectors, "auto")
    assert (graph.dense.kind, exact.dense.kind) == ("hnsw", "flat")
    graph.save(tmp_path / "graph")
    loaded = LabelIndex.load(tmp_path / "graph")
    assert isinstance(loaded.dense, FaissIndex) and loaded.dense.kind == "hnsw"
    assert loaded.dense.search_breadth == LABEL_HNSW.search_breadth
    queries = vectors[:100] + rng.normal(scale=0.05, size=(100, 32)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    same = 0
    for i, query in enumerate(queries):
        ours = [h.concept for h in loaded.search_concepts(query, f"label {i}", 10, 0.0)]
        truth = [h.concept for h in exact.search_concepts(query, f"label {i}", 10, 0.0)]
        assert ours[0] == truth[0] == f"c:{i // 3}"
        same += len(set(ours) & set(truth))
    assert same / 1000 >= 0.99


def test_a_snapshot_records_and_loads_each_collections_dense_index(
    default_store: Store, tmp_path: Path
) -> None:
    embedder = HashingEmbedder()
    directory = SnapshotDirectory(tmp_path / "snapshots")
    stats = directory.build(default_store, embedder, None, label_index="hnsw")
    manifest = json.loads(
        (tmp_path / "snapshots" / stats.snapshot_id / "manifest.json").read_text()
    )
    assert set(manifest["dense_index"].values()) == {"hnsw"}
    snapshot = directory.load(embedder)
    assert {c.dense.kind for c in snapshot.collections.values()} == {"hnsw"}
    # the default ontology is small: ``auto`` keeps it exact
    directory.build(default_store, embedder, None)
    assert {c.dense.kind for c in directory.load(embedder).collections.values()} == {"flat"}


def test_a_snapshot_built_before_profiles_loads_without_them(
    default_store: Store, tmp_path: Path
) -> None:
    embedder = HashingEmbedder()
    directory = SnapshotDirectory(tmp_path / "snapshots")
    stats = directory.build(default_store, embedder, EmbeddingCache(tmp_path / "c.sqlite"))
    path = tmp_path / "snapshots" / stats.snapshot_id / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["profiles"]  # as written before issue 20
    path.write_text(json.dumps(manifest))
    snapshot = directory.load(embedder, verify=True)
    assert snapshot.profiles is None and snapshot.collections["occupations"].records


def test_a_cache_holding_texts_to_embed_leaves_the_build_nothing_to_embed(
    default_store: Store, tmp_path: Path
) -> None:
    """What a cluster embeds before a build (``texts_to_embed``) is all the build embeds:
    labels, calibration strings and occupation profiles."""
    embedder = HashingEmbedder()
    cache = EmbeddingCache(tmp_path / "c.sqlite")
    for kind, texts in texts_to_embed(default_store).items():
        encode_cached(embedder, texts, kind, cache)
    embedder.calls.clear()
    directory = SnapshotDirectory(tmp_path / "snapshots")
    stats = directory.build(default_store, embedder, cache, lexical_weights=(0.1, 0.25))
    assert stats.embedded == 0 and embedder.calls == []
    assert directory.load(embedder).profiles is not None


def test_manifest_mismatch_is_a_clear_error(default_store: Store, tmp_path: Path) -> None:
    directory = SnapshotDirectory(tmp_path / "snapshots")
    directory.build(default_store, HashingEmbedder(), None)
    with pytest.raises(SnapshotError, match=r"dimension 64.*dimension 32"):
        directory.load(HashingEmbedder(dims=32))
    with pytest.raises(SnapshotError, match="test:other"):
        directory.load(HashingEmbedder(model_name="test:other"))


def test_a_snapshot_of_a_later_format_is_refused_by_name(
    default_store: Store, tmp_path: Path
) -> None:
    directory = SnapshotDirectory(tmp_path / "snapshots")
    built = directory.build(default_store, HashingEmbedder(), None).snapshot_id
    manifest_path = tmp_path / "snapshots" / built / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format"] = FORMAT + 1
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match=rf"format {FORMAT + 1}, not one.*overstap reindex"):
        directory.load(HashingEmbedder())
    manifest["format"] = "2"  # not a number: refused the same way
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match="format '2'"):
        directory.load(HashingEmbedder())


def test_a_snapshot_keeps_the_requirements_the_store_had(
    default_store: Store, tmp_path: Path
) -> None:
    """The occupations' requirements are written into the snapshot (a server reads them
    there, not through a join of the store); an older snapshot has none, a damaged file
    is an error naming the snapshot."""
    directory = SnapshotDirectory(tmp_path / "snapshots")
    built = directory.build(default_store, HashingEmbedder(), None).snapshot_id
    expected = queries.requirements(default_store)
    assert sum(map(len, expected.values())) > 100
    assert directory.load(HashingEmbedder()).requirements == expected

    path = tmp_path / "snapshots" / built / REQUIREMENTS
    columns = json.loads(path.read_text())
    for damage in ("count", "skill"):
        damaged = json.loads(json.dumps(columns))
        damaged[damage][0] += 1 if damage == "count" else len(columns["skills"])
        path.write_text(json.dumps(damaged))
        with pytest.raises(SnapshotError, match=f"{built}: unreadable requirements"):
            directory.load(HashingEmbedder())
    path.unlink()
    with pytest.raises(SnapshotError, match=f"{built} is missing {REQUIREMENTS}"):
        directory.load(HashingEmbedder())
    manifest_path = tmp_path / "snapshots" / built / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format"] = 1  # a snapshot from before: the store's requirements are read
    manifest_path.write_text(json.dumps(manifest))
    assert directory.load(HashingEmbedder()).requirements is None


def test_damaged_label_rows_are_an_error_naming_the_snapshot(
    default_store: Store, tmp_path: Path
) -> None:
    directory = SnapshotDirectory(tmp_path / "snapshots")
    built = directory.build(default_store, HashingEmbedder(), None).snapshot_id
    path = tmp_path / "snapshots" / built / "skills" / RECORDS
    columns = json.loads(path.read_text())
    columns["concept"][0] = len(columns["concepts"])  # a concept that is not listed
    path.write_text(json.dumps(columns))
    with pytest.raises(SnapshotError, match=f"{built}: unreadable label rows.*not listed"):
        directory.load(HashingEmbedder())
    del columns["concept"]
    path.write_text(json.dumps(columns))
    with pytest.raises(SnapshotError, match=f"{built}: unreadable label rows"):
        directory.load(HashingEmbedder())
    (tmp_path / "snapshots" / built / "skills" / FOLDED).unlink()
    with pytest.raises(SnapshotError, match=f"missing skills/{FOLDED}"):
        directory.load(HashingEmbedder())


def test_a_build_that_dies_halfway_leaves_the_active_snapshot(
    default_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    embedder = HashingEmbedder()
    directory = SnapshotDirectory(tmp_path / "snapshots")
    good = directory.build(default_store, embedder, None).snapshot_id

    calls = {"n": 0}
    original = LabelIndex.save

    def dying_save(self: LabelIndex, folder: Path) -> list[Path]:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("killed while writing the second collection")
        return original(self, folder)

    monkeypatch.setattr(LabelIndex, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        directory.build(default_store, embedder, None)
    monkeypatch.undo()

    assert directory.active_id() == good
    leftovers = [p.name for p in (tmp_path / "snapshots").iterdir() if p.name.endswith(".building")]
    assert len(leftovers) == 1
    assert directory.load(embedder).id == good  # still loads, untouched

    directory.build(default_store, embedder, None)
    assert not any(p.name.endswith(".building") for p in (tmp_path / "snapshots").iterdir())


def test_pointer_switch_is_a_rename(tmp_path: Path, default_store: Store) -> None:
    directory = SnapshotDirectory(tmp_path / "snapshots")
    first = directory.build(default_store, HashingEmbedder(), None, activate=False).snapshot_id
    assert directory.active_id() is None
    directory.activate(first)
    assert (tmp_path / "snapshots" / "ACTIVE").read_text().strip() == first
    assert not [p for p in os.listdir(tmp_path / "snapshots") if p.endswith(".tmp")]
    with pytest.raises(SnapshotError):
        directory.activate("does-not-exist")


def test_snapshot_of_a_store_without_trainings(store: Store, tmp_path: Path) -> None:
    """A full ESCO import has no certificates: empty collections must build and load."""
    from ontology.importers.esco import EscoImporter
    from ontology.writer import OntologyWriter
    from tests.support.paths import MINI_EN

    with store.transaction() as conn:
        EscoImporter(OntologyWriter(conn)).run([MINI_EN])
    embedder = HashingEmbedder()
    directory = SnapshotDirectory(tmp_path / "snapshots")
    stats = directory.build(store, embedder, None)
    assert stats.counts["certificates"] == 0 and stats.counts["occupations"] > 0
    snapshot = directory.load(embedder)
    empty = snapshot.collections["certificates"]
    assert empty.search_concepts(embedder.encode(["x"], "query")[0], "x", 5, 0.1) == []
