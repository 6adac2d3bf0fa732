"""Tests for pipeline.figures: spans, values and units of extracted figure candidates."""

import json
import time
import unicodedata
from pathlib import Path

import pytest

from pipeline.figures import extract_figures

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
GOLD = ROOT.parent / "shared" / "eval" / "gold-dev.json"


def figs(text):
    """Extract and check the span invariants every caller relies on."""
    out = extract_figures(text)
    for c in out:
        assert text[c.start:c.end] == c.text
    assert [c.start for c in out] == sorted(c.start for c in out)
    assert all(a.end <= b.start for a, b in zip(out, out[1:]))
    return out


def one(text):
    """The only candidate in text."""
    out = figs(text)
    assert len(out) == 1, [c.text for c in out]
    return out[0]


def norm(s):
    """The gold file's matching rule: NFKC, commas and spaces removed."""
    return unicodedata.normalize("NFKC", s).replace(",", "").replace(" ", "")


# (text, expected span text, value, unit, value_max, approximate)
CASES = [
    # digits, separators, 万/億/兆
    ("１２３個", "１２３個", 123, "count", None, False),
    ("全部で１，０００人が参加", "１，０００人", 1000, "people", None, False),
    ("総額8兆4530億円の予算", "8兆4530億円", 8453000000000, "JPY", None, False),
    ("5000億ドルのAIインフラ", "5000億ドル", 500000000000, "USD", None, False),
    ("価値は1500億に達する", "1500億", 150000000000, "", None, False),
    ("1億2000万ドルを調達", "1億2000万ドル", 120000000, "USD", None, False),
    ("1万5000人の従業員", "1万5000人", 15000, "people", None, False),
    ("1,000万ドルのモデル", "1,000万ドル", 10000000, "USD", None, False),
    ("円周率は3.14", "3.14", 3.14, "", None, False),
    # approximate and vague: vague value is the order of magnitude (a lower bound)
    ("約100万の利用者", "約100万", 1000000, "", None, True),
    ("数千万ドルかかった", "数千万ドル", 10000000, "USD", None, True),
    ("数十億ドルの損失", "数十億ドル", 1000000000, "USD", None, True),
    ("数百億ドル級の金", "数百億ドル級", 10000000000, "USD", None, True),
    ("十数億円", "十数億円", 1000000000, "JPY", None, True),
    ("数百人の博士", "数百人", 100, "people", None, True),
    ("100人以上が", "100人以上", 100, "people", None, True),
    ("シェアは5%超", "5%超", 5, "percent", None, True),
    ("1000億ドル近くを投資", "1000億ドル近く", 100000000000, "USD", None, True),
    ("7,000万ドル前後で", "7,000万ドル前後", 70000000, "USD", None, True),
    ("3000億ドルを超える", "3000億ドルを超える", 300000000000, "USD", None, True),
    ("最大5000億ドルを投じる", "最大5000億ドル", 500000000000, "USD", None, True),
    ("（~1.2倍）", "~1.2倍", 1.2, "times", None, True),
    ("1万円台の価格", "1万円台", 10000, "JPY", None, True),
    ("about 100 people", "about 100 people", 100, "people", None, True),
    ("more than $5 billion", "more than $5 billion", 5e9, "USD", None, True),
    ("tens of billions of dollars", "tens of billions of dollars", 1e10, "USD", None, True),
    ("millions of chips", "millions of chips", 1e6, "count", None, True),
    # ranges
    ("500万ドルから600万ドルだった", "500万ドルから600万ドル", 5e6, "USD", 6e6, False),
    ("2~3割安い", "2~3割", 20, "percent", 30, False),
    ("2〜3割安い", "2〜3割", 20, "percent", 30, False),
    ("2～3割安い", "2～3割", 20, "percent", 30, False),
    ("9~12カ月前", "9~12カ月", 9, "months", 12, False),
    ("trained 9-12 months ago", "9-12 months", 9, "months", 12, False),
    ("約2~3倍", "約2~3倍", 2, "times", 3, True),
    ("5~10万人", "5~10万人", 50000, "people", 100000, False),
    ("$5-6 million", "$5-6 million", 5e6, "USD", 6e6, False),
    ("2020年から2023年まで", "2020年から2023年", 2020, "year", 2023, False),
    ("2020-2023", "2020-2023", 2020, "year", 2023, False),
    # fractions, percentages, multiples; 割 is percent (3割 -> 30)
    ("コストの30分の1程度", "30分の1程度", 1 / 30, "ratio", None, True),
    ("it costs 1/30 of o1", "1/30", 1 / 30, "ratio", None, False),
    ("精度は80%", "80%", 80, "percent", None, False),
    ("精度は８０％", "８０％", 80, "percent", None, False),
    ("rose 3 percent", "3 percent", 3, "percent", None, False),
    ("96.3パーセンタイル", "96.3パーセンタイル", 96.3, "percentile", None, False),
    ("the 96th percentile", "96th percentile", 96, "percentile", None, False),
    ("約10倍", "約10倍", 10, "times", None, True),
    ("10x faster", "10x", 10, "times", None, False),
    ("3割", "3割", 30, "percent", None, False),
    ("3割5分", "3割5分", 35, "percent", None, False),
    ("−5%", "−5%", -5, "percent", None, False),
    ("▲3.2%", "▲3.2%", -3.2, "percent", None, False),
    # currencies
    ("100米ドル", "100米ドル", 100, "USD", None, False),
    ("550万ルピー", "550万ルピー", 5500000, "INR", None, False),
    ("10億人民元", "10億人民元", 1e9, "CNY", None, False),
    ("10元", "10元", 10, "CNY", None, False),
    ("20ユーロ", "20ユーロ", 20, "EUR", None, False),
    ("price $5", "$5", 5, "USD", None, False),
    ("¥1,000", "¥1,000", 1000, "JPY", None, False),
    ("USD 300", "USD 300", 300, "USD", None, False),
    ("$5.5 million", "$5.5 million", 5.5e6, "USD", None, False),
    ("$6 billion", "$6 billion", 6e9, "USD", None, False),
    ("$6B", "$6B", 6e9, "USD", None, False),
    ("5.5 million dollars", "5.5 million dollars", 5.5e6, "USD", None, False),
    ("€3bn", "€3bn", 3e9, "EUR", None, False),
    ("Nestlé earned 2.5 billion francs", "2.5 billion francs", 2.5e9, "CHF", None, False),
    ("Revenue was CHF 2.5 billion.", "CHF 2.5 billion", 2.5e9, "CHF", None, False),
    ("3億スイスフラン", "3億スイスフラン", 3e8, "CHF", None, False),
    # counts
    ("10台", "10台", 10, "count", None, False),
    ("3社が", "3社", 3, "companies", None, False),
    ("5件", "5件", 5, "count", None, False),
    ("2枚", "2枚", 2, "count", None, False),
    ("3本", "3本", 3, "count", None, False),
    ("4回", "4回", 4, "count", None, False),
    ("5名", "5名", 5, "people", None, False),
    ("10万人", "10万人", 100000, "people", None, False),
    ("3つのダイナミクス", "3つ", 3, "count", None, False),
    ("50,000 chips", "50,000 chips", 50000, "count", None, False),
    ("100,000 jobs", "100,000 jobs", 100000, "count", None, False),
    # years, dates, durations
    ("2007年、", "2007年", 2007, "year", None, False),
    ("2023年半ば", "2023年半ば", 2023, "year", None, True),
    ("1980年代に", "1980年代", 1980, "year", None, True),
    ("in the 1980s", "1980s", 1980, "year", None, True),
    ("founded in 2007.", "2007", 2007, "year", None, False),
    ("令和5年", "令和5年", 2023, "year", None, False),
    ("2025年1月24日", "2025年1月24日", 20250124, "date", None, False),
    ("2023年10月の更新", "2023年10月", 20231000, "date", None, False),
    ("Jan 20, 2025", "Jan 20, 2025", 20250120, "date", None, False),
    ("24 January 2025", "24 January 2025", 20250124, "date", None, False),
    ("2025-01-24", "2025-01-24", 20250124, "date", None, False),
    ("1月24日", "1月24日", None, "date", None, False),
    ("12月にリリース", "12月", None, "date", None, False),  # no year: value unknown
    ("11~12月に訓練", "11~12月", None, "date", None, False),
    ("3ヶ月", "3ヶ月", 3, "months", None, False),
    ("3カ月", "3カ月", 3, "months", None, False),
    ("3か月", "3か月", 3, "months", None, False),
    ("10日", "10日", 10, "days", None, False),
    ("5年間", "5年間", 5, "years", None, False),
    ("24時間", "24時間", 24, "hours", None, False),
    # rates, AI and physical units
    ("毎秒200トークンで", "毎秒200トークン", 200, "tokens/s", None, False),
    ("200 tokens per second", "200 tokens per second", 200, "tokens/s", None, False),
    ("200 tokens/s", "200 tokens/s", 200, "tokens/s", None, False),
    ("年間50億ルピー", "年間50億ルピー", 5e9, "INR/year", None, False),
    ("100万トークン", "100万トークン", 1e6, "tokens", None, False),
    ("15億パラメータ", "15億パラメータ", 1.5e9, "parameters", None, False),
    ("1.5B parameters", "1.5B parameters", 1.5e9, "parameters", None, False),
    ("has 671B in total", "671B", 6.71e11, "", None, False),
    ("DeepSeek 671B", "671B", 6.71e11, "", None, False),  # a parameter count after a name
    ("16GB", "16GB", 16e9, "bytes", None, False),
    ("500 MB", "500 MB", 500e6, "bytes", None, False),
    ("2TB", "2TB", 2e12, "bytes", None, False),
    ("1PFLOPSあたり", "1PFLOPS", 1e15, "FLOPS", None, False),
    ("100万平方フィートの", "100万平方フィート", 1e6, "sqft", None, False),
    ("50km", "50km", 50000, "m", None, False),
    ("100GW", "100GW", 1e11, "W", None, False),
    ("the plant delivers 1,200 megawatts", "1,200 megawatts", 1.2e9, "W", None, False),
    ("used 3.5 terawatt-hours last year", "3.5 terawatt-hours", 3.5e12, "Wh", None, False),
    ("a 60-watt bulb", "60-watt", 60, "W", None, False),
    ("5kWh", "5kWh", 5000, "Wh", None, False),
    # halves, a 千 remainder, ranges of years, dates and signed ends
    ("1年半かけて", "1年半", 1.5, "years", None, False),
    ("2時間半の会議", "2時間半", 2.5, "hours", None, False),
    ("3ヶ月半", "3ヶ月半", 3.5, "months", None, False),
    ("1万2千人が参加", "1万2千人", 12000, "people", None, False),
    ("1億2千万円", "1億2千万円", 1.2e8, "JPY", None, False),
    ("2020年~23年に", "2020年~23年", 2020, "year", 2023, False),
    ("2024年1月〜3月に", "2024年1月〜3月", 20240100, "date", 20240300, False),
    ("2025年1月20日~25日", "2025年1月20日~25日", 20250120, "date", 20250125, False),
    ("-5~-3%", "-5~-3%", -5, "percent", -3, False),
    ("▲5~▲3%", "▲5~▲3%", -5, "percent", -3, False),
    ("−5~3%", "−5~3%", -5, "percent", -3, False),
    ("About 300 of them", "About 300", 300, "", None, True),
    ("9/11", "9/11", 9 / 11, "ratio", None, False),
    # a month of a year, a count with a product's name between, an upper-case X
    ("launched in May 2024.", "May 2024", 20240500, "date", None, False),
    ("by Dec. 2023,", "Dec. 2023", 20231200, "date", None, False),
    ("They used 2,048 H800 GPUs.", "2,048 H800 GPUs", 2048, "count", None, False),
    ("trained on 2048 H800 GPUs", "2048 H800 GPUs", 2048, "count", None, False),
    ("a cluster of 2048 H800 GPUs", "2048 H800 GPUs", 2048, "count", None, False),
    ("3 H20 chips", "3 H20 chips", 3, "count", None, False),
    # ... but a year stays a year, and a month joined to another stays out of it
    ("In 2024 A100 chips were scarce.", "2024", 2024, "year", None, False),
    ("During 2024 A100 chips were scarce.", "2024", 2024, "year", None, False),
    ("As of 2024 H100 GPUs", "2024", 2024, "year", None, False),
    ("the 2023 G7 countries summit", "2023", 2023, "year", None, False),
    ("mid-May 2024", "2024", 2024, "year", None, False),
    ("May–June 2024", "2024", 2024, "year", None, False),
    ("April/May 2024", "2024", 2024, "year", None, False),
    ("April to May 2024", "2024", 2024, "year", None, False),
    ("Jan.-Mar. 2024", "2024", 2024, "year", None, False),
    ("May 2023-2024 season", "2023-2024", 2023, "year", 2024, False),
    ("(May 2024)", "May 2024", 20240500, "date", None, False),
    ("10 X-ray scans", "10", 10, "", None, False),
    ("a 10X speedup", "10X", 10, "times", None, False),
    # ages by decade are years, like 30歳: 30代 is 30 to 39, a bound keeps its low end only
    ("30代の男性", "30代", 30, "years", 39, False),
    ("30歳代", "30歳代", 30, "years", 39, False),
    ("20～30代が中心", "20～30代", 20, "years", 39, False),
    ("20代から30代の利用者", "20代から30代", 20, "years", 39, False),
    ("40代以上は少ない", "40代以上", 40, "years", None, True),
    ("30代前半の社員", "30代前半", 30, "years", 34, True),
    ("30代後半の社員", "30代後半", 35, "years", 39, True),
    # a decade of years without its century: one year figure whose value code cannot know
    ("90年代以降", "90年代", None, "year", None, True),
    ("80~90年代に", "80~90年代", None, "year", None, True),
    ("1990年代後半", "1990年代後半", 1990, "year", None, True),
    # plural products, makers' names and qualifiers between a number and its noun
    ("They used 2048 H800s.", "2048 H800s", 2048, "count", None, False),
    ("10,000 A100s", "10,000 A100s", 10000, "count", None, False),
    ("50,000 H100s and more", "50,000 H100s", 50000, "count", None, False),
    ("8 MI300Xs form a node", "8 MI300Xs", 8, "count", None, False),
    ("it broke 2 RTX 4090s", "2 RTX 4090s", 2, "count", None, False),
    ("2,000 Nvidia H800 chips", "2,000 Nvidia H800 chips", 2000, "count", None, False),
    ("50,000 Nvidia GPUs", "50,000 Nvidia GPUs", 50000, "count", None, False),
    ("10 Huawei Ascend 910B chips", "10 Huawei Ascend 910B chips", 10, "count", None, False),
    ("Over 2,000 Chinese companies", "Over 2,000 Chinese companies", 2000, "companies", None,
     True),
    ("1 million input tokens", "1 million input tokens", 1e6, "tokens", None, False),
    ("1M output tokens", "1M output tokens", 1e6, "tokens", None, False),
    ("37B active parameters", "37B active parameters", 3.7e10, "parameters", None, False),
    ("DeepSeek 671B total parameters", "671B total parameters", 6.71e11, "parameters", None,
     False),
    ("300 million weekly active users", "300 million weekly active users", 3e8, "people",
     None, False),
    ("In 2024 A100s were scarce.", "2024", 2024, "year", None, False),
    ("In 2024 Nvidia GPUs were scarce.", "2024", 2024, "year", None, False),
    ("In 2024 new users came", "2024", 2024, "year", None, False),
    # GPU hours are compute time, not GPUs
    ("2.788M H800 GPU hours", "2.788M H800 GPU hours", 2.788e6, "hours", None, False),
    ("278万8000 GPU時間", "278万8000 GPU時間", 2.788e6, "hours", None, False),
    ("10 GPU-hours", "10 GPU-hours", 10, "hours", None, False),
    ("5万GPUのクラスター", "5万GPU", 50000, "count", None, False),
    # a number and its noun joined into an adjective
    ("a 128k-token context window", "128k-token", 128000, "tokens", None, False),
    ("a 70B-parameter model", "70B-parameter", 7e10, "parameters", None, False),
    ("a 5-year plan", "5-year", 5, "years", None, False),
    ("The 5-year-old startup", "5-year", 5, "years", None, False),
    ("5 GPU Hours", "5 GPU Hours", 5, "hours", None, False),
    # a qualifier reads alike before every duration
    ("It needs 3 more days.", "3 more days", 3, "days", None, False),
    ("3 more hours", "3 more hours", 3, "hours", None, False),
    # a year counts through names only when a product's number is among them
    ("By the end of 2024 Chinese firms had", "2024", 2024, "year", None, False),
    ("In the first half of 2025 new users rose", "2025", 2025, "year", None, False),
    ("At the end of 2024 Nvidia GPUs were scarce", "2024", 2024, "year", None, False),
    ("Compared with 2023 total users rose", "2023", 2023, "year", None, False),
    ("The report on 2025 new models is due", "2025", 2025, "year", None, False),
    ("It trained with 2048 Nvidia H800 GPUs.", "2048 Nvidia H800 GPUs", 2048, "count", None,
     False),
    # a word that counts opens the sentence, capitalised, and is no name
    ("Using 2048 H800 GPUs, they trained", "2048 H800 GPUs", 2048, "count", None, False),
    # a model's size with its multiplier, not a count of models
    ("We fine-tuned the 70B Llama models.", "70B", 7e10, "", None, False),
    ("We fine-tuned two 7B Mistral models.", "7B", 7e9, "", None, False),
    ("It benchmarks the 405B Llama models", "405B", 4.05e11, "", None, False),
    # 代 in a word after the number: agencies, delegates, generations, a shogun's rank
    ("国内30代理店と契約した", "30", 30, "", None, False),
    ("加盟20代表が集まった", "20", 20, "", None, False),
    ("30代表団が参加した", "30", 30, "", None, False),
    ("30代理人", "30", 30, "", None, False),
    ("20代替案", "20", 20, "", None, False),
    ("10代々続く", "10", 10, "", None, False),
    ("創業以来20代にわたり", "20", 20, "", None, False),
    ("徳川10代将軍家治", "10", 10, "", None, False),
    ("20代理系の学生", "20代", 20, "years", 29, False),
    ("30代金融マン", "30代", 30, "years", 39, False),
    ("20代行動調査", "20代", 20, "years", 29, False),
    # ages: the middle of a decade, one bound, a low end that is no decade
    ("30代半ばの女性", "30代半ば", 33, "years", 36, True),
    ("30代以下の社員", "30代以下", 39, "years", None, True),
    ("30代未満", "30代未満", 30, "years", None, True),
    ("15～30代の利用者", "15～30代", 15, "years", 39, False),
    ("20代から30代にかけて", "20代から30代", 20, "years", 39, False),
    # a range's end without its century takes the other end's
    ("1980年代～90年代に成長", "1980年代～90年代", 1980, "year", 1990, True),
    ("1980～90年代に成長", "1980～90年代", 1980, "year", 1990, True),
    ("1970～80年代の日本", "1970～80年代", 1970, "year", 1980, True),
    ("2000～10年代に", "2000～10年代", 2000, "year", 2010, True),
    ("2020年～30年代", "2020年～30年代", 2020, "year", 2030, True),
    ("2020～23年", "2020～23年", 2020, "year", 2023, False),
    ("90年代から2020年まで", "90年代から2020年", 1990, "year", 2020, True),
    ("1980年代から90年代にかけて成長", "1980年代から90年代", 1980, "year", 1990, True),
    ("2010年代から20年代にかけて", "2010年代から20年代", 2010, "year", 2020, True),
    ("2020年代後半から30年代にかけて", "2020年代後半から30年代", 2020, "year", 2030, True),
    # plain numbers
    ("MATH-500で97.3を達成", "97.3", 97.3, "", None, False),
    ("10万の米国の雇用", "10万", 100000, "", None, False),
]


