"""Dutch queries against an ontology with English labels only (the state of most ESCO
skills): the bundled multilingual model must bridge the languages."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from ontology.importers.esco import EscoImporter
from ontology.store import Store
from ontology.writer import OntologyWriter
from service.api.app import create_app
from service.settings import Settings
from tests.support.paths import MINI_EN


@pytest.fixture(scope="module")
def english_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("english") / "var")
    store = Store(settings.resolved_database_url)
    with store.transaction() as conn:
        EscoImporter(OntologyWriter(conn)).run([MINI_EN])
    store.close()
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("elektricien", "domestic electrician"),
        ("vrachtwagenchauffeur", "lorry driver"),
        ("zonnepanelen monteur", "solar panel installer"),
    ],
)
def test_dutch_query_finds_english_only_occupation(
    english_only: TestClient, query: str, expected: str
) -> None:
    response = english_only.get("/v1/occupations/search", params={"q": query, "lang": "nl"})
    assert response.status_code == 200, response.text
    top = response.json()["results"][0]
    assert top["label"] == expected
    assert top["label_language"] == "en" and top["label_fallback"] is True


def test_dutch_skill_query_and_english_detail(english_only: TestClient) -> None:
    response = english_only.get("/v1/skills/search", params={"q": "kabels leggen", "limit": 1})
    top = response.json()["results"][0]
    assert top["label"] == "install electrical wiring"
    detail = english_only.get(f"/v1/skills/{top['id']}").json()
    assert {o["label"] for o in detail["occupations"]} == {"domestic electrician"}
    assert detail["broader"][0]["label"] == "electrical installation"
