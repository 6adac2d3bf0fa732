"""Sentence segmentation: hand-written Japanese/English cases and properties over the seeds."""

import re
from pathlib import Path

import pytest

from pipeline.segment import MAX_SENTENCE_CHARS, is_aside, is_heading, segment
from pipeline.types import Sentence

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))


def texts(text):
    return [s.text(text) for s in segment(text)]


def check_invariants(text, sentences):
    """Numbered 1.., trimmed, non-empty, ordered, within the cap, covering all visible text."""
    assert [s.n for s in sentences] == list(range(1, len(sentences) + 1))
    covered = set()
    previous_end = 0
    for s in sentences:
        piece = text[s.start:s.end]
        assert piece, s
        assert piece == piece.strip(), s
        assert not re.search(r"\n\s*\n", piece), s  # a blank line always ends a sentence
        assert s.start >= previous_end, s
        assert s.end - s.start <= MAX_SENTENCE_CHARS, s
        previous_end = s.end
        covered.update(range(s.start, s.end))
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and i not in covered]
    assert not missing, [text[i] for i in missing[:10]]


# ---- Japanese ----

def test_japanese_full_stops():
    assert texts("今日は晴れです。明日は雨です。") == ["今日は晴れです。", "明日は雨です。"]


def test_japanese_exclamation_and_question():
    assert texts("本当ですか？はい！そうです。") == ["本当ですか？", "はい！", "そうです。"]


def test_ascii_marks_in_japanese_text_end_sentences():
    assert texts("DeepSeekがGPTを超えた!?世界が震えた。") == ["DeepSeekがGPTを超えた!?", "世界が震えた。"]


def test_terminator_runs_stay_together():
    assert texts("すごい!!本当?信じられない！？") == ["すごい!!", "本当?", "信じられない！？"]


def test_full_stop_inside_kagikakko_does_not_split():
    text = "彼は「今日は雨だ。傘を持っていく。」と言った。次の文。"
    assert texts(text) == ["彼は「今日は雨だ。傘を持っていく。」と言った。", "次の文。"]


def test_quote_followed_by_to_continues_the_sentence():
    text = "「これは野心的で、まったく予想外だ。」と、研究者はXに書いた。"
    assert texts(text) == [text]


def test_quoted_sentence_followed_by_new_sentence_splits():
    text = "「重要なのは統合です。」その結果、判断は早すぎる。"
    assert texts(text) == ["「重要なのは統合です。」", "その結果、判断は早すぎる。"]


def test_consecutive_quotes_split():
    assert texts("「ありがとう。」「どういたしまして。」") == ["「ありがとう。」", "「どういたしまして。」"]


def test_double_hook_and_parentheses_keep_inner_full_stop():
    assert texts("『本。』を読んだ。") == ["『本。』を読んだ。"]
    assert texts("これは（注：重要。）である。次。") == ["これは（注：重要。）である。", "次。"]
    assert texts("それは(たぶん。)正しい。") == ["それは(たぶん。)正しい。"]


def test_closing_bracket_after_terminator_belongs_to_sentence():
    text = "彼は言った「もう帰る。」\n次の行。"
    assert texts(text) == ["彼は言った「もう帰る。」", "次の行。"]


def test_unclosed_bracket_does_not_swallow_the_text():
    assert texts("「閉じない括弧。これは長い文。") == ["「閉じない括弧。", "これは長い文。"]


def test_bracket_closed_far_away_is_not_treated_as_a_quote():
    text = "「" + "あ" * 350 + "。" + "い" * 20 + "」"
    assert len(segment(text)) >= 2


def test_stray_closing_bracket_is_ignored():
    text = "技術的デカップリング」の提唱。次の文。"
    assert texts(text) == ["技術的デカップリング」の提唱。", "次の文。"]


def test_full_width_full_stop():
    assert texts("これは文です．次の文です．") == ["これは文です．", "次の文です．"]


