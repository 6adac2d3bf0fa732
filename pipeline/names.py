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
# Korean article): words in letters, none of them a function word, alone or two together; a run
# of Han characters and its pieces; a Korean noun without its particle, alone or two together.
_LETTER = "A-Za-zÀ-ÖØ-öø-ɏЀ-ӿ"  # Latin and Cyrillic: words written with spaces between
_TERM = rf"[{_LETTER}]+(?:-[{_LETTER}]+)*"  # four-day
_EDGE = rf"[{_LETTER}-]"
_PAIR = re.compile(rf"(?=(?<!{_EDGE})({_TERM}) ({_TERM})(?!{_EDGE}))")
_SINGLE = re.compile(rf"(?<!{_EDGE}){_TERM}(?!{_EDGE})")
SINGLE_LETTERS = 5  # a word alone must be this long to be offered (tariffs, vaccines)
FUNCTION_WORDS = OPENERS | frozenset("""are was were has have had been being will would could
should can may might must said says also very just than them its there their these those which
other people think because would about
des les une pour par sur dans avec que qui est sont pas plus cette mais leur entre
los las del por para con una uno como más pero este esta sobre entre
der die das den dem des ein eine und ist sind nicht mit von für auf auch sich wird
della delle degli che per con non sono anche come
для что как это его она они при или""".split())
_HAN = re.compile("[\u4e00-\u9fff]{2,}")
HAN_PIECES = range(2, 7)  # 新能源汽车, 房地产市场
# A run is cut at 的, 了 and 是, common words and numbers (二十元), and a piece may not start or
# end with a function character (在北京), which may stand inside one (以色列, 和平, 国有企业).
_HAN_CUT = re.compile("[的了是]|已经|认为|可以|但是|表示|今年|去年|我们|他们|因为|所以|如果|目前|"
                      "[一二三四五六七八九十百千万亿两零几]{2,}")
_HAN_EDGE = "[在和与也不有这那们就都而及或被把从对为其之我你他她它已很将还又]"
_HAN_JUNK = re.compile(f"^{_HAN_EDGE}|{_HAN_EDGE}$")
_HANGUL_PAIR = re.compile("(?<![\uac00-\ud7a3])(?=([\uac00-\ud7a3]{2,})(?: ([\uac00-\ud7a3]{2,}))?)")
_PARTICLE = re.compile("(?:에서|으로|까지|부터|은|는|이|가|을|를|의|에|로|와|과|도|만)$")
HANGUL_STOP = frozenset("""대한 위해 위한 통해 있는 없는 하는 그리고 하지만 또한 이런 그런 이번 지난
것으로 것은 것이 수는 수도 때문에 경우""".split())


def _bare(word: str) -> str:
    """A Korean word without its particle, if two syllables remain (제도에 → 제도, not 제)."""
    m = _PARTICLE.search(word)
    return word[:m.start()] if m and m.start() >= 2 else word


def _phrases(text: str, limit: int) -> list[str]:
    """Phrases the document writes at least twice, the most often first."""
    counts: Counter = Counter()
    surface: dict[str, str] = {}

    def count(key: str, written: str) -> None:
        counts[key] += 1
        surface.setdefault(key, written)

    for m in _SINGLE.finditer(text):
        if len(m.group()) >= SINGLE_LETTERS and m.group().lower() not in FUNCTION_WORDS:
            count(m.group().lower(), m.group())
    for m in _PAIR.finditer(text):
        if min(map(len, m.groups())) >= 3 and not {w.lower() for w in m.groups()} & FUNCTION_WORDS:
            count(" ".join(m.groups()).lower(), " ".join(m.groups()))
    for run in (part for whole in _HAN.findall(text) for part in _HAN_CUT.split(whole)):
        pieces = {run[i:i + n] for n in HAN_PIECES for i in range(len(run) - n + 1)}
        counts.update(p for p in pieces if not _HAN_JUNK.search(p))
    # A Korean predicate (있다, 줄었다) ends in 다; a noun carries its particle (서점은, 서점이), and
    # two nouns, the first without one, make a phrase (동네 서점).
    for first, second in _HANGUL_PAIR.findall(text):
        bare = _bare(first)
        if first.endswith("다") or bare in HANGUL_STOP:
            continue
        counts[bare] += 1
        if second and bare == first and not second.endswith("다"):
            counts[f"{first} {_bare(second)}"] += 1
    repeated = {k: c for k, c in counts.items() if c >= 2 and len(k) >= 2}
    # Longest first, a piece is left out when a kept phrase holding it is at least half as
    # frequent: 型模型 and 小型 are parts of 小型模型, utility of water utility.
    kept, holder = [], Counter()
    for k in sorted(repeated, key=len, reverse=True):
        if 2 * holder[k] < repeated[k]:
            kept.append(k)
            for i in range(len(k)):
                for j in range(i + 2, min(len(k), i + 40) + 1):
                    holder[k[i:j]] = max(holder[k[i:j]], repeated[k])
    kept.sort(key=lambda k: (-repeated[k], -len(k)))
    return [surface.get(k, k) for k in kept[:limit]]
