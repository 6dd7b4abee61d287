"""The ESCO CSV importer on small fixtures: merge, idempotence, versions, bad input."""

from pathlib import Path

import pytest

from models.vocabulary import ConceptKind, LabelKind, RelationType, Status
from ontology.errors import SourceError
from ontology.importers.esco import Dangling, EscoImporter
from ontology.store import Store
from ontology.writer import OntologyWriter
from tests.support.cli import Cli
from tests.support.paths import MINI_EN, MINI_NL
from tests.support.store import store_contents

ELECTRICIAN = "http://data.europa.eu/esco/occupation/occ-electrician"


def run(store: Store, *folders: Path, dangling: Dangling = Dangling.ERROR) -> None:
    with store.transaction() as conn:
        EscoImporter(OntologyWriter(conn), dangling=dangling).run(list(folders))


def test_english_export_gives_concepts_relations_and_hierarchy(store: Store) -> None:
    run(store, MINI_EN)
    stats = store.stats()
    assert (stats.occupations, stats.skills, stats.isco_groups) == (3, 6, 3)
    assert stats.skill_groups == 3  # two from skillGroups, the root only from the hierarchy
    assert stats.relations == {"essential": 7, "optional": 3}
    assert stats.skills_by_type == {"skill/competence": 5, "knowledge": 1}
    assert stats.versions == ["esco 1.0.0"]

    electrician = store.concept(ELECTRICIAN)
    assert electrician is not None
    assert electrician.id == "occ-electrician"
    assert electrician.isco_group == "7411"
    assert electrician.preferred("en") == "domestic electrician"
    alternatives = {lbl.text for lbl in electrician.labels if lbl.kind is LabelKind.ALTERNATIVE}
    assert alternatives == {"house electrician", "residential electrician"}  # no repeat of pref
    hidden = {lbl.text for lbl in electrician.labels if lbl.kind is LabelKind.HIDDEN}
    assert hidden == {"electricain"}
    assert "http://data.europa.eu/esco/concept-scheme/member-occupations" in electrician.schemes

    links = store.occupation_skills(ELECTRICIAN)
    essential = {link.skill_uri for link in links if link.relation_type is RelationType.ESSENTIAL}
    assert essential == {
        "http://data.europa.eu/esco/skill/sk-wiring",
        "http://data.europa.eu/esco/skill/sk-safety",
        "http://data.europa.eu/esco/skill/sk-electricity",
    }
    pv = store.concept("http://data.europa.eu/esco/skill/sk-pv")
    assert pv is not None and "esco:collection:greenSkillsCollection" in pv.schemes


def test_folders_merge_by_uri_with_labels_per_language(store: Store) -> None:
    run(store, MINI_EN, MINI_NL)
    stats = store.stats()
    assert stats.occupations == 3  # the Dutch file adds labels, not concepts
    assert stats.labels["nl"]["preferred"] == 3 + 2  # three occupations, two known skills
    electrician = store.concept("occ-electrician", ConceptKind.OCCUPATION)
    assert electrician is not None
    assert electrician.preferred("nl") == "elektricien"
    assert electrician.preferred("en") == "domestic electrician"
    assert electrician.descriptions["nl"].startswith("Elektriciens")
    wiring = store.concept("http://data.europa.eu/esco/skill/sk-wiring")
    assert wiring is not None
    assert {lbl.text for lbl in wiring.labels if lbl.language == "nl"} == {
        "elektrische bedrading aanleggen",
        "kabels trekken",
        "bedrading leggen",
    }


def test_importing_twice_changes_nothing(store: Store) -> None:
    run(store, MINI_EN, MINI_NL)
    before = store_contents(store)
    run(store, MINI_EN, MINI_NL)
    assert store_contents(store) == before


def test_newer_release_retires_missing_concepts_and_updates_labels(
    store: Store, tmp_path: Path, mini_en: Path
) -> None:
    run(store, MINI_EN)
    newer = tmp_path / "esco-v1.1.0-en"
    mini_en.rename(newer)
    occupations = newer / "occupations_en.csv"
    lines = occupations.read_text(encoding="utf-8").splitlines(keepends=True)
    # Drop the solar installer (last record, one line) and rename the lorry driver.
    text = "".join(lines[:-1]).replace(",lorry driver,", ",truck driver,")
    occupations.write_text(text, encoding="utf-8")
    run(store, newer)

    solar = store.concept("http://data.europa.eu/esco/occupation/occ-solar")
    assert solar is not None and solar.status is Status.OBSOLETE
    assert store.stats().occupations == 2
    driver = store.concept("http://data.europa.eu/esco/occupation/occ-truck-driver")
    assert driver is not None
    assert driver.preferred("en") == "truck driver"
    assert driver.version == "1.1.0"
    # The old preferred label stays findable as an alternative.
    assert any(
        lbl.text == "lorry driver" and lbl.kind is LabelKind.ALTERNATIVE for lbl in driver.labels
    )


