"""`brief eval`: validity, grounding and gold metrics on hand-built results with known answers."""

import hashlib
import json
from pathlib import Path

import pytest

from pipeline.errors import UsageError
from pipeline.evaltable import format_table, width
from pipeline.evaluate import evaluate, load_gold, norm

GOLD_DEV = Path(__file__).resolve().parents[2] / "shared/eval/gold-dev.json"

TEXT_A = ("政府は2025年に3兆円を投資した。輸出規制は約40%の企業に影響した。"
          "研究費は1,200万ドルに達した。筆者は規制強化に反対である。")
TEXT_B = "売上は50%増えた。"
TEXT_C = "出典のない文書。"


def span(text, quote, shift=0):
    """Evidence for the first occurrence of quote, optionally moved off by `shift` characters."""
    start = text.index(quote) + shift
    return {"quote": quote, "start": start, "end": start + len(quote)}


def figure(text, surface, shift=0, value=None, unit=""):
    """A key figure at its offsets in text (shift moves them)."""
    s = span(text, surface, shift)
    return {"text": surface, "value": value, "unit": unit, "description": "", "start": s["start"],
            "end": s["end"]}


def make_result(doc_id, path, text, claims=(), stance=(), figures=(), summary_evidence=()):
    """A schema-valid result: claims are (text, [evidence]), stance (target, position, [evidence])."""
    return {
        "schema_version": 1,
        "document": {"id": doc_id, "path": str(path), "chars": len(text),
                     "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()},
        "status": "ok", "language": "ja", "summary": "要約。",
        "claims": [{"text": t, "evidence": list(ev)} for t, ev in claims],
        "stance": [{"target": t, "position": p, "confidence": 0.9, "evidence": list(ev)}
                   for t, p, ev in stance],
        "key_figures": list(figures),
        "provenance": {"tool_version": "0.1.0", "model": {"name": "m", "sha256": "0" * 64},
                       "prompts": {}, "schemas": {}, "params": {}, "cache_key": "0" * 64,
                       "summary_evidence": [{"text": "要約。", "evidence": list(summary_evidence)}],
                       "tasks": []},
    }


def write(folder: Path, name: str, data) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    body = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    (folder / name).write_text(body, encoding="utf-8")


GOLD = {
    "_about": "test gold",
    "docs": {
        "000_a": {
            "figures": [{"id": "invest", "needles": ["3兆"]}, {"id": "share", "needles": ["40%"]},
                        {"id": "research", "needles": ["1200万ドル"]}, {"id": "year", "needles": ["2025年"]}],
            "claims": [{"id": "gov", "keywords": ["政府", "3兆円", "半導体"], "need": 2},
                       {"id": "talent", "keywords": ["人材", "教育"], "need": 1}],
            "stance": {"規制強化": {"accept": ["against"]}, "DeepSeek": {"accept": ["favor"]},
                       "政府": {"accept": ["favor", "mixed"]}},
        },
        "001_b": {"figures": [{"id": "sales", "needles": ["50%"]}]},
        "003_d": {"figures": [{"id": "x", "needles": ["1"]}, {"id": "y", "needles": ["2"]}],
                  "claims": [{"id": "z", "keywords": ["z"], "need": 1}],
                  "stance": {"DeepSeek": {"accept": ["favor"]}}},
    },
}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """results/ with A (flawed in known ways), B (schema-invalid), C (source missing); D only in gold."""
    write(tmp_path / "seeds", "000_a.txt", TEXT_A)
    write(tmp_path / "seeds", "001_b.txt", TEXT_B)
    out = tmp_path / "results"
    a = make_result(
        "000_a", "seeds/000_a.txt", TEXT_A,
        claims=[("政府は大規模な投資を行った", [span(TEXT_A, "政府は2025年に3兆円を投資した。")]),
                ("規制の影響は大きい", [span(TEXT_A, "輸出規制は約40%の企業に影響した", shift=1)]),
                (" 政府は 大規模な投資を行った", [span(TEXT_A, "政府は2025年")])],
        stance=[("規制強化", "favor", [span(TEXT_A, "筆者は規制強化に反対である")]),
                ("ＤｅｅｐＳｅｅｋ ", "favor", [])],
        figures=[figure(TEXT_A, "3兆円"), figure(TEXT_A, "40%"), figure(TEXT_A, "1,200万ドル", shift=1),
                 figure(TEXT_A, "3兆円")],
        summary_evidence=[span(TEXT_A, "研究費は1,200万ドルに達した。")])
    b = make_result("001_b", "seeds/001_b.txt", TEXT_B, claims=[("売上が伸びた", [span(TEXT_B, "売上は50%")])],
                    figures=[figure(TEXT_B, "50%", value=50, unit="%")])
    del b["summary"]
    c = make_result("002_c", tmp_path / "gone" / "002_c.txt", TEXT_C,
                    claims=[("出典がない", [span(TEXT_C, "出典のない")])],
                    figures=[{"text": "1件", "value": 1, "unit": "件", "description": "", "start": 0, "end": 2}],
                    summary_evidence=[span(TEXT_C, "文書")])
    for r in (a, b, c):
        write(out, f"{r['document']['id']}.json", r)
    write(out, "manifest.json", {"documents": []})
    write(out, "bench.json", {"runs": [1, 2]})
    write(tmp_path, "gold.json", GOLD)
    # Sources are recorded relative to the run's cwd; from elsewhere they are found above results/.
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    return out


def test_norm_is_nfkc_without_commas_or_spaces():
    assert norm("７，０００ 万ドル") == "7000万ドル"
    assert norm("2～3割") == "2~3割"


def test_width_counts_wide_characters_twice():
    assert width("ab") == 2
    assert width("規制") == 4
    assert width("ＡＩ") == 4


def test_document_rows(folder):
    report = evaluate(folder, folder.parent / "gold.json")
    a = report.row("000_a")
    assert a.schema_valid is True
    assert a.source == str(folder.parent / "seeds" / "000_a.txt")
    assert (a.spans, a.spans_exact, a.spans_unverifiable) == (5, 4, 0)
    assert a.exact_evidence == 0.8
    assert (a.figures, a.figures_precise) == (4, 3)
    assert a.figure_precision == 0.75
    assert (a.duplicate_figures, a.duplicate_claims) == (1, 1)
    assert (a.figures_found, a.gold_figures) == (3, 4)
    assert a.figure_recall == 0.75
    assert a.figures_missed == ["year"]
    assert (a.claims_covered, a.gold_claims) == (1, 2)
    assert a.claims_missed == ["talent"]
    assert (a.stance_correct, a.stance_targets) == (1, 3)
    assert a.stance_detail == [
        {"target": "規制強化", "output": "favor", "accept": ["against"], "ok": False, "asked": True},
        {"target": "DeepSeek", "output": "favor", "accept": ["favor"], "ok": True, "asked": True},
        {"target": "政府", "output": None, "accept": ["favor", "mixed"], "ok": False, "asked": True},
    ]
    assert a.notes == []


def test_schema_invalid_result_is_still_scored(folder):
    b = evaluate(folder, folder.parent / "gold.json").row("001_b")
    assert b.schema_valid is False
    assert b.schema_errors == ["$: 'summary' is a required property"]
    assert (b.spans_exact, b.spans, b.figures_precise, b.figure_recall) == (1, 1, 1, 1.0)


def test_missing_source_makes_spans_unverifiable(folder):
    c = evaluate(folder, folder.parent / "gold.json").row("002_c")
    assert c.schema_valid is True
    assert c.source is None
    assert (c.spans, c.spans_exact, c.spans_unverifiable) == (2, 0, 2)
    assert (c.figures, c.figures_precise, c.figures_unverifiable) == (1, 0, 1)
    # Not checked is not wrong: no rate rather than 0 %.
    assert (c.exact_evidence, c.figure_precision) == (None, None)
    assert c.gold is False
    assert c.figure_recall is None
    assert len(c.notes) == 1 and "not found" in c.notes[0]


def test_gold_document_without_result_counts_as_zero(folder):
    report = evaluate(folder, folder.parent / "gold.json")
    assert report.missing == ["003_d"]
    d = report.row("003_d")
    assert d.file is None
    assert (d.figures_found, d.gold_figures, d.claims_covered, d.gold_claims) == (0, 2, 0, 1)
    assert (d.stance_correct, d.stance_targets) == (0, 1)
    assert d.figures_missed == ["x", "y"]


def test_totals(folder):
    t = evaluate(folder, folder.parent / "gold.json").totals
    assert (t.result_files, t.schema_valid) == (3, 2)
    assert t.schema_valid_rate == 2 / 3
    assert (t.spans, t.spans_exact, t.spans_unverifiable) == (8, 5, 2)
    assert t.exact_evidence == 5 / 6  # the two spans of the missing source are not counted
    assert (t.figures, t.figures_precise, t.figures_unverifiable) == (6, 4, 1)
    assert t.figure_precision == 4 / 5
    assert (t.duplicate_figures, t.duplicate_claims) == (1, 1)
    assert (t.gold_documents, t.gold_missing) == (3, 1)
    assert (t.figures_found, t.gold_figures) == (4, 7)
    assert t.figure_recall == 4 / 7
    assert t.claim_coverage == 1 / 3
    assert t.stance_accuracy == 0.25


def test_non_result_json_is_skipped(folder):
    report = evaluate(folder, folder.parent / "gold.json")
    assert report.skipped == ["bench.json"]
    assert [r.id for r in report.rows] == ["000_a", "001_b", "002_c", "003_d"]


def test_without_gold_only_grounding_metrics(folder):
    report = evaluate(folder, None)
    assert report.missing == []
    assert [r.id for r in report.rows] == ["000_a", "001_b", "002_c"]
    assert report.totals.gold_figures == 0
    assert report.totals.figure_recall is None
    assert report.totals.exact_evidence == 5 / 6
    assert "gold:" not in format_table(report)


def test_to_json_is_serialisable_and_rounded(folder):
    data = evaluate(folder, folder.parent / "gold.json").to_json()
    data = json.loads(json.dumps(data, ensure_ascii=False))
    assert data["totals"]["figure_recall"] == 0.5714
    assert data["totals"]["figures_found"] == 4
    assert data["missing"] == ["003_d"]
    assert data["documents"][0]["id"] == "000_a"
    assert data["documents"][0]["exact_evidence"] == 0.8
    assert data["documents"][3]["file"] is None


def test_duplicate_figure_by_text_value_and_unit(tmp_path):
    text = "3兆円と３兆円と3兆円。"
    figs = [figure(text, "3兆円", value=3e12, unit="円"),
            {**figure(text, "３兆円", value=3e12, unit="円")},
            {"text": "3兆円", "value": 3e12, "unit": "円", "description": "", "start": 8, "end": 11},
            {"text": "3兆円", "value": 3e12, "unit": "ドル", "description": "", "start": 8, "end": 11}]
    write(tmp_path / "src", "d.txt", text)
    write(tmp_path / "out", "d.json", make_result("d", tmp_path / "src" / "d.txt", text, figures=figs))
    row = evaluate(tmp_path / "out").row("d")
    # NFKC makes the fullwidth one a repeat; the third repeats both; the fourth repeats the span.
    assert row.duplicate_figures == 3
    assert (row.figures, row.figures_precise) == (4, 4)


def test_unreadable_result_counts_as_invalid(tmp_path):
    write(tmp_path / "out", "x.json", '{"schema_version": 1, "docu')
    report = evaluate(tmp_path / "out")
    assert report.row("x").schema_valid is False
    assert report.row("x").schema_errors[0].startswith("not readable JSON")
    assert report.totals.schema_valid_rate == 0.0


def test_a_file_name_with_a_newline_stays_on_its_line(tmp_path):
    write(tmp_path / "out", "new\nline.json", '{"schema_version": 1, "docu')
    table = format_table(evaluate(tmp_path / "out"))
    assert "new\\nline" in table
    assert not any(line.startswith("line") for line in table.splitlines())


def test_missing_results_folder_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such results folder"):
        evaluate(tmp_path / "nope")


def test_malformed_gold_is_a_usage_error(folder):
    write(folder.parent, "bad.json", {"docs": {"000_a": {"claims": [{"keywords": ["x"]}]}}})
    with pytest.raises(UsageError, match=r"docs.000_a.claims\[0\]"):
        evaluate(folder, folder.parent / "bad.json")


@pytest.mark.parametrize("doc, where", [
    ({"claims": [{"keywords": ["x"], "need": 2}]}, "claims[0]"),
    ({"claims": [{"keywords": ["x", ""], "need": 1}]}, "claims[0]"),
    ({"claims": [{"keywords": ["x"], "need": True}]}, "claims[0]"),
    ({"figures": [{"needles": []}]}, "figures[0]"),
    ({"figures": [{"needles": [""]}]}, "figures[0]"),
    ({"figures": [{"needles": ["  "]}]}, "figures[0]"),
    ({"stance": {"DeepSeek": {"accept": ["loves"]}}}, "stance.DeepSeek"),
    ({"stance": {"DeepSeek": {"accept": []}}}, "stance.DeepSeek"),
])
def test_gold_entries_no_output_could_match_are_refused(folder, doc, where):
    write(folder.parent, "bad.json", {"docs": {"000_a": doc}})
    with pytest.raises(UsageError) as info:
        evaluate(folder, folder.parent / "bad.json")
    assert str(info.value).startswith(f"{folder.parent / 'bad.json'}: docs.000_a.{where}: needs")


def test_gold_naming_none_of_the_results_is_a_usage_error(folder):
    fig = {"figures": [{"needles": ["3兆"]}]}  # an empty entry is refused before it gets here
    write(folder.parent, "other.json", {"docs": {"x1": fig, "x2": fig}})
    with pytest.raises(UsageError) as info:
        evaluate(folder, folder.parent / "other.json")
    assert str(info.value) == (f"{folder.parent / 'other.json'}: names none of the results in "
                               f"{folder} (gold ids: x1, x2); check --gold and the results folder")


def test_missing_or_broken_gold_file_names_the_fix(folder):
    with pytest.raises(UsageError, match=r"nope.json: cannot read the gold file \(No such file or directory\); check the path"):
        evaluate(folder, folder.parent / "nope.json")
    (folder.parent / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(UsageError, match=r"broken.json: gold file is not valid JSON .*; fix or re-export it"):
        evaluate(folder, folder.parent / "broken.json")


def test_table_lists_rows_totals_and_misses(folder):
    table = format_table(evaluate(folder, folder.parent / "gold.json"))
    lines = table.splitlines()
    assert lines[0].split() == ["document", "schema", "evidence", "fig", "prec", "dup", "fig", "dup",
                                "claim", "fig", "recall", "claims", "stance"]
    row_a = next(line for line in lines if line.startswith("000_a"))
    assert row_a.split() == ["000_a", "ok", "4/5", "80%", "3/4", "75%", "1", "1", "3/4", "75%",
                             "1/2", "50%", "1/3", "33%"]
    assert next(line for line in lines if line.startswith("001_b")).split()[1] == "INVALID"
    assert next(line for line in lines if line.startswith("003_d")).split()[:6] == [
        "003_d", "missing", "-", "-", "-", "-"]
    assert next(line for line in lines if line.startswith("002_c")).split()[:4] == [
        "002_c", "ok", "unverified", "unverified"]
    total = next(line for line in lines if line.startswith("total"))
    assert total.split() == ["total", "2/3", "67%", "5/6", "83%", "4/5", "80%", "1", "1", "4/7", "57%",
                             "1/3", "33%", "1/4", "25%"]
    assert "  000_a: figures not found: year" in lines
    assert "  000_a: claims not covered: talent" in lines
    assert "  001_b: $: 'summary' is a required property" in lines
    assert "  bench.json: skipped: not a result file" in lines


def test_table_columns_align_by_display_width(folder):
    lines = format_table(evaluate(folder, folder.parent / "gold.json")).splitlines()
    head = lines.index("stance") + 1
    col = lines[head].index("output")
    rows = lines[head + 1:head + 5]
    assert [r.split()[1] for r in rows] == ["規制強化", "DeepSeek", "政府", "DeepSeek"]
    for row, out in zip(rows, ["favor", "favor", "(none)", "(none)"]):
        assert width(row[:row.index(out, len("000_a"))]) == col


@pytest.mark.skipif(not GOLD_DEV.is_file(), reason="shared gold-dev.json not present")
def test_dev_gold_is_fully_found_by_results_that_contain_every_answer(tmp_path):
    gold = json.loads(GOLD_DEV.read_text(encoding="utf-8"))
    out = tmp_path / "results"
    for doc_id, g in gold["docs"].items():
        facts = [f["needles"][0] for f in g.get("figures", [])]
        claims = ["と".join(c["keywords"][:c["need"]]) for c in g.get("claims", [])]
        text = "".join(f"{s}。" for s in facts + claims)
        write(tmp_path / "src", f"{doc_id}.txt", text)
        result = make_result(
            doc_id, tmp_path / "src" / f"{doc_id}.txt", text,
            claims=[(f"主張{i}", [span(text, c)]) for i, c in enumerate(claims)],
            stance=[(t, rule["accept"][0], []) for t, rule in g.get("stance", {}).items()],
            figures=[figure(text, f) for f in facts])
        write(out, f"{doc_id}.json", result)
    report = evaluate(out, GOLD_DEV)
    t = report.totals
    assert t.gold_documents == len(gold["docs"])
    assert t.gold_figures == sum(len(g.get("figures", [])) for g in gold["docs"].values())
    assert (t.figure_recall, t.claim_coverage, t.stance_accuracy) == (1.0, 1.0, 1.0)
    assert (t.schema_valid_rate, t.exact_evidence, t.figure_precision) == (1.0, 1.0, 1.0)
    assert (t.duplicate_figures, t.duplicate_claims) == (0, 0)
    assert report.missing == []
    assert "gold misses" not in format_table(report)


GOLD_HELDOUT = Path(__file__).resolve().parent / "gold-heldout.json"


def test_heldout_gold_loads_and_every_needle_and_keyword_is_in_its_seed():
    gold = load_gold(GOLD_HELDOUT)
    assert sorted(gold) == ["001_504d558f0a83e77d", "002_5776214d9316c819", "004_bdb0cca51a4c4ebc"]
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    for doc_id, g in gold.items():
        text = norm((seeds / f"{doc_id}.txt").read_text(encoding="utf-8"))
        words = [n for f in g["figures"] for n in f["needles"]] + [k for c in g["claims"] for k in c["keywords"]]
        assert [w for w in words if norm(w) not in text] == [], doc_id
        assert set(g["stance"]) == {"DeepSeek", "米国の対中半導体輸出規制"}


def brief_eval(*args):
    from click.testing import CliRunner

    from pipeline.cli import cli

    return CliRunner().invoke(cli, ["eval", *map(str, args)])


def test_gold_naming_no_documents_is_refused(folder):
    write(folder.parent, "empty.json", {"_about": "nothing yet", "docs": {}})
    r = brief_eval(folder, "--gold", folder.parent / "empty.json")
    assert r.exit_code == 2
    assert r.output == (f"Error: {folder.parent / 'empty.json'}: \"docs\" names no documents; add an "
                        "entry per result id (see README, brief eval)\n")


@pytest.mark.parametrize("doc, message", [
    ({"claim": [{"keywords": ["x"], "need": 1}]},
     'docs.000_a.claim: unknown key (did you mean "claims"?); a gold document has figures, claims, stance'),
    ({"figures": [], "notes": "x"},
     "docs.000_a.notes: unknown key (remove it); a gold document has figures, claims, stance"),
    ({"figures": [{"needle": ["3兆"]}]},
     'docs.000_a.figures[0].needle: unknown key (did you mean "needles"?); a gold figure has id, needles'),
    ({"claims": [{"keywords": ["x"], "need": 1, "needs": 1}]},
     'docs.000_a.claims[0].needs: unknown key (did you mean "need"?); a gold claim has id, keywords, need'),
    ({"stance": {"DeepSeek": {"accepts": ["favor"]}}},
     'docs.000_a.stance.DeepSeek.accepts: unknown key (did you mean "accept"?); a gold stance has accept'),
    ({"figures": None}, "docs.000_a.figures: a JSON null, not a list; fix it or remove the key"),
    ({"claims": {"gov": {}}}, "docs.000_a.claims: a JSON object, not a list; fix it or remove the key"),
    ({"stance": ["DeepSeek"]},
     "docs.000_a.stance: a JSON array, not an object keyed by target; fix it or remove the key"),
    ({"figures": ["3兆"]}, "docs.000_a.figures[0]: a JSON string, not a gold figure object (id, needles)"),
    ([], "docs.000_a: a JSON array, not a gold document object (figures, claims, stance)"),
])
def test_misspelled_or_mistyped_gold_keys_are_refused(folder, doc, message):
    write(folder.parent, "bad.json", {"docs": {"000_a": doc}})
    with pytest.raises(UsageError) as info:
        evaluate(folder, folder.parent / "bad.json")
    assert str(info.value) == f"{folder.parent / 'bad.json'}: {message}"
    r = brief_eval(folder, "--gold", folder.parent / "bad.json")
    assert (r.exit_code, r.output) == (2, f"Error: {folder.parent / 'bad.json'}: {message}\n")


def test_underscore_keys_are_comments_in_gold_entries(folder):
    gold = {"docs": {"000_a": {"_note": "checked twice", "figures": [{"id": "a", "needles": ["3兆"],
                                                                      "_why": "the headline"}]}}}
    write(folder.parent, "commented.json", gold)
    assert evaluate(folder, folder.parent / "commented.json").row("000_a").figures_found == 1


@pytest.fixture
def asked(tmp_path, monkeypatch):
    """results/t.json from a run asked about DeepSeek (the subject, 政府, added by the run)."""
    write(tmp_path / "seeds", "t.txt", TEXT_A)
    res = make_result("t", "seeds/t.txt", TEXT_A, stance=[("政府", "favor", []), ("DeepSeek", "against", [])])
    res["provenance"]["params"] = {"targets": ["DeepSeek"]}
    write(tmp_path / "results", "t.json", res)
    write(tmp_path, "gold.json", {"docs": {"t": {"stance": {
        "NotATarget": {"accept": ["favor"]}, "ＤｅｅｐＳｅｅｋ": {"accept": ["favor"]},
        "政府": {"accept": ["favor"]}}}}})
    monkeypatch.chdir(tmp_path)
    return tmp_path / "results"


def test_a_gold_target_the_run_was_not_asked_is_not_scored(asked):
    report = evaluate(asked, asked.parent / "gold.json")
    row = report.row("t")
    assert row.stance_not_asked == ["NotATarget"]
    assert (row.stance_correct, row.stance_targets) == (1, 2)  # 政府 right, DeepSeek wrong
    assert row.stance_detail[0] == {"target": "NotATarget", "output": None, "accept": ["favor"],
                                    "ok": None, "asked": False}
    totals = report.to_json()["totals"]
    assert (totals["stance_correct"], totals["stance_targets"], totals["stance_not_asked"]) == (1, 2, 1)
    assert totals["stance_accuracy"] == 0.5
    lines = format_table(report).splitlines()
    assert [line.split() for line in lines if line.startswith("t ")] == [
        ["t", "ok", "-", "-", "0", "0", "-", "-", "1/2", "50%"],
        ["t", "NotATarget", "(none)", "favor", "not", "asked"],
        ["t", "ＤｅｅｐＳｅｅｋ", "against", "favor", "WRONG"],
        ["t", "政府", "favor", "favor", "ok"]]
    assert ("  t: stance on NotATarget not asked by the run, so not scored; rerun with --target "
            "NotATarget to score it") in lines


def test_only_a_result_that_records_its_targets_can_leave_one_unasked(asked):
    res = json.loads((asked / "t.json").read_text(encoding="utf-8"))
    del res["provenance"]["params"]["targets"]
    write(asked, "t.json", res)
    row = evaluate(asked, asked.parent / "gold.json").row("t")
    assert (row.stance_not_asked, row.stance_correct, row.stance_targets) == ([], 1, 3)
    # A gold document with no result at all misses every target, as before.
    stance = {"stance": {"X": {"accept": ["favor"]}}}
    write(asked.parent, "gold2.json", {"docs": {"t": stance, "u": stance}})
    row = evaluate(asked, asked.parent / "gold2.json").row("u")
    assert (row.stance_not_asked, row.stance_targets) == ([], 1)


def test_eval_scores_against_the_source_with_the_recorded_bytes(folder):
    # folder's fixture runs from elsewhere/: a namesake there is not 000_a's source.
    write(folder.parent / "elsewhere" / "seeds", "000_a.txt", "別の文書。")
    a = evaluate(folder).row("000_a")
    assert a.source == str(folder.parent / "seeds" / "000_a.txt")
    assert (a.notes, a.spans_exact) == ([], 4)


def test_a_results_folder_without_results_is_refused_with_gold_too(folder, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError) as info:
        evaluate(tmp_path / "empty", folder.parent / "gold.json")
    assert str(info.value) == (f"{tmp_path / 'empty'}: no result files (*.json) to evaluate; "
                               "run `brief run` first")


DEEP = "[" * 100_000  # deeper than Python's JSON parser goes: a RecursionError, not a ValueError


def test_deeply_nested_json_is_unreadable_not_a_traceback(folder):
    write(folder, "zz.json", DEEP)
    row = evaluate(folder).row("zz")
    assert row.schema_errors == ["not readable JSON (nested too deeply)"]
    write(folder.parent, "deep.json", '{"docs": ' + DEEP)
    r = brief_eval(folder, "--gold", folder.parent / "deep.json")
    assert (r.exit_code, r.output) == (2, f"Error: {folder.parent / 'deep.json'}: gold file is not "
                                          "valid JSON (nested too deeply); fix or re-export it\n")


@pytest.mark.parametrize("target", ["", "  "])
def test_a_gold_stance_target_with_no_name_is_refused(folder, target):
    # --target '' is a usage error, so the "rerun with --target" advice could never be followed.
    write(folder.parent, "bad.json", {"docs": {"000_a": {"stance": {target: {"accept": ["favor"]}}}}})
    r = brief_eval(folder, "--gold", folder.parent / "bad.json")
    assert (r.exit_code, r.output) == (2, f"Error: {folder.parent / 'bad.json'}: docs.000_a.stance: a "
                                          f'target with an empty name ("{target}"); name it as given to '
                                          "--target, or remove it\n")


FIG = '{"figures": [{"needles": ["3兆"]}]}'


@pytest.mark.parametrize("text, message", [
    ('{"docs": {"000_a": %s}, "docs2": 1}' % FIG,
     'docs2: unknown key (did you mean "docs"?); a gold file has docs, stance_targets'),
    ('{"doc": {"000_a": %s}}' % FIG,
     'doc: unknown key (did you mean "docs"?); a gold file has docs, stance_targets'),
    ('{"docs": {"000_a": %s, "000_a": {"claims": []}}}' % FIG,
     "docs.000_a: document given twice; merge the entries into one"),
    ('{"docs": {"000_a": %s, "d20": {}}}' % FIG,
     "docs.d20: nothing to score; give it figures, claims or stance, or remove it"),
    ('{"docs": {"000_a": {"figures": [], "claims": [], "_note": "later"}}}',
     "docs.000_a: nothing to score; give it figures, claims or stance, or remove it"),
    ('{"docs": {"000_a": {"figures": [{"id": ["x"], "needles": ["3兆"]}]}}}',
     "docs.000_a.figures[0].id: a JSON array, not a string; fix it or remove the key"),
    ('{"docs": {"000_a": {"claims": [{"id": 1, "keywords": ["x"], "need": 1}]}}}',
     "docs.000_a.claims[0].id: a JSON number, not a string; fix it or remove the key"),
    ('{"docs": {"000_a": {"figures": [{"needles": ["3兆"], "needles": ["4"]}]}}}',
     "docs.000_a.figures[0].needles: key given twice; keep one"),
    ('{"docs": {"000_a": {"stance": {"X": {"accept": ["favor"]}, "X": {"accept": ["mixed"]}}}}}',
     "docs.000_a.stance.X: target given twice; keep one"),
    ('{"docs": {"000_a": {"stance": {"NVIDIA": {"accept": ["favor"]}, "Nvidia": {"accept": ["mixed"]}}}}}',
     "docs.000_a.stance.NVIDIA: the same target as another spelled otherwise (names are compared "
     "case-folded, NFKC); keep one"),
])
def test_gold_file_keys_repeats_and_empty_entries_are_refused(folder, text, message):
    write(folder.parent, "bad.json", text)
    r = brief_eval(folder, "--gold", folder.parent / "bad.json")
    assert (r.exit_code, r.output) == (2, f"Error: {folder.parent / 'bad.json'}: {message}\n")


def test_the_shared_gold_files_top_level_keys_are_allowed(folder):
    # Both real gold files have "_about" and "stance_targets" beside "docs".
    gold = {"_about": "x", "stance_targets": ["DeepSeek"], "docs": {"000_a": {"figures": [{"needles": ["3兆"]}]}}}
    write(folder.parent, "ok.json", gold)
    assert evaluate(folder, folder.parent / "ok.json").row("000_a").figures_found == 1
    assert len(load_gold(GOLD_HELDOUT)) == 3
    if GOLD_DEV.is_file():
        assert len(load_gold(GOLD_DEV)) == 2
