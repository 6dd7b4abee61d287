"""The closed vocabularies of the ontology.

They are ``StrEnum`` so that the values stored in the database, written in CSV files and
returned over HTTP are the very strings the sources use (ESCO's ``skill/competence``,
``essential``), which keeps importers free of translation tables.
"""

from enum import StrEnum


class ConceptKind(StrEnum):
    """What a concept is; one table holds them all so labels and search treat them alike."""

    OCCUPATION = "occupation"
    SKILL = "skill"
    SKILL_GROUP = "skill_group"
    ISCO_GROUP = "isco_group"
    QUALIFICATION = "qualification"
    CERTIFICATE = "certificate"


class SkillType(StrEnum):
    """ESCO's split between what one can do and what one knows."""

    SKILL = "skill/competence"
    KNOWLEDGE = "knowledge"


class ReuseLevel(StrEnum):
    """ESCO's breadth of a skill, from any job to one occupation."""

    TRANSVERSAL = "transversal"
    CROSS_SECTOR = "cross-sector"
    SECTOR_SPECIFIC = "sector-specific"
    OCCUPATION_SPECIFIC = "occupation-specific"


class Status(StrEnum):
    """Concepts are never deleted: a newer version marks them obsolete instead."""

    RELEASED = "released"
    OBSOLETE = "obsolete"


class LabelKind(StrEnum):
    """SKOS label kinds: one preferred label per language, any number of the others."""

    PREFERRED = "preferred"
    ALTERNATIVE = "alternative"
    HIDDEN = "hidden"


class RelationType(StrEnum):
    """ESCO's two strengths of an occupation–skill link; matching weighs gaps by it."""

    ESSENTIAL = "essential"
    OPTIONAL = "optional"


# How a source's own relation strength maps onto ESCO's two types and a numeric weight.
# CompetentNL grades capabilities as essential / important / somewhat; only its
# "essential" is a must-have, the other two are optional with a lower weight.
RELATION_STRENGTHS: dict[str, tuple[RelationType, float]] = {
    "essential": (RelationType.ESSENTIAL, 1.0),
    "optional": (RelationType.OPTIONAL, 0.5),
    "important": (RelationType.OPTIONAL, 0.6),
    "somewhat": (RelationType.OPTIONAL, 0.3),
}
