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
  concept the collection holds but does not spell out;
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

from indexes.labels import LabelIndex
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


def present_rows(index: LabelIndex, count: int = SAMPLE) -> list[int]:
    """Rows of alternative labels of calibration-side concepts that have another label
    with a different text, a deterministic sample of at most ``count``."""
    texts: dict[str, set[str]] = {}
    for record in index.records:
        texts.setdefault(record.concept, set()).add(fold(record.text))
    rows = [
        row
        for row, record in enumerate(index.records)
        if record.kind == "alternative"
        and calibration_side(record.concept)
        and len(texts[record.concept]) > 1
    ]
    rows.sort(key=lambda r: hashlib.sha1(index.records[r].text.encode("utf-8")).hexdigest())
    return rows[:count]


def _quantile(values: Sequence[float], q: float) -> float:
    return float(np.quantile(np.asarray(values, dtype=np.float64), q))


def calibrate(
    index: LabelIndex,
    lexical_weight: float,
    encode: Callable[[list[str]], NDArray[np.float32]],
    clean: Callable[[str], str] = lambda text: text,
) -> Bands:
    """Bands for ``index`` searched at ``lexical_weight``; ``encode`` embeds query
    texts, ``clean`` is what the search does to a query first (occupation titles)."""
    folded = [fold(r.text) for r in index.records]
    by_text: dict[str, list[int]] = {}
    for row, text in enumerate(folded):
        by_text.setdefault(text, []).append(row)
    present: list[tuple[float, float]] = []
    sampled = present_rows(index)
    for row in sampled:
        record = index.records[row]
        hits = index.search_concepts(
            np.asarray(index.vectors[row], dtype=np.float32),
            clean(record.text),
            1,
            lexical_weight,
            exclude=by_text[folded[row]],
        )
        if hits and hits[0].concept == record.concept:
            present.append((hits[0].score, hits[0].margin))
    strings = nonsense_strings()
    vectors = encode([clean(s) for s in strings])
    nonsense: list[tuple[float, float]] = []
    for text, vector in zip(strings, vectors, strict=True):
        hits = index.search_concepts(vector, clean(text), 1, lexical_weight)
        if hits:
            nonsense.append((hits[0].score, hits[0].margin))
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
            "present_sampled": len(sampled),
            "present_found": len(present),
            "nonsense": len(nonsense),
        },
    )
