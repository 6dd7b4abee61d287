"""What part of a text may yield skills, by the kind of text.

A skill found in a text is a claim: "this person can", "this job asks". Only the part
of the text that makes such a claim may yield one:

- a **story** (a person's own words, a CV paragraph): not the wishes ("ik wil nu graag
  zonnepanelen leggen") and not what someone else did ("mijn vader was lasser");
  ``service.extraction.story`` finds those clauses; nor sentences about pay and perks
  (below), which claim no skill in a story either;
- a **vacancy**: not what the employer offers ("Wat bieden wij", "Arbeidsvoorwaarden",
  salary, lease car, "een e-bike van de zaak"), not who the employer is ("Over ons")
  and not how to apply ("Solliciteren", "stuur je cv"): a Verzorgende IG vacancy with
  an e-bike as a perk does not ask for repairing e-bikes;
- **plain** text is read whole (benchmarks of single sentences).

The parts left out are blanked with spaces, so offsets into the result are offsets
into the original text.
"""

import re
from typing import Literal

from service.extraction.story import Story

TextKind = Literal["story", "vacancy", "plain"]
TEXT_KINDS: tuple[TextKind, ...] = ("story", "vacancy", "plain")

# A line that opens a section about the employer's offer, the employer or applying.
_SKIPPED_HEADING = re.compile(
    r"^\W*(wat (?:bieden|krijg|biedt|mag je|wij bieden)|wij bieden|we bieden|dit bieden|"
    r"ons aanbod|het aanbod|onze belofte|arbeidsvoorwaarden|secundaire arbeidsvoorwaarden|"
    r"salaris|beloning|over ons|over de organisatie|over het bedrijf|wie zijn wij|wie zijn we|"
    r"het bedrijf|de organisatie|bedrijfsprofiel|solliciteren|sollicitatie|interesse|"
    r"enthousiast geworden|meer informatie|vragen\b|contact|procedure|"
    r"what we offer|we offer|benefits|about us|how to apply)",
    re.IGNORECASE,
)
# A line that opens a section about the work or the person asked for: reading resumes.
_READ_HEADING = re.compile(
    r"^\W*(wat ga je doen|wat je gaat doen|jouw taken|je taken|taken|werkzaamheden|"
    r"functieomschrijving|de functie|over de functie|wat vragen wij|wat we vragen|"
    r"wie zoeken wij|wie zoeken we|wat breng je mee|jouw profiel|je profiel|profiel|"
    r"functie-eisen|functie eisen|vereisten|wij vragen|we vragen|"
    r"what you will do|responsibilities|requirements|your profile)",
    re.IGNORECASE,
)
# A sentence anywhere that is about pay or perks (a team to join and room to grow are
# perks too), or about applying.
_PERK = re.compile(
    r"\b(solliciteer|solliciteren|stuur (?:je|jouw|uw) (?:cv|motivatie|sollicitatie)|"
    r"neem (?:dan )?(?:gerust )?contact|heb je (?:nog )?vragen|apply now|apply today|"
    r"send (?:us )?your (?:cv|resume)|join our team)|"
    r"(€|\beuro\b|\bsalaris\b|salarisindicatie|\bbruto\b|per maand|\bcao\b|vakantiedagen|"
    r"vakantiegeld|\bpensioen(?:regeling)?\b|reiskosten|\bbonus\b|13e maand|dertiende maand|"
    r"leaseauto|lease-auto|"
    r"\b(?:auto|bus|busje|bedrijfsauto|telefoon|laptop|fiets|e-bike|ebike|scooter)"
    r" van de zaak|"
    r"\bfiets(?:plan|regeling)|e-bike(?:plan| regeling)|opleidingsbudget|"
    r"\b(?:gezellig|hecht|leuk|enthousiast|fijn|jong|informeel)e? team\b|"
    r"persoonlijke (?:groei|ontwikkeling)|doorgroeimogelijkhe|opleidingsmogelijkhe|"
    r"ruimte voor (?:groei|ontwikkeling|eigen initiatief)|"
    r"\bsalary\b|pension|company car|holidays?\b.*\bdays)",
    re.IGNORECASE,
)
_HEADING_MAX = 60  # a heading is a short line: a few words, or ending in ":" or "?"
_HEADING_WORDS = 4


def readable(text: str, kind: TextKind) -> str:
    """``text`` with the parts that make no claim of a skill blanked (same length)."""
    if kind == "plain":
        return text
    if kind == "story":
        chars = list(Story.read(text).experience)
        _blank_perks(text, chars, 0)
        return "".join(chars)
    chars = list(text)
    skipping = False
    offset = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        short = 0 < len(stripped) <= _HEADING_MAX and (
            stripped.endswith((":", "?", "!")) or len(stripped.split()) <= _HEADING_WORDS
        )
        if short and _READ_HEADING.match(stripped):
            skipping = False
        elif short and _SKIPPED_HEADING.match(stripped):
            skipping = True
        if skipping:
            _blank(chars, offset, offset + len(line))
        else:
            _blank_perks(line, chars, offset)
        offset += len(line)
    return "".join(chars)


def _blank_perks(text: str, chars: list[str], offset: int) -> None:
    """Blank every sentence of ``text`` (at ``offset`` in ``chars``) about pay, perks
    or applying."""
    for sentence in re.finditer(r"[^.!?\n]+[.!?]?", text):
        if _PERK.search(sentence.group()):
            _blank(chars, offset + sentence.start(), offset + sentence.end())


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if not chars[i].isspace():
            chars[i] = " "
