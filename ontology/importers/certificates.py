"""Importer for certificates: short training units (mbo-certificaten, branch
certificates) with their hours and the skills they teach.

Format (CSV, UTF-8, header row; documented in README):
``id,name,level,hours,provider,description,skills,qualification`` where ``skills`` is a
``|``-separated list of skill URIs (at least one) and ``qualification`` an optional
crebo code of a qualification already in the store.
"""

import re
from pathlib import Path

from models.tables import Certificate
from models.vocabulary import ConceptKind
from ontology.importers.links import UnknownSkills, known_concept, require_concept
from ontology.importers.report import ImportReport
from ontology.importers.sources import CsvRow, UniqueKeys, read_csv, split_multi
from ontology.importers.versions import resolve_version
from ontology.progress import NO_PROGRESS, Progress
from ontology.writer import OntologyWriter, Row, concept_row, label_rows, upsert

URI_PREFIX = "urn:overstap:certificate:"
REQUIRED = ("id", "name", "hours", "skills")


def import_certificates(
    writer: OntologyWriter,
    path: Path,
    version: str | None = None,
    language: str = "nl",
    progress: Progress = NO_PROGRESS,
    unknown_skills: UnknownSkills = UnknownSkills.ERROR,
) -> ImportReport:
    """Import one certificates CSV (all in the caller's transaction)."""
    report = ImportReport(source="certificates")
    table = read_csv(path, REQUIRED)
    vid = writer.version_id("certificates", resolve_version(path, version), str(path))
    progress.stage(f"{path.name}: certificates", len(table.rows))
    seen = UniqueKeys("id")
    parsed: list[tuple[CsvRow, str, Row, list[int]]] = []
    dropped = 0
    for row in table.rows:
        cert_id = row.require("id")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", cert_id):
            raise row.error("id", f"use lowercase letters, digits and hyphens, not {cert_id!r}")
        seen.check(row, cert_id)
        details: Row = {
            "level": _int(row, "level", 1, 8, required=False),
            "hours": _int(row, "hours", 1, 10_000, required=True),
            "provider": row.get("provider") or None,
            "qualification_crebo": _qualification(writer, row),
        }
        named = split_multi(row.get("skills"), "|")
        if not named:
            raise row.error("skills", "a certificate teaches at least one skill")
        if unknown_skills is UnknownSkills.SKIP:
            kept = [uri for uri in named if known_concept(writer, uri)]
            dropped += len(named) - len(kept)
            if not kept:
                report.notes.append(f"skipped certificate {cert_id}: none of its skills is known")
                continue
            named = kept
        skills = [require_concept(writer, row, "skills", uri, ConceptKind.SKILL) for uri in named]
        parsed.append((row, URI_PREFIX + cert_id, details, skills))
    writer.upsert_concepts(
        [
            concept_row(
                uri, ConceptKind.CERTIFICATE, row.require("id"), vid, code=row.require("id")
            )
            for row, uri, _, _ in parsed
        ]
    )
    labels: list[Row] = []
    descriptions: list[Row] = []
    detail_rows: list[Row] = []
    for row, uri, details, skills in parsed:
        found = writer.lookup(uri)
        assert found is not None
        cid = found[0]
        labels += label_rows(cid, language, vid, row.require("name"))
        if description := row.get("description"):
            descriptions.append(
                {
                    "concept_id": cid,
                    "language": language,
                    "text": description,
                    "taxonomy_version_id": vid,
                }
            )
        detail_rows.append({"concept_id": cid, **details})
        writer.replace_training_skills(cid, skills)
        progress.advance()
    writer.add_labels(labels)
    writer.set_descriptions(descriptions)
    upsert(
        writer.conn,
        Certificate,
        detail_rows,
        keys=("concept_id",),
        update_columns=("level", "hours", "provider", "qualification_crebo"),
    )
    if dropped:
        report.notes.append(f"skipped {dropped} references to skills the store does not hold")
    report.count(path.name, len(table.rows))
    return report


def _int(row: CsvRow, column: str, low: int, high: int, required: bool) -> int | None:
    value = row.require(column) if required else row.get(column)
    if not value:
        return None
    if not value.isdigit() or not low <= int(value) <= high:
        raise row.error(column, f"expected a whole number from {low} to {high}, not {value!r}")
    return int(value)


def _qualification(writer: OntologyWriter, row: CsvRow) -> str | None:
    crebo = row.get("qualification")
    if not crebo:
        return None
    require_concept(
        writer,
        row,
        "qualification",
        f"urn:overstap:qualification:{crebo}",
        ConceptKind.QUALIFICATION,
    )
    return crebo
