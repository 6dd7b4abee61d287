"""Training pairs for contrastive fine-tuning, drawn from the ontology in the store.

Why pairs of labels: the service embeds a job title or skill phrase and looks for the
nearest label, so what the model must learn is that two surface forms of one concept
(an alternative and the preferred label, a Dutch and an English label) lie close, and
closer than the labels of neighbouring concepts. ESCO states exactly that for every
concept, so the ontology itself is the training set and no benchmark data is needed.

Each pair remembers its concept (two pairs of one concept must not meet in a batch,
or one would be the other's false negative) and its family (the occupation's ISCO
group), which the batcher uses to put siblings side by side as hard negatives.
"""

import hashlib
import random
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from models.vocabulary import ConceptKind
from ontology import queries
from ontology.store import Store

PREFERRED = "preferred"


@dataclass(frozen=True)
class TrainingPair:
    """Two surface forms of one concept."""

    anchor: str
    positive: str
    concept: str
    family: str
    source: str
    negative: str | None = None  # a label of another concept, mined from the store
    negative_concepts: tuple[str, ...] = ()  # every concept that carries the negative


@dataclass(frozen=True)
class PairRecipe:
    """How many pairs of each source to draw (at most per concept, and in all)."""

    occupation_alt_nl: int = 6
    occupation_nl_en: int = 3
    occupation_alt_en: int = 2
    nl_en_any_english: bool = False
    skill_alt_en: int = 1
    skill_nl_en: int = 1
    max_skill_pairs: int = 6_000
    max_description_pairs: int = 0
    max_pairs: int = 40_000
    hard_negatives: int = 5  # an occupation pair's negative is one of this many nearest

    def describe(self) -> dict[str, int]:
        """For the model manifest (and the folder name's hash). Options added after a
        recipe was first used are left out while off, so the same recipe keeps naming
        the same folder and a trained model is reused."""
        described = asdict(self)
        for later in ("max_description_pairs", "hard_negatives"):
            if not described[later]:
                del described[later]
        return described


@dataclass
class _Concept:
    labels: dict[tuple[str, str], list[str]]
    family: str


def _concepts(
    rows: Iterable[tuple[str, str, str, str]], families: dict[str, str], default_family: str
) -> dict[str, _Concept]:
    concepts: dict[str, _Concept] = {}
    for uri, language, kind, text in rows:
        concept = concepts.setdefault(
            uri, _Concept(defaultdict(list), families.get(uri) or default_family)
        )
        role = PREFERRED if kind == PREFERRED else "other"
        concept.labels[(language, role)].append(text)
    return concepts


def _first(labels: list[str]) -> str | None:
    return labels[0] if labels else None


def _take(rng: random.Random, items: list[str], limit: int) -> list[str]:
    if len(items) <= limit:
        return list(items)
    return rng.sample(items, limit)


def _occupation_pairs(
    uri: str, concept: _Concept, recipe: PairRecipe, rng: random.Random
) -> list[TrainingPair]:
    nl_pref = _first(concept.labels[("nl", PREFERRED)])
    en_pref = _first(concept.labels[("en", PREFERRED)])
    nl_other = sorted(set(concept.labels[("nl", "other")]) - {nl_pref})
    en_other = sorted(set(concept.labels[("en", "other")]) - {en_pref})
    pairs: list[TrainingPair] = []

    def add(anchor: str, positive: str, source: str) -> None:
        if anchor.casefold() != positive.casefold():
            pairs.append(TrainingPair(anchor, positive, uri, concept.family, source))

    if nl_pref:
        for text in _take(rng, nl_other, recipe.occupation_alt_nl):
            add(text, nl_pref, "occupation_alt_nl")
    if nl_pref and en_pref:
        count = recipe.occupation_nl_en
        dutch = [nl_pref, *_take(rng, nl_other, max(count - 1, 0))][:count]
        english = [en_pref]
        if recipe.nl_en_any_english:
            english += _take(rng, en_other, max(count - 1, 0))
        for i, text in enumerate(dutch):
            add(text, english[i % len(english)], "occupation_nl_en")
    if en_pref:
        for text in _take(rng, en_other, recipe.occupation_alt_en):
            add(text, en_pref, "occupation_alt_en")
    return pairs


def _skill_pairs(
    uri: str, concept: _Concept, recipe: PairRecipe, rng: random.Random
) -> list[TrainingPair]:
    en_pref = _first(concept.labels[("en", PREFERRED)])
    if not en_pref:
        return []
    pairs = [
        TrainingPair(text, en_pref, uri, concept.family, "skill_alt_en")
        for text in _take(rng, sorted(set(concept.labels[("en", "other")])), recipe.skill_alt_en)
        if text.casefold() != en_pref.casefold()
    ]
    nl_pref = _first(concept.labels[("nl", PREFERRED)])
    if nl_pref and recipe.skill_nl_en:
        pairs.append(TrainingPair(nl_pref, en_pref, uri, concept.family, "skill_nl_en"))
    return pairs


