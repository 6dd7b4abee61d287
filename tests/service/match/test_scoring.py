"""The match core on a hand-made ontology where every answer is known exactly."""

import math

import numpy as np
import pytest

from models.vocabulary import ConceptKind
from ontology.queries import Requirement, TrainingView
from service.match.scoring import (
    STORY_FIT_LARGE,
    STORY_THRESHOLD_LARGE,
    MatchModel,
    MatchSettings,
)


def unit(angle_degrees: float) -> np.ndarray:
    """A 2-d unit vector; cos(a - b) is then the similarity of two of them."""
    radians = math.radians(angle_degrees)
    return np.array([math.cos(radians), math.sin(radians)], dtype=np.float32)


# cos(27.13°) = 0.89: halfway between floor 0.85 and full 0.93 → credit 0.5
HALF = math.degrees(math.acos(0.89))
VECTORS = {
    "pipes-gas-water": unit(0),
    "pipes-mount": unit(HALF),  # 0.89 to pipes-gas-water
    "drive-truck": unit(90),
    "teamwork": unit(180),
    "weld": unit(270),
    "read-drawings": unit(135),
}
REQUIREMENTS = {
    "installer": [
        Requirement("pipes-mount", "essential", 1.0),
        Requirement("read-drawings", "essential", 1.0),
        Requirement("teamwork", "essential", 1.0),
        Requirement("weld", "optional", 0.5),
    ],
    "welder": [
        Requirement("weld", "essential", 1.0),
        Requirement("read-drawings", "essential", 1.0),
        Requirement("teamwork", "essential", 1.0),
    ],
    "driver": [
        Requirement("drive-truck", "essential", 1.0),
        Requirement("teamwork", "essential", 1.0),
    ],
}


def training(uri: str, hours: int, skills: list[str]) -> TrainingView:
    return TrainingView(
        uri, uri, ConceptKind.CERTIFICATE, hours, None, None, None, None, None, skills
    )


TRAININGS = [
    training("drawings-course", 40, ["read-drawings"]),
    training("pipes-course", 80, ["pipes-mount"]),
    training("big-course", 200, ["pipes-mount", "read-drawings", "weld"]),
    training("cooking-course", 10, ["drive-truck"]),  # covers nothing an installer needs
]


@pytest.fixture
def model() -> MatchModel:
    return MatchModel(REQUIREMENTS, VECTORS, TRAININGS, MatchSettings())


def test_semantic_similarity_gives_partial_credit(model: MatchModel) -> None:
    covers = model.cover({"pipes-gas-water": 1.0}, ["pipes-mount", "weld"])
    assert covers["pipes-mount"].credit == pytest.approx(0.5, abs=1e-3)
    assert covers["pipes-mount"].via == "pipes-gas-water"
    assert covers["weld"].credit == 0.0  # orthogonal: no credit


def test_transversal_skills_weigh_least(model: MatchModel) -> None:
    # teamwork is needed by every occupation: the floor weight; weld by two of three.
    assert model.specificity["teamwork"] == pytest.approx(0.1)
    assert model.specificity["drive-truck"] == pytest.approx(1.0)
    teamwork_only = model.assess("installer", {"teamwork": 1.0})
    assert teamwork_only.score < 0.1  # a shared soft skill cannot carry the match


def test_fully_covered_occupation_has_no_gap_and_no_route(model: MatchModel) -> None:
    profile = {"drive-truck": 1.0, "teamwork": 1.0}
    driver = model.assess("driver", profile)
    assert driver.score == pytest.approx(0.8)  # essential 1.0 · 0.8; no optional skills
    assert driver.essential_coverage == pytest.approx(1.0)
    assert driver.missing_essential == []
    route = model.route(driver.missing_essential)
    assert route.steps == [] and route.uncovered == [] and route.total_hours == 0


