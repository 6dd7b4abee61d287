"""Housekeeping on a real store (SQLite and PostgreSQL) with real FAISS indexes:
expired vacancies go everywhere, old change-log rows go but the newest stays, a dry run
changes nothing, a running index follows a purge, and an index paused for longer than
the log is kept reloads instead of missing a removal."""

import dataclasses
import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Connection, select, update

from indexes.vacancy_index import VacancyFilter, VacancyIndex
from models.tables import Vacancy, VacancyChange
from ontology import housekeeping, vacancy_store
from ontology.housekeeping import PurgePolicy, purge
from ontology.store import Store
from ontology.vacancy_store import (
    delete_vacancy,
    last_change,
    lock_writes,
    stored_vacancy,
    write_vacancies,
)
from ontology.writer import table_of
from tests.indexes.test_vacancy_index import DIM, EMBEDDER, derived, unit
from tests.support.store import store_contents

TODAY = date(2026, 12, 5)
NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


def _age_log(store: Store, days: int) -> None:
    """Make every change-log row ``days`` old (the rows were written just now)."""
    change = table_of(VacancyChange)
    with store.transaction() as conn:
        conn.execute(update(change).values(at=NOW - timedelta(days=days)))


def _log(store: Store) -> list[tuple[int, int, bool]]:
    change = table_of(VacancyChange)
    with store.reading() as conn:
        rows = conn.execute(select(change.c.seq, change.c.number, change.c.removed)).all()
    return [(int(s), int(n), bool(r)) for s, n, r in rows]


def _ids(index: VacancyIndex) -> set[str]:
    hits = index.search(unit(1, 1, 1), 50, VacancyFilter())
    return {meta.id for number, _ in hits if (meta := index.meta(number)) is not None}


def test_expired_vacancies_and_old_changes_go_the_newest_change_stays(store: Store) -> None:
    write_vacancies(
        store,
        [
            derived("long-gone", unit(1, 0), expires=TODAY - timedelta(days=40)),
            derived("just-expired", unit(0, 1), expires=TODAY - timedelta(days=3)),
            derived("open", unit(1, 1), expires=TODAY + timedelta(days=20)),
            derived("no-expiry", unit(1, 0, 1)),
        ],
    )
    _age_log(store, days=10)
    before = store_contents(store)
    policy = PurgePolicy(expired_days=30, change_days=7, today=TODAY, now=NOW)

    dry = purge(store, policy, dry_run=True)
    assert (dry.expired_vacancies, dry.change_rows, dry.dry_run) == (1, 4, True)
    assert store_contents(store) == before  # a dry run changes nothing

    report = purge(store, policy)
    assert dataclasses.replace(dry, dry_run=False) == report  # the count was exact
    assert report.expired_vacancies == 1
    assert report.expired_before == TODAY - timedelta(days=30)
    assert stored_vacancy(store, "long-gone") is None
    assert stored_vacancy(store, "just-expired") is not None  # within the 30 days kept
    # The four ten-day-old upserts went; the removal of "long-gone" was logged just now
    # (running indexes must still see it) and is the newest row.
    log = _log(store)
    assert report.change_rows == 4 and report.change_rows_kept == len(log) == 1
    assert log[0][2] is True and report.purged_through == 4 < log[0][0]

    # Everything old: all rows but the newest go, and the next write is numbered after
    # it (SQLite would reuse numbers if the newest went).
    _age_log(store, days=10)
    again = purge(store, policy)
    assert again.change_rows == 0 and _log(store) == log  # the newest is never deleted
    newest = log[0][0]
    write_vacancies(store, [derived("new", unit(0, 0, 1))])
    assert _log(store)[-1][0] > newest and len(_log(store)) == 2


