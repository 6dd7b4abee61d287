"""Cores a server's lone request may borrow: its batches of work spread over the cores
no other request is using.

A server runs one thread per call in the model, FAISS and BLAS, so that parallel
requests do not fight over the cores (``OVERSTAP_REQUEST_THREADS``). A lone request
(a match, a vacancy's extraction: several model batches and dozens of piece searches)
then leaves the other cores idle. Each spreading call counts itself in; one that finds
cores free runs its jobs on that many workers at once (onnxruntime, FAISS and scipy's
sparse products release the GIL while they compute). Under load every call finds none
free and runs as before, so concurrency still comes from the requests. Measured on
full ESCO (docs/performance.md): a 1,500-character vacancy's extraction at 1 client
672–702 → 502–508 ms with the model's batches spread, throughput at 4 clients unchanged.

Only a server turns it on (``use_spare_cores``); batch jobs already use every core.
"""

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


class SpareCores:
    """The cores of one process and how many of them running calls hold."""

    def __init__(self, cores: int) -> None:
        self.cores = max(1, cores)
        self._granted = 0
        self._lock = threading.Lock()
        self._pool = (
            ThreadPoolExecutor(self.cores - 1, thread_name_prefix="spare-core")
            if self.cores > 1
            else None
        )

    @contextmanager
    def share(self) -> Iterator[int]:
        """How many workers this call may use (1 and up) while it runs: the cores no
        other call holds, or its own one."""
        with self._lock:
            workers = max(1, self.cores - self._granted)
            self._granted += workers
        try:
            yield workers
        finally:
            with self._lock:
                self._granted -= workers

    def run_each(self, workers: int, jobs: Sequence[T], run: Callable[[T], None]) -> None:
        """``run(job)`` for every job, the calling thread and up to ``workers - 1``
        helpers taking the next job as each finishes one. A helper that has not started
        when the jobs run out is called off, so the caller never waits for a pool busy
        with other calls; a job from a helper runs its own spreading inline."""
        if workers <= 1 or self._pool is None or len(jobs) < 2 or _INSIDE.helper:
            _run_all(run, jobs)
            return
        positions = iter(range(len(jobs)))
        taking = threading.Lock()

        def drain() -> None:
            while True:
                with taking:
                    at = next(positions, -1)
                if at < 0:
                    return
                run(jobs[at])

        def helper() -> None:
            _INSIDE.helper = True
            try:
                drain()
            finally:
                _INSIDE.helper = False

        helpers = [self._pool.submit(helper) for _ in range(min(workers, len(jobs)) - 1)]
        try:
            drain()
        finally:
            # One still queued behind other calls' work is called off (and never
            # waited for); one that started is waited for: it may still be writing.
            started = [helper for helper in helpers if not helper.cancel()]
            wait(started)
        for done in started:
            done.result()

    def close(self) -> None:
        """Let the helper threads end (a server switching its setting, tests)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


class _Inside(threading.local):
    helper = False


_INSIDE = _Inside()


def _run_all(run: Callable[[T], None], jobs: Sequence[T]) -> None:
    for job in jobs:
        run(job)


class _Current:
    spare: SpareCores | None = None  # the process's, once a server turned it on


_CURRENT = _Current()


def usable_cores() -> int:
    """The cores this process may run on (its affinity where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def use_spare_cores(cores: int) -> None:
    """Let calls in this process spread over ``cores`` (a server, at start); 1 or less
    turns spreading off."""
    previous, _CURRENT.spare = _CURRENT.spare, SpareCores(cores) if cores > 1 else None
    if previous is not None:
        previous.close()


def run_spread(jobs: Sequence[T], run: Callable[[T], None]) -> None:
    """``run(job)`` for every job, on the cores no other call is using when a server
    turned spreading on; one after another otherwise."""
    spare = _CURRENT.spare
    if spare is None:
        _run_all(run, jobs)
        return
    with spare.share() as workers:
        spare.run_each(workers, jobs, run)
