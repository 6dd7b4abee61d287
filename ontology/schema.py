"""The store's schema, versioned by Alembic migrations (``ontology/migrations``).

Why migrations: tables used to be made on first start by ``create_all``, which never
changes a table that exists, so a deployed PostgreSQL could not move to the next schema
without dropping data. Now every schema is a numbered revision; a store records the one
it is at (Alembic's ``alembic_version`` table), ``upgrade`` runs what is missing, and a
store at a revision this code does not know (made by a newer release) is refused rather
than written to. A store made before migrations existed (release 1.3.0 and earlier) has
the tables but no version: it is stamped with the baseline revision, then upgraded.

Upgrades take a lock first (SQLite: the write lock; PostgreSQL: an advisory lock), so
two replicas starting at once upgrade once, and run in one transaction, so a failed
upgrade leaves the store as it was (SQLite and PostgreSQL both have transactional DDL).
On SQLite, foreign keys are switched off for the upgrade (SQLite ignores the switch
inside a transaction, so it happens before): a migration that changes a table rebuilds
it (Alembic's batch mode copies it, drops the old one, renames the copy), and dropping a
referenced table with foreign keys on would fail, or delete the rows that cascade from
it. ``PRAGMA foreign_key_check`` then checks every reference before the commit.
"""

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from ontology.errors import StoreError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
BASELINE = "0001"  # the schema of release 1.3.0, the last one made by create_all
# The tables the baseline made: a store holding them without a version is that release's.
BASELINE_TABLES = frozenset(
    {
        "taxonomy_version",
        "concept",
        "label",
        "description",
        "scheme_membership",
        "broader",
        "occupation_skill",
        "skill_skill",
        "qualification",
        "certificate",
        "training_skill",
        "vacancy",
        "vacancy_entry",
        "vacancy_change",
    }
)
_LOCK_KEY = 0x6F76_6572  # PostgreSQL advisory lock id ("over")
# How long an upgrade waits for the store's lock (another upgrade, an import, a purge)
# before it gives up with a SchemaError that says so, instead of hanging a start.
LOCK_WAIT_SECONDS = 120
# PostgreSQL: how long a migration's DDL waits for the transactions using its table.
DDL_LOCK_WAIT_SECONDS = 10


class SchemaError(StoreError):
    """The store's schema is not one this code can serve (older without upgrading, or
    newer than the code)."""


@dataclass(frozen=True)
class SchemaState:
    """Where a store's schema stands."""

    current: str | None  # the store's revision; None: no version recorded
    head: str  # the newest revision this code knows
    legacy: bool  # release 1.3.0's tables without a version (stamped on upgrade)
    empty: bool  # no tables at all (a new store)
    newer: bool  # at a revision this code does not know: made by a newer release

    @property
    def up_to_date(self) -> bool:
        """Nothing to run."""
        return self.current == self.head

    @property
    def origin(self) -> str:
        """Where an upgrade from this state starts, for logs and the CLI."""
        if self.legacy:
            return "none (release 1.3.0 or before)"
        return self.current or "empty"

    def describe(self) -> str:
        """One line for the CLI."""
        if self.newer:
            return f"at revision {self.current}, newer than this release knows (head {self.head})"
        if self.empty:
            return f"empty store; upgrading creates every table at revision {self.head}"
        if self.legacy:
            return f"made by release 1.3.0 or before (no revision); head is {self.head}"
        if self.up_to_date:
            return f"at revision {self.current} (head)"
        return f"at revision {self.current}; head is {self.head}"


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS))


def head() -> str:
    """The newest revision this code knows."""
    found = _script().get_current_head()
    assert found is not None  # the package ships its migrations
    return found


def _known(revision: str) -> bool:
    try:
        return _script().get_revision(revision) is not None
    except CommandError:
        return False


def _state(conn: Connection) -> SchemaState:
    current = MigrationContext.configure(conn).get_current_revision()
    tables = set(inspect(conn).get_table_names())
    legacy = current is None and bool(tables & BASELINE_TABLES)
    later = tables & (set(SQLModel.metadata.tables) - BASELINE_TABLES)
    if legacy and (BASELINE_TABLES - tables or later):
        # Release 1.3.0 made exactly the baseline's tables: anything else without a
        # revision (a lost alembic_version, a half-copied store) is not safe to stamp.
        found = (
            f"tables of a later schema ({', '.join(sorted(later))})"
            if later
            else f"some of overstap's tables but not {', '.join(sorted(BASELINE_TABLES - tables))}"
        )
        raise SchemaError(
            f"the store has {found} and no schema revision: it was not made by a release "
            "overstap can upgrade; import into a new store"
        )
    newer = current is not None and not _known(current)
    return SchemaState(current, head(), legacy, empty=not tables, newer=newer)


