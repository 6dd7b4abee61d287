"""MELO evaluation: the metric code reproduces the published char TF-IDF baseline."""

import json

import pytest

from service.evaluation.melo import evaluate, load_dataset, metrics
from tests.support.cli import Cli
from tests.support.paths import SHARED_DATA

MELO = SHARED_DATA / "melo-benchmark-nl"
needs_melo = pytest.mark.skipif(
    not MELO.is_dir(), reason=f"MELO benchmark not found at {MELO} (CI has it)"
)


def test_trec_style_metrics_on_a_hand_made_ranking() -> None:
    ranked = {"q1": ["a", "b", "c"], "q2": ["x", "y", "z"]}
    relevant = {"q1": {"b", "c"}, "q2": {"w"}}
    result = metrics(ranked, relevant)
    assert result["mrr"] == pytest.approx((1 / 2 + 0) / 2)
    assert result["map"] == pytest.approx(((1 / 2 + 2 / 3) / 2 + 0) / 2)
    assert result["success_1"] == 0.0 and result["success_5"] == 0.5


@needs_melo
def test_char_tfidf_reproduces_the_published_bel_baseline() -> None:
    result = evaluate(load_dataset(MELO, "bel_q_nl_c_nl"), None, lexical_weight=1.0)
    assert result["mrr"] == pytest.approx(0.5529, abs=0.005)  # published char_tf_idf
    assert result["map"] == pytest.approx(0.2246, abs=0.005)
    assert result["queries"] == 328


@needs_melo
def test_cli_prints_json(cli: Cli) -> None:
    result = cli(
        "evaluate",
        "melo",
        "--data",
        str(MELO),
        "--dataset",
        "bel_q_nl_c_nl",
        "--lexical-only",
        "--json",
    )
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert set(printed) >= {"mrr", "map", "success_1", "success_5", "success_10", "config"}
    assert printed["config"]["lexical_weight"] == 1.0


def test_cli_names_a_wrong_folder(cli: Cli, tmp_path: object) -> None:
    result = cli(
        "evaluate", "melo", "--data", str(tmp_path), "--dataset", "bel_q_nl_c_nl", "--lexical-only"
    )
    assert result.exit_code == 2
    assert "MELO benchmark folder" in result.stderr
