"""Fine-tuned model folders: how they are named, built, pinned and checked.

A tuned model is a sentence-transformers folder plus ``overstap-model.json``, which
pins what went in (the base model's identity, the ontology versions and a hash of the
training pairs, the recipe and optimiser settings, the seed) and the sha256 of every
file that came out. The folder's name ends in a hash of the inputs, so the same store,
base and settings always name the same folder and ``overstap train`` can reuse it.

Loading refuses a folder whose manifest is missing or unreadable, names another
folder, was trained from another base model, or whose files do not match their
checksums: an embedder that silently differs from the one an index was built with
would give wrong neighbours without any error. The embedder name carries a hash of the
file checksums, so a snapshot's manifest pins the exact weights it was built with.
"""

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexes.bundled_e5 import source_sha256_of
from indexes.fine_tune import StepCallback, TrainConfig, TrainStats, fine_tune
from indexes.folders import replace_folder, sha256_file
from indexes.training_pairs import PairRecipe, TrainingPair, build_pairs, pairs_digest
from ontology.store import Store

MANIFEST_NAME = "overstap-model.json"
MANIFEST_KIND = "overstap-tuned-model"
MANIFEST_FORMAT = 1
DEFAULT_NAME = "e5-small-tuned"


class TunedModelError(Exception):
    """A tuned model folder is missing, incomplete, altered or from another base."""


def base_identity(base_folder: Path) -> dict[str, str]:
    """What identifies the base model across machines: the bundled 4-bit file's hash
    (the converted folder is derived from it), else a hash of the folder's files."""
    source = source_sha256_of(base_folder)
    if source is not None:
        return {"model": "bundled:multilingual-e5-small", "source_sha256": source}
    return {"model": base_folder.name, "files_sha256": _files_digest(_checksums(base_folder))}


def _checksums(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): sha256_file(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST_NAME
    }


def _files_digest(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def folder_name(prefix: str, inputs: dict[str, Any]) -> str:
    """``<prefix>-<hash of the inputs>``: same inputs, same folder."""
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return f"{prefix}-{digest[:10]}"


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a tuned folder, checked for shape only."""
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TunedModelError(f"{folder} has no readable {MANIFEST_NAME}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("kind") != MANIFEST_KIND:
        raise TunedModelError(f"{folder / MANIFEST_NAME} is not an overstap model manifest")
    if manifest.get("format") != MANIFEST_FORMAT:
        raise TunedModelError(
            f"{folder / MANIFEST_NAME} has format {manifest.get('format')!r}; this overstap "
            f"reads format {MANIFEST_FORMAT}: rebuild it with `overstap train`"
        )
    return manifest


def verify_tuned(folder: Path, base_folder: Path) -> str:
    """Check a tuned folder against its manifest and the base model in use; return the
    embedder name that snapshots pin (``tuned:<folder>@<hash of the weights>``)."""
    manifest = read_manifest(folder)
    if manifest.get("name") != folder.name:
        raise TunedModelError(
            f"{folder} holds the manifest of {manifest.get('name')!r}: folders must not be "
            "renamed (the name pins the training inputs)"
        )
    base = base_identity(base_folder)
    if manifest.get("base") != base:
        raise TunedModelError(
            f"{folder.name} was trained from base {manifest.get('base')!r}, but the base model "
            f"here is {base!r}: retrain it with `overstap train`"
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise TunedModelError(f"{folder / MANIFEST_NAME} lists no files")
    actual = _checksums(folder)
    if actual != files:
        changed = sorted(set(files) ^ set(actual) | {f for f in files if actual.get(f) != files[f]})
        raise TunedModelError(
            f"{folder.name} does not match its manifest ({', '.join(changed[:3])}): the "
            "folder was altered or is incomplete; rebuild it with `overstap train`"
        )
    return f"tuned:{folder.name}@{_files_digest(files)[:12]}"


@dataclass
class TrainResult:
    """Where the model is, and what training did (None when an identical build existed)."""

    folder: Path
    embedder_spec: str
    stats: TrainStats | None
    pairs: int


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
    data = {
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
            say(f"{final.name} already built from the same inputs; reusing it")
            return TrainResult(final, f"tuned:{final.name}", None, len(pairs))
        except TunedModelError:
            say(f"{final.name} exists but fails its check; rebuilding it")
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
            "files": _checksums(temporary),
        }
        (temporary / MANIFEST_NAME).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8"
        )
        replace_folder(temporary, final)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)  # gone already after a success
    return TrainResult(final, f"tuned:{final.name}", stats, len(pairs))


def _count_sources(pairs: list[TrainingPair]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pair in pairs:
        counts[pair.source] = counts.get(pair.source, 0) + 1
    return dict(sorted(counts.items()))
