"""A deterministic stand-in embedder for fast unit tests of the index machinery.

It hashes words into a fixed number of dimensions, so texts sharing words are similar;
tests that need real semantics use a real sentence-transformers model instead.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.base import TextKind
from indexes.embedding.calibration import IDENTITY, Calibration


@dataclass
class HashingEmbedder:
    """Bag of hashed words, L2-normalised; counts how many texts it embedded."""

    dims: int = 64
    model_name: str = "test:hashing"
    calls: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.model_name

    @property
    def dimension(self) -> int:
        return self.dims

    @property
    def max_length(self) -> int:
        return 128

    @property
    def query_prefix(self) -> str:
        return ""

    @property
    def passage_prefix(self) -> str:
        return ""

    @property
    def calibration(self) -> Calibration:
        return IDENTITY

    def encode(self, texts: Sequence[str], kind: TextKind) -> NDArray[np.float32]:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dims
                out[row, bucket] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out
