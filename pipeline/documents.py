"""Find input files and turn each into a decoded `Document` (encoding detection, HTML to text)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from pipeline.encodings import BOMS, bomless_utf16, decode, utf16_error
from pipeline.errors import DocumentError, SkipDocument, UsageError
from pipeline.htmltext import html_to_text
from pipeline.jsonio import parse_json
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
    """Expand files and folders into a de-duplicated list of input files, each folder's sorted
    (a file reached again by its own name takes the place of the link it was first reached by)."""
    excluded = exclude.resolve() if exclude is not None else None
    found: list[Path] = []
    seen: dict[Path, int] = {}  # a file's real path: its place in found
    for path in paths:
        path = Path(path)
        if path.is_dir() and excluded is not None and _inside(path, excluded):
            where = ("is the results folder" if _resolved(path) == excluded
                     else f"is inside the results folder {excluded}")
            raise UsageError(f"{path}: {where} (--out); keep results and inputs apart: pass "
                             "another --out")
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
                seen[key] = len(found)
                found.append(file)
            elif found[seen[key]].is_symlink() and not file.is_symlink():
                found[seen[key]] = file  # by its own name, not a link's (link.txt -> real.txt)
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
            return parse_json(fh.read(1_000_000)).get("tool") == "brief"
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
    utf16 = bomless_utf16(raw) if what == "contains NUL bytes" else None
    if utf16:
        raise utf16_error(path, utf16)
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
    if any(raw.startswith(bom) for bom, _ in BOMS):
        return None  # UTF-16/32 text is full of NUL bytes
    if b"\x00" in raw:
        return "contains NUL bytes"
    return None


