"""Result files: atomic writes that fail in one line, names that are not UTF-8, and `brief validate`
on results of the wrong shape or whose source has become binary."""

import errno
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.errors import UsageError
from conftest import validate_dir
from pipeline.results import read_result, write_json

from test_report import TEXT, make_result

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64)


def brief(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def scratch_files(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_write_over_a_folder_is_one_usage_error_and_leaves_the_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r15" / "a2.json").mkdir(parents=True)
    with pytest.raises(UsageError) as exc:
        write_json(Path("r15/a2.json"), {"a": 1})
    assert str(exc.value) == "r15/a2.json: cannot write (Is a directory); move that folder away or choose another --out"
    assert (tmp_path / "r15" / "a2.json").is_dir() and scratch_files(tmp_path / "r15") == []


def test_run_stops_in_one_line_when_a_result_path_is_a_folder(tiny_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a2.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "r15" / "a2.json").mkdir(parents=True)
    r = brief("run", "in", "--out", "r15", "--quiet")
    assert r.exit_code == 2
    assert r.output == "Error: r15/a2.json: cannot write (Is a directory); move that folder away or choose another --out\n"
    assert scratch_files(tmp_path / "r15") == []


def test_disk_full_is_one_usage_error_and_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "a.json"
    write_json(target, {"old": True})
    before = target.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(UsageError) as exc:
        write_json(target, {"new": "x" * 10_000})
    assert str(exc.value) == (f"{target}: cannot write (No space left on device); "
                              "free disk space or choose another --out")
    assert target.read_bytes() == before and scratch_files(tmp_path) == []


def test_write_into_a_file_as_folder_is_one_usage_error(tmp_path):
    (tmp_path / "rfile").write_text("x")
    with pytest.raises(UsageError) as exc:
        write_json(tmp_path / "rfile" / "x.json", {}, option="--json")
    assert str(exc.value) == f"{tmp_path / 'rfile' / 'x.json'}: cannot write (Not a directory); choose another --json"


def test_lone_surrogates_are_written_as_json_escapes_and_read_back(tmp_path):
    name = os.fsdecode(b"\x8e\x91\x97\xbf.txt")  # a file name that is not UTF-8
    target = tmp_path / "a.json"
    write_json(target, {"document": {"id": name[:-4], "path": name}, "summary": "日本語"})
    raw = target.read_bytes()
    raw.decode("utf-8")  # still UTF-8: nothing raw from the name got in
    assert b"\\udc8e\\udc91\\udc97\\udcbf.txt" in raw and "日本語".encode() in raw
    assert read_result(target)["document"]["path"] == name
    assert os.fsencode(read_result(target)["document"]["path"]) == b"\x8e\x91\x97\xbf.txt"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A results folder with one valid result (z_ok, grounded in its source) checked from tmp_path."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "z_ok.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "R"
    out.mkdir()
    res = make_result("z_ok", "in/z_ok.txt", TEXT, claims=[("投資", ["日本のAI投資は2025年に3兆円を超えた。"])])
    (out / "z_ok.json").write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")
    assert validate_dir(out) == []
    return out


def test_validate_lists_results_of_the_wrong_shape(folder):
    (folder / "a.json").write_text("[]")
    (folder / "b.json").write_text('{"document": {"path": 5}}')
    (folder / "c.json").write_text('{"claims": [5], "document": {"path": "in/z_ok.txt"}}')
    r = brief("validate", "R")
    assert r.exit_code == 1
    lines = r.output.splitlines()
    assert lines[0] == "R/a.json: $: a JSON array, not a result object; rerun `brief run` to rewrite it"
    # A path of the wrong type is the schema's violation, said once (not also "source 5 not found").
    assert [x for x in lines if "$.document.path" in x] == ["R/b.json: $.document.path: 5 is not of type 'string'"]
    assert "R/c.json: $.claims[0]: 5 is not of type 'object'" in lines
    assert lines[-1] == f"Error: {len(lines) - 1} violation(s) in 3 result file(s)"  # those with any
    assert not [x for x in lines if x.startswith("R/z_ok.json")]


def test_validate_goes_on_past_a_source_that_became_binary(folder, tmp_path):
    (tmp_path / "in" / "a3.txt").write_text(TEXT, encoding="utf-8")
    res = make_result("a3", "in/a3.txt", TEXT)
    (folder / "a3.json").write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")
    bad = make_result("z_ok", "in/z_ok.txt", TEXT, claims=[("投資", ["日本のAI投資は2025年に3兆円を超えた。"])])
    bad["claims"][0]["evidence"][0]["start"] += 1  # sorted after a3.json: must still be checked
    (folder / "z_ok.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "in" / "a3.txt").write_bytes(PNG)
    r = brief("validate", "R")
    assert r.exit_code == 1
    assert r.output == ("R/a3.json: $.document.path: source not readable (in/a3.txt: binary file (PNG image), "
                        "skipped); grounding not checked\n"
                        "R/z_ok.json: $.claims[0].evidence[0]: text[1:22] != quote (evidence not verbatim)\n"
                        "Error: 2 violation(s) in 2 result file(s)\n")


def test_validate_leaves_other_json_out_but_checks_damaged_results(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    out = tmp_path / "out"
    out.mkdir()
    (out / "bench.json").write_text('{"phases": {}}', encoding="utf-8")
    (out / "torn.json").write_text('{"schema_version": 1, "docu', encoding="utf-8")
    r = CliRunner().invoke(cli, ["validate", str(out)])
    assert r.exit_code == 1
    assert r.stderr.startswith(f"{out / 'bench.json'}: not a brief result (no \"document\"), not checked\n")
    assert "torn.json: not readable JSON" in r.stdout
    assert r.stderr.endswith("1 violation(s) in 1 result file(s)\n")
