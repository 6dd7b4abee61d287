"""The ontology store: one database (SQLite by default, PostgreSQL by URL) behind a
small API the importers, the indexes and the service share."""

import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from models.domain import ConceptView, LabelText, SkillLink, StoreStats
from models.tables import (
    Certificate,
    Concept,
    Description,
    Label,
    OccupationSkill,
    Qualification,
    SchemeMembership,
    SkillSkill,
    TaxonomyVersion,
    Vacancy,
)
from models.vocabulary import ConceptKind, LabelKind, RelationType, SkillType, Status
from ontology import schema
from ontology.errors import StoreError
from ontology.writer import table_of


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (the API) go on while a batch job writes; foreign keys are off by
    # default in SQLite and we want the same integrity PostgreSQL gives.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Two connections switching a new file to WAL at once can deadlock on the lock
    # upgrade, which SQLite reports at once as "locked" (no busy wait): try again.
    for attempt in range(50):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 49:
                raise
            time.sleep(0.05)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; creates the folder of a SQLite file when it is missing."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"invalid database URL {url!r}: {exc}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise StoreError(f"unsupported database {backend!r}: use sqlite:/// or postgresql+psycopg://")


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite ``url`` names (as written: maybe relative); None for an
    in-memory database, other databases and a URL that does not parse (make_engine
    reports that)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(str(parsed.database))


def missing_sqlite_file(url: str) -> Path | None:
    """The file a SQLite ``url`` names when it does not exist yet (opening it would make
    it); None for an existing file, an in-memory database and other databases."""
    path = sqlite_file(url)
    return None if path is None or path.exists() else path


