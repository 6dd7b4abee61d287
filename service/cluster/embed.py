"""Embedding on a Ray cluster: Ray Data ``map_batches`` over a pool of actors that each
load the configured embedder once, from the shared models folder.

``cluster_batches`` is an ``indexes.embedding.cache.Batches``: ``encode_cached`` hands
it the texts the cache lacks and writes what comes back, so the cluster only computes
and the driver alone writes.
"""

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.base import Embedder, EmbedderError, TextKind
from indexes.embedding.cache import BATCH, Batches
from service.cluster.connect import Cluster
from service.cluster.pool import run_on_actors, shared_settings
from service.settings import Settings


class EmbedActor:
    """One model copy on the cluster (Ray Data instantiates it once per actor)."""

    def __init__(self, settings: dict[str, Any], kind: TextKind, threads: int, name: str) -> None:
        from service.runtime.services import open_embedder

        shared = Settings(**settings, threads=threads)
        self.embedder = open_embedder(shared)
        self.kind = kind
        if self.embedder.name != name:  # another model under the same spec on this node
            raise EmbedderError(
                f"this node's {shared.embedder} is {self.embedder.name}, the driver's is "
                f"{name}: share one models folder (OVERSTAP_MODELS_DIR)"
            )

    def __call__(self, batch: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        vectors = self.embedder.encode([str(t) for t in batch["text"]], self.kind)
        return {"text": batch["text"], "vector": vectors}


def cluster_batches(cluster: Cluster, settings: Settings, embedder: Embedder) -> Batches:
    """Embed on ``cluster`` with the model ``embedder`` is (checked on every actor)."""

    shared = shared_settings(settings)

    def run(
        texts: Sequence[str], kind: TextKind
    ) -> Iterator[tuple[Sequence[str], NDArray[np.float32]]]:
        constructor = {
            "settings": shared,
            "kind": kind,
            "threads": cluster.actor_threads,
            "name": embedder.name,
        }
        rows = [{"text": text} for text in texts]
        for out in run_on_actors(cluster, rows, EmbedActor, constructor, BATCH):
            yield [str(t) for t in out["text"]], np.asarray(out["vector"], dtype=np.float32)

    return run
