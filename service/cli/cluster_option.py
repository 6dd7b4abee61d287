"""The ``--ray`` option of the batch commands, and joining the cluster it names.

Batch commands (``reindex``, ``import vacancies``, ``evaluate melo``) run on this
machine unless ``--ray``
or ``OVERSTAP_RAY_ADDRESS`` names a cluster; Ray is imported only then.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from service.settings import Settings

if TYPE_CHECKING:
    from service.cluster.connect import Cluster

RayAddress = Annotated[
    str | None,
    typer.Option(
        "--ray",
        metavar="ADDRESS",
        help="Embed (and derive vacancies) on a Ray cluster: auto, host:port, "
        "ray://host:port, or local (a new cluster on this machine, for this command); "
        "default "
        "OVERSTAP_RAY_ADDRESS, unset: this machine. Needs the ray extra.",
        show_default=False,
    ),
]
RayActors = Annotated[
    int | None,
    typer.Option(
        "--ray-actors",
        min=1,
        help="Model copies on the cluster (default OVERSTAP_RAY_ACTORS, else the "
        "cluster's CPUs divided by OVERSTAP_RAY_ACTOR_THREADS).",
        show_default=False,
    ),
]


@contextmanager
def cluster_of(
    settings: Settings, address: str | None, actors: int | None, from_settings: bool = True
) -> Iterator["Cluster | None"]:
    """The cluster the option (or, ``from_settings``, the settings) names, joined for
    the block (None: run here)."""
    address = address or (settings.ray_address if from_settings else None)
    if not address:
        yield None
        return
    from service.cluster.connect import joined

    with joined(address, actors or settings.ray_actors, settings.ray_actor_threads) as cluster:
        yield cluster
