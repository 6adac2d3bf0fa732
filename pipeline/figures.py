"""Deterministic extraction of figures (numeric expressions) from Japanese and English text (and
Chinese and Korean amounts: 亿, 만/억/조; European number forms: numerals.py).

Code owns the facts: every number the summary may state is one of these candidates, and the
model only chooses among them. A candidate merges a number with its multiplier (万/億/兆/亿/만/억/조,
million, B), unit, approximators (約, 以上, about) and range partner into one span.

Canonical units (`FigureCandidate.unit`):
  currency   USD JPY CNY EUR INR GBP KRW
  ratio      percent (3割 -> 30, 3割5分 -> 35), pp, percentile, times (倍, x, X),
             ratio (30分の1 and 1/30 -> 0.0333...)
  count      people (人 名 people users...), companies (社), count (個 台 枚 本 件 回 つ chips
             GPUs jobs..., words between too: 2,048 H800 GPUs, 10,000 A100s), rank (位)
  time       year (a calendar year: 2007年, "in 2023", bare 1900-2100; decades 1980年代 are
             the first year, approximate; 90年代 has no value: its century is unwritten),
             date (YYYYMMDD as a float, 00 for a missing month or day: May 2024 -> 20240500;
             None when the year is unknown: 12月, 1月24日), durations years months weeks days
             hours (GPU hours too) minutes seconds; ages are years: 30代 -> 30 to 39
  computing  tokens parameters bytes FLOPS Hz W Wh
  physical   m m2 sqft kg (SI-scaled: 5km -> 5000 m; square feet stay sqft)
  ""         a plain number (97.3, 10万の雇用 -> 100000, 671B -> 6.71e11)
  rates append "/s" "/min" "/h" "/day" "/month" "/year" (毎秒200トークン -> tokens/s).

Conventions: vague amounts (数千万ドル, 数十億, tens of billions) take their order of magnitude
as `value`, a lower bound (数千万 -> 1e7), with approximate=True; bounds (以上, 超, 近く,
more than) are approximate too. A range keeps its low end in `value` and high end in
`value_max`; "AからBに" / "from A to B" (a change) is two figures, not a range. Signs
(−5%, ▲3.2%, マイナス2%) negate the value; 年間/毎秒 prefixes make a rate (INR/year).
A document that writes 1.234,5 or 1 234,5 (5,5 Millionen Euro) is read so (numerals.py).

Halves and short forms: 1年半 -> 1.5 years, 1万2千人 -> 12000 people, 2020年~23年 and
2024年1月~3月 are ranges of years and dates, -5~-3% keeps both signs; a compound or a
qualifier keeps its noun (a 128k-token window, 1M output tokens, 37B active parameters).

Not figures: version numbers glued to names (GPT-4o, o1, Qwen2.5, Llama-3.1, Claude 3.5,
クロード3.5ソネット), product numbers after a name (RTX 4090, Ascend 910), a/b that is not a
proper fraction (5/1, 24/7, 2020/21), URLs, e-mail addresses, @handles, hashes, file names,
clock times (9:19), footnotes ([1], {2}, ※3, ^8^), list numbering at line start (1. / 1) / (1)),
ordinals (第2部), numbers with a leading zero (01), long digit runs without separators (ids)
and dash chains that are not ISO dates (phone numbers).
"""

from __future__ import annotations

import calendar
from typing import Optional

from pipeline import figpatterns as P
from pipeline import units as U
from pipeline.numerals import read_english
from pipeline.figfilters import age_bound, age_decade, change, noun_between, rejected, short_year
from pipeline.hanzi import with_spelled
from pipeline.types import FigureCandidate


class _Q:
    """One parsed quantity before prefixes and filters are applied."""

    __slots__ = ("start", "end", "num", "mfac", "unit", "scale", "kind", "approx", "value",
                 "vmax", "plain", "vneg")

    def __init__(self, start, end, num, plain=False):
        """Start as a bare number; the parser fills in multiplier, unit and kind."""
        self.start, self.end, self.num, self.plain = start, end, num, plain
        self.mfac, self.unit, self.scale, self.kind = 0.0, "", 1.0, "num"
        self.approx, self.value, self.vmax, self.vneg = False, None, None, False

    def bare(self) -> bool:
        """True for a number with no multiplier, unit or special reading."""
        return self.kind == "num" and not self.unit and not self.mfac

    def year_like(self) -> bool:
        """True for a bare four-digit integer that reads as a calendar year."""
        return self.bare() and self.plain and 1900 <= self.num <= 2100 \
            and self.end - self.start == 4


