"""`brief bench` end to end on the tiny model: every phase in its own process, every field present,
ratios consistent with their parts. No timing is asserted: the numbers depend on the machine."""

import json
import shlex
from pathlib import Path

import pytest

from pipeline.baseline import DEFAULT_TARGETS
from pipeline.bench import GOALS, BenchOptions, assemble, bench, format_report, select_documents
from pipeline.errors import UsageError

DOC_A = ("DeepSeekは中国のAI企業である。同社のR1モデルはOpenAIのo1に並ぶ性能を示した。"
         "訓練コストは約560万ドルとされる。\n")
DOC_B = ("米国の対中半導体輸出規制は2022年10月に強化された。筆者は規制が効果を上げていると主張する。"
         "H800の出荷は約2万個だった。\n")


@pytest.fixture
def docs(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / "001_a.txt").write_text(DOC_A, encoding="utf-8")
    (d / "002_b.txt").write_text(DOC_B, encoding="utf-8")
    return d


def test_select_documents_by_prefix_path_and_folder(docs):
    assert [p.name for p in select_documents([], root=docs)] == ["001_a.txt", "002_b.txt"]
    assert [p.name for p in select_documents(["002"], root=docs)] == ["002_b.txt"]
    assert [p.name for p in select_documents(["002,001"], root=docs)] == ["002_b.txt", "001_a.txt"]
    assert len(select_documents([str(docs), str(docs / "001_a.txt")], root=docs)) == 2
    with pytest.raises(UsageError):
        select_documents(["999"], root=docs)


