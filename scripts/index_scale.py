"""The vacancy index alone at national sizes, on SYNTHETIC vectors (or, with
``--real``, a model's own from a snapshot): figures, not asserts, all from one run
(issue 22, docs/scale.md).

For each size (10k, 100k, 1M vectors of 384 dimensions, like e5-small's) it builds the
index kinds behind ``indexes.ann.VectorIndex`` (``flat``: exact, what a replica serves
today; ``hnsw`` and ``ivf``: approximate) and measures the build time, the index's bytes, the
latency of one top-10 query on one thread (a server's request thread), and HNSW's
recall@10 against the exact answer, for each graph shape (``--shapes M:efConstruction``)
and search breadth (``--search-breadths``, efSearch) asked for; and the same for IVF
(``ivf``: k-means cells scanned exactly; ``--ivf-lists``, ``--probes``).

Why clustered vectors: uniform random unit vectors are the hardest case for an
approximate index and nothing like a vacancy set; these are drawn around a few thousand
centres (occupations), each vector at a cosine of about 0.75 to its centre (printed),
and the queries come from the same mixture. Recall on real vacancy vectors may differ.

    python -m scripts.index_scale --sizes 10000 100000 1000000 --queries 300
    python -m scripts.index_scale --sizes 1000000 --shapes 32:40 32:200 \
        --search-breadths 128 256 512 1024 --ivf-lists 1024 4096 --probes 16 32 64
"""

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from numpy.typing import NDArray
from rich.console import Console

from indexes.ann import FaissIndex, HnswShape, IndexKind, IvfShape, set_search_threads
from service.bench.load import percentiles

DIMENSION = 384
CENTRES = 3000
SPREAD = 0.045  # per-dimension noise: cosine to the own centre about 0.75 (printed)
CHUNK = 100_000
err = Console(stderr=True)


