"""A document's way of writing numbers: 1,234.5 (English, Japanese) or 1.234,5 (German,
French and most of Europe), decided once per document and read the English way by figures.py."""

from __future__ import annotations

import re

# Unambiguous signs of the European convention: a decimal comma before a unit or scale word
# (5,5 Millionen, 3,5 %, 2,3 Mrd.), dots grouping thousands before a decimal comma (12.345,67),
# or two dot groups (1.000.000). A bare "3,4" is no sign: a list ([1,2], refs 3,4) or a choice
# (2,3日, "2 or 3 days") writes it in any language.
_EU = re.compile(r"(?<![\d.,])(?:\d+,\d{1,2}(?= ?(?:%|€|Prozent|Euro|EUR|Dollar|Mio\.|Mrd\.|Md\.|"
                 r"Millionen|Milliarden?|Billionen|millions?|milliards?|pour cent|euros?)(?![a-z]))"
                 r"|\d{1,3}(?:\.\d{3})+,\d+(?![\d,])|\d{1,3}(?:\.\d{3}){2,}(?![\d,]|\.\d))")
# An English sign: a comma grouping thousands (5,000, 1,234.5).
_EN = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]|\.\d)")
_KANA = re.compile("[\u3040-\u30ff]")  # Japanese writes 1,234.5
# A European number: dot-grouped thousands with or without decimals, or a decimal comma. A
# date (1.1.2024) or a version (3.5) has neither shape and is left alone.
_EU_NUMBER = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+)(?![\d.,]*\d)")
_SWAP = str.maketrans(".,", ",.")


def european(text: str) -> bool:
    """True when the text writes its numbers 1.234,5: signs of that and none of 1,234.5, in a
    text that is not Japanese."""
    return (_EU.search(text) is not None and _EN.search(text) is None
            and _KANA.search(text) is None)


def as_english(text: str) -> str:
    """The text with every European number written the English way, character for character
    (12.345,67 -> 12,345.67, 5,5 -> 5.5), so offsets into it are offsets into the original."""
    if not european(text):
        return text
    return _EU_NUMBER.sub(lambda m: m.group().translate(_SWAP), text)
