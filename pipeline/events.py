"""What a run tells the person or scheduler watching it: progress bars on a terminal, plain lines
otherwise, only failed documents with --quiet, and one JSON object per event on stderr with --log-json."""

from __future__ import annotations

import json
import os
import sys
import time
import unicodedata
from typing import Optional, TextIO

from .display import clip, fit
from .errors import BriefError


def one_line(text: str) -> str:
    """Text fit for one terminal line: control characters (a newline in a file name), lone
    surrogates (a file name that is not UTF-8) and the bidirectional controls (U+202E turns the
    rest of a line around: a name could pose as another) written as escapes."""
    return "".join(ch.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(ch) in ("Cc", "Cs") or ch in BIDI else ch for ch in text)


BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# The manifest's counts; kept: earlier runs' results this run did not redo.
COUNTED = ("written", "skipped", "failed", "kept")
LONG_SECTIONS = 30  # ~30,000 characters: minutes of work on a laptop, worth a line before it starts


def event_line(event: str, **data) -> str:
    """One --log-json event: a JSON object on its own line."""
    return json.dumps({"ts": round(time.time(), 3), "event": event, **data}, ensure_ascii=False) + "\n"


def _unwritable(exc: Exception, stream) -> bool:
    """Whether exc says the stream takes no more output: a closed pipe, a gone terminal, a closed file."""
    return isinstance(exc, OSError) or getattr(stream, "closed", False)


def silence(stream) -> None:
    """Point a stream that can no longer be written at /dev/null."""
    # Later writes (llama.cpp's, a last error's, Python's flush at exit) then succeed instead of
    # raising, so the exit code stays the run's rather than click's 1 for a broken pipe.
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, stream.fileno())
        finally:
            os.close(null)
        stream.flush()  # what the closed pipe refused goes to /dev/null now
    except (OSError, ValueError, AttributeError):
        pass  # not a file descriptor (a StringIO, None): there is nothing to redirect


def attempt(stream, action, *args, **kwargs) -> tuple[bool, object]:
    """(True, what action returned), or (False, None) when `stream` takes no more output (a
    closed pipe, a gone terminal, None for `2>&-`): it is then pointed at /dev/null."""
    try:
        return True, action(*args, **kwargs)
    except (OSError, ValueError, AttributeError) as exc:
        if not (stream is None or _unwritable(exc, stream)):
            raise
        silence(stream)
        return False, None


def write_line(stream, text: str) -> bool:
    """Write and flush `text`; False when the stream takes no more output (see attempt)."""
    def write():
        stream.write(text)
        stream.flush()

    return attempt(stream, write)[0]


def error_event(message: str, exit_code: int) -> None:
    """A run-level error as one --log-json event on stderr, dropped if stderr is gone."""
    write_line(sys.stderr, event_line("error", message=message, exit_code=exit_code))


