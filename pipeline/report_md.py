"""The run report as Markdown, for terminals and code review."""

from __future__ import annotations

import json
import re

from pipeline import history
from pipeline.display import figure_value, pct
from pipeline.report import ReportData, count_items

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md(text) -> str:
    """One line of document or model text, safe inside Markdown text and table cells."""
    return _SPECIAL.sub(r"\\\1", " ".join(str(text or "").split()))


def _stance(st: dict) -> str:
    return f"{md(st.get('target'))}: **{md(st.get('position'))}** ({pct(st.get('confidence'))})"


def render_markdown(data: ReportData) -> str:
    """Index table, then per document its summary, stance, claims with quotes and figures."""
    m = data.manifest
    model = m.get("model") or {}
    counts = m.get("counts") or {}
    out = [f"# brief report: run {md(m.get('run_id'))}", "",
           f"{md(model.get('name'))} · {md(m.get('finished') or m.get('started'))} · "
           + ", ".join(f"{n} {k}" for k, n in count_items(counts)), "",
           "| # | document | status | claims | figures | stance | summary |",
           "|---:|---|---|---:|---:|---|---|"]
    for v in data.docs:
        r = v.result or {}
        what = md(r.get("summary")) if r else ""
        if v.entry.get("reason") or v.error:
            what = (what + " " if what else "") + f"*{md(v.entry.get('reason') or v.error)}*"
        stance = "; ".join(_stance(s) for s in r.get("stance") or [])
        nums = (f"{len(r.get('claims') or [])} | {len(r.get('key_figures') or [])}" if r else "— | —")
        out.append(f"| {v.n + 1} | {md(v.id)} | {md(v.status)} | {nums} | {stance} | {what} |")
    if data.diff is not None:
        # An indented block, not a fence: a quoted claim cannot close it.
        out += ["", f"## Changed since the previous run {md(data.diff.run_a)}", ""]
        out += ["    " + line for line in history.format_diff(data.diff).splitlines()]
    for v in data.docs:
        r = v.result or {}
        out += ["", f"## {md(v.id)} ({md(v.status)})", ""]
        path = (r.get("document") or {}).get("path") or v.entry.get("path")
        if path:
            out += [f"`{str(path).replace('`', '')}`", ""]
        for note in (v.entry.get("reason"), v.error, v.invalid, v.source_note):
            if note:
                out += [f"> {md(note)}", ""]
        if not r:
            continue
        out += [f"**Summary.** {md(r.get('summary'))}", ""]
        if r.get("stance"):
            out += ["**Stance.** " + "; ".join(_stance(s) for s in r["stance"]), ""]
        claims = r.get("claims") or []
        out += [f"### Claims ({len(claims)})", ""]
        for i, c in enumerate(claims, 1):
            out.append(f"{i}. {md(c.get('text'))}")
            out += [f"   - “{md(ev.get('quote'))}” ({ev.get('start')}–{ev.get('end')})"
                    for ev in c.get("evidence") or []]
        figures = r.get("key_figures") or []
        out += ["", f"### Key figures ({len(figures)})", ""]
        if figures:
            out += ["| text | value | unit | description | at |", "|---|---:|---|---|---|"]
            out += [f"| {md(f.get('text'))} | {md(figure_value(f))} | {md(f.get('unit'))} | "
                    f"{md(f.get('description'))} | {f.get('start')}–{f.get('end')} |" for f in figures]
    out += ["", "## Provenance", "",
            f"- model: {md(model.get('name'))} `{model.get('sha256', '')}`"]
    out += [f"- prompt {md(k)}: `{v}`" for k, v in (m.get("prompts") or {}).items()]
    out += [f"- schema {md(k)}: `{v}`" for k, v in (m.get("schemas") or {}).items()]
    out.append(f"- params: `{json.dumps(m.get('params') or {}, ensure_ascii=False).replace('`', '')}`")
    out += ["", "| document | status | seconds | prompt tokens | generated | thinking |",
            "|---|---|---:|---:|---:|---:|"]
    out += [f"| {md(v.id)} | {md(v.status)} | " + " | ".join(
        str(v.entry.get(k, "—")) for k in ("seconds", "prompt_tokens", "generated_tokens", "think_tokens")) + " |"
        for v in data.docs]
    return "\n".join(out) + "\n"
