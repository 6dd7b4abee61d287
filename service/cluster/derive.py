"""Deriving vacancies on a Ray cluster: each actor opens the store and the driver's
snapshot once, then derives batch after batch with the same ``VacancyDeriver`` as the
local path; the driver writes what comes back.

Why the actors read the store themselves: the title normaliser and the extractor need
the catalog (labels, relations, bands), which is far larger than a batch of vacancies;
the data folder and database are shared by every node of a deployment anyway. Actors
only read: they never upgrade the schema and never write.
"""

import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.domain import DerivedVacancy, VacancyRecord
from service.cluster.connect import Cluster
from service.cluster.pool import run_on_actors, shared_settings
from service.settings import Settings
from service.vacancies.derive import DERIVE_BATCH, Derivation, VacancyDeriver


class DeriveActor:
    """A catalog and extractor on the cluster, for one snapshot."""

    def __init__(
        self, settings: dict[str, Any], snapshot: str, threads: int, threshold: float, key: str
    ) -> None:
        from service.runtime.services import open_deriver

        self.store, self.deriver = open_deriver(Settings(**settings), snapshot, threads, threshold)
        if self.deriver.key != key:
            self.store.close()
            raise ValueError(
                f"this node derives as {self.deriver.key}, the driver as {key}: "
                "share one models folder (OVERSTAP_MODELS_DIR)"
            )

    def __call__(self, batch: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        records = [VacancyRecord.model_validate_json(str(r)) for r in batch["record"]]
        derived = self.deriver.derive(records, bool(batch["skills"][0]))
        # Pickled whole: the driver gets exactly the objects the local path makes.
        return {
            "position": batch["position"],
            "derived": np.array([pickle.dumps(d) for d in derived], dtype=object),
        }

    def __del__(self) -> None:  # Ray Data ends an actor pool gracefully
        store = getattr(self, "store", None)
        if store is not None:
            store.close()


def cluster_derivation(cluster: Cluster, settings: Settings, driver: VacancyDeriver) -> Derivation:
    """Derive on ``cluster`` against the snapshot and extraction threshold ``driver``
    has."""
    constructor = {
        "settings": shared_settings(settings),
        "snapshot": driver.catalog.snapshot.id,
        "threads": cluster.actor_threads,
        "threshold": driver.extractor.default_threshold(),
        "key": driver.key,
    }

    def run(
        records: Sequence[VacancyRecord],
        skills: bool,
        on_progress: Callable[[int], None] | None,
    ) -> Iterator[tuple[int, DerivedVacancy]]:
        rows = [
            {"position": i, "record": r.model_dump_json(), "skills": skills}
            for i, r in enumerate(records)
        ]
        for out in run_on_actors(cluster, rows, DeriveActor, constructor, DERIVE_BATCH):
            done: list[tuple[int, DerivedVacancy]] = []
            for position, blob in zip(out["position"], out["derived"], strict=True):
                derived: DerivedVacancy = pickle.loads(blob)
                # The driver's own record, not the actor's re-read of it.
                done.append(
                    (int(position), derived.model_copy(update={"record": records[position]}))
                )
            yield from done
            if on_progress:
                on_progress(len(done))

    return run
