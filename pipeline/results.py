"""Result files: build one from a DocResult, write it atomically, re-check it from the source."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Optional

from . import schemas
from .documents import MANIFEST, load_document, sha256_bytes
from .jsonio import parse_json
from .language import SPACELESS
from .errors import BriefError, UsageError
from .types import Document

_MANIFEST_OBJECTS = ("model", "counts", "prompts", "schemas", "params")
SCRATCH_NAME_BYTES = 200


def _scratch(path: Path, pid: int) -> Path:
    # A long result name (a file named with 81 kanji: 243 bytes) would not fit a 255-byte name
    # with the dot and suffix around it; its hash does.
    name = path.name if len(os.fsencode(path.name)) <= SCRATCH_NAME_BYTES else \
        hashlib.sha256(os.fsencode(path.name)).hexdigest()[:16]
    return path.with_name(f".{name}.{pid}.tmp")


def remove_scratch(folder: Path) -> int:
    """Delete the temporary files that killed runs left in `folder` (call it holding the folder's
    lock: no live writer then); a SIGKILL between writing and renaming cannot clean up itself."""
    removed = 0
    for tmp in folder.glob(_scratch(Path("*"), "*").name):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def write_text(path: Path, text: str, option: Optional[str] = "--out") -> None:
    """Write atomically: a temporary file in the same folder, fsync, then rename over the target,
    so a run killed at any moment leaves the old file or the new one, never half of one. A failed
    write (disk full, a folder in the way) is a UsageError naming the file and, if given, the
    option that chose it."""
    # A file name that is not UTF-8 reaches us as lone surrogates (os.fsdecode), which UTF-8
    # cannot encode. backslashreplace writes each as \udcXX: in JSON that is the very escape
    # ensure_ascii would write, so the file stays UTF-8 and reads back as the same str.
    try:
        atomic_write(path, text.encode("utf-8", "backslashreplace"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot write ({exc.strerror or exc}); {_write_advice(exc, option)}") from None


def atomic_write(path: Path, body: bytes) -> None:
    """Write `body` to a temporary file beside `path`, fsync it, rename it over `path` and sync
    the folder; OSError when that fails, with the temporary file removed."""
    tmp = _scratch(path, os.getpid())
    try:
        with open(tmp, "wb") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with suppress(OSError):  # e.g. its folder is a file: there is nothing to clean up
            tmp.unlink(missing_ok=True)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)  # the rename itself survives a power cut only once the folder is synced
        finally:
            os.close(fd)
    except OSError:
        pass


def _write_advice(exc: OSError, option: Optional[str]) -> str:
    """What to do about a failed write, by its cause."""
    other = f" or choose another {option}" if option else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free disk space" + other
    if exc.errno == errno.EISDIR:
        return "move that folder away" + other
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "make its folder writable" + other  # the write renames a file made there
    return f"choose another {option}" if option else "check the folder"


def write_json(path: Path, data: dict, option: Optional[str] = "--out") -> None:
    """`data` as indented UTF-8 JSON, written atomically (see write_text)."""
    write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n", option)


def document_json(doc: Document) -> dict:
    return {"id": doc.id, "path": str(doc.path), "sha256": doc.sha256, "chars": doc.chars,
            "encoding": doc.encoding, "kind": doc.kind}


def join_summary(sentences: list[str], language: str) -> str:
    """Summary sentences as one text, each closed by a terminator (the model often drops it)."""
    if language in SPACELESS:
        return "".join(t if _closed(t) else t + "。" for t in sentences)
    return " ".join(t if _closed(t) else t + "." for t in sentences)


def _closed(sentence: str) -> bool:
    """Whether a sentence ends in a stop of either script (an English sentence quoted in a
    Japanese summary keeps its own "."), before any closing quotes or brackets: 「…。」."""
    return sentence.rstrip("」』）)]\"'”’").endswith(("。", "！", "？", "．", ".", "!", "?", "…"))


def build(doc: Document, res, provenance: dict, keep_thoughts: bool = False) -> dict:
    """The result dict for one document (res is a summarize.DocResult)."""
    empty = not doc.text.strip()
    out = {
        "schema_version": 1,
        "document": document_json(doc),
        "status": "empty" if empty else "ok",
        "language": res.language,
        "summary": join_summary([text for text, _ in res.summary], res.language),
        "claims": [c.to_json() for c in res.claims],
        "stance": [s.to_json() for s in res.stance],
        "key_figures": [k.to_json() for k in res.figures],
        "provenance": {
            **provenance,
            "summary_evidence": [{"text": t, "evidence": [e.to_json() for e in ev]}
                                 for t, ev in res.summary],
            "tasks": [s.to_json() for s in res.stats],
            "counts": {"sentences": res.sentences, "figure_candidates": res.candidates,
                       "sections": res.sections},
        },
    }
    if keep_thoughts and res.thoughts:
        out["thoughts"] = dict(res.thoughts)
    return out


def json_kind(value) -> str:
    """The JSON name of a value's type, for messages."""
    # isinstance, so that the gold file's dict subclass is an object too; bool before int's "number".
    kinds = ((bool, "boolean"), (dict, "object"), (list, "array"), (str, "string"), (type(None), "null"))
    return next((name for kind, name in kinds if isinstance(value, kind)), "number")


