"""Text likeness in code: when two answers say the same thing, and which sentence a claim copies.

Character bigrams work for Japanese, which has no spaces between words.
"""

from __future__ import annotations

import unicodedata
from typing import Optional

from .types import Sentence

SIMILAR = 0.6  # bigram Jaccard above which two short texts say the same thing
# Share of a claim's bigrams one sentence must hold for the claim to be a copy of it. Measured on
# the dev results: the 1.5B model's claims are near-verbatim sentences (0.9-1.0) far more often
# than paraphrases, and a copy's own sentence is better evidence than the numbers it cited.
COPIED = 0.8
MIN_BIGRAMS = 6  # shorter claims ("AIは危険") match too many sentences by chance


def bigrams(text: str) -> set[str]:
    """The character bigrams of a text's letters and digits, NFKC-folded and lower-cased."""
    t = "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())
    return {t[i:i + 2] for i in range(len(t) - 1)} or {t}


def similar(a: str, b: str) -> float:
    """Jaccard similarity of character bigrams."""
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / len(x | y) if x | y else 1.0


class SentenceIndex:
    """Every sentence's bigrams, computed once per document, to find the sentence a text copies."""

    def __init__(self, text: str, sents: list[Sentence]):
        self.text = text
        self.items = [(s, bigrams(s.text(text))) for s in sents]

    def body(self, sentence: Sentence) -> str:
        return sentence.text(self.text)

    def copied(self, claim: str, within: Optional[list[Sentence]] = None) -> Optional[Sentence]:
        """The sentence (of `within`, a run of consecutive sentences, else of the whole document)
        that `claim` restates nearly word for word: the one holding most of its bigrams, the first
        such on a tie; None when none holds COPIED of them."""
        want = bigrams(claim)
        if len(want) < MIN_BIGRAMS:
            return None
        lo, hi = (within[0].n, within[-1].n) if within else (0, float("inf"))
        best, share = None, 0.0
        for s, grams in self.items:
            if lo <= s.n <= hi:
                got = len(want & grams) / len(want)
                if got > share:
                    best, share = s, got
        return best if share >= COPIED else None
