"""`brief eval`: score result files for validity and grounding, and against a gold file, with no model."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from . import schemas
from .errors import UsageError
from .gold import load_gold, norm_target, strings
from .jsonio import parse_json
from .results import MANIFEST, is_other_json, open_source, results_folder


def norm(s: str) -> str:
    """NFKC, commas and whitespace removed: the gold file's matching rule."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", s) if ch != "," and not ch.isspace())


def _rate(n: int, d: int) -> Optional[float]:
    return n / d if d else None


# Evidence whose source is gone cannot be checked: it is counted apart, not as inexact.
_RATES = {"exact_evidence": ("spans_exact", "spans_checked"),
          "figure_precision": ("figures_precise", "figures_checked"),
          "figure_recall": ("figures_found", "gold_figures"),
          "claim_coverage": ("claims_covered", "gold_claims"),
          "stance_accuracy": ("stance_correct", "stance_targets")}


class _Rates:
    """Rates computed from the counts, None where nothing was there to count."""

    exact_evidence = property(lambda self: self._rate("exact_evidence"))
    figure_precision = property(lambda self: self._rate("figure_precision"))
    figure_recall = property(lambda self: self._rate("figure_recall"))
    claim_coverage = property(lambda self: self._rate("claim_coverage"))
    stance_accuracy = property(lambda self: self._rate("stance_accuracy"))
    spans_checked = property(lambda self: self.spans - self.spans_unverifiable)
    figures_checked = property(lambda self: self.figures - self.figures_unverifiable)

    def _rate(self, name: str) -> Optional[float]:
        n, d = _RATES[name]
        return _rate(getattr(self, n), getattr(self, d))

    def to_json(self) -> dict:
        # Counts sit next to every rate, so four places lose nothing a reader needs.
        rates = {name: getattr(self, name) for name in (*_RATES, "schema_valid_rate") if hasattr(self, name)}
        return {**self.__dict__, **{k: None if v is None else round(v, 4) for k, v in rates.items()}}


@dataclass
class DocRow(_Rates):
    """One document's counts; file is None for a gold document with no result file."""

    id: str
    file: Optional[str] = None
    schema_valid: bool = False
    schema_errors: list[str] = field(default_factory=list)
    source: Optional[str] = None
    spans: int = 0
    spans_exact: int = 0
    spans_unverifiable: int = 0
    figures: int = 0
    figures_precise: int = 0
    figures_unverifiable: int = 0
    duplicate_figures: int = 0
    duplicate_claims: int = 0
    gold: bool = False
    gold_figures: int = 0
    figures_found: int = 0
    figures_missed: list[str] = field(default_factory=list)
    gold_claims: int = 0
    claims_covered: int = 0
    claims_missed: list[str] = field(default_factory=list)
    stance_targets: int = 0  # the gold targets the run was asked about; the others are not scored
    stance_correct: int = 0
    stance_not_asked: list[str] = field(default_factory=list)
    stance_detail: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Totals(_Rates):
    """Sums over the result files, and over the gold documents for the gold metrics (micro-averages)."""

    result_files: int = 0
    schema_valid: int = 0
    spans: int = 0
    spans_exact: int = 0
    spans_unverifiable: int = 0
    figures: int = 0
    figures_precise: int = 0
    figures_unverifiable: int = 0
    duplicate_figures: int = 0
    duplicate_claims: int = 0
    gold_documents: int = 0
    gold_missing: int = 0
    gold_figures: int = 0
    figures_found: int = 0
    gold_claims: int = 0
    claims_covered: int = 0
    stance_targets: int = 0
    stance_correct: int = 0
    stance_not_asked: int = 0

    schema_valid_rate = property(lambda self: _rate(self.schema_valid, self.result_files))


@dataclass
class EvalReport:
    """Per-document rows (result files, then gold documents without one) and their totals."""

    results_dir: str
    gold_path: Optional[str]
    rows: list[DocRow]
    totals: Totals
    missing: list[str] = field(default_factory=list)  # gold ids with no result file
    skipped: list[str] = field(default_factory=list)  # JSON files in the folder that are not results

    def row(self, doc_id: str) -> DocRow:
        """The row of one document id."""
        return next(r for r in self.rows if r.id == doc_id)

    def to_json(self) -> dict:
        return {"results_dir": self.results_dir, "gold": self.gold_path,
                "totals": self.totals.to_json(), "documents": [r.to_json() for r in self.rows],
                "missing": self.missing, "skipped": self.skipped}


