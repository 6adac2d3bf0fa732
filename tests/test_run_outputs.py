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
    (out / "a.json").write_text('{"schema_version": "1", "document": ')  # torn
    assert brief("run", tmp_path / "a.txt", "--out", out).exit_code == 0
    assert json.loads((out / "a.json").read_text())["document"]["id"] == "a"
