"""`brief validate`, `report` and `eval` find a result's source by one rule (from wherever they run),
and validate says what is wrong with a file passed as the folder, an empty span, and how many
files have violations."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.results import source_of

from test_report import TEXT, make_folder, make_result


def brief(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def grounded(doc_id="a", path="in1/a.txt"):
    """A valid result whose one claim quotes TEXT, with the source path recorded as given."""
    return make_result(doc_id, path, TEXT, claims=[("投資", ["日本のAI投資は2025年に3兆円を超えた。"])])


@pytest.fixture
def project(tmp_path, monkeypatch):
    """proj/in1/a.txt and proj/results/ from `brief run in1` in proj/: the path recorded is relative."""
    proj = tmp_path / "proj"
    monkeypatch.chdir(tmp_path)
    (proj / "in1").mkdir(parents=True)
    (proj / "in1" / "a.txt").write_text(TEXT, encoding="utf-8")
    monkeypatch.chdir(proj)
    out = make_folder(proj, [(grounded(), None)])
    return proj, out


def test_validate_from_inside_the_results_folder_finds_the_source_above_it(project, monkeypatch):
    _, out = project
    monkeypatch.chdir(out)
    r = brief("validate", ".")
    assert (r.exit_code, r.output) == (0, "1 result file(s) valid: schemas and grounding hold\n")


def test_report_and_eval_from_inside_the_results_folder_use_the_same_rule(project, monkeypatch):
    _, out = project
    monkeypatch.chdir(out)
    r = brief("report", ".")
    assert (r.exit_code, r.output) == (0, "report.html\n")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "not found" not in html and "<mark" in html
    r = brief("eval", ".", "--json")
    assert r.exit_code == 0
    row = json.loads(r.output)["documents"][0]
    assert (row["notes"], row["spans_exact"], row["spans_unverifiable"]) == ([], 1, 0)


def test_results_written_with_out_dot_are_checked_from_elsewhere(tmp_path, monkeypatch):
    # `brief run in1 --out .` in proj/: the results folder is the folder the path is relative to.
    proj = tmp_path / "proj"
    (proj / "in1").mkdir(parents=True)
    (proj / "in1" / "a.txt").write_text(TEXT, encoding="utf-8")
    (proj / "a.json").write_text(json.dumps(grounded(), ensure_ascii=False), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    r = brief("validate", "proj")
    assert (r.exit_code, r.output) == (0, "1 result file(s) valid: schemas and grounding hold\n")


def test_the_source_with_the_recorded_bytes_wins_over_a_namesake_here(project, tmp_path, monkeypatch):
    # Another in1/a.txt where validate runs is not the source of proj/results/a.json.
    _, out = project
    (tmp_path / "in1").mkdir()
    (tmp_path / "in1" / "a.txt").write_text("別の文書。", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    r = brief("validate", "proj/results")
    assert (r.exit_code, r.output) == (0, "1 result file(s) valid: schemas and grounding hold\n")
    assert source_of(grounded(), out) == tmp_path / "proj" / "in1" / "a.txt"
    # With no copy that matches, the one found first is the source, changed since the run.
    (tmp_path / "proj" / "in1" / "a.txt").write_text("別の本文。", encoding="utf-8")
    assert source_of(grounded(), out) == Path("in1/a.txt")
    r = brief("validate", "proj/results")
    assert r.exit_code == 1
    assert r.output.startswith("proj/results/a.json: $.document.sha256: the source has changed since "
                               "this result was written; rerun `brief run`\n")


def test_validate_a_result_file_names_its_folder(project):
    r = brief("validate", "results/a.json")
    assert r.exit_code == 2
    assert r.output == ("Error: results/a.json: is a file, not a results folder; pass the folder "
                        "that holds it (results)\n")


def test_the_summary_counts_the_files_with_violations(project):
    _, out = project
    for doc_id in ("b", "c"):  # two more valid results
        (out / f"{doc_id}.json").write_text(json.dumps(grounded(doc_id), ensure_ascii=False), encoding="utf-8")
    bad = grounded()
    bad["claims"][0]["evidence"][0]["start"] += 1
    bad["key_figures"] = [{"text": "x", "value": 1, "unit": "", "description": "", "start": 3, "end": 9}]
    (out / "a.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    r = brief("validate", "results")
    assert r.exit_code == 1
    assert r.output.splitlines()[-1] == "Error: 2 violation(s) in 1 result file(s)"


@pytest.mark.parametrize("start, end, what", [(5, 5, "an empty"), (9, 5, "a reversed")])
def test_an_empty_or_reversed_span_is_named_as_such(project, start, end, what):
    _, out = project
    bad = grounded()
    bad["claims"][0]["evidence"][0].update(start=start, end=end)
    (out / "a.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    r = brief("validate", "results")
    assert r.exit_code == 1
    assert f"$.claims[0].evidence[0]: offsets {start}..{end}: {what} span" in r.output
    assert "outside the document" not in r.output


def test_a_result_whose_id_is_not_its_file_name_is_named(project):
    _, out = project
    (out / "a.json").rename(out / "copy.json")  # brief reads a result by its id's file name
    r = brief("validate", "results")
    assert r.exit_code == 1
    assert ("results/copy.json: $.document.id: 'a' is not its file name; rename it a.json, or "
            "rerun `brief run`") in r.output


def test_a_deeply_nested_json_file_is_a_violation_not_a_traceback(project):
    _, out = project
    (out / "zz.json").write_text("[" * 100_000, encoding="utf-8")
    r = brief("validate", out)
    assert r.exit_code == 1
    assert r.output.splitlines() == [f"{out / 'zz.json'}: not readable JSON (nested too deeply)",
                                     "Error: 1 violation(s) in 1 result file(s)"]


def test_a_result_without_a_path_gets_only_the_schema_violation(project):
    _, out = project
    res = json.loads((out / "a.json").read_text(encoding="utf-8"))
    del res["document"]["path"]
    (out / "a.json").write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")
    r = brief("validate", out)
    assert r.output.splitlines() == [f"{out / 'a.json'}: $.document: 'path' is a required property",
                                     "Error: 1 violation(s) in 1 result file(s)"]
    res["document"]["path"] = ""
    (out / "a.json").write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")
    assert brief("validate", out).output.splitlines()[0] == (
        f"{out / 'a.json'}: $.document.path: empty, so there is no source to check against; "
        "rerun `brief run` to rewrite it")


def test_a_start_beyond_the_document_is_outside_it_not_reversed(project):
    _, out = project
    res = json.loads((out / "a.json").read_text(encoding="utf-8"))
    res["claims"][0]["evidence"][0]["start"] = 10 ** 30
    (out / "a.json").write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")
    end = res["claims"][0]["evidence"][0]["end"]
    line = brief("validate", out).output.splitlines()[0]
    assert line == (f"{out / 'a.json'}: $.claims[0].evidence[0]: offsets {10 ** 30}..{end} outside "
                    f"the document (0..{len(TEXT)}); rerun `brief run` to rewrite it")
