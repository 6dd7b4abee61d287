"""One Ray Data pass over an actor pool: rows in, result batches out as they finish;
and the settings every actor gets.

Why an actor pool under ``map_batches``: loading a model (and, for vacancies, the whole
catalog) takes seconds, so each actor loads once and then takes batch after batch.
A killed actor is restarted and its batch retried, at most ``RESTARTS`` times each: one
lost worker costs a batch, not the job, and a batch that kills every actor (out of
memory) ends the job instead of looping (Ray Data's own default is without end).
"""

import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from ontology.store import sqlite_file
from service.cluster.connect import Cluster, ClusterError
from service.settings import Settings

RESTARTS = 3


def shared_settings(settings: Settings) -> dict[str, Any]:
    """What an actor needs to open the same store, snapshot folder and model as the
    driver, with every path absolute (the driver's working directory means nothing on
    a node) and nothing else (no API keys travel)."""
    url = make_url(settings.resolved_database_url)
    path = sqlite_file(settings.resolved_database_url)
    if path is not None:
        url = url.set(database=str(path.resolve()))
    spec = settings.embedder
    if spec.startswith("st:") and Path(spec[3:]).expanduser().is_dir():  # as resolve_spec
        spec = f"st:{Path(spec[3:]).expanduser().resolve()}"
    return {
        "data_dir": settings.data_dir.resolve(),
        "database_url": url.render_as_string(hide_password=False),
        "db_upgrade": False,
        "embedder": spec,
        "runtime": settings.runtime,
        "models_dir_override": settings.models_dir.resolve(),
        "lexical_weight": settings.lexical_weight,
    }


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

    with warnings.catch_warnings():
        # Ray 2.60 takes actor restarts only as "remote args", which it deprecates
        # without a replacement; the version is pinned (pyproject's ray extra).
        warnings.filterwarnings(
            "ignore", message="`ray_remote_args` is deprecated", category=DeprecationWarning
        )
        dataset = ray.data.from_items(list(rows)).map_batches(
            actor,
            fn_constructor_kwargs=constructor,
            batch_size=batch_size,
            batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=cluster.actors),
            num_cpus=cluster.actor_threads,
            max_restarts=RESTARTS,
            max_task_retries=RESTARTS,
        )
    try:
        yield from dataset.iter_batches(batch_size=None, batch_format="numpy")
    except ray.exceptions.RayError as exc:
        lines = str(exc).strip().splitlines()
        reason = lines[-1] if lines else type(exc).__name__
        raise ClusterError(
            f"the Ray job on {cluster.address} failed: {reason} (the actors' logs: "
            "/tmp/ray/session_latest/logs on the cluster's nodes)"
        ) from exc