def state(engine: Engine) -> SchemaState:
    """The schema state of the store behind ``engine`` (read only)."""
    with engine.connect() as conn:
        return _state(conn)


def _newer(found: SchemaState) -> SchemaError | None:
    if not found.newer:
        return None
    return SchemaError(
        f"the store's schema is at revision {found.current!r}, which this overstap "
        f"(head {found.head}) does not know: a newer release made it. Run that release, "
        "or point OVERSTAP_DATABASE_URL at another store"
    )


def _busy() -> SchemaError:
    return SchemaError(
        "the schema upgrade waited too long for a lock on the store (an import, a purge, "
        "a long query or another upgrade held it): it did not run and nothing changed; "
        "try again when that work has finished"
    )


def _is_lock_wait(exc: OperationalError) -> bool:
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        return "locked" in str(orig) or "busy" in str(orig)
    return getattr(orig, "sqlstate", None) == "55P03"  # PostgreSQL lock_not_available


def _take_lock(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # waits up to the busy timeout set before
        return
    conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT_SECONDS}s'"))
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    # The migrations' DDL waits for every open transaction on its table, and queues
    # every later reader behind it while it waits: give up soon instead.
    conn.execute(text(f"SET LOCAL lock_timeout = '{DDL_LOCK_WAIT_SECONDS}s'"))


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction that holds the store's upgrade lock (and, on
    SQLite, runs with foreign keys off: see the module's docstring). A lock not had in
    time becomes a ``SchemaError``."""
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        busy_timeout = 5000
        try:
            if sqlite:
                busy_timeout = int(conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one())
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.exec_driver_sql(f"PRAGMA busy_timeout={LOCK_WAIT_SECONDS * 1000}")
                conn.commit()
            with conn.begin():
                try:
                    _take_lock(conn)
                    yield conn
                except OperationalError as exc:
                    if _is_lock_wait(exc):
                        raise _busy() from exc
                    raise
                if sqlite:
                    _check_references(conn)
        finally:
            if sqlite:  # the pooled connection goes back as every other one is
                try:
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={busy_timeout}")
                    conn.commit()
                except BaseException:
                    conn.invalidate()  # never hand out a connection without foreign keys
                    raise


def _check_references(conn: Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = ", ".join(sorted({str(row[0]) for row in broken}))
        raise SchemaError(
            f"the schema upgrade would leave {len(broken):,} "
            f"row{'' if len(broken) == 1 else 's'} referring to rows that do not exist "
            f"(in {tables}): rolled back, the store is as it was"
        )


def alembic_config(conn: Connection) -> Config:
    """Alembic's configuration for running migrations on ``conn`` (in its transaction)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def upgrade(engine: Engine) -> tuple[SchemaState, SchemaState]:
    """Bring the store to the head revision; returns the state before and after.

    Raises ``SchemaError`` for a store newer than the code, and when a lock is not had
    in time (``LOCK_WAIT_SECONDS``, ``DDL_LOCK_WAIT_SECONDS``); a migration that fails
    rolls back whole."""
    with _locked(engine) as conn:
        before = _state(conn)  # read under the lock: another process may have upgraded
        newer = _newer(before)
        if newer is not None:
            raise newer
        if not before.up_to_date:
            config = alembic_config(conn)
            if before.legacy:
                command.stamp(config, BASELINE)
            command.upgrade(config, "head")
        after = _state(conn)
    return before, after


def ensure(engine: Engine, allow_upgrade: bool) -> None:
    """Make sure the store can be served: upgrade it when allowed, else refuse a store
    that is behind with the command that fixes it. A newer store is always refused."""
    found = state(engine)
    newer = _newer(found)
    if newer is not None:
        raise newer
    if found.up_to_date:
        return
    if not allow_upgrade:
        raise SchemaError(
            f"the store needs a schema upgrade ({found.describe()}): run `overstap db "
            "upgrade`, or open it with OVERSTAP_DB_UPGRADE=true"
        )
    before, after = upgrade(engine)
    if not before.up_to_date:  # another process may have done it while we waited
        # A new store is made here too: only a real upgrade is worth an operator's eye.
        level = logging.INFO if before.empty else logging.WARNING
        log.log(level, "store schema upgraded from %s to %s", before.origin, after.current)