def _unit(s: str, j: int):
    """P.UNIT.match at j, skipped when the next character cannot start a unit."""
    c = s[j + 1:j + 2] if s[j:j + 1] == " " else s[j:j + 1]
    return None if not c or c in P.NO_UNIT else P.UNIT.match(s, j)


def _num(m) -> float:
    """The float value of a P.NUM match."""
    return float(m.group().replace(",", ""))


def _en_vague(s: str, i: int) -> Optional[_Q]:
    """English vague amounts: "tens of billions of dollars", "millions of chips"."""
    m = P.EN_VAGUE.match(s, i)
    if not m:
        return None
    q = _Q(i, m.end(), {"tens": 10.0, "hundreds": 100.0}.get((m.group(1) or "").lower(), 1.0))
    q.mfac, q.approx = U.EN_MULT[m.group(2).lower()], True
    q.num *= q.mfac
    u = P.UNIT.match(s, q.end + 3) if s.startswith(" of", q.end) else None
    if u:
        q.unit, q.scale = P.table_row(u, U.UNIT_TABLE)[2:4]
        q.end = u.end()
    # "millions" alone is rhetoric; it is a figure only with a unit or a tens/hundreds head
    return q if (q.unit or m.group(1)) else None


def _dates(s: str, q: _Q, i: int, lo: int, n: int) -> bool:
    """Read calendar years, dates and clock-free date forms at q; True when one was found."""
    j = q.end
    era = s[max(0, i - 2):i]
    short = j - i == 2 and n % 10 == 0 and s.startswith(("年代", "년대"), j) and era not in U.ERAS
    if s.startswith(("年", "년"), j) and (1900 <= n <= 2100 and j - i == 4 or era in U.ERAS or short):
        y = P.YEAR_TAIL.match(s, j)
        if era in U.ERAS:
            n, q.start = n + U.ERAS[era], i - 2
        # 90年代 does not say its century: a decade of years whose value code cannot know
        q.end, q.kind, q.unit, q.value = y.end(), "year", "year", None if short else float(n)
        q.approx = bool(y.group(1) or y.group(4))
        if y.group(2) and 1 <= int(y.group(2)) <= 12:
            q.kind, q.unit = "date", "date"
            q.value = _ymd(n, int(y.group(2)), int(y.group(3) or 0))
        elif y.group(2):
            q.end = j + 1
        return True
    if s.startswith(("月", "월"), j) and 1 <= n <= 12:
        # 12月 / 1月24日 without a year: a date whose value code cannot know
        q.end, q.kind, q.unit = P.MONTH_DAY.match(s, j).end(), "date", "date"
        return True
    day = 1 <= n <= 31
    after_word = s[i - 1:i] == " " and (s[i - 2:i - 1].isalpha() or s[i - 2:i - 1] == ".")
    mb = P.MONTH_BEFORE.search(s, max(lo, i - 12), i) if (day or j - i == 4) and after_word else None
    if mb and not day:
        # "May 2024": a month of a year, like 2024年5月; not in mid-May 2024, May–June 2024 or
        # May 2023-2024, where the year alone (or the range of years) is what code can read.
        if not 1900 <= n <= 2100 or s[mb.start() - 1:mb.start()] not in ("", " ", "(", "\n") \
                or P.YEAR_NEXT.match(s, j) or P.RANGE_END.search(s, max(lo, mb.start() - 20), mb.start()):
            return False
        q.start, q.kind, q.unit = mb.start(), "date", "date"
        q.value = _ymd(n, U.MONTHS[mb.group(1)[:3]], 0)
        return True
    dy = P.DAY_YEAR.match(s, j) if mb else None
    ma = P.MONTH_AFTER.match(s, j) if day and not dy and s[j:j + 1] in " snrt" else None
    if dy or ma:
        mon, yr = (mb.group(1), dy.group(1)) if dy else (ma.group(1), ma.group(2))
        q.start = mb.start() if dy else q.start
        q.end, q.kind, q.unit = (dy or ma).end(), "date", "date"
        if yr:
            q.value = _ymd(int(yr), U.MONTHS[mon[:3]], n)
        return True
    iso = P.ISO.match(s, i) if s[j:j + 1] in "-/." else None
    if iso:
        # phone numbers and other dash chains are consumed and dropped with the ISO dates
        q.end, q.kind = iso.end(), "drop"
        y, mo, d = (iso.group(1), iso.group(3), iso.group(4)) if iso.group(1) else \
            (iso.group(7), iso.group(5), iso.group(6))  # 1/24/2025 is US month/day/year
        if y and 1900 <= int(y) <= 2100 and 1 <= int(mo) <= 12 and 1 <= int(d) <= 31:
            q.kind, q.unit = "date", "date"
            q.value = _ymd(int(y), int(mo), int(d))
        return True
    return False


