"""The compound splitter of issue 20's lexical-channel experiment
(``scripts/compound_experiment.py``): the figures in docs/quality.md rest on it."""

from scripts.compound_experiment import split_text, splitter

WORDS = frozenset({"vrachtwagen", "chauffeur", "veiligheid", "coordinator", "monteur", "kok"})


def test_a_compound_of_known_words_gets_its_parts_appended() -> None:
    parts = splitter(WORDS)
    assert split_text("Vrachtwagenchauffeur", parts) == "vrachtwagenchauffeur vrachtwagen chauffeur"
    # The Dutch linking "s" between parts, and accents folded as the lexical channel does.
    assert (
        split_text("Veiligheidscoördinator", parts)
        == "veiligheidscoordinator veiligheid coordinator"
    )


def test_words_that_are_not_compounds_of_known_words_stay_as_they_are() -> None:
    parts = splitter(WORDS)
    assert split_text("kok", parts) == "kok"  # too short to split
    assert split_text("chauffeur", parts) == "chauffeur"  # a known word, not two
    assert split_text("metselaarshulp", parts) == "metselaarshulp"  # parts unknown