def test_full_width_full_stop_in_number_does_not_split():
    assert texts("価格は3．5倍だ。1．はじめに") == ["価格は3．5倍だ。", "1．はじめに"]


def test_ascii_dot_between_japanese_words_is_a_full_stop():
    assert texts("試算は以下は.トレーニング曲線もシフトした。") == ["試算は以下は.", "トレーニング曲線もシフトした。"]


def test_decimals_in_japanese():
    text = "DeepSeek-R1は79.8%を獲得した。OpenAI-o1は79.2%。"
    assert texts(text) == ["DeepSeek-R1は79.8%を獲得した。", "OpenAI-o1は79.2%。"]


def test_numbered_heading_is_not_cut_after_its_number():
    assert texts("1.中国のAI開発を信用しない。") == ["1.中国のAI開発を信用しない。"]
    assert texts("1. ディープシークの技術的進歩") == ["1. ディープシークの技術的進歩"]


def test_footnote_mark_stays_with_its_sentence():
    text = "必要があるだろう。{1} 生き残れない。"
    assert texts(text) == ["必要があるだろう。{1}", "生き残れない。"]


def test_caret_footnote_mark_stays_with_its_sentence():
    assert texts("再現している^ ^。8^.しかし、初期段階にいる。") == ["再現している^ ^。8^.", "しかし、初期段階にいる。"]
    assert texts("結果は。2^10 通りある。") == ["結果は。", "2^10 通りある。"]


def test_stray_full_stop_joins_a_neighbour():
    assert texts("。DPS.comにアクセスすると") == ["。DPS.comにアクセスすると"]


def test_ideographic_space_is_trimmed():
    text = "\u3000字下げした段落です。\u3000次の文。"
    assert texts(text) == ["字下げした段落です。", "次の文。"]


# ---- English ----

def test_english_sentences():
    assert texts("It rained. We stayed in! Did you?") == ["It rained.", "We stayed in!", "Did you?"]


def test_titles_are_not_sentence_ends():
    text = "Mr. Smith went to Washington. He met Dr. Jones there."
    assert texts(text) == ["Mr. Smith went to Washington.", "He met Dr. Jones there."]


def test_dotted_abbreviations():
    text = "The U.S. economy grew. Use tools, e.g. hammers, i.e. simple ones. Then stop."
    assert texts(text) == ["The U.S. economy grew.",
                           "Use tools, e.g. hammers, i.e. simple ones.", "Then stop."]


def test_versus_and_figure():
    assert texts("Texas vs. California. The end") == ["Texas vs. California.", "The end"]
    assert texts("Next game (see Fig. 2) is Friday.") == ["Next game (see Fig. 2) is Friday."]


def test_etc_before_lowercase_goes_on_before_capital_ends():
    assert texts("Apples, pears, etc. are fruit.") == ["Apples, pears, etc. are fruit."]
    assert texts("We like pears, etc. The end.") == ["We like pears, etc.", "The end."]


def test_decimals_and_percentages():
    text = "Prices rose 3.5 points to 79.8% in 2024. Then they fell."
    assert texts(text) == ["Prices rose 3.5 points to 79.8% in 2024.", "Then they fell."]


def test_ellipsis_inside_a_sentence():
    assert texts("He waited... and waited. Then he left.") == ["He waited... and waited.",
                                                              "Then he left."]


def test_initials():
    assert texts("Donald J. Trump spoke. Then J. R. R. Tolkien wrote.") == [
        "Donald J. Trump spoke.", "Then J. R. R. Tolkien wrote."]


def test_lowercase_after_dot_continues():
    assert texts("It costs approx. five dollars.") == ["It costs approx. five dollars."]


def test_quotes_in_english():
    assert texts('He said "Stop. Now." Then he left.') == ['He said "Stop. Now."', "Then he left."]
    assert texts('She asked, "Why?" and left.') == ['She asked, "Why?" and left.']


