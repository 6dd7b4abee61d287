"""Sampling profiles of the running server for ``overstap bench --profile DIR``.

py-spy attaches to the server process while the load driver sends one endpoint's
requests, and writes collapsed stacks (``DIR/<endpoint>.txt``, one line per distinct
stack with its sample count; flame-graph tools read it). The summary lists where the
samples fall: the share of samples whose innermost frame is a function (self time),
and the share that pass through each of the project's own functions (inclusive time),
so the gap between the floor and the service can be read off per function.
"""

import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

PROJECT_PACKAGES = ("service/", "indexes/", "ontology/", "models/")


def available() -> bool:
    """Whether py-spy is installed (``pip install py-spy``)."""
    return shutil.which("py-spy") is not None


def start(pid: int, target: Path, seconds: float) -> "subprocess.Popen[bytes]":
    """Begin sampling ``pid`` (all threads, native frames off) for ``seconds``."""
    return subprocess.Popen(
        [
            "py-spy",
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--output",
            str(target),
            "--rate",
            "250",
            "--duration",
            str(max(1, round(seconds))),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def summarise(path: Path, top: int = 12) -> dict[str, Any]:
    """Self and inclusive shares of the busiest functions in a collapsed-stack file;
    idle worker threads (waiting on a lock or a socket) are left out."""
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    busy = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        frames = stack.split(";")
        leaf = frames[-1]
        if any(idle in leaf for idle in ("wait (threading", "select (", "_worker (concurrent")):
            continue
        count = int(count_text)
        busy += count
        self_time[_short(leaf)] += count
        for frame in dict.fromkeys(_short(f) for f in frames if _is_project(f)):
            inclusive[frame] += count
    if not busy:
        return {"samples": 0}
    return {
        "samples": busy,
        "self": [(name, round(n / busy, 3)) for name, n in self_time.most_common(top)],
        "inclusive_project": [(name, round(n / busy, 3)) for name, n in inclusive.most_common(top)],
    }


def _is_project(frame: str) -> bool:
    return any(f"({package}" in frame or f"/{package}" in frame for package in PROJECT_PACKAGES)


def _short(frame: str) -> str:
    """``function (path/to/module.py:line)`` → ``function (module.py)``."""
    name, _, where = frame.partition(" (")
    module = where.rsplit("/", 1)[-1].split(":", 1)[0].rstrip(")")
    return f"{name} ({module})" if module else name
