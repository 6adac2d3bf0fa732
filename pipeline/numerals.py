"""A document's way of writing numbers: 1,234.5 (English, Japanese) or 1.234,5 and 1 234,5
(German, French and most of Europe), decided per paragraph, the document's way where a
paragraph does not show its own, and read the English way by figures.py."""

from __future__ import annotations

import re

from pipeline import figpatterns as P
from pipeline import units as U

# Words a European number stands before: units, currencies, scale words, people.
_EU_WORDS = (r"(?:de |d['’]|(?:%|€|\$|Prozent(?:punkte?)?|Euro|EUR|USD|US-Dollar|Dollar|" + P.EU_ABBREV_RE
             + "|(?:" + P.EU_SCALE_RE + r")s?|millions?|pour ?cent|points?|euros?|Grad|"
             r"Kilo(?:meter|gramm)|Tonnen|Stunden|Jahre|Monate|Tage|" + U.EU_PEOPLE + r")(?![A-Za-z]))")
# Signs of the European convention: a decimal comma before one of those words (5,5 Millionen,
# 3,5 %, 4,250 Prozent), dots or spaces grouping thousands before a decimal comma (12.345,67,
# 12 345,67), two dot groups (1.000.000), or a dot group before the euro (1.500 Euro: cents
# have two digits). A bare "3,4" is no sign: a list ([1,2], refs 3,4) or a choice (2,3日,
# "2 or 3 days") writes it in any language.
_EU = re.compile(r"(?<![\d.,])(?:\d+,\d+(?=[ \u00a0\u202f]?" + _EU_WORDS + r")"
                 r"|\d{1,3}(?:([. ])\d{3})(?:\1\d{3})*,\d+(?![\d,])|\d{1,3}(?:\.\d{3}){2,}(?![\d,]|\.\d)"
                 r"|\d{1,3}\.\d{3}(?= ?(?:€|Euro|EUR|euros?)(?![A-Za-z])))")
# Signs of the English one: a comma grouping thousands (5,000, 1,234.5) not before a European
# word (4,250 Prozent is four and a quarter), or a decimal point in 0.012 or before a unit (3.5%).
_EN = re.compile(r"(?<![\d.,])(?:[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?(?![\d,]|\.\d)(?![ \u00a0\u202f]?" + _EU_WORDS + r")"
                 r"|0\.\d+|\d+\.\d{1,2}(?= ?(?:%|percent|million|billion|dollars?|USD|euros?)(?![A-Za-z])))")
# With as many signs of one as of the other (often none: "1.500 Besucher"), the text's commonest
# words decide: German, French, Spanish, Italian and Dutch write 1.234,5.
_EN_WORD = re.compile(r"\b(?:the|and|of|to|is|was|that|with|for|are)\b", re.I)
_EU_WORD = re.compile(r"\b(?:" + P.GERMAN_ARTICLES + r"|und|ist|sind|nicht|mit|von|"
                      r"auf|bei|auch|sich|wird|wurden?|hat|nach|le|la|les|et(?! al\b)|est|une|du|au|"
                      r"aux|dans|pour|avec|sur|qui|pas|sont|el|los|las|y|del|con|por|una|que|en|"
                      r"il|di|della|che|het|een|van)\b", re.I)  # not "per": English too; not "et al."
_KANA = re.compile("[\u3040-\u30ff]")  # Japanese writes 1,234.5
# A European number: thousands grouped by dots with or without decimals, by spaces (French)
# before a decimal comma or a unit, currency, scale word or people (2 500 personnes; but "les 2
# 100 premiers" and "Werte 100 200 300" are numbers apart), or a decimal comma. A date
# (1.1.2024) or a version (3.5) has none of these shapes and is left alone.
_SPACED = r"(?<!\d )\d{1,3}(?P<sp>(?: \d{3})+)"  # 1 234 567, not after a number ("2023 100 000")
_EU_NUMBER = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+"
                        r"|" + _SPACED + r"(?:,\d+|(?= ?" + _EU_WORDS + r")))(?![\d.,]*\d)")
# Thousands grouped by spaces before a unit, currency, percent, scale word or people noun are one
# number in any paragraph: an English one in a French document writes "1 234 567 €" too.
_SPACED_UNIT = re.compile(r"(?<![\d.,])" + _SPACED + r"(?= ?" + _EU_WORDS + r")(?![\d.,]*\d)")
_SWAP = str.maketrans(".,", ",.")
_SPACES = str.maketrans(", ", ".,")
# A long-scale billion or trillion: German's capitalised noun, French's before de or d'.
_LONG = re.compile(r"(?<![A-Za-z$])(?:[BT](?=r?illion(?![a-z]))|[bt](?=r?illions? d(?:e |['’])))")


_PARAGRAPH = re.compile(r"(\n[ \t\u3000]*\n)")


def european_words(text: str) -> bool:
    """More of the commonest words of German, French, Spanish, Italian or Dutch than of English."""
    return len(_EU_WORD.findall(text)) > len(_EN_WORD.findall(text))


def _way(text: str, tie) -> bool:
    """True when the text writes its numbers 1.234,5: more signs of that than of 1,234.5, in a
    text that is not Japanese; `tie(text)` when they are as many."""
    if _KANA.search(text):  # Japanese writes 1,234.5, and 2,3日 is two or three days
        return False
    eu, en = len(_EU.findall(text)), len(_EN.findall(text))
    return eu > en if eu != en else tie(text)


def read_english(text: str) -> str:
    """The text with each paragraph that writes its numbers the European way written the English
    way (as_english), character for character, and spaced thousands before a unit joined."""
    # A paragraph is decided by its own signs, else by the document's, whose words decide a tie:
    # a paragraph's few words are easily someone else's (an English title in German, "van der
    # Berg"). The document's way leaves out its Japanese paragraphs, which would make it English.
    parts = _PARAGRAPH.split(text)
    whole = _way("".join(p for p in parts if not _KANA.search(p)), european_words)
    return "".join(as_english(p) if _way(p, lambda _: whole)
                   else _SPACED_UNIT.sub(lambda m: m.group().replace(" ", ","), p) for p in parts)


def as_english(text: str) -> str:
    """The text with every European number written the English way, character for character
    (12.345,67 -> 12,345.67, 1 000 000 € -> 1,000,000 €, 5,5 -> 5.5), and its long-scale billions
    marked (units.LONG_BILLION), so offsets into it are offsets into the original. Only for a
    text decided European (read_english decides each paragraph)."""
    text = _EU_NUMBER.sub(lambda m: m.group().translate(_SPACES if m.group("sp") else _SWAP), text)
    return _LONG.sub(lambda m: (U.LONG_BILLION if m.group() in "Bb" else U.LONG_TRILLION)[0], text)
