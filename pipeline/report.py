"""The run report: one self-contained HTML page (or Markdown file) over a results folder.

Every string that came from a document or the model goes through `html.escape`; the page
loads nothing (inline CSS and JS, a Content-Security-Policy of default-src 'none').
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from pathlib import Path
from typing import Optional

from pipeline import history, results
from pipeline.display import figure_value, fmt_number, pct
from pipeline.errors import UsageError
from pipeline.jsonio import parse_json
from pipeline.language import NAMES
from pipeline.results import load_source


KINDS = {"c": "claim", "f": "figure", "s": "stance"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"


@dataclass(frozen=True)
class Span:
    """One highlighted span: `key` names the evidence, `ref` the claim/figure/stance it supports."""

    start: int
    end: int
    key: str
    ref: str
    kind: str
    label: str


@dataclass
class DocView:
    """One manifest entry with what the report needs to show it."""

    n: int
    entry: dict
    result: Optional[dict] = None
    error: Optional[str] = None
    text: Optional[str] = None
    source_note: Optional[str] = None
    spans: list[Span] = field(default_factory=list)
    bad_spans: int = 0
    invalid: Optional[str] = None  # a hand-edited or damaged result: what brief validate says

    @property
    def id(self) -> str:
        return str(self.entry.get("id") or f"#{self.n}")

    @property
    def status(self) -> str:
        return str(self.entry.get("status") or "unknown")

    @property
    def anchor(self) -> str:
        return f"d{self.n}"

    def highlighted(self, ref: str) -> bool:
        return any(s.ref == ref for s in self.spans)


@dataclass
class ReportData:
    """A results folder, loaded."""

    results_dir: Path
    manifest: dict
    docs: list[DocView]
    diff: Optional[history.RunDiff]


def collect_spans(n: int, result: dict, text: str) -> tuple[list[Span], int]:
    """Every claim, stance and figure span that matches the text, and how many did not."""
    spans, bad = [], 0

    def add(start, end, quote, key, ref, kind, label):
        nonlocal bad
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text) \
                and text[start:end] == quote:
            spans.append(Span(start, end, key, ref, kind, label))
        else:
            bad += 1

    for i, claim in enumerate(result.get("claims") or [], 1):
        ref = f"d{n}-c{i}"
        for j, ev in enumerate(claim.get("evidence") or [], 1):
            add(ev.get("start"), ev.get("end"), ev.get("quote"), f"{ref}-{j}", ref, "c",
                f"Claim {i}: {claim.get('text', '')}")
    for i, st in enumerate(result.get("stance") or [], 1):
        ref = f"d{n}-s{i}"
        label = f"Stance on {st.get('target', '')}: {st.get('position', '')} ({pct(st.get('confidence'))})"
        for j, ev in enumerate(st.get("evidence") or [], 1):
            add(ev.get("start"), ev.get("end"), ev.get("quote"), f"{ref}-{j}", ref, "s", label)
    for i, fig in enumerate(result.get("key_figures") or [], 1):
        ref = f"d{n}-f{i}"
        desc = fig.get("description") or ""
        add(fig.get("start"), fig.get("end"), fig.get("text"), ref, ref, "f",
            f"Figure {i}: {fig.get('text', '')}" + (f" — {desc}" if desc else ""))
    return spans, bad


def segments(text: str, spans: list[Span]) -> list[tuple[int, int, list[Span]]]:
    """The text cut at every span boundary; each piece lists the spans covering it."""
    cuts = sorted({0, len(text)} | {s.start for s in spans} | {s.end for s in spans})
    return [(a, b, [s for s in spans if s.start <= a and b <= s.end])
            for a, b in zip(cuts, cuts[1:])]


def _load_result(results_dir: Path, entry: dict) -> tuple[Optional[dict], Optional[str]]:
    name = entry.get("result")
    if not name:
        return None, None
    if not isinstance(name, str) or Path(name).name != name:
        return None, f"result name {name!r} is not a file in the results folder"
    try:
        result = parse_json((results_dir / name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return None, f"result {name} unreadable: {exc}"
    bad = results.shape_errors(result)  # the page reads every field: a wrong type would crash it
    return (None, f"result {name} unreadable: {bad[0]}") if bad else (result, None)


def load(results_dir: Path) -> ReportData:
    """Read the manifest, results, sources and the diff against the previous run."""
    results_dir = Path(results_dir)
    manifest = results.read_manifest(results_dir)
    docs = []
    for n, entry in enumerate(manifest.get("documents") or []):
        view = DocView(n, entry)
        view.result, view.error = _load_result(results_dir, entry)
        if view.result is not None:
            view.text, view.source_note = load_source(view.result, results_dir)
            if view.text is not None:
                view.spans, view.bad_spans = collect_spans(n, view.result, view.text)
            errors = results.check(view.result, view.text)
            if errors:
                view.invalid = (f"This result fails validation ({len(errors)} problem(s); the first: "
                                f"{errors[0]}): `brief validate` lists them, `brief run` redoes it.")
        docs.append(view)
    return ReportData(results_dir, manifest, docs, history.diff_previous(results_dir))


def count_items(counts: dict) -> list[tuple[str, object]]:
    """The run's counts in reading order; kept only when there are any."""
    return [(k, counts.get(k, 0)) for k in ("written", "skipped", "failed", "kept")
            if k != "kept" or counts.get(k)]


