"""The hand-written baseline `brief bench` compares against: llama-cpp-python alone, as a careful
user would write it (the performance issue defines it exactly)."""

from __future__ import annotations

import json
import os
import time

from . import models
from .documents import load_document
from .settings import DEFAULT_SEED
from .types import POSITIONS

DEFAULT_TARGETS = ["DeepSeek", "米国の対中半導体輸出規制"]
BASELINE_MAX_TOKENS = 1500
_ITEM = {"type": "object", "additionalProperties": False}
CLAIMS_SCHEMA = {"type": "object", "required": ["claims"], "properties": {"claims": {
    "type": "array", "items": {**_ITEM, "required": ["text", "quote"], "properties": {
        "text": {"type": "string"}, "quote": {"type": "string"}}}}}}
STANCE_SCHEMA = {"type": "object", "required": ["stance"], "properties": {"stance": {
    "type": "array", "items": {**_ITEM, "required": ["target", "position", "quote"], "properties": {
        "target": {"type": "string"}, "position": {"enum": list(POSITIONS)},
        "quote": {"type": "string"}}}}}}
FIGURES_SCHEMA = {"type": "object", "required": ["figures"], "properties": {"figures": {
    "type": "array", "items": {**_ITEM, "required": ["text", "value", "unit", "description"],
                               "properties": {"text": {"type": "string"}, "value": {"type": "number"},
                                              "unit": {"type": "string"},
                                              "description": {"type": "string"}}}}}}
CLAIMS_TASK = ("List the main claims the author makes in the document above. For each, give a "
               "one-sentence paraphrase as text and copy the sentence that states it, word for word "
               "from the document, as quote. Answer in JSON.")
STANCE_TASK = ("For each of these targets, give the author's position towards it (favor, against, "
               "neutral or mixed) and copy, word for word from the document, the sentence that shows "
               "it as quote. Targets: {targets}. Answer in JSON.")
FIGURES_TASK = ("List the key figures in the document above. For each, copy the figure exactly as "
                "written in the document as text, and give its numeric value, its unit and a short "
                "description of what it measures. Answer in JSON.")


def measure(args) -> dict:
    """What a careful user would write with llama-cpp-python alone: three JSON-schema chat calls
    per document, the whole document in each, the model copying quotes and figures itself."""
    max_tokens = int(os.environ.get("BRIEF_BENCH_MAX_TOKENS") or BASELINE_MAX_TOKENS)
    start = time.perf_counter()  # includes the load, as brief's wall time does
    from .engine import Engine

    engine = Engine(models.resolve(args.model), args.n_ctx, args.threads, DEFAULT_SEED)
    llm = engine.llm
    # Measurement, not a mock: generate() evaluates the prompt (after llama-cpp-python's prefix
    # reuse) in its first eval call and each sampled token in a call of its own.
    count = {"first": True, "prompt": 0}
    original = llm.eval

    def counting_eval(tokens):
        if count["first"]:
            count["prompt"] += len(tokens)
            count["first"] = False
        return original(tokens)

    llm.eval = counting_eval
    tasks = [("claims", CLAIMS_TASK, CLAIMS_SCHEMA),
             ("stance", STANCE_TASK.format(targets="; ".join(args.target or DEFAULT_TARGETS)),
              STANCE_SCHEMA),
             ("figures", FIGURES_TASK, FIGURES_SCHEMA)]
    calls = []
    for path in args.docs:
        doc = load_document(path)
        for name, task, schema in tasks:
            count["first"], before = True, count["prompt"]
            t = time.perf_counter()
            call = {"document": doc.id, "task": name}
            try:
                resp = llm.create_chat_completion(
                    messages=[{"role": "user", "content": f"{doc.text}\n\n{task}"}],
                    response_format={"type": "json_object", "schema": schema},
                    temperature=0, max_tokens=max_tokens)
            except (ValueError, RuntimeError) as exc:  # e.g. a document longer than the context
                call.update(error=str(exc), completion_tokens=0, parsed=False)
            else:
                text = resp["choices"][0]["message"]["content"] or ""
                call.update(completion_tokens=resp["usage"]["completion_tokens"],
                            prompt_length=resp["usage"]["prompt_tokens"],
                            finish_reason=resp["choices"][0]["finish_reason"], parsed=parses(text))
            call.update(prompt_evaluated=count["prompt"] - before, seconds=time.perf_counter() - t)
            calls.append(call)
    return {"wall_seconds": time.perf_counter() - start, "prompt_tokens": count["prompt"],
            "generated_tokens": sum(c["completion_tokens"] for c in calls), "think_tokens": 0,
            "calls": len(calls), "parsed": sum(c["parsed"] for c in calls),
            "errors": sum("error" in c for c in calls), "max_tokens": max_tokens,
            "per_call": calls, "model": model_id(engine.ref)}


def parses(text: str) -> bool:
    """Whether the answer is JSON at all (the baseline's answers often are not)."""
    try:
        json.loads(text)
        return True
    except ValueError:
        return False


def model_id(ref: models.ModelRef) -> dict:
    return {"name": ref.name, "sha256": ref.sha256}
