"""The code-side choices of the summarising stage: sections, subject options, stance mentions."""

import json

import pytest
from click.testing import CliRunner

from pipeline.align import about, mentions, supported
from pipeline.cli import cli
from pipeline.language import NAMES
from pipeline.prompts import Prompts
from pipeline.segment import segment
from pipeline.names import subject_options
from pipeline.sections import SECTION_CHARS, SECTION_SENTENCES, TAIL_SENTENCES, sections, spread, tail_of
from pipeline.describe import description, echoed

TEXT = ("米国は半導体の輸出規制を強化した。今日は晴れだった。DeepSeekは安いモデルを出した。"
        "筆者は対中規制が逆効果だと考える。deepseek の価格は3%に過ぎない。中国の輸出は伸びた。")


def test_mentions_find_the_sentences_naming_a_target():
    sents = segment(TEXT)
    names = lambda found: [s.text(TEXT) for s in found]  # noqa: E731
    assert names(mentions(TEXT, sents, "DeepSeek", 6)) == [
        "DeepSeekは安いモデルを出した。", "deepseek の価格は3%に過ぎない。"]
    # A third of the target's character bigrams, particles aside: 半導体の輸出規制 qualifies
    # (0.6), 輸出 alone (中国の輸出は伸びた) does not.
    assert names(mentions(TEXT, sents, "米国の対中半導体輸出規制", 6)) == ["米国は半導体の輸出規制を強化した。"]
    assert mentions(TEXT, sents, "量子コンピュータ", 6) == []


def test_the_models_picks_for_an_unnamed_target_must_touch_it():
    text = "チップの輸出規制が広がった。なぜ話題なのか。米国の企業は驚いた。DeepSeekは安い。"
    sents = segment(text)
    names = lambda found: [s.text(text) for s in found]  # noqa: E731
    target = "米国の対中半導体輸出規制"
    assert mentions(text, sents, target, 6) == []  # 輸出規制 alone holds 0.3 of it: not named
    # ...but a sentence with a shorter name is about it; a question, or 米国 alone (0.1), is not.
    assert names(about(text, sents, target, "ja")) == ["チップの輸出規制が広がった。"]
    assert about(text, sents[1:], target, "ja") == []
    # A target in another language may be named in translation: the model's picks stand.
    assert about(text, sents[1:], "US export controls", "ja") == sents[1:]


def test_english_targets_are_named_by_their_words():
    text = ("Cheaper training means that more companies can build their own models. Export "
            "controls were meant to slow this. The control room was quiet. China's export "
            "controls on gallium tightened.")
    sents = segment(text)
    names = lambda found: [s.n for s in found]  # noqa: E731
    # "Cheaper training means …" holds 6 of the 14 bigrams of "export controls", but no word.
    assert names(mentions(text, sents, "export controls", 6)) == [2, 4]
    assert names(mentions(text, sents, "US export controls", 6)) == [2, 4]  # two of three words
    assert names(mentions(text, sents, "export controls on China", 6)) == [2, 4]
    assert names(about(text, sents, "US export controls", "en")) == [2, 3, 4]


def test_english_is_matched_by_words_with_curly_quotes_and_possessives():
    text = ("Cheaper training means more companies can build models — and it’s cheap. "
            "DeepSeek’s model is cheap. Nvidia's shares dropped. China’s export controls bit.")
    sents = segment(text)
    assert [s.n for s in mentions(text, sents, "export controls", 6)] == [4]
    # "'s" is no word: a possessive does not touch "China's export controls"
    assert [s.n for s in about(text, sents, "China's export controls", "en")] == [4]
    assert supported("China’s export controls bit hard.", "[4] China's export controls bit hard")


