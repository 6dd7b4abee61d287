"""Schema migrations on SQLite and PostgreSQL: a store made by the previous release
(1.3.0: tables from ``create_all``, no revision) is upgraded with its data intact; the
migrations make exactly the tables the models describe; a store behind is refused
when upgrades are off, a store newer than the code always; two processes opening a
new store at once upgrade it once."""

import threading
from datetime import date

import numpy as np
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from models.domain import DerivedVacancy, VacancyRecord
from ontology import schema
from ontology.housekeeping import PurgePolicy, purge
from ontology.importers.esco import EscoImporter
from ontology.schema import SchemaError
from ontology.store import Store, make_engine
from ontology.vacancy_store import write_vacancies
from ontology.writer import OntologyWriter
from tests.support.cli import Cli
from tests.support.paths import MINI_EN
from tests.support.store import store_contents


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
    """A store as release 1.3.0 left it: its ``Store()`` ran ``create_all`` over these
    tables (the models of then are the baseline's), and the importers filled them."""
    engine = make_engine(url)
    baseline = [SQLModel.metadata.tables[name] for name in sorted(schema.BASELINE_TABLES)]
    SQLModel.metadata.create_all(engine, tables=baseline)
    previous = Store.__new__(Store)  # the 1.3.0 store object: no schema step
    previous.url, previous.engine = url, engine
    with previous.transaction() as conn:
        EscoImporter(OntologyWriter(conn)).run([MINI_EN])
    write_vacancies(previous, [_vacancy("old", date(2026, 1, 1)), _vacancy("open", None)])
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
        assert len(contents["concept"]) > 10 and len(contents["label"]) > 10
        assert {row[0] for row in contents["vacancy"]} == {"old", "open"}
        assert len(contents["vacancy_change"]) == 2
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
    for command in (("db", "upgrade"), ("stats",), ("serve", "--port", "1")):
        result = cli(*command)
        assert result.exit_code == 2, command
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
