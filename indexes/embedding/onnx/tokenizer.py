"""The ONNX runtime's tokenizer: a compact SentencePiece form of a Unigram
``tokenizer.json``, or the ``tokenizers`` library's own loader for any other model.

Why not just ``tokenizers``: its Unigram model keeps the vocabulary in a trie with a
hash map per node. For the bundled model's 250,002 pieces that is 288 MB resident and
0.64–1.0 s to load, the largest single item of a server's memory and of its start-up.
The same vocabulary in SentencePiece's double-array trie, with ``tokenizers``'
normaliser beside it, is 87 MB and loads in 0.43 s (docs/performance.md, issue 23).

What stays with ``tokenizers``: normalising and splitting into words, through a copy of
the file with a one-piece vocabulary (its normaliser and pre-tokeniser exactly as
written). SentencePiece then segments each word with the file's pieces and scores, and
the special tokens of its post-processor are added around the ids, with the same
truncation. On 260,056 texts (every text column of the shared data: ESCO, CompetentNL,
MELO, Decorte, SkillSpan and the job-title sets; 3,000 vacancy-length texts; edge cases)
the ids were identical except for 23, hexadecimal identifiers (UUIDs) and a run of
"=", where two segmentations have equal scores and the two libraries' sums, in float32
and float64, break the tie differently. One known difference more: a text whose
normalised form spells "<unk>" (e.g. in full-width brackets) stays characters here,
where ``tokenizers`` finds the piece; typed as is, it is matched as a special token by
both.

The compact form is derived from the tokenizer.json once (about 1.3 s) and kept beside
it, named after the checksum of the file it came from: an export derives it as it
verifies its new folder, an older folder on its first load; a folder that cannot be
written derives it again at each start. A tokenizer this module cannot reproduce
exactly (not Unigram, byte fallback, special tokens matched after normalising, a
post-processor other than special tokens around the text), or compact files it cannot
read, are loaded by ``tokenizers`` as before, with a warning for the latter.

Words are segmented through a cache (``WORD_CACHE`` words, least recently used out):
each SentencePiece call releases and takes back the GIL, which under concurrent
requests can wait for another thread's switch interval, and a text's words mostly
recur.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import struct
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

COMPACT_MODEL_SUFFIX = ".unigram.model"  # SentencePiece's model, beside tokenizer.json
COMPACT_SPEC_SUFFIX = ".unigram.json"  # what SentencePiece does not hold; written last
COMPACT_FORMAT = 2  # 2: special tokens are normal pieces (found after NFKC, as by tokenizers)

WORD_CACHE = 16_384  # segmented words kept per tokenizer: about 5 MB when full (65,536 took 17)

# SentencePiece piece types (sentencepiece_model.proto)
_NORMAL, _UNKNOWN = 1, 2


class Tokenizer(Protocol):
    """What the runtime needs of a tokenizer: token ids per text, truncated, with the
    model's special tokens."""

    def encode_ids(self, texts: Sequence[str]) -> list[list[int]]: ...


class LibraryTokenizer:
    """``tokenizers``' own loader: for every tokenizer the compact form cannot
    reproduce."""

    def __init__(self, path: Path, max_length: int) -> None:
        from tokenizers import Tokenizer as HfTokenizer

        self._tokenizer = HfTokenizer.from_file(str(path))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length)

    def encode_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [e.ids for e in self._tokenizer.encode_batch(list(texts))]


