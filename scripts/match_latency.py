"""Per-match latency with and without the story fit, measured in one run so they compare.

``OVERSTAP_DATA_DIR=<store> python -m scripts.match_latency --cases
service/evaluation/cases/side_entrants_esco.yaml`` opens the store's active snapshot,
builds one matcher and matches every case (story plus listed labels, as ``overstap
evaluate match`` does) once per story-fit weight per round, the weights taking turns
case by case (and in reverse order in odd rounds), so machine noise hits each alike.
It prints the median, mean and 90th-percentile milliseconds per weight and the ratio
of the medians to the first weight's.
"""

import argparse
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

from ontology.store import Store
from service.evaluation.match import load_cases, match_case
from service.extraction.extractor import SkillExtractor
from service.match.matcher import Matcher
from service.runtime.services import open_catalog
from service.settings import get_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, required=True)
    parser.add_argument("--weights", default="0,0.5", help="story-fit weights, comma-separated")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    weights = [float(w) for w in args.weights.split(",")]
    cases = [c for c in load_cases(args.cases) if c.get("good_moves")]
    settings = get_settings()
    store = Store(settings.resolved_database_url, settings.db_upgrade)
    try:
        catalog = open_catalog(settings, store)
        matcher = Matcher(catalog, SkillExtractor(catalog))
        base = matcher.model.settings
        for case in cases[:5]:  # warm-up: caches, lazy imports
            match_case(matcher, case)
        times: dict[float, list[float]] = {w: [] for w in weights}
        for round_ in range(args.rounds):
            for case in cases:
                for weight in weights if round_ % 2 == 0 else list(reversed(weights)):
                    matcher.model.settings = replace(base, story_fit_weight=weight)
                    started = time.perf_counter()
                    match_case(matcher, case)
                    times[weight].append(1000 * (time.perf_counter() - started))
    finally:
        store.close()
    first = statistics.median(times[weights[0]])
    report = {
        str(w): {
            "median_ms": round(statistics.median(v), 1),
            "mean_ms": round(statistics.mean(v), 1),
            "p90_ms": round(sorted(v)[int(0.9 * len(v))], 1),
            "matches": len(v),
            "median_ratio": round(statistics.median(v) / first, 3),
        }
        for w, v in times.items()
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
