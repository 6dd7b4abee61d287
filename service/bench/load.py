"""The load side of ``overstap bench``: a separate process that drives a running server.

It runs apart from the server (a process of its own, so its Python threads do not share
the server's interpreter lock) and speaks plain HTTP/1.1 keep-alive over loopback with
``http.client``, the lightest client in the standard library, so the client's own cost
stays small beside the server's. Every worker thread keeps one connection; the run stops
after a fixed number of requests or a time limit, whichever comes first.

    python -m service.bench.load '{"base": "http://127.0.0.1:8765", "requests": [...],
        "concurrency": 4, "count": 200, "max_seconds": 30}'

prints one JSON object: latencies (ms, in completion order), failures, wall seconds.
"""

import http.client
import json
import math
import statistics
import sys
import threading
import time
from typing import Any
from urllib.parse import urlsplit


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1))
    return ordered[rank]


def percentiles(samples: list[float], digits: int = 2) -> dict[str, float]:
    """p50 (the median) and p99 (the sample at index ⌊0.99·n⌋) of ``samples`` in
    seconds, as ms rounded to ``digits``: what the scripts' in-process timings report."""
    ordered = sorted(samples)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), digits),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))], digits),
    }


def summarise(latencies_ms: list[float], failures: int, seconds: float) -> dict[str, Any]:
    """p50/p95/p99, mean and requests/s of one run."""
    return {
        "requests": len(latencies_ms),
        "failures": failures,
        "seconds": round(seconds, 3),
        "rps": round(len(latencies_ms) / seconds, 2) if seconds > 0 else None,
        "p50_ms": round(percentile(latencies_ms, 0.50), 2),
        "p95_ms": round(percentile(latencies_ms, 0.95), 2),
        "p99_ms": round(percentile(latencies_ms, 0.99), 2),
        "mean_ms": round(statistics.fmean(latencies_ms), 2) if latencies_ms else None,
    }


def drive(
    base: str,
    requests: list[dict[str, Any]],
    concurrency: int,
    count: int,
    max_seconds: float,
) -> dict[str, Any]:
    """Send ``count`` requests (cycling through ``requests``: method, path, body) from
    ``concurrency`` threads; stop early at ``max_seconds``."""
    target = urlsplit(base)
    host, port = target.hostname or "127.0.0.1", target.port or 80
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []
    issued = 0
    deadline = time.perf_counter() + max_seconds

    def take() -> int | None:
        nonlocal issued
        with lock:
            if issued >= count or time.perf_counter() > deadline:
                return None
            issued += 1
            return issued - 1

    def worker() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=120)
        while (number := take()) is not None:
            spec = requests[number % len(requests)]
            body = json.dumps(spec["body"]).encode() if spec.get("body") is not None else None
            headers = {"Content-Type": "application/json"} if body else {}
            started = time.perf_counter()
            try:
                connection.request(spec["method"], spec["path"], body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                elapsed = 1000 * (time.perf_counter() - started)
                with lock:
                    if response.status == 200:
                        latencies.append(elapsed)
                    else:
                        failures.append(f"{response.status} {spec['path']}")
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    failures.append(f"{type(exc).__name__}: {exc}")
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=120)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = summarise(latencies, len(failures), time.perf_counter() - started)
    result["concurrency"] = concurrency
    result["failure_examples"] = sorted(set(failures))[:3]
    return result


def main() -> None:
    plan = json.loads(sys.argv[1])
    print(
        json.dumps(
            drive(
                plan["base"],
                plan["requests"],
                int(plan["concurrency"]),
                int(plan["count"]),
                float(plan["max_seconds"]),
            )
        )
    )


if __name__ == "__main__":
    main()
