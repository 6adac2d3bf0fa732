"""Find input files and turn each into a decoded `Document` (encoding detection, HTML to text)."""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
from pathlib import Path

from pipeline.errors import DocumentError, SkipDocument, UsageError
from pipeline.htmltext import html_to_text
from pipeline.types import Document

# brief's manifest, here because discovery skips the folders that hold one (results.py writes it).
MANIFEST = "manifest.json"

# Signatures of files people drop into a documents folder by accident.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "zip archive or Office document"),
    (b"PK\x05\x06", "zip archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x7fELF", "executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Microsoft Office document"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"GGUF\x02\x00\x00\x00", "GGUF model"),
    (b"GGUF\x03\x00\x00\x00", "GGUF model"),
)

# UTF-32 first: its little-endian BOM starts with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_JAPANESE = ("cp932", "euc_jp")
_CYRILLIC = ("koi8-r", "cp1251")  # as codecs.lookup names them
_RUSSIAN = re.compile("[А-Яа-яЁё]+")
_RU_MARKS = "«»—–…№“”„\xa0"
_VOWELS = "аеёиоуыэюя"
MIN_CYRILLIC = 5  # letters: below that, two kanji of EUC-JP read as Cyrillic as often
KANALESS_CHARS = 20  # this many non-ASCII characters without one kana are not Japanese
_EBCDIC = {"cp037", "cp273", "cp424", "cp500", "cp875", "cp1026", "cp1140"}
_HTML_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([\w.:-]{2,40})""", re.I)


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of raw bytes."""
    return hashlib.sha256(data).hexdigest()


def kind_of(path: Path) -> str:
    """'html', 'markdown' or 'text', from the file name."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "markdown"
    return "text"


def discover(paths: list[Path], exclude: Path | None = None) -> list[Path]:
    """Expand files and folders into a sorted, de-duplicated list of input files."""
    excluded = exclude.resolve() if exclude is not None else None
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        path = Path(path)
        if path.is_dir() and excluded is not None and _inside(path, excluded):
            raise UsageError(f"{path}: is the results folder (--out); keep results and inputs "
                             "apart: pass another --out")
        if path.is_dir():
            files = _walk(path, excluded)
            if not files:
                raise UsageError(f"{path}: folder has no files to read; "
                                 "add .txt, .md or .html files or pass another folder")
        elif path.is_file():
            if _inside(path, excluded):  # a result as input: its "fix" would delete the input
                raise UsageError(f"{path}: is inside the results folder (--out); keep results and "
                                 "inputs apart: move it, or pass another --out")
            files = [path]  # named explicitly, so hidden or not, the user wants it
        elif path.exists():
            raise UsageError(f"{path}: not a regular file or folder; pass a text file or a folder")
        else:
            raise UsageError(f"{path}: no such file or folder; check the path")
        for file in files:
            key = _resolved(file)
            if key not in seen:  # a file named twice, or inside a folder also named, is read once
                seen.add(key)
                found.append(file)
    return found


OWN_FILES = frozenset({"report.html", "report.md"})  # what `brief report` writes beside results


def _walk(root: Path, excluded: Path | None) -> list[Path]:
    """Visible files under root, skipping hidden names, the excluded folder and brief's own
    output (another results folder below root, or the results, reports and bench of one that
    root itself is)."""
    files, unreadable = [], []
    for dirpath, dirnames, filenames in os.walk(root, onerror=unreadable.append):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames
                       if not d.startswith(".") and not _inside(here / d, excluded)
                       and not _results_folder(here / d)]
        ours = _results_folder(here)
        if ours:  # its bench figures are brief's too (make bench writes results/bench/)
            dirnames[:] = [d for d in dirnames if d != "bench"]
        files.extend(here / f for f in filenames
                     if not f.startswith(".") and not _inside(here / f, excluded)
                     and not (ours and (f.endswith(".json") or f in OWN_FILES)))
    # A folder that cannot be listed is passed on, so the run fails it with a line of its own.
    files.extend(Path(e.filename) for e in unreadable if e.filename)
    return sorted(files, key=lambda f: f.relative_to(root).parts)


def _results_folder(folder: Path) -> bool:
    """Whether brief wrote a manifest here (a results folder or a run snapshot)."""
    try:
        with open(folder / MANIFEST, encoding="utf-8") as fh:
            return json.loads(fh.read(1_000_000)).get("tool") == "brief"
    except (OSError, ValueError, AttributeError):
        return False


def _inside(path: Path, excluded: Path | None) -> bool:
    if excluded is None:
        return False
    resolved = _resolved(path)
    return resolved == excluded or excluded in resolved.parents


def _resolved(path: Path) -> Path:
    """The real path; a symlink loop stays as it is, so reading it fails with a reason, not here."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: Python before 3.13 on a symlink loop
        return path.absolute()


