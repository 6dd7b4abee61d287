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
Everything happens in one transaction under the vacancy writer lock.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select, update

from models.tables import Vacancy, VacancyChange, VacancyChangePurge
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


def _purge_expired(conn: Connection, before: date) -> int:
    vacancy = table_of(Vacancy)
    ids = list(conn.execute(select(vacancy.c.id).where(vacancy.c.expires < before)).scalars())
    forget_derived(conn, ids)  # their entries go and running indexes are told
    for start in range(0, len(ids), 500):
        conn.execute(delete(vacancy).where(vacancy.c.id.in_(ids[start : start + 500])))
    return len(ids)


def _purge_changes(conn: Connection, before: datetime) -> tuple[int, int]:
    """Delete old rows but the newest; returns (deleted, new mark)."""
    change = table_of(VacancyChange)
    newest = conn.execute(select(func.max(change.c.seq))).scalar()
    if newest is None:
        return 0, purged_through(conn)
    through = conn.execute(
        select(func.max(change.c.seq)).where(change.c.at < before, change.c.seq < newest)
    ).scalar()
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


def purge(store: Store, policy: PurgePolicy, dry_run: bool = False) -> PurgeReport:
    """Delete vacancies expired before the policy's day and change-log rows older than
    its retention, in one transaction; ``dry_run`` counts and rolls back."""
    expired_before, changes_before = policy.expired_before(), policy.changes_before()
    change = table_of(VacancyChange)
    with store.engine.connect() as conn:
        transaction = conn.begin()
        try:
            lock_writes(conn)
            expired = _purge_expired(conn, expired_before)
            deleted, mark = _purge_changes(conn, changes_before)
            kept = int(conn.execute(select(func.count()).select_from(change)).scalar_one())
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    return PurgeReport(
        expired_vacancies=expired,
        change_rows=deleted,
        change_rows_kept=kept,
        purged_through=mark,
        expired_before=expired_before,
        changes_before=changes_before,
        dry_run=dry_run,
    )
