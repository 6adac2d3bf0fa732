"""RunSettings: every knob of a run in one object, passed along instead of a dozen parameters."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

from . import __version__
from .errors import UsageError

DEFAULT_SEED = 42
# The least --max-context: one section (~1,000 characters, ~1,000 tokens with the instructions)
# and the answers' summarize.OUTPUT_RESERVE (a test keeps them in step).
MIN_CONTEXT = 3072
MAX_TARGET_CHARS = 100  # a stance target is a name or a short phrase


def physical_cores() -> int:
    """Physical cores (not hyper-threads): llama.cpp is slower with more threads than cores."""
    try:
        pairs = set()
        cpu = core = None
        with open("/proc/cpuinfo", encoding="ascii", errors="ignore") as fh:
            for line in fh:
                if line.startswith("physical id"):
                    cpu = line.split(":")[1].strip()
                elif line.startswith("core id"):
                    core = line.split(":")[1].strip()
                    pairs.add((cpu, core))
        if pairs:
            return len(pairs)
    except OSError:
        pass
    return max(1, (os.cpu_count() or 2) // 2)


def env_threads() -> Optional[int]:
    """BRIEF_THREADS, when set: a whole number of threads, at least 1."""
    value = os.environ.get("BRIEF_THREADS", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise UsageError(f"BRIEF_THREADS={value}: not a whole number of threads (1 or more); "
                         "set it to e.g. 2, or unset it to use the physical cores")
    if int(value) > max_threads():
        raise UsageError(f"BRIEF_THREADS={value}: more threads than the {max_threads()} CPUs here "
                         f"(llama.cpp only slows down, or crashes); set it to {max_threads()} or less")
    return int(value)


def max_threads() -> int:
    """The most threads worth asking for: one per logical CPU."""
    return os.cpu_count() or 1


@dataclass
class RunSettings:
    """What a run does; the fields that change results are hashed into each document's cache key."""

    model: Optional[str] = None
    out: Path = Path("results")
    targets: list[str] = field(default_factory=list)
    lang: Optional[str] = None  # None: each document's own language
    seed: int = DEFAULT_SEED
    temperature: float = 0.0  # greedy: the same inputs give the same results
    max_context: int = 8192  # tokens at most; the context is sized for one section and its answers
    think_budget: Optional[int] = None  # None: the preset's default
    keep_thoughts: bool = False
    more_claims: bool = False  # one more claim a section: the sentence picked from its tail
    threads: int = field(default_factory=lambda: env_threads() or physical_cores())
    timeout: Optional[float] = None  # seconds per document
    force: bool = False
    quiet: bool = False
    log_json: bool = False
    keep_runs: int = 10

    def result_params(self) -> dict:
        """The parameters that shape a result (and so its cache key), nothing about logging."""
        return {"targets": list(self.targets), "lang": self.lang, "seed": self.seed,
                "temperature": self.temperature, "max_context": self.max_context,
                "think_budget": self.think_budget, "keep_thoughts": self.keep_thoughts,
                "more_claims": self.more_claims}

    def to_json(self) -> dict:
        data = asdict(self)
        data["out"] = str(self.out)
        return data


def cache_key(doc_sha256: str, model_sha256: str, prompt_hashes: dict, schema_hashes: dict,
              params: dict) -> str:
    """sha256 over everything a result depends on; any change reruns exactly the affected documents."""
    blob = json.dumps({"doc": doc_sha256, "model": model_sha256, "prompts": prompt_hashes,
                       "schemas": schema_hashes, "params": params, "tool": __version__},
                      sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


