"""The layout of an exported model folder and its manifest, shared by the export that
writes it and the runtime that reads it.

The manifest is written last, so a folder without a readable manifest of this format is
an unfinished export that the next export replaces.
"""

import json
import re
from pathlib import Path
from typing import Any

MANIFEST_NAME = "overstap-onnx.json"
MODEL_FILE = "model.onnx"
WEIGHTS_FILE = "model.onnx.data"
TOKENIZER_FILE = "tokenizer.json"
FILES = (MODEL_FILE, WEIGHTS_FILE, TOKENIZER_FILE)
MANIFEST_FORMAT = 2  # 2: weights in an external, memory-mapped file


def onnx_folder_for(onnx_root: Path, embedder_name: str) -> Path:
    """Where the export of the model called ``embedder_name`` lives."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", embedder_name).strip("._") or "model"
    return onnx_root / slug[:120]


def read_onnx_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a finished export, or None when there is none (or it is unreadable,
    which a later export then replaces)."""
    try:
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        return None
    return manifest
