"""Result files: build one from a DocResult, write it atomically, re-check it from the source."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Optional

from . import schemas
from .documents import load_document
from .errors import BriefError
from .types import Document

MANIFEST = "manifest.json"


def _scratch(path: Path, pid: int) -> Path:
    return path.with_name(f".{path.name}.{pid}.tmp")


def remove_scratch(folder: Path) -> int:
    """Delete the temporary files that killed runs left in `folder` (call it holding the folder's
    lock: no live writer then); a SIGKILL between writing and renaming cannot clean up itself."""
    removed = 0
    for tmp in folder.glob(_scratch(Path("*"), "*").name):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def write_json(path: Path, data: dict) -> None:
    """Write atomically: a temporary file in the same folder, fsync, then rename over the target,
    so a run killed at any moment leaves the old file or the new one, never half of one."""
    tmp = _scratch(path, os.getpid())
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    try:
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)  # the rename itself survives a power cut only once the folder is synced
        finally:
            os.close(fd)
    except OSError:
        pass


def document_json(doc: Document) -> dict:
    return {"id": doc.id, "path": str(doc.path), "sha256": doc.sha256, "chars": doc.chars,
            "encoding": doc.encoding, "kind": doc.kind}


def join_summary(sentences: list[str], language: str) -> str:
    """Summary sentences as one text, each closed by a terminator (the model often drops it)."""
    if language == "ja":
        return "".join(t if t.endswith(("。", "！", "？", "!", "?")) else t + "。" for t in sentences)
    return " ".join(t if t.endswith((".", "!", "?")) else t + "." for t in sentences)


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


def check(result: dict, text: Optional[str]) -> list[str]:
    """Schema violations, and when the source text is given, grounding violations."""
    errors = schemas.schema_errors(result)
    if text is not None:
        errors += schemas.invariant_errors(result, text)
    return errors


def read_result(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BriefError(f"{path}: not readable JSON ({exc})") from None


def source_of(result: dict, base: Path) -> Optional[Path]:
    """Where the source document of a result is: its recorded path, as given or from `base`."""
    p = Path(result.get("document", {}).get("path", ""))
    for candidate in (p, base / p):
        if str(p) and candidate.is_file():
            return candidate
    return None


def validate_dir(directory: Path) -> list[str]:
    """Every violation in a results folder, one line each: 'file: JSON path: rule'."""
    if not directory.is_dir():
        raise BriefError(f"{directory}: no such results folder")
    files = sorted(p for p in directory.glob("*.json") if p.name != MANIFEST)
    problems = []
    for path in files:
        try:
            result = read_result(path)
        except BriefError as exc:
            problems.append(str(exc))
            continue
        src = source_of(result, Path.cwd())
        text = None
        if src is None:
            problems.append(f"{path}: $.document.path: source {result.get('document', {}).get('path')!r} "
                            f"not found; grounding not checked")
        else:
            doc = load_document(src)
            if doc.sha256 != result.get("document", {}).get("sha256"):
                problems.append(f"{path}: $.document.sha256: the source has changed since this result "
                                f"was written; rerun `brief run`")
            else:
                text = doc.text
        problems += [f"{path}: {e}" for e in check(result, text)]
    return problems
