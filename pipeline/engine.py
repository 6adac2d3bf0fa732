"""One loaded model at work: tokenize, evaluate with prefix reuse, greedy generation under a
grammar, and label scoring (`loading.py` loads the model, `grammar.py` drives llama.cpp's grammar).

Why a hand-written loop rather than `create_chat_completion`: it lets brief (1) keep document text
from being parsed as control tokens, (2) reuse the KV cache of the document for every task,
(3) check the grammar against the best token, then the next FALLBACK_TOP one by one, and mask the
whole vocabulary only when none is allowed (same output at temperature 0, a fraction of the cost),
(4) stop on a time limit between tokens, (5) run a free "think" phase before the constrained
answer, and (6) check tokens guessed from the prompt (draft.py) several per decode: a claim mostly
copies its sentence, and a decode of 7 tokens costs about three of one (kept only where greedy
decoding would have chosen them; their logits come from a batch, so they may differ from one-token
decodes in the last bits, the same way every run).
"""

from __future__ import annotations

import ctypes
import json
import re
import time
from dataclasses import dataclass
from typing import Optional

import numpy as np

from . import chat
from .errors import GenerationError
from .draft import Drafter
from .grammar import Grammar, Utf8Guard
from .loading import build_info, import_llama_cpp, load
from .models import ModelRef

FALLBACK_TOP = 16  # tokens checked one by one before the whole vocabulary is masked
PROBE_BATCH = 64  # tokens: enough for a prompt rate (>= 32), a small share of a 512-token batch
# llama.cpp's CPU kernels multiply the prompt's rows four at a time and the rows left over by
# another path whose results differ in the last bits (measured on the default model: logits differ
# by up to 0.87 after a prompt split at token 114, not at all when split at 116). A token's values
# must not depend on where a batch began, or a document's results would depend on what the cache
# held before it (which documents ran earlier): every batch starts at a multiple of TILE.
TILE = 4


@dataclass
class Generation:
    """What one generate call produced."""

    text: str
    ids: list[int]
    finish_reason: str  # stop | length
    prompt_tokens: int
    seconds: float
    # With Engine.mask_every_token (bench) both count every token.
    fallbacks: int = 0  # how often the grammar (or UTF-8) rejected the best token
    full_masks: int = 0  # how often none of the next best was allowed either: the vocabulary was masked


