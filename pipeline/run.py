"""A batch: find documents, skip the current ones, summarise the rest with one loaded model, write
each result atomically and keep a manifest, one run per output folder at a time."""

from __future__ import annotations

import errno
import fcntl
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from . import __version__, history, models, results, schemas
from .documents import discover, load_document
from .errors import BriefError, DocumentError, LockedError, SkipDocument, UsageError
from .jsonio import parse_json
from .events import Reporter
from .prompts import Prompts
from .settings import RunSettings, cache_key
from .types import Document

LOCK = ".brief.lock"
DEFAULT_THINK_BUDGET = 512
NAME_BYTES = 255  # the longest file name of ext4, xfs, btrfs and APFS


@dataclass
class DocStatus:
    """One line of the manifest."""

    id: str
    path: str
    status: str  # written | skipped | failed | kept (a result of an earlier run, not redone)
    reason: Optional[str] = None
    result: Optional[str] = None
    prompt_tokens: int = 0
    generated_tokens: int = 0
    think_tokens: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict:
        return dict(self.__dict__, seconds=round(self.seconds, 3))


@dataclass
class RunReport:
    """What a run did: the manifest's content."""

    run_id: str
    docs: list[DocStatus] = field(default_factory=list)
    guessed: int = 0  # tokens guessed from the prompt (draft.py), and how many of them were kept
    guessed_kept: int = 0
    kept: int = 0  # earlier runs' results this run did not redo: the manifest lists them as kept

    def count(self, status: str) -> int:
        return self.kept if status == "kept" else sum(1 for d in self.docs if d.status == status)

    @property
    def exit_code(self) -> int:
        return 1 if self.count("failed") else 0


class OutputLock:
    """flock on a file in the output folder: held by the process, so a killed run leaves no stale lock."""

    def __init__(self, out: Path, created: tuple[Path, ...] = ()):
        self.path = out / LOCK
        self.created = created  # folders this run made for --out, deepest first
        self.fh = None

    def __enter__(self):
        try:
            self.fh = open(self.path, "a+", encoding="ascii")
        except OSError as exc:
            raise UsageError(f"{self.path}: cannot open brief's lock file ({exc.strerror or exc}); "
                             "remove it if it is not a file, or fix its permissions") from None
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            self.fh.seek(0)
            holder = self.fh.read().strip() or "unknown"
            self.fh.close()
            raise LockedError(f"{self.path.parent}: another brief run (pid {holder}) is writing "
                              f"here; wait for it to finish or stop it") from None
        self.fh.seek(0)
        self.fh.truncate()
        self.fh.write(str(os.getpid()))
        self.fh.flush()
        results.remove_scratch(self.path.parent)
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is not None and self.created:
            self._remove_created()  # still holding the lock, so no other run is writing there
        fcntl.flock(self.fh, fcntl.LOCK_UN)
        self.fh.close()

    def _remove_created(self) -> None:
        """A run that stopped before writing anything leaves no folder it made holding only its lock."""
        try:
            if [p.name for p in self.path.parent.iterdir()] != [LOCK]:
                return
            self.path.unlink()
            for folder in self.created:
                folder.rmdir()  # stops at the first that holds something else
        except OSError:
            pass  # a leftover empty folder is harmless; the run's own error is what the user needs


