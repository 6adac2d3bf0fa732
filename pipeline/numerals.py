"""A document's way of writing numbers: 1,234.5 (English, Japanese) or 1.234,5 (German,
French and most of Europe), decided once per document and read the English way by figures.py."""

from __future__ import annotations

import re

# Unambiguous signs of each convention. A comma before one or two digits is a decimal comma
# (5,5 Millionen, 3,5 %); dots grouping thousands before a decimal comma (12.345,67) or two dot
# groups (1.000.000) are European. A comma grouping thousands (5,000, 1,234.5) is English.
_EU = re.compile(r"(?<![\d.,])(?:\d+,\d{1,2}|\d{1,3}(?:\.\d{3})+,\d+|\d{1,3}(?:\.\d{3}){2,})"
                 r"(?![\d,]|\.\d)")
_EN = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]|\.\d)")
# A European number: dot-grouped thousands with or without decimals, or a decimal comma. A
# date (1.1.2024) or a version (3.5) has neither shape and is left alone.
_EU_NUMBER = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+)(?![\d.,]*\d)")
_SWAP = str.maketrans(".,", ",.")


def european(text: str) -> bool:
    """True when the text writes its numbers 1.234,5: more unambiguous European numbers than
    English ones (a Japanese article's 5,000 and 1,234.5 keep it English)."""
    eu = sum(1 for _ in _EU.finditer(text))
    return eu > 0 and eu > sum(1 for _ in _EN.finditer(text))


def as_english(text: str) -> str:
    """The text with every European number written the English way, character for character
    (12.345,67 -> 12,345.67, 5,5 -> 5.5), so offsets into it are offsets into the original."""
    if not european(text):
        return text
    return _EU_NUMBER.sub(lambda m: m.group().translate(_SWAP), text)
