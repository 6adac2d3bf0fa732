"""Whether a claim the model wrote can stand for its section: in the language asked for, not a
copy of a sentence outside the section, not a heading, question or aside to the audience."""

from __future__ import annotations

from typing import Optional

from . import align, merge
from .language import NAMES, fits
from .segment import is_aside
from .types import Sentence


def visible(sec: list[Sentence]) -> list[int]:
    """The sentence numbers the model sees in a section: headings are shown without one (unless
    the section is nothing but headings)."""
    return [s.n for s in sec if not s.heading] or [s.n for s in sec]


def claim_fault(claim: str, index: align.SentenceIndex, sec: list[Sentence], lang: str,
                written_in: Optional[str] = None) -> tuple[Optional[str], Optional[Sentence]]:
    """Why a claim cannot stand for section `sec` (None if it can), and the sentence it copies.
    Positional bias pulls the model to copy the document's first sentences whatever the section."""
    wrong = language_fault(claim, lang, written_in)
    if wrong:
        return wrong, None
    source = index.copied(claim)
    if source is not None and source not in sec:
        shown = visible(sec)
        first, last = shown[0], shown[-1]
        return (f"repeats sentence [{source.n}], outside [{first}] to [{last}]; "
                f"give only claims that sentences [{first}] to [{last}] make"), source
    return None, source


def kept_claim(claim: str, index: align.SentenceIndex, sec: list[Sentence], lang: str,
               written_in: Optional[str] = None) -> tuple[bool, Optional[Sentence]]:
    """Whether a claim is written, and the sentence it copies: not when still faulty after the
    re-ask, nor when it copies a heading, a question or an aside to the audience, which assert
    nothing. These are dropped, not re-asked: re-asked, the model dropped good claims with them
    (seed 003: 8 claims became 3)."""
    fault, source = claim_fault(claim, index, sec, lang, written_in)
    # A claim too short to trace to its sentence ("その通りです。") is judged by its own words.
    idle = is_aside(claim) or (source is not None and (source.heading or source.aside))
    return bool(claim.strip()) and fault is None and not idle, source


def language_fault(claim: str, lang: str, written_in: Optional[str] = None) -> Optional[str]:
    """Why a claim asked in `lang` about a document written in `written_in` (by default the
    same) is in the wrong language, or None."""
    if not fits(claim, lang, written_in or lang):
        return f"is not in {NAMES[lang]}; write every claim in {NAMES[lang]}"
    return None


def claims_problem(answer: dict, index: align.SentenceIndex, sec: list[Sentence], lang: str,
                   written_in: Optional[str] = None) -> Optional[str]:
    """Why a claims answer for section `sec` must be asked again: a claim in the wrong language
    first, then a repeat or another faulty claim."""
    claims = answer.get("claims", [])
    # The language first: a claim in another language is dropped whatever else is fixed. Told
    # only of a repeat, the 1.5B model wrote one English claim three times for seed 001's first
    # section (asked in English, it had answered in English), and the section lost every claim.
    for i, item in enumerate(claims, 1):
        wrong = language_fault(item["text"], lang, written_in)
        if wrong:
            return f"claim {i} {wrong}"
    repeated = merge.repeated_claims(answer)
    if repeated:
        return repeated
    for i, item in enumerate(claims, 1):
        fault, _ = claim_fault(item["text"], index, sec, lang, written_in)
        if fault:
            return f"claim {i} {fault}"
    return None
