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


def test_a_vacancy_is_read_without_its_offer_employer_and_applying() -> None:
    from service.extraction.reading import readable

    text = (
        "Over ons\nWij zijn een installatiebedrijf.\nWat ga jij doen?\n"
        "Je installeert warmtepompen.\n- Interesse in techniek\nSalarisadministratie\n"
        "Wat bieden wij:\nEen e-bike van de zaak\nWat vragen we van jou?\n"
        "Je ontwerpt een suspension system.\nSolliciteren?\nStuur je cv naar Anna."
    )
    read = readable(text, "vacancy")
    assert len(read) == len(text)
    for kept in [
        "Je installeert warmtepompen.",
        "- Interesse in techniek",
        "Salarisadministratie",
        "Je ontwerpt een suspension system.",
    ]:
        assert kept in read
    for gone in ["installatiebedrijf", "e-bike", "Stuur je cv"]:
        assert gone not in read
    # A story keeps its own words about pay work; an employer's voice is not a claim.
    story = "Ik deed de salaris- en pensioenadministratie. Wij bieden een goed salaris."
    assert readable(story, "story").startswith("Ik deed de salaris- en pensioenadministratie.")
    assert "Wij bieden" not in readable(story, "story")
