"""txtai beside overstap, for ``overstap bench --peer txtai`` (issue 23).

txtai is what a team would most likely pick instead of overstap for semantic label
search: an embeddings index with a FastAPI server. Here it gets exactly what overstap
indexed, so the comparison is of the two engines and nothing else:

* the same texts: the run's occupation labels, in the snapshot's order (row n is txtai's
  id ``"n"``);
* the same weights: the model folder overstap's embedder was made from, which txtai
  runs on torch with its own mean pooling over ``transformers`` (its default), with
  the e5 ``query: `` prefix on both sides, as overstap embeds labels;
* txtai's default index for that many vectors (up to 5,000: exact, flat; above:
  IVF-Flat with min(4·√n, n/39) cells, a sixteenth of them probed), built in a
  process of its own;
* its own API server (``uvicorn txtai.api:app``, one worker, read-only, access log off
  as overstap's), on loopback like overstap's. txtai answers one search at a time (its
  application holds a lock around each); overstap runs searches side by side.

The harness drives both with the same load driver and queries, in alternating order.
The answers are not the same work: overstap's search fetches 200 label candidates,
adds its lexical channel, fuses and groups the labels into occupations; txtai returns
its top 10 labels. For ``agreement`` the builder also saves txtai's own label and
query vectors, so txtai's answers are judged against an exact search over the vectors
it indexed (not overstap's, which come from another runtime).
"""

import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
from numpy.typing import NDArray

from service.bench.server import ServerProcess, json_call

INSTALL = "pip install 'overstap[peer]'"
TIE = 1e-5  # exact scores this close to the tenth best count as the tenth best
BUILD_TIMEOUT = 3600.0


def available() -> bool:
    """Whether txtai (with its API) is installed."""
    return importlib.util.find_spec("txtai") is not None


def version() -> str:
    from importlib.metadata import version as installed

    return installed("txtai")


def build(
    folder: Path, model: str, texts: Sequence[str], prefix: str, queries: Sequence[str]
) -> dict[str, Any]:
    """txtai's index over ``texts`` with the model folder ``model``, in ``folder``, built
    by a process of its own (torch and txtai stay out of the benchmark's process), and
    txtai's own vectors of the labels and of ``queries`` (``txtai_vectors``); its build
    time and the index txtai chose."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "labels.json").write_text(json.dumps(list(texts)), encoding="utf-8")
    (folder / "queries.json").write_text(json.dumps(list(queries)), encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "service.bench.peer", str(folder), model, prefix],
        capture_output=True,
        text=True,
        check=False,
        env=_offline(),
        timeout=BUILD_TIMEOUT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"txtai could not build its index: {done.stderr.strip()[-800:]}")
    chosen: dict[str, Any] = json.loads(done.stdout)
    # ``embeddings`` enables the API's search routes; its settings come from the index
    (folder / "api.yml").write_text(
        f"path: {json.dumps(str(folder / 'index'))}\nwritable: false\nembeddings:\n",
        encoding="utf-8",
    )
    return {"build_seconds": round(time.perf_counter() - started, 1), **chosen}


def server(folder: Path, log: Path) -> ServerProcess:
    """txtai's API over the index ``build`` wrote, as a context manager."""
    return ServerProcess(
        {"CONFIG": str(folder / "api.yml")},
        log,
        command=(
            *(sys.executable, "-m", "uvicorn", "txtai.api:app", "--no-access-log"),
            *("--host", "127.0.0.1"),
        ),
        ready_path="/search?query=ready&limit=1",
        name="txtai",
    )


def _search_path(query: str) -> str:
    """txtai's search for ``query``, top 10."""
    return f"/search?query={quote(query)}&limit=10"


def search_requests(queries: Sequence[str]) -> list[dict[str, Any]]:
    """The load driver's requests for txtai's search, one per query, top 10."""
    return [{"method": "GET", "path": _search_path(q)} for q in queries]


def txtai_rows(port: int, query: str) -> list[int]:
    """The label rows txtai's API answers for ``query``, best first."""
    return [int(hit["id"]) for hit in json_call(port, "GET", _search_path(query))]


def txtai_vectors(folder: Path) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """txtai's own vectors of the labels (row order) and of the queries, as ``build``
    saved them."""
    return np.load(folder / "label_vectors.npy"), np.load(folder / "query_vectors.npy")


def agreement(
    vectors: NDArray[np.float32],
    query_vectors: NDArray[np.float32],
    answers: Sequence[Sequence[int]],
) -> float:
    """The share of each answer's rows that belong in the exact top 10 (a brute-force
    search over ``vectors``), over all queries; ties at the tenth place count as in, a
    row answered twice counts once."""
    right = total = 0
    for query, rows in zip(query_vectors, answers, strict=True):
        scores = vectors @ query
        tenth = float(np.partition(scores, -10)[-10]) if len(scores) >= 10 else -1.0
        wanted = min(10, len(scores))
        found = {row for row in rows[:wanted] if row >= 0}
        right += sum(1 for row in found if scores[row] >= tenth - TIE)
        total += wanted
    return round(right / total, 4) if total else 0.0


def _offline() -> dict[str, str]:
    import os

    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def _build_main(folder: Path, model: str, prefix: str) -> None:
    """In the builder process: index the labels as txtai does by default, save it, save
    the vectors it indexed and its query vectors, and print what it chose."""
    import faiss
    from txtai import Embeddings

    texts = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    queries = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
    embeddings = Embeddings(
        path=model, backend="faiss", instructions={"query": prefix, "data": prefix}
    )
    embeddings.index((str(row), text, None) for row, text in enumerate(texts))
    embeddings.save(str(folder / "index"))
    backend = embeddings.ann.backend  # ids 0..n-1 in the order added: the label rows
    components = embeddings.config["build"]["settings"]["components"]
    if "IVF" in components:
        faiss.extract_index_ivf(backend).make_direct_map()
        stored = backend
    else:
        stored = faiss.downcast_index(backend.index)  # under txtai's IDMap
    np.save(folder / "label_vectors.npy", stored.reconstruct_n(0, len(texts)))
    np.save(folder / "query_vectors.npy", embeddings.batchtransform(queries, "query"))
    chosen = {
        "labels": len(texts),
        "index": components,
        "nprobe": embeddings.ann.nprobe() if "IVF" in components else None,
    }
    print(json.dumps(chosen))


if __name__ == "__main__":
    _build_main(Path(sys.argv[1]), sys.argv[2], sys.argv[3])
