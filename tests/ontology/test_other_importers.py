"""CompetentNL, qualifications, certificates and vacancies importers on fixtures."""

import json
from pathlib import Path

import pytest

from models.vocabulary import ConceptKind, LabelKind, SkillType
from ontology.errors import SourceError
from ontology.importers.certificates import import_certificates
from ontology.importers.competentnl import import_competentnl
from ontology.importers.esco import EscoImporter
from ontology.importers.links import UnknownSkills
from ontology.importers.qualifications import import_qualifications
from ontology.importers.vacancies import import_vacancies
from ontology.store import Store
from ontology.writer import OntologyWriter
from tests.support.cli import Cli
from tests.support.paths import FIXTURES, MINI_EN
from tests.support.store import store_contents


@pytest.fixture
def esco_store(store: Store) -> Store:
    """A store holding the small ESCO fixture (certificates refer to its skills)."""
    with store.transaction() as conn:
        EscoImporter(OntologyWriter(conn)).run([MINI_EN])
    return store


def test_competentnl_concepts_and_labels(store: Store) -> None:
    with store.transaction() as conn:
        report = import_competentnl(OntologyWriter(conn), FIXTURES / "competentnl", "2025-12")
    assert report.rows["occupation_labels.csv"] == 3
    stats = store.stats()
    assert (stats.occupations, stats.skills) == (2, 2)
    assert stats.skills_by_type == {"skill/competence": 1, "knowledge": 1}
    assert stats.versions == ["competentnl 2025-12"]
    monteur = store.concept("AAAA000001", ConceptKind.OCCUPATION)
    assert monteur is not None
    assert monteur.uri == "https://linkeddata.competentnl.nl/uwv/id/occupation/AAAA000001"
    assert monteur.preferred("nl") == "Elektromonteur"
    assert [lbl.text for lbl in monteur.labels if lbl.kind is LabelKind.ALTERNATIVE] == [
        "Monteur elektrotechniek"
    ]
    knowledge = store.concept("CCCC000001", ConceptKind.SKILL)
    assert knowledge is not None and knowledge.skill_type is SkillType.KNOWLEDGE


def test_competentnl_needs_a_version(cli: Cli) -> None:
    result = cli("import", "competentnl", str(FIXTURES / "competentnl"))
    assert result.exit_code == 2
    assert "--version" in result.stderr


def test_qualifications_with_taught_skills(esco_store: Store) -> None:
    with esco_store.transaction() as conn:
        import_qualifications(OntologyWriter(conn), FIXTURES / "qualifications.csv", "2015")
    assert esco_store.stats().qualifications == 2
    monteur = esco_store.concept("25333", ConceptKind.QUALIFICATION)
    assert monteur is not None
    assert monteur.preferred("nl") == (
        "Monteur elektrotechnische installaties in de gebouwde omgeving"
    )
    assert monteur.uri == "urn:overstap:qualification:25333"


def test_certificates_link_skills_and_qualification(esco_store: Store) -> None:
    with esco_store.transaction() as conn:
        writer = OntologyWriter(conn)
        import_qualifications(writer, FIXTURES / "qualifications.csv", "2015")
        import_certificates(writer, FIXTURES / "certificates.csv", "2026.11")
    assert esco_store.stats().certificates == 2
    solar = esco_store.concept("zonnepanelen-installeren", ConceptKind.CERTIFICATE)
    assert solar is not None
    assert solar.preferred("nl") == "Zonnepanelen installeren"
    assert solar.descriptions["nl"].startswith("Zonnestroomsystemen")


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("Bad_Id,Naam,,10,,,http://data.europa.eu/esco/skill/sk-safety,", "id"),
        ("ok-id,Naam,,tien,,,http://data.europa.eu/esco/skill/sk-safety,", "hours"),
        ("ok-id,Naam,,10,,,http://data.europa.eu/esco/skill/sk-nope,", "skills"),
        ("ok-id,Naam,,10,,,,", "skills"),
        ("ok-id,Naam,,10,,,http://data.europa.eu/esco/skill/sk-safety,99999", "qualification"),
        ("ok-id,Naam,9,10,,,http://data.europa.eu/esco/skill/sk-safety,", "level"),
    ],
)
def test_bad_certificate_rows_are_located(
    esco_store: Store, tmp_path: Path, row: str, column: str | None
) -> None:
    path = tmp_path / "certificates.csv"
    header = (FIXTURES / "certificates.csv").read_text(encoding="utf-8").splitlines()[0]
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    before = store_contents(esco_store)
    with pytest.raises(SourceError) as caught, esco_store.transaction() as conn:
        import_certificates(OntologyWriter(conn), path, "1")
    assert caught.value.line == 2
    if column:
        assert caught.value.column_name == column
    assert store_contents(esco_store) == before


