"""The vector-index interface and its FAISS implementation.

Callers only see ``VectorIndex`` (build, add, remove, search, save, load), as in
txtai's ANN abstraction, so another backend can be slotted in through
``create_index`` without touching them. Ids are caller-chosen int64s (rows of a label
table, vacancy numbers), which is what lets the vacancy index add and remove in place.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np
from numpy.typing import NDArray

IndexKind = Literal["flat", "hnsw", "ivf"]
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


@dataclass(frozen=True)
class HnswShape:
    """How an HNSW graph is built and searched (FAISS's M, efConstruction, efSearch).

    Recall against exact search falls as the set grows at a fixed shape (0.82 at 1M
    clustered vectors with 32/40/128, docs/scale.md), so the shape is the caller's to
    choose for its size; the defaults are FAISS's M and efConstruction and an efSearch
    that is exact enough at 100k. ``search_breadth`` can be changed on a built index
    (``FaissIndex.search_breadth``); the other two are fixed when the graph is built."""

    neighbours: int = 32  # M: links per vector; memory and build time grow with it
    build_breadth: int = 40  # efConstruction: candidates kept while linking a vector
    search_breadth: int = 128  # efSearch: candidates kept while searching


@dataclass(frozen=True)
class IvfShape:
    """An inverted-file index (FAISS's IVF-Flat): k-means cells, of which a search scans
    ``probes`` exhaustively.

    Suits clustered sets (vacancies fall into occupations): the cells a query visits are
    searched exactly, so recall depends on finding the right cells, not on a graph. Unlike
    FAISS's HNSW it removes vectors in place. The cells are trained on the first vectors
    added: at least ``lists`` of them, and FAISS advises 39 per list (it warns below).
    FAISS's guide for ``lists`` is 4 to 16 times the square root of the vectors expected;
    ``probes`` can be changed on a built index."""

    lists: int = 1024  # for some 60,000 to 1M vectors (4-16 × their square root)
    probes: int = 32  # nprobe: cells scanned per query


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
    """FAISS ``IndexIDMap2`` over a flat inner-product index (exact; right for a few
    thousand labels), HNSW or IVF (approximate, for large sets such as full ESCO's labels;
    docs/scale.md measures both against exact)."""

    def __init__(self, index: Any) -> None:
        self._index = index
        # the index under the id map (if any), as its own class: read once, not per
        # filtered search
        under = index.index if isinstance(index, faiss.IndexIDMap) else index
        self._inner: Any = faiss.downcast_index(under)
        self.kind = self._kind()

    @classmethod
    def empty(
        cls,
        dimension: int,
        kind: IndexKind = "flat",
        hnsw: HnswShape = HnswShape(),
        ivf: IvfShape = IvfShape(),
    ) -> "FaissIndex":
        """A new index of ``kind`` for vectors of ``dimension`` (``hnsw``, ``ivf``: the
        shape of that kind)."""
        if kind == "flat":
            inner: Any = faiss.IndexFlatIP(dimension)
        elif kind == "hnsw":
            inner = faiss.IndexHNSWFlat(dimension, hnsw.neighbours, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = hnsw.build_breadth
            inner.hnsw.efSearch = hnsw.search_breadth
        else:
            # IVF keeps the caller's ids itself: reconstruct by id through an id map
            # over it fails, through its own hash-table direct map it works (and that
            # map survives removals)
            cells = faiss.IndexFlatIP(dimension)
            inner = faiss.IndexIVFFlat(cells, dimension, ivf.lists, faiss.METRIC_INNER_PRODUCT)
            inner.nprobe = ivf.probes
            api: Any = faiss  # (the stubs FAISS ships lack DirectMap)
            inner.set_direct_map_type(api.DirectMap.Hashtable)
            return cls(inner)
        return cls(faiss.IndexIDMap2(inner))

    @classmethod
    def load(cls, path: Path, kind: IndexKind | None = None, mmap: bool = True) -> "FaissIndex":
        """Read an index file, memory-mapped where FAISS supports it; its kind is read
        from the file (``kind``: what the caller expects, when it knows). Never mapped
        for IVF: FAISS maps its cells read-only (and a save would then point at this
        file), so an IVF index is read whole and stays changeable."""
        mmap = mmap and kind != "ivf"
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if mmap else 0
        try:
            index = faiss.read_index(str(path), flags)
        except RuntimeError:
            index = faiss.read_index(str(path))
        found = cls(index)
        if mmap and found.kind == "ivf":
            return cls.load(path, "ivf")
        return found

    def _kind(self) -> IndexKind:
        if isinstance(self._inner, faiss.IndexHNSW):
            return "hnsw"
        if isinstance(self._inner, faiss.IndexIVF):
            return "ivf"
        return "flat"

    @property
    def search_breadth(self) -> int | None:
        """How widely an approximate index searches: HNSW's efSearch or IVF's nprobe
        (saved with the index); None for an exact index."""
        inner = self._inner
        if isinstance(inner, faiss.IndexHNSW):
            return int(inner.hnsw.efSearch)
        if isinstance(inner, faiss.IndexIVF):
            return int(inner.nprobe)
        return None

    @search_breadth.setter
    def search_breadth(self, breadth: int) -> None:
        inner = self._inner
        if isinstance(inner, faiss.IndexHNSW):
            inner.hnsw.efSearch = breadth
        elif isinstance(inner, faiss.IndexIVF):
            inner.nprobe = breadth
        else:
            raise ValueError("an exact (flat) index has no search breadth")

    def add(self, vectors: Vectors, ids: Ids) -> None:
        if not len(vectors):
            return
        rows = np.ascontiguousarray(vectors, dtype=np.float32)
        if not self._index.is_trained:
            lists = int(self._inner.nlist)
            if len(rows) < lists:
                raise ValueError(
                    f"an IVF index of {lists} lists is trained on its first vectors: "
                    f"add at least {lists} at once, not {len(rows)}"
                )
            self._index.train(rows)
        self._index.add_with_ids(rows, np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids: Ids) -> int:
        wanted = np.ascontiguousarray(ids, dtype=np.int64)
        if isinstance(self._inner, faiss.IndexIVF):  # its hash table takes only an array
            api: Any = faiss
            array = api.IDSelectorArray(len(wanted), api.swig_ptr(wanted))
            return int(self._index.remove_ids(array))
        return int(self._index.remove_ids(faiss.IDSelectorBatch(wanted)))

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
            # IndexIDMap translates the selector from our ids to its internal rows (IVF
            # holds our ids itself).
            # (The stubs FAISS ships lack the search-parameter classes, hence ``Any``.)
            api: Any = faiss
            selector = api.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            inner = self._inner
            if isinstance(inner, faiss.IndexHNSW):
                params = api.SearchParametersHNSW(
                    sel=selector, efSearch=max(inner.hnsw.efSearch, k)
                )
            elif isinstance(inner, faiss.IndexIVF):
                params = api.SearchParametersIVF(sel=selector, nprobe=inner.nprobe)
            else:
                params = api.SearchParameters(sel=selector)
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


def create_index(
    dimension: int,
    kind: IndexKind = "flat",
    hnsw: HnswShape = HnswShape(),
    ivf: IvfShape = IvfShape(),
) -> VectorIndex:
    """The factory callers use; the backend is an implementation detail."""
    return FaissIndex.empty(dimension, kind, hnsw, ivf)


def load_index(path: Path, kind: IndexKind | None = None) -> VectorIndex:
    """Load an index written by ``VectorIndex.save`` (``kind``: read from the file when
    not given)."""
    return FaissIndex.load(path, kind)