class Engine:
    """One loaded model with one context; the KV cache holds the last prompt for prefix reuse."""

    def __init__(self, ref: ModelRef, n_ctx: int, threads: int, seed: int, vocab_only: bool = False,
                 start_ctx: Optional[int] = None):
        """n_ctx: the largest context fit_context may size; start_ctx: the one loaded (a run's
        first document resizes it anyway, so a large --max-context is never allocated up front)."""
        lc = import_llama_cpp()
        self.ref = ref
        # No mmap: llama.cpp repacks Q4_K weights for AVX2 into memory of its own, and with
        # mmap the file's pages stay resident too (measured: 2.05 GB peak RSS vs 1.45 GB).
        start = min(start_ctx or n_ctx, n_ctx)
        self.llm = load(ref.path, n_ctx=start, n_batch=512, n_threads=threads,
                        n_threads_batch=threads, seed=seed, vocab_only=vocab_only, use_mmap=False)
        self.build = build_info()  # recorded in each result: the kernels decide the last bits
        self.vocab = lc.llama_model_get_vocab(self.llm.model)
        self.n_vocab = self.llm.n_vocab()
        self.n_ctx, self.max_ctx = start, n_ctx
        self._fitted = False  # the first document may shrink the context; later ones only grow it
        meta = self.llm.metadata
        self.format = chat.get_format(ref.chat_format, meta.get("tokenizer.chat_template"))
        self.think_open = self._special_id("<think>")
        self.think_close = self._special_id("</think>")
        self.evaluated = 0
        self.generated = 0
        self.prompt_seconds_per_token = 0.0  # the fastest prompt batch so far, per token
        self.exact = 0  # leading cached tokens computed in whole tiles (see TILE): safe to reuse
        # llama-cpp-python's way, for `brief bench` to measure what checking the best token first
        # saves: the grammar masks the whole vocabulary before every token.
        self.mask_every_token = False
        # Prompt lookup (draft.py): guessed tokens checked in one batch; same greedy choices.
        self.drafting = True
        self.guessed = 0
        self.guessed_kept = 0
        self._grammars: dict[tuple[str, bool], str] = {}

    def fit_context(self, needed: int) -> None:
        """Size the context for the next prompt: its prefix plus the output budget, rounded up
        to 1024, at most the size the engine was created with. The first call sets it; later ones
        only grow it, because a new context starts empty and would re-read the system prompt every
        prompt shares (peak memory is the largest prompt's anyway). So a run never pays for more
        KV cache than its largest section needs."""
        n = min(self.max_ctx, -(-needed // 1024) * 1024)
        fitted, self._fitted = self._fitted, True
        if n == self.n_ctx or (fitted and n < self.n_ctx):
            return
        from llama_cpp import _internals

        llm = self.llm

        def context(size: int):
            llm.context_params.n_ctx = size
            return _internals.LlamaContext(model=llm._model, params=llm.context_params, verbose=False)

        llm._ctx.close()
        try:
            llm._ctx = context(n)
        except ValueError:  # no memory for the KV cache: the old size back (empty), then say so
            llm._ctx = context(self.n_ctx)
            llm.n_tokens = self.exact = 0
            raise GenerationError(f"llama.cpp cannot allocate a context of {n} tokens; free "
                                  "memory, or lower --max-context") from None
        llm._n_ctx = n
        llm.input_ids = np.ndarray((n,), dtype=np.intc)
        llm.n_tokens = 0
        self.exact = 0
        self.n_ctx = n

    def _special_id(self, text: str) -> Optional[int]:
        ids = self.llm.tokenize(text.encode(), add_bos=False, special=True)
        return ids[0] if len(ids) == 1 else None

    def tokenize(self, segments: chat.Segments) -> list[int]:
        """Template text may spell control tokens; document and task text are tokenized as plain text."""
        out: list[int] = []
        for text, is_template in segments:
            if text:
                out += self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=is_template)
        return out

    def piece(self, token: int) -> bytes:
        """A token's bytes. (Llama.detokenize silently drops pieces longer than 32 bytes.)"""
        lc = import_llama_cpp()
        size = 64
        while True:
            buf = ctypes.create_string_buffer(size)
            n = lc.llama_token_to_piece(self.vocab, token, buf, size, 0, False)
            if n >= 0:
                return buf.raw[:n]
            size = -n

    def text(self, tokens: list[int]) -> str:
        return b"".join(self.piece(t) for t in tokens).decode("utf-8", errors="replace")

    def is_eog(self, token: int) -> bool:
        return bool(import_llama_cpp().llama_vocab_is_eog(self.vocab, token))

    def feed(self, tokens: list[int], deadline: Optional[float] = None) -> int:
        """Make the context hold exactly `tokens`, evaluating only what differs from what it holds."""
        if len(tokens) >= self.n_ctx:
            raise GenerationError(f"prompt of {len(tokens)} tokens does not fit the context of {self.n_ctx}")
        held = self.llm.input_ids[: self.llm.n_tokens]
        common = 0
        limit = min(len(held), len(tokens))
        if limit:
            diff = np.nonzero(held[:limit] != np.asarray(tokens[:limit], dtype=np.intc))[0]
            common = int(diff[0]) if len(diff) else limit
        # The last token is always re-evaluated for its logits; reuse stops at a tile boundary
        # within what was computed in whole tiles (a prompt's last tile and generated tokens were not).
        common = min(common, len(tokens) - 1, self.exact) // TILE * TILE
        self.llm.n_tokens = self.exact = common
        rest = tokens[common:]
        i = 0
        while i < len(rest):
            # Under a time limit with no rate measured yet, a short first batch measures one, so
            # that no full batch is started blind.
            probe = deadline and not self.prompt_seconds_per_token
            chunk = rest[i: i + (PROBE_BATCH if probe else self.llm.n_batch)]
            i += len(chunk)
            # A batch cannot be interrupted (one takes ~10-25 s on 2 cores): refuse one that would
            # end past the deadline even at the fastest rate seen, rather than overrun it.
            if deadline and time.monotonic() + len(chunk) * self.prompt_seconds_per_token > deadline:
                raise GenerationError("time limit reached while reading the document; raise --timeout")
            started = time.monotonic()
            self._eval(chunk)
            self.exact = self.llm.n_tokens // TILE * TILE
            if len(chunk) >= 32:  # a few tokens cost mostly fixed overhead: no rate to go by
                rate = (time.monotonic() - started) / len(chunk)
                self.prompt_seconds_per_token = min(self.prompt_seconds_per_token or rate, rate)
        self.evaluated += len(rest)
        return len(rest)

    def logits(self) -> np.ndarray:
        """The logits after the last evaluated token (a view into llama.cpp's buffer)."""
        ptr = import_llama_cpp().llama_get_logits_ith(self.llm._ctx.ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(self.n_vocab,))

    def gbnf(self, schema: dict, spaced: bool = False) -> str:
        """The GBNF grammar for a JSON Schema, via llama-cpp-python's converter (cached per schema);
        with no whitespace between JSON tokens unless `spaced`."""
        text = json.dumps(schema)  # property order matters: the model writes them in this order
        key = (text, spaced)
        if key not in self._grammars:
            from llama_cpp.llama_grammar import json_schema_to_gbnf

            gbnf = json_schema_to_gbnf(text)
            # 0.3.36's JSON string rule lets raw control characters through, which strict JSON
            # parsers reject; upstream llama.cpp excludes them.
            fixed = gbnf.replace('char ::= [^"\\\\] |', 'char ::= [^"\\\\\\x7F\\x00-\\x1F] |')
            if fixed == gbnf and "char ::=" in gbnf:
                raise GenerationError("internal error: unexpected JSON string rule in the grammar")
            if not spaced:  # every space between JSON tokens is a generated token paid for
                fixed, n = re.subn(r'^space ::= " "\?$', 'space ::= ""', fixed, flags=re.M)
                if n != 1:
                    raise GenerationError("internal error: unexpected whitespace rule in the grammar")
            self._grammars[key] = fixed
        return self._grammars[key]

    def _eval(self, tokens: list[int]) -> None:
        try:
            self.llm.eval(tokens)
        except RuntimeError as exc:  # llama_decode failed: out of context or memory
            raise GenerationError(f"llama.cpp could not evaluate the prompt ({exc})") from None

    def generate(self, prompt: list[int], gbnf: Optional[str], max_tokens: int,
                 deadline: Optional[float] = None, stop_token: Optional[int] = None,
                 allow_end: bool = True) -> Generation:
        """Greedy generation from `prompt`, under a grammar when one is given; `stop_token` ends it
        too, and allow_end=False keeps the model from ending its turn (a think block must close)."""
        start = time.monotonic()
        evaluated = self.feed(prompt, deadline)
        grammar = Grammar(self, gbnf) if gbnf else None
        drafter = Drafter(prompt) if self.drafting else None
        out: list[int] = []
        masks = fallbacks = 0
        finish = "length"
        utf8 = Utf8Guard()
        logits = self.logits()
        # Guessed tokens in the KV cache after the last chosen one, and the logits after each.
        queued: list[int] = []
        rows: list[np.ndarray] = []
        guessed = kept = 0
        try:
            for _ in range(max_tokens):
                if deadline and time.monotonic() > deadline:
                    raise GenerationError("time limit reached during generation; raise --timeout")
                token, fell, masked = self._choose(logits, grammar, utf8, allow_end)
                fallbacks += fell
                masks += masked
                hit = bool(queued) and token == queued[0]
                if hit:
                    queued.pop(0)
                    kept += 1
                elif queued:  # the guess went wrong here: forget the rest of it
                    self.llm.n_tokens -= len(queued)
                    queued, rows = [], []
                if drafter and not queued and guessed:
                    drafter.judge(guessed, kept)
                    guessed = kept = 0
                if self.is_eog(token) or token == stop_token:
                    finish = "stop"
                    if token == stop_token:
                        out.append(token)
                    break
                if grammar:
                    grammar.accept(token)
                    utf8.push(self.piece(token))
                out.append(token)
                if drafter:
                    drafter.push(token)
                if grammar and self._complete_json(out, token):
                    finish = "stop"
                    break
                if hit:
                    logits = rows.pop(0)
                    continue
                room = max(0, self.n_ctx - self.llm.n_tokens - 2)
                guess = drafter.propose(min(room, max_tokens - len(out))) if drafter else []
                rows = self._decode([token] + guess)
                logits = rows.pop(0)
                queued, guessed, kept = guess, len(guess), 0
        finally:
            self.llm.n_tokens -= len(queued)  # guessed tokens past the answer are not held
            if drafter and guessed:
                drafter.judge(guessed, kept)
            if grammar:
                grammar.close()
        self.generated += len(out)
        if drafter:
            self.guessed += drafter.proposed
            self.guessed_kept += drafter.accepted
        return Generation(self.text(out), out, finish, evaluated,
                          time.monotonic() - start, fallbacks, masks)

    def _choose(self, logits: np.ndarray, grammar: Optional[Grammar], utf8: Utf8Guard,
                allow_end: bool) -> tuple[int, bool, bool]:
        """The greedy token, whether the grammar rejected the best one, and whether the whole
        vocabulary had to be masked."""
        token = int(np.argmax(logits))
        if grammar and (self.mask_every_token
                        or not (grammar.allows(token) and utf8.fits(self.piece(token)))):
            token, masked = self._fallback(grammar, logits, utf8, token)
            return token, True, masked
        if not allow_end and self.is_eog(token):
            token = self._continuing(logits)
        return token, False, False

    def _decode(self, tokens: list[int]) -> list[np.ndarray]:
        """Evaluate generated tokens in one batch (llm.eval's steps, with the logits of every
        position kept); the logits after each of them (copies)."""
        llm = self.llm
        if llm.n_tokens + len(tokens) >= self.n_ctx:
            raise GenerationError(f"the context of {self.n_ctx} tokens is full; "
                                  f"raise --max-context or shorten the document")
        lc = import_llama_cpp()
        n = llm.n_tokens
        llm._ctx.kv_cache_seq_rm(-1, n, -1)
        llm._batch.set_batch(batch=tokens, n_past=n, logits_all=True)
        try:
            llm._ctx.decode(llm._batch)
        except RuntimeError as exc:
            raise GenerationError(f"llama.cpp could not evaluate the answer ({exc})") from None
        llm.input_ids[n: n + len(tokens)] = tokens
        llm.n_tokens = n + len(tokens)
        return [np.ctypeslib.as_array(lc.llama_get_logits_ith(llm._ctx.ctx, i),
                                      shape=(self.n_vocab,)).copy() for i in range(len(tokens))]

    def _continuing(self, logits: np.ndarray) -> int:
        """The best token that does not end the turn, as np.argmax picks it (the lowest id on a
        tie): end-of-generation tokens masked one by one, no sort of the whole vocabulary."""
        masked = logits.copy()
        token = int(np.argmax(masked))
        while self.is_eog(token):
            masked[token] = -np.inf
            token = int(np.argmax(masked))
            if masked[token] == -np.inf:  # every token ends the turn: no vocabulary is like that
                raise GenerationError("internal error: every token ends the turn")
        return token

    def _fallback(self, grammar: Grammar, logits: np.ndarray, utf8: "Utf8Guard",
                  rejected: int) -> tuple[int, bool]:
        """The best token the grammar allows after `rejected`, and whether the whole vocabulary
        had to be masked to find it."""
        # Masking the whole vocabulary is the grammar's expensive path (bench: +32 % per token
        # when done for every token); the token wanted is usually among the next best (the same
        # quote without the space the grammar forbids), and the first of them allowed is the
        # masked argmax when its logit beats every token left out: one equal to the cut could
        # hide a lower id of equal logit, which the full path's order puts first.
        if not self.mask_every_token:
            size = FALLBACK_TOP + 2  # the rejected token, the next best, and one to set the cut
            top = np.argpartition(-logits, size - 1)[:size]
            cut = logits[top].min()
            for token in top[np.lexsort((top, -logits[top]))]:
                if not logits[token] > cut:
                    break
                if token != rejected and grammar.allows(int(token)) and utf8.fits(self.piece(int(token))):
                    return int(token), False
        # llama.cpp's grammar accepts byte sequences that are not UTF-8; JSON text must be UTF-8.
        for token in grammar.ranked(logits):
            if utf8.fits(self.piece(int(token))):
                return int(token), True
        # Accepting a token the grammar rejects aborts the process inside llama.cpp.
        raise GenerationError("internal error: the grammar allows no token here")

    def _complete_json(self, out: list[int], token: int) -> bool:
        # Once the grammar's JSON value is closed only end-of-generation can follow: stop without
        # paying one more decode for it.
        if b"}" not in self.piece(token):
            return False
        try:
            json.loads(self.text(out))
            return True
        except ValueError:
            return False

    def score(self, prompt: list[int], options: list[list[int]],
              deadline: Optional[float] = None) -> tuple[list[float], int]:
        """Log-probability of each continuation after `prompt` (its first token carries the choice)."""
        evaluated = self.feed(prompt, deadline)
        base = self.logits().astype(np.float64)
        logz = np.log(np.exp(base - base.max()).sum()) + base.max()
        scores = [float(base[opt[0]] - logz) for opt in options]
        return scores, evaluated
