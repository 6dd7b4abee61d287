"""The peer step's arithmetic and guards (``service.bench.peer``); the step itself runs
end to end in CI's ``make bench-smoke`` (``overstap bench --quick --peer txtai``)."""

import numpy as np
import pytest

from service.bench import peer
from service.bench.harness import BenchError, BenchOptions, _ratios, run


def test_agreement_counts_the_exact_top_10_with_ties_at_the_tenth_place() -> None:
    vectors = np.eye(12, dtype=np.float32)
    vectors[11] = vectors[10]  # the same text in two languages: an exact tie
    query = np.linspace(1.0, 0.5, 12).astype(np.float32)
    query[11] = query[10]
    # exact top 10 by score: rows 0..9; rows 10 and 11 tie just below the tenth (0.59)
    exact = list(range(10))
    assert peer.agreement(vectors, query[None, :], [exact]) == 1.0
    assert peer.agreement(vectors, query[None, :], [[*range(9), 10]]) == 0.9
    # a tie AT the tenth place counts either way
    query[10] = query[11] = query[9]
    assert peer.agreement(vectors, query[None, :], [[*range(9), 11]]) == 1.0
    # missing answers (-1, fewer than ten) count as wrong
    assert peer.agreement(vectors, query[None, :], [[0, 1, -1]]) == 0.2


def test_the_rps_ratios_reach_the_top_level_ratios() -> None:
    runs = {"p50_ms": 10.0, "p99_ms": 20.0, "rps": 50.0}
    endpoints = ("search", "suggest", "normalize", "extract", "match")
    report = {
        "floor": {"query_ms": 10.0, "embed_query_ms": 9.0, "st_torch_embed_query_ms": 27.0},
        "in_process": {f"{name}_ms": 10.0 for name in endpoints},
        "service": {"endpoints": {n: {"c1": runs, "c4": runs, "c8": runs} for n in endpoints}},
        "indexing": {"cold": {"seconds": 100.0}, "warm": {"seconds": 2.0}},
        "peer": {"search_rps_over_txtai": {"c1": 1.3, "c4": 2.1, "c8": 2.4}},
    }
    ratios = _ratios(report)
    assert (ratios["search_rps_over_txtai_c1"], ratios["search_rps_over_txtai_c8"]) == (1.3, 2.4)


def test_an_unknown_peer_is_refused_before_any_work() -> None:
    stages: list[str] = []
    with pytest.raises(BenchError, match="--peer is one of txtai"):
        run(BenchOptions(peer="elasticsearch"), stages.append)
    assert stages == []  # nothing was built


def test_txtai_is_asked_for_the_top_10_of_each_query() -> None:
    requests = peer.search_requests(["cv monteur", "CNC draaier"])
    assert [r["path"] for r in requests] == [
        "/search?query=cv%20monteur&limit=10",
        "/search?query=CNC%20draaier&limit=10",
    ]
