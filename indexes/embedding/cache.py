"""A content-hash embedding cache on disk: (model, prefix, text) → vector.

Re-indexing an ontology that barely changed then embeds only the new labels; the cost
of a warm re-index is reading vectors back. SQLite keeps it one file, safe for several
readers and an atomic writer.
"""

import hashlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.base import Embedder, EmbedderError, TextKind

BATCH = 256

Batches = Callable[[Sequence[str], TextKind], Iterator[tuple[Sequence[str], NDArray[np.float32]]]]
"""Embeds texts batch by batch, yielding each batch's texts with their vectors, in any
order: on this machine (``local_batches``) or on a cluster (``--ray``)."""


def local_batches(embedder: Embedder) -> Batches:
    """Batches of ``BATCH`` texts through ``embedder`` in this process, in order."""

    def run(
        texts: Sequence[str], kind: TextKind
    ) -> Iterator[tuple[Sequence[str], NDArray[np.float32]]]:
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            yield batch, embedder.encode(batch, kind)

    return run


class EmbeddingCache:
    """Vectors by key; the key hashes the model identity, the prefix and the text."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)"
        )
        self._db.commit()

    def close(self) -> None:
        """Close the database file."""
        self._db.close()

    @staticmethod
    def key(model: str, prefix: str, text: str) -> bytes:
        """16 bytes of SHA-256: collisions are negligible and rows stay small."""
        return hashlib.sha256(f"{model}\x00{prefix}\x00{text}".encode()).digest()[:16]

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, bytes]:
        """The stored vectors (raw float32 bytes) of the keys that are present."""
        found: dict[bytes, bytes] = {}
        for start in range(0, len(keys), 900):
            batch = list(keys[start : start + 900])
            marks = ",".join("?" * len(batch))
            for key, vector in self._db.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({marks})", batch
            ):
                found[key] = vector
        return found

    def put_many(self, items: Sequence[tuple[bytes, bytes]]) -> None:
        """Store vectors (one transaction)."""
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", items)


def encode_cached(
    embedder: Embedder,
    texts: Sequence[str],
    kind: TextKind,
    cache: EmbeddingCache | None,
    on_progress: Callable[[int], None] | None = None,
    batches: Batches | None = None,
) -> tuple[NDArray[np.float32], int]:
    """Vectors for ``texts`` (cached ones read back, the rest embedded by ``batches``,
    this process by default, and stored batch by batch) and how many had to be
    embedded. ``on_progress`` hears about every text done. Only the caller writes the
    cache, whoever embeds."""
    result = np.zeros((len(texts), embedder.dimension), dtype=np.float32)
    prefix = embedder.query_prefix if kind == "query" else embedder.passage_prefix
    keys = [EmbeddingCache.key(embedder.name, prefix, text) for text in texts]
    found = cache.get_many(keys) if cache else {}
    missing: list[int] = []
    for row, key in enumerate(keys):
        vector = found.get(key)
        if vector is not None and len(vector) == 4 * embedder.dimension:
            result[row] = np.frombuffer(vector, dtype=np.float32)
        else:
            missing.append(row)
    if on_progress and len(texts) - len(missing):
        on_progress(len(texts) - len(missing))
    # Unique texts only: ontologies repeat labels across concepts.
    unique: dict[str, list[int]] = {}
    for row in missing:
        unique.setdefault(texts[row], []).append(row)
    waiting = set(unique)
    for batch, vectors in (batches or local_batches(embedder))(list(unique), kind):
        if vectors.shape != (len(batch), embedder.dimension):
            raise EmbedderError(
                f"a batch of {len(batch)} texts came back as vectors of shape {vectors.shape}"
            )
        stored: list[tuple[bytes, bytes]] = []
        for text, vector in zip(batch, vectors, strict=True):
            rows = unique[text]
            result[rows] = vector
            stored.append((keys[rows[0]], vector.astype(np.float32).tobytes()))
            waiting.discard(text)
        if cache:
            cache.put_many(stored)
        if on_progress:
            on_progress(sum(len(unique[text]) for text in batch))
    if waiting:
        raise EmbedderError(f"{len(waiting):,} of {len(unique):,} texts came back without a vector")
    return result, len(unique)
