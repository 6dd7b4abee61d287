"""Importer for ESCO's official CSV export (any version ≥ 1.1, any language).

Several folders merge into one ontology by concept URI: an English v1.1.1 export with
its relations plus Dutch label folders gives one concept per URI carrying labels in
both languages, each label tagged with the release it came from. The embedded default
ontology uses the same layout, so this one importer reads both.

Work runs in phases across all folders (concepts, then label-only tables, then links)
so a relation in one folder may point at a concept defined in another.
"""

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select

from models.domain import short_id_of
from models.tables import Concept, TaxonomyVersion
from models.vocabulary import (
    RELATION_STRENGTHS,
    ConceptKind,
    ReuseLevel,
    SkillType,
    Status,
)
from ontology.errors import SourceError
from ontology.importers.report import ImportReport
from ontology.importers.sources import CsvRow, CsvTable, UniqueKeys, read_csv, split_multi
from ontology.importers.versions import resolve_version, version_key
from ontology.progress import NO_PROGRESS, Progress
from ontology.writer import OntologyWriter, Row, concept_row, label_rows, table_of

_FILE = re.compile(
    r"^(?P<stem>[A-Za-z]+?)(?:_(?P<lang>[a-z]{2,3}))?\.csv(?:\.gz)?$",
)
_DERIVED_LABELS = re.compile(r"^derived_skill_labels_(?P<lang>[a-z]{2,3})_partial\.csv(?:\.gz)?$")

_MAIN_STEMS = {
    "occupations": ConceptKind.OCCUPATION,
    "skills": ConceptKind.SKILL,
    "skillGroups": ConceptKind.SKILL_GROUP,
    "ISCOGroups": ConceptKind.ISCO_GROUP,
}
_LINK_STEMS = (
    "occupationSkillRelations",
    "skillSkillRelations",
    "broaderRelationsOccPillar",
    "broaderRelationsSkillPillar",
)
_IGNORED_STEMS = ("conceptSchemes",)
_CONCEPT_TYPES = {
    "Occupation": ConceptKind.OCCUPATION,
    "KnowledgeSkillCompetence": ConceptKind.SKILL,
    "SkillGroup": ConceptKind.SKILL_GROUP,
    "ISCOGroup": ConceptKind.ISCO_GROUP,
}
_ISCO_URI = "http://data.europa.eu/esco/isco/C{}"


@dataclass
class EscoFolder:
    """One export folder: its version and its files by role."""

    path: Path
    version: str
    main: list[tuple[ConceptKind, str, Path]] = field(default_factory=list)
    hierarchy: list[tuple[str, Path]] = field(default_factory=list)
    derived_labels: list[tuple[str, Path]] = field(default_factory=list)
    links: list[tuple[str, Path]] = field(default_factory=list)
    collections: list[tuple[str, Path]] = field(default_factory=list)


