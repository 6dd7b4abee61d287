"""Domain types that cross layer boundaries: what importers validate and what the store
hands to the indexes and the service. Plain pydantic; storage lives in ``tables``."""

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.vocabulary import ConceptKind, LabelKind, RelationType, SkillType, Status

PROVINCES = (
    "Groningen",
    "Friesland",
    "Drenthe",
    "Overijssel",
    "Flevoland",
    "Gelderland",
    "Utrecht",
    "Noord-Holland",
    "Zuid-Holland",
    "Zeeland",
    "Noord-Brabant",
    "Limburg",
)


def province_named(name: str) -> str | None:
    """The province ``name`` names in any case, spelled as in ``PROVINCES``; None when
    it names none (one rule for vacancy records and every request's ``region``)."""
    folded = name.lower()
    return next((p for p in PROVINCES if p.lower() == folded), None)


def short_id_of(uri: str) -> str:
    """The last segment of a URI (after ``/`` or, for URNs, ``:``): short and URL-safe."""
    return re.split(r"[/:]", uri.rstrip("/"))[-1]


class LabelText(BaseModel):
    """One surface form of a concept."""

    model_config = ConfigDict(frozen=True)

    language: str
    kind: LabelKind
    text: str


class ConceptView(BaseModel):
    """A concept as the store returns it, with all its labels and descriptions."""

    uri: str
    id: str = Field(description="Short id: the URI's last segment.")
    kind: ConceptKind
    status: Status
    replaced_by: str | None = None
    taxonomy: str
    version: str
    skill_type: SkillType | None = None
    reuse_level: str | None = None
    code: str | None = None
    isco_group: str | None = None
    labels: list[LabelText] = Field(default_factory=list)
    descriptions: dict[str, str] = Field(default_factory=dict)
    schemes: list[str] = Field(default_factory=list)

    def preferred(self, language: str) -> str | None:
        """The preferred label in ``language``, or None when that language has none."""
        for label in self.labels:
            if label.language == language and label.kind is LabelKind.PREFERRED:
                return label.text
        return None


class SkillLink(BaseModel):
    """An occupation's need for a skill."""

    skill_uri: str
    relation_type: RelationType
    weight: float


# Pydantic prefixes what a validator raises with its kind; a caller needs the reason.
_ERROR_PREFIXES = ("Value error, ", "Assertion failed, ")


def error_reason(error: Mapping[str, Any]) -> str:
    """The message of one pydantic validation error, without the kind prefix."""
    message = str(error.get("msg", ""))
    for prefix in _ERROR_PREFIXES:
        message = message.removeprefix(prefix)
    return message


RESERVED_VACANCY_IDS = frozenset({"search"})  # static paths under /v1/vacancies/


def date_as_text(value: object) -> object:
    """Refuse a number where a date belongs: pydantic would read ``0`` as 1970-01-01
    (a vacancy expired before it was sent). JSON has no date type: dates come as
    ISO text (or as dates from the store)."""
    if isinstance(value, int | float):
        raise ValueError("must be an ISO date (YYYY-MM-DD) as text, not a number")
    return value


