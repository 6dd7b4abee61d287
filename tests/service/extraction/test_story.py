"""Reading a story: experience, wishes, and clauses about someone else."""

from service.extraction.clauses import split_spans
from service.extraction.story import Story


def blanked(story: Story, word: str) -> bool:
    return word not in story.experience


def test_a_wish_runs_on_to_the_end_of_its_sentence() -> None:
    text = "Ik wil graag omscholen en automonteur worden. Ik was kok."
    story = Story.read(text)
    assert len(story.experience) == len(text)
    assert blanked(story, "automonteur") and not blanked(story, "kok")
    assert [w.text for w in story.positive_wishes] == [
        "Ik wil graag omscholen",
        "automonteur worden",
    ]


def test_a_negated_wish_blanks_but_its_positive_continuation_steers() -> None:
    story = Story.read("Ik wil geen kantoorbaan, maar bedrijfswagenmonteur worden.")
    assert blanked(story, "bedrijfswagenmonteur") and blanked(story, "kantoorbaan")
    assert [w.text for w in story.positive_wishes] == ["maar bedrijfswagenmonteur worden"]


def test_the_person_speaking_again_ends_a_wish() -> None:
    story = Story.read("Ik wil monteur worden en ik heb als lasser gewerkt.")
    assert blanked(story, "monteur") and not blanked(story, "lasser")


def test_someone_elses_job_is_not_the_persons() -> None:
    for text in (
        "Ik hielp vaak mijn vader, hij was cv-monteur.",
        "Ik werk in de schoonmaak, maar mijn vader was cv-monteur.",
    ):
        story = Story.read(text)
        assert blanked(story, "cv-monteur") and not story.wishes
    assert not blanked(Story.read("Ik werk in de schoonmaak."), "schoonmaak")
    # Someone else who was only there is not the subject: the work is the person's own.
    together = Story.read("Vorig jaar heb ik met mijn zwager zonnepanelen op ons dak gelegd.")
    assert not blanked(together, "zonnepanelen")


def test_long_whitespace_runs_split_correctly() -> None:
    # Blanked wishes leave long runs of spaces; the clause pattern must stay linear on
    # them (a quadratic one took seconds on 20,000 spaces) and still split correctly.
    text = "ik laste hekken" + " " * 20_000 + "en ik repareerde fietsen"
    spans = {span.text for span in split_spans(text)}
    assert {"ik laste hekken", "ik repareerde fietsen"} <= spans
    assert Story.read("wil " * 5_000).wishes
