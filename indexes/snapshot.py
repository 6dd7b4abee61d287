"""Snapshots: an immutable, complete set of indexes built from the store.

A build writes everything (per collection: label rows, vectors, FAISS file, lexical
matrices; a manifest with the embedder, ontology versions, counts, build time and
checksums) into a fresh directory, then activates it by atomically replacing the
``ACTIVE`` pointer file. A build that fails or is killed leaves the active snapshot as
it was; leftover ``*.building`` directories are removed by the next build.
"""

import itertools
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexes.confidence import Bands, calibrate, calibration_queries
from indexes.embedding.base import Embedder, TextKind
from indexes.embedding.cache import EmbeddingCache, encode_cached
from indexes.folders import sha256_file
from indexes.labels import (
    FOLDED,
    RECORDS,
    LabelIndex,
    LabelIndexKind,
    check_positions,
    records_of,
)
from indexes.leases import (
    BuildLock,
    SnapshotBusyError,
    collect_garbage,
    take_lease,
)
from indexes.profiles import FOLDER as PROFILES
from indexes.profiles import OccupationProfiles, profile_text
from indexes.title_text import clean_title
from models.vocabulary import ConceptKind
from ontology import queries
from ontology.faults import crash_point
from ontology.store import Store

COLLECTIONS: dict[str, ConceptKind] = {
    "occupations": ConceptKind.OCCUPATION,
    "skills": ConceptKind.SKILL,
    "qualifications": ConceptKind.QUALIFICATION,
    "certificates": ConceptKind.CERTIFICATE,
}
MANIFEST = "manifest.json"
REQUIREMENTS = "requirements.json"  # occupation → skills, as columns
ACTIVE = "ACTIVE"
# 2 (issue 23): label rows as columns (``records.json``) and their folded texts, the
# occupations' requirements (``requirements.json``); a
# release before it cannot read a format-2 snapshot (roll back = re-index), this one
# reads both.
FORMAT = 2


def _search_clean(kind: ConceptKind) -> Callable[[str], str]:
    """What a search of ``kind`` does to a query before embedding it (calibration
    embeds its nonsense strings the same way)."""
    return clean_title if kind is ConceptKind.OCCUPATION else str


def _profile_texts(store: Store) -> list[tuple[str, str]]:
    """(uri, text) of every released occupation's name and description."""
    uris = sorted({uri for uri, *_ in store.labels_of(ConceptKind.OCCUPATION)})
    labels = queries.preferred_labels(store, uris)
    descriptions = queries.descriptions(store, uris)
    return [
        (uri, text)
        for uri in uris
        if (text := profile_text(labels.get(uri, {}), descriptions.get(uri, {})))
    ]


def texts_to_embed(store: Store) -> dict[TextKind, list[str]]:
    """Every text a build of ``store`` embeds, by kind (labels and calibration strings
    as queries, occupation profiles as passages): what a cluster embeds into the cache
    before the build, which then reads them all back."""
    query: list[str] = []
    for kind in COLLECTIONS.values():
        query += [r.text for r in records_of(store.labels_of(kind))]
        query += calibration_queries(_search_clean(kind))
    return {"query": query, "passage": [text for _, text in _profile_texts(store)]}


class SnapshotError(Exception):
    """A snapshot is missing, damaged, or was built for another embedder."""