def _list(v: Any) -> list:
    # A schema-invalid result is still scored as far as it goes, so every field is read defensively.
    return v if isinstance(v, list) else []


def _dicts(v: Any) -> list[dict]:
    return [x for x in _list(v) if isinstance(x, dict)]


def _spans(result: dict) -> list[dict]:
    """Every evidence span: claims, stance, and the summary's under provenance.summary_evidence."""
    out = []
    for claim in _dicts(result.get("claims")):
        out += _list(claim.get("evidence"))
    for st in _dicts(result.get("stance")):
        out += _list(st.get("evidence"))
    prov = result.get("provenance") if isinstance(result.get("provenance"), dict) else {}
    for s in _dicts(prov.get("summary_evidence")):
        out += _list(s.get("evidence"))
    return out


def _at(text: str, span: Any, key: str) -> bool:
    """Whether text[start:end] is exactly span[key], with offsets inside the text."""
    if not isinstance(span, dict):
        return False
    start, end = span.get("start"), span.get("end")
    # bool is an int, and a negative start would slice from the end: neither is an offset.
    if type(start) is not int or type(end) is not int or not 0 <= start < end <= len(text):
        return False
    return text[start:end] == span.get(key)


def _source(result: dict, results_dir: Path, row: DocRow) -> Optional[str]:
    """The source text, or None with a note saying why it is not there."""
    doc = result.get("document") if isinstance(result.get("document"), dict) else {}
    raw = doc.get("path")
    path, loaded, error = open_source(result, results_dir)
    if loaded is None:
        why = ("no document.path" if not isinstance(raw, str) or not raw else f"source {raw} not found"
               if path is None else f"source {raw} not readable ({error})")
        row.notes.append(f"{why}: evidence not verifiable")
        return None
    row.source = str(path)
    if loaded.sha256 != doc.get("sha256"):
        row.notes.append(f"source {raw} changed since the run (sha256 differs); "
                         "offsets checked against the current file")
    return loaded.text


def _hashable(v: Any) -> Any:
    return v if isinstance(v, (str, int, float, type(None))) else json.dumps(v, sort_keys=True)


def _duplicates(result: dict) -> tuple[int, int]:
    """Figures that repeat an earlier one (same span, or same text, value and unit); repeated claims."""
    figs, seen = 0, set()
    for fig in _dicts(result.get("key_figures")):
        keys = {("span", _hashable(fig.get("start")), _hashable(fig.get("end"))),
                ("text", unicodedata.normalize("NFKC", str(fig.get("text", ""))),
                 _hashable(fig.get("value")), _hashable(fig.get("unit")))}
        figs += bool(keys & seen)
        seen |= keys
    claims, texts = 0, set()
    for claim in _dicts(result.get("claims")):
        t = norm(str(claim.get("text", "")))
        claims += t in texts
        texts.add(t)
    return figs, claims


def _score_gold(row: DocRow, result: dict, gold: dict) -> None:
    """Figure recall, claim coverage and stance against one gold document."""
    row.gold = True
    surfaces = [norm(str(f.get("text", ""))) for f in _dicts(result.get("key_figures"))]
    for i, fig in enumerate(gold.get("figures") or []):
        row.gold_figures += 1
        needles = [norm(n) for n in fig["needles"]]
        if any(n and n in s for s in surfaces for n in needles):
            row.figures_found += 1
        else:
            row.figures_missed.append(str(fig.get("id", i)))
    # Each keyword may sit in the claim text or in any quote; parts stay apart so that no keyword
    # is "found" across the seam of two of them.
    claims = [[norm(str(c.get("text", "")))]
              + [norm(str(e.get("quote", ""))) for e in _dicts(c.get("evidence"))]
              for c in _dicts(result.get("claims"))]
    for i, gc in enumerate(gold.get("claims") or []):
        row.gold_claims += 1
        keywords = [norm(k) for k in gc["keywords"]]
        if any(sum(any(k and k in p for p in parts) for k in keywords) >= gc["need"] for parts in claims):
            row.claims_covered += 1
        else:
            row.claims_missed.append(str(gc.get("id", i)))
    positions: dict[str, Any] = {}
    # A target the output repeats is judged by its first entry, the one a reader meets first.
    for st in _dicts(result.get("stance")):
        positions.setdefault(norm_target(str(st.get("target", ""))), st.get("position"))
    asked = _asked_targets(result)
    for target, rule in (gold.get("stance") or {}).items():
        key = norm_target(target)
        # A target the run was never asked about is a question for the next run, not a wrong answer.
        ask = key in positions or asked is None or key in asked
        got = positions.get(key)
        ok = got in rule["accept"] if ask else None
        row.stance_detail.append({"target": target, "output": got, "accept": rule["accept"], "ok": ok,
                                  "asked": ask})
        if ask:
            row.stance_targets += 1
            row.stance_correct += ok
        else:
            row.stance_not_asked.append(target)