def test_months_with_their_own_years_are_two_dates():
    # "from A to B" is a change, two figures; each month here has its year, unlike April to May 2024.
    for text in ("from May 2023 to June 2024", "Jan 2024 to Mar 2024"):
        assert [c.unit for c in figs(text)] == ["date", "date"]
    assert [c.value for c in figs("between March 2020 and May 2024")] == [20200300, 20240500]


@pytest.mark.parametrize("text,span,value,unit,vmax,approx", CASES)
def test_figure(text, span, value, unit, vmax, approx):
    c = one(text)
    assert (c.text, c.unit, c.approximate) == (span, unit, approx)
    assert c.value == (None if value is None else pytest.approx(value))
    assert c.value_max == (None if vmax is None else pytest.approx(vmax))


@pytest.mark.parametrize("text", [
    # version numbers and model names
    "Claude 3.5", "Claude 3.5 Sonnet", "GPT-4o", "o1", "o1-preview", "DeepSeek-R1", "V3",
    "Qwen2.5", "Llama-3.1", "DeepSeek-V2.5", "クロード3.5ソネット", "クロード 3.5ソネット",
    "3.5ソネット", "H100s", "A100", "MATH-500", "3D", "2nd", "1.2.3",
    # urls, e-mail, handles, hashes, file names, clock times, ids, phone numbers
    "https://example.com/2023/06/page-1.html", "www.example.com/2024", "mail a.b1@ex2.com",
    "@henrythe9ths", "hash 3f9a2b7c11", "commit 1a2b3c4d5e6f", "report_2024.pdf",
    "data2023.csv", "2023.pdf", "9:19 UTC", "23:20 PM", "id 1881663088828776601",
    "03-1234-5678", "0x1F",
    # footnotes, list numbering, ordinals, labels, lone months, leading zeros
    "Claude 3 A100 chips", "Table 2 H100 GPUs show", "10X Genomics",
    "[1]", "{3}", "※1", "^8^", "1) item", "1. item", "  2. item", "1.中国のAI", "(1) 法則",
    "第2部", "01という", "3時に",
    # product numbers after a name; a/b that is no proper fraction; a broken thousands group
    "Ascend 910", "RTX 4090", "5/1に", "24/7", "2020/21", "0000円",
    # idioms: の1つ is "one of", もう1つ "another"
    "AIモデルの1つである", "もう1つの",
    # generations and ordinals with 代 and 世代; a plural product after a version; a hyphen glued
    "第3世代のTPU", "世代", "3代目社長", "10代目", "第20代大統領", "Claude 3 A100s", "COVID-19 era",
    # a hyphen compound inside a product code
    "SKU 4090-GB-2", "Its part no. is 1234-KB-5.",
])
def test_not_a_figure(text):
    assert figs(text) == []


