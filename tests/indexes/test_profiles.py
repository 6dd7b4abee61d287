"""Occupation profiles: the text each occupation is embedded by, the z-scores the
match reads them with, and the files a snapshot keeps them in."""

from pathlib import Path

import numpy as np
import pytest

from indexes.profiles import MAX_CHARS, OccupationProfiles, profile_text


def test_profile_text_prefers_dutch_and_falls_back_to_english() -> None:
    assert (
        profile_text({"nl": "lasser", "en": "welder"}, {"en": "Welders join metal."})
        == "lasser: Welders join metal."
    )
    assert profile_text({"en": "welder"}, {}) == "welder"
    assert profile_text({}, {}) is None
    long = profile_text({"nl": "lasser"}, {"nl": "lassen " * 200})
    assert long is not None and len(long) == MAX_CHARS


def _profiles() -> OccupationProfiles:
    vectors = np.array([[1, 0], [0.8, 0.6], [0, 1], [-1, 0]], dtype=np.float32)
    return OccupationProfiles(["a", "b", "c", "d"], vectors)


def test_standardised_is_a_z_score_over_all_occupations() -> None:
    scores = _profiles().standardised(np.array([1, 0], dtype=np.float32))
    values = np.array(list(scores.values()))
    assert values.mean() == pytest.approx(0, abs=1e-6)
    assert values.std() == pytest.approx(1, abs=1e-5)
    assert sorted(scores, key=lambda uri: -scores[uri]) == ["a", "b", "c", "d"]
    assert (
        OccupationProfiles([], np.zeros((0, 2), dtype=np.float32)).standardised(
            np.array([1, 0], dtype=np.float32)
        )
        == {}
    )


def test_vectors_and_uris_must_agree() -> None:
    with pytest.raises(ValueError, match="2 occupation URIs"):
        OccupationProfiles(["a", "b"], np.zeros((3, 2), dtype=np.float32))


def test_an_empty_set_survives_save_and_load(tmp_path: Path) -> None:
    OccupationProfiles([], np.zeros((0, 4), dtype=np.float32)).save(tmp_path / "empty")
    loaded = OccupationProfiles.load(tmp_path / "empty")
    assert len(loaded) == 0 and loaded.standardised(np.ones(4, dtype=np.float32)) == {}


def test_profiles_survive_save_and_load(tmp_path: Path) -> None:
    profiles = _profiles()
    written = profiles.save(tmp_path / "profiles")
    assert all(path.is_file() for path in written)
    loaded = OccupationProfiles.load(tmp_path / "profiles")
    assert loaded.uris == profiles.uris
    np.testing.assert_array_equal(np.asarray(loaded.vectors), profiles.vectors)
