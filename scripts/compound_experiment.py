"""Issue 20's lever "Dutch compound splitting for the lexical channel", measured on
MELO's dev sets.

Not shipped unless dev says it helps (docs/quality.md, *Quality: MELO*). The lexical
channel is character 1–3-gram TF-IDF, which already sees the parts of a compound
("vrachtwagenchauffeur" shares "cha", "hau", … with "chauffeur"); splitting adds new
n-grams only at the parts' edges (" ch", "r ") and weights the parts' n-grams twice.
This script measures whether that moves the ranking.

The splitter knows only the store's Dutch labels (never a benchmark): every word of
three letters or more that occurs as a word in some Dutch label is a part (function
words such as "van" included: a naive splitter). A word of eight letters or more is
split into two or more known parts, longest first part first, allowing the Dutch
linking "s", "e" or "en" between parts; the parts are appended after the text (the
words' own n-grams stay). Queries and corpus are treated alike, English labels too.

    OVERSTAP_DATA_DIR=<ESCO store> python -m scripts.compound_experiment \\
        --melo ../shared/data/melo-benchmark-nl --dataset bel_q_nl_c_nl
"""

import argparse
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

import indexes.lexical as lexical
from indexes.embedding.cache import EmbeddingCache
from indexes.title_text import clean_title
from models.tables import Label
from ontology.store import Store
from ontology.writer import table_of
from service.cli.common import open_store
from service.evaluation.melo import evaluate, load_dataset
from service.runtime.services import open_embedder
from service.settings import get_settings

MIN_PART = 3
MIN_WORD = 8
LINKS = ("", "s", "e", "en")
_WORD = re.compile(r"[a-z]+")
_fold = lexical.fold  # the channel's own folding, kept while it is patched


def dutch_words(store: Store) -> frozenset[str]:
    """Every word (folded, three letters or more) of the store's Dutch labels."""
    label = table_of(Label)
    with store.reading() as conn:
        texts = conn.execute(select(label.c.text).where(label.c.language == "nl")).scalars()
        return frozenset(
            word for text in texts for word in _WORD.findall(_fold(text)) if len(word) >= MIN_PART
        )


Parts = Callable[[str, bool], tuple[str, ...] | None]


def splitter(words: frozenset[str]) -> Parts:
    """A function from a folded word to its parts (None: not a compound of known words)."""

    @lru_cache(maxsize=200_000)
    def parts(word: str, whole: bool) -> tuple[str, ...] | None:
        if not whole and word in words:
            return (word,)
        for end in range(len(word) - MIN_PART, MIN_PART - 1, -1):
            head = word[:end]
            if head not in words:
                continue
            for link in LINKS:
                rest = end + len(link)
                if word[end:rest] != link or len(word) - rest < MIN_PART:
                    continue
                tail = parts(word[rest:], False)
                if tail:
                    return (head, *tail)
        return None

    return parts


def split_text(text: str, parts: Parts) -> str:
    """``text`` folded, with each compound's parts appended after it."""
    folded = _fold(text)
    extra: list[str] = []
    for word in _WORD.findall(folded):
        if len(word) >= MIN_WORD:
            found = parts(word, True)
            if found:
                extra.extend(found)
    return f"{folded} {' '.join(extra)}" if extra else folded


@contextmanager
def compounds_split(parts: Parts) -> Iterator[None]:
    """The lexical channel's folding, with compounds split, for the duration."""
    lexical.fold = lambda text: split_text(text, parts)
    try:
        yield
    finally:
        lexical.fold = _fold


def main() -> None:
    """Print MELO rows with and without splitting, lexical alone and fused."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--melo", type=Path, required=True)
    parser.add_argument("--dataset", required=True)
    args = parser.parse_args()
    settings = get_settings()
    store = open_store()
    try:
        words = dutch_words(store)
    finally:
        store.close()
    if not words:
        store_url = settings.resolved_database_url
        raise SystemExit(f"no Dutch labels in {store_url}: is it the ESCO store?")
    parts = splitter(words)
    dataset = load_dataset(args.melo, args.dataset)
    embedder = open_embedder(settings)
    cache = EmbeddingCache(settings.cache_path)
    rows: dict[str, Any] = {"dataset": args.dataset, "dutch_words": len(words)}
    searched = [clean_title(text) for _, text in dataset.queries]  # as evaluate() does
    changed = [split_text(t, parts) for t in searched if split_text(t, parts) != _fold(t)]
    rows["queries_with_a_compound"] = len(changed)
    rows["examples"] = changed[:8]
    try:
        for name, weight, model in (
            ("lexical alone", 1.0, None),
            (f"fused w={settings.lexical_weight}", settings.lexical_weight, embedder),
        ):
            plain = evaluate(dataset, model, weight, cache)
            with compounds_split(parts):
                split = evaluate(dataset, model, weight, cache)
            rows[name] = {
                "plain": {"mrr": plain["mrr"], "success_1": plain["success_1"]},
                "split": {"mrr": split["mrr"], "success_1": split["success_1"]},
            }
    finally:
        cache.close()
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
