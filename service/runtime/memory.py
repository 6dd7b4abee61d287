"""Handing memory that start-up freed back to the operating system.

Loading a snapshot and 100,000 vacancies parses hundreds of megabytes of JSON and SQL
rows that are freed again at once; glibc's allocator keeps those pages for reuse, so a
replica's resident memory stays at its start-up peak. ``malloc_trim`` returns them:
measured on 100,000 full-ESCO vacancies, 566 → 409 MiB after the vacancy index loaded
(docs/performance.md, issue 23). Elsewhere (musl, macOS) it does nothing.
"""

import ctypes
import ctypes.util


def release_freed_memory() -> bool:
    """Return freed heap pages to the system; whether the C library could."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True