def test_bench_end_to_end_on_tiny_model(tiny_model, docs, tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEF_BENCH_MAX_TOKENS", "48")  # the tiny model's JSON is noise anyway
    out = tmp_path / "bench" / "bench.json"
    # model=None: the phases find the tiny preset only through BRIEF_MODEL and BRIEF_MODELS_DIR.
    kept = tmp_path / "kept"
    report = bench(BenchOptions(model=None, docs=[str(docs)], json_path=out, targets=[],
                                skip_baseline=False, threads=None, keep_results=kept))
    assert sorted(p.name for p in kept.glob("0*.json")) == ["001_a.json", "002_b.json"]
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(json.dumps(report))
    assert report["model"]["name"] == "tiny" and report["threads"] == 1
    assert [d["id"] for d in report["documents"]] == ["001_a", "002_b"]
    assert all(d["tokens"] > 0 for d in report["documents"])
    assert report["document_tokens"] == sum(d["tokens"] for d in report["documents"])
    assert all(d["fixed_tokens"] > 0 for d in report["documents"])
    assert report["fixed_tokens"] == sum(d["fixed_tokens"] for d in report["documents"])
    assert report["tokenizer_load"] == "vocab_only"  # 0.3.36 tokenizes without loading weights
    assert report["engine"]["llama_cpp_python"] == "0.3.36"
    assert "AVX2" in report["engine"]["cpu_features"]  # the Makefile's build

    ph = report["phases"]
    for name in ("raw", "baseline", "brief", "warm"):
        p = ph[name]
        assert p["wall_seconds"] > 0 and p["process_seconds"] >= p["wall_seconds"]
        assert p["peak_rss_bytes"] > 10e6  # a Python process with llama.cpp loaded, in bytes
        assert p["prompt_tokens"] >= 0 and p["generated_tokens"] >= 0
    # Rates at the documents' mean length, never under 512 tokens (these documents are short).
    assert report["raw_prompt_tokens"] == 512
    assert ph["raw"]["prompt_tokens"] == 512 and ph["raw"]["generated_tokens"] == 64
    # The grammar measured both ways: the same greedy tokens, and masking before every token
    # is what llama-cpp-python does, so every token of that run counts as masked.
    grammar = ph["raw"]["grammar"]
    assert grammar["same_output"] is True
    best, full = grammar["best_first"], grammar["full_mask"]
    assert 0 < best["tokens"] == full["tokens"] <= 64
    assert full["full_masks"] == full["tokens"]
    assert 0 <= best["full_masks"] <= best["fallbacks"] <= best["tokens"]

    base = ph["baseline"]
    assert base["calls"] == 6 and base["errors"] == 0 and 0 <= base["parsed"] <= 6
    assert base["max_tokens"] == 48
    assert all(0 < c["completion_tokens"] <= 48 for c in base["per_call"])
    assert base["generated_tokens"] == sum(c["completion_tokens"] for c in base["per_call"])
    # Every call re-reads at least the task after the document; the first reads everything.
    assert all(0 < c["prompt_evaluated"] <= c["prompt_length"] for c in base["per_call"])
    assert base["per_call"][0]["prompt_evaluated"] == base["per_call"][0]["prompt_length"]
    assert base["prompt_tokens"] == sum(c["prompt_evaluated"] for c in base["per_call"])
    assert base["prompt_tokens"] > report["document_tokens"]

    brief = ph["brief"]
    assert (brief["written"], brief["skipped"], brief["failed"]) == (2, 0, 0)
    assert brief["prompt_tokens"] > 0 and brief["generated_tokens"] > 0 and brief["think_tokens"] == 0
    assert 0 <= brief["guessed_kept"] <= brief["guessed_tokens"]
    warm = ph["warm"]
    assert (warm["written"], warm["skipped"], warm["failed"]) == (0, 2, 0)
    assert warm["prompt_tokens"] == 0 and warm["generated_tokens"] == 0

    rates = report["rates"]
    assert rates["prompt_tokens_per_second"] > 0 and rates["generation_tokens_per_second"] > 0
    assert rates["prompt_tokens_per_second"] == pytest.approx(512 / ph["raw"]["prompt_seconds"])
    assert rates["generation_tokens_per_second"] == pytest.approx(64 / ph["raw"]["generation_seconds"])
    assert rates["grammar_full_mask_tokens_per_second"] == pytest.approx(
        full["tokens"] / full["seconds"])
    lower = (brief["prompt_tokens"] / rates["prompt_tokens_per_second"]
             + brief["generated_tokens"] / rates["generation_tokens_per_second"])
    assert report["lower_bound_seconds"] == pytest.approx(lower)
    r = report["ratios"]
    assert r["brief_vs_baseline_wall"] == pytest.approx(brief["wall_seconds"] / base["wall_seconds"])
    assert r["brief_vs_lower_bound"] == pytest.approx(brief["wall_seconds"] / lower)
    assert r["prompt_tokens_vs_input"] == pytest.approx(
        brief["prompt_tokens"] / (report["document_tokens"] + report["fixed_tokens"]))
    g = report["goals"]
    assert set(g) == set(GOALS)
    assert g["brief_peak_rss_bytes"]["value"] == brief["peak_rss_bytes"]
    assert g["warm_rerun_seconds"]["value"] == warm["process_seconds"]
    for name, goal in g.items():
        assert goal["met"] == (goal["value"] <= goal["limit"] if goal["op"] == "<="
                               else goal["value"] < goal["limit"])

    text = format_report(report)
    for label in ("raw", "baseline", "brief", "warm", "brief / baseline wall", "brief / lower bound",
                  "prompt tokens / input", "brief peak RSS", "warm rerun", "parsed as JSON",
                  "whole vocabulary masked every token", "same tokens: yes"):
        assert label in text

    # --skip-baseline: the baseline ratio is reported as not measured, the rest still computed.
    meta = {k: v for k, v in report.items() if k not in ("phases", "rates", "lower_bound_seconds",
                                                          "ratios", "goals")}
    skipped = assemble(meta, {**ph, "baseline": None})
    assert skipped["ratios"]["brief_vs_baseline_wall"] is None
    assert skipped["goals"]["brief_vs_baseline_wall"]["met"] is None
    assert skipped["ratios"]["brief_vs_lower_bound"] == pytest.approx(r["brief_vs_lower_bound"])
    assert "not measured" in format_report(skipped) and "skipped" in format_report(skipped)


def fake_report():
    """A report assembled from made-up phase numbers, as bench() builds it."""
    phase = {"wall_seconds": 20.0, "process_seconds": 21.0, "prompt_tokens": 512, "generated_tokens": 64,
             "think_tokens": 0, "peak_rss_bytes": 1.5e9}
    raw = {**phase, "prompt_seconds": 10.0, "generation_seconds": 8.0}
    brief = {**phase, "written": 1, "skipped": 0, "failed": 0}
    warm = {**phase, "process_seconds": 1.2, "written": 0, "skipped": 1, "failed": 0}
    meta = {"model": {"name": "tiny", "sha256": "0" * 64}, "threads": 1, "documents": [{"id": "a"}],
            "document_tokens": 400, "fixed_tokens": 100, "raw_prompt_tokens": 512}
    return assemble(meta, {"raw": raw, "baseline": None, "brief": brief, "warm": warm})


@pytest.mark.parametrize("args, message", [
    (["--json", "rfile/x.json"], "rfile/x.json: rfile is a file, not a folder; choose another --json"),
    (["--json", "d1"], "d1: is a folder, not a file; choose another --json"),
    (["--keep-results", "rfile"], "rfile: is a file, not a folder; choose another --keep-results"),
    (["--keep-results", "rfile/k"], "rfile/k: rfile is a file, not a folder; choose another --keep-results"),
])
def test_unwritable_outputs_fail_before_any_phase(tmp_path, monkeypatch, args, message):
    from click.testing import CliRunner

    from pipeline import bench as bench_module
    from pipeline.cli import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "rfile").write_text("x")
    (tmp_path / "d1").mkdir()
    (tmp_path / "d1" / "a.txt").write_text(DOC_A, encoding="utf-8")

    def never(*a, **k):
        raise AssertionError("a phase started")

    monkeypatch.setattr("pipeline.models.resolve", never)
    monkeypatch.setattr(bench_module, "_spawn", never)
    r = CliRunner().invoke(cli, ["bench", "--skip-baseline", "--docs", "d1/a.txt", *args])
    assert r.exit_code == 2
    assert r.output == f"Error: {message}\n"


