"""The family view of a ranking (issue 20's measured alternative): the best occupation
of each ISCO group, an occupation without a group being its own family."""

from types import SimpleNamespace
from typing import Any

from service.evaluation.match import by_family
from service.match.matcher import MatchOutcome


def _result(uri: str) -> Any:
    return SimpleNamespace(assessment=SimpleNamespace(occupation=uri))


def test_the_best_of_each_family_is_kept_in_rank_order() -> None:
    # The matcher's ISCO unit group per occupation (c1 and x have none).
    families = {"a1": "7231", "a2": "7231", "b1": "7233", "d1": "7412"}
    matcher: Any = SimpleNamespace(families=families)
    ranked = ["a1", "a2", "b1", "c1", "x", "d1"]
    profile: Any = SimpleNamespace()
    outcome = MatchOutcome(profile, [_result(u) for u in ranked])
    unit = by_family(matcher, outcome, 4)
    assert [r.assessment.occupation for r in unit.results] == ["a1", "b1", "c1", "x", "d1"]
    minor = by_family(matcher, outcome, 3)  # 7231 and 7233 are one minor group
    assert [r.assessment.occupation for r in minor.results] == ["a1", "c1", "x", "d1"]
