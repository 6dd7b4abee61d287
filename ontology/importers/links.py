"""Resolving references from our own formats (certificates, qualifications) to concepts."""

from enum import StrEnum

from models.vocabulary import ConceptKind
from ontology.importers.sources import CsvRow
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


class UnknownSkills(StrEnum):
    """What to do with a training's skill that the store does not hold.

    ``error`` (the default) refuses the import. ``skip`` drops such skills (counted in
    the report) so that a catalogue written for one ontology can be laid over another:
    the embedded default's certificates name both ESCO skills and the default's own
    ``urn:overstap:skill:`` ones, and only the ESCO ones exist in a full ESCO store.
    """

    ERROR = "error"
    SKIP = "skip"


def known_concept(writer: OntologyWriter, uri: str) -> bool:
    """Whether ``uri`` names any concept in the store (or this import); a concept of
    the wrong kind is known, so that ``require_concept`` still reports it."""
    return writer.lookup(uri) is not None