def test_mentions_spread_over_the_document():
    text = "".join(f"DeepSeekの話{i}。関係ない文{i}。" for i in range(1, 8))
    sents = segment(text)
    assert [s.n for s in mentions(text, sents, "DeepSeek", 3)] == [1, 7, 13]  # first, middle, last
    assert [s.n for s in mentions(text, sents, "DeepSeek", 4)] == [1, 5, 9, 13]
    assert [s.n for s in mentions(text, sents, "DeepSeek", 1)] == [1]
    assert len(mentions(text, sents, "DeepSeek", 10)) == 7  # fewer than the limit: every one


def test_sections_bound_sentences_and_characters():
    text = "".join(f"文{i}です。" for i in range(1, 60))
    secs = sections(segment(text))
    assert all(len(sec) <= SECTION_SENTENCES for sec in secs)
    assert [s.n for sec in secs for s in sec] == list(range(1, 60))  # every sentence once, in order
    long = "".join(f"これは{i}番目の長めの文で、説明がしばらく続いていくのである。" for i in range(80))
    secs = sections(segment(long))
    assert len(secs) > 1
    assert all(sec[-1].end - sec[0].start <= SECTION_CHARS for sec in secs)


def test_subject_options_are_repeated_names():
    text = "DeepSeekとOpenAIの話。DeepSeekは安い。OpenAIは高い。Nvidiaは一度だけ。エヌビディアとエヌビディア。"
    assert subject_options(text) == ["DeepSeek", "OpenAI", "エヌビディア"]


def test_a_name_with_accented_letters_is_whole():
    # Nestlé was cut to "Nestl" and São Paulo to "Paulo"; a lower-case letter of Latin Extended
    # starts no name.
    text = ("Nestlé announced a deal. Nestlé said so. Société Générale gained. Société Générale "
            "lost. São Paulo grew. São Paulo shrank. őszi idő, őszi eső.")
    assert subject_options(text) == ["Nestlé", "Société Générale", "São Paulo"]


def test_a_capitalised_word_that_opens_sentences_is_no_subject():
    text = ("The lab says so. The critics disagree. Users like it; the users do. However, it "
            "rained. However, it stopped. The DeepSeek model is cheap, and DeepSeek says why. "
            "Nvidia sells chips. Nvidia also sells boards.")
    # "The" and "However" open sentences; "Users" is also written "users"; Nvidia, though only
    # ever at a sentence's start, is a name.
    assert subject_options(text) == ["DeepSeek", "Nvidia"]


@pytest.mark.parametrize("text,first,never", [
    # An English essay with no name it repeats: two words, or one of five letters or more, with
    # no function word; a word is left out for the pair holding it (utility, water utility).
    ("The council will sell the water utility. I think the sale of the water utility is a "
     "mistake. The council should keep it. A utility is no business.", "water utility",
     {"the council", "utility", "should keep"}),
    # One word of five letters or more, where no two repeat together.
    ("Tariffs raise prices. Higher tariffs hurt buyers. Tariffs are taxes.", "Tariffs", {"are"}),
    # French: no article or preposition opens a phrase (Le télétravail, réforme des).
    ("Le télétravail progresse. Le télétravail divise les entreprises. La réforme des retraites "
     "attend; la réforme des retraites aussi.", "télétravail", {"Le télétravail", "réforme des"}),
    # A function character may stand inside a word (以色列), not at its edge (在北京).
    ("以色列宣布停火。以色列和邻国谈判。他在北京。他在北京。", "以色列", {"在北京", "色列"}),
    # Chinese: the longest repeated run of Han characters, not its parts (型模型, 小型), nor an
    # adverb (已经) or a numeral (二十).
    ("小型模型已经能在电脑上运行。小型模型的优点很明显，每月二十元。大型模型已经更强，每月二十元。",
     "小型模型", {"型模型", "小型", "已经", "二十"}),
    # Korean: two nouns, the first without a particle (동네 서점, not 제도 대한), or one without
    # its particle (제도), not a predicate (있다).
    ("동네 서점은 줄었다. 동네 서점이 살아남는 방법이 있다. 서점을 지키려면 제도에 대한 지원이 있다. "
     "제도에 대한 논의.", "동네 서점", {"있다", "제도 대한", "대한", "제"}),
])
def test_a_document_that_repeats_no_name_offers_the_phrases_it_repeats(text, first, never):
    options = subject_options(text)
    assert options[0] == first and not never & set(options), options
    assert all(o in text for o in options)  # the stance looks for the sentences naming it



