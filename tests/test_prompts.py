"""The prompt files: examples they give the model must not come from the seed documents."""

import re
from pathlib import Path

import pytest

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


def test_a_tasks_rules_join_the_shared_system_prompt_and_its_ask_follows_the_document(tmp_path):
    for name in NAMES:
        (tmp_path / f"{name}.txt").write_text("{sentences}" if name == "document" else name, encoding="utf-8")
    (tmp_path / "claims.txt").write_text('CLAIMS: answer {{"claims":[]}}.\n---\nTask CLAIMS: [{first}] to [{last}].',
                                         encoding="utf-8")
    p = Prompts.load(tmp_path)
    assert p.system() == 'system\nCLAIMS: answer {"claims":[]}.'
    assert p.render("claims", first=1, last=9) == "Task CLAIMS: [1] to [9]."
    assert p.rules("figures") == "" and p.render("figures") == "figures"
    assert p.skeleton("claims") == 'CLAIMS: answer {"claims":[]}.\nTask CLAIMS: [] to [].'


def test_a_placeholder_in_a_tasks_shared_rules_is_refused(tmp_path):
    from pipeline.errors import UsageError

    for name in NAMES:
        (tmp_path / f"{name}.txt").write_text("{sentences}" if name == "document" else name, encoding="utf-8")
    (tmp_path / "claims.txt").write_text("CLAIMS in {language}.\n---\nTask CLAIMS.", encoding="utf-8")
    with pytest.raises(UsageError) as exc:
        Prompts.load(tmp_path)
    assert str(exc.value) == (f"{tmp_path / 'claims.txt'}: unknown placeholder {{language}} (its rules "
                              "(above ---) are shared by every section: no placeholders); "
                              "write a literal brace as {{ or }}")
