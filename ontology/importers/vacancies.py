"""Importer for vacancies in JSON Lines, one vacancy per line.

Fields: ``id`` (the publisher's id; re-sending it updates the vacancy), ``title``,
``text``, and optionally ``region`` (a province), ``postcode`` (2–4 digits), ``city``,
``employer``, ``posted`` and ``expires`` (ISO dates). A file import is all-or-nothing:
the first bad line stops it with its line and column. ``read_vacancies`` is the check;
``overstap import vacancies`` then derives and indexes (``service.vacancies.service``).
"""

import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from models.domain import VacancyRecord, error_reason
from models.tables import Vacancy
from ontology.errors import SourceError
from ontology.importers.report import ImportReport
from ontology.importers.sources import json_lines
from ontology.progress import NO_PROGRESS, Progress
from ontology.vacancy_store import changed_ids, forget_derived
from ontology.writer import OntologyWriter, Row, upsert


def read_vacancies(path: Path, progress: Progress = NO_PROGRESS) -> list[VacancyRecord]:
    """Every vacancy of the file, validated; the first bad line raises ``SourceError``."""
    records: list[VacancyRecord] = []
    first_line: dict[str, int] = {}
    lines = list(json_lines(path))
    progress.stage(f"{path.name}: checking vacancies", len(lines))
    for item in lines:
        try:
            data = json.loads(item.text)
        except json.JSONDecodeError as exc:
            raise SourceError(path, item.line, exc.colno, f"invalid JSON: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise SourceError(path, item.line, 1, "each line must be a JSON object")
        try:
            record = VacancyRecord.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "(record)"
            key_at = item.text.find(f'"{error["loc"][0]}"') if error["loc"] else -1
            raise SourceError(
                path,
                item.line,
                key_at + 1 if key_at >= 0 else 1,
                error_reason(error),
                column_name=field,
            ) from exc
        if record.id in first_line:
            raise SourceError(
                path,
                item.line,
                item.text.find('"id"') + 1,
                f"vacancy {record.id} appears twice (first at line {first_line[record.id]})",
                column_name="id",
            )
        first_line[record.id] = item.line
        records.append(record)
        progress.advance()
    return records


def import_vacancies(
    writer: OntologyWriter, path: Path, progress: Progress = NO_PROGRESS
) -> ImportReport:
    """Upsert the file's publisher fields only (in the caller's transaction): how the
    embedded default arrives. What ingest derives (occupations, skills, vector) is added
    by the service when it opens the store (``VacancyService.catch_up``)."""
    now = datetime.now(UTC)
    records = read_vacancies(path, progress)
    # Rows whose content changes lose their derived data (and leave the index) until
    # the service derives them again: no index keeps an old vector or region.
    forget_derived(writer.conn, changed_ids(writer.conn, records))
    rows: list[Row] = [{**record.model_dump(), "updated_at": now} for record in records]
    content = tuple(name for name in VacancyRecord.model_fields if name != "id")
    upsert(
        writer.conn,
        Vacancy,
        rows,
        keys=("id",),
        update_columns=(*content, "updated_at"),
        compare_columns=content,
    )
    report = ImportReport(source="vacancies")
    report.count(path.name, len(records))
    return report