def test_a_prompt_skeleton_is_its_fixed_text_without_data():
    # The bench counts each task's instructions once per document: the skeleton, data left out.
    p = Prompts.load()
    skeleton = p.skeleton("figures")
    assert "Answer with JSON only" in skeleton and '{"F1"' in skeleton
    assert not any(f"{{{name}}}" in skeleton for name in ("first", "last", "candidates", "language"))
    full = p.render("figures", first=3, last=9, candidates="F1: 3% [3]", language="Japanese")
    assert len(skeleton) < len(full) and "3%" not in skeleton and "Japanese" not in skeleton


def test_a_description_that_only_repeats_a_shown_number_is_dropped():
    shown = echoed(["2~3割", "7,000万ドル前後", "3つ"], "")
    assert description("2~3割", shown) == ""
    assert description(" ７,０００万ドル前後 ", shown) == ""  # full-width and spaces: the same number
    assert description("3つ", shown) == ""  # another candidate's number is no meaning either
    assert description("訓練コストの削減幅", shown) == "訓練コストの削減幅"
    assert description("  GPU の台数 ", shown) == "GPU の台数"


def test_a_description_that_copies_its_instructions_is_dropped():
    task = Prompts.load().render("figures", first=1, last=9, candidates="F1: 2~3割 [3]", language="Japanese")
    assert description("工場の従業員数", echoed(["2~3割"], task)) == ""  # the prompt's example, no fact of the document
    assert description("Price of a train ticket", echoed(["2~3割"], task)) == ""
    assert description("what it measures", echoed(["2~3割"], task)) == ""  # the answer's placeholder
    assert description("学習コストの削減幅", echoed(["2~3割"], task)) == "学習コストの削減幅"


def _claim(text, start):
    from pipeline.types import Claim, Evidence

    return Claim(text, [Evidence(text, start, start + len(text))])


def test_the_summary_is_written_from_first_claims_spread_over_the_document():
    parts = [[_claim(f"s{i}c{r}", i * 100 + r) for r in range(3)] for i in range(8)]
    picked = spread(parts, [c for p in parts for c in p])
    assert [c.text for c in picked] == ["s0c0", "s2c0", "s4c0", "s5c0", "s7c0"]  # first to last
    few = [[_claim("a0", 0), _claim("a1", 5)], [_claim("b0", 100), _claim("b1", 105)]]
    picked = spread(few, [c for p in few for c in p])  # two sections: their first, then seconds
    assert [c.text for c in picked] == ["a0", "a1", "b0", "b1"]


def test_the_summary_skips_claims_merged_into_earlier_ones():
    parts = [[_claim("a", 0), _claim("b", 5)], [_claim("c", 100)]]
    merged = [parts[0][0], parts[1][0]]  # "b" was merged into "a"
    assert [c.text for c in spread(parts, merged)] == ["a", "c"]


def test_a_summary_sentence_must_say_what_its_source_says():
    claims = "[3] DeepSeek trained R1 for $5.6 million.\n[9] Export controls did not stop it."
    assert supported("DeepSeek trained R1 for $5.6 million.", claims)
    assert supported("Export controls did not stop DeepSeek.", claims)
    assert not supported("Analysts at several banks doubted the figure.", claims)
    assert supported("DeepSeekはR1を訓練した。", "[1] DeepSeekは安くR1を訓練した。")
    assert not supported("銀行のアナリストは疑った。", "[1] DeepSeekは安くR1を訓練した。")


