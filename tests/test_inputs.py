"""Bad inputs to `brief run`: one line naming the file and the fix, the rest of the run goes on."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from conftest import validate_dir

JA = "DeepSeekは中国のAI企業である。訓練コストは500万ドルとされる。\n"


def brief(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def test_quiet_prints_one_line_per_failed_document(tiny_model, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text(JA, encoding="utf-8")
    bad = docs / "bad.txt"
    bad.write_bytes(JA.encode()[:12] + b"\xff" + JA.encode()[12:])
    r = brief("run", docs, "--out", tmp_path / "out", "--quiet")
    assert r.exit_code == 1
    assert r.stdout == ""
    assert r.stderr == (f"brief: failed: {bad}: invalid UTF-8 at byte 11 (the rest is UTF-8); fix "
                        "that byte, or drop bad bytes with iconv -f UTF-8 -t UTF-8 -c\n")
    assert (tmp_path / "out" / "good.json").is_file()


def test_a_document_named_manifest_cannot_overwrite_the_manifest(tiny_model, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "manifest.txt").write_text(JA, encoding="utf-8")
    (docs / "other.txt").write_text(JA, encoding="utf-8")
    out = tmp_path / "out"
    r = brief("run", docs, "--out", out)
    assert r.exit_code == 1
    assert (f"{docs / 'manifest.txt'}: the id 'manifest' would overwrite the run's manifest.json; "
            "rename the file") in r.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {"written": 1, "skipped": 0, "failed": 1}
    assert validate_dir(out) == []


def test_an_empty_target_is_a_usage_error_before_the_model_loads(tmp_path):
    (tmp_path / "a.txt").write_text(JA, encoding="utf-8")
    for empty in ("", "   "):
        r = brief("run", tmp_path / "a.txt", "--out", tmp_path / "out", "--target", empty,
                  env={"BRIEF_MODEL": "no-such-model"})  # the model is never looked up
        assert r.exit_code == 2
        assert ("Invalid value for '--target' / '-t': a target cannot be empty; name what the "
                "stance is about") in r.output


def test_targets_are_stripped_and_asked_once(tiny_model, tmp_path):
    (tmp_path / "a.txt").write_text(JA, encoding="utf-8")
    out = tmp_path / "out"
    r = brief("run", tmp_path / "a.txt", "--out", out, "-t", " 輸出規制 ", "-t", "輸出規制")
    assert r.exit_code == 0, r.output
    stance = json.loads((out / "a.json").read_text())["stance"]
    assert [s["target"] for s in stance].count("輸出規制") == 1


def test_a_bad_brief_threads_is_one_line(tmp_path):
    (tmp_path / "a.txt").write_text(JA, encoding="utf-8")
    r = brief("run", tmp_path / "a.txt", "--out", tmp_path / "out", env={"BRIEF_THREADS": "abc"})
    assert r.exit_code == 2
    assert r.output == ("Error: BRIEF_THREADS=abc: not a whole number of threads (1 or more); set "
                        "it to e.g. 2, or unset it to use the physical cores\n")


def test_no_path_and_no_seeds_folder_says_what_the_default_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = brief("run")
    assert r.exit_code == 2
    assert r.output == ("Error: no PATH given and no seeds/ folder here (the default); pass the "
                        "files or folders to summarise\n")


def test_results_folder_as_input_is_refused(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(JA, encoding="utf-8")
    r = brief("run", docs, "--out", docs)
    assert r.exit_code == 2
    assert r.output == (f"Error: {docs}: is the results folder (--out); keep results and inputs "
                        "apart: pass another --out\n")
    assert sorted(p.name for p in docs.iterdir()) == ["a.txt"]  # nothing written beside it


def test_a_folder_inside_the_results_folder_is_refused_naming_both(tmp_path):
    out = tmp_path / "o3"
    (out / "in").mkdir(parents=True)
    (out / "in" / "a.txt").write_text(JA, encoding="utf-8")
    r = brief("run", out / "in", "--out", out)
    assert r.exit_code == 2
    assert r.output == (f"Error: {out / 'in'}: is inside the results folder {out} (--out); keep "
                        "results and inputs apart: pass another --out\n")


def test_a_file_inside_the_results_folder_is_refused_as_input(tmp_path):
    # A result passed as input failed with advice to delete "that result", which was the input.
    out = tmp_path / "out"
    out.mkdir()
    (out / "x.json").write_text('{"schema_version": 1}', encoding="utf-8")
    r = brief("run", out / "x.json", "--out", out)
    assert r.exit_code == 2
    assert r.output == (f"Error: {out / 'x.json'}: is inside the results folder (--out); keep "
                        "results and inputs apart: move it, or pass another --out\n")
    assert sorted(p.name for p in out.iterdir()) == ["x.json"]


def test_a_file_name_that_is_not_utf8_is_summarised_and_printed_escaped(tiny_model, tmp_path):
    import os

    docs = tmp_path / "docs"
    docs.mkdir()
    name = os.fsdecode(b"\x8e\x91\x97\xbf.txt")  # 資料.txt in Shift_JIS, from an old zip
    (docs / name).write_text(JA, encoding="utf-8")
    out = tmp_path / "out"
    r = brief("run", docs, "--out", out)
    assert r.exit_code == 0, r.output
    assert "\\udc8e\\udc91\\udc97\\udcbf" in r.stdout
    assert validate_dir(out) == []


def test_a_result_of_the_wrong_shape_is_redone(tiny_model, tmp_path):
    (tmp_path / "a.txt").write_text(JA, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_text('{"provenance": []}', encoding="utf-8")
    r = brief("run", tmp_path / "a.txt", "--out", out)
    assert r.exit_code == 0, r.output
    assert json.loads((out / "a.json").read_text())["provenance"]["cache_key"]


@pytest.fixture
def summarised(tiny_model, tmp_path):
    """docs/a.txt and docs/b.txt, both summarised into out/."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(JA, encoding="utf-8")
    (docs / "b.txt").write_text(JA + "追記。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert brief("run", docs, "--out", out).exit_code == 0
    return docs, out


def test_a_run_over_one_file_keeps_the_others_in_the_manifest_and_report(summarised):
    docs, out = summarised
    (docs / "a.txt").write_text(JA + "変更。\n", encoding="utf-8")
    r = brief("run", docs / "a.txt", "--out", out)
    assert r.exit_code == 0, r.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"] == {"written": 1, "skipped": 0, "failed": 0, "kept": 1}
    kept = [d for d in manifest["documents"] if d["status"] == "kept"]
    assert [(d["id"], d["path"], d["result"]) for d in kept] == [("b", str(docs / "b.txt"), "b.json")]
    diff = brief("diff", "--out", out)
    assert diff.exit_code == 0 and "- document b" not in diff.output and "a:" in diff.output
    assert "status" not in diff.output  # written → kept is no news: b has its result either way
    assert brief("report", out).exit_code == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<span class="status kept">kept</span>' in page
    assert '<span class="count kept">1 kept</span>' in page


def test_another_file_with_the_same_id_does_not_replace_an_earlier_result(tiny_model, tmp_path):
    first, second = tmp_path / "in", tmp_path / "d1"
    first.mkdir()
    second.mkdir()
    (first / "a.md").write_text(JA, encoding="utf-8")
    (second / "a.txt").write_text("別の文書である。\n", encoding="utf-8")
    out = tmp_path / "out"
    assert brief("run", first, "--out", out).exit_code == 0
    before = (out / "a.json").read_bytes()
    r = brief("run", second, "--out", out)
    assert r.exit_code == 1
    assert (f"{second / 'a.txt'}: {out / 'a.json'} holds the result of {first / 'a.md'} (same id "
            "'a'); rename one of them, or delete that result to replace it") in r.output
    assert (out / "a.json").read_bytes() == before
    (first / "a.md").rename(tmp_path / "moved.md")  # the earlier source is gone: redo from here
    assert brief("run", second, "--out", out).exit_code == 0
    assert json.loads((out / "a.json").read_text())["document"]["path"] == str(second / "a.txt")


def test_a_moved_source_keeps_its_result_with_the_new_path(tiny_model, tmp_path):
    first, second = tmp_path / "in", tmp_path / "elsewhere"
    first.mkdir()
    second.mkdir()
    (first / "a.txt").write_text(JA, encoding="utf-8")
    out = tmp_path / "out"
    assert brief("run", first, "--out", out).exit_code == 0
    before = json.loads((out / "a.json").read_text())
    (first / "a.txt").rename(second / "a.txt")
    assert brief("run", second, "--out", out).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())["documents"]
    assert [(d["status"], d["reason"]) for d in manifest] == [
        ("skipped", f"current; its path updated from {first / 'a.txt'}")]
    after = json.loads((out / "a.json").read_text())
    assert after["document"]["path"] == str(second / "a.txt")
    assert {**after, "document": before["document"]} == before  # nothing else changed
    assert brief("validate", out).exit_code == 0
    (second / "a.txt").rename(second / "a.html")  # now read as HTML: redone
    assert brief("run", second, "--out", out).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())["documents"]
    assert [d["status"] for d in manifest] == ["written"]


