"""What is not a figure: the numbers of names, ids, markers and list numbering, which
figures.py parses like any quantity and then drops here (see its docstring for the list); when
words between a number and its noun still leave a count (2,048 H800 GPUs, 1M output tokens); and
when a number before 代 is an age (30代), not a bare 30."""

from __future__ import annotations

from pipeline import figpatterns as P
from pipeline import units as U


def _kata(ch: str) -> bool:
    """True for a katakana character (full- or half-width, with the long-vowel mark)."""
    return "\u30a1" <= ch <= "\u30fa" or ch == "\u30fc" or "\uff66" <= ch <= "\uff9f"


def rejected(s: str, q, i: int) -> bool:
    """True for numbers that are names, ids, markers or list numbering, not quantities."""
    b = min(i, q.start)  # a currency or month name before the digits is the left edge
    before, before2 = s[b - 1:b] if b else "", s[max(0, b - 2):max(0, b - 1)]
    after, text = s[q.end:q.end + 1], s[i:q.end]
    if before and (before in P.GLUE or before.isascii() and before.isalnum()):
        return True
    if before in ("-", ".") and before2 and (before2.isascii() and before2.isalnum()
                                              or _kata(before2)):
        return True
    if q.unit == "count" and q.num == 1 and s[q.end - 1] == "つ" and (
            before == "の" or s[i - 2:i] == "もう"):
        return True  # の1つ / もう1つ mean "one of" / "another", not a count
    if len(text) > 1 and text[0] == "0" and text[1].isdigit():
        return True  # 01, 0000円: an id or a typo, not a quantity
    if not q.bare():
        return False
    if after and (after in "^]}" or after.isascii() and after.isalpha() or _kata(after)):
        return True
    if before and (before in "※*" or _kata(before)) or P.LABEL.match(s, q.end):
        return True
    nxt = s[q.end + 1:q.end + 2]
    if after in ("-", ".") and nxt and nxt.isascii() and nxt.isalnum():
        return True
    if q.plain and len(text) >= 8:
        return True
    if before and after and before in "[{(（【〔<" and after in "]})）】〕>" and len(text) <= 3:
        return True
    if q.plain and len(text) <= 3 and after and after in ".)、:" \
            and not s[s.rfind("\n", 0, i) + 1:i].strip(" \t("):
        return True
    # After a name and a space: a version (Claude 3.5) or a product's number (RTX 4090, Ascend
    # 910), unless the word starts a phrase ("About 300") or is a German noun after its article
    # before a counted thing ("im Quartal 500 Chips"; "die Xbox 360" is still a name). Not 671B:
    # "DeepSeek 671B" and "Llama 70B" are parameter counts, which AI articles give far more
    # often than chip names.
    word = _word_before(s, i)
    if not word:
        return False
    if P.VERSION.fullmatch(text):
        return True
    if q.unit and P.GERMAN_NOUN.search(s, max(0, i - 30), i):
        return False
    if len(text) <= 2 and P.VERSION_NEXT.match(s, q.end):
        return True
    return q.plain and len(text) >= 3 and not q.year_like() and word not in P.NOT_NAMES


def _word_before(s: str, i: int, lo: int = 0) -> str:
    """The capitalised or katakana word and space right before s[i] ("Claude", "RTX"), or ""."""
    vb = P.VERSION_BEFORE.search(s, max(lo, i - 20), i) if s[i - 1:i] == " " else None
    return vb.group().strip() if vb else ""


def counted_product(s: str, q, i: int, lo: int, unit: str) -> bool:
    """True for a count with a product's name between the number and the noun (2,048 H800 GPUs).
    Not after a name (Claude 3 A100 chips, Table 2 H100 GPUs) unless a multiplier makes the number
    a quantity (DeepSeek 671B active parameters), and a number that reads as a year only after a
    word that counts (used, of, with …): "During 2024 H100 GPUs were scarce"."""
    if unit not in P.COUNTED:
        return False
    word = _word_before(s, i, lo)
    counts = P.COUNT_BEFORE.search(s, max(lo, i - 12), i)  # also where a sentence opens: "Using 2048"
    if word and word not in P.NOT_NAMES and not q.mfac and not counts:
        return False
    return not q.year_like() or bool(counts)