_SENTENCE_END = re.compile(r"(?<=[a-z0-9)])[.;:]\s")
DESCRIPTION_CHARS = 200


def description_head(text: str) -> str:
    """A description's first sentence, at most ``DESCRIPTION_CHARS`` long: what a
    person's own sentence about the skill looks like ("Repair and replace pipes …"),
    short enough for the training sequence length."""
    text = " ".join(text.split())
    head = _SENTENCE_END.split(text, maxsplit=1)[0].rstrip(".")
    return head[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] if len(head) > DESCRIPTION_CHARS else head


def _description_pairs(
    skills: dict[str, _Concept], store: Store, recipe: PairRecipe, rng: random.Random
) -> list[TrainingPair]:
    """Description → label (a Dutch description to the Dutch label when the skill has
    one, else to the English; an English one to the English): a clause in a story
    reads like a description, not like a label, so the model learns to map the one to
    the other."""
    if recipe.max_description_pairs <= 0:
        return []
    uris = sorted(skills)
    texts = queries.descriptions(store, uris)
    pairs: list[TrainingPair] = []
    for uri in uris:
        concept = skills[uri]
        for language, text in sorted(texts.get(uri, {}).items()):
            label = _first(concept.labels[(language, PREFERRED)]) or _first(
                concept.labels[("en", PREFERRED)]
            )
            head = description_head(text)
            if label and len(head) > len(label) + 10:
                pairs.append(
                    TrainingPair(head, label, uri, concept.family, f"skill_description_{language}")
                )
    if len(pairs) > recipe.max_description_pairs:
        pairs = rng.sample(pairs, recipe.max_description_pairs)
    return pairs


def build_pairs(store: Store, recipe: PairRecipe, seed: int) -> list[TrainingPair]:
    """Pairs from every released occupation and skill; skills' pairs are sampled down
    to ``max_skill_pairs`` (occupations are what titles are linked to; skill pairs keep
    skill search from drifting), then all to ``max_pairs``, with ``seed``: the same
    store, recipe and seed always give the same list."""
    rng = random.Random(seed)
    families = {uri: (isco or "")[:4] for uri, isco in store.isco_groups_of_occupations()}
    occupations = _concepts(store.labels_of(ConceptKind.OCCUPATION), families, "occupation")
    skills = _concepts(store.labels_of(ConceptKind.SKILL), {}, "skill")
    pairs: list[TrainingPair] = []
    for uri in sorted(occupations):
        pairs += _occupation_pairs(uri, occupations[uri], recipe, rng)
    skill_pairs: list[TrainingPair] = []
    for uri in sorted(skills):
        skill_pairs += _skill_pairs(uri, skills[uri], recipe, rng)
    if len(skill_pairs) > recipe.max_skill_pairs:
        skill_pairs = rng.sample(skill_pairs, recipe.max_skill_pairs)
    pairs += skill_pairs
    pairs += _description_pairs(skills, store, recipe, rng)
    if len(pairs) > recipe.max_pairs:
        pairs = rng.sample(pairs, recipe.max_pairs)
    return pairs


def pairs_digest(pairs: list[TrainingPair]) -> str:
    """A hash over the training data, pinned in the model's manifest."""
    digest = hashlib.sha256()
    for pair in pairs:
        # A negative is hashed only when there is one: pairs without keep their digest.
        negative = f"\t{pair.negative}\t{','.join(pair.negative_concepts)}" if pair.negative else ""
        digest.update(f"{pair.anchor}\t{pair.positive}\t{pair.concept}{negative}\n".encode())
    return digest.hexdigest()


def batches(pairs: list[TrainingPair], size: int, run: int, seed: int) -> list[list[TrainingPair]]:
    """Batches in which no concept occurs twice and siblings sit together.

    Pairs are ordered by family (ISCO group) and cut into runs of ``run`` pairs; a
    batch is filled from shuffled runs, so every batch holds a few groups of related
    occupations whose labels are each other's hard negatives, and the rest of the batch
    supplies easy ones. A pair whose concept is already in the batch waits for the next.
    """
    rng = random.Random(seed)
    keyed = sorted(pairs, key=lambda p: (p.family, rng.random()))
    runs = [keyed[i : i + run] for i in range(0, len(keyed), max(run, 1))]
    rng.shuffle(runs)
    out: list[list[TrainingPair]] = []
    batch: list[TrainingPair] = []
    seen: set[str] = set()
    waiting: list[TrainingPair] = []
    for pair in (pair for chunk in runs for pair in chunk):
        still: list[TrainingPair] = []
        for candidate in [*waiting, pair]:
            if len(batch) < size and candidate.concept not in seen:
                batch.append(candidate)
                seen.add(candidate.concept)
            else:
                still.append(candidate)
        waiting = still
        if len(batch) == size:
            out.append(batch)
            batch, seen = [], set()
    if len(batch) > 1:
        out.append(batch)
    return out