def test_a_mistyped_docs_is_named_before_a_missing_model(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from pipeline.cli import cli

    monkeypatch.setenv("BRIEF_MODELS_DIR", str(tmp_path / "no-models"))  # no model there
    monkeypatch.delenv("BRIEF_MODEL", raising=False)
    r = CliRunner().invoke(cli, ["bench", "--docs", "999"])
    assert r.exit_code == 2
    assert r.output.startswith("Error: 999: no such document (give a path, a folder or a prefix")
    (tmp_path / "empty").mkdir()
    r = CliRunner().invoke(cli, ["bench", "--docs", str(tmp_path / "empty")])
    assert (r.exit_code, r.output) == (2, f"Error: {tmp_path / 'empty'}: folder has no .txt documents "
                                          "to benchmark; add some or pass other --docs\n")


def test_a_late_write_failure_prints_the_table_first(tmp_path, capsys):
    from pipeline.bench import _save

    report = fake_report()
    target = tmp_path / "j" / "x.json"
    target.mkdir(parents=True)  # became a folder while the phases ran
    with pytest.raises(UsageError) as exc:
        _save(report, BenchOptions(json_path=target), tmp_path / "out")
    assert str(exc.value) == f"{target}: cannot write (Is a directory); move that folder away or choose another --json"
    assert capsys.readouterr().out == format_report(report) + "\n"


def test_json_written_after_checks(tmp_path, capsys):
    from pipeline.bench import _save
    from pipeline.results import check_writable

    report = fake_report()
    target = tmp_path / "new" / "deeper" / "x.json"
    check_writable(target, "--json", folder=False)  # missing folders are fine: created at the end
    _save(report, BenchOptions(json_path=target), tmp_path / "out")
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(json.dumps(report))
    assert capsys.readouterr().out == ""


def test_a_json_path_where_no_file_can_be_made_is_refused_before_the_phases(tmp_path):
    # As root, access() passes /proc, where no file can be made: the bench ran its hour, then
    # failed to write its report.
    from pipeline.results import check_writable

    if not Path("/proc").is_dir():
        pytest.skip("no /proc here")
    with pytest.raises(UsageError) as exc:
        check_writable(Path("/proc/x/y.json"), "--json", folder=False)
    assert str(exc.value).startswith("/proc/x/y.json: cannot write in /proc (")
    assert str(exc.value).endswith("); choose another --json")


def test_make_run_uses_the_bench_targets():
    make = (Path(__file__).parent.parent / "Makefile").read_text(encoding="utf-8")
    line = next(x for x in make.splitlines() if x.startswith("TARGETS ?="))
    assert shlex.split(line.split("?=", 1)[1]) == [a for t in DEFAULT_TARGETS for a in ("--target", t)]


def test_the_report_says_how_many_guessed_tokens_were_kept():
    report = fake_report()
    assert "guessed" not in format_report(report)  # none guessed: no line
    report["phases"]["brief"].update(guessed_tokens=120, guessed_kept=75)
    assert ("brief's tokens guessed from the prompt: 120, of which 75 were kept "
            "(decoded with the token before them)") in format_report(report).splitlines()


def test_the_report_names_the_llama_cpp_build():
    report = fake_report()
    # A report written before the field existed has no build to name.
    assert "built for" not in format_report(report).splitlines()[0]
    report["engine"] = {"llama_cpp_python": "0.3.36", "cpu_features": ["AVX2", "AVX512"]}
    assert format_report(report).splitlines()[0] == (
        "brief bench: model tiny, 1 document(s), 400 document tokens, 1 thread(s); "
        "llama-cpp-python 0.3.36 built for AVX2 AVX512")