def noun_between(s: str, q, i: int, lo: int, j: int):
    """(unit, scale, end) of the noun a few words after s[j] (2,048 H800 GPUs, 10,000 A100s), or None."""
    k, digits = j, False
    for n in range(3):
        m = P.BETWEEN.match(s, k)
        if not m or n == 0 and m.group(2):
            return None
        k, name = m.end(), m.group(1) or m.group(2) or ""
        digits = digits or any(c.isdigit() for c in name)
        # A year counts only through names, a product's number among them ("used 2048 Nvidia
        # H800 GPUs"): "of 2024 Chinese firms", "with 2023 total users" and "of 2024 Nvidia
        # GPUs" name the year.
        if q.year_like() and not name:
            return None
        # a plural product is its own noun: A100s, MI300Xs, 4090s, but not GPUs or Series
        if name[-1:] == "s" and (name[-2:-1].isdigit() or name[-2:-1].isupper()) \
                and any(c.isdigit() for c in name):
            return ("count", 1.0, k) if counted_product(s, q, i, lo, "count") else None
        u = P.UNIT.match(s, k) if s[k:k + 1] == " " else None
        if u:
            # nobody counts a billion models: "the 70B Llama models" gives each one's size
            if q.year_like() and not digits or q.mfac >= 1e9 and u.group().strip() == "models":
                return None
            unit, scale = U.UNIT_TABLE[int(u.lastgroup[1:])][2:4]
            return (unit, scale, u.end()) if counted_product(s, q, i, lo, unit) else None
    return None


def age_decade(s: str, q, j: int) -> bool:
    """Read 30代 (people in their thirties) at q as ages 30 to 39; True when it was one."""
    # Ages are years, as 30歳 is. 前半/後半/半ば (early, late, mid) split the decade only by
    # custom, so approximately: 半ば as the middle four years, 33 to 36, so that it says more
    # than the whole decade and overlaps neither half's far end.
    a = P.AGE.match(s, j) if q.plain and not (q.unit or q.mfac) and q.num in P.DECADES else None
    if not a:
        return False
    low, high = {"前半": (0, 4), "後半": (5, 9), "半ば": (3, 6)}.get(a.group(1), (0, 9))
    q.kind, q.unit, q.value, q.vmax = "age", "years", q.num + low, q.num + high
    q.end, q.approx = a.end(), bool(a.group(1))
    return True


def age_bound(s: str, q) -> None:
    """Keep one end of an age decade with a bound: 40代以上 is 40 on, 30代以下 39 and under."""
    # the bound is the value, as 100人以下 is 100: 30代以下 reads 39, 30代未満 (under) 30
    if q.kind == "age" and s.startswith(("以上", "以下", "未満"), q.end):
        q.value, q.vmax = q.vmax if s.startswith("以下", q.end) else q.value, None


def short_year(s: str, q, q2) -> None:
    """Give a range's end without its century the other end's: 2020年~23年, 90年代から2020年."""
    low = q.value if q.kind == "year" else q.num if q.year_like() else None
    decade = q2.kind == "year" and q2.value is None
    short = decade or q2.unit == "years" and s[q2.end - 1] == "年"
    high = None if low is None else low // 100 * 100 + q2.num
    if decade and high is not None and high <= low:
        high += 100  # 1990年代から00年代: the next century's first decade
    if low is not None and short and q2.plain and q2.num < 100 and high > low:
        # a year written short (1980年代~90年代 too), not a duration of 23 years
        q2.kind, q2.unit, q2.value = "year", "year", high
    elif low is None and q.kind == "year" and q.plain and q2.kind == "year" and q2.value:
        high = q2.value // 100 * 100 + q.num
        q.value = high - 100 if high > q2.value else high


def change(s: str, tok: str, q2) -> bool:
    """True for AからBに (20%から60%に増加), a change between two figures, not a range."""
    # Decades spanned with にかけて are one era (1980年代から90年代にかけて, 20代から30代にかけて);
    # years and dates with にかけて stay two figures, as brief has always read them.
    spans = s.startswith("にかけて", q2.end) and "代" in s[q2.start:q2.end]
    return tok == "から" and s[q2.end:q2.end + 1] in ("に", "へ") and not spans
