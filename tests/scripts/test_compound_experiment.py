"""The compound splitter of issue 20's lexical-channel experiment
(``scripts/compound_experiment.py``): the figures in docs/quality.md rest on it."""

import pytest

import indexes.lexical as lexical
from indexes.lexical import CharNgramIndex, char_ngrams
from scripts.compound_experiment import compounds_split, split_text, splitter

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


def test_the_patch_reaches_both_sides_of_the_lexical_channel_and_is_undone() -> None:
    """The figures compare two runs of one index: the fitted corpus and the queries must
    both see the split text, and nothing after the experiment may."""
    parts = splitter(WORDS)
    plain = lexical.fold
    edge = "n c"  # only "… vrachtwagen chauffeur" has it, not "vrachtwagenchauffeur"
    with compounds_split(parts):
        fitted = CharNgramIndex.build(["vrachtwagenchauffeur"])
        assert edge in fitted._vectorizer.vocabulary  # the corpus side, as fitted
        assert edge in char_ngrams("vrachtwagenchauffeur")
    assert lexical.fold is plain and edge not in char_ngrams("vrachtwagenchauffeur")
    with pytest.raises(RuntimeError), compounds_split(parts):
        raise RuntimeError("an evaluation failing half-way")
    assert lexical.fold is plain
