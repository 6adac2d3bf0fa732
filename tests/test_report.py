"""The HTML and Markdown report: escaping, highlighting, missing sources, index, no network."""

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline import history
from pipeline.errors import UsageError
from pipeline.report import write_report

SCHEMA = Path(__file__).resolve().parent.parent / "pipeline" / "schemas" / "result.json"

EVIL = "<script>alert(1)</script>"
TEXT = ("日本のAI投資は2025年に3兆円を超えた。政府は「半導体への支援を続ける」と述べた。\n"
        f"しかし専門家は効果を疑問視している。{EVIL}という文字列も本文に含まれる。\n"
        "輸出規制は約40%の企業に影響した。筆者は規制強化に反対である。")


def ev(text, quote, nth=0):
    """Evidence for the nth occurrence of quote in text."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(quote, start + 1)
    return {"quote": quote, "start": start, "end": start + len(quote)}


def make_result(doc_id, path, text, claims=(), stance=(), figures=(), summary="要約です。"):
    """A result JSON with offsets computed from the text, as the pipeline writes them."""
    return {
        "schema_version": 1,
        "document": {"id": doc_id, "path": str(path), "chars": len(text),
                     "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()},
        "status": "ok", "language": "ja", "summary": summary,
        "claims": [{"text": t, "evidence": [ev(text, q) for q in qs]} for t, qs in claims],
        "stance": [{"target": t, "position": p, "confidence": c, "evidence": [ev(text, q) for q in qs]}
                   for t, p, c, qs in stance],
        "key_figures": [dict(text=q, value=v, unit=u, description=d, start=ev(text, q)["start"],
                             end=ev(text, q)["end"]) for q, v, u, d in figures],
        "provenance": {"tool_version": "0.1.0", "model": {"name": "m", "sha256": "0" * 64},
                       "prompts": {}, "schemas": {}, "params": {}, "cache_key": "0" * 64,
                       "summary_evidence": [], "tasks": []},
    }


def make_folder(tmp_path, results, extra_entries=(), run_id="20261123T232514Z-1a2b"):
    """A results folder: result files, sources under tmp_path/seeds, and the manifest."""
    out = tmp_path / "results"
    out.mkdir(exist_ok=True)
    entries = []
    for res, text in results:
        doc_id = res["document"]["id"]
        src = Path(res["document"]["path"])
        if text is not None:
            src.parent.mkdir(parents=True, exist_ok=True)
            src.write_text(text, encoding="utf-8")
        (out / f"{doc_id}.json").write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")
        entries.append({"id": doc_id, "path": str(src), "status": "written", "reason": None,
                        "result": f"{doc_id}.json", "prompt_tokens": 1800, "generated_tokens": 300,
                        "think_tokens": 0, "seconds": 20.1})
    entries += list(extra_entries)
    manifest = {"tool": "brief", "version": "0.1.0", "run_id": run_id, "started": "2026-11-23T23:25:14Z",
                "finished": "2026-11-23T23:26:14Z", "seconds": 60.0,
                "model": {"name": "qwen2.5-coder-1.5b-instruct", "sha256": "cc32" + "0" * 60,
                          "source": "package-index", "path": "models/x.gguf"},
                "prompts": {"claims": "1" * 64}, "schemas": {"result": "2" * 64},
                "params": {"temperature": 0, "seed": 42, "targets": ["規制"], "lang": None},
                "documents": entries,
                "counts": {s: sum(e["status"] == s for e in entries) for s in ("written", "skipped", "failed")}}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return out


def rich_result(tmp_path, doc_id="000_a"):
    """Claims, stance and figures whose spans overlap each other."""
    return make_result(
        doc_id, tmp_path / "seeds" / f"{doc_id}.txt", TEXT,
        claims=[("AI投資が<b>急増</b>した", ["日本のAI投資は2025年に3兆円を超えた。"]),
                ("政府は支援を続ける", ["政府は「半導体への支援を続ける」と述べた。", "しかし専門家は効果を疑問視している。"])],
        stance=[("規制", "against", 0.83, ["筆者は規制強化に反対である。", "輸出規制は約40%の企業に影響した。"])],
        figures=[("3兆円", 3e12, "JPY", "AI投資額"), ("2025年", 2025, "year", "年"),
                 ("約40%", 40, "%", "影響を受けた企業")])


class Page(HTMLParser):
    """Collects each document's source text and the highlighted segments inside it."""

    def __init__(self):
        super().__init__()
        self.section = None
        self.in_pre = self.in_mark = False
        self.texts, self.marks = {}, {}
        self.attrs_seen, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        self.attrs_seen += [(tag, k, v) for k, v in attrs]
        if tag == "section" and "doc" in (a.get("class") or ""):
            self.section = a["id"]
            self.texts[self.section], self.marks[self.section] = "", []
        elif tag == "pre" and a.get("class") == "text":
            self.in_pre = True
        elif tag == "mark" and self.in_pre:
            self.in_mark = True
            self.marks[self.section].append({"o": int(a["data-o"]), "spans": a["data-spans"].split(),
                                             "refs": a["data-refs"].split(), "title": a.get("title", ""),
                                             "class": a["class"].split(), "text": ""})

    def handle_endtag(self, tag):
        if tag == "pre":
            self.in_pre = False
        elif tag == "mark":
            self.in_mark = False

    def handle_data(self, data):
        if self.in_pre:
            self.texts[self.section] += data
            if self.in_mark:
                self.marks[self.section][-1]["text"] += data