def test_url_query_and_domain_do_not_split():
    text = "Visit https://x.com/search?q=a and DAIR.AI today. Then go."
    assert texts(text) == ["Visit https://x.com/search?q=a and DAIR.AI today.", "Then go."]


def test_english_numbered_list():
    assert texts("1. First item\n2. Second item") == ["1. First item", "2. Second item"]
    assert texts("(a). Option one. Then more.") == ["(a). Option one.", "Then more."]


# ---- mixed, lines, edge cases ----

def test_mixed_japanese_and_english():
    text = "日本語と English の mixed text. 次は日本語。Then English again!"
    assert texts(text) == ["日本語と English の mixed text.", "次は日本語。", "Then English again!"]


def test_a_line_cut_mid_sentence_is_joined_to_the_next():
    # Seed 002, a soft-wrapped transcript: the break falls before a particle or after a comma.
    text = "彼はツイートしすぎる起業家だと自称していました\nが、私は、特にこのAI開発\nに関して、感銘を受け\nました。\n次の文。"
    assert texts(text) == ["彼はツイートしすぎる起業家だと自称していました\nが、私は、特にこのAI開発\nに関して、感銘を受け\nました。",
                           "次の文。"]
    assert texts("アサード・ワイズ氏、\nここに来られて嬉しいです。") == ["アサード・ワイズ氏、\nここに来られて嬉しいです。"]
    check_invariants(text, segment(text))


def test_a_heading_or_list_item_line_is_not_joined():
    assert texts("世界を震撼させた技術\nDeepSeekとかいう中国のAI企業が来た。") == [
        "世界を震撼させた技術", "DeepSeekとかいう中国のAI企業が来た。"]
    assert texts("理由は次の通り、\n– 資金\n– 人材") == ["理由は次の通り、", "– 資金", "– 人材"]
    assert texts("(1) スケーリング法則\nAIモデルってのは伸びる。") == ["(1) スケーリング法則", "AIモデルってのは伸びる。"]
    assert texts("終わり。\nが、続く。") == ["終わり。", "が、続く。"]  # a full stop ends it
    # A heading ending in a particle, and a line opening with はい/はじめに, stay lines.
    assert texts("2. 日本のAIへ\nの影響は大きい。") == ["2. 日本のAIへ", "の影響は大きい。"]
    assert texts("DeepSeekとは\n中国のAI企業だ。") == ["DeepSeekとは", "中国のAI企業だ。"]
    assert texts("それで本当に安いのか\nはい、安いです。") == ["それで本当に安いのか", "はい、安いです。"]
    assert texts("第1章 概要の\nはじめに述べる。") == ["第1章 概要の", "はじめに述べる。"]
    # A numbered list item cut after its comma carries on.
    assert texts("1. DeepSeekは、\n安いモデルを出した。") == ["1. DeepSeekは、\n安いモデルを出した。"]


def test_hard_wrapped_english_prose_is_joined():
    assert texts("The model was trained\non far less money, they say.\nNext one.") == [
        "The model was trained\non far less money, they say.", "Next one."]
    assert texts("Introduction\nThe model.") == ["Introduction", "The model."]


def test_headings_and_questions_are_marked():
    text = "世界を震撼させた技術\nDeepSeekは本当に脅威かよ?\n米企業は資本を抱えてる。"
    assert [s.heading for s in segment(text)] == [True, True, False]
    # Nothing but short lines: they are the sentences there are to cite.
    assert [s.heading for s in segment("資金\n人材\n家系")] == [False, False, False]


def test_list_items_are_sentences():
    text = "DeepSeekは証明している:\n– 数十億ドルの資金\n– 有名な家系\n"
    assert texts(text) == ["DeepSeekは証明している:", "– 数十億ドルの資金", "– 有名な家系"]


