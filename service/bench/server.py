"""A real ``overstap serve`` process for ``overstap bench`` (or a peer's server, given
its command): started on a free loopback port, timed until its readiness path answers
200, its memory read from ``/proc``, stopped."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

SERVE = (sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1")


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def json_call(port: int, method: str, path: str, body: Any = None) -> Any:
    """One request to a loopback server and its decoded JSON answer; any status but 200
    is an error naming the path (what the scripts and the peer step ask a server)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        payload = json.dumps(body) if body is not None else None
        connection.request(method, path, payload, {"Content-Type": "application/json"})
        answer = connection.getresponse()
        raw = answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{method} {path} answered {answer.status}: {raw[:300]!r}")
        return json.loads(raw)
    finally:
        connection.close()


class BenchServerError(RuntimeError):
    """The server did not become ready."""


class ServerProcess:
    """``python -m service.cli serve`` with the given environment, as a context manager;
    or another server's ``command`` that takes ``--port`` and answers ``ready_path``."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        timeout: float = 600.0,
        command: Sequence[str] = SERVE,
        ready_path: str = "/readyz",
        name: str = "serve",
    ) -> None:
        self.port = free_port()
        self._command = tuple(command)
        self._ready_path = ready_path
        self._name = name
        self.base = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, **env, "HF_HUB_OFFLINE": "1"}
        self._log_path = log_path
        self._timeout = timeout
        self._process: subprocess.Popen[bytes] | None = None
        self.ready_seconds = float("nan")

    @property
    def log_path(self) -> Path:
        """Where the server's output goes."""
        return self._log_path

    def __enter__(self) -> "ServerProcess":
        log = self._log_path.open("ab")
        started = time.perf_counter()
        self._process = subprocess.Popen(
            [*self._command, "--port", str(self.port)],
            env=self._env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        while time.perf_counter() - started < self._timeout:
            if self._process.poll() is not None:
                raise BenchServerError(
                    f"{self._name} exited with {self._process.returncode}; see {self._log_path}"
                )
            if self._ready():
                self.ready_seconds = time.perf_counter() - started
                return self
            time.sleep(0.02)
        self.stop()
        raise BenchServerError(f"{self._name} not ready within {self._timeout:.0f} s")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _ready(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", self._ready_path)
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    @property
    def pid(self) -> int:
        if self._process is None:
            raise BenchServerError("not started")
        return self._process.pid

    def memory_mib(self) -> dict[str, float]:
        """Resident memory now and its peak so far (VmRSS, VmHWM)."""
        figures: dict[str, float] = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                figures[{"VmRSS": "rss_mib", "VmHWM": "peak_rss_mib"}[key]] = round(
                    int(rest.split()[0]) / 1024, 1
                )
        return figures

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
