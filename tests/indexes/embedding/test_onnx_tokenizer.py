"""The runtime's compact tokenizer gives the ids ``tokenizers`` gives, is derived once
and kept beside the tokenizer.json, and steps aside for what it cannot reproduce."""

import csv
import gzip
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from tokenizers import Tokenizer as HfTokenizer

from indexes.embedding.load import load_embedder
from indexes.embedding.onnx import tokenizer as compact
from indexes.embedding.onnx.files import TOKENIZER_FILE
from indexes.embedding.onnx.runtime import OnnxEmbedder
from indexes.embedding.onnx.tokenizer import (
    CompactUnigramTokenizer,
    LibraryTokenizer,
    compact_paths,
    load_tokenizer,
)
from tests.support.paths import SHARED_DATA, needs_shared_data

MAX_LENGTH = 512

TEXTS = [
    "query: Ik heb tien jaar als kok gewerkt en wil graag de techniek in.",
    "passage: storingen verhelpen aan elektrische installaties (cv-ketels, warmtepompen)",
    "truck driver with a C/CE licence",
    "",
    " ",
    "  leading spaces",
    "trailing spaces   ",
    "tabs\tand\nnew\r\nlines\u00a0and\u2003odd\u200bspaces",
    "ﬁligrane Ångström café (e + U+0301: e\u0301)",
    "中文字符测试 日本語のテキスト Ελληνικά русский",
    "emoji 🈻 ～ 🧿 and a private-use \ue000 character",
    "typed special tokens: <s> x<unk>y </s> <mask> and <pad>",
    "special tokens after NFKC: ＜s＞ ﹤/s﹥ ＜mask＞ ＜pad＞",
    "bbb cccc ==== ",
    "lassen " * 700,  # truncated at MAX_LENGTH
]


@pytest.fixture(scope="module")
def bundled_tokenizer(shared_models_dir: Path) -> Path:
    embedder = load_embedder("bundled:multilingual-e5-small", shared_models_dir, "onnx")
    assert isinstance(embedder, OnnxEmbedder)
    return embedder.folder / TOKENIZER_FILE


@pytest.fixture
def tokenizer_copy(bundled_tokenizer: Path, tmp_path: Path) -> Path:
    """The bundled tokenizer.json alone in a folder of its own."""
    target = tmp_path / TOKENIZER_FILE
    shutil.copyfile(bundled_tokenizer, target)
    return target


def _library_ids(path: Path, texts: list[str]) -> list[list[int]]:
    return LibraryTokenizer(path, MAX_LENGTH).encode_ids(texts)


def test_compact_ids_equal_the_library_ids(tokenizer_copy: Path) -> None:
    fast = load_tokenizer(tokenizer_copy, MAX_LENGTH)
    assert isinstance(fast, CompactUnigramTokenizer)
    got = fast.encode_ids(TEXTS)
    assert got == _library_ids(tokenizer_copy, TEXTS)
    assert len(got[-1]) == MAX_LENGTH  # truncated, with <s> and </s> around
    assert got[3] == [0, 2]  # the empty text is the two special tokens


def test_the_served_embedder_uses_the_compact_form(bundled_tokenizer: Path) -> None:
    model_path, spec_path = compact_paths(bundled_tokenizer)
    assert model_path.is_file() and spec_path.is_file()  # derived beside it on first load
    assert isinstance(load_tokenizer(bundled_tokenizer, MAX_LENGTH), CompactUnigramTokenizer)