def _ymd(year: int, month: int, day: int) -> Optional[float]:
    """YYYYMMDD (day 0: not given), or None for a day the month does not have (1月32日, Feb 30)."""
    if day and not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return float(year * 10000 + month * 100 + day)


def _magnitude(s: str, q: _Q, j: int) -> int:
    """Apply 万/億/兆 (compound: 8兆4530億) or million/B multipliers; return the new end."""
    total, last = 0.0, float("inf")
    while s[j:j + 1] in P.JA_CHARS:
        g = P.JA_MAG.match(s, j)
        small, big = g.group(1), g.group(2)
        if not (small or big) or (small == "十" and not big and not q.approx):
            break
        if U.JA_BIG[big] >= last:
            break
        fac = U.JA_SMALL[small] * U.JA_BIG[big]
        total += q.num * fac
        q.mfac = q.mfac or fac
        j, last = g.end(), U.JA_BIG[big]
        nxt = P.NUM.match(s, j) if big else None
        if not nxt and big and big in "만억조" and s[j:j + 1] == " ":  # Korean spaces 1조 5000억 원
            nxt = P.NUM.match(s, j + 1)  # and joins only a smaller big unit so (not 2억 3명)
            g2 = P.JA_MAG.match(s, nxt.end()) if nxt else None
            if not (g2 and g2.group(2) and U.JA_BIG[g2.group(2)] < last):
                break
        if not nxt:
            break
        g2 = P.JA_MAG.match(s, nxt.end())
        if g2.group(2) and U.JA_BIG[g2.group(2)] < last:
            q.num, j = _num(nxt), nxt.end()
            continue
        if g2.group(1) in ("百", "千", "백", "천") and not g2.group(2):  # 1万2千: 千 ties the 2 to it
            total, j = total + _num(nxt) * U.JA_SMALL[g2.group(1)], g2.end()
            break
        # 1万5000人: a trailing remainder counts only when a unit vouches for it
        if len(nxt.group()) <= 4 and "." not in nxt.group() and _unit(s, nxt.end()):
            total, j = total + _num(nxt), nxt.end()
        break
    if q.mfac:
        q.num = total
    elif s[j:j + 1] in " kKMBTmbtlc" and not _unit(s, j):
        g = P.EN_MAG.match(s, j)
        if g and (not g.group("c") or q.unit):
            key = g.group("w") or g.group("a") or g.group("l") or g.group("c")
            q.mfac = U.EN_MULT[key.lower() if g.group("w") else key.rstrip(".")]
            q.num *= q.mfac
            j = g.end()
    return j