def parse(path):
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def spans_of(result, n):
    """span key -> (start, end, quote), keyed as the report names them."""
    out = {}
    for i, c in enumerate(result["claims"], 1):
        for j, e in enumerate(c["evidence"], 1):
            out[f"d{n}-c{i}-{j}"] = (e["start"], e["end"], e["quote"])
    for i, s in enumerate(result["stance"], 1):
        for j, e in enumerate(s["evidence"], 1):
            out[f"d{n}-s{i}-{j}"] = (e["start"], e["end"], e["quote"])
    for i, f in enumerate(result["key_figures"], 1):
        out[f"d{n}-f{i}"] = (f["start"], f["end"], f["text"])
    return out


def assert_each_span_highlighted_once(page, section, text, result, n):
    assert page.texts[section] == text  # the whole source, in order, nothing lost or doubled
    marks = page.marks[section]
    for m in marks:
        assert text[m["o"]:m["o"] + len(m["text"])] == m["text"]
    for key, (start, end, quote) in spans_of(result, n).items():
        segs = [m for m in marks if key in m["spans"]]
        assert segs, key
        assert "".join(m["text"] for m in segs) == quote
        assert segs[0]["o"] == start
        for a, b in zip(segs, segs[1:]):  # contiguous: one run of segments, not two
            assert b["o"] == a["o"] + len(a["text"])
        assert segs[-1]["o"] + len(segs[-1]["text"]) == end


def test_result_fixture_is_valid():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(rich_result(Path("/tmp")), schema)


def test_every_span_highlighted_exactly_once(tmp_path):
    res = rich_result(tmp_path)
    out = write_report(make_folder(tmp_path, [(res, TEXT)]))
    assert out.name == "report.html"
    assert_each_span_highlighted_once(parse(out), "d0", TEXT, res, 0)


def test_overlapping_spans_split_into_segments(tmp_path):
    res = rich_result(tmp_path)
    page = parse(write_report(make_folder(tmp_path, [(res, TEXT)])))
    both = [m for m in page.marks["d0"] if "d0-c1-1" in m["spans"] and "d0-f1" in m["spans"]]
    assert [m["text"] for m in both] == ["3兆円"]
    assert both[0]["refs"] == ["d0-c1", "d0-f1"]
    assert {"c", "f"} <= set(both[0]["class"])
    assert "Claim 1: AI投資が<b>急増</b>した" in both[0]["title"]
    assert "Figure 1: 3兆円 — AI投資額" in both[0]["title"]
    stance = [m for m in page.marks["d0"] if "d0-s1-2" in m["spans"] and "d0-f3" in m["spans"]]
    assert [m["text"] for m in stance] == ["約40%"]