def write_report(results_dir: Path, fmt: str = "html") -> Path:
    """Write results_dir/report.html (or report.md) and return its path."""
    if fmt not in ("html", "md"):
        raise UsageError(f"unknown report format {fmt!r}: use html or md")
    data = load(Path(results_dir))
    if fmt == "md":
        from pipeline.report_md import render_markdown
        out, body = data.results_dir / "report.md", render_markdown(data)
    else:
        out, body = data.results_dir / "report.html", render_html(data)
    results.write_text(out, body, option=None)  # atomic: a reader never sees half a report
    return out


# ---- HTML ---------------------------------------------------------------------------------

def _asset(name: str) -> str:
    return (resources.files("pipeline") / "templates" / name).read_text(encoding="utf-8")


def e(value) -> str:
    """Escape anything for HTML text or a quoted attribute."""
    return escape("" if value is None else str(value), quote=True)


def chip(st: dict) -> str:
    """A stance chip: target, position colour-coded, confidence."""
    pos = st.get("position") if st.get("position") in ("favor", "against", "neutral", "mixed") else "neutral"
    title = f"Stance on {st.get('target', '')}: {st.get('position', '')}, confidence {pct(st.get('confidence'))}"
    return (f'<span class="chip {pos}" title="{e(title)}"><strong>{e(st.get("target"))}</strong> '
            f'{e(st.get("position"))} <span class="conf">{pct(st.get("confidence"))}</span></span>')


def render_source(view: DocView) -> str:
    """The source text with every span highlighted once, overlaps split into segments."""
    out = []
    for a, b, covering in segments(view.text or "", view.spans):
        piece = e(view.text[a:b])
        if covering:
            kinds = " ".join(k for k in KINDS if any(s.kind == k for s in covering))
            refs = " ".join(dict.fromkeys(s.ref for s in covering))
            keys = " ".join(s.key for s in covering)
            title = "\n".join(dict.fromkeys(s.label for s in covering))
            piece = (f'<mark class="hl {kinds}" data-o="{a}" data-spans="{e(keys)}" '
                     f'data-refs="{e(refs)}" title="{e(title)}">{piece}</mark>')
        out.append(piece)
    return "".join(out)


def _items(view: DocView, tag: str, kind: str, bodies: list[str]) -> str:
    out = []
    for i, body in enumerate(bodies, 1):
        ref = f"d{view.n}-{kind[0]}{i}"
        shown = view.highlighted(ref)
        tip = "Show the evidence in the text" if shown else "Evidence not highlighted in the text"
        out.append(f'<li><button type="button" class="item {kind}{"" if shown else " missing"}" '
                   f'data-ref="{ref}" title="{tip}">{body}</button></li>')
    return f'<{tag} class="items">{"".join(out)}</{tag}>'


def _quotes(evidence: list) -> str:
    return "".join(f'<span class="q">{e(ev.get("quote"))}</span>' for ev in evidence or [])


def render_side(view: DocView) -> str:
    """Claims, stance and key figures of one document, each clickable."""
    r = view.result or {}
    claims, stance, figures = r.get("claims") or [], r.get("stance") or [], r.get("key_figures") or []
    out = [f"<h3>Claims ({len(claims)})</h3>"]
    out.append(_items(view, "ol", "claim", [f'<span class="n">{i}</span>{e(c.get("text"))}{_quotes(c.get("evidence"))}'
                                            for i, c in enumerate(claims, 1)])
               if claims else '<p class="muted">No claims.</p>')
    if stance:
        out.append(f"<h3>Stance ({len(stance)})</h3>"
                   + _items(view, "ul", "stance", [chip(s) + _quotes(s.get("evidence")) for s in stance]))
    out.append(f"<h3>Key figures ({len(figures)})</h3>")
    if not figures:
        return "".join(out) + '<p class="muted">No key figures.</p>'
    out.append('<table class="figures"><thead><tr><th>Text</th><th class="num">Value</th>'
               "<th>Unit</th><th>Description</th></tr></thead><tbody>")
    out += [f'<tr data-ref="d{view.n}-f{i}" tabindex="0" title="Show in the text">'
            f'<td>{e(f.get("text"))}</td><td class="num">{e(figure_value(f))}</td>'
            f'<td>{e(f.get("unit"))}</td><td>{e(f.get("description"))}</td></tr>' for i, f in enumerate(figures, 1)]
    return "".join(out) + "</tbody></table>"


