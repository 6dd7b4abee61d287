"""The HTTP contract an integrator relies on (issue 21): the right status for a wrong
method, HEAD, a body that is not JSON, malformed JSON and an oversized chunked body;
no coercion between JSON types; readable operation ids, a typed vacancy record, one
version; every id form the API hands out accepted by the detail routes; match results
that carry their vacancies' fields. On the embedded default, SQLite, through TestClient."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from service import __version__
from service.api.app import create_app
from service.settings import Settings
from tests.support.seed import seed_into

PROBLEM = "application/problem+json"
LIMIT = 64 * 1024


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, default_seed: Path) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("contract")
    database_url = f"sqlite:///{folder / 'store.db'}"
    seed_into(default_seed, folder / "var", database_url)
    settings = Settings(
        data_dir=folder / "var",
        database_url=database_url,
        threads=None,
        max_body_bytes=LIMIT,
        public_url="https://overstap.example.nl",
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/v1/skills/extract", "POST"),
        ("GET", "/v1/vacancies/search", "POST"),
        ("DELETE", "/v1/vacancies/search", "POST"),  # 401 before: the key check came first
        ("PUT", "/v1/occupations/search", "GET, HEAD"),
        ("POST", "/v1/meta", "GET, HEAD"),
        ("DELETE", "/v1/match", "POST"),
    ],
)
def test_a_wrong_method_is_405_with_allow(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    body = problem(client.request(method, path), 405)
    assert client.request(method, path).headers["allow"] == allow
    assert method in body["detail"] and allow in body["detail"]


def test_a_wrong_method_on_a_parameter_route_is_405_too(client: TestClient) -> None:
    response = client.put("/v1/vacancies/vac-0001")
    problem(response, 405)
    assert response.headers["allow"] == "DELETE, GET, HEAD"


@pytest.mark.parametrize(
    "path",
    [
        "/healthz",
        "/readyz",
        "/v1/meta",
        "/v1/occupations/search?q=lasser",
        "/v1/certificates",
        "/",
    ],
)
def test_head_answers_as_get_without_a_body(client: TestClient, path: str) -> None:
    got = client.get(path)
    head = client.head(path)
    assert got.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    if "content-length" in got.headers:
        assert head.headers["content-length"] == got.headers["content-length"]


def test_head_of_an_unknown_id_is_404_without_a_body(client: TestClient) -> None:
    head = client.head("/v1/occupations/nope")
    assert head.status_code == 404 and head.content == b""


def test_head_reaches_uri_ids_and_the_undocumented_routes(client: TestClient) -> None:
    top = client.get("/v1/occupations/search", params={"q": "lasser", "limit": 1}).json()
    uri = top["results"][0]["uri"]
    for path in (
        f"/v1/occupations/{uri}",
        f"/v1/occupations/{uri}/transitions",
        "/docs",
        "/metrics",
    ):
        head = client.head(path)
        assert head.status_code == 200 and head.content == b"", path
    assert client.post(f"/v1/occupations/{uri}").headers["allow"] == "GET, HEAD"


def test_an_unknown_v1_path_is_404_whatever_the_method(client: TestClient) -> None:
    for method in ("GET", "POST", "DELETE"):
        found = problem(client.request(method, "/v1/vacancie"), 404)
        assert "/docs" in found["detail"]


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"],
)
def test_a_body_that_is_not_json_is_415(client: TestClient, content_type: str) -> None:
    response = client.post(
        "/v1/skills/extract", content=b'{"text": "ik las"}', headers={"content-type": content_type}
    )
    body = problem(response, 415)
    assert "application/json" in body["detail"]


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/ld+json"]
)
def test_json_media_types_are_accepted(client: TestClient, content_type: str) -> None:
    response = client.post(
        "/v1/skills/extract",
        content=b'{"text": "Ik heb jaren gelast."}',
        headers={"content-type": content_type},
    )
    assert response.status_code == 200, response.text


def test_malformed_json_is_400_saying_where(client: TestClient) -> None:
    body = b'{\n  "text": "ik las",\n  "limit": }'
    response = client.post(
        "/v1/skills/extract", content=body, headers={"content-type": "application/json"}
    )
    found = problem(response, 400)
    assert found["title"] == "Malformed JSON"
    assert "line 3, column 12" in found["detail"], found["detail"]
    assert found["errors"][0]["field"] == "body"


def test_an_oversized_chunked_body_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(LIMIT // 1024 + 2):
            yield b"x" * 1024
        yield b'"}'

    response = client.post(
        "/v1/skills/extract", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers  # sent chunked
    assert str(LIMIT) in problem(response, 413)["detail"].replace(",", "")


def test_whitespace_only_queries_are_422(client: TestClient) -> None:
    for path in ("/v1/occupations/search", "/v1/skills/search", "/v1/suggest"):
        found = problem(client.get(path, params={"q": "   "}), 422)
        assert found["errors"][0]["field"] == "query.q"
        assert found["errors"][0]["message"] == "must contain text, not only whitespace"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/skills/extract", {"text": "ik las", "limit": True}, "body.limit"),
        ("/v1/skills/extract", {"text": "ik las", "limit": "5"}, "body.limit"),
        ("/v1/skills/extract", {"text": "ik las", "threshold": True}, "body.threshold"),
        ("/v1/match", {"skills": ["lassen"], "limit": 2.0}, "body.limit"),
        ("/v1/vacancies/search", {"text": "lassen", "min_score": False}, "body.min_score"),
        ("/v1/job-titles/normalize", {"titles": ["lasser"], "limit": True}, "body.limit"),
    ],
)
def test_json_types_are_not_coerced(
    client: TestClient, path: str, body: dict[str, Any], field: str
) -> None:
    found = problem(client.post(path, json=body), 422)
    assert field in [e["field"] for e in found["errors"]], found


def test_a_number_is_not_a_date(client: TestClient) -> None:
    found = problem(client.post("/v1/vacancies/search", json={"posted_since": 0}), 422)
    assert found["errors"][0]["field"] == "body.posted_since"
    assert "ISO date" in found["errors"][0]["message"]


def test_numbers_and_dates_still_parse(client: TestClient) -> None:
    response = client.post("/v1/skills/extract", json={"text": "Ik las.", "threshold": 0})
    assert response.status_code == 200, response.text  # an int is a valid float
    found = client.post(
        "/v1/vacancies/search", json={"text": "lassen", "posted_since": "2026-01-01"}
    )
    assert found.status_code == 200, found.text


def test_validator_messages_have_no_prefix(client: TestClient) -> None:
    found = problem(client.post("/v1/match", json={"lang": "nl"}), 422)
    message = found["errors"][0]["message"]
    assert message == "give at least one of text, occupations or skills"
    assert "Value error" not in found["detail"]


def test_operation_ids_are_readable_and_unique(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+([A-Z][a-z]+)*", i) for i in ids), ids
    assert {"searchOccupations", "match", "upsertVacancies", "getOccupation"} <= set(ids)
    assert {"listQualifications", "extractSkills", "normalizeJobTitles"} <= set(ids)


def test_the_vacancy_upsert_is_typed(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    batch = spec["components"]["schemas"]["VacancyBatch"]
    assert batch["properties"]["vacancies"]["items"] == {"$ref": "#/components/schemas/Vacancy"}
    vacancy = spec["components"]["schemas"]["Vacancy"]
    assert set(vacancy["required"]) == {"id", "title", "text"}
    assert {"region", "postcode", "city", "employer", "posted", "expires"} <= set(
        vacancy["properties"]
    )
    assert all(p.get("description") for p in vacancy["properties"].values())


def test_one_version_and_a_server(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    meta = client.get("/v1/meta").json()
    assert spec["info"]["version"] == meta["version"] == __version__
    assert meta["api_version"] == "1"
    assert spec["servers"] == [
        {"url": "https://overstap.example.nl", "description": "This service."}
    ]


def test_detail_routes_accept_every_id_form(client: TestClient) -> None:
    hit = client.get("/v1/occupations/search", params={"q": "lasser", "limit": 1}).json()
    top = hit["results"][0]
    by_id = client.get(f"/v1/occupations/{top['id']}").json()
    assert by_id["uri"] == top["uri"]
    for form in (top["uri"], quote(top["uri"], safe="")):
        response = client.get(f"/v1/occupations/{form}")
        assert response.status_code == 200, (form, response.text)
        assert response.json() == by_id
        transitions = client.get(f"/v1/occupations/{form}/transitions", params={"limit": 1})
        assert transitions.status_code == 200, transitions.text
        assert transitions.json()["occupation"]["uri"] == top["uri"]
    skill = by_id["essential_skills"][0]
    assert client.get(f"/v1/skills/{quote(skill['uri'], safe='')}").json()["id"] == skill["id"]
    certificate = client.get("/v1/certificates").json()["results"][0]
    assert client.get(f"/v1/certificates/{certificate['uri']}").json()["id"] == certificate["id"]
    qualification = client.get("/v1/qualifications").json()["results"][0]
    found = client.get(f"/v1/qualifications/{quote(qualification['uri'], safe='')}")
    assert found.status_code == 200, found.text
    assert found.json()["id"] == qualification["id"]


def test_qualifications_are_listed_as_certificates_are(client: TestClient) -> None:
    listing = client.get("/v1/qualifications").json()
    assert listing["results"] and listing["snapshot"]
    ids = [q["id"] for q in listing["results"]]
    assert ids == sorted(ids)
    assert all(
        q["kind"] == "qualification" and q["level"] in {1, 2, 3, 4} for q in listing["results"]
    )
    crebo = listing["results"][0]["id"]
    assert client.get(f"/v1/qualifications/{crebo}").json() == listing["results"][0]


def test_match_results_carry_their_vacancies(client: TestClient) -> None:
    counts: dict[str, int] = {}
    for number in range(1, 51):  # the embedded default's vacancies
        found = client.get(f"/v1/vacancies/vac-{number:04d}")
        if found.status_code == 200:
            uri = found.json()["occupations"][0]["uri"]
            counts[uri] = counts.get(uri, 0) + 1
    occupation = max(counts, key=lambda uri: counts[uri])
    response = client.post(
        "/v1/match", json={"skills": ["lassen"], "target": [occupation], "limit": 1}
    )
    assert response.status_code == 200, response.text
    match = response.json()["matches"][0]
    assert match["vacancies"] and [v["id"] for v in match["open_vacancies"]] == match["vacancies"]
    for shown in match["open_vacancies"]:
        stored = client.get(f"/v1/vacancies/{shown['id']}").json()
        for field in ("title", "employer", "city", "region", "postcode", "posted", "expires"):
            assert shown[field] == stored[field], field
