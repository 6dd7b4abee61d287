"""Side-entrant match quality on hand-written Dutch cases (``cases/*.yaml`` beside this
module, shipped with the package).

Each case has a story (plus, sometimes, past occupations or stated skills), the good
moves a careers advisor would name, and occupations that must not be on top. The
report gives top-1 and top-5 hit rates (a good move at rank 1 / within 5), the share
of cases with an unwanted occupation in the top 3, and the share of suggestions that
come with a non-empty training route.

Issue 19 adds honesty figures: answers that list matches all at 0 % (should be none:
the match abstains instead), the share of cases with ``past_jobs`` (occupations the
story names) whose every named job was recognised, and the share of ``abstain: true``
cases (nonsense, off-domain, nothing learned) answered with no matches.

Issue 20 adds a family view as a measured alternative (``families``): the ranking cut
to the best occupation of each ISCO group (the first ``families`` digits), so that
near-duplicates do not fill the top 5; an occupation without an ISCO group is its own
family.
"""

import time
from pathlib import Path
from typing import Any

import yaml

from service.errors import UnresolvedLabelError
from service.match.matcher import Matcher, MatchOutcome
from service.schemas.match import MatchRequest


class CaseError(Exception):
    """The cases file is missing or malformed."""


def load_cases(path: Path) -> list[dict[str, Any]]:
    """The cases of one YAML file."""
    try:
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CaseError(f"cannot read {path}: {exc}") from exc
    if not isinstance(cases, list):
        raise CaseError(f"{path}: expected a list of cases")
    return cases


def evaluate_splits(
    matcher: Matcher, cases: list[dict[str, Any]], families: int | None = None
) -> dict[str, Any]:
    """``evaluate`` per split (dev: for tuning; test: for reporting) and over all cases."""
    report = {"all": evaluate(matcher, cases, families)}
    splits = sorted({str(c["split"]) for c in cases if c.get("split") is not None} - {"all"})
    for split in splits:
        chosen = [c for c in cases if c.get("split") is not None and str(c["split"]) == split]
        report[split] = evaluate(matcher, chosen, families)
    return report


FAMILY_POOL = 60  # how deep the ranking is read to fill five families


def by_family(matcher: Matcher, outcome: MatchOutcome, digits: int) -> MatchOutcome:
    """The outcome with only the best-ranked occupation of each ISCO group kept."""
    seen: set[str] = set()
    kept = []
    for result in outcome.results:
        uri = result.assessment.occupation
        family = matcher.families.get(uri, "")[:digits] or uri
        if family not in seen:
            seen.add(family)
            kept.append(result)
    return MatchOutcome(outcome.profile, kept[:5], outcome.message)


def match_case(
    matcher: Matcher, case: dict[str, Any], limit: int = 5
) -> tuple[MatchOutcome, list[str]]:
    """The case's answer, as a portal would get it: a listed label the service refuses
    (422, "did you mean") is dropped, as the person would drop it, and the request sent
    again. Built unvalidated, as the matcher takes it: a case with nothing to match
    still counts (as a miss) instead of stopping the whole run."""
    fields = {
        "occupations": list(case.get("occupations") or []),
        "skills": list(case.get("skills") or []),
    }
    dropped: list[str] = []
    while True:
        request = MatchRequest.model_construct(
            text=case.get("story"),
            occupations=fields["occupations"],
            skills=fields["skills"],
            limit=limit,
        )
        try:
            return matcher.match(request), dropped
        except UnresolvedLabelError as exc:
            refused = {position for position, _, _ in exc.labels}
            dropped += [label for _, label, _ in exc.labels]
            fields[exc.field] = [k for i, k in enumerate(fields[exc.field]) if i not in refused]


def all_recognised(past_jobs: list[Any], past: set[str]) -> bool:
    """Every named job recognised; an entry that is a list is any-of (the story's word
    is a label of each, "chef", and does not say which)."""
    return all(
        any(uri in past for uri in ([job] if isinstance(job, str) else job)) for job in past_jobs
    )


def evaluate(
    matcher: Matcher, cases: list[dict[str, Any]], families: int | None = None
) -> dict[str, Any]:
    """Run every case through ``Matcher.match`` and summarise (``families``: as ranked
    by ``by_family`` with that many ISCO digits)."""
    top1 = top5 = unwanted = with_route = suggestions = 0
    all_zero = named = recognised = must_abstain = abstained = ranked_cases = refused = 0
    failures: list[dict[str, Any]] = []
    seconds = 0.0
    for case in cases:
        started = time.perf_counter()
        outcome, dropped = match_case(matcher, case, FAMILY_POOL if families else 5)
        if families:
            outcome = by_family(matcher, outcome, families)
        refused += len(dropped)
        seconds += time.perf_counter() - started
        results = outcome.results
        ranked = [r.assessment.occupation for r in results]
        # On coverage, not the score: the wish and the story fit are no skill the person
        # has, so a list held up by them alone is still a list at 0 %.
        all_zero += bool(results) and all(
            round(100 * (r.assessment.essential_coverage + r.assessment.optional_coverage)) == 0
            for r in results
        )
        if case.get("past_jobs"):
            named += 1
            recognised += all_recognised(case["past_jobs"], set(outcome.profile.past))
        if case.get("abstain"):
            must_abstain += 1
            abstained += not results
            if results:
                failures.append({"id": case.get("id"), "should_abstain": ranked[:5]})
            continue
        if not case.get("good_moves"):
            continue  # a recognition case: no moves to rank
        ranked_cases += 1
        good = set(case.get("good_moves") or [])
        bad = set(case.get("not_on_top") or [])
        hit1 = bool(ranked[:1]) and ranked[0] in good
        hit5 = bool(good & set(ranked[:5]))
        top1 += hit1
        top5 += hit5
        unwanted += bool(bad & set(ranked[:3]))
        suggestions += len(results)
        with_route += sum(1 for r in results if r.route.steps)
        if not hit5:
            failures.append({"id": case.get("id"), "top5": ranked[:5]})
    n = max(ranked_cases, 1)
    return {
        "cases": len(cases),
        "ranked_cases": ranked_cases,
        "answers_all_at_zero": all_zero,
        "labels_refused": refused,
        "past_job_recognised_rate": round(recognised / named, 4) if named else None,
        "past_job_cases": named,
        "abstain_cases": must_abstain,
        "abstained_rate": round(abstained / must_abstain, 4) if must_abstain else None,
        "top1_hit_rate": round(top1 / n, 4),
        "top5_hit_rate": round(top5 / n, 4),
        "unwanted_in_top3_rate": round(unwanted / n, 4),
        "suggestions_with_training_route": round(with_route / max(suggestions, 1), 4),
        "mean_match_ms": round(1000 * seconds / n, 1),
        "misses": failures,
    }
