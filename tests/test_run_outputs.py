"""What a run may replace in its output folder: its own results and manifest, nothing of the user's."""

import json

from click.testing import CliRunner

from pipeline.cli import cli


def brief(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_a_json_file_brief_did_not_write_is_not_replaced(tiny_model, tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("DeepSeek released a model. It cost $5 million.\n")
    (tmp_path / "in" / "b.txt").write_text("Prices fell by 3%. Users were glad.\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_text('{"my": "data"}')
    r = brief("run", tmp_path / "in", "--out", out)
    assert r.exit_code == 1
    assert (f"{out / 'a.json'}: not a brief result, so brief will not replace it; move it away or "
            "choose another --out") in r.output
    assert json.loads((out / "a.json").read_text()) == {"my": "data"}
    assert json.loads((out / "b.json").read_text())["status"] == "ok"


def test_a_manifest_brief_did_not_write_stops_the_run(tiny_model, tmp_path):
    (tmp_path / "a.txt").write_text("DeepSeek released a model.\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text('{"name": "my web app"}')
    r = brief("run", tmp_path / "a.txt", "--out", out)
    assert r.exit_code == 2
    assert r.output.strip().splitlines()[-1] == (
        f"Error: {out / 'manifest.json'}: not brief's manifest, so brief will not replace it; "
        "move it away or choose another --out")
    assert (out / "manifest.json").read_text() == '{"name": "my web app"}'
    assert not (out / "a.json").exists()


def test_a_damaged_result_of_briefs_own_is_rewritten(tiny_model, tmp_path):
    (tmp_path / "a.txt").write_text("DeepSeek released a model.\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_text('{"schema_version": 1, "document": []}')  # hand-edited
    assert brief("run", tmp_path / "a.txt", "--out", out).exit_code == 0
    assert json.loads((out / "a.json").read_text())["document"]["id"] == "a"


def test_a_truncated_result_of_briefs_own_is_rewritten(tiny_model, tmp_path):
    (tmp_path / "a.txt").write_text("DeepSeek released a model.\n")
    out = tmp_path / "out"
    assert brief("run", tmp_path / "a.txt", "--out", out).exit_code == 0
    whole = (out / "a.json").read_text()
    (out / "a.json").write_text(whole[:300])  # a copy cut short: brief's, but no JSON
    assert brief("run", tmp_path / "a.txt", "--out", out).exit_code == 0
    again = json.loads((out / "a.json").read_text())
    assert (again["status"], again["claims"]) == ("ok", json.loads(whole)["claims"])


def test_a_json_file_that_is_not_utf8_is_the_users_even_after_a_truncated_result(tiny_model, tmp_path):
    # The truncated a.json sorts first: its text must not stand in for b.json's, which has none.
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text("DeepSeek released a model.\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_text('{"schema_version": 1, "x": ')
    (out / "b.json").write_bytes(b"\xff\xfe mine")
    r = brief("run", tmp_path / "a.txt", tmp_path / "b.txt", "--out", out)
    assert r.exit_code == 1, r.output
    assert f"{out / 'b.json'}: not a brief result, so brief will not replace it" in r.output
    assert (out / "b.json").read_bytes() == b"\xff\xfe mine"
    assert json.loads((out / "a.json").read_text())["status"] == "ok"


def test_a_japanese_result_cut_inside_a_character_is_still_briefs(tiny_model, tmp_path):
    (tmp_path / "a.txt").write_text("DeepSeek released a model.\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_bytes('{"schema_version": 1, "claims": [{"text": "日本'.encode()[:-1])
    assert brief("run", tmp_path / "a.txt", "--out", out).exit_code == 0
    assert json.loads((out / "a.json").read_text())["status"] == "ok"


def test_a_dangling_link_as_out_says_so(tiny_model, tmp_path):
    (tmp_path / "a.txt").write_text("DeepSeek released a model.\n")
    (tmp_path / "out").symlink_to(tmp_path / "gone")
    r = brief("run", tmp_path / "a.txt", "--out", tmp_path / "out")
    assert r.exit_code == 2
    assert r.output == (f"Error: {tmp_path / 'out'}: a link to {tmp_path / 'gone'}, which does not "
                        "exist; create that folder or choose another --out\n")


def test_json_with_only_generic_keys_or_no_json_is_the_users(tiny_model, tmp_path):
    (tmp_path / "a.txt").write_text("DeepSeek released a model.\n")
    out = tmp_path / "out"
    out.mkdir()
    for mine in ('{"status": "draft", "title": "my notes"}', '{"a": 1}\n{"a": 2}\n'):  # JSON Lines
        (out / "a.json").write_text(mine)
        r = brief("run", tmp_path / "a.txt", "--out", out)
        assert r.exit_code == 1, r.output
        assert "not a brief result, so brief will not replace it" in r.output
        assert (out / "a.json").read_text() == mine


def test_a_namesake_run_from_another_folder_does_not_replace_a_result(tiny_model, tmp_path,
                                                                     monkeypatch):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("DeepSeek released a model.\n")
    (tmp_path / "sub" / "other").mkdir(parents=True)
    (tmp_path / "sub" / "other" / "a.txt").write_text("Prices fell by 3%.\n")
    monkeypatch.chdir(tmp_path)
    assert brief("run", "docs", "--out", "results").exit_code == 0
    before = (tmp_path / "results" / "a.json").read_text()
    monkeypatch.chdir(tmp_path / "sub")
    r = brief("run", "other/a.txt", "--out", "../results")
    assert r.exit_code == 1
    assert "holds the result of" in r.output and "(same id 'a')" in r.output
    assert (tmp_path / "results" / "a.json").read_text() == before
