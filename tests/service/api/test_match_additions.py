"""Issue 20's additions to the match answer. Occupation-level evidence: the story as a
whole against each occupation's name and description is a documented part of the
score, never a way around abstention, and each answer says what it added. Related
occupations: near-duplicates of a match (same ISCO unit group) folded under it.
Through HTTP on the embedded default with the bundled model, the weight set as a
deployment would (on the default it is off unless set; on a large ontology such as
ESCO it is on by default)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import Settings
from tests.support.seed import seed_into

WEIGHT = 0.5
STORY = (
    "Ik heb twaalf jaar als vrachtwagenchauffeur gewerkt, deed zelf kleine reparaties aan "
    "de truck en wil monteur worden"
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, default_seed: Path) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("story-fit")
    seed_into(default_seed, folder / "var", f"sqlite:///{folder / 'store.db'}")
    settings = Settings(
        data_dir=folder / "var",
        database_url=f"sqlite:///{folder / 'store.db'}",
        threads=None,
        story_fit_weight=WEIGHT,
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def match(client: TestClient, **body: Any) -> Any:
    response = client.post("/v1/match", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_story_fit_is_a_stated_part_of_the_score(client: TestClient) -> None:
    matches = match(client, text=STORY, limit=10)["matches"]
    assert matches
    fitted = [m for m in matches if m["score_parts"]["story_fit"] > 0]
    assert fitted, "a story about truck repairs resembles some technical occupation"
    for found in matches:
        parts = found["score_parts"]
        assert 0 <= parts["story_fit"] <= WEIGHT
        share = parts["essential_share"]
        expected = (
            share * parts["essential_coverage"]
            + (1 - share) * parts["optional_coverage"]
            + parts["wish"]
            + parts["story_fit"]
        )
        assert found["score"] == pytest.approx(expected, abs=0.002)
        # The advisor's sentence says so exactly when it counted.
        said = "beschrijving van dit beroep" in found["why"]
        assert said == (round(100 * parts["story_fit"]) >= 1), found["why"]
        # It ranks: it never lists an occupation the person covers nothing of.
        assert parts["essential_coverage"] + parts["optional_coverage"] > 0


def test_without_a_story_there_is_no_story_fit(client: TestClient) -> None:
    matches = match(client, occupations=["vrachtwagenchauffeur"], limit=5)["matches"]
    assert matches and all(m["score_parts"]["story_fit"] == 0 for m in matches)


@pytest.mark.parametrize(
    "text", ["Ik hou van mooie dingen.", "Lorem ipsum dolor sit amet, consectetur adipiscing elit."]
)
def test_the_story_fit_does_not_answer_a_story_with_nothing_in_it(
    client: TestClient, text: str
) -> None:
    answer = match(client, text=text)
    assert answer["matches"] == [] and answer["message"]


def isco_of(client: TestClient, occupation_id: str) -> str | None:
    response = client.get(f"/v1/occupations/{occupation_id}")
    assert response.status_code == 200, response.text
    group: str | None = response.json()["isco_group"]
    return group


@pytest.mark.parametrize("limit", [2, 10])
def test_near_duplicates_are_folded_under_the_best_of_their_group(
    client: TestClient, limit: int
) -> None:
    matches = match(client, text=STORY, limit=limit)["matches"]
    shown = {m["occupation"]["id"] for m in matches}
    if limit == 2:
        assert any(m["related_occupations"] for m in matches), "siblings beyond the top 2"
    families = [(isco_of(client, m["occupation"]["id"]) or "")[:4] for m in matches]
    for i, found in enumerate(matches):
        related = found["related_occupations"]
        if families[i] in families[:i]:  # listed once, under the best of the family
            assert related == []
        assert len(related) <= 3
        assert [r["score"] for r in related] == sorted((r["score"] for r in related), reverse=True)
        for other in related:
            assert other["id"] not in shown  # a card of its own is not repeated
            assert other["score"] <= found["score"]
            assert families[i] and (isco_of(client, other["id"]) or "")[:4] == families[i]
