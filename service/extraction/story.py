"""A person's story split into experience and wishes.

A wish ("ik wil monteur worden") is not experience: such clauses give no skills and
name no past occupation. A positive wish that names an occupation, or the head of Dutch
compound occupation names ("monteur" → bedrijfswagenmonteur, automonteur), steers the
ranking by ``MatchSettings.wish_bonus``; a negated one ("ik wil niet meer als kok
werken") only stops being evidence.
"""

import re
from dataclasses import dataclass

from service.extraction.clauses import Span, clauses_by_sentence

WISH = re.compile(
    r"\b(wil|willen|zou graag|zou ik graag|lijkt me|droom|ambitie|wens|liefst|op zoek naar"
    r"|want to"
    r"|would like)\b",
    re.IGNORECASE,
)
NEGATION = re.compile(r"\b(niet|geen|nooit|not|never|no longer)\b", re.IGNORECASE)
# Words of a wish clause that say nothing about which occupation is wished for.
WISH_FILLER = frozenset(
    [
        "worden",
        "werken",
        "zitten",
        "willen",
        "liefst",
        "graag",
        "later",
        "eigenlijk",
        "ambitie",
        "droom",
        "omscholen",
        "opleiding",
        "richting",
        "technisch",
        "techniek",
        "technische",
        "zoiets",
        "beroep",
        "baan",
        "functie",
        "vakman",
        "bedrijf",
        "eigen",
        "zaak",
        "would",
        "become",
    ]
)
MIN_WISH_WORD = 5
FIRST_PERSON = re.compile(r"\b(ik|I)\b")
# A clause whose subject is someone else ("mijn vader was cv-monteur", "hij werkte als
# lasser") is not the person's experience; "met mijn zwager heb ik panelen gelegd" is.
_OTHER = (
    r"(?:(?:mijn|m'n) (?:vader|moeder|pa|ma|broer|zus|zoon|dochter|oom|tante|opa|oma|man"
    r"|vrouw|partner|vriend|vriendin|buurman|buurvrouw|zwager|schoonvader)|hij|zij)"
)
_VERB = r"(?:was|is|werd|werkte|werkt|had|heeft|deed|doet)"
SOMEONE_ELSE = re.compile(
    rf"\b{_OTHER} {_VERB}\b|\bmy (?:father|mother|brother|sister|husband|wife|partner|friend)"
    r" (?:was|is|worked|works|had|has)\b|\b(?:he|she) (?:was|is|worked|works)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Story:
    """A story split into what the person did and what they wish for.

    ``experience`` is the text with wish clauses and clauses about someone else blanked
    out (same length, so offsets still point into the original)."""

    experience: str
    wishes: list[Span]

    @classmethod
    def read(cls, text: str | None) -> "Story":
        """Split ``text`` at clauses; clauses with a wish word are wishes."""
        if not text:
            return cls("", [])
        wishes: list[Span] = []
        others: list[Span] = []
        for clauses in clauses_by_sentence(text):
            # A wish or a clause about someone else runs on through the sentence's
            # following clauses until the person speaks again ("ik …"): in "Ik wil graag
            # omscholen en automonteur worden" the wished job is in the second clause.
            carried: list[Span] | None = None
            for clause in clauses:
                if WISH.search(clause.text):
                    carried = wishes
                elif SOMEONE_ELSE.search(clause.text):
                    carried = others
                elif carried is not None and FIRST_PERSON.search(clause.text):
                    carried = None
                if carried is not None:
                    carried.append(clause)
        chars = list(text)
        for clause in wishes + others:
            chars[clause.start : clause.end] = " " * (clause.end - clause.start)
        return cls("".join(chars), wishes)

    @property
    def positive_wishes(self) -> list[Span]:
        """Wishes that are not negated ("ik wil niet meer …")."""
        return [w for w in self.wishes if not NEGATION.search(w.text)]
