"""Shared fixtures: a fresh SQLite store per test, the fixture files, the real data."""

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ontology.store import Store
from tests.support.cli import Cli
from tests.support.paths import MINI_EN
from tests.support.seed import seed_url


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


@pytest.fixture(scope="session")
def default_seed(tmp_path_factory: pytest.TempPathFactory, shared_models_dir: Path) -> Path:
    """A store with the embedded default, its snapshot and derived vacancies, made once
    by a real first start (``tests.support.seed``: suites copy it with ``seed_into``)."""
    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.settings import Settings

    seed = tmp_path_factory.mktemp("default-seed")
    settings = Settings(data_dir=seed / "var", database_url=seed_url(seed))
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
    return seed


@pytest.fixture
def mini_en(tmp_path: Path) -> Path:
    """A writable copy of the small English ESCO-format fixture (tests may break it)."""
    target = tmp_path / MINI_EN.name
    shutil.copytree(MINI_EN, target)
    return target


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """The CLI, configured through the environment as a user would."""
    from service.settings import get_settings

    monkeypatch.setenv("OVERSTAP_DATABASE_URL", database_url)
    monkeypatch.setenv("OVERSTAP_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield Cli(database_url)
    get_settings.cache_clear()
