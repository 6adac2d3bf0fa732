"""Reasoning models: a free think phase under a budget, then the answer under the grammar."""

import json

import jsonschema
import pytest
from click.testing import CliRunner

from conftest import register_gguf
from pipeline import chat, schemas
from pipeline.cli import cli
from pipeline.engine import Engine
from pipeline.generate import Conversation
from pipeline.models import ModelRef, sha256_file

DOC = "[1] DeepSeekは安い。\n[2] 米国の輸出規制は効かなかった。"


@pytest.fixture
def thinker(tiny_gguf, models_home):
    ref = ModelRef("tiny-r", tiny_gguf, sha256_file(tiny_gguf), "path", "chatml", 4096, True)
    return Engine(ref, 4096, 1, 42)


def stance_schema():
    return schemas.fill("stance", MAX_ITEMS=2, SENTENCE_IDS=[1, 2])


def test_budget_is_enforced_and_brief_closes_the_block(thinker):
    conv = Conversation(thinker, "sys", DOC, think_budget=7)
    answer = conv.ask("stance_evidence", "Which sentences?", stance_schema(), 200)
    jsonschema.validate(answer, stance_schema())  # the grammar applied to the answer
    stats = conv.stats[0]
    assert stats.think_tokens == 7
    assert "stance_evidence" in conv.thoughts


def test_a_block_the_model_closes_early_ends_phase_one(thinker):
    conv = Conversation(thinker, "sys", DOC, think_budget=50)
    prompt = conv._prompt("Which sentences?")
    free = thinker.generate(prompt, None, 10, allow_end=False)
    # Treat the first new token the model writes after its opening as its </think>: phase 1 must
    # stop right there, long before the budget.
    k = next((i for i in range(1, len(free.ids)) if free.ids[i] not in free.ids[:i]), 0)
    thinker.think_close = free.ids[k]
    answer = conv.ask("stance_evidence", "Which sentences?", stance_schema(), 200)
    assert conv.stats[0].think_tokens == k + 1  # k thought tokens and the closing one
    assert conv.thoughts["stance_evidence"] == thinker.text(free.ids[:k])
    jsonschema.validate(answer, stance_schema())


def test_thought_may_be_free_text_while_the_answer_is_json(thinker):
    conv = Conversation(thinker, "sys", DOC, think_budget=30)
    conv.ask("stance_evidence", "Which sentences?", stance_schema(), 200)
    thought = conv.thoughts["stance_evidence"]
    with pytest.raises(ValueError):
        json.loads(thought)  # no grammar in phase 1


def test_thinking_disabled_pre_closes_an_empty_block():
    prefix, suffix = chat.deepseek_r1("sys", "doc", "task", False)
    assert suffix[-1] == ("<｜Assistant｜><think>\n\n</think>\n\n", True)
    prefix, suffix = chat.deepseek_r1("sys", "doc", "task", True)
    assert suffix[-1] == ("<｜Assistant｜><think>\n", True)


def test_think_then_answer_keeps_the_document_prefix_cached(thinker):
    conv = Conversation(thinker, "sys", DOC * 5, think_budget=5)
    conv.ask("stance_evidence", "Task A?", stance_schema(), 200)
    conv.ask("stance_evidence", "Task B, other words?", stance_schema(), 200)
    assert conv.stats[1].prompt_tokens < len(conv.prefix)  # task B did not re-read the document


def _reasoning_preset(models_home, tiny_gguf, monkeypatch):
    register_gguf(models_home, "tiny-r", tiny_gguf, chat_format="deepseek-r1", reasoning=True)
    monkeypatch.setenv("BRIEF_THREADS", "1")


def test_run_records_think_tokens_and_keeps_thoughts_only_when_asked(tiny_gguf, models_home,
                                                                     monkeypatch, tmp_path):
    _reasoning_preset(models_home, tiny_gguf, monkeypatch)
    doc = tmp_path / "d.txt"
    doc.write_text("DeepSeekは安い。米国の輸出規制は効かなかった。価格は3%下がった。\n", encoding="utf-8")
    for flags, out in (([], "a"), (["--keep-thoughts"], "b"), (["--think-budget", "0"], "c")):
        r = CliRunner().invoke(cli, ["run", str(doc), "--model", "tiny-r", "--out", str(tmp_path / out),
                                     "--think-budget", "4", *flags] if "--think-budget" not in flags
                               else ["run", str(doc), "--model", "tiny-r", "--out", str(tmp_path / out), *flags])
        assert r.exit_code == 0, r.output
    a, b, c = (json.loads((tmp_path / o / "d.json").read_text()) for o in "abc")
    assert "thoughts" not in a and "thoughts" in b
    # The budget holds per answer: a re-asked task thinks again.
    assert all(t["think_tokens"] <= 4 * (t["retries"] + 1) for t in a["provenance"]["tasks"])
    assert sum(t["think_tokens"] for t in a["provenance"]["tasks"]) > 0
    assert sum(t["think_tokens"] for t in c["provenance"]["tasks"]) == 0
    assert a["provenance"]["params"]["think_budget"] == 4


def test_kept_thoughts_hold_every_section_and_re_ask(tiny_gguf, models_home, monkeypatch, tmp_path):
    _reasoning_preset(models_home, tiny_gguf, monkeypatch)
    doc = tmp_path / "d.txt"
    doc.write_text("".join(f"DeepSeekの価格は{i}%下がった。\n" for i in range(1, 31)), encoding="utf-8")
    r = CliRunner().invoke(cli, ["run", str(doc), "--model", "tiny-r", "--out", str(tmp_path / "o"),
                                 "--think-budget", "4", "--keep-thoughts"])
    assert r.exit_code == 0, r.output
    result = json.loads((tmp_path / "o" / "d.json").read_text())
    answers = [t for t in result["provenance"]["tasks"] if t["generated_tokens"]]
    assert len([t for t in answers if t["task"] == "claims"]) >= 2  # two sections at least
    assert len(result["thoughts"]) == sum(t["retries"] + 1 for t in answers)
    assert "claims" in result["thoughts"] and "claims#2" in result["thoughts"]


def test_a_think_phase_that_may_not_end_takes_the_best_other_token(thinker):
    import numpy as np
    from tinymodel import ENDOFTEXT_ID, IM_END_ID

    logits = np.zeros(thinker.n_vocab, dtype=np.float32)
    logits[[IM_END_ID, ENDOFTEXT_ID]] = 9.0, 8.0  # both end the turn
    logits[[70, 66, 90]] = 5.0  # a tie: argmax's choice is the lowest id
    assert thinker._continuing(logits) == 66
    assert logits[IM_END_ID] == 9.0  # the model's own logits are left alone


def test_a_think_phase_where_every_token_ends_the_turn_fails_instead_of_looping(thinker, monkeypatch):
    import numpy as np

    from pipeline.errors import GenerationError

    monkeypatch.setattr(thinker, "is_eog", lambda token: True)
    with pytest.raises(GenerationError, match="every token ends the turn"):
        thinker._continuing(np.zeros(thinker.n_vocab, dtype=np.float32))


def test_keep_thoughts_on_a_model_that_does_not_think_leaves_results_current(tiny_model, tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("DeepSeek trained R1 cheaply.\n", encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(cli, ["run", str(doc), "--out", str(out), "--quiet"]).exit_code == 0
    r = runner.invoke(cli, ["run", str(doc), "--out", str(out), "--keep-thoughts"])
    assert r.exit_code == 0, r.output
    assert "0 written, 1 skipped" in r.output  # nothing to keep, so nothing to redo
