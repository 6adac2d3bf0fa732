"""Text from bytes: byte-order marks, Japanese and Russian legacy encodings, Windows-1252, and
charset-normalizer's guess for the rest; a damaged UTF-8 file is named, not misread."""

from __future__ import annotations

import codecs
import math
import re
from pathlib import Path

from pipeline.errors import DocumentError

# UTF-32 first: its little-endian BOM starts with the UTF-16 one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_JAPANESE = ("cp932", "euc_jp")
_CYRILLIC = ("koi8-r", "cp1251")  # as codecs.lookup names them
_RUSSIAN = re.compile("[А-Яа-яЁё]+")
_RU_WORD = re.compile("[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")
_RU_MARKS = "«»—–…№“”„\xa0"
# How often each letter occurs in Russian text, per cent (the usual corpus counts). KOI8-R and
# CP1251 put the letters in different orders, so the wrong reading spells rare letters: over a
# phrase, Russian averages about -4.5 bits a letter and random letters -5.9.
_RU_FREQ = {"о": 10.97, "е": 8.45, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47, "р": 4.73,
            "в": 4.54, "л": 4.40, "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81, "у": 2.62, "я": 2.01,
            "ы": 1.90, "ь": 1.74, "г": 1.70, "з": 1.65, "б": 1.59, "ч": 1.44, "й": 1.21, "х": 0.97,
            "ж": 0.94, "ш": 0.73, "ю": 0.64, "ц": 0.48, "щ": 0.36, "э": 0.32, "ф": 0.26, "ъ": 0.04,
            "ё": 0.04}
RUSSIAN_BITS = -5.0  # a reading's mean log2 frequency per letter must reach this
RUSSIAN_MARGIN = 0.3  # and beat the other reading by this much, or the text is left undecided
KANALESS_CHARS = 20  # this many non-ASCII characters without one kana are not Japanese
# The commonest Hangul syllables (particles, endings, frequent nouns), and those that end a word
# (particles, endings). EUC-KR puts Hangul where EUC-JP puts the common kanji, so Korean without
# kana reads as kanji (딥시크는 -> 許獣滴澗). Korean writes spaces between words, and its words end
# in particles; Japanese kanji read back as EUC-KR make one run of syllables (人生相談 -> 와으쥬촌:
# half of them common, none ending a word, no space). Measured on 13,528 headlines of one to
# four spaced kanji words of the seeds read so (three samples): 4 pass for Korean; of 21 short
# Korean texts, 12 do (서울 날씨 맑음, 정부 발표 and 대통령 국회 연설, bare words with few common
# syllables, do not).
_KO_COMMON = frozenset("이다는의에하고을가한지서로기대사리자도스일시어니있나수인게를만으해적들아정국년"
                       "부것전되주제보성장상원그은요습합문모중과러라와개발데트크화경법동출연구")