def _cost(entry: dict) -> str:
    parts = [f"{entry['seconds']:.1f} s" if isinstance(entry.get("seconds"), (int, float)) else ""]
    if entry.get("prompt_tokens") or entry.get("generated_tokens"):
        tokens = [fmt_number(entry.get(k, 0)) for k in ("prompt_tokens", "generated_tokens")]
        parts.append(f"{tokens[0]} → {tokens[1]} tokens")
    return " · ".join(p for p in parts if p)


def render_doc(view: DocView) -> str:
    """One document's section: header, summary, notices, side lists and highlighted source."""
    r = view.result or {}
    lang = f' lang="{r["language"]}"' if r.get("language") in NAMES else ""
    path = (r.get("document") or {}).get("path") or view.entry.get("path") or ""
    body = [f'<header><h2>{e(view.id)}</h2><span class="status {e(view.status)}">{e(view.status)}</span>'
            f'<span class="path">{e(path)}</span><span class="chips">{"".join(chip(s) for s in r.get("stance") or [])}'
            f'</span><span class="path">{e(_cost(view.entry))}</span>'
            '<a class="back" href="#index">↑ index</a></header>']
    bad = " bad" if view.status == "failed" or view.error or view.invalid else ""
    body += [f'<div class="notice{bad}">{e(note)}</div>'
             for note in (view.entry.get("reason"), view.error, view.invalid) if note]
    if r:
        if r.get("status") == "empty":
            body.append('<div class="notice">The document is empty.</div>')
        body.append(f'<p class="lead">{e(r.get("summary"))}</p>')
        if view.source_note:
            body.append(f'<div class="notice">{e(view.source_note)}</div>')
        if view.bad_spans:
            body.append(f'<div class="notice">{view.bad_spans} evidence span(s) do not match the source '
                        "text at their offsets and are not highlighted.</div>")
        if view.text is None:
            body.append(f'<div class="side">{render_side(view)}</div>')
        else:
            bar = f"source · {len(view.text):,} characters · {len(view.spans)} highlighted spans"
            body.append(f'<div class="cols"><div class="side">{render_side(view)}</div><div class="source">'
                        f'<div class="srcbar">{e(bar)}</div><pre class="text">{render_source(view)}</pre></div></div>')
    elif len(body) == 1:
        body.append('<p class="muted">No result for this document.</p>')
    return f'<section class="doc panel" id="{view.anchor}"{lang}>{"".join(body)}</section>'