def test_a_price_per_tokens_is_a_price_and_a_token_count():
    got = [(c.text, c.unit) for c in figs("$2.19 per 1M output tokens")]
    assert got == [("$2.19", "USD"), ("1M output tokens", "tokens")]
    # no digits to read before "million": the rate stays a dollar amount
    assert [(c.text, c.unit) for c in figs("$0.14 per million tokens")] == [("$0.14", "USD")]


def test_change_is_two_figures_not_a_range():
    assert [c.text for c in figs("20%から60%に増加")] == ["20%", "60%"]
    assert [c.text for c in figs("100万ドルから1億ドルに増加")] == ["100万ドル", "1億ドル"]
    assert [c.text for c in figs("from 20% to 60%")] == ["20%", "60%"]
    assert [c.text for c in figs("3 to 5 years")] == ["3 to 5 years"]


def test_a_change_between_dates_or_years_stays_two_figures():
    assert [c.text for c in figs("2024年1月から3月に延期")] == ["2024年1月", "3月"]
    assert [c.text for c in figs("2020年から3年")] == ["2020年", "3年"]  # 2003 < 2020: a duration
    assert [c.text for c in figs("2026年から2027年にかけて")] == ["2026年", "2027年"]


def test_a_day_the_month_does_not_have_is_a_date_of_unknown_value():
    assert [(c.text, c.value, c.unit) for c in figs("2025年1月32日")] == [("2025年1月32日", None, "date")]
    assert [(c.text, c.value) for c in figs("on Feb 30, 2025")] == [("Feb 30, 2025", None)]
    assert [(c.text, c.value) for c in figs("2024年2月29日")] == [("2024年2月29日", 20240229)]