def test_the_summary_says_nothing_the_document_does_not(tiny_model, tmp_path):
    # The tiny model writes noise: after its re-ask, each summary sentence is replaced by a line
    # it was shown (a claim, else a sentence of the document), not as the model wrote it.
    doc = tmp_path / "a.txt"
    doc.write_text("DeepSeek trained R1 cheaply. Export controls did not stop it. Prices fell by "
                   "3%. Users were glad. Nvidia shares dropped.\n", encoding="utf-8")
    out = tmp_path / "out"
    assert CliRunner().invoke(cli, ["run", str(doc), "--out", str(out)]).exit_code == 0
    result = json.loads((out / "a.json").read_text(encoding="utf-8"))
    sentences = [s["text"] for s in result["provenance"]["summary_evidence"]]
    assert 3 <= len(sentences) <= 5 and len(set(sentences)) == len(sentences)
    shown = " ".join([*(c["text"] for c in result["claims"]), doc.read_text(encoding="utf-8")])
    assert all(supported(s, shown) for s in sentences)
    retried = [t["retries"] for t in result["provenance"]["tasks"] if t["task"] == "summary"]
    assert retried == [1]


def test_a_section_tail_its_claims_passed_over_earns_one_more_claim():
    from pipeline.types import Sentence

    sec = [Sentence(n, n * 10, n * 10 + 9, heading=(n == 9)) for n in range(1, 13)]
    # Claims copying up to [4]: [5]-[12] follow, seven of them stated (one is a heading).
    assert [s.n for s in tail_of(sec, 4)] == list(range(5, 13))
    # Up to [7]: [8]-[12] hold only four stated sentences, too few to pass over a claim.
    assert TAIL_SENTENCES == 5 and tail_of(sec, 7) == []
    assert [s.n for s in tail_of(sec, 0)] == list(range(1, 13))  # no claim kept: the whole section
    assert tail_of(sec, 12) == []


class ScriptedConversation:
    """Stands in for a conversation: answers each task from a script, keeps what it was shown."""

    def __init__(self, answers, document=""):
        self.answers, self.document, self.tasks = list(answers), document, []
        self.stats, self.thoughts, self.prefix, self.schemas = [], {}, [], []

    def ask(self, name, task, schema, max_tokens, check=None, spaced=False):
        self.tasks.append(task)
        self.schemas.append(schema)
        answer = self.answers.pop(0)
        assert check is None or check(answer) is None, check(answer)
        return answer


TOPICS = ["半導体の輸出規制", "学習の費用", "推論の速さ", "公開された重み", "米国の投資", "中国の研究者",
          "電力の消費", "株価の下落", "蒸留した小型模型", "利用者の数", "検閲の問題", "今後の競争"]


def section_run(count=12):
    """A DocumentRun over one section of `count` distinct sentences, with no engine behind it."""
    from pipeline.align import SentenceIndex
    from pipeline.settings import RunSettings
    from pipeline.summarize import DocumentRun
    from pipeline.types import Document

    text = "".join(f"{t}について筆者は{'甲乙丙丁戊己庚辛壬癸子丑'[i]}と考える。"
                   for i, t in enumerate(TOPICS[:count]))
    sents = segment(text)
    run = DocumentRun(None, Prompts.load(), RunSettings(), 0, None)
    run.doc, run.lang, run.language = Document("d", "d.txt", text, "", "utf-8"), "ja", "Japanese"
    run.written_in = "ja"
    run.by_n, run.index = {s.n: s for s in sents}, SentenceIndex(text, sents)
    return run, text, sents


def answer(text, sents, *claims):
    """A claims answer copying sentence n and citing `cited`, for each (n, cited)."""
    return {"claims": [{"text": sents[n - 1].text(text), "sentences": cited} for n, cited in claims]}


def test_the_last_sentence_a_sections_claims_restate_is_the_one_they_copy():
    run, text, sents = section_run()
    conv = ScriptedConversation([answer(text, sents, (1, [1]), (2, [2, 11]), (3, [3]))])
    claims, last = run._claims(conv, sents)
    assert len(claims) == 3 and "list the 3 main claims" in conv.tasks[0]
    assert last == 3  # claim 2 also cites [11], which it does not restate
    assert [s.n for s in tail_of(sents, last)] == list(range(4, 13))


