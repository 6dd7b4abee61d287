"""The vacancy service's results as HTTP answers, and a batch checked record by record."""

from datetime import date

from pydantic import ValidationError

from models.domain import IndexedSkill, StoredVacancy, VacancyRecord, VacancySkill, error_reason
from models.vocabulary import ConceptKind
from ontology import queries, vacancy_store
from service.catalog import concept_ref
from service.errors import BatchRejectedError
from service.match.vacancy_fit import VacancyFit
from service.schemas.vacancies import (
    CandidateOccupation,
    CandidateOccupationsAnswer,
    FitParts,
    FitSkill,
    RecordError,
    RecordResult,
    SkillSpan,
    VacancyBatch,
    VacancyBatchAnswer,
    VacancyFields,
    VacancyHit,
    VacancyOccupation,
    VacancyOut,
    VacancySearchAnswer,
    VacancySkillOut,
)
from service.vacancies.service import VacancyService


def check_batch(
    batch: VacancyBatch,
) -> tuple[list[tuple[int, VacancyRecord]], list[RecordResult]]:
    """Valid records (with their position) and a result for every invalid one."""
    valid: list[tuple[int, VacancyRecord]] = []
    invalid: list[RecordResult] = []
    first: dict[str, int] = {}
    for position, raw in enumerate(batch.vacancies):
        key = raw.get("id") if isinstance(raw.get("id"), str) else None
        try:
            record = VacancyRecord.model_validate(raw)
        except ValidationError as exc:
            errors = [
                RecordError(
                    field=".".join(str(p) for p in error["loc"]), message=error_reason(error)
                )
                for error in exc.errors()
            ]
            invalid.append(RecordResult(index=position, id=key, status="invalid", errors=errors))
            continue
        if record.id in first:
            message = f"id {record.id} appears twice in this batch (first at {first[record.id]})"
            invalid.append(
                RecordResult(
                    index=position,
                    id=record.id,
                    status="invalid",
                    errors=[RecordError(field="id", message=message)],
                )
            )
            continue
        first[record.id] = position
        valid.append((position, record))
    return valid, invalid


def ingest_batch(service: VacancyService, batch: VacancyBatch) -> VacancyBatchAnswer:
    """Store the valid records of a batch (all or none when ``atomic``)."""
    valid, invalid = check_batch(batch)
    if invalid and batch.atomic:
        raise BatchRejectedError(invalid, len(batch.vacancies))
    statuses = service.ingest([record for _, record in valid]) if valid else {}
    results = invalid + [
        RecordResult(index=position, id=record.id, status=statuses[record.id])
        for position, record in valid
    ]
    results.sort(key=lambda r: r.index)
    return VacancyBatchAnswer(stored=len(valid), invalid=len(invalid), results=results)


def _span(text: str, skill: VacancySkill | IndexedSkill) -> SkillSpan:
    return SkillSpan(start=skill.start, end=skill.end, text=text[skill.start : skill.end])


def vacancy_out(
    service: VacancyService, stored: StoredVacancy, lang: str, today: date
) -> VacancyOut:
    """One stored vacancy with labelled occupations and skills."""
    record = stored.record
    uris = [uri for uri, _ in stored.occupations] + [s.uri for s in stored.skills or []]
    labels = queries.preferred_labels(service.store, uris)
    return VacancyOut(
        **record.model_dump(),
        expired=record.expires is not None and record.expires < today,
        updated_at=stored.updated_at,
        occupations=[
            VacancyOccupation(
                **concept_ref(labels, uri, ConceptKind.OCCUPATION.value, lang).model_dump(),
                score=round(score, 4),
            )
            for uri, score in stored.occupations
        ],
        skills=None
        if stored.skills is None
        else [
            VacancySkillOut(
                **concept_ref(labels, s.uri, ConceptKind.SKILL.value, lang).model_dump(),
                confidence=round(s.confidence, 4),
                evidence=_span(record.text, s),
            )
            for s in stored.skills
        ],
    )


def search_answer(
    service: VacancyService, fits: list[VacancyFit], lang: str
) -> VacancySearchAnswer:
    """Ranked vacancies with their fields, fit parts and labelled skills."""
    records = vacancy_store.vacancy_records(service.store, [fit.id for fit in fits])
    uris: set[str] = set()
    for fit in fits:
        uris.update(s.uri for s in fit.missing)
        uris.update(s.uri for s, _ in fit.matched)
        uris.update(c.via for _, c in fit.matched if c.via)
    labels = queries.preferred_labels(service.store, sorted(uris))
    skill = ConceptKind.SKILL.value

    def fit_skill(text: str, item: IndexedSkill, via: str | None) -> FitSkill:
        return FitSkill(
            **concept_ref(labels, item.uri, skill, lang).model_dump(),
            evidence=_span(text, item),
            covered_by=concept_ref(labels, via, skill, lang) if via else None,
        )

    hits = []
    for fit in fits:
        record = records.get(fit.id)
        if record is None:  # deleted between search and look-up
            continue
        hits.append(
            VacancyHit(
                **record.model_dump(include=set(VacancyFields.model_fields)),
                score=round(fit.score, 4),
                scores=FitParts(
                    text=_rounded(fit.text),
                    skills=_rounded(fit.skills),
                    occupation=_rounded(fit.occupation),
                ),
                matched_skills=[fit_skill(record.text, s, c.via) for s, c in fit.matched],
                missing_skills=[fit_skill(record.text, s, None) for s in fit.missing],
            )
        )
    catalog = service.matcher.catalog
    return VacancySearchAnswer(
        taxonomy_versions=catalog.taxonomy_versions, snapshot=catalog.snapshot.id, vacancies=hits
    )


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def candidates_answer(
    service: VacancyService, vacancy_id: str, limit: int, lang: str
) -> CandidateOccupationsAnswer:
    """Side-entrant backgrounds for a vacancy, labelled."""
    ranked = service.candidate_occupations(vacancy_id, limit)
    uris = sorted({uri for uri, _, _ in ranked} | {s for _, _, shared in ranked for s in shared})
    labels = queries.preferred_labels(service.store, uris)
    catalog = service.matcher.catalog
    occupation, skill = ConceptKind.OCCUPATION.value, ConceptKind.SKILL.value
    return CandidateOccupationsAnswer(
        taxonomy_versions=catalog.taxonomy_versions,
        snapshot=catalog.snapshot.id,
        vacancy=vacancy_id,
        occupations=[
            CandidateOccupation(
                **concept_ref(labels, uri, occupation, lang).model_dump(),
                score=round(score, 4),
                shared_skills=[concept_ref(labels, s, skill, lang) for s in shared],
            )
            for uri, score, shared in ranked
        ],
    )
