"""The summary of one document: the listed claims the model picks as its main points, or
sentences it writes from them when they are not in the answer's language or fewer than three;
each with the evidence it rests on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

from . import align, schemas
from .language import fits
from .prompts import numbered
from .schemas import TOKENS_PER_CHAR
from .sections import SECTION_SENTENCES, SUMMARY_SENTENCES
from .types import Claim, Evidence

if TYPE_CHECKING:
    from .summarize import DocResult, DocumentRun

Summary = list[tuple[str, list[Evidence]]]


@dataclass
class Listing:
    """What the summary is asked from: numbered lines, and the claim of each number (none when
    the lines are the document's opening sentences)."""

    text: str
    ids: list[int]
    claims: dict[int, Claim]


def summary(run: DocumentRun, claims: list[Claim], res: DocResult) -> Summary:
    """3-5 sentences for `claims` (spread over the document), each with its evidence."""
    # The claims stand for the document, each numbered by the sentence it comes from (a claim
    # whose first sentence an earlier claim has is left out: one line per number); with no
    # claim the opening sentences do, so the summary never rests on nothing.
    listed: dict[int, Claim] = {}
    for c in claims:
        listed.setdefault(run._at(c.evidence[0].start).n, c)
    if listed:
        shown = Listing("\n".join(f"[{n}] {c.text}" for n, c in listed.items()), list(listed), listed)
    else:
        opening = ([s for s in run.sents if not (s.heading or s.aside)]
                   or run.sents)[:SECTION_SENTENCES]
        shown = Listing(numbered(run.doc.text, opening), [s.n for s in opening], {})
    # Claims are asked in the answer's language, but may be copies in the document's own.
    in_answer_language = fits(shown.text, run.lang, run.written_in)
    # Written (0.4.18), the five seeds' 23 summary sentences were 19 listed claims word for word,
    # 3 their claim's sentence whole and 1 a claim without its brackets: in the claims' own
    # language the model only chooses, for a fourteenth of the tokens the writing took.
    if in_answer_language and len(listed) >= SUMMARY_SENTENCES[0]:
        return _picked(run, shown, res)
    return _written(run, shown, in_answer_language, res)


def _picked(run: DocumentRun, shown: Listing, res: DocResult) -> Summary:
    """The listed claims the model picks as the document's main points, in the order listed."""
    low, high = SUMMARY_SENTENCES
    ids, most = sorted(shown.ids), min(high, len(shown.ids))
    schema = schemas.fill("summary_pick", MIN_ITEMS=low, MAX_ITEMS=most, SENTENCE_IDS=ids)
    task = run.prompts.render("summary_pick", min_items=low, max_items=most)

    def problem(answer: dict) -> Optional[str]:
        if len(set(answer["claims"])) < len(answer["claims"]):
            return "a claim is listed twice; list each once"
        return None

    # Three listed claims leave no choice: no call. Asked as "summary", the task's name in
    # provenance and progress whichever way it is answered; 8 tokens a number bound a runaway.
    answer = {"claims": ids} if len(ids) == low else run._alone(shown.text, res, lambda conv: conv.ask(
        "summary", task, schema, check=problem, max_tokens=8 * high + 20))
    picked = set(answer["claims"])
    # A claim still listed twice after the re-ask: the unpicked fill in, first to last, up to three.
    picked.update([n for n in shown.ids if n not in picked][:max(0, low - len(picked))])
    return [(c.text, c.evidence) for n, c in shown.claims.items() if n in picked]


def _written(run: DocumentRun, shown: Listing, checked: bool, res: DocResult) -> Summary:
    """Sentences the model writes from the listing, `checked` against its words unless they
    translate it."""
    low, high = SUMMARY_SENTENCES
    schema = schemas.fill("summary", MIN_ITEMS=low, MAX_ITEMS=high, SENTENCE_IDS=sorted(shown.ids))
    task = run.prompts.render("summary", language=run.language, min_items=low, max_items=high)
    faithful = lambda text: not checked or align.supported(text, shown.text)  # noqa: E731

    def problem(answer: dict) -> Optional[str]:
        seen: list[str] = []
        for k, it in enumerate(answer["sentences"], 1):
            text = it["text"].strip()
            if text in seen:
                return f"sentence {k} repeats sentence {seen.index(text) + 1}; say each point once"
            seen.append(text)
            if align.echoes(it["text"], task):  # a short document's summary padded with its task
                return f"sentence {k} repeats these instructions; write only about the document"
            if not faithful(it["text"]):
                return f"sentence {k} says what none of the numbered lines says; write only what they say"
        return None

    answer = run._alone(shown.text, res, lambda conv: conv.ask(
        "summary", task, schema, check=problem, max_tokens=high * (160 * TOKENS_PER_CHAR + 30) + 20))
    out = []
    limit = schema["properties"]["sentences"]["items"]["properties"]["text"]["maxLength"]
    # What each listed line says, to stand in for a sentence that adds to them; then the
    # document's own sentences, for a document with fewer claims than summary sentences.
    said = {n: c.text for n, c in shown.claims.items()}
    said.update((s.n, s.text(run.doc.text)) for s in run.sents
                if s.n not in said and not (s.heading or s.aside))
    written = set()
    for item in answer["sentences"]:
        text = item["text"].strip()
        if not text or align.echoes(text, task) or text in written:
            continue
        if not faithful(text):
            # Still adding after the re-ask: the line it cites stands in for it (the next
            # unused one, if that is taken), with that line's evidence, so the summary says
            # nothing the document does not.
            free = [n for n in [*item["sentences"], *said]
                    if n in said and said[n] not in written]
            if not free:
                continue
            n = free[0]
            written.add(said[n])
            out.append((said[n], shown.claims[n].evidence if n in shown.claims
                        else run._evidence([run.by_n[n]])))
            continue
        # The sentence it copies, else what it cited (its claim's sentence).
        source = run.index.copied(text)
        if source is None:
            # A copy of a claim no one sentence holds (seed 002's transcript: a claim joined
            # two) that writes a word the claim does not (テクノロジーー) is the claim.
            listed = list(shown.claims.values())
            k = align.changed_copy(text, [c.text for c in listed])
            if k is not None:
                claim = listed[k]
                if claim.text not in written:
                    written.add(claim.text)
                    out.append((claim.text, claim.evidence))
                continue
        written.add(text)
        cited = [source] if source else run._sentences(item["sentences"])
        out.append((align.completed(text, source, run.index, limit), run._evidence(cited)))
    return out