def render_index(data: ReportData) -> str:
    """One row per manifest document: status, summary or reason, stance chips, counts."""
    rows = []
    changed = {c.id for c in data.diff.changed} | set(data.diff.documents_added) if data.diff else set()
    for v in data.docs:
        r = v.result or {}
        tag = ' <span class="tag" title="Changed since the previous run">changed</span>' if v.id in changed else ""
        path = v.entry.get("path") or (r.get("document") or {}).get("path") or ""
        what = f'<div class="summary">{e(r.get("summary"))}</div>' if r else ""
        if v.entry.get("reason") or v.error:
            what += f'<div class="reason">{e(v.entry.get("reason") or v.error)}</div>'
        nums = "".join(f'<td class="num">{len(r.get(k) or []) if r else "—"}</td>' for k in ("claims", "key_figures"))
        rows.append(f'<tr class="{e(v.status)}"><td class="num muted">{v.n + 1}</td>'
                    f'<td><a class="docid" href="#{v.anchor}">{e(v.id)}</a>{tag}<div class="path">{e(path)}</div></td>'
                    f'<td><span class="status {e(v.status)}">{e(v.status)}</span></td><td>{what}</td>'
                    f'<td><div class="chips">{"".join(chip(s) for s in r.get("stance") or [])}</div></td>{nums}</tr>')
    return ('<section class="panel" id="index"><div class="toolbar"><h2>Documents</h2>'
            '<input id="filter" type="search" placeholder="Filter by id, status, summary, target…" '
            'aria-label="Filter documents"></div><table class="index"><thead><tr><th class="num">#</th>'
            '<th>Document</th><th>Status</th><th>Summary</th><th>Stance</th><th class="num">Claims</th>'
            '<th class="num">Figures</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table></section>")


def render_changes(data: ReportData) -> str:
    """The diff against the previous recorded run, if there is one."""
    diff = data.diff
    if diff is None:
        return ""
    head = f'<h2>Changed since the previous run <span class="mono muted">{e(diff.run_a)}</span></h2>'
    if not diff:
        return f'<section class="panel changes">{head}<p class="muted">No changes.</p></section>'
    anchors = {v.id: v.anchor for v in data.docs}

    def li(line: str) -> str:
        cls = {"+": "add", "-": "del"}.get(line[:1], "")
        return f'<li class="{cls}">{e(line)}</li>'

    out = [f'<section class="panel changes">{head}<ul>']
    out += [li(f"+ document {history.added_line(diff, d)}") for d in diff.documents_added]
    out += [li(f"- document {d}") for d in diff.documents_removed]
    for change in diff.changed:
        link = f'<a href="#{anchors[change.id]}">{e(change.id)}</a>' if change.id in anchors else e(change.id)
        out.append(f"<li>{link}<ul>" + "".join(li(x) for x in history.change_lines(change)) + "</ul></li>")
    out.append("</ul></section>")
    return "".join(out)


def _dl(pairs) -> str:
    return "<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in pairs) + "</dl>"


def render_provenance(data: ReportData) -> str:
    """Model, prompt and schema hashes, parameters and per-document timings."""
    m = data.manifest
    model = m.get("model") or {}
    mono = '<span class="mono">{}</span>'.format
    run = [("run", mono(e(m.get("run_id")))), ("tool", e(f'{m.get("tool", "brief")} {m.get("version", "")}')),
           ("started / finished", e(f'{m.get("started", "?")} → {m.get("finished", "?")}')),
           ("seconds", e(m.get("seconds"))), ("model", e(model.get("name"))),
           ("model sha256", mono(e(model.get("sha256")))),
           ("model source", e(" · ".join(str(model[k]) for k in ("source", "path") if model.get(k))))]
    hashes = [(f"{kind} {k}", mono(e(v))) for kind in ("prompt", "schema")
              for k, v in (m.get(kind + "s") or {}).items()]
    params = [(k, mono(e(json.dumps(v, ensure_ascii=False)))) for k, v in (m.get("params") or {}).items()]
    rows = "".join(
        f'<tr><td><a href="#{v.anchor}">{e(v.id)}</a></td><td>{e(v.status)}</td>'
        + "".join(f'<td class="num">{e(v.entry.get(k, "—"))}</td>'
                  for k in ("seconds", "prompt_tokens", "generated_tokens", "think_tokens"))
        + "</tr>" for v in data.docs)
    return ('<footer class="panel prov" id="provenance"><h2>Provenance</h2><h3>Run</h3>' + _dl(run)
            + "<h3>Prompts and schemas</h3>" + _dl(hashes) + "<h3>Parameters</h3>" + _dl(params)
            + '<h3>Per document</h3><table class="index"><thead><tr><th>Document</th><th>Status</th>'
            '<th class="num">Seconds</th><th class="num">Prompt tokens</th><th class="num">Generated</th>'
            f'<th class="num">Thinking</th></tr></thead><tbody>{rows}</tbody></table></footer>')


def render_html(data: ReportData) -> str:
    """The whole page as one string."""
    m = data.manifest
    langs = {(v.result or {}).get("language") for v in data.docs if v.result}
    # One language for the page's fonts: the documents' own, or Japanese's where they mix with it.
    page_lang = next(iter(langs)) if len(langs) == 1 and langs <= set(NAMES) else (
        "ja" if "ja" in langs else "en")
    counts = m.get("counts") or {}
    count_html = "".join(f'<span class="count {k}">{e(n)} {k}</span>' for k, n in count_items(counts))
    model = (m.get("model") or {}).get("name") or "unknown model"
    meta = f'run {m.get("run_id", "?")} · {m.get("finished") or m.get("started") or ""} · {model}'
    legend = ('<div class="legend"><span><i class="sw c"></i>claim evidence</span>'
              '<span><i class="sw f"></i>key figure</span><span><i class="sw s"></i>stance evidence</span>'
              '<span><i class="sw a"></i>selected</span><span>Click a claim or figure to find it in the text; '
              'hover a highlight to see what it supports.</span></div>')
    return ("<!doctype html>\n"
            f'<html lang="{page_lang}"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>brief report · {e(m.get('run_id', ''))}</title><style>{_asset('report.css')}</style></head>"
            f'<body><main><header class="top"><h1>brief report</h1><span class="meta">{e(meta)}</span>'
            f'<span class="counts">{count_html}</span></header>{legend}'
            + render_index(data) + render_changes(data)
            + "".join(render_doc(v) for v in data.docs)
            + render_provenance(data)
            + f"</main><script>{_asset('report.js')}</script></body></html>\n")
