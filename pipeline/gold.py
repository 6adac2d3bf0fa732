"""A gold file for `brief eval`: its documents, checked enough that scoring cannot trip on them."""

from __future__ import annotations

import difflib
import json
import unicodedata
from pathlib import Path
from typing import Any

from .errors import UsageError
from .jsonio import parse_json
from .results import json_kind
from .types import POSITIONS


# The keys each part of a gold file may have; "_about"-style keys are comments, as in the shared
# files, which also list their "stance_targets" for the reader (scoring does not use it).
_GOLD_KEYS = {"file": ("docs", "stance_targets"), "document": ("figures", "claims", "stance"),
              "figure": ("id", "needles"), "claim": ("id", "keywords", "need"), "stance": ("accept",)}


class _Object(dict):
    """A JSON object that remembers the keys it was given more than once (a dict keeps the last)."""

    repeated: tuple = ()


def _object(pairs: list) -> _Object:
    obj = _Object(pairs)
    if len(obj) < len(pairs):
        seen: set = set()
        obj.repeated = tuple(k for k, _ in pairs if k in seen or seen.add(k))
    return obj


def load_gold(path: Path) -> dict[str, dict]:
    """The gold file's documents by id, checked enough that scoring cannot trip on its shape."""
    try:
        data = parse_json(Path(path).read_text(encoding="utf-8"), object_pairs_hook=_object)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the gold file ({exc.strerror}); check the path") from None
    except ValueError as exc:
        raise UsageError(f"{path}: gold file is not valid JSON ({exc}); fix or re-export it") from None
    if isinstance(data, dict):  # "doc" for "docs" gets its hint before "docs" is missed
        _known_keys(f"{path}:", data, "file")
    docs = data.get("docs") if isinstance(data, dict) else None
    if not isinstance(docs, dict):
        raise UsageError(f"{path}: gold file has no \"docs\" object keyed by document id")
    _once(f"{path}: docs", docs, "document", "merge the entries into one")
    if not docs:
        raise UsageError(f"{path}: \"docs\" names no documents; add an entry per result id "
                         "(see README, brief eval)")
    for doc_id, doc in docs.items():
        _check_gold_doc(f"{path}: docs.{doc_id}", doc)
    return docs


def _check_gold_doc(where: str, doc: Any) -> None:
    """UsageError at the first part of one gold document that is misspelled, mistyped, or that
    no output could ever match (it would count as a miss forever)."""
    _known_keys(where, doc, "document")
    for key, kind, want in (("figures", list, "a list"), ("claims", list, "a list"),
                            ("stance", dict, "an object keyed by target")):
        if key in doc and not isinstance(doc[key], kind):
            raise UsageError(f"{where}.{key}: a JSON {json_kind(doc[key])}, not {want}; fix it "
                             "or remove the key")
    if not any(doc.get(key) for key in _GOLD_KEYS["document"]):
        # It would count as a gold document with nothing in it to find.
        raise UsageError(f"{where}: nothing to score; give it figures, claims or stance, or remove it")
    for i, fig in enumerate(doc.get("figures", [])):
        _known_keys(f"{where}.figures[{i}]", fig, "figure")
        _string_id(f"{where}.figures[{i}]", fig)
        if not (strings(fig.get("needles")) and fig["needles"] and all(n.strip() for n in fig["needles"])):
            raise UsageError(f"{where}.figures[{i}]: needs \"needles\", a list of non-empty strings")
    for i, claim in enumerate(doc.get("claims", [])):
        _known_keys(f"{where}.claims[{i}]", claim, "claim")
        _string_id(f"{where}.claims[{i}]", claim)
        need = claim.get("need")
        if not (strings(claim.get("keywords")) and all(k.strip() for k in claim["keywords"])
                and type(need) is int and 1 <= need <= len(claim["keywords"])):
            raise UsageError(f"{where}.claims[{i}]: needs \"keywords\" (non-empty strings) and "
                             "\"need\" (an integer from 1 to the number of keywords)")
    _once(f"{where}.stance", doc.get("stance", {}), "target", "keep one")
    names = [norm_target(t) for t in doc.get("stance", {})]
    for target in doc.get("stance", {}):
        if names.count(norm_target(target)) > 1:  # scoring compares the names so: it would count twice
            raise UsageError(f"{where}.stance.{target}: the same target as another spelled "
                             "otherwise (names are compared case-folded, NFKC); keep one")
    for target, rule in doc.get("stance", {}).items():
        if not target.strip():
            # --target refuses an empty name, so no run could ever be asked about it.
            raise UsageError(f"{where}.stance: a target with an empty name ({json.dumps(target)}); "
                             "name it as given to --target, or remove it")
        _known_keys(f"{where}.stance.{target}", rule, "stance")
        if not (strings(rule.get("accept")) and rule["accept"] and set(rule["accept"]) <= set(POSITIONS)):
            raise UsageError(f"{where}.stance.{target}: needs \"accept\", a list of positions "
                             f"({', '.join(POSITIONS)})")


def _known_keys(where: str, obj: Any, part: str) -> None:
    """UsageError unless obj is an object whose keys are all known for that part of a gold file."""
    allowed = _GOLD_KEYS[part]
    if not isinstance(obj, dict):
        raise UsageError(f"{where}: a JSON {json_kind(obj)}, not a gold {part} object "
                         f"({', '.join(allowed)})")
    _once(where, obj, "key", "keep one")
    for key in obj:
        if key not in allowed and not key.startswith("_"):
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean \"{close[0]}\"?" if close else "remove it"
            raise UsageError(f"{_at(where, key)}: unknown key ({hint}); a gold {part} has "
                             f"{', '.join(allowed)}")


def _once(where: str, obj: Any, what: str, advice: str) -> None:
    """UsageError when a JSON object gave a key twice: json keeps the last and drops the first unseen."""
    for key in getattr(obj, "repeated", ()):
        raise UsageError(f"{_at(where, key)}: {what} given twice; {advice}")


def _at(where: str, key: str) -> str:
    """Where a key is: the file's own keys follow "path:", the others extend a JSON path."""
    return f"{where} {key}" if where.endswith(":") else f"{where}.{key}"


def norm_target(s: str) -> str:
    """A stance target name for comparison: NFKC, casefolded, stripped."""
    return unicodedata.normalize("NFKC", s).casefold().strip()


def _string_id(where: str, entry: dict) -> None:
    """UsageError unless an entry's optional "id", the name misses are listed by, is a string."""
    if "id" in entry and not isinstance(entry["id"], str):
        raise UsageError(f"{where}.id: a JSON {json_kind(entry['id'])}, not a string; fix it or "
                         "remove the key")


def strings(v: Any) -> bool:
    """Whether v is a list of strings."""
    return isinstance(v, list) and all(isinstance(s, str) for s in v)
