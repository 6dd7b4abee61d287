"""Housekeeping of the vacancy tables: expired vacancies and old change-log rows.

Why: both only grow. A feed sends thousands of vacancies a day that expire within
weeks, and every write adds a row to ``vacancy_change``; nothing else ever deletes
either. What must be kept:

- the newest change-log row always (SQLite hands out the next sequence number as the
  largest plus one: deleting the newest would reuse numbers followers have seen);
- every change a running index has not applied yet. Indexes poll every few seconds, so
  rows older than the retention (days) are long applied; an index that did fall behind
  (a replica paused for longer than the retention) finds ``purged_through`` beyond the
  last change it applied and reloads every vacancy instead of following the log
  (``indexes.vacancy_index``), so a purge can never make it miss a removal.

Expired vacancies are deleted the way ``DELETE /v1/vacancies/{id}`` deletes one: the
row, its derived entry, and a removal in the change log, so running indexes drop them.
They go in chunks of ``CHUNK``, each its own transaction under the vacancy writer lock,
so a purge of a year's feed never holds the lock for long (imports and API writes go on
between chunks) and a purge that stops half-way leaves every chunk whole. The change
log is cut in one more transaction at the end. A dry run only counts, without the lock.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select, update

from models.tables import Vacancy, VacancyChange, VacancyChangePurge, VacancyEntry
from ontology.store import Store
from ontology.vacancy_store import MARK_ID, forget_derived, lock_writes, purged_through
from ontology.writer import table_of


@dataclass(frozen=True)
class PurgePolicy:
    """How long to keep things; ``today``/``now`` are given in tests, else the clock."""

    expired_days: int = 30  # keep a vacancy this many days after it expired
    change_days: int = 7  # keep change-log rows this many days
    today: date | None = None
    now: datetime | None = None

    def expired_before(self) -> date:
        """Vacancies that expired before this day go."""
        return (self.today or datetime.now(UTC).date()) - timedelta(days=self.expired_days)

    def changes_before(self) -> datetime:
        """Change-log rows written before this moment go (all but the newest)."""
        return (self.now or datetime.now(UTC)) - timedelta(days=self.change_days)


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed (or would remove, on a dry run) and what it kept."""

    expired_vacancies: int
    change_rows: int
    change_rows_kept: int
    purged_through: int  # the log's purge mark afterwards (0: never purged)
    expired_before: date
    changes_before: datetime
    dry_run: bool


CHUNK = 500  # expired vacancies deleted per transaction (and bound parameters per IN)


def _purge_expired(store: Store, before: date) -> int:
    vacancy = table_of(Vacancy)
    expired = select(vacancy.c.id).where(vacancy.c.expires < before)
    deleted = 0
    while True:
        with store.transaction() as conn:
            lock_writes(conn)
            ids = list(conn.execute(expired.order_by(vacancy.c.id).limit(CHUNK)).scalars())
            if not ids:
                return deleted
            forget_derived(conn, ids)  # their entries go and running indexes are told
            conn.execute(delete(vacancy).where(vacancy.c.id.in_(ids)))
        deleted += len(ids)


def _cut(conn: Connection, before: datetime, newer_coming: bool = False) -> int | None:
    """The last change-log row a purge deletes: the newest written before ``before``,
    never the newest row of all (unless ``newer_coming``: a purge's own removals will
    be newer); None when nothing goes."""
    change = table_of(VacancyChange)
    old = change.c.at < before
    if not newer_coming:
        newest = conn.execute(select(func.max(change.c.seq))).scalar()
        if newest is None:
            return None
        old = old & (change.c.seq < newest)
    through = conn.execute(select(func.max(change.c.seq)).where(old)).scalar()
    return None if through is None else int(through)


def _purge_changes(conn: Connection, before: datetime) -> tuple[int, int]:
    """Delete old rows but the newest; returns (deleted, new mark)."""
    change = table_of(VacancyChange)
    through = _cut(conn, before)
    if through is None:
        return 0, purged_through(conn)
    deleted = conn.execute(delete(change).where(change.c.seq <= through)).rowcount
    mark = table_of(VacancyChangePurge)
    now = datetime.now(UTC)
    moved = conn.execute(
        update(mark).where(mark.c.id == MARK_ID).values(purged_through=through, at=now)
    ).rowcount
    if not moved:
        conn.execute(insert(mark).values(id=MARK_ID, purged_through=through, at=now))
    return int(deleted), int(through)


def _count(conn: Connection, expired_before: date, changes_before: datetime) -> PurgeReport:
    """What ``purge`` would do, by counting (a dry run; ``conn`` reads one snapshot).

    It assumes the removals a purge logs are not older than ``changes_before`` (they
    are stamped with the clock when written), so they are kept."""
    vacancy, entry, change = table_of(Vacancy), table_of(VacancyEntry), table_of(VacancyChange)
    expired = vacancy.c.expires < expired_before
    count = func.count()
    vacancies = int(conn.execute(select(count).where(expired)).scalar_one())
    # Each expired vacancy with a derived entry adds a removal to the log; when any
    # does, the newest row is one of those, and every row there is now may go.
    removals = int(
        conn.execute(select(count).select_from(entry.join(vacancy)).where(expired)).scalar_one()
    )
    through = _cut(conn, changes_before, newer_coming=removals > 0)
    going = 0
    if through is not None:  # the purge deletes every row up to the mark
        going = int(conn.execute(select(count).where(change.c.seq <= through)).scalar_one())
    total = int(conn.execute(select(count).select_from(change)).scalar_one())
    return PurgeReport(
        expired_vacancies=vacancies,
        change_rows=going,
        change_rows_kept=total - going + removals,
        purged_through=through if through is not None else purged_through(conn),
        expired_before=expired_before,
        changes_before=changes_before,
        dry_run=True,
    )


def purge(store: Store, policy: PurgePolicy, dry_run: bool = False) -> PurgeReport:
    """Delete vacancies expired before the policy's day (in chunks) and change-log rows
    older than its retention; ``dry_run`` counts what would go and changes nothing."""
    expired_before, changes_before = policy.expired_before(), policy.changes_before()
    if dry_run:
        with store.engine.connect() as conn:
            if conn.dialect.name == "postgresql":  # every count from one snapshot
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                if conn.dialect.name == "sqlite":  # a read transaction: no write lock
                    conn.exec_driver_sql("BEGIN")
                return _count(conn, expired_before, changes_before)
    expired = _purge_expired(store, expired_before)
    with store.transaction() as conn:
        lock_writes(conn)
        deleted, mark = _purge_changes(conn, changes_before)
        change = table_of(VacancyChange)
        kept = int(conn.execute(select(func.count()).select_from(change)).scalar_one())
    return PurgeReport(
        expired_vacancies=expired,
        change_rows=deleted,
        change_rows_kept=kept,
        purged_through=mark,
        expired_before=expired_before,
        changes_before=changes_before,
        dry_run=False,
    )
