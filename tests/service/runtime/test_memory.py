"""Start-up's memory: the collector paused while services are built, freed pages handed
back to the system (glibc, as on the project's machines)."""

import gc
import os
import platform
import subprocess
import sys

import pytest

from service.runtime.memory import collection_paused

# In a fresh interpreter, as a server's start-up is: a long test process's heap holds
# whatever earlier tests left, and glibc then reuses freed pages instead.
FRESH = """
import gc
from service.runtime.memory import release_freed_memory

def resident_mib():
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20

# 200 MB of 2 kB objects (malloc's, not Python's small-object arenas), one in 50 kept:
# the heap cannot shrink from its top, so only a trim gives the pages back
blocks = [bytes(2000) + bytes([i % 256]) for i in range(100_000)]
kept = blocks[::50]
del blocks
gc.collect()
before = resident_mib()
trimmed = release_freed_memory()
print(trimmed, before, resident_mib(), len(kept))
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_heap_pages_are_returned() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FRESH], capture_output=True, text=True, check=True, timeout=120
    )
    trimmed, before, after, kept = done.stdout.split()
    assert trimmed == "True" and kept == "2000"
    assert float(after) < float(before) - 100


def test_the_collector_is_paused_while_services_are_built_and_on_again_after() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
        with collection_paused():  # a re-index opening while a start-up still builds
            assert not gc.isenabled()
        assert not gc.isenabled()  # on only when the last block ends
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("a failed start")
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()  # off before: left off
    finally:
        gc.enable()


def test_a_server_freezes_what_a_pause_built_and_thaws_it_for_a_switch() -> None:
    from service.runtime.memory import thaw_start_up

    thaw_start_up()
    kept = [[index] for index in range(1000)]
    with collection_paused(freeze=True):
        kept += [[index] for index in range(1000)]
    assert gc.isenabled() and gc.get_freeze_count() >= len(kept)  # never scanned again
    thaw_start_up()  # a re-index switches away: collectable again
    assert gc.get_freeze_count() == 0
    with collection_paused():  # a batch job's pause freezes nothing
        kept.append([0])
    assert gc.get_freeze_count() == 0


ARENAS = """
import ctypes, sys, threading
from service.runtime.memory import limit_malloc_arenas

took = limit_malloc_arenas(1) if sys.argv[1] == "limit" else None

def work():
    kept = [bytes(2000) for _ in range(2000)]  # malloc's blocks, not Python's arenas
    barrier.wait()  # all threads hold theirs at once: each would want an arena
    del kept

barrier = threading.Barrier(4)
threads = [threading.Thread(target=work) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(took, flush=True)
ctypes.CDLL(None).malloc_stats()  # one "Arena n:" block per arena, on stderr
"""


def _arenas(mode: str, **env: str) -> tuple[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", ARENAS, mode],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return done.stdout.strip(), done.stderr.count("Arena ")


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's allocator only")
def test_a_server_keeps_one_allocator_arena_per_core() -> None:
    assert _arenas("default")[1] > 1  # request threads get arenas of their own
    assert _arenas("limit") == ("True", 1)
    # An operator's limit is left as set.
    assert _arenas("limit", MALLOC_ARENA_MAX="3")[0] == "False"
    assert _arenas("limit", GLIBC_TUNABLES="glibc.malloc.arena_max=3")[0] == "False"
