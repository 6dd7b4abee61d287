"""The embedded Dutch default ontology: it loads, it is consistent, and it is enough to
serve the mission on its own (technical targets, origin occupations, trainings)."""

import csv
import gzip
import io
import json
from collections import defaultdict
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from models.tables import Concept, TrainingSkill
from models.vocabulary import ConceptKind, RelationType
from ontology import queries
from ontology.default import DEFAULT_DATA, TECHNICAL_COLLECTION, ensure_populated, load_default
from ontology.store import Store
from ontology.writer import table_of
from tests.support.cli import Cli
from tests.support.paths import MINI_EN, SHARED_DATA, needs_shared_data
from tests.support.store import store_contents


@pytest.fixture(scope="module")
def default_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('default') / 'store.db'}")
    load_default(store)
    yield store
    store.close()


def _essential_skills(store: Store) -> dict[str, set[str]]:
    return {
        occupation: {need.skill for need in needs if need.relation == RelationType.ESSENTIAL}
        for occupation, needs in queries.requirements(store).items()
    }


def _technical(store: Store) -> set[str]:
    return queries.scheme_members(store, TECHNICAL_COLLECTION)


def test_sizes_fit_the_mission(default_store: Store) -> None:
    stats = default_store.stats()
    assert 55 <= stats.occupations <= 75
    assert 250 <= stats.skills <= 360
    assert 12 <= stats.certificates <= 20
    assert 45 <= stats.vacancies <= 60
    assert stats.qualifications >= 8
    assert stats.obsolete_concepts == 0
    assert set(stats.labels) == {"nl"}
    assert stats.labels["nl"]["alternative"] >= stats.skills  # synonyms for matching
    assert stats.descriptions["nl"] >= stats.occupations + stats.skills


def test_technical_occupations_and_their_essential_skills(default_store: Store) -> None:
    technical = _technical(default_store)
    essential = _essential_skills(default_store)
    assert 35 <= len(technical) <= 50
    thin = [uri for uri in technical if len(essential[uri]) < 8]
    assert thin == [], f"technical occupations with < 8 essential skills: {thin}"


def test_origin_occupations_share_skills_with_technical_ones(default_store: Store) -> None:
    technical = _technical(default_store)
    essential = _essential_skills(default_store)
    origins = set(essential) - technical
    assert len(origins) >= 15
    technical_skills = set().union(*(essential[uri] for uri in technical))
    isolated = [uri for uri in origins if len(essential[uri] & technical_skills) < 2]
    assert isolated == [], f"origin occupations sharing < 2 essential skills: {isolated}"


def test_every_certificate_teaches_skills_technical_work_needs(default_store: Store) -> None:
    technical_skills = set().union(
        *(
            skills
            for uri, skills in _essential_skills(default_store).items()
            if uri in _technical(default_store)
        )
    )
    concept, taught = table_of(Concept), table_of(TrainingSkill)
    skill = concept.alias("skill")
    teaches: dict[str, set[str]] = defaultdict(set)
    with default_store.reading() as conn:
        for cert, skill_uri in conn.execute(
            select(concept.c.uri, skill.c.uri)
            .join(taught, taught.c.training_id == concept.c.id)
            .join(skill, skill.c.id == taught.c.skill_id)
            .where(concept.c.kind == ConceptKind.CERTIFICATE)
        ):
            teaches[cert].add(skill_uri)
    assert len(teaches) == default_store.stats().certificates
    useless = [cert for cert, skills in teaches.items() if not skills & technical_skills]
    assert useless == []


def test_loading_twice_changes_nothing(default_store: Store) -> None:
    before = store_contents(default_store)
    load_default(default_store)
    assert store_contents(default_store) == before


def test_serve_start_up_loads_only_into_an_empty_store(store: Store) -> None:
    from ontology.importers.esco import EscoImporter
    from ontology.writer import OntologyWriter

    with store.transaction() as conn:
        EscoImporter(OntologyWriter(conn)).run([MINI_EN])
    assert ensure_populated(store) is None  # not empty: left alone
    assert store.stats().occupations == 3


def test_explicit_import_into_an_empty_store_imports_only_what_is_given(cli: Cli) -> None:
    result = cli("import", "esco", str(MINI_EN))
    assert result.exit_code == 0, result.output
    stats = json.loads(cli("stats", "--json").stdout)
    assert stats["occupations"] == 3
    assert stats["vacancies"] == 0
    assert stats["versions"] == ["esco 1.0.0"]


def test_cli_import_default_and_stats(cli: Cli) -> None:
    result = cli("import", "default")
    assert result.exit_code == 0, result.output
    stats = json.loads(cli("stats", "--json").stdout)
    assert stats["versions"] == [
        "certificates 2026.11",
        "mbo-kwalificaties 2026.11",
        "overstap-default 2026.11",
    ]
    assert stats["relations"]["essential"] > stats["occupations"] * 8
    table = cli("stats").stdout
    assert "occupations" in table and str(stats["occupations"]) in table


def _esco_uris(name: str) -> dict[str, str]:
    path = SHARED_DATA / "esco-v1.1.1-en" / name
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return {row["conceptUri"]: row.get("iscoGroup", "") for row in csv.DictReader(handle)}


@needs_shared_data
def test_esco_uris_in_the_default_exist_in_esco() -> None:
    """Where the default reuses an ESCO URI, it must be a real ESCO concept of that kind,
    so the default lines up with a full ESCO import."""
    occupations = _esco_uris("occupations_en.csv.gz")
    skills = _esco_uris("skills_en.csv.gz")
    text = (DEFAULT_DATA / "esco" / "occupations_nl.csv").read_text(encoding="utf-8")
    used_occupations = [
        row for row in csv.DictReader(io.StringIO(text)) if "data.europa.eu" in row["conceptUri"]
    ]
    text = (DEFAULT_DATA / "esco" / "skills_nl.csv").read_text(encoding="utf-8")
    used_skills = [
        row["conceptUri"]
        for row in csv.DictReader(io.StringIO(text))
        if "data.europa.eu" in row["conceptUri"]
    ]
    assert used_occupations and used_skills
    assert [r["conceptUri"] for r in used_occupations if r["conceptUri"] not in occupations] == []
    assert [u for u in used_skills if u not in skills] == []
    wrong_isco = [
        r["conceptUri"] for r in used_occupations if r["iscoGroup"] != occupations[r["conceptUri"]]
    ]
    assert wrong_isco == []
