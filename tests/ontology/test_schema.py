"""Schema migrations on SQLite and PostgreSQL: a store made by the previous release
(1.3.0: its tables, no revision) is upgraded with its data intact; the
migrations make exactly the tables the models describe; a store behind is refused
when upgrades are off, a store newer than the code always; two processes opening a
new store at once upgrade it once. With a test revision after the head: a migration
that rebuilds a referenced table keeps the rows referring to it, a failing one leaves
the store as it was, one that waits too long for a lock gives up and says why."""

import logging
import shutil
import textwrap
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import String, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from models.domain import DerivedVacancy, VacancyRecord
from ontology import schema
from ontology.housekeeping import PurgePolicy, purge
from ontology.schema import SchemaError
from ontology.store import Store, make_engine
from ontology.vacancy_store import write_vacancies
from tests.support.cli import Cli
from tests.support.store import store_contents

AddMigration = Callable[[str], None]


@pytest.fixture
def add_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AddMigration]:
    """Runs the test against a copy of the migrations with one more revision after the
    head, whose ``upgrade()`` body the test writes: how a future release's migration
    meets a store of today."""
    folder = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    previous = schema.head()

    def add(body: str) -> None:
        (folder / "versions" / "9000_test.py").write_text(
            f"import sqlalchemy as sa\nfrom alembic import op\n\n"
            f"revision = '9000'\ndown_revision = {previous!r}\n"
            f"branch_labels = None\ndepends_on = None\n\n\n"
            f"def upgrade() -> None:\n{textwrap.indent(textwrap.dedent(body), '    ')}\n"
        )
        monkeypatch.setattr(schema, "MIGRATIONS", folder)
        schema._script.cache_clear()
        assert schema.head() == "9000"

    yield add
    schema._script.cache_clear()


def _vacancy(vacancy_id: str, expires: date | None) -> DerivedVacancy:
    return DerivedVacancy(
        record=VacancyRecord(
            id=vacancy_id, title="Monteur", text=f"Tekst {vacancy_id}.", expires=expires
        ),
        embedder="test:vectors",
        snapshot="s1",
        vector=np.ones(4, dtype=np.float32).tobytes(),
        occupations=[("urn:o:a", 0.9)],
        skills=None,
    )


def make_previous_release_store(url: str) -> None:
    """A store as release 1.3.0 left it: the baseline revision's tables (made by the
    migration, so later models cannot leak in) without Alembic's version table, and rows
    written with plain SQL in that release's columns (keys from the database's own
    sequences, as the importers left them): an ontology, an expired vacancy and an open
    one, each with its derived entry and change-log row."""
    engine = make_engine(url)
    now = datetime(2026, 1, 1, tzinfo=UTC)

    with engine.begin() as conn:
        command.upgrade(schema.alembic_config(conn), schema.BASELINE)
        conn.execute(text("DROP TABLE alembic_version"))

        def key(sql: str, **values: object) -> int:
            return int(conn.execute(text(sql), values).scalar_one())

        version = key(
            "INSERT INTO taxonomy_version (taxonomy, version, imported_at, source) "
            "VALUES ('esco', 'v1', :now, 'mini') RETURNING id",
            now=now,
        )
        for number in (1, 2):
            concept = key(
                "INSERT INTO concept (uri, kind, short_id, taxonomy_version_id, status) "
                "VALUES (:uri, 'occupation', :short, :version, 'released') RETURNING id",
                uri=f"urn:o:{number}",
                short=f"o{number}",
                version=version,
            )
            key(
                "INSERT INTO label (concept_id, language, kind, text, taxonomy_version_id) "
                "VALUES (:concept, 'nl', 'preferred', :text, :version) RETURNING id",
                concept=concept,
                text=f"beroep {number}",
                version=version,
            )
        for vacancy_id, expires in (("old", date(2026, 1, 1)), ("open", None)):
            conn.execute(
                text(
                    "INSERT INTO vacancy (id, title, text, expires, updated_at) "
                    "VALUES (:id, 'Monteur', 'Tekst.', :expires, :now)"
                ),
                {"id": vacancy_id, "expires": expires, "now": now},
            )
            entry = key(
                "INSERT INTO vacancy_entry (vacancy_id, embedder, snapshot, vector, "
                "occupations) VALUES (:id, 'test:vectors', 's1', :vector, :occupations) "
                "RETURNING number",
                id=vacancy_id,
                vector=np.ones(4, np.float32).tobytes(),
                occupations='[["urn:o:1", 0.9]]',
            )
            key(
                "INSERT INTO vacancy_change (number, removed, at) "
                "VALUES (:number, false, :now) RETURNING seq",
                number=entry,
                now=now,
            )
    engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_store_of_the_previous_release_is_upgraded_with_its_data(database_url: str) -> None:
    make_previous_release_store(database_url)
    assert "vacancy_change_purge" not in _tables(database_url)
    engine = make_engine(database_url)
    before_state = schema.state(engine)
    assert before_state.legacy and before_state.current is None
    engine.dispose()

    store = Store(database_url)  # the default: upgrade on open
    try:
        after = schema.state(store.engine)
        assert after.current == schema.head() and after.up_to_date and not after.legacy
        contents = store_contents(store)
        assert len(contents["concept"]) == 2 and len(contents["label"]) == 2
        assert {row[0] for row in contents["vacancy"]} == {"old", "open"}
        assert len(contents["vacancy_entry"]) == 2 and len(contents["vacancy_change"]) == 2
        # The new revision's table works on the upgraded store.
        report = purge(store, PurgePolicy(expired_days=0, change_days=0, today=date(2026, 6, 1)))
        assert report.expired_vacancies == 1 and report.purged_through > 0
    finally:
        store.close()
    # Opening again finds it current: nothing runs, nothing changes.
    again = Store(database_url)
    try:
        assert schema.state(again.engine).up_to_date
        assert {row[0] for row in store_contents(again)["vacancy"]} == {"open"}
    finally:
        again.close()


