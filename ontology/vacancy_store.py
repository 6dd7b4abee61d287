"""Vacancies in the store: the publisher's row, what ingest derived, and the change log.

Why a log: the vacancy index lives in each server's memory, but writes come from the
API of any server and from the CLI. Every write appends to ``vacancy_change`` inside the
same transaction as the rows it describes, and an index follows the log from the last
sequence number it applied. Sequence numbers must be handed out in commit order for
that to be safe: SQLite has a single writer; on PostgreSQL writers take a table lock.
"""

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, text, update

from models.domain import DerivedVacancy, IndexedSkill, StoredVacancy, VacancyRecord, VacancySkill
from models.tables import Vacancy, VacancyChange, VacancyChangePurge, VacancyEntry
from ontology.faults import crash_point
from ontology.store import Store
from ontology.writer import table_of

RECORD_FIELDS = tuple(VacancyRecord.model_fields)
MARK_ID = 1  # the one row of ``vacancy_change_purge``


@dataclass(frozen=True)
class IndexedVacancy:
    """What the vacancy index keeps per vector: filters and ranking inputs."""

    number: int
    id: str
    region: str | None
    postcode: str | None
    posted: date | None
    expires: date | None
    vector: bytes
    occupations: list[tuple[str, float]]
    skills: list[IndexedSkill] | None


def lock_writes(conn: Connection, begin: bool = True) -> None:
    """Take the writer lock before the first read of a vacancy write, so the reads that
    decide what to write (does this id exist? which number?) cannot go stale. SQLite's
    driver would only begin at the first INSERT; PostgreSQL needs the table lock for
    sequence numbers to follow commit order."""
    if conn.dialect.name == "sqlite":
        if begin:  # (inside a transaction that already wrote, SQLite holds the lock)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE vacancy_change IN EXCLUSIVE MODE"))


def log_changes(conn: Connection, numbers: Sequence[int], removed: bool) -> None:
    if numbers:
        now = datetime.now(UTC)
        conn.execute(
            insert(table_of(VacancyChange)),
            [{"number": n, "removed": removed, "at": now} for n in numbers],
        )


def _skills_json(skills: list[VacancySkill] | None) -> str | None:
    return None if skills is None else json.dumps([s.model_dump() for s in skills])


def _insert_entry(conn: Connection, row: dict[str, Any]) -> int:
    entry = table_of(VacancyEntry)
    return int(conn.execute(insert(entry).values(**row).returning(entry.c.number)).scalar_one())


