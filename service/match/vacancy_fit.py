"""How well a person fits a vacancy: the ranking that vacancy search and the match share.

A fit has up to three parts, each in [0, 1], and the score is their mean over the parts
the request gives grounds for:

* ``text``: cosine similarity of the person's text and the vacancy (dense channel);
* ``skills``: the share of the vacancy's skills (weighted by extraction confidence) the
  person's skills cover, with the match's semantic credit (``MatchModel.cover``), so
  "cv-ketels vervangen" covers "verwarmingsketels installeren" in part;
* ``occupation``: how strongly the vacancy's title names a requested occupation.

The cover is computed once per request over the union of the candidates' skills: one
matrix product, not one per vacancy.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from indexes.vacancy_index import VacancyFilter, VacancyIndex
from models.domain import IndexedSkill
from service.match.scoring import Cover, MatchModel

RECENT = 200


@dataclass(frozen=True)
class VacancyFit:
    """One vacancy measured against one person."""

    number: int
    id: str
    score: float
    text: float | None
    skills: float | None
    occupation: float | None
    matched: list[tuple[IndexedSkill, Cover]]
    missing: list[IndexedSkill]


def rank_fits(
    index: VacancyIndex,
    model: MatchModel,
    candidates: Mapping[int, float | None],
    strengths: Mapping[str, float],
    occupations: Sequence[str] | None,
    min_score: float = 0.0,
) -> list[VacancyFit]:
    """Fits of the candidate vacancies (number → text similarity, or None), best first
    (ties: the higher number, i.e. the more recently stored vacancy, first)."""
    metas = {n: m for n in candidates if (m := index.meta(n)) is not None}
    wanted = sorted({s.uri for m in metas.values() for s in m.skills or []})
    covers = model.cover(strengths, wanted) if strengths and wanted else {}
    fits = []
    for number, meta in metas.items():
        parts: dict[str, float | None] = {"text": candidates[number]}
        matched: list[tuple[IndexedSkill, Cover]] = []
        missing: list[IndexedSkill] = []
        if strengths and meta.skills:
            total = gained = 0.0
            for skill in meta.skills:
                cover = covers.get(skill.uri)
                total += skill.confidence
                if cover is not None and cover.credit >= model.settings.covered_at:
                    gained += skill.confidence * cover.credit
                    matched.append((skill, cover))
                else:
                    missing.append(skill)
            parts["skills"] = gained / total if total else 0.0
        elif meta.skills:
            missing = list(meta.skills)
        if occupations:
            scores = dict(meta.occupations)
            parts["occupation"] = max((scores.get(uri, 0.0) for uri in occupations), default=0.0)
        present = [max(0.0, value) for value in parts.values() if value is not None]
        score = sum(present) / len(present) if present else 0.0
        if score < min_score:
            continue
        fits.append(
            VacancyFit(
                number=number,
                id=meta.id,
                score=score,
                text=parts["text"],
                skills=parts.get("skills"),
                occupation=parts.get("occupation"),
                matched=matched,
                missing=missing,
            )
        )
    fits.sort(key=lambda fit: (-fit.score, -fit.number))
    return fits


def open_vacancies(
    index: VacancyIndex,
    model: MatchModel,
    occupation: str,
    region: str | None,
    strengths: Mapping[str, float],
    today: date,
    limit: int = 5,
) -> list[str]:
    """Ids of open vacancies for an occupation (in a region), best fit first: what a
    match result shows. The fit ranks the ``RECENT`` most recently posted, so a match
    costs the same with a hundred or a hundred thousand vacancies."""
    where = VacancyFilter(region, [occupation], None, today)
    candidates = dict.fromkeys(index.newest(index.passing(where), RECENT))
    fits = rank_fits(index, model, candidates, strengths, [occupation])
    return [fit.id for fit in fits[:limit]]
