"""Freed start-up memory goes back to the system (glibc, as on the project's machines)."""

import gc
import platform

import pytest

from service.runtime.memory import release_freed_memory


def _resident_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_heap_pages_are_returned() -> None:
    # 200 MB of 2 kB objects (malloc's, not Python's small-object arenas), one in 50
    # kept: the heap cannot shrink from its top, so only a trim gives the pages back
    blocks = [bytes(2000) + bytes([i % 256]) for i in range(100_000)]
    kept = blocks[::50]
    del blocks
    gc.collect()
    before = _resident_mib()
    assert release_freed_memory()
    assert _resident_mib() < before - 100
    assert len(kept) == 2000
