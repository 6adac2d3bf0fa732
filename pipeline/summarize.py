"""One document through every task, a section at a time.

Against a small model's positional bias every part of the document gets its turn: each section is
shown alone (system + its numbered sentences), and its claims, its key figures and, for the first
section, the document's subject are asked after it, so the section is read once for all of them.
No task reads the whole document: the stance of a target is judged from the sentences that name
it, the summary from the claims. Answers are merged and de-duplicated in code (reduce), so a
document of any length runs in a context sized for one section.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import partial
from typing import Callable, Optional, TypeVar

from . import align, merge, schemas
from .claims import claims_problem, kept_claim, visible
from .describe import description, echoed
from .engine import Engine
from .errors import GenerationError
from .figures import extract_figures
from .generate import Conversation, add_thoughts
from .language import NAMES, detect
from .names import subject_options
from .prompts import Prompts, numbered
from .schemas import TOKENS_PER_CHAR
from .sections import sections, spread, tail_of
from .segment import segment
from .settings import RunSettings
from .summary import summary
from .types import (POSITIONS, Claim, Document, Evidence, FigureCandidate, KeyFigure, Sentence,
                    Stance, TaskStats)

FIGURES_PER_CALL = 12
CLAIMS_PER_SECTION = 3
STANCE_EVIDENCE = 3  # sentences the model may cite when no sentence names the target
STANCE_MENTIONS = 6  # sentences naming the target that the stance is judged from
OUTPUT_RESERVE = 2048  # tokens kept free after a section for the tasks' suffixes and answers
NULL_WORDS = {"", "null", "none", "n/a", "なし"}
T = TypeVar("T")


@dataclass
class DocResult:
    """Everything one document produced, before it becomes JSON."""

    language: str
    claims: list[Claim] = field(default_factory=list)
    stance: list[Stance] = field(default_factory=list)
    figures: list[KeyFigure] = field(default_factory=list)
    summary: list[tuple[str, list[Evidence]]] = field(default_factory=list)
    stats: list[TaskStats] = field(default_factory=list)
    thoughts: dict[str, str] = field(default_factory=dict)
    sections: int = 0
    sentences: int = 0
    candidates: int = 0


class DocumentRun:
    """The tasks of one document on one engine."""

    def __init__(self, engine: Engine, prompts: Prompts, settings: RunSettings,
                 think_budget: int, deadline: Optional[float], progress=None):
        self.engine, self.prompts, self.settings = engine, prompts, settings
        self.think_budget, self.deadline, self.progress = think_budget, deadline, progress

    def run(self, doc: Document) -> DocResult:
        """Summarise a document; an empty one gives an empty result without touching the model."""
        sents = segment(doc.text)
        self.written_in = detect(doc.text)  # the document's; lang is the answers'
        # By default the answers are in the document's language, if brief can name it.
        lang = self.settings.lang or (self.written_in if self.written_in in NAMES else "en")
        res = DocResult(language=lang, sentences=len(sents))
        if not sents:
            return res
        self.doc, self.sents, self.lang, self.language = doc, sents, lang, NAMES[lang]
        self.by_n = {s.n: s for s in sents}
        self.index = align.SentenceIndex(doc.text, sents)
        self.starts = [s.start for s in sents]
        cands = extract_figures(doc.text, chinese=self.written_in == "zh")
        res.candidates = len(cands)
        secs = sections(sents)
        # A figure repeated verbatim is asked about once, at its first mention.
        first_of: dict[str, FigureCandidate] = {}
        for c in cands:
            first_of.setdefault(c.text, c)
        mine = [[c for c in first_of.values() if sec[0].start <= c.start < sec[-1].end]
                for sec in secs]
        options = subject_options(doc.text)
        convs = [self._conversation(numbered(doc.text, sec)) for sec in secs]
        self._fit(max(len(c.prefix) for c in convs))
        res.sections = len(secs)
        targets = list(self.settings.targets)
        # Code picks the sentences that name a target (measured on the dev set: 3 of 4 stances
        # right, against 2 of 4 when the model picked them); the model only for a target no
        # sentence names, section by section. Headings assert nothing a stance can rest on.
        stated = [s for s in sents if not s.heading]
        chosen = {t: align.mentions(doc.text, stated, t, STANCE_MENTIONS) for t in targets}
        unnamed = [t for t in targets if not chosen[t]]
        # The model calls: those every document takes, a section search per target no sentence
        # names, a label per target (the subject's too, not known yet).
        fixed, asked = self._calls(secs, mine, options)
        self._plan(len(secs), fixed + asked * len(unnamed) + len(targets) + 1)
        per_section: list[list[Claim]] = []
        tails = 0  # sections that earned a claim from their tail: one call each
        for i, (sec, conv) in enumerate(zip(secs, convs)):
            # Claims of a section shown alone: with the whole document before it the 1.5B model
            # copied the document's first sentences for every section (measured on seed 000: 4
            # distinct claims from 8 sections, three from sentences 5-7, even after re-asks).
            claims, last = self._claims(conv, sec)
            per_section.append(claims)
            res.figures += self._figures(conv, sec, mine[i])
            if i == 0:
                subject = self._subject(conv, options)
                if subject and all(subject.lower() != t.lower() for t in targets):
                    targets.insert(0, subject)
                    chosen[subject] = align.mentions(doc.text, stated, subject, STANCE_MENTIONS)
                    unnamed = [t for t in targets if not chosen[t]]
            for target in unnamed:
                chosen[target] += self._stance_evidence(conv, sec, target)
            # Positional bias: a section's claims come mostly from its first sentences. Asked
            # last, in the section's conversation, so only the question is read. Opt-in: on the
            # seeds it covered 1 more of 31 gold claims (held-out) for 29 short calls.
            tail = tail_of(sec, last) if self.settings.more_claims else []
            tails += bool(tail)
            self._plan(len(secs), fixed + tails + asked * len(unnamed) + len(targets))
            if tail:
                per_section[-1] += self._tail_pick(conv, tail)
            res.stats += conv.stats
            add_thoughts(res.thoughts, conv.thoughts)
        res.claims = merge.claims([c for part in per_section for c in part])
        res.figures = merge.figures(res.figures)
        res.stance = [self._stance(t, chosen[t][:STANCE_MENTIONS], res) for t in targets]
        res.summary = summary(self, spread(per_section, res.claims), res)
        return res

    @staticmethod
    def _calls(secs: list[list[Sentence]], mine: list[list[FigureCandidate]],
               options: list[str]) -> tuple[int, int]:
        """The model calls a document takes whatever its targets (claims and figures per section,
        the subject, the summary), and the sections searched for a target no sentence names."""
        asked = sum(1 for sec in secs if any(not s.heading for s in sec))  # a heading has no claims
        figures = sum(-(-len(m) // FIGURES_PER_CALL) for m in mine)
        return asked + figures + (len(options) >= 2) + 1, asked

    def _plan(self, sections: int, calls: int) -> None:
        """Tell the reporter about how many model calls the document takes."""
        if self.progress:
            self.progress.plan(sections, calls)

    def _conversation(self, sentences: str) -> Conversation:
        document = self.prompts.render("document", sentences=sentences)
        return Conversation(self.engine, self.prompts.render("system"), document,
                            think_budget=self.think_budget, deadline=self.deadline,
                            on_task=self.progress.task if self.progress else None)

    def _fit(self, prefix: int) -> None:
        """Grow the context to hold a prefix of `prefix` tokens and the answers after it."""
        needed = prefix + OUTPUT_RESERVE
        if needed > self.engine.max_ctx:
            raise GenerationError(
                f"a context of {self.engine.max_ctx} tokens leaves no room for the document's "
                f"sections ({prefix} tokens with the instructions) and the answers "
                f"({OUTPUT_RESERVE}); use --max-context {-(-needed // 1024) * 1024} or more")
        self.engine.fit_context(needed)

    def _alone(self, sentences: str, res: DocResult, asking: Callable[[Conversation], T]) -> T:
        """`asking` in a conversation of its own, whose document part is `sentences`."""
        conv = self._conversation(sentences)
        self._fit(len(conv.prefix))
        answer = asking(conv)
        res.stats += conv.stats
        add_thoughts(res.thoughts, conv.thoughts)
        return answer

    def _sentences(self, ids) -> list[Sentence]:
        """The cited sentences: invalid numbers dropped, repeats removed, order kept."""
        return [self.by_n[n] for n in dict.fromkeys(ids) if n in self.by_n]

    def _evidence(self, sents: list[Sentence]) -> list[Evidence]:
        return [Evidence.of(self.doc.text, s.start, s.end) for s in sents]

    def _claims(self, conv: Conversation, sec: list[Sentence]) -> tuple[list[Claim], int]:
        """The section's claims, and the last sentence they restate."""
        if all(s.heading for s in sec):
            return [], 0
        # Exactly this many, not "at most": allowed fewer, the 1.5B model stopped after the
        # section's first or last sentence (seed 003, sentences 21-40: one claim, from [40]);
        # required, it reached the middle (claims-only trial on the five seeds: gold claims
        # covered by a claim's own text 10/31 -> 13/31). A forced claim that copies a heading, a
        # question or an aside is dropped below.
        return self._ask_claims(conv, sec, min(CLAIMS_PER_SECTION, sum(not s.heading for s in sec)))

    def _tail_pick(self, conv: Conversation, tail: list[Sentence]) -> list[Claim]:
        """The sentence of a section's tail that states its most important claim, as a claim:
        the model chooses it by number, code copies it (0.4.15 had the model write one claim of
        the tail shown alone: the same coverage for six times the prompt tokens)."""
        ids = [s.n for s in tail if not (s.heading or s.aside)]
        if not ids:
            return []
        task = self.prompts.render("claims_pick", first=ids[0], last=ids[-1])
        answer = conv.ask("claims_tail", task, schemas.fill("pick", SENTENCE_IDS=ids), max_tokens=24)
        source = self.by_n[answer["sentence"]]
        text = align.as_claim(source, self.index)
        kept, _ = kept_claim(text, self.index, tail, self.lang, self.written_in)
        return [Claim(text, self._evidence([source]))] if kept else []

    def _ask_claims(self, conv: Conversation, sec: list[Sentence], count: int) -> tuple[list[Claim], int]:
        """`count` claims of the sentences `sec`, and the last sentence they restate."""
        ids = [s.n for s in sec if not s.heading]
        schema = schemas.fill("claims", COUNT=count, SENTENCE_IDS=ids)
        limit = schema["properties"]["claims"]["items"]["properties"]["text"]["maxLength"]
        task = self.prompts.render("claims", first=ids[0], last=ids[-1], language=self.language,
                                   count=count)
        check = partial(claims_problem, index=self.index, sec=sec, lang=self.lang,
                        written_in=self.written_in)
        answer = conv.ask("claims", task, schema, check=check,
                          max_tokens=(limit * TOKENS_PER_CHAR + 40) * count + 20)
        out, last = [], 0
        for item in answer["claims"]:
            kept, source = kept_claim(item["text"].strip(), self.index, sec, self.lang,
                                      self.written_in)
            if not kept:
                continue
            text = align.completed(item["text"], source, self.index, limit)
            # A copy is grounded first in the sentence it copies, then in the section's sentences
            # the model cited for it.
            cited = self._sentences(([source.n] if source else []) + item["sentences"])
            # One that copies none must say what the sentences it cites say: seed 000's "AIは米国の
            # 世界支配をさらに推進する可能性は低い" cited "あるいは、生き残れる可能性は低い。" alone (a quarter
            # of its bigrams), a claim the document does not make.
            if source is None and cited and not align.supported(
                    text, "".join(s.text(self.doc.text) for s in cited), align.GROUNDED):
                continue
            if cited:
                out.append(Claim(text, self._evidence(cited)))
                # What a claim restates is the sentence it copies; its other citations stray. One
                # that copies no single sentence has only its citations: the last is taken, so a
                # stray one shortens the tail rather than asking again what the claim says.
                last = max(last, source.n if source else max(c.n for c in cited))
        return out, last

    def _figures(self, conv: Conversation, sec: list[Sentence],
                 mine: list[FigureCandidate]) -> list[KeyFigure]:
        """Which of the section's candidates (each figure at its first mention) are key."""
        out = []
        for i in range(0, len(mine), FIGURES_PER_CALL):
            batch = mine[i: i + FIGURES_PER_CALL]
            where = [self._at(c.start) for c in batch]
            # A heading has no number to point at; it is named as one instead.
            lines = [f"F{k}: {c.text} " + ("(in a heading)" if s.heading else f"[{s.n}]")
                     for k, (c, s) in enumerate(zip(batch, where), 1)]
            shown = [s.n for s in where if not s.heading] or visible(sec)
            task = self.prompts.render("figures", first=shown[0], last=shown[-1],
                                       candidates="\n".join(lines), language=self.language)
            # Spaced JSON: without the space the model wrote null where it had described a
            # figure (measured, version 0.4.4: 132 key figures of the five seeds became 119,
            # seed 002's 550万 among them); the space costs 1 token in 7 of this answer.
            answer = conv.ask("figures", task, schemas.figures_schema(len(batch)), spaced=True,
                              max_tokens=(40 * TOKENS_PER_CHAR + 12) * len(batch) + 20)
            echoes = echoed([b.text for b in batch], task)
            for k, c in enumerate(batch, 1):
                what = answer.get(f"F{k}")
                # A small model sometimes spells its null as a string.
                if isinstance(what, str) and what.strip().lower() not in NULL_WORDS:
                    out.append(KeyFigure(c, description(what, echoes)))
        return out

    def _at(self, offset: int) -> Sentence:
        """The sentence holding `offset` (a figure is shown with its number instead of its context)."""
        return self.sents[max(0, bisect_right(self.starts, offset) - 1)]

    def _subject(self, conv: Conversation, options: list[str]) -> Optional[str]:
        if len(options) < 2:
            return options[0] if options else None
        task = self.prompts.render("subject", options="\n".join(f"- {o}" for o in options))
        answer = conv.ask("subject", task, schemas.fill("subject", OPTIONS=options),
                          max_tokens=max(len(o) for o in options) * TOKENS_PER_CHAR + 20)
        return answer["subject"]

    def _stance_evidence(self, conv: Conversation, sec: list[Sentence], target: str) -> list[Sentence]:
        """The sentences of a section where the author shows a view of a target no sentence names."""
        ids = [s.n for s in sec if not s.heading]
        if not ids:
            return []
        schema = schemas.fill("stance", MAX_ITEMS=STANCE_EVIDENCE, SENTENCE_IDS=ids)
        task = self.prompts.render("stance_evidence", target=target, first=ids[0], last=ids[-1],
                                   max_items=STANCE_EVIDENCE)
        answer = conv.ask("stance_evidence", task, schema, max_tokens=8 * STANCE_EVIDENCE + 20)
        # Seed 004 never names export controls; the model cited a question and quotes about
        # DeepSeek for them, and the label read from those was "mixed" instead of neutral.
        return align.about(self.doc.text, self._sentences(answer["sentences"]), target,
                           self.written_in)

    def _stance(self, target: str, chosen: list[Sentence], res: DocResult) -> Stance:
        if not chosen:
            # No sentence is about the target: the author takes no side, a fact of code's. Asked
            # anyway (told the author does not address it), the 1.5B model answered mixed (0.44).
            return Stance(target, "neutral", 1.0, [])
        # Judged from the chosen sentences alone (they are what the label rests on), so no stance
        # call reads the document again.
        task = self.prompts.render("stance_label", target=target)
        scores = self._alone(numbered(self.doc.text, chosen), res,
                             lambda conv: conv.score("stance_label", task, list(POSITIONS)))
        position = max(scores, key=scores.get)
        return Stance(target, position, scores[position], self._evidence(chosen), scores)


def summarize(doc: Document, engine: Engine, prompts: Prompts, settings: RunSettings,
              think_budget: int = 0, progress=None) -> DocResult:
    """Run every task for one document within the settings' time limit; `progress` (a
    Reporter) hears the plan and each task done."""
    deadline = time.monotonic() + settings.timeout if settings.timeout else None
    return DocumentRun(engine, prompts, settings, think_budget, deadline, progress).run(doc)
