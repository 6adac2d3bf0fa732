"""The summary of one document: the claims the model picks as its main points, or, asked in
another language, sentences it writes from them; each with the evidence it rests on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from . import align, schemas
from .numerals import not_english
from .prompts import detect_language, numbered
from .schemas import TOKENS_PER_CHAR
from .sections import SECTION_SENTENCES, SUMMARY_SENTENCES
from .types import Claim, Evidence

if TYPE_CHECKING:
    from .summarize import DocResult, DocumentRun

Summary = list[tuple[str, list[Evidence]]]


def summary(run: DocumentRun, claims: list[Claim], res: DocResult) -> Summary:
    """3-5 sentences for `claims` (spread over the document), each with its evidence."""
    # The claims stand for the document, each numbered by the sentence it comes from (a claim
    # whose first sentence an earlier claim has is left out: one line per number); with no
    # claim the opening sentences do, so the summary never rests on nothing.
    listed: dict[int, Claim] = {}
    for c in claims:
        listed.setdefault(run._at(c.evidence[0].start).n, c)
    if listed:
        first = list(listed)
        listing = "\n".join(f"[{n}] {c.text}" for n, c in listed.items())
    else:
        opening = ([s for s in run.sents if not (s.heading or s.aside)]
                   or run.sents)[:SECTION_SENTENCES]
        first, listing = [s.n for s in opening], numbered(run.doc.text, opening)
    # In the answer's language or not: German claims are "en" by their letters, not by their words.
    same = detect_language(listing) == run.lang and not (run.lang == "en" and not_english(listing))
    # Written (0.4.18), the five seeds' 23 summary sentences were 19 listed claims word for word,
    # 3 their claim's sentence whole and 1 a claim without its brackets: in the claims' own
    # language the model only chooses, for a tenth of the tokens the writing took.
    if same and len(listed) >= SUMMARY_SENTENCES[0]:
        return _picked(run, listed, listing, res)
    return _written(run, first, listing, listed, same, res)


def _picked(run: DocumentRun, listed: dict[int, Claim], listing: str, res: DocResult) -> Summary:
    """The listed claims the model picks as the document's main points, in the listing's order
    (by section, the document's)."""
    low, high = SUMMARY_SENTENCES
    ids = sorted(listed)
    schema = schemas.fill("summary_pick", MIN_ITEMS=low, MAX_ITEMS=min(high, len(ids)), SENTENCE_IDS=ids)
    task = run.prompts.render("summary_pick", min_items=low, max_items=min(high, len(ids)))

    def problem(answer: dict) -> Optional[str]:
        if len(set(answer["claims"])) < len(answer["claims"]):
            return "a claim is listed twice; list each once"
        return None

    # Three listed claims leave no choice: no call.
    answer = {"claims": ids} if len(ids) == low else run._alone(listing, res, lambda conv: conv.ask(
        "summary", task, schema, check=problem, max_tokens=8 * high + 20))
    picked = set(answer["claims"])
    # Repeated after the re-ask: the unpicked claims fill in, first to last, up to the minimum.
    picked |= set([n for n in listed if n not in picked][:max(0, low - len(picked))])
    return [(c.text, c.evidence) for n, c in listed.items() if n in picked]  # as they were listed


def _written(run: DocumentRun, first: list[int], listing: str, listed: dict[int, Claim],
             checked: bool, res: DocResult) -> Summary:
    """Sentences the model writes from the listing: a translation, or too few claims to pick
    from; `checked` for faithfulness to the listing, unless they are a translation of it."""
    ids = sorted(set(first))
    low, high = SUMMARY_SENTENCES
    schema = schemas.fill("summary", MIN_ITEMS=low, MAX_ITEMS=high, SENTENCE_IDS=ids)
    task = run.prompts.render("summary", language=run.language, min_items=low, max_items=high)
    faithful = lambda text: not checked or align.supported(text, listing)  # noqa: E731

    def problem(answer: dict) -> Optional[str]:
        for k, it in enumerate(answer["sentences"], 1):
            if align.echoes(it["text"], task):  # a short document's summary padded with its task
                return f"sentence {k} repeats these instructions; write only about the document"
            if not faithful(it["text"]):
                return f"sentence {k} says what none of the numbered lines says; write only what they say"
        return None

    answer = run._alone(listing, res, lambda conv: conv.ask(
        "summary", task, schema, check=problem, max_tokens=high * (160 * TOKENS_PER_CHAR + 30) + 20))
    out = []
    limit = schema["properties"]["sentences"]["items"]["properties"]["text"]["maxLength"]
    # What each listed line says, to stand in for a sentence that adds to them; then the
    # document's own sentences, for a document with fewer claims than summary sentences.
    said = {n: c.text for n, c in listed.items()}
    said.update((s.n, s.text(run.doc.text)) for s in run.sents
                if s.n not in said and not (s.heading or s.aside))
    written = set()
    for item in answer["sentences"]:
        text = item["text"]
        if not text.strip() or align.echoes(text, task):
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
            out.append((said[n], listed[n].evidence if n in listed else run._evidence([run.by_n[n]])))
            continue
        # The sentence it copies, else what it cited (its claim's sentence).
        source = run.index.copied(text)
        if source is None:
            # A copy of a claim no one sentence holds (seed 002's transcript: a claim joined
            # two) that writes a word the claim does not (テクノロジーー) is the claim.
            shown = list(listed.values())
            k = align.changed_copy(text, [c.text for c in shown])
            if k is not None:
                claim = shown[k]
                if claim.text not in written:
                    written.add(claim.text)
                    out.append((claim.text, claim.evidence))
                continue
        written.add(text)
        cited = [source] if source else run._sentences(item["sentences"])
        out.append((align.completed(text, source, run.index, limit), run._evidence(cited)))
    return out
