"""Embedding on a Ray cluster: Ray Data ``map_batches`` over a pool of actors that each
load the configured embedder once, from the shared models folder.

``cluster_batches`` is an ``indexes.embedding.cache.Batches``: ``encode_cached`` hands
it the texts the cache lacks and writes what comes back, so the cluster only computes
and the driver alone writes.
"""

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.base import Embedder, EmbedderError, TextKind
from indexes.embedding.cache import BATCH, Batches
from indexes.embedding.load import load_embedder
from service.cluster.connect import Cluster
from service.cluster.pool import run_on_actors
from service.settings import Settings


class EmbedActor:
    """One model copy on the cluster (Ray Data instantiates it once per actor)."""

    def __init__(self, spec: str, models_dir: str, runtime: str, threads: int, name: str) -> None:
        self.embedder = load_embedder(spec, Path(models_dir), runtime, threads)  # type: ignore[arg-type]
        if self.embedder.name != name:  # another model under the same spec on this node
            raise EmbedderError(
                f"this node's {spec} is {self.embedder.name}, the driver's is {name}: "
                "share one models folder (OVERSTAP_MODELS_DIR)"
            )

    def __call__(self, batch: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        kind: TextKind = "passage" if str(batch["kind"][0]) == "passage" else "query"
        vectors = self.embedder.encode([str(t) for t in batch["text"]], kind)
        return {"text": batch["text"], "vector": vectors}


def cluster_batches(cluster: Cluster, settings: Settings, embedder: Embedder) -> Batches:
    """Embed on ``cluster`` with the model ``embedder`` is (checked on every actor)."""
    constructor = {
        "spec": settings.embedder,
        "models_dir": str(settings.models_dir.resolve()),
        "runtime": settings.runtime,
        "threads": cluster.actor_threads,
        "name": embedder.name,
    }

    def run(
        texts: Sequence[str], kind: TextKind
    ) -> Iterator[tuple[Sequence[str], NDArray[np.float32]]]:
        rows = [{"text": text, "kind": kind} for text in texts]
        for out in run_on_actors(cluster, rows, EmbedActor, constructor, BATCH):
            yield [str(t) for t in out["text"]], np.asarray(out["vector"], dtype=np.float32)

    return run
