"""Contrastive fine-tuning of the embedding model on the ontology's own label pairs.

Why a plain PyTorch loop rather than ``SentenceTransformer.fit``: the trainer behind
``fit`` needs the ``datasets`` package and its own batching, while overstap needs a
batcher that keeps one concept per batch and puts ISCO siblings together (see
``indexes.training.pairs.batches``) and a loop whose every random draw is seeded. The loss is
the symmetric form of sentence-transformers' MultipleNegativesRankingLoss: every other
positive in the batch is a negative for an anchor, and the other way round. Pairs that
carry a mined hard negative (``indexes.training.negatives``) add it to the anchors'
candidates, as that loss does with (anchor, positive, negative) triplets.

The word-embedding matrix (250k tokens × 384, four fifths of e5-small's weights) stays
frozen: the labels' vocabulary is already in it, training it would mostly move rare
tokens, and freezing it makes each step over twice as fast on a CPU (measured: 1.3 s
against 3.0 s per batch of 32 on two cores).

Matrix products run in bfloat16 under autocast where the CPU has native bf16 units
(the weights, the optimiser state and the loss stay float32): measured 1.4 s against
2.5–3.1 s per batch of 64 on the project's two-core EPYC.

A finished model is saved into a temporary sibling folder; ``indexes.training.train.train_model``
adds the manifest and only then renames it into place, so a killed run never leaves a
folder that a later load would accept.
"""

import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from indexes.training.pairs import TrainingPair, batches

if TYPE_CHECKING:
    import torch

E5_QUERY = "query: "


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser and batching settings (all pinned in the model's manifest)."""

    seed: int = 13
    epochs: int = 2
    batch_size: int = 64
    sibling_run: int = 8
    learning_rate: float = 5e-5
    warmup_share: float = 0.1
    weight_decay: float = 0.01
    scale: float = 20.0
    max_seq_length: int = 32
    freeze_word_embeddings: bool = True
    bf16: bool = True
    max_steps: int | None = None

    def describe(self) -> dict[str, Any]:
        """For the model manifest."""
        return asdict(self)


@dataclass
class TrainStats:
    """What a run did."""

    steps: int
    pairs: int
    seconds: float
    first_loss: float
    last_loss: float
    bf16_used: bool


StepCallback = Callable[[int, int, float], None]


def _learning_rate(step: int, total: int, config: TrainConfig) -> float:
    """Linear warm-up, then linear decay to zero (the usual BERT schedule)."""
    warmup = max(int(total * config.warmup_share), 1)
    if step < warmup:
        return config.learning_rate * (step + 1) / warmup
    return config.learning_rate * max(total - step, 0) / max(total - warmup, 1)


def cpu_has_bf16() -> bool:
    """Whether the CPU multiplies bfloat16 natively (AVX512-BF16 or AMX); elsewhere
    autocast would emulate it and be slower than float32."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="utf-8")
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def plan_batches(pairs: list[TrainingPair], config: TrainConfig) -> list[list[TrainingPair]]:
    """Every epoch's batches in order, each epoch shuffled with its own seed."""
    planned: list[list[TrainingPair]] = []
    for epoch in range(config.epochs):
        planned += batches(pairs, config.batch_size, config.sibling_run, config.seed + epoch)
    if config.max_steps is not None:
        planned = planned[: config.max_steps]
    return planned


def false_negative_mask(batch: list[TrainingPair]) -> "torch.Tensor":
    """Which (anchor, candidate) cells to leave out of the loss: a mined negative that a
    label of the anchor's own concept shares (it was mined for another pair of the
    batch) is masked, not pushed apart. Columns: the positives, then the negatives in
    batch order."""
    import torch

    negatives = [pair.negative_concepts for pair in batch if pair.negative]
    return torch.tensor(
        [
            [False] * len(batch) + [pair.concept in carriers for carriers in negatives]
            for pair in batch
        ],
        dtype=torch.bool,
    )


def contrastive_loss(
    anchors: "torch.Tensor", candidates: "torch.Tensor", mask: "torch.Tensor", scale: float
) -> "torch.Tensor":
    """Symmetric in-batch loss: anchor i must pick candidate i (its positive) among every
    candidate (the batch's positives, then its mined negatives), and positive i must
    pick anchor i among the anchors. Without negatives this is exactly the loss before
    negatives existed, so old recipes train to the same weights."""
    import torch

    logits = (anchors.float() @ candidates.float().T * scale).masked_fill(mask, float("-inf"))
    target = torch.arange(len(anchors))
    return (
        torch.nn.functional.cross_entropy(logits, target)
        + torch.nn.functional.cross_entropy(logits[:, : len(anchors)].T, target)
    ) / 2


def fine_tune(
    base_folder: Path,
    pairs: list[TrainingPair],
    config: TrainConfig,
    output: Path,
    on_step: StepCallback | None = None,
) -> TrainStats:
    """Train a copy of the model in ``base_folder`` and save it into the empty folder
    ``output`` (the caller installs it). Raises ValueError on an empty pair list."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    planned = plan_batches(pairs, config)
    if not planned:
        raise ValueError("no training batches: the store yields too few label pairs")
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    model = SentenceTransformer(str(base_folder), device="cpu", local_files_only=True)
    serving_length = model.max_seq_length
    model.max_seq_length = config.max_seq_length
    if config.freeze_word_embeddings:
        for name, parameter in model.named_parameters():
            if "word_embeddings" in name:
                parameter.requires_grad_(False)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(
        trainable, lr=config.learning_rate, weight_decay=config.weight_decay
    )

    def embed(texts: list[str]) -> "torch.Tensor":
        features = model.preprocess([E5_QUERY + text for text in texts])
        vectors = model(features)["sentence_embedding"]
        return torch.nn.functional.normalize(vectors, dim=-1)

    low_precision = config.bf16 and cpu_has_bf16()
    model.train()
    started = time.perf_counter()
    losses: list[float] = []
    total = len(planned)
    for step, batch in enumerate(planned):
        for group in optimiser.param_groups:
            group["lr"] = _learning_rate(step, total, config)
        negatives = [pair.negative for pair in batch if pair.negative]
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=low_precision):
            anchors = embed([pair.anchor for pair in batch])
            candidates = embed([pair.positive for pair in batch] + negatives)
        loss = contrastive_loss(anchors, candidates, false_negative_mask(batch), config.scale)
        optimiser.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimiser.step()
        losses.append(float(loss.item()))
        if on_step:
            on_step(step + 1, total, losses[-1])
    model.eval()
    model.max_seq_length = serving_length
    model.save(str(output))
    window = max(len(losses) // 10, 1)
    return TrainStats(
        steps=total,
        pairs=sum(len(batch) for batch in planned),
        seconds=time.perf_counter() - started,
        first_loss=sum(losses[:window]) / window,
        last_loss=sum(losses[-window:]) / window,
        bf16_used=low_precision,
    )