def _unit(rows: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.asarray(rows / norms, dtype=np.float32)


def _draw(
    rng: np.random.Generator, centres: NDArray[np.float32], count: int
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """``count`` vectors around randomly picked centres, and the picks."""
    picks = rng.integers(0, len(centres), size=count)
    noise = rng.normal(0.0, SPREAD, size=(count, DIMENSION)).astype(np.float32)
    return _unit(centres[picks] + noise), picks


def _real(
    files: Sequence[Path], queries: int, rng: np.random.Generator
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """The vectors of ``files`` shuffled, less ``queries`` of them held out as queries."""
    parts = []
    for path in files:
        stored = faiss.read_index(str(path))
        inner = (
            faiss.downcast_index(stored.index) if isinstance(stored, faiss.IndexIDMap) else stored
        )
        parts.append(np.asarray(inner.reconstruct_n(0, inner.ntotal), dtype=np.float32))
    every = _unit(np.concatenate(parts)[rng.permutation(sum(len(p) for p in parts))])
    return every[queries:], every[:queries]


def _build(
    kind: IndexKind, vectors: NDArray[np.float32], shape: HnswShape | IvfShape | None = None
) -> tuple[FaissIndex, dict[str, Any]]:
    """The index built from ``vectors`` in chunks (an IVF index trains on the first),
    with its build time and file size."""
    set_search_threads(None)  # the build may use every core, as a re-index does
    index = FaissIndex.empty(
        vectors.shape[1],
        kind,
        shape if isinstance(shape, HnswShape) else HnswShape(),
        shape if isinstance(shape, IvfShape) else IvfShape(),
    )
    started = time.perf_counter()
    for start in range(0, len(vectors), CHUNK):
        part = vectors[start : start + CHUNK]
        index.add(part, np.arange(start, start + len(part), dtype=np.int64))
    built = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.faiss"
        index.save(path)
        size = path.stat().st_size
    return index, {"build_seconds": round(built, 2), "index_mib": round(size / 2**20, 1)}


def _query(
    index: FaissIndex, queries: NDArray[np.float32]
) -> tuple[dict[str, float], NDArray[np.int64]]:
    """Latency percentiles of one top-10 query at a time on one thread, and the answers."""
    set_search_threads(1)  # one request thread, as in `serve`
    samples: list[float] = []
    found = np.zeros((len(queries), 10), dtype=np.int64)
    for row, query in enumerate(queries):
        started = time.perf_counter()
        _, ids = index.search(query[None, :], 10)
        samples.append(time.perf_counter() - started)
        found[row] = ids[0]
    return percentiles(samples, digits=3), found


def _recall(found: NDArray[np.int64], exact: NDArray[np.int64]) -> float:
    hits = sum(len(set(f.tolist()) & set(e.tolist())) for f, e in zip(found, exact, strict=True))
    return round(hits / exact.size, 4)


def _shape(text: str) -> tuple[int, int]:
    """``M:efConstruction`` from the command line."""
    neighbours, _, breadth = text.partition(":")
    try:
        return int(neighbours), int(breadth or HnswShape.build_breadth)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected M:efConstruction, got {text!r}") from error


def _sweep(
    vectors: NDArray[np.float32],
    queries: NDArray[np.float32],
    exact: NDArray[np.int64],
    kind: IndexKind,
    shape: HnswShape | IvfShape,
    breadths: Sequence[int],
) -> dict[str, Any]:
    """One approximate index of ``kind`` and ``shape``, searched at each breadth (HNSW's
    efSearch, IVF's nprobe) in ``breadths``."""
    index, figures = _build(kind, vectors, shape)
    built = {
        key: value
        for key, value in dataclasses.asdict(shape).items()
        if key not in ("search_breadth", "probes")  # the sweep sets its own
    }
    figures |= built | {"search": {}}
    name = f"{kind} {built}"
    for breadth in breadths:
        index.search_breadth = breadth
        latency, found = _query(index, queries)
        figures["search"][str(breadth)] = latency | {"recall_at_10": _recall(found, exact)}
        err.print(f"  {name} breadth {breadth}: {figures['search'][str(breadth)]}")
    err.print(f"  {name}: built in {figures['build_seconds']} s, {figures['index_mib']} MiB")
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--shapes",
        type=_shape,
        nargs="+",
        default=[(32, 40)],
        metavar="M:EFC",
        help="HNSW graphs to build (M and efConstruction)",
    )
    parser.add_argument(
        "--search-breadths",
        type=int,
        nargs="+",
        default=[128],
        metavar="EF",
        help="HNSW efSearch values to measure on each graph",
    )
    parser.add_argument(
        "--ivf-lists",
        type=int,
        nargs="*",
        default=[1024],
        metavar="LISTS",
        help="IVF indexes to build (k-means cells; none: no IVF)",
    )
    parser.add_argument(
        "--probes",
        type=int,
        nargs="+",
        default=[32],
        metavar="NPROBE",
        help="IVF cells to scan per query, measured on each IVF index",
    )
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument(
        "--real",
        type=Path,
        nargs="+",
        metavar="FAISS",
        help="instead of synthetic vectors, a model's own: these index files (a snapshot's "
        "dense.faiss), shuffled, with --queries of them held out as the queries",
    )
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    largest = max(args.sizes)
    if args.ivf_lists and min(args.sizes) < max(args.ivf_lists):
        parser.error("--ivf-lists: an IVF index needs at least as many vectors as lists")
    if args.real:
        vectors, queries = _real(args.real, args.queries, rng)
        if largest > len(vectors):
            parser.error(f"--sizes: the files hold {len(vectors):,} vectors besides the queries")
        report: dict[str, Any] = {
            "data": "a model's own vectors from " + ", ".join(map(str, args.real)),
            "queries": args.queries,
        }
    else:
        centres = _unit(rng.normal(size=(CENTRES, DIMENSION)).astype(np.float32))
        queries, _ = _draw(rng, centres, args.queries)
        vectors = np.concatenate(
            [_draw(rng, centres, min(CHUNK, largest - s))[0] for s in range(0, largest, CHUNK)]
        )
        sample, picks = _draw(rng, centres, 1000)
        report = {
            "data": "SYNTHETIC clustered unit vectors",
            "centres": CENTRES,
            "queries": args.queries,
            "median_cosine_to_own_centre": round(
                float(np.median((sample * centres[picks]).sum(axis=1))), 3
            ),
        }
    report |= {"dimension": vectors.shape[1], "sizes": {}}
    cone = vectors[rng.integers(0, len(vectors), size=(2000, 2))]
    # how spread the set is: random pairs of a real model's vectors are far from orthogonal
    report["median_cosine_of_random_pairs"] = round(
        float(np.median((cone[:, 0] * cone[:, 1]).sum(axis=1))), 3
    )
    for size in sorted(args.sizes):
        err.print(f"{size:,} vectors …")
        index, flat = _build("flat", vectors[:size])
        latency, exact = _query(index, queries)
        flat |= latency
        del index
        err.print(f"  flat {flat}")
        hnsw = [
            _sweep(vectors[:size], queries, exact, "hnsw", HnswShape(*shape), args.search_breadths)
            for shape in args.shapes
        ]
        ivf = [
            _sweep(vectors[:size], queries, exact, "ivf", IvfShape(lists), args.probes)
            for lists in args.ivf_lists
        ]
        report["sizes"][str(size)] = {"flat": flat, "hnsw": hnsw, "ivf": ivf}
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