def test_crlf_and_cr_line_breaks():
    text = "Hello.\r\nWorld.\rAgain."
    assert texts(text) == ["Hello.", "World.", "Again."]
    check_invariants(text, segment(text))


def test_empty_and_whitespace_only():
    assert segment("") == []
    assert segment("   \n\t\u3000 \n\n") == []


def test_no_terminator():
    assert texts("no terminator here") == ["no terminator here"]
    assert texts("終止符のない文") == ["終止符のない文"]


def test_offsets_are_code_points_and_trimmed():
    text = "  前置き。 🇺🇸 Flag here.  \n\n  最後 "
    sentences = segment(text)
    assert sentences == [Sentence(1, 2, 6), Sentence(2, 7, 20), Sentence(3, 26, 28, heading=True)]
    assert texts(text) == ["前置き。", "🇺🇸 Flag here.", "最後"]


# ---- over-long sentences ----

def test_long_japanese_sentence_is_cut_after_a_comma():
    text = "あ" * 150 + "、" + "い" * 150 + "、" + "う" * 150 + "。"
    pieces = texts(text)
    assert len(pieces) == 2
    assert pieces[0].endswith("、")
    assert "".join(pieces) == text


def test_long_english_sentence_is_cut_at_a_space():
    text = " ".join(["word"] * 200) + "."
    sentences = segment(text)
    assert len(sentences) == 3
    check_invariants(text, sentences)
    assert all(s.text(text).startswith("word") for s in sentences)


def test_long_sentence_prefers_comma_and_keeps_thousands_together():
    text = "The price was 1,000,000 dollars, " * 20
    pieces = texts(text)
    assert all(p.endswith("dollars,") for p in pieces)
    check_invariants(text, segment(text))


def test_text_without_any_boundary_gets_a_hard_cut():
    text = "x" * 1000
    sentences = segment(text)
    assert len(sentences) == 3
    check_invariants(text, sentences)


# ---- properties over the seeds ----

def test_seeds_exist():
    assert len(SEEDS) == 5


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_seed_invariants(path):
    text = path.read_text(encoding="utf-8")
    sentences = segment(text)
    assert len(sentences) > 10
    check_invariants(text, sentences)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_seed_with_crlf_gives_the_same_sentences(path):
    text = path.read_text(encoding="utf-8")
    crlf = text.replace("\n", "\r\n")
    assert [s.text(text) for s in segment(text)] == [s.text(crlf).replace("\r\n", "\n") for s in segment(crlf)]


def test_seed_001_long_line_is_split_into_citable_units():
    text = next(p for p in SEEDS if p.name.startswith("001")).read_text(encoding="utf-8")
    longest_line = max(text.split("\n"), key=len)
    assert len(longest_line) > MAX_SENTENCE_CHARS
    start = text.index(longest_line)
    inside = [s for s in segment(text) if start <= s.start < start + len(longest_line)]
    assert len(inside) > 5
    assert inside[0].text(text) == "- カーブ・シフト。"


@pytest.mark.parametrize("body, heading", [
    ("見出し画像", True),  # a title: short, no final stop
    ("2. アモデイがブチ上げるAI開発の3大ダイナミクス", True),  # numbered heading
    ("(1) スケーリング法則", True),
    ("DeepSeekは本当に脅威かよ?", True),  # a question asserts nothing
    ("Is it a threat?", True),
    ("これらの新しい中国モデルは世界のAIランドスケープにどのような影響を与えるのでしょうか。", True),
    ("なぜこれほど話題になっているのですか。", True),
    ("それが正しいかどうかは分からない。", False),  # か inside, not a question's end
    ("Why it matters", True),
    ("AIは(主に)パターン認識の誇張である", False),  # no stop, but a statement longer than a title
    ("米企業は莫大な資本とGPUクラスターを抱えてる。", False),
    ("アモデイは「大したことない」とばっさり。", False),
    ("彼は言った。「規制は必要だ。」", False),  # a closing quote after the stop
    ("OpenAIの非営利構造を擁護してから1年後、アルトマンは組織を非公開化したのである:", False),
    ("Export controls did not stop it.", False),
    ("1. 評価基準が曖昧だ。", False),  # numbered, but a sentence
    ("https://www.moonofalabama.org/2025/01/how-the-chinese-beat-trump-and-openai.html", True),
    ("{5} https://www.nature.com/articles/d41586-025-00229-6", True),  # a reference, not a claim
    ("[12] https://example.org/a?b=1", True),
    ("※3 www.example.com/report.pdf", True),
    ("出典：https://example.jp/news/123", True),
    ("Source: https://example.com/x", True),
    ("詳細はhttps://example.com/をご覧ください。", False),  # a sentence that holds a URL
    ("See https://example.com for the full report.", False),
])
def test_headings_and_questions_are_told_from_statements(body, heading):
    assert is_heading(body) is heading


