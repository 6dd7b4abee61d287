"""Access over real HTTP: keys for writes and admin calls (401 without, 403 wrong, both
problem+json), keys for reads when configured, the rate limit of the expensive
endpoints (429 with Retry-After, per key and per client), CORS, and the body limit on
the admin routes. Keys never reach a log line."""

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from service.api.access import KeyRing, RateLimiter, fingerprint
from service.api.app import create_app
from service.settings import Settings
from tests.support.seed import seed_into

KEYS = ["first-key-0123456789", "second-key-abcdefghij"]
PROBLEM = "application/problem+json"
STORY = {"text": "Ik heb tien jaar als kok gewerkt en repareer graag fietsen."}


@pytest.fixture(scope="module")
def base(
    tmp_path_factory: pytest.TempPathFactory, module_database_url: str, default_seed: Path
) -> Settings:
    """Settings of one data folder (store, snapshot) shared by the apps below, built
    once; the store on each database."""
    data_dir = tmp_path_factory.mktemp("access") / "var"
    seed_into(default_seed, data_dir, module_database_url)
    return Settings(
        data_dir=data_dir,
        database_url=module_database_url,
        api_keys=KEYS,
    )


def variant(base: Settings, **changes: object) -> Settings:
    return base.model_copy(update=changes)


@pytest.fixture(scope="module")
def client(base: Settings) -> Iterator[TestClient]:
    app = create_app(variant(base, rate_limit_per_minute=3))
    with TestClient(app) as test_client:
        yield test_client


def problem(response: Any, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["status"] == status
    return body


def test_keys_compare_every_key_and_fingerprints_hide_them() -> None:
    ring = KeyRing([SecretStr(key) for key in KEYS])
    assert ring.accepts(KEYS[0]) and ring.accepts(KEYS[1])
    assert not ring.accepts(KEYS[0][:-1]) and not ring.accepts("")
    assert not KeyRing([])
    assert KEYS[0] not in fingerprint(KEYS[0]) and fingerprint(KEYS[0]) != fingerprint(KEYS[1])


def test_admin_and_writes_need_a_valid_key(client: TestClient) -> None:
    missing = client.post("/v1/admin/reindex")
    assert "API key" in str(problem(missing, 401)["detail"])
    assert missing.headers["www-authenticate"] == "Bearer"
    problem(client.post("/v1/admin/reindex", headers={"X-API-Key": "nope"}), 403)
    problem(client.get("/v1/admin/reindex/abc", headers={"Authorization": "Bearer nope"}), 403)
    problem(client.delete("/v1/vacancies/x", headers={"Authorization": "Basic Zm9vOmJhcg=="}), 401)
    # the right key in either header gets through to the route (404: no such job)
    problem(client.get("/v1/admin/reindex/abc", headers={"X-API-Key": KEYS[1]}), 404)
    found = client.get("/v1/admin/reindex/abc", headers={"Authorization": f"Bearer {KEYS[0]}"})
    problem(found, 404)


def test_without_configured_keys_writes_are_closed(base: Settings) -> None:
    app = create_app(variant(base, api_keys=[]))
    with TestClient(app) as open_client:
        body = problem(open_client.post("/v1/admin/reindex", headers={"X-API-Key": "x"}), 403)
        assert body["title"] == "Forbidden"
        detail = str(problem(open_client.delete("/v1/vacancies/x"), 401)["detail"])
        assert "OVERSTAP_API_KEYS" in detail
        assert open_client.get("/v1/occupations/search", params={"q": "lasser"}).status_code == 200


def test_reads_are_open_by_default_and_closed_when_configured(
    client: TestClient, base: Settings
) -> None:
    assert client.get("/v1/occupations/search", params={"q": "lasser"}).status_code == 200
    closed = create_app(variant(base, read_requires_key=True))
    with TestClient(closed) as closed_client:
        problem(closed_client.get("/v1/occupations/search", params={"q": "lasser"}), 401)
        problem(closed_client.get("/v1/meta", headers={"X-API-Key": "wrong"}), 403)
        assert closed_client.get("/v1/meta", headers={"X-API-Key": KEYS[0]}).status_code == 200
        # health checks and the API description stay open for orchestrators and tools
        assert closed_client.get("/healthz").status_code == 200
        assert closed_client.get("/readyz").status_code == 200
        assert closed_client.get("/openapi.json").status_code == 200


def test_rate_limit_answers_429_with_retry_after_per_key_and_client(client: TestClient) -> None:
    anonymous = [
        client.post("/v1/skills/extract", json={"text": "Ik las staal."}) for _ in range(4)
    ]
    assert [r.status_code for r in anonymous[:3]] == [200, 200, 200]
    limited = anonymous[3]
    problem(limited, 429)
    assert 1 <= int(limited.headers["retry-after"]) <= 20
    # the limit covers /v1/match too, and the same client is over it there as well
    problem(client.post("/v1/match", json=STORY), 429)
    # a key is its own bucket; cheap endpoints are not limited
    keyed = {"X-API-Key": KEYS[0]}
    assert client.post("/v1/match", json=STORY, headers=keyed).status_code == 200
    for _ in range(5):
        assert client.get("/v1/occupations/search", params={"q": "las"}).status_code == 200
    # a wrong key does not open a fresh bucket: it counts as the client
    wrong = client.post("/v1/skills/extract", json={"text": "las"}, headers={"X-API-Key": "x"})
    problem(wrong, 429)


def test_token_bucket_refills_evenly() -> None:
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])  # one per second, bursts of 60
    assert all(limiter.take("a") == 0.0 for _ in range(60))
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0.0
    now[0] += 2.5
    assert limiter.take("a") == 0.0 and limiter.take("a") == 0.0
    assert limiter.take("a") > 0.0


def test_cors_is_off_by_default_and_follows_settings(client: TestClient, base: Settings) -> None:
    preflight = {
        "Origin": "https://portaal.example.nl",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-api-key",
    }
    plain = client.get("/v1/meta", headers={"Origin": "https://portaal.example.nl"})
    assert "access-control-allow-origin" not in plain.headers
    app = create_app(variant(base, cors_origins=["https://portaal.example.nl"]))
    with TestClient(app) as cors_client:
        allowed = cors_client.options("/v1/match", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://portaal.example.nl"
        assert "x-api-key" in allowed.headers["access-control-allow-headers"].lower()
        other = cors_client.options("/v1/match", headers={**preflight, "Origin": "https://x.nl"})
        assert "access-control-allow-origin" not in other.headers
        answer = cors_client.get("/v1/meta", headers={"Origin": "https://portaal.example.nl"})
        assert answer.headers["access-control-allow-origin"] == "https://portaal.example.nl"
        assert "x-overstap-snapshot" in answer.headers["access-control-expose-headers"].lower()


def test_body_limit_covers_writes_before_auth(client: TestClient) -> None:
    big = b'{"vacancies": [' + b" " * 1_100_000 + b"]}"
    refused = client.post(
        "/v1/vacancies", content=big, headers={"content-type": "application/json"}
    )
    problem(refused, 413)


def test_keys_never_reach_the_logs(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        client.get("/v1/meta", headers={"X-API-Key": KEYS[0]})
        client.post("/v1/admin/reindex", headers={"Authorization": f"Bearer {KEYS[1]}x"})
    text = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert "overstap.access" in {r.name for r in caplog.records}
    assert fingerprint(KEYS[0]) in text  # the caller is named by fingerprint
    assert KEYS[0] not in text and KEYS[1] not in text