def test_a_malformed_thousands_group_is_not_read_as_one():
    assert [(c.text, c.value) for c in figs("1,0000円")] == [("1", 1)]


def test_open_ended_から_is_a_single_figure():
    assert [c.text for c in figs("50ドルから。")] == ["50ドル"]


def test_bare_numbers_and_years_in_context():
    got = [(c.text, c.unit) for c in figs("AIME 2024では79.8%、OpenAI-o1は79.2%であった")]
    assert got == [("2024", "year"), ("79.8%", "percent"), ("79.2%", "percent")]
    assert [(c.text, c.unit) for c in figs("in 2023 we saw 97.3")] == [("2023", "year"),
                                                                      ("97.3", "")]


def test_month_name_dates_and_times():
    got = figs("Posted by b on January 24 2025 at 15:46 UTC")
    assert [(c.text, c.value) for c in got] == [("January 24 2025", 20250124)]


def test_offsets_survive_full_width_text():
    text = "売上は１２３億円、成長率は３割。"
    got = figs(text)
    assert [(c.text, c.value, c.unit) for c in got] == [("１２３億円", 1.23e10, "JPY"),
                                                        ("３割", 30, "percent")]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_seed_invariants(seed):
    out = figs(seed.read_text(encoding="utf-8"))
    assert 0 < len(out) < 150  # precise: a meaningful quantity each, not every digit


