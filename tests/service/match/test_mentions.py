"""Where a Dutch story names a job: the phrase, its offsets, and what is not a job."""

import pytest

from service.match.mentions import find_mentions


@pytest.mark.parametrize(
    ("text", "jobs"),
    [
        ("Ik heb tien jaar als kok gewerkt en wil graag de techniek in", [("kok", True)]),
        (
            "Ik werkte bij een bakkerij als verkoper, daarna als heftruckchauffeur bij AH.",
            [("verkoper", True), ("heftruckchauffeur", True)],
        ),
        ("ik werk als gecertificeerd lasser", [("gecertificeerd lasser", True)]),
        ("Kok van beroep, maar ik wil iets anders.", [("Kok", True)]),
        ("Ik was tien jaar smid.", [("smid", False)]),
        ("Ik ben al jaren boer in Drenthe", [("boer", False)]),
        ("Ik ben een chef in een restaurant", [("chef", False)]),
        ("Ik ben kok van beroep.", [("kok", True)]),  # not "ben kok"
        ("Ik was niet blij, maar ik werkte als kok.", [("kok", True)]),
    ],
)
def test_job_phrases_are_found_with_exact_offsets(text: str, jobs: list[tuple[str, bool]]) -> None:
    found = find_mentions(text)
    assert [(m.text, m.strong) for m in found] == jobs
    assert all(text[m.start : m.end] == m.text for m in found)


@pytest.mark.parametrize(
    "text",
    [
        "Als ik iets kapot zie, repareer ik het.",  # "als" as "if"
        "Ik heb als vrijwilliger bij de brandweer gewerkt.",  # a role, not a job
        "Dat doe ik als hobby.",
        "Zo snel als het kan.",
        "Ik heb nooit als lasser gewerkt.",  # negated
        "Ik ben geen lasser.",
        "Dat deed ik als\nLasser was mijn vader",  # a phrase ends at a new line
    ],
)
def test_als_that_names_no_job(text: str) -> None:
    assert find_mentions(text) == []


def test_a_weak_mention_is_marked_weak() -> None:
    # "ik ben blij" is found as a phrase but weak: the reader ignores it unless the
    # normaliser places it with confidence.
    assert [(m.text, m.strong) for m in find_mentions("Ik ben blij met mijn werk")] == [
        ("blij", False)
    ]
