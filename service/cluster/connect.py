"""Joining a Ray cluster (or starting one in this process) for one batch command.

Why a probe before ``ray.init``: Ray retries a cluster address it cannot reach for a
long time before it gives up, and a cron job should learn at once that the head is
down. A TCP connect with a short timeout decides that first; ``auto`` fails fast in
Ray itself when no cluster runs on the machine.
"""

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

PROBE_SECONDS = 5.0
LOCAL = "local"
AUTO = "auto"
RAY_CLIENT = "ray://"
DEFAULT_GCS_PORT = 6379


class ClusterError(Exception):
    """The cluster cannot be reached or failed the job (the CLI exits 2)."""


@dataclass(frozen=True)
class Cluster:
    """A joined cluster and how batch work is spread over it."""

    address: str
    actors: int  # model copies working at once
    actor_threads: int  # threads (and CPUs reserved) per actor


def _ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:  # the optional extra is not installed
        raise ClusterError(
            "running on Ray needs the ray extra: pip install 'overstap[ray]'"
        ) from None
    return ray


def host_and_port(address: str) -> tuple[str, int]:
    """Where a cluster address points (``ray://host:port`` or ``host:port``; a bare
    host means Ray's default port)."""
    bare = address.removeprefix(RAY_CLIENT)
    host, _, port = bare.rpartition(":")
    if not host:
        return bare, DEFAULT_GCS_PORT
    try:
        return host.strip("[]"), int(port)
    except ValueError:
        raise ClusterError(f"cannot read the Ray address {address!r}: port {port!r}") from None


def probe(address: str, timeout: float = PROBE_SECONDS) -> None:
    """Raise ``ClusterError`` unless something accepts connections at ``address``."""
    host, port = host_and_port(address)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ClusterError(
            f"cannot reach the Ray cluster at {address} ({reason}); is its head running?"
        ) from None


@contextmanager
def joined(address: str, actors: int | None = None, actor_threads: int = 1) -> Iterator[Cluster]:
    """Join the cluster at ``address`` (``local``: start one here with this machine's
    cores) for the length of the block, then leave it (a local one stops)."""
    ray = _ray()
    options: dict[str, Any] = {
        "log_to_driver": False,  # actors' own logs stay in the cluster's log folder
        "logging_level": logging.WARNING,
        "configure_logging": False,
    }
    if address == LOCAL:
        options |= {"num_cpus": os.cpu_count() or 1, "include_dashboard": False}
    elif address != AUTO:
        probe(address)
        options["address"] = address
    else:
        options["address"] = AUTO
    try:
        ray.init(**options)
    except ConnectionError as exc:
        raise ClusterError(f"cannot join the Ray cluster at {address}: {exc}") from None
    try:
        _quiet_ray_data(ray)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        yield Cluster(address, actors or max(1, cpus // actor_threads), actor_threads)
    finally:
        ray.shutdown()


def _quiet_ray_data(ray: Any) -> None:
    """No Ray Data progress bars or per-run banners: the CLI draws its own progress."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    # Warnings included: Ray Data warns that its bars are off; failures still raise.
    logging.getLogger("ray.data").setLevel(logging.ERROR)
