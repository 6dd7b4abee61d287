"""Opening everything the service answers from: store, embedder, active snapshot,
vacancy index and the services over them.

``serve`` and the tests call ``open_catalog``; the CLI's ``reindex`` uses the same
pieces. When no snapshot exists yet one is built first, so a fresh ``overstap serve``
is useful without a separate step.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from indexes.embedding.base import Embedder
from indexes.embedding.cache import Batches, EmbeddingCache, encode_cached
from indexes.embedding.load import load_embedder
from indexes.leases import BuildLock
from indexes.snapshot import BuildStats, SnapshotDirectory, texts_to_embed
from indexes.spare_cores import usable_cores, use_spare_cores
from indexes.vacancy_index import OCCUPATION_MARGIN, VacancyIndex
from ontology.default import ensure_populated
from ontology.progress import NO_PROGRESS, ProgressLines
from ontology.store import Store
from service.catalog import SUGGEST_LEXICAL_WEIGHT, Catalog
from service.extraction.extractor import SkillExtractor
from service.match.matcher import Matcher
from service.match.scoring import MatchSettings
from service.runtime.memory import collection_paused, release_freed_memory, thaw_start_up
from service.settings import Settings
from service.vacancies.derive import VacancyDeriver, derivation_key
from service.vacancies.service import VacancyService

start_log = logging.getLogger("overstap.start")


def open_embedder(settings: Settings, serving: bool = False) -> Embedder:
    """The configured embedder on the configured runtime: one thread per call in a
    server (``request_threads``), every core (``threads``) in batch jobs."""
    threads = settings.request_threads if serving else settings.threads
    return load_embedder(settings.embedder, settings.models_dir, settings.runtime, threads)


def limit_search_threads(threads: int, spare_cores: int | None = None) -> None:
    """Cap FAISS's OpenMP and numpy's BLAS pools for a server process, where requests
    run in parallel worker threads and a pool per request would oversubscribe the
    cores (measured in docs/performance.md); with one thread a request, let a lone
    request spread over ``spare_cores`` (default: the cores this process may run on;
    ``indexes.spare_cores``)."""
    from threadpoolctl import threadpool_limits

    from indexes.ann import set_search_threads

    set_search_threads(threads)
    threadpool_limits(threads)  # BLAS pools are process-wide
    # Spreading is for one-thread calls; wider ones would oversubscribe the cores.
    use_spare_cores((spare_cores or usable_cores()) if threads == 1 else 1)


def build_snapshot(
    settings: Settings,
    store: Store,
    embedder: Embedder,
    on_stage: Callable[[str, int], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    lock: BuildLock | None = None,
    batches: Batches | None = None,
) -> BuildStats:
    """Build and activate a new snapshot of ``store`` through the embedding cache, under
    the build lock: ``lock`` when the caller took it already (an admin job takes it when
    it is accepted), else taken here; a build in progress elsewhere raises
    ``SnapshotBusyError``. With ``batches`` (a cluster) every text the build needs and
    the cache lacks is embedded there first, in one pass; the build itself is then the
    local one reading the cache, so the snapshot is built and switched the same way."""
    directory = SnapshotDirectory(settings.snapshots_dir)
    held = lock or directory.lock(blocking=False)
    cache = EmbeddingCache(settings.cache_path)
    try:
        started = time.perf_counter()
        embedded = 0
        if batches is not None:
            for kind, texts in texts_to_embed(store).items():
                if on_stage:
                    on_stage(f"{kind} texts: embedding on the cluster", len(texts))
                embedded += encode_cached(embedder, texts, kind, cache, on_progress, batches)[1]
        stats = directory.build(
            store,
            embedder,
            cache,
            on_stage=on_stage,
            on_progress=on_progress,
            lexical_weights=(settings.lexical_weight, SUGGEST_LEXICAL_WEIGHT),
            label_index=settings.label_index,
        )
        if batches is not None and stats.embedded:
            start_log.warning(
                "%d texts were embedded here after the cluster pass: texts_to_embed misses "
                "what the build embeds",
                stats.embedded,
            )
        stats.embedded += embedded
        stats.seconds = time.perf_counter() - started
        return stats
    finally:
        cache.close()
        if lock is None:
            held.release()


def open_catalog(
    settings: Settings, store: Store, embedder: Embedder | None = None, serving: bool = False
) -> Catalog:
    """Load the active snapshot under a lease (building one when there is none, once
    even when several replicas start together) into a Catalog; temporaries a crash left
    behind are removed first."""
    # A server's first start can take minutes: its log says what it is doing.
    progress = ProgressLines(start_log.info) if serving else None
    if settings.load_default:
        ensure_populated(store, progress or NO_PROGRESS)
        if progress:
            progress.finish()
    embedder = embedder or open_embedder(settings, serving)
    directory = SnapshotDirectory(settings.snapshots_dir)
    directory.recover()
    if directory.active_id() is None:
        with directory.lock(blocking=True) as lock:
            if directory.active_id() is None:
                start_log.info("no index snapshot yet: building the first one")
                build_snapshot(
                    settings,
                    store,
                    embedder,
                    progress.stage if progress else None,
                    progress.advance if progress else None,
                    lock=lock,
                )
                if progress:
                    progress.finish()
    with collection_paused(freeze=serving):  # its rows stay (service.runtime.memory)
        snapshot = directory.open_active(embedder)
    return Catalog(store, embedder, snapshot, settings.lexical_weight)


def open_deriver(
    settings: Settings, snapshot_id: str, threads: int, threshold: float
) -> tuple[Store, VacancyDeriver]:
    """A vacancy deriver on snapshot ``snapshot_id`` with its own store connection (never
    upgrading it), embedder and the given extraction threshold: what a cluster's actor
    derives with. The store is closed again if anything after opening it fails."""
    store = Store(settings.resolved_database_url, upgrade=False)
    try:
        embedder = open_embedder(settings.model_copy(update={"threads": threads}))
        snapshot = SnapshotDirectory(settings.snapshots_dir).load(embedder, snapshot_id)
        catalog = Catalog(store, embedder, snapshot, settings.lexical_weight)
        return store, VacancyDeriver(catalog, SkillExtractor(catalog, threshold))
    except BaseException:
        store.close()
        raise


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
    catch_up: bool = True,
) -> Services:
    """Catalog, extractor (calibrated), vacancy index (loaded from the store, with any
    stored vacancy not yet derived for this embedder derived now, unless ``catch_up``
    is off: the caller derives them its own way) and matcher; ``serving`` sizes thread
    pools for a server."""
    if serving:
        limit_search_threads(settings.request_threads, settings.request_cores)
    catalog = open_catalog(settings, store, embedder, serving)
    key = derivation_key(catalog.embedder)
    margin = catalog.embedder.calibration.margin(OCCUPATION_MARGIN)
    with collection_paused(freeze=serving):  # what is built here stays
        index = VacancyIndex.load(store, key, catalog.embedder.dimension, margin)
        services = _assemble(catalog, index, settings)
    if catch_up:
        services.vacancies.catch_up(on_vacancies)
    release_freed_memory()  # what parsing the snapshot and the vacancies left behind
    return services


def reopen_services(settings: Settings, current: Services) -> Services:
    """Services over the snapshot that is active now, sharing the current embedder,
    store and vacancy index: what a re-index switches to."""
    catalog = current.catalog
    # The old snapshot must be collectable once switched away from: thawed, and the new
    # one not frozen (a freeze now would take the old one in again).
    thaw_start_up()
    with collection_paused():
        snapshot = SnapshotDirectory(settings.snapshots_dir).open_active(catalog.embedder)
        try:
            fresh = Catalog(catalog.store, catalog.embedder, snapshot, settings.lexical_weight)
            return _assemble(fresh, current.vacancies.index, settings)
        except BaseException:
            if snapshot.lease is not None:  # not switched to: do not keep it alive
                snapshot.lease.unlink(missing_ok=True)
            raise


def match_settings(settings: Settings) -> MatchSettings:
    """The match's settings that the service's configuration sets."""
    return MatchSettings(story_fit_weight=settings.story_fit_weight)


def _assemble(catalog: Catalog, index: VacancyIndex, settings: Settings) -> Services:
    extractor = SkillExtractor(catalog)
    extractor.default_threshold()  # calibrate before the first request
    catalog.warm()
    matcher = Matcher(catalog, extractor, match_settings(settings), vacancies=index)
    return Services(catalog, extractor, matcher, VacancyService(matcher, index))
