"""The HTTP app over real HTTP semantics (TestClient): start-up, health, stats."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "var")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_serve_loads_the_embedded_default_into_an_empty_store(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    stats = client.get("/v1/stats").json()
    assert stats["occupations"] >= 55
    assert stats["skills"] >= 250
    assert stats["certificates"] >= 12
    assert stats["vacancies"] >= 45
    assert stats["versions"][0].startswith("certificates 2026.11")


def test_readyz_is_503_before_start_up(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "var"))
    client = TestClient(app)  # no context manager: the lifespan has not run
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "starting"}


def test_settings_default_to_a_sqlite_file_under_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OVERSTAP_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.delenv("OVERSTAP_DATABASE_URL", raising=False)
    settings = Settings()
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'd' / 'overstap.db')}"
    monkeypatch.setenv("OVERSTAP_DATABASE_URL", "postgresql+psycopg://u:p@localhost/overstap")
    assert Settings().resolved_database_url.startswith("postgresql+psycopg://")
