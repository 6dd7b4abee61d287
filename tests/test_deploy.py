"""deploy/compose.yaml: it parses, its services fit together, and they run: the Ray
head and two API replicas started as processes with the file's own environment (paths,
ports and the database swapped for this machine's: the test PostgreSQL server when set,
else SQLite), a re-index on the cluster that both replicas switch to."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.bench.server import ServerProcess, free_port
from service.settings import Settings
from tests.conftest import POSTGRES_URL, fresh_database
from tests.support.paths import REPO_ROOT
from tests.support.served import call

COMPOSE = REPO_ROOT / "deploy" / "compose.yaml"
OVERSTAP_SERVICES = ("api-1", "api-2", "ray-head")
KEY = "deploy-test-key"
VARIABLE = re.compile(r"\$\{(\w+)(?:(:-|:\?)([^}]*))?\}")


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())  # merge keys included
    return loaded


def _substitute(value: str, given: Mapping[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}``."""

    def one(match: re.Match[str]) -> str:
        name, how, rest = match.group(1), match.group(2), match.group(3) or ""
        if given.get(name):
            return given[name]
        if how == ":?":
            raise KeyError(f"{name}: {rest}")
        return rest if how == ":-" else ""

    return VARIABLE.sub(one, value)


def _environment(service: dict[str, Any], given: Mapping[str, str]) -> dict[str, str]:
    return {k: _substitute(str(v), given) for k, v in service["environment"].items()}


def test_the_compose_file_fits_together() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) == {"db", *OVERSTAP_SERVICES}
    database = services["db"]["environment"]
    fields = {f"OVERSTAP_{name.upper()}" for name in Settings.model_fields} | {
        "OVERSTAP_MODELS_DIR"
    }
    for name in OVERSTAP_SERVICES:
        service = services[name]
        env = _environment(service, {"OVERSTAP_API_KEYS": KEY})
        assert service["volumes"] == ["data:/data"], name  # one shared data folder
        assert env["OVERSTAP_DATA_DIR"] == "/data"
        assert {k for k in env if k.startswith("OVERSTAP_")} <= fields, name  # no typos
        expected = (
            f"postgresql+psycopg://{database['POSTGRES_USER']}:"
            f"{_substitute(database['POSTGRES_PASSWORD'], {})}@db:5432/{database['POSTGRES_DB']}"
        )
        assert env["OVERSTAP_DATABASE_URL"] == expected, name
        assert service["depends_on"]["db"]["condition"] == "service_healthy"
        assert service["build"]["args"]["EXTRAS"] == "postgres,ray"
    with pytest.raises(KeyError, match="OVERSTAP_API_KEYS"):  # no keyless deployment
        _environment(services["api-1"], {})
    assert [services[n]["command"] for n in ("api-1", "api-2")] == [["overstap", "serve"]] * 2
    ports = [services[n]["ports"][0].split(":")[0] for n in ("api-1", "api-2")]
    assert len(set(ports)) == 2
    assert services["ray-head"]["command"][:3] == ["ray", "start", "--head"]
    assert "ARG EXTRAS" in (REPO_ROOT / "Dockerfile").read_text()


@contextmanager
def _database(root: Path) -> Iterator[str]:
    if POSTGRES_URL:
        with fresh_database("postgresql", root) as url:
            yield url
    else:
        yield f"sqlite:///{root / 'store.db'}"


@contextmanager
def _ray_head(command: list[str], env: dict[str, str]) -> Iterator[str]:
    """The compose file's head command on a free port, with a short temp folder (Ray's
    socket paths must stay under 108 characters); stopped with its processes."""
    port = free_port()
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    args = [a for a in command if not a.startswith(("--port", "--dashboard"))]
    ray = shutil.which("ray", path=str(Path(sys.executable).parent))
    assert ray, "ray's command is installed with the ray extra"
    process = subprocess.Popen(
        [ray, *args[1:], f"--port={port}", f"--temp-dir={temp}", "--include-dashboard=false"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()  # `ray start --block` stops the cluster when it ends
        process.wait(timeout=60)
        shutil.rmtree(temp, ignore_errors=True)


def _snapshot(port: int) -> str:
    status, _, body = call(port, "GET", "/v1/meta")
    assert status == 200
    snapshot: str = body["snapshot"]["id"]
    return snapshot


@pytest.mark.slow
def test_the_services_start_as_processes_with_the_same_environment(tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the ray extra is not installed (`.ci/run` installs it)")
    services = _compose()["services"]
    with _database(tmp_path) as url, ExitStack() as stack:
        here = {  # what differs on this machine: where the volume and database are
            "OVERSTAP_DATA_DIR": str(tmp_path / "data"),
            "OVERSTAP_DATABASE_URL": url,
            "OVERSTAP_HOST": "127.0.0.1",
        }
        env = {
            name: _environment(services[name], {"OVERSTAP_API_KEYS": KEY}) | here
            for name in OVERSTAP_SERVICES
        }
        head = stack.enter_context(_ray_head(services["ray-head"]["command"], env["ray-head"]))
        replicas = [
            stack.enter_context(ServerProcess(env[name], tmp_path / f"{name}.log"))
            for name in ("api-1", "api-2")
        ]
        first = {_snapshot(r.port) for r in replicas}
        assert len(first) == 1  # the second replica loaded what the first built
        job = subprocess.run(  # as `docker compose exec ray-head overstap reindex --ray …`
            [sys.executable, "-m", "service.cli", "reindex", "--ray", head],
            env={**os.environ, **env["ray-head"]},
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert job.returncode == 0, job.stderr
        built = job.stdout.split()[1]
        assert built not in first
        deadline = time.monotonic() + 120
        while {_snapshot(r.port) for r in replicas} != {built}:
            assert time.monotonic() < deadline, "the replicas did not switch"
            time.sleep(0.5)
