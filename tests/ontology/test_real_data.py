"""Imports of the real sources in ../shared/data (skipped with a reason when absent).

The import time of the full English ESCO is printed, never asserted (shared machines
are noisy); docs/performance.md reports it.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.vocabulary import ConceptKind, LabelKind, Status
from ontology.importers.competentnl import import_competentnl
from ontology.importers.esco import Dangling, EscoImporter
from ontology.importers.qualifications import import_qualifications
from ontology.store import Store
from ontology.writer import OntologyWriter
from tests.support.paths import SHARED_DATA, needs_shared_data

pytestmark = [needs_shared_data, pytest.mark.realdata, pytest.mark.slow]

ESCO_EN = SHARED_DATA / "esco-v1.1.1-en"
ESCO_NL_11 = SHARED_DATA / "esco-v1.1-nl-collections"
ESCO_NL_12 = SHARED_DATA / "esco-v1.2.0-nl"
# The one occupation v1.1.1's relation files refer to but its occupation file lacks.
MISSING_OCCUPATION = "http://data.europa.eu/esco/occupation/a9e54177-a185-404d-b6e6-15663d31137e"


@pytest.fixture(scope="module")
def esco_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """English ESCO v1.1.1 plus the Dutch v1.1 labels, imported once for this module."""
    path: Path = tmp_path_factory.mktemp("esco") / "store.db"
    store = Store(f"sqlite:///{path}")
    started = time.perf_counter()
    with store.transaction() as conn:
        EscoImporter(OntologyWriter(conn), dangling=Dangling.OBSOLETE).run([ESCO_EN, ESCO_NL_11])
    print(f"\nESCO v1.1.1 en + v1.1 nl import: {time.perf_counter() - started:.1f} s")
    yield store
    store.close()


def test_english_esco_counts(esco_store: Store) -> None:
    stats = esco_store.stats()
    assert stats.occupations == 3007
    assert stats.skills == 13896
    assert sum(stats.relations.values()) == 123855
    assert stats.relations["essential"] + stats.relations["optional"] == 123855
    assert stats.skill_skill_relations == 5899
    assert stats.isco_groups == 619
    # The relations file names one occupation the release does not define: it is kept
    # as an obsolete placeholder, so every relation row is stored.
    assert stats.obsolete_concepts == 1
    ghost = esco_store.concept(MISSING_OCCUPATION)
    assert ghost is not None and ghost.status is Status.OBSOLETE


def test_dutch_labels_for_all_occupations_and_about_half_the_skills(esco_store: Store) -> None:
    from sqlalchemy import func, select

    from models.tables import Concept, Label
    from ontology.writer import table_of

    concept, label = table_of(Concept), table_of(Label)
    with esco_store.reading() as conn:

        def with_dutch_preferred(kind: ConceptKind) -> int:
            return int(
                conn.execute(
                    select(func.count(func.distinct(label.c.concept_id)))
                    .join(concept, concept.c.id == label.c.concept_id)
                    .where(
                        concept.c.kind == kind,
                        concept.c.status == Status.RELEASED,
                        label.c.language == "nl",
                        label.c.kind == LabelKind.PREFERRED,
                    )
                ).scalar_one()
            )

        assert with_dutch_preferred(ConceptKind.OCCUPATION) == 3007
        dutch_skills = with_dutch_preferred(ConceptKind.SKILL)
    assert dutch_skills == 6939  # SOURCE.md: 6,939 of the 13,896 skills (~50%)


def test_dutch_v12_occupations_merge_in_and_add_new_ones(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    with store.transaction() as conn:
        EscoImporter(OntologyWriter(conn), dangling=Dangling.OBSOLETE).run([ESCO_EN, ESCO_NL_12])
    stats = store.stats()
    assert stats.occupations == 3039  # v1.2.0 adds 32 occupations (Dutch labels only)
    assert stats.labels["nl"]["preferred"] >= 3039
    assert stats.versions == ["esco 1.1.1", "esco 1.2.0"]
    store.close()


def test_competentnl_extract(store: Store) -> None:
    with store.transaction() as conn:
        import_competentnl(OntologyWriter(conn), SHARED_DATA / "competentnl-extract", "2025-12")
    stats = store.stats()
    assert stats.occupations == 3262
    assert stats.skills == 112 + 6  # capabilities + knowledge areas
    assert stats.labels["nl"]["preferred"] == stats.occupations + stats.skills


def test_mbo_qualifications(store: Store) -> None:
    path = SHARED_DATA / "mbo-kwalificaties-hks2015" / "kwalificaties_hks_2015-2016.csv"
    with store.transaction() as conn:
        import_qualifications(OntologyWriter(conn), path)
    stats = store.stats()
    assert stats.qualifications == 470
    assert stats.versions == ["mbo-kwalificaties 2015-2016"]
    monteur = store.concept("25333", ConceptKind.QUALIFICATION)
    assert monteur is not None
    assert monteur.preferred("nl") == "Monteur elektrotechnische installaties"