@pytest.mark.skipif(not GOLD.exists(), reason="dev gold set not present")
def test_dev_gold_recall_is_complete():
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    missing = []
    for doc_id, doc in gold["docs"].items():
        text = (ROOT / "seeds" / f"{doc_id}.txt").read_text(encoding="utf-8")
        surfaces = [norm(c.text) for c in extract_figures(text)]
        for fig in doc["figures"]:
            if not any(n in s for n in fig["needles"] for s in surfaces):
                missing.append((doc_id, fig["id"]))
    assert missing == []


def test_two_megabytes_is_fast():
    text = "".join(p.read_text(encoding="utf-8") for p in SEEDS)
    big = (text * (2_000_000 // len(text) + 1))[:2_000_000]
    # long runs that would make a backtracking pattern quadratic, not a wall of numbers:
    # cost per number is linear (tens of microseconds), so density alone only scales that
    adversarial = ("ａ" * 500 + "1" * 300 + "-" * 300 + "x." * 300 + "数" * 200 + "1," * 30
                   + "a" * 400 + "@" + "1.2" * 100 + "\n") * 1000
    for sample in (big, adversarial[:2_000_000]):
        t0 = time.perf_counter()
        extract_figures(sample)
        assert time.perf_counter() - t0 < 5.0


def test_deterministic():
    text = SEEDS[0].read_text(encoding="utf-8")
    assert extract_figures(text) == extract_figures(text)


def test_fuzz_keeps_invariants():
    import random
    rnd = random.Random(0)
    pieces = list("0123456789０１２,.-~〜%$¥ 約数十百千万億兆年月日割分の倍人個ドル円 abTBMk:/\n()[]※^第") + [
        "から", "万ドル", "分の1", "Jan ", "million ", "tens of ", "−", "マイナス", "http://", "@",
        "1/", "/2025", "年代", "ヶ月", "代", "代目", "前半", " H800s", " Nvidia", " output", " tokens",
        "GPU時間", "-year"]
    for _ in range(3000):
        figs("".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 30))))


def test_a_clock_time_before_a_noun_counts_nothing():
    assert [(c.text, c.unit) for c in figs("at 5 PM users logged in")] == [("5", "")]


@pytest.mark.parametrize("text", [
    "The outage began at 9 GMT users said.", "At 3 UTC servers went down.",
    "at 8 JST users said", "At 5 CET servers restarted.", "At 12 Noon users logged in.",
    "at 6 PST users", "The office at 350 Fifth Avenue employees love"])
def test_a_time_zone_or_a_street_before_a_noun_counts_nothing(text):
    assert [c.unit for c in figs(text)] in ([], [""])