def test_certificates_over_another_ontology_skip_unknown_skills(
    esco_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "certificates.csv"
    header = (FIXTURES / "certificates.csv").read_text(encoding="utf-8").splitlines()[0]
    safety, nope = "http://data.europa.eu/esco/skill/sk-safety", "urn:overstap:skill:nope"
    path.write_text(
        f"{header}\nkept,Naam,,10,,,{safety}|{nope},\ndropped,Naam,,10,,,{nope},\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceError), esco_store.transaction() as conn:
        import_certificates(OntologyWriter(conn), path, "1")  # error is the default
    with esco_store.transaction() as conn:
        report = import_certificates(
            OntologyWriter(conn), path, "1", unknown_skills=UnknownSkills.SKIP
        )
    assert esco_store.stats().certificates == 1
    assert esco_store.concept("dropped", ConceptKind.CERTIFICATE) is None
    assert any("dropped" in note for note in report.notes)
    assert any("skipped 2 references" in note for note in report.notes)
    # A known concept of the wrong kind is still an error, not a silent drop.
    occupation = "http://data.europa.eu/esco/occupation/occ-electrician"
    path.write_text(f"{header}\nwrong,Naam,,10,,,{safety}|{occupation},\n", encoding="utf-8")
    with pytest.raises(SourceError) as caught, esco_store.transaction() as conn:
        import_certificates(OntologyWriter(conn), path, "1", unknown_skills=UnknownSkills.SKIP)
    assert caught.value.column_name == "skills" and "not a skill" in str(caught.value)


def test_vacancies_upsert_by_id(store: Store, tmp_path: Path) -> None:
    with store.transaction() as conn:
        import_vacancies(OntologyWriter(conn), FIXTURES / "vacancies.jsonl")
    assert store.stats().vacancies == 2
    before = store_contents(store)
    with store.transaction() as conn:
        import_vacancies(OntologyWriter(conn), FIXTURES / "vacancies.jsonl")
    assert store_contents(store) == before  # same data twice: nothing changes

    changed = tmp_path / "vacancies.jsonl"
    changed.write_text(
        json.dumps(
            {"id": "v-2", "title": "Zonnepanelenmonteur", "text": "Nieuw.", "region": "Zeeland"}
        )
        + "\n",
        encoding="utf-8",
    )
    with store.transaction() as conn:
        import_vacancies(OntologyWriter(conn), changed)
    assert store.stats().vacancies == 2


@pytest.mark.parametrize(
    ("line", "column_name", "column"),
    [
        ('{"id": "a", "title": "T", "text": "x", "region": "Atlantis"}', "region", 40),
        ('{"id": "a", "title": "T"}', "text", 1),
        ('{"id": "a", "title": "T", "text": "x", "expires": "morgen"}', "expires", 40),
        ('{"id": "a", "title": "T", "text": "x",}', None, 39),
        ('["not", "an", "object"]', None, 1),
        ('{"id": "a b", "title": "T", "text": "x"}', "id", 2),
    ],
)
def test_bad_vacancy_lines_are_located(
    store: Store, tmp_path: Path, line: str, column_name: str | None, column: int
) -> None:
    path = tmp_path / "v.jsonl"
    good = '{"id": "ok", "title": "T", "text": "x"}'
    path.write_text(f"{good}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(SourceError) as caught, store.transaction() as conn:
        import_vacancies(OntologyWriter(conn), path)
    assert caught.value.line == 3
    assert caught.value.column == column
    assert caught.value.column_name == column_name
    assert store.stats().vacancies == 0  # the good first line was not written either


def test_duplicate_vacancy_id_in_one_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "v.jsonl"
    path.write_text('{"id": "a", "title": "T", "text": "x"}\n' * 2, encoding="utf-8")
    with pytest.raises(SourceError, match="appears twice"), store.transaction() as conn:
        import_vacancies(OntologyWriter(conn), path)


def test_qualification_with_bad_level_via_cli(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "kwalificaties_2015.csv"
    text = (FIXTURES / "qualifications.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    # no skills column: the file then needs no ontology
    header = lines[0].rsplit(",", 1)[0]
    row = lines[1].split(",http")[0].replace(",2,", ",7,", 1)
    path.write_text(f"{header}\n{row}\n", encoding="utf-8")
    result = cli("import", "qualifications", str(path))
    assert result.exit_code == 2
    assert "kwalificaties_2015.csv:2:8 (column 'niveau')" in result.stderr
