"""Numbers a Chinese document spells in characters (十五亿, 二十美元, 百分之三十, 二〇二四年).

Read only where the document is Chinese: Japanese writes 一 and 万 inside words (統一, 万一) and
spells few amounts, and the seeds' figures are the digit extractor's alone.
"""

from __future__ import annotations

import re
from typing import Optional

from . import figpatterns as P
from . import units as U
from .types import FigureCandidate

DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}
SMALL = {c: U.JA_SMALL[c] for c in "十百千"}
BIG = {c: U.JA_BIG[c] for c in "万亿"}
RUN = re.compile("(百分之)?([〇零一二两三四五六七八九十百千万亿]{2,})")


def spelled_value(run: str) -> Optional[float]:
    """The value of a run of numeral characters, or None where it is no number: 千万 (by all
    means) and 万一 (in case) start with no digit, 五四 (May Fourth) and 一百五四 have no unit
    between two digits."""
    if all(c in DIGITS for c in run):  # a year or a number read digit by digit: 二〇二四, 九一一
        return float("".join(str(DIGITS[c]) for c in run)) if len(run) >= 3 else None
    if run[0] not in DIGITS and run[0] != "十":
        return None
    total = section = 0.0
    number: Optional[int] = None
    for c in run:
        if c in "〇零":
            continue  # 一百零五: a gap in the places
        if c in DIGITS:
            if number is not None:
                return None
            number = DIGITS[c]
        elif c in SMALL:
            section += (1 if number is None else number) * SMALL[c]
            number = None
        else:
            amount = section + (number or 0)
            total = (total + amount) * BIG[c] if c == "亿" else total + amount * BIG[c]
            section, number = 0.0, None
    return total + section + (number or 0)


def with_spelled(text: str, found: list[FigureCandidate]) -> list[FigureCandidate]:
    """`found` (the digit extractor's candidates) and the spelled numbers that overlap none of
    them, with their unit, in text order."""
    taken = [(c.start, c.end) for c in found]
    out = list(found)
    for m in RUN.finditer(text):
        start, end = m.span()
        value = spelled_value(m.group(2))
        if value is None or text[start - 1:start] in P.GLUE or any(
                a < end and start < b for a, b in taken):
            continue
        unit = "percent" if m.group(1) else ""
        if not unit and text.startswith("年", end) and len(m.group(2)) == 4 and 1900 <= value <= 2100:
            unit, end = "year", end + 1
        elif not unit:
            u = P.UNIT.match(text, end)
            if u:
                unit, scale = P.table_row(u, U.UNIT_TABLE)[2:4]
                value, end = value * scale, u.end()
        out.append(FigureCandidate(start, end, text[start:end], value, unit))
    return sorted(out, key=lambda c: c.start)
