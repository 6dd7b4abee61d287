"""Side-entrant match quality on hand-written Dutch cases (``cases/*.yaml`` beside this
module, shipped with the package).

Each case has a story (plus, sometimes, past occupations or stated skills), the good
moves a careers advisor would name, and occupations that must not be on top. The
report gives top-1 and top-5 hit rates (a good move at rank 1 / within 5), the share
of cases with an unwanted occupation in the top 3, and the share of suggestions that
come with a non-empty training route.
"""

import time
from pathlib import Path
from typing import Any

import yaml

from service.match.matcher import Matcher
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


def evaluate_splits(matcher: Matcher, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """``evaluate`` per split (dev: for tuning; test: for reporting) and over all cases."""
    report = {"all": evaluate(matcher, cases)}
    splits = sorted({str(c["split"]) for c in cases if c.get("split") is not None} - {"all"})
    for split in splits:
        chosen = [c for c in cases if c.get("split") is not None and str(c["split"]) == split]
        report[split] = evaluate(matcher, chosen)
    return report


def evaluate(matcher: Matcher, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Run every case through ``Matcher.match`` and summarise."""
    top1 = top5 = unwanted = with_route = suggestions = 0
    failures: list[dict[str, Any]] = []
    seconds = 0.0
    for case in cases:
        started = time.perf_counter()
        # Built unvalidated, as the matcher takes it: a case with nothing to match still
        # counts (as a miss) instead of stopping the whole run.
        results = matcher.match(
            MatchRequest.model_construct(
                text=case.get("story"),
                occupations=list(case.get("occupations") or []),
                skills=list(case.get("skills") or []),
                limit=5,
            )
        )
        seconds += time.perf_counter() - started
        ranked = [r.assessment.occupation for r in results]
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
    n = max(len(cases), 1)
    return {
        "cases": len(cases),
        "top1_hit_rate": round(top1 / n, 4),
        "top5_hit_rate": round(top5 / n, 4),
        "unwanted_in_top3_rate": round(unwanted / n, 4),
        "suggestions_with_training_route": round(with_route / max(suggestions, 1), 4),
        "mean_match_ms": round(1000 * seconds / n, 1),
        "misses": failures,
    }
