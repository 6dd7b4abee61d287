"""Importer for the CompetentNL extract (UWV/SBB): Dutch occupations, human capabilities
and knowledge areas with their labels, as a concept scheme of their own.

CompetentNL URIs are kept as identity; the extract carries no occupation→capability
links, so only concepts and labels arrive here.
"""

from pathlib import Path

from models.domain import short_id_of
from models.vocabulary import ConceptKind, LabelKind, SkillType
from ontology.errors import SourceError
from ontology.importers.report import ImportReport
from ontology.importers.sources import CsvTable, read_csv
from ontology.importers.versions import resolve_version
from ontology.progress import NO_PROGRESS, Progress
from ontology.writer import OntologyWriter, Row, concept_row

SCHEME = "https://linkeddata.competentnl.nl/"
LANGUAGE = "nl"

# file name → (URI column, concept kind, skill type)
_FILES: dict[str, tuple[str, ConceptKind, SkillType | None]] = {
    "occupation_labels.csv": ("occupation_uri", ConceptKind.OCCUPATION, None),
    "capability_labels.csv": ("capability_uri", ConceptKind.SKILL, SkillType.SKILL),
    "knowledge_labels.csv": ("knowledge_uri", ConceptKind.SKILL, SkillType.KNOWLEDGE),
}
_LABEL_TYPES = {
    "prefLabel": LabelKind.PREFERRED,
    "altLabel": LabelKind.ALTERNATIVE,
    "hiddenLabel": LabelKind.HIDDEN,
}


def import_competentnl(
    writer: OntologyWriter,
    folder: Path,
    version: str | None = None,
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Import the extract's label tables from ``folder`` (all in the caller's transaction)."""
    if not folder.is_dir():
        raise SourceError(folder, 0, 0, "not a folder; expected the CompetentNL extract")
    present = [name for name in _FILES if (folder / name).exists()]
    if not present:
        raise SourceError(
            folder, 0, 0, f"no CompetentNL files found (expected {', '.join(_FILES)})"
        )
    vid = writer.version_id("competentnl", resolve_version(folder, version), str(folder))
    report = ImportReport(source="competentnl")
    for name in present:
        uri_column, kind, skill_type = _FILES[name]
        table = read_csv(folder / name, (uri_column, "pref_label", "label", "label_type"))
        progress.stage(f"{name}: concepts", len(table.rows))
        _import_table(writer, table, uri_column, kind, skill_type, vid)
        progress.advance(len(table.rows))
        report.count(name, len(table.rows))
    return report


def _import_table(
    writer: OntologyWriter,
    table: CsvTable,
    uri_column: str,
    kind: ConceptKind,
    skill_type: SkillType | None,
    vid: int,
) -> None:
    concepts: dict[str, Row] = {}
    labels: list[tuple[str, LabelKind, str]] = []
    for row in table.rows:
        uri = row.require(uri_column)
        if not uri.startswith(SCHEME):
            raise row.error(uri_column, f"not a CompetentNL URI (expected {SCHEME}…): {uri}")
        existing = writer.lookup(uri)
        if existing and existing[1] != kind:
            raise row.error(uri_column, f"{uri} is already a {existing[1]}, not a {kind}")
        label_type = row.require("label_type")
        if label_type not in _LABEL_TYPES:
            raise row.error(
                "label_type",
                f"unknown label type {label_type!r}; expected {', '.join(_LABEL_TYPES)}",
            )
        concepts.setdefault(
            uri,
            concept_row(
                uri,
                kind,
                short_id_of(uri),
                vid,
                skill_type=skill_type.value if skill_type else None,
            ),
        )
        preferred = row.require("pref_label")
        labels.append((uri, LabelKind.PREFERRED, preferred))
        if _LABEL_TYPES[label_type] is not LabelKind.PREFERRED:
            labels.append((uri, _LABEL_TYPES[label_type], row.require("label")))
    writer.upsert_concepts(list(concepts.values()))
    rows: dict[tuple[int, LabelKind, str], Row] = {}
    preferred_of: dict[int, str] = {}
    for uri, label_kind, text in labels:
        found = writer.lookup(uri)
        assert found is not None
        if label_kind is LabelKind.PREFERRED:
            # A concept whose rows disagree on the preferred label keeps the first one;
            # the others stay findable as alternatives.
            if preferred_of.setdefault(found[0], text) != text:
                label_kind = LabelKind.ALTERNATIVE
        elif preferred_of.get(found[0]) == text:
            continue
        rows.setdefault(
            (found[0], label_kind, text),
            {
                "concept_id": found[0],
                "language": LANGUAGE,
                "kind": label_kind,
                "text": text,
                "taxonomy_version_id": vid,
            },
        )
    writer.add_labels(list(rows.values()))
    ids = writer.uris_of_kind(kind)
    writer.add_memberships([{"concept_id": ids[uri], "scheme": SCHEME} for uri in concepts])