def _quantity(s: str, i: int, lo: int) -> Optional[_Q]:
    """Parse the number at s[i] with everything to its right that belongs to it."""
    m = P.NUM.match(s, i)
    if m:
        q = _Q(i, m.end(), _num(m), plain=not m.group(2) and "," not in m.group(1))
    elif s.startswith("十数", i):
        q = _Q(i, i + 2, 10.0)
        q.approx = True
    elif s[i] in "数何":
        q = _Q(i, i + 1, 1.0)
        q.approx = True
    else:
        return _en_vague(s, i)
    cur = P.PRE_CUR.search(s, max(lo, i - 5), i) if s[i - 1:i] in P.CUR_LAST or (
        s[i - 1:i] == " " and s[i - 2:i - 1] in P.CODE_LAST) else None
    if cur:
        q.start, q.unit = cur.start(), U.CURRENCY_PREFIX[cur.group().strip()]
    if q.plain and not q.unit and _dates(s, q, i, lo, int(q.num)):
        return q
    j = q.end
    if s.startswith("分の", j):
        d = P.NUM.match(s, j + 2)
        if d and q.num:
            q.end, q.kind, q.unit, q.value = d.end(), "ratio", "ratio", _num(d) / q.num
            return q
    d = P.SLASH_RATIO.match(s, j) if q.plain and s[i - 1:i] != "/" else None
    if d:
        q.end, q.kind, q.unit = d.end(), "ratio", "ratio"
        if not 0 < q.num < int(d.group(1)):
            q.kind = "drop"  # 5/1 (a date), 24/7, 2020/21 (a season): not a fraction
        q.value = q.num / int(d.group(1)) if q.kind == "ratio" else None
        return q

    j = _magnitude(s, q, j)
    if age_decade(s, q, j):
        return q
    w = P.WARI.match(s, j)
    u = _unit(s, j)
    between = None if u or w or s[j:j + 1] != " " else noun_between(s, q, i, lo, j)
    if w:
        q.num += float(w.group(1) or 0) / 10
        q.unit, q.scale, j = "percent", 10.0, w.end()
    elif u or between:
        unit, scale, end = between or (*P.table_row(u, U.UNIT_TABLE)[2:4], u.end())
        if not q.unit or unit == q.unit:
            q.unit, q.scale, j = unit, scale, end
            if q.unit in P.HALF_UNITS and s.startswith("半", j) and not s.startswith("半ば", j):
                q.num, j = q.num + 0.5, j + 1  # 1年半, 2時間半
    elif q.year_like() and s.startswith("s", j) and q.num % 10 == 0 \
            and not s[j + 1:j + 2].isalpha():
        q.kind, q.unit, q.value, q.approx, j = "year", "year", q.num, True, j + 1
    r = P.RATE.match(s, j) if s[j:j + 1] in "/ " else None
    if r and (q.unit or q.mfac):
        q.unit, j = q.unit + P.table_row(r, U.RATE_TABLE)[2], r.end()
    q.end = j
    return q


def _join_range(s: str, q: _Q) -> _Q:
    """Merge q with a following range partner (2~3割, 500万ドルから600万ドル, 9-12 months)."""
    c = P.CONN.match(s, q.end) if s[q.end:q.end + 1] in " ~か-" else None
    if not c or q.kind not in ("num", "year", "date", "age"):
        return q
    sign = P.SIGN.match(s, c.end()) if q.kind == "num" else None  # -5~-3%: the high end's own sign
    at = sign.end() if sign else c.end()
    if not s[at:at + 1].isdigit():
        return q
    q2 = _quantity(s, at, at)
    tok = c.group().strip()
    if q.kind == "date" or q2 is None:
        return q if q2 is None else _join_dates(s, q, q2, tok)
    if q2.kind in ("drop", "date") and not q.bare():
        return q
    q.vneg = bool(sign)
    if q2.kind in ("drop", "date"):
        q.kind, q.unit, q.end = q2.kind, q2.unit, q2.end  # 11~12月, or a dropped id chain
        return q
    short_year(s, q, q2)
    if q.year_like() and (q2.kind == "year" or q2.year_like() and q2.num > q.num):
        for x in (q, q2):
            if x.kind == "num":
                x.kind, x.unit, x.value = "year", "year", x.num
    if change(s, tok, q2):
        return q
    if tok in ("-", "to") and not (q2.unit or q2.mfac):
        return q
    if tok == "to" and P.FROM.search(s, max(0, q.start - 5), q.start):
        return q  # "from 20% to 60%" is a change, like AからBに
    if q.bare() and q.plain and q.num < q2.num and (
            q2.kind == "age" or q.num in P.DECADES and q2.kind == "year" and q2.value is None):
        # 15~30代 is ages 15 to 39, 80~90年代 two decades: the low end is read as the high end is
        q.kind, q.unit, q.value = q2.kind, q2.unit, q.num if q2.kind == "age" else None
    if q2.kind != q.kind or (q.unit and q2.unit and q.unit != q2.unit):
        return q
    if q.kind == "num":
        if not q.mfac and q2.mfac:
            q.num, q.mfac = q.num * q2.mfac, q2.mfac
        if not q.unit:
            q.unit, q.scale = q2.unit, q2.scale
        q.value, q.vmax = q.num * q.scale, q2.num * q2.scale
    else:
        q.vmax = q2.vmax if q.kind == "age" else q2.value
    q.end, q.approx = q2.end, q.approx or q2.approx
    return q


