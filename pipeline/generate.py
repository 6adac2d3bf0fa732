"""One task on a loaded model: build the prompt after the shared document prefix, think (for
reasoning models), answer under the task schema's grammar, validate, and re-ask on failure."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import jsonschema

from .engine import Engine
from .errors import GenerationError
from .types import TaskStats

THINK_CLOSE = "\n</think>\n\n"
Check = Callable[[dict], Optional[str]]  # returns a problem to re-ask with, or None


@dataclass
class Conversation:
    """A prefix (system + sentences of a document) and the tasks asked after it."""

    engine: Engine
    system: str
    document: str
    think_budget: int = 0
    deadline: Optional[float] = None
    retries: int = 1
    on_task: Optional[Callable[[str], None]] = None  # progress: called after each task
    stats: list[TaskStats] = field(default_factory=list)
    thoughts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        prefix, _ = self._format("")
        self.prefix = self.engine.tokenize(prefix)

    @property
    def thinking(self) -> bool:
        return self.engine.ref.reasoning and self.think_budget > 0

    def _format(self, task: str):
        think = self.thinking if self.engine.ref.reasoning else None
        return self.engine.format(self.system, self.document, task, think)

    def _prompt(self, task: str) -> list[int]:
        _, suffix = self._format(task)
        return self.prefix + self.engine.tokenize(suffix)

    def ask(self, name: str, task: str, schema: dict, max_tokens: int,
            check: Optional[Check] = None, spaced: bool = False) -> dict:
        """The model's answer to one task as a dict valid against `schema` (JSON without
        whitespace between tokens unless `spaced`)."""
        stats = TaskStats(name)
        self.stats.append(stats)
        start = time.monotonic()
        problem = None
        try:
            for attempt in range(self.retries + 1):
                stats.retries = attempt
                text = task if problem is None else (
                    f"{task}\nYour previous answer was rejected: {problem}. Answer again, correctly.")
                answer, problem = self._attempt(name, text, schema, max_tokens, stats, spaced)
                if problem is None and check is not None:
                    problem = check(answer)
                if problem is None:
                    return answer
            if answer is not None and check is not None:
                return answer  # valid JSON whose content the check disliked twice: the caller filters
            raise GenerationError(f"task {name}: {problem}")
        finally:
            stats.seconds = time.monotonic() - start
            if self.on_task:
                self.on_task(name)

    def _attempt(self, name: str, task: str, schema: dict, max_tokens: int, stats: TaskStats,
                 spaced: bool = False):
        prompt = self._prompt(task)
        if self.thinking:
            prompt = self._think(name, prompt, stats)
        gen = self.engine.generate(prompt, self.engine.gbnf(schema, spaced), max_tokens,
                                   self.deadline)
        stats.prompt_tokens += gen.prompt_tokens
        stats.generated_tokens += len(gen.ids)
        if gen.finish_reason == "length":
            return None, f"the answer was cut off after {max_tokens} tokens; answer more briefly"
        try:
            answer = json.loads(gen.text)
            jsonschema.validate(answer, schema)
        except (ValueError, jsonschema.ValidationError) as exc:
            msg = exc.message if isinstance(exc, jsonschema.ValidationError) else str(exc)
            return None, f"invalid JSON ({msg})"
        return answer, None

    def _think(self, name: str, prompt: list[int], stats: TaskStats) -> list[int]:
        """Phase 1 for reasoning models: free text until </think> or the budget; brief closes it."""
        eng = self.engine
        gen = eng.generate(prompt, None, self.think_budget, self.deadline,
                           stop_token=eng.think_close, allow_end=False)
        stats.prompt_tokens += gen.prompt_tokens
        stats.think_tokens += len(gen.ids)
        ids = gen.ids
        if ids and ids[-1] == eng.think_close:
            ids = ids[:-1]
        add_thoughts(self.thoughts, {name: eng.text(ids)})
        # The answer follows the last </think>, whoever closed the block.
        return prompt + ids + eng.tokenize([(THINK_CLOSE, True)])

    def score(self, name: str, task: str, options: list[str]) -> dict[str, float]:
        """Probabilities of one-word answers, read from the model's next-token distribution."""
        import math

        stats = TaskStats(name)
        self.stats.append(stats)
        start = time.monotonic()
        prompt = self._prompt(task)
        if self.thinking:  # a label is read without thinking: pre-close the block
            prompt = prompt + self.engine.tokenize([(THINK_CLOSE, True)])
        ids = [self.engine.tokenize([(o, False)]) for o in options]
        if len({i[0] for i in ids}) != len(ids):
            raise GenerationError(f"task {name}: options {options} share a first token")
        logps, evaluated = self.engine.score(prompt, ids, self.deadline)
        stats.prompt_tokens += evaluated
        stats.seconds = time.monotonic() - start
        if self.on_task:
            self.on_task(name)
        top = max(logps)
        weights = [math.exp(lp - top) for lp in logps]
        total = sum(weights)
        return {o: w / total for o, w in zip(options, weights)}


def add_thoughts(into: dict[str, str], new: dict[str, str]) -> None:
    """Add think blocks by task name; a task asked again (another section, a re-ask) is kept as
    name#2, name#3, …, so no thought overwrites another."""
    for given, text in new.items():
        name = given.split("#")[0]
        key, k = name, 1
        while key in into:
            k += 1
            key = f"{name}#{k}"
        into[key] = text
