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
    """Names the document repeats (Latin-script names, katakana words): the subject must be one."""
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