class Reporter:
    """Receives run events and renders them for the chosen audience."""

    def __init__(self, stream: Optional[TextIO] = None, quiet: bool = False, log_json: bool = False,
                 tty: Optional[bool] = None):
        stream = stream or sys.stderr  # looked up now, so a redirected stderr is honoured
        self.stream, self.quiet, self.log_json = stream, quiet, log_json
        self.broken = stream is None  # sys.stderr is None when brief was started with 2>&-
        try:
            self.tty = bool(stream.isatty()) if tty is None else tty
        except (OSError, ValueError, AttributeError):
            self.tty, self.broken = False, True
        self.run_bar = self.doc_bar = None
        self.total = 0
        self.done = 0
        self.doc_id = ""
        self.task_clock = None  # when the last task ended, for the pace of this run
        self.planned = 0  # the model calls the current document's plan expects
        self.task_seconds, self.tasks_done = 0.0, 0

    @classmethod
    def silent(cls) -> "Reporter":
        return cls(quiet=True)

    def _guarded(self, action, *args, **kwargs):
        """action's return value, or None once the stream cannot be written."""
        # Output that cannot be written (stderr a pipe whose reader left, `… 2>&1 | head -1`) is
        # dropped for the rest of the run: progress is no reason to stop summarising.
        if self.broken:
            return None
        ok, value = attempt(self.stream, action, *args, **kwargs)
        if not ok:
            self._broke()
        return value

    def _write(self, text: str) -> None:
        if not self.broken and not write_line(self.stream, text):
            self._broke()

    def _broke(self) -> None:
        self.broken = True
        for bar in (self.doc_bar, self.run_bar):
            if bar is not None:
                attempt(None, bar.close)  # its last draw may meet the closed stream too
        self.run_bar = self.doc_bar = None

    def _event(self, event: str, **data) -> None:
        if self.log_json:
            self._write(event_line(event, **data))

    def warning(self, message: str) -> None:
        """Something the user should fix that stops nothing: an event, or a line (even --quiet)."""
        if self.log_json:
            self._event("warning", message=message)
        else:
            self._write(f"brief: warning: {one_line(message)}\n")

    def _bars(self) -> bool:
        return self.tty and not self.quiet and not self.log_json and not self.broken

    def _line(self, text: str) -> None:
        if not self.quiet and not self.log_json and not self.tty:
            self._write(one_line(text) + "\n")

    def start(self, total: int, model: str) -> None:
        self.total = total
        self._event("run_start", documents=total, model=model)
        self._line(f"brief: {total} document(s), model {model}")
        if self._bars():
            from tqdm import tqdm

            self.run_bar = self._guarded(tqdm, total=total, unit="doc", desc="run", file=self.stream,
                                         position=0)

    def doc_start(self, doc_id: str, path: str) -> None:
        self.doc_id, self.task_clock, self.planned = doc_id, None, 0
        self._event("document_start", id=doc_id, path=path)
        if self._bars():
            from tqdm import tqdm

            self.doc_bar = self._guarded(tqdm, unit="task", desc=doc_id[:24], file=self.stream,
                                         position=1, leave=False)

    def plan(self, sections: int, tasks: int) -> None:
        """What the document will take: its sections and about how many model calls (said again,
        revised, once its subject is known and when a section's tail earns one more claim)."""
        first = not self.planned
        if tasks == self.planned:
            return
        if first:
            self.task_clock = time.monotonic()  # the pace counts the model's time, not loading
        self.planned = tasks
        self._event("document_plan", id=self.doc_id, sections=sections, tasks=tasks)
        if self.doc_bar is not None:
            self.doc_bar.total = tasks  # tqdm then shows the time left
            self._guarded(self.doc_bar.refresh)
        if first and sections >= LONG_SECTIONS:
            minutes = max(1, round(tasks * self.task_seconds / max(self.tasks_done, 1) / 60))
            pace = f"; about {minutes} min at this run's pace" if self.tasks_done else ""
            self._line(f"{self.doc_id}: a long document, {sections} sections (about {tasks} model "
                       f"calls){pace}; --timeout caps the time of one document")

    def task(self, name: str) -> None:
        if self.task_clock is not None:
            now = time.monotonic()
            self.task_seconds += now - self.task_clock
            self.tasks_done += 1
            self.task_clock = now
        self._event("task_done", task=name)
        if self.doc_bar is not None:
            self.doc_bar.set_postfix_str(name, refresh=False)
            self._guarded(self.doc_bar.update, 1)

    def doc_end(self, status) -> None:
        self.done += 1
        self._event("document_end", **status.to_json())
        if self.doc_bar is not None:
            self._guarded(self.doc_bar.close)
            self.doc_bar = None
        if self.run_bar is not None:
            self._guarded(self.run_bar.update, 1)
        if self.quiet and not self.log_json and status.status == "failed":
            self._write(f"brief: failed: {one_line(status.reason)}\n")  # cron mails stderr
        reason = f" ({status.reason})" if status.reason else ""
        self._line(f"[{self.done}/{self.total}] {status.id}: {status.status}{reason} "
                   f"in {status.seconds:.1f} s")

    def end(self, report) -> None:
        counts = {s: report.count(s) for s in COUNTED}
        self._event("run_end", run_id=report.run_id, **counts)
        if self.run_bar is not None:
            self._guarded(self.run_bar.close)
            self.run_bar = None

    def message(self, text: str) -> None:
        """A line for the person (not in --quiet or --log-json mode)."""
        if not self.quiet and not self.log_json:
            self._write(one_line(text) + "\n")


def summary_table(report, out) -> str:
    """One screen: a row per document with status, counts, stance and time, then the totals."""
    from .results import read_result

    rows = [f"{'document':<28} {'status':<8} {'claims':>6} {'figs':>5} {'sec':>6}  stance"]
    for d in report.docs:
        claims = figs = "-"
        stance = d.reason or ""
        path = out / (d.result or "")
        if d.status in ("written", "skipped") and d.result and path.is_file():
            try:
                r = read_result(path)
                claims, figs = str(len(r["claims"])), str(len(r["key_figures"]))
                stance = ", ".join(f"{s['target']}: {s['position']}" for s in r["stance"])
            except (BriefError, KeyError, TypeError):
                pass
        # Ids are fitted by terminal columns: a Japanese file name's characters take two each.
        rows.append(f"{fit(one_line(d.id), 28)} {d.status:<8} {claims:>6} {figs:>5} {d.seconds:>6.1f}  "
                    f"{clip(stance, 60)}")
    counts = [f"{report.count(s)} {s}" for s in COUNTED if s != "kept" or report.count(s)]
    rows.append(f"{', '.join(counts)} -> {out}/")
    # A row has room for the start of a reason only; the fix is at its end.
    rows += [f"failed: {d.reason}" for d in report.docs if d.status == "failed" and d.reason]
    return "\n".join(one_line(row) for row in rows)
