"""What a run prints: the summary table, --log-json events, and output that cannot be written."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.events import Reporter, error_event, summary_table
from pipeline.run import DocStatus, RunReport

UTF16 = ("in/u.txt: looks like UTF-16 text without a byte-order mark; re-save it as UTF-8 "
         "(iconv -f UTF-16LE -t UTF-8)")


class Broken(io.StringIO):
    """A stream whose reader leaves after `lines` writes, as `2>&1 | head -1` does."""

    def __init__(self, lines: int):
        super().__init__()
        self.left, self.writes = lines, 0

    def write(self, text):
        self.writes += 1
        if self.left <= 0:
            raise BrokenPipeError(32, "Broken pipe")
        self.left -= 1
        return super().write(text)


class Kept(RunReport):
    """A report whose manifest also lists results kept from an earlier run."""

    def count(self, status):
        return 5 if status == "kept" else super().count(status)


def a_run(reporter: Reporter, report: RunReport) -> None:
    """Drive a reporter through a run of report's documents, each with two model calls."""
    reporter.start(len(report.docs), "tiny")
    for status in report.docs:
        reporter.doc_start(status.id, status.path)
        reporter.plan(1, 2)
        reporter.task("claims")
        reporter.task("summary")
        reporter.doc_end(status)
    reporter.end(report)


def three_docs() -> RunReport:
    return RunReport("r1", [DocStatus(i, f"in/{i}.txt", "written", result=f"{i}.json", seconds=1.0)
                            for i in ("a", "b", "c")])


def test_a_failed_documents_whole_reason_follows_the_table(tmp_path):
    report = RunReport("r", [DocStatus("u", "in/u.txt", "failed", reason=UTF16),
                             DocStatus("bin", "in/bin.dat", "skipped",
                                       reason="in/bin.dat: binary file (contains NUL bytes), skipped")])
    assert summary_table(report, tmp_path).splitlines() == [
        "document                     status   claims  figs    sec  stance",
        "u                            failed        -     -    0.0  "
        "in/u.txt: looks like UTF-16 text without a byte-order mark;…",
        "bin                          skipped       -     -    0.0  "
        "in/bin.dat: binary file (contains NUL bytes), skipped",
        f"0 written, 1 skipped, 1 failed -> {tmp_path}/",
        f"failed: {UTF16}",
    ]


def test_the_table_counts_the_results_kept_from_earlier_runs(tmp_path):
    report = Kept("r", [DocStatus("a", "in/a.txt", "failed", reason="in/a.txt: line\nbreak")])
    assert summary_table(report, tmp_path).splitlines()[-2:] == [
        f"0 written, 0 skipped, 1 failed, 5 kept -> {tmp_path}/", "failed: in/a.txt: line\\nbreak"]


def test_run_end_counts_the_kept_results_as_the_manifest_does():
    out = io.StringIO()
    Reporter(stream=out, log_json=True, tty=False).end(Kept("r", [DocStatus("a", "a.txt", "written")]))
    event = json.loads(out.getvalue())
    del event["ts"]
    assert event == {"event": "run_end", "run_id": "r", "written": 1, "skipped": 0, "failed": 0,
                     "kept": 5}


def test_clip_cuts_by_terminal_columns_and_marks_the_cut():
    from pipeline.display import clip, width

    assert clip("short", 10) == "short"
    assert clip("0123456789ab", 10) == "012345678…"
    assert clip("輸出規制の効果は限定的", 10) == "輸出規制…"
    assert width(clip("輸出規制の効果は限定的", 10)) == 9  # a wide character does not fit in 1 column


def test_lines_that_cannot_be_written_are_dropped_and_the_run_goes_on():
    stream = Broken(lines=1)
    reporter = Reporter(stream=stream, tty=False)
    a_run(reporter, three_docs())  # raises nothing
    assert stream.getvalue() == "brief: 3 document(s), model tiny\n"
    assert (reporter.broken, stream.writes) == (True, 2)  # nothing more was tried


def test_events_and_bars_that_cannot_be_written_are_dropped_too():
    # The bars are closed once more when the stream breaks (so tqdm frees their lines): one try.
    for log_json, tty, writes in ((True, False, 4), (False, True, 5)):
        stream = Broken(lines=3)
        reporter = Reporter(stream=stream, log_json=log_json, tty=tty)
        a_run(reporter, three_docs())
        assert reporter.broken and (reporter.run_bar, reporter.doc_bar) == (None, None)
        assert stream.writes == writes


