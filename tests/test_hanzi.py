"""Numbers a Chinese document spells in characters."""

import pytest

from pipeline.figures import extract_figures
from pipeline.hanzi import spelled_value


@pytest.mark.parametrize("run,value", [
    ("十五亿", 1.5e9), ("二十", 20), ("一百二十", 120), ("两千", 2000), ("三万亿", 3e12),
    ("十五亿三千万", 1.53e9), ("一百零五", 105), ("二〇二四", 2024), ("九一一", 911),
    # no number: 千万 (by all means) and 万一 (in case) start with no digit; 五四 (May Fourth)
    # and 一百五四 have two digits without a unit between
    ("千万", None), ("万一", None), ("五四", None), ("一百五四", None),
])
def test_a_run_of_numeral_characters_has_its_value(run, value):
    assert spelled_value(run) == value


@pytest.mark.parametrize("text,read", [
    ("每月二十美元", [("二十美元", 20, "USD")]),
    ("十六GB内存", [("十六GB", 1.6e10, "bytes")]),
    ("增长了百分之三十。", [("百分之三十", 30, "percent")]),
    ("二〇二四年发布", [("二〇二四年", 2024, "year")]),
    ("三千五百万人", [("三千五百万人", 3.5e7, "people")]),
    ("第二十条规定", []),  # an ordinal
    ("他千万不要去，万一失败呢", []),
    ("价格是500万美元，约二十亿元", [("500万美元", 5e6, "USD"), ("二十亿元", 2e9, "CNY")]),
])
def test_spelled_numbers_are_figures_with_their_unit(text, read):
    found = extract_figures(text, chinese=True)
    assert [(c.text, c.value, c.unit) for c in found] == [(t, pytest.approx(v), u) for t, v, u in read]
    assert all(text[c.start:c.end] == c.text for c in found)
