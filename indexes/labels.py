"""A searchable collection of labels (every surface form, not only preferred ones).

Each row is one label of one concept in one language; the dense channel (FAISS over
embeddings) and the lexical channel (character TF-IDF) score rows, a weighted sum fuses
them, and concept search keeps each concept's best row, reporting which label matched.
"""

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from indexes.ann import HnswShape, IndexKind, VectorIndex, create_index, load_index
from indexes.lexical import CharNgramIndex, fold_phrase

CANDIDATES = 200  # per channel; fused and re-ranked exactly
SOFT_MAX_TEMPERATURE = 0.05
# Ranks whose mean fused score is a query's background: e5's cosines bunch high, so how
# far the best hit stands out from it (the margin) says more than the score itself
# whether the collection holds what was asked for (``indexes.confidence``).
BACKGROUND = (10, 60)
Aggregation = Literal["max", "lse"]
LabelIndexKind = Literal["auto", "flat", "hnsw"]
# From this many rows ``auto`` builds an HNSW graph rather than scanning every vector:
# on full ESCO the 200 candidates of a search took 3.4 ms over the 57,125 occupation
# labels and 7.3 ms over the 109,746 skill labels exactly, 1.3 and 2.1 ms through this
# graph (``scripts.label_index_ab``, docs/performance.md). The default ontology's few
# thousand rows stay exact.
HNSW_FROM_ROWS = 20_000
RECORDS = "records.json"  # the label rows, as columns
FOLDED = "folded.txt"  # each row's text through ``fold_phrase``, one a line
# M and efConstruction chosen on ESCO's label vectors with perturbed labels as queries;
# efSearch on the dev splits (MELO's Dutch titles, Decorte's TECH and HOUSE validation
# sentences): at 256 the skills' dense recall@10 was 0.981, at 512 0.993 (occupations
# 0.998), and 99.9 % of the exact concept top 10s came back.
LABEL_HNSW = HnswShape(neighbours=32, build_breadth=100, search_breadth=512)


def dense_kind(rows: int, wanted: LabelIndexKind) -> IndexKind:
    """The vector index a collection of ``rows`` labels gets (``auto``: exact below
    ``HNSW_FROM_ROWS``, HNSW from there)."""
    if wanted == "auto":
        return "hnsw" if rows >= HNSW_FROM_ROWS else "flat"
    return wanted


def _top_rows(rows: NDArray[np.int32], scores: NDArray[np.float32], n: int) -> list[int]:
    """The ``n`` rows with the highest positive scores, ties broken by lower row, as a
    stable sort of every row would pick them, but in time linear in the matches: a
    short query's character 1-grams match nearly every label, and sorting all 57,000
    ESCO occupation labels per request cost a fifth of a search (profiled)."""
    positive = scores > 0
    rows, scores = rows[positive], scores[positive]
    if len(scores) <= n:
        return [int(r) for r in rows]
    threshold = -np.partition(-scores, n - 1)[n - 1]
    above = rows[scores > threshold]
    tied = np.sort(rows[scores == threshold])[: n - len(above)]
    return [int(r) for r in np.concatenate([above, tied])]


def _soft_max(scores: list[float]) -> float:
    values = np.asarray(scores, dtype=np.float64) / SOFT_MAX_TEMPERATURE
    top = float(values.max())
    return float(SOFT_MAX_TEMPERATURE * (top + np.log(np.exp(values - top).sum())))


@dataclass(frozen=True)
class LabelRecord:
    """What a vector points at."""

    concept: str
    language: str
    kind: str
    text: str


@dataclass(frozen=True)
class RowHit:
    """A scored label row, with both channels' scores for transparency."""

    row: int
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class ConceptHit:
    """A concept found through its best-matching label; ``margin`` is its score minus
    the query's background (the mean score of label ranks 11–60)."""

    concept: str
    score: float
    label: LabelRecord
    dense: float
    lexical: float
    margin: float = 0.0


def background(hits: Sequence[RowHit]) -> float:
    """Mean score of the label rows ranked 11–60 (fewer when the collection is small;
    0 when it has at most ten rows)."""
    tail = [h.score for h in hits[BACKGROUND[0] : BACKGROUND[1]]]
    return sum(tail) / len(tail) if tail else 0.0


