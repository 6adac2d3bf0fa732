"""How a document is divided for the model, and which claims stand for it: sections small enough
for one focused question, the tail of a section its first claims passed over, and the claims the
summary is written from."""

from __future__ import annotations

from . import align
from .types import Claim, Sentence

SECTION_SENTENCES = 20
SECTION_CHARS = 1000
TAIL_SENTENCES = 5  # stated sentences after the last one a section's claims copy: one claim more
SUMMARY_SENTENCES = (3, 5)


def sections(sents: list[Sentence]) -> list[list[Sentence]]:
    """Consecutive runs of sentences small enough for one focused question."""
    out: list[list[Sentence]] = []
    cur: list[Sentence] = []
    chars = 0
    for s in sents:
        length = s.end - s.start
        if cur and (len(cur) >= SECTION_SENTENCES or chars + length > SECTION_CHARS):
            out.append(cur)
            cur, chars = [], 0
        cur.append(s)
        chars += length
    if cur:
        out.append(cur)
    return out


def spread(per_section: list[list[Claim]], merged: list[Claim]) -> list[Claim]:
    """The claims the summary is written from, in document order: one per summary sentence,
    sections' first claims (each section lists its most important first) before any second, evenly
    spaced over the sections. Shown all claims, the 1.5B model summarised the first five (seed 000)."""
    texts = {c.text for c in merged}  # a claim merged into an earlier one is gone
    chosen: list[str] = []
    for rank in range(max(map(len, per_section), default=0)):
        row = [p[rank].text for p in per_section if rank < len(p) and p[rank].text in texts
               and p[rank].text not in chosen]
        chosen += align.evenly(row, SUMMARY_SENTENCES[1] - len(chosen))
    return [c for c in merged if c.text in chosen]


def tail_of(sec: list[Sentence], last: int) -> list[Sentence]:
    """The sentences after `last` when enough are stated (not headings) to hold one more claim."""
    tail = [s for s in sec if s.n > last]
    return tail if sum(not s.heading for s in tail) >= TAIL_SENTENCES else []
