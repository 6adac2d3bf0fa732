"""Build a tiny, random-weight GGUF language model for the test suite.

The model is written with the `gguf` package in a few milliseconds and loads in
llama-cpp-python like a real Qwen2.5 chat model would: architecture ``qwen2``,
a byte-level BPE ("gpt2") tokenizer with the ``qwen2`` pre-tokenizer, ChatML
control tokens and a ChatML ``tokenizer.chat_template``.  The weights are random
(fixed seed), so generated text is nonsense, but everything structural -
tokenization, special tokens, EOG handling, grammars, logits - is real.

Vocabulary layout (ids are stable and do not depend on ``seed`` or ``think``)::

    0..255            one token per byte value b, spelled with GPT-2's
                      byte-to-unicode mapping (so id == byte value)
    256..256+M-1      one token per entry of MERGES (the merge result), e.g.
                      '{"', '":', 'ss', 'the', and LONG_TOKEN_ID = "=" * 48
                      (a piece longer than 32 bytes, like real vocabularies have)
    ENDOFTEXT_ID      <|endoftext|>   CONTROL  (also bos/pad, add_bos = false)
    IM_START_ID       <|im_start|>    CONTROL
    IM_END_ID         <|im_end|>      CONTROL  (eos, like Qwen2.5-Instruct)
    THINK_ID          <think>         CONTROL  (only when think=True)
    END_THINK_ID      </think>        CONTROL  (only when think=True)

All special tokens are CONTROL type: llama.cpp then matches their text only
when tokenizing with ``special=True``; with ``special=False`` the same text
becomes ordinary byte tokens.  (USER_DEFINED tokens, by contrast, are matched
even when ``special=False`` - see llama-vocab.cpp ``tokenizer_st_partition``.
Real Qwen3 GGUFs mark ``<think>``/``</think>`` USER_DEFINED; pass
``think_token_type=TokenType.USER_DEFINED`` to mimic that.)

Both ``<|im_end|>`` and ``<|endoftext|>`` are end-of-generation (EOG) tokens in
llama.cpp (it recognises them by text), so generation stops on either one.

Load it with ``llama_cpp.Llama(model_path=..., n_ctx=512, **LLAMA_TEST_KWARGS)``:
one thread keeps every decode well under a millisecond, whereas the default
thread count can stall a tiny decode for up to ~1 s on a small busy machine.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

import gguf
from gguf import GGUFWriter, TokenType

__all__ = [
    "LLAMA_TEST_KWARGS",
    "build_tiny_gguf",
    "build_not_a_language_model",
    "truncate_copy",
    "special_token_ids",
    "byte_token_id",
    "bytes_to_unicode",
    "MERGES",
    "LONG_TOKEN_TEXT",
    "LONG_TOKEN_ID",
    "N_BYTE_TOKENS",
    "ENDOFTEXT_ID",
    "IM_START_ID",
    "IM_END_ID",
    "THINK_ID",
    "END_THINK_ID",
    "EOS_ID",
    "CHAT_TEMPLATE",
    "CHAT_TEMPLATE_THINK",
    "TINY_DIMS",
]


LLAMA_TEST_KWARGS = {"n_threads": 1, "n_threads_batch": 1, "verbose": False}

# --------------------------------------------------------------------------- vocab


def bytes_to_unicode() -> Dict[int, str]:
    """GPT-2's reversible byte -> printable unicode character mapping."""
    bs = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("\u00a1"), ord("\u00ac") + 1))
        + list(range(ord("\u00ae"), ord("\u00ff") + 1))
    )
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


_B2U = bytes_to_unicode()
N_BYTE_TOKENS = 256

# Merges, in rank order, written in raw text (converted to GPT-2 byte-unicode
# spelling when the file is written).  Every left/right part is either a single
# byte or the result of an earlier merge, so the list is a valid BPE.
_RAW_MERGES: List[Tuple[str, str]] = [
    ("{", '"'),     # {"
    ('"', ":"),     # ":
    ('"', ","),     # ",
    (" ", '"'),     # ' "'
    ("s", "s"),     # ss
    ("t", "h"),     # th
    ("th", "e"),    # the
    (" ", "the"),   # ' the'
    ("i", "n"),     # in
    ("e", "r"),     # er
    (" ", "t"),     # ' t'
    ("a", "n"),     # an
    ("o", "n"),     # on
    ("i", "d"),     # id
    ("id", "s"),    # ids
    ("]", "}"),     # ]}
    (" ", "["),     # ' ['
    # a chain ending in a 48-byte token ("=" * 48): real vocabularies have
    # pieces longer than 32 bytes, which matters for detokenize buffers
    ("=", "="),
    ("==", "=="),
    ("====", "===="),
    ("=" * 8, "=" * 8),
    ("=" * 16, "=" * 16),
    ("=" * 32, "=" * 16),
]


