"""Getting a preset from the Hugging Face Hub, with the expected sha256 from the Hub's LFS metadata.

`HF_ENDPOINT` points huggingface_hub elsewhere (the tests use a local server); `HF_HUB_OFFLINE=1`
forbids the network and gives the one-line "not present" error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Optional

from .errors import ModelError


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")


def _unavailable(preset, why: str) -> ModelError:
    return ModelError(f"model {preset.name} is not present and cannot be downloaded ({why}): run "
                      f"`brief models pull {preset.name}` where the Hugging Face Hub is reachable, "
                      f"or put {preset.file} in models/")


def expected_sha256(api, preset, revision: str) -> tuple[Optional[str], Optional[int]]:
    """The LFS sha256 and size the Hub publishes for the preset's file at a revision."""
    infos = api.get_paths_info(preset.repo, [preset.file], revision=revision)
    for info in infos:
        lfs = getattr(info, "lfs", None)
        if getattr(info, "path", None) == preset.file and lfs is not None:
            return lfs.sha256, lfs.size
    return None, None


def pull_from_hub(preset, directory: Path, progress: Optional[Callable] = None):
    """Download a preset's file into `directory`: (path, sha256, record for verified.json)."""
    if _offline():
        raise _unavailable(preset, "HF_HUB_OFFLINE is set")
    from huggingface_hub import HfApi, hf_hub_download

    from .models import Verified, sha256_file

    pinned = (Verified().by_preset(preset.name) or {}).get("revision")
    revision = pinned or preset.revision
    endpoint = os.environ.get("HF_ENDPOINT") or None
    api = HfApi(endpoint=endpoint)
    try:
        expected, size = preset.sha256, preset.size
        if not expected:
            expected, size = expected_sha256(api, preset, revision)
        if not expected:
            raise ModelError(f"model {preset.name}: the Hub gives no sha256 for {preset.file}; "
                             f"refusing to use an unverifiable file")
        commit = api.model_info(preset.repo, revision=revision).sha if len(revision) != 40 else revision
        path = Path(hf_hub_download(preset.repo, preset.file, revision=commit or revision,
                                    local_dir=directory, endpoint=endpoint))
    except ModelError:
        raise
    except Exception as exc:  # connection refused, DNS, 404, offline cache miss: all the same to a user
        raise _unavailable(preset, f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:200]) from None
    sha = sha256_file(path, progress)
    if sha != expected:
        path.unlink(missing_ok=True)
        raise ModelError(f"{preset.file} from the Hub has sha256 {sha[:12]}…, the Hub's metadata says "
                         f"{expected[:12]}…: refused and deleted; run `brief models pull {preset.name}` again")
    if size and path.stat().st_size != size:
        path.unlink(missing_ok=True)
        raise ModelError(f"{preset.file}: {path.stat().st_size} bytes, the Hub says {size}: refused")
    return path, sha, {"expected": expected, "revision": commit or revision, "repo": preset.repo}
