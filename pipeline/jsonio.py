"""JSON a user may have damaged, read with one error for every way it can be unreadable."""

from __future__ import annotations

import json
from typing import Any


def parse_json(text: str | bytes, **kwargs) -> Any:
    """json.loads; JSON nested deeper than Python's parser goes raises the ValueError other
    unreadable JSON does, not a RecursionError traceback."""
    try:
        return json.loads(text, **kwargs)
    except RecursionError:
        raise ValueError("nested too deeply") from None
