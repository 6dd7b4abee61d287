"""The production embedder: an exported model run by onnxruntime, tokenised as
``indexes/embedding/onnx/tokenizer.py`` loads it, with no torch in the process.

Why a fixed thread count per call: on two cores a service answers several requests at
once, each in its own worker thread. Thread pools that each try to use every core
(torch's, onnxruntime's, OpenMP's) then fight over the same two cores and every request
waits for the others' spinning threads. ``threads`` is therefore set per process role:
one intra-op thread for the server (concurrency comes from the requests), every core for
batch jobs such as ``reindex``. Spinning is switched off with one thread per call, so an
idle pool never steals the core another request is using.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.base import TextKind
from indexes.embedding.calibration import IDENTITY, Calibration
from indexes.embedding.onnx.files import MODEL_FILE, TOKENIZER_FILE
from indexes.embedding.onnx.tokenizer import load_tokenizer
from indexes.spare_cores import run_spread

# Texts per model call: large batches pay off only when several threads share the work.
# Measured on full ESCO: a 1,501-character vacancy's extraction on 1 thread took 1,262 ms
# in batches of 8, 1,469 ms in 32 and 2,107 ms in 64; re-indexing on 2 threads ran at
# 305 texts/s in batches of 64 and 288 in 32.
BATCH_SIZE = 64
SINGLE_THREAD_BATCH_SIZE = 8


class OnnxSession:
    """Tokenizer plus onnxruntime session for one exported model folder."""

    def __init__(self, model: Path, tokenizer: Path, max_length: int, threads: int) -> None:
        import onnxruntime as ort

        self._tokenizer = load_tokenizer(tokenizer, max_length)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Without the arena, the memory of a large batch (a vacancy's spans) goes back
        # after the call instead of staying reserved: measured +119 instead of +316 MB
        # after one 64 × 120-token batch, single queries equally fast.
        options.enable_cpu_mem_arena = False
        if threads == 1:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        self.threads = threads

    def run(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Unit vectors for ``texts`` in one batch (padded to the longest)."""
        return self.run_ids(self.tokenize(texts))

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids per text, truncated, with the model's special tokens."""
        return self._tokenizer.encode_ids(texts)

    def run_ids(self, encodings: Sequence[Sequence[int]]) -> NDArray[np.float32]:
        """Unit vectors for texts tokenised by ``tokenize``, in one batch."""
        width = max(len(e) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros((len(encodings), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding)] = encoding
            mask[row, : len(encoding)] = 1
        (vectors,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
        return np.asarray(vectors, dtype=np.float32)


class OnnxEmbedder:
    """An exported sentence-transformers model behind the ``Embedder`` interface.

    Its ``name`` is the source model's, so snapshots and the embedding cache built with
    the torch runtime stay valid: the export is only accepted when it reproduces the
    torch vectors (``indexes/embedding/onnx/export.py``)."""

    def __init__(
        self,
        folder: Path,
        name: str,
        prefixes: tuple[str, str],
        max_length: int,
        dimension: int,
        threads: int,
        calibration: Calibration = IDENTITY,
    ) -> None:
        self._calibration = calibration
        self._session = OnnxSession(
            folder / MODEL_FILE, folder / TOKENIZER_FILE, max_length, threads
        )
        self._name = name
        self._prefixes = prefixes
        self._max_length = max_length
        self._dimension = dimension
        self._batch_size = SINGLE_THREAD_BATCH_SIZE if threads == 1 else BATCH_SIZE
        self.folder = folder

    @property
    def name(self) -> str:
        return self._name

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def max_length(self) -> int:
        return self._max_length

    @property
    def query_prefix(self) -> str:
        return self._prefixes[0]

    @property
    def passage_prefix(self) -> str:
        return self._prefixes[1]

    @property
    def calibration(self) -> Calibration:
        return self._calibration

    @property
    def threads(self) -> int:
        return self._session.threads

    def encode(self, texts: Sequence[str], kind: TextKind) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        prefix = self.query_prefix if kind == "query" else self.passage_prefix
        prefixed = [prefix + text for text in texts]
        size = self._batch_size
        if len(prefixed) <= size:
            return self._session.run(prefixed)
        # Batches of similar length waste little work on padding; each text is
        # tokenised once, for its length and for its batch.
        encodings = self._session.tokenize(prefixed)
        order = np.argsort([len(e) for e in encodings], kind="stable")
        out = np.empty((len(prefixed), self._dimension), dtype=np.float32)
        batches = [order[start : start + size] for start in range(0, len(order), size)]

        def run(rows: NDArray[np.intp]) -> None:
            out[rows] = self._session.run_ids([encodings[i] for i in rows])

        if self._session.threads == 1:  # a server's call: idle cores may help
            run_spread(batches, run)
        else:
            for rows in batches:
                run(rows)
        return out