def test_identical_and_nested_spans(tmp_path):
    text = "売上は100億円で、前年比で10%増えた。"
    res = make_result("n", tmp_path / "seeds" / "n.txt", text,
                      claims=[("売上が増えた", ["売上は100億円で、前年比で10%増えた。"]),
                              ("同じ根拠", ["売上は100億円で、前年比で10%増えた。"])],
                      figures=[("100億円", 1e10, "JPY", "売上"), ("10%", 10, "%", "増加率")])
    page = parse(write_report(make_folder(tmp_path, [(res, text)])))
    assert_each_span_highlighted_once(page, "d0", text, res, 0)


def test_escaping_document_and_model_text(tmp_path):
    res = rich_result(tmp_path)
    res["summary"] = "要約 <img src=x onerror=alert(2)> & more"
    res["stance"][0]["target"] = "<i>規制</i>"
    html = write_report(make_folder(tmp_path, [(res, TEXT)])).read_text(encoding="utf-8")
    page = parse(write_report(make_folder(tmp_path, [(res, TEXT)])))
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>急増</b>" not in html and "&lt;b&gt;急増&lt;/b&gt;" in html
    assert "<img" not in html and "<i>" not in html
    assert EVIL in page.texts["d0"]  # shown as text, at its place
    assert page.tags.count("script") == 1  # only the report's own
    assert "b" not in page.tags and "img" not in page.tags


def test_no_network_references(tmp_path):
    res = rich_result(tmp_path)
    html = write_report(make_folder(tmp_path, [(res, TEXT)])).read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    assert "@import" not in html and "url(" not in html
    assert '<meta charset="utf-8">' in html and "default-src 'none'" in html
    assert "Hiragino Sans" in html and "Noto Sans CJK JP" in html and "Yu Gothic" in html
    assert '<html lang="ja">' in html


def test_urls_in_documents_stay_text(tmp_path):
    text = "詳細は https://example.com/x を参照。"
    res = make_result("u", tmp_path / "seeds" / "u.txt", text, claims=[("参照先がある", ["https://example.com/x"])])
    page = parse(write_report(make_folder(tmp_path, [(res, text)])))
    links = [v for tag, k, v in page.attrs_seen if k in ("src", "href") and v and "example.com" in v]
    assert links == []


def test_missing_source_shows_result_without_highlights(tmp_path):
    res = rich_result(tmp_path)
    out = make_folder(tmp_path, [(res, None)])
    html = write_report(out).read_text(encoding="utf-8")
    assert "not found; showing the result without highlights" in html
    assert "<mark" not in html and "政府は支援を続ける" in html


def test_changed_source_is_detected(tmp_path):
    res = rich_result(tmp_path)
    out = make_folder(tmp_path, [(res, TEXT)])
    (tmp_path / "seeds" / "000_a.txt").write_text("別の本文" + TEXT, encoding="utf-8")
    html = write_report(out).read_text(encoding="utf-8")
    assert "has changed since this run (sha256 differs)" in html and "<mark" not in html


def test_mismatched_offsets_are_not_highlighted(tmp_path):
    res = rich_result(tmp_path)
    res["claims"][0]["evidence"][0]["start"] += 1
    page = parse(write_report(make_folder(tmp_path, [(res, TEXT)])))
    assert not [m for m in page.marks["d0"] if "d0-c1-1" in m["spans"]]
    assert "1 evidence span(s) do not match" in (tmp_path / "results" / "report.html").read_text("utf-8")


