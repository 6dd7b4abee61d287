"""Job titles as vacancies write them are cleaned before linking; ESCO-style titles
are left alone."""

import pytest

from indexes.title_text import clean_title


@pytest.mark.parametrize(
    ("title", "cleaned"),
    [
        ("Servicemonteur (m/v/x)", "Servicemonteur"),
        ("Senior elektromonteur M/V", "elektromonteur"),
        ("Vacature: allround lasser (v/m) fulltime", "allround lasser"),
        ("Parttime verkoopmedewerker (24 uur per week)", "verkoopmedewerker"),
        ("Monteur cv 32-40 uur", "Monteur cv"),
        ("Elektricien (all genders)", "Elektricien"),
        ("Heftruckchauffeur 40 uur p/w", "Heftruckchauffeur"),
        ("administratief medewerker (h/v)", "administratief medewerker"),
    ],
)
def test_noise_is_removed(title: str, cleaned: str) -> None:
    assert clean_title(title) == cleaned


@pytest.mark.parametrize(
    "title",
    ["CNC-draaier", "monteur installaties", "Operator A/B", "Maître d'hôtel", "Leerkracht"],
)
def test_occupational_titles_are_kept(title: str) -> None:
    assert clean_title(title) == title


def test_a_title_that_is_only_noise_stays_as_it_was() -> None:
    assert clean_title("Junior") == "Junior"
    assert clean_title(" m/v ") == "m/v"
