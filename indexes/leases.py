"""Keeping a snapshots folder safe when several processes share it: one builder at a
time, leases that say which snapshots are in use, and removal of the rest.

Several ``overstap serve`` replicas, the CLI and an admin re-index may all point at one
folder. A build holds an exclusive ``flock`` on ``.lock`` (released by the kernel when
the process dies, so a SIGKILL never leaves it stuck). A process that answers from a
snapshot holds a lease, a file ``.leases/<id>@<host>-<pid>``; a snapshot that is not
active and has no live lease is removed. Leases of dead processes on this host are
stale and ignored; leases from other hosts are kept until those hosts remove them.
"""

import fcntl
import os
import shutil
import socket
from pathlib import Path

LOCK = ".lock"
LEASES = ".leases"


class SnapshotBusyError(Exception):
    """Another process or job is building a snapshot in this folder right now."""


class BuildLock:
    """The folder's build lock. Held by an open file descriptor, so it can be taken in
    one thread (to refuse a second re-index at once) and released in another (the job
    that builds)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._fd: int | None = None

    def acquire(self, blocking: bool = False) -> "BuildLock":
        """Take the lock; without ``blocking`` a held lock raises ``SnapshotBusyError``."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        except BlockingIOError:
            os.close(fd)
            raise SnapshotBusyError(
                f"another re-index is running on {self.root}; try again when it has finished"
            ) from None
        self._fd = fd
        return self

    def release(self) -> None:
        """Let go (closing the descriptor releases the lock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "BuildLock":
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def _me() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def take_lease(root: Path, snapshot_id: str) -> Path:
    """Mark ``snapshot_id`` as in use by this process."""
    folder = root / LEASES
    folder.mkdir(parents=True, exist_ok=True)
    lease = folder / f"{snapshot_id}@{_me()}"
    lease.touch()
    return lease


def _alive(lease: Path) -> bool:
    owner = lease.name.rpartition("@")[2]
    host, _, pid = owner.rpartition("-")
    if host != socket.gethostname():
        return True  # another host's process: only it knows
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:
        return True
    return True


def leased(root: Path) -> set[str]:
    """Snapshot ids with a live lease; stale leases are removed on the way."""
    folder = root / LEASES
    ids: set[str] = set()
    if not folder.is_dir():
        return ids
    for lease in folder.iterdir():
        if _alive(lease):
            ids.add(lease.name.rpartition("@")[0])
        else:
            lease.unlink(missing_ok=True)
    return ids


def collect_garbage(root: Path, active: str | None) -> list[str]:
    """Remove complete snapshots that are neither active nor leased. A snapshot is first
    renamed to ``*.tmp`` so a crash mid-removal leaves only a temporary, which the next
    clean-up removes."""
    keep = leased(root) | ({active} if active else set())
    removed = []
    for path in root.iterdir():
        if not path.is_dir() or path.name.startswith(".") or "." in path.name:
            continue  # leases, half-built (*.building) and temporaries are not snapshots
        if path.name in keep:
            continue
        doomed = root / f"{path.name}.gc.tmp"
        try:
            os.replace(path, doomed)
        except OSError:
            continue  # another process got there first
        shutil.rmtree(doomed, ignore_errors=True)
        removed.append(path.name)
    return removed
