"""Storage tables of the ontology store (sqlmodel, portable between SQLite and PostgreSQL).

Every concept (occupation, skill, group, qualification, certificate) lives in one
``concept`` table keyed by its source URI, so labels, descriptions and hierarchy edges
need a single foreign key and the indexer can read every label with one query. Details
that only one kind has live in small side tables (``qualification``, ``certificate``).
Rows that came from an import point at the ``taxonomy_version`` that supplied them, so a
merged store can still say which release a label or relation comes from.
"""

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class TaxonomyVersion(SQLModel, table=True):
    """One release of one source (ESCO 1.1.1, CompetentNL 2025-12, the embedded default)."""

    __tablename__ = "taxonomy_version"
    __table_args__ = (UniqueConstraint("taxonomy", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    taxonomy: str = Field(max_length=64)
    version: str = Field(max_length=64)
    imported_at: datetime
    source: str = Field(default="", max_length=2000)


class Concept(SQLModel, table=True):
    """A concept of any kind; its identity is the source URI, never a local number."""

    __tablename__ = "concept"
    __table_args__ = (
        UniqueConstraint("kind", "short_id"),
        Index("ix_concept_kind_status", "kind", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    uri: str = Field(max_length=300, unique=True)
    kind: str = Field(max_length=32)
    short_id: str = Field(max_length=120)
    taxonomy_version_id: int = Field(foreign_key="taxonomy_version.id")
    status: str = Field(default="released", max_length=16)
    replaced_by: str | None = Field(default=None, max_length=300)
    skill_type: str | None = Field(default=None, max_length=32)
    reuse_level: str | None = Field(default=None, max_length=32)
    code: str | None = Field(default=None, max_length=64)
    isco_group: str | None = Field(default=None, max_length=8, index=True)
    modified: str | None = Field(default=None, max_length=40)


class Label(SQLModel, table=True):
    """A surface form of a concept in one language (preferred, alternative or hidden)."""

    __tablename__ = "label"
    __table_args__ = (
        UniqueConstraint("concept_id", "language", "kind", "text"),
        Index("ix_label_language_kind", "language", "kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    concept_id: int = Field(foreign_key="concept.id", index=True)
    language: str = Field(max_length=8)
    kind: str = Field(max_length=16)
    text: str = Field(max_length=1000)
    taxonomy_version_id: int = Field(foreign_key="taxonomy_version.id")


class Description(SQLModel, table=True):
    """A concept's description in one language; the newest import wins."""

    __tablename__ = "description"
    __table_args__ = (UniqueConstraint("concept_id", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    concept_id: int = Field(foreign_key="concept.id")
    language: str = Field(max_length=8)
    text: str
    taxonomy_version_id: int = Field(foreign_key="taxonomy_version.id")


class SchemeMembership(SQLModel, table=True):
    """Which concept schemes and collections a concept is in (ESCO ``inScheme``, the
    default's ``urn:overstap:collection:techniek``, ESCO's green/digital collections)."""

    __tablename__ = "scheme_membership"
    __table_args__ = (UniqueConstraint("concept_id", "scheme"),)

    id: int | None = Field(default=None, primary_key=True)
    concept_id: int = Field(foreign_key="concept.id", index=True)
    scheme: str = Field(max_length=300, index=True)


class Broader(SQLModel, table=True):
    """A hierarchy edge: skill → skill group, occupation → ISCO group, group → group."""

    __tablename__ = "broader"
    __table_args__ = (UniqueConstraint("concept_id", "broader_id"),)

    id: int | None = Field(default=None, primary_key=True)
    concept_id: int = Field(foreign_key="concept.id", index=True)
    broader_id: int = Field(foreign_key="concept.id", index=True)


class OccupationSkill(SQLModel, table=True):
    """An occupation needs a skill, essentially or optionally, with a numeric weight."""

    __tablename__ = "occupation_skill"
    __table_args__ = (UniqueConstraint("occupation_id", "skill_id"),)

    id: int | None = Field(default=None, primary_key=True)
    occupation_id: int = Field(foreign_key="concept.id", index=True)
    skill_id: int = Field(foreign_key="concept.id", index=True)
    relation_type: str = Field(max_length=16)
    importance: str = Field(max_length=16)
    weight: float
    taxonomy_version_id: int = Field(foreign_key="taxonomy_version.id")


class SkillSkill(SQLModel, table=True):
    """ESCO's skill → related-skill links (essential / optional)."""

    __tablename__ = "skill_skill"
    __table_args__ = (UniqueConstraint("skill_id", "related_skill_id"),)

    id: int | None = Field(default=None, primary_key=True)
    skill_id: int = Field(foreign_key="concept.id", index=True)
    related_skill_id: int = Field(foreign_key="concept.id")
    relation_type: str = Field(max_length=16)


class Qualification(SQLModel, table=True):
    """An mbo kwalificatie (qualification) from the HKS (kwalificatiestructuur)."""

    __tablename__ = "qualification"

    concept_id: int = Field(foreign_key="concept.id", primary_key=True)
    crebo: str = Field(max_length=16, unique=True)
    level: int
    domain: str = Field(max_length=200)
    domain_code: str | None = Field(default=None, max_length=16)
    dossier_crebo: str | None = Field(default=None, max_length=16)
    dossier: str | None = Field(default=None, max_length=300)
    programme_type: str | None = Field(default=None, max_length=64)
    requirements: str | None = Field(default=None, max_length=300)
    leerweg: str = Field(max_length=16)


class Certificate(SQLModel, table=True):
    """A short training unit (mbo-certificaat, branche certificate) that teaches skills."""

    __tablename__ = "certificate"

    concept_id: int = Field(foreign_key="concept.id", primary_key=True)
    level: int | None = None
    hours: int
    provider: str | None = Field(default=None, max_length=200)
    qualification_crebo: str | None = Field(default=None, max_length=16)


class TrainingSkill(SQLModel, table=True):
    """A qualification or certificate teaches a skill; training routes are built on it."""

    __tablename__ = "training_skill"
    __table_args__ = (UniqueConstraint("training_id", "skill_id"),)

    id: int | None = Field(default=None, primary_key=True)
    training_id: int = Field(foreign_key="concept.id", index=True)
    skill_id: int = Field(foreign_key="concept.id", index=True)


class Vacancy(SQLModel, table=True):
    """An open job; its id is the publisher's, so re-sending a vacancy updates it."""

    __tablename__ = "vacancy"

    id: str = Field(primary_key=True, max_length=120)
    title: str = Field(max_length=300)
    text: str
    region: str | None = Field(default=None, max_length=64, index=True)
    postcode: str | None = Field(default=None, max_length=8)
    city: str | None = Field(default=None, max_length=120)
    employer: str | None = Field(default=None, max_length=300)
    posted: date | None = None
    expires: date | None = Field(default=None, index=True)
    updated_at: datetime


class VacancyEntry(SQLModel, table=True):
    """What overstap derived from a vacancy on ingest: its vector, likely occupations and
    extracted skills. Kept beside the publisher's row (``vacancy``) so a re-send of the
    same content is recognised, and in the database rather than only in the FAISS file,
    so that an acknowledged vacancy survives a crash: the index is rebuilt from here."""

    __tablename__ = "vacancy_entry"

    number: int | None = Field(default=None, primary_key=True)  # the vector's id in FAISS
    vacancy_id: str = Field(
        sa_column=Column(
            String(120),
            ForeignKey("vacancy.id", ondelete="CASCADE"),
            unique=True,
            nullable=False,
        )
    )
    embedder: str = Field(max_length=300)
    snapshot: str = Field(max_length=64)
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    occupations: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    skills: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON


class VacancyChange(SQLModel, table=True):
    """The vacancy change log: every upsert and removal in commit order. A running index
    applies the changes after the last one it saw, so vacancies written by another
    process (the CLI, a second server) reach it without a restart."""

    __tablename__ = "vacancy_change"

    seq: int | None = Field(default=None, primary_key=True)
    number: int = Field(index=True)
    removed: bool
    at: datetime


class VacancyChangePurge(SQLModel, table=True):
    """How far housekeeping has deleted the change log (one row, ``id`` 1). An index
    that applied changes only up to a sequence number below ``purged_through`` has
    missed some and reloads every vacancy instead of following the log."""

    __tablename__ = "vacancy_change_purge"

    id: int = Field(primary_key=True)
    purged_through: int
    at: datetime
