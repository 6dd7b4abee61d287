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

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


class SpareCores:
    """The cores of one process and how many spreading calls are running."""

    def __init__(self, cores: int) -> None:
        self.cores = max(1, cores)
        self._running = 0
        self._lock = threading.Lock()
        self._pool = (
            ThreadPoolExecutor(self.cores - 1, thread_name_prefix="spare-core")
            if self.cores > 1
            else None
        )

    @contextmanager
    def share(self) -> Iterator[int]:
        """How many workers this call may use (1 and up) while it runs."""
        with self._lock:
            self._running += 1
            workers = max(1, self.cores - self._running + 1)
        try:
            yield workers
        finally:
            with self._lock:
                self._running -= 1

    def run_each(self, workers: int, jobs: Sequence[T], run: Callable[[T], None]) -> None:
        """``run(job)`` for every job: the calling thread takes every ``workers``-th job,
        helpers the others, interleaved so each gets a similar share."""
        if workers <= 1 or self._pool is None or len(jobs) < 2:
            _run_all(run, jobs)
            return
        shares = [jobs[k::workers] for k in range(min(workers, len(jobs)))]
        helpers = [self._pool.submit(_run_all, run, share) for share in shares[1:]]
        try:
            _run_all(run, shares[0])
        finally:
            wait(helpers)  # never return (or raise) while a helper still writes
        for helper in helpers:
            helper.result()


def _run_all(run: Callable[[T], None], jobs: Sequence[T]) -> None:
    for job in jobs:
        run(job)


_CURRENT: list[SpareCores] = []  # the process's, once a server turned it on


def use_spare_cores(cores: int) -> None:
    """Let calls in this process spread over ``cores`` (a server, at start); 1 or less
    turns spreading off."""
    _CURRENT.clear()
    if cores > 1:
        _CURRENT.append(SpareCores(cores))


def run_spread(jobs: Sequence[T], run: Callable[[T], None]) -> None:
    """``run(job)`` for every job, on the cores no other call is using when a server
    turned spreading on; one after another otherwise."""
    if not _CURRENT:
        _run_all(run, jobs)
        return
    spare = _CURRENT[0]
    with spare.share() as workers:
        spare.run_each(workers, jobs, run)