def load_document(path: Path) -> Document:
    """Read one file: detect binary files and the encoding, strip HTML, normalise newlines."""
    path = Path(path)
    if path.is_dir():
        try:
            os.listdir(path)
        except OSError as e:
            raise DocumentError(f"{path}: cannot read folder ({e.strerror or e}); check its "
                                "permissions") from None
    elif path.exists() and not path.is_file():
        # A pipe found in a folder would block the run forever on read (holding its lock).
        raise SkipDocument(f"{path}: not a regular file (a pipe, socket or device), skipped")
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise DocumentError(f"{path}: cannot read file ({e.strerror or e}); check that it exists "
                            "and is readable") from e
    what = binary_kind(raw)
    utf16 = _bomless_utf16(raw) if what == "contains NUL bytes" else None
    if utf16:
        raise _utf16_error(path, utf16)
    if what:
        raise SkipDocument(f"{path}: binary file ({what}), skipped")
    kind = kind_of(path)
    text, encoding = decode(raw, path, html=kind == "html")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if kind == "html":
        text = html_to_text(text)
    return Document(id=path.stem, path=path, text=text, sha256=sha256_bytes(raw),
                    encoding=encoding, kind=kind)


def binary_kind(raw: bytes) -> str | None:
    """What kind of binary file raw is, or None when it may be text."""
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            return what
    if raw[:4] == b"RIFF" and raw[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "WebP image", b"WAVE": "WAV audio", b"AVI ": "AVI video"}[raw[8:12]]
    if any(raw.startswith(bom) for bom, _ in _BOMS):
        return None  # UTF-16/32 text is full of NUL bytes
    if b"\x00" in raw:
        return "contains NUL bytes"
    return None


def _bomless_utf16(raw: bytes) -> str | None:
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
        if not _has_controls(text) and "\x00" not in text and any(ch in " \n。、" for ch in text):
            return {"utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE"}[name]  # iconv's names
    return None


