"""An unexpected error answers 500 problem+json and logs its type and stack, never its
message: messages may quote what a client sent (see also test_server_process)."""

import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import Settings

MARKER = "ZQX-private-story-8841"


def test_a_crash_logs_no_message_and_answers_a_problem(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(data_dir=tmp_path))

    def boom() -> None:
        raise ValueError(f"could not parse {MARKER}")

    app.add_api_route("/boom", boom)
    app.router.routes.insert(0, app.router.routes.pop())  # before the page's mount at /
    with caplog.at_level(logging.DEBUG):
        answer = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    assert MARKER not in answer.text
    logged = [r for r in caplog.records if r.name == "overstap.api"]
    assert logged and logged[0].getMessage() == "unhandled ValueError"
    assert "boom" in vars(logged[0])["stack"]  # where it happened is kept
    everything = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert MARKER not in everything
