"""Deriving a vacancy: its likely occupations, its skills with evidence and its passage
vector, without writing anything.

Ingest, the catch-up after a model change and the cluster's actors
(``service.cluster``) all derive through ``VacancyDeriver``, so a vacancy derived on a
cluster is derived by the same code as one derived here; only the driver writes.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from models.domain import DerivedVacancy, VacancyRecord, VacancySkill

if TYPE_CHECKING:  # the CLI imports DerivationError without loading a model's code
    from indexes.embedding.base import Embedder
    from service.catalog import Catalog
    from service.extraction.extractor import SkillExtractor

OCCUPATIONS_KEPT = 3
SKILLS_KEPT = 30
# How a vacancy's text is read before extraction; bump it when that changes, so stored
# vacancies are derived again (issue 19: offer, employer and applying sections skipped).
DERIVATION = "read-vacancy-1"
# The passage vector reads the title and the opening of the text: e5-small's cost grows
# with length (on 2 cores, measured: 18 passages/s at 600 characters, 32/s at 300), and
# a vacancy's opening names the job; the skills come from all of the text.
PASSAGE_CHARS = 300
DERIVE_BATCH = 64

Derivation = Callable[
    [Sequence[VacancyRecord], bool, Callable[[int], None] | None],
    Iterator[tuple[int, DerivedVacancy]],
]
"""Derives records (with skills or not), yielding (position in the input, derived) in
any order and reporting records done: here (``VacancyDeriver.derive_each``) or on a
cluster (``service.cluster.derive``)."""


class DerivationError(Exception):
    """Derivation returned something other than one result per record."""


def derivation_key(embedder: "Embedder") -> str:
    """What derived data is valid for: the embedder, how a vacancy's text is read
    (``DERIVATION``) and, for a calibrated model, its margin scale (it sets the
    extraction threshold; the embedder's name pins only the weights), so a change to any
    of them derives stored vacancies again."""
    key = f"{embedder.name}|{DERIVATION}"
    calibration = embedder.calibration
    return key if calibration.is_identity else f"{key}|margins×{calibration.margin_scale:.4f}"


@dataclass
class VacancyDeriver:
    """Derives vacancies against one catalog (one snapshot) and its calibrated
    extractor."""

    catalog: "Catalog"
    extractor: "SkillExtractor"

    @property
    def key(self) -> str:
        """The key derived data is stored under (``derivation_key``)."""
        return derivation_key(self.catalog.embedder)

    def derive_each(
        self,
        records: Sequence[VacancyRecord],
        skills: bool = True,
        on_progress: Callable[[int], None] | None = None,
    ) -> Iterator[tuple[int, DerivedVacancy]]:
        """(position, derived) for each record, in order, batch by batch."""
        catalog = self.catalog
        # Titles repeat a lot across a day's vacancies; each distinct one is linked once.
        linked: dict[str, list[tuple[str, float]]] = {}
        for start in range(0, len(records), DERIVE_BATCH):
            batch = records[start : start + DERIVE_BATCH]
            new_titles = sorted({r.title for r in batch} - set(linked))
            if new_titles:
                answer = catalog.normalize(new_titles, "nl", OCCUPATIONS_KEPT)
                for title, result in zip(new_titles, answer.results, strict=True):
                    linked[title] = [(o.uri, o.score) for o in result.occupations]
            vectors = catalog.embedder.encode(
                [f"{r.title}. {r.text[:PASSAGE_CHARS]}" for r in batch], "passage"
            )
            derived = [
                DerivedVacancy(
                    record=record,
                    embedder=self.key,
                    snapshot=catalog.snapshot.id,
                    vector=np.asarray(vector, dtype=np.float32).tobytes(),
                    occupations=linked[record.title],
                    skills=self._skills(record.text) if skills else None,
                )
                for record, vector in zip(batch, vectors, strict=True)
            ]
            yield from enumerate(derived, start)
            if on_progress:
                on_progress(len(batch))

    def derive(
        self,
        records: Sequence[VacancyRecord],
        skills: bool = True,
        on_progress: Callable[[int], None] | None = None,
    ) -> list[DerivedVacancy]:
        """Every record derived, in order."""
        return [derived for _, derived in self.derive_each(records, skills, on_progress)]

    def _skills(self, text: str) -> list[VacancySkill]:
        answer = self.extractor.extract(text, "nl", None, SKILLS_KEPT, "vacancy", remember=True)
        return [
            VacancySkill(
                uri=skill.uri,
                confidence=skill.confidence,
                start=skill.evidence[0].start,
                end=skill.evidence[0].end,
            )
            for skill in answer.skills
        ]


def check_complete(positions: Sequence[int], count: int) -> None:
    """Raise unless every position of ``count`` records came back exactly once (a lost
    or repeated batch must not shrink or double a write silently)."""
    if sorted(positions) != list(range(count)):
        raise DerivationError(
            f"{len(positions):,} derived vacancies came back for {count:,}, "
            f"{len(set(positions)):,} of them distinct"
        )


def in_order(derived: Iterator[tuple[int, DerivedVacancy]], count: int) -> list[DerivedVacancy]:
    """What a ``Derivation`` of ``count`` records yielded, back in input order, all of
    them (``check_complete``)."""
    by_position = sorted(derived, key=lambda pair: pair[0])
    check_complete([position for position, _ in by_position], count)
    return [item for _, item in by_position]
