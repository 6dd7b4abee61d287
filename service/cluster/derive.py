"""Deriving vacancies on a Ray cluster: each actor opens the store (read only) and the
driver's snapshot once, then derives batch after batch with the same
``VacancyDeriver`` as the local path; the driver writes what comes back.

Why the actors read the store themselves: the title normaliser and the extractor need
the catalog (labels, relations, bands), which is far larger than a batch of vacancies;
the data folder and database are shared by every node of a deployment anyway.
"""

import pickle
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.domain import DerivedVacancy, VacancyRecord
from service.cluster.connect import Cluster
from service.cluster.pool import run_on_actors
from service.settings import Settings
from service.vacancies.derive import DERIVE_BATCH, Derivation, VacancyDeriver


class DeriveActor:
    """A catalog and extractor on the cluster, for one snapshot."""

    def __init__(self, settings: Settings, snapshot: str, threads: int, key: str) -> None:
        from service.runtime.services import open_deriver

        self.store, self.deriver = open_deriver(settings, snapshot, threads)
        if self.deriver.key != key:
            raise ValueError(
                f"this node derives as {self.deriver.key}, the driver as {key}: "
                "share one models folder (OVERSTAP_MODELS_DIR)"
            )

    def __call__(self, batch: dict[str, NDArray[Any]]) -> dict[str, NDArray[Any]]:
        records = [VacancyRecord.model_validate_json(str(r)) for r in batch["record"]]
        skills = bool(batch["skills"][0])
        derived = self.deriver.derive(records, skills)
        # Pickled whole: the driver gets exactly the objects the local path makes.
        return {
            "position": batch["position"],
            "derived": np.array([pickle.dumps(d) for d in derived], dtype=object),
        }


def cluster_derivation(cluster: Cluster, settings: Settings, driver: VacancyDeriver) -> Derivation:
    """Derive on ``cluster`` against the snapshot ``driver`` has open."""
    # Paths as every node sees them: the driver's working directory means nothing there.
    shared = settings.model_copy(
        update={
            "data_dir": settings.data_dir.resolve(),
            "database_url": settings.resolved_database_url,
            "models_dir_override": settings.models_dir.resolve(),
        }
    )
    constructor = {
        "settings": shared,
        "snapshot": driver.catalog.snapshot.id,
        "threads": cluster.actor_threads,
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
            done = [
                (int(position), pickle.loads(blob))
                for position, blob in zip(out["position"], out["derived"], strict=True)
            ]
            yield from done
            if on_progress:
                on_progress(len(done))

    return run
