"""The long route: the mbo qualifications (kwalificaties) that lead to an occupation.

The 2015 qualification list names no skills, so an occupation is linked to
qualifications by how alike their names are: every Dutch label of the occupation
against every qualification title and kwalificatiedossier name, scored like job-title
search (dense cosine fused with character n-grams), a qualification by its best pair.
The qualifications of one dossier are levels of the same trade ("Autotechnicus",
"Eerste autotechnicus"), so the link names the best dossier and its qualifications,
and its confidence comes from the margin over the best qualification of *another*
dossier: a clear winner is a trustworthy link, a near tie is a guess.

Calibration (README, "Long route"): on the embedded default, whose qualifications do
list skills, the title link's top qualification agreed with the qualification that
teaches most of the occupation's essential skills for 29 of 35 technical occupations
with lexical weight 0.3 (25 with dense alone); every link with a margin of 0.04 or
more agreed (23 of 23), half of those under 0.04 did. Those margins are on the bundled
model's scale; another model's calibration maps them (``indexes.embedding.calibration``).
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.calibration import IDENTITY, Calibration
from indexes.labels import LabelIndex
from ontology.queries import TrainingView

LEXICAL_WEIGHT = 0.3
HIGH_MARGIN = 0.04
MEDIUM_MARGIN = 0.015
MAX_QUALIFICATIONS = 3
METHOD = (
    "title similarity: occupation labels vs qualification and dossier names "
    f"({1 - LEXICAL_WEIGHT:.1f}·cosine + {LEXICAL_WEIGHT:.1f}·character n-grams); "
    "confidence from the margin over the best other dossier"
)


@dataclass(frozen=True)
class LinkedQualification:
    """One qualification of the long route and how alike its name is."""

    qualification: str
    similarity: float


@dataclass(frozen=True)
class LongRoute:
    """The dossier whose qualifications lead to an occupation, with a confidence.

    ``qualifications`` is empty when the confidence is ``laag``: a weak guess is not
    advice."""

    confidence: str  # hoog | middel | laag | geen (no qualifications or labels to link)
    similarity: float
    margin: float
    qualifications: list[LinkedQualification]
    method: str = METHOD


NO_ROUTE = LongRoute("geen", 0.0, 0.0, [])


class QualificationLinker:
    """Links occupations to qualifications over one snapshot (results cached)."""

    def __init__(
        self,
        occupations: LabelIndex | None,
        qualifications: LabelIndex | None,
        views: list[TrainingView],
        calibration: Calibration = IDENTITY,
    ) -> None:
        self._high = calibration.margin(HIGH_MARGIN)
        self._medium = calibration.margin(MEDIUM_MARGIN)
        self._occupations = occupations
        self._qualifications = qualifications
        self._dossier = {v.uri: v.dossier_crebo or v.uri for v in views}
        self._cache: dict[str, LongRoute] = {}
        # Once, not per linked occupation: the qualification vectors as float64 columns.
        self._targets: NDArray[np.float64] = (
            np.asarray(qualifications.vectors, dtype=np.float64).T
            if qualifications is not None
            else np.zeros((0, 0))
        )
        self._rows: dict[str, list[int]] = {}
        self._fallback_rows: dict[str, list[int]] = {}
        if occupations is not None:
            for row, record in enumerate(occupations.records):
                if record.kind == "hidden":
                    continue
                target = self._rows if record.language == "nl" else self._fallback_rows
                target.setdefault(record.concept, []).append(row)
        self._columns: list[str] = []
        self._starts: NDArray[np.intp] = np.zeros(0, dtype=np.intp)
        self._order: NDArray[np.intp] = np.zeros(0, dtype=np.intp)
        if qualifications is not None and len(qualifications):
            concepts = np.array([r.concept for r in qualifications.records], dtype=object)
            self._order = np.argsort(concepts, kind="stable")
            ordered = concepts[self._order]
            change = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
            self._starts = np.concatenate([[0], change]).astype(np.intp)
            self._columns = [str(c) for c in ordered[self._starts]]

    def route(self, occupation: str) -> LongRoute:
        """The long route to ``occupation`` (deterministic; cached per snapshot)."""
        if occupation not in self._cache:
            self._cache[occupation] = self._link(occupation)
        return self._cache[occupation]

    def _similarities(self, occupation: str) -> NDArray[np.float64] | None:
        occupations, qualifications = self._occupations, self._qualifications
        rows = self._rows.get(occupation) or self._fallback_rows.get(occupation)
        if occupations is None or qualifications is None or not rows or not self._columns:
            return None
        dense = np.asarray(occupations.vectors[rows], dtype=np.float64) @ self._targets
        texts = [occupations.records[row].text for row in rows]
        lexical = np.asarray(qualifications.lexical.scores(texts).toarray(), dtype=np.float64)
        fused = ((1 - LEXICAL_WEIGHT) * dense + LEXICAL_WEIGHT * lexical).max(axis=0)
        result: NDArray[np.float64] = np.maximum.reduceat(fused[self._order], self._starts)
        return result

    def _link(self, occupation: str) -> LongRoute:
        scores = self._similarities(occupation)
        if scores is None:
            return NO_ROUTE
        ranked = sorted(
            zip(scores.tolist(), self._columns, strict=True), key=lambda p: (-p[0], p[1])
        )
        best_score, best = ranked[0]
        dossier = self._dossier.get(best, best)
        other = next((s for s, q in ranked if self._dossier.get(q, q) != dossier), None)
        if other is None:  # one dossier loaded: nothing to be sure against
            return LongRoute("laag", round(best_score, 4), 0.0, [])
        margin = best_score - other
        if margin >= self._high:
            confidence = "hoog"
        elif margin >= self._medium:
            confidence = "middel"
        else:
            return LongRoute("laag", round(best_score, 4), round(margin, 4), [])
        same = [(s, q) for s, q in ranked if self._dossier.get(q, q) == dossier]
        return LongRoute(
            confidence,
            round(best_score, 4),
            round(margin, 4),
            [LinkedQualification(q, round(s, 4)) for s, q in same[:MAX_QUALIFICATIONS]],
        )
