"""Handing memory that start-up freed back to the operating system.

Loading a snapshot and 100,000 vacancies parses hundreds of megabytes of JSON and SQL
rows that are freed again at once; glibc's allocator keeps those pages for reuse, so a
replica's resident memory stays at its start-up peak. ``malloc_trim`` returns them:
measured on 100,000 full-ESCO vacancies, 566 → 409 MiB after the vacancy index loaded
(docs/performance.md, issue 23). Elsewhere (musl, macOS) it does nothing.
"""

import ctypes
from collections.abc import Callable
from typing import cast


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none."""
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the process's own C library
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return cast(Callable[[int], int], trim)


_TRIM = _malloc_trim()


def release_freed_memory() -> bool:
    """Return freed heap pages to the system; whether the C library could."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
