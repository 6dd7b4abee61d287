"""The vector-index interface and its FAISS implementation.

Callers only see ``VectorIndex`` (build, add, remove, search, save, load), as in
txtai's ANN abstraction, so another backend can be slotted in through
``create_index`` without touching them. Ids are caller-chosen int64s (rows of a label
table, vacancy numbers), which is what lets the vacancy index add and remove in place.
"""

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np
from numpy.typing import NDArray

IndexKind = Literal["flat", "hnsw"]
Vectors = NDArray[np.float32]
Ids = NDArray[np.int64]

_search_threads: int | None = None
_DEFAULT_THREADS = faiss.omp_get_max_threads()  # what None goes back to


def set_search_threads(threads: int | None) -> None:
    """Cap the OpenMP threads of every later search, in whichever thread it runs
    (None: back to every core, for this thread).

    OpenMP's thread count is a per-thread setting: ``faiss.omp_set_num_threads`` in the
    thread that opens the service leaves the server's request threads at every core.
    That made a FAISS search in ``serve`` 2.3 times slower than the same search
    in-process (profiled on full ESCO), so each search sets its own thread's count."""
    global _search_threads
    _search_threads = threads
    faiss.omp_set_num_threads(threads if threads is not None else _DEFAULT_THREADS)


class VectorIndex(ABC):
    """Inner-product search over unit vectors (= cosine similarity)."""

    kind: IndexKind

    @abstractmethod
    def add(self, vectors: Vectors, ids: Ids) -> None:
        """Add vectors under the given ids."""

    @abstractmethod
    def remove(self, ids: Ids) -> int:
        """Remove vectors by id; returns how many were removed."""

    @abstractmethod
    def search(self, queries: Vectors, k: int, allowed: Ids | None = None) -> tuple[Vectors, Ids]:
        """Top-``k`` scores and ids per query (id -1 where fewer than ``k`` exist);
        with ``allowed``, only among those ids (filtered inside the search)."""

    @abstractmethod
    def reconstruct(self, id: int) -> Vectors:
        """The stored vector of ``id``."""

    @abstractmethod
    def save(self, path: Path) -> None:
        """Write the index to one file."""

    @property
    @abstractmethod
    def size(self) -> int:
        """Number of vectors."""

    @property
    @abstractmethod
    def dimension(self) -> int:
        """Vector length."""


class FaissIndex(VectorIndex):
    """FAISS ``IndexIDMap2`` over a flat inner-product index (exact; right for the
    ontology's tens of thousands of labels) or HNSW (for large, growing sets)."""

    def __init__(self, index: Any, kind: IndexKind) -> None:
        self._index = index
        self.kind = kind

    @classmethod
    def empty(cls, dimension: int, kind: IndexKind = "flat") -> "FaissIndex":
        """A new index of ``kind`` for vectors of ``dimension``."""
        if kind == "flat":
            inner: Any = faiss.IndexFlatIP(dimension)
        else:
            inner = faiss.IndexHNSWFlat(dimension, 32, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efSearch = 128
        return cls(faiss.IndexIDMap2(inner), kind)

    @classmethod
    def load(cls, path: Path, kind: IndexKind, mmap: bool = True) -> "FaissIndex":
        """Read an index file, memory-mapped where FAISS supports it."""
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        try:
            index = faiss.read_index(str(path), flags)
        except RuntimeError:
            index = faiss.read_index(str(path))
        return cls(index, kind)

    def add(self, vectors: Vectors, ids: Ids) -> None:
        if len(vectors):
            self._index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32),
                np.ascontiguousarray(ids, dtype=np.int64),
            )

    def remove(self, ids: Ids) -> int:
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(ids, dtype=np.int64))
        return int(self._index.remove_ids(selector))

    def search(self, queries: Vectors, k: int, allowed: Ids | None = None) -> tuple[Vectors, Ids]:
        k = max(1, min(k, self.size)) if self.size else 1
        if not self.size:
            empty = np.full((len(queries), 1), -1, dtype=np.int64)
            return np.zeros((len(queries), 1), dtype=np.float32), empty
        vectors = np.ascontiguousarray(queries, dtype=np.float32)
        if _search_threads is not None:
            faiss.omp_set_num_threads(_search_threads)
        if allowed is None:
            scores, ids = self._index.search(vectors, k)
        else:
            # IndexIDMap translates the selector from our ids to its internal rows.
            # (The stubs FAISS ships lack the search-parameter classes, hence ``Any``.)
            api: Any = faiss
            selector = api.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            params = (
                api.SearchParametersHNSW(sel=selector, efSearch=max(128, k))
                if self.kind == "hnsw"
                else api.SearchParameters(sel=selector)
            )
            scores, ids = self._index.search(vectors, k, params=params)
        return scores.astype(np.float32), ids.astype(np.int64)

    def reconstruct(self, id: int) -> Vectors:
        return np.asarray(self._index.reconstruct(int(id)), dtype=np.float32)

    def save(self, path: Path) -> None:
        faiss.write_index(self._index, str(path))

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    @property
    def dimension(self) -> int:
        return int(self._index.d)


def create_index(dimension: int, kind: IndexKind = "flat") -> VectorIndex:
    """The factory callers use; the backend is an implementation detail."""
    return FaissIndex.empty(dimension, kind)


def load_index(path: Path, kind: IndexKind) -> VectorIndex:
    """Load an index written by ``VectorIndex.save``."""
    return FaissIndex.load(path, kind)
