"""Text likeness in code: when two answers say the same thing, which sentence a claim copies, and
which sentences name (or can be about) a stance target.

Character bigrams work for Japanese, which has no spaces between words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from .language import CJK, fits
from .prompts import flat
from .types import Sentence

SIMILAR = 0.6  # bigram Jaccard above which two short texts say the same thing
# Share of a claim's bigrams one sentence must hold for the claim to be a copy of it. Measured on
# the dev results: the 1.5B model's claims are near-verbatim sentences (0.9-1.0) far more often
# than paraphrases, and a copy's own sentence is better evidence than the numbers it cited.
COPIED = 0.8
# A summary sentence must hold this share of its words in the claims it was written from: the
# seeds' hold 0.98 to 1.0; a 1.5B model's additions ("Analysts at several banks doubted") do not.
SUPPORTED = 0.75
GROUNDED = 0.5  # a claim that copies no sentence holds at least this much of the ones it cites
MIN_BIGRAMS = 6  # shorter claims ("AIは危険") match too many sentences by chance
# Speech in quotation marks: 「…」, 『…』, “…” and "…" (not ‘…’, whose closing mark is an apostrophe).
QUOTED = re.compile(r"「([^「」]+)」|『([^『』]+)』|“([^“”]+)”|\"([^\"]+)\"")
# A claim is someone's quoted words when this share of it is inside the quotation marks and it
# keeps less than FRAME of the rest of its sentence (who says them, and how the author puts it).
QUOTE_SHARE, FRAME = 0.6, 0.5
WORD_RUNS = re.compile(r"[a-z0-9]+|[\u30a0-\u30ff]+|[\u4e00-\u9fff々]+|[\u3041-\u309f]+")  # one script each
BULLET = re.compile(r"^(?:[•・●■◆▶]\s*|[-*]\s+|\*\*)+")  # "-5%" keeps its minus
# A copy that starts after a noun and its particle (…方法が、) has lost its subject or owner.
OWNER = re.compile(r"[\u30a0-\u30ff\u4e00-\u9fff々A-Za-z0-9](?:が|は|の)、?$")
HEAD_CHARS = 8  # where a copy starts in its sentence: its first characters found there
MIN_QUOTE_WORDS = 4  # in English, shorter quotations are terms ("distillation"), not speech
MENTION_OVERLAP = 0.34  # share of the target's character bigrams a sentence must hold
# ...and a sentence the model cites for a target no sentence names (輸出規制 holds 0.3 of
# 米国の対中半導体輸出規制: a shorter name still counts; "米国" alone, 0.1, does not).
TOUCH_OVERLAP = 0.2
# In English, by words: a sentence names a target holding more than half of its words (both of
# "export controls", two of "US export controls"), and can be about it holding any of them.
MENTION_WORDS, TOUCH_WORDS = 0.5, 0.0


def fold(text: str) -> str:
    """A text NFKC-folded (full-width letters and digits as ASCII) and lower-cased."""
    return unicodedata.normalize("NFKC", text).lower()


def bigrams(text: str) -> set[str]:
    """The character bigrams of a text's letters and digits, NFKC-folded and lower-cased."""
    t = "".join(ch for ch in fold(text) if ch.isalnum())
    return {t[i:i + 2] for i in range(len(t) - 1)} or {t}


def changed_copy(text: str, sources: list[str]) -> Optional[int]:
    """The index of the source `text` restates nearly word for word (COPIED of its bigrams) while
    writing a word it does not (see new_words); None if it copies none, or copies one faithfully."""
    want = bigrams(text)
    if len(want) >= MIN_BIGRAMS:
        for i, source in enumerate(sources):
            if len(want & bigrams(source)) / len(want) >= COPIED:
                return i if new_words(text, source) else None
    return None


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


