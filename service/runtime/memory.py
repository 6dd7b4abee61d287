"""Start-up's memory: the garbage collector paused while it builds, freed pages handed
back to the operating system after.

Start-up builds millions of objects that all stay (label rows, requirements, 100,000
vacancies); every few hundred allocations the cyclic collector runs and, as the heap
grows, scans all of them again to find nothing. Paused while the services are built
(full ESCO, 100,000 vacancies, in-process), the vacancy index loaded in 3.8 instead of
5.5 s and the matcher was built in 0.7 instead of 1.4 s (issue 23,
docs/performance.md). Reference counting frees everything as before; only cycles wait
until the collector runs again. A server freezes what it built (``gc.freeze``), so no
collection scans it again, and thaws it before a re-index switches away from it.

Loading a snapshot and 100,000 vacancies parses hundreds of megabytes of JSON and SQL
rows that are freed again at once; glibc's allocator keeps those pages for reuse, so a
replica's resident memory stays at its start-up peak. ``malloc_trim`` returns them:
measured on 100,000 full-ESCO vacancies, 566 → 409 MiB after the vacancy index loaded
(docs/performance.md, issue 23). Elsewhere (musl, macOS) it does nothing.

A server's request threads each get an allocator arena of their own by default (up to
8 per core), and every arena keeps the pages its requests freed. Limited to one per
core, a server on full ESCO with 100,000 vacancies peaked at 1,707–1,727 instead of
1,791–1,795 MiB under 8 clients' extractions and matches, as fast
(``limit_malloc_arenas``).
"""

import ctypes
import gc
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast


class _Pauses:
    """How many blocks want the collector off, and whether it was on before them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0
        self.was_enabled = True


_PAUSES = _Pauses()


@contextmanager
def collection_paused(freeze: bool = False) -> Iterator[None]:
    """The cyclic garbage collector off while the block runs (for building what stays);
    on again when the last such block ends, unless it was off before the first. With
    ``freeze`` (a server) what was built is frozen first (``freeze_start_up``): else
    the first collection after the pause scans all of it at once."""
    with _PAUSES.lock:
        if _PAUSES.count == 0:
            _PAUSES.was_enabled = gc.isenabled()
            gc.disable()
        _PAUSES.count += 1
    try:
        yield
    finally:
        with _PAUSES.lock:
            _PAUSES.count -= 1
            if _PAUSES.count == 0:
                if freeze:
                    freeze_start_up()
                if _PAUSES.was_enabled:
                    gc.enable()


def freeze_start_up() -> None:
    """Set everything start-up built aside from the collector (``gc.freeze``). On full
    ESCO with 100,000 vacancies a full collection scanned 2.3 million objects in
    0.68 s, a pause for every request in flight whenever one ran; frozen, they are
    never scanned (measured 0.000 s); reference counting still frees them."""
    gc.freeze()


def thaw_start_up() -> None:
    """Hand the frozen start-up objects back to the collector (``gc.unfreeze``), before
    a re-index switches away from them: a reference cycle among them would otherwise
    keep the old snapshot in memory for good. What a re-index builds is not frozen
    (freezing then would take the old snapshot in again)."""
    gc.unfreeze()


def _libc(name: str, argtypes: list[Any]) -> Any:
    """A function of the process's own C library returning int, or None where it has
    none (musl, macOS: ``malloc_trim`` and ``mallopt`` are glibc's)."""
    try:
        function = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None
    function.argtypes = argtypes
    function.restype = ctypes.c_int
    return function


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none."""
    return cast(Callable[[int], int] | None, _libc("malloc_trim", [ctypes.c_size_t]))


_TRIM = _malloc_trim()


def release_freed_memory() -> bool:
    """Return freed heap pages to the system; whether the C library could."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True


_M_ARENA_MAX = -8  # mallopt's parameter number (glibc's malloc.h)


def limit_malloc_arenas(count: int) -> bool:
    """At most ``count`` allocator arenas from now on, unless the operator chose a
    limit (``MALLOC_ARENA_MAX``, or ``arena_max`` in ``GLIBC_TUNABLES``: glibc reads
    both at start); whether the C library accepted it. Called before a server starts
    its threads: arenas made earlier stay, and glibc accepts the call even when it
    already has more."""
    if "MALLOC_ARENA_MAX" in os.environ or "arena_max" in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    mallopt = _libc("mallopt", [ctypes.c_int, ctypes.c_int])
    return mallopt is not None and bool(mallopt(_M_ARENA_MAX, max(count, 1)))
