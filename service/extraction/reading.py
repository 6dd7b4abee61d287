"""What part of a text may yield skills, by the kind of text.

A skill found in a text is a claim: "this person can", "this job asks". Only the part
of the text that makes such a claim may yield one:

- a **story** (a person's own words, a CV paragraph): not the wishes ("ik wil nu graag
  zonnepanelen leggen") and not what someone else did ("mijn vader was lasser");
  ``service.extraction.story`` finds those clauses; nor sentences in the employer's
  voice ("wij bieden", "je krijgt", "solliciteer"), which claim nothing about a person;
- a **vacancy**: not what the employer offers ("Wat bieden wij", "Arbeidsvoorwaarden",
  salary, lease car, "een e-bike van de zaak"), not who the employer is ("Over ons")
  and not how to apply ("Solliciteren", "stuur je cv"): a Verzorgende IG vacancy with
  an e-bike as a perk does not ask for repairing e-bikes. Such a section runs from its
  heading (a short line, not a bullet) to the next heading of any kind;
- **plain** text is read whole (benchmarks of single sentences).

The parts left out are blanked with spaces, so offsets into the result are offsets
into the original text.
"""

import re
from typing import Literal

from service.extraction.story import Story

TextKind = Literal["story", "vacancy", "plain"]
TEXT_KINDS: tuple[TextKind, ...] = ("story", "vacancy", "plain")

# Headings (lowercased, without trailing punctuation) that open a section about the
# employer's offer, the employer or applying: skipped up to the next other heading.
_SKIPPED_HEADING = re.compile(
    r"(wat (?:bieden|biedt) (?:wij|we|ons|jou|je)(?: jou| je)?|wat (?:krijg|mag) (?:je|jij)"
    r"(?: van ons| ervoor terug)?|wij bieden(?: jou| je)?|we bieden(?: jou| je)?|"
    r"dit bieden (?:wij|we)(?: jou| je)?|ons aanbod|het aanbod|onze belofte|"
    r"(?:secundaire )?arbeidsvoorwaarden|salaris|salaris en arbeidsvoorwaarden|beloning|"
    r"over ons|over de organisatie|over het bedrijf|wie (?:zijn|zijn) (?:wij|we)|"
    r"het bedrijf|de organisatie|bedrijfsprofiel|solliciteren|sollicitatie(?:procedure)?|"
    r"interesse|enthousiast geworden|meer informatie|vragen|contact|procedure|"
    r"what we offer|we offer|benefits|about us|how to apply)",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•·–]|\d+[.)])\s")
_HEADING_MAX = 60  # a heading is a short line: ending in ":" or "?", or a few words
_HEADING_WORDS = 4
# Employer's voice, which claims nothing about a person in a story either.
_OFFER = (
    r"\b(?:wij bieden|we bieden|je krijgt|jij krijgt|u krijgt|je komt te werken|"
    r"solliciteer|solliciteren|stuur (?:je|jouw|uw) (?:cv|motivatie|sollicitatie)|"
    r"neem (?:dan )?(?:gerust )?contact|heb je (?:nog )?vragen|"
    r"we offer|apply now|apply today|send (?:us )?your (?:cv|resume)|join our team)\b"
)
# In a vacancy also any sentence about pay or perks (a team to join and room to grow
# are perks too).
_PAY_AND_PERKS = (
    r"€|\beuro\b|\bsalaris\b|\bsalarisindicatie\b|\bbruto\b|\bper maand\b|\bcao\b|"
    r"\bvakantiedagen\b|\bvakantiegeld\b|\bpensioen(?:regeling)?\b|\breiskosten"
    r"(?:vergoeding)?\b|\bbonus\b|\b13e maand\b|\bdertiende maand\b|\blease-?auto\b|"
    r"\b(?:auto|bus|busje|bedrijfsauto|telefoon|laptop|fiets|e-bike|ebike|scooter) van de "
    r"zaak\b|\bfiets(?:plan|regeling)\b|\be-bike(?:plan| regeling)\b|\bopleidingsbudget\b|"
    r"\b(?:gezellig|hecht|leuk|enthousiast|fijn|jong|informeel)e? team\b|"
    r"\bpersoonlijke (?:groei|ontwikkeling)\b|\bdoorgroeimogelijkhe|\bopleidingsmogelijkhe|"
    r"\bruimte voor (?:groei|ontwikkeling|eigen initiatief)\b|"
    r"\bsalary\b|\bpension\b|\bcompany car\b"
)
_STORY_SKIP = re.compile(_OFFER, re.IGNORECASE)
_VACANCY_SKIP = re.compile(f"{_OFFER}|{_PAY_AND_PERKS}", re.IGNORECASE)


def readable(text: str, kind: TextKind) -> str:
    """``text`` with the parts that make no claim of a skill blanked (same length)."""
    if kind == "plain":
        return text
    if kind == "story":
        chars = list(Story.read(text).experience)
        _blank_sentences(text, chars, 0, _STORY_SKIP)
        return "".join(chars)
    chars = list(text)
    skipping = False
    offset = 0
    for line in text.splitlines(keepends=True):
        heading = _heading(line)
        if heading is not None:
            # A section ends at the next heading; it is skipped when its heading is
            # about the offer, the employer or applying.
            skipping = _SKIPPED_HEADING.fullmatch(heading) is not None
        if skipping:
            _blank(chars, offset, offset + len(line))
        else:
            _blank_sentences(line, chars, offset, _VACANCY_SKIP)
        offset += len(line)
    return "".join(chars)


def _heading(line: str) -> str | None:
    """The heading a line is (lowercased, trailing punctuation dropped), or None: a
    short line, not a bullet, ending in ":" or "?", or of a few words and not a
    sentence (no full stop)."""
    stripped = line.strip()
    if not stripped or len(stripped) > _HEADING_MAX or _BULLET.match(line):
        return None
    short = len(stripped.split()) <= _HEADING_WORDS and not stripped.endswith((".", "!", ","))
    if not (stripped.endswith((":", "?")) or short):
        return None
    return stripped.rstrip(":?!. ").lower()


def _blank_sentences(text: str, chars: list[str], offset: int, pattern: re.Pattern[str]) -> None:
    """Blank every sentence of ``text`` (at ``offset`` in ``chars``) ``pattern`` finds."""
    for sentence in re.finditer(r"[^.!?\n]+[.!?]?", text):
        if pattern.search(sentence.group()):
            _blank(chars, offset + sentence.start(), offset + sentence.end())


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if not chars[i].isspace():
            chars[i] = " "
