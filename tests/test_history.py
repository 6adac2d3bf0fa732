"""Run snapshots, retention and the diff between runs."""

import json
from pathlib import Path

import pytest

from pipeline import history
from pipeline.errors import UsageError

TEXT = "DeepSeekの訓練費用は560万ドルだった。米国の輸出規制は効果が薄いと筆者は言う。性能はGPT-4に並ぶ。"


def span(quote):
    start = TEXT.index(quote)
    return {"quote": quote, "start": start, "end": start + len(quote)}


def result(doc_id, claims=(), figures=(), stance=(), summary="要約", sha="a" * 64):
    """A result file's JSON with offsets found in TEXT."""
    return {
        "schema_version": 1,
        "document": {"id": doc_id, "path": f"seeds/{doc_id}.txt", "sha256": sha, "chars": len(TEXT)},
        "status": "ok", "language": "ja", "summary": summary,
        "claims": [{"text": c, "evidence": [span("性能はGPT-4に並ぶ。")]} for c in claims],
        "stance": [{"target": t, "position": p, "confidence": 0.8, "evidence": []} for t, p in stance],
        "key_figures": [dict(span(f), text=f, value=5.6e6, unit="USD", description="訓練費用")
                        for f in figures],
        "provenance": {},
    }


def write_run(results_dir: Path, run_id: str, docs: dict, failed=(), binary=()):
    """Write a results folder as a run would: manifest plus one file per written document (a
    binary file is skipped, with no result)."""
    results_dir.mkdir(exist_ok=True)
    for old in results_dir.glob("*.json"):
        old.unlink()
    entries = []
    for doc_id, res in docs.items():
        (results_dir / f"{doc_id}.json").write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")
        entries.append({"id": doc_id, "path": f"seeds/{doc_id}.txt", "status": "written", "reason": None,
                        "result": f"{doc_id}.json"})
    entries += [{"id": d, "path": f"seeds/{d}.txt", "status": "failed", "reason": "model timed out",
                 "result": None} for d in failed]
    entries += [{"id": d, "path": f"seeds/{d}.bin", "status": "skipped",
                 "reason": f"seeds/{d}.bin: binary file (contains NUL bytes), skipped", "result": None}
                for d in binary]
    manifest = {"tool": "brief", "version": "0.1.0", "run_id": run_id, "documents": entries,
                "counts": {"written": len(docs), "skipped": 0, "failed": len(failed)}}
    (results_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def run_id(i):
    return f"20261123T{i:06d}Z-abcd"


def test_record_copies_manifest_and_results(tmp_path):
    write_run(tmp_path, run_id(1), {"a": result("a", claims=["x"])}, failed=["b"])
    dest = history.record_run(tmp_path, run_id(1))
    assert dest == tmp_path / "runs" / run_id(1)
    assert sorted(p.name for p in dest.iterdir()) == ["a.json", "manifest.json"]
    assert json.loads((dest / "a.json").read_text())["claims"][0]["text"] == "x"
    assert history.list_runs(tmp_path) == [run_id(1)]


def test_retention_keeps_newest(tmp_path):
    for i in range(5):
        write_run(tmp_path, run_id(i), {"a": result("a")})
        history.record_run(tmp_path, run_id(i), keep=3)
    assert history.list_runs(tmp_path) == [run_id(2), run_id(3), run_id(4)]


def test_retention_never_drops_the_run_just_recorded(tmp_path):
    for i in (5, 6):
        write_run(tmp_path, run_id(i), {"a": result("a")})
        history.record_run(tmp_path, run_id(i), keep=2)
    write_run(tmp_path, run_id(1), {"a": result("a")})  # a clock that went backwards
    history.record_run(tmp_path, run_id(1), keep=2)
    assert history.list_runs(tmp_path) == [run_id(1), run_id(6)]


def test_unfinished_snapshot_is_not_a_run_and_is_cleaned(tmp_path):
    write_run(tmp_path, run_id(1), {"a": result("a")})
    (tmp_path / "runs" / ".partial-x").mkdir(parents=True)
    (tmp_path / "runs" / "no-manifest").mkdir()
    assert history.list_runs(tmp_path) == []
    history.record_run(tmp_path, run_id(1))
    assert not (tmp_path / "runs" / ".partial-x").exists()
    assert history.list_runs(tmp_path) == [run_id(1)]


def test_record_rerun_same_id_replaces(tmp_path):
    write_run(tmp_path, run_id(1), {"a": result("a", claims=["old"])})
    history.record_run(tmp_path, run_id(1))
    write_run(tmp_path, run_id(1), {"a": result("a", claims=["new"])})
    dest = history.record_run(tmp_path, run_id(1))
    assert json.loads((dest / "a.json").read_text())["claims"][0]["text"] == "new"


def test_record_bad_run_id_and_missing_manifest(tmp_path):
    with pytest.raises(UsageError, match="manifest.json"):
        history.record_run(tmp_path, run_id(1))
    write_run(tmp_path, run_id(1), {})
    with pytest.raises(UsageError, match="invalid run id"):
        history.record_run(tmp_path, "../escape")
    with pytest.raises(UsageError, match=f"belongs to run {run_id(1)}"):
        history.record_run(tmp_path, run_id(2))


def two_runs(tmp_path):
    """Run 1 then run 2: a figure added, a claim removed, a stance changed, docs added/removed."""
    write_run(tmp_path, run_id(1), {
        "a": result("a", claims=["訓練費用は安い", "性能は高い"], figures=["560万ドル"],
                    stance=[("DeepSeek", "favor"), ("米国", "neutral")]),
        "gone": result("gone"),
    }, failed=["c"])
    history.record_run(tmp_path, run_id(1))
    write_run(tmp_path, run_id(2), {
        "a": result("a", claims=["性能は高い"], figures=["560万ドル", "GPT-4"],
                    stance=[("DeepSeek", "against"), ("米国", "neutral")]),
        "c": result("c"),
        "new": result("new"),
    })
    history.record_run(tmp_path, run_id(2))


def test_diff_of_two_runs(tmp_path):
    two_runs(tmp_path)
    diff = history.diff_runs(tmp_path, None, None)
    assert (diff.run_a, diff.run_b) == (run_id(1), run_id(2))
    assert diff.documents_added == ["new"]
    assert diff.documents_removed == ["gone"]
    by_id = {c.id: c for c in diff.changed}
    assert set(by_id) == {"a", "c"}
    a = by_id["a"]
    start = TEXT.index("GPT-4")
    assert a.figures_added == [("GPT-4", start, start + 5)]
    assert a.figures_removed == []
    assert a.claims_removed == ["訓練費用は安い"] and a.claims_added == []
    assert a.stance_changes == [("DeepSeek", "favor", "against")]
    assert by_id["c"].status == ("failed", "written")


def test_format_diff(tmp_path):
    two_runs(tmp_path)
    text = history.format_diff(history.diff_runs(tmp_path, run_id(1), run_id(2)))
    start = TEXT.index("GPT-4")
    assert f'+ figure "GPT-4" at {start}–{start + 5}' in text
    assert '- claim "訓練費用は安い"' in text
    assert "~ stance DeepSeek: favor → against" in text
    assert "+ document new" in text and "- document gone" in text
    assert "~ status: failed → written" in text
    assert "米国" not in text


def test_format_diff_no_changes(tmp_path):
    for i in (1, 2):
        write_run(tmp_path, run_id(i), {"a": result("a", claims=["x"])})
        history.record_run(tmp_path, run_id(i))
    diff = history.diff_runs(tmp_path, None, None)
    assert not diff
    assert history.format_diff(diff) == f"runs {run_id(1)} → {run_id(2)}: no changes"


def test_diff_defaults_fill_the_missing_side(tmp_path):
    for i in (1, 2, 3):
        write_run(tmp_path, run_id(i), {"a": result("a")})
        history.record_run(tmp_path, run_id(i))
    d = history.diff_runs(tmp_path, None, run_id(2))
    assert (d.run_a, d.run_b) == (run_id(1), run_id(2))
    d = history.diff_runs(tmp_path, run_id(1), None)
    assert (d.run_a, d.run_b) == (run_id(1), run_id(3))


def test_diff_needs_two_runs(tmp_path):
    write_run(tmp_path, run_id(1), {"a": result("a")})
    with pytest.raises(UsageError) as exc:
        history.diff_runs(tmp_path, None, None)
    assert "need two recorded runs to diff, found 0" in str(exc.value)
    write_run(tmp_path, run_id(1), {"a": result("a")})
    history.record_run(tmp_path, run_id(1))
    with pytest.raises(UsageError) as exc:
        history.diff_runs(tmp_path, None, None)
    assert "found 1" in str(exc.value) and run_id(1) in str(exc.value)
    assert "\n" not in str(exc.value)


def test_diff_unknown_run_names_it_and_lists_runs(tmp_path):
    two_runs(tmp_path)
    with pytest.raises(UsageError) as exc:
        history.diff_runs(tmp_path, "nope", None)
    msg = str(exc.value)
    assert "unknown run 'nope'" in msg and f"{run_id(1)}, {run_id(2)}" in msg
    assert "\n" not in msg


def test_diff_previous_compares_live_folder_with_earlier_snapshot(tmp_path):
    write_run(tmp_path, run_id(1), {"a": result("a", claims=["x"])})
    history.record_run(tmp_path, run_id(1))
    assert history.diff_previous(tmp_path) is None
    write_run(tmp_path, run_id(2), {"a": result("a", claims=["y"])})
    before = history.diff_previous(tmp_path)  # report written before record_run
    history.record_run(tmp_path, run_id(2))
    after = history.diff_previous(tmp_path)  # or after it: same answer
    for diff in (before, after):
        assert (diff.run_a, diff.run_b) == (run_id(1), run_id(2))
        assert diff.changed[0].claims_added == ["y"]


def test_diff_steps_over_a_result_of_the_wrong_shape(tmp_path):
    write_run(tmp_path, run_id(1), {"a": result("a", claims=["x"]), "b": result("b")})
    history.record_run(tmp_path, run_id(1))
    write_run(tmp_path, run_id(2), {"a": result("a", claims=["y"]), "b": result("b")})
    (tmp_path / "b.json").write_text('{"claims": 5}', encoding="utf-8")  # hand-damaged
    history.record_run(tmp_path, run_id(2))
    diff = history.diff_runs(tmp_path, None, None)
    assert [(c.id, c.unreadable) for c in diff.changed] == [("a", []), ("b", ["newer"])]
    assert diff.changed[1].claims_added == []  # named, not compared


def test_runs_and_diff_on_a_missing_folder_are_one_line(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    r = CliRunner().invoke(cli, ["runs", "--out", str(tmp_path / "nothere")])
    assert r.exit_code == 2
    assert r.output == (f"Error: {tmp_path / 'nothere'}: no such results folder; pass the folder "
                        "`brief run` wrote with --out\n")
    r = CliRunner().invoke(cli, ["diff", "--out", str(tmp_path / "nothere")])
    assert (r.exit_code, r.output) == (2, f"Error: {tmp_path / 'nothere'}: no such results folder; "
                                          "pass the folder `brief run` wrote with --out\n")
    (tmp_path / "empty").mkdir()
    r = CliRunner().invoke(cli, ["runs", "--out", str(tmp_path / "empty")])
    assert r.exit_code == 0 and r.stderr == f"{tmp_path / 'empty'}: no runs recorded yet\n"
    (tmp_path / "first").mkdir()  # a first run still at its first document
    (tmp_path / "first" / ".brief.lock").write_text("123")
    (tmp_path / "first" / "runs").mkdir()
    r = CliRunner().invoke(cli, ["runs", "--out", str(tmp_path / "first")])
    assert r.exit_code == 0 and r.stderr == f"{tmp_path / 'first'}: no runs recorded yet\n"
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("text")
    r = CliRunner().invoke(cli, ["runs", "--out", str(tmp_path / "docs")])
    assert (r.exit_code, r.output) == (2, f"Error: {tmp_path / 'docs'}: not a results folder (no "
                                          "manifest.json); pass the --out of a `brief run`\n")


def test_a_damaged_earlier_snapshot_leaves_the_report_without_its_diff(tmp_path):
    write_run(tmp_path, run_id(1), {"a": result("a", claims=["x"])})
    history.record_run(tmp_path, run_id(1))
    (tmp_path / "runs" / run_id(1) / "manifest.json").write_text("[1, 2]")
    write_run(tmp_path, run_id(2), {"a": result("a", claims=["y"])})
    assert history.diff_previous(tmp_path) is None


def two_recorded_runs(tmp_path):
    """Two recorded runs of one document; the first one's snapshot folder."""
    write_run(tmp_path, run_id(1), {"a": result("a")})
    history.record_run(tmp_path, run_id(1))
    write_run(tmp_path, run_id(2), {"a": result("a", claims=["y"])})
    history.record_run(tmp_path, run_id(2))
    return tmp_path / "runs" / run_id(1)


def test_a_damaged_snapshot_says_to_delete_it(tmp_path):
    snapshot = two_recorded_runs(tmp_path)
    (snapshot / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        history.diff_runs(tmp_path)
    assert str(info.value).startswith(f"{snapshot / 'manifest.json'}: the manifest is not valid JSON (")
    assert str(info.value).endswith("); delete that snapshot folder")


def test_a_torn_result_in_a_snapshot_is_named_not_hidden(tmp_path):
    write_run(tmp_path, run_id(1), {"a": result("a", claims=["x"])})
    history.record_run(tmp_path, run_id(1))
    write_run(tmp_path, run_id(2), {"a": result("a", claims=["x"])})
    history.record_run(tmp_path, run_id(2))
    (tmp_path / "runs" / run_id(1) / "a.json").write_text('{"schema_version": 1, "docu')
    assert history.format_diff(history.diff_runs(tmp_path)) == (
        f"runs {run_id(1)} → {run_id(2)}\na:\n  ! the older run's result is missing or damaged: not compared")


def test_a_file_where_the_snapshots_go_is_one_line_after_the_results(tmp_path):
    write_run(tmp_path, run_id(1), {"a": result("a")})
    (tmp_path / "runs").write_text("not a folder")
    with pytest.raises(UsageError) as info:
        history.record_run(tmp_path, run_id(1))
    assert str(info.value) == (f"{tmp_path / 'runs'}: the results are written, but the snapshot of "
                               f"run {run_id(1)} for `brief diff` could not be saved (not a folder); "
                               "move that file away")
    assert (tmp_path / "a.json").exists()


def test_a_full_disk_while_snapshotting_is_one_line_and_leaves_no_partial(tmp_path, monkeypatch):
    import errno
    import shutil

    write_run(tmp_path, run_id(1), {"a": result("a")})

    def full(src, dst, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copy2", full)
    with pytest.raises(UsageError) as info:
        history.record_run(tmp_path, run_id(1))
    assert str(info.value) == (f"{tmp_path / 'runs'}: the results are written, but the snapshot of "
                               f"run {run_id(1)} for `brief diff` could not be saved (No space left "
                               "on device); free disk space, or lower --keep")
    assert list((tmp_path / "runs").iterdir()) == []


def test_a_document_skipped_as_binary_in_both_runs_is_no_change(tmp_path):
    for i in (1, 2):
        write_run(tmp_path, run_id(i), {"a": result("a", claims=["x"])}, binary=["pic"])
        history.record_run(tmp_path, run_id(i))
    diff = history.diff_runs(tmp_path)
    assert history.format_diff(diff) == f"runs {run_id(1)} → {run_id(2)}: no changes"


def test_a_second_file_with_the_same_id_does_not_hide_the_firsts_change(tmp_path):
    # plain.txt and sub/plain.txt: the second always fails as a duplicate; the first went from
    # written to failed, and diff must say so.
    write_run(tmp_path, run_id(1), {"plain": result("plain")}, failed=["plain"])
    history.record_run(tmp_path, run_id(1))
    write_run(tmp_path, run_id(2), {}, failed=["plain", "plain"])
    history.record_run(tmp_path, run_id(2))
    assert history.format_diff(history.diff_runs(tmp_path, run_id(1), run_id(2))) == (
        f"runs {run_id(1)} → {run_id(2)}\n"
        "plain:\n  ~ status: written → failed")


def test_an_added_document_without_a_result_says_so(tmp_path):
    write_run(tmp_path, run_id(1), {"a": result("a")})
    history.record_run(tmp_path, run_id(1))
    write_run(tmp_path, run_id(2), {"a": result("a"), "new": result("new")}, binary=["pic"])
    history.record_run(tmp_path, run_id(2))
    assert history.format_diff(history.diff_runs(tmp_path)) == (
        f"runs {run_id(1)} → {run_id(2)}\n"
        "+ document new\n"
        "+ document pic (skipped: seeds/pic.bin: binary file (contains NUL bytes), skipped; no result)")


def test_a_skip_without_a_result_is_compared_by_status(tmp_path):
    # b: written, then replaced by a binary file, then restored; c: failed, then binary.
    write_run(tmp_path, run_id(1), {"b": result("b")}, failed=["c"])
    history.record_run(tmp_path, run_id(1))
    write_run(tmp_path, run_id(2), {}, binary=["b", "c"])
    history.record_run(tmp_path, run_id(2))
    write_run(tmp_path, run_id(3), {"b": result("b")}, binary=["c"])
    history.record_run(tmp_path, run_id(3))
    assert history.format_diff(history.diff_runs(tmp_path, run_id(1), run_id(2))) == (
        f"runs {run_id(1)} → {run_id(2)}\n"
        "b:\n  ~ status: written → skipped (no result)\n"
        "c:\n  ~ status: failed → skipped (no result)")
    assert history.format_diff(history.diff_runs(tmp_path, run_id(2), run_id(3))) == (
        f"runs {run_id(2)} → {run_id(3)}\n"
        "b:\n  ~ status: skipped (no result) → written")


def test_diff_of_two_runs_over_a_binary_file_says_no_changes(tiny_model, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from pipeline.cli import cli

    monkeypatch.chdir(tmp_path)
    Path("in").mkdir()
    Path("in/bin.dat").write_bytes(bytes(range(256)) * 8)
    Path("in/t.txt").write_text("Text. 3 items.\n", encoding="utf-8")
    for _ in range(2):
        assert CliRunner().invoke(cli, ["run", "in", "--out", "out", "-q"]).exit_code == 0
    r = CliRunner().invoke(cli, ["diff", "--out", "out"])
    first, second = history.list_runs(Path("out"))
    assert (r.exit_code, r.output) == (0, f"runs {first} → {second}: no changes\n")


def test_runs_where_a_file_holds_the_snapshots_place_is_one_line(tmp_path):
    write_run(tmp_path, run_id(1), {"a": result("a")})
    (tmp_path / "runs").write_text("mine", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        history.list_runs(tmp_path)
    assert str(info.value) == (f"{tmp_path / 'runs'}: is a file, not the folder of run snapshots; "
                               "move it away (the next `brief run` records there)")
    assert history.diff_previous(tmp_path) is None  # the report goes without its diff


def test_diff_over_a_folder_of_documents_says_it_is_not_a_results_folder(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    many = tmp_path / "many"
    many.mkdir()
    (many / "a.txt").write_text("本文", encoding="utf-8")
    for args in ([], ["r1", "r2"]):
        r = CliRunner().invoke(cli, ["diff", "--out", str(many), *args])
        assert (r.exit_code, r.output) == (2, f"Error: {many}: not a results folder (no manifest.json); "
                                              "pass the --out of a `brief run`\n")


def test_deeply_nested_manifests_are_one_line_not_a_traceback(tmp_path):
    snapshot = two_recorded_runs(tmp_path)
    (snapshot / "manifest.json").write_text("[" * 100_000, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        history.diff_runs(tmp_path)
    assert str(info.value) == (f"{snapshot / 'manifest.json'}: the manifest is not valid JSON "
                               "(nested too deeply); delete that snapshot folder")
    (tmp_path / "manifest.json").write_text("[" * 100_000, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        history.record_run(tmp_path, run_id(3))
    assert str(info.value) == (f"cannot record run {run_id(3)}: {tmp_path / 'manifest.json'} "
                               "unreadable (nested too deeply)")
