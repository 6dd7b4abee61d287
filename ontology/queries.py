"""Read queries the service's detail views need (labels of many concepts at once, the
links around one concept, trainings). Kept apart from ``store.py`` so the store stays
about connections and transactions."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select

from models.tables import (
    Broader,
    Certificate,
    Concept,
    Description,
    Label,
    OccupationSkill,
    Qualification,
    SchemeMembership,
    TrainingSkill,
)
from models.vocabulary import ConceptKind, LabelKind
from ontology.store import Store
from ontology.writer import table_of


def _by_language(
    store: Store, uris: list[str], table: Any, *conditions: Any
) -> dict[str, dict[str, str]]:
    """URI → language → ``table.text`` for many concepts, in batches of 500 URIs."""
    concept = table_of(Concept)
    result: dict[str, dict[str, str]] = defaultdict(dict)
    with store.reading() as conn:
        for start in range(0, len(uris), 500):
            for uri, language, text in conn.execute(
                select(concept.c.uri, table.c.language, table.c.text)
                .join(table, table.c.concept_id == concept.c.id)
                .where(concept.c.uri.in_(uris[start : start + 500]), *conditions)
            ):
                result[uri][language] = text
    return result


def preferred_labels(store: Store, uris: list[str]) -> dict[str, dict[str, str]]:
    """URI → language → preferred label, for many concepts in one query per 500."""
    label = table_of(Label)
    return _by_language(store, uris, label, label.c.kind == LabelKind.PREFERRED)


def descriptions(store: Store, uris: list[str]) -> dict[str, dict[str, str]]:
    """URI → language → description, for many concepts in one query per 500."""
    return _by_language(store, uris, table_of(Description))


@dataclass
class Link:
    """A neighbour of a concept: its URI, short id, kind and how it is linked."""

    uri: str
    id: str
    kind: str
    relation: str
    weight: float | None = None


@dataclass
class Neighbourhood:
    """Everything linked to one concept, grouped the way detail views show it."""

    skills: list[Link] = field(default_factory=list)
    occupations: list[Link] = field(default_factory=list)
    broader: list[Link] = field(default_factory=list)
    narrower: list[Link] = field(default_factory=list)
    trainings: list[Link] = field(default_factory=list)


def neighbourhood(store: Store, uri: str) -> Neighbourhood:
    """Skills of an occupation, occupations of a skill, hierarchy, trainings."""
    concept, relation = table_of(Concept), table_of(OccupationSkill)
    broader, taught = table_of(Broader), table_of(TrainingSkill)
    other = concept.alias("other")
    result = Neighbourhood()
    with store.reading() as conn:
        cid = conn.execute(select(concept.c.id).where(concept.c.uri == uri)).scalar()
        if cid is None:
            return result
        columns = (other.c.uri, other.c.short_id, other.c.kind)
        for o_uri, o_id, o_kind, rtype, weight in conn.execute(
            select(*columns, relation.c.relation_type, relation.c.weight)
            .join(relation, relation.c.skill_id == other.c.id)
            .where(relation.c.occupation_id == cid, other.c.status == "released")
            .order_by(relation.c.relation_type, relation.c.weight.desc(), other.c.uri)
        ):
            result.skills.append(Link(o_uri, o_id, o_kind, rtype, weight))
        for o_uri, o_id, o_kind, rtype, weight in conn.execute(
            select(*columns, relation.c.relation_type, relation.c.weight)
            .join(relation, relation.c.occupation_id == other.c.id)
            .where(relation.c.skill_id == cid, other.c.status == "released")
            .order_by(relation.c.relation_type, other.c.uri)
        ):
            result.occupations.append(Link(o_uri, o_id, o_kind, rtype, weight))
        for o_uri, o_id, o_kind in conn.execute(
            select(*columns)
            .join(broader, broader.c.broader_id == other.c.id)
            .where(broader.c.concept_id == cid)
            .order_by(other.c.uri)
        ):
            result.broader.append(Link(o_uri, o_id, o_kind, "broader"))
        for o_uri, o_id, o_kind in conn.execute(
            select(*columns)
            .join(broader, broader.c.concept_id == other.c.id)
            .where(broader.c.broader_id == cid, other.c.status == "released")
            .order_by(other.c.uri)
        ):
            result.narrower.append(Link(o_uri, o_id, o_kind, "narrower"))
        # Trainings that teach this skill, or (for an occupation) its essential skills.
        skill_ids = (
            [cid]
            if not result.skills
            else [
                sid
                for (sid,) in conn.execute(
                    select(relation.c.skill_id).where(
                        relation.c.occupation_id == cid, relation.c.relation_type == "essential"
                    )
                )
            ]
        )
        if skill_ids:
            # Ranked by how many of those skills each teaches (``weight``), so the
            # training that closes most of an occupation's core comes first; only
            # trainings that teach at least one are listed.
            taught_count: dict[tuple[str, str, str], int] = {}
            for o_uri, o_id, o_kind in conn.execute(
                select(*columns)
                .join(taught, taught.c.training_id == other.c.id)
                .where(taught.c.skill_id.in_(skill_ids))
            ):
                key = (o_uri, o_id, o_kind)
                taught_count[key] = taught_count.get(key, 0) + 1
            for (o_uri, o_id, o_kind), count in sorted(
                taught_count.items(), key=lambda item: (-item[1], item[0][2], item[0][0])
            ):
                result.trainings.append(Link(o_uri, o_id, o_kind, "teaches", float(count)))
    return result


@dataclass
class TrainingView:
    """A certificate or qualification with its details and the skills it teaches."""

    uri: str
    id: str
    kind: ConceptKind
    hours: int | None
    level: int | None
    provider: str | None
    qualification_crebo: str | None
    domain: str | None
    leerweg: str | None
    skills: list[str]
    dossier_crebo: str | None = None  # qualifications: the kwalificatiedossier they belong to


def trainings(store: Store, kind: ConceptKind, key: str | None = None) -> list[TrainingView]:
    """All certificates or qualifications (or the one with short id or URI ``key``),
    in three queries whatever their number (one per training cost a tenth of a second
    of a server's start on the full data, issue 23)."""
    concept, taught = table_of(Concept), table_of(TrainingSkill)
    certificate, qualification = table_of(Certificate), table_of(Qualification)
    detail_table = certificate if kind is ConceptKind.CERTIFICATE else qualification
    skill = concept.alias("skill")
    wanted = [concept.c.kind == kind, concept.c.status == "released"]
    if key is not None:
        by_uri = "/" in key or key.startswith("urn:")
        wanted.append((concept.c.uri if by_uri else concept.c.short_id) == key)
    with store.reading() as conn:
        rows = conn.execute(
            select(concept.c.id, concept.c.uri, concept.c.short_id)
            .where(*wanted)
            .order_by(concept.c.short_id)
        ).all()
        taught_by: dict[int, list[str]] = defaultdict(list)
        for training_id, skill_uri in conn.execute(
            select(taught.c.training_id, skill.c.uri)
            .join(skill, taught.c.skill_id == skill.c.id)
            .join(concept, concept.c.id == taught.c.training_id)
            .where(*wanted)
            .order_by(taught.c.training_id, skill.c.uri)
        ):
            taught_by[training_id].append(skill_uri)
        details: dict[int, dict[str, Any]] = {
            found["concept_id"]: dict(found)
            for found in conn.execute(
                select(detail_table)
                .join(concept, concept.c.id == detail_table.c.concept_id)
                .where(*wanted)
            ).mappings()
        }
    views: list[TrainingView] = []
    for cid, uri, short_id in rows:
        detail = details.get(cid, {})
        views.append(
            TrainingView(
                uri=uri,
                id=short_id,
                kind=kind,
                hours=detail.get("hours"),
                level=detail.get("level"),
                provider=detail.get("provider"),
                qualification_crebo=detail.get("qualification_crebo"),
                domain=detail.get("domain"),
                leerweg=detail.get("leerweg"),
                skills=taught_by.get(cid, []),
                dossier_crebo=detail.get("dossier_crebo"),
            )
        )
    return views


class Requirement(NamedTuple):
    """One skill an occupation needs (a tuple: a server builds 124,000 of them from
    the full ESCO at start)."""

    skill: str
    relation: str
    weight: float


def requirements(store: Store) -> dict[str, list[Requirement]]:
    """Occupation URI → the skills it needs, for every released occupation (one query;
    the matcher keeps this in memory per snapshot)."""
    concept, relation = table_of(Concept), table_of(OccupationSkill)
    skill = concept.alias("skill")
    result: dict[str, list[Requirement]] = defaultdict(list)
    with store.reading() as conn:
        for occupation, skill_uri, rtype, weight in conn.execute(
            select(concept.c.uri, skill.c.uri, relation.c.relation_type, relation.c.weight)
            .join(relation, relation.c.occupation_id == concept.c.id)
            .join(skill, skill.c.id == relation.c.skill_id)
            .where(concept.c.status == "released", skill.c.status == "released")
            .order_by(concept.c.uri, skill.c.uri)
        ):
            result[occupation].append(Requirement(skill_uri, rtype, weight))
    return dict(result)


def scheme_members(store: Store, scheme: str) -> set[str]:
    """URIs of the concepts in a scheme or collection."""
    concept, membership = table_of(Concept), table_of(SchemeMembership)
    with store.reading() as conn:
        return set(
            conn.execute(
                select(concept.c.uri)
                .join(membership, membership.c.concept_id == concept.c.id)
                .where(membership.c.scheme == scheme)
            ).scalars()
        )


def skill_hierarchy(store: Store) -> dict[str, list[str]]:
    """Skill URI → its direct broader *skills* (not skill groups), for the claims a
    training route may make about a neighbouring skill (one query)."""
    concept, broader = table_of(Concept), table_of(Broader)
    parent = concept.alias("parent")
    result: dict[str, list[str]] = defaultdict(list)
    with store.reading() as conn:
        for child, parent_uri in conn.execute(
            select(concept.c.uri, parent.c.uri)
            .join(broader, broader.c.concept_id == concept.c.id)
            .join(parent, parent.c.id == broader.c.broader_id)
            .where(
                concept.c.kind == ConceptKind.SKILL.value,
                parent.c.kind == ConceptKind.SKILL.value,
                concept.c.status == "released",
                parent.c.status == "released",
            )
            .order_by(concept.c.uri, parent.c.uri)
        ):
            result[child].append(parent_uri)
    return dict(result)
