"""Export a sentence-transformers model to ONNX once, so requests never run torch.

Why: one short query through ``SentenceTransformer.encode`` on torch costs ~20 ms on the
2-core target machines, most of it Python and dispatch overhead around a model that
needs ~5 ms of arithmetic. An ONNX graph of the whole pipeline (transformer, the model's
own pooling, L2 normalisation) run by onnxruntime removes that overhead and lets the
service start without importing torch at all.

The export runs once per model (identified by the embedder's name, which already changes
with the weights) and is cached under ``<models_dir>/onnx``. It uses torch's TorchScript
exporter, because onnxruntime's transformer optimiser recognises the attention and
layer-norm patterns of that graph (the dynamo exporter's graph exports fine but fuses
nothing: 5.7 instead of 4.5 ms per short query on 2 threads, measured here).
BERT-type models are then fused (attention, skip layer norm, bias-GELU). The result is
accepted only when it reproduces the torch model's vectors on a fixed set of texts,
padded batches and a truncated long text with cosine ≥ ``MIN_COSINE``; otherwise the
unfused graph is tried, and failing that the export is refused with a message that
names ``OVERSTAP_RUNTIME=torch``.

Like the other model folders it is built in a temporary sibling and swapped in whole,
with its manifest written last. The weights are stored beside the graph in their own
file, which onnxruntime memory-maps (see ``_save_with_external_weights``).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from indexes.embedding.onnx.files import (
    FILES,
    MANIFEST_FORMAT,
    MANIFEST_NAME,
    MODEL_FILE,
    TOKENIZER_FILE,
    WEIGHTS_FILE,
    onnx_folder_for,
    read_onnx_manifest,
)
from indexes.embedding.onnx.runtime import OnnxSession
from indexes.embedding.reference_texts import VERIFY_TEXTS
from indexes.folders import replace_folder, sha256_file

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "MIN_COSINE",
    "MIN_COSINE_INT8",
    "OnnxExportError",
    "export_onnx",
    "quantise_int8",
]

log = logging.getLogger(__name__)

MIN_COSINE = 0.9999
MIN_COSINE_INT8 = 0.98
OPSET = 17
# Model types whose graphs onnxruntime's optimiser knows as "bert" (encoder-only with
# post-layer-norm attention blocks).
_FUSABLE = frozenset({"bert", "xlm-roberta", "roberta", "distilbert", "camembert"})
_LONG_TEXT = " ".join(VERIFY_TEXTS[-1:] * 6)  # > 512 tokens: exercises truncation


class OnnxExportError(RuntimeError):
    """A model cannot be exported to ONNX faithfully."""


def export_onnx(
    model: SentenceTransformer,
    embedder_name: str,
    prefixes: tuple[str, str],
    onnx_root: Path,
) -> Path:
    """Export, verify and install ``model`` as an ONNX folder; returns the folder."""
    final = onnx_folder_for(onnx_root, embedder_name)
    onnx_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=onnx_root, prefix=f".{final.name}.tmp-"))
    try:
        started = time.perf_counter()
        max_length = int(model.max_seq_length or 512)
        model.tokenizer.save_pretrained(str(work / "tokenizer"))
        tokenizer_json = work / "tokenizer" / TOKENIZER_FILE
        if not tokenizer_json.is_file():
            raise OnnxExportError(
                f"{embedder_name}: the model has no fast tokenizer (tokenizer.json), which "
                "the ONNX runtime needs; set OVERSTAP_RUNTIME=torch"
            )
        shutil.move(str(tokenizer_json), work / TOKENIZER_FILE)
        shutil.rmtree(work / "tokenizer")
        raw = work / "raw.onnx"
        _trace(model, raw)
        texts = _verification_texts(prefixes)
        reference = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        chosen, fused, cosine = _fuse_and_check(model, raw, work, texts, reference, max_length)
        _save_with_external_weights(chosen, work)
        manifest = {
            "embedder": embedder_name,
            "max_length": max_length,
            "dimension": int(reference.shape[1]),
            "fused": fused,
            "opset": OPSET,
            "min_cosine_vs_torch": round(cosine, 7),
            "verified_texts": len(texts),
            "export_seconds": round(time.perf_counter() - started, 1),
        }
        _install(work, final, manifest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info(
        "exported %s to ONNX (%s, min cosine %.7f) in %s s",
        embedder_name,
        "fused" if fused else "unfused",
        cosine,
        manifest["export_seconds"],
    )
    return final


def quantise_int8(
    fp32_folder: Path, embedder_name: str, prefixes: tuple[str, str], onnx_root: Path
) -> Path:
    """A dynamically quantised copy (int8 weights of MatMul and Attention, per output
    channel) of a verified fp32 export, under its own name: its vectors differ from the
    model's (cosine ~0.99), so it must never share cache entries or snapshots with it.

    Accepted when its vectors stay within ``MIN_COSINE_INT8`` of the fp32 export's on
    the verification texts; whether it ranks as well is for ``overstap bench`` (MELO)
    to say, which is why it is an option and not the default."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = read_onnx_manifest(fp32_folder)
    if source is None:
        raise OnnxExportError(f"{fp32_folder} is not a finished ONNX export")
    final = onnx_folder_for(onnx_root, embedder_name)
    work = Path(tempfile.mkdtemp(dir=onnx_root, prefix=f".{final.name}.tmp-"))
    try:
        started = time.perf_counter()
        shutil.copy2(fp32_folder / TOKENIZER_FILE, work / TOKENIZER_FILE)
        quantize_dynamic(
            fp32_folder / MODEL_FILE,
            work / "quantised.onnx",
            op_types_to_quantize=["MatMul", "Attention"],
            per_channel=True,
            weight_type=QuantType.QInt8,
            # Fused ops (com.microsoft domain) defeat shape inference; their outputs are
            # float32 like everything else in the graph.
            extra_options={"DefaultTensorType": 1},
        )
        _save_with_external_weights(work / "quantised.onnx", work)
        max_length = int(source["max_length"])
        texts = _verification_texts(prefixes)
        reference = OnnxSession(
            fp32_folder / MODEL_FILE, fp32_folder / TOKENIZER_FILE, max_length, threads=1
        ).run(texts)
        vectors = OnnxSession(work / MODEL_FILE, work / TOKENIZER_FILE, max_length, threads=1).run(
            texts
        )
        cosine = float(np.min(np.sum(vectors * reference, axis=1)))
        if cosine < MIN_COSINE_INT8:
            raise OnnxExportError(
                f"int8 quantisation of {embedder_name} moves vectors too far (min cosine "
                f"{cosine:.4f} < {MIN_COSINE_INT8}); use OVERSTAP_RUNTIME=onnx"
            )
        manifest = {
            **{k: source[k] for k in ("max_length", "dimension", "fused", "opset")},
            "embedder": embedder_name,
            "quantised_from": source["embedder"],
            "quantisation": "dynamic int8, per channel, MatMul + Attention",
            "min_cosine_vs_fp32": round(cosine, 5),
            "verified_texts": len(texts),
            "export_seconds": round(time.perf_counter() - started, 1),
        }
        _install(work, final, manifest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def _install(work: Path, final: Path, manifest: dict[str, Any]) -> None:
    """Record format and file checksums in ``manifest``, write it last, and swap the
    finished folder into place (both the fp32 export and its int8 copy end this way)."""
    manifest["format"] = MANIFEST_FORMAT
    manifest["files"] = {name: sha256_file(work / name) for name in FILES}
    (work / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    replace_folder(work, final)


def _save_with_external_weights(graph: Path, work: Path) -> None:
    """Write ``graph`` as ``model.onnx`` with its weights in ``model.onnx.data`` and
    remove every other graph from ``work``.

    onnxruntime memory-maps external weights instead of copying them out of the
    protobuf: measured on the bundled model, session creation fell from 0.9 to 0.1 s
    and resident memory after loading from +514 to +92 MB, because only the rows of the
    250,000-token embedding table that texts actually use are ever paged in."""
    import onnx

    model = onnx.load(str(graph))
    onnx.save_model(
        model,
        str(work / MODEL_FILE),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=WEIGHTS_FILE,
        size_threshold=1024,
    )
    for leftover in work.glob("*.onnx"):
        if leftover.name != MODEL_FILE:
            leftover.unlink()
    for leftover in work.glob("*.data"):
        if leftover.name != WEIGHTS_FILE:
            leftover.unlink()


def _verification_texts(prefixes: tuple[str, str]) -> list[str]:
    query, passage = prefixes
    return (
        [query + t for t in VERIFY_TEXTS]
        + [passage + t for t in VERIFY_TEXTS[-4:]]
        + [passage + _LONG_TEXT]
    )


def _trace(model: SentenceTransformer, target: Path) -> None:
    """TorchScript-export the model's full forward (its own pooling included) plus L2
    normalisation, with batch and sequence length dynamic."""
    import torch

    class _Pipeline(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            features = {"input_ids": input_ids, "attention_mask": attention_mask}
            pooled = self.inner(features)["sentence_embedding"]
            return torch.nn.functional.normalize(pooled, p=2.0, dim=-1)

    transformer = model[0]
    inner_model = getattr(transformer, "auto_model", None)
    if inner_model is not None and hasattr(inner_model, "set_attn_implementation"):
        # The optimiser fuses the eager attention pattern, not SDPA's.
        inner_model.set_attn_implementation("eager")
    pipeline = _Pipeline(model).eval()
    sample = model.tokenizer(
        ["query: elektromonteur", "passage: storingen verhelpen aan installaties"],
        padding=True,
        return_tensors="pt",
    )
    dynamic = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and deprecation chatter
        torch.onnx.export(
            pipeline,
            (sample["input_ids"], sample["attention_mask"]),
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={
                "input_ids": dynamic,
                "attention_mask": dynamic,
                "sentence_embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )


def _fuse_and_check(
    model: SentenceTransformer,
    raw: Path,
    work: Path,
    texts: list[str],
    reference: NDArray[np.float32],
    max_length: int,
) -> tuple[Path, bool, float]:
    """The fused graph when it is faithful, else the raw one when that is; raises when
    neither reproduces the torch vectors."""

    candidates: list[tuple[Path, bool]] = []
    config = getattr(model[0], "auto_model", None)
    model_type = getattr(getattr(config, "config", None), "model_type", "")
    if model_type in _FUSABLE:
        fused_path = work / "fused.onnx"
        try:
            _fuse(raw, fused_path, model)
            candidates.append((fused_path, True))
        except Exception as exc:  # the optimiser's failures are not typed
            log.warning("ONNX fusion failed (%s); trying the unfused graph", exc)
    candidates.append((raw, False))
    worst = 0.0
    for path, fused in candidates:
        session = OnnxSession(path, work / TOKENIZER_FILE, max_length, threads=1)
        vectors = np.concatenate(
            [session.run(texts[:1]), session.run(texts[1:9]), session.run(texts[9:])]
        )
        cosine = float(np.min(np.sum(vectors * reference, axis=1)))
        if cosine >= MIN_COSINE:
            return path, fused, cosine
        log.warning("ONNX graph %s: min cosine %.6f against torch, rejected", path.name, cosine)
        worst = max(worst, cosine)
    raise OnnxExportError(
        f"the ONNX export does not reproduce the torch model (best min cosine {worst:.6f} "
        f"< {MIN_COSINE}); set OVERSTAP_RUNTIME=torch"
    )


def _fuse(raw: Path, target: Path, model: SentenceTransformer) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    config: Any = getattr(getattr(model[0], "auto_model", None), "config", None)
    if config is None:
        raise OnnxExportError("the model has no transformer config to fuse by")
    optimised = optimize_model(
        str(raw),
        model_type="bert",
        num_heads=int(config.num_attention_heads),
        hidden_size=int(config.hidden_size),
        opt_level=1,
    )
    optimised.save_model_to_file(str(target))
