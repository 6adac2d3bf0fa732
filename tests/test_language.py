"""Which language a document is in, and whether an answer is in the language asked for."""

import json
from pathlib import Path

import pytest

from pipeline.language import NAMES, detect, fits
from pipeline.results import join_summary

SEED = next(Path(__file__).resolve().parent.parent.joinpath("seeds").glob("000_*.txt"))

DOCS = {
    "ja": SEED.read_text(encoding="utf-8")[:2000],
    "zh": "中国的人工智能公司正在缩小与美国的差距。深度求索发布的模型训练成本只有五百万美元。",
    "ko": "딥시크는 저렴한 비용으로 모델을 만들었다. 미국의 수출 규제는 효과가 없었다.",
    "en": "The wind farm will deliver 1,200 megawatts. The delay is a failure of planning, not money.",
    "de": "Der Windpark soll 1.200 Megawatt liefern. Das Problem ist nicht das Geld, sondern die Planung.",
    "fr": "Le parc éolien doit fournir 1 200 mégawatts. Le problème n'est pas l'argent mais la planification.",
    "es": "El parque eólico debe producir 1.200 megavatios. El problema no es el dinero sino la planificación.",
    "it": "Il parco eolico deve fornire 1.200 megawatt. Il problema non è il denaro, ma la pianificazione.",
    "nl": "Het windpark moet 1.200 megawatt leveren. Het probleem is niet het geld, maar de planning.",
    "ru": "Ветропарк должен давать 1200 мегаватт. Проблема не в деньгах, а в планировании.",
}


@pytest.mark.parametrize("text,lang", [(text, lang) for lang, text in sorted(DOCS.items())] + [
    ("【速報】日経平均株価終値4万円台回復　半導体関連株上昇", "ja"),  # no kana: Japanese forms (経, 円, 価)
    ("米中対立激化　日本企業影響拡大", "ja"),
    ("索尼（ソニー）公布了最新财报。ソニー的游戏业务增长。", "zh"),  # katakana quoted, no hiragana
    ("台積電宣布在日本興建第二座工廠。", "zh"),  # traditional
    ("政府는 輸出規制 强化를 決定했다.", "ko"),  # hanja outnumber hangul
    ("Det er venta at straumprisane vil gå ned i haust, seier ekspertane.", "no"),  # Nynorsk
    ("Saham BBCA naik 2 persen pada perdagangan hari ini.", "id"),  # Malay, as Indonesian
])
def test_a_document_is_detected_in_its_own_language(text, lang):
    assert detect(text) == lang


def test_a_text_without_letters_is_english():
    assert detect("") == "en" and detect("1,200 / 3.5 %") == "en"


# (answer, language asked for, document's language, whether the answer is in the language asked for)
@pytest.mark.parametrize("text,lang,written_in,expected", [
    # Kanji alone is Japanese too, as it always was for the seeds' claims.
    ("輸出規制強化", "ja", "ja", True),
    ("AIは主にパターン認識の誇張である", "ja", "ja", True),
    ("Export controls failed.", "ja", "ja", False),
    # Japanese with kana is neither Chinese nor Korean.
    ("AIは主にパターン認識の誇張である", "zh", "zh", False),
    ("深度求索发布的模型训练成本很低", "zh", "zh", True),
    ("AIは主にパターン認識の誇張である", "ko", "ko", False),
    ("미국의 수출 규제는 효과가 없었다", "ko", "ko", True),
    ("미국의 수출 규제는 효과가 없었다", "en", "en", False),
    # Asked in Japanese about a Chinese document, a Chinese copy is not Japanese.
    ("中国的模型很便宜", "ja", "zh", False),
    ("中国のモデルは安い", "ja", "zh", True),
    # A copy in the document's language is not an answer in English (--lang en on a German
    # document), and asked in German the model slips into the English of its instructions.
    ("Das Problem ist nicht das Geld, sondern die Planung.", "en", "de", False),
    ("Das Problem ist nicht das Geld, sondern die Planung.", "de", "de", True),
    ("The problem is not money but planning.", "de", "de", False),
    ("Costs rose with the euro.", "de", "de", False),
    # A claim full of names reads a little like English, or German: it fits.
    ("Jensen Huang traf Xi Jinping in Peking.", "de", "de", True),
    ("Friedrich Merz met Ursula von der Leyen in Berlin.", "en", "de", True),
    # A name fits any language written in letters.
    ("DeepSeek", "de", "de", True),
    ("OpenAI o1", "en", "de", True),
    # --lang en on the seeds: every claim written in letters is English, as before.
    ("Nvidia lost sales to China.", "en", "ja", True),
])
def test_an_answer_is_in_the_language_asked_for(text, lang, written_in, expected):
    assert fits(text, lang, written_in) is expected


def test_the_result_schema_allows_exactly_the_languages_brief_answers_in():
    schema = json.loads((Path(__file__).resolve().parent.parent / "pipeline" / "schemas"
                         / "result.json").read_text())
    assert schema["properties"]["language"]["enum"] == list(NAMES)


def test_chinese_and_japanese_summaries_are_joined_without_spaces():
    assert join_summary(["第一句", "第二句。"], "zh") == "第一句。第二句。"
    assert join_summary(["Erster Satz", "Zweiter Satz."], "de") == "Erster Satz. Zweiter Satz."


def test_a_language_brief_cannot_name_is_answered_in_english_its_copies_allowed():
    welsh = ("Mae'r fferm wynt newydd yn cynhyrchu digon o drydan i ddeng mil o gartrefi. "
             "Dywedodd y cyngor fod y prosiect yn llwyddiant mawr i'r ardal.")
    assert detect(welsh) == "cy" and "cy" not in NAMES
    assert fits(welsh.split(". ")[1], "en", "cy")  # held against English only, as before
