"""Detail views of occupations, skills, certificates and qualifications (the
``concepts`` router)."""

from pydantic import (
    BaseModel,
    Field,
)

from service.schemas.common import Answer, ConceptRef, LabelOut


class LinkedConcept(ConceptRef):
    """A neighbour in a detail view, with how it is linked."""

    relation: str = Field(
        description="essential, optional, broader, narrower or teaches.", examples=["essential"]
    )
    weight: float | None = Field(
        default=None, description="Relation weight (1 essential).", examples=[1.0]
    )


class ConceptDetail(BaseModel):
    """A concept with all its labels and links."""

    uri: str = Field(
        examples=["http://data.europa.eu/esco/occupation/4910419f-b4af-4f59-b544-9dbebc8a74f0"],
        description="Source URI.",
    )
    id: str = Field(examples=["4910419f-b4af-4f59-b544-9dbebc8a74f0"], description="Short id.")
    kind: str = Field(examples=["occupation"], description="Concept kind.")
    label: str | None = Field(examples=["elektromonteur"], description="Display label.")
    label_language: str | None = Field(examples=["nl"], description="Language of `label`.")
    label_fallback: bool = Field(
        default=False, examples=[False], description="`label` is not in the requested language."
    )
    status: str = Field(examples=["released"], description="released or obsolete.")
    taxonomy: str = Field(examples=["esco"], description="Taxonomy that last supplied it.")
    version: str = Field(examples=["1.1.1"], description="That taxonomy's release.")
    description: str | None = Field(
        default=None,
        description="Description in the requested language (or another).",
        examples=["Elektromonteurs leggen installaties aan."],
    )
    labels: list[LabelOut] = Field(description="Every label in every language.")
    isco_group: str | None = Field(
        default=None, examples=["7411"], description="ISCO-08 unit group (occupations)."
    )
    skill_type: str | None = Field(
        default=None,
        examples=["skill/competence"],
        description="skill/competence or knowledge (skills).",
    )
    reuse_level: str | None = Field(
        default=None, examples=["sector-specific"], description="ESCO reuse level (skills)."
    )
    essential_skills: list[LinkedConcept] = Field(
        default_factory=list, description="Occupations: must-have skills."
    )
    optional_skills: list[LinkedConcept] = Field(
        default_factory=list, description="Occupations: nice-to-have skills."
    )
    occupations: list[LinkedConcept] = Field(
        default_factory=list, description="Skills: occupations that need it."
    )
    broader: list[LinkedConcept] = Field(default_factory=list, description="Parents.")
    narrower: list[LinkedConcept] = Field(default_factory=list, description="Children.")
    trainings: list[LinkedConcept] = Field(
        default_factory=list,
        description="Certificates and qualifications that teach this skill, or (for an "
        "occupation) at least one of its essential skills, most taught first: `weight` is "
        "the number of those essential skills the training teaches.",
    )


class TrainingOut(ConceptRef):
    """A certificate (short training) or an mbo qualification."""

    hours: int | None = Field(default=None, examples=[80], description="Study load (hours).")
    level: int | None = Field(default=None, examples=[2], description="mbo level.")
    provider: str | None = Field(
        default=None, examples=["mbo-instelling"], description="Kind of provider (certificates)."
    )
    qualification: str | None = Field(
        default=None, examples=["25333"], description="Related qualification's crebo code."
    )
    domain: str | None = Field(
        default=None,
        examples=["Techniek en procesindustrie"],
        description="Opleidingsdomein (qualifications).",
    )
    leerweg: str | None = Field(
        default=None, examples=["BOL/BBL"], description="BOL, BBL or both (qualifications)."
    )
    description: str | None = Field(
        default=None,
        description="What it covers.",
        examples=["Zonnestroomsystemen plaatsen en aansluiten."],
    )
    skills: list[ConceptRef] = Field(description="Skills it teaches.")


class TrainingList(Answer):
    """All certificates."""

    results: list[TrainingOut] = Field(description="Ordered by id.")
