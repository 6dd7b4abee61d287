"""Bulk, idempotent writes into the store inside one caller-owned transaction.

Importers hand rows to an ``OntologyWriter`` that turns them into ``INSERT … ON
CONFLICT`` statements (SQLite and PostgreSQL share that syntax through SQLAlchemy's
dialect inserts). Importing the same data twice therefore changes nothing, and because
the caller holds the transaction, an error anywhere rolls back everything.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from models.tables import (
    Broader,
    Concept,
    Description,
    Label,
    OccupationSkill,
    SchemeMembership,
    SkillSkill,
    TaxonomyVersion,
    TrainingSkill,
)
from models.vocabulary import ConceptKind, LabelKind
from ontology.errors import StoreError

CHUNK = 2000
CONCEPT_ATTRIBUTES = (
    "taxonomy_version_id",
    "status",
    "replaced_by",
    "skill_type",
    "reuse_level",
    "code",
    "isco_group",
    "modified",
)

Row = dict[str, Any]


def table_of(model: type[Any]) -> Table:
    """The SQLAlchemy table behind a sqlmodel class."""
    table: Table = model.__table__
    return table


def upsert(
    conn: Connection,
    model: type[Any],
    rows: Sequence[Row],
    keys: Sequence[str],
    update_columns: Sequence[str] = (),
    compare_columns: Sequence[str] = (),
) -> None:
    """Insert rows; on a conflict over ``keys`` update ``update_columns`` (or do nothing).

    With ``compare_columns`` a conflicting row is only updated when one of those columns
    differs, so bookkeeping columns such as ``updated_at`` stay put on a re-import.
    """
    if not rows:
        return
    table = table_of(model)
    dialect = conn.dialect.name
    insert: Any
    if dialect == "sqlite":
        insert = sqlite.insert(table)
    elif dialect == "postgresql":
        insert = postgresql.insert(table)
    else:
        raise StoreError(f"unsupported database dialect {dialect!r}: use SQLite or PostgreSQL")
    if update_columns:
        changed = (
            or_(*(table.c[c].is_distinct_from(insert.excluded[c]) for c in compare_columns))
            if compare_columns
            else None
        )
        stmt = insert.on_conflict_do_update(
            index_elements=list(keys),
            set_={c: insert.excluded[c] for c in update_columns},
            where=changed,
        )
    else:
        stmt = insert.on_conflict_do_nothing(index_elements=list(keys))
    for start in range(0, len(rows), CHUNK):
        conn.execute(stmt, list(rows[start : start + CHUNK]))


class OntologyWriter:
    """Writes one import's concepts, labels and links; knows every concept's id and kind."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        concept = table_of(Concept)
        self._ids: dict[str, tuple[int, str]] = {
            uri: (cid, kind)
            for cid, uri, kind in conn.execute(select(concept.c.id, concept.c.uri, concept.c.kind))
        }

    # -- versions and concepts -------------------------------------------------------

    def version_id(self, taxonomy: str, version: str, source: str) -> int:
        """The id of a taxonomy release, registering it on first use (a re-import keeps
        the first import's time, so importing the same data twice changes nothing)."""
        table = table_of(TaxonomyVersion)
        upsert(
            self.conn,
            TaxonomyVersion,
            [
                {
                    "taxonomy": taxonomy,
                    "version": version,
                    "imported_at": datetime.now(UTC),
                    "source": source[:2000],
                }
            ],
            keys=("taxonomy", "version"),
        )
        found = self.conn.execute(
            select(table.c.id).where(table.c.taxonomy == taxonomy, table.c.version == version)
        ).scalar_one()
        return int(found)

    def upsert_concepts(self, rows: Sequence[Row], overwrite: bool = True) -> None:
        """Create or update concepts by URI; ``overwrite=False`` only fills in new ones."""
        columns = CONCEPT_ATTRIBUTES if overwrite else ()
        upsert(self.conn, Concept, rows, keys=("uri",), update_columns=columns)
        self._refresh([row["uri"] for row in rows])

    def _refresh(self, uris: Iterable[str]) -> None:
        concept = table_of(Concept)
        wanted = [u for u in uris if u not in self._ids]
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            for cid, uri, kind in self.conn.execute(
                select(concept.c.id, concept.c.uri, concept.c.kind).where(concept.c.uri.in_(batch))
            ):
                self._ids[uri] = (cid, kind)

    def lookup(self, uri: str) -> tuple[int, str] | None:
        """``(id, kind)`` of a concept known to the store or this import, else None."""
        return self._ids.get(uri)

    def uris_of_kind(self, kind: ConceptKind) -> dict[str, int]:
        """Every known concept of one kind, URI → id."""
        return {uri: cid for uri, (cid, k) in self._ids.items() if k == kind}

    # -- labels and descriptions -----------------------------------------------------

    def add_labels(self, rows: Sequence[Row]) -> None:
        """Add labels; a new preferred label demotes a different earlier one to alternative,
        so each concept keeps exactly one preferred label per language while the old text
        stays findable."""
        label = table_of(Label)
        preferred = [r for r in rows if r["kind"] == LabelKind.PREFERRED]
        if preferred:
            incoming = {(r["concept_id"], r["language"]): r["text"] for r in preferred}
            languages = {lang for _, lang in incoming}
            stale: list[int] = []
            for lid, cid, lang, text in self.conn.execute(
                select(label.c.id, label.c.concept_id, label.c.language, label.c.text).where(
                    label.c.kind == LabelKind.PREFERRED, label.c.language.in_(languages)
                )
            ):
                new_text = incoming.get((cid, lang))
                if new_text is not None and new_text != text:
                    stale.append(lid)
            for start in range(0, len(stale), 500):
                batch = stale[start : start + 500]
                demoted = [
                    {
                        "concept_id": cid,
                        "language": lang,
                        "kind": LabelKind.ALTERNATIVE,
                        "text": text,
                        "taxonomy_version_id": vid,
                    }
                    for cid, lang, text, vid in self.conn.execute(
                        select(
                            label.c.concept_id,
                            label.c.language,
                            label.c.text,
                            label.c.taxonomy_version_id,
                        ).where(label.c.id.in_(batch))
                    )
                ]
                self.conn.execute(label.delete().where(label.c.id.in_(batch)))
                upsert(self.conn, Label, demoted, keys=("concept_id", "language", "kind", "text"))
        upsert(
            self.conn,
            Label,
            rows,
            keys=("concept_id", "language", "kind", "text"),
            update_columns=("taxonomy_version_id",),
        )

    def set_descriptions(self, rows: Sequence[Row]) -> None:
        """One description per concept and language; the latest import's text wins."""
        upsert(
            self.conn,
            Description,
            rows,
            keys=("concept_id", "language"),
            update_columns=("text", "taxonomy_version_id"),
        )

    # -- links -----------------------------------------------------------------------

    def add_memberships(self, rows: Sequence[Row]) -> None:
        """Record concept-scheme / collection membership."""
        upsert(self.conn, SchemeMembership, rows, keys=("concept_id", "scheme"))

    def add_broader(self, rows: Sequence[Row]) -> None:
        """Record hierarchy edges."""
        upsert(self.conn, Broader, rows, keys=("concept_id", "broader_id"))

    def upsert_occupation_skills(self, rows: Sequence[Row]) -> None:
        """Create or update occupation–skill relations (the latest type and weight win)."""
        upsert(
            self.conn,
            OccupationSkill,
            rows,
            keys=("occupation_id", "skill_id"),
            update_columns=("relation_type", "importance", "weight", "taxonomy_version_id"),
        )

    def upsert_skill_skills(self, rows: Sequence[Row]) -> None:
        """Create or update skill → related-skill links."""
        upsert(
            self.conn,
            SkillSkill,
            rows,
            keys=("skill_id", "related_skill_id"),
            update_columns=("relation_type",),
        )

    def add_training_skills(self, rows: Sequence[Row]) -> None:
        """Record which skills a qualification or certificate teaches."""
        upsert(self.conn, TrainingSkill, rows, keys=("training_id", "skill_id"))

    def replace_training_skills(self, training_id: int, skill_ids: Iterable[int]) -> None:
        """Make a training teach exactly these skills (a re-import may drop some)."""
        table = table_of(TrainingSkill)
        wanted = list(dict.fromkeys(skill_ids))
        self.conn.execute(
            table.delete().where(
                table.c.training_id == training_id, table.c.skill_id.not_in(wanted)
            )
        )
        self.add_training_skills([{"training_id": training_id, "skill_id": s} for s in wanted])

    def mark_obsolete(self, concept_ids: Sequence[int]) -> None:
        """Mark concepts obsolete (they are never deleted: old references must resolve)."""
        concept = table_of(Concept)
        for start in range(0, len(concept_ids), 500):
            batch = list(concept_ids[start : start + 500])
            self.conn.execute(
                update(concept).where(concept.c.id.in_(batch)).values(status="obsolete")
            )


