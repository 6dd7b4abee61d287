"""When a story alone is too thin to rank occupations on (``Profile.too_thin``).

The story threshold on a large ontology is lower than the extract route's, so a story
finds weak mentions as well as claims; only claims may make a story count as a
background, or nonsense with two faint echoes of skill labels would get occupations.
"""

from service.extraction.story import Story
from service.match.profile import Profile, ProfileEvidence


def _profile(evidence: dict[str, list[ProfileEvidence]], claimed: set[str]) -> Profile:
    return Profile(
        story=Story.read("Ik heb gelast en gezaagd."),
        resolutions=[],
        past={},
        evidence=evidence,
        claimed=claimed,
    )


def _text(strength: float) -> list[ProfileEvidence]:
    return [ProfileEvidence("text", "gelast", strength, 7, 13)]


def test_weak_mentions_do_not_make_a_story_thick_enough() -> None:
    evidence = {"weld": _text(0.4), "saw": _text(0.3), "grind": _text(0.3)}
    assert _profile(evidence, claimed={"weld"}).too_thin(2)
    assert not _profile(evidence, claimed={"weld", "saw"}).too_thin(2)


def test_anything_besides_the_story_lifts_the_rule() -> None:
    evidence = {
        "weld": _text(0.9),
        "saw": [ProfileEvidence("occupation", "lasser", 1.0)],
    }
    profile = _profile(evidence, claimed={"weld"})
    assert not profile.story_only
    assert not profile.too_thin(2)


def test_an_empty_profile_is_too_thin() -> None:
    assert _profile({}, claimed=set()).too_thin(1)
