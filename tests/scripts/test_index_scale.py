"""`scripts/index_scale.py` (docs/scale.md's index figures) end to end, small."""

import json
import subprocess
import sys

from tests.support.paths import REPO_ROOT


def test_the_index_benchmark_prints_its_figures() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scripts.index_scale", "--sizes", "1000", "3000", "--queries", "20"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert set(report["sizes"]) == {"1000", "3000"}
    for figures in report["sizes"].values():
        assert figures["flat"]["p50_ms"] > 0 and figures["flat"]["index_mib"] > 0
        assert 0.0 < figures["hnsw"]["recall_at_10"] <= 1.0
    assert 0.5 < report["median_cosine_to_own_centre"] < 0.95  # clustered, not uniform
