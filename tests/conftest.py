"""Shared fixtures: a fresh SQLite store per test, the fixture files, the real data."""

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from ontology.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
MINI_EN = FIXTURES / "esco-v1.0.0-mini-en"
MINI_NL = FIXTURES / "esco-v1.0.0-mini-nl"

needs_shared_data = pytest.mark.skipif(
    not (SHARED_DATA / "esco-v1.1.1-en").is_dir(),
    reason=f"real data not found at {SHARED_DATA} (it lies beside the project root in CI)",
)


@pytest.fixture(scope="session", autouse=True)
def shared_models_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One models folder for the whole run (``OVERSTAP_MODELS_DIR``), so the bundled
    model is converted and exported to ONNX once, not once per test data dir; kept
    between runs under ``OVERSTAP_TEST_CACHE_DIR`` when that is set."""
    kept = os.environ.get("OVERSTAP_TEST_CACHE_DIR")
    folder = Path(kept) / "models" if kept else tmp_path_factory.mktemp("models")
    folder.mkdir(parents=True, exist_ok=True)
    before = os.environ.get("OVERSTAP_MODELS_DIR")
    os.environ["OVERSTAP_MODELS_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("OVERSTAP_MODELS_DIR", None)
    else:
        os.environ["OVERSTAP_MODELS_DIR"] = before


POSTGRES_URL = os.environ.get("OVERSTAP_TEST_POSTGRES_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES_URL,
            reason="no OVERSTAP_TEST_POSTGRES_URL: `.ci/run` starts a PostgreSQL server "
            "and sets it; `url=$(.ci/postgres start)` does so by hand",
        ),
    ),
]


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """An empty database of its own: a SQLite file in ``folder``, or a new database on
    the test PostgreSQL server, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'store.db'}"
        return
    assert POSTGRES_URL
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, on SQLite and (when configured) on PostgreSQL:
    the store's tests run on both."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The same for a module's app: the API suites run on both databases."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """An empty store."""
    opened = Store(database_url)
    yield opened
    opened.close()


@pytest.fixture
def mini_en(tmp_path: Path) -> Path:
    """A writable copy of the small English ESCO-format fixture (tests may break it)."""
    target = tmp_path / MINI_EN.name
    shutil.copytree(MINI_EN, target)
    return target


def store_contents(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: proof that a failed import changed nothing."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    with store.reading() as conn:
        for table in SQLModel.metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            result[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return result


class Cli:
    """Runs the real ``overstap`` CLI in-process against this test's store."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def __call__(self, *args: str) -> Any:
        from typer.testing import CliRunner

        from service.cli import app

        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        return result


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """The CLI, configured through the environment as a user would."""
    from service.settings import get_settings

    monkeypatch.setenv("OVERSTAP_DATABASE_URL", database_url)
    monkeypatch.setenv("OVERSTAP_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield Cli(database_url)
    get_settings.cache_clear()