def storable_text(value: str | None) -> str | None:
    """Refuse NUL characters: PostgreSQL's text cannot hold them (found by
    schemathesis: a 500 on PostgreSQL, stored on SQLite). Unpaired surrogates are
    refused by pydantic's own string check."""
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class VacancyRecord(BaseModel):
    """A vacancy as publishers send it (JSONL import, later the HTTP API)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(
        min_length=1,
        max_length=120,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="The publisher's id; sending it again updates the vacancy.",
        examples=["vac-2026-000123"],
    )
    title: str = Field(
        min_length=1,
        max_length=300,
        description="The job title as published.",
        examples=["Monteur elektrotechnische installaties (m/v/x)"],
    )
    text: str = Field(
        min_length=1,
        max_length=20_000,
        description="The vacancy text.",
        examples=["Je legt elektrische installaties aan en zoekt storingen."],
    )
    region: str | None = Field(
        default=None,
        max_length=64,
        description="A province (name, any case).",
        examples=["Utrecht"],
    )
    postcode: str | None = Field(
        default=None,
        pattern=r"^[1-9][0-9]{1,3}$",
        description="The postcode's first 2–4 digits.",
        examples=["3511"],
    )
    city: str | None = Field(
        default=None, max_length=120, description="Place of work.", examples=["Utrecht"]
    )
    employer: str | None = Field(
        default=None,
        max_length=300,
        description="The employer.",
        examples=["Installatiebedrijf De Vonk"],
    )
    posted: date | None = Field(
        default=None, description="Posted on (ISO date).", examples=["2026-11-20"]
    )
    expires: date | None = Field(
        default=None,
        description="Last open day (ISO date); after it, out of results.",
        examples=["2026-12-31"],
    )

    @field_validator("id")
    @classmethod
    def _not_a_route(cls, value: str) -> str:
        if value in RESERVED_VACANCY_IDS:
            raise ValueError(f"{value!r} is reserved: it names /v1/vacancies/{value}")
        return value

    @field_validator("id", "title", "text", "region", "postcode", "city", "employer")
    @classmethod
    def _storable_text(cls, value: str | None) -> str | None:
        return storable_text(value)

    @field_validator("posted", "expires", mode="before")
    @classmethod
    def _date_as_text(cls, value: object) -> object:
        return date_as_text(value)

    @field_validator("region")
    @classmethod
    def _known_province(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if (province := province_named(value)) is not None:
            return province
        raise ValueError(f"unknown province {value!r}; expected one of {', '.join(PROVINCES)}")

    @model_validator(mode="after")
    def _expires_after_posted(self) -> "VacancyRecord":
        if self.posted and self.expires and self.expires < self.posted:
            raise ValueError("expires lies before posted")
        return self


class VacancySkill(BaseModel):
    """A skill found in a vacancy's text, with its best evidence (offsets into ``text``)."""

    uri: str
    confidence: float
    start: int
    end: int


class IndexedSkill(NamedTuple):
    """``VacancySkill`` as the vacancy index holds it in memory: a plain tuple, its URI
    shared with every other vacancy's (interned). A pydantic object per skill and a
    string per URI were 435 of the 574 MiB that 100,000 indexed ESCO vacancies took
    (tracemalloc, issue 23)."""

    uri: str
    confidence: float
    start: int
    end: int


class DerivedVacancy(BaseModel):
    """A vacancy with what ingest derived from it, ready to be stored in one go."""

    record: VacancyRecord
    embedder: str
    snapshot: str
    vector: bytes  # float32, unit length
    occupations: list[tuple[str, float]]  # best first
    skills: list[VacancySkill] | None  # None: ingested without skill extraction


class StoredVacancy(BaseModel):
    """A vacancy as the store holds it, with its derived data (None before ingest)."""

    record: VacancyRecord
    updated_at: datetime
    number: int | None = None
    occupations: list[tuple[str, float]] = Field(default_factory=list)
    skills: list[VacancySkill] | None = None


class StoreStats(BaseModel):
    """Counts that show what a store holds; ``overstap stats --json`` prints this."""

    occupations: int = Field(description="Released occupations.", examples=[60])
    skills: int = Field(description="Released skills and knowledge.", examples=[302])
    skills_by_type: dict[str, int] = Field(
        description="Skills per type.", examples=[{"skill/competence": 249, "knowledge": 53}]
    )
    skill_groups: int = Field(description="Skill groups (hierarchy).", examples=[15])
    isco_groups: int = Field(description="ISCO-08 groups.", examples=[40])
    obsolete_concepts: int = Field(description="Concepts retired by newer releases.", examples=[0])
    relations: dict[str, int] = Field(
        description="Occupation–skill links by type.",
        examples=[{"essential": 810, "optional": 361}],
    )
    skill_skill_relations: int = Field(description="Skill → related-skill links.", examples=[0])
    labels: dict[str, dict[str, int]] = Field(
        description="Labels per language and kind.",
        examples=[{"nl": {"preferred": 450, "alternative": 1400}}],
    )
    descriptions: dict[str, int] = Field(
        description="Descriptions per language.", examples=[{"nl": 450}]
    )
    qualifications: int = Field(description="mbo qualifications.", examples=[15])
    certificates: int = Field(description="Certificates.", examples=[17])
    vacancies: int = Field(description="Vacancies.", examples=[50])
    versions: list[str] = Field(
        description="Taxonomy releases present.", examples=[["overstap-default 2026.11"]]
    )
