"""Issue 20's second-stage experiment: a cross-encoder reranker for title linking.

Not shipped: it measured worse than the bi-encoder alone on MELO's dev sets (docs/quality.md,
*Quality: MELO*), so the service has no reranker. Kept so the figures can be reproduced
and the next attempt starts from them.

``train`` builds training groups from the occupations in the store (never from a
benchmark): a query label (a Dutch alternative or preferred label, or an English
alternative), one positive (another label of the same occupation, Dutch or English at
random) and ``--negatives`` hard negatives (labels of other occupations in the
positive's language among the bundled model's 80 nearest, four from the closest 15 and
the rest from the next 15). It fine-tunes the bundled e5-small encoder with mean pooling
and a linear head on the pair ``query: <query> </s></s> <candidate>`` by a listwise
cross-entropy over each group (the positive first), word embeddings frozen, bfloat16
autocast, linear warm-up over a tenth of the steps, then linear decay.

``evaluate`` ranks one MELO dataset as ``overstap evaluate melo`` does, rescores the first
stage's top ``--top`` with the reranker and prints MRR and success@1 for the first stage
alone, for first-stage score + a · z(reranker) with a in 0.02 … 0.2, and for the
reranker alone.

    OVERSTAP_DATA_DIR=<ESCO store> python -m scripts.rerank_experiment train --out DIR
    OVERSTAP_DATA_DIR=<ESCO store> python -m scripts.rerank_experiment evaluate --model DIR \\
        --melo ../shared/data/melo-benchmark-nl --dataset bel_q_nl_c_nl
"""

import argparse
import json
import random
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.cache import EmbeddingCache, encode_cached
from indexes.embedding.load import bundled_folder
from models.vocabulary import ConceptKind
from ontology.store import Store
from service.evaluation.melo import element_index, load_dataset, metrics
from service.runtime.services import open_embedder
from service.settings import get_settings

QUERY_PREFIX = "query: "
MAX_LENGTH = 48
BLENDS = (0.02, 0.05, 0.1, 0.2)


@dataclass(frozen=True)
class Group:
    """One query with its positive and hard negatives (the positive scores first)."""

    query: str
    positive: str
    negatives: list[str]
    concept: str


def build_groups(per_concept: int, negatives: int, seed: int) -> list[Group]:
    """Training groups from the store's occupations, negatives mined with the
    configured (bundled) embedder."""
    settings = get_settings()
    store = Store(settings.resolved_database_url, settings.db_upgrade)
    cache = EmbeddingCache(settings.cache_path)
    try:
        rows = store.labels_of(ConceptKind.OCCUPATION)
        embedder = open_embedder(settings)
        labels: dict[str, dict[tuple[str, str], list[str]]] = defaultdict(lambda: defaultdict(list))
        pool: list[tuple[str, str, str]] = []
        seen: set[tuple[str, str]] = set()
        for uri, language, kind, text in rows:
            if language not in ("nl", "en"):
                continue
            labels[uri][(language, "pref" if kind == "preferred" else "other")].append(text)
            if (uri, text.casefold()) not in seen:
                seen.add((uri, text.casefold()))
                pool.append((uri, language, text))
        vectors, _ = encode_cached(embedder, [text for _, _, text in pool], "query", cache)
    finally:
        cache.close()
        store.close()
    own: dict[str, set[str]] = defaultdict(set)
    for uri, _, text in pool:
        own[uri].add(text.casefold())
    row_of = {(uri, text.casefold()): i for i, (uri, _, text) in enumerate(pool)}
    rng = random.Random(seed)
    groups: list[Group] = []
    for uri in sorted(labels):
        forms = labels[uri]
        queries = forms[("nl", "other")] + forms[("nl", "pref")] + forms[("en", "other")]
        rng.shuffle(queries)
        for query in queries[:per_concept]:
            others = [
                (language, text)
                for (language, _), texts in forms.items()
                for text in texts
                if text.casefold() != query.casefold()
            ]
            if not others:
                continue
            wanted = rng.choice(["nl", "en"])
            language, positive = rng.choice([o for o in others if o[0] == wanted] or others)
            nearest = np.argsort(-(vectors @ vectors[row_of[(uri, query.casefold())]]))[:80]
            hard = [
                pool[j][2]
                for j in nearest
                if pool[j][0] != uri
                and pool[j][1] == language
                and pool[j][2].casefold() not in own[uri]
            ][:30]
            if len(hard) < 15 + negatives - 4:
                continue
            chosen = rng.sample(hard[:15], 4) + rng.sample(hard[15:], negatives - 4)
            groups.append(Group(query, positive, chosen, uri))
    rng.shuffle(groups)
    return groups


class _Scorer:
    """Encoder + mean pooling + linear head (torch; imported only here)."""

    def __init__(self, folder: Path, fresh: bool) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        self.tokenizer: Any = AutoTokenizer.from_pretrained(str(folder))
        self.encoder: Any = AutoModel.from_pretrained(str(folder), add_pooling_layer=False)
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)
        if fresh:
            torch.nn.init.normal_(self.head.weight, std=0.02)
            torch.nn.init.zeros_(self.head.bias)
        else:
            self.head.load_state_dict(torch.load(folder / "head.pt"))

    def scores(self, queries: list[str], candidates: list[str]) -> Any:
        batch = self.tokenizer(
            [QUERY_PREFIX + q for q in queries],
            candidates,
            padding=True,
            truncation=True,
            max_length=MAX_LENGTH,
            return_tensors="pt",
        )
        hidden = self.encoder(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
        ).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        return self.head((hidden * mask).sum(1) / mask.sum(1)).squeeze(-1)