def scan_folder(path: Path, version: str | None) -> EscoFolder:
    """Classify the files of one export folder; unknown files are left alone."""
    if not path.is_dir():
        raise SourceError(path, 0, 0, "not a folder; expected an ESCO CSV export folder")
    folder = EscoFolder(path, resolve_version(path, version))
    for file in sorted(path.iterdir()):
        if derived := _DERIVED_LABELS.match(file.name):
            folder.derived_labels.append((derived.group("lang"), file))
            continue
        match = _FILE.match(file.name)
        if not match:
            continue
        stem, lang = match.group("stem"), match.group("lang")
        if stem in _MAIN_STEMS and lang:
            folder.main.append((_MAIN_STEMS[stem], lang, file))
        elif stem == "skillsHierarchy" and lang:
            folder.hierarchy.append((lang, file))
        elif stem in _LINK_STEMS:
            folder.links.append((stem, file))
        elif stem.endswith("Collection") and lang:
            folder.collections.append((stem, file))
        elif stem in _IGNORED_STEMS:
            continue
    if not (folder.main or folder.hierarchy or folder.derived_labels or folder.links):
        raise SourceError(
            path,
            0,
            0,
            "no ESCO CSV files found (expected occupations_<lang>.csv, skills_<lang>.csv, "
            "occupationSkillRelations.csv, …; plain or .gz)",
        )
    # ISCO groups and skill groups first, so occupations and skills can point at them.
    order = [ConceptKind.ISCO_GROUP, ConceptKind.SKILL_GROUP, ConceptKind.OCCUPATION]
    folder.main.sort(key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    return folder


class Dangling(StrEnum):
    """What to do with a link to a concept that neither the import nor the store defines.

    ``error`` (the default) refuses the import. Official exports are not always closed
    (ESCO v1.1.1 links 67 skills and one broader edge to occupation a9e54177…, which the
    release does not define), so ``obsolete`` keeps such links and records the missing
    concept as an obsolete placeholder without labels, and ``skip`` drops the links.
    """

    ERROR = "error"
    SKIP = "skip"
    OBSOLETE = "obsolete"


class _SkipRowError(Exception):
    """Internal: this link row is dropped under ``Dangling.SKIP``."""


class EscoImporter:
    """Reads ESCO folders into the store through one writer (one transaction)."""

    def __init__(
        self,
        writer: OntologyWriter,
        taxonomy: str = "esco",
        progress: Progress = NO_PROGRESS,
        dangling: Dangling = Dangling.ERROR,
    ) -> None:
        self.writer = writer
        self.taxonomy = taxonomy
        self.progress = progress
        self.dangling = dangling
        self._dangling_seen: dict[str, int] = {}
        self.report = ImportReport(source=taxonomy)
        # kind → version → URIs seen in a main file of that version (for retiring).
        self._seen: dict[ConceptKind, dict[str, set[str]]] = {}

    def run(self, paths: Sequence[Path], version: str | None = None) -> ImportReport:
        """Import the folders; older versions first so newer releases win on merge."""
        folders = sorted(
            (scan_folder(p, version) for p in paths), key=lambda f: version_key(f.version)
        )
        for folder in folders:
            vid = self.writer.version_id(self.taxonomy, folder.version, str(folder.path))
            for kind, lang, file in folder.main:
                self._main_file(
                    read_csv(file, ("conceptUri", "preferredLabel")),
                    kind,
                    lang,
                    vid,
                    folder.version,
                )
            for lang, file in folder.hierarchy:
                self._hierarchy_concepts(
                    read_csv(file, ("Level 0 URI",)), lang, vid, folder.version
                )
        for folder in folders:
            vid = self.writer.version_id(self.taxonomy, folder.version, str(folder.path))
            for lang, file in folder.derived_labels:
                self._derived_labels(file, lang, vid)
        for folder in folders:
            vid = self.writer.version_id(self.taxonomy, folder.version, str(folder.path))
            for stem, file in folder.links:
                self._links(stem, file, vid)
            for _lang, file in folder.hierarchy:
                self._hierarchy_edges(read_csv(file, ("Level 0 URI",)))
            for stem, file in folder.collections:
                self._collection(stem, file)
        self._occupation_isco_edges()
        self._retire_missing()
        return self.report

    # -- concepts ---------------------------------------------------------------------

    def _main_file(
        self, table: CsvTable, kind: ConceptKind, lang: str, vid: int, version: str
    ) -> None:
        self.progress.stage(f"{table.path.name}: concepts", len(table.rows))
        seen = self._seen.setdefault(kind, {}).setdefault(version, set())
        in_file = UniqueKeys("conceptUri")
        concepts: list[Row] = []
        pending: list[tuple[CsvRow, str]] = []
        for row in table.rows:
            uri = row.require("conceptUri")
            in_file.check(row, uri)
            concept_type = row.get("conceptType")
            if concept_type and _CONCEPT_TYPES.get(concept_type) != kind:
                raise row.error(
                    "conceptType", f"expected {self._type_name(kind)}, found {concept_type!r}"
                )
            existing = self.writer.lookup(uri)
            if existing and existing[1] != kind:
                raise row.error("conceptUri", f"{uri} is already a {existing[1]}, not a {kind}")
            concepts.append(self._concept_fields(row, uri, kind, vid))
            pending.append((row, uri))
            seen.add(uri)
        self.writer.upsert_concepts(concepts)
        labels: list[Row] = []
        descriptions: list[Row] = []
        memberships: list[Row] = []
        for row, uri in pending:
            found = self.writer.lookup(uri)
            assert found is not None  # just upserted
            cid = found[0]
            labels += label_rows(
                cid,
                lang,
                vid,
                row.require("preferredLabel"),
                split_multi(row.get("altLabels"), "\n"),
                split_multi(row.get("hiddenLabels"), "\n"),
            )
            if description := row.get("description"):
                descriptions.append(
                    {
                        "concept_id": cid,
                        "language": lang,
                        "text": description,
                        "taxonomy_version_id": vid,
                    }
                )
            for scheme in split_multi(row.get("inScheme"), "\n,|"):
                memberships.append({"concept_id": cid, "scheme": scheme})
            self.progress.advance()
        self.writer.add_labels(labels)
        self.writer.set_descriptions(descriptions)
        self.writer.add_memberships(memberships)
        self.report.count(table.path.name, len(table.rows))

    @staticmethod
    def _type_name(kind: ConceptKind) -> str:
        return next(name for name, k in _CONCEPT_TYPES.items() if k == kind)

    def _concept_fields(self, row: CsvRow, uri: str, kind: ConceptKind, vid: int) -> Row:
        status = row.get("status") or Status.RELEASED
        if status not in {s.value for s in Status}:
            raise row.error("status", f"unknown status {status!r}; expected released or obsolete")
        fields: Row = {
            "status": status,
            "modified": row.get("modifiedDate") or None,
            "replaced_by": row.get("isReplacedBy") or row.get("replacedBy") or None,
            "code": row.get("code") or None,
        }
        if kind is ConceptKind.SKILL:
            skill_type = row.get("skillType")
            if skill_type and skill_type not in {t.value for t in SkillType}:
                raise row.error(
                    "skillType",
                    f"unknown skill type {skill_type!r}; expected skill/competence or knowledge",
                )
            reuse = row.get("reuseLevel")
            if reuse and reuse not in {r.value for r in ReuseLevel}:
                raise row.error("reuseLevel", f"unknown reuse level {reuse!r}")
            fields["skill_type"] = skill_type or None
            fields["reuse_level"] = reuse or None
        if kind is ConceptKind.OCCUPATION:
            isco = row.get("iscoGroup")
            if isco and not re.fullmatch(r"\d{1,4}", isco):
                raise row.error("iscoGroup", f"not an ISCO-08 code: {isco!r}")
            fields["isco_group"] = isco or None
        if kind is ConceptKind.ISCO_GROUP:
            fields["isco_group"] = row.get("code") or None
        return concept_row(uri, kind, short_id_of(uri), vid, **fields)

    def _hierarchy_concepts(self, table: CsvTable, lang: str, vid: int, version: str) -> None:
        """Skill-hierarchy levels become skill groups (the top level has no other file)."""
        seen = self._seen.setdefault(ConceptKind.SKILL_GROUP, {}).setdefault(version, set())
        concepts: dict[str, Row] = {}
        names: dict[str, str] = {}
        for row in table.rows:
            for level in range(4):
                uri = row.get(f"Level {level} URI")
                if not uri:
                    continue
                existing = self.writer.lookup(uri)
                if existing and existing[1] != ConceptKind.SKILL_GROUP:
                    raise row.error(f"Level {level} URI", f"{uri} is a {existing[1]}, not a group")
                code = row.get(f"Level {level} code") or None
                seen.add(uri)
                concepts.setdefault(
                    uri,
                    concept_row(uri, ConceptKind.SKILL_GROUP, short_id_of(uri), vid, code=code),
                )
                if term := row.get(f"Level {level} preferred term"):
                    names.setdefault(uri, term)
        self.writer.upsert_concepts(list(concepts.values()), overwrite=False)
        labels: list[Row] = []
        for uri, term in names.items():
            found = self.writer.lookup(uri)
            assert found is not None
            labels += label_rows(found[0], lang, vid, term)
        self.writer.add_labels(labels)
        self.report.count(table.path.name, len(table.rows))

    def _derived_labels(self, file: Path, lang: str, vid: int) -> None:
        """A labels-only table (preferred/alt labels and descriptions for known skills)."""
        pref_col = f"preferredLabel_{lang}"
        table = read_csv(file, ("conceptUri", pref_col))
        self.progress.stage(f"{file.name}: labels", len(table.rows))
        labels: list[Row] = []
        descriptions: list[Row] = []
        unknown = 0
        for row in table.rows:
            uri = row.require("conceptUri")
            found = self.writer.lookup(uri)
            if found is None:
                unknown += 1
                continue
            cid = found[0]
            labels += label_rows(
                cid,
                lang,
                vid,
                row.require(pref_col),
                split_multi(row.get(f"altLabels_{lang}"), "\n|"),
            )
            if description := row.get(f"description_{lang}"):
                descriptions.append(
                    {
                        "concept_id": cid,
                        "language": lang,
                        "text": description,
                        "taxonomy_version_id": vid,
                    }
                )
            self.progress.advance()
        self.writer.add_labels(labels)
        self.writer.set_descriptions(descriptions)
        self.report.count(file.name, len(table.rows))
        if unknown:
            self.report.notes.append(
                f"{file.name}: skipped {unknown} label rows for concepts that are not in "
                "the store (a labels-only table cannot define concepts)"
            )

    # -- links ------------------------------------------------------------------------

    def _resolve(
        self,
        row: CsvRow,
        column: str,
        kinds: set[ConceptKind],
        vid: int | None = None,
        type_column: str | None = None,
    ) -> int:
        uri = row.require(column)
        found = self.writer.lookup(uri)
        if found is None:
            found = self._dangling(row, column, uri, kinds, vid, type_column)
        if found[1] not in kinds:
            expected = " or ".join(sorted(kinds))
            raise row.error(column, f"{uri} is a {found[1]}, expected {expected}")
        return found[0]

    def _dangling(
        self,
        row: CsvRow,
        column: str,
        uri: str,
        kinds: set[ConceptKind],
        vid: int | None,
        type_column: str | None,
    ) -> tuple[int, str]:
        kind = next(iter(kinds)) if len(kinds) == 1 else None
        if type_column and (declared := _CONCEPT_TYPES.get(row.get(type_column))):
            kind = declared
        if self.dangling is Dangling.ERROR or vid is None or kind is None:
            raise row.error(
                column,
                f"unknown concept {uri} (not in this import or the store); "
                "see --on-dangling to keep or skip such links",
            )
        self._dangling_seen[uri] = self._dangling_seen.get(uri, 0) + 1
        if self.dangling is Dangling.SKIP:
            raise _SkipRowError
        self.writer.upsert_concepts(
            [concept_row(uri, kind, short_id_of(uri), vid, status=Status.OBSOLETE)],
            overwrite=False,
        )
        found = self.writer.lookup(uri)
        assert found is not None
        return found

    def _links(self, stem: str, file: Path, vid: int) -> None:
        if stem == "occupationSkillRelations":
            table = read_csv(file, ("occupationUri", "relationType", "skillUri"))
        elif stem == "skillSkillRelations":
            table = read_csv(file, ("originalSkillUri", "relationType", "relatedSkillUri"))
        else:
            table = read_csv(file, ("conceptUri", "broaderUri"))
        self.progress.stage(f"{file.name}: links", len(table.rows))
        rows: list[Row] = []
        skipped = 0
        for row in table.rows:
            try:
                rows.append(self._link_row(stem, row, vid))
            except _SkipRowError:
                skipped += 1
            self.progress.advance()
        if stem == "occupationSkillRelations":
            self.writer.upsert_occupation_skills(rows)
        elif stem == "skillSkillRelations":
            self.writer.upsert_skill_skills(rows)
        else:
            self.writer.add_broader(rows)
        self.report.count(file.name, len(table.rows))
        if skipped:
            self.report.notes.append(
                f"{file.name}: skipped {skipped} links to concepts the import does not define"
            )

    def _link_row(self, stem: str, row: CsvRow, vid: int) -> Row:
        if stem == "occupationSkillRelations":
            occupation = self._resolve(row, "occupationUri", {ConceptKind.OCCUPATION}, vid)
            skill = self._resolve(row, "skillUri", {ConceptKind.SKILL}, vid)
            rtype, weight = self._strength(row)
            return {
                "occupation_id": occupation,
                "skill_id": skill,
                "relation_type": rtype,
                "importance": row.require("relationType"),
                "weight": weight,
                "taxonomy_version_id": vid,
            }
        if stem == "skillSkillRelations":
            skill = self._resolve(row, "originalSkillUri", {ConceptKind.SKILL}, vid)
            related = self._resolve(row, "relatedSkillUri", {ConceptKind.SKILL}, vid)
            rtype, _ = self._strength(row)
            return {"skill_id": skill, "related_skill_id": related, "relation_type": rtype}
        kinds = (
            {ConceptKind.OCCUPATION, ConceptKind.ISCO_GROUP}
            if stem == "broaderRelationsOccPillar"
            else {ConceptKind.SKILL, ConceptKind.SKILL_GROUP}
        )
        return {
            "concept_id": self._resolve(row, "conceptUri", kinds, vid, "conceptType"),
            "broader_id": self._resolve(row, "broaderUri", kinds, vid, "broaderType"),
        }

    @staticmethod
    def _strength(row: CsvRow) -> tuple[str, float]:
        name = row.require("relationType")
        if name not in RELATION_STRENGTHS:
            raise row.error(
                "relationType",
                f"unknown relation type {name!r}; expected one of {', '.join(RELATION_STRENGTHS)}",
            )
        rtype, weight = RELATION_STRENGTHS[name]
        return rtype.value, weight

    def _hierarchy_edges(self, table: CsvTable) -> None:
        rows: list[Row] = []
        for row in table.rows:
            uris = [(level, row.get(f"Level {level} URI")) for level in range(4)]
            present = [(level, uri) for level, uri in uris if uri]
            for (_, parent), (level, child) in itertools.pairwise(present):
                child_id = self._resolve(row, f"Level {level} URI", {ConceptKind.SKILL_GROUP})
                parent_found = self.writer.lookup(parent)
                assert parent_found is not None and child != parent
                rows.append({"concept_id": child_id, "broader_id": parent_found[0]})
        self.writer.add_broader(rows)

    def _collection(self, stem: str, file: Path) -> None:
        """ESCO collections (green, digital, transversal skills…) become memberships."""
        table = read_csv(file, ("conceptUri",))
        scheme = f"esco:collection:{stem}"
        rows: list[Row] = []
        unknown = 0
        for row in table.rows:
            found = self.writer.lookup(row.require("conceptUri"))
            if found is None:
                unknown += 1
                continue
            rows.append({"concept_id": found[0], "scheme": scheme})
        self.writer.add_memberships(rows)
        self.report.count(file.name, len(table.rows))
        if unknown:
            self.report.notes.append(
                f"{file.name}: {unknown} collection members are not in the store (skipped)"
            )

    def _occupation_isco_edges(self) -> None:
        """Occupations without a pillar file still hang under their ISCO group."""
        rows: list[Row] = []
        isco_groups = self.writer.uris_of_kind(ConceptKind.ISCO_GROUP)
        if not isco_groups:
            return
        isco_of = self._isco_groups()
        for kind_versions in self._seen.get(ConceptKind.OCCUPATION, {}).values():
            for uri in kind_versions:
                found = self.writer.lookup(uri)
                assert found is not None
                group = isco_of.get(uri)
                if group and (gid := isco_groups.get(_ISCO_URI.format(group))):
                    rows.append({"concept_id": found[0], "broader_id": gid})
        self.writer.add_broader(rows)

    def _isco_groups(self) -> dict[str, str]:
        """Occupation URI → ISCO group, read from the store once per import."""
        concept = table_of(Concept)
        return {
            uri: isco
            for uri, isco in self.writer.conn.execute(
                select(concept.c.uri, concept.c.isco_group).where(
                    concept.c.kind == ConceptKind.OCCUPATION, concept.c.isco_group.is_not(None)
                )
            )
        }

    def _retire_missing(self) -> None:
        """A complete main file of a newer release retires the concepts it no longer has."""
        concept = table_of(Concept)
        version = table_of(TaxonomyVersion)
        for kind, by_version in self._seen.items():
            newest = max(by_version, key=version_key)
            seen = by_version[newest]
            retire = [
                cid
                for cid, uri, ver in self.writer.conn.execute(
                    select(concept.c.id, concept.c.uri, version.c.version)
                    .join(version, version.c.id == concept.c.taxonomy_version_id)
                    .where(
                        concept.c.kind == kind,
                        concept.c.status == Status.RELEASED,
                        version.c.taxonomy == self.taxonomy,
                    )
                )
                if uri not in seen and version_key(ver) < version_key(newest)
            ]
            self.writer.mark_obsolete(retire)
            self.report.obsoleted += len(retire)
