"""Vacancy-title normalisation on the JobBERT evaluation set (Decorte et al. 2021):
English vacancy titles from a job board, each tagged with one ESCO occupation.

Each title goes through the service's own title path (``Catalog.normalize``: the title
cleaned of gender markers, hours and seniority words, embedded, searched over the
occupation labels with the configured fusion weight, labels aggregated to concepts by
their best label), and, in the same run and over the same labels, through MELO's
character TF-IDF baseline alone (fusion weight 1): the comparison issue 20 asks for.
``titles.csv`` is the dev split (settings may be chosen on it), ``titles.test.csv`` the
test split (reported only). Titles whose occupation is not in the snapshot (the set
was tagged with an older ESCO) are counted and left out.
"""

import csv
import gzip
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexes.title_text import clean_title
from models.vocabulary import ConceptKind
from service.catalog import COLLECTION_OF, Catalog

SPLITS = {"dev": "titles.csv", "test": "titles.test.csv"}
DEPTH = 100  # ranks read per title (MRR counts 0 below it, as trec_eval at 100)
BATCH = 256


class TitlesError(Exception):
    """The data folder or a file in it is missing or malformed."""


def load_titles(folder: Path, split: str) -> list[tuple[str, str]]:
    """``(title, occupation URI)`` of one split (plain or gzipped CSV)."""
    if split not in SPLITS:
        raise TitlesError(f"unknown split {split!r}: use one of {', '.join(SPLITS)}")
    name = SPLITS[split]
    path = next((p for p in (folder / name, folder / f"{name}.gz") if p.is_file()), None)
    if path is None:
        raise TitlesError(f"{folder}: no {name} or {name}.gz")
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    if not rows or not {"vacancyTitle", "conceptUri"} <= set(rows[0]):
        raise TitlesError(f"{path}: expected the columns vacancyTitle and conceptUri")
    return [(row["vacancyTitle"], row["conceptUri"]) for row in rows if row["vacancyTitle"]]


def _metrics(ranks: list[int | None]) -> dict[str, float]:
    """MRR and success@k from each title's rank of its occupation (None: not in the
    first ``DEPTH``)."""
    count = max(len(ranks), 1)
    return {
        "mrr": round(sum(1 / r for r in ranks if r) / count, 4),
        "success_1": round(sum(1 for r in ranks if r and r <= 1) / count, 4),
        "success_5": round(sum(1 for r in ranks if r and r <= 5) / count, 4),
        "success_10": round(sum(1 for r in ranks if r and r <= 10) / count, 4),
    }


def evaluate_titles(
    catalog: Catalog,
    titles: list[tuple[str, str]],
    languages: Sequence[str] | None = ("en",),
    on_progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The service's ranking and the character TF-IDF baseline's, over the occupation
    labels in ``languages`` (None: every language), scored against the tagged
    occupation."""
    index = catalog.snapshot.collections[COLLECTION_OF[ConceptKind.OCCUPATION]]
    known = {record.concept for record in index.records}
    kept = [(title, uri) for title, uri in titles if uri in known]
    cleaned = [clean_title(title) for title, _ in kept]
    service: list[int | None] = []
    lexical: list[int | None] = []
    for start in range(0, len(kept), BATCH):
        texts = cleaned[start : start + BATCH]
        vectors = np.asarray(catalog.embedder.encode(texts, "query"), dtype=np.float32)
        for offset, text in enumerate(texts):
            gold = kept[start + offset][1]
            for weight, ranks in ((catalog.lexical_weight, service), (1.0, lexical)):
                hits = index.search_concepts(vectors[offset], text, DEPTH, weight, languages)
                ranked = [hit.concept for hit in hits]
                ranks.append(ranked.index(gold) + 1 if gold in ranked else None)
        if on_progress:
            on_progress(len(texts))
    ours, baseline = _metrics(service), _metrics(lexical)
    return {
        "titles": len(titles),
        "scored": len(kept),
        "unknown_occupation": len(titles) - len(kept),
        "languages": list(languages) if languages else "all",
        "lexical_weight": catalog.lexical_weight,
        "embedder": catalog.embedder.name,
        "service": ours,
        "char_tfidf": baseline,
        "mrr_over_char_tfidf": round(ours["mrr"] - baseline["mrr"], 4),
    }
