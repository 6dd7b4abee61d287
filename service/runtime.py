"""Opening everything the service answers from: store, embedder, active snapshot,
vacancy index and the services over them.

``serve`` and the tests call ``open_catalog``; the CLI's ``reindex`` uses the same
pieces. When no snapshot exists yet one is built first, so a fresh ``overstap serve``
is useful without a separate step.
"""

from collections.abc import Callable
from dataclasses import dataclass

from indexes.cache import EmbeddingCache
from indexes.embedder import Embedder, load_embedder
from indexes.snapshot import BuildStats, SnapshotDirectory
from indexes.vacancy_index import VacancyIndex
from ontology.default import ensure_populated
from ontology.store import Store
from service.catalog import Catalog
from service.extraction import SkillExtractor
from service.matcher import Matcher
from service.settings import Settings
from service.vacancies import VacancyService


def open_embedder(settings: Settings, serving: bool = False) -> Embedder:
    """The configured embedder on the configured runtime: one thread per call in a
    server (``request_threads``), every core (``threads``) in batch jobs."""
    threads = settings.request_threads if serving else settings.threads
    return load_embedder(settings.embedder, settings.models_dir, settings.runtime, threads)


def limit_search_threads(threads: int) -> None:
    """Cap FAISS's OpenMP and numpy's BLAS pools for a server process, where requests
    run in parallel worker threads and a pool per request would oversubscribe the
    cores (measured in docs/performance.md)."""
    from threadpoolctl import threadpool_limits

    from indexes.ann import set_search_threads

    set_search_threads(threads)
    threadpool_limits(threads)  # BLAS pools are process-wide


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


def open_catalog(
    settings: Settings, store: Store, embedder: Embedder | None = None, serving: bool = False
) -> Catalog:
    """Load the active snapshot (building one when there is none) into a Catalog."""
    if settings.load_default:
        ensure_populated(store)
    embedder = embedder or open_embedder(settings, serving)
    directory = SnapshotDirectory(settings.snapshots_dir)
    if directory.active_id() is None:
        build_snapshot(settings, store, embedder)
    snapshot = directory.load(embedder)
    return Catalog(store, embedder, snapshot, settings.lexical_weight)


@dataclass
class Services:
    """Everything requests are answered from, bound to one snapshot."""

    catalog: Catalog
    extractor: SkillExtractor
    matcher: Matcher
    vacancies: VacancyService


def open_services(
    settings: Settings,
    store: Store,
    embedder: Embedder | None = None,
    on_vacancies: Callable[[int], None] | None = None,
    serving: bool = False,
) -> Services:
    """Catalog, extractor (calibrated), vacancy index (loaded from the store, with any
    stored vacancy not yet derived for this embedder derived now) and matcher;
    ``serving`` sizes thread pools for a server."""
    if serving:
        limit_search_threads(settings.request_threads)
    catalog = open_catalog(settings, store, embedder, serving)
    extractor = SkillExtractor(catalog)
    extractor.default_threshold()  # calibrate before the first request
    index = VacancyIndex.load(store, catalog.embedder.name, catalog.embedder.dimension)
    matcher = Matcher(catalog, extractor, vacancies=index)
    vacancies = VacancyService(matcher, index)
    vacancies.catch_up(on_vacancies)
    return Services(catalog, extractor, matcher, vacancies)
