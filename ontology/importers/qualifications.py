"""Importer for mbo qualifications (kwalificaties) in the HKS table layout.

The layout is that of the published qualification structure (one row per kwalificatie
with its crebo code, niveau, opleidingsdomein and leerweg). An optional ``skills``
column (``|``-separated skill URIs) says what a qualification teaches; the embedded
default uses it so training routes can be built on qualifications as well.
"""

import re
from pathlib import Path

from models.tables import Qualification
from models.vocabulary import ConceptKind
from ontology.importers.links import require_concept
from ontology.importers.report import ImportReport
from ontology.importers.sources import CsvRow, UniqueKeys, read_csv, split_multi
from ontology.importers.versions import resolve_version
from ontology.progress import NO_PROGRESS, Progress
from ontology.writer import OntologyWriter, Row, concept_row, label_rows, upsert

URI_PREFIX = "urn:overstap:qualification:"
LEERWEGEN = {"BOL", "BBL", "BOL/BBL"}
DETAIL_COLUMNS = (
    "crebo",
    "level",
    "domain",
    "domain_code",
    "dossier_crebo",
    "dossier",
    "programme_type",
    "requirements",
    "leerweg",
)
REQUIRED = ("kwalificatie_crebo", "kwalificatie", "niveau", "opleidingsdomein", "leerweg")


def import_qualifications(
    writer: OntologyWriter,
    path: Path,
    version: str | None = None,
    language: str = "nl",
    progress: Progress = NO_PROGRESS,
) -> ImportReport:
    """Import one qualifications CSV (all in the caller's transaction)."""
    table = read_csv(path, REQUIRED)
    vid = writer.version_id("mbo-kwalificaties", resolve_version(path, version), str(path))
    progress.stage(f"{path.name}: qualifications", len(table.rows))
    seen = UniqueKeys("kwalificatie_crebo")
    parsed: list[tuple[CsvRow, str, Row]] = []
    for row in table.rows:
        crebo = row.require("kwalificatie_crebo")
        if not re.fullmatch(r"\d{5}", crebo):
            raise row.error("kwalificatie_crebo", f"a crebo code has five digits, not {crebo!r}")
        seen.check(row, crebo)
        level = row.require("niveau")
        if level not in {"1", "2", "3", "4"}:
            raise row.error("niveau", f"mbo niveau is 1 to 4, not {level!r}")
        leerweg = row.require("leerweg").upper().replace(" ", "")
        if leerweg not in LEERWEGEN:
            raise row.error("leerweg", f"leerweg is BOL, BBL or BOL/BBL, not {leerweg!r}")
        details: Row = {
            "crebo": crebo,
            "level": int(level),
            "domain": re.sub(r"^\d+\.\s*", "", row.require("opleidingsdomein")),
            "domain_code": row.get("opleidingsdomein_code") or None,
            "dossier_crebo": row.get("dossier_crebo") or None,
            "dossier": row.get("kwalificatiedossier") or None,
            "programme_type": row.get("soort_opleiding") or None,
            "requirements": row.get("beroepsvereisten") or None,
            "leerweg": leerweg,
        }
        parsed.append((row, URI_PREFIX + crebo, details))
    writer.upsert_concepts(
        [
            concept_row(
                uri, ConceptKind.QUALIFICATION, details["crebo"], vid, code=details["crebo"]
            )
            for _, uri, details in parsed
        ]
    )
    labels: list[Row] = []
    detail_rows: list[Row] = []
    for row, uri, details in parsed:
        found = writer.lookup(uri)
        assert found is not None
        cid = found[0]
        alternatives = [details["dossier"]] if details["dossier"] else []
        labels += label_rows(cid, language, vid, row.require("kwalificatie"), alternatives)
        detail_rows.append({"concept_id": cid, **details})
        if table.has("skills"):
            skill_ids = [
                require_concept(writer, row, "skills", skill, ConceptKind.SKILL)
                for skill in split_multi(row.get("skills"), "|")
            ]
            writer.replace_training_skills(cid, skill_ids)
        progress.advance()
    writer.add_labels(labels)
    upsert(
        writer.conn,
        Qualification,
        detail_rows,
        keys=("concept_id",),
        update_columns=DETAIL_COLUMNS,
    )
    report = ImportReport(source="mbo-kwalificaties")
    report.count(path.name, len(table.rows))
    return report
