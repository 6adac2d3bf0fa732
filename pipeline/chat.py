"""Chat formats: how system, document and task text are wrapped in a model's control tokens.

A prompt is a list of segments (text, is_template). Template text may spell control tokens;
document and task text never may, so the engine tokenizes them without parsing special tokens.
The prefix (system + document) is identical for every task, which is what lets the KV cache of
the document be reused.
"""

from __future__ import annotations

from typing import Optional

from .errors import ModelError

Segments = list[tuple[str, bool]]
_DOC, _TASK = "\x00BRIEF-DOC\x00", "\x00BRIEF-TASK\x00"


def chatml(system: str, document: str, task: str, think: Optional[bool]) -> tuple[Segments, Segments]:
    """Qwen's ChatML."""
    prefix = [("<|im_start|>system\n", True), (system, False),
              ("<|im_end|>\n<|im_start|>user\n", True), (document, False)]
    suffix = [("\n\n" + task, False), ("<|im_end|>\n<|im_start|>assistant\n", True)]
    return prefix, suffix


def deepseek_r1(system: str, document: str, task: str, think: Optional[bool]) -> tuple[Segments, Segments]:
    """DeepSeek-R1-Distill: no system role (its authors advise instructions in the user turn),
    and the assistant turn opens with a think block; think=False pre-closes it empty."""
    prefix = [("<｜begin▁of▁sentence｜><｜User｜>", True), (system + "\n\n" + document, False)]
    opening = "<｜Assistant｜><think>\n" if think is not False else "<｜Assistant｜><think>\n\n</think>\n\n"
    suffix = [("\n\n" + task, False), (opening, True)]
    return prefix, suffix


FORMATS = {"chatml": chatml, "deepseek-r1": deepseek_r1}


def sandboxed_template(template: str):
    """A GGUF's embedded chat template, compiled in Jinja's immutable sandbox: it is untrusted code."""
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

    def raise_exception(message):
        raise ModelError(f"chat template error: {message}")

    env.globals["raise_exception"] = raise_exception
    return env.from_string(template)


def from_template(template: str, bos: str = "", eos: str = ""):
    """A format function from an embedded template: render once with markers, split around them."""
    compiled = sandboxed_template(template)
    try:
        rendered = compiled.render(
            messages=[{"role": "system", "content": "\x00SYS\x00"},
                      {"role": "user", "content": _DOC + _TASK}],
            add_generation_prompt=True, bos_token=bos, eos_token=eos)
    except ModelError:
        raise
    except Exception as exc:  # a sandbox violation or a broken template: refuse, do not guess
        raise ModelError(f"the model's embedded chat template cannot be used ({exc}); "
                         f"use a preset or a model with a standard template") from None
    if rendered.count(_DOC) != 1 or rendered.count(_TASK) != 1:
        raise ModelError("the model's embedded chat template drops the user message; use a preset")
    head, rest = rendered.split(_DOC)
    middle, tail = rest.split(_TASK)
    has_system = "\x00SYS\x00" in head

    def fmt(system: str, document: str, task: str, think: Optional[bool]) -> tuple[Segments, Segments]:
        if has_system:
            before, after = head.split("\x00SYS\x00")
            prefix = [(before, True), (system, False), (after, True), (document, False)]
        else:
            prefix = [(head, True), (system + "\n\n" + document, False)]
        return prefix, [(middle, True), ("\n\n" + task, False), (tail, True)]

    return fmt


def get_format(name: str, template: Optional[str] = None, bos: str = "", eos: str = ""):
    """The format function for a preset's format name, or for 'auto' the model's own template."""
    if name in FORMATS:
        return FORMATS[name]
    if name == "auto":
        return from_template(template, bos, eos) if template else chatml
    raise ModelError(f"unknown chat format {name!r}; known: {', '.join(FORMATS)}, auto")
