"""The small data types that flow through the pipeline, in one place.

Offsets everywhere are code-point offsets into `Document.text` (the decoded text), half-open:
`text[start:end]` is the span.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

POSITIONS = ("favor", "against", "neutral", "mixed")


@dataclass(frozen=True)
class Document:
    """A decoded input file. `sha256` is over the raw bytes, so it changes when the file does."""

    id: str
    path: Path
    text: str
    sha256: str
    encoding: str
    kind: str = "text"  # text | markdown | html

    @property
    def chars(self) -> int:
        return len(self.text)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document; `n` is the 1-based number the model sees and cites."""

    n: int
    start: int
    end: int
    # A title, list label, question or bare URL (segment.is_heading): shown to the model without
    # a number, so it can neither cite it nor take it for a claim.
    heading: bool = False
    # A greeting, thanks or request to the audience (segment.is_aside): cited, never a claim.
    aside: bool = False

    def text(self, doc_text: str) -> str:
        return doc_text[self.start:self.end]


@dataclass(frozen=True)
class Evidence:
    """A verbatim span of the document: always built by code, so `text[start:end] == quote`."""

    quote: str
    start: int
    end: int

    @classmethod
    def of(cls, text: str, start: int, end: int) -> "Evidence":
        return cls(text[start:end], start, end)

    def to_json(self) -> dict:
        return {"quote": self.quote, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class FigureCandidate:
    """A numeric expression found by code: the model may pick it, never invent or edit it.

    `value` is the normalised number (5000億ドル -> 500000000000.0), `unit` a canonical unit
    (see figures.py). A range keeps its low end in `value` and its high end in `value_max`.
    """

    start: int
    end: int
    text: str
    value: Optional[float]
    unit: str
    value_max: Optional[float] = None
    approximate: bool = False


@dataclass
class Claim:
    """A claim the document makes, with the sentences that support it."""

    text: str
    evidence: list[Evidence]

    def to_json(self) -> dict:
        return {"text": self.text, "evidence": [e.to_json() for e in self.evidence]}


@dataclass
class Stance:
    """The author's position toward one target; confidence comes from label probabilities."""

    target: str
    position: str
    confidence: float
    evidence: list[Evidence]
    scores: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "target": self.target,
            "position": self.position,
            "confidence": round(self.confidence, 4),
            "evidence": [e.to_json() for e in self.evidence],
        }


@dataclass
class KeyFigure:
    """A chosen figure candidate and what the model says it measures."""

    figure: FigureCandidate
    description: str

    def to_json(self) -> dict:
        f = self.figure
        out = {"text": f.text, "value": f.value, "unit": f.unit,
               "description": self.description, "start": f.start, "end": f.end}
        if f.value_max is not None:
            out["value_max"] = f.value_max
        if f.approximate:
            out["approximate"] = True
        return out


@dataclass
class TaskStats:
    """What one task cost: tokens evaluated for the prompt, generated, thought, and seconds."""

    task: str
    prompt_tokens: int = 0
    generated_tokens: int = 0
    think_tokens: int = 0
    retries: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict:
        return {"task": self.task, "prompt_tokens": self.prompt_tokens,
                "generated_tokens": self.generated_tokens, "think_tokens": self.think_tokens,
                "retries": self.retries, "seconds": round(self.seconds, 3)}
