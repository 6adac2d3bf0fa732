"""The prompt files in prompts/: loading, rendering one task's text, and hashing them."""

from __future__ import annotations

import hashlib
import os
import re
import string
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .segment import LINE_BREAKS
from .types import Sentence

# Each prompt file and the placeholders brief fills in it; a literal brace is written {{ or }}.
FIELDS = {
    "system": set(),
    "document": {"sentences"},
    "claims": {"count", "first", "last", "language"},
    "claims_pick": {"first", "last"},
    "figures": {"candidates", "first", "last", "language"},
    "subject": {"options"},
    "stance_evidence": {"first", "last", "max_items", "target"},
    "stance_label": {"target"},
    "summary": {"language", "max_items", "min_items"},
    "summary_pick": {"max_items", "min_items"},
}
NAMES = tuple(FIELDS)


def prompts_dir() -> Path:
    """prompts/ of the project, or $BRIEF_PROMPTS_DIR to try other wording without editing it."""
    return Path(os.environ.get("BRIEF_PROMPTS_DIR") or Path(__file__).resolve().parent.parent / "prompts")


@dataclass(frozen=True)
class Prompts:
    """The prompt texts by name."""

    texts: dict[str, str]

    @classmethod
    def load(cls, directory: Path | None = None) -> "Prompts":
        """Read every prompt file; a missing one is a usage error naming it."""
        directory = directory or prompts_dir()
        texts = {}
        for name in NAMES:
            path = directory / f"{name}.txt"
            try:
                texts[name] = path.read_text(encoding="utf-8").strip("\n")
            except FileNotFoundError:
                where = ("BRIEF_PROMPTS_DIR points here: copy prompts/ into it, or unset it"
                         if os.environ.get("BRIEF_PROMPTS_DIR") else "restore it from the repository")
                raise UsageError(f"{path}: prompt file missing; {where}") from None
            _check_fields(path, texts[name], FIELDS[name])
        return cls(texts)

    def hashes(self) -> dict[str, str]:
        """sha256 of each prompt text, for provenance and cache keys."""
        return {n: hashlib.sha256(t.encode()).hexdigest() for n, t in self.texts.items()}

    def render(self, name: str, **values) -> str:
        """One prompt with its {placeholders} filled."""
        return self.texts[name].format(**values)

    def skeleton(self, name: str) -> str:
        """A prompt's fixed text: every placeholder left empty (what a reader must read of it)."""
        return self.render(name, **dict.fromkeys(FIELDS[name], ""))


def _check_fields(path: Path, text: str, allowed: set[str]) -> None:
    """Refuse a prompt whose braces brief could not fill (found at load, not mid-run)."""
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError as exc:
        raise UsageError(f"{path}: {exc}; write a literal brace as {{{{ or }}}}") from None
    unknown = sorted(fields - allowed)
    if unknown:
        known = ", ".join("{" + f + "}" for f in sorted(allowed)) or "none"
        raise UsageError(f"{path}: unknown placeholder {{{unknown[0]}}} (this file's placeholders: "
                         f"{known}); write a literal brace as {{{{ or }}}}")


_BREAK = re.compile(r"[ \t\u3000]*[" + LINE_BREAKS + r"]+[ \t\u3000]*")


def flat(body: str) -> str:
    """A sentence on one line: a break inside it (a soft-wrapped transcript) is a space between
    two ASCII characters and nothing next to Japanese."""
    def join(m: re.Match) -> str:
        before, after = body[m.start() - 1: m.start()], body[m.end(): m.end() + 1]
        return " " if before.isascii() and after.isascii() else ""
    return _BREAK.sub(join, body)


def numbered(text: str, sentences: list[Sentence]) -> str:
    """The document as the model sees it: one numbered sentence a line, headings as "## title"
    lines without a number. Numbered, the 1.5B model listed headings as claims (seed 003: 2 of its
    first section's 3 claims); unnumbered, it cited the sentences under them.

    A document that spells the fence itself must not close it early, so '</document>' inside the
    text is shown broken; offsets are unaffected because evidence is cut from the original text.
    """
    lines = []
    for s in sentences:
        body = flat(s.text(text)).replace("</document>", "</ document>")
        lines.append(f"## {body}" if s.heading else f"[{s.n}] {body}")
    return "\n".join(lines)
