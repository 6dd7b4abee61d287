"""The vacancy index over a real store and real FAISS, with hand-made vectors: updates
replace, removals and expiry hide, filters run inside the search, a second process
follows the change log, and a fresh load sees exactly what was acknowledged."""

import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from indexes.vacancy_index import VacancyFilter, VacancyIndex
from models.domain import DerivedVacancy, VacancyRecord, VacancySkill
from ontology.importers.vacancies import import_vacancies
from ontology.store import Store
from ontology.vacancy_store import (
    delete_vacancy,
    stored_vacancy,
    vacancies_to_derive,
    write_vacancies,
)
from ontology.writer import OntologyWriter

DIM = 8
EMBEDDER = "test:vectors"
TODAY = date(2026, 11, 28)


def unit(*values: float) -> np.ndarray:
    vector = np.zeros(DIM, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def derived(
    vacancy_id: str,
    vector: np.ndarray,
    region: str | None = None,
    postcode: str | None = None,
    occupation: str = "urn:o:a",
    expires: date | None = None,
    title: str = "Monteur",
) -> DerivedVacancy:
    record = VacancyRecord(
        id=vacancy_id,
        title=title,
        text=f"Tekst van {vacancy_id}.",
        region=region,
        postcode=postcode,
        expires=expires,
    )
    return DerivedVacancy(
        record=record,
        embedder=EMBEDDER,
        snapshot="s1",
        vector=vector.astype(np.float32).tobytes(),
        occupations=[(occupation, 0.9), ("urn:o:z", 0.5)],
        skills=[VacancySkill(uri="urn:s:1", confidence=0.1, start=0, end=5)],
    )


def ids(index: VacancyIndex, hits: list[tuple[int, float]]) -> list[str]:
    return [meta.id for number, _ in hits if (meta := index.meta(number)) is not None]


def test_update_replaces_delete_removes_and_a_reload_agrees(store: Store) -> None:
    statuses = write_vacancies(
        store, [derived("a", unit(1, 0)), derived("b", unit(0, 1)), derived("c", unit(1, 1))]
    )
    assert statuses == {"a": "created", "b": "created", "c": "created"}
    index = VacancyIndex.load(store, EMBEDDER, DIM)
    assert len(index) == 3
    assert ids(index, index.search(unit(1, 0), 3, VacancyFilter()))[:2] == ["a", "c"]

    # Same content again: nothing is logged or changed.
    assert write_vacancies(store, [derived("a", unit(1, 0))]) == {"a": "unchanged"}
    # A new text with a new vector replaces the old one: no duplicate hit.
    moved = derived("a", unit(0, 0, 1), title="Lasser")
    assert write_vacancies(store, [moved]) == {"a": "updated"}
    assert index.sync(store) == 1
    hits = ids(index, index.search(unit(0, 0, 1), 10, VacancyFilter()))
    assert hits.count("a") == 1 and hits[0] == "a" and len(hits) == 3
    stored = stored_vacancy(store, "a")
    assert stored is not None and stored.record.title == "Lasser"

    assert delete_vacancy(store, "b") and not delete_vacancy(store, "b")
    index.sync(store)
    assert "b" not in ids(index, index.search(unit(0, 1), 10, VacancyFilter()))
    assert index.number_of("b") is None

    fresh = VacancyIndex.load(store, EMBEDDER, DIM)
    for vector in (unit(1, 0), unit(0, 1), unit(0, 0, 1)):
        assert ids(fresh, fresh.search(vector, 10, VacancyFilter())) == ids(
            index, index.search(vector, 10, VacancyFilter())
        )


def test_a_second_process_follows_the_change_log(store: Store, database_url: str) -> None:
    reader = VacancyIndex.load(store, EMBEDDER, DIM)
    other = Store(database_url)  # another process: its own engine and connections
    try:
        write_vacancies(other, [derived("x", unit(1, 0)), derived("y", unit(0, 1))])
        delete_vacancy(other, "y")
    finally:
        other.close()
    assert len(reader) == 0
    reader.sync(store)
    assert ids(reader, reader.search(unit(1, 0), 5, VacancyFilter())) == ["x"]
    assert reader.sync(store) == 0  # nothing new


def test_filters_run_inside_the_search(store: Store) -> None:
    """50 Zeeland vacancies far from the query and 150 elsewhere close to it: a filtered
    search still returns the full ``k`` from Zeeland, not what survives a cut."""
    rng = np.random.default_rng(7)
    items = []
    for i in range(200):
        in_zeeland = i % 4 == 0
        noise = rng.normal(0, 0.05, DIM)
        base = unit(0, 1) if in_zeeland else unit(1, 0)
        items.append(
            derived(
                f"v{i:03d}",
                (base + noise).astype(np.float32),
                region="Zeeland" if in_zeeland else "Utrecht",
                postcode=("4331" if i % 8 == 0 else "4460") if in_zeeland else "3511",
                occupation="urn:o:welder" if i % 5 == 0 else "urn:o:a",
                expires=TODAY - timedelta(days=1) if i in (8, 16) else None,
            )
        )
    write_vacancies(store, items)
    index = VacancyIndex.load(store, EMBEDDER, DIM)
    query = unit(1, 0)

    zeeland = ids(index, index.search(query, 20, VacancyFilter(region="zeeland", today=TODAY)))
    assert len(zeeland) == 20 and all(int(v[1:]) % 4 == 0 for v in zeeland)
    assert "v008" not in zeeland and "v016" not in zeeland  # expired

    area = ids(index, index.search(query, 100, VacancyFilter(region="433", today=TODAY)))
    expected = {f"v{i:03d}" for i in range(0, 200, 8)} - {"v008", "v016"}
    assert set(area) == expected
    assert ids(index, index.search(query, 5, VacancyFilter(region="4"))) and not index.search(
        query, 5, VacancyFilter(region="5")
    )

    welders = index.passing(VacancyFilter(occupations=["urn:o:welder"], today=TODAY))
    assert len(welders) == 40  # i % 5 == 0, none of them expired (8 and 16 are not)
    assert index.passing(VacancyFilter(occupations=["urn:o:nobody"])) == []
    # "urn:o:z" scores far below the best occupation: it is not a link.
    assert index.passing(VacancyFilter(occupations=["urn:o:z"])) == []


@pytest.mark.parametrize("removed_share", [2, 3])
def test_compaction_keeps_answers(store: Store, removed_share: int) -> None:
    items = [derived(f"c{i:04d}", unit(1, i / 3000)) for i in range(2500)]
    write_vacancies(store, items)
    index = VacancyIndex.load(store, EMBEDDER, DIM)
    gone = [f"c{i:04d}" for i in range(0, 2500, removed_share)]
    for vacancy_id in gone:
        delete_vacancy(store, vacancy_id)
    index.sync(store)
    kept = set(f"c{i:04d}" for i in range(2500)) - set(gone)
    assert len(index) == len(kept)
    # Half removed: the columns were compacted; a third: not yet (dead slots skipped).
    assert (index.dead_slots == 0) == (removed_share == 2)
    found = set(ids(index, index.search(unit(1, 0), 2500, VacancyFilter(today=TODAY))))
    assert found == kept


def test_deriving_never_brings_back_a_deleted_or_changed_vacancy(store: Store) -> None:
    """Catch-up derives stored rows slowly; a row deleted or changed meanwhile must
    stay as the other writer left it."""
    write_vacancies(store, [derived("kept", unit(1, 0)), derived("gone", unit(0, 1))])
    slow = [derived("kept", unit(1, 0), title="Oude titel"), derived("gone", unit(0, 1))]
    delete_vacancy(store, "gone")
    statuses = write_vacancies(store, slow, entries_only=True)
    assert statuses == {"kept": "skipped", "gone": "skipped"}
    assert stored_vacancy(store, "gone") is None
    kept = stored_vacancy(store, "kept")
    assert kept is not None and kept.record.title == "Monteur"


def test_a_bulk_import_that_changes_a_row_takes_it_out_of_the_index(
    store: Store, tmp_path: Path
) -> None:
    write_vacancies(store, [derived("vac-1", unit(1, 0), region="Utrecht")])
    index = VacancyIndex.load(store, EMBEDDER, DIM)
    assert index.number_of("vac-1") is not None
    changed = {"id": "vac-1", "title": "Monteur", "text": "Tekst van vac-1.", "region": "Zeeland"}
    same = {"id": "vac-2", "title": "Lasser", "text": "Nieuw."}
    path = tmp_path / "vacancies.jsonl"
    path.write_text(json.dumps(changed) + "\n" + json.dumps(same) + "\n", encoding="utf-8")
    with store.transaction() as conn:
        import_vacancies(OntologyWriter(conn), path)
    index.sync(store)
    assert index.number_of("vac-1") is None  # the old region and vector are gone
    pending = {r.id for r in vacancies_to_derive(store, EMBEDDER)}
    assert pending == {"vac-1", "vac-2"}  # both wait to be derived by the service


def test_equal_numbers_of_different_vacancies_are_one_object(store: Store) -> None:
    """What keeps 100,000 vacancies' skills small in memory: a confidence or a span
    that many vacancies share is held once (and an int stays an int beside an equal
    float)."""
    first, second = derived("v1", unit(1.0)), derived("v2", unit(0.0, 1.0))
    first.skills = [VacancySkill(uri="urn:s:1", confidence=0.1234, start=300, end=1500)]
    second.skills = [VacancySkill(uri="urn:s:2", confidence=1.0, start=1, end=1500)]
    write_vacancies(store, [first, second])
    index = VacancyIndex.load(store, EMBEDDER, DIM)
    one = index.meta(index.number_of("v1") or -1)
    two = index.meta(index.number_of("v2") or -1)
    assert one is not None and two is not None and one.skills and two.skills
    (a,), (b,) = one.skills, two.skills
    assert (a.uri, a.confidence, a.start, a.end) == ("urn:s:1", 0.1234, 300, 1500)
    assert (b.uri, b.confidence, b.start, b.end) == ("urn:s:2", 1.0, 1, 1500)
    assert a.end is b.end  # 1500 in both (beyond CPython's cache of small ints), two rows
    assert type(b.start) is int and type(b.confidence) is float  # 1 and 1.0 kept apart
    assert one.occupations[1][1] is two.occupations[1][1]  # 0.5 in both
