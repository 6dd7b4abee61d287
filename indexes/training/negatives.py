"""Hard negatives mined from the store for the occupation pairs.

Why: in-batch negatives are mostly easy (a welder against a nurse), and the ISCO runs
of the batcher add siblings only by chance. What the full ESCO makes hard are
near-duplicates across groups (assistent-automonteur, wegenwacht, automonteur): labels
the base model already puts close to the anchor but that name another occupation.
Giving each occupation pair one such label as an extra candidate teaches the model to
part them (measured on MELO: README, *Quality: MELO*).

Each negative is drawn, seeded, from the base model's ``pool`` nearest labels of other
occupations in the positive's language (the language the model must answer in),
skipping every label whose text (casefolded, in any language) the pair's own
occupation carries: ESCO lets occupations share a label text. There is no guard against
candidates the base model scores above the positive, the one sentence-transformers'
``mine_hard_negatives`` offers: for a Dutch anchor and an English positive the bundled
model scores many English labels of other occupations higher than the right one (it is
weak across languages), and those are exactly the negatives to learn from. Measured on
MELO dev with that guard (16,566 negatives instead of 26,751): bel_q_nl_c_en 0.4530,
below the recipe without negatives (0.4628).
"""

import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from indexes.training.pairs import TrainingPair
from models.vocabulary import ConceptKind
from ontology.store import Store

Encode = Callable[[Sequence[str]], NDArray[np.float32]]
"""Texts to L2-normalised vectors, all embedded the same way (the training's query form)."""

CHUNK = 1_024  # anchors scored at a time: 1,024 × 32,000 labels × 4 bytes = 131 MB


def _owners(store: Store) -> tuple[dict[str, list[str]], dict[str, frozenset[str]]]:
    """Each language's occupation label texts, and the occupations that carry a text in
    any language (casefolded): "chef" is a Dutch label of one occupation and an English
    label of another, so neither may be the other's negative."""
    texts: dict[str, set[str]] = defaultdict(set)
    owners: dict[str, set[str]] = defaultdict(set)
    for uri, language, _kind, text in store.labels_of(ConceptKind.OCCUPATION):
        texts[language].add(text)
        owners[text.casefold()].add(uri)
    frozen = {key: frozenset(uris) for key, uris in owners.items()}
    return {language: sorted(found) for language, found in texts.items()}, frozen


def _language(pair: TrainingPair) -> str:
    """The positive's language, which the pair's source names last (``occupation_alt_nl``,
    ``occupation_nl_en``): the language the model must answer in."""
    return pair.source.rsplit("_", 1)[-1]


def _nearest(scores: NDArray[np.float32], n: int) -> list[int]:
    """The columns of the ``n`` highest finite scores, best first, ties broken by the
    lower column, so the draw does not depend on how numpy partitions."""
    finite = np.flatnonzero(np.isfinite(scores))
    if len(finite) > n:
        values = scores[finite]
        threshold = np.partition(values, len(finite) - n)[len(finite) - n]
        above = finite[values > threshold]
        finite = np.concatenate([above, finite[values == threshold][: n - len(above)]])
    return sorted((int(c) for c in finite), key=lambda c: (-float(scores[c]), c))


def mine_hard_negatives(
    pairs: list[TrainingPair],
    store: Store,
    encode: Encode,
    pool: int,
    seed: int,
    say: Callable[[str], None] | None = None,
) -> list[TrainingPair]:
    """The same pairs in the same order, occupation pairs with a ``negative`` (skill
    pairs are left as they are). Seeded apart from ``build_pairs``'s draws."""
    if pool <= 0:
        return pairs
    texts, owners = _owners(store)
    wanted: dict[str, list[int]] = defaultdict(list)
    for i, pair in enumerate(pairs):
        language = _language(pair)
        if pair.source.startswith("occupation") and language in texts:
            wanted[language].append(i)
    # Every text is embedded once: the candidates and the anchors (labels themselves).
    needed = {pairs[i].anchor for indices in wanted.values() for i in indices}
    embedded = sorted(needed.union(*(texts[language] for language in wanted)))
    if say:
        say(f"mining hard negatives: embedding {len(embedded):,} occupation labels")
    vectors = encode(embedded)
    row_of = {text: row for row, text in enumerate(embedded)}
    rng = random.Random(f"hard-negatives:{seed}")
    mined = list(pairs)
    for language in sorted(wanted):
        indices, labels = wanted[language], texts[language]
        own: dict[str, list[int]] = defaultdict(list)
        for column, text in enumerate(labels):
            for uri in owners[text.casefold()]:
                own[uri].append(column)
        candidates = vectors[[row_of[text] for text in labels]]
        for start in range(0, len(indices), CHUNK):
            chunk = [pairs[i] for i in indices[start : start + CHUNK]]
            scores = vectors[[row_of[pair.anchor] for pair in chunk]] @ candidates.T
            for row, pair in enumerate(chunk):
                scores[row, own[pair.concept]] = -np.inf  # its own labels, any language
                nearest = _nearest(scores[row], pool)
                if nearest:
                    text = labels[nearest[rng.randrange(len(nearest))]]
                    mined[indices[start + row]] = replace(
                        pair,
                        negative=text,
                        negative_concepts=tuple(sorted(owners[text.casefold()])),
                    )
    if say:
        found = sum(pair.negative is not None for pair in mined)
        say(f"mined {found:,} hard negatives for {len(mined):,} pairs")
    return mined
