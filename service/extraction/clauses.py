"""A free text cut into sentences and clauses with exact character offsets.

Extraction embeds each piece and keeps its offsets as evidence; story reading
(``service.extraction.story``) uses the same cuts to tell a wish clause from an experience
clause, so both see the same pieces.
"""

import re
from dataclasses import dataclass

# Sentence ends, line breaks and bullets; then clause boundaries inside a sentence.
_SENTENCE = re.compile(r"[^.!?;\n•·*]+[.!?;]?", re.UNICODE)
# Possessive runs that start after a non-space: linear in long whitespace runs (a story
# with blanked wish clauses has them), where plain ``\s+`` backtracks quadratically.
_CLAUSE = re.compile(
    r",\s++|(?<!\s)\s++(?:en|and|of|or|maar|but|zoals|such as)\s++|(?<!\s)\s++[-–]\s++", re.I
)
MIN_CHARS = 4
MIN_CLAUSE_WORDS = 2  # one-word clauses ("laadde") match noise, not skills


@dataclass(frozen=True)
class Span:
    """A piece of the input with its offsets (``text == source[start:end]``)."""

    start: int
    end: int
    text: str


def split_spans(text: str) -> list[Span]:
    """Sentences, and the clauses of sentences that have several, with exact offsets."""
    spans: list[Span] = []
    seen: set[tuple[int, int]] = set()

    def add(start: int, end: int, min_words: int = 1) -> None:
        start, end = _trim(text, start, end)
        long_enough = len(text[start:end].split()) >= min_words
        if end - start >= MIN_CHARS and long_enough and (start, end) not in seen:
            seen.add((start, end))
            spans.append(Span(start, end, text[start:end]))

    for sentence in _SENTENCE.finditer(text):
        add(sentence.start(), sentence.end())
        cursor = sentence.start()
        pieces = []
        for boundary in _CLAUSE.finditer(text, sentence.start(), sentence.end()):
            pieces.append((cursor, boundary.start()))
            cursor = boundary.end()
        if pieces:
            pieces.append((cursor, sentence.end()))
            for start, end in pieces:
                add(start, end, MIN_CLAUSE_WORDS)
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Bounds without surrounding spaces and punctuation (keeping "C++", "(BBL)")."""
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum() and text[end - 1] not in ")+#":
        end -= 1
    return start, end


def clauses_by_sentence(text: str) -> list[list[Span]]:
    """The finest pieces of a text, per sentence: its clauses, or the sentence itself,
    unfiltered (for telling a wish clause from an experience clause)."""
    sentences: list[list[Span]] = []
    for sentence in _SENTENCE.finditer(text):
        bounds = [sentence.start()]
        for boundary in _CLAUSE.finditer(text, sentence.start(), sentence.end()):
            bounds += [boundary.start(), boundary.end()]
        bounds.append(sentence.end())
        clauses = []
        for left, right in zip(bounds[::2], bounds[1::2], strict=True):
            start, end = _trim(text, left, right)
            if start < end:
                clauses.append(Span(start, end, text[start:end]))
        if clauses:
            sentences.append(clauses)
    return sentences
