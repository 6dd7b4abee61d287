"""Does search say "nothing fits" when nothing does, and only then?

Three samples, none of them used to choose the confidence bands:

- **nonsense** (``cases/no_match.yaml``): every answer should be ``no_match``;
- **off-domain** titles from the same file: ``no_match`` where the snapshot lacks such
  occupations (the embedded default); on the full ESCO they are real occupations and
  the share is only reported;
- **held-out labels**: alternative labels of the concepts calibration never sampled
  (``indexes.confidence.calibration_side``), asked as a user would (found with their
  concept at ``hoog`` or ``middel``: the target), and once more with their own row left
  out, the harder case calibration models (a concept the collection holds, in words it
  does not spell out): reported, not a target. A label several concepts share counts
  for its concept when that concept ties with the best hit.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from indexes.confidence import calibration_side, left_out_hit, sample_order
from indexes.lexical import fold
from indexes.title_text import clean_title
from models.vocabulary import ConceptKind
from service.catalog import COLLECTION_OF, Catalog

SURE = ("hoog", "middel")


class AbstentionError(Exception):
    """The query file is missing or malformed."""


def load_queries(path: Path) -> dict[str, list[str]]:
    """``nonsense`` and ``off_domain`` lists of one YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise AbstentionError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), list) for k in ("nonsense", "off_domain")
    ):
        raise AbstentionError(f"{path}: expected lists 'nonsense' and 'off_domain'")
    return {k: [str(q) for q in data[k]] for k in ("nonsense", "off_domain")}


def no_match_share(catalog: Catalog, queries: list[str]) -> dict[str, Any]:
    """How many of ``queries`` occupation search and normalisation answer no_match."""
    searched = [catalog.search(ConceptKind.OCCUPATION, q, "nl", 3).no_match for q in queries]
    normalised = [t.no_match for t in catalog.normalize(queries, "nl", 3).results]
    missed = [q for q, nm in zip(queries, searched, strict=True) if not nm]
    return {
        "queries": len(queries),
        "search_no_match": round(sum(searched) / max(len(queries), 1), 4),
        "normalize_no_match": round(sum(normalised) / max(len(queries), 1), 4),
        "answered": missed[:20],
    }


def held_out_labels(catalog: Catalog, kind: ConceptKind, count: int) -> list[int]:
    """Rows of alternative labels of held-out concepts, a deterministic sample."""
    index = catalog.snapshot.collections[COLLECTION_OF[kind]]
    rows = [
        row
        for row, record in enumerate(index.records)
        if record.kind == "alternative" and not calibration_side(record.concept)
    ]
    rows.sort(key=lambda r: sample_order(index.records[r].text))
    return rows[:count]


def real_labels(
    catalog: Catalog, kind: ConceptKind, count: int, progress: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Held-out alternative labels: found with their concept at hoog/middel, as asked
    and with their own text left out of the index."""
    index = catalog.snapshot.collections[COLLECTION_OF[kind]]
    rows = held_out_labels(catalog, kind, count)
    clean = clean_title if kind is ConceptKind.OCCUPATION else str
    folded = [fold(r.text) for r in index.records]
    by_text: dict[str, list[int]] = {}
    texts_of: dict[str, set[str]] = {}
    for row, text in enumerate(folded):
        by_text.setdefault(text, []).append(row)
        texts_of.setdefault(index.records[row].concept, set()).add(text)
    asked = sure = left_out = left_out_sure = left_out_found = 0
    for row in rows:
        record = index.records[row]
        # A label several concepts share ("chef") names each of them equally: the own
        # concept counts when it ties with the best hit.
        answer = catalog.search(kind, record.text, "nl", 10)
        best = answer.results[0].score if answer.results else 0.0
        own = next((h for h in answer.results if h.uri == record.concept), None)
        asked += 1
        sure += own is not None and own.score >= best - 1e-6 and own.confidence in SURE
        if progress is not None:
            progress()
        if len(texts_of[record.concept]) < 2:
            continue  # left out, the concept would have no label at all
        hit = left_out_hit(index, row, by_text[folded[row]], catalog.lexical_weight, clean)
        if hit is not None:
            left_out += 1
            grade = catalog.grade(kind, hit, catalog.lexical_weight)
            found = hit.concept == record.concept
            left_out_found += found and grade is not None
            left_out_sure += found and grade in SURE
    return {
        "labels": asked,
        "own_concept_hoog_or_middel": round(sure / max(asked, 1), 4),
        "left_out": {
            "labels": left_out,
            "own_concept_hoog_or_middel": round(left_out_sure / max(left_out, 1), 4),
            "own_concept_any_band": round(left_out_found / max(left_out, 1), 4),
        },
    }


def evaluate_abstention(
    catalog: Catalog,
    queries: dict[str, list[str]],
    labels: int,
    progress: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """The whole report (bands as calibrated for this snapshot included)."""
    bands = {
        COLLECTION_OF[kind]: catalog.bands(kind, catalog.lexical_weight).to_json()
        for kind in (ConceptKind.OCCUPATION, ConceptKind.SKILL)
    }
    nonsense = no_match_share(catalog, queries["nonsense"])
    off_domain = no_match_share(catalog, queries["off_domain"])
    both = queries["nonsense"] + queries["off_domain"]
    return {
        "snapshot": catalog.snapshot.id,
        "bands": bands,
        "nonsense": nonsense,
        "off_domain": off_domain,
        "nonsense_and_off_domain": no_match_share(catalog, both),
        "real_labels": {
            COLLECTION_OF[kind]: real_labels(catalog, kind, labels, progress)
            for kind in (ConceptKind.OCCUPATION, ConceptKind.SKILL)
        },
    }