def test_a_models_size_before_a_name_is_no_count_of_models():
    got = [(c.text, c.unit) for c in figs("They released 7B Qwen models and 72B Qwen models.")]
    assert got == [("7B", ""), ("72B", "")]
    assert [(c.text, c.unit) for c in figs("Meta shipped 8B Instruct models")] == [("8B", "")]
    # a count with a million stays one: nobody sizes GPUs so
    assert one("Nvidia sold 3.76 million Data Center GPUs").unit == "count"
    assert one("DeepSeek 671B total parameters").unit == "parameters"


def test_a_decade_range_across_a_century_and_a_change_to_an_age():
    got = [(c.text, c.value, c.unit, c.value_max) for c in figs("1990年代から00年代にかけて")]
    assert got == [("1990年代から00年代", 1990, "year", 2000)]
    # AからBに is a change: the 20 stays a plain number, not an age without its 代
    got = [(c.text, c.value, c.unit, c.value_max) for c in figs("対象を20から30代に広げた")]
    assert got == [("20", 20, "", None), ("30代", 30, "years", 39)]


# A document that writes 1.234,5 (German, French): its numbers are read that way throughout.
@pytest.mark.parametrize("text,span,value,unit", [
    ("Die Kosten lagen bei 5,5 Millionen Euro.", "5,5 Millionen Euro", 5.5e6, "EUR"),
    ("Ein Anstieg um 3,5 % im Jahr.", "3,5 %", 3.5, "percent"),
    ("rund 2,3 Mrd. Dollar", "2,3 Mrd. Dollar", 2.3e9, "USD"),
    ("für 12.345,67 €", "12.345,67 €", 12345.67, "EUR"),
    ("4 Billionen US-Dollar, 0,5 Prozent", "4 Billionen US-Dollar", 4e12, "USD"),
    ("Le coût: 5,5 millions, soit 2,5 milliards.", "2,5 milliards", 2.5e9, ""),
    ("Das Modell kostet 1.299 Euro statt 1,5 Mio. Euro.", "1.299 Euro", 1299.0, "EUR"),
    ("Das Modell kostet 1.299 Euro statt 1,5 Mio. Euro.", "1,5 Mio. Euro", 1.5e6, "EUR"),
    ("Es wurden 1.000.000 Chips verkauft.", "1.000.000 Chips", 1e6, "count"),
    ("Der Windpark sollte 1.200 Megawatt liefern.", "1.200 Megawatt", 1.2e9, "W"),
    ("Derzeit sind es knapp 8,5 Gigawatt.", "8,5 Gigawatt", 8.5e9, "W"),
    ("Ein Haushalt braucht 2 Kilowattstunden am Tag.", "2 Kilowattstunden", 2e3, "Wh"),
    # Chinese (亿, 美元, 人民币, 个月, 天) and Korean (만/억/조 with 천, spaced compounds, 원, 달러,
    # 명, 개월, 년) write their amounts as Japanese does, with their own multipliers and counters.
    ("深度求索的训练成本为560万美元。", "560万美元", 5.6e6, "USD"),
    ("英伟达市值蒸发了5890亿美元。", "5890亿美元", 5.89e11, "USD"),
    ("投资1000亿元人民币", "1000亿元", 1e11, "CNY"),
    ("模型有15亿个参数。", "15亿个", 1.5e9, "count"),
    ("3个月后价格下降了", "3个月", 3, "months"),
    ("只用了9天", "9天", 9, "days"),
    ("임대료가 한 달에 300만 원을 넘는다.", "300만 원", 3e6, "KRW"),
    ("삼성은 1조 5000억 원을 투자했다.", "1조 5000억 원", 1.5e12, "KRW"),
    ("예산은 1억 2천만 원이다.", "1억 2천만 원", 1.2e8, "KRW"),
    ("5억 달러를 모았다.", "5억 달러", 5e8, "USD"),
    ("100명이 참가했다.", "100명", 100, "people"),
    ("3개월 동안", "3개월", 3, "months"),
    ("2024년 매출이 늘었다.", "2024년", 2024, "year"),
    ("지난 10년 동안", "10년", 10, "years"),
    ("GDP达到126万亿元", "126万亿元", 1.26e14, "CNY"),
    ("装机容量100兆瓦", "100兆瓦", 1e8, "W"),
    ("50亿千瓦时", "50亿千瓦时", 5e12, "Wh"),
    ("增长0.5个百分点", "0.5个百分点", 0.5, "pp"),
    ("금리가 0.5%p 올랐다", "0.5%p", 0.5, "pp"),
    ("직원 1만2천명", "1만2천명", 12000, "people"),
    ("2024년 3월 5일에 발표했다", "2024년 3월 5일", 20240305, "date"),
    ("1990년대에", "1990년대", 1990, "year"),
    ("interest of 5%p.a.", "5%", 5, "percent"),
    ("Le parc produit 500 mégawatts.", "500 mégawatts", 5e8, "W"),
    ("Produce 500 megavatios.", "500 megavatios", 5e8, "W"),
])
def test_european_and_other_number_forms(text, span, value, unit):
    found = {c.text: c for c in figs(text)}
    assert span in found, list(found)
    assert found[span].value == pytest.approx(value)
    assert found[span].unit == unit


