"""Reduce: de-duplicate what the sections produced, in code, not by asking the model."""

from __future__ import annotations

import unicodedata
from typing import Optional

from .align import SIMILAR, similar
from .types import Claim, KeyFigure

def claims(items: list[Claim]) -> list[Claim]:
    """Merge claims that repeat each other (by wording or by identical evidence), keeping all evidence,
    in document order."""
    out: list[Claim] = []
    for c in items:
        spans = {(e.start, e.end) for e in c.evidence}
        twin = next((o for o in out if similar(o.text, c.text) >= SIMILAR
                     or spans == {(e.start, e.end) for e in o.evidence}), None)
        if twin is None:
            out.append(Claim(c.text, list(c.evidence)))
            continue
        have = {(e.start, e.end) for e in twin.evidence}
        twin.evidence += [e for e in c.evidence if (e.start, e.end) not in have]
        twin.evidence.sort(key=lambda e: e.start)
    return sorted(out, key=lambda c: c.evidence[0].start)


def repeated_claims(answer: dict) -> Optional[str]:
    """A check for the claims task: a small model repeats one item until maxItems."""
    texts = [c["text"] for c in answer.get("claims", [])]
    for i, a in enumerate(texts):
        if any(similar(a, b) >= SIMILAR for b in texts[:i]):
            # As many as asked: the schema takes exactly that many, so "or fewer" cannot be obeyed.
            return (f"claim {i + 1} repeats an earlier claim; give {len(texts)} distinct claims, "
                    f"each from a different sentence")
    return None


def _surface(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(",", "").replace(" ", "")


def figures(items: list[KeyFigure]) -> list[KeyFigure]:
    """One entry per figure: a span once, and a quantity written the same way (same surface text,
    value and unit) once, at its first mention: a reader wants 5000億ドル once, not at every repeat."""
    out: list[KeyFigure] = []
    seen: set = set()
    for k in sorted(items, key=lambda k: k.figure.start):
        f = k.figure
        key = (_surface(f.text), f.value, f.value_max, f.unit)
        if (f.start, f.end) in seen or key in seen:
            continue
        seen.update({(f.start, f.end), key})
        out.append(k)
    return out
