"""Request and response models of the vacancy endpoints (the API documentation of
``/v1/vacancies``)."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema, model_validator

from models.domain import date_as_text
from service.schemas.common import MAX_BATCH, MAX_TEXT, REQUEST_CONFIG, Answer, ConceptRef, Region

EXAMPLE_VACANCY = {
    "id": "vac-2026-000123",
    "title": "Monteur elektrotechnische installaties (m/v/x)",
    "text": "Voor onze klanten in de regio leg je elektrische installaties aan in "
    "woningen en bedrijfspanden. Je leest tekeningen en zoekt storingen.",
    "region": "Utrecht",
    "postcode": "3511",
    "posted": "2026-11-20",
    "expires": "2026-12-31",
    "employer": "Installatiebedrijf De Vonk",
}


class VacancyBatch(BaseModel):
    """Vacancies to store or update (by id). Records are checked one by one, so a bad
    record does not stop the good ones unless ``atomic`` is set: each is taken as an
    object here and validated as a ``Vacancy`` (``models.domain.VacancyRecord``) by the
    service, while the OpenAPI document types it as that ``Vacancy``."""

    model_config = REQUEST_CONFIG

    vacancies: list[
        Annotated[dict[str, Any], WithJsonSchema({"$ref": "#/components/schemas/Vacancy"})]
    ] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=f"1–{MAX_BATCH} vacancies: `id` (letters, digits, `._:-`; re-sending an "
        "id updates it), `title`, `text`, and optionally `region` (a province), `postcode` "
        "(2–4 digits), `city`, `employer`, `posted` and `expires` (ISO dates; a vacancy "
        "past `expires` stops appearing in results).",
        examples=[[EXAMPLE_VACANCY]],
    )
    atomic: bool = Field(
        default=False,
        description="Store all or none: one invalid record makes the call fail with 422.",
        examples=[False],
    )


class RecordError(BaseModel):
    """What is wrong with one field of one record."""

    field: str = Field(
        description="The field, e.g. `region` (empty: the record as a whole).",
        examples=["region"],
    )
    message: str = Field(description="What is wrong.", examples=["unknown province 'Utreg'"])


class RecordResult(BaseModel):
    """What happened to one record of a batch."""

    index: int = Field(description="Position in the request (0-based).", examples=[0])
    id: str | None = Field(description="The record's id, when it had one.", examples=["vac-1"])
    status: Literal["created", "updated", "unchanged", "invalid"] = Field(
        description="created, updated, unchanged (same content: nothing done) or invalid.",
        examples=["created"],
    )
    errors: list[RecordError] = Field(
        default_factory=list,
        description="Why the record is invalid.",
        examples=[[{"field": "region", "message": "unknown province 'Utreg'"}]],
    )


class VacancyBatchAnswer(BaseModel):
    """Per record: stored or why not."""

    stored: int = Field(description="Records created, updated or unchanged.", examples=[1])
    invalid: int = Field(description="Records refused.", examples=[0])
    results: list[RecordResult] = Field(description="One per record, in request order.")


class VacancyOccupation(ConceptRef):
    """An occupation the vacancy's title names."""

    score: float = Field(description="Normaliser score of the title.", examples=[0.91])


class SkillSpan(BaseModel):
    """Where in the vacancy text a skill was found."""

    start: int = Field(description="Offset of the first character in `text`.", examples=[40])
    end: int = Field(description="Offset after the last character.", examples=[98])
    text: str = Field(description="`text[start:end]`.", examples=["leg je elektrische …"])


class VacancySkillOut(ConceptRef):
    """A skill the vacancy asks for, found in its text."""

    confidence: float = Field(
        description="Extraction margin (see /v1/skills/extract).", examples=[0.12]
    )
    evidence: SkillSpan = Field(description="The best supporting piece of the text.")


class VacancyFields(BaseModel):
    """What a publisher sent that every vacancy answer shows."""

    id: str = Field(description="The publisher's id.", examples=["vac-2026-000123"])
    title: str = Field(description="Title as sent.", examples=[EXAMPLE_VACANCY["title"]])
    region: str | None = Field(default=None, description="Province.", examples=["Utrecht"])
    postcode: str | None = Field(default=None, description="Postcode digits.", examples=["3511"])
    city: str | None = Field(default=None, description="Place of work.", examples=["Utrecht"])
    employer: str | None = Field(
        default=None, description="Employer.", examples=[EXAMPLE_VACANCY["employer"]]
    )
    posted: date | None = Field(default=None, description="Posted on.", examples=["2026-11-20"])
    expires: date | None = Field(
        default=None, description="Last day it is open.", examples=["2026-12-31"]
    )


