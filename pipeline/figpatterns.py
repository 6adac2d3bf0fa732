"""The regular expressions and character sets figures.py reads numbers with, built from the
tables in units.py: the parser's vocabulary, kept apart from its logic."""

from __future__ import annotations

import re

from pipeline import units as U

FOLD_RUN = re.compile("[" + "".join(f"\\U{c:08x}" for c in sorted(U.FOLD)) + "]+")
KATA = "\u30a1-\u30fa\u30fc\uff66-\uff9f"
EN = r"(?![A-Za-z0-9])"


def table_regex(rows, lead=" ?", tail=""):
    """Compile (ja, en, ...) rows into one alternation whose group uK names the row."""
    parts = []
    for k, (ja, en, *_rest) in enumerate(rows):
        alts = ([f"(?:{ja})"] if ja else []) + ([f"(?:{en}){EN}"] if en else [])
        parts.append(f"(?P<u{k}>{'|'.join(alts)})")
    return re.compile(lead + "(?:" + "|".join(parts) + ")" + tail)


def table_row(m, rows):
    """The row a table_regex match came from."""
    return rows[int(m.lastgroup[1:])]


# also a compound (128k-token, 5-year), but not 3-x, which is more often algebra than "3 times",
# nor a piece of a product code (SKU 4090-GB-2), while a 5-year-old is still 5 years
# French, Spanish and Italian put de/di between an amount and its noun: 3 millions de dollars,
# 5 milliards d'euros, 2,5 milioni di euro, 2 millions de personnes.
UNIT = table_regex(U.UNIT_TABLE, r"(?: (?:de|di) | d['’]| ?|(?P<hy>-)(?=[A-Za-z]{2}))",
                   r"(?(hy)(?!-[0-9A-Z]))")
RATE = table_regex(U.RATE_TABLE)
NUM = re.compile(r"(\d{1,3}(?:,\d{3})+(?!\d)|\d+)(\.\d+)?")  # 1,0000: not 1,000 and a 0
START = re.compile(r"(?=[0-9十数何tThHmMbB])(?:\d|十数|[数何](?=[十百千万億兆])|(?<![A-Za-z])"
                   r"(?i:(?:tens|hundreds|thousands|millions|billions|trillions) of ))")
EN_VAGUE = re.compile(r"(?i:(?:(tens|hundreds) of )?(thousand|million|billion|trillion)s)")
JA_CHARS = frozenset("十百千万億兆亿만억조천백")
JA_MAG = re.compile(r"([十百千천백]?)(万亿|[万億兆亿만억조]?)(?!瓦)")  # 兆瓦 and 千瓦 are MW, kW
# German and French scale words too (5,5 Millionen, 2,3 Mrd., 4 milliards): the number before
# them is read the English way (numerals.py), the word here.
EU_SCALE_RE = "|".join(f"[{w[0].upper()}{w[0]}]{w[1:]}"
                       for w in sorted(U.EU_SCALE, key=len, reverse=True))
EU_ABBREV_RE = r"(?:" + "|".join(U.EU_ABBREV) + r")\.?"
EN_MAG = re.compile(r" ?(?P<w>[Tt]housand|[Mm]illion|[Bb]illion|[Tt]rillion|lakh|crore|"
                    + U.LONG_BILLION + "|" + U.LONG_TRILLION + "|" + EU_SCALE_RE + r")s?" + EN
                    + r"| ?(?P<a>bn|mn|tn|" + EU_ABBREV_RE + r")(?![A-Za-z0-9])"
                    + r"|(?P<l>[kKMBT])" + EN + r"|(?P<c>[mb])" + EN)
# Currency prefixes, from the table that maps them (a new code needs no edit here).
_CODES = [k for k in U.CURRENCY_PREFIX if k.isalpha()]
_SIGNS = "".join(k for k in U.CURRENCY_PREFIX if len(k) == 1)
PRE_CUR = re.compile(r"(?:US ?\$|[" + re.escape(_SIGNS) + r"]|(?<![A-Za-z])(?:"
                     + "|".join(_CODES) + r") ?)\Z")
# A prefix's last character: only a number right after one (or after one and a space, for a
# code) is searched for a prefix.
CUR_LAST = frozenset(k[-1] for k in U.CURRENCY_PREFIX)
CODE_LAST = frozenset(k[-1] for k in _CODES)
PRE_SIGN = re.compile(r"(?:−|▲|△|マイナス|(?<![0-9A-Za-z\-~])-)\Z")
PRE_WORD = re.compile(r"(?:(?P<rate>" + "|".join(U.RATE_PREFIX) + r")|(?P<ja>(?<!\d)(?:"
                      + U.APPROX_PREFIX_JA + r"))|(?<![A-Za-z])(?P<en>(?i:"
                      + U.APPROX_PREFIX_EN + r")) )\Z")
SUF_APPROX = re.compile(U.APPROX_SUFFIX)
CONN = re.compile(r" ?~ ?|から|-| to ")
# Korean spaces its dates (2024년 3월 5일); Japanese does not.
YEAR_TAIL = re.compile(r"[年년](?:([代대])|(?:(?<=년) )?(\d{1,2})[月월](?:(?:(?<=월) )?(\d{1,2})[日일])?|)(半ば|初頭|前半|後半|末|頃|ごろ|"
                       r"初め|中頃)?")
MONTH_DAY = re.compile(r"[月월](?:(?:(?<=월) )?(\d{1,2})[日일])?")
MONTH_BEFORE = re.compile(r"(?<![A-Za-z])" + U.MONTH_RE + r"\.? \Z")
MONTH_AFTER = re.compile(r"(?:st|nd|rd|th)? " + U.MONTH_RE + r"\.?(?:,? (\d{4}))?" + EN)
DAY_YEAR = re.compile(r"(?:st|nd|rd|th)?(?:,? (\d{4}))?" + EN)
ISO = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)|(\d{1,2})/(\d{1,2})/(\d{4})(?!\d)"
                 r"|\d+(?:-\d+){2,}")
