"""Vacancies over real HTTP (TestClient) with the bundled model on the embedded default:
upsert/update/delete round trips, per-record errors, expiry, filters that keep
``limit``, the write key, the match, the CLI feeding a running server, and a restart."""

import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.api.app import create_app
from service.settings import Settings, get_settings
from tests.support.seed import seed_into

KEY = "s3cret-write-key"
WRITE = {"X-API-Key": KEY}
PROBLEM = "application/problem+json"
WELDER_TEXT = (
    "Wij zoeken een lasser voor onze werkplaats. Je last constructies volgens tekening "
    "en je leest technische tekeningen. Je werkt veilig met gereedschap."
)


@pytest.fixture(scope="module")
def settings(
    tmp_path_factory: pytest.TempPathFactory, module_database_url: str, default_seed: Path
) -> Settings:
    data_dir = tmp_path_factory.mktemp("vacancies") / "var"
    seed_into(default_seed, data_dir, module_database_url)
    return Settings(
        data_dir=data_dir,
        database_url=module_database_url,
        api_keys=[KEY],
        vacancy_sync_seconds=0.2,
    )


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def vacancy(vacancy_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": vacancy_id, "title": "Lasser (m/v/x)", "text": WELDER_TEXT, **fields}


def upsert(client: TestClient, *records: dict[str, Any], atomic: bool = False) -> Any:
    response = client.post(
        "/v1/vacancies", json={"vacancies": list(records), "atomic": atomic}, headers=WRITE
    )
    assert response.status_code == 200, response.text
    return response.json()


def search(client: TestClient, **body: Any) -> list[dict[str, Any]]:
    response = client.post("/v1/vacancies/search", json=body)
    assert response.status_code == 200, response.text
    hits: list[dict[str, Any]] = response.json()["vacancies"]
    return hits


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


def test_writes_need_the_key(client: TestClient) -> None:
    body = {"vacancies": [vacancy("key-1")]}
    refused = client.post("/v1/vacancies", json=body)
    problem(refused, 401)
    assert refused.headers["www-authenticate"] == "Bearer"
    problem(client.post("/v1/vacancies", json=body, headers={"X-API-Key": "wrong"}), 403)
    problem(client.delete("/v1/vacancies/vac-0001"), 401)
    ok = client.post("/v1/vacancies", json=body, headers={"Authorization": f"Bearer {KEY}"})
    assert ok.status_code == 200 and ok.json()["results"][0]["status"] == "created"
    assert client.get("/v1/vacancies/key-1").status_code == 200  # reads need no key


def test_upsert_update_delete_round_trip(client: TestClient) -> None:
    answer = upsert(client, vacancy("rt-1", region="Zeeland", postcode="4331"))
    assert answer == {
        "stored": 1,
        "invalid": 0,
        "results": [{"index": 0, "id": "rt-1", "status": "created", "errors": []}],
    }
    stored = client.get("/v1/vacancies/rt-1").json()
    assert stored["occupations"][0]["label"] == "lasser" and stored["expired"] is False
    assert stored["skills"], "a welding vacancy names skills"
    for skill in stored["skills"]:
        span = skill["evidence"]
        assert WELDER_TEXT[span["start"] : span["end"]] == span["text"]

    assert (
        upsert(client, vacancy("rt-1", region="Zeeland", postcode="4331"))["results"][0]["status"]
        == "unchanged"
    )
    electrician = "Je legt elektrische installaties aan en zoekt storingen in schakelkasten."
    changed = vacancy(
        "rt-1", title="Elektricien", text=electrician, region="Zeeland", postcode="4331"
    )
    assert upsert(client, changed)["results"][0]["status"] == "updated"
    assert client.get("/v1/vacancies/rt-1").json()["occupations"][0]["label"] == "elektromonteur"
    hits = search(client, text="elektrische installaties aanleggen", region="4331", limit=50)
    assert [h["id"] for h in hits].count("rt-1") == 1  # the old vector is gone

    assert client.delete("/v1/vacancies/rt-1", headers=WRITE).status_code == 204
    problem(client.get("/v1/vacancies/rt-1"), 404)
    problem(client.delete("/v1/vacancies/rt-1", headers=WRITE), 404)
    assert "rt-1" not in [h["id"] for h in search(client, region="4331", limit=100)]


def test_bad_records_are_named_and_good_ones_stored(client: TestClient) -> None:
    records = [
        vacancy("ok-1"),
        vacancy("bad-1", region="Utreg"),
        {"id": "bad-2", "title": "Lasser"},
        vacancy("ok-1"),
    ]
    answer = upsert(client, *records)
    assert answer["stored"] == 1 and answer["invalid"] == 3
    statuses = [(r["index"], r["status"]) for r in answer["results"]]
    assert statuses == [(0, "created"), (1, "invalid"), (2, "invalid"), (3, "invalid")]
    assert [e["field"] for e in answer["results"][1]["errors"]] == ["region"]
    assert [e["field"] for e in answer["results"][2]["errors"]] == ["text"]
    assert "twice" in answer["results"][3]["errors"][0]["message"]

    # A number is not a date (0 would be 1970: expired on arrival); "search" names a route.
    refused = upsert(client, vacancy("num-1", expires=0), vacancy("search"))["results"]
    assert refused[0]["errors"] == [
        {"field": "expires", "message": "must be an ISO date (YYYY-MM-DD) as text, not a number"}
    ]
    assert refused[1]["errors"][0]["field"] == "id"
    assert refused[1]["errors"][0]["message"].startswith("'search' is reserved")
    # What no database holds is refused, not a 500 (schemathesis found it on PostgreSQL).
    odd = upsert(client, vacancy("nul-1", city="Ut\u0000recht"), vacancy("nul-2", text="a\u0000b"))
    assert [r["errors"][0]["field"] for r in odd["results"]] == ["city", "text"]
    assert odd["stored"] == 0

    response = client.post(
        "/v1/vacancies",
        json={"vacancies": [vacancy("atomic-1"), vacancy("atomic-2", postcode="0123")]},
        headers=WRITE,
    )
    assert response.json()["stored"] == 1  # not atomic: the good one is stored
    rejected = client.post(
        "/v1/vacancies",
        json={
            "vacancies": [vacancy("atomic-3"), vacancy("atomic-4", posted="gisteren")],
            "atomic": True,
        },
        headers=WRITE,
    )
    body = problem(rejected, 422)
    assert [e["field"] for e in body["errors"]] == ["body.vacancies.1.posted"]
    assert body["detail"].startswith("1 of 2 records are invalid")  # of the batch, not of 1
    problem(client.get("/v1/vacancies/atomic-3"), 404)  # nothing of the batch was stored
    too_many = {"vacancies": [vacancy(f"n{i}") for i in range(501)]}
    assert "body.vacancies" in [
        e["field"]
        for e in problem(client.post("/v1/vacancies", json=too_many, headers=WRITE), 422)["errors"]
    ]


def test_expired_vacancies_never_appear(client: TestClient) -> None:
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    upsert(
        client,
        vacancy("old-1", region="Drenthe", postcode="9401", posted="2026-01-05", expires=yesterday),
        vacancy("new-1", region="Drenthe", postcode="9401", posted=date.today().isoformat()),
    )
    assert client.get("/v1/vacancies/old-1").json()["expired"] is True
    found = [h["id"] for h in search(client, text="lasser", region="9401", limit=10)]
    assert "new-1" in found and "old-1" not in found
    since = [h["id"] for h in search(client, region="Drenthe", posted_since="2026-02-01")]
    assert "new-1" in since and "old-1" not in since


def test_region_filter_returns_limit_when_enough_exist(client: TestClient) -> None:
    records = [vacancy(f"fr-{i:02d}", region="Flevoland", postcode=f"13{i:02d}") for i in range(24)]
    upsert(client, *records)
    hits = search(
        client, text="Ik heb jaren gelast in een scheepswerf", region="Flevoland", limit=20
    )
    assert len(hits) == 20 and all(h["region"] == "Flevoland" for h in hits)
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert all(h["postcode"].startswith("13") for h in search(client, region="13", limit=30))
    strict = search(client, text="lassen", region="Flevoland", min_score=0.99, limit=20)
    assert strict == []  # min_score leaves out weaker fits
    with_skills = search(
        client,
        text="Ik heb jaren gelast",
        skills=["technische tekeningen lezen"],
        region="Flevoland",
        limit=1,
    )[0]
    assert with_skills["scores"]["skills"] is not None and with_skills["matched_skills"]
    covered = with_skills["matched_skills"][0]
    assert covered["covered_by"] and covered["evidence"]["text"] in WELDER_TEXT
    # Skills without a text: only vacancies asking for a covered skill, still filtered.
    by_skill = search(client, skills=["technische tekeningen lezen"], region="13", limit=30)
    assert len(by_skill) >= 24 and all(h["matched_skills"] for h in by_skill)


def test_match_shows_vacancies_from_the_index(client: TestClient) -> None:
    upsert(client, vacancy("match-1", region="Limburg", postcode="6211"))
    welder = client.get("/v1/vacancies/match-1").json()["occupations"][0]["uri"]
    response = client.post(
        "/v1/match", json={"skills": ["lassen"], "target": [welder], "region": "6211"}
    )
    assert response.status_code == 200, response.text
    assert "match-1" in response.json()["matches"][0]["vacancies"]


def test_candidate_occupations(client: TestClient) -> None:
    upsert(client, vacancy("cand-1"))
    own = client.get("/v1/vacancies/cand-1").json()["occupations"][0]["uri"]
    answer = client.get("/v1/vacancies/cand-1/candidate-occupations", params={"limit": 5}).json()
    occupations = answer["occupations"]
    assert answer["vacancy"] == "cand-1" and 1 <= len(occupations) <= 5
    assert own not in [o["uri"] for o in occupations]
    assert all(o["shared_skills"] for o in occupations)
    assert [o["score"] for o in occupations] == sorted(
        (o["score"] for o in occupations), reverse=True
    )
    problem(client.get("/v1/vacancies/nope/candidate-occupations"), 404)


def test_search_needs_something(client: TestClient) -> None:
    body = problem(client.post("/v1/vacancies/search", json={}), 422)
    assert "at least one" in body["detail"]
    problem(client.post("/v1/vacancies/search", json={"region": "x", "limit": 0}), 422)
    for region in ("Utreg", "12345", "²"):
        bad = problem(client.post("/v1/vacancies/search", json={"region": region}), 422)
        assert [e["field"] for e in bad["errors"]] == ["body.region"]
    assert client.post("/v1/vacancies/search", json={"region": "noord-holland"}).status_code == 200
    problem(client.post("/v1/vacancies/search", json={"occupations": ["https://x.y/z"]}), 422)


def test_cli_import_reaches_the_running_server(
    client: TestClient, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.cli.commands import app as cli

    monkeypatch.setenv("OVERSTAP_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("OVERSTAP_DATABASE_URL", settings.resolved_database_url)
    get_settings.cache_clear()
    try:
        bad = tmp_path / "bad.jsonl"
        bad.write_text(
            json.dumps(vacancy("cli-0", postcode="9999")) + "\n" + '{"id": "cli-x", "title": 3}\n',
            encoding="utf-8",
        )
        result = CliRunner().invoke(cli, ["import", "vacancies", str(bad)])
        assert result.exit_code == 2
        assert f"{bad}:2:" in result.output and "nothing was imported" in result.output
        problem(client.get("/v1/vacancies/cli-0"), 404)
        good = tmp_path / "good.jsonl"
        good.write_text(
            "".join(
                json.dumps(vacancy(f"cli-{i}", region="Groningen", postcode="9999")) + "\n"
                for i in range(3)
            ),
            encoding="utf-8",
        )
        result = CliRunner().invoke(cli, ["import", "vacancies", str(good)])
        assert result.exit_code == 0, result.output
        assert "3 created" in result.output
    finally:
        get_settings.cache_clear()
    deadline = time.monotonic() + 30
    found: list[str] = []
    while time.monotonic() < deadline and len(found) < 3:
        found = [h["id"] for h in search(client, region="9999", limit=10)]
        time.sleep(0.2)
    assert sorted(found) == ["cli-0", "cli-1", "cli-2"]


def test_a_restart_keeps_every_acknowledged_vacancy(client: TestClient, settings: Settings) -> None:
    records = [vacancy(f"keep-{i}", region="Friesland", postcode="8999") for i in range(5)]
    assert upsert(client, *records)["stored"] == 5
    before = [h["id"] for h in search(client, text="lasser", region="8999", limit=10)]
    with TestClient(create_app(settings)) as restarted:
        after = [h["id"] for h in search(restarted, text="lasser", region="8999", limit=10)]
        assert restarted.get("/v1/vacancies/keep-4").status_code == 200
    assert sorted(before) == sorted(after) == [f"keep-{i}" for i in range(5)]


def test_a_vacancys_offer_gives_it_no_skill(client: TestClient) -> None:
    """Issue 19: the perks of a care vacancy ("een e-bike van de zaak") do not make it
    ask for repairing e-bikes; what the job asks still yields skills."""
    text = (
        "Verzorgende IG gezocht voor ons verpleeghuis.\n"
        "Wat ga je doen?\nJe verzorgt ouderen, helpt bij het wassen en deelt medicijnen uit.\n"
        "Wat bieden wij:\nEen e-bike van de zaak\nEen goed salaris en 25 vakantiedagen\n"
        "Solliciteren?\nStuur je cv naar onze recruiter."
    )
    upsert(client, {"id": "care-1", "title": "Verzorgende IG", "text": text})
    stored = client.get("/v1/vacancies/care-1").json()
    labels = [skill["label"] for skill in stored["skills"]]
    assert labels, "the tasks name skills"
    assert not any("e-bike" in label or "fiets" in label for label in labels), labels


def test_purge_over_http_and_from_the_cli(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Housekeeping: the admin call needs the key, names a bad field, counts on a dry
    run, and deletes expired vacancies so that this server stops returning them at
    once; `overstap db purge` on the same store reports in JSON."""
    from service.cli.commands import app as cli

    upsert(
        client,
        vacancy("purge-old", region="Drenthe", postcode="7999", expires="2020-01-31"),
        vacancy("purge-open", region="Drenthe", postcode="7999"),
    )
    problem(client.post("/v1/admin/purge"), 401)
    bad = problem(client.post("/v1/admin/purge", json={"expired_days": -1}, headers=WRITE), 422)
    assert "expired_days" in json.dumps(bad)
    dry = client.post("/v1/admin/purge", json={"dry_run": True}, headers=WRITE)
    assert dry.status_code == 200, dry.text
    assert dry.json()["dry_run"] is True and dry.json()["expired_vacancies"] >= 1
    assert client.get("/v1/vacancies/purge-old").status_code == 200
    done = client.post("/v1/admin/purge", headers=WRITE)  # no body: the defaults
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["expired_vacancies"] >= 1 and body["change_rows_kept"] >= 1
    today = datetime.now(UTC).date()  # the purge's clock is UTC
    assert body["expired_before"] in {
        (day - timedelta(days=30)).isoformat() for day in (today, date.today())
    }
    problem(client.get("/v1/vacancies/purge-old"), 404)
    assert client.get("/v1/vacancies/purge-open").status_code == 200
    found = client.post("/v1/vacancies/search", json={"region": "7999", "limit": 10}).json()
    assert [h["id"] for h in found["vacancies"]] == ["purge-open"]

    monkeypatch.setenv("OVERSTAP_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("OVERSTAP_DATABASE_URL", settings.resolved_database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["db", "purge", "--dry-run", "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["dry_run"] is True and report["expired_vacancies"] == 0