_KO_ENDINGS = frozenset("는은을를이가에다요서로도")  # not 와, 과, 의: 人, 引 and 税 read as them
KOREAN_COMMON = 0.3  # at least this share of common syllables, beside a particle
KOREAN_SPACED = 0.5  # or this share, in three or more spaced words without one
_EBCDIC = {"cp037", "cp273", "cp424", "cp500", "cp875", "cp1026", "cp1140"}
_HTML_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([\w.:-]{2,40})""", re.I)


def bomless_utf16(raw: bytes) -> str | None:
    """'UTF-16LE' or 'UTF-16BE' when raw reads as text in it: no controls but tabs and newlines."""
    if len(raw) % 2:
        return None
    for name in ("utf-16-le", "utf-16-be"):
        try:
            text = raw.decode(name)
        except UnicodeDecodeError:
            continue
        # Text has spaces, line breaks or (Japanese, which needs neither) 。 and 、; random bytes
        # read as UTF-16 are full of control codes.
        # Japanese without either still writes its particles in kana.
        if not _has_controls(text) and "\x00" not in text and (
                any(ch in " \n。、" for ch in text)
                or len(re.findall("[\u3041-\u30ff]", text)) * 5 >= len(text)):
            return {"utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE"}[name]  # iconv's names
    return None


def utf16_error(path: Path, codec: str) -> DocumentError:
    return DocumentError(f"{path}: looks like UTF-16 text without a byte-order mark; re-save it "
                         f"as UTF-8 (iconv -f {codec} -t UTF-8)")


_UTF8_SHAPES = re.compile(rb"(?:[\xc0-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                          rb"|[\xf0-\xf7][\x80-\xbf]{3})+")


def _almost_utf8(raw: bytes, trust: bool = False) -> int | None:
    """The offset of the first bad byte when raw is UTF-8 but for a few bad bytes, else None;
    `trust`: the file declares itself UTF-8."""
    text = raw.decode("utf-8", errors="surrogateescape")
    bad = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    wide = sum(1 for ch in text if ch >= "\x80" and not "\udc80" <= ch <= "\udcff")
    # Shift_JIS, EUC-JP or Latin-1 bytes read as UTF-8 leave 4-10 bad bytes for every character
    # that happens to decode (measured on the seeds, whole and in 60-byte pieces); a damaged UTF-8
    # file has a few bad bytes among its good characters. A page declared UTF-8 may have no
    # other non-ASCII character at all, but a Shift_JIS page mislabelled UTF-8 has hundreds.
    # Bytes in UTF-8's own shapes (a lead byte and its continuation bytes) that still fail are
    # damaged UTF-8 (an encoded surrogate, an overlong form) even with no good character beside.
    shaped = all(_UTF8_SHAPES.fullmatch(run) for run in re.findall(rb"[\x80-\xff]+", raw))
    if bad <= max(8, wide // 20) and (bad <= 2 * wide or (trust and bad <= 3) or shaped):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            return e.start
    return None


def decode(raw: bytes, path: Path, html: bool = False) -> tuple[str, str]:
    """Decode raw bytes to text; returns (text, encoding name used)."""
    for bom, name in BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(name), name  # these codecs strip the BOM themselves
            except UnicodeDecodeError as e:
                raise DocumentError(f"{path}: invalid {name.upper()} text at byte {e.start} "
                                    "despite its byte-order mark; re-save it as UTF-8") from e
    if raw.isascii() and (b"\x1b$B" in raw or b"\x1b$@" in raw):
        found = _strict(raw, "iso2022_jp")  # 7-bit Japanese (old mail): valid ASCII, so first
        if found:
            return found
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(raw) if html else None
    # A Japanese or Russian declaration is trusted; a Latin-1 one on a Japanese page is a classic
    # mistake. Russian is guessed only where nothing is declared.
    found = ((_strict(raw, declared) if declared in _JAPANESE + _CYRILLIC else None)
             or (None if declared else _guess_cyrillic(raw)) or _guess_korean(raw)
             or _guess_japanese(raw))
    if found:
        return found
    # A damaged UTF-8 file (or a page that says it is UTF-8): a Latin guess would garble all of
    # it. Asked only now, because a short Shift_JIS text can look like UTF-8 with a few bad bytes.
    bad = _almost_utf8(raw, trust=declared == "utf-8")
    if bad is not None:
        raise DocumentError(f"{path}: invalid UTF-8 at byte {bad} (the rest is UTF-8); fix that "
                            "byte, or drop bad bytes with iconv -f UTF-8 -t UTF-8 -c")
    found = _strict(raw, declared) or _guess_latin(raw) or _guess_other(raw)
    utf16 = bomless_utf16(raw) if found is None else None  # all-kanji UTF-16 has no NUL byte
    if utf16:
        raise utf16_error(path, utf16)
    if found is None:
        raise DocumentError(f"{path}: cannot decode text (not UTF-8, UTF-16, Shift_JIS/CP932 "
                            "or EUC-JP); re-save it as UTF-8")
    return found


def _strict(raw: bytes, name: str | None) -> tuple[str, str] | None:
    try:
        return (raw.decode(name), name) if name else None
    except (UnicodeDecodeError, LookupError):
        return None


def _declared_charset(raw: bytes) -> str | None:
    match = _HTML_CHARSET.search(raw[:4096])
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None
    # Pages labelled Shift_JIS are in practice written with Windows' superset of it.
    return "cp932" if name in ("shift_jis", "cp932", "ms932") else name


def _guess_cyrillic(raw: bytes) -> tuple[str, str] | None:
    """KOI8-R or CP1251 when one reads as Russian words and clearly better than the other.

    Asked before Japanese: a short Russian text is valid EUC-JP or Shift_JIS too (Россия read as
    鯱嗷頻), but Japanese, whose kana bytes lie below 0xC0, never reads as whole Cyrillic words."""
    readings = []
    for name in _CYRILLIC:
        text = raw.decode(name, errors="replace")  # U+FFFD then fails the letters test
        if _has_controls(text) or not all(ch.isascii() or _RUSSIAN.match(ch) or ch in _RU_MARKS
                                          for ch in text):
            continue
        # Each word between spaces, stripped of its punctuation, is Russian letters alone (or
        # hyphened): a few kanji of EUC-JP read as letters broken by marks (МАН»БА), or as one
        # run with no space. A lone accented letter of a Latin text (à, é) reads as a one-letter
        # word: two words of two letters or more are asked.
        words = [re.sub(r"^\W+|\W+$", "", t) for t in text.split() if not t.isascii()]
        if sum(len(w) >= 2 for w in words) < 2 or not all(map(_russian_word, words)):
            continue
        letters = [ch for w in words for ch in w.lower() if ch != "-"]
        if sum(ch in "аеёиоуыэюя" for ch in letters) < len(letters) / 4:
            continue  # Russian is about 42 % vowels; kanji misread in capitals had none (ЗСМП)
        bits = sum(math.log2(_RU_FREQ[ch] / 100) for ch in letters) / len(letters)
        readings.append((bits, text, name))
    readings.sort(reverse=True)
    if not readings or readings[0][0] < RUSSIAN_BITS:
        return None
    if len(readings) == 2 and readings[0][0] - readings[1][0] < RUSSIAN_MARGIN:
        return None  # both read as Russian (a phrase in capitals, say): not this guess's call
    _, text, name = readings[0]
    return text, name


def _russian_word(word: str) -> bool:
    """Russian letters (кто-то hyphened) cased as a word is: lower, Capitalised or all capitals."""
    return bool(_RU_WORD.fullmatch(word)) and (word.islower() or word.isupper()
                                               or word[1:].islower())


def _guess_japanese(raw: bytes) -> tuple[str, str] | None:
    """Strict-decode as CP932 and EUC-JP and keep the one that reads as Japanese."""
    scored, read = [], {}
    for name in _JAPANESE:
        try:
            text = read[name] = raw.decode(name)
        except UnicodeDecodeError:
            continue
        ratio, kana = _japanese_score(text)
        # Japanese prose writes its particles in kana; Korean EUC-KR read as EUC-JP is all kanji
        # (딥시크는 → 許獣滴澗).
        kanaless = kana == 0 and sum(ord(ch) >= 0x80 for ch in text) >= KANALESS_CHARS
        if ratio >= 0.8 and not kanaless and not _looks_latin_misread(text):
            scored.append((ratio, kana, name, text))
    if not scored:
        # Half-width katakana alone (ﾃﾞｨｰﾌﾟｼｰｸ ﾓﾃﾞﾙ, from old terminals and receipts) is what EUC-JP
        # read as CP932 looks like, so it is taken only where EUC-JP cannot read the bytes.
        if "euc_jp" not in read and "cp932" in read and _half_width_words(read["cp932"]):
            return read["cp932"], "cp932"
        return None
    scored.sort(reverse=True)
    if len(scored) == 2 and scored[1][0] >= scored[0][0] - 0.05 and scored[1][1] == scored[0][1]:
        # Character classes cannot tell them apart: let charset-normalizer break the tie.
        other = _normalizer_encoding(raw)
        for _, _, name, text in scored:
            if name == other:
                return text, name
    return scored[0][3], scored[0][2]


def _half_width_words(text: str) -> bool:
    """True when every non-ASCII run is half-width katakana spelt as words."""
    runs = re.findall(r"[^\x00-\x7f]+", text)
    if not runs or not all(re.fullmatch("[\uff61-\uff9f]+", r) for r in runs):
        return False
    # A Latin-1 letter read so is glued to Latin ones (ﾇa va: Ça va; Fuﾟball: Fußball).
    if re.search("[A-Za-z][\uff61-\uff9f]|[\uff61-\uff9f][A-Za-z]", text):
        return False
    # Cyrillic (CP1251 capitals, KOI8-R small letters) and Latin capitals read as ﾀ-ﾟ only
    # (ДЛЯ -> ﾄﾋﾟ); a katakana word of two or more has one of ｦ-ｿ as well (ﾃﾞｨｰﾌﾟ, ﾓﾃﾞﾙ).
    if not re.search("[ｦ-ｿ][ｦ-ﾟ]|[ｦ-ﾟ][ｦ-ｿ]", text):
        return False
    for word in re.split("[^\uff66-\uff9f]+", text):
        if word and (word[0] in "ｰﾞﾟ" or "ｧ" <= word[0] <= "ｯ"):  # no word opens on a mark
            return False
        for a, b in zip(word, word[1:]):  # a voiced mark follows a letter that takes it
            if (b == "ﾞ" and not ("ｶ" <= a <= "ﾄ" or "ﾊ" <= a <= "ﾎ" or a == "ｳ")) \
                    or (b == "ﾟ" and not "ﾊ" <= a <= "ﾎ"):
                return False
    return True


def _guess_korean(raw: bytes) -> tuple[str, str] | None:
    """EUC-KR when the bytes read as Korean words: spaced or ending in particles."""
    try:
        text = raw.decode("euc_kr")
    except UnicodeDecodeError:
        return None
    runs = re.findall("[\uac00-\ud7a3]+", text)
    syllables = "".join(runs)
    # Hanja, ·, “” and the like beside Hangul are Korean too; Japanese kana read so are lone
    # jamo (研究所の人 -> 를득쎄ㅞ와), which Korean prose does not write.
    other = sum(1 for ch in text if ord(ch) >= 0x80 and not "\uac00" <= ch <= "\ud7a3")
    if len(syllables) < 3 or other * 2 > len(syllables) or re.search("[\u3130-\u318f]", text):
        return None
    common = sum(ch in _KO_COMMON for ch in syllables) / len(syllables)
    if any(len(r) > 1 and r[-1] in _KO_ENDINGS for r in runs):
        return (text, "euc_kr") if common >= KOREAN_COMMON else None
    # Japanese headlines space their kanji words too (中国 人工知能 研究 -> 충뱉 와묩촘퓰 를득, a
    # quarter common): without a particle, three words need the share of Korean prose.
    return (text, "euc_kr") if len(runs) >= 3 and common >= KOREAN_SPACED else None


def _japanese_score(text: str) -> tuple[float, int]:
    """(share of non-ASCII characters that are ordinary Japanese, number of kana)."""
    good = bad = kana = half = 0
    for ch in text:
        o = ord(ch)
        if o < 0x80:
            if o < 0x20 and ch not in "\t\n\r\f":
                bad += 1
            continue
        if 0x3040 <= o <= 0x30FF:
            kana += 1
            good += 1
        elif (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x3000 <= o <= 0x303F
              or 0xFF01 <= o <= 0xFF5E or 0xF900 <= o <= 0xFAFF):  # 﨑 髙: CP932's variants
            good += 1
        elif 0xFF61 <= o <= 0xFF9F:
            good += 1
            half += 1
        elif 0x2000 <= o <= 0x27FF or 0x0391 <= o <= 0x0451:
            continue  # JIS punctuation, symbols, Greek and Cyrillic: legitimate but rare
        else:
            bad += 1  # Latin-1 letters, private use, unassigned: signs of a misread
    if good + bad == 0:
        return 1.0, 0
    if half * 2 > good:
        return 0.0, kana  # mostly half-width katakana: what EUC-JP looks like read as CP932
    return good / (good + bad), kana


def _looks_latin_misread(text: str) -> bool:
    """CP1252 text read as CP932: each accented letter becomes a lone kanji in a word."""
    runs = re.findall(r"[^\x00-\x7f]+", text)
    # Particles (の, は) between English words are normal Japanese; a lone kanji is not. An
    # accented small letter is a CP932 lead byte of the rare kanji (JIS level 2 and beyond) and
    # takes the letter after it, so its kanji may also end the word: très -> tr鑚. A common
    # kanji there is Japanese: A社, X線, ChatGPT級.
    lone = len(re.findall(r"(?<=[A-Za-z])[\u30a0-\u30ff\u4e00-\u9fff](?=[A-Za-z])", text))
    lone += sum(1 for m in _EDGE_KANJI.finditer(text) if _rare_kanji(m.group()))
    if runs and lone * 2 > len(runs):
        return True
    # Read as CP932, a Latin text's capitals (À-ß) are half-width katakana and its small accented
    # letters, with the byte after them, rare kanji: "Ça va, ça va très bien" -> ﾇa va, 軋 va tr鑚.
    # Japanese writes kana and common kanji.
    return bool(runs) and re.search("[\u3040-\u30ff]", text) is None and all(
        "\uff61" <= ch <= "\uff9f" or _rare_kanji(ch) for run in runs for ch in run)


_EDGE_KANJI = re.compile(r"(?<=[A-Za-z])[\u4e00-\u9fff](?![^\x00-\x7f]|[A-Za-z])"
                         r"|(?<![^\x00-\x7f]|[A-Za-z])[\u4e00-\u9fff](?=[A-Za-z])")


def _rare_kanji(ch: str) -> bool:
    """A kanji past JIS level 1: its CP932 lead byte is 0xE0 or above."""
    try:
        return ch.encode("cp932")[0] >= 0xE0
    except UnicodeEncodeError:
        return True


def _guess_latin(raw: bytes) -> tuple[str, str] | None:
    """CP1252 (a superset of Latin-1) when its non-ASCII letters sit inside ASCII words."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None
    runs = re.findall(r"[^\x00-\x7f]+", text)
    # Every character CP1252 decodes is Western text (• ™ „ € ½ as well as letters), so only the
    # shape tells: mojibake of a CJK file gives long runs of them, real words short ones.
    if runs and sum(map(len, runs)) <= 2 * len(runs) and not _has_controls(text):
        return text, "cp1252"
    return None


def _guess_other(raw: bytes) -> tuple[str, str] | None:
    """charset-normalizer's answer, if it is confident and the result is text."""
    name = _normalizer_encoding(raw, max_chaos=0.1)
    if name is None or name.startswith(("utf-16", "utf-32")) or name in _EBCDIC:
        return None  # UTF-16 without a BOM would have NUL bytes, and EBCDIC reads anything
    try:
        text = raw.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None
    return None if _has_controls(text) else (text, name)


def _has_controls(text: str) -> bool:
    return any(ord(ch) < 0x20 and ch not in "\t\n\r\f" for ch in text)


def _normalizer_encoding(raw: bytes, max_chaos: float = 1.0) -> str | None:
    """charset-normalizer's best guess, as a Python codec name, or None."""
    from charset_normalizer import from_bytes  # only non-UTF files need it

    best = from_bytes(raw).best()
    if best is None or best.chaos > max_chaos:
        return None
    try:
        return codecs.lookup(best.encoding).name
    except LookupError:
        return None