@dataclass
class BuildStats:
    """What a build did, for the CLI to print."""

    snapshot_id: str
    texts: int
    embedded: int
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def texts_per_second(self) -> float:
        """Labels and occupation descriptions indexed per second, cached or not."""
        return self.texts / self.seconds if self.seconds else 0.0


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SnapshotDirectory:
    """The ``snapshots/`` folder: builds, the ``ACTIVE`` pointer, loading."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def active_id(self) -> str | None:
        """The id in ``ACTIVE``, or None before the first build."""
        pointer = self.root / ACTIVE
        if not pointer.exists():
            return None
        return pointer.read_text(encoding="utf-8").strip() or None

    def activate(self, snapshot_id: str) -> None:
        """Point ``ACTIVE`` at a complete snapshot (write + fsync + rename: atomic)."""
        if not (self.root / snapshot_id / MANIFEST).exists():
            raise SnapshotError(f"snapshot {snapshot_id} is not complete")
        temporary = self.root / f"{ACTIVE}.{uuid.uuid4().hex}.tmp"
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(snapshot_id + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.root / ACTIVE)
        _fsync_dir(self.root)

    def lock(self, blocking: bool = False) -> BuildLock:
        """The build lock, taken (see ``indexes.leases``): callers hold it around
        ``build``, as ``with directory.lock(): ...``."""
        return BuildLock(self.root).acquire(blocking)

    def recover(self) -> list[str]:
        """After a crash: remove temporaries and snapshots nobody uses, unless a build is
        running right now (then its files are not stale)."""
        try:
            with self.lock(blocking=False):
                return self.clean_stale() + collect_garbage(self.root, self.active_id())
        except SnapshotBusyError:
            return []

    def release(self, lease: Path) -> list[str]:
        """Give up a lease and remove what is no longer used."""
        lease.unlink(missing_ok=True)
        return collect_garbage(self.root, self.active_id())

    def open_active(self, embedder: Embedder) -> "Snapshot":
        """Load the active snapshot under a lease. The lease is taken before loading; a
        snapshot that another process switched away from and removed between our
        reading the pointer and our lease counting is skipped, and the pointer read
        again."""
        for _ in range(5):
            snapshot_id = self.active_id()
            if snapshot_id is None:
                break
            lease = take_lease(self.root, snapshot_id)
            try:
                snapshot = self.load(embedder, snapshot_id)
            except (SnapshotError, OSError):
                lease.unlink(missing_ok=True)
                if (self.root / snapshot_id).exists():
                    raise
                continue  # removed just before our lease counted: read the pointer again
            except BaseException:
                lease.unlink(missing_ok=True)
                raise
            snapshot.lease = lease
            return snapshot
        raise SnapshotError(f"no loadable active snapshot in {self.root}; run `overstap reindex`")

    def clean_stale(self) -> list[str]:
        """Remove half-built directories and temporaries left by a crash; the caller
        holds the build lock, so none of them belongs to a running build."""
        removed = []
        for path in self.root.iterdir():
            if path.name.endswith(".building") or path.name.endswith(".tmp"):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed.append(path.name)
        return removed

    def build(
        self,
        store: Store,
        embedder: Embedder,
        cache: EmbeddingCache | None,
        on_stage: Callable[[str, int], None] | None = None,
        on_progress: Callable[[int], None] | None = None,
        activate: bool = True,
        lexical_weights: Sequence[float] = (),
        label_index: LabelIndexKind = "auto",
    ) -> BuildStats:
        """Build a complete snapshot of ``store``; activate it when asked. The caller
        holds ``lock()``. ``lexical_weights``: the fusion weights the service searches
        with, for which each collection's confidence bands are calibrated;
        ``label_index``: each collection's dense index (``indexes.labels.dense_kind``)."""
        self.clean_stale()
        started = time.perf_counter()
        built_at = datetime.now(UTC)
        snapshot_id = built_at.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        work = self.root / f"{snapshot_id}.building"
        work.mkdir()
        stats = BuildStats(snapshot_id, 0, 0, 0.0)
        files: list[Path] = []
        confidence: dict[str, dict[str, Any]] = {}
        dense_kinds: dict[str, str] = {}
        for name, kind in COLLECTIONS.items():
            records = records_of(store.labels_of(kind))
            if on_stage:
                on_stage(f"{name}: embedding labels", len(records))
            vectors, embedded = encode_cached(
                embedder, [r.text for r in records], "query", cache, on_progress
            )
            index = LabelIndex.build(records, vectors, label_index)
            dense_kinds[name] = index.dense.kind
            files += index.save(work / name)
            if lexical_weights and on_stage:
                on_stage(f"{name}: calibrating confidence", 0)
            calibrated = calibrate(
                index,
                lexical_weights,
                lambda texts: encode_cached(embedder, texts, "query", cache)[0],
                _search_clean(kind),
            )
            confidence[name] = {weight_key(w): b.to_json() for w, b in calibrated.items()}
            stats.texts += len(records)
            stats.embedded += embedded
            stats.counts[name] = len(records)
            crash_point("snapshot-collection-written")
        profiles, embedded = self._profiles(store, embedder, cache, on_stage, on_progress)
        files += profiles.save(work / PROFILES)
        files.append(_save_requirements(queries.requirements(store), work / REQUIREMENTS))
        stats.texts += len(profiles)
        stats.embedded += embedded
        store_stats = store.stats()
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "id": snapshot_id,
            "built_at": built_at.isoformat(),
            "embedder": {"name": embedder.name, "dimension": embedder.dimension},
            "ontology": {
                "versions": store_stats.versions,
                "occupations": store_stats.occupations,
                "skills": store_stats.skills,
            },
            "collections": stats.counts,
            "dense_index": dense_kinds,
            "confidence": confidence,
            "profiles": {"occupations": len(profiles)},
            "files": {str(p.relative_to(work)): sha256_file(p) for p in files},
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        for path in [*files, work / MANIFEST]:
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        crash_point("snapshot-before-rename")
        final = self.root / snapshot_id
        os.replace(work, final)
        _fsync_dir(self.root)
        crash_point("snapshot-before-activate")
        if activate:
            self.activate(snapshot_id)
            collect_garbage(self.root, snapshot_id)  # what no process holds a lease on
        stats.seconds = time.perf_counter() - started
        return stats

    @staticmethod
    def _profiles(
        store: Store,
        embedder: Embedder,
        cache: EmbeddingCache | None,
        on_stage: Callable[[str, int], None] | None,
        on_progress: Callable[[int], None] | None,
    ) -> tuple[OccupationProfiles, int]:
        """Every released occupation's name and description, embedded as a passage;
        and how many of them had to be embedded (not in the cache)."""
        texts = _profile_texts(store)
        if on_stage:
            on_stage("occupation profiles: embedding descriptions", len(texts))
        vectors, embedded = encode_cached(
            embedder, [t for _, t in texts], "passage", cache, on_progress
        )
        return OccupationProfiles.build(texts, vectors), embedded

    def load(
        self, embedder: Embedder, snapshot_id: str | None = None, verify: bool = False
    ) -> "Snapshot":
        """Open a snapshot (the active one by default) after checking its manifest."""
        snapshot_id = snapshot_id or self.active_id()
        if snapshot_id is None:
            raise SnapshotError(f"no active snapshot in {self.root}; run `overstap reindex`")
        folder = self.root / snapshot_id
        try:
            manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SnapshotError(f"snapshot {snapshot_id} has no readable manifest: {exc}") from exc
        written_as = manifest.get("format", 1)
        if not isinstance(written_as, int) or written_as > FORMAT:
            raise SnapshotError(
                f"snapshot {snapshot_id} has format {written_as!r}, not one this release "
                f"reads (up to {FORMAT}); run `overstap reindex` with this release"
            )
        # From format 2 the stored start-up data must be there: none would silently
        # mean folding every label and reading the store's requirements instead.
        expected = (
            [
                REQUIREMENTS,
                *(
                    f"{name}/{part}"
                    for name in manifest["collections"]
                    for part in (RECORDS, FOLDED)
                ),
            ]
            if written_as >= 2
            else []
        )
        missing = [part for part in expected if not (folder / part).exists()]
        if missing:
            raise SnapshotError(f"snapshot {snapshot_id} is missing {', '.join(missing)}")
        built_with = manifest.get("embedder", {})
        if (built_with.get("name"), built_with.get("dimension")) != (
            embedder.name,
            embedder.dimension,
        ):
            raise SnapshotError(
                f"snapshot {snapshot_id} was built with embedder {built_with.get('name')!r} "
                f"(dimension {built_with.get('dimension')}), but the service runs "
                f"{embedder.name!r} (dimension {embedder.dimension}); run `overstap reindex`"
            )
        if verify:
            for relative, checksum in manifest["files"].items():
                if sha256_file(folder / relative) != checksum:
                    raise SnapshotError(f"snapshot {snapshot_id}: {relative} is damaged")
        try:
            collections = {name: LabelIndex.load(folder / name) for name in manifest["collections"]}
        except (ValueError, LookupError, TypeError) as exc:
            raise SnapshotError(f"snapshot {snapshot_id}: unreadable label rows: {exc}") from exc
        # Snapshots built before issue 20 have none: the match then scores without them.
        try:
            profiles = (
                OccupationProfiles.load(folder / PROFILES) if "profiles" in manifest else None
            )
        except (OSError, ValueError) as exc:
            raise SnapshotError(f"snapshot {snapshot_id}: unreadable profiles: {exc}") from exc
        try:  # snapshots from before issue 23 have none: the store's are read instead
            requirements = (
                _load_requirements(folder / REQUIREMENTS)
                if (folder / REQUIREMENTS).exists()
                else None
            )
        except (OSError, ValueError, LookupError, TypeError) as exc:
            raise SnapshotError(f"snapshot {snapshot_id}: unreadable requirements: {exc}") from exc
        return Snapshot(snapshot_id, folder, manifest, collections, profiles, requirements)