class CompactUnigramTokenizer:
    """A Unigram tokenizer.json run as words from ``tokenizers`` and pieces from
    SentencePiece (see the module docstring for why and how exact)."""

    def __init__(self, model: bytes, spec: dict[str, Any], max_length: int) -> None:
        import sentencepiece
        from tokenizers import Tokenizer as HfTokenizer

        pieces = sentencepiece.SentencePieceProcessor(model_proto=model)
        self._pieces = pieces
        # Shared lists, only ever read: callers copy the ids out (``ids.extend``).
        self._word_ids = functools.lru_cache(maxsize=WORD_CACHE)(pieces.EncodeAsIds)
        splitter = HfTokenizer.from_str(json.dumps(spec["splitter"]))
        self._normalizer = splitter.normalizer
        self._pre_tokenizer = splitter.pre_tokenizer
        self._prefix: list[int] = list(spec["prefix"])
        self._suffix: list[int] = list(spec["suffix"])
        self._room = max_length - len(self._prefix) - len(self._suffix)
        if self._room < 0:
            raise ValueError(f"max_length {max_length} leaves no room for the special tokens")
        specials: dict[str, int] = spec["specials"]
        self._specials = specials
        self._special_pattern = (
            re.compile("|".join(re.escape(s) for s in sorted(specials, key=len, reverse=True)))
            if specials
            else None
        )

    def encode_ids(self, texts: Sequence[str]) -> list[list[int]]:
        return [self._encode(text) for text in texts]

    def _encode(self, text: str) -> list[int]:
        # A special token typed in the text is its id, as tokenizers matches it before
        # normalising. Each word of the other parts is segmented on its own, as
        # tokenizers does: in one string, SentencePiece's float32 sum over the whole
        # text broke a near-tie inside a word differently ("▁cont|ingen|cy" where
        # tokenizers has "▁contin|gen|cy"), word by word only exact ties differ.
        ids: list[int] = []
        encode = self._word_ids
        for part, special in self._parts(text):
            if special is not None:
                ids.append(special)
                continue
            normalized = (
                self._normalizer.normalize_str(part) if self._normalizer is not None else part
            )
            if self._pre_tokenizer is None:
                ids.extend(encode(normalized) if normalized else ())
                continue
            for word, _ in self._pre_tokenizer.pre_tokenize_str(normalized):
                if word:
                    ids.extend(encode(word))
        return self._prefix + ids[: self._room] + self._suffix

    def _parts(self, text: str) -> list[tuple[str, int | None]]:
        """``text`` cut around the special tokens typed in it."""
        if self._special_pattern is None:
            return [(text, None)]
        parts: list[tuple[str, int | None]] = []
        start = 0
        for match in self._special_pattern.finditer(text):
            if match.start() > start:
                parts.append((text[start : match.start()], None))
            parts.append((match.group(), self._specials[match.group()]))
            start = match.end()
        if start < len(text) or not parts:
            parts.append((text[start:], None))
        return parts


def load_tokenizer(path: Path, max_length: int) -> Tokenizer:
    """The compact form of the tokenizer at ``path`` when it can be reproduced (derived
    and kept beside it on first use), else ``tokenizers``' loader."""
    source = path.read_bytes()  # hashed and, when deriving, parsed: one read of the file
    source_sha256 = hashlib.sha256(source).hexdigest()
    model_path, spec_path = compact_paths(path)
    try:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        if (
            isinstance(spec, dict)
            and spec.get("format") == COMPACT_FORMAT
            and spec.get("source_sha256") == source_sha256
        ):
            model = model_path.read_bytes()
            if hashlib.sha256(model).hexdigest() == spec.get("model_sha256"):
                return CompactUnigramTokenizer(model, spec, max_length)
    except FileNotFoundError:
        pass  # not derived yet
    except Exception as error:  # damaged, or written by something else: derive again
        log.warning("%s: its compact form is unreadable (%s); deriving it again", path, error)
    try:
        derived = derive_compact(source, source_sha256)
        if derived is None:
            return LibraryTokenizer(path, max_length)
        model, spec = derived
        tokenizer = CompactUnigramTokenizer(model, spec, max_length)
    except Exception as error:  # a file tokenizers reads but this module misjudged
        log.warning("%s: no compact form (%s); loading it with tokenizers", path, error)
        return LibraryTokenizer(path, max_length)
    with contextlib.suppress(OSError):  # a read-only folder derives again next start
        _write_compact(path, model, spec)
    return tokenizer


def compact_paths(path: Path) -> tuple[Path, Path]:
    """Where the compact form of the tokenizer at ``path`` is kept."""
    stem = path.name.removesuffix(".json")
    return path.with_name(stem + COMPACT_MODEL_SUFFIX), path.with_name(stem + COMPACT_SPEC_SUFFIX)


