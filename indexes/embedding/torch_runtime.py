"""The reference runtime: any sentence-transformers model on torch, on the CPU.

The ONNX export starts from the model it loads. The module itself imports torch only
inside its functions, so a server on the ONNX runtime loads the module but never torch.
"""

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.base import EmbedderError, TextKind
from indexes.embedding.calibration import IDENTITY, Calibration

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


@dataclass
class SentenceTransformerEmbedder:
    """Any sentence-transformers model on the CPU."""

    model_path: str
    model_name: str
    prefixes: tuple[str, str] = ("", "")
    batch_size: int = 64
    scale: Calibration = field(default=IDENTITY)

    def __post_init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Weight-loading progress bars are noise in a service log and a CLI's output.
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        try:
            self._model = SentenceTransformer(self.model_path, device="cpu")
        except (OSError, ValueError) as exc:
            raise EmbedderError(
                f"cannot load sentence-transformers model {self.model_path!r}: {exc}. "
                "Give a local folder or an installed model name (no downloads happen here)."
            ) from exc
        dimension = self._model.get_embedding_dimension()
        if not dimension:
            raise EmbedderError(f"model {self.model_path!r} does not report its dimension")
        self._dimension = int(dimension)

    @property
    def name(self) -> str:
        return self.model_name

    @property
    def model(self) -> "SentenceTransformer":
        """The loaded model (the ONNX export traces it)."""
        return self._model

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_length(self) -> int:
        return int(self._model.max_seq_length or 0)

    @property
    def query_prefix(self) -> str:
        return self.prefixes[0]

    @property
    def passage_prefix(self) -> str:
        return self.prefixes[1]

    @property
    def calibration(self) -> Calibration:
        return self.scale

    def encode(self, texts: Sequence[str], kind: TextKind) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prefix = self.query_prefix if kind == "query" else self.passage_prefix
        vectors = self._model.encode(
            [prefix + text for text in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def configure_threads(threads: int | None) -> int:
    """Set torch's intra-op threads (default: every core); returns the number in force.

    Being explicit keeps a container's CPU quota from being misread and makes
    benchmarks repeatable."""
    import torch

    wanted = threads or os.cpu_count() or 1
    torch.set_num_threads(wanted)
    return int(torch.get_num_threads())
