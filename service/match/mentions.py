"""Where a Dutch story names a job the person had: the phrase after "als" ("ik heb tien
jaar als kok gewerkt", "bij een bakkerij als verkoper"), after "ik ben/was" ("ik was
kok"), or before "van beroep" ("kok van beroep").

Only the phrase is found here, with its offsets; what it means is the title
normaliser's business (``service.match.profile``), so "kok", "chef" or "smid" are found
whatever their length. A word list cannot know every job, so the phrase ends at the
first word that cannot be part of a job title (a verb, a preposition, a time word)
and at most four words in. "als" as a conjunction ("als ik iets zie") or for a
role that is not a job ("als vrijwilliger", "als hobby") names nothing.
"""

import re
from dataclasses import dataclass
from itertools import islice

MAX_WORDS = 4
# "als" followed by one of these is a conjunction or a comparison, not a job.
NOT_AFTER_ALS = frozenset(
    [
        "ik",
        "je",
        "jij",
        "u",
        "we",
        "wij",
        "ze",
        "zij",
        "hij",
        "het",
        "de",
        "dat",
        "die",
        "dit",
        "deze",
        "er",
        "men",
        "mijn",
        "m'n",
        "onze",
        "iets",
        "iemand",
        "alles",
        "niets",
        "eerste",
        "laatste",
        "volgt",
        "gevolg",
        "zodanig",
        "zo",
        "goed",
        "wel",
        "ook",
    ]
)
# Roles that say how, not what, someone worked.
NOT_A_JOB = frozenset(
    [
        "hobby",
        "vrijwilliger",
        "vrijwilligster",
        "bijbaan",
        "bijbaantje",
        "uitzendkracht",
        "oproepkracht",
        "vakantiekracht",
        "invalkracht",
        "invaller",
        "stagiair",
        "stagiaire",
        "student",
        "leerling",
        "zzp'er",
        "zzper",
        "zelfstandige",
        "parttimer",
        "freelancer",
        "ondernemer",
        "eigenaar",
        "werknemer",
        "medewerkster",
        "hulp",
        "hulpje",
        "kind",
        "tiener",
        "jongen",
        "meisje",
        "vader",
        "moeder",
        "mantelzorger",
    ]
)
# Words that end a job phrase: verbs, prepositions, conjunctions, time words.
STOP = frozenset(
    [
        "gewerkt",
        "werkzaam",
        "geweest",
        "gedaan",
        "begonnen",
        "gestart",
        "actief",
        "gedraaid",
        "gereden",
        "gezeten",
        "gestaan",
        "werk",
        "werkte",
        "werkten",
        "werken",
        "heb",
        "had",
        "hebben",
        "ben",
        "was",
        "waren",
        "is",
        "zijn",
        "werd",
        "wordt",
        "en",
        "of",
        "maar",
        "bij",
        "in",
        "op",
        "aan",
        "voor",
        "met",
        "van",
        "naar",
        "om",
        "tot",
        "door",
        "want",
        "dus",
        "toen",
        "sinds",
        "tijdens",
        "daarna",
        "daarvoor",
        "nu",
        "al",
        "ook",
        "nog",
        "jaar",
        "jaren",
        "maand",
        "maanden",
        "week",
        "weken",
        "lang",
        "dat",
        "die",
        "waar",
        "waarbij",
        "te",
        "ik",
        "je",
        "jij",
        "hij",
        "zij",
        "ze",
        "we",
        "wij",
        "u",
        "men",
        "mijn",
        "m'n",
        "the",
        "and",
        "at",
        "for",
        "in",
        "as",
        "a",
        "an",
    ]
)
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
_ALS = re.compile(r"\bals\b", re.IGNORECASE)
_IK_BEN = re.compile(
    r"\bik\s+(?:ben|was|werd)\s+(?:al\s+)?(?:(?:\w+\s+)?jaa?r(?:en)?\s+)?(?:een\s+)?", re.I
)
_VAN_BEROEP = re.compile(r"\b([\w'’-]+(?:[ \t]+[\w'’-]+)?)[ \t]+van[ \t]+beroep\b", re.IGNORECASE)
# "Ik heb nooit als lasser gewerkt", "ik ben geen lasser": no job the person had.
_NEGATION = re.compile(r"\b(?:niet|geen|nooit|never|not|no)\b", re.IGNORECASE)
_NEGATION_WORDS = 4  # how far back a negation reaches within its sentence


@dataclass(frozen=True)
class Mention:
    """A phrase that names a job the person had; ``strong``: found after "als" or
    before "van beroep" (a mention the normaliser cannot place is reported), weak
    after "ik ben/was" (ignored unless placed: "ik was blij" names no job)."""

    text: str
    start: int
    end: int
    strong: bool


def _phrase_after(text: str, offset: int, skip: frozenset[str]) -> tuple[int, int] | None:
    """The job phrase that starts at ``offset``: words up to the first stop word."""
    chosen: list[re.Match[str]] = []
    for word in islice(_WORD.finditer(text, offset), MAX_WORDS):
        lower = word.group().lower()
        gap = text[(chosen[-1].end() if chosen else offset) : word.start()]
        if gap.strip() or "\n" in gap:  # punctuation or a new line: the phrase has ended
            break
        if lower in STOP or (chosen and lower.startswith("ge") and lower.endswith(("d", "t"))):
            break
        if not chosen and (lower in skip or lower.isdigit()):
            return None
        chosen.append(word)
    if not chosen or chosen[0].group().lower() in NOT_A_JOB:
        return None
    return chosen[0].start(), chosen[-1].end()


def negated(text: str, start: int) -> bool:
    """A negation within a few words before ``start`` in the same sentence ("nooit
    als lasser", "geen lasser"): what follows is not a job the person had."""
    sentence = re.split(r"[.!?;\n]", text[:start])[-1]
    words = sentence.split()[-_NEGATION_WORDS:]
    return any(_NEGATION.fullmatch(w.strip(",:")) for w in words)


def find_mentions(text: str) -> list[Mention]:
    """Job phrases of ``text`` in text order (``text[m.start:m.end] == m.text``);
    negated ones ("ik heb nooit als lasser gewerkt") are left out."""
    found: dict[tuple[int, int], Mention] = {}
    for match in _ALS.finditer(text):
        span = _phrase_after(text, match.end(), NOT_AFTER_ALS)
        if span:
            found[span] = Mention(text[span[0] : span[1]], *span, strong=True)
    for match in _VAN_BEROEP.finditer(text):
        # The words before "van beroep", without a verb or pronoun in front ("ik ben").
        words = list(_WORD.finditer(match.group(1)))
        while words and words[0].group().lower() in STOP | NOT_AFTER_ALS:
            words.pop(0)
        if words:
            span = match.start(1) + words[0].start(), match.start(1) + words[-1].end()
            found.setdefault(span, Mention(text[span[0] : span[1]], *span, strong=True))
    for match in _IK_BEN.finditer(text):
        span = _phrase_after(text, match.end(), NOT_AFTER_ALS | {"niet", "geen"})
        if span:
            found.setdefault(span, Mention(text[span[0] : span[1]], *span, strong=False))
    kept = [m for m in found.values() if not negated(text, m.start)]
    return sorted(kept, key=lambda m: (m.start, m.end))
