"""The names a document repeats, from which the model picks its main subject: code proposes,
so the subject is always the document's own word."""

from __future__ import annotations

import re
from collections import Counter

# Latin letters with their accented forms (Latin-1 and Extended-A/B): "Nestlé" was cut to "Nestl",
# "São Paulo" to "Paulo". Which are capitals is checked in code.
_LATIN = "A-Za-z0-9À-ÖØ-öø-ɏ"
NAME = re.compile(rf"[A-ZÀ-ÖØ-ÞĀ-ɏ][{_LATIN}][{_LATIN}\-]*(?: [A-ZÀ-ÖØ-ÞĀ-ɏ][{_LATIN}\-]+)?"
                  r"|[ァ-ヺー]{3,}")
# English words that open sentences capitalised and name nothing ("The", "However").
OPENERS = frozenset("""a about after all also although an and another any as at because before
both but by during each even every few first for from he her here his how however if in into it
its last many more most much my neither next no nor not now of on once one only or other our
over she since so some still such than that the their then there these they this those though
through thus to today under until we what when where whether which while who why with within
without yet you your""".split())


def subject_options(text: str, limit: int = 12) -> list[str]:
    """Names the document repeats (Latin-script names, katakana words), else the phrases it
    repeats: the subject must be one."""
    return _names(text, limit) or _phrases(text, limit)


def _names(text: str, limit: int) -> list[str]:
    """Latin-script names and katakana words the document writes at least twice."""
    terms = []
    for m in NAME.finditer(text):
        first, _, rest = m.group().partition(" ")
        if first[0].islower():
            continue  # Extended-A/B mixes cases: "ő" is no capital
        if rest[:1].islower():
            rest = ""
        if _ordinary(text, first):
            first, rest = rest, ""  # "The DeepSeek model": DeepSeek
        terms.append(f"{first} {rest}".strip())
    counts = Counter(t for t in terms if len(t) >= 3)
    return [t for t, c in counts.most_common(limit) if c >= 2]


def _ordinary(text: str, word: str) -> bool:
    """Whether a capitalised Latin word is an ordinary word rather than a name: a word that opens
    English sentences (measured: "The" was the subject of an English essay), or one the text
    also writes in lower case ("Users … the users"). DeepSeek and GPT-4 never are; Nvidia, only
    ever at a sentence's start, still is a name."""
    if not word[1:].islower() or not word.isascii():
        return False
    lower = rf"(?<=[\s(\"“]){word.lower()}(?=[\s,;:)\"”]|\.(?!\w))"
    return word.lower() in OPENERS or re.search(lower, text) is not None


# For a document that repeats no name (an English essay on "the water utility", a Chinese or
# Korean article): two words in letters, none of them a function word; a run of Han characters
# and its 2-4 character pieces, without a function character; a Korean word without its particle.
_WORD = "[A-Za-zÀ-ÖØ-öø-ɏЀ-ӿ]"  # Latin and Cyrillic letters: words written with spaces between
_PAIR = re.compile(rf"(?=(?<!{_WORD})({_WORD}{{3,}}) ({_WORD}{{3,}})(?!{_WORD}))")
FUNCTION_WORDS = OPENERS | frozenset("""are was were has have had been being will would could should
can may might must said says also very just than them its""".split())
_HAN = re.compile("[\u4e00-\u9fff]{2,}")
_HAN_FUNCTION = re.compile("[的了是在和与也不有这那们就都而及或被把从对为以其之个我你他她它]")
_HANGUL_PAIR = re.compile("(?<![\uac00-\ud7a3])(?=([\uac00-\ud7a3]{2,})(?: ([\uac00-\ud7a3]{2,}))?)")
_PARTICLE = re.compile("(?:에서|으로|까지|부터|은|는|이|가|을|를|의|에|로|와|과|도|만)$")


def _phrases(text: str, limit: int) -> list[str]:
    """Phrases the document writes at least twice, the longest of equal count first."""
    counts: Counter = Counter()
    surface: dict[str, str] = {}
    for m in _PAIR.finditer(text):
        first, second = m.group(1), m.group(2)
        if first.lower() not in FUNCTION_WORDS and second.lower() not in FUNCTION_WORDS:
            key = f"{first} {second}".lower()
            counts[key] += 1
            surface.setdefault(key, f"{first} {second}")
    for run in _HAN.findall(text):
        pieces = {run[i:i + n] for n in (2, 3, 4) for i in range(len(run) - n + 1)}
        counts.update(p for p in pieces if not _HAN_FUNCTION.search(p))
    # A Korean predicate (있다, 줄었다) ends in 다; a noun carries its particle (서점은, 서점이), and
    # two nouns make a phrase (동네 서점).
    for m in _HANGUL_PAIR.finditer(text):
        first, second = m.groups()
        for words in ([first], [first, second] if second else []):
            if words and not any(w.endswith("다") for w in words):
                counts[" ".join(_PARTICLE.sub("", w) for w in words)] += 1
    repeated = {k: c for k, c in counts.items() if c >= 2 and len(k) >= 2}
    # Longest first, a piece is left out when a kept phrase holding it is at least half as
    # frequent: 型模型 and 小型 are parts of 小型模型, while 模型 alone is written more often.
    kept: list[str] = []
    for k in sorted(repeated, key=len, reverse=True):
        if not any(k in o and 2 * repeated[o] >= repeated[k] for o in kept):
            kept.append(k)
    kept.sort(key=lambda k: (-repeated[k], -len(k)))
    return [surface.get(k, k) for k in kept[:limit]]