def test_the_migrations_make_exactly_the_tables_the_models_describe(database_url: str) -> None:
    store = Store(database_url)
    try:
        with store.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert differences == []
        assert set(inspect(store.engine).get_table_names()) == {
            *SQLModel.metadata.tables,
            "alembic_version",
        }
    finally:
        store.close()


def test_a_store_behind_is_refused_when_upgrades_are_off_and_left_as_it_was(
    database_url: str,
) -> None:
    make_previous_release_store(database_url)
    tables = _tables(database_url)
    with pytest.raises(SchemaError, match="overstap db upgrade"):
        Store(database_url, upgrade=False)
    assert _tables(database_url) == tables  # no revision stamped, no table made


def test_a_store_newer_than_the_code_is_refused_everywhere(database_url: str, cli: Cli) -> None:
    Store(database_url).close()
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    for upgrade in (True, False):
        with pytest.raises(SchemaError, match=r"'9999'.*newer release"):
            Store(database_url, upgrade=upgrade)
    status = cli("db", "status")
    assert status.exit_code == 0
    assert "at revision 9999, newer than this release knows" in status.output
    for args in (("db", "upgrade"), ("stats",), ("serve", "--port", "1")):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert "'9999'" in result.output and "Traceback" not in result.output


def test_db_commands_report_and_upgrade(database_url: str, cli: Cli) -> None:
    make_previous_release_store(database_url)
    status = cli("db", "status")
    assert "made by release 1.3.0 or before" in status.output
    upgraded = cli("db", "upgrade")
    assert upgraded.exit_code == 0
    assert f"upgraded from none (release 1.3.0 or before) to {schema.head()}" in upgraded.output
    assert "(head)" in cli("db", "status").output
    assert "already at revision" in cli("db", "upgrade").output


