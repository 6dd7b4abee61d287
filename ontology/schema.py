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
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, inspect, text

from ontology.errors import StoreError

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
    if legacy and BASELINE_TABLES - tables:
        missing = ", ".join(sorted(BASELINE_TABLES - tables))
        raise SchemaError(
            f"the store has some of overstap's tables but not {missing}, and no schema "
            "revision: it was not made by a release overstap can upgrade; import into a "
            "new store"
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


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def upgrade(engine: Engine) -> tuple[SchemaState, SchemaState]:
    """Bring the store to the head revision; returns the state before and after.

    Raises ``SchemaError`` for a store newer than the code."""
    with engine.begin() as conn:
        _lock(conn)
        before = _state(conn)  # read under the lock: another process may have upgraded
        newer = _newer(before)
        if newer is not None:
            raise newer
        if not before.up_to_date:
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = conn
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
    upgrade(engine)
