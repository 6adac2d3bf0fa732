"""llama.cpp's grammar sampler driven one token at a time, and the UTF-8 check it lacks."""

from __future__ import annotations

import codecs
import ctypes
from typing import TYPE_CHECKING

import numpy as np

from .errors import GenerationError
from .loading import import_llama_cpp

if TYPE_CHECKING:
    from .engine import Engine

_TOKEN_DTYPE = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)


class Utf8Guard:
    """Tracks the bytes generated so far and tells whether a token keeps them valid UTF-8."""

    def __init__(self):
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")

    # Second-byte ranges that Python's incremental decoder does not check on an incomplete
    # sequence (it would accept \xed\xa1, which can only become a surrogate).
    _SECOND = {0xE0: (0xA0, 0xBF), 0xED: (0x80, 0x9F), 0xF0: (0x90, 0xBF), 0xF4: (0x80, 0x8F)}

    def fits(self, piece: bytes) -> bool:
        state = self.decoder.getstate()
        try:
            self.decoder.decode(piece)
            pending = self.decoder.getstate()[0]
            if len(pending) >= 2 and pending[0] in self._SECOND:
                lo, hi = self._SECOND[pending[0]]
                return lo <= pending[1] <= hi
            return True
        except UnicodeDecodeError:
            return False
        finally:
            self.decoder.setstate(state)

    def push(self, piece: bytes) -> None:
        self.decoder.decode(piece)


class Grammar:
    """llama.cpp's grammar sampler, used for a cheap single-token check and, when that fails, a mask."""

    def __init__(self, engine: "Engine", gbnf: str):
        lc = import_llama_cpp()
        self.lc = lc
        self.smpl = lc.llama_sampler_init_grammar(engine.vocab, gbnf.encode(), b"root")
        if not self.smpl:
            raise GenerationError("internal error: llama.cpp rejected a grammar built from a schema")
        self.one = np.recarray((1,), dtype=_TOKEN_DTYPE)
        self.one_arr = lc.llama_token_data_array(
            data=self.one.ctypes.data_as(lc.llama_token_data_p), size=1, selected=-1, sorted=False)
        self.full = np.recarray((engine.n_vocab,), dtype=_TOKEN_DTYPE)
        self.full_arr = lc.llama_token_data_array(
            data=self.full.ctypes.data_as(lc.llama_token_data_p), size=engine.n_vocab,
            selected=-1, sorted=False)
        self.ids = np.arange(engine.n_vocab, dtype=np.intc)

    def allows(self, token: int) -> bool:
        """Whether the grammar accepts this token next (the cheap path)."""
        self.one.id[0], self.one.logit[0], self.one.p[0] = token, 0.0, 0.0
        self.one_arr.size, self.one_arr.selected, self.one_arr.sorted = 1, -1, False
        self.lc.llama_sampler_apply(self.smpl, ctypes.byref(self.one_arr))
        return bool(np.isfinite(self.one.logit[0]))

    def ranked(self, logits: np.ndarray) -> np.ndarray:
        """Tokens the grammar allows, best first (the full-vocabulary path)."""
        self.full.id[:] = self.ids
        self.full.logit[:] = logits
        self.full.p[:] = 0.0
        self.full_arr.size, self.full_arr.selected, self.full_arr.sorted = len(self.ids), -1, False
        self.lc.llama_sampler_apply(self.smpl, ctypes.byref(self.full_arr))
        n = self.full_arr.size
        allowed = self.full.logit[:n] != -np.inf  # how the grammar marks a rejected token
        ids, vals = self.full.id[:n][allowed], self.full.logit[:n][allowed]
        return ids[np.argsort(-vals, kind="stable")]

    def accept(self, token: int) -> None:
        self.lc.llama_sampler_accept(self.smpl, token)

    def close(self) -> None:
        if self.smpl:
            self.lc.llama_sampler_free(self.smpl)
            self.smpl = None
