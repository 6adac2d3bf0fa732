"""Run history: each run's manifest and result files, snapshotted, and the diff between two runs.

Why snapshots of JSON files rather than SQLite: a snapshot is a plain copy of the files the run
wrote, so it can be read, grepped and diffed with ordinary tools (`diff -r runs/A runs/B`) and
kept in version control; a run that dies half-way leaves the previous snapshots untouched, since
a new one is written under a temporary name and renamed into place only when complete; and there
is no database schema to migrate when the result format changes, because each snapshot holds the
result files exactly as that run's version wrote them.

Layout: `<results>/runs/<run_id>/manifest.json` plus the run's `<doc-id>.json` files. Run ids
start with a UTC timestamp (20261123T232514Z-1a2b), so sorting them sorts runs by time.
"""

from __future__ import annotations

import errno
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from pipeline.errors import BriefError, UsageError
from pipeline.jsonio import parse_json
from pipeline.results import (MANIFEST, not_a_results_folder, read_manifest, read_result,
                              shape_errors)

RUNS = "runs"
_PARTIAL = ".partial-"


def runs_dir(results_dir: Path) -> Path:
    """The folder holding the snapshots of a results folder."""
    return Path(results_dir) / RUNS


def _check_run_id(run_id: str) -> None:
    if not run_id or run_id.startswith(".") or "/" in run_id or "\\" in run_id or run_id in ("..",):
        raise UsageError(f"invalid run id {run_id!r}")


def list_runs(results_dir: Path) -> list[str]:
    """Recorded run ids, oldest first; unfinished snapshots are not runs."""
    root = runs_dir(results_dir)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root}: is a file, not the folder of run snapshots; move it away "
                         "(the next `brief run` records there)")
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and (p / MANIFEST).is_file())


def _result_files(results_dir: Path, manifest: dict) -> list[str]:
    names = []
    for doc in manifest.get("documents") or []:
        name = doc.get("result")
        # Only a bare file name: a manifest must not make us copy from outside the folder.
        if isinstance(name, str) and name and Path(name).name == name and (results_dir / name).is_file():
            names.append(name)
    return names


