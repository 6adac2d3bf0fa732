"""A document's way of writing numbers: 1,234.5 (English, Japanese) or 1.234,5 (German,
French and most of Europe), decided once per document and read the English way by figures.py."""

from __future__ import annotations

import re

# Words a European number stands before: units, currencies, scale words.
_EU_WORDS = (r"(?:%|€|\$|Prozent(?:punkte?)?|Euro|EUR|USD|US-Dollar|Dollar|(?:Mio|Mrd|Md|Tsd)\.?"
             r"|Millionen|Milliarden?|Billionen|millions?|milliards?|pour ?cent|points?|euros?|Grad|"
             r"Kilo(?:meter|gramm)|Tonnen|Stunden|Jahre|Monate|Tage|Menschen|Personen)(?![A-Za-z])")
# Signs of the European convention: a decimal comma before one of those words (5,5 Millionen,
# 3,5 %, 4,250 Prozent), dots grouping thousands before a decimal comma (12.345,67), or two dot
# groups (1.000.000). A bare "3,4" is no sign: a list ([1,2], refs 3,4) or a choice (2,3日,
# "2 or 3 days") writes it in any language.
_EU = re.compile(r"(?<![\d.,])(?:\d+,\d+(?=[ \u00a0\u202f]?" + _EU_WORDS + r")"
                 r"|\d{1,3}(?:\.\d{3})+,\d+(?![\d,])|\d{1,3}(?:\.\d{3}){2,}(?![\d,]|\.\d))")
# Signs of the English one: a comma grouping thousands (5,000, 1,234.5) not before a European
# word (4,250 Prozent is four and a quarter), or a decimal point in 0.012 or before a unit (3.5%).
_EN = re.compile(r"(?<![\d.,])(?:[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?![\d,]|\.\d)(?![ \u00a0\u202f]?" + _EU_WORDS + r")"
                 r"|0\.\d+|\d+\.\d{1,2}(?= ?(?:%|percent|million|billion|dollars?|USD|euros?)(?![A-Za-z])))")
_KANA = re.compile("[\u3040-\u30ff]")  # Japanese writes 1,234.5
# A European number: dot-grouped thousands with or without decimals, or a decimal comma. A
# date (1.1.2024) or a version (3.5) has neither shape and is left alone.
_EU_NUMBER = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+)(?![\d.,]*\d)")
_SWAP = str.maketrans(".,", ",.")


def european(text: str) -> bool:
    """True when the text writes its numbers 1.234,5: more signs of that than of 1,234.5, in a
    text that is not Japanese (one stray "3,5%" in English, or 1,234 in German, does not decide)."""
    if _KANA.search(text):
        return False
    return len(_EU.findall(text)) > len(_EN.findall(text))


def as_english(text: str) -> str:
    """The text with every European number written the English way, character for character
    (12.345,67 -> 12,345.67, 5,5 -> 5.5), so offsets into it are offsets into the original."""
    if not european(text):
        return text
    return _EU_NUMBER.sub(lambda m: m.group().translate(_SWAP), text)
