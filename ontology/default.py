"""The embedded default: a small Dutch technical ontology shipped with the package.

It is written in ESCO's CSV layout (so the ESCO importer reads it) plus our own
certificate, qualification and vacancy files, and loads in one transaction: a store
either has all of it or none of it.
"""

from pathlib import Path

from ontology.importers.certificates import import_certificates
from ontology.importers.esco import EscoImporter
from ontology.importers.qualifications import import_qualifications
from ontology.importers.report import ImportReport
from ontology.importers.vacancies import import_vacancies
from ontology.progress import NO_PROGRESS, Progress
from ontology.store import Store
from ontology.writer import OntologyWriter

DEFAULT_DATA = Path(__file__).parent / "default_data"
TAXONOMY = "overstap-default"
VERSION = "2026.11"
TECHNICAL_COLLECTION = "urn:overstap:collection:techniek"


def load_default(store: Store, progress: Progress = NO_PROGRESS) -> ImportReport:
    """Import the embedded default ontology, its trainings and its vacancies."""
    report = ImportReport(source=TAXONOMY)
    with store.transaction() as conn:
        writer = OntologyWriter(conn)
        report.merge(
            EscoImporter(writer, taxonomy=TAXONOMY, progress=progress).run(
                [DEFAULT_DATA / "esco"], version=VERSION
            )
        )
        report.merge(
            import_qualifications(
                writer, DEFAULT_DATA / "qualifications.csv", version=VERSION, progress=progress
            )
        )
        report.merge(
            import_certificates(
                writer, DEFAULT_DATA / "certificates.csv", version=VERSION, progress=progress
            )
        )
        report.merge(import_vacancies(writer, DEFAULT_DATA / "vacancies.jsonl", progress))
    return report


def ensure_populated(store: Store, progress: Progress = NO_PROGRESS) -> ImportReport | None:
    """Load the default into an empty store (what ``serve`` does); else leave it alone."""
    if not store.is_empty():
        return None
    return load_default(store, progress)