def test_a_tail_claim_is_the_sentence_the_model_picks_from_the_tail():
    run, text, sents = section_run()
    tail = tail_of(sents, 3)
    conv = ScriptedConversation([{"sentence": 8}])  # the section's own conversation, asked last
    claims = run._tail_pick(conv, tail)
    assert "which ONE of the sentences [4] to [12]" in conv.tasks[0]
    assert [(c.text, [text[e.start:e.end] for e in c.evidence]) for c in claims] == \
        [(sents[7].text(text), [sents[7].text(text)])]


def test_an_aside_in_the_tail_is_not_offered_to_the_pick():
    run, text, sents = section_run()
    text = text.replace("今後の競争について筆者は丑と考える。", "ご覧いただきありがとうございます。")
    run, sents = _rerun(run, text)
    conv = ScriptedConversation([{"sentence": 11}])
    assert [s.n for s in tail_of(sents, 3)][-1] == 12  # the aside is in the tail...
    assert run._tail_pick(conv, tail_of(sents, 3)) and "[4] to [11]" in conv.tasks[0]
    assert conv.schemas[0]["properties"]["sentence"]["enum"] == list(range(4, 12))  # ...not offered


def _rerun(run, text):
    """The same run over another text."""
    from pipeline.align import SentenceIndex
    from pipeline.types import Document

    sents = segment(text)
    run.doc = Document("d", "d.txt", text, "", "utf-8")
    run.by_n, run.index = {s.n: s for s in sents}, SentenceIndex(text, sents)
    return run, sents


def test_a_claim_that_copies_no_sentence_must_say_what_its_cited_ones_say():
    run, text, sents = section_run()
    stray = "半導体の輸出規制が学習の費用を押し上げる"  # cites [12], which says neither
    joined = "半導体の輸出規制について筆者は甲と考え、学習の費用について筆者は乙と考える"  # [1] and [2] together
    conv = ScriptedConversation([{"claims": [{"text": stray, "sentences": [12]},
                                             {"text": joined, "sentences": [1, 2]},
                                             {"text": sents[2].text(text), "sentences": [3]}]}])
    claims, _ = run._claims(conv, sents)
    assert [c.text for c in claims] == [joined, sents[2].text(text)]
    assert [[text[e.start:e.end] for e in c.evidence] for c in claims][0] == \
        [sents[0].text(text), sents[1].text(text)]


class Unchecked(ScriptedConversation):
    """A scripted conversation that records what its check finds in each answer and returns the
    answer anyway, as Conversation.ask does after its re-ask: the caller filters."""

    def __init__(self, answers):
        super().__init__(answers)
        self.problems = []

    def ask(self, name, task, schema, max_tokens, check=None, spaced=False):
        self.tasks.append(task)
        self.schemas.append(schema)
        answer = self.answers.pop(0)
        self.problems.append(check(answer))
        return answer


def _summary_run(lang="ja"):
    """A section run whose claims copy sentences 1, 3, 5, 7 and 9, and a scripted conversation
    that stands in for the summary's own."""
    from pipeline.summarize import DocResult

    run, text, sents = section_run()
    run.sents, run.starts, run.lang = sents, [s.start for s in sents], lang
    run.language = NAMES[lang]
    claims = [_claim(sents[n - 1].text(text), sents[n - 1].start) for n in (1, 3, 5, 7, 9)]
    return run, claims, DocResult(language=lang)