def record_run(results_dir: Path, run_id: str, keep: int = 10) -> Path:
    """Copy the manifest and result files into runs/<run_id>/, then drop the oldest beyond `keep`."""
    results_dir = Path(results_dir)
    _check_run_id(run_id)
    if keep < 1:
        raise UsageError(f"keep must be at least 1, got {keep}")
    manifest_path = results_dir / MANIFEST
    try:
        manifest = parse_json(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot record run {run_id}: {manifest_path} unreadable ({exc})") from exc
    if manifest.get("run_id") not in (None, run_id):
        # A run that wrote no manifest of its own would otherwise file the previous run's under its id.
        raise UsageError(f"cannot record run {run_id}: {manifest_path} belongs to run {manifest.get('run_id')}")
    root = runs_dir(results_dir)
    tmp = root / (_PARTIAL + run_id)
    dest = root / run_id
    try:
        root.mkdir(exist_ok=True)
        for stale in root.glob(_PARTIAL + "*"):  # left by a run that died while snapshotting
            shutil.rmtree(stale, ignore_errors=True)
        tmp.mkdir()
        for name in _result_files(results_dir, manifest):
            shutil.copy2(results_dir / name, tmp / name)
        shutil.copy2(manifest_path, tmp / MANIFEST)  # last: a snapshot with a manifest is complete
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        blocked = root.exists() and not root.is_dir()
        denied = exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
        why, advice = (("not a folder", "move that file away") if blocked
                       else (exc.strerror or exc, "make that folder writable") if denied
                       else (exc.strerror or exc, "free disk space, or lower --keep"))
        raise UsageError(f"{root}: the results are written, but the snapshot of run {run_id} for "
                         f"`brief diff` could not be saved ({why}); {advice}") from None
    # The run just recorded always stays, even if a skewed clock gave it the oldest id.
    others = [r for r in list_runs(results_dir) if r != run_id]
    for old in others[:max(len(others) - (keep - 1), 0)]:
        shutil.rmtree(root / old, ignore_errors=True)
    return dest


@dataclass
class DocChange:
    """What changed in one document between two runs."""

    id: str
    status: Optional[tuple[str, str]] = None
    source_changed: bool = False
    summary_changed: bool = False
    figures_added: list[tuple[str, int, int]] = field(default_factory=list)
    figures_removed: list[tuple[str, int, int]] = field(default_factory=list)
    claims_added: list[str] = field(default_factory=list)
    claims_removed: list[str] = field(default_factory=list)
    stance_changes: list[tuple[str, Optional[str], Optional[str]]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # "older"/"newer": its result is damaged

    def __bool__(self) -> bool:
        return bool(self.status or self.source_changed or self.summary_changed or self.figures_added
                    or self.figures_removed or self.claims_added or self.claims_removed
                    or self.stance_changes or self.unreadable)


@dataclass
class RunDiff:
    """The differences from run_a (older) to run_b (newer)."""

    run_a: str
    run_b: str
    documents_added: list[str] = field(default_factory=list)
    documents_removed: list[str] = field(default_factory=list)
    changed: list[DocChange] = field(default_factory=list)
    without_result: dict[str, str] = field(default_factory=dict)  # added id -> its state and reason

    def __bool__(self) -> bool:
        return bool(self.documents_added or self.documents_removed or self.changed)


@dataclass
class _Run:
    manifest: dict
    results: dict[str, dict]  # doc id -> result JSON, for documents that have one

    @property
    def documents(self) -> dict[str, dict]:
        # Two files with one id: the first owns it (the second fails as a duplicate, and must
        # not hide what happened to the first).
        out: dict[str, dict] = {}
        for d in self.manifest.get("documents") or []:
            if d.get("id"):
                out.setdefault(d["id"], d)
        return out


def load_run(folder: Path) -> _Run:
    """A results folder or a snapshot: its manifest and the result files it names."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    results = {}
    for doc in manifest.get("documents") or []:
        name = doc.get("result")
        if not (isinstance(name, str) and name and Path(name).name == name):
            continue
        try:
            data = read_result(folder / name)
        except BriefError:
            continue  # a missing or torn result reads as "no result", shown as a status change
        if not shape_errors(data):  # a number where a list belongs: also no result
            results[doc.get("id")] = data
    return _Run(manifest, results)


def _minus(a: list, b: list) -> list:
    """Items of a not in b, as multisets, in a's order."""
    left = Counter(b)
    out = []
    for x in a:
        if left[x]:
            left[x] -= 1
        else:
            out.append(x)
    return out


def _figures(result: dict) -> list[tuple[str, int, int]]:
    return [(f.get("text", ""), f.get("start", 0), f.get("end", 0)) for f in result.get("key_figures") or []]


def _claims(result: dict) -> list[str]:
    return [c.get("text", "") for c in result.get("claims") or []]


def _stances(result: dict) -> dict[str, str]:
    return {s.get("target", ""): s.get("position", "") for s in result.get("stance") or []}


_HAS_RESULT = {"written", "skipped", "kept"}


def _has_result(doc: dict) -> bool:
    """Whether a manifest entry says its document has a result."""
    # A file skipped as binary (a fifo, an image) is "skipped" too, but never had a result.
    return doc.get("status") in _HAS_RESULT and bool(doc.get("result"))


def _state(doc: dict) -> str:
    """A manifest entry's status, marked when it is one that usually has a result but has none."""
    status = str(doc.get("status"))
    return status if status not in _HAS_RESULT or _has_result(doc) else f"{status} (no result)"


def _diff_doc(doc_id: str, a: _Run, b: _Run) -> DocChange:
    change = DocChange(doc_id)
    da, db = a.documents[doc_id], b.documents[doc_id]
    # written, skipped (current) and kept all mean "has its result": only a change to or from
    # failed, or a skip without a result, is news; the result's own changes are listed below.
    if not (_has_result(da) and _has_result(db)) and _state(da) != _state(db):
        change.status = (_state(da), _state(db))
    ra, rb = a.results.get(doc_id), b.results.get(doc_id)
    # A run that says it has the result but whose file is gone or torn: say so, compare nothing.
    change.unreadable = [side for side, doc, r in (("older", da, ra), ("newer", db, rb))
                         if _has_result(doc) and r is None]
    if ra is None or rb is None:
        return change  # nothing to compare: the status change says it all
    change.source_changed = (ra.get("document") or {}).get("sha256") != (rb.get("document") or {}).get("sha256")
    change.summary_changed = ra.get("summary") != rb.get("summary")
    change.figures_added = _minus(_figures(rb), _figures(ra))
    change.figures_removed = _minus(_figures(ra), _figures(rb))
    change.claims_added = _minus(_claims(rb), _claims(ra))
    change.claims_removed = _minus(_claims(ra), _claims(rb))
    pa, pb = _stances(ra), _stances(rb)
    for target in list(pa) + [t for t in pb if t not in pa]:
        if pa.get(target) != pb.get(target):
            change.stance_changes.append((target, pa.get(target), pb.get(target)))
    return change


def diff_loaded(run_a: str, a: _Run, run_b: str, b: _Run) -> RunDiff:
    """The diff of two loaded runs."""
    da, db = a.documents, b.documents
    diff = RunDiff(run_a, run_b,
                   documents_added=[d for d in db if d not in da],
                   documents_removed=[d for d in da if d not in db])
    # A file added but skipped (binary) or failed has no result: "+ document" alone reads as one.
    diff.without_result = {d: ": ".join(filter(None, (str(db[d].get("status")), db[d].get("reason"))))
                           for d in diff.documents_added if not _has_result(db[d])}
    for doc_id in db:
        if doc_id in da:
            change = _diff_doc(doc_id, a, b)
            if change:
                diff.changed.append(change)
    return diff


def require_results(results_dir: Path, runs: list[str]) -> None:
    """UsageError for a folder of documents passed by mistake, as validate and report say: files
    of its own and no run, manifest or result of brief's. An empty folder may be a results folder
    to be, and a first run at its first document leaves only .brief.lock and runs/."""
    theirs = [p for p in results_dir.iterdir() if not p.name.startswith(".") and p.name != RUNS]
    if not runs and theirs and not (results_dir / MANIFEST).exists() \
            and not any(results_dir.glob("*.json")):
        raise not_a_results_folder(results_dir)


def _pick(results_dir: Path, run_a: Optional[str], run_b: Optional[str]) -> tuple[str, str]:
    runs = list_runs(results_dir)
    require_results(results_dir, runs)
    where = runs_dir(results_dir)
    listing = ", ".join(runs) if runs else "none"
    for run in (run_a, run_b):
        if run is not None and run not in runs:
            raise UsageError(f"unknown run {run!r} in {where}; recorded runs: {listing}")
    if run_a is None or run_b is None:
        if len(runs) < 2:
            raise UsageError(f"need two recorded runs to diff, found {len(runs)} in {where}: {listing}")
        if run_b is None and run_a is None:
            run_a, run_b = runs[-2], runs[-1]
        elif run_a is None:
            earlier = [r for r in runs if r < run_b]
            if not earlier:
                raise UsageError(f"no run before {run_b!r} in {where}; recorded runs: {listing}")
            run_a = earlier[-1]
        else:
            run_b = runs[-1]
    return run_a, run_b


def diff_runs(results_dir: Path, run_a: Optional[str] = None, run_b: Optional[str] = None) -> RunDiff:
    """Diff two recorded runs; by default the last two, or the run before run_b, or run_a to the latest."""
    run_a, run_b = _pick(Path(results_dir), run_a, run_b)
    root = runs_dir(results_dir)
    return diff_loaded(run_a, load_run(root / run_a), run_b, load_run(root / run_b))


def diff_previous(results_dir: Path) -> Optional[RunDiff]:
    """The live results folder against the latest snapshot of an earlier run, or None."""
    results_dir = Path(results_dir)
    try:
        current = load_run(results_dir)
    except (OSError, ValueError):
        return None
    run_id = str(current.manifest.get("run_id") or "")
    try:
        earlier = [r for r in list_runs(results_dir) if r < run_id] if run_id else []
    except UsageError:  # runs/ is a file: no history to compare with
        return None
    if not earlier:
        return None
    try:
        previous = load_run(runs_dir(results_dir) / earlier[-1])
    except (OSError, ValueError, UsageError):  # a damaged snapshot: the report goes without it
        return None
    return diff_loaded(earlier[-1], previous, run_id, current)


def _quote(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return f'"{text if len(text) <= limit else text[:limit - 1] + "…"}"'


def change_lines(change: DocChange) -> list[str]:
    """One line per change in a document, prefixed + (new), - (gone) or ~ (changed)."""
    lines = [f"! the {side} run's result is missing or damaged: not compared" for side in change.unreadable]
    if change.status:
        lines.append(f"~ status: {change.status[0]} → {change.status[1]}")
    if change.source_changed:
        lines.append("~ source text changed")
    if change.summary_changed:
        lines.append("~ summary changed")
    lines += [f"+ figure {_quote(t)} at {s}–{e}" for t, s, e in change.figures_added]
    lines += [f"- figure {_quote(t)} at {s}–{e}" for t, s, e in change.figures_removed]
    lines += [f"+ claim {_quote(c)}" for c in change.claims_added]
    lines += [f"- claim {_quote(c)}" for c in change.claims_removed]
    lines += [f"~ stance {t}: {old or '(none)'} → {new or '(none)'}" for t, old, new in change.stance_changes]
    return lines


def added_line(diff: RunDiff, doc_id: str) -> str:
    """An added document's id, with its state when it has no result (skipped as binary, failed)."""
    state = diff.without_result.get(doc_id)
    return f"{doc_id} ({state}; no result)" if state else doc_id


def format_diff(diff: RunDiff) -> str:
    """The diff as plain text, one document per block; "no changes" when there are none."""
    head = f"runs {diff.run_a} → {diff.run_b}"
    if not diff:
        return f"{head}: no changes"
    out = [head]
    out += [f"+ document {added_line(diff, d)}" for d in diff.documents_added]
    out += [f"- document {d}" for d in diff.documents_removed]
    for change in diff.changed:
        out.append(f"{change.id}:")
        out += ["  " + line for line in change_lines(change)]
    return "\n".join(out)
