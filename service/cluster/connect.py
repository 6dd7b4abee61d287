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
from pathlib import Path
from typing import Any

PROBE_SECONDS = 5.0
LOCAL = "local"
AUTO = "auto"
RAY_CLIENT = "ray://"
DEFAULT_GCS_PORT = 6379
DEFAULT_CLIENT_PORT = 10001
# What ray.init raises when it cannot join: no cluster (ConnectionError), a process that
# is not on a node of the cluster (RuntimeError after Ray's own wait), a clash of options.
JOIN_ERRORS = (ConnectionError, RuntimeError, ValueError, TimeoutError)


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
    host means Ray's default port: 10001 for Ray Client, 6379 otherwise)."""
    client = address.startswith(RAY_CLIENT)
    bare = address.removeprefix(RAY_CLIENT)
    host, _, port = bare.rpartition(":")
    if not host or bare.endswith("]"):  # no port (an IPv6 literal ends in "]")
        return bare.strip("[]"), DEFAULT_CLIENT_PORT if client else DEFAULT_GCS_PORT
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
    """Join the cluster at ``address`` (``local``: start a new one here, whatever
    clusters this machine runs, with the CPUs Ray finds, container limits included) for
    the length of the block, then leave it (a local one stops)."""
    if address not in (LOCAL, AUTO):
        probe(address)
    with _token_mode(address != LOCAL):
        ray = _ray()
        options: dict[str, Any] = {
            "log_to_driver": False,  # actors' own logs stay in the cluster's log folder
            "logging_level": logging.WARNING,
            "configure_logging": False,
            "address": address,  # "local" starts a new cluster, "auto" finds this node's
        }
        if address == LOCAL:
            options["include_dashboard"] = False
        try:
            ray.init(**options)
        except (*JOIN_ERRORS, ray.exceptions.RayError) as exc:
            ray.shutdown()  # whatever half-started
            if address == LOCAL:
                raise ClusterError(f"cannot start a local Ray cluster: {exc}") from None
            raise ClusterError(
                f"cannot join the Ray cluster at {address}: {exc} (run the command on a "
                "node of the cluster, or through Ray Client: ray://head:10001)"
            ) from None
        try:
            _quiet_ray_data(ray)
            yield _sized(address, int(ray.cluster_resources().get("CPU", 1)), actors, actor_threads)
        finally:
            ray.shutdown()


def _sized(address: str, cpus: int, actors: int | None, actor_threads: int) -> Cluster:
    """The pool the cluster can hold: an actor pool larger than its CPUs would wait for
    resources without end, so that is refused here."""
    wanted = actors or max(1, cpus // actor_threads)
    if wanted * actor_threads > cpus:
        raise ClusterError(
            f"{wanted} actors of {actor_threads} thread(s) need {wanted * actor_threads} "
            f"CPUs; the Ray cluster at {address} has {cpus} (start its nodes first, or ask "
            "for fewer with --ray-actors)"
        )
    return Cluster(address, wanted, actor_threads)


@contextmanager
def _token_mode(joining: bool) -> Iterator[None]:
    """Ray 2.60 starts a cluster (``ray start --head``) with token authentication when a
    token exists, but a driver joining it sends the token only when ``RAY_AUTH_MODE``
    says so; unset, it is refused over and over. Joining, with a token at hand (the
    usual file, or Ray's variables), the mode says so for the length of the block; an
    explicit ``RAY_AUTH_MODE`` is left alone. Set before Ray is first imported in the
    process: Ray reads its configuration then."""
    token_file = Path(os.environ.get("RAY_AUTH_TOKEN_PATH") or Path.home() / ".ray" / "auth_token")
    wanted = (
        joining
        and "RAY_AUTH_MODE" not in os.environ
        and bool(os.environ.get("RAY_AUTH_TOKEN") or token_file.is_file())
    )
    if wanted:
        os.environ["RAY_AUTH_MODE"] = "token"
    try:
        yield
    finally:
        if wanted:
            os.environ.pop("RAY_AUTH_MODE", None)


def _quiet_ray_data(ray: Any) -> None:
    """No Ray Data progress bars or per-run banners: the CLI draws its own progress."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    # Errors included: Ray Data logs a failed job with its traceback before raising it,
    # and the CLI turns what it raises into one line naming the cluster's logs, where
    # the actors' own tracebacks are (pool.run_on_actors).
    logging.getLogger("ray.data").setLevel(logging.CRITICAL)