def test_gap_ordered_by_importance_and_route_is_cheapest_cover(model: MatchModel) -> None:
    assessment = model.assess("installer", {"teamwork": 1.0})
    missing = [skill for skill, _ in assessment.missing_essential]
    assert set(missing) == {"pipes-mount", "read-drawings"}
    route = model.route(assessment.missing_essential)
    # Two small courses (120 h) beat the big one (200 h) per hour of study.
    assert {step.training for step in route.steps} == {"drawings-course", "pipes-course"}
    assert route.total_hours == 120 and route.uncovered == []
    assert all(step.training != "cooking-course" for step in route.steps)


def test_hours_limit_is_respected_and_the_rest_is_listed(model: MatchModel) -> None:
    assessment = model.assess("installer", {"teamwork": 1.0})
    route = model.route(assessment.missing_essential, max_hours=50)
    assert [step.training for step in route.steps] == ["drawings-course"]
    assert route.total_hours <= 50
    assert route.uncovered == ["pipes-mount"]


def test_a_long_course_for_one_skill_is_left_to_the_long_route(model: MatchModel) -> None:
    # big-course closes only weld here: 200 hours for one skill > 80 hours per skill.
    route = model.route([("weld", 1.0)])
    assert route.steps == [] and route.uncovered == ["weld"]
    generous = MatchModel(REQUIREMENTS, VECTORS, TRAININGS, MatchSettings(max_hours_per_skill=250))
    assert [step.training for step in generous.route([("weld", 1.0)]).steps] == ["big-course"]
    # After the two small courses, big-course would close weld alone: left out.
    three = [("weld", 1.0), ("pipes-mount", 1.0), ("read-drawings", 1.0)]
    route = model.route(three)
    assert {step.training for step in route.steps} == {"drawings-course", "pipes-course"}
    assert route.uncovered == ["weld"]
    # Alone, it closes all three at 67 hours per skill and is proposed.
    only_big = MatchModel(REQUIREMENTS, VECTORS, TRAININGS[2:3], MatchSettings())
    assert [step.training for step in only_big.route(three).steps] == ["big-course"]


def test_a_useless_certificate_is_never_proposed(model: MatchModel) -> None:
    assert all(step.training != "cooking-course" for step in model.route([("weld", 1.0)]).steps)
    assert model.route([("unknown-skill", 1.0)]).steps == []
    assert model.route([("unknown-skill", 1.0)]).uncovered == ["unknown-skill"]


def test_related_occupation_ranks_above_unrelated(model: MatchModel) -> None:
    person = {"pipes-gas-water": 1.0, "read-drawings": 1.0, "teamwork": 1.0}
    scores = {occ: model.assess(occ, person).score for occ in REQUIREMENTS}
    assert scores["installer"] > scores["welder"] > scores["driver"]
    assert model.assess("installer", person) == model.assess("installer", person)  # determinism


def test_a_training_never_closes_a_skill_it_only_resembles() -> None:
    # pipes-gas-water is 0.89 to pipes-mount: enough to credit a *person* half, but a
    # course that teaches pipes-gas-water does not teach pipes-mount (issue 19).
    course = training("gas-course", 20, ["pipes-gas-water"])
    model = MatchModel(REQUIREMENTS, VECTORS, [course], MatchSettings())
    assert model.cover({"pipes-gas-water": 1.0}, ["pipes-mount"])["pipes-mount"].credit > 0.4
    route = model.route([("pipes-mount", 1.0)])
    assert route.steps == [] and route.uncovered == ["pipes-mount"]


def test_a_training_closes_hierarchy_neighbours_and_says_how() -> None:
    # weld has a narrower skill weld-mig and a broader metalwork; read-drawings none.
    hierarchy = {"weld-mig": ["weld"], "weld": ["metalwork"]}
    courses = [
        training("mig-course", 20, ["weld-mig"]),
        training("drawings-course", 20, ["read-drawings"]),
    ]
    model = MatchModel(REQUIREMENTS, VECTORS, courses, MatchSettings(), hierarchy)
    route = model.route([("weld", 1.0), ("read-drawings", 0.5), ("metalwork", 0.2)])
    claims = {(c.skill, c.how, c.taught) for step in route.steps for c in step.closes}
    assert claims == {
        ("read-drawings", "exact", "read-drawings"),
        ("weld", "narrower", "weld-mig"),  # taught: a narrower skill of weld
    }
    assert route.uncovered == ["metalwork"]  # two steps up from weld-mig: not claimed
    # One step only: weld-mig is two steps below metalwork and does not close it.
    assert model.closes(["weld-mig"], {"metalwork"}) == {}
    assert model.closes(["metalwork"], {"weld"})["weld"].how == "broader"
    # The exact claim wins over a hierarchy claim for the same skill.
    assert model.closes(["weld", "weld-mig"], {"weld"})["weld"].how == "exact"


