"""Which language a text is written in, and whether an answer is in the language asked for.

Japanese, Chinese and Korean are told apart by their scripts; languages written in Latin or
Cyrillic letters by py3langid's character n-gram model, which brief does not hand-write: telling
German from Dutch, or Spanish from Portuguese, is a statistical job.
"""

from __future__ import annotations

import re
from functools import lru_cache

# The languages brief answers in (`brief run --lang`), by ISO 639-1 code, with the name the
# prompts use. A document in any other language is answered in English.
NAMES = {
    "ja": "Japanese", "zh": "Chinese", "ko": "Korean", "en": "English", "de": "German",
    "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
    "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish", "pl": "Polish",
    "cs": "Czech", "ro": "Romanian", "hu": "Hungarian", "ca": "Catalan", "el": "Greek",
    "ru": "Russian", "uk": "Ukrainian", "tr": "Turkish", "vi": "Vietnamese", "id": "Indonesian",
}
SCRIPTED = ("ja", "zh", "ko")  # told by their scripts, not by the n-gram model
SPACELESS = ("ja", "zh")  # sentences joined without a space

CJK = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")  # kana and kanji
_HIRAGANA = re.compile("[\u3040-\u309f]")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")
_WORD = re.compile(r"[^\W\d_]{2,}")
# Kanji forms only Japanese writes, and simplified forms only Chinese does, for a text without
# hiragana: a headline (米中対立激化、日本企業影響拡大) or a Chinese text quoting katakana (索尼（ソニー）).
_JA_FORMS = re.compile("[円経済価対発拡処関気売読駅広図歳様県権労働込変転伝営従単戦残歩毎帰黒塩遅払]")
_ZH_FORMS = re.compile("[们这说发经对关价为时过还进报财资业长东车门问间现实场术产计让给吗呢]")
SHARE = 0.1  # of a text's letters, in a script, that make it that script's language
HIRAGANA_SHARE = 0.1  # of its kana and kanji, in hiragana, that make a text Japanese (prose: ~0.5)
HANGUL_SHARE = 0.2  # of its hangul and kanji, in hangul, that make a text Korean (hanja are kanji)
FEW_WORDS = 3  # a Latin text of fewer words (a name, "OpenAI o1") fits any Latin language
MARGIN = 0.75  # log score per character by which another language must lead to refuse an answer
# Languages py3langid tells apart that brief answers in as one: Nynorsk and Bokmål as Norwegian,
# Malay as Indonesian.
ALIASES = {"nn": "no", "nb": "no", "ms": "id"}


def _script(text: str) -> str | None:
    """'ja', 'zh' or 'ko' when that script holds a noticeable share of the letters, else None."""
    letters = sum(1 for ch in text if ch.isalpha())
    if not letters:
        return None
    cjk, hangul = len(CJK.findall(text)), len(_HANGUL.findall(text))
    if (cjk + hangul) / letters <= SHARE:
        return None
    if hangul >= HANGUL_SHARE * (hangul + cjk):
        return "ko"
    if len(_HIRAGANA.findall(text)) >= HIRAGANA_SHARE * cjk:
        return "ja"
    return "ja" if len(_JA_FORMS.findall(text)) > len(_ZH_FORMS.findall(text)) else "zh"


@lru_cache(maxsize=1)
def _identifier():
    """py3langid's model, loaded once (about a second) and only for a text not in CJK scripts."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier
    return LanguageIdentifier.from_model_file(MODEL_FILE)


def _scores(text: str) -> dict[str, float]:
    """py3langid's log score of each language it knows for `text` (best first), but those told by
    their scripts, which `_script` has ruled out."""
    scores: dict[str, float] = {}
    for code, score in _identifier().rank(text):
        code = ALIASES.get(code, code)
        if code not in SCRIPTED:
            scores.setdefault(code, score)
    return scores


def detect(text: str) -> str:
    """The language of a document, by ISO 639-1 code ('en' for one without letters)."""
    script = _script(text)
    if script:
        return script
    if not _WORD.search(text):
        return "en"
    return next(iter(_scores(text)))


def fits(text: str, lang: str, written_in: str) -> bool:
    """Whether `text`, an answer asked in `lang` about a document written in `written_in`, is in
    `lang`: by its script, and for Latin or Cyrillic letters by whether it reads more like `lang`
    than like the document's language or English, the two the model slips into (by a margin: names
    read alike in any). A document in a language brief has no name for is answered in English, and
    its own words are not held against an answer: its claims are mostly copies."""
    script = _script(text)
    if lang == "ja" and written_in != "zh":
        # Kanji alone (輸出規制強化) is Japanese too, as it always was for the seeds' claims.
        return script in ("ja", "zh")
    if lang in SCRIPTED or script:
        return script == lang
    rivals = {lang, "en", *([written_in] if written_in in NAMES else [])} - set(SCRIPTED)
    if len(rivals) == 1 or len(_WORD.findall(text)) < FEW_WORDS:
        return True
    # A claim full of names (Jensen Huang traf Xi Jinping in Peking) reads a little like English;
    # a sentence in another language reads like it by 1.3 to 2.3 a character.
    scores = _scores(text)
    best = max(scores.get(code, float("-inf")) for code in rivals)
    return scores.get(lang, float("-inf")) >= best - MARGIN * len(text)