def label_rows(
    concept_id: int,
    language: str,
    version_id: int,
    preferred: str,
    alternatives: Iterable[str] = (),
    hidden: Iterable[str] = (),
) -> list[Row]:
    """Label rows for one concept in one language; repeats of the preferred label among
    the alternatives (ESCO lists it there too) are dropped."""
    rows: list[Row] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: LabelKind, text: str) -> None:
        text = text.strip()
        if not text or (kind, text) in seen:
            return
        if kind is not LabelKind.PREFERRED and text == preferred:
            return
        seen.add((kind, text))
        rows.append(
            {
                "concept_id": concept_id,
                "language": language,
                "kind": kind,
                "text": text[:1000],
                "taxonomy_version_id": version_id,
            }
        )

    if preferred:
        add(LabelKind.PREFERRED, preferred)
    for text in alternatives:
        add(LabelKind.ALTERNATIVE, text)
    for text in hidden:
        add(LabelKind.HIDDEN, text)
    return rows


def concept_row(
    uri: str,
    kind: ConceptKind,
    short_id: str,
    version_id: int,
    **fields: Any,
) -> Row:
    """A concept row with every column present (executemany needs uniform rows)."""
    row: Row = {
        "uri": uri,
        "kind": kind,
        "short_id": short_id,
        "taxonomy_version_id": version_id,
        "status": "released",
        "replaced_by": None,
        "skill_type": None,
        "reuse_level": None,
        "code": None,
        "isco_group": None,
        "modified": None,
    }
    unknown: Mapping[str, Any] = {k: v for k, v in fields.items() if k not in row}
    if unknown:
        raise TypeError(f"unknown concept columns: {sorted(unknown)}")
    row.update(fields)
    return row