def test_a_result_that_fails_validation_says_so(tmp_path):
    # A hand-edited result (a stance of "love") was shown as if it were brief's.
    res = rich_result(tmp_path)
    res["stance"][0]["position"] = "love"
    folder = make_folder(tmp_path, [(res, TEXT)])
    page = write_report(folder).read_text("utf-8")
    assert '<div class="notice bad">This result fails validation (1 problem(s); the first: ' in page
    assert "`brief validate` lists them, `brief run` redoes it." in page
    assert "> This result fails validation (1 problem(s)" in write_report(folder, fmt="md").read_text("utf-8")
    (tmp_path / "clean").mkdir()
    clean = make_folder(tmp_path / "clean", [(rich_result(tmp_path / "clean"), TEXT)])
    assert "fails validation" not in write_report(clean).read_text("utf-8")


def test_index_lists_failed_and_skipped(tmp_path):
    res = rich_result(tmp_path)
    extra = [{"id": "001_bad", "path": "seeds/001_bad.txt", "status": "failed",
              "reason": "model gave no valid JSON after 2 retries", "result": None},
             {"id": "002_bin", "path": "seeds/002_bin.png", "status": "skipped",
              "reason": "binary file <PNG>", "result": None}]
    html = write_report(make_folder(tmp_path, [(res, TEXT)], extra)).read_text(encoding="utf-8")
    index = html[html.index('id="index"'):html.index("</table>")]
    assert index.count("<tr class=") == 3
    assert 'class="status failed"' in index and "model gave no valid JSON after 2 retries" in index
    assert 'class="status skipped"' in index and "binary file &lt;PNG&gt;" in index
    assert '<span class="chip against"' in index and "83%" in index
    assert '<td class="num">2</td><td class="num">3</td>' in index  # claims, figures
    assert 'id="d1"' in html and 'id="d2"' in html


def test_provenance_footer(tmp_path):
    html = write_report(make_folder(tmp_path, [(rich_result(tmp_path), TEXT)])).read_text(encoding="utf-8")
    foot = html[html.index('id="provenance"'):]
    assert "qwen2.5-coder-1.5b-instruct" in foot and "cc32" + "0" * 60 in foot
    assert "1" * 64 in foot and "2" * 64 in foot
    assert "temperature" in foot and "20.1" in foot and "1800" in foot


def test_changes_section_uses_history(tmp_path):
    res = rich_result(tmp_path)
    out = make_folder(tmp_path, [(res, TEXT)], run_id="20261123T000001Z-aaaa")
    history.record_run(out, "20261123T000001Z-aaaa")
    assert "Changed since the previous run" not in write_report(out).read_text(encoding="utf-8")
    res2 = rich_result(tmp_path)
    del res2["claims"][1]
    res2["stance"][0]["position"] = "mixed"
    make_folder(tmp_path, [(res2, TEXT)], run_id="20261124T000001Z-bbbb")
    html = write_report(out).read_text(encoding="utf-8")
    changes = html[html.index("Changed since the previous run"):html.index('id="d0"')]
    assert "20261123T000001Z-aaaa" in changes
    assert "- claim &quot;政府は支援を続ける&quot;" in changes
    assert "~ stance 規制: against → mixed" in changes
    index = html[html.index('id="index"'):html.index("</table>")]
    assert '<span class="tag" title="Changed since the previous run">changed</span>' in index


def test_markdown_report(tmp_path):
    res = rich_result(tmp_path)
    extra = [{"id": "001_bad", "path": "x", "status": "failed", "reason": "timed out", "result": None}]
    out = write_report(make_folder(tmp_path, [(res, TEXT)], extra), fmt="md")
    assert out.name == "report.md"
    md = out.read_text(encoding="utf-8")
    assert "| 1 | 000\\_a | written | 2 | 3 | 規制: **against** (83%) |" in md
    assert "| 2 | 001\\_bad | failed | — | — |  | *timed out* |" in md
    assert "1. AI投資が\\<b\\>急増\\</b\\>した" in md
    assert "   - “日本のAI投資は2025年に3兆円を超えた。” (0–22)" in md
    assert "| 3兆円 | 3,000,000,000,000 | JPY | AI投資額 |" in md
    assert "**Stance.** 規制: **against** (83%)" in md
    assert "qwen2.5-coder-1.5b-instruct" in md and "<b>" not in md