def prepare_output(out: Path) -> tuple[Path, ...]:
    """Create the output folder or refuse with one line; the folders made for it, deepest first."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: is a file, not a folder; choose another --out")
    if out.is_symlink() and not out.exists():
        raise UsageError(f"{out}: a link to {os.readlink(out)}, which does not exist; create that "
                         "folder or choose another --out")
    missing = []
    folder = out
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    made = []
    for folder in reversed(missing):
        try:
            folder.mkdir()
            made.insert(0, folder)
        except FileExistsError:
            pass  # another process made it at the same moment: it is not this run's to remove
        except OSError as exc:
            raise UsageError(f"{out}: cannot create the output folder ({exc.strerror}); "
                             f"choose another with --out") from None
    if not out.is_dir() or not os.access(out, os.W_OK | os.X_OK):
        raise UsageError(f"{out}: output folder is not writable; fix its permissions or use --out")
    return tuple(made)


_NOT_OURS = "not a brief result, so brief will not replace it; move it away or choose another --out"
_BRIEF_START = re.compile(r'\{\s*"schema_version"')  # how every result brief writes begins


def new_run_id() -> str:
    now = datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z-{os.getpid()}"


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Batch:
    """One `brief run`."""

    def __init__(self, paths: list[Path], settings: RunSettings, reporter: Reporter):
        self.paths, self.settings, self.reporter = paths, settings, reporter
        self.out = Path(settings.out)
        self.prompts = Prompts.load()
        self.prompt_hashes = self.prompts.hashes()
        self.schema_hashes = schemas.hashes()
        self.engine = None
        self.report = RunReport(new_run_id())
        self.sources: dict[str, Path] = {}  # where each earlier result's source was found
        # ids whose <id>.json in --out brief must not replace, and why: not brief's, or damaged
        self.foreign: dict[str, str] = {}

    def execute(self) -> RunReport:
        files = discover(self.paths, exclude=self.out)
        with OutputLock(self.out, prepare_output(self.out)):
            self.model = models.resolve(self.settings.model, warn=self.reporter.warning)
            self.think_budget = self._think_budget()
            self.started = time.time()
            self._refuse_foreign_manifest(self.out / results.MANIFEST)
            self.earlier = self._earlier_results()
            self.reporter.start(len(files), self.model.name)
            seen: dict[str, Path] = {}
            for path in files:
                self.report.docs.append(self._one(path, seen))
                self._write_manifest()
            history.record_run(self.out, self.report.run_id, keep=self.settings.keep_runs)
            if self.engine is not None:
                self.report.guessed = self.engine.guessed
                self.report.guessed_kept = self.engine.guessed_kept
            self.reporter.end(self.report)
        return self.report

    def _think_budget(self) -> int:
        if not self.model.reasoning:
            return 0
        return DEFAULT_THINK_BUDGET if self.settings.think_budget is None else self.settings.think_budget

    def _params(self) -> dict:
        # A model that does not think has no thoughts to keep: --keep-thoughts changes nothing
        # it writes, so it must not make every result stale (measured: a rerun redid them all).
        return {**self.settings.result_params(), "think_budget": self.think_budget,
                "keep_thoughts": self.settings.keep_thoughts and self.model.reasoning}

    def _one(self, path: Path, seen: dict[str, Path]) -> DocStatus:
        status = DocStatus(path.stem, str(path), "failed")
        start = time.monotonic()
        self.reporter.doc_start(status.id, str(path))
        try:
            doc = load_document(path)
            if f"{doc.id}.json" == results.MANIFEST:
                raise DocumentError(f"{path}: the id {doc.id!r} would overwrite the run's "
                                    f"{results.MANIFEST}; rename the file")
            if len(os.fsencode(f"{doc.id}.json")) > NAME_BYTES:
                raise DocumentError(f"{path}: its result's name {doc.id}.json would be over "
                                    f"{NAME_BYTES} bytes, too long for a file name; rename the file shorter")
            if doc.id in seen:
                raise DocumentError(f"{path}: document id {doc.id!r} is also {seen[doc.id]}; "
                                    f"rename one of them (ids are file names without extension)")
            seen[doc.id] = path
            if doc.id in self.foreign:
                raise DocumentError(f"{self.out / (doc.id + '.json')}: {self.foreign[doc.id]}")
            self._same_source(doc)
            self._summarise(doc, status)
        except SkipDocument as exc:
            status.status, status.reason = "skipped", str(exc)
        except BriefError as exc:
            if exc.exit_code != 1:
                raise  # model or usage problems stop the run: every later document would fail too
            reason = str(exc)  # every reason names its file, even one raised deep in the engine
            status.status = "failed"
            status.reason = reason if reason.startswith(str(path)) else f"{path}: {reason}"
        status.seconds = time.monotonic() - start
        self.reporter.doc_end(status)
        return status

    def _summarise(self, doc: Document, status: DocStatus) -> None:
        key = cache_key(doc.sha256, self.model.sha256, self.prompt_hashes, self.schema_hashes,
                        self._params())
        target = self.out / f"{doc.id}.json"
        status.result = target.name
        old = None if self.settings.force else self._current(target, key, doc)
        if old is not None:
            status.status, status.reason = "skipped", "current"
            moved = old["document"].get("path")
            if moved != str(doc.path):  # the same bytes read the same way: only the path is news
                old["document"]["path"] = str(doc.path)
                results.write_json(target, old)
                status.reason = f"current; its path updated from {moved}"
            return
        from .summarize import summarize  # imports the engine stack only when there is work

        started = time.monotonic()
        engine = self._engine()
        res = summarize(doc, engine, self.prompts, self.settings, self.think_budget,
                        progress=self.reporter)
        provenance = {"tool_version": __version__, "model": self._model_json(),
                      "prompts": self.prompt_hashes, "schemas": self.schema_hashes,
                      "params": self._params(), "engine": engine.build, "cache_key": key,
                      "run_id": self.report.run_id}
        result = results.build(doc, res, provenance, self.settings.keep_thoughts)
        errors = results.check(result, doc.text)
        if errors:  # never write a result that breaks the contract
            raise BriefError(f"{doc.path}: result failed validation: {errors[0]}")
        result["provenance"]["seconds"] = round(time.monotonic() - started, 3)
        results.write_json(target, result)
        status.status = "written"
        if result["status"] == "empty":
            status.reason = "empty document: nothing to summarise"
        for s in res.stats:
            status.prompt_tokens += s.prompt_tokens
            status.generated_tokens += s.generated_tokens
            status.think_tokens += s.think_tokens

    def _current(self, target: Path, key: str, doc: Document) -> Optional[dict]:
        """The result, when it is current: its cache key matches, the file is read the same way
        (a.txt renamed a.html is not) and it still passes validation."""
        if not target.is_file():
            return None
        try:
            old = results.read_result(target)
        except BriefError:
            return None
        provenance = old.get("provenance")
        current = (isinstance(provenance, dict) and provenance.get("cache_key") == key
                   and not results.check(old, doc.text) and old["document"].get("kind") == doc.kind)
        return old if current else None

    def _engine(self):
        if self.engine is None:
            from .engine import Engine

            self.engine = Engine(self.model, self.settings.max_context, self.settings.threads,
                                 self.settings.seed, start_ctx=1024)
        return self.engine

    @staticmethod
    def _refuse_foreign_manifest(path: Path) -> None:
        """Refuse to replace a manifest.json brief did not write: an object with none of the keys
        a manifest of brief's has. A damaged one of brief's (or one that is no JSON) is rewritten,
        as `brief report` advises."""
        try:
            data = parse_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and not any(k in data for k in ("tool", "run_id", "documents")):
            raise UsageError(f"{path}: not brief's manifest, so brief will not replace it; move it "
                             "away or choose another --out")

    def _same_source(self, doc: Document) -> None:
        """Refuse to replace the result of another file that still exists under the same id."""
        earlier, other = self.earlier.get(doc.id), self.sources.get(doc.id)
        # Found by the rule validate and report use; a source that moved or was deleted is not
        # found, and is simply redone from its new place.
        if earlier is not None and other is not None and other.resolve() != doc.path.resolve():
            raise DocumentError(f"{doc.path}: {self.out / earlier.result} holds the result of "
                                f"{other} (same id {doc.id!r}); rename one of them, or delete "
                                "that result to replace it")

    def _earlier_results(self) -> dict[str, DocStatus]:
        """Results already in the folder: the manifest lists them as kept until this run redoes
        them, so a run over a few files (or one stopped half-way) does not hide the others."""
        kept = {}
        self.sources.clear()
        self.foreign.clear()
        for path in sorted(self.out.glob("*.json")):
            if path.name == results.MANIFEST:
                continue
            try:
                raw = path.read_bytes()
                result = parse_json(raw.decode("utf-8"))
            except OSError:
                continue  # validate reports it
            except ValueError:
                # brief's writes are atomic, so it leaves no file that is no JSON: one that starts
                # as brief's was cut short by something else (a copy, a full disk; often inside a
                # Japanese character) and is rewritten when its document runs, like any damaged
                # result; any other is yours.
                if not _BRIEF_START.match(raw[:64].decode("utf-8", "replace")):
                    self.foreign[path.stem] = _NOT_OURS
                continue
            if results.is_other_json(result):
                self.foreign[path.stem] = _NOT_OURS
                continue
            if not isinstance(result, dict):
                continue  # a damaged result (a JSON array) is rewritten when its document runs
            # A result whose source is gone is left on disk but not listed, so diff shows it removed.
            source = results.source_of(result, self.out)
            if source is not None:
                self.sources[path.stem] = source
                kept[path.stem] = DocStatus(path.stem, result["document"]["path"], "kept",
                                            "not redone by this run: the result of an earlier one",
                                            path.name)
        return kept

    def _model_json(self) -> dict:
        return {k: v for k, v in self.model.to_json().items() if k != "path"}

    def _write_manifest(self) -> None:
        r = self.report
        manifest = {
            "tool": "brief", "version": __version__, "run_id": r.run_id,
            "started": _iso(self.started), "finished": _iso(time.time()),
            "seconds": round(time.time() - self.started, 3),
            "model": self.model.to_json(), "prompts": self.prompt_hashes,
            "schemas": self.schema_hashes, "params": self._params(),
            "documents": [d.to_json() for d in r.docs],
            "counts": {s: r.count(s) for s in ("written", "skipped", "failed")},
        }
        done = {d.id for d in r.docs}
        kept = [d.to_json() for i, d in self.earlier.items() if i not in done]
        r.kept = len(kept)
        if kept:
            manifest["documents"] += kept
            manifest["counts"]["kept"] = len(kept)
        results.write_json(self.out / results.MANIFEST, manifest)


def run(paths: list[Path], settings: RunSettings, reporter: Optional[Reporter] = None) -> RunReport:
    """Summarise every document under `paths` into settings.out."""
    return Batch(paths, settings, reporter or Reporter.silent()).execute()
