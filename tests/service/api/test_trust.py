"""Issue 19: every claim an answer makes is true or marked as uncertain, and when
nothing fits the answer says so. One test (or more) per observation in the issue,
through HTTP against the app on the embedded default with the bundled model."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.settings import Settings
from tests.support.seed import seed_into

PROBLEM = "application/problem+json"
KOK = "http://data.europa.eu/esco/occupation/90f75f67-495d-49fa-ab57-2f320e251d7e"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, default_seed: Path) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("trust")
    seed_into(default_seed, folder / "var", f"sqlite:///{folder / 'store.db'}")
    settings = Settings(
        data_dir=folder / "var", database_url=f"sqlite:///{folder / 'store.db'}", threads=None
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def match(client: TestClient, **body: Any) -> Any:
    response = client.post("/v1/match", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def taught(client: TestClient, training: dict[str, Any]) -> set[str]:
    """The skills the catalogue says a training teaches."""
    path = "certificates" if training["kind"] == "certificate" else "qualifications"
    response = client.get(f"/v1/{path}/{training['id']}")
    assert response.status_code == 200, response.text
    return {skill["uri"] for skill in response.json()["skills"]}


def assert_routes_are_true(client: TestClient, matches: list[dict[str, Any]]) -> int:
    """Every "this training closes that skill" claim names a skill the training
    teaches (the default has no skill hierarchy, so every claim is exact)."""
    claims = 0
    for found in matches:
        for step in found["training_route"]["steps"]:
            teaches = taught(client, step["training"])
            for closed in step["covers"]:
                claims += 1
                assert closed["how"] == "exact", closed
                assert closed["uri"] == closed["taught"]["uri"] and closed["uri"] in teaches, (
                    step["training"]["label"],
                    closed["label"],
                )
    return claims


# -- 1. routes claim only what a training teaches ---------------------------------------


def test_the_bike_story_route_claims_only_taught_skills(client: TestClient) -> None:
    answer = match(client, text="ik repareer al jaren fietsen in mijn vrije tijd", limit=5)
    assert answer["matches"][0]["occupation"]["label"] == "fietstechnicus"
    assert assert_routes_are_true(client, answer["matches"]) > 0
    for found in answer["matches"]:
        for step in found["training_route"]["steps"]:
            if step["training"]["label"].startswith("Onderhoud en storingen cv-ketels"):
                labels = {c["label"] for c in step["covers"]}
                assert not labels & {"afrekenen en kassa bedienen", "communiceren met klanten"}


def test_transitions_from_kok_claim_only_taught_skills(client: TestClient) -> None:
    response = client.get(
        f"/v1/occupations/{KOK.rsplit('/', 1)[1]}/transitions", params={"limit": 10}
    )
    assert response.status_code == 200, response.text
    transitions = response.json()["transitions"]
    assert transitions and assert_routes_are_true(client, transitions) > 0
    claimed = {
        (step["training"]["label"], closed["label"])
        for found in transitions
        for step in found["training_route"]["steps"]
        for closed in step["covers"]
    }
    for wrong in [
        ("NEN 3140 voldoend onderricht persoon (VOP)", "bouwkundige basiskennis"),
        ("F-gassen categorie 1", "kabels en leidingen trekken"),
        ("Veilig werken aan elektrische voertuigen", "meten en aftekenen"),
    ]:
        assert wrong not in claimed


# -- 2. short job names are recognised; unplaceable ones reported ------------------------


@pytest.mark.parametrize(
    "story",
    [
        "Ik heb tien jaar als kok gewerkt en wil graag de techniek in",
        "Ik was twaalf jaar kok in een hotel.",
        "Kok van beroep, maar ik zoek iets anders.",
    ],
)
def test_a_short_job_name_in_a_story_is_recognised(client: TestClient, story: str) -> None:
    answer = match(client, text=story, limit=10)
    mentions = [i for i in answer["profile"]["inputs"] if i["field"] == "text"]
    assert [m["concept"]["uri"] for m in mentions] == [KOK]
    assert story[mentions[0]["start"] : mentions[0]["end"]].lower() == "kok"
    assert mentions[0]["confidence"] == "hoog"
    assert answer["matches"] and answer["message"] is None
    assert all(m["score"] > 0 and m["matched_skills"] for m in answer["matches"])


@pytest.mark.parametrize(
    "story", ["Ik heb nooit als lasser gewerkt.", "Ik ben geen lasser, ik was kok."]
)
def test_a_negated_job_is_not_a_past_job(client: TestClient, story: str) -> None:
    answer = match(client, text=story, limit=3)
    named = [i["concept"]["label"] for i in answer["profile"]["inputs"] if i["concept"]]
    assert "lasser" not in named


def test_a_job_the_normaliser_cannot_place_is_reported_not_guessed(client: TestClient) -> None:
    answer = match(client, text="Ik heb jaren als schoonheidsspecialiste gewerkt.")
    mention = answer["profile"]["inputs"][0]
    assert mention["given"] == "schoonheidsspecialiste" and mention["concept"] is None
    assert mention["confidence"] in ("laag", "geen") and mention["did_you_mean"]
    assert answer["matches"] == []
    assert "schoonheidsspecialiste" in answer["message"]


# -- 3. free labels: echoed, or refused with "did you mean" ------------------------------


@pytest.mark.parametrize(
    ("field", "label"), [("occupations", "xyzzy"), ("skills", "vliegen als superman")]
)
def test_an_unknown_free_label_is_a_422_with_did_you_mean(
    client: TestClient, field: str, label: str
) -> None:
    response = client.post(
        "/v1/match", json={field: ["lassen", label] if field == "skills" else [label]}
    )
    assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
    (error,) = response.json()["errors"]
    position = 1 if field == "skills" else 0
    assert error["field"] == f"body.{field}.{position}" and label in error["message"]
    assert len(error["did_you_mean"]) == 3 and all(d["label"] for d in error["did_you_mean"])
    # Unknown certificates are refused the same way (a field, a message).
    response = client.post(
        "/v1/match", json={"certificates": ["no-such-course"], "skills": ["lassen"]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.certificates"


def test_every_input_is_echoed_with_how_it_resolved(client: TestClient) -> None:
    answer = match(
        client,
        occupations=["heftruckchauffeur", KOK],
        skills=["lassen"],
        certificates=["vca-basis"],
        limit=1,
    )
    inputs = {(i["field"], i["given"]): i for i in answer["profile"]["inputs"]}
    assert inputs[("occupations", "heftruckchauffeur")]["method"] == "exact label"
    assert inputs[("occupations", KOK)]["method"] == "id"
    welding = inputs[("skills", "lassen")]
    assert welding["method"] == "normaliser" and welding["confidence"] in ("hoog", "middel")
    assert "lassen" in welding["concept"]["label"].lower()
    assert inputs[("certificates", "vca-basis")]["concept"]["id"] == "vca-basis"
    assert answer["profile"]["skills"] > 0


# -- 4. abstention: nothing fits is said, hidden labels are not shown --------------------


@pytest.mark.parametrize("text", ["xyzzy qwerty blorp", "Ik hou van mooie dingen."])
def test_a_story_with_nothing_to_match_abstains(client: TestClient, text: str) -> None:
    answer = match(client, text=text)
    assert answer["matches"] == [] and answer["profile"]["skills"] <= 1
    assert answer["profile"]["inputs"] == []
    assert "Beschrijf wat de cliënt deed" in answer["message"]


@pytest.mark.parametrize("query", ["xyzzy qwerty", "Medior developer Java", "tandarts"])
def test_search_and_normalise_say_no_match(client: TestClient, query: str) -> None:
    answer = client.get("/v1/occupations/search", params={"q": query}).json()
    assert answer["no_match"] is True and answer["results"][0]["confidence"] == "geen"
    normalised = client.post("/v1/job-titles/normalize", json={"titles": [query, "lasser"]})
    first, welder = normalised.json()["results"]
    assert first["no_match"] is True and welder["no_match"] is False
    assert welder["occupations"][0]["label"] == "lasser"
    assert welder["occupations"][0]["confidence"] == "hoog"
    if query != "tandarts":  # as-you-type, characters weigh half: "aarding" is near
        suggested = client.get("/v1/suggest", params={"q": query}).json()
        assert suggested["no_match"] is True and suggested["results"]


@pytest.mark.parametrize("query", ["elektricien", "loodgieter", "heftruck rijden"])
def test_real_labels_are_found_with_confidence(client: TestClient, query: str) -> None:
    kind = "skills" if "rijden" in query else "occupations"
    answer = client.get(f"/v1/{kind}/search", params={"q": query}).json()
    assert answer["no_match"] is False and answer["results"][0]["confidence"] == "hoog"


@pytest.mark.parametrize("query", ["apk keurmeester", "lootgieter", "electricien"])
def test_a_hidden_label_is_matched_but_never_shown(client: TestClient, query: str) -> None:
    top = client.get("/v1/occupations/search", params={"q": query}).json()["results"][0]
    assert top["matched_label"]["kind"] == "hidden"
    assert top["matched_label"]["text"] == top["label"]  # the preferred label stands in


# -- 5. extraction reads only what makes a claim -----------------------------------------


def extract(client: TestClient, text: str, **extra: Any) -> list[str]:
    response = client.post("/v1/skills/extract", json={"text": text, **extra})
    assert response.status_code == 200, response.text
    return [skill["label"] for skill in response.json()["skills"]]


def test_a_wish_yields_no_skill(client: TestClient) -> None:
    wish = "Ik wil nu graag zonnepanelen leggen."
    assert extract(client, wish) == []
    assert extract(client, wish, text_kind="plain")  # read whole, the wish would count


def test_a_vacancys_perks_yield_no_skill(client: TestClient) -> None:
    vacancy = (
        "Verzorgende IG gezocht\nWat ga je doen?\nJe verzorgt ouderen en deelt medicijnen uit.\n"
        "Wat bieden wij:\nEen e-bike van de zaak\nGoed salaris en 25 vakantiedagen\n"
    )
    as_vacancy = extract(client, vacancy, text_kind="vacancy")
    assert as_vacancy, "the tasks still name skills"
    assert not any("e-bike" in label for label in as_vacancy)
    assert any("e-bike" in label for label in extract(client, vacancy, text_kind="plain"))


def test_changing_forklift_batteries_is_no_evidence_for_apk(client: TestClient) -> None:
    answer = match(
        client,
        text="Ik heb vijf jaar op een heftruck gereden en verving de accu's als ze leeg waren.",
        limit=10,
    )
    evidence = {
        skill["label"]
        for found in answer["matches"]
        for skill in found["matched_skills"]
        if any(e["source"] == "text" and "accu" in e["detail"] for e in skill["evidence"])
    }
    assert evidence, "the batteries clause is evidence for something"
    assert not any("APK" in label for label in evidence)


# -- 6. one validation rule for every route ----------------------------------------------


def test_an_unknown_region_is_422_on_match_as_on_vacancy_search(client: TestClient) -> None:
    for path, body in [
        ("/v1/match", {"text": "Ik was kok.", "region": "Atlantis"}),
        ("/v1/vacancies/search", {"text": "elektricien", "region": "Atlantis"}),
    ]:
        response = client.post(path, json=body)
        assert response.status_code == 422, (path, response.text)
        assert [e["field"] for e in response.json()["errors"]] == ["body.region"]
        assert "Atlantis" in response.json()["errors"][0]["message"]
    # Both accept a province in any case and a postcode prefix.
    assert match(client, text="Ik was kok.", region="utrecht", limit=1)["matches"]
    assert match(client, text="Ik was kok.", region="35", limit=1)["matches"]


# -- the evaluations, as regression guards (figures measured in the README) -------------


def services(client: TestClient) -> Any:
    app: Any = client.app
    return app.state.live.current


def test_every_route_claim_is_true_on_the_default(client: TestClient) -> None:
    from service.evaluation import DEFAULT_CASES
    from service.evaluation.match import load_cases
    from service.evaluation.routes import evaluate_routes

    report = evaluate_routes(services(client).matcher, load_cases(DEFAULT_CASES))
    for part in ("cases", "transitions"):
        assert report[part]["claims"] > 100
        assert report[part]["precision"] == 1.0, report[part]["false"]


def test_honesty_cases_hold_on_the_default(client: TestClient) -> None:
    from service.evaluation import DEFAULT_CASES, HONESTY_CASES
    from service.evaluation.match import evaluate_splits, load_cases

    matcher = services(client).matcher
    honesty = evaluate_splits(matcher, load_cases(HONESTY_CASES))["all"]
    assert honesty["past_job_cases"] >= 10 and honesty["abstain_cases"] >= 8
    assert honesty["past_job_recognised_rate"] >= 0.95
    assert honesty["abstained_rate"] >= 0.9
    assert evaluate_splits(matcher, load_cases(DEFAULT_CASES))["all"]["answers_all_at_zero"] == 0


def test_search_abstains_on_nonsense_and_finds_real_labels(client: TestClient) -> None:
    from service.evaluation import NO_MATCH_QUERIES
    from service.evaluation.abstention import evaluate_abstention, load_queries

    report = evaluate_abstention(services(client).catalog, load_queries(NO_MATCH_QUERIES), 300)
    assert report["nonsense_and_off_domain"]["queries"] >= 100
    assert report["nonsense_and_off_domain"]["search_no_match"] >= 0.88
    assert report["nonsense"]["search_no_match"] >= 0.9
    for collection in ("occupations", "skills"):
        assert report["real_labels"][collection]["labels"] >= 100
        assert report["real_labels"][collection]["own_concept_hoog_or_middel"] >= 0.95
