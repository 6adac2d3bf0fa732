"""Unit, multiplier, prefix and not-a-figure tables for figures.py, kept apart from the parser.

Each unit row is (Japanese alternatives, English alternatives, canonical unit, scale): the
value of "5 GB" is 5 * 1e9 bytes. English alternatives get a letter/digit guard appended,
so "5 GBP" never reads as gigabytes. Rows are tried in order, so longer forms come first.
"""

# German, French, Spanish and Italian words for people, also a sign that a number before them is
# written the European way (numerals.py).
EU_PEOPLE = (r"Menschen|Personen|Besucher(?:innen|n)?|Mitarbeiter(?:innen|n)?|Mitarbeitenden?|"
             r"Beschäftigten?|Einwohner(?:innen|n)?|Nutzer(?:innen|n)?|Kunden|Kundinnen|personnes|"
             r"salarié(?:e)?s|habitants|personas|persone")

UNIT_TABLE = (
    # currencies
    ("米ドル|USドル|ドル|美元|달러", r"US\$|USD|US[ -][Dd]ollars?|[Dd]ollars?|\$|dólares", "USD", 1.0),
    ("円|日元|엔", r"JPY|yen", "JPY", 1.0),
    ("人民元|人民币|元|위안", r"CNY|RMB|yuan", "CNY", 1.0),
    ("ユーロ|€|欧元|유로", r"EUR|[Ee]uros?", "EUR", 1.0),
    ("ルピー", r"INR|rupees?", "INR", 1.0),
    ("英ポンド|ポンド", r"GBP", "GBP", 1.0),
    ("ウォン|원(?!칙|인|리|래|전|자|문|형|소|장|료|작|천|본|점|산)|韩元", r"KRW", "KRW", 1.0),
    ("スイスフラン|フラン(?![ァ-ヺー])", r"CHF|Swiss francs?|francs?", "CHF", 1.0),  # not フランス
    # ratios
    ("パーセンタイル", r"(?:st|nd|rd|th)? ?percentiles?", "percentile", 1.0),
    ("%ポイント|ポイント|%p(?![A-Za-z.])|퍼센트포인트|个百分点|百分点", r"percentage points?|pp|Prozentpunkte?", "pp", 1.0),
    ("%|パーセント|퍼센트", r"percent|per cent|Prozent|pour cent", "percent", 1.0),
    ("倍|배", r"times|[x×]|(?<=\d)X(?! [A-Z])", "times", 1.0),  # 10X, not 10 X-ray nor 10X Genomics
    # counts: counters stay coarse on purpose, the model only needs to tell kinds apart
    ("人|名|명", r"people|persons|employees|workers|users|engineers|researchers|students|"
     + EU_PEOPLE, "people", 1.0),
    ("社|家公司|개사", r"companies|firms", "companies", 1.0),
    # GPU hours (GPU時間) measure compute time, not GPUs: they belong to the hours row
    ("個|台|枚|本|件|回|つ|基|機|カ国|か国|ヶ国|ヵ国|个(?!月)|개국|개(?!월)|건|회",
     r"[Cc]hips|GPUs?(?![- ]?[Hh]ours?(?![A-Za-z])| ?時間)|jobs|units|devices|servers|papers|models|"
     r"countries|items", "count", 1.0),
    ("位", "", "rank", 1.0),
    # durations (calendar years are handled by the parser before this table)
    ("カ月間?|ヶ月間?|ケ月間?|ヵ月間?|か月間?|箇月間?|个月|개월", r"months?", "months", 1.0),
    ("週間|週|주간|주일", r"weeks?", "weeks", 1.0),
    ("日間|日|天|일", r"days?", "days", 1.0),
    ("GPU ?時間|時間|小时|시간", r"GPU[- ]?[Hh]ours?|hours?|hrs?", "hours", 1.0),
    ("ミリ秒", r"ms|milliseconds?", "seconds", 1e-3),
    ("秒間?", r"seconds?|secs?", "seconds", 1.0),
    ("分間|分", r"minutes?|mins?", "minutes", 1.0),
    ("年間|年|歳|才|岁|년|살|세(?!대)", r"years?|yrs?", "years", 1.0),
    # AI / computing
    ("トークン", r"tokens?", "tokens", 1.0),
    ("パラメーター|パラメータ", r"parameters?|params", "parameters", 1.0),
    ("", r"EFLOPS", "FLOPS", 1e18),
    ("ペタフロップス", r"PFLOPS", "FLOPS", 1e15),
    ("テラフロップス", r"TFLOPS", "FLOPS", 1e12),
    ("", r"GFLOPS", "FLOPS", 1e9),
    ("フロップス", r"FLOPS", "FLOPS", 1.0),
    ("ペタバイト", r"PB", "bytes", 1e15),
    ("テラバイト", r"TB", "bytes", 1e12),
    ("ギガバイト", r"GB", "bytes", 1e9),
    ("メガバイト", r"MB", "bytes", 1e6),
    ("キロバイト", r"KB|kB", "bytes", 1e3),
    ("バイト", r"bytes", "bytes", 1.0),
    ("", r"GHz", "Hz", 1e9),
    ("", r"MHz", "Hz", 1e6),
    # energy before power so kWh is not read as kW
    ("テラワット時|太瓦时", r"TWh|[Tt]erawatt[- ]?(?:hours?|stunden?)", "Wh", 1e12),
    ("ギガワット時|吉瓦时", r"GWh|[Gg]igawatt[- ]?(?:hours?|stunden?)", "Wh", 1e9),
    ("メガワット時|兆瓦时", r"MWh|[Mm]egawatt[- ]?(?:hours?|stunden?)", "Wh", 1e6),
    ("キロワット時|千瓦时|度电", r"kWh|[Kk]ilowatt[- ]?(?:hours?|stunden?)", "Wh", 1e3),
    ("ギガワット|吉瓦", r"GW|[Gg]i[gj]a ?(?:watts?|vatios?)", "W", 1e9),
    ("メガワット|兆瓦", r"MW|[Mm][eé]ga ?(?:watts?|vatios?)", "W", 1e6),
    ("キロワット|千瓦", r"kW|[Kk]ilo ?(?:watts?|vatios?)", "W", 1e3),
    ("ワット", r"W|[Ww]atts?", "W", 1.0),
    # area and length
    ("平方フィート", r"sq\.? ?ft|square f(?:ee|oo)t", "sqft", 1.0),
    ("平方キロメートル|平方キロ|㎢", r"km2|km²|square kilometres?|square kilometers?", "m2", 1e6),
    ("平方メートル|㎡", r"m2|m²|square metres?|square meters?", "m2", 1.0),
    ("キロメートル", r"km|kilometres?|kilometers?", "m", 1e3),
    ("センチメートル|センチ", r"cm", "m", 1e-2),
    ("ミリメートル", r"mm", "m", 1e-3),
    ("メートル", r"metres?|meters?", "m", 1.0),
    ("マイル", r"miles?", "m", 1609.344),
    ("フィート", r"feet|ft", "m", 0.3048),
    ("キログラム", r"kg", "kg", 1.0),
    ("トン", r"tonnes?|tons?", "kg", 1e3),
)

