"""Text likeness in code: repeats, and the sentence a claim copies."""

from pipeline.align import (COPIED, SentenceIndex, changed_copy, completed, echoes, headless,
                            new_words, quoted_only, similar)
from pipeline.segment import segment
from pipeline.claims import claims_problem, kept_claim

TEXT = ("AIは主にパターン認識の誇張である。今日は晴れだった。"
        "DeepSeekは最新のチップに頼らず、工夫で成果を上げた。"
        "筆者は対中規制が逆効果だと考える。輸出は伸びた。")
SENTS = segment(TEXT)
INDEX = SentenceIndex(TEXT, SENTS)


def test_similar_is_bigram_jaccard_over_letters():
    assert similar("AIは誇張だ。", "ＡＩは誇張だ") == 1.0  # NFKC and punctuation folded away
    assert similar("輸出規制", "価格競争") == 0.0
    assert 0 < similar("輸出規制は失敗した", "輸出規制は成功した") < 1


def test_a_near_verbatim_claim_is_traced_to_its_sentence():
    got = INDEX.copied("DeepSeekは最新のチップに頼らず工夫で成果を上げた")
    assert got is not None and got.n == 3
    got = INDEX.copied("AIはパターン認識の誇張である")  # 主に dropped
    assert got is not None and got.n == 1


def test_a_paraphrase_or_a_short_claim_is_not_a_copy():
    assert INDEX.copied("中国の企業は安い計算資源で高性能のモデルを作れると示した") is None
    assert INDEX.copied("輸出") is None  # too short to tell
    assert COPIED > 0.5


def test_a_copy_is_looked_for_only_within_the_given_sentences():
    claim = "AIはパターン認識の誇張である"
    assert INDEX.copied(claim, within=SENTS[2:4]) is None
    assert INDEX.copied(claim, within=SENTS[0:2]).n == 1


def _answer(*texts):
    return {"claims": [{"text": t, "sentences": [1]} for t in texts]}


def test_claims_check_accepts_claims_from_the_section_or_paraphrased():
    sec = SENTS[2:4]
    answer = _answer("DeepSeekは最新のチップに頼らず、工夫で成果を上げた", "規制は裏目に出たと筆者は見る")
    assert claims_problem(answer, INDEX, sec, "ja") is None


def test_claims_check_rejects_a_copy_from_outside_the_section():
    sec = SENTS[2:4]
    problem = claims_problem(_answer("AIは主にパターン認識の誇張である"), INDEX, sec, "ja")
    assert problem == ("claim 1 repeats sentence [1], outside [3] to [4]; "
                       "give only claims that sentences [3] to [4] make")


def test_claims_check_rejects_the_wrong_language_and_repeats():
    sec = SENTS[2:4]
    problem = claims_problem(_answer("規制は裏目に出た", "The author says export controls failed."),
                             INDEX, sec, "ja")
    assert problem == "claim 2 is not in Japanese; write every claim in Japanese"
    problem = claims_problem(_answer("規制は裏目に出た", "規制は裏目に出た。"), INDEX, sec, "ja")
    assert problem == "claim 2 repeats an earlier claim; give 2 distinct claims, each from a different sentence"
    assert claims_problem(_answer("Export controls backfired."), INDEX, sec, "en") is None


def test_claims_of_a_german_document_must_be_german_not_the_english_of_the_instructions():
    text = "Der Windpark verzögert sich. Das Problem ist nicht das Geld, sondern die Planung."
    sents = segment(text)
    index = SentenceIndex(text, sents)
    english = _answer("The problem is not money but planning.")
    assert claims_problem(english, index, sents, "de", "de") == \
        "claim 1 is not in German; write every claim in German"
    assert claims_problem(_answer(sents[1].text(text)), index, sents, "de", "de") is None
    # Asked in English about it (--lang en), a German copy is the wrong language.
    assert claims_problem(_answer(sents[1].text(text)), index, sents, "en", "de") == \
        "claim 1 is not in English; write every claim in English"


def test_claims_in_the_wrong_language_are_named_before_a_repeat():
    # Seed 001's first section: English claims, one repeated; told only of the repeat, the model
    # wrote one English claim three times and the section lost every claim.
    sec = SENTS[2:4]
    answer = _answer("The author says export controls failed.", "規制は裏目に出た",
                     "The author says export controls failed!")
    problem = claims_problem(answer, INDEX, sec, "ja")
    assert problem == "claim 1 is not in Japanese; write every claim in Japanese"


