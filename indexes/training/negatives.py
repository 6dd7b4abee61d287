"""Hard negatives mined from the store for the occupation pairs.

Why: in-batch negatives are mostly easy (a welder against a nurse), and the ISCO runs
of the batcher add siblings only by chance. What the full ESCO makes hard are
near-duplicates across groups (assistent-automonteur, wegenwacht, automonteur): labels
the base model already puts close to the anchor but that name another occupation.
Giving each occupation pair one such label as an extra candidate teaches the model to
part them (measured on MELO: README, *Quality: MELO*).

Each negative is drawn, seeded, from the base model's ``pool`` nearest labels of other
occupations in the positive's language (the language the model must answer in),
skipping labels of the pair's own occupation (ESCO lets two occupations share a label
text). There is no guard against candidates the base model scores above the positive,
the one sentence-transformers' ``mine_hard_negatives`` offers: for a Dutch anchor and an
English positive the bundled model scores many English labels of other occupations
higher than the right one (it is weak across languages), and those are exactly the
negatives to learn from. Measured on MELO dev with that guard (16,566 negatives instead
of 26,751): bel_q_nl_c_en 0.4530, below the recipe without negatives (0.4628).
"""

import random
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from indexes.training.pairs import TrainingPair
from models.vocabulary import ConceptKind
from ontology.store import Store

Encode = Callable[[Sequence[str]], NDArray[np.float32]]
"""Texts to L2-normalised vectors, all embedded the same way (the training's query form)."""

CHUNK = 2_048  # anchors scored at a time: 2,048 × 30,000 labels × 4 bytes = 245 MB


@dataclass
class _Labels:
    """One language's occupation label texts and the occupations that carry each."""

    texts: list[str]
    owners: list[frozenset[str]]


def _labels_by_language(store: Store) -> dict[str, _Labels]:
    owners: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for uri, language, _kind, text in store.labels_of(ConceptKind.OCCUPATION):
        owners[language][text].add(uri)
    return {
        language: _Labels(sorted(texts), [frozenset(texts[t]) for t in sorted(texts)])
        for language, texts in owners.items()
    }


def _language_of(pair: TrainingPair, labels: dict[str, _Labels]) -> str | None:
    for language, known in labels.items():
        index = _find(known.texts, pair.positive)
        if index is not None and pair.concept in known.owners[index]:
            return language
    return None


def _find(texts: list[str], text: str) -> int | None:
    at = bisect_left(texts, text)
    return at if at < len(texts) and texts[at] == text else None


def mine_hard_negatives(
    pairs: list[TrainingPair],
    store: Store,
    encode: Encode,
    pool: int,
    seed: int,
    say: Callable[[str], None] | None = None,
) -> list[TrainingPair]:
    """The same pairs in the same order, occupation pairs with a ``negative`` (skill
    pairs are left as they are)."""
    if pool <= 0:
        return pairs
    labels = _labels_by_language(store)
    wanted: dict[str, list[int]] = defaultdict(list)
    for i, pair in enumerate(pairs):
        if pair.source.startswith("occupation"):
            language = _language_of(pair, labels)
            if language is not None:
                wanted[language].append(i)
    # Anchors and positives are occupation labels too: every text is embedded once.
    ends = {t for js in wanted.values() for i in js for t in (pairs[i].anchor, pairs[i].positive)}
    texts = sorted(ends.union(*(known.texts for known in labels.values())))
    if say:
        say(f"mining hard negatives: embedding {len(texts):,} occupation labels")
    vectors = encode(texts)
    row_of = {text: row for row, text in enumerate(texts)}
    rng = random.Random(seed)
    mined = list(pairs)
    for language in sorted(wanted):
        indices, known = wanted[language], labels[language]
        candidates = vectors[[row_of[text] for text in known.texts]]
        anchors = vectors[[row_of[pairs[i].anchor] for i in indices]]
        depth = min(pool + 64, len(known.texts))  # room for the pair's own labels
        for start in range(0, len(indices), CHUNK):
            scores = anchors[start : start + CHUNK] @ candidates.T
            nearest = np.argpartition(-scores, depth - 1, axis=1)[:, :depth]
            for row, columns in enumerate(nearest):
                at = start + row
                pair = pairs[indices[at]]
                ranked = columns[np.argsort(-scores[row, columns], kind="stable")]
                usable = [int(c) for c in ranked if pair.concept not in known.owners[c]][:pool]
                if usable:
                    chosen = usable[rng.randrange(len(usable))]
                    mined[indices[at]] = replace(
                        pair,
                        negative=known.texts[chosen],
                        negative_concepts=tuple(sorted(known.owners[chosen])),
                    )
    if say:
        found = sum(pair.negative is not None for pair in mined)
        say(f"mined {found:,} hard negatives for {len(mined):,} pairs")
    return mined