def dense_index(vectors: NDArray[np.float32], kind: IndexKind) -> VectorIndex:
    """The dense channel over label ``vectors``, row n under id n."""
    dense = create_index(vectors.shape[1], kind, hnsw=LABEL_HNSW)
    dense.add(vectors, np.arange(len(vectors), dtype=np.int64))
    return dense


class LabelIndex:
    """Dense + lexical search over a fixed list of label rows."""

    def __init__(
        self,
        records: list[LabelRecord],
        vectors: NDArray[np.float32],
        dense: VectorIndex,
        lexical: CharNgramIndex,
        folded: list[str] | None = None,
    ) -> None:
        self.records = records
        self.vectors = vectors
        self.dense = dense
        self.lexical = lexical
        self._folded = folded
        self._languages = np.array([r.language for r in records], dtype=object)

    @classmethod
    def build(
        cls,
        records: list[LabelRecord],
        vectors: NDArray[np.float32],
        kind: LabelIndexKind = "auto",
    ) -> "LabelIndex":
        """Index rows whose vectors were already computed (in the same order); ``kind``:
        the dense channel's index (``dense_kind``)."""
        if len(records) != len(vectors):
            raise ValueError(f"{len(records)} records but {len(vectors)} vectors")
        dense = dense_index(vectors, dense_kind(len(records), kind))
        lexical = CharNgramIndex.build([r.text for r in records])
        return cls(records, vectors, dense, lexical)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def folded(self) -> list[str]:
        """Each row's text through ``fold_phrase``, in row order: written into the
        snapshot, because folding full ESCO's 167,000 labels took about 0.35 s of a
        server's start (issue 23); computed on first use for an index built in memory."""
        if self._folded is None:
            self._folded = [fold_phrase(r.text) for r in self.records]
        return self._folded

    def search_rows(
        self,
        query_vector: NDArray[np.float32],
        query_text: str,
        k: int,
        lexical_weight: float,
        languages: Sequence[str] | None = None,
        exclude: Collection[int] = (),
    ) -> list[RowHit]:
        """The ``k`` best rows by ``(1 - w) · dense + w · lexical`` (both cosines).

        Candidates are the union of each channel's top rows; every candidate then gets
        both scores exactly, so fusion never compares a score with a missing one.
        ``exclude``: rows left out (calibration asks with a label's own row removed).
        """
        if not self.records:
            return []
        allowed = self._mask(languages)
        candidates: set[int] = set()
        if lexical_weight < 1.0:
            fetch = CANDIDATES if allowed is None else min(len(self), CANDIDATES * 8)
            fetch += len(exclude)
            _, ids = self.dense.search(query_vector[None, :], max(fetch, k))
            candidates.update(int(i) for i in ids[0] if i >= 0)
        if lexical_weight > 0.0:
            lexical_all = self.lexical.dense_scores(query_text)
            matched = np.flatnonzero(lexical_all).astype(np.int32)
            candidates.update(_top_rows(matched, lexical_all[matched], max(CANDIDATES, k)))
        else:
            lexical_all = np.zeros(len(self), dtype=np.float32)
        rows = np.array(sorted(candidates.difference(exclude)), dtype=np.int64)
        if allowed is not None:
            rows = rows[allowed[rows]]
        if not len(rows):
            return []
        dense = self.vectors[rows] @ query_vector
        lexical = lexical_all[rows]
        fused = (1.0 - lexical_weight) * dense + lexical_weight * lexical
        # Ties: higher row first, as trec_eval breaks ties by descending document id.
        order = np.lexsort((-rows, -fused))[:k]
        return [
            RowHit(int(rows[i]), float(fused[i]), float(dense[i]), float(lexical[i])) for i in order
        ]

    def search_concepts(
        self,
        query_vector: NDArray[np.float32],
        query_text: str,
        k: int,
        lexical_weight: float,
        languages: Sequence[str] | None = None,
        aggregation: Aggregation = "max",
        exclude: Collection[int] = (),
    ) -> list[ConceptHit]:
        """The ``k`` best concepts, each reported with its best-matching label.

        ``max`` scores a concept by its best label; ``lse`` by a soft maximum
        (``τ·log Σ exp(s/τ)``, τ = 0.05) that lifts concepts several of whose labels
        match. docs/quality.md reports which wins on MELO at concept level.
        """
        hits = self.search_rows(
            query_vector, query_text, max(k * 10, CANDIDATES), lexical_weight, languages, exclude
        )
        floor = background(hits)
        best: dict[str, ConceptHit] = {}
        scores: dict[str, list[float]] = {}
        for hit in hits:
            record = self.records[hit.row]
            scores.setdefault(record.concept, []).append(hit.score)
            if record.concept not in best:
                best[record.concept] = ConceptHit(
                    record.concept, hit.score, record, hit.dense, hit.lexical, hit.score - floor
                )
        if aggregation == "lse":
            best = {
                concept: replace(hit, score=(lse := _soft_max(scores[concept])), margin=lse - floor)
                for concept, hit in best.items()
            }
        return sorted(best.values(), key=lambda h: -h.score)[:k]

    def _mask(self, languages: Sequence[str] | None) -> NDArray[np.bool_] | None:
        if not languages:
            return None
        return np.isin(self._languages, list(languages))

    # -- persistence ------------------------------------------------------------------

    def save(self, folder: Path) -> list[Path]:
        """Write rows, vectors, the FAISS file and the lexical matrices into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        records = folder / RECORDS
        position: dict[str, int] = {}
        for record in self.records:
            position.setdefault(record.concept, len(position))
        columns = {
            "concepts": list(position),
            "concept": [position[r.concept] for r in self.records],
            "language": [r.language for r in self.records],
            "kind": [r.kind for r in self.records],
            "text": [r.text for r in self.records],
        }
        records.write_text(json.dumps(columns, ensure_ascii=False), encoding="utf-8")
        vectors = folder / "vectors.npy"
        np.save(vectors, self.vectors)
        dense = folder / "dense.faiss"
        self.dense.save(dense)
        folded = folder / FOLDED
        # One line a row: a folded text is ASCII without line breaks (``fold_phrase``).
        folded.write_text("".join(text + "\n" for text in self.folded), encoding="ascii")
        return [records, vectors, dense, folded, *self.lexical.save(folder)]

    @classmethod
    def load(cls, folder: Path) -> "LabelIndex":
        """Read a saved index; vectors are memory-mapped, not copied."""
        records = _read_records(folder)
        vectors = np.load(folder / "vectors.npy", mmap_mode="r")
        dense = load_index(folder / "dense.faiss")
        folded = None
        if (folder / FOLDED).exists():  # snapshots from before issue 23 fold on first use
            folded = (folder / FOLDED).read_text(encoding="ascii").split("\n")[:-1]
            if len(folded) != len(records):
                raise ValueError(f"{folder / FOLDED}: {len(folded)} lines for {len(records)} rows")
        return cls(records, vectors, dense, CharNgramIndex.load(folder), folded)


def _read_records(folder: Path) -> list[LabelRecord]:
    """The rows ``save`` wrote: columns, each concept written once (full ESCO's
    110,000 skill rows in 0.17 s, where a JSON object a row took 0.35 s, issue 23), or
    the object a line of a snapshot from before."""
    if not (folder / RECORDS).exists():
        lines = (folder / "records.jsonl").read_text(encoding="utf-8").splitlines()
        rows = json.loads("[" + ",".join(line for line in lines if line.strip()) + "]")
        return [LabelRecord(**row) for row in rows]
    columns = json.loads((folder / RECORDS).read_text(encoding="utf-8"))
    concepts: list[str] = columns["concepts"]
    check_positions(columns["concept"], len(concepts), folder / RECORDS, "concept")
    shared: dict[str, str] = {}  # a handful of languages and kinds, each string once
    return [
        LabelRecord(
            concepts[c], shared.setdefault(language, language), shared.setdefault(kind, kind), text
        )
        for c, language, kind, text in zip(
            columns["concept"], columns["language"], columns["kind"], columns["text"], strict=True
        )
    ]


def check_positions(positions: Sequence[int], listed: int, path: Path, what: str) -> None:
    """Refuse a column file whose rows point outside its list of distinct values (the
    layout of the label rows and of the snapshot's requirements): a damaged file must
    fail as unreadable, not name the wrong concept."""
    if positions and not 0 <= min(positions) <= max(positions) < listed:
        raise ValueError(f"{path}: a row names a {what} that is not listed")


def records_of(rows: Iterable[tuple[str, str, str, str]]) -> list[LabelRecord]:
    """Label records from ``(concept, language, kind, text)`` tuples."""
    return [LabelRecord(*row) for row in rows]
