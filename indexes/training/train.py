"""Building a fine-tuned model: label pairs from the store, the contrastive loop, and a
folder pinned by its manifest (format and checks in ``indexes.embedding.tuned``).

The folder's name ends in a hash of the inputs, so the same store, base and settings
always name the same folder and ``overstap train`` can reuse it. After training (or when
it reuses a folder that has none) it measures the model's calibration against the base
model on the store (``indexes.training.calibration``) and stores it in the manifest.
"""

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from indexes.embedding.calibration import Calibration, CalibrationError
from indexes.embedding.load import E5_PREFIXES
from indexes.embedding.torch_runtime import SentenceTransformerEmbedder
from indexes.embedding.tuned import (
    MANIFEST_FORMAT,
    MANIFEST_KIND,
    MANIFEST_NAME,
    TunedModelError,
    base_identity,
    checksums,
    folder_name,
    read_manifest,
    verify_tuned,
    write_calibration,
)
from indexes.folders import replace_folder
from indexes.training.calibration import CalibrationDataError, measure_calibration
from indexes.training.fine_tune import StepCallback, TrainConfig, TrainStats, fine_tune
from indexes.training.negatives import mine_hard_negatives
from indexes.training.pairs import PairRecipe, TrainingPair, build_pairs, pairs_digest
from ontology.store import Store

DEFAULT_NAME = "e5-small-tuned"


@dataclass
class TrainResult:
    """Where the model is, and what training did (None when an identical build existed)."""

    folder: Path
    embedder_spec: str
    stats: TrainStats | None
    pairs: int
    calibration: Calibration | None = None  # None: kept from an earlier run


def train_model(
    store: Store,
    base_folder: Path,
    models_dir: Path,
    recipe: PairRecipe,
    config: TrainConfig,
    prefix: str = DEFAULT_NAME,
    on_stage: Callable[[str], None] | None = None,
    on_step: StepCallback | None = None,
    force: bool = False,
) -> TrainResult:
    """Build (or reuse) the tuned model for this store, base, recipe and settings."""
    say = on_stage or (lambda _message: None)
    say("collecting label pairs from the store")
    pairs = build_pairs(store, recipe, config.seed)
    if len(pairs) < 2:
        raise TunedModelError(
            f"the store yields {len(pairs)} label pairs: import an ontology with alternative "
            "or translated labels first (e.g. `overstap import esco …`)"
        )
    data: dict[str, object] = {
        "ontology_versions": store.stats().versions,
        "pairs": len(pairs),
        "pairs_sha256": pairs_digest(pairs),
        "sources": _count_sources(pairs),
    }
    inputs = {
        "base": base_identity(base_folder),
        "recipe": recipe.describe(),
        "train": config.describe(),
        "pairs_sha256": data["pairs_sha256"],
    }
    final = models_dir / folder_name(prefix, inputs)
    if final.exists() and not force:
        try:
            verify_tuned(final, base_folder)
            reusable = True
        except TunedModelError:
            say(f"{final.name} exists but fails its check; rebuilding it")
            reusable = False
        if reusable:
            say(f"{final.name} already built from the same inputs; reusing it")
            # Calibrated outside the check above: a calibration that cannot be measured
            # is an error to report, not a reason to retrain for an hour.
            calibration = None
            if not _calibrated(final):
                calibration = calibrate(store, final, base_folder, config.seed, say)
            return TrainResult(final, f"tuned:{final.name}", None, len(pairs), calibration)
    if recipe.hard_negatives:
        # After the reuse check, and not part of the folder's name: store, recipe, seed
        # and base fix the mining, while its nearest-neighbour floats may differ in the
        # last bit on another CPU. The mined data is pinned in the manifest instead.
        pairs = _with_hard_negatives(store, base_folder, pairs, recipe, config.seed, say)
        data["hard_negatives"] = sum(pair.negative is not None for pair in pairs)
        data["mined_sha256"] = pairs_digest(pairs)
    models_dir.mkdir(parents=True, exist_ok=True)
    # Beside the final folder (same file system), so the swap is a rename.
    temporary = Path(tempfile.mkdtemp(dir=models_dir, prefix=f".{final.name}.tmp-"))
    try:
        say(f"training on {len(pairs)} pairs")
        stats = fine_tune(base_folder, pairs, config, temporary, on_step)
        manifest = {
            "kind": MANIFEST_KIND,
            "format": MANIFEST_FORMAT,
            "name": final.name,
            "created_at": datetime.now(UTC).isoformat(),
            **inputs,
            "data": data,
            "stats": asdict(stats),
            "files": checksums(temporary),
        }
        (temporary / MANIFEST_NAME).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        replace_folder(temporary, final)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)  # gone already after a success
    calibration = calibrate(store, final, base_folder, config.seed, say)
    return TrainResult(final, f"tuned:{final.name}", stats, len(pairs), calibration)


def _with_hard_negatives(
    store: Store,
    base_folder: Path,
    pairs: list[TrainingPair],
    recipe: PairRecipe,
    seed: int,
    say: Callable[[str], None],
) -> list[TrainingPair]:
    """Mine with the base model in its own scope, so its half gigabyte is freed before
    training loads the model again."""
    base = SentenceTransformerEmbedder(str(base_folder), base_folder.name, E5_PREFIXES)
    return mine_hard_negatives(
        pairs, store, lambda texts: base.encode(texts, "query"), recipe.hard_negatives, seed, say
    )


def _calibrated(folder: Path) -> bool:
    """Whether the folder holds a readable calibration (a broken one is measured again)."""
    stored = read_manifest(folder).get("calibration")
    if stored is None:
        return False
    try:
        Calibration.from_json(stored)
    except CalibrationError:
        return False
    return True


def calibrate(
    store: Store,
    folder: Path,
    base_folder: Path,
    seed: int,
    say: Callable[[str], None],
) -> Calibration:
    """Measure the tuned model in ``folder`` against the base and store the result."""
    model = SentenceTransformerEmbedder(str(folder), folder.name, E5_PREFIXES)
    base = SentenceTransformerEmbedder(str(base_folder), base_folder.name, E5_PREFIXES)
    try:
        calibration = measure_calibration(store, model, base, seed, say)
    except CalibrationDataError as exc:
        raise TunedModelError(f"cannot calibrate {folder.name}: {exc}") from exc
    write_calibration(folder, calibration)
    return calibration


def _count_sources(pairs: list[TrainingPair]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pair in pairs:
        counts[pair.source] = counts.get(pair.source, 0) + 1
    return dict(sorted(counts.items()))