# French groups thousands with spaces (often no-break ones) and puts "de" before the currency;
# German and French billions are 10^12 (the long scale), a Milliarde 10^9.
@pytest.mark.parametrize("text,expected", [
    ("Il y avait 2 500 personnes et 3 000 000 de dollars.",
     [("2 500 personnes", 2500, "people"), ("3 000 000 de dollars", 3e6, "USD")]),
    ("Le budget atteint 12\u202f345,67\u00a0€ cette année.", [("12\u202f345,67\u00a0€", 12345.67, "EUR")]),
    ("Le projet coûte 3 billions d'euros, soit 3 000 milliards.",
     [("3 billions d'euros", 3e12, "EUR"), ("3 000 milliards", 3e12, "")]),
    ("Die Staatsschulden liegen bei 2,5 Billionen Euro, die Zinsen bei 1 Billion.",
     [("2,5 Billionen Euro", 2.5e12, "EUR"), ("1 Billion", 1e12, "")]),
    # no sign either way: the text's words decide (1.500 Besucher is fifteen hundred)
    ("Es kamen 1.500 Besucher und die Halle war voll.", [("1.500 Besucher", 1500, "people")]),
    ("The shipment of 1.500 tonnes was late and the port was full.", [("1.500 tonnes", 1500, "kg")]),
    # a number after a number and a space starts no group; an IP address is no number
    ("Im Jahr 2023 kamen 100 000 Besucher.", [("2023", 2023, "year"), ("100 000 Besucher", 1e5, "people")]),
    ("Der Server 192.168.1.10 ist nicht erreichbar, sagte die Firma.", []),
    # an English text keeps short-scale billions, whatever a French word in it
    ("The fund raised 3 billion dollars for la recherche.", [("3 billion dollars", 3e9, "USD")]),
    # ... and so do English billions in a European text: only Billion and "billion(s) de" are long
    ("Laut Reuters wird Nvidia mit $3 billion bewertet, die Aktie stieg um 3,5 Prozent.",
     [("$3 billion", 3e9, "USD"), ("3,5 Prozent", 3.5, "percent")]),
    ("Der Konzern rechnet mit Kosten zwischen 500 Milliarden bis 1 Billion Euro.",
     [("500 Milliarden", 5e11, ""), ("1 Billion Euro", 1e12, "EUR")]),
    # a decimal comma after a year and a space is still one; spaces join only before a unit
    ("Die Inflation lag im Jahr 2023 3,5 Prozent über dem Ziel.",
     [("2023", 2023, "year"), ("3,5 Prozent", 3.5, "percent")]),
    ("Die Tabelle zeigt 100 200 300 als Werte.", [("100", 100, ""), ("200", 200, ""), ("300", 300, "")]),
    # "bis" is no range word: a year after it stays a year
    ("Die EU will die Emissionen um 55 Prozent bis 2030 senken.",
     [("55 Prozent", 55, "percent"), ("2030", 2030, "year")]),
    # Spanish, Italian and Dutch write 1.234,5 too, with their own scale words
    ("La empresa invirtió 3.000 millones de euros en 2023.",
     [("3.000 millones de euros", 3e9, "EUR"), ("2023", 2023, "year")]),
    ("España tiene una deuda de 1,5 billones de euros.", [("1,5 billones de euros", 1.5e12, "EUR")]),
    ("Il debito pubblico è di 2.800 miliardi di euro.", [("2.800 miliardi di euro", 2.8e12, "EUR")]),
    ("Omzet: 1.500 euro en de winst is 2,5 miljoen.", [("1.500 euro", 1500, "EUR"), ("2,5 miljoen", 2.5e6, "")]),
    # German capitalises its nouns: after an article, before a counted thing, one is no product's name
    ("Die Firma verkaufte im Quartal 500 Chips an 300 Kunden.", [("500 Chips", 500, "count"), ("300 Kunden", 300, "people")]),
    ("Sie spielte die Xbox 360 gern.", []),  # no counted thing after it: a name
    ("Im Quartal 50 Chips verkauft, sagte der Chef.", [("50 Chips", 50, "count")]),
    ("Die Nvidia RTX 4090 kostet 1.999 Euro.", [("1.999 Euro", 1999, "EUR")]),
    ("Der Huawei Ascend 910 ist schnell.", []),
    ("Die Version 3.5 der Software ist da.", []),
])
def test_european_groups_scales_and_currencies(text, expected):
    got = [(c.text, c.value, c.unit) for c in figs(text)]
    assert got == [(t, pytest.approx(v), u) for t, v, u in expected]


def test_a_long_scale_range_keeps_both_ends():
    c, = figs("Die Kosten liegen bei 1-2 Billion Euro, sagt die Bank.")
    assert (c.value, c.value_max) == (pytest.approx(1e12), pytest.approx(2e12))


@pytest.mark.parametrize("text,expected", [
    ("It cost 5,500 dollars and 1,234.5 units, 5.5 million.", ["5,500 dollars", "1,234.5 units",
                                                             "5.5 million"]),
    # two English signs against one European: the English reading stays
    ("Sales: 1,000 units, 2,500 units, then 3,5 more.", ["1,000 units", "2,500 units", "3", "5"]),
    ("Am 1.1.2024 kam Claude 3.5 für 5,5 Mio. Euro.", ["5,5 Mio. Euro"]),
    # a list, a pair or a choice ("2 or 3 days") is no decimal comma: 1.500 stays one and a half
    ("Earlier studies [1,2] found a yield of 2.125 percent on 1.500 tonnes.",
     ["1", "2.125 percent", "1.500 tonnes"]),
    ("Prior work (refs 3,4) reported US$1.375 billion.", ["3", "4", "US$1.375 billion"]),
    ("2,3日後に価格は1.250倍になった。", ["2", "3日", "1.250倍"]),
    ("Points (3,4) and (5,6) on the grid; 1,500 people", ["3", "4", "5", "6", "1,500 people"]),
])
def test_number_convention_is_the_documents(text, expected):
    assert [c.text for c in figs(text)] == expected


def test_numbers_read_the_english_way_keep_their_values():
    values = {c.text: c.value for c in figs("Prior work (refs 3,4) reported US$1.375 billion; 1.500 tonnes.")}
    assert (values["US$1.375 billion"], values["1.500 tonnes"]) == (1.375e9, 1500.0)