def test_unknown_format_and_missing_manifest(tmp_path):
    with pytest.raises(UsageError) as info:
        write_report(tmp_path)
    assert str(info.value) == (f"{tmp_path}: not a results folder (no manifest.json); pass the --out "
                               "of a `brief run`")
    (tmp_path / "a.json").write_text("{}", encoding="utf-8")  # results, but their manifest is gone
    with pytest.raises(UsageError) as info:
        write_report(tmp_path)
    assert str(info.value) == f"{tmp_path / 'manifest.json'}: the manifest is missing; rerun `brief run` to rewrite it"
    (tmp_path / "a.json").unlink()
    out = make_folder(tmp_path, [(rich_result(tmp_path), TEXT)])
    with pytest.raises(UsageError, match="unknown report format"):
        write_report(out, fmt="pdf")


def test_relative_source_path_resolved_from_results_parent(tmp_path, monkeypatch):
    res = rich_result(tmp_path)
    out = make_folder(tmp_path, [(res, TEXT)])
    res["document"]["path"] = "seeds/000_a.txt"  # relative to the run's cwd, the folder above results/
    (out / "000_a.json").write_text(json.dumps(res, ensure_ascii=False), encoding="utf-8")
    monkeypatch.chdir(out)
    page = parse(write_report(out))
    assert_each_span_highlighted_once(page, "d0", TEXT, res, 0)
    assert re.search(r"not found|changed", (out / "report.html").read_text("utf-8")) is None


def test_offsets_follow_the_decoded_text_of_load_document(tmp_path):
    text = "一行目です。\n売上は100億円だった。\n"
    raw = text.replace("\n", "\r\n").encode("utf-8")  # offsets count the decoded "\n", not "\r\n"
    res = make_result("crlf", tmp_path / "seeds" / "crlf.txt", text, figures=[("100億円", 1e10, "JPY", "売上")])
    res["document"]["sha256"] = hashlib.sha256(raw).hexdigest()
    out = make_folder(tmp_path, [(res, None)])
    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "seeds" / "crlf.txt").write_bytes(raw)
    assert_each_span_highlighted_once(parse(write_report(out)), "d0", text, res, 0)


def test_figure_values_for_people():
    from pipeline.display import figure_value
    assert figure_value({"value": 5.6e6, "unit": "USD", "approximate": True}) == "≈ 5,600,000"
    assert figure_value({"value": 2026, "value_max": 2027, "unit": "year"}) == "2026 – 2027"
    assert figure_value({"value": 20250100, "unit": "date"}) == "2025-01"
    assert figure_value({"value": 0.25, "unit": "ratio"}) == "0.25"
    assert figure_value({"value": None, "unit": ""}) == "—"


def cli_report(*args):
    from click.testing import CliRunner

    from pipeline.cli import cli
    return CliRunner().invoke(cli, ["report", *map(str, args)])


def test_results_of_the_wrong_shape_show_as_unreadable_inline(tmp_path):
    extra = [{"id": "a", "path": "a.txt", "status": "written", "reason": None, "result": "a.json",
              "prompt_tokens": None, "generated_tokens": "many"},
             {"id": "b", "path": "b.txt", "status": "written", "reason": None, "result": "b.json"}]
    out = make_folder(tmp_path, [(rich_result(tmp_path), TEXT)], extra)
    (out / "a.json").write_text("[]")
    (out / "b.json").write_text('{"document": {"path": 5}}')
    r = cli_report(out)
    assert r.exit_code == 0 and r.output == f"{out / 'report.html'}\n"
    page = parse(out / "report.html")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<div class="notice bad">result a.json unreadable: $: a JSON array, not a result object</div>' in html
    assert ("<div class=\"notice bad\">result b.json unreadable: $.document.path: 5 is not of type "
            "&#x27;string&#x27;</div>") in html
    assert "— → — tokens" in html  # token counts that are not numbers do not break the header
    assert_each_span_highlighted_once(page, "d0", TEXT, rich_result(tmp_path), 0)  # the rest is shown
    md = write_report(out, fmt="md").read_text(encoding="utf-8")
    assert "*result a.json unreadable: $: a JSON array, not a result object*" in md


