"""A key figure's description: the model's words, or none when they only repeat a number it
was shown or a phrase of its instructions."""

from __future__ import annotations

import re

from . import align


def echoed(numbers: list[str], task: str) -> set[str]:
    """What a description must not merely repeat, folded: the numbers the model was shown and the
    phrases its instructions quote (an example, the answer's placeholder)."""
    # The figures prompt's example "工場の従業員数" (a factory's headcount) was copied as the
    # description of seed 003's 7,000万ドル前後 and five more of its figures: 9 of the 132 key
    # figures of the five seeds (0.4.12 bench) were described with a fact no document states.
    return {_bare(t) for t in numbers + re.findall(r'"([^"]+)"', task)}


def _bare(text: str) -> str:
    return re.sub(r"\s", "", align.fold(text))


def description(what: str, echoes: set[str]) -> str:
    """The model's description of a key figure, or "" when it only repeats one of `echoes`
    (measured: the 1.5B model repeats the number for most figures of seed 003): a number is not
    a meaning."""
    what = what.strip()
    return "" if _bare(what) in echoes else what