def test_two_processes_opening_a_new_store_at_once_upgrade_it_once(database_url: str) -> None:
    url = database_url
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_store() -> None:
        try:
            start.wait()
            Store(url).close()
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "an open hung"
    assert errors == []
    engine = make_engine(url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert versions == [(schema.head(),)]


def _store_with_vacancies(url: str) -> None:
    store = Store(url)
    try:
        write_vacancies(store, [_vacancy("old", date(2026, 1, 1)), _vacancy("open", None)])
    finally:
        store.close()


def _contents_without_upgrade(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, read without ``Store``'s upgrade on open."""
    store = Store.__new__(Store)
    store.url, store.engine = url, make_engine(url)
    try:
        return store_contents(store)
    finally:
        store.close()


def _revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        return schema.state(engine).current
    finally:
        engine.dispose()


def test_a_migration_that_rebuilds_a_referenced_table_keeps_the_rows_that_refer_to_it(
    database_url: str, add_migration: AddMigration
) -> None:
    """SQLite changes a column by copying the table and dropping the old one; with
    foreign keys on, that drop would cascade-delete every vacancy's derived entry."""
    _store_with_vacancies(database_url)
    add_migration(
        """
        with op.batch_alter_table("vacancy") as batch:
            batch.alter_column("city", existing_type=sa.String(120), type_=sa.String(200))
        """
    )
    store = Store(database_url)
    try:
        assert schema.state(store.engine).current == "9000"
        columns = {c["name"]: c for c in inspect(store.engine).get_columns("vacancy")}
        city = columns["city"]["type"]
        assert isinstance(city, String) and city.length == 200
        contents = store_contents(store)
        assert len(contents["vacancy"]) == 2 and len(contents["vacancy_entry"]) == 2
        # Foreign keys are enforced again on the connections the pool hands out.
        with pytest.raises(IntegrityError), store.transaction() as conn:
            conn.execute(
                text(
                    "INSERT INTO vacancy_entry (number, vacancy_id, embedder, snapshot, "
                    "vector, occupations) VALUES (99, 'nobody', 'e', 's', :v, '[]')"
                ),
                {"v": b"\\x00"},
            )
    finally:
        store.close()


def test_a_failing_migration_leaves_the_store_as_it_was(
    database_url: str, add_migration: AddMigration
) -> None:
    _store_with_vacancies(database_url)
    head = schema.head()
    tables = _tables(database_url)
    store = Store(database_url)
    before = store_contents(store)
    store.close()
    add_migration(
        """
        op.create_table("later", sa.Column("id", sa.Integer(), primary_key=True))
        op.execute("DELETE FROM vacancy_change")
        with op.batch_alter_table("vacancy") as batch:
            batch.add_column(sa.Column("note", sa.String(), nullable=True))
        raise RuntimeError("the migration's bug")
        """
    )
    with pytest.raises(RuntimeError, match="the migration's bug"):
        Store(database_url)
    assert _revision(database_url) == head
    assert _tables(database_url) == tables
    engine = make_engine(database_url)
    columns = {c["name"] for c in inspect(engine).get_columns("vacancy")}
    engine.dispose()
    assert "note" not in columns
    assert _contents_without_upgrade(database_url) == before  # opening would fail again


def test_a_migration_leaving_a_broken_reference_on_sqlite_is_rolled_back(
    tmp_path: Path, add_migration: AddMigration
) -> None:
    """PostgreSQL refuses the insert itself; SQLite, with foreign keys off for the
    upgrade, is checked with ``PRAGMA foreign_key_check`` before the commit."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    _store_with_vacancies(url)
    head = schema.head()
    add_migration(
        """
        op.execute("DELETE FROM vacancy WHERE id = 'old'")
        """
    )
    with pytest.raises(SchemaError, match=r"1 row referring to rows that do not exist"):
        Store(url)
    assert _revision(url) == head
    assert {row[0] for row in _contents_without_upgrade(url)["vacancy"]} == {"old", "open"}


def test_an_upgrade_behind_a_long_writer_gives_up_with_a_clear_error(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_previous_release_store(database_url)
    monkeypatch.setattr(schema, "LOCK_WAIT_SECONDS", 1)
    holder = make_engine(database_url)
    with holder.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # an import holding the write lock
        else:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": schema._LOCK_KEY})
        engine = make_engine(database_url)
        try:
            with pytest.raises(SchemaError, match="waited too long for a lock"):
                schema.upgrade(engine)
        finally:
            engine.dispose()
        conn.rollback()
        if conn.dialect.name != "sqlite":
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": schema._LOCK_KEY})
            conn.commit()
    holder.dispose()
    assert _revision(database_url) is None  # untouched; it upgrades once the lock is free
    Store(database_url).close()
    assert _revision(database_url) == schema.head()


def test_a_migration_waiting_on_a_long_reader_gives_up_on_postgresql(
    database_url: str, add_migration: AddMigration, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's ALTER TABLE waits for every open transaction on the table (and
    queues later readers behind it): the upgrade gives up soon and says why."""
    if not database_url.startswith("postgresql"):
        pytest.skip("on SQLite (WAL) an open reader never blocks the upgrade")
    _store_with_vacancies(database_url)
    head = schema.head()
    add_migration(
        """
        with op.batch_alter_table("vacancy") as batch:
            batch.add_column(sa.Column("note", sa.String(), nullable=True))
        """
    )
    monkeypatch.setattr(schema, "DDL_LOCK_WAIT_SECONDS", 1)
    reader = make_engine(database_url)
    with reader.connect() as conn:
        conn.execute(text("SELECT count(*) FROM vacancy"))  # a transaction using the table
        with pytest.raises(SchemaError, match="waited too long for a lock"):
            Store(database_url)
        conn.rollback()
    reader.dispose()
    assert _revision(database_url) == head
    Store(database_url).close()  # with the reader gone it runs
    assert _revision(database_url) == "9000"


def test_a_store_with_later_tables_but_no_revision_is_refused(database_url: str) -> None:
    """Not a 1.3.0 store (that release had no purge mark): its version table was lost,
    and stamping it with the baseline would re-run migrations over existing tables."""
    Store(database_url).close()
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    with pytest.raises(SchemaError, match=r"tables of a later schema \(vacancy_change_purge\)"):
        Store(database_url)


def test_an_upgrade_at_start_is_logged(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    make_previous_release_store(database_url)
    with caplog.at_level(logging.INFO, logger="ontology.schema"):
        Store(database_url).close()
        Store(database_url).close()  # current: nothing runs, nothing logged
    upgraded = [r for r in caplog.records if "store schema upgraded" in r.getMessage()]
    assert [r.getMessage() for r in upgraded] == [
        f"store schema upgraded from none (release 1.3.0 or before) to {schema.head()}"
    ]
    assert upgraded[0].levelno == logging.WARNING


def test_db_status_does_not_make_a_store_at_a_mistyped_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.settings import get_settings
    from tests.support.cli import Cli

    path = tmp_path / "typo" / "overstap.db"
    monkeypatch.setenv("OVERSTAP_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    try:
        result = Cli(f"sqlite:///{path}")("db", "status")
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert f"no store at {path}" in result.output.replace("\n", "")
    assert not path.exists() and not path.parent.exists()
