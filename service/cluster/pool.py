"""One Ray Data pass over an actor pool: rows in, result batches out as they finish.

Why an actor pool under ``map_batches``: loading a model (and, for vacancies, the whole
catalog) takes seconds, so each actor loads once and then takes batch after batch.
A killed actor is restarted by Ray Data and its batch retried (its default for actor
pools: Ray 2.60 offers no way to bound the restarts that is not deprecated), so one
lost worker costs a batch, not the job.
"""

from collections.abc import Iterator, Sequence
from typing import Any

from service.cluster.connect import Cluster, ClusterError


def run_on_actors(
    cluster: Cluster,
    rows: Sequence[dict[str, Any]],
    actor: type,
    constructor: dict[str, Any],
    batch_size: int,
) -> Iterator[dict[str, Any]]:
    """The batches ``actor`` returns for ``rows`` (in batches of ``batch_size``), in
    the order they finish; a failure on the cluster becomes a ``ClusterError``."""
    if not rows:
        return
    import ray
    import ray.data

    dataset = ray.data.from_items(list(rows)).map_batches(
        actor,
        fn_constructor_kwargs=constructor,
        batch_size=batch_size,
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=cluster.actors),
        num_cpus=cluster.actor_threads,
    )
    try:
        yield from dataset.iter_batches(batch_size=None, batch_format="numpy")
    except ray.exceptions.RayError as exc:
        first = str(exc).strip().splitlines()
        raise ClusterError(
            f"the Ray job failed: {first[-1] if first else type(exc).__name__}"
        ) from exc