def test_a_closed_stream_is_dropped_and_a_quiet_failure_line_too():
    stream = io.StringIO()
    reporter = Reporter(stream=stream, quiet=True, tty=False)
    reporter.start(1, "tiny")
    stream.close()
    reporter.doc_end(DocStatus("u", "in/u.txt", "failed", reason=UTF16))
    assert reporter.broken


def test_a_closed_stderr_at_start_is_no_error(monkeypatch):
    monkeypatch.setattr(sys, "stderr", None)  # what Python makes of `brief run … 2>&-`
    reporter = Reporter()
    assert (reporter.broken, reporter.tty) == (True, False)
    a_run(reporter, three_docs())
    error_event("model missing", 3)


def test_an_error_event_on_a_closed_pipe_is_dropped(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Broken(lines=0))
    error_event("model missing", 3)  # raises nothing: the exit code is what matters then


def test_a_closed_pipe_is_pointed_at_devnull_so_later_writes_succeed():
    read, write = os.pipe()
    os.close(read)
    stream = open(write, "w", encoding="utf-8", buffering=1)
    reporter = Reporter(stream=stream, tty=False)
    reporter.start(1, "tiny")
    assert reporter.broken
    assert os.path.samestat(os.fstat(stream.fileno()), os.stat(os.devnull))
    stream.write("Python's own flush at exit\n")
    stream.close()  # the refused line went to /dev/null: no BrokenPipeError here


@pytest.mark.parametrize("blocked", [False, True])
def test_a_run_whose_stderr_reader_leaves_writes_every_result(tiny_model, tmp_path, blocked):
    docs = tmp_path / "in"
    docs.mkdir()
    for i in (1, 2):
        (docs / f"d{i}.txt").write_text(f"Doc {i} says prices rose 5 percent. The market grew.\n")
    out = tmp_path / "out"
    if blocked:  # the snapshot then fails after the results: its error line meets the closed pipe too
        out.mkdir()
        (out / "runs").write_text("not a folder")
    # `brief run in --out out 2>&1 >/dev/null | head -1`
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", str(docs), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parent.parent)
    assert proc.stderr.readline() == b"brief: 2 document(s), model tiny\n"
    proc.stderr.close()
    # The run's own exit code: not 1 (the pipe's error) nor 120 (Python's flush at exit).
    assert proc.wait(timeout=120) == (2 if blocked else 0)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {"written": 2, "skipped": 0, "failed": 0}
    assert sorted(p.name for p in out.glob("d*.json")) == ["d1.json", "d2.json"]


def test_a_run_over_one_file_counts_the_others_as_kept(tiny_model, tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    docs = tmp_path / "in"
    docs.mkdir()
    for i in (1, 2):
        (docs / f"d{i}.txt").write_text(f"Doc {i} says prices rose 5 percent. The market grew.\n")
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["run", str(docs), "--out", str(out), "-q"]).exit_code == 0
    r = CliRunner().invoke(cli, ["run", str(docs / "d1.txt"), "--out", str(out), "--log-json"])
    end = json.loads(r.stderr.splitlines()[-1])
    assert {k: end[k] for k in ("event", "written", "skipped", "failed", "kept")} == {
        "event": "run_end", "written": 0, "skipped": 1, "failed": 0, "kept": 1}
    r = CliRunner().invoke(cli, ["run", str(docs / "d1.txt"), "--out", str(out)])
    assert r.stdout.splitlines()[-1] == f"0 written, 1 skipped, 0 failed, 1 kept -> {out}/"


def test_an_error_meeting_a_closed_stderr_keeps_its_exit_code(tmp_path):
    # `brief run missing -q 2>&1 | head -0`: the reader is gone before the error line is written.
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run([sys.executable, "-m", "pipeline", "run", str(tmp_path / "missing"),
                               "--out", str(tmp_path / "out"), "-q"], stdout=subprocess.DEVNULL,
                              stderr=write, cwd=Path(__file__).resolve().parent.parent, timeout=120)
    finally:
        os.close(write)
    assert proc.returncode == 2  # usage: no such path; not 1 for the broken pipe


def test_a_right_to_left_override_in_a_name_is_shown_as_an_escape():
    # "invoice\u202etxt.exe" would read "invoiceexe.txt" on a terminal.
    from pipeline.events import one_line

    assert one_line("in/invoice\u202etxt.exe: failed") == "in/invoice\\u202etxt.exe: failed"
    assert one_line("東京\u200dの記事") == "東京\u200dの記事"  # other format characters stay