def _enc(text: str) -> str:
    return "".join(_B2U[b] for b in text.encode("utf-8"))


MERGES: List[str] = [f"{_enc(a)} {_enc(b)}" for a, b in _RAW_MERGES]
_MERGED_TOKENS: List[str] = [_enc(a + b) for a, b in _RAW_MERGES]
LONG_TOKEN_TEXT = "=" * 48
LONG_TOKEN_ID = N_BYTE_TOKENS + _MERGED_TOKENS.index(_enc(LONG_TOKEN_TEXT))

ENDOFTEXT_ID = N_BYTE_TOKENS + len(_MERGED_TOKENS)
IM_START_ID = ENDOFTEXT_ID + 1
IM_END_ID = ENDOFTEXT_ID + 2
THINK_ID = ENDOFTEXT_ID + 3
END_THINK_ID = ENDOFTEXT_ID + 4
EOS_ID = IM_END_ID

_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
_THINK_SPECIALS = ["<think>", "</think>"]


def byte_token_id(b: int) -> int:
    """Id of the single-byte token for byte value ``b`` (it is ``b`` itself)."""
    if not 0 <= b < 256:
        raise ValueError(b)
    return b


def special_token_ids(think: bool = True) -> Dict[str, int]:
    """Special token text -> id for a model built with the given ``think``."""
    ids = {
        "<|endoftext|>": ENDOFTEXT_ID,
        "<|im_start|>": IM_START_ID,
        "<|im_end|>": IM_END_ID,
    }
    if think:
        ids["<think>"] = THINK_ID
        ids["</think>"] = END_THINK_ID
    return ids


def _vocab(think: bool, think_token_type: TokenType) -> Tuple[List[str], List[int]]:
    tokens = [_B2U[b] for b in range(256)] + list(_MERGED_TOKENS)
    types = [int(TokenType.NORMAL)] * len(tokens)
    tokens += _SPECIALS
    types += [int(TokenType.CONTROL)] * len(_SPECIALS)
    if think:
        tokens += _THINK_SPECIALS
        types += [int(think_token_type)] * len(_THINK_SPECIALS)
    assert len(set(tokens)) == len(tokens), "duplicate token text"
    return tokens, types


# --------------------------------------------------------------------------- chat template

# ChatML, deliberately *not* byte-identical to llama_cpp's CHATML_CHAT_TEMPLATE
# so that llama-cpp-python takes the same path as for a real Qwen GGUF
# (chat_format "chat_template.default" through Jinja2ChatFormatter).
CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

# Qwen3-style: thinking can be switched off with enable_thinking=false, which
# pre-fills an empty think block.
CHAT_TEMPLATE_THINK = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}"
    "{%- if enable_thinking is defined and enable_thinking is false %}"
    "{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}"
    "{%- endif %}"
)


# --------------------------------------------------------------------------- model

TINY_DIMS = {
    "n_embd": 64,
    "n_layer": 2,
    "n_head": 4,
    "n_head_kv": 2,  # GQA, as in Qwen2.5
    "n_ff": 128,
}