class VacancyOut(VacancyFields):
    """One vacancy as stored, with what overstap derived from it."""

    text: str = Field(description="Text as sent.", examples=[EXAMPLE_VACANCY["text"]])
    expired: bool = Field(description="Past `expires`: no longer in results.", examples=[False])
    updated_at: datetime = Field(
        description="When the content last changed (UTC).", examples=["2026-11-28T09:00:00Z"]
    )
    occupations: list[VacancyOccupation] = Field(
        description="Occupations the title names, best first (up to 3)."
    )
    skills: list[VacancySkillOut] | None = Field(
        description="Skills found in the text, best first (null: ingested without "
        "skill extraction).",
        examples=[
            [
                {
                    "uri": "urn:overstap:skill:storingen-verhelpen",
                    "id": "storingen-verhelpen",
                    "kind": "skill",
                    "label": "storingen verhelpen",
                    "label_language": "nl",
                    "label_fallback": False,
                    "confidence": 0.12,
                    "evidence": {"start": 120, "end": 139, "text": "zoekt storingen op"},
                }
            ]
        ],
    )


class VacancySearchRequest(BaseModel):
    """A person (text and/or skills) or an advisor's filter looking for vacancies."""

    model_config = REQUEST_CONFIG

    text: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_TEXT,
        description="A story, CV text or query; ranks by meaning and supplies skills.",
        examples=["Ik heb jaren cv-ketels onderhouden en storingen verholpen."],
    )
    occupations: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Only vacancies for these occupations (ids, URIs or names).",
        examples=[["elektricien"]],
    )
    skills: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Skills the person has (ids, URIs or names).",
        examples=[["elektrische installaties testen"]],
    )
    region: Region | None = Field(
        default=None,
        description="A province (name, any case) or a postcode prefix (1–4 digits).",
        examples=["Utrecht"],
    )
    posted_since: Annotated[date | None, BeforeValidator(date_as_text)] = Field(
        default=None,
        strict=False,
        description="Only vacancies posted on or after this day (undated ones are left out).",
        examples=["2026-11-01"],
    )
    min_score: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Leave out weaker fits.", examples=[0.3]
    )
    limit: int = Field(default=10, ge=1, le=100, examples=[10], description="How many.")
    lang: str = Field(
        default="nl", min_length=2, max_length=8, description="Label language.", examples=["nl"]
    )

    @model_validator(mode="after")
    def _something_to_search(self) -> "VacancySearchRequest":
        if not (self.text or self.occupations or self.skills or self.region):
            raise ValueError("give at least one of text, occupations, skills or region")
        return self


class FitParts(BaseModel):
    """The parts of a fit score (each 0–1; the score is the mean of those present)."""

    text: float | None = Field(description="Cosine similarity to the text.", examples=[0.84])
    skills: float | None = Field(
        description="Weighted share of the vacancy's skills the person covers.",
        examples=[0.5],
    )
    occupation: float | None = Field(
        description="How strongly the title names a requested occupation.", examples=[0.93]
    )


class FitSkill(ConceptRef):
    """A vacancy skill, with where the vacancy asks for it."""

    evidence: SkillSpan = Field(description="Where the vacancy text asks for it.")
    covered_by: ConceptRef | None = Field(
        default=None, description="The person's skill that covers it (matched skills only)."
    )


class VacancyHit(VacancyFields):
    """A vacancy ranked by fit."""

    score: float = Field(description="Fit, 0–1.", examples=[0.71])
    scores: FitParts = Field(description="The parts of `score`.")
    matched_skills: list[FitSkill] = Field(description="Vacancy skills the person has.")
    missing_skills: list[FitSkill] = Field(description="Vacancy skills the person lacks.")


class VacancySearchAnswer(Answer):
    """Vacancies, best fit first."""

    vacancies: list[VacancyHit] = Field(description="Best fit first.")


class CandidateOccupation(ConceptRef):
    """A background from which people fit the vacancy."""

    score: float = Field(
        description="Weighted share of the vacancy's skills this occupation has.",
        examples=[0.6],
    )
    shared_skills: list[ConceptRef] = Field(description="The skills both share.")


class CandidateOccupationsAnswer(Answer):
    """Side-entrant backgrounds for one vacancy, best first."""

    vacancy: str = Field(description="The vacancy's id.", examples=["vac-2026-000123"])
    occupations: list[CandidateOccupation] = Field(description="Best first.")
