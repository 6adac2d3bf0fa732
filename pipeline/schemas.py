"""JSON Schemas: the task schemas the model answers under, the result schema, and validation.

Task schemas are templates: per document, code fills in the sentence numbers and candidate keys
that exist, so the grammar built from them cannot produce an id that does not.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable

import jsonschema

TASK_SCHEMAS = ("claims", "figures", "pick", "stance", "subject", "summary", "summary_pick")
# max_tokens sits above what each task's grammar can produce (maxLength characters at up to
# 4 UTF-8 bytes, one token per byte in the worst vocabulary), so only a runaway hits it.
TOKENS_PER_CHAR = 4
RESULT_SCHEMA = "result"


@lru_cache(maxsize=None)
def _raw(name: str) -> str:
    return resources.files("pipeline").joinpath("schemas", f"{name}.json").read_text(encoding="utf-8")


def load(name: str) -> dict:
    """A schema by name, as a fresh dict."""
    return json.loads(_raw(name))


def hashes() -> dict[str, str]:
    """sha256 of every schema file, for provenance and cache keys."""
    return {n: hashlib.sha256(_raw(n).encode()).hexdigest()
            for n in (*TASK_SCHEMAS, RESULT_SCHEMA)}


def fill(name: str, **values: Any) -> dict:
    """A task schema with its "$PLACEHOLDER" strings replaced by values (e.g. SENTENCE_IDS=[1, 2])."""

    def walk(node):
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str) and node.startswith("$") and node[1:] in values:
            return copy.deepcopy(values[node[1:]])
        return node

    schema = walk(load(name))
    schema.pop("title", None)
    return schema


def figures_schema(n: int) -> dict:
    """The key-figures task schema for n candidates: keys F1..Fn, each a description or null."""
    what = load("figures")["$defs"]["what"]
    keys = [f"F{i}" for i in range(1, n + 1)]
    return fill("figures", FIGURE_KEYS={k: what for k in keys}, FIGURE_KEY_NAMES=keys)


@lru_cache(maxsize=1)
def _result_validator() -> jsonschema.protocols.Validator:
    schema = load(RESULT_SCHEMA)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _path(parts: Iterable) -> str:
    out = "$"
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def type_errors(result: dict) -> list[str]:
    """The schema violations that are a wrong JSON type (an array where a list of claims goes, a
    number for a path): code reading a result steps around a missing field, not around these."""
    errors = _result_validator().iter_errors(result)
    return [f"{_path(e.absolute_path)}: {e.message}" for e in errors if e.validator == "type"]


def schema_errors(result: dict) -> list[str]:
    """Every JSON Schema violation of a result, as 'JSON path: message'."""
    errors = sorted(_result_validator().iter_errors(result), key=lambda e: list(e.absolute_path))
    return [f"{_path(e.absolute_path)}: {e.message}" for e in errors]


def _spans(result: dict):
    for i, claim in enumerate(result.get("claims", [])):
        for j, ev in enumerate(claim.get("evidence", [])):
            yield ("claims", i, "evidence", j), ev, "quote"
    for i, st in enumerate(result.get("stance", [])):
        for j, ev in enumerate(st.get("evidence", [])):
            yield ("stance", i, "evidence", j), ev, "quote"
    for i, fig in enumerate(result.get("key_figures", [])):
        yield ("key_figures", i), fig, "text"
    for i, s in enumerate(result.get("provenance", {}).get("summary_evidence", [])):
        for j, ev in enumerate(s.get("evidence", [])):
            yield ("provenance", "summary_evidence", i, "evidence", j), ev, "quote"


def invariant_errors(result: dict, text: str) -> list[str]:
    """Violations of the grounding rules: text[start:end] == quote for every span, and no repeats."""
    errors = []
    for parts, span, key in _spans(result):
        start, end = span.get("start"), span.get("end")
        ints = isinstance(start, int) and isinstance(end, int)
        # a start past the end of the text is outside it first, reversed only second
        if not (ints and 0 <= start <= len(text) and 0 <= end <= len(text)):
            errors.append(f"{_path(parts)}: offsets {start}..{end} outside the document "
                          f"(0..{len(text)}); rerun `brief run` to rewrite it")
        elif start >= end:
            what = "an empty" if start == end else "a reversed"
            errors.append(f"{_path(parts)}: offsets {start}..{end}: {what} span (start must be "
                          "below end); rerun `brief run` to rewrite it")
        elif text[start:end] != span.get(key):
            errors.append(f"{_path(parts)}: text[{start}:{end}] != {key} (evidence not verbatim)")
    seen = set()
    for i, fig in enumerate(result.get("key_figures", [])):
        key = (fig.get("start"), fig.get("end"))
        if key in seen:
            errors.append(f"{_path(('key_figures', i))}: duplicate figure at {key[0]}..{key[1]}")
        seen.add(key)
    if result.get("document", {}).get("chars") not in (None, len(text)):
        errors.append(f"$.document.chars: {result['document']['chars']} != {len(text)} characters in the source")
    return errors