def test_a_copied_heading_or_question_is_dropped_without_a_re_ask():
    text = "2. アメリカ勢はまだ伸ばせる\n米企業は莫大な資本とGPUクラスターを抱えてる。\nDeepSeekは本当に脅威かよ?\n"
    sents = segment(text)
    index = SentenceIndex(text, sents)
    heading, question = _answer("アメリカ勢はまだ伸ばせる"), _answer("DeepSeekは本当に脅威かよ")
    assert claims_problem(heading, index, sents, "ja") is None
    assert claims_problem(question, index, sents, "ja") is None
    assert kept_claim("アメリカ勢はまだ伸ばせる", index, sents, "ja") == (False, sents[0])
    assert kept_claim("DeepSeekは本当に脅威かよ", index, sents, "ja") == (False, sents[2])
    assert kept_claim("米企業は莫大な資本とGPUクラスターを抱えてる", index, sents, "ja") == (True, sents[1])
    assert kept_claim("米企業は資本を持つ", index, sents, "ja") == (True, None)  # a paraphrase: no copy
    assert kept_claim("  ", index, sents, "ja")[0] is False
    assert kept_claim("AIは主にパターン認識の誇張である", INDEX, SENTS[2:4], "ja")[0] is False  # outside


def test_a_copied_aside_to_the_audience_is_dropped():
    text = "米企業は莫大な資本を抱えてる。\n独立系メディアの未来をサポートしてください。\n"
    sents = segment(text)
    index = SentenceIndex(text, sents)
    assert kept_claim("独立系メディアの未来をサポートしてください", index, sents, "ja") == (False, sents[1])
    assert kept_claim("米企業は莫大な資本を抱えてる", index, sents, "ja") == (True, sents[0])


def test_a_copy_cut_at_the_length_limit_is_completed_from_its_sentence():
    cut = "DeepSeekは最新のチップに頼らず、工夫"
    source = INDEX.copied(cut + "で成果")
    assert source is not None and source.n == 3
    assert completed(cut, source, INDEX, len(cut)) == "DeepSeekは最新のチップに頼らず、工夫で成果を上げた。"
    assert completed(cut, source, INDEX, len(cut) + 1) == cut  # not at the limit: the model's words
    assert completed(" 規制は裏目に出た ", None, INDEX, 5) == "規制は裏目に出た"  # no copy: kept as written


BOAST = "DeepSeekとかいう企業が「米国のトップAIに並ぶ性能を安く出せるぜ」ってデカい口叩いてきやがった。"


def test_a_claim_of_quoted_words_alone_is_someone_elses_and_gets_its_whole_sentence():
    claim = "DeepSeekは米国のトップAIに並ぶ性能を安く出せるぜ。"
    assert quoted_only(claim, BOAST)
    sents = segment(BOAST)
    index = SentenceIndex(BOAST, sents)
    assert completed(claim, index.copied(claim), index, 100) == BOAST
    # who says it, kept by the claim: the model's words stand
    said = "DeepSeekとかいう企業が米国のトップAIに並ぶ性能を安く出せるとデカい口を叩いた。"
    assert not quoted_only(said, BOAST)
    assert not quoted_only("DeepSeekはAIの民主化を加速させます。", "「DeepSeekはAIの民主化を加速させます」。")  # no one named
    assert quoted_only("DeepSeekはAIの民主化を加速させます。", "「DeepSeekはAIの民主化を加速させます」と彼は言います。")


def test_a_copy_that_changes_a_word_of_its_sentence_gets_the_sentence_whole():
    claim = "深Seekは最新のチップに頼らず、工夫で成果を上げた。"  # the model's 深Seek for DeepSeek
    source = INDEX.copied(claim)
    assert source is not None and source.n == 3
    assert new_words(claim, INDEX.body(source)) == {"深"}  # "seek" is held, inside DeepSeek
    assert completed(claim, source, INDEX, 100) == "DeepSeekは最新のチップに頼らず、工夫で成果を上げた。"
    # words left out (a clause, the stop) keep the model's shorter copy
    assert completed("DeepSeekは工夫で成果を上げた", source, INDEX, 100) == "DeepSeekは工夫で成果を上げた"
    assert new_words("ＤｅｅｐＳｅｅｋは頼らず", "DeepSeekは最新のチップに頼らず") == set()  # NFKC, case folded
    assert new_words("Export controls are working hard.", "Export controls are working.") == {"hard"}
    assert new_words("私たちちは初期段階にいる", "私たちは初期段階にいる。") == {"たちちは"}  # a typo in kana
    assert new_words("規制は機能している", "規制は機能しているだろう。") == set()  # cut inside a word: held