def _join_dates(s: str, q: _Q, q2: _Q, tok: str) -> _Q:
    """2024年1月~3月: one date range, the high end taking the low end's year when it has none."""
    day = q2.unit == "days" and s[q2.end - 1] == "日" and q2.plain and 1 <= q2.num <= 31
    if q.value is None or not (q2.kind == "date" or day and q.value % 100) or change(s, tok, q2):
        return q
    high = q2.value if q2.kind == "date" else q.value // 100 * 100 + q2.num  # 1月20日~25日
    if high is None:
        m = P.MONTH_DAY_NUM.match(s, q2.start)
        high = q.value // 10000 * 10000 + int(m.group(1)) * 100 + int(m.group(2) or 0)
    if high < q.value:
        return q
    q.vmax, q.end, q.approx = float(high), q2.end, q.approx or q2.approx
    return q


def _candidate(s: str, text: str, i: int, lo: int):
    """Parse the figure whose number starts at s[i]: (end, candidate or None) or None."""
    q = _quantity(s, i, lo)
    if q is None:
        return None
    q = _join_range(s, q)
    if q.kind == "drop":
        return q.end, None
    if rejected(s, q, i):
        return None
    if q.year_like():
        q.kind, q.unit, q.value = "year", "year", q.num
    start, neg = q.start, False
    for _ in range(4):
        sign = None if neg or s[start - 1:start] not in "−▲△ス-" else \
            P.PRE_SIGN.search(s, max(lo, start - 4), start)
        if sign:
            neg, start = True, sign.start()
            continue
        p = P.PRE_WORD.search(s, max(lo, start - 16), start) \
            if s[start - 1:start] in P.PRE_LAST and (s[start - 1:start] != " " or s[
                start - 2:start - 1].isascii() and s[start - 2:start - 1].isalpha()) else None
        if not p:
            break
        if p.group("rate"):
            if q.kind not in ("num", "ratio") or "/" in q.unit:
                break
            q.unit += U.RATE_PREFIX[p.group("rate")]
        else:
            q.approx = True
        start = p.start()
    end = q.end
    a = P.SUF_APPROX.match(s, end) if s[end:end + 1] in P.SUF_FIRST else None
    if a:
        end, q.approx = a.end(), True
    elif s.startswith("台", end) and (q.unit == "percent" or q.unit in P.CURRENCIES):
        end, q.approx = end + 1, True  # 1万円台 / 20%台: "in the range of"
    age_bound(s, q)
    value = q.value if (q.kind != "num" or q.value is not None) else q.num * q.scale
    vmax = q.vmax
    if neg and value is not None:
        value = -value
    if (neg or q.vneg) and vmax is not None:
        vmax = -vmax  # the high end has its own sign (-5~-3%) or shares the low end's (−5~3%)
    return end, FigureCandidate(start, end, text[start:end], value, q.unit, vmax, q.approx)


def extract_figures(text: str, chinese: bool = False) -> list[FigureCandidate]:
    """All figure candidates in text, sorted by start and non-overlapping; in a Chinese document
    also the numbers it spells in characters (hanzi.py)."""
    s = P.FOLD_RUN.sub(lambda m: m.group().translate(U.FOLD), text)
    s = read_english(s)
    mask = bytearray(len(s))
    for m in P.MASK.finditer(s):
        mask[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    out: list[FigureCandidate] = []
    pos = lo = 0
    while True:
        m = P.START.search(s, pos)
        if not m:
            return with_spelled(text, out) if chinese else out
        i = m.start()
        r = None if mask[i] else _candidate(s, text, i, lo)
        if r is None:
            pos = max(i + 1, P.SKIP.match(s, i).end())
            continue
        pos = lo = max(r[0], i + 1)
        if r[1] is not None:
            out.append(r[1])
