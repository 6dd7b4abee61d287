"""``GET /metrics`` in Prometheus' text format, for the operator.

Request counts and latency histograms per route template and status come from
prometheus-fastapi-instrumentator (the template, never the path, so no id or text a
person typed becomes a label). On top: how long matches and skill extractions take in
the service layer, and, read at scrape time from the live state, the active snapshot
(id as a label, age), the vacancy index (vectors, change-log lag) and re-index jobs by
status. Each app has its own registry, so several apps in one process (tests) do not
collide.
"""

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator

from ontology.vacancy_store import last_change

# Matches take 0.1–2 s on a 2-core machine (docs/performance.md); extractions less.
SECONDS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
JOB_STATES = ("running", "succeeded", "failed")
log = logging.getLogger("overstap.metrics")


@dataclass
class Timings:
    """Service-layer timings the routes record (``with timings.match.time(): …``)."""

    match: Histogram
    extract: Histogram


class LiveState(Collector):
    """Gauges read from the app's state when Prometheus scrapes."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        state = self.app.state
        ready = GaugeMetricFamily("overstap_ready", "1 once the service answers requests.")
        ready.add_metric([], 1.0 if state.ready else 0.0)
        yield ready
        live = state.live
        if live is None:
            return
        services = live.current
        manifest: dict[str, Any] = services.catalog.snapshot.manifest
        snapshot = GaugeMetricFamily(
            "overstap_snapshot_info", "The index snapshot answering requests.", labels=["id"]
        )
        snapshot.add_metric([services.catalog.snapshot.id], 1.0)
        yield snapshot
        built = datetime.fromisoformat(manifest["built_at"])
        age = GaugeMetricFamily("overstap_snapshot_age_seconds", "Age of the active snapshot.")
        age.add_metric([], (datetime.now(UTC) - built).total_seconds())
        yield age
        index = services.vacancies.index
        size = GaugeMetricFamily("overstap_vacancy_index_vectors", "Vacancies in the index.")
        size.add_metric([], float(len(index)))
        yield size
        try:  # a database that does not answer must not cost the scrape its other series
            newest = last_change(state.store)
        except Exception:
            log.warning("metrics: the store's change log could not be read", exc_info=True)
        else:
            lag = GaugeMetricFamily(
                "overstap_vacancy_sync_lag_changes",
                "Vacancy changes in the store this process has not applied yet.",
            )
            lag.add_metric([], float(max(newest - index.applied, 0)))
            yield lag
        jobs = GaugeMetricFamily(
            "overstap_reindex_jobs", "Re-index jobs kept, by status.", labels=["status"]
        )
        kept = [job.status for job in state.reindexer.jobs()] if state.reindexer else []
        for status in JOB_STATES:
            jobs.add_metric([status], float(kept.count(status)))
        yield jobs


def install(app: FastAPI) -> None:
    """Instrument ``app`` and serve ``/metrics`` (outside the OpenAPI document: it is
    for the operator's scraper, not for integrators)."""
    registry = CollectorRegistry()
    Instrumentator(
        should_group_status_codes=False,
        excluded_handlers=["/metrics"],
        registry=registry,
    ).instrument(app).expose(app, include_in_schema=False)
    registry.register(LiveState(app))
    app.state.timings = Timings(
        match=Histogram(
            "overstap_match_seconds", "Time of one match.", buckets=SECONDS, registry=registry
        ),
        extract=Histogram(
            "overstap_extract_seconds",
            "Time of one skill extraction (/v1/skills/extract).",
            buckets=SECONDS,
            registry=registry,
        ),
    )
