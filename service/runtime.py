"""Opening everything the service answers from: store, embedder, active snapshot.

``serve`` and the tests call ``open_catalog``; the CLI's ``reindex`` uses the same
pieces. When no snapshot exists yet one is built first, so a fresh ``overstap serve``
is useful without a separate step.
"""

from collections.abc import Callable

from indexes.cache import EmbeddingCache
from indexes.embedder import Embedder, configure_threads, load_embedder
from indexes.snapshot import BuildStats, SnapshotDirectory
from ontology.default import ensure_populated
from ontology.store import Store
from service.catalog import Catalog
from service.settings import Settings


def open_embedder(settings: Settings) -> Embedder:
    """The configured embedder with threads set as configured."""
    configure_threads(settings.threads)
    return load_embedder(settings.embedder, settings.models_dir)


def build_snapshot(
    settings: Settings,
    store: Store,
    embedder: Embedder,
    on_stage: Callable[[str, int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> BuildStats:
    """Build and activate a new snapshot of ``store`` through the embedding cache."""
    cache = EmbeddingCache(settings.cache_path)
    try:
        return SnapshotDirectory(settings.snapshots_dir).build(
            store, embedder, cache, on_stage=on_stage, on_progress=on_progress
        )
    finally:
        cache.close()


def open_catalog(settings: Settings, store: Store, embedder: Embedder | None = None) -> Catalog:
    """Load the active snapshot (building one when there is none) into a Catalog."""
    if settings.load_default:
        ensure_populated(store)
    embedder = embedder or open_embedder(settings)
    directory = SnapshotDirectory(settings.snapshots_dir)
    if directory.active_id() is None:
        build_snapshot(settings, store, embedder)
    snapshot = directory.load(embedder)
    return Catalog(store, embedder, snapshot, settings.lexical_weight)
