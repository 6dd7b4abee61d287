"""Fine-tuned model folders: how they are named, pinned and checked. Training
(``indexes.training.train``) writes them; loading an embedder checks them here.

A tuned model is a sentence-transformers folder plus ``overstap-model.json``, which
pins what went in (the base model's identity, the ontology versions and a hash of the
training pairs, the recipe and optimiser settings, the seed) and the sha256 of every
file that came out. The folder's name ends in a hash of the inputs, so the same store,
base and settings always name the same folder and ``overstap train`` can reuse it.

The manifest also holds the model's ``calibration`` (``indexes.embedding.calibration``),
measured by ``overstap train`` after training; it is not an input, so adding it keeps the
folder's name and checksums. A folder without one loads with the bundled scale and a
warning to run ``overstap train`` again (which calibrates the existing folder).

Loading refuses a folder whose manifest is missing or unreadable, names another
folder, was trained from another base model, or whose files do not match their
checksums: an embedder that silently differs from the one an index was built with
would give wrong neighbours without any error. The embedder name carries a hash of the
file checksums, so a snapshot's manifest pins the exact weights it was built with.
"""

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from indexes.embedding.bundled.install import source_sha256_of
from indexes.embedding.calibration import IDENTITY, Calibration, CalibrationError
from indexes.folders import sha256_file

log = logging.getLogger(__name__)

MANIFEST_NAME = "overstap-model.json"
MANIFEST_KIND = "overstap-tuned-model"
MANIFEST_FORMAT = 1


class TunedModelError(Exception):
    """A tuned model folder is missing, incomplete, altered or from another base."""


def base_identity(base_folder: Path) -> dict[str, str]:
    """What identifies the base model across machines: the bundled 4-bit file's hash
    (the converted folder is derived from it), else a hash of the folder's files."""
    source = source_sha256_of(base_folder)
    if source is not None:
        return {"model": "bundled:multilingual-e5-small", "source_sha256": source}
    return {"model": base_folder.name, "files_sha256": files_digest(checksums(base_folder))}


def checksums(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): sha256_file(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST_NAME
    }


def files_digest(files: dict[str, str]) -> str:
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
    actual = checksums(folder)
    if actual != files:
        changed = sorted(set(files) ^ set(actual) | {f for f in files if actual.get(f) != files[f]})
        raise TunedModelError(
            f"{folder.name} does not match its manifest ({', '.join(changed[:3])}): the "
            "folder was altered or is incomplete; rebuild it with `overstap train`"
        )
    return f"tuned:{folder.name}@{files_digest(files)[:12]}"


def calibration_of(folder: Path) -> Calibration:
    """The calibration in a tuned folder's manifest (identity when it has none yet)."""
    stored = read_manifest(folder).get("calibration")
    if stored is None:
        log.warning(
            "%s has no calibration: its thresholds use the bundled model's scale; run "
            "`overstap train` again with the same options to calibrate it",
            folder.name,
        )
        return IDENTITY
    try:
        return Calibration.from_json(stored)
    except CalibrationError as exc:
        raise TunedModelError(f"{folder / MANIFEST_NAME}: {exc}") from exc


def write_calibration(folder: Path, calibration: Calibration) -> None:
    """Store a calibration in the manifest (written whole to a temporary file and
    renamed, so a reader never sees half a manifest; beside the folder, not in it, where
    a leftover would fail the folder's checksums)."""
    manifest = read_manifest(folder)
    manifest["calibration"] = calibration.to_json()
    temporary = folder.parent / f".{folder.name}.{MANIFEST_NAME}.tmp"
    temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    temporary.replace(folder / MANIFEST_NAME)
