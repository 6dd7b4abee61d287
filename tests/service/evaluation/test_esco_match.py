"""The side-entrant match on the full ESCO v1.1.1 with Dutch labels, the HKS 2015
qualifications and the default's certificates laid over it (issue 5's done-when).

Slow on a cold machine: the first run embeds about 168,000 labels (about 10 minutes on
two cores). Set ``OVERSTAP_TEST_CACHE_DIR`` to keep the embedding cache and the
materialised model between runs (``.ci/run`` does); the cache is content-addressed
(model, prefix, text), so a kept cache can never serve a stale vector.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ontology.default import DEFAULT_DATA
from ontology.importers.certificates import import_certificates
from ontology.importers.esco import Dangling, EscoImporter
from ontology.importers.links import UnknownSkills
from ontology.importers.qualifications import import_qualifications
from ontology.store import Store
from ontology.writer import OntologyWriter
from service.api.app import create_app
from service.settings import Settings
from tests.support.paths import SHARED_DATA, needs_shared_data

pytestmark = [needs_shared_data, pytest.mark.realdata, pytest.mark.slow]

STORY = (
    "Ik heb twaalf jaar als vrachtwagenchauffeur gewerkt, deed zelf kleine reparaties aan "
    "de truck en wil monteur worden"
)
MOTOR_VEHICLE_MECHANICS = "7231"  # ISCO-08: motor vehicle mechanics and repairers


def _keep(data_dir: Path) -> None:
    """Share the embedding cache and the materialised model across runs, if asked."""
    kept = os.environ.get("OVERSTAP_TEST_CACHE_DIR")
    if not kept:
        return
    for part in ("cache", "models"):
        target = Path(kept) / part
        target.mkdir(parents=True, exist_ok=True)
        (data_dir / part).symlink_to(target, target_is_directory=True)


@pytest.fixture(scope="module")
def esco(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    data_dir = tmp_path_factory.mktemp("esco") / "var"
    data_dir.mkdir()
    _keep(data_dir)
    settings = Settings(data_dir=data_dir, threads=None, load_default=False)
    store = Store(settings.resolved_database_url)
    try:
        with store.transaction() as conn:
            writer = OntologyWriter(conn)
            EscoImporter(writer, dangling=Dangling.OBSOLETE).run(
                [SHARED_DATA / "esco-v1.1.1-en", SHARED_DATA / "esco-v1.1-nl-collections"]
            )
            import_qualifications(
                writer,
                SHARED_DATA / "mbo-kwalificaties-hks2015" / "kwalificaties_hks_2015-2016.csv",
            )
            import_certificates(
                writer,
                DEFAULT_DATA / "certificates.csv",
                version="2026.11",
                unknown_skills=UnknownSkills.SKIP,
            )
    finally:
        store.close()
    with TestClient(create_app(settings)) as client:
        yield client


def isco_of(client: TestClient, occupation_id: str) -> str:
    response = client.get(f"/v1/occupations/{occupation_id}")
    assert response.status_code == 200, response.text
    group: str = response.json()["isco_group"] or ""
    return group


def test_headline_story_on_full_esco(esco: TestClient) -> None:
    response = esco.post("/v1/match", json={"text": STORY, "limit": 5})
    assert response.status_code == 200, response.text
    matches = response.json()["matches"]
    top3 = matches[:3]
    # Motor vehicle mechanics on top (ESCO has no separate truck mechanic).
    assert all(isco_of(esco, m["occupation"]["id"]).endswith(MOTOR_VEHICLE_MECHANICS) for m in top3)
    for match in top3:
        spans = [
            e
            for skill in match["matched_skills"]
            for e in skill["evidence"]
            if e["source"] == "text"
        ]
        # The repairs clause is the person's own words, not the inferred driving job.
        assert any(STORY[e["start"] : e["end"]] == e["detail"] for e in spans)
        assert any("reparaties" in e["detail"] for e in spans)
        assert match["missing_skills"]["essential"]
    routes = [m["training_route"] for m in top3]
    assert any(route["steps"] for route in routes)
    for route in routes:
        assert route["total_hours"] == sum(step["hours"] for step in route["steps"])
        assert all(step["hours"] > 0 and step["covers"] for step in route["steps"])
    technician = next(m for m in top3 if m["occupation"]["label"] == "automonteur")
    long_route = technician["training_route"]["long_route"]
    assert long_route["confidence"] == "hoog"
    assert "Autotechnicus" in [q["label"] for q in long_route["qualifications"]]


def test_esco_cases(esco: TestClient) -> None:
    """The ESCO cases as a regression guard; measured figures are in docs/quality.md."""
    from service.evaluation import ESCO_CASES
    from service.evaluation.match import evaluate_splits, load_cases

    app: Any = esco.app
    report = evaluate_splits(app.state.live.current.matcher, load_cases(ESCO_CASES))
    every = report["all"]
    assert every["cases"] >= 80
    # Issue 20's targets on the test split (reported 2026-12-04: top-1 0.512, top-5
    # 0.756 with the story fit and the large-ontology story margin; 0.122 / 0.415
    # without either), floors a few cases under.
    assert report["test"]["top5_hit_rate"] >= 0.70
    assert report["test"]["top1_hit_rate"] >= 0.44
    assert every["top5_hit_rate"] >= 0.70
    assert every["unwanted_in_top3_rate"] <= 0.05
    assert every["answers_all_at_zero"] == 0
    # Routes claim only what a training teaches (issue 19): the default's certificates
    # teach 51 ESCO skills, so fewer suggestions have a short route than when similar
    # skills counted (0.92).
    assert every["suggestions_with_training_route"] >= 0.25
    assert "chauffeur-truck-monteur" not in {miss["id"] for miss in every["misses"]}


def test_esco_route_claims_are_true(esco: TestClient) -> None:
    from service.evaluation import ESCO_CASES
    from service.evaluation.match import load_cases
    from service.evaluation.routes import evaluate_routes

    app: Any = esco.app
    report = evaluate_routes(app.state.live.current.matcher, load_cases(ESCO_CASES), 60)
    assert report["all"]["claims"] > 50
    assert report["all"]["precision"] == 1.0, report["all"]["false"]


def test_esco_honesty_and_abstention(esco: TestClient) -> None:
    from service.evaluation import CASES_DIR, NO_MATCH_QUERIES
    from service.evaluation.abstention import evaluate_abstention, load_queries
    from service.evaluation.match import evaluate_splits, load_cases

    app: Any = esco.app
    current = app.state.live.current
    honesty = evaluate_splits(current.matcher, load_cases(CASES_DIR / "honesty_esco.yaml"))
    assert honesty["all"]["past_job_recognised_rate"] >= 0.9  # kok, chef, smid, boer …
    assert honesty["all"]["abstained_rate"] == 1.0
    report = evaluate_abstention(current.catalog, load_queries(NO_MATCH_QUERIES), 300)
    assert report["nonsense"]["search_no_match"] >= 0.9
    for collection in ("occupations", "skills"):
        assert report["real_labels"][collection]["own_concept_hoog_or_middel"] >= 0.95
