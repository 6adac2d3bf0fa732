"""A models folder brief cannot write (read-only, missing) or whose verified.json is not its own shape."""

import builtins
import errno
import io
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import models
from pipeline.cli import cli


@pytest.fixture
def read_only(monkeypatch):
    """Make every write under a folder fail with EROFS, as a read-only mount does (root ignores chmod)."""
    folders = []

    def under(path) -> bool:
        if isinstance(path, int):
            return False  # a file descriptor
        resolved = Path(os.fsdecode(path)).resolve()
        return any(resolved.is_relative_to(f) for f in folders)

    def refuse(path):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    real_open, real_os_open, real_replace = builtins.open, os.open, os.replace

    def fake_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+") and under(file):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and under(path):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def fake_replace(src, dst, *args, **kwargs):
        if under(dst):
            refuse(dst)
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)  # pathlib's write_text opens through io.open
    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(os, "replace", fake_replace)
    return lambda folder: folders.append(Path(folder).resolve())


def _doc(tmp_path: Path) -> Path:
    doc = tmp_path / "a.txt"
    doc.write_text("DeepSeekは安い。\n", encoding="utf-8")
    return doc


def _warnings(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("brief: warning:")]


def test_run_on_a_read_only_folder_uses_a_model_already_recorded(tiny_model, models_home, tmp_path,
                                                                  read_only):
    models.resolve("tiny")  # recorded while the folder was writable
    before = (models_home / "verified.json").read_bytes()
    read_only(models_home)
    result = CliRunner().invoke(cli, ["run", str(_doc(tmp_path)), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert _warnings(result) == []  # nothing changed, so nothing to write or warn about
    assert (models_home / "verified.json").read_bytes() == before


def test_run_on_a_read_only_folder_without_a_record_warns_in_one_line(tiny_model, models_home, tmp_path,
                                                                      read_only):
    read_only(models_home)
    result = CliRunner().invoke(cli, ["run", str(_doc(tmp_path)), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert _warnings(result) == [
        f"brief: warning: could not record the sha256 check of tiny.gguf in {models_home / 'verified.json'} "
        f"(Read-only file system); it is hashed again next time"]
    assert not (models_home / "verified.json").exists()


def test_a_second_resolve_does_not_rewrite_verified_json(tiny_model, models_home, monkeypatch):
    models.resolve("tiny")
    writes = []
    monkeypatch.setattr(models.Verified, "_write", lambda self: writes.append(self.path))
    models.resolve("tiny")
    models.resolve(str(models_home / "tiny.gguf"))  # the preset's file by path: the same record
    assert writes == []
    assert models.Verified().by_preset("tiny")["path"] == models_home / "tiny.gguf"


def test_verify_on_a_read_only_folder_reports_and_says_it_was_not_recorded(tiny_model, models_home,
                                                                           read_only):
    read_only(models_home)
    result = CliRunner().invoke(cli, ["models", "verify", "tiny"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("tiny: ok, sha256 ")
    assert len(_warnings(result)) == 1 and "(Read-only file system)" in _warnings(result)[0]
    assert len(result.stderr.splitlines()) == 1


def test_a_hub_pin_survives_a_run(tiny_model, models_home):
    path = models_home / "tiny.gguf"
    sha = models.sha256_file(path)
    models.Verified().record(path, sha, preset="tiny", expected=sha, revision="a" * 40, repo="o/r")
    models.resolve("tiny")
    rec = models.Verified().by_preset("tiny")
    assert (rec["revision"], rec["repo"]) == ("a" * 40, "o/r")  # later pulls still pin that commit


def test_local_gguf_with_a_missing_models_folder_runs_and_warns(tiny_gguf, tmp_path, monkeypatch):
    missing = tmp_path / "nonexistent"
    monkeypatch.setenv("BRIEF_MODELS_DIR", str(missing))
    monkeypatch.setenv("BRIEF_THREADS", "1")
    result = CliRunner().invoke(cli, ["run", str(_doc(tmp_path)), "--out", str(tmp_path / "o"),
                                      "--model", str(tiny_gguf)])
    assert result.exit_code == 0, result.output
    assert _warnings(result) == [
        f"brief: warning: could not record the sha256 check of tiny.gguf in {missing / 'verified.json'} "
        f"(no such folder); it is hashed again next time"]
    assert not missing.exists()


def test_preset_with_a_missing_models_folder_names_it(tmp_path, monkeypatch):
    missing = tmp_path / "nonexistent"
    monkeypatch.setenv("BRIEF_MODELS_DIR", str(missing))
    result = CliRunner().invoke(cli, ["run", str(_doc(tmp_path)), "--out", str(tmp_path / "o"),
                                      "--model", "qwen2.5-3b-instruct"])
    assert result.exit_code == 3
    assert result.output == (f"Error: {missing}: no such models folder; BRIEF_MODELS_DIR names it: create "
                             f"it and copy models/registry.json into it, or unset BRIEF_MODELS_DIR\n")


@pytest.mark.parametrize("content", [b"[]", b"null", b'"x"', b'{"/a.gguf": 1}',
                                     b'{"@": {"sha256": "x"}}', b"\xff\xfe{", b"{bad"])
def test_verified_json_of_another_shape_is_no_record_and_rebuilt(tiny_model, models_home, content):
    verified = models_home / "verified.json"
    verified.write_bytes(content.replace(b"@", str(models_home / "tiny.gguf").encode()))  # @: the model's key
    assert CliRunner().invoke(cli, ["models", "list"]).exit_code == 0
    ref = models.resolve("tiny")
    data = json.loads(verified.read_text(encoding="utf-8"))
    assert data[str(ref.path)]["sha256"] == ref.sha256 and data[str(ref.path)]["preset"] == "tiny"


def test_pull_into_a_read_only_folder_is_one_line(tiny_model, models_home, read_only):
    (models_home / "tiny.gguf").unlink()  # absent: pull must write it
    read_only(models_home)
    result = CliRunner().invoke(cli, ["models", "pull", "tiny"])
    assert result.exit_code == 3
    assert result.output == (f"Error: {models_home}: cannot write model tiny into it (Read-only file "
                             f"system); make it writable, or set BRIEF_MODELS_DIR to a writable folder "
                             f"with a copy of registry.json\n")


def test_warning_is_one_line_a_process(tiny_gguf, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("BRIEF_MODELS_DIR", str(tmp_path / "nonexistent"))
    models.resolve(str(tiny_gguf))
    other = tmp_path / "other.gguf"
    other.write_bytes(tiny_gguf.read_bytes())
    models.resolve(str(other))
    assert len(capsys.readouterr().err.splitlines()) == 1



def test_under_log_json_the_warning_is_an_event(tiny_model, models_home, tmp_path, read_only):
    read_only(models_home)
    result = CliRunner().invoke(cli, ["run", str(_doc(tmp_path)), "--out", str(tmp_path / "o"),
                                      "--log-json"])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stderr.splitlines()]  # every line is JSON
    warnings = [e for e in events if e["event"] == "warning"]
    assert [w["message"] for w in warnings] == [
        f"could not record the sha256 check of tiny.gguf in {models_home / 'verified.json'} "
        f"(Read-only file system); it is hashed again next time"]
    assert models.warn.__module__ == "pipeline.models"  # the run's reporter is let go after it


def test_verified_json_forgets_files_that_are_gone(tiny_gguf, models_home, tmp_path):
    # It had only grown: one record for every GGUF ever given by path.
    first, second = tmp_path / "first.gguf", tmp_path / "second.gguf"
    first.write_bytes(tiny_gguf.read_bytes())
    second.write_bytes(tiny_gguf.read_bytes() + b"\0")
    models.resolve(str(first))
    first.unlink()
    models.resolve(str(second))
    recorded = json.loads((models_home / "verified.json").read_text(encoding="utf-8"))
    assert list(recorded) == [str(second.resolve())]