class Store:
    """Owns the engine; every write goes through ``transaction()`` so it is all-or-nothing."""

    def __init__(self, url: str, upgrade: bool = True) -> None:
        """Open the store at ``url``, bringing its schema to this code's revision when
        ``upgrade`` (else refusing a store that is behind: ``ontology.schema``)."""
        self.url = url
        self.engine = make_engine(url)
        try:
            schema.ensure(self.engine, allow_upgrade=upgrade)
        except BaseException:
            self.engine.dispose()
            raise

    def close(self) -> None:
        """Release pooled connections (SQLite files can then be removed or replaced)."""
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on error."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads."""
        with self.engine.connect() as conn:
            yield conn

    # -- questions -------------------------------------------------------------------

    def is_empty(self) -> bool:
        """True when nothing was ever imported (no concepts, no vacancies)."""
        with self.reading() as conn:
            concept = table_of(Concept)
            vacancy = table_of(Vacancy)
            has_concept = conn.execute(select(concept.c.id).limit(1)).first()
            has_vacancy = conn.execute(select(vacancy.c.id).limit(1)).first()
        return has_concept is None and has_vacancy is None

    def stats(self) -> StoreStats:
        """Counts of everything, grouped the way an operator checks an import."""
        concept = table_of(Concept)
        label = table_of(Label)
        relation = table_of(OccupationSkill)
        with self.reading() as conn:
            kinds: dict[str, int] = defaultdict(int)
            skills_by_type: dict[str, int] = {}
            obsolete = 0
            for kind, status, skill_type, count in conn.execute(
                select(
                    concept.c.kind, concept.c.status, concept.c.skill_type, func.count()
                ).group_by(concept.c.kind, concept.c.status, concept.c.skill_type)
            ):
                if status == Status.OBSOLETE:
                    obsolete += count
                    continue
                kinds[kind] += count
                if kind == ConceptKind.SKILL:
                    key = skill_type or "unknown"
                    skills_by_type[key] = skills_by_type.get(key, 0) + count
            relations = {str(t): 0 for t in RelationType}
            for rtype, count in conn.execute(
                select(relation.c.relation_type, func.count()).group_by(relation.c.relation_type)
            ):
                relations[rtype] = count
            labels: dict[str, dict[str, int]] = {}
            for lang, lkind, count in conn.execute(
                select(label.c.language, label.c.kind, func.count()).group_by(
                    label.c.language, label.c.kind
                )
            ):
                labels.setdefault(lang, {})[lkind] = count
            descriptions = {
                lang: count
                for lang, count in conn.execute(
                    select(table_of(Description).c.language, func.count()).group_by(
                        table_of(Description).c.language
                    )
                )
            }
            version = table_of(TaxonomyVersion)
            versions = [
                f"{taxonomy} {ver}"
                for taxonomy, ver in conn.execute(
                    select(version.c.taxonomy, version.c.version).order_by(
                        version.c.taxonomy, version.c.version
                    )
                )
            ]

            def count(model: type[Any]) -> int:
                return int(
                    conn.execute(select(func.count()).select_from(table_of(model))).scalar_one()
                )

            return StoreStats(
                occupations=kinds[ConceptKind.OCCUPATION],
                skills=kinds[ConceptKind.SKILL],
                skills_by_type=skills_by_type,
                skill_groups=kinds[ConceptKind.SKILL_GROUP],
                isco_groups=kinds[ConceptKind.ISCO_GROUP],
                obsolete_concepts=obsolete,
                relations=relations,
                skill_skill_relations=count(SkillSkill),
                labels=labels,
                descriptions=descriptions,
                qualifications=count(Qualification),
                certificates=count(Certificate),
                vacancies=count(Vacancy),
                versions=versions,
            )

    def concept(self, key: str, kind: ConceptKind | None = None) -> ConceptView | None:
        """A concept by URI or short id (short ids need ``kind`` to be unambiguous)."""
        concept = table_of(Concept)
        version = table_of(TaxonomyVersion)
        query = select(concept, version.c.taxonomy, version.c.version).join(
            version, version.c.id == concept.c.taxonomy_version_id
        )
        if "/" in key or key.startswith("urn:"):
            query = query.where(concept.c.uri == key)
        else:
            query = query.where(concept.c.short_id == key)
        if kind is not None:
            query = query.where(concept.c.kind == kind)
        with self.reading() as conn:
            found = conn.execute(query).mappings().first()
            if found is None:
                return None
            cid = found["id"]
            label = table_of(Label)
            labels = [
                LabelText(language=lang, kind=LabelKind(lkind), text=text)
                for lang, lkind, text in conn.execute(
                    select(label.c.language, label.c.kind, label.c.text)
                    .where(label.c.concept_id == cid)
                    .order_by(label.c.language, label.c.kind, label.c.text)
                )
            ]
            description = table_of(Description)
            descriptions = {
                lang: text
                for lang, text in conn.execute(
                    select(description.c.language, description.c.text).where(
                        description.c.concept_id == cid
                    )
                )
            }
            membership = table_of(SchemeMembership)
            schemes = sorted(
                conn.execute(
                    select(membership.c.scheme).where(membership.c.concept_id == cid)
                ).scalars()
            )
        return ConceptView(
            uri=found["uri"],
            id=found["short_id"],
            kind=ConceptKind(found["kind"]),
            status=Status(found["status"]),
            replaced_by=found["replaced_by"],
            taxonomy=found["taxonomy"],
            version=found["version"],
            skill_type=SkillType(found["skill_type"]) if found["skill_type"] else None,
            reuse_level=found["reuse_level"],
            code=found["code"],
            isco_group=found["isco_group"],
            labels=labels,
            descriptions=descriptions,
            schemes=schemes,
        )

    def occupation_skills(self, occupation_uri: str) -> list[SkillLink]:
        """The skills an occupation needs, essential ones first."""
        concept = table_of(Concept)
        relation = table_of(OccupationSkill)
        skill = concept.alias("skill")
        with self.reading() as conn:
            rows = conn.execute(
                select(skill.c.uri, relation.c.relation_type, relation.c.weight)
                .join(concept, concept.c.id == relation.c.occupation_id)
                .join(skill, skill.c.id == relation.c.skill_id)
                .where(concept.c.uri == occupation_uri)
                .order_by(relation.c.relation_type, skill.c.uri)
            ).all()
        return [
            SkillLink(skill_uri=uri, relation_type=RelationType(rtype), weight=weight)
            for uri, rtype, weight in rows
        ]

    def labels_of(self, kind: ConceptKind) -> list[tuple[str, str, str, str]]:
        """``(concept uri, language, label kind, text)`` of every label of the released
        concepts of one kind, in a stable order (the indexer's input)."""
        concept = table_of(Concept)
        label = table_of(Label)
        with self.reading() as conn:
            rows = conn.execute(
                select(concept.c.uri, label.c.language, label.c.kind, label.c.text)
                .join(label, label.c.concept_id == concept.c.id)
                .where(concept.c.kind == kind, concept.c.status == Status.RELEASED)
                .order_by(concept.c.uri, label.c.language, label.c.kind, label.c.text)
            ).all()
        return [(uri, lang, lkind, text) for uri, lang, lkind, text in rows]

    def skill_types(self) -> list[tuple[str, str]]:
        """``(uri, skill type)`` of every skill that has one (for type-filtered search)."""
        concept = table_of(Concept)
        with self.reading() as conn:
            rows = conn.execute(
                select(concept.c.uri, concept.c.skill_type).where(
                    concept.c.kind == ConceptKind.SKILL, concept.c.skill_type.is_not(None)
                )
            ).all()
        return [(uri, skill_type) for uri, skill_type in rows]

    def isco_groups_of_occupations(self) -> list[tuple[str, str | None]]:
        """``(uri, ISCO group)`` of every released occupation."""
        concept = table_of(Concept)
        with self.reading() as conn:
            rows = conn.execute(
                select(concept.c.uri, concept.c.isco_group).where(
                    concept.c.kind == ConceptKind.OCCUPATION,
                    concept.c.status == Status.RELEASED,
                )
            ).all()
        return [(uri, isco) for uri, isco in rows]