def shape_errors(result) -> list[str]:
    """Wrong JSON types in a result, starting with the result itself not being an object."""
    if not isinstance(result, dict):
        return [f"$: a JSON {json_kind(result)}, not a result object"]
    return schemas.type_errors(result)


# Keys brief writes in every result and a hand edit rarely drops all of; "status", "summary" and
# "claims" are too common in other JSON ({"status": "draft"}) to tell a result by.
RESULT_MARKS = ("schema_version", "document", "provenance")


def is_other_json(data) -> bool:
    """JSON that is neither a result nor a damaged one (bench output, a user's own file): an
    object with none of RESULT_MARKS. validate skips it; a run will not replace it."""
    return isinstance(data, dict) and not any(k in data for k in RESULT_MARKS)


def check(result: dict, text: Optional[str]) -> list[str]:
    """Schema violations, and when the source text is given, grounding violations."""
    errors = schemas.schema_errors(result)
    # The grounding rules index into claims, evidence and offsets, which a wrong JSON type breaks;
    # the schema violations above already name it.
    if text is not None and not shape_errors(result):
        errors += schemas.invariant_errors(result, text)
    return errors


def read_result(path: Path) -> dict:
    """A result file's JSON object; BriefError naming the file if it is not JSON or not an object."""
    try:
        data = parse_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BriefError(f"{path}: not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BriefError(f"{path}: {shape_errors(data)[0]}; rerun `brief run` to rewrite it")
    return data


def results_folder(folder: Path, advice: str = "pass the folder `brief run` wrote") -> None:
    """UsageError unless `folder` is a folder; a result file given instead names its folder."""
    if folder.is_file():
        raise UsageError(f"{folder}: is a file, not a results folder; pass the folder that holds "
                         f"it ({folder.parent})")
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such results folder; {advice}")


def not_a_results_folder(folder: Path) -> UsageError:
    """The error for a folder with nothing of brief's in it: no manifest, no JSON."""
    return UsageError(f"{folder}: not a results folder (no {MANIFEST}); pass the --out of a `brief run`")


def read_manifest(folder: Path) -> dict:
    """A results folder's manifest; UsageError naming it if it is missing, not JSON or misshapen."""
    results_folder(folder)
    path = folder / MANIFEST
    # A snapshot of an earlier run (runs/<id>/) cannot be rewritten, only let go.
    advice = ("delete that snapshot folder" if folder.parent.name == "runs"
              else "rerun `brief run` to rewrite it")
    try:
        data = parse_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if not any(folder.glob("*.json")):  # nothing of brief's here at all
            raise not_a_results_folder(folder) from None
        raise UsageError(f"{path}: the manifest is missing; {advice}") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the manifest ({exc.strerror or exc}); {advice}") from None
    except ValueError as exc:
        raise UsageError(f"{path}: the manifest is not valid JSON ({exc}); {advice}") from None
    problem = _manifest_shape(data)
    if problem:
        raise UsageError(f"{path}: {problem}; {advice}")
    return data


def _manifest_shape(data) -> Optional[str]:
    """The first part of a manifest with the wrong JSON type, or None."""
    if not isinstance(data, dict):
        return f"$: a JSON {json_kind(data)}, not a manifest object"
    for key in _MANIFEST_OBJECTS:
        if data.get(key) is not None and not isinstance(data[key], dict):
            return f"$.{key}: a JSON {json_kind(data[key])}, not an object"
    docs = data.get("documents")
    if docs is not None and not isinstance(docs, list):
        return f"$.documents: a JSON {json_kind(docs)}, not an array"
    for i, entry in enumerate(docs or []):
        if not isinstance(entry, dict):
            return f"$.documents[{i}]: a JSON {json_kind(entry)}, not an object"
    return None


def _document(result: dict) -> dict:
    meta = result.get("document")
    return meta if isinstance(meta, dict) else {}


def source_candidates(raw: str, results_dir: Path) -> list[Path]:
    """Where a recorded source path may be, in order: as recorded (absolute, or relative to the
    current folder), then relative to the results folder and to each folder above it."""
    path = Path(raw)
    if path.is_absolute():
        return [path]
    # Results record paths relative to the folder `brief run` ran in, which the manifest does not
    # name; it is the results folder's parent for the usual `brief run docs/`, or one further up.
    folder = Path(results_dir).absolute()
    # Each file once: from the usual project folder, ours and the results' parent are the same.
    found, seen = [], set()
    for candidate in (path, *(base / path for base in (folder, *folder.parents))):
        key = os.path.normpath(candidate.absolute())
        if key not in seen:
            seen.add(key)
            found.append(candidate)
    return found


def source_of(result: dict, results_dir: Path) -> Optional[Path]:
    """The source file of a result (see source_candidates): the first candidate holding the bytes
    the result records, else the first that exists (its source, changed since), else None."""
    meta = _document(result)
    raw = meta.get("path")
    if not isinstance(raw, str) or not raw:
        return None
    existing = [p for p in source_candidates(raw, results_dir) if p.is_file()]
    if len(existing) > 1:
        for path in existing:
            try:
                if sha256_bytes(path.read_bytes()) == meta.get("sha256"):
                    return path
            except OSError:
                continue
    return existing[0] if existing else None


def open_source(result: dict, results_dir: Path) -> tuple[Optional[Path], Optional[Document], Optional[str]]:
    """A result's source file (source_of), loaded as the run loaded it so offsets count the same
    text; the error text instead of the document when it cannot be read."""
    path = source_of(result, results_dir)
    if path is None:
        return None, None, None
    try:
        return path, load_document(path), None
    except (OSError, ValueError, BriefError) as exc:
        return path, None, str(exc)


def load_source(result: dict, results_dir: Path) -> tuple[Optional[str], Optional[str]]:
    """The source text the result's offsets refer to, or None and the reason it is not shown."""
    raw = _document(result).get("path")
    path, doc, error = open_source(result, results_dir)
    if path is None and not (isinstance(raw, str) and raw):
        return None, "The result records no source path; showing it without highlights."
    if path is None:
        return None, f"Source {raw} not found; showing the result without highlights."
    if doc is None:
        return None, f"Source {raw} could not be read ({error}); showing the result without highlights."
    if doc.sha256 != _document(result).get("sha256"):
        return None, (f"Source {raw} has changed since this run (sha256 differs); "
                      "showing the result without highlights.")
    return doc.text, None


def result_files(directory: Path) -> tuple[list[Path], list[Path]]:
    """The folder's result files (damaged ones included), and other JSON left in it."""
    results, others = [], []
    for path in sorted(p for p in directory.glob("*.json") if p.name != MANIFEST):
        try:
            other = is_other_json(read_result(path))
        except BriefError:
            other = False  # unreadable, torn or not an object: a damaged result, reported as such
        (others if other else results).append(path)
    return results, others


def file_problems(path: Path) -> list[str]:
    """Every violation of one result file; a broken file or source is one of them, never a stop."""
    try:
        result = read_result(path)
    except BriefError as exc:
        return [str(exc)]
    meta, text, problems = _document(result), None, []
    if isinstance(meta.get("id"), str) and meta["id"] != path.stem:
        # brief names each result by its id: a renamed or copied one is found by neither
        # `brief run` (which would redo the document) nor `brief diff`.
        problems.append(f"{path}: $.document.id: {meta['id']!r} is not its file name; rename it "
                        f"{meta['id']}.json, or rerun `brief run`")
    src, doc, error = open_source(result, path.parent)
    raw = meta.get("path")
    if not isinstance(raw, str):
        pass  # missing or not a string: the schema violation below says so, once
    elif not raw:
        problems.append(f"{path}: $.document.path: empty, so there is no source to check against; "
                        "rerun `brief run` to rewrite it")
    elif src is None:
        problems.append(f"{path}: $.document.path: source {meta.get('path')!r} not found; "
                        f"grounding not checked (restore the file, or delete this result if "
                        f"the source is gone for good)")
    elif doc is None:  # e.g. the source has become binary: this result's problem only
        problems.append(f"{path}: $.document.path: source not readable ({error}); grounding not checked")
    elif doc.sha256 != meta.get("sha256"):
        problems.append(f"{path}: $.document.sha256: the source has changed since this result "
                        f"was written; rerun `brief run`")
    else:
        text = doc.text
    return problems + [f"{path}: {e}" for e in check(result, text)]


def check_writable(path: Path, option: str, folder: bool) -> None:
    """UsageError naming `path` unless it can be written later: as a file (folder=False) or a
    folder, with itself or its nearest existing parent a writable folder."""
    if path.exists() and path.is_dir() != folder:
        want, got = ("folder", "file") if folder else ("file", "folder")
        raise UsageError(f"{path}: is a {got}, not a {want}; choose another {option}")
    base = path if folder else path.parent
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise UsageError(f"{path}: {base} is a file, not a folder; choose another {option}")
    if not os.access(base, os.W_OK | os.X_OK):
        raise UsageError(f"{path}: cannot write in {base} (permission denied); choose another {option}")
    try:  # root passes access() where no file can be made: /proc, a read-only mount
        tempfile.TemporaryFile(dir=base).close()
    except OSError as exc:
        raise UsageError(f"{path}: cannot write in {base} ({exc.strerror or exc}); "
                         f"choose another {option}") from None