@pytest.mark.parametrize("text, expected", [
    # one three-decimal number does not make a German text English: 4,250 Prozent is 4.25
    ("Die Inflation lag bei 2,4 Prozent. Der Leitzins liegt bei 4,250 Prozent.",
     [("2,4 Prozent", 2.4), ("4,250 Prozent", 4.25)]),
    # a French no-break space before %
    ("Le chômage atteint 7,3\u202f% en mars, contre 7,1\u00a0% en février.",
     [("7,3\u202f%", 7.3), ("7,1\u00a0%", 7.1)]),
    ("2,3 Mrd Euro und 3,5 Mio Besucher, 0,5 Prozentpunkte", [("2,3 Mrd Euro", 2.3e9), ("3,5 Mio Besucher", 3.5e6),
                                                            ("0,5 Prozentpunkte", 0.5)]),
    # one decimal comma in English (a typo, a quoted value) does not outweigh 0.012
    ("Revenue grew 3,5% while the euro traded at 1.085 dollars and the p-value was 0.012.",
     [("3", 3.0), ("5%", 5.0), ("1.085 dollars", 1.085), ("0.012", 0.012)]),
    # kana make a text Japanese, whatever its commas
    ("価格は5,5 Millionen Euroだった。", [("5", 5.0), ("5 Millionen Euro", 5e6)]),
])
def test_the_convention_weighs_the_signs_of_both(text, expected):
    assert [(c.text, c.value) for c in figs(text)] == [(t, pytest.approx(v)) for t, v in expected]


@pytest.mark.parametrize("text, expected", [
    # a German press release with its English translation: each paragraph by its own signs
    ("Die Firma hat jetzt 1.200 Mitarbeiter und einen Umsatz von 5,5 Millionen Euro.\n\n"
     "The company now has 1,200 employees and revenue of 5.5 million euros.",
     [("1.200 Mitarbeiter", 1200), ("5,5 Millionen Euro", 5.5e6), ("1,200 employees", 1200),
      ("5.5 million euros", 5.5e6)]),
    # a paragraph without signs takes the document's way, whatever its words: an English
    # quotation or title in German is someone else's words
    ("Der Umsatz stieg auf 12.345,67 Euro und die Kosten auf 3.400,00 Euro.\n\n"
     "Der Bestseller „The Art of the Deal“ verkaufte 1.200 Exemplare.",
     [("12.345,67 Euro", 12345.67), ("3.400,00 Euro", 3400), ("1.200", 1200)]),
    ("Die Firma hat 1.200 Mitarbeiter und der Umsatz von 5,5 Millionen Euro ist hoch.\n\n"
     "„We are proud of the team and of the work“, sagte der Chef der 1.500 Mitarbeiter.",
     [("1.200 Mitarbeiter", 1200), ("5,5 Millionen Euro", 5.5e6), ("1.500 Mitarbeiter", 1500)]),
    ("Der Umsatz stieg auf 12.345,67 Euro und die Zahl der Kunden auf 3.400.\n\nKunden: 1.500",
     [("12.345,67 Euro", 12345.67), ("3.400", 3400), ("1.500", 1500)]),
    # a paragraph with no signs of its own takes the document's way; its few words ("per",
    # "van der", "et al.") do not decide it
    ("The euro was stable on the day and the pound fell.\n\n"
     "Rates per unit: EUR 1.085 per USD, GBP 1.265 per USD, CHF 1.125 per USD.",
     [("EUR 1.085", 1.085), ("GBP 1.265", 1.265), ("CHF 1.125", 1.125)]),
    ("The effect of the dose was repeated and the yield rose.\n\n"
     "References: van der Berg et al.; van Dijk et al.; Roux et al. report a 1.125 ratio.",
     [("1.125", 1.125)]),
    # spaces group thousands before a currency in an English paragraph of a French document
    ("Le chiffre d'affaires atteint 1 234 567 € et la marge est de 3,5 % pour le groupe.\n\n"
     "Revenue was 1 234 567 € and the margin 3.5%.",
     [("1 234 567 €", 1234567), ("3,5 %", 3.5), ("1 234 567 €", 1234567), ("3.5%", 3.5)]),
    # a Japanese paragraph does not make the rest of the document English
    ("Die Zahl der Besucher lag bei 1.500 und die der Aussteller bei 2.300.\n\n"
     "日本語の要約：来場者は1,500人だった。", [("1.500", 1500), ("2.300", 2300), ("1,500人", 1500)]),
    # an English paragraph in a Japanese document is read by its own signs
    ("価格は1,500円だった。\n\nThe price was 2.300,50 dollars and 1.500,25 euros.",
     [("1,500円", 1500), ("2.300,50 dollars", 2300.5), ("1.500,25 euros", 1500.25)]),
])
def test_each_paragraph_writes_its_numbers_its_own_way(text, expected):
    got = [(c.text, c.value) for c in figs(text)]
    assert got == [(t, pytest.approx(v)) for t, v in expected]
    assert all(text[c.start:c.end] == c.text for c in figs(text))


def test_per_and_et_al_are_no_sign_of_a_european_text():
    assert [c.value for c in figs("Rates per unit: EUR 1.085 per USD, GBP 1.265 per USD.")] == \
        [pytest.approx(1.085), pytest.approx(1.265)]
    assert [c.value for c in figs("Roux et al., Petit et al., Blanc et al.: a 1.125 ratio")] == \
        [pytest.approx(1.125)]



def test_a_korean_space_joins_only_a_compound_amount():
    assert [c.text for c in figs("2억 3명이 왔다.")] == ["2억", "3명"]


@pytest.mark.parametrize("text,read", [
    ("헌법 제37조에 따르면", []),  # an article (제 as 第), not 37 trillion
    ("100만 주를 매각했다", [("100만", "")]),  # shares, not weeks
    ("5세대 이동통신", [("5", "")]),  # a generation, not years of age
    ("3원칙을 세웠다", [("3", "")]),  # principles, not won
])
def test_korean_words_that_are_not_units(text, read):
    assert [(c.text, c.unit) for c in figs(text)] == read
