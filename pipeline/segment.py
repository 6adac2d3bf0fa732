"""Split a document into numbered sentences with code-point offsets, for Japanese and English."""

# The model cites sentences by number, so every sentence must be a short, citable unit: a line
# break ends one unless the line visibly stops mid-sentence, and over-long ones are cut at a comma
# or a space.

from __future__ import annotations

import dataclasses
import re

from pipeline.types import Sentence
from pipeline.units import URL_START

MAX_SENTENCE_CHARS = 400
MAX_QUOTE_CHARS = 300  # an opening bracket with no close this near is a typo, not a quote

LINE_BREAKS = "\n\r\u2028\u2029\x0b\x0c\x85"
_LINE_SPLIT = re.compile("\r\n|[" + LINE_BREAKS + "]")  # CRLF is one break
_JA_FINAL = "。！？"
_TERMINATORS = "。！？．.!?"
_RUN = _TERMINATORS + "…‥"
_CLOSERS = "」』）)]］】〕〉》”’\"'»"
_PAIRS = {"「": "」", "『": "』", "（": "）", "(": ")", "[": "]", "［": "］", "【": "】",
          "〔": "〕", "〈": "〉", "《": "》", "“": "”", "«": "»", '"': '"'}
_OPENERS = "".join(_PAIRS)
_QUOTE_CLOSERS = "」』”\"»"
# What follows a closing quote when the quote is part of a longer sentence.
_QUOTE_PARTICLES = tuple("とのはがをもでにやへかっ") + ("など", "から", "まで", "より")
HEADING_CHARS = 15  # a line without a final stop up to this long is a title or a list label
# A line ending in one of these, or a next line starting with one, is a sentence cut by a break.
_CARRIED = "、，,がをにはのとでもへや"
_CARRYING = tuple("、，がをにはのへゃゅょっー") + ("ました", "ます", "です", "でした", "ません", "ている", "ていた")
# Words that open a line with one of those particles' characters and start something new.
_NOT_CARRYING = ("はい", "はじめ", "にわか")
_NUM = r"\d{1,3}[.．)）]|[(（]\d{1,3}[)）]"  # "1." "2)" "(3)"
_ITEM = re.compile(r"[-–—•・*＊●○■□◆◇→>＞]|" + _NUM)
# A reference: a URL alone, after at most a footnote marker ({5}, [1], ※3, 1.) or a short label
# ("出典:", "Source:"). Seed 000's list of sources was numbered, and the 1.5B model made a claim of
# one address ("how-the-chinese-beat-trump-and-openai.html").
_REFERENCE = re.compile(r"^(?:[\[{(（［]?\d{1,3}[\]})）］]?[.:]?\s*|※\d+\s*|\^\d+\^?\s*)?"
                        r"(?:[^\s:：]{1,12}[:：]\s*)?" + URL_START + r"[!-~]+$")
_NUMBERED = re.compile(r"^(?:" + _NUM + r"|第\d{1,2}[章節])")
# How a speaker addresses the audience: in Japanese a request, thanks or teaser ending the
# sentence; in English a sentence opening with please/thanks/subscribe/welcome or ending in thank
# you. Not 〜しよう/しましょう: "規制を強化しよう。" is the author's own position.
_ASIDE_JA = re.compile(r"(?:ください|下さい|お願いします|お願いいたします|ありがとう"
                       r"(?:ございます|ございました)?|嬉しいです|うれしいです|お楽しみに)[。！!…]*[」』]?$")
_ASIDE_EN = re.compile(r"^(?:please|thanks?(?!\s+to\b)|subscribe|welcome(?=\s*(?:to|back|everyone|all)\b|\s*[,!.]))\b"
                       r"|\bthank you\W*$", re.IGNORECASE)
# The author announcing what comes next, or telling the reader to read on ("…について説明する:",
# "…解説していくから、しっかり読んどけよ。", "In this article I will explain …"): a signpost, not a
# claim; the sentences after it hold what it announces. Only at the end of the sentence and in the
# author's present or volitional form: "彼はその仕組みを説明した。" reports, "説明する必要がある"
# takes a position and "…と説明する。" reports someone's words. Not "…を紹介する。" nor "we will
# introduce / cover", which also announce a release or a policy (seed 000 quotes a paper:
# "我々は、…DeepSeek-R1を紹介する。").
_SIGNPOST_JA = re.compile(
    r"(?<!と)(?:(?:説明|解説|概説|考察)(?:する|します|しよう|しましょう|していく|していきます|していこう"
    r"|していきましょう|したい|したいと思います)"
    r"|紹介(?:しよう|しましょう|していく|していきます|していこう|していきましょう|したい|したいと思います)"
    r"|(?:述べ|論じ)(?:る|ます|よう|ましょう|ていく|ていきます|ていこう|たい|たいと思います)"
    r"|見て(?:いく|いきます|いこう|いきましょう|みよう|みましょう))"
    r"[:：。!！…]*$"
    r"|(?:読んどけ|読んでおけ|読んでくれ|覚えとけ|覚えておけ)よ?[。!！…]*$")
