"""Resolving references from our own formats (certificates, qualifications) to concepts."""

from models.vocabulary import ConceptKind
from ontology.sources import CsvRow
from ontology.writer import OntologyWriter


def require_concept(
    writer: OntologyWriter, row: CsvRow, column: str, uri: str, kind: ConceptKind
) -> int:
    """The id of a concept a row refers to; a located error when it is unknown."""
    found = writer.lookup(uri)
    if found is None:
        raise row.error(column, f"unknown {kind} {uri} (import the ontology first)")
    if found[1] != kind:
        raise row.error(column, f"{uri} is a {found[1]}, not a {kind}")
    return found[0]