def _utf16_error(path: Path, codec: str) -> DocumentError:
    return DocumentError(f"{path}: looks like UTF-16 text without a byte-order mark; re-save it "
                         f"as UTF-8 (iconv -f {codec} -t UTF-8)")


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
    if bad <= max(8, wide // 20) and (bad <= 2 * wide or (trust and bad <= 3)):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            return e.start
    return None


def decode(raw: bytes, path: Path, html: bool = False) -> tuple[str, str]:
    """Decode raw bytes to text; returns (text, encoding name used)."""
    for bom, name in _BOMS:
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
    # A Japanese declaration is trusted; a Latin-1 one on a Japanese page is a classic mistake.
    found = ((_strict(raw, declared) if declared in _JAPANESE else None) or _guess_cyrillic(raw)
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
    utf16 = _bomless_utf16(raw) if found is None else None  # all-kanji UTF-16 has no NUL byte
    if utf16:
        raise _utf16_error(path, utf16)
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
    """KOI8-R or CP1251 when every non-ASCII character reads as a Russian letter in words cased
    as words are (one capital first, or all capitals). Asked before Japanese: a short Russian text
    is valid EUC-JP too (Россия read as 鯱嗷頻), but Japanese text, whose kana bytes are below 0xC0,
    never reads as whole Cyrillic words."""
    readings = []
    for name in _CYRILLIC:
        text = raw.decode(name, errors="replace")  # U+FFFD then fails the letters test
        if _has_controls(text) or not all(ch.isascii() or _RUSSIAN.match(ch) or ch in _RU_MARKS
                                          for ch in text):
            continue
        cyrillic = [w for w in re.findall(r"[^\W\d_]+", text) if not w.isascii()]
        # A few kanji of EUC-JP read as Cyrillic make one run of letters with no space, often
        # cased and voweled as a word: a single word is left to the Japanese guess.
        if (sum(map(len, cyrillic)) < MIN_CYRILLIC or len(text.split()) < 2
                or not all(map(_russian_word, cyrillic))):
            continue
        vowels = sum(ch in _VOWELS for w in cyrillic for ch in w.lower())
        # Russian writes about 43 % vowels; the other reading's letters fall anywhere.
        readings.append((abs(vowels / sum(map(len, cyrillic)) - 0.43), name, text))
    return min(readings)[2:0:-1] if readings else None


def _russian_word(word: str) -> bool:
    """Cased as a word is (lower, Capitalised, or an all-capitals acronym) and, unless an
    acronym, with a vowel once it is longer than an abbreviation (млн, млрд)."""
    if not _RUSSIAN.fullmatch(word):
        return False
    if word.isupper():
        return True
    voweled = len(word) < 5 or any(ch in _VOWELS for ch in word.lower())
    return (word.islower() or word[1:].islower()) and voweled


def _guess_japanese(raw: bytes) -> tuple[str, str] | None:
    """Strict-decode as CP932 and EUC-JP and keep the one that reads as Japanese."""
    scored = []
    for name in _JAPANESE:
        try:
            text = raw.decode(name)
        except UnicodeDecodeError:
            continue
        ratio, kana = _japanese_score(text)
        # Japanese prose writes its particles in kana; Korean EUC-KR read as EUC-JP is all kanji
        # (딥시크는 → 許獣滴澗).
        kanaless = kana == 0 and sum(ord(ch) >= 0x80 for ch in text) >= KANALESS_CHARS
        if ratio >= 0.8 and not kanaless and not _looks_latin_misread(text):
            scored.append((ratio, kana, name, text))
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) == 2 and scored[1][0] >= scored[0][0] - 0.05 and scored[1][1] == scored[0][1]:
        # Character classes cannot tell them apart: let charset-normalizer break the tie.
        other = _normalizer_encoding(raw)
        for _, _, name, text in scored:
            if name == other:
                return text, name
    return scored[0][3], scored[0][2]


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
              or 0xFF01 <= o <= 0xFF5E):
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
    """CP1252 text read as CP932: each accented letter becomes a lone kanji inside a word."""
    runs = re.findall(r"[^\x00-\x7f]+", text)
    # Particles (の, は) between English words are normal Japanese; a lone kanji is not.
    lone = len(re.findall(r"(?<=[A-Za-z])[\u30a0-\u30ff\u4e00-\u9fff](?=[A-Za-z])", text))
    return bool(runs) and lone * 2 > len(runs)


def _guess_latin(raw: bytes) -> tuple[str, str] | None:
    """CP1252 (a superset of Latin-1) when its non-ASCII letters sit inside ASCII words."""
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        return None
    runs = re.findall(r"[^\x00-\x7f]+", text)
    latin = all(ch.isalpha() or ch in "‘’“”–—…€£§°±·×÷«»¿¡ \xa0" for run in runs for ch in run)
    # Mojibake of a CJK file gives long runs of accented letters; real words give short ones.
    if runs and latin and sum(map(len, runs)) <= 2 * len(runs) and not _has_controls(text):
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
