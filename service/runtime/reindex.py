"""Re-index jobs of a running server, and following snapshots built elsewhere.

``POST /v1/admin/reindex`` starts a job: a background thread builds a snapshot beside
the active one (with the serving embedder, one thread, so requests keep their cores),
activates it, loads it and switches the live services over. One build runs at a time
per snapshots folder: a second request, here or from another process (the CLI, a
replica), is refused at once. Every replica also follows the ``ACTIVE`` pointer, so a
snapshot built by ``overstap reindex`` or by another replica goes live everywhere.
"""

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from indexes.leases import BuildLock, SnapshotBusyError
from indexes.snapshot import SnapshotDirectory
from service.runtime.live import LiveServices
from service.runtime.memory import release_freed_memory
from service.runtime.services import Services, build_snapshot, reopen_services
from service.settings import Settings

log = logging.getLogger("overstap.reindex")
KEPT_JOBS = 50


@dataclass
class ReindexJob:
    """What a job has done so far; read by ``GET /v1/admin/reindex/{job}``."""

    id: str
    status: Literal["running", "succeeded", "failed"] = "running"
    stage: str = "waiting"
    done: int = 0
    total: int | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None
    previous_snapshot: str | None = None
    snapshot: str | None = None
    labels: int | None = None
    embedded: int | None = None
    error: str | None = None


class ReindexBusyError(Exception):
    """A re-index is running already, in this process or another."""


class Reindexer:
    """Runs re-index jobs for one live service and keeps the last few for lookup."""

    def __init__(self, settings: Settings, live: LiveServices) -> None:
        self.settings = settings
        self.live = live
        self.directory = SnapshotDirectory(settings.snapshots_dir)
        self._jobs: dict[str, ReindexJob] = {}
        self._running: ReindexJob | None = None
        self._lock = threading.Lock()
        self._switch = threading.Lock()  # one switch at a time (job or follower)

    def start(self) -> ReindexJob:
        """Accept a job, or raise ``ReindexBusyError`` when one runs here or elsewhere."""
        with self._lock:
            if self._running is not None:
                raise ReindexBusyError(f"re-index job {self._running.id} is running")
            try:
                lock = self.directory.lock(blocking=False)
            except SnapshotBusyError as exc:
                raise ReindexBusyError(str(exc)) from None
            job = ReindexJob(id=uuid.uuid4().hex[:12], previous_snapshot=self.live.snapshot_id)
            self._running = job
            self._jobs[job.id] = job
            while len(self._jobs) > KEPT_JOBS:
                self._jobs.pop(next(iter(self._jobs)))
        threading.Thread(target=self._run, args=(job, lock), name="reindex", daemon=True).start()
        return job

    def job(self, job_id: str) -> ReindexJob | None:
        """A job by id (the last ``KEPT_JOBS`` are kept)."""
        return self._jobs.get(job_id)

    def jobs(self) -> list[ReindexJob]:
        """The kept jobs, oldest first (for metrics)."""
        with self._lock:
            return list(self._jobs.values())

    def _run(self, job: ReindexJob, lock: BuildLock) -> None:
        started = time.perf_counter()

        def on_stage(stage: str, total: int | None) -> None:
            job.stage, job.total, job.done = stage, total, 0

        def on_progress(count: int) -> None:
            job.done += count

        try:
            with lock:
                current = self.live.current
                stats = build_snapshot(
                    self.settings,
                    current.catalog.store,
                    current.catalog.embedder,
                    on_stage,
                    on_progress,
                    lock=lock,
                )
            job.snapshot, job.labels, job.embedded = stats.snapshot_id, stats.texts, stats.embedded
            on_stage("loading the new snapshot", None)
            self.switch_to_active()
            job.stage, job.status = "done", "succeeded"
            log.info(
                "re-index %s: snapshot %s live after %.1f s (%d labels, %d embedded)",
                job.id,
                stats.snapshot_id,
                time.perf_counter() - started,
                stats.texts,
                stats.embedded,
            )
        except Exception as exc:
            job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
            log.exception("re-index %s failed; the previous snapshot stays active", job.id)
        finally:
            job.finished_at = datetime.now(UTC)
            with self._lock:
                self._running = None

    def switch_to_active(self) -> bool:
        """Load the snapshot ``ACTIVE`` names and switch to it, unless it is live
        already; True when a switch happened."""
        with self._switch:
            active = self.directory.active_id()
            if active is None or active == self.live.snapshot_id:
                return False
            fresh: Services = reopen_services(self.settings, self.live.current)
            self.live.swap(fresh)
            release_freed_memory()  # what the snapshot switched from leaves behind
            return True

    def follow(self) -> bool:
        """Pick up a snapshot another process activated (skipped while a job of ours
        runs: it switches by itself when done)."""
        if self._running is not None:
            return False
        return self.switch_to_active()