def topic_bigrams(text: str) -> set[str]:
    """A target's (or sentence's) character bigrams, lower-cased, particles and punctuation left out."""
    # Particles and punctuation carry no topic: 米国の対中半導体輸出規制 should match 輸出規制を.
    text = re.sub(r"[のをにはがとでもへや、。「」『』\s]", "", text.lower())
    return {text[i: i + 2] for i in range(len(text) - 1)} or {text}


# Little words name no topic: "export controls on China" is named by "China's export controls".
STOPWORDS = frozenset("a an and are as at by for from in is it its of on or the to with".split())


def words(text: str) -> set[str]:
    """A text's English words, lower-cased, a plural's or possessive's s dropped, little words
    and single letters left out."""
    text = re.sub(r"['’]s\b", "", fold(text))  # China's: china
    found = re.findall(r"[a-z0-9]+", text)
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in found
            if w not in STOPWORDS and len(w) > 1}


def spaced(text: str) -> bool:
    """Whether a text is written with spaces between its words: no kana or kanji in it (curly
    quotes, dashes and accents do not make English Japanese)."""
    return not CJK.search(text)


def supported(text: str, source: str, bar: float = SUPPORTED) -> bool:
    """Whether a text says little that `source` does not: `bar` of its English words, or of its
    character bigrams, are in it."""
    by_words = spaced(text) and spaced(source)
    want, have = (words(text), words(source)) if by_words else (bigrams(text), bigrams(source))
    return not want or len(want & have) / len(want) >= bar


def _holds(target: str, bigram_bar: float, word_bar: float):
    """A test of whether a sentence holds enough of a target: by words where both are written
    with spaces, since English has few distinct bigrams ("Cheaper training means that more
    companies…" holds 6 of the 14 bigrams of "export controls"); by character bigrams otherwise."""
    want, grams = words(target), topic_bigrams(target)
    by_words = bool(want) and spaced(target)

    def holds(text: str) -> bool:
        if by_words and spaced(text):
            return len(want & words(text)) / len(want) > word_bar
        return len(grams & topic_bigrams(text)) / len(grams) >= bigram_bar

    return holds


def mentions(text: str, sents: list[Sentence], target: str, limit: int) -> list[Sentence]:
    """The sentences that name `target`, at most `limit` of them evenly spread over the document
    (first and last included), in document order: a sentence qualifies when it holds at least a
    third of the target's character bigrams (more than half of its words, in English)."""
    # Spread, not the first `limit`: an author's position shows in the conclusion as much as in
    # the lede (stance-only trial, ten gold judgements on the five seeds: 8/10 from the first six
    # mentions, 9/10 spread; seed 001's export controls were judged from its opening only).
    names = _holds(target, MENTION_OVERLAP, MENTION_WORDS)
    return evenly([s for s in sents if names(s.text(text))], limit)


def evenly(items: list, k: int) -> list:
    """At most k of `items`, evenly spaced from the first to the last, in their order."""
    if len(items) <= k:
        return items
    return [items[round(i * (len(items) - 1) / max(k - 1, 1))] for i in range(k)]


def about(text: str, sents: list[Sentence], target: str, lang: str) -> list[Sentence]:
    """Of the sentences the model cited for a target no sentence names, those that can be about
    it. A target in the document's own language must share TOUCH_OVERLAP of its bigrams with a
    sentence; one in another language may be named in translation, so the model's word stands."""
    if not fits(target, lang, lang):
        return sents
    touches = _holds(target, TOUCH_OVERLAP, TOUCH_WORDS)
    return [s for s in sents if touches(s.text(text))]


def completed(claim: str, source: Optional[Sentence], index: SentenceIndex, limit: int) -> str:
    """A claim (or summary sentence) as the model wrote it, or the sentence it copies, whole: when
    the grammar cut the copy at `limit` characters (seed 004: 4 of 13 claims ran to the
    100-character limit, 3 of them stopping mid-sentence: "…チャートで最"), when it copies only
    words the sentence quotes from someone, leaving out who says them, when it writes a word the
    sentence does not, or when it leaves out the subject or owner it starts after. Code has the
    sentence."""
    if source is not None:
        whole = on_one_line(source, index)
        if (len(claim) >= limit or quoted_only(claim, whole) or new_words(claim, whole)
                or headless(claim, whole)):
            claim = whole
    return _unbulleted(claim)


