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


@pytest.mark.parametrize("lang", sorted(DOCS))
def test_a_document_is_detected_in_its_own_language(lang):
    assert detect(DOCS[lang]) == lang


def test_a_text_without_letters_is_english():
    assert detect("") == "en" and detect("1,200 / 3.5 %") == "en"


def test_kanji_alone_is_japanese_as_the_seeds_claims_always_were():
    assert fits("輸出規制強化", "ja", "ja")
    assert fits("AIは主にパターン認識の誇張である", "ja", "ja")
    assert not fits("Export controls failed.", "ja", "ja")


def test_japanese_with_kana_is_not_chinese_nor_korean():
    assert not fits("AIは主にパターン認識の誇張である", "zh", "zh")
    assert fits("深度求索发布的模型训练成本很低", "zh", "zh")
    assert not fits("AIは主にパターン認識の誇張である", "ko", "ko")
    assert fits("미국의 수출 규제는 효과가 없었다", "ko", "ko")


def test_a_copy_in_the_documents_language_is_not_an_answer_in_english():
    german = "Das Problem ist nicht das Geld, sondern die Planung."
    assert not fits(german, "en", "de")  # brief run --lang en on a German document
    assert fits(german, "de", "de")
    # Asked in German, the model slips into the English of its instructions.
    assert not fits("The problem is not money but planning.", "de", "de")
    assert not fits("미국의 수출 규제는 효과가 없었다", "en", "en")


def test_a_name_fits_any_language_written_in_letters():
    assert fits("DeepSeek", "de", "de") and fits("OpenAI o1", "en", "de")


def test_an_english_answer_about_a_japanese_document_is_not_weighed_against_english():
    # brief run --lang en on the seeds: every claim written in letters is English, as before.
    assert fits("Nvidia lost sales to China.", "en", "ja")


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
