"""The OpenAPI document is good enough to integrate through (issue 21): a Python client
generated from a running server's ``/openapi.json`` by a maintained generator
(openapi-python-client) searches, matches, upserts a vacancy with a key and parses a
422 problem, all against a real ``overstap serve``."""

import importlib
import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

pytest.importorskip("openapi_python_client", reason="install the test extra")

from service.bench.server import ServerProcess
from tests.support.served import sqlite_server

KEY = "client-key"
PACKAGE = "overstap_api_client"
STORY = (
    "Ik heb acht jaar als vrachtwagenchauffeur gewerkt. Thuis heb ik de cv-ketel leren "
    "ontluchten en samen met mijn zwager de groepenkast vervangen."
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, default_seed: Path) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("generated-client")
    with sqlite_server(folder, default_seed, api_keys=KEY) as running:
        yield running


@pytest.fixture(scope="module")
def generated(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The generated package, imported; its sources are left in the tmp folder."""
    folder = tmp_path_factory.mktemp("client")
    spec = folder / "openapi.json"
    with urllib.request.urlopen(f"{server.base}/openapi.json", timeout=60) as answer:
        spec.write_bytes(answer.read())
    tools = str(Path(sys.executable).parent)  # the generator's ruff post-hooks
    done = subprocess.run(
        [
            str(Path(tools) / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(folder / PACKAGE),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": f"{tools}:{os.environ.get('PATH', '')}"},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout, done.stdout  # every operation and schema generated
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def part(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.fixture
def client(generated: ModuleType, server: ServerProcess) -> Iterator[Any]:
    with generated.AuthenticatedClient(base_url=server.base, token=KEY, timeout=120) as opened:
        yield opened


def test_search_through_the_generated_client(generated: ModuleType, client: Any) -> None:
    search = part(generated, "api.search.search_occupations")
    answer = search.sync(client=client, q="lasser", limit=3)
    assert isinstance(answer, part(generated, "models").SearchAnswer), answer
    assert len(answer.results) == 3 and answer.snapshot
    assert answer.results[0].score >= answer.results[-1].score


def test_match_through_the_generated_client(generated: ModuleType, client: Any) -> None:
    models = part(generated, "models")
    match = part(generated, "api.match.match")
    answer = match.sync(client=client, body=models.MatchRequest(text=STORY, limit=3))
    assert isinstance(answer, models.MatchAnswer), answer
    assert answer.matches and answer.matches[0].occupation.label
    assert answer.matches[0].matched_skills


def test_a_vacancy_upsert_with_a_key(generated: ModuleType, client: Any) -> None:
    models = part(generated, "models")
    upsert = part(generated, "api.vacancies.upsert_vacancies")
    vacancy = models.Vacancy(
        id="gen-client-1",
        title="Monteur cv-installaties",
        text="Je onderhoudt cv-ketels bij klanten thuis en verhelpt storingen.",
        region="Utrecht",
        city="Amersfoort",
    )
    answer = upsert.sync(client=client, body=models.VacancyBatch(vacancies=[vacancy]))
    assert isinstance(answer, models.VacancyBatchAnswer), answer
    assert answer.stored == 1 and answer.results[0].status in {"created", "updated"}
    stored = part(generated, "api.vacancies.get_vacancy").sync(client=client, id="gen-client-1")
    assert stored.title == vacancy.title and stored.city == "Amersfoort"


def test_a_422_is_a_parsed_problem(generated: ModuleType, client: Any) -> None:
    search = part(generated, "api.search.search_occupations")
    response = search.sync_detailed(client=client, q="lasser", limit=0)
    assert response.status_code == 422
    problem = response.parsed
    assert isinstance(problem, part(generated, "models").Problem), problem
    assert problem.status == 422 and problem.errors[0].field == "query.limit"
    assert json.loads(response.content)["title"] == problem.title
