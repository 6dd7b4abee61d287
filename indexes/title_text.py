"""Cleaning job titles as people and vacancies write them, before they are linked.

Why: vacancy titles carry words that say nothing about the occupation ("(m/v/x)",
"fulltime", "32-40 uur", "senior") but move both channels: the char n-grams of "m/v"
and the embedding of "senior" pull towards labels that happen to share them (ESCO has
"senior" only in a handful of labels, none meaning seniority). ESCO's own labels never
carry these words, so only queries are cleaned, and a title that would be emptied by
cleaning is kept as it was.
"""

import re

_GENDER = r"[mvfwhxd](?:\s*/\s*[mvfwhxd]){1,3}"
_GENDER_MARKER = re.compile(
    rf"\(\s*(?:{_GENDER}|all\s+genders|genderneutraal)\s*\)|(?<![\w/]){_GENDER}(?![\w/])",
    re.IGNORECASE,
)
_HOURS = re.compile(
    r"\(?\s*\d{1,2}\s*(?:[-–]|tot)\s*\d{1,2}\s*(?:uur|u)(?:\s*(?:per|p/)\s*w(?:eek|k)?)?\s*\)?"
    r"|\(?\s*\d{1,2}\s*(?:uur|u)\s*(?:per|p/)\s*w(?:eek|k)?\s*\)?",
    re.IGNORECASE,
)
_NOISE_WORDS = re.compile(
    r"\b(?:full[- ]?time|part[- ]?time|fulltime|parttime|vacature|gezocht|per direct|"
    r"senior|junior|medior|ervaren|startende?|trainee)\b:?",
    re.IGNORECASE,
)
_EDGE = re.compile(r"^[\s\-–|:,/]+|[\s\-–|:,/]+$")
_SPACES = re.compile(r"\s{2,}")


def clean_title(title: str) -> str:
    """The title without gender markers, hours, contract and seniority words."""
    cleaned = _GENDER_MARKER.sub(" ", title)
    cleaned = _HOURS.sub(" ", cleaned)
    cleaned = _NOISE_WORDS.sub(" ", cleaned)
    cleaned = cleaned.replace("()", " ")
    cleaned = _EDGE.sub("", _SPACES.sub(" ", cleaned))
    return cleaned if len(cleaned) >= 2 else title.strip()
