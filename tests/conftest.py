"""Shared fixtures: an isolated models folder, and the tiny GGUF model the suite builds itself."""

import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def models_home(tmp_path, monkeypatch):
    """A private models/ with the real registry, so tests never touch the project's models/."""
    home = tmp_path / "models"
    home.mkdir()
    shutil.copy(ROOT / "models" / "registry.json", home / "registry.json")
    monkeypatch.setenv("BRIEF_MODELS_DIR", str(home))
    return home


def add_preset(home: Path, name: str, **spec) -> None:
    """Add a preset to a test registry."""
    path = home / "registry.json"
    data = json.loads(path.read_text())
    data["presets"][name] = spec
    path.write_text(json.dumps(data))


def register_gguf(home: Path, name: str, gguf: Path, **spec) -> None:
    """Copy a GGUF into a test models/ and register it as a preset with its real sha256."""
    from pipeline.models import sha256_file

    target = home / f"{name}.gguf"
    shutil.copy(gguf, target)
    fields = dict(source="package-index", file=target.name, size=target.stat().st_size,
                  sha256=sha256_file(target), chat_format="chatml", context_length=8192,
                  reasoning=False,
                  packages={"name": "none", "version": "0", "count": 0, "module": "none", "member": ""})
    add_preset(home, name, **{**fields, **spec})


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory):
    """A random-weight qwen2 GGUF with a byte-level vocabulary: real llama.cpp, nonsense text."""
    from tinymodel import build_tiny_gguf

    return build_tiny_gguf(tmp_path_factory.mktemp("tiny") / "tiny.gguf")


@pytest.fixture
def tiny_model(tiny_gguf, models_home, monkeypatch):
    """The tiny model registered as a preset (so the sha256 path is exercised) and made the default."""
    register_gguf(models_home, "tiny", tiny_gguf)
    monkeypatch.setenv("BRIEF_MODEL", "tiny")
    # One thread: the tiny model is faster single-threaded, and OpenMP threads spin-wait, which
    # starves everything else on a 2-core machine.
    monkeypatch.setenv("BRIEF_THREADS", "1")
    return "tiny"


def validate_dir(directory: Path) -> list[str]:
    """Every violation in a results folder, one line each, as `brief validate` prints them."""
    from pipeline.results import file_problems, result_files

    assert directory.is_dir(), f"{directory}: no such results folder"
    files, _ = result_files(directory)
    return [problem for path in files for problem in file_problems(path)]