RATE_TABLE = (
    ("/秒", r"/s|/sec|/second|per second|per sec|a second", "/s"),
    ("/分", r"/min|per minute|a minute", "/min"),
    ("/時間?", r"/h|/hr|/hour|per hour|an hour", "/h"),
    ("/日", r"/day|per day|a day", "/day"),
    ("/月", r"/mo|/month|per month|a month", "/month"),
    ("/年", r"/yr|/year|per year|a year|annually|per annum", "/year"),
)

RATE_PREFIX = {"毎秒": "/s", "毎分": "/min", "毎時": "/h", "時速": "/h", "毎日": "/day",
               "日額": "/day", "毎月": "/month", "月額": "/month", "毎年": "/year",
               "年間": "/year", "年率": "/year", "年額": "/year"}

CURRENCY_PREFIX = {"$": "USD", "US$": "USD", "US $": "USD", "¥": "JPY", "€": "EUR", "£": "GBP",
                   "₹": "INR", "USD": "USD", "JPY": "JPY", "EUR": "EUR", "CNY": "CNY",
                   "RMB": "CNY", "INR": "INR", "GBP": "GBP", "CHF": "CHF"}

APPROX_PREFIX_JA = "約|およそ|おおよそ|凡そ|ほぼ|大体|概ね|推定|最大で|最大|最小で|最小|最低でも|最低|少なくとも|~|≈"
APPROX_PREFIX_EN = ("about|around|approximately|approx\\.|roughly|nearly|almost|over|more than|"
                    "less than|fewer than|up to|at least|at most|under|some|an estimated|"
                    "estimated|circa")