def _asked_targets(result: dict) -> Optional[set[str]]:
    """The --target values the run recorded (the subject it adds is in its output), or None when
    the result does not say (missing or damaged): then every gold target counts."""
    prov = result.get("provenance") if isinstance(result.get("provenance"), dict) else {}
    targets = (prov.get("params") if isinstance(prov.get("params"), dict) else {}).get("targets")
    return {norm_target(t) for t in targets} if strings(targets) else None


def _read(path: Path) -> tuple[Any, Optional[str]]:
    try:
        return parse_json(path.read_text(encoding="utf-8")), None
    except (OSError, ValueError) as exc:
        return None, f"not readable JSON ({exc})"


def score_result(name: str, result: Any, results_dir: Path, gold: Optional[dict]) -> DocRow:
    """One result file's row; result is its parsed JSON, or None when it could not be read."""
    row = DocRow(id=Path(name).stem, file=name)
    if not isinstance(result, dict):
        row.schema_errors = ["$: not a JSON object"]
        result = {}
    else:
        row.schema_errors = schemas.schema_errors(result)
        row.schema_valid = not row.schema_errors
        doc = result.get("document")
        if not isinstance(doc, dict) or doc.get("id") != row.id:
            row.notes.append(f"document.id differs from the file name; scored as {row.id}")
        text = _source(result, results_dir, row)
        spans, figures = _spans(result), _list(result.get("key_figures"))
        row.spans, row.figures = len(spans), len(figures)
        if text is None:
            row.spans_unverifiable, row.figures_unverifiable = len(spans), len(figures)
        else:
            row.spans_exact = sum(_at(text, s, "quote") for s in spans)
            row.figures_precise = sum(_at(text, f, "text") for f in figures)
        row.duplicate_figures, row.duplicate_claims = _duplicates(result)
    if gold is not None:
        _score_gold(row, result, gold)
    return row


def evaluate(results_dir: Path, gold_path: Optional[Path] = None) -> EvalReport:
    """Score every result file in results_dir, and against the gold file when one is given."""
    results_dir = Path(results_dir)
    results_folder(results_dir)
    gold = load_gold(gold_path) if gold_path is not None else {}
    files = sorted(p for p in results_dir.glob("*.json") if p.name != MANIFEST)
    report = EvalReport(str(results_dir), str(gold_path) if gold_path is not None else None, [], Totals())
    for path in files:
        data, error = _read(path)
        # Other JSON may share the folder (bench output); a truncated result is still a result.
        if is_other_json(data):
            report.skipped.append(path.name)
            continue
        row = score_result(path.name, data, results_dir, gold.get(path.stem))
        if error:
            row.schema_errors = [error]
        report.rows.append(row)
    if not report.rows:
        raise UsageError(f"{results_dir}: no result files (*.json) to evaluate; run `brief run` first")
    have = {r.id for r in report.rows}
    if gold and not have & set(gold):
        raise UsageError(f"{gold_path}: names none of the results in {results_dir} (gold ids: "
                         f"{', '.join(sorted(gold)[:3])}{' …' if len(gold) > 3 else ''}); "
                         "check --gold and the results folder")
    for doc_id, g in gold.items():
        if doc_id not in have:
            report.missing.append(doc_id)
            row = DocRow(id=doc_id, notes=["no result file"])
            _score_gold(row, {}, g)
            report.rows.append(row)
    t = report.totals
    for r in report.rows:
        if r.file is not None:
            t.result_files += 1
            t.schema_valid += r.schema_valid
            for name in ("spans", "spans_exact", "spans_unverifiable", "figures", "figures_precise",
                         "figures_unverifiable", "duplicate_figures", "duplicate_claims"):
                setattr(t, name, getattr(t, name) + getattr(r, name))
        if r.gold:
            t.gold_documents += 1
            for name in ("gold_figures", "figures_found", "gold_claims", "claims_covered",
                         "stance_targets", "stance_correct"):
                setattr(t, name, getattr(t, name) + getattr(r, name))
            t.stance_not_asked += len(r.stance_not_asked)
    t.gold_missing = len(report.missing)
    return report