def test_the_summary_is_the_claims_the_model_picks_in_the_order_listed():
    from pipeline.summary import summary

    run, claims, res = _summary_run()
    conv = ScriptedConversation([{"claims": [7, 1, 5]}])
    run._alone = lambda sentences, res, asking: asking(conv)
    out = summary(run, claims, res)
    assert [t for t, _ in out] == [claims[0].text, claims[2].text, claims[3].text]
    assert [ev for _, ev in out] == [claims[0].evidence, claims[2].evidence, claims[3].evidence]
    assert "Which 3 to 5 of them" in conv.tasks[0]
    assert conv.schemas[0]["properties"]["claims"]["items"]["enum"] == [1, 3, 5, 7, 9]
    # A section's claim may cite an earlier sentence first: the order shown is kept.
    conv = ScriptedConversation([{"claims": [9, 7, 1]}])
    out = summary(run, claims[:3] + [claims[4], claims[3]], res)
    assert [t for t, _ in out] == [claims[0].text, claims[4].text, claims[3].text]


def test_a_claim_picked_twice_is_re_asked_then_the_unpicked_fill_in():
    from pipeline.summary import summary

    run, claims, res = _summary_run()
    conv = Unchecked([{"claims": [3, 3, 9]}])
    run._alone = lambda sentences, res, asking: asking(conv)
    out = summary(run, claims, res)
    assert conv.problems == ["a claim is listed twice; list each once"]
    assert [t for t, _ in out] == [claims[0].text, claims[1].text, claims[4].text]  # 1 fills in


def test_a_summary_in_another_language_than_its_listing_is_written_unchecked():
    from pipeline.summary import summary

    run, _, res = _summary_run(lang="en")  # no claim: the opening sentences, in Japanese, stand
    conv = ScriptedConversation([{"sentences": [
        {"text": "The author considers export controls.", "sentences": [1]},
        {"text": "The author considers training costs.", "sentences": [2]},
        {"text": "The author considers inference speed.", "sentences": [3]}]}])
    run._alone = lambda sentences, res, asking: asking(conv)
    out = summary(run, [], res)
    assert "Write a summary of the original in 3 to 5 sentences of English" in conv.tasks[0]
    assert [t for t, _ in out][0] == "The author considers export controls."  # a translation


def test_two_claims_are_written_from_and_checked_against_their_words():
    from pipeline.summary import summary

    run, claims, res = _summary_run()
    # The third sentence says what neither listed claim says (it is sentence 2 of the document).
    conv = Unchecked([{"sentences": [
        {"text": claims[0].text, "sentences": [1]}, {"text": claims[1].text, "sentences": [3]},
        {"text": "学習の費用は筆者の考えでは下がる", "sentences": [3]}]}])
    run._alone = lambda sentences, res, asking: asking(conv)
    out = summary(run, claims[:2], res)
    assert "Write a summary" in conv.tasks[0]
    assert conv.schemas[0]["properties"]["sentences"]["items"]["properties"]["sentences"]["items"]["enum"] == [1, 3]
    assert conv.problems == ["sentence 3 says what none of the numbered lines says; write only what they say"]
    # Replaced by the next line not yet used: the document's own sentence 2, with its evidence.
    second = run.by_n[2].text(run.doc.text)
    assert [t for t, _ in out] == [claims[0].text, claims[1].text, second]
    assert [run.doc.text[e.start:e.end] for e in out[2][1]] == [second]


def test_four_listed_claims_allow_a_pick_of_three_or_four():
    from pipeline.summary import summary

    run, claims, res = _summary_run()
    conv = ScriptedConversation([{"claims": [1, 3, 5, 7]}])
    run._alone = lambda sentences, res, asking: asking(conv)
    assert len(summary(run, claims[:4], res)) == 4
    assert (conv.schemas[0]["properties"]["claims"]["minItems"],
            conv.schemas[0]["properties"]["claims"]["maxItems"]) == (3, 4)
    assert "Which 3 to 4 of them" in conv.tasks[0]


def test_three_listed_claims_are_the_summary_without_a_call():
    from pipeline.summary import summary

    run, claims, res = _summary_run()
    conv = ScriptedConversation([])  # any call would pop from an empty script
    run._alone = lambda sentences, res, asking: asking(conv)
    assert [t for t, _ in summary(run, claims[:3], res)] == [c.text for c in claims[:3]]
    assert conv.tasks == []


