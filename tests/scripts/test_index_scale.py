"""`scripts/index_scale.py` (docs/scale.md's index figures) end to end, small."""

import json
import subprocess
import sys

from tests.support.paths import REPO_ROOT


def test_the_index_benchmark_prints_its_figures() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.index_scale",
            "--sizes",
            "1000",
            "3000",
            "--queries",
            "20",
            "--shapes",
            "16:40",
            "32:100",
            "--search-breadths",
            "16",
            "256",
            "--ivf-lists",
            "16",
            "--probes",
            "1",
            "16",
        ],
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
        graphs = figures["hnsw"]
        assert [(g["neighbours"], g["build_breadth"]) for g in graphs] == [(16, 40), (32, 100)]
        for graph in graphs:
            recalls = [graph["search"][b]["recall_at_10"] for b in ("16", "256")]
            assert all(0.0 < recall <= 1.0 for recall in recalls)
            # a wider search finds at least as much of the exact top 10 on the same graph
            assert recalls[1] >= recalls[0]
        (ivf,) = figures["ivf"]
        assert ivf["lists"] == 16 and ivf["build_seconds"] >= 0
        # scanning every cell is an exact search (up to float ties at rank 10)
        assert ivf["search"]["1"]["recall_at_10"] <= ivf["search"]["16"]["recall_at_10"]
        assert ivf["search"]["16"]["recall_at_10"] >= 0.99
    assert 0.5 < report["median_cosine_to_own_centre"] < 0.95  # clustered, not uniform