def test_derived_once_and_derived_again_when_stale_or_damaged(
    tokenizer_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_tokenizer(tokenizer_copy, MAX_LENGTH)
    model_path, spec_path = compact_paths(tokenizer_copy)
    written = spec_path.stat().st_mtime_ns

    derived: list[str] = []
    real = compact.derive_compact

    def counting(source: bytes, source_sha256: str) -> object:
        derived.append(source_sha256)
        return real(source, source_sha256)

    monkeypatch.setattr(compact, "derive_compact", counting)
    load_tokenizer(tokenizer_copy, MAX_LENGTH)
    assert derived == [] and spec_path.stat().st_mtime_ns == written  # reused

    original = hashlib.sha256(tokenizer_copy.read_bytes()).hexdigest()
    model_path.write_bytes(model_path.read_bytes()[:-100])  # damaged
    tokenizer = load_tokenizer(tokenizer_copy, MAX_LENGTH)
    assert derived == [original]
    assert tokenizer.encode_ids(TEXTS) == _library_ids(tokenizer_copy, TEXTS)

    # Current and matching, but its splitter is not a tokenizer: warned, derived again.
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    spec_path.write_text(json.dumps({**spec, "splitter": {"model": 1}}), encoding="utf-8")
    assert isinstance(load_tokenizer(tokenizer_copy, MAX_LENGTH), CompactUnigramTokenizer)
    assert derived == [original, original]

    # A different tokenizer.json (one piece's score changed) is derived again.
    data = json.loads(tokenizer_copy.read_text(encoding="utf-8"))
    data["model"]["vocab"][100][1] -= 1.0
    tokenizer_copy.write_text(json.dumps(data), encoding="utf-8")
    load_tokenizer(tokenizer_copy, MAX_LENGTH)
    changed = hashlib.sha256(tokenizer_copy.read_bytes()).hexdigest()
    assert derived == [original, original, changed]
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    assert spec["source_sha256"] == changed


def test_a_folder_that_cannot_be_written_still_gets_the_compact_form(
    tokenizer_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: object) -> None:
        raise PermissionError("read-only folder")

    monkeypatch.setattr(compact, "_write_compact", refuse)
    tokenizer = load_tokenizer(tokenizer_copy, MAX_LENGTH)
    assert isinstance(tokenizer, CompactUnigramTokenizer)
    assert not compact_paths(tokenizer_copy)[1].exists()
    assert tokenizer.encode_ids(TEXTS[:3]) == _library_ids(tokenizer_copy, TEXTS[:3])


def test_what_it_cannot_reproduce_is_loaded_by_tokenizers(tmp_path: Path) -> None:
    from tokenizers import models, pre_tokenizers

    wordpiece = HfTokenizer(
        models.WordPiece({"[UNK]": 0, "las": 1, "##sen": 2, "motor": 3}, unk_token="[UNK]")
    )
    wordpiece.pre_tokenizer = pre_tokenizers.Whitespace()
    path = tmp_path / TOKENIZER_FILE
    wordpiece.save(str(path))
    tokenizer = load_tokenizer(path, MAX_LENGTH)
    assert isinstance(tokenizer, LibraryTokenizer)
    assert tokenizer.encode_ids(["lassen motor"]) == [[1, 2, 3]]
    assert not compact_paths(path)[1].exists()


def _shared_texts(limit: int) -> list[str]:
    """Dutch and English texts of the real data: ESCO's Dutch occupations (labels and
    descriptions) and its English skills."""
    texts: list[str] = []
    sources = (
        (SHARED_DATA / "esco-v1.1-nl-collections" / "occupations_nl.csv.gz", 3),
        (SHARED_DATA / "esco-v1.1.1-en" / "skills_en.csv.gz", 1),
    )
    for path, per_row in sources:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for index, row in enumerate(csv.DictReader(handle)):
                if index * per_row >= limit:
                    break
                texts += [row["preferredLabel"], row["altLabels"], row["description"]][:per_row]
    return texts


@needs_shared_data
def test_real_texts_tokenize_as_with_tokenizers(bundled_tokenizer: Path) -> None:
    texts = _shared_texts(6000)
    assert len(texts) >= 10_000
    fast = load_tokenizer(bundled_tokenizer, MAX_LENGTH).encode_ids(texts)
    slow = _library_ids(bundled_tokenizer, texts)
    # Measured on 260,045 texts of the shared data: 23 differ, all ties between two
    # segmentations of equal score (hexadecimal identifiers, "====="); ESCO's texts have
    # none of those.
    assert fast == slow