def test_a_claim_loses_a_leading_bullet_but_not_a_minus_sign():
    assert completed("- 中国も数百万個のチップを入手できるかどうかだ。", None, INDEX, 100) == "中国も数百万個のチップを入手できるかどうかだ。"
    assert completed("• **これはかつてなかったことだ。", None, INDEX, 100) == "これはかつてなかったことだ。"
    assert completed("・規制は裏目に出た", None, INDEX, 100) == "規制は裏目に出た"
    assert completed("-5%の成長が続いた", None, INDEX, 100) == "-5%の成長が続いた"
    assert completed("・・・・", None, INDEX, 100) == "・・・・"  # nothing but bullets: kept, not emptied


def test_a_copy_that_starts_after_its_subject_or_owner_gets_the_sentence_whole():
    text = "このことから、ディープシークのAIチップの大部分は禁止されていない。しかし、米国企業もすぐに追随するだろう。"
    sents = segment(text)
    index = SentenceIndex(text, sents)
    claim = "AIチップの大部分は禁止されていない"  # most AI chips, where the text says DeepSeek's
    assert headless(claim, index.body(sents[0]))
    assert completed(claim, index.copied(claim), index, 100) == "このことから、ディープシークのAIチップの大部分は禁止されていない。"
    # a connective left out (しかし、) is not a subject: the model's shorter copy stands
    assert not headless("米国企業もすぐに追随するだろう。", index.body(sents[1]))
    assert headless("AIの訓練に導入されつつある", "新しい方法が、AIの訓練に導入されつつある。")
    assert not headless("彼らが何を話しているのか分かっている", "超えていますが、彼らが何を話しているのか分かっている。")


def test_a_term_in_quotation_marks_is_not_someone_elses_words():
    assert not quoted_only("米国の輸出規制はダブルスタンダードだ", "米国の輸出規制は「ダブルスタンダード」だと言わざるを得ない。")
    assert not quoted_only("Export controls are a double standard.",
                           'Export controls are a "double standard", the author says.')


def test_an_english_claim_of_quoted_words_is_judged_by_words():
    said = 'Analysts said "the chips were smuggled through Singapore" last year.'
    assert quoted_only("The chips were smuggled through Singapore.", said)
    assert quoted_only("The chips were smuggled through Singapore.", said.replace('"', "“", 1).replace('"', "”"))
    assert not quoted_only("Analysts said the chips were smuggled through Singapore last year.", said)


def test_a_re_ask_names_the_numbers_the_model_can_see():
    text = "米企業は莫大な資本を抱えてる。\n2. アメリカ勢はまだ伸ばせる\n規制は裏目に出た。\n技術は広まった。\n"
    sents = segment(text)
    index = SentenceIndex(text, sents)
    sec = sents[1:]  # opens with a heading, shown without its number [2]
    problem = claims_problem(_answer("米企業は莫大な資本を抱えてる"), index, sec, "ja")
    assert problem == ("claim 1 repeats sentence [1], outside [3] to [4]; "
                       "give only claims that sentences [3] to [4] make")


def test_a_claim_that_only_agrees_is_dropped_even_when_too_short_to_trace():
    text = "DeepSeekは安い。\nその通りです。\n輸出規制は効かなかった。\n"
    sents = segment(text)
    index = SentenceIndex(text, sents)
    assert index.copied("その通りです。") is None  # too short to tell which sentence it copies
    assert kept_claim("その通りです。", index, sents, "ja") == (False, None)
    assert kept_claim("輸出規制は効かなかった。", index, sents, "ja") == (True, sents[2])


def test_a_summary_sentence_that_writes_out_its_task_is_caught():
    from pipeline.prompts import Prompts

    task = Prompts.load().render("summary", language="English", min_items=3, max_items=5)
    # seen with the 1.5B model on a four-sentence document
    assert echoes("The document above is shown by its main claims, each numbered by the sentence "
                  "of the original it comes from.", task)
    assert echoes("Write a summary of the original in 3 to 5 sentences.", task)
    assert not echoes("The author argues the original export controls failed to slow the sentence.", task)
    assert not echoes("DeepSeekは、OpenAIのo1に匹敵する性能を低コストで実現したと筆者は述べる。", task)
    assert not echoes("", task)


def test_a_copy_of_a_claim_that_changes_a_word_is_found():
    # Seed 002's summary copied a claim that joins two of its sentences, writing テクノロジーー.
    claims = ["米国はソ連のように見える。",
              "中国が米国に拠点を置くAIテクノロジーやAI企業が成し遂げたことと比べると、米国はまるでソ連のように見える"]
    garbled = "中国が米国に拠点を置くAIテクノロジーーやAI企業が成し遂げたことと比べると、米国はまるでソ連のように見える。"
    assert changed_copy(garbled, claims) == 1
    assert changed_copy(garbled.replace("ーー", "ー"), claims) is None  # a faithful copy stands
    assert changed_copy("まったく別の話をしている文です。", claims) is None
    assert changed_copy("ソ連", claims) is None  # too short to be a copy of anything