def build_tiny_gguf(
    path: Path,
    *,
    seed: int = 0,
    think: bool = True,
    n_ctx_train: int = 8192,
    think_token_type: TokenType = TokenType.CONTROL,
    chat_template: Optional[str] = None,
) -> Path:
    """Write a tiny random-weight qwen2 GGUF to ``path`` and return ``path``.

    ``seed`` fixes the weights (same seed -> byte-identical file).  ``think``
    adds ``<think>``/``</think>`` tokens (and a Qwen3-style template).
    ``n_ctx_train`` is written as ``qwen2.context_length`` (what
    ``Llama(n_ctx=0)`` falls back to).  ``chat_template`` overrides the
    built-in ChatML template.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    d = TINY_DIMS
    n_embd, n_layer, n_head, n_head_kv, n_ff = (
        d["n_embd"], d["n_layer"], d["n_head"], d["n_head_kv"], d["n_ff"]
    )
    head_dim = n_embd // n_head
    n_embd_kv = head_dim * n_head_kv

    tokens, types = _vocab(think, think_token_type)
    n_vocab = len(tokens)

    rng = np.random.default_rng(seed)

    def mat(rows: int, cols: int, std: float) -> np.ndarray:
        # numpy shape is (out, in); gguf stores it reversed as ggml ne = {in, out}
        return (rng.standard_normal((rows, cols)) * std).astype(np.float16)

    def vec(n: int, std: float) -> np.ndarray:
        return (rng.standard_normal(n) * std).astype(np.float32)

    tensors: List[Tuple[str, np.ndarray]] = []
    # tied embeddings (no output.weight), like Qwen2.5-0.5B/1.5B/3B
    tensors.append(("token_embd.weight", mat(n_vocab, n_embd, 0.5)))
    tensors.append(("output_norm.weight", np.ones(n_embd, dtype=np.float32)))
    for i in range(n_layer):
        p = f"blk.{i}."
        tensors += [
            (p + "attn_norm.weight", np.ones(n_embd, dtype=np.float32)),
            (p + "attn_q.weight", mat(n_embd, n_embd, 0.15)),
            (p + "attn_q.bias", vec(n_embd, 0.05)),
            (p + "attn_k.weight", mat(n_embd_kv, n_embd, 0.15)),
            (p + "attn_k.bias", vec(n_embd_kv, 0.05)),
            (p + "attn_v.weight", mat(n_embd_kv, n_embd, 0.15)),
            (p + "attn_v.bias", vec(n_embd_kv, 0.05)),
            (p + "attn_output.weight", mat(n_embd, n_embd, 0.15)),
            (p + "ffn_norm.weight", np.ones(n_embd, dtype=np.float32)),
            (p + "ffn_gate.weight", mat(n_ff, n_embd, 0.15)),
            (p + "ffn_up.weight", mat(n_ff, n_embd, 0.15)),
            (p + "ffn_down.weight", mat(n_embd, n_ff, 0.15)),
        ]

    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    w = GGUFWriter(tmp, "qwen2")
    try:
        w.add_name("brief tiny test model")
        w.add_type("model")
        w.add_file_type(int(gguf.LlamaFileType.MOSTLY_F16))
        w.add_context_length(n_ctx_train)
        w.add_embedding_length(n_embd)
        w.add_block_count(n_layer)
        w.add_feed_forward_length(n_ff)
        w.add_head_count(n_head)
        w.add_head_count_kv(n_head_kv)
        w.add_rope_freq_base(1_000_000.0)
        w.add_layer_norm_rms_eps(1e-6)

        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre("qwen2")
        w.add_token_list(tokens)
        w.add_token_types(types)
        w.add_token_merges(MERGES)
        w.add_bos_token_id(ENDOFTEXT_ID)
        w.add_eos_token_id(EOS_ID)
        w.add_pad_token_id(ENDOFTEXT_ID)
        w.add_add_bos_token(False)
        if chat_template is None:
            chat_template = CHAT_TEMPLATE_THINK if think else CHAT_TEMPLATE
        w.add_chat_template(chat_template)

        for name, arr in tensors:
            w.add_tensor(name, arr)

        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
    finally:
        w.close()
    os.replace(tmp, path)
    return path


def build_not_a_language_model(path: Path) -> Path:
    """Write a well-formed GGUF that llama.cpp refuses to load as a model.

    It declares ``general.architecture = "clip"`` (an mmproj-style file) and
    carries one small tensor.  ``gguf.GGUFReader`` reads it fine;
    llama.cpp aborts the load with "CLIP cannot be used as main model".
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    w = GGUFWriter(path, "clip")
    try:
        w.add_name("brief not-a-language-model")
        w.add_type("mmproj")
        w.add_tensor("v.patch_embd.weight", np.zeros((4, 4), dtype=np.float32))
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
    finally:
        w.close()
    return path


def truncate_copy(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    """Copy the first ``fraction`` of ``src`` to ``dst`` (a broken download)."""
    data = Path(src).read_bytes()
    Path(dst).write_bytes(data[: int(len(data) * fraction)])
    return Path(dst)
