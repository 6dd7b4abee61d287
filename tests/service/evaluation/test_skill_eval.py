"""The skill-extraction metrics (RP@5, MRR, recall@10, threshold sweep) on hand-made
rankings, and the benchmark reader on the real files when present."""

import pytest

from service.evaluation.skills import load_sentences, score_rankings
from tests.support.paths import SHARED_DATA

DECORTE = SHARED_DATA / "decorte-skill-extraction-benchmark"


def test_metrics_on_known_rankings() -> None:
    gold = {"s1": {"weld", "cut"}, "s2": {"drive"}, "s3": {"paint"}}
    uri_of = {"weld": "u:weld", "cut": "u:cut", "drive": "u:drive"}  # "paint" unmapped
    rankings = {
        "s1": [("u:other", 0.2), ("u:weld", 0.1), ("u:cut", 0.05)],
        "s2": [("u:x", 0.3)] * 10 + [("u:drive", 0.01)],
    }
    result = score_rankings(gold, uri_of, lambda s: rankings[s], sweep=True)
    assert result["sentences"] == 2  # s3 has no label in the store
    assert result["gold_labels_not_in_store"] == 1
    assert result["rp_at_5"] == pytest.approx((2 / 2 + 0) / 2)
    assert result["mrr"] == pytest.approx((1 / 2 + 1 / 11) / 2)
    assert result["recall_at_10"] == pytest.approx((1.0 + 0.0) / 2)
    at_004 = next(t for t in result["threshold_sweep"] if t["threshold"] == 0.04)
    # predicted at 0.04: s1 {other, weld, cut}, s2 {x} → tp 2, fp 2, fn 1
    assert (at_004["precision"], at_004["recall"]) == (0.5, pytest.approx(0.6667, abs=1e-4))


@pytest.mark.skipif(not DECORTE.is_dir(), reason=f"benchmark not found at {DECORTE}")
def test_reader_on_the_real_validation_files() -> None:
    tech = load_sentences(DECORTE, "tech", "validation")
    assert len(tech) == 75  # sentences with at least one usable ESCO label
    assert all(labels for labels in tech.values())
