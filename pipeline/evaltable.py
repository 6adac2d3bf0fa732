"""The `brief eval` report as aligned text for a terminal (wide characters take two columns)."""

from __future__ import annotations

import shlex

from .display import width
from .evaluate import EvalReport
from .events import one_line


def _pad(s: str, w: int, right: bool) -> str:
    gap = " " * (w - width(s))
    return gap + s if right else s + gap


def _grid(rows: list[list[str]], right_from: int = 1) -> list[str]:
    """Rows of cells as aligned lines: the first right_from columns left-aligned, the rest right."""
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(_pad(c, widths[i], i >= right_from) for i, c in enumerate(r)).rstrip()
            for r in rows]


def _frac(n: int, d: int) -> str:
    return f"{n}/{d} {n / d:4.0%}" if d else "-"


def _checked(n: int, checked: int, total: int) -> str:
    """n of the checked items, or "unverified" when there were items but none could be checked."""
    return "unverified" if total and not checked else _frac(n, checked)


def _cells(name: str, valid: str, r) -> list[str]:
    gold = getattr(r, "gold", True)
    return [name, valid, _checked(r.spans_exact, r.spans_checked, r.spans),
            _checked(r.figures_precise, r.figures_checked, r.figures),
            str(r.duplicate_figures), str(r.duplicate_claims),
            _frac(r.figures_found, r.gold_figures) if gold else "-",
            _frac(r.claims_covered, r.gold_claims) if gold else "-",
            _frac(r.stance_correct, r.stance_targets) if gold else "-"]


def format_table(report: EvalReport) -> str:
    """The report as plain, aligned text for a terminal."""
    head = ["document", "schema", "evidence", "fig prec", "dup fig", "dup claim", "fig recall",
            "claims", "stance"]
    # A file name with a newline must not add a line: each id escaped once, as the run table does.
    rows = [(one_line(r.id), r) for r in report.rows]
    body = []
    for doc, r in rows:
        if r.file is None:
            body.append([doc, "missing", "-", "-", "-", "-", *_cells("", "", r)[6:]])
        else:
            body.append(_cells(doc, "ok" if r.schema_valid else "INVALID", r))
    t = report.totals
    total = _cells("total", _frac(t.schema_valid, t.result_files), t)
    lines = _grid([head, *body, total], right_from=2)
    rule = "-" * max(width(line) for line in lines)
    out = [lines[0], rule, *lines[1:-1], rule, lines[-1]]
    if report.gold_path is not None:
        out.append(f"gold: {report.gold_path} ({t.gold_documents} documents, micro-averaged; "
                   f"{t.gold_missing} without a result)")
    stance = [[doc, d["target"], "(none)" if d["output"] is None else str(d["output"]),
               "|".join(d["accept"]), "not asked" if d["ok"] is None else "ok" if d["ok"] else "WRONG"]
              for doc, r in rows for d in r.stance_detail]
    if stance:
        out += ["", "stance", *_grid([["document", "target", "output", "accept", ""], *stance], 5)]
    # A document with no result misses everything; its note says so once instead.
    misses = [(doc, f"{what}: {', '.join(ids)}") for doc, r in rows if r.file is not None
              for what, ids in (("figures not found", r.figures_missed), ("claims not covered", r.claims_missed))
              if ids]
    notes = [(doc, e) for doc, r in rows for e in r.schema_errors[:3]]
    notes += [(doc, f"... {len(r.schema_errors) - 3} more schema errors") for doc, r in rows
              if len(r.schema_errors) > 3]
    notes += [(doc, n) for doc, r in rows for n in r.notes]
    notes += [(doc, f"stance on {t} not asked by the run, so not scored; rerun with --target "
               f"{shlex.quote(t)} to score it") for doc, r in rows for t in r.stance_not_asked]
    notes += [(one_line(name), "skipped: not a result file") for name in report.skipped]
    for title, items in (("gold misses", misses), ("notes", notes)):
        if items:
            out += ["", title, *(f"  {doc}: {msg}" for doc, msg in items)]
    return "\n".join(out)