_SIGNPOST_EN = re.compile(
    r"^(?:(?:in|with) this (?:article|post|piece|essay|video|episode|section),?\s+)?"
    r"(?:I|we)(?:'ll| will| am going to|'m going to| are going to|'re going to) "
    r"(?:explain|discuss|describe|look at|walk (?:you )?through|outline)\b"
    r"|^(?:now,?\s+)?let(?:'s| us| me) (?:explain|discuss|look at|walk through|take a (?:closer )?look)\b",
    re.IGNORECASE)
# A reply that only agrees or keeps the other speaker going ("はい、それは素晴らしいポイントです。",
# "その通りです。", "ええ、 ...", "Exactly."): in seed 002, an interview, three of 26 claims were such
# replies, forced by exactly three claims per section. Whole sentences only: "私はそうは思わない。"
# and "実際、そうである。" take a position.
_BACKCHANNEL_JA = re.compile(
    r"^(?:(?:はい|ええ|うん|そう|まあ)[、,]?\s*)*"
    r"(?:(?:それは|まさに)?(?:その通り|そのとおり|おっしゃる通り|おっしゃるとおり)(?:です|だ)?(?:ね|よ)?"
    r"|(?:それは|本当に|とても)*(?:素晴らしい|いい|良い|鋭い)(?:ポイント|指摘|質問)(?:です|だ)?(?:ね|よ)?"
    r"|そうですね|なるほど(?:ね)?|はい|ええ|うん|ね)?[。．!！…・.\s]*$")
_BACKCHANNEL_EN = re.compile(
    r"^(?:(?:yes|yeah|right|exactly|absolutely|sure|indeed|okay|ok)[,.!\s]*)+$"
    r"|^(?:(?:yes|yeah)[,\s]+)?(?:that'?s|that is) (?:right|true|a (?:great|good) point)[.!\s]*$"
    r"|^(?:great|good) (?:point|question)[.!\s]*$", re.IGNORECASE)
# "8^." after a stop is a translated essay's footnote 8 (seed 001: "…ようだ)^ ^。8^.しかし、…"); not
# "2^10", a power.
_FOOTNOTE = re.compile(r"\{\d{1,3}\}|\[\d{1,3}\]|\[\*?\w\]|\d{1,3}\^\.?(?!\d)")

# Never end a sentence: titles and Latin abbreviations that are followed by more of it.
_ABBREVIATIONS = {
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Sr", "Jr", "St", "Mt", "Gen", "Col", "Lt", "Capt", "Sgt",
    "Rep", "Sen", "Gov", "Rev", "Hon", "Pres", "vs", "Vs", "cf", "Cf", "approx", "Approx",
    "No", "Nos", "Fig", "Figs", "fig", "Vol", "vol", "Ch", "ch", "Sec", "sec", "pp", "al",
    "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
    "Inc", "Ltd", "Co", "Corp", "est", "ca", "Ave", "Blvd", "Dept", "Univ",
}
# Often end a sentence too, so only a capitalised next word counts as a new sentence.
_SOFT_ABBREVIATIONS = {"etc"}
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # U.S, e.g, i.e, Ph.D, a.m (final dot excluded)
_WORD_BEFORE = re.compile(r"[A-Za-z][A-Za-z.]*$")
_LIST_MARKER = re.compile(r"\(?(?:\d{1,3}|[A-Za-z]|[ivxlcdmIVXLCDM]{1,6})\)?")

# Secondary cut points for over-long sentences, best first; a cut goes after the character.
# A line break inside a joined transcript line is as good a cut as a space.
_CUT_GROUPS = ("。！？；;：:", "、，,", " \u3000\t" + LINE_BREAKS)


def segment(text: str) -> list[Sentence]:
    """Numbered sentences of text; spans are trimmed, non-empty, in order and non-overlapping."""
    spans: list[tuple[int, int]] = []
    for start, end in _lines(text):
        for s, e in _split_line(text, start, end):
            spans.extend(_split_long(text, s, e))
    out = []
    for s, e in spans:
        s, e = _trim(text, s, e)
        if s < e:
            body = text[s:e]
            out.append(Sentence(n=len(out) + 1, start=s, end=e, heading=is_heading(body),
                                aside=is_aside(body)))
    if all(s.heading for s in out):
        # Nothing but short lines (a list, a title alone): they are what there is to cite.
        out = [dataclasses.replace(s, heading=False) for s in out]
    return out


