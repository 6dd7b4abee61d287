"""Measuring a model's calibration against the bundled model on the store's skills.

Two anchors, each the median cosine over the same pairs of skill labels embedded by
both models (as the snapshot embeds labels, as queries):

* **unrelated**: random pairs of distinct skills (seeded);
* **related**: a skill and its broader skill (ESCO's skill hierarchy), the relation
  the coverage floor and full credit are about ("storingen opsporen" next to
  "storingen verhelpen"). A store with fewer than ``MIN_HIERARCHY`` such pairs falls
  back to a skill's alternative label next to its preferred label.

Margins get their own anchor, the **label margin**: up to ``PAIRS`` skills' alternative
labels, each searched among up to ``COLLECTION`` skills' preferred labels (its own
among them); its margin is the cosine to its own preferred label minus the mean of the
ranks 11–60 (the background, ``indexes.labels.BACKGROUND``), and the anchor is the
median over the queries. Its ratio between the models maps margin thresholds. It is
dense-only over one label per skill, while extraction reads fused scores over every
label row: an approximation (``indexes.embedding.calibration``).

Training pairs are two labels *of one concept*; neither anchor pairs two labels of one
concept when the hierarchy is there, so a tuned model is not measured on pairs it was
trained to pull together. Medians, not means: a few lexical twins must not move the
scale.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.base import Embedder
from indexes.embedding.calibration import Calibration
from indexes.labels import BACKGROUND
from models.vocabulary import ConceptKind
from ontology import queries
from ontology.store import Store

PAIRS = 2_000
COLLECTION = 5_000  # preferred labels the label-margin queries are searched among
MIN_HIERARCHY = 50  # fewer broader-skill pairs than this: alternative labels instead
MIN_SKILLS = 3
MIN_RELATED = 3


class CalibrationDataError(ValueError):
    """The store holds too few skills to calibrate on."""


@dataclass(frozen=True)
class Anchors:
    """The texts both models are measured on."""

    unrelated: list[tuple[str, str]]  # two skills' preferred labels
    related: list[tuple[str, str]]  # a skill's and its broader skill's (or alternative)
    collection: list[str]  # preferred labels, one per skill
    queries: list[tuple[str, int]]  # an alternative label, its skill's row in collection


def _labels(store: Store) -> tuple[dict[str, str], dict[str, list[str]]]:
    preferred: dict[str, str] = {}
    others: dict[str, list[str]] = {}
    for uri, language, kind, text in store.labels_of(ConceptKind.SKILL):
        if kind == "preferred":
            # One text per skill: English, the language every ESCO skill has.
            if language == "en" or uri not in preferred:
                preferred[uri] = text
        elif kind != "hidden":
            others.setdefault(uri, []).append(text)
    return preferred, others


def _other_forms(texts: list[str], preferred: str) -> list[str]:
    """The texts that are not the preferred label written otherwise."""
    return [t for t in texts if t.casefold() != preferred.casefold()]


def anchor_texts(store: Store, seed: int, pairs: int = PAIRS) -> Anchors:
    """The anchors' texts, seeded: the same for every model."""
    rng = random.Random(seed)
    preferred, others = _labels(store)
    skills = sorted(preferred)
    if len(skills) < MIN_SKILLS:
        raise CalibrationDataError(
            f"the store has {len(skills)} skills with a label; calibration needs at least "
            f"{MIN_SKILLS}"
        )
    unrelated: list[tuple[str, str]] = []
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
            for text in _other_forms(sorted(others.get(uri, [])), preferred[uri])
        ]
        related = rng.sample(same, min(pairs, len(same)))
    if len(related) < MIN_RELATED:
        raise CalibrationDataError(
            f"the store has {len(related)} related skill pairs (broader skills or alternative "
            f"labels); calibration needs at least {MIN_RELATED}"
        )
    chosen_skills = sorted(rng.sample(skills, min(COLLECTION, len(skills))))
    row = {uri: i for i, uri in enumerate(chosen_skills)}
    alternatives = [
        (text, row[uri])
        for uri in chosen_skills
        for text in _other_forms(sorted(others.get(uri, []))[:1], preferred[uri])
    ]
    asked = rng.sample(alternatives, min(pairs, len(alternatives)))
    if len(asked) < MIN_RELATED:
        raise CalibrationDataError(
            f"the store has {len(asked)} skills with an alternative label; calibration "
            f"needs at least {MIN_RELATED}"
        )
    return Anchors(unrelated, related, [preferred[uri] for uri in chosen_skills], asked)


