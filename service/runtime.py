"""Opening everything the service answers from: store, embedder, active snapshot,
vacancy index and the services over them.

``serve`` and the tests call ``open_catalog``; the CLI's ``reindex`` uses the same
pieces. When no snapshot exists yet one is built first, so a fresh ``overstap serve``
is useful without a separate step.
"""

from collections.abc import Callable
from dataclasses import dataclass

from indexes.cache import EmbeddingCache
from indexes.embedder import Embedder, configure_threads, load_embedder
from indexes.snapshot import BuildStats, SnapshotDirectory
from indexes.vacancy_index import VacancyIndex
from ontology.default import ensure_populated
from ontology.store import Store
from service.catalog import Catalog
from service.extraction import SkillExtractor
from service.matcher import Matcher
from service.settings import Settings
from service.vacancies import VacancyService


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
) -> Services:
    """Catalog, extractor (calibrated), vacancy index (loaded from the store, with any
    stored vacancy not yet derived for this embedder derived now) and matcher."""
    catalog = open_catalog(settings, store, embedder)
    extractor = SkillExtractor(catalog)
    extractor.default_threshold()  # calibrate before the first request
    index = VacancyIndex.load(store, catalog.embedder.name, catalog.embedder.dimension)
    matcher = Matcher(catalog, extractor, vacancies=index)
    vacancies = VacancyService(matcher, index)
    vacancies.catch_up(on_vacancies)
    return Services(catalog, extractor, matcher, vacancies)