def as_claim(sentence: Sentence, index: SentenceIndex) -> str:
    """A sentence, whole, as a claim: on one line, without its bullet."""
    return _unbulleted(on_one_line(sentence, index))


def _unbulleted(claim: str) -> str:
    # A list item's bullet or a bold marker is layout, not part of what is claimed.
    return BULLET.sub("", claim.strip()) or claim.strip()


def on_one_line(sentence: Sentence, index: SentenceIndex) -> str:
    """A sentence as the model is shown it: its body on one line."""
    return " ".join(flat(index.body(sentence)).split())


def headless(claim: str, sentence: str) -> bool:
    """Whether a claim copies the rest of a sentence after its subject or owner (…方法が、, 米国は,
    ディープシークの): a noun and が, は or の right before where the copy starts."""
    # Seed 001: "AIチップの大部分は禁止されていない" copied …ディープシークのAIチップの大部分は禁止されて
    # いない: the document says most of DeepSeek's chips were not banned, not most AI chips.
    at = sentence.find(claim.strip()[:HEAD_CHARS])
    return at > 0 and bool(OWNER.search(sentence[:at]))


def new_words(text: str, source: str) -> set[str]:
    """The words of a copy that its source does not write: runs of Latin letters and digits, of
    katakana, of kanji, of hiragana (NFKC-folded, lower-cased) found nowhere in it."""
    # The 1.5B model copying a sentence changes a name now and then: 深Seek for DeepSeek (seed
    # 000), a summary's 強化学習 for the sentence's MoEアーキテクチャー (004), マイクロソフト taken from the
    # sentence before (002). Code has the sentence's own words; the model only chose it.
    # Hiragana too (a summary wrote 私たちちは for 私たちは); a run counts as the source's when the
    # source holds it anywhere, so a copy cut inside a word (…可能性がある of …があるだろう) stands.
    held = fold(source)
    return {run for run in WORD_RUNS.findall(fold(text)) if run not in held}


def quoted_only(claim: str, sentence: str) -> bool:
    """Whether a claim restates words that `sentence` puts in quotation marks, without the rest of
    the sentence that says whose they are: such a claim gives someone else's words as the author's."""
    # Seed 003 mocks DeepSeek's boast: DeepSeekとかいう中国のAI企業が「米国のトップAIモデルに並ぶ性能を、
    # もっと安く出せるぜ」ってデカい口叩いてきやがった。 The model's claim was the boast alone, which
    # then opened the summary as if the author said it.
    grams = words if spaced(claim) and spaced(sentence) else bigrams
    want = grams(claim)
    for m in QUOTED.finditer(sentence):
        quote = grams(next(g for g in m.groups() if g))
        # A term in quotes (「中国脅威論」, "distillation") is not someone's words.
        if len(quote) < (MIN_QUOTE_WORDS if grams is words else MIN_BIGRAMS):
            continue
        frame = (grams(sentence[:m.start()]) | grams(sentence[m.end():])) - quote - {""}
        if (frame and len(want & quote) >= QUOTE_SHARE * len(want)
                and len(want & frame) < FRAME * len(frame)):
            return True
    return False


def echoes(text: str, instructions: str, n: int = 3) -> bool:
    """Whether text mostly repeats the instructions (half its word trigrams are theirs): asked
    for three summary sentences of a four-sentence document, the 1.5B model wrote its task out."""
    def grams(t: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", t.lower())
        return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}

    own = grams(text)
    return bool(own) and len(own & grams(instructions)) * 2 >= len(own)