Vectors = dict[str, NDArray[np.float32]]


def embed_anchors(embedder: Embedder, anchors: Anchors) -> Vectors:
    """Every anchor text embedded once (the pairs' labels recur in the collection)."""
    texts = sorted(
        {t for pairs in (anchors.unrelated, anchors.related) for pair in pairs for t in pair}
        | set(anchors.collection)
        | {text for text, _ in anchors.queries}
    )
    return dict(zip(texts, embedder.encode(texts, "query"), strict=True))


def median_cosine(vectors: Vectors, pairs: list[tuple[str, str]]) -> float:
    left = np.stack([vectors[a] for a, _ in pairs])
    right = np.stack([vectors[b] for _, b in pairs])
    return float(np.median(np.einsum("ij,ij->i", left, right)))


def median_label_margin(
    vectors: Vectors, collection: list[str], queries: list[tuple[str, int]]
) -> float:
    """The median margin of each query over its own label among ``collection``."""
    labels = np.stack([vectors[t] for t in collection])
    asked = np.stack([vectors[text] for text, _ in queries])
    scores = asked @ labels.T
    first, last = BACKGROUND
    own = scores[np.arange(len(queries)), [r for _, r in queries]]
    tail = -np.sort(-scores, axis=1)[:, first:last]
    if tail.shape[1]:
        background = tail.mean(axis=1)
    else:  # a toy store of at most ten skills: the mean of the other labels
        background = (scores.sum(axis=1) - own) / max(len(collection) - 1, 1)
    return float(np.median(own - background))


def measure_calibration(
    store: Store,
    model: Embedder,
    base: Embedder,
    seed: int = 13,
    on_stage: Callable[[str], None] | None = None,
) -> Calibration:
    """The model's anchors next to the base model's, on the same pairs."""
    say = on_stage or (lambda _message: None)
    a = anchor_texts(store, seed)
    say(
        f"calibrating on {len(a.unrelated)} unrelated and {len(a.related)} related skill "
        f"pairs and {len(a.queries)} alternative labels among {len(a.collection)} skills"
    )
    mine, theirs = embed_anchors(model, a), embed_anchors(base, a)
    calibration = Calibration(
        unrelated=round(median_cosine(mine, a.unrelated), 4),
        related=round(median_cosine(mine, a.related), 4),
        base_unrelated=round(median_cosine(theirs, a.unrelated), 4),
        base_related=round(median_cosine(theirs, a.related), 4),
        label_margin=round(median_label_margin(mine, a.collection, a.queries), 4),
        base_label_margin=round(median_label_margin(theirs, a.collection, a.queries), 4),
        pairs=min(len(a.unrelated), len(a.related), len(a.queries)),
    )
    if not (calibration.label_margin > 0 and calibration.base_label_margin > 0):
        raise CalibrationDataError(
            "an alternative label does not stand out from other skills' labels (median "
            f"margin {calibration.label_margin}, base {calibration.base_label_margin})"
        )
    if not calibration.base_related > calibration.base_unrelated:
        raise CalibrationDataError(
            "the base model puts related skills no closer than unrelated ones on this store"
        )
    if not calibration.related > calibration.unrelated:
        raise CalibrationDataError(
            f"the model puts related skills ({calibration.related}) no closer than unrelated "
            f"ones ({calibration.unrelated}): it cannot be used for matching"
        )
    return calibration