def _lines(text: str) -> list[tuple[int, int]]:
    """Line spans, a line cut mid-sentence joined to the next (soft-wrapped transcripts)."""
    lines: list[tuple[int, int]] = []
    start = 0
    for m in [*_LINE_SPLIT.finditer(text), None]:
        end = m.start() if m else len(text)
        if lines and _wrapped(text[slice(*lines[-1])].strip(), text[start:end].strip()):
            lines[-1] = (lines[-1][0], end)
        else:
            lines.append((start, end))
        start = m.end() if m else end
    return lines


def _wrapped(line: str, following: str) -> bool:
    """Does `line` stop mid-sentence and `following` carry it on? Seed 002, a transcript, breaks
    "…自称していました" / "が、私は、…このAI開発" / "に関して、…"; a heading or list item stays a line."""
    if (not line or not following or line[-1] in _RUN + _CLOSERS + ":：" or _ITEM.match(following)
            or (_NUMBERED.match(line) and line[-1] not in "、，,") or line.endswith("とは")
            or following.startswith(_NOT_CARRYING)):
        return False  # "2. 日本のAIへ" and "強みとは" are headings; "はい、…" answers, it does not carry on
    if line[-1].isascii() and following[0].isascii():  # English hard-wrapped prose
        return bool(re.search(r"[a-z,;]$", line)) and following[0].islower()
    return line[-1] in _CARRIED or following.startswith(_CARRYING)


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _shields(text: str, start: int, end: int) -> dict[int, int]:
    """For each position inside a closed, short bracket pair, where the pair closes."""
    stack: list[tuple[str, int]] = []
    pairs = []
    for i in range(start, end):
        ch = text[i]
        if ch == '"' and stack and stack[-1][0] == '"':
            pairs.append((stack.pop()[1], i))
        elif ch in _PAIRS:
            stack.append((ch, i))
        elif ch in _CLOSERS:
            # Pop to the matching opener; unmatched ones in between were typos.
            for depth in range(len(stack) - 1, -1, -1):
                if _PAIRS[stack[depth][0]] == ch:
                    pairs.append((stack[depth][1], i))
                    del stack[depth:]
                    break
    covered: dict[int, int] = {}
    for o, c in pairs:
        if c - o <= MAX_QUOTE_CHARS:
            for p in range(o + 1, c + 1):
                if covered.get(p, -1) < c:
                    covered[p] = c
    return covered


def _split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of one line (untrimmed, covering the line)."""
    shields = _shields(text, start, end)
    spans = []
    seg = start
    i = start
    while i < end:
        if text[i] not in _TERMINATORS:
            i += 1
            continue
        j = i
        while j < end and text[j] in _RUN:
            j += 1
        k = j
        while k < end and text[k] in _CLOSERS:
            k += 1
        if _is_boundary(text, seg, i, j, k, end, shields):
            m = _FOOTNOTE.match(text, k, end)
            if m:
                k = m.end()  # "。{1}": the footnote mark belongs to the sentence it follows
            spans.append((seg, k))
            seg = k
        i = k
    if seg < end:
        spans.append((seg, end))
    return _merge_bare(text, spans)


def _merge_bare(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join pieces with no letter or digit (a stray "。") to a neighbour on the same line."""
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and not _has_word(text, s, e):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    if len(merged) > 1 and not _has_word(text, *merged[0]):
        merged[:2] = [(merged[0][0], merged[1][1])]
    return merged


def _has_word(text: str, s: int, e: int) -> bool:
    return any(ch.isalnum() for ch in text[s:e])