def train(out: Path, steps: int, per_step: int, learning_rate: float, seed: int) -> None:
    groups = build_groups(per_concept=8, negatives=7, seed=seed)
    print(f"{len(groups)} groups from the store", flush=True)
    scorer = _Scorer(bundled_folder(get_settings().models_dir), fresh=True)
    torch = scorer.torch
    torch.manual_seed(seed)
    for name, parameter in scorer.encoder.named_parameters():
        if "word_embeddings" in name:
            parameter.requires_grad_(False)
    body = [p for p in scorer.encoder.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        [
            {"params": body, "lr": learning_rate},
            {"params": list(scorer.head.parameters()), "lr": 10 * learning_rate},
        ],
        weight_decay=0.01,
    )
    size = 1 + len(groups[0].negatives)
    warmup = max(steps // 10, 1)
    started = time.perf_counter()
    losses: list[float] = []
    scorer.encoder.train()
    for step in range(steps):
        factor = min((step + 1) / warmup, max(steps - step, 0) / max(steps - warmup, 1))
        for i, group in enumerate(optimiser.param_groups):
            group["lr"] = learning_rate * (10 if i else 1) * factor
        batch = [groups[(step * per_step + k) % len(groups)] for k in range(per_step)]
        queries = [g.query for g in batch for _ in range(size)]
        candidates = [c for g in batch for c in (g.positive, *g.negatives)]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits = scorer.scores(queries, candidates).view(per_step, size).float()
        loss = torch.nn.functional.cross_entropy(logits, torch.zeros(per_step, dtype=torch.long))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.item()))
        if (step + 1) % 25 == 0 or step + 1 == steps:
            window = losses[-25:]
            print(
                f"step {step + 1}/{steps} loss {sum(window) / len(window):.4f} "
                f"{(time.perf_counter() - started) / (step + 1):.2f} s/step",
                flush=True,
            )
    out.mkdir(parents=True, exist_ok=True)
    scorer.encoder.save_pretrained(str(out))
    scorer.tokenizer.save_pretrained(str(out))
    torch.save(scorer.head.state_dict(), out / "head.pt")
    config = {"steps": steps, "per_step": per_step, "learning_rate": learning_rate}
    (out / "experiment.json").write_text(
        json.dumps({**config, "groups": len(groups), "seed": seed, "example": asdict(groups[0])}),
        encoding="utf-8",
    )


def evaluate(model: Path, melo: Path, dataset_name: str, top: int) -> dict[str, Any]:
    settings = get_settings()
    scorer = _Scorer(model, fresh=False)
    scorer.encoder.eval()
    torch = scorer.torch
    torch.set_num_threads(settings.threads or 2)
    cache = EmbeddingCache(settings.cache_path)
    dataset = load_dataset(melo, dataset_name)
    try:
        records, index, texts, query_vectors = element_index(
            dataset, open_embedder(settings), cache
        )
    finally:
        cache.close()
    first: dict[str, list[tuple[str, float]]] = {}
    reranked: dict[str, NDArray[np.float32]] = {}
    started = time.perf_counter()
    for i, (qid, _) in enumerate(dataset.queries):
        if qid not in dataset.relevant:
            continue
        hits = index.search_rows(query_vectors[i], texts[i], 100, settings.lexical_weight)
        first[qid] = [(records[h.row].concept, h.score) for h in hits]
        candidates = [records[h.row].text for h in hits[:top]]
        with torch.inference_mode():
            scores = scorer.scores([texts[i]] * len(candidates), candidates)
        reranked[qid] = scores.float().numpy()
    per_query = 1000 * (time.perf_counter() - started) / max(len(first), 1)

    def ranking(blend: float | None) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for qid, hits in first.items():
            head, ce = hits[:top], reranked[qid]
            if blend is None:
                keys = [float(x) for x in ce]
            else:
                z = (ce - ce.mean()) / (ce.std() + 1e-6)
                keys = [head[j][1] + blend * float(z[j]) for j in range(len(head))]
            order = sorted(range(len(head)), key=lambda j: -keys[j])
            out[qid] = [head[j][0] for j in order] + [c for c, _ in hits[top:]]
        return out

    relevant = {qid: dataset.relevant[qid] for qid in first}
    rows: dict[str, Any] = {
        "first stage": metrics({q: [c for c, _ in h] for q, h in first.items()}, relevant)
    }
    for blend in BLENDS:
        rows[f"first + {blend} z(reranker)"] = metrics(ranking(blend), relevant)
    rows["reranker alone"] = metrics(ranking(None), relevant)
    return {
        "dataset": dataset_name,
        "queries": len(first),
        "top": top,
        "ms_per_query": round(per_query),
        "rows": {
            k: {"mrr": round(v["mrr"], 4), "success_1": round(v["success_1"], 3)}
            for k, v in rows.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    training = commands.add_parser("train")
    training.add_argument("--out", type=Path, required=True)
    training.add_argument("--steps", type=int, default=1000)
    training.add_argument("--per-step", type=int, default=16, help="groups per step")
    training.add_argument("--learning-rate", type=float, default=1e-4)
    training.add_argument("--seed", type=int, default=7)
    scoring = commands.add_parser("evaluate")
    scoring.add_argument("--model", type=Path, required=True)
    scoring.add_argument("--melo", type=Path, required=True)
    scoring.add_argument("--dataset", default="bel_q_nl_c_nl")
    scoring.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    if args.command == "train":
        train(args.out, args.steps, args.per_step, args.learning_rate, args.seed)
    else:
        print(json.dumps(evaluate(args.model, args.melo, args.dataset, args.top), indent=2))


if __name__ == "__main__":
    main()