def derive_compact(source: bytes, source_sha256: str) -> tuple[bytes, dict[str, Any]] | None:
    """SentencePiece's model and the rest of the spec for the tokenizer.json ``source``,
    or None when it has anything the compact form would not reproduce."""
    data = json.loads(source)
    model = data.get("model") or {}
    if model.get("type") != "Unigram" or model.get("byte_fallback"):
        return None
    unk = model.get("unk_id")
    vocab = model.get("vocab") or []
    if not isinstance(unk, int) or not 0 <= unk < len(vocab):
        return None
    added = data.get("added_tokens") or []
    if any(
        t.get("normalized") or t.get("single_word") or t.get("lstrip") or t.get("rstrip")
        for t in added
    ):
        return None
    if '"first"' in json.dumps(data.get("pre_tokenizer")):
        return None  # a metaspace only before the text's first part: not reproduced
    affixes = _post_affixes(data.get("post_processor"))
    if affixes is None:
        return None
    specials = {t["content"]: int(t["id"]) for t in added}
    pieces = bytearray()
    for index, (piece, score) in enumerate(vocab):
        # Special tokens are ordinary pieces as well: typed in a text they are matched
        # before normalising, but a form that normalises to one (NFKC of full-width
        # brackets) is found by tokenizers' Unigram as a piece. Only the unknown piece
        # must keep its type.
        kind = _UNKNOWN if index == unk else _NORMAL
        entry = (
            _field_bytes(1, piece.encode("utf-8"))
            + _key(2, 5)
            + struct.pack("<f", score)
            + _key(3, 0)
            + _varint(kind)
        )
        pieces += _field_bytes(1, entry)
    prefix, suffix = affixes
    # trainer spec: unigram (3 = 1), unk_id (40); bos/eos/pad (41–43) are not used to
    # encode but must not collide with unk_id's default of 0
    trainer = _key(3, 0) + _varint(1) + _key(40, 0) + _varint(unk)
    for field in (41, 42, 43):
        trainer += _key(field, 0) + _varint(-1)
    # normaliser spec: "identity", no dummy prefix, whitespace neither removed nor
    # escaped: the words arrive normalised and prefixed by tokenizers
    normaliser = _field_bytes(1, b"identity")
    for field in (3, 4, 5):
        normaliser += _key(field, 0) + _varint(0)
    proto = bytes(pieces) + _field_bytes(2, trainer) + _field_bytes(3, normaliser)
    splitter = {key: data.get(key) for key in ("version", "normalizer", "pre_tokenizer", "decoder")}
    splitter.update(
        truncation=None,
        padding=None,
        added_tokens=[],
        post_processor=None,
        model={"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]], "byte_fallback": False},
    )
    spec = {
        "format": COMPACT_FORMAT,
        "source_sha256": source_sha256,
        "model_sha256": hashlib.sha256(proto).hexdigest(),
        "prefix": prefix,
        "suffix": suffix,
        "specials": specials,
        "splitter": splitter,
    }
    return proto, spec


def _post_affixes(post: Any) -> tuple[list[int], list[int]] | None:
    """The special-token ids a post-processor puts before and after a single text, or
    None for anything else than special tokens around the text."""
    if post is None:
        return [], []
    if post.get("type") == "RobertaProcessing":
        return [int(post["cls"][1])], [int(post["sep"][1])]
    if post.get("type") != "TemplateProcessing":
        return None
    special_ids = {name: entry["ids"] for name, entry in (post.get("special_tokens") or {}).items()}
    before: list[int] = []
    after: list[int] = []
    seen_text = False
    for item in post.get("single") or []:
        if "Sequence" in item:
            if seen_text or item["Sequence"].get("id") != "A":
                return None
            seen_text = True
        elif "SpecialToken" in item:
            ids = special_ids.get(item["SpecialToken"]["id"])
            if ids is None:
                return None
            (after if seen_text else before).extend(int(i) for i in ids)
        else:
            return None
    return (before, after) if seen_text else None


def _write_compact(path: Path, model: bytes, spec: dict[str, Any]) -> None:
    """Both files written whole and renamed into place, the spec last: a reader finds
    either the finished pair or a spec that does not match and derives again."""
    model_path, spec_path = compact_paths(path)
    _write_atomic(model_path, model)
    _write_atomic(spec_path, json.dumps(spec, ensure_ascii=False).encode("utf-8"))


def _write_atomic(target: Path, payload: bytes) -> None:
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            os.fchmod(handle.fileno(), 0o644)  # mkstemp's 0600 would hide it from other users
        os.replace(name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def _field_bytes(field: int, payload: bytes) -> bytes:
    return _key(field, 2) + _varint(len(payload)) + payload