def test_more_threads_than_cpus_is_refused_before_llama_cpp_sees_them(tmp_path):
    import os

    (tmp_path / "a.txt").write_text(JA, encoding="utf-8")
    cpus = os.cpu_count()
    r = brief("run", tmp_path / "a.txt", "--out", tmp_path / "out", env={"BRIEF_THREADS": "99999"})
    assert r.exit_code == 2
    assert r.output == (f"Error: BRIEF_THREADS=99999: more threads than the {cpus} CPUs here "
                        f"(llama.cpp only slows down, or crashes); set it to {cpus} or less\n")
    r = brief("run", tmp_path / "a.txt", "--out", tmp_path / "out", "--threads", "99999")
    assert r.exit_code == 2 and f"99999 is not in the range 1<=x<={cpus}" in r.output


def test_a_result_whose_source_was_deleted_is_not_kept(summarised):
    docs, out = summarised
    (docs / "b.txt").unlink()
    assert brief("run", docs, "--out", out).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert [d["id"] for d in manifest["documents"]] == ["a"]
    assert (out / "b.json").is_file()  # left on disk: nothing written is deleted
    assert "- document b" in brief("diff", "--out", out).output


def test_a_prompts_dir_without_the_prompts_names_the_variable(tmp_path):
    (tmp_path / "a.txt").write_text(JA, encoding="utf-8")
    prompts = tmp_path / "mine"
    prompts.mkdir()
    r = brief("run", tmp_path / "a.txt", "--out", tmp_path / "out",
              env={"BRIEF_PROMPTS_DIR": str(prompts), "BRIEF_MODEL": "no-such-model"})
    assert r.exit_code == 2
    assert r.output == (f"Error: {prompts / 'system.txt'}: prompt file missing; BRIEF_PROMPTS_DIR "
                        "points here: copy prompts/ into it, or unset it\n")


def test_a_prompt_with_a_stray_brace_is_refused_before_anything_is_written(tmp_path):
    prompts = tmp_path / "prompts"
    shutil.copytree(Path(__file__).resolve().parent.parent / "prompts", prompts)
    system = prompts / "system.txt"
    system.write_text(system.read_text(encoding="utf-8") + '\nAnswer {"claims": []} if none.\n',
                      encoding="utf-8")
    (tmp_path / "a.txt").write_text(JA, encoding="utf-8")
    r = brief("run", tmp_path / "a.txt", "--out", tmp_path / "out",
              env={"BRIEF_PROMPTS_DIR": str(prompts), "BRIEF_MODEL": "no-such-model"})
    assert r.exit_code == 2
    assert r.output.endswith(f'{system}: unknown placeholder {{"claims"}} (this file\'s '
                             "placeholders: none); write a literal brace as {{ or }}\n")
    assert not (tmp_path / "out").exists()
