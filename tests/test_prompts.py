"""The prompt files: examples they give the model must not come from the seed documents."""

import re
from pathlib import Path

from pipeline.prompts import NAMES, Prompts

ROOT = Path(__file__).resolve().parent.parent
JSON_WORDS = {"claims", "text", "sentences", "subject", "...", "what it measures"}


def examples(prompts: Prompts) -> list[str]:
    quoted = [q for n in NAMES for q in re.findall(r'"([^"{}<>]+)"', prompts.skeleton(n))]
    return [q for q in quoted if q not in JSON_WORDS and not re.fullmatch(r"F\d+", q)]


def test_no_prompt_example_comes_from_the_seeds():
    # A few-shot example taken from a seed would leak its answer into the dev and held-out runs:
    # neither the example nor any of its longer words may occur in a seed.
    seeds = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    found = examples(Prompts.load())
    assert found  # the figures task gives examples
    for example in found:
        assert example not in seeds, example
        assert not [w for w in example.split() if len(w) >= 4 and w in seeds], example


def test_headings_are_shown_without_a_number_and_wrapped_lines_joined():
    from pipeline.prompts import numbered
    from pipeline.segment import segment

    text = "2. アメリカ勢はまだ伸ばせる\n米企業は莫大な資本と\nGPUクラスターを抱えてる。\nこの\n企業は強い。"
    assert numbered(text, segment(text)) == (
        "## 2. アメリカ勢はまだ伸ばせる\n[2] 米企業は莫大な資本とGPUクラスターを抱えてる。\n[3] この企業は強い。")
