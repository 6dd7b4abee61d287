"""The services of the active snapshot, switched without downtime.

Every request takes the current ``Services`` once, at its start, and answers from
that object alone, so it never sees two snapshots. A switch replaces the one
reference; requests in flight finish on the snapshot they started with. The old
snapshot's lease is given up (and its folder removed, when no other process holds
it) only after its last request has finished.
"""

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from service.runtime.services import Services

log = logging.getLogger("overstap.live")


class LiveServices:
    """The current ``Services`` plus a count of requests still using each one."""

    def __init__(self, services: Services, on_retired: Callable[[Services], None]) -> None:
        self._current = services
        self._on_retired = on_retired
        self._in_flight: dict[int, int] = {}
        self._retired: dict[int, Services] = {}
        self._lock = threading.Lock()

    @property
    def current(self) -> Services:
        """The services new requests get."""
        return self._current

    @property
    def snapshot_id(self) -> str:
        """The id of the snapshot new requests get."""
        return self._current.catalog.snapshot.id

    def in_flight(self) -> int:
        """Requests running now, on any snapshot."""
        with self._lock:
            return sum(self._in_flight.values())

    @contextmanager
    def using(self) -> Iterator[Services]:
        """The current services, held for the duration of one request."""
        with self._lock:
            services = self._current
            key = id(services)
            self._in_flight[key] = self._in_flight.get(key, 0) + 1
        try:
            yield services
        finally:
            self._leave(key)

    def swap(self, services: Services) -> Services:
        """Make ``services`` current; returns the previous ones, retired as soon as
        their last request finishes."""
        with self._lock:
            old, self._current = self._current, services
            self._retired[id(old)] = old
        log.info(
            "switched snapshot %s -> %s",
            old.catalog.snapshot.id,
            services.catalog.snapshot.id,
        )
        self._leave(id(old), entering=False)
        return old

    def _leave(self, key: int, entering: bool = True) -> None:
        with self._lock:
            if entering:
                self._in_flight[key] -= 1
            done = self._in_flight.get(key, 0) == 0 and key in self._retired
            retired = self._retired.pop(key) if done else None
            if done:
                self._in_flight.pop(key, None)
        if retired is not None:
            self._on_retired(retired)
