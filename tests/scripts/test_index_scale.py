"""`scripts/index_scale.py` (docs/scale.md's index figures) end to end, small."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from indexes.ann import create_index
from tests.support.paths import REPO_ROOT


def index_scale(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m scripts.index_scale ARGS`` from the checkout, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "scripts.index_scale", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_the_index_benchmark_prints_its_figures() -> None:
    done = index_scale(
        *("--sizes", "1000", "3000", "--queries", "20", "--shapes", "16:40", "32:100"),
        *("--search-breadths", "16", "256", "--ivf-lists", "16", "--probes", "1", "16"),
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


def test_a_models_own_vectors_can_stand_in_for_the_synthetic_ones(tmp_path: Path) -> None:
    """``--real``: vectors read from index files (as a snapshot writes them), the queries
    held out of the set, so no query finds itself."""
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(400, 24)).astype(np.float32) + 2.0  # a narrow cone
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for part, rows in enumerate((vectors[:250], vectors[250:])):
        index = create_index(24)
        index.add(rows, np.arange(len(rows), dtype=np.int64) + 1000 * part)
        index.save(tmp_path / f"part{part}.faiss")
    done = index_scale(
        *("--real", str(tmp_path / "part0.faiss"), str(tmp_path / "part1.faiss")),
        *("--sizes", "380", "--queries", "20", "--ivf-lists", "--shapes", "8:40"),
        *("--search-breadths", "400"),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["dimension"] == 24 and report["median_cosine_of_random_pairs"] > 0.5
    (graph,) = report["sizes"]["380"]["hnsw"]
    assert graph["search"]["400"]["recall_at_10"] >= 0.99  # searching every vector
    assert report["sizes"]["380"]["ivf"] == []
    too_many = index_scale(
        *("--real", str(tmp_path / "part0.faiss"), "--sizes", "240", "--queries", "20"),
        "--ivf-lists",
    )
    assert too_many.returncode == 2 and "230 vectors besides the queries" in too_many.stderr