def test_a_claim_whose_first_sentence_is_listed_already_is_left_out_of_the_listing():
    from pipeline.summary import summary
    from pipeline.types import Claim

    run, claims, res = _summary_run()
    twin = Claim("半導体の輸出規制は効かない", claims[0].evidence)  # its first sentence is claim 1's
    shown = []
    conv = ScriptedConversation([{"claims": [1, 5, 9]}])
    run._alone = lambda sentences, res, asking: (shown.append(sentences), asking(conv))[1]
    summary(run, [claims[0], twin, *claims[1:]], res)
    assert shown[0].count("[1] ") == 1 and twin.text not in shown[0]
    assert len(shown[0].splitlines()) == 5


def test_german_claims_asked_in_english_are_summarised_in_english_by_writing():
    from pipeline.summary import summary
    from pipeline.types import Claim, Evidence

    run, _, res = _summary_run(lang="en")  # brief run --lang en on a German document
    text = ("Die Firma hat und ist mit der Bank. Der Markt ist nicht auf der Höhe. "
            "Die Kosten sind mit dem Euro gestiegen. Der Chef ist von der Idee nicht überzeugt.")
    run, sents = _rerun(run, text)
    run.written_in = "de"
    run.sents, run.starts = sents, [s.start for s in sents]
    claims = [Claim(s.text(text), [Evidence.of(text, s.start, s.end)]) for s in sents]
    conv = ScriptedConversation([{"sentences": [
        {"text": "The firm works with the bank.", "sentences": [1]},
        {"text": "The market is not doing well.", "sentences": [2]},
        {"text": "Costs rose with the euro.", "sentences": [3]}]}])
    run._alone = lambda sentences, res, asking: asking(conv)
    out = summary(run, claims, res)
    assert "sentences of English" in conv.tasks[0]
    assert [t for t, _ in out] == ["The firm works with the bank.", "The market is not doing well.",
                                   "Costs rose with the euro."]  # a translation: not checked against German


def _german_run(lang):
    """A summary run over a German document answered in `lang`, and its claims: its sentences."""
    from pipeline.types import Claim, Evidence

    run, _, res = _summary_run(lang=lang)
    text = ("Die Firma hat und ist mit der Bank. Der Markt ist nicht auf der Höhe. "
            "Die Kosten sind mit dem Euro gestiegen. Der Chef ist von der Idee nicht überzeugt.")
    run, sents = _rerun(run, text)
    run.sents, run.starts, run.written_in = sents, [s.start for s in sents], "de"
    return run, [Claim(s.text(text), [Evidence.of(text, s.start, s.end)]) for s in sents], res


def test_german_claims_of_a_german_document_are_picked_in_german():
    from pipeline.summary import summary

    run, claims, res = _german_run("de")
    conv = ScriptedConversation([{"claims": [1, 2, 4]}])
    run._alone = lambda sentences, res, asking: asking(conv)
    out = summary(run, claims, res)
    assert "Which 3 to 4 of them" in conv.tasks[0]
    assert [t for t, _ in out] == [claims[0].text, claims[1].text, claims[3].text]


def test_a_written_sentence_given_twice_is_re_asked_and_written_once():
    from pipeline.summary import summary

    run, claims, res = _german_run("en")
    conv = Unchecked([{"sentences": [{"text": "The firm works with the bank.", "sentences": [1]},
                                 {"text": "Costs rose.", "sentences": [3]},
                                 {"text": "Costs rose.", "sentences": [3]}]}])
    run._alone = lambda sentences, res, asking: asking(conv)
    out = summary(run, claims[:2], res)
    assert conv.problems == ["sentence 3 repeats sentence 2; say each point once"]
    assert [t for t, _ in out] == ["The firm works with the bank.", "Costs rose."]
