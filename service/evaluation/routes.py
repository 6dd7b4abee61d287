"""Are training routes true? Every "this training closes that skill" claim in the
answers to the side-entrant cases and to the transitions of every technical
occupation, checked against what the store says the training teaches.

The check reads the store itself (taught skills and the skill hierarchy), not the
matcher's in-memory model, so a route built from anything else (similarity, a stale
snapshot) shows up as a false claim. A claim is true when the training teaches the
skill (``exact``) or a skill one step away in the hierarchy, and the claim says which
(``narrower``: the taught skill is narrower; ``broader``: it is broader).
"""

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from models.vocabulary import ConceptKind
from ontology import queries
from service.evaluation.match import match_case
from service.match.matcher import Matcher, MatchResult


class RouteTruth:
    """What the store says each training teaches, and the skill hierarchy."""

    def __init__(self, matcher: Matcher) -> None:
        store = matcher.catalog.store
        self.taught = {
            view.uri: set(view.skills)
            for kind in (ConceptKind.CERTIFICATE, ConceptKind.QUALIFICATION)
            for view in queries.trainings(store, kind)
        }
        self.broader = {k: set(v) for k, v in queries.skill_hierarchy(store).items()}

    def relation(self, training: str, skill: str) -> str | None:
        """How ``training`` teaches ``skill``: exact, narrower, broader or not at all."""
        taught = self.taught.get(training, set())
        if skill in taught:
            return "exact"
        if any(skill in self.broader.get(t, set()) for t in taught):
            return "narrower"
        if self.broader.get(skill, set()) & taught:
            return "broader"
        return None


def check(
    truth: RouteTruth, results: Iterable[MatchResult], counts: Counter[str], false: list[Any]
) -> None:
    """Count every route claim of ``results`` (``claims``, ``true``, per ``how``) and
    keep the false ones."""
    for result in results:
        for step in result.route.steps:
            for closed in step.closes:
                counts["claims"] += 1
                counts[f"claimed_{closed.how}"] += 1
                actual = truth.relation(step.training, closed.skill)
                if actual is not None and actual == closed.how:
                    counts["true"] += 1
                elif len(false) < 20:
                    false.append(
                        {
                            "occupation": result.assessment.occupation,
                            "training": step.training,
                            "skill": closed.skill,
                            "claimed": closed.how,
                            "actual": actual,
                        }
                    )
        counts["answers"] += 1
        counts["steps"] += len(result.route.steps)
        counts["uncovered"] += len(result.route.uncovered)


def evaluate_routes(
    matcher: Matcher,
    cases: list[dict[str, Any]],
    occupations: int | None = None,
    progress: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Route precision over the cases' answers (top 5 each) and the transitions (top 5)
    of the technical occupations (all, or the first ``occupations`` by URI)."""
    truth = RouteTruth(matcher)
    sources = sorted(matcher.technical)[:occupations]
    report: dict[str, Any] = {}
    together: Counter[str] = Counter()
    all_false: list[Any] = []
    for name, items in (("cases", list(cases)), ("transitions", list(sources))):
        counts: Counter[str] = Counter()
        false: list[Any] = []
        for item in items:
            if isinstance(item, dict):
                results = match_case(matcher, item)[0].results
            else:
                results = matcher.transitions(item, "techniek", 5, None)[1]
            check(truth, results, counts, false)
            if progress is not None:
                progress()
        report[name] = summary(counts, false)
        together.update(counts)
        all_false.extend(false)
    report["all"] = summary(together, all_false)
    return report


def summary(counts: Counter[str], false: list[Any]) -> dict[str, Any]:
    """Counts and precision (1.0 when nothing was claimed: no claim is false)."""
    claims = counts["claims"]
    return {
        "answers": counts["answers"],
        "steps": counts["steps"],
        "claims": claims,
        "true": counts["true"],
        "claimed_exact": counts["claimed_exact"],
        "claimed_narrower": counts["claimed_narrower"],
        "claimed_broader": counts["claimed_broader"],
        "uncovered": counts["uncovered"],
        "precision": round(counts["true"] / claims, 4) if claims else 1.0,
        "false": false[:20],
    }
