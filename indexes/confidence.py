"""How sure a search hit is, calibrated per snapshot: ``hoog``, ``middel``, ``laag``,
or no match at all.

A search always has a best hit, and e5's cosines bunch high (0.75–0.85 for unrelated
text), so a raw score cannot say "nothing fits": "xyzzy qwerty" reached "helpende zorg
en welzijn" at 0.76. What does tell is the *margin*: how far the best hit stands out
from the query's background (the mean of label ranks 11–60, ``indexes.labels``). A
query that names a concept the collection holds stands out; nonsense and an occupation
the ontology lacks are about equally close to many labels.

The bands differ per collection ("tandarts" is off-domain in the small default and a
real occupation in ESCO), so they are chosen on the snapshot's own labels when it is
built, from two samples:

- **present**: alternative labels asked for with their own row (and any row of the
  same text) left out, of concepts that keep other labels: a query that means a
  concept the collection holds but does not spell out; and, for the share of concepts
  with no Dutch label (half of ESCO's skills), Dutch labels asked with all the
  concept's Dutch rows left out: a Dutch query that must find its concept across
  languages (``present_queries``);
- **nonsense**: generated strings (``nonsense_strings``): letters, syllables, digits.

A hit is a match when its margin reaches the present sample's 5th percentile and its
score reaches what 97.5 % of the nonsense stays under (capped at the present sample's
3rd percentile); ``middel`` from the present sample's 25th percentile, ``hoog`` from its
median. Only concepts on one side of a hash split are sampled; the other side stays
for evaluation (``service.evaluation.abstention``).
"""

import hashlib
import random
import string
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from indexes.labels import ConceptHit, LabelIndex
from indexes.lexical import fold

Grade = Literal["hoog", "middel", "laag"]
GRADES: tuple[Grade, ...] = ("hoog", "middel", "laag")
SAMPLE = 300  # present labels per collection
NONSENSE = 200
QUANTILES = {"laag": 0.05, "middel": 0.25, "hoog": 0.5}
NONSENSE_QUANTILE = 0.975
SCORE_CAP_QUANTILE = 0.03


@dataclass(frozen=True)
class Bands:
    """Thresholds of one collection at one lexical weight, and what they came from."""

    score_floor: float
    laag: float
    middel: float
    hoog: float
    data: dict[str, Any] = field(default_factory=dict)

    def grade(self, score: float, margin: float) -> Grade | None:
        """The band of a hit, or None when it is no match."""
        if score < self.score_floor or margin < self.laag:
            return None
        if margin >= self.hoog:
            return "hoog"
        return "middel" if margin >= self.middel else "laag"

    def to_json(self) -> dict[str, Any]:
        """For the snapshot manifest."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Bands":
        """From the snapshot manifest."""
        return cls(**data)


def calibration_side(concept: str) -> bool:
    """True for the concepts calibration may sample; the rest are held out."""
    return hashlib.sha1(concept.encode("utf-8")).digest()[0] % 2 == 0


def sample_order(text: str) -> str:
    """A label's place in a deterministic sample (its text's hash)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def nonsense_strings(count: int = NONSENSE, seed: int = 19) -> list[str]:
    """Deterministic strings that mean nothing: random letters, pronounceable
    syllables, two random words, letters and digits (a quarter each)."""
    rng = random.Random(seed)
    letters = string.ascii_lowercase

    def word(low: int, high: int, alphabet: str = letters) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))

    result = []
    for i in range(count):
        shape = i % 4
        if shape == 0:
            result.append(word(4, 12))
        elif shape == 1:
            result.append(
                "".join(
                    rng.choice("bdfgklmnprstvz") + rng.choice("aeiou")
                    for _ in range(rng.randint(2, 5))
                )
            )
        elif shape == 2:
            result.append(f"{word(3, 7)} {word(3, 7)}")
        else:
            result.append(word(5, 10, letters + string.digits))
    return result