def _existing(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Stored rows of ``ids`` with their entry's number, embedder and whether it has
    skills."""
    vacancy, entry = table_of(Vacancy), table_of(VacancyEntry)
    existing: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            select(
                vacancy,
                entry.c.number,
                entry.c.embedder,
                entry.c.skills.is_(None).label("without_skills"),
            )
            .outerjoin(entry, entry.c.vacancy_id == vacancy.c.id)
            .where(vacancy.c.id.in_(ids[start : start + 500]))
        ).mappings()
        existing.update({row["id"]: dict(row) for row in rows})
    return existing


def _same(old: dict[str, Any], record: VacancyRecord) -> bool:
    fields = record.model_dump()
    return all(old[name] == fields[name] for name in RECORD_FIELDS)


def _current(
    old: dict[str, Any] | None, record: VacancyRecord, embedder: str, skills: bool
) -> bool:
    """The stored entry already answers for this content, embedder and skill choice."""
    return (
        old is not None
        and old["number"] is not None
        and _same(old, record)
        and old["embedder"] == embedder
        and not (skills and old["without_skills"])
    )


def unchanged_ids(
    store: Store, records: Sequence[VacancyRecord], embedder: str, skills: bool
) -> set[str]:
    """Ids whose stored content and derived data already match: a daily full-feed
    resend need not be embedded again."""
    with store.reading() as conn:
        existing = _existing(conn, [r.id for r in records])
    return {r.id for r in records if _current(existing.get(r.id), r, embedder, skills)}


def write_vacancies(
    store: Store, items: Sequence[DerivedVacancy], entries_only: bool = False
) -> dict[str, str]:
    """Store vacancies with their derived data in one transaction; per id ``created``,
    ``updated`` or ``unchanged`` (same content, same embedder: nothing is logged).

    ``entries_only`` (deriving rows that are already stored): only derived data is
    written, and only where the row still holds the content it was derived from; a row
    deleted or changed meanwhile is left alone (``skipped``), so slow derivation never
    brings back a removed vacancy or overwrites a newer one."""
    vacancy, entry = table_of(Vacancy), table_of(VacancyEntry)
    statuses: dict[str, str] = {}
    now = datetime.now(UTC)
    with store.transaction() as conn:
        lock_writes(conn)
        existing = _existing(conn, [item.record.id for item in items])
        changed: list[int] = []
        for item in items:
            fields = item.record.model_dump()
            old = existing.get(item.record.id)
            if entries_only and (old is None or not _same(old, item.record)):
                statuses[item.record.id] = "skipped"
                continue
            if _current(old, item.record, item.embedder, item.skills is not None):
                statuses[item.record.id] = "unchanged"
                continue
            entry_row = {
                "vacancy_id": item.record.id,
                "embedder": item.embedder,
                "snapshot": item.snapshot,
                "vector": item.vector,
                "occupations": json.dumps(item.occupations),
                "skills": _skills_json(item.skills),
            }
            if old is None:
                conn.execute(insert(vacancy).values(**fields, updated_at=now))
                statuses[item.record.id] = "created"
            else:
                if not entries_only:
                    conn.execute(
                        update(vacancy)
                        .where(vacancy.c.id == item.record.id)
                        .values(**fields, updated_at=now)
                    )
                statuses[item.record.id] = "updated"
            if old is None or old["number"] is None:
                number = _insert_entry(conn, entry_row)
            else:
                number = old["number"]
                conn.execute(update(entry).where(entry.c.number == number).values(**entry_row))
            changed.append(int(number))
        log_changes(conn, changed, removed=False)
        crash_point("vacancies-before-commit")
    return statuses


def forget_derived(conn: Connection, ids: Sequence[str]) -> None:
    """Drop the derived data of vacancies whose rows a bulk import is about to change
    (in its transaction), logging their removal from the index; the service derives
    them again (``VacancyService.catch_up``)."""
    entry = table_of(VacancyEntry)
    lock_writes(conn, begin=False)
    numbers: list[int] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        numbers += [
            int(n)
            for n in conn.execute(
                select(entry.c.number).where(entry.c.vacancy_id.in_(chunk))
            ).scalars()
        ]
        conn.execute(delete(entry).where(entry.c.vacancy_id.in_(chunk)))
    log_changes(conn, numbers, removed=True)


def changed_ids(conn: Connection, records: Sequence[VacancyRecord]) -> list[str]:
    """Ids of ``records`` that are stored with other content."""
    existing = _existing(conn, [r.id for r in records])
    return [r.id for r in records if r.id in existing and not _same(existing[r.id], r)]


def delete_vacancy(store: Store, vacancy_id: str) -> bool:
    """Remove a vacancy and its derived data; False when there was none."""
    vacancy, entry = table_of(Vacancy), table_of(VacancyEntry)
    with store.transaction() as conn:
        lock_writes(conn)
        number = conn.execute(
            select(entry.c.number).where(entry.c.vacancy_id == vacancy_id)
        ).scalar()
        conn.execute(delete(entry).where(entry.c.vacancy_id == vacancy_id))
        gone = conn.execute(delete(vacancy).where(vacancy.c.id == vacancy_id)).rowcount
        if number is not None:
            log_changes(conn, [int(number)], removed=True)
    return bool(gone)


def stored_vacancy(store: Store, vacancy_id: str) -> StoredVacancy | None:
    """One vacancy with what was derived from it."""
    vacancy, entry = table_of(Vacancy), table_of(VacancyEntry)
    with store.reading() as conn:
        row = (
            conn.execute(
                select(vacancy, entry.c.number, entry.c.occupations, entry.c.skills)
                .outerjoin(entry, entry.c.vacancy_id == vacancy.c.id)
                .where(vacancy.c.id == vacancy_id)
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    return StoredVacancy(
        record=VacancyRecord.model_validate({name: row[name] for name in RECORD_FIELDS}),
        updated_at=row["updated_at"],
        number=row["number"],
        occupations=[tuple(o) for o in json.loads(row["occupations"] or "[]")],
        skills=_skills(row["skills"]),
    )


def vacancy_records(store: Store, ids: Sequence[str]) -> dict[str, VacancyRecord]:
    """The publisher's fields of many vacancies, by id (one query per 500)."""
    vacancy = table_of(Vacancy)
    found: dict[str, VacancyRecord] = {}
    with store.reading() as conn:
        for start in range(0, len(ids), 500):
            rows = conn.execute(
                select(vacancy).where(vacancy.c.id.in_(ids[start : start + 500]))
            ).mappings()
            for row in rows:
                found[row["id"]] = VacancyRecord.model_validate(
                    {name: row[name] for name in RECORD_FIELDS}
                )
    return found


def _skills(raw: str | None) -> list[VacancySkill] | None:
    return None if raw is None else [VacancySkill.model_validate(s) for s in json.loads(raw)]


class _Shared:
    """One object per distinct value while a batch of vacancies is read. Confidences
    are stored rounded to four decimals and spans lie within a vacancy's text, so
    100,000 vacancies' 1.4 million skills hold a few thousand distinct numbers: shared,
    they cost a pointer each instead of a float (24 bytes) and two ints (28 each); 103
    MiB less for the bench's 100,000 ESCO vacancies (issue 23). Floats and ints have a
    table each: 1 == 1.0 must not hand a float back for an int."""

    def __init__(self) -> None:
        self._floats: dict[float, float] = {}
        self._ints: dict[int, int] = {}

    def real(self, value: float) -> float:
        number = float(value)
        return self._floats.setdefault(number, number)

    def whole(self, value: int) -> int:
        number = int(value)
        return self._ints.setdefault(number, number)


def _indexed_skills(raw: str | None, shared: _Shared) -> list[IndexedSkill] | None:
    """A stored skill list as the index keeps it (plain tuples, URIs interned: a server
    holds one copy of each URI however many vacancies ask for it; numbers shared)."""
    if raw is None:
        return None
    return [
        IndexedSkill(
            sys.intern(s["uri"]),
            shared.real(s["confidence"]),
            shared.whole(s["start"]),
            shared.whole(s["end"]),
        )
        for s in json.loads(raw)
    ]


def last_change(store: Store) -> int:
    """The newest sequence number in the log (0 when empty)."""
    with store.reading() as conn:
        return int(conn.execute(select(func.max(table_of(VacancyChange).c.seq))).scalar() or 0)


def purged_through(conn: Connection) -> int:
    """The last sequence number housekeeping deleted from the log (0: none)."""
    mark = table_of(VacancyChangePurge)
    found = conn.execute(select(mark.c.purged_through).where(mark.c.id == MARK_ID)).scalar()
    return int(found or 0)


@dataclass(frozen=True)
class Changes:
    """The log after a sequence number."""

    newest: int  # the newest sequence number read (the one asked for when none)
    latest: dict[int, bool]  # per vector number changed: whether its last change removed it
    missed: bool  # housekeeping deleted changes after the one asked for: reload all


def changes_since(store: Store, seq: int) -> Changes:
    """The changes after ``seq``. The purge mark is read after the rows: a purge that
    lands between the two reads makes ``missed`` true (a needless reload), never hides
    a change."""
    change = table_of(VacancyChange)
    with store.reading() as conn:
        rows = conn.execute(
            select(change.c.seq, change.c.number, change.c.removed)
            .where(change.c.seq > seq)
            .order_by(change.c.seq)
        ).all()
        missed = purged_through(conn) > seq
    latest: dict[int, bool] = {}
    for _, number, removed in rows:
        latest[int(number)] = bool(removed)
    return Changes(int(rows[-1][0]) if rows else seq, latest, missed)


def indexed_vacancies(
    store: Store, embedder: str, numbers: Sequence[int] | None = None
) -> list[IndexedVacancy]:
    """Entries made with ``embedder`` (all, or those ``numbers``), with their filters."""
    vacancy, entry = table_of(Vacancy), table_of(VacancyEntry)
    query = (
        select(
            entry.c.number,
            vacancy.c.id,
            vacancy.c.region,
            vacancy.c.postcode,
            vacancy.c.posted,
            vacancy.c.expires,
            entry.c.vector,
            entry.c.occupations,
            entry.c.skills,
        )
        .join(vacancy, entry.c.vacancy_id == vacancy.c.id)
        .where(entry.c.embedder == embedder)
    )
    found: list[IndexedVacancy] = []
    shared = _Shared()
    with store.reading() as conn:
        chunks = (
            [None]
            if numbers is None
            else [numbers[i : i + 500] for i in range(0, len(numbers), 500)]
        )
        for chunk in chunks:
            chosen = query if chunk is None else query.where(entry.c.number.in_(chunk))
            for row in conn.execute(chosen.order_by(entry.c.number)):
                found.append(
                    IndexedVacancy(
                        number=int(row[0]),
                        id=row[1],
                        region=row[2],
                        postcode=row[3],
                        posted=row[4],
                        expires=row[5],
                        vector=row[6],
                        occupations=[
                            (sys.intern(o[0]), shared.real(o[1])) for o in json.loads(row[7])
                        ],
                        skills=_indexed_skills(row[8], shared),
                    )
                )
    return found


def vacancies_to_derive(store: Store, embedder: str) -> list[VacancyRecord]:
    """Vacancies without derived data for ``embedder`` (bulk-loaded rows, or derived
    with another model)."""
    vacancy, entry = table_of(Vacancy), table_of(VacancyEntry)
    with store.reading() as conn:
        rows = (
            conn.execute(
                select(vacancy)
                .outerjoin(entry, entry.c.vacancy_id == vacancy.c.id)
                .where((entry.c.number.is_(None)) | (entry.c.embedder != embedder))
                .order_by(vacancy.c.id)
            )
            .mappings()
            .all()
        )
    return [VacancyRecord.model_validate({n: row[n] for n in RECORD_FIELDS}) for row in rows]
