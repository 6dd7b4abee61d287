"""Skill-extraction quality on Decorte et al.'s TECH and HOUSE benchmarks.

Every annotated sentence goes through ``SkillExtractor.extract`` (the code behind
``POST /v1/skills/extract``) against the store's English ESCO skills; the ranking is
scored with R-Precision@5, MRR and recall@10 as in the benchmark's paper. On the
validation split it also sweeps the confidence threshold and reports micro precision,
recall and F1 of the extracted sets, which is how the default threshold is chosen.
"""

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from models.vocabulary import ConceptKind
from service.catalog import Catalog
from service.extraction.extractor import SkillExtractor

SETS = ("tech", "house")
NOT_A_LABEL = {"LABEL NOT PRESENT", "UNDERSPECIFIED"}
THRESHOLDS = (0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.10, 0.12, 0.14, 0.16, 0.18, 0.20)


class SkillEvalError(Exception):
    """Benchmark files missing, or the store lacks the English ESCO skills."""


def load_sentences(folder: Path, name: str, split: str) -> dict[str, set[str]]:
    """Sentence → gold ESCO preferred labels (sentences without a usable label dropped)."""
    path = folder / f"{name}_{split}_annotations.csv"
    if not path.exists():
        raise SkillEvalError(f"{path} not found: is {folder} the Decorte benchmark folder?")
    gold: dict[str, set[str]] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["label"] not in NOT_A_LABEL:
                gold.setdefault(row["sentence"], set()).add(row["label"])
    return gold


def english_skill_uris(catalog: Catalog) -> dict[str, str]:
    """English preferred label → skill URI (the benchmark names skills by label)."""
    uris = {
        text: uri
        for uri, language, kind, text in catalog.store.labels_of(ConceptKind.SKILL)
        if language == "en" and kind == "preferred"
    }
    if not uris:
        raise SkillEvalError("the store has no English ESCO skills: import esco-v1.1.1-en")
    return uris


def evaluate_set(catalog: Catalog, gold_labels: dict[str, set[str]], sweep: bool) -> dict[str, Any]:
    """Ranking metrics over one annotated set (and the threshold sweep when asked)."""
    uri_of = english_skill_uris(catalog)
    extractor = SkillExtractor(catalog)

    def rank(sentence: str) -> list[tuple[str, float]]:
        answer = extractor.extract(sentence, "en", threshold=-1.0, limit=100)
        return [(skill.uri, skill.confidence) for skill in answer.skills]

    return score_rankings(gold_labels, uri_of, rank, sweep)


def score_rankings(
    gold_labels: dict[str, set[str]],
    uri_of: dict[str, str],
    rank: Callable[[str], list[tuple[str, float]]],
    sweep: bool,
) -> dict[str, Any]:
    """RP@5, MRR and recall@10 of the rankings ``rank`` gives each sentence."""
    rp5: list[float] = []
    mrr: list[float] = []
    r10: list[float] = []
    unmapped = 0
    scored: list[tuple[list[tuple[str, float]], set[str]]] = []
    for sentence, labels in gold_labels.items():
        gold = {uri_of[label] for label in labels if label in uri_of}
        unmapped += len(labels) - len(gold)
        if not gold:
            continue
        ranking = rank(sentence)
        uris = [uri for uri, _ in ranking]
        rp5.append(sum(u in gold for u in uris[:5]) / min(5, len(gold)))
        first = next((i for i, u in enumerate(uris, start=1) if u in gold), None)
        mrr.append(1.0 / first if first else 0.0)
        r10.append(sum(u in gold for u in uris[:10]) / len(gold))
        scored.append((ranking, gold))
    result: dict[str, Any] = {
        "sentences": len(rp5),
        "rp_at_5": float(np.mean(rp5)),
        "mrr": float(np.mean(mrr)),
        "recall_at_10": float(np.mean(r10)),
        "gold_labels_not_in_store": unmapped,
    }
    if sweep:
        result["threshold_sweep"] = [_micro(scored, t) for t in THRESHOLDS]
    return result


def _micro(
    scored: list[tuple[list[tuple[str, float]], set[str]]], threshold: float
) -> dict[str, float]:
    tp = fp = fn = 0
    for ranking, gold in scored:
        predicted = {uri for uri, confidence in ranking if confidence >= threshold}
        tp += len(predicted & gold)
        fp += len(predicted - gold)
        fn += len(gold - predicted)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "threshold": threshold,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def evaluate(catalog: Catalog, folder: Path, split: str) -> dict[str, Any]:
    """TECH and HOUSE on one split."""
    return {
        "split": split,
        "snapshot": catalog.snapshot.id,
        "embedder": catalog.embedder.name,
        **{
            name: evaluate_set(catalog, load_sentences(folder, name, split), split == "validation")
            for name in SETS
        },
    }