@pytest.mark.parametrize("body, aside", [
    ("ここに来ていただき、本当にありがとうございます。", True),
    ("アルノ・ベラン氏にご参加いただき、とても嬉しいです。", True),
    ("このビデオが気に入ったら、いいねボタンを押すか、下にコメントを残してください。", True),
    ("規制を強化しよう。", False),  # the author's own call is a position, not an aside
    ("Thank you for watching.", True),
    ("Please subscribe for more.", True),
    ("Thanks for watching.", True),
    ("Welcome to the show, everyone.", True),
    ("Thanks to export controls, Nvidia lost its China sales.", False),
    ("Welcome news for investors: prices fell.", False),
    ("米国の輸出規制は効果がなかったと筆者は主張する。", False),
    ("彼らは助成金をください、とは言わなかった。", False),  # the request is quoted inside
    ("Export controls did not stop it.", False),
    # A reply that only agrees with the other speaker asserts nothing either.
    ("はい、それは素晴らしいポイントです。", True),
    ("その通りです。", True),
    ("ええ、 ...", True),
    ("いい質問です", True),
    ("ね。", True),
    ("Exactly.", True),
    ("Yes, that's right.", True),
    ("Good point!", True),
    ("私はそうは思わない。", False),  # disagreeing is a position
    ("実際、そうである。", False),
    ("はい、DeepSeekは安いです。", False),  # agreement that goes on to assert something
    ("その通りで、輸出規制は効かなかった。", False),
    ("Yes, export controls failed.", False),
    ("That's right: the chips were smuggled.", False),
    # The author announcing what comes next is a signpost, not a claim.
    ("私の政策論を紹介する前に、AIシステムの3つの基本的なダイナミクスについて説明する:", True),
    ("AI開発の3つのダイナミクスを、数字でビシッと解説していくから、しっかり読んどけよ。", True),
    ("以下では、コストの内訳を詳しく見ていきましょう。", True),
    ("本稿では輸出規制の効果について論じたい。", True),
    ("次に、DeepSeekの訓練方法を紹介していきます。", True),
    ("In this article, I will explain how DeepSeek trained R1.", True),
    ("Let's take a closer look at the costs.", True),
    ("彼はその仕組みを説明した。", False),  # reports what someone did
    ("政府は規制の根拠を説明する必要がある。", False),  # a position
    ("Zhang氏は、コストは下がり続けると説明する。", False),  # reports someone's words
    ("我々は、第一世代の推論モデルであるDeepSeek-R1を紹介する。", False),  # announces a release
    ("DeepSeekはこの現象を説明する好例だ。", False),
    ("順に説明するから、DeepSeekの安さは本物だと分かる。", False),  # a claim after the から
    ("We will need millions of chips.", False),
    ("We will introduce export controls on H20 chips.", False),  # a policy, not a signpost
    ("We will cover the cost of training.", False),
    ("Let me be clear: export controls work.", False),
])
def test_asides_to_the_audience(body, aside):
    assert is_aside(body) is aside