def test_dangling_links_fail_by_default_or_are_kept_or_skipped(store: Store, mini_en: Path) -> None:
    relations = mini_en / "occupationSkillRelations.csv"
    with relations.open("a", encoding="utf-8") as handle:
        handle.write(
            "http://data.europa.eu/esco/occupation/occ-ghost,essential,skill/competence,"
            "http://data.europa.eu/esco/skill/sk-safety\n"
        )
    with pytest.raises(SourceError) as caught:
        run(store, mini_en)
    assert (caught.value.line, caught.value.column_name) == (12, "occupationUri")
    assert store.stats().occupations == 0

    run(store, mini_en, dangling=Dangling.SKIP)
    assert sum(store.stats().relations.values()) == 10

    run(store, mini_en, dangling=Dangling.OBSOLETE)
    stats = store.stats()
    assert sum(stats.relations.values()) == 11
    assert (stats.occupations, stats.obsolete_concepts) == (3, 1)
    ghost = store.concept("occ-ghost", ConceptKind.OCCUPATION)
    assert ghost is not None and ghost.status is Status.OBSOLETE and ghost.labels == []


# -- bad input through the CLI: exit code, file:line:column, store unchanged ------------


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


def _break_missing_column(folder: Path) -> tuple[str, int, str]:
    path = folder / "skills_en.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("preferredLabel,", "prefLabel,", 1),
        encoding="utf-8",
    )
    return "skills_en.csv", 1, "preferredLabel"


def _break_malformed_row(folder: Path) -> tuple[str, int, str]:
    _append(
        folder / "occupationSkillRelations.csv",
        "http://data.europa.eu/esco/occupation/occ-solar,essential,skill/competence,x,extra\n",
    )
    return "occupationSkillRelations.csv", 12, ""


def _break_relation_type(folder: Path) -> tuple[str, int, str]:
    _append(
        folder / "occupationSkillRelations.csv",
        "http://data.europa.eu/esco/occupation/occ-solar,mandatory,skill/competence,"
        "http://data.europa.eu/esco/skill/sk-wiring\n",
    )
    return "occupationSkillRelations.csv", 12, "relationType"


def _break_unknown_concept(folder: Path) -> tuple[str, int, str]:
    _append(
        folder / "occupationSkillRelations.csv",
        "http://data.europa.eu/esco/occupation/occ-solar,essential,skill/competence,"
        "http://data.europa.eu/esco/skill/sk-unknown\n",
    )
    return "occupationSkillRelations.csv", 12, "skillUri"


def _break_encoding(folder: Path) -> tuple[str, int, str]:
    path = folder / "skills_en.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-8") + "é\n".encode("cp1252"))
    return "skills_en.csv", 9, ""


def _break_empty_label(folder: Path) -> tuple[str, int, str]:
    path = folder / "occupations_en.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace(",solar panel installer,", ",,"),
        encoding="utf-8",
    )
    return "occupations_en.csv", 8, "preferredLabel"


def _break_duplicate_concept(folder: Path) -> tuple[str, int, str]:
    _append(
        folder / "skills_en.csv",
        "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/sk-pv,skill/competence,"
        "occupation-specific,install solar panels,,,released,,,,,Again.\n",
    )
    return "skills_en.csv", 9, "conceptUri"


BREAKAGES = {
    "missing required column": _break_missing_column,
    "malformed row": _break_malformed_row,
    "unknown relation type": _break_relation_type,
    "relation to unknown concept": _break_unknown_concept,
    "wrong encoding": _break_encoding,
    "empty required value": _break_empty_label,
    "concept listed twice": _break_duplicate_concept,
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_bad_input_fails_with_location_and_leaves_store_unchanged(
    breakage: str, cli: Cli, store: Store, mini_en: Path
) -> None:
    first = cli("import", "esco", str(MINI_NL.parent / "esco-v1.0.0-mini-en"))
    assert first.exit_code == 0, first.output
    before = store_contents(store)

    file, line, column = BREAKAGES[breakage](mini_en)
    result = cli("import", "esco", str(mini_en), "--version", "2.0")

    assert result.exit_code == 2
    message = result.stderr
    assert f"{file}:{line}:" in message
    if column:
        assert f"(column {column!r})" in message
    assert "store is unchanged" in message
    assert store_contents(store) == before


def test_folder_without_esco_files_is_refused(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "esco-v1.0-empty"
    empty.mkdir()
    result = cli("import", "esco", str(empty))
    assert result.exit_code == 2
    assert "no ESCO CSV files found" in result.stderr