@dataclass
class Snapshot:
    """A loaded snapshot: read-only, shared by every request that started on it."""

    id: str
    folder: Path
    manifest: dict[str, Any]
    collections: dict[str, LabelIndex]
    profiles: OccupationProfiles | None = None  # occupation name + description vectors
    # Occupation → the skills it needs, as the store had them when the snapshot was built
    # (None: a snapshot from before issue 23; the matcher then reads the store's).
    requirements: dict[str, list[queries.Requirement]] | None = None
    lease: Path | None = None  # this process's claim on the folder (``open_active``)

    def bands(self, collection: str, lexical_weight: float) -> Bands | None:
        """The confidence bands calibrated at build time (None: an older snapshot, or
        built for another weight)."""
        stored = self.manifest.get("confidence", {}).get(collection, {})
        found = stored.get(weight_key(lexical_weight))
        return Bands.from_json(found) if found else None


def _save_requirements(requirements: dict[str, list[queries.Requirement]], path: Path) -> Path:
    """Write the occupation–skill requirements as columns, each URI once: on full ESCO
    (124,000 rows) the store's join took 0.42–0.46 s and this file 0.15–0.21 s to read,
    the same requirements (issue 23)."""
    skills: dict[str, int] = {}
    columns: dict[str, list[Any]] = {
        "occupations": list(requirements),
        "count": [],
        "skill": [],
        "relation": [],
        "weight": [],
    }
    for needs in requirements.values():
        columns["count"].append(len(needs))
        for need in needs:
            columns["skill"].append(skills.setdefault(need.skill, len(skills)))
            columns["relation"].append(need.relation)
            columns["weight"].append(need.weight)
    columns["skills"] = list(skills)
    path.write_text(json.dumps(columns, ensure_ascii=False), encoding="utf-8")
    return path


def _load_requirements(path: Path) -> dict[str, list[queries.Requirement]]:
    """What ``_save_requirements`` wrote, in the same order."""
    columns = json.loads(path.read_text(encoding="utf-8"))
    if sum(columns["count"]) != len(columns["skill"]):
        raise ValueError(f"{path}: the occupations' counts do not add up to the rows")
    skills: list[str] = columns["skills"]
    check_positions(columns["skill"], len(skills), path, "skill")
    relations: dict[str, str] = {}  # "essential" and "optional", each string once
    rows = iter(zip(columns["skill"], columns["relation"], columns["weight"], strict=True))
    result: dict[str, list[queries.Requirement]] = {}
    for occupation, count in zip(columns["occupations"], columns["count"], strict=True):
        result[occupation] = [
            queries.Requirement(skills[skill], relations.setdefault(relation, relation), weight)
            for skill, relation, weight in itertools.islice(rows, count)
        ]
    return result


def weight_key(weight: float) -> str:
    """How a lexical weight is written in the manifest."""
    return f"{weight:.3f}"