def _is_boundary(text: str, seg: int, i: int, j: int, k: int, end: int,
                 shields: dict[int, int]) -> bool:
    """Does the terminator run text[i:j], plus closers up to k, end a sentence?"""
    closes_at = shields.get(i, -1)
    if closes_at >= k:
        return False  # inside 「…」 or (…) that is still open after this run
    nxt = text[k] if k < end else ""
    run = text[i:j]
    prev = text[i - 1] if i > seg else ""
    if closes_at >= 0 and nxt and not nxt.isspace() and nxt not in _OPENERS:
        # 「…。」と言った goes on, 「…。」その結果… starts anew; after (…。) the sentence goes on.
        ja_final = any(ch in _JA_FINAL for ch in run)
        return (ja_final and text[closes_at] in _QUOTE_CLOSERS and not nxt.isascii()
                and not text.startswith(_QUOTE_PARTICLES, k))
    if any(ch in _JA_FINAL for ch in run):
        return True
    if run in (".", "．") and _LIST_MARKER.fullmatch(text[seg:i].strip()):
        return False  # "1." / "(a)." / "iv." opening a list item
    if "．" in run:
        # Full-width full stop: a sentence end unless it is a decimal point or list number.
        return not prev.isdigit() and not (nxt.isascii() and nxt.isalnum())
    if "!" in run or "?" in run:
        if k > j and nxt.isspace() and text[k:end].lstrip()[:1].islower():
            return False  # '"Why?" she asked' goes on
        return not nxt or nxt.isspace() or not nxt.isascii() or nxt in _OPENERS
    # Only ASCII dots from here.
    if len(run.replace("…", "").replace("‥", "")) > 1:
        return False  # an ellipsis "..." pauses, it does not end the sentence
    if nxt and not nxt.isspace():
        # "3.5", "x.com", "U.S.A" go on; a dot between Japanese words is a full stop.
        return bool(prev) and not prev.isascii() and not (nxt.isascii() and nxt.isalnum())
    word_m = _WORD_BEFORE.search(text, max(seg, i - 30), i)
    word = word_m.group() if word_m else ""
    following = text[k:end].lstrip()
    first = following[:1]
    if word in _ABBREVIATIONS or _DOTTED.fullmatch(word):
        return False
    if len(word) == 1 and word.isupper():
        return False  # an initial: "Donald J. Trump"
    if first.isascii() and first.islower():
        return False  # English sentences start with a capital; "approx. five" goes on
    if word in _SOFT_ABBREVIATIONS:
        return bool(first) and (first.isupper() or not first.isascii())
    return True


def _split_long(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Cut a span longer than MAX_SENTENCE_CHARS at secondary boundaries."""
    s, e = _trim(text, s, e)
    out = []
    while e - s > MAX_SENTENCE_CHARS:
        pieces = -(-(e - s) // MAX_SENTENCE_CHARS)
        ideal = s + (e - s) // pieces
        cut = _best_cut(text, s, e, ideal)
        out.append((s, cut))
        s, _ = _trim(text, cut, e)
    if s < e:
        out.append((s, e))
    return out


def _best_cut(text: str, s: int, e: int, ideal: int) -> int:
    lo = s + MAX_SENTENCE_CHARS // 5
    hi = min(s + MAX_SENTENCE_CHARS, e - 1)
    for group in _CUT_GROUPS:
        cands = [p + 1 for p in range(lo, hi) if text[p] in group and _cuttable(text, p, e)]
        if cands:
            return min(cands, key=lambda c: (abs(c - ideal), c))
    return ideal  # no punctuation or space at all: a hard cut keeps the unit citable


def _cuttable(text: str, p: int, e: int) -> bool:
    ch = text[p]
    if ch in ",:;":
        # "1,000" and "9:19" are not boundaries; ASCII punctuation needs a space after it.
        return p + 1 < e and text[p + 1].isspace()
    return True


def is_heading(body: str) -> bool:
    """A title, a numbered heading, a question or a reference (a URL alone): a sentence that
    asserts nothing, so no claim. (Not a line ending in a colon: on seed 000 those are claims
    that introduce a quote.)"""
    b = body.strip().rstrip(_CLOSERS).strip()
    if _REFERENCE.match(b):
        return True
    if not b or b[-1] in "?？" or re.search(r"(?:です|ます|でしょう|のだろう|の)か[。．]$", b):
        return True  # 〜のでしょうか。 asks too, with a full stop (seed 004)
    return b[-1] not in "。．.!！" and (len(b) <= HEADING_CHARS or bool(_NUMBERED.match(b)))


def is_aside(body: str) -> bool:
    """A greeting, thanks or request to the audience ("ここに来ていただき、本当にありがとうございます。",
    "…にご登録ください。"), a signpost ("…について説明する:"), or a reply that only agrees
    ("その通りです。"): it asserts nothing about the subject, so no claim (seed 002, a show's
    transcript, had its summary open with its welcome and close with its call to subscribe)."""
    b = " ".join(body.split())
    return bool(_ASIDE_JA.search(b) or _ASIDE_EN.search(b)
                or _SIGNPOST_JA.search(b) or _SIGNPOST_EN.search(b)
                or _BACKCHANNEL_JA.match(b) or _BACKCHANNEL_EN.match(b))