@pytest.mark.parametrize("manifest, problem", [
    ([], "$: a JSON array, not a manifest object"),
    ({"documents": {"id": "a"}}, "$.documents: a JSON object, not an array"),
    ({"documents": [5]}, "$.documents[0]: a JSON number, not an object"),
    ({"documents": [], "model": "m"}, "$.model: a JSON string, not an object"),
])
def test_manifest_of_the_wrong_shape_is_one_usage_error(tmp_path, monkeypatch, manifest, problem):
    monkeypatch.chdir(tmp_path)
    make_folder(tmp_path, [(rich_result(tmp_path), TEXT)])
    Path("results/manifest.json").write_text(json.dumps(manifest))
    r = cli_report("results")
    assert r.exit_code == 2
    assert r.output == f"Error: results/manifest.json: {problem}; rerun `brief run` to rewrite it\n"
    assert not Path("results/report.html").exists()


def test_a_wrong_shaped_result_in_the_history_does_not_cost_the_report(tmp_path):
    out = make_folder(tmp_path, [(rich_result(tmp_path), TEXT)], run_id="20261123T000001Z-aaaa")
    history.record_run(out, "20261123T000001Z-aaaa")
    make_folder(tmp_path, [(rich_result(tmp_path), TEXT)], run_id="20261124T000001Z-bbbb")
    (out / "000_a.json").write_text("[]")
    html = write_report(out).read_text(encoding="utf-8")
    assert "result 000_a.json unreadable: $: a JSON array, not a result object" in html
    assert "Changed since the previous run" in html  # the history steps over the damaged result


def test_report_over_a_folder_is_one_usage_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    make_folder(tmp_path, [(rich_result(tmp_path), TEXT)])
    Path("results/report.html").mkdir()
    r = cli_report("results")
    assert r.exit_code == 2
    assert r.output == "Error: results/report.html: cannot write (Is a directory); move that folder away\n"
    assert not [p for p in Path("results").iterdir() if p.name.endswith(".tmp")]


def test_file_name_that_is_not_utf8_is_shown_escaped(tmp_path):
    import os

    res = rich_result(tmp_path)
    out = make_folder(tmp_path, [(res, TEXT)])
    res["document"]["path"] = os.fsdecode(b"\x8e\x91\x97\xbf.txt")  # as the run records it
    (out / "000_a.json").write_text(json.dumps(res), encoding="utf-8")
    html = write_report(out).read_text(encoding="utf-8")
    assert "Source \\udc8e\\udc91\\udc97\\udcbf.txt not found" in html


def test_report_on_a_missing_folder_is_one_line(tmp_path):
    r = cli_report(tmp_path / "nothere")
    assert r.exit_code == 2
    assert r.output == (f"Error: {tmp_path / 'nothere'}: no such results folder; pass the folder "
                        "`brief run` wrote\n")


def test_deeply_nested_json_is_unreadable_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    extra = [{"id": "z", "path": "z.txt", "status": "written", "reason": None, "result": "z.json"}]
    out = make_folder(tmp_path, [(rich_result(tmp_path), TEXT)], extra)
    (out / "z.json").write_text("[" * 100_000)  # deeper than Python's parser: a RecursionError
    assert "result z.json unreadable: nested too deeply" in write_report(out).read_text(encoding="utf-8")
    assert "*result z.json unreadable: nested too deeply*" in write_report(out, fmt="md").read_text(encoding="utf-8")
    Path("results/manifest.json").write_text("[" * 100_000)
    for fmt in ("html", "md"):
        r = cli_report("results", "--format", fmt)
        assert (r.exit_code, r.output) == (2, "Error: results/manifest.json: the manifest is not valid "
                                              "JSON (nested too deeply); rerun `brief run` to rewrite it\n")