LABEL = re.compile(r"章|節|条|項|番目?|号|版|期目?|代目|次(?!元)|時(?!間)")
VERSION_BEFORE = re.compile(r"(?:[A-Z][A-Za-z]*|[" + KATA + r"]+) \Z")
# German capitalises every noun: after its article or preposition a capitalised word is a noun
# ("im Quartal 500 Chips"), not a product's name as in "RTX 4090" (figfilters.rejected).
GERMAN_ARTICLES = "der|die|das|dem|den|des|im|vom|zum|zur|eine[mnrs]?|ein"  # and prepositions with one
GERMAN_NOUN = re.compile(r"(?<![A-Za-z])(?i:" + GERMAN_ARTICLES + r") [A-ZÄÖÜ][a-zäöüß]{2,} \Z")
# Capitalised words that start an English sentence or phrase before a quantity ("About 300"),
# unlike a product name before its number ("RTX 4090", "Ascend 910").
NOT_NAMES = frozenset("""A About Above Almost An And Another Approximately Around As At Below By
    Each Every Exactly For From In Just Less More Nearly Of On Only Or Over Roughly Since Some
    Than The To Under Until Up With""".split())
SIGN = re.compile(r"−|▲|△|-|マイナス")
MONTH_DAY_NUM = re.compile(r"(\d+)月(?:(\d+)日)?")
HALF_UNITS = frozenset({"years", "months", "weeks", "days", "hours", "minutes"})
CURRENCIES = frozenset(U.CURRENCY_PREFIX.values())
GLUE = frozenset("_/#@^\\第제")  # 第2部, 제37조: ordinals
VERSION = re.compile(r"\d\.\d+")
VERSION_NEXT = re.compile(r" [A-Z" + KATA + "]")
SLASH_RATIO = re.compile(r"/(\d+)(?![\d/.,])")
WARI = re.compile(r"割(?:(\d)分)?")
FROM = re.compile(r"(?i:from) \Z")
# Cheap first-character guards: most numbers have no prefix or unit, and skipping the big
# alternations for them keeps number-dense text (tables) fast.
NO_UNIT = frozenset("0123456789,.;:!?)]}>\"'、。，）」』】・\n\t")
PRE_LAST = frozenset(" ~≈" + "".join(w[-1] for w in U.APPROX_PREFIX_JA.split("|"))
                     + "".join(w[-1] for w in U.RATE_PREFIX))
SUF_FIRST = frozenset(w.lstrip("\\")[0] for w in U.APPROX_SUFFIX.split("|"))
SKIP = re.compile(r"[0-9A-Za-z_.,\-/:]*")
MASK = re.compile(U.NOT_FIGURES)
# Up to three words between a number and its noun: a maker's or product's name (2,048 H800 GPUs,
# 50,000 Nvidia GPUs, 10 Huawei Ascend 910B chips) or a qualifier (1M output tokens, 37B active
# parameters, 10 million daily active users). A name's number only follows a name (RTX 4090).
# A clock's words and a street's are no names: "at 5 PM users logged in", "at 9 GMT users said" and
# "350 Fifth Avenue employees" count no users.
NOT_BETWEEN = r"(?:AM|PM|GMT|UTC|JST|CET|CEST|ET|PT|EST|PST|EDT|PDT|BST|KST|IST|Noon|Midnight|" \
              r"Avenue|Ave|Street|St|Road|Rd|Boulevard|Blvd)\b"
BETWEEN = re.compile(r" (?:(?!" + NOT_BETWEEN + r")([A-Z][A-Za-z0-9\-]*)|(\d{2,}[A-Za-z0-9\-]*)|"
                     r"(?:input|output|training|prompt|context|cached|active|total|daily|weekly|"
                     r"monthly|paying|new|more|additional))(?![A-Za-z0-9\-])")
# every duration alike, or "3 more hours" would be read and "3 more days" not
COUNTED = frozenset({"count", "people", "companies", "tokens", "parameters", "years", "months",
                     "weeks", "days", "hours", "minutes", "seconds"})
# 30代, 30歳代: people in their thirties, but not 代目 (an ordinal, a label), nor a count of
# agencies, delegates or generations (30代理店, 20代表, 10代将軍, 20代にわたり), while 20代理系,
# 30代金融, 20代行動 stay ages. 前半/後半/半ば split the decade.
AGE = re.compile(r"[歳才]?代(?!目|表|理(?!系)|替|々|将|当主|続|償|謝|わ[っるれ]|"
                 r"わり(?!と)|金(?![融持銭])|行(?![動員政])|に(?:わた|渡))(前半|後半|半ば)?")
DECADES = frozenset(float(d) for d in range(10, 100, 10))
# Words after which a four-digit number counts things rather than naming a year: "used 2048 H800 GPUs".
COUNT_BEFORE = re.compile(r"(?<![A-Za-z])(?i:used|using|uses|use|with|(?<!as )(?<!As )of|on|only|just|bought|buys|"
                          r"buy|purchased|deployed|needs?|needed|requires?|required|has|had|have) \Z")
YEAR_NEXT = re.compile(r" ?(?:[-–~〜]| to ) ?\d{2,4}(?!\d)")  # May 2023-2024: a range of years
# April to May 2024: not May alone (but in Jan 2024 to Mar 2024 each month has its year)
RANGE_END = re.compile(r"(?<![A-Za-z])" + U.MONTH_RE + r"\.? (?:to|through|until|and) \Z")
