"""Measuring a model's calibration against the bundled model on the store's skills.

Two anchors, each the median cosine over the same pairs of skill labels embedded by
both models (as the snapshot embeds labels, as queries):

* **unrelated**: random pairs of distinct skills (seeded);
* **related**: a skill and its broader skill (ESCO's skill hierarchy), the relation
  the coverage floor and full credit are about ("storingen opsporen" next to
  "storingen verhelpen"). A store with fewer than ``MIN_HIERARCHY`` such pairs falls
  back to a skill's alternative label next to its preferred label.

Training pairs are two labels *of one concept*; neither anchor pairs two labels of one
concept when the hierarchy is there, so a tuned model is not measured on pairs it was
trained to pull together. Medians, not means: a few lexical twins must not move the
scale.
"""

import random
from collections.abc import Callable

import numpy as np

from indexes.embedding.base import Embedder
from indexes.embedding.calibration import Calibration
from models.vocabulary import ConceptKind
from ontology import queries
from ontology.store import Store

PAIRS = 2_000
MIN_HIERARCHY = 50  # fewer broader-skill pairs than this: alternative labels instead
MIN_SKILLS = 3
MIN_RELATED = 3


class CalibrationDataError(ValueError):
    """The store holds too few skills to calibrate on."""


def anchor_pairs(
    store: Store, seed: int, pairs: int = PAIRS
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(unrelated, related) pairs of label texts, the same for every model."""
    rng = random.Random(seed)
    preferred: dict[str, str] = {}
    others: dict[str, list[str]] = {}
    for uri, language, kind, text in store.labels_of(ConceptKind.SKILL):
        if kind == "preferred":
            # One text per skill: English, the language every ESCO skill has.
            if language == "en" or uri not in preferred:
                preferred[uri] = text
        else:
            others.setdefault(uri, []).append(text)
    skills = sorted(preferred)
    if len(skills) < MIN_SKILLS:
        raise CalibrationDataError(
            f"the store has {len(skills)} skills with a label; calibration needs at least "
            f"{MIN_SKILLS}"
        )
    unrelated = []
    for _ in range(pairs):
        a, b = rng.sample(skills, 2)
        unrelated.append((preferred[a], preferred[b]))
    hierarchy = [
        (child, parent)
        for child, parents in sorted(queries.skill_hierarchy(store).items())
        for parent in parents
        if child in preferred and parent in preferred
    ]
    if len(hierarchy) >= MIN_HIERARCHY:
        chosen = rng.sample(hierarchy, min(pairs, len(hierarchy)))
        related = [(preferred[a], preferred[b]) for a, b in chosen]
    else:
        same = [
            (text, preferred[uri])
            for uri in skills
            for text in sorted(others.get(uri, []))
            if text.casefold() != preferred[uri].casefold()
        ]
        related = rng.sample(same, min(pairs, len(same)))
    if len(related) < MIN_RELATED:
        raise CalibrationDataError(
            f"the store has {len(related)} related skill pairs (broader skills or alternative "
            f"labels); calibration needs at least {MIN_RELATED}"
        )
    return unrelated, related


def median_cosine(embedder: Embedder, pairs: list[tuple[str, str]]) -> float:
    texts = sorted({t for pair in pairs for t in pair})
    vectors = embedder.encode(texts, "query")
    row = {t: i for i, t in enumerate(texts)}
    left = vectors[[row[a] for a, _ in pairs]]
    right = vectors[[row[b] for _, b in pairs]]
    return float(np.median(np.einsum("ij,ij->i", left, right)))


def measure_calibration(
    store: Store,
    model: Embedder,
    base: Embedder,
    seed: int = 13,
    on_stage: Callable[[str], None] | None = None,
) -> Calibration:
    """The model's anchors next to the base model's, on the same pairs."""
    say = on_stage or (lambda _message: None)
    unrelated, related = anchor_pairs(store, seed)
    say(f"calibrating on {len(unrelated)} unrelated and {len(related)} related skill pairs")
    calibration = Calibration(
        unrelated=round(median_cosine(model, unrelated), 4),
        related=round(median_cosine(model, related), 4),
        base_unrelated=round(median_cosine(base, unrelated), 4),
        base_related=round(median_cosine(base, related), 4),
        pairs=min(len(unrelated), len(related)),
    )
    if not calibration.related > calibration.unrelated:
        raise CalibrationDataError(
            f"the model puts related skills ({calibration.related}) no closer than unrelated "
            f"ones ({calibration.unrelated}): it cannot be used for matching"
        )
    return calibration