def test_assess_many_equals_one_by_one(model: MatchModel) -> None:
    person = {"pipes-gas-water": 0.7, "read-drawings": 1.0, "teamwork": 0.5}
    occupations = sorted(REQUIREMENTS)
    together = model.assess_many(occupations, person, {"welder": 1.0})
    alone = [model.assess(o, person, 1.0 if o == "welder" else 0.0) for o in occupations]
    assert together == alone
    assert [a.wish for a in together] == [0.1 if o == "welder" else 0.0 for o in occupations]


def test_cover_tolerates_repeated_required_skills(model: MatchModel) -> None:
    covers = model.cover({"pipes-gas-water": 1.0}, ["pipes-mount", "pipes-mount", "weld"])
    assert set(covers) == {"pipes-mount", "weld"}
    assert covers["pipes-mount"].credit == pytest.approx(0.5, abs=1e-3)


def test_evaluate_splits_keeps_the_all_report() -> None:
    from types import SimpleNamespace

    from service.evaluation.match import evaluate_splits

    class NoMatches:
        def match(self, request: object) -> object:
            return SimpleNamespace(results=[], profile=SimpleNamespace(past={}))

    cases = [{"id": "a", "good_moves": ["x"]}, {"id": "b", "split": "dev", "good_moves": ["x"]}]
    report = evaluate_splits(NoMatches(), cases)  # type: ignore[arg-type]
    assert report["all"]["cases"] == 2 and report["dev"]["cases"] == 1
    assert set(report) == {"all", "dev"}


def test_story_fit_is_a_bounded_score_part() -> None:
    model = MatchModel(REQUIREMENTS, VECTORS, TRAININGS, MatchSettings(story_fit_weight=0.5))
    assert model.story_fit(-1.0) == 0.0  # no closer than the average occupation
    assert model.story_fit(1.5) == pytest.approx(0.25)  # halfway to full at z = 3
    assert model.story_fit(9.0) == pytest.approx(0.5)  # capped at the weight
    plain = model.assess("installer", {"pipes-gas-water": 1.0})
    fitted = model.assess("installer", {"pipes-gas-water": 1.0}, fit=0.25)
    assert fitted.story_fit == 0.25
    assert fitted.score == pytest.approx(plain.score + 0.25)
    assert fitted.essential_coverage == plain.essential_coverage  # coverage unchanged
    many = model.assess_many(["installer", "welder"], {"pipes-gas-water": 1.0}, {}, {"welder": 0.1})
    assert [a.story_fit for a in many] == [0.0, 0.1]


def test_story_fit_weight_follows_the_ontology_unless_set() -> None:
    assert MatchSettings().for_ontology(60).story_fit_weight == 0.0  # the embedded default
    assert MatchSettings().for_ontology(3_007).story_fit_weight == STORY_FIT_LARGE  # ESCO
    assert MatchSettings(story_fit_weight=0.2).for_ontology(60).story_fit_weight == 0.2
    # The story margin likewise: the extractor's default on a small ontology (None), the
    # lower large-ontology margin on ESCO, and what was set wherever it was set.
    assert MatchSettings().for_ontology(60).story_threshold is None
    assert MatchSettings().for_ontology(3_007).story_threshold == STORY_THRESHOLD_LARGE
    assert MatchSettings(story_threshold=0.05).for_ontology(3_007).story_threshold == 0.05
    off = MatchModel(REQUIREMENTS, VECTORS, TRAININGS, MatchSettings(story_fit_weight=0.0))
    assert off.story_fit(5.0) == 0.0
