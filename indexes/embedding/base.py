"""The embedder interface every runtime implements, and what they share.

Callers that embed (indexes, snapshots, the service) depend on this interface only;
which runtime answers is the loader's choice (``indexes.embedding.load``).
"""

from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.calibration import Calibration

TextKind = Literal["query", "passage"]


class EmbedderError(Exception):
    """The configured embedder cannot be loaded or used."""


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    @property
    def name(self) -> str:
        """Stable identity of the model weights (cache keys and manifests use it)."""

    @property
    def dimension(self) -> int:
        """Vector length."""

    @property
    def max_length(self) -> int:
        """Longest input in tokens; longer texts are truncated by the runtime."""

    @property
    def query_prefix(self) -> str:
        """What the model expects before a query (e5: ``query: ``)."""

    @property
    def passage_prefix(self) -> str:
        """What the model expects before a document (e5: ``passage: ``)."""

    @property
    def calibration(self) -> Calibration:
        """The model's cosine scale against the bundled model's (identity for it), which
        maps every cosine threshold chosen with the bundled model onto this one."""

    def encode(self, texts: Sequence[str], kind: TextKind) -> NDArray[np.float32]:
        """``len(texts) × dimension`` unit vectors, in the order of ``texts``."""