def test_a_running_index_drops_purged_vacancies_and_a_paused_one_reloads(store: Store) -> None:
    write_vacancies(
        store,
        [
            derived("expired", unit(1, 0), expires=TODAY - timedelta(days=60)),
            derived("kept", unit(0, 1)),
            derived("deleted-later", unit(1, 1)),
        ],
    )
    running = VacancyIndex.load(store, EMBEDDER, DIM)
    paused = VacancyIndex.load(store, EMBEDDER, DIM)
    assert _ids(running) == _ids(paused) == {"expired", "kept", "deleted-later"}

    purge(store, PurgePolicy(today=TODAY, now=NOW))
    running.sync(store)
    assert _ids(running) == {"kept", "deleted-later"}

    # A removal, then a purge of every row old enough, while ``paused`` never synced:
    # the removal's row is gone from the log, so following the log would keep the
    # vacancy; the purge mark makes the index reload instead.
    assert delete_vacancy(store, "deleted-later")
    write_vacancies(store, [derived("added", unit(1, 0, 0, 1))])
    _age_log(store, days=30)
    report = purge(store, PurgePolicy(change_days=7, today=TODAY, now=NOW))
    assert report.purged_through > paused.applied
    assert paused.sync(store) > 0
    assert _ids(paused) == {"kept", "added"}
    assert paused.dead_slots == 0  # rebuilt beside the old one and swapped in whole
    assert paused.applied == last_change(store)
    running.sync(store)
    assert _ids(running) == _ids(paused)
    fresh = VacancyIndex.load(store, EMBEDDER, DIM)
    assert _ids(fresh) == _ids(paused)


def _expired_left(store: Store) -> list[str]:
    vacancy = table_of(Vacancy)
    with store.reading() as conn:
        return list(conn.execute(select(vacancy.c.id).where(vacancy.c.id.like("old-%"))).scalars())


def test_a_large_purge_goes_in_chunks_each_whole(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each chunk deletes its vacancies, their entries and logs their removal in one
    transaction, committed before the next begins; every chunk's removals reach a
    running index."""
    monkeypatch.setattr(housekeeping, "CHUNK", 2)
    gone = TODAY - timedelta(days=60)
    write_vacancies(
        store,
        [derived(f"old-{n}", unit(1, n, 0), expires=gone) for n in range(5)]
        + [derived("kept", unit(0, 1))],
    )
    running = VacancyIndex.load(store, EMBEDDER, DIM)
    chunks: list[int] = []
    forget = vacancy_store.forget_derived

    def counting(conn: Connection, ids: Sequence[str]) -> None:
        # Seen from another connection, the chunks before this one are gone already.
        assert len(_expired_left(store)) == 5 - sum(chunks)
        chunks.append(len(ids))
        forget(conn, ids)

    monkeypatch.setattr(housekeeping, "forget_derived", counting)
    policy = PurgePolicy(today=TODAY, now=datetime.now(UTC))  # the log was written now
    dry = purge(store, policy, dry_run=True)
    report = purge(store, policy)
    assert chunks == [2, 2, 1] and _expired_left(store) == []
    assert report.expired_vacancies == dry.expired_vacancies == 5
    assert dataclasses.replace(dry, dry_run=False) == report
    removed = [number for _, number, removed in _log(store) if removed]
    assert len(removed) == 5
    running.sync(store)
    assert _ids(running) == {"kept"}


def test_a_dry_run_counts_beside_a_writer_holding_the_lock(store: Store) -> None:
    """A dry run only reads: an import holding the vacancy writer lock does not hold it
    up (it used to wait for the lock, and on SQLite fail after the busy timeout)."""
    write_vacancies(store, [derived("old", unit(1, 0), expires=TODAY - timedelta(days=60))])
    reports: list[housekeeping.PurgeReport] = []
    with store.transaction() as writer:
        lock_writes(writer)
        counting = threading.Thread(
            target=lambda: reports.append(purge(store, PurgePolicy(today=TODAY), dry_run=True)),
            daemon=True,
        )
        counting.start()
        counting.join(timeout=30)
        assert not counting.is_alive(), "the dry run waited for the writer"
    assert [report.expired_vacancies for report in reports] == [1]
