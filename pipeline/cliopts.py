"""What brief's options and arguments accept, checked before any command runs: an empty,
overlong or non-finite value is a usage error naming the option, not a failure later."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click

from .settings import MAX_TARGET_CHARS


class OutPath(click.Path):
    """A path to write to; empty is a usage error, not the current folder (Path('') is '.')."""

    def __init__(self, what: str = "folder"):
        super().__init__(path_type=Path)
        self.what = what

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value:
            self.fail(f"cannot be empty; name a {self.what}"
                      + (" (. for the current one)" if self.what == "folder" else ""), param, ctx)
        return super().convert(value, param, ctx)


def model_name(ctx, param, value):
    """An empty --model is a usage error; an empty or blank BRIEF_MODEL counts as unset."""
    if value is None or value.strip():
        return value
    if ctx.get_parameter_source(param.name) == click.core.ParameterSource.ENVIRONMENT:
        return None
    raise click.BadParameter("cannot be empty; name a preset (brief models list) or a .gguf file")


def seconds(ctx, param, value):
    """FloatRange lets nan through (it compares false) and inf means no limit: both are refused."""
    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"{value} is not a number of seconds; give a finite limit, e.g. 600")
    return value


def targets(ctx, param, values) -> tuple[str, ...]:
    """Targets stripped, each once; an empty or overlong one is a usage error before any model
    loads (a long one would fail every document with a context error instead)."""
    targets = tuple(dict.fromkeys(v.strip() for v in values))
    if "" in targets:
        raise click.BadParameter("a target cannot be empty; name what the stance is about")
    long = next((t for t in targets if len(t) > MAX_TARGET_CHARS), None)
    if long is not None:
        raise click.BadParameter(f"a target of {len(long)} characters; name what the stance is "
                                 f"about in at most {MAX_TARGET_CHARS} (a name or a short phrase)")
    return targets


def paths(ctx, param, values) -> tuple[Path, ...]:
    """An empty PATH is a usage error, not the current folder: `brief run "$DIR"` with DIR unset
    would summarise whatever folder cron starts in."""
    if any(not v for v in values):
        raise click.BadParameter("cannot be empty; name a file or folder (. for the current one)")
    return tuple(Path(v) for v in values)


def preset_name(ctx, param, value):
    """An empty NAME is a usage error, not the default preset."""
    if value is not None and not value.strip():
        raise click.BadParameter("cannot be empty; name a preset (brief models list) or a .gguf "
                                 "file, or leave it out for the default")
    return value


def progress_cb(label: str):
    """A byte-progress callback that draws a tqdm bar on a terminal and nothing elsewhere."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    bar = {}

    def cb(done: int, total: int):
        if "b" not in bar:
            bar["b"] = tqdm(total=total, unit="B", unit_scale=True, desc=label, file=sys.stderr)
        bar["b"].update(done - bar["b"].n)
        if done >= total:
            bar["b"].close()

    return cb
