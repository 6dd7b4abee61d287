"""Talking to a real ``overstap serve`` process (``service.bench.server.ServerProcess``)
from tests: its environment, and one HTTP call with a JSON body and answer."""

import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from service.bench.server import ServerProcess
from tests.support.seed import seed_into


def server_env(folder: Path, database_url: str, **settings: str) -> dict[str, str]:
    """``OVERSTAP_*`` variables for a server on its own data folder and database;
    ``settings`` by name without the prefix (``api_keys="k"``)."""
    env = {"OVERSTAP_DATA_DIR": str(folder / "var"), "OVERSTAP_DATABASE_URL": database_url}
    env.update({f"OVERSTAP_{name.upper()}": value for name, value in settings.items()})
    return env


def call(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """(status, lower-cased headers, decoded JSON or None) of one request."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        payload = json.dumps(body) if body is not None else None
        sent = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        found = {k.lower(): v for k, v in response.getheaders()}
        return response.status, found, json.loads(raw) if raw else None
    finally:
        connection.close()


@contextmanager
def sqlite_server(
    folder: Path, seed: Path | None = None, **settings: str
) -> Iterator[ServerProcess]:
    """A real ``overstap serve`` on its own SQLite store in ``folder``, logging to
    ``folder/server.log``, starting from a copy of ``seed`` when given (else empty: a
    first start); ``settings`` as for ``server_env``."""
    database_url = f"sqlite:///{folder / 'store.db'}"
    if seed is not None:
        seed_into(seed, folder / "var", database_url)
    env = server_env(folder, database_url, **settings)
    with ServerProcess(env, folder / "server.log", timeout=600) as running:
        yield running