APPROX_SUFFIX = ("以上|以下|未満|を超える|を超え|超え|超|を上回る|を下回る|足らず|余り|あまり|近く|"
                 "前後|程度|ほど|くらい|ぐらい|強|弱|規模|級|余| or more| or so| or less|\\+(?!\\d)")

JA_SMALL = {"": 1.0, "十": 10.0, "百": 100.0, "千": 1000.0, "천": 1000.0, "백": 100.0}
# Chinese writes 亿 for 億; Korean 만, 억, 조 (300만 원, 1조 원) and 천 (3천만).
JA_BIG = {"": 1.0, "万": 1e4, "億": 1e8, "兆": 1e12, "亿": 1e8, "万亿": 1e12, "만": 1e4, "억": 1e8, "조": 1e12}
EN_MULT = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "lakh": 1e5,
           "crore": 1e7, "bn": 1e9, "mn": 1e6, "tn": 1e12, "k": 1e3, "K": 1e3, "M": 1e6,
           "B": 1e9, "T": 1e12, "m": 1e6, "b": 1e9}
# German, French, Spanish, Italian and Dutch scale words, written with the number the European way
# (5,5 Millionen, 2,3 Mrd., 4 milliards: numerals.py): a Milliarde is 10^9, a Billion 10^12.
EU_SCALE = {"millionen": 1e6, "milliarde": 1e9, "milliarden": 1e9, "milliard": 1e9,
            "billionen": 1e12, "millones": 1e6, "milioni": 1e6, "miliardi": 1e9, "miliardo": 1e9,
            "billones": 1e12, "miljoen": 1e6, "miljard": 1e9}
EU_ABBREV = {"Mio": 1e6, "Mrd": 1e9, "Md": 1e9, "Tsd": 1e3}  # each also with its full stop
EN_MULT.update(EU_SCALE)
EN_MULT.update(EU_ABBREV)
# German and French count on the long scale: eine Billion, un billion d'euros = 10^12. numerals.py
# marks such a word in the parse copy of a European text by a private-use first letter (one code
# point for one, so offsets hold); "$3 billion" and "billion dollars" there stay English.
LONG_BILLION, LONG_TRILLION = "\ue000illion", "\ue001rillion"
EN_MULT.update({LONG_BILLION: 1e12, LONG_TRILLION: 1e18})
ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
MONTHS = {m[:3]: k for k, m in enumerate(
    ("January February March April May June July August September October November "
     "December").split(), 1)}

# Full-width ASCII, ideographic space and wave dashes fold one code point to one, so every
# offset into the folded string is also an offset into the original text.
FOLD = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
FOLD.update({0x3000: 0x20, 0x301C: 0x7E, 0x2053: 0x7E, 0xFFE5: 0xA5, 0x2010: 0x2D,
             0x2011: 0x2D, 0x2013: 0x2D, 0xFE6A: 0x25,
             0x00A0: 0x20, 0x202F: 0x20, 0x2009: 0x20})  # French puts a no-break space before %

MONTH_RE = (r"(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
            r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")

URL_START = r"(?:(?:https?|ftp)://|www\.)"  # also what makes a line a reference (segment.py)

# Spans whose digits are never figures: URLs, e-mail, @handles, clock times, hex hashes and
# file names. Each branch starts only at a token start, so the scan stays linear.
NOT_FIGURES = (
    r"(?=[0-9A-Za-z._%+\-@])(?:" + URL_START + r"[^\s<>\"'）」】\]]+"
    r"|(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
    r"|(?<![A-Za-z0-9_])@[A-Za-z0-9_]+"
    r"|(?<![\d:])\d{1,2}:\d{2}(?::\d{2})?(?![\d:])"
    r"|(?<![0-9A-Za-z])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,}(?![0-9A-Za-z])"
    r"|(?<![A-Za-z0-9_\-.])[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*\.(?:txt|pdf|csv|json|html?|md|"
    r"py|js|png|jpe?g|gif|docx?|xlsx?|pptx?|zip|gz|tar)(?![A-Za-z0-9]))"
)