def present_queries(
    index: LabelIndex, language: str = "nl", count: int = SAMPLE
) -> list[tuple[int, list[int]]]:
    """Label rows to ask for, each with the rows left out: a deterministic sample of at
    most ``count`` from calibration-side concepts, modelling a query in ``language``.

    Where the collection has concepts with no label in ``language`` (half of ESCO's
    skills have English labels only), a query in ``language`` reaches those across
    languages, where margins are lower; so that share of the sample asks a concept's
    ``language`` label with *all* its ``language`` rows left out (it must be found
    through the other language). The rest asks an alternative label with its own text
    left out. A collection with no label in ``language`` is sampled in any language."""
    rows_of: dict[str, list[int]] = {}
    for row, record in enumerate(index.records):
        rows_of.setdefault(record.concept, []).append(row)
    folded = [fold(r.text) for r in index.records]
    has_language = {
        concept
        for concept, rows in rows_of.items()
        if any(index.records[r].language == language for r in rows)
    }
    asked = language if has_language else None
    lacking = 1 - len(has_language) / max(len(rows_of), 1) if has_language else 0.0

    def order(row: int) -> str:
        return sample_order(index.records[row].text)

    same: list[tuple[int, list[int]]] = []
    cross: list[tuple[int, list[int]]] = []
    for concept, rows in rows_of.items():
        if not calibration_side(concept):
            continue
        texts = {folded[r] for r in rows}
        mine = [r for r in rows if asked is None or index.records[r].language == asked]
        mine_set = set(mine)
        others = [r for r in rows if r not in mine_set]
        for row in mine:
            if index.records[row].kind == "alternative" and len(texts) > 1:
                same.append((row, [r for r in rows if folded[r] == folded[row]]))
        if mine and others:
            first = min(mine, key=lambda r: (index.records[r].kind != "preferred", order(r)))
            cross.append((first, mine))
    same.sort(key=lambda item: order(item[0]))
    cross.sort(key=lambda item: order(item[0]))
    wanted_cross = round(lacking * count)
    chosen = cross[:wanted_cross]
    return chosen + same[: count - len(chosen)]


def _quantile(values: Sequence[float], q: float) -> float:
    return float(np.quantile(np.asarray(values, dtype=np.float64), q))


def left_out_hit(
    index: LabelIndex,
    row: int,
    left_out: Sequence[int],
    lexical_weight: float,
    clean: Callable[[str], str],
) -> ConceptHit | None:
    """The best hit for row ``row``'s label (its stored vector, its cleaned text) with
    the rows ``left_out`` removed from the index: a concept asked in words the index
    does not spell out."""
    hits = index.search_concepts(
        np.asarray(index.vectors[row], dtype=np.float32),
        clean(index.records[row].text),
        1,
        lexical_weight,
        exclude=left_out,
    )
    return hits[0] if hits else None


def calibration_queries(clean: Callable[[str], str] = lambda text: text) -> list[str]:
    """The query texts ``calibrate`` embeds for a collection whose search applies
    ``clean`` (a cluster embeds them before a build: ``indexes.snapshot.texts_to_embed``)."""
    return [clean(s) for s in nonsense_strings()]


def calibrate(
    index: LabelIndex,
    lexical_weights: Sequence[float],
    encode: Callable[[list[str]], NDArray[np.float32]],
    clean: Callable[[str], str] = lambda text: text,
) -> dict[float, Bands]:
    """Bands for ``index`` searched at each of ``lexical_weights`` (the samples drawn
    and the nonsense embedded once for all); ``encode`` embeds query texts, ``clean``
    is what the search does to a query first (occupation titles). No weights, no
    work."""
    if not lexical_weights:
        return {}
    sampled = present_queries(index)
    strings = nonsense_strings()
    vectors = encode(calibration_queries(clean))
    bands: dict[float, Bands] = {}
    for weight in sorted(set(lexical_weights)):
        present: list[tuple[float, float]] = []
        for row, left_out in sampled:
            hit = left_out_hit(index, row, left_out, weight, clean)
            if hit is not None and hit.concept == index.records[row].concept:
                present.append((hit.score, hit.margin))
        nonsense: list[tuple[float, float]] = []
        for text, vector in zip(strings, vectors, strict=True):
            hits = index.search_concepts(vector, clean(text), 1, weight)
            if hits:
                nonsense.append((hits[0].score, hits[0].margin))
        bands[weight] = _bands(weight, present, nonsense, len(sampled))
    return bands


def _bands(
    lexical_weight: float,
    present: list[tuple[float, float]],
    nonsense: list[tuple[float, float]],
    sampled: int,
) -> Bands:
    """The thresholds from (score, margin) pairs of the two samples."""
    nonsense_scores = [s for s, _ in nonsense] or [0.0]
    floor = _quantile(nonsense_scores, NONSENSE_QUANTILE)
    if len(present) >= 20:
        margins = [m for _, m in present]
        floor = min(floor, _quantile([s for s, _ in present], SCORE_CAP_QUANTILE))
        laag, middel, hoog = (_quantile(margins, QUANTILES[g]) for g in ("laag", "middel", "hoog"))
    else:
        # Too few labels to learn from (certificates, qualifications): above what
        # nonsense reaches is laag, and each band 0.05 further.
        laag = _quantile([m for _, m in nonsense] or [0.0], NONSENSE_QUANTILE)
        middel, hoog = laag + 0.05, laag + 0.1
    return Bands(
        score_floor=round(floor, 4),
        laag=round(laag, 4),
        middel=round(max(middel, laag), 4),
        hoog=round(max(hoog, middel, laag), 4),
        data={
            "lexical_weight": lexical_weight,
            "present_sampled": sampled,
            "present_found": len(present),
            "nonsense": len(nonsense),
        },
    )
