"""Reading input files: discovery, encodings, binary files, HTML and Markdown."""

import codecs
import hashlib
import json
import os
import random
import re
import signal
from pathlib import Path

import pytest

from pipeline.documents import discover, html_to_text, load_document, sha256_bytes
from pipeline.errors import DocumentError, SkipDocument, UsageError

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))

JA_LONG = ("中国のスタートアップ企業DeepSeek社によるAIモデルDeepSeek-R1は、先週のリリースから"
           "数時間後、AIオープンソースプラットフォームHugging Faceで最もダウンロードされ"
           "アクティブなモデルのチャートでトップに躍り出ました。\n"
           "また、このニュースは金融市場に衝撃を与えました。\n")
JA_SHORT = "中国のスタートアップ企業DeepSeek社によるAIモデル"
JA_TINY = "ありがとう"


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---- encodings ----

@pytest.mark.parametrize("text", [JA_LONG, JA_SHORT, JA_TINY], ids=["long", "short", "tiny"])
@pytest.mark.parametrize("codec, expected", [
    ("utf-8", "utf-8"),
    ("utf-8-sig", "utf-8-sig"),
    ("utf-16", "utf-16"),
    ("cp932", "cp932"),
    ("shift_jis", "cp932"),
    ("euc_jp", "euc_jp"),
])
def test_japanese_encodings(tmp_path, text, codec, expected):
    path = write(tmp_path, "doc.txt", text.encode(codec))
    doc = load_document(path)
    assert doc.text == text
    assert doc.encoding == expected


@pytest.mark.parametrize("bom, codec", [
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
])
def test_utf16_both_byte_orders(tmp_path, bom, codec):
    path = write(tmp_path, "doc.txt", bom + JA_LONG.encode(codec))
    doc = load_document(path)
    assert doc.text == JA_LONG
    assert doc.encoding == "utf-16"


def test_utf8_bom_is_stripped(tmp_path):
    doc = load_document(write(tmp_path, "doc.txt", codecs.BOM_UTF8 + "見出し\n本文。".encode()))
    assert doc.text == "見出し\n本文。"
    assert not doc.text.startswith("\ufeff")


def test_euc_jp_with_kanji_and_kana_is_not_misread_as_cp932(tmp_path):
    text = "日本語の文章です。漢字とひらがなとカタカナが混ざっています。"
    doc = load_document(write(tmp_path, "doc.txt", text.encode("euc_jp")))
    assert (doc.text, doc.encoding) == (text, "euc_jp")


def test_korean_euc_kr_is_not_read_as_japanese(tmp_path):
    # Valid EUC-JP too, as kanji without a single kana: 딥시크는 read as 許獣滴澗.
    text = "딥시크는 새로운 모델을 출시했습니다. 이 모델은 오픈AI의 모델보다 저렴하고 빠릅니다."
    doc = load_document(write(tmp_path, "doc.txt", text.encode("euc_kr")))
    assert doc.text == text
    assert doc.encoding in ("euc_kr", "cp949")


@pytest.mark.parametrize("text", ["딥시크는 좋다", "딥시크 모델 출시", "한국어 문서입니다.", "인공지능 규제 강화",
                                  "이 문서는 중요합니다", "딥시크가 새 모델을 공개했다", "“경제 위기” 경고",
                                  "정부는 규제를 강화한다"])
def test_a_short_korean_euc_kr_text_is_not_read_as_japanese(tmp_path, text):
    # Fewer than KANALESS_CHARS characters: spaced words or particles tell it from kanji.
    doc = load_document(write(tmp_path, "doc.txt", text.encode("euc_kr")))
    assert (doc.text, doc.encoding) == (text, "euc_kr")


# Read as EUC-KR these spell common syllables too (人生 -> 와으, 研 -> 를), but as one word.
@pytest.mark.parametrize("text", ["東京大学", "人工知能研究所", "中国製半導体輸出規制", "人生相談", "企業研究",
                                  "研修生 人数", "推薦入試", "研究所の人", "中国 人工知能 研究", "新型 半導体 規制 強化",
                                  "消費税 増税", "米国 関税 25%", "説明 推計 企業"])
def test_a_short_kanji_only_euc_jp_text_stays_japanese(tmp_path, text):
    doc = load_document(write(tmp_path, "doc.txt", text.encode("euc_jp")))
    assert (doc.text, doc.encoding) == (text, "euc_jp")


@pytest.mark.parametrize("text", ["ﾃﾞｨｰﾌﾟｼｰｸ ﾓﾃﾞﾙ", "ｺﾝﾋﾟｭｰﾀ 2024ﾈﾝ ﾓﾃﾞﾙ", "ﾐﾙｸ ﾗｲｽ"])
def test_half_width_katakana_alone_in_shift_jis_is_read(tmp_path, text):
    doc = load_document(write(tmp_path, "doc.txt", text.encode("cp932")))
    assert (doc.text, doc.encoding) == (text, "cp932")


@pytest.mark.parametrize("text,codec", [("ÀÉÎ ÔÛ", "cp1252"), ("ДЛЯ", "cp1251"), ("ВРЕМЯ 2024", "cp1251"),
                                         ("общая информация", "koi8_r")])
def test_latin_capitals_and_cyrillic_are_not_read_as_half_width_katakana(tmp_path, text, codec):
    # CP932 reads bytes C0-DF as ﾀ-ﾟ (ДЛЯ -> ﾄﾋﾟ): no katakana word without one of ｦ-ｿ.
    with pytest.raises(DocumentError, match="cannot decode text"):
        load_document(write(tmp_path, "doc.txt", text.encode(codec)))


@pytest.mark.parametrize("text", ["Fußball", "STRAßE 5", "25° C"])
def test_latin_letters_beside_a_katakana_byte_stay_latin(tmp_path, text):
    doc = load_document(write(tmp_path, "doc.txt", text.encode("cp1252")))
    assert (doc.text, doc.encoding) == (text, "cp1252")


RUSSIAN = ["Привет, мир! DeepSeek выпустил новую модель.",  # was read as Shift_JIS half-width kana
           "Компания DeepSeek заявила, что обучение стоило 5,6 млн долларов.",
           "МИНИСТЕРСТВО ФИНАНСОВ",  # one case only: told apart by how often Russian uses each letter
           "нет, спасибо",
           "США И НАТО"]


@pytest.mark.parametrize("text, codec", [(t, c) for t in RUSSIAN for c in ("koi8_r", "cp1251")]
                         + [("Он сказал: «Нет» — и ушёл…", "cp1251")])
def test_russian_in_koi8_r_or_cp1251_is_not_read_as_japanese(tmp_path, text, codec):
    doc = load_document(write(tmp_path, "doc.txt", text.encode(codec)))
    assert (doc.text, doc.encoding) == (text, codecs.lookup(codec).name)


def test_a_declared_russian_charset_is_trusted(tmp_path):
    page = '<meta charset="windows-1251"><p>США И НАТО</p>'.encode("cp1251")
    assert load_document(write(tmp_path, "p.html", page)).text.strip() == "США И НАТО"


@pytest.mark.parametrize("text", ["Je vais à Paris à midi.", "O café é bom e a comida é ótima."])
def test_lone_accented_letters_stay_latin(tmp_path, text):
    # Each reads in CP1251 as a one-letter Cyrillic word (à → а).
    doc = load_document(write(tmp_path, "doc.txt", text.encode("cp1252")))
    assert (doc.text, doc.encoding) == (text, "cp1252")


@pytest.mark.parametrize("text", ["très bien", "Ils sont très forts.", "Voilà, après", "Ça va"])
def test_an_accented_letter_before_a_letter_stays_latin(tmp_path, text):
    # è and the s after it are one rare kanji in CP932 (tr鑚), at the end of the word.
    doc = load_document(write(tmp_path, "doc.txt", text.encode("cp1252")))
    assert (doc.text, doc.encoding) == (text, "cp1252")


@pytest.mark.parametrize("text", ["A社", "X線", "ChatGPT級", "iPhone用", "Apple社の売上"])
@pytest.mark.parametrize("codec", ["cp932", "euc_jp"])
def test_a_common_kanji_after_a_latin_word_stays_japanese(tmp_path, text, codec):
    doc = load_document(write(tmp_path, "doc.txt", text.encode(codec)))
    assert doc.text == text


def test_a_cp932_variant_kanji_is_japanese(tmp_path):
    # 﨑 (U+FA11) is one of CP932's own kanji: counted as foreign, 山﨑Tech社 read as ŽRí•Tech….
    doc = load_document(write(tmp_path, "doc.txt", "山﨑Tech社".encode("cp932")))
    assert (doc.text, doc.encoding) == ("山﨑Tech社", "cp932")


def test_a_few_kanji_in_euc_jp_are_not_read_as_cyrillic(tmp_path):
    # Their bytes are 0xA1-0xFE, Cyrillic letters in KOI8-R and CP1251 too.
    rng = random.Random(1)
    kanji = sorted(set(re.findall(r"[\u4e00-\u9fff]", JA_LONG + "態範府努孫設層損彼廃模姿狙晩登明付番")))

    def word(n):
        return "".join(rng.choice(kanji) for _ in range(n))

    for i in range(200):
        for text in (word(3 + i % 2), f"{word(3)} 2025", f"{word(2)} AI", f"{word(2)} {word(3)} {word(2)}"):
            doc = load_document(write(tmp_path, "doc.txt", text.encode("euc_jp")))
            assert doc.encoding not in ("koi8-r", "cp1251"), text
    assert load_document(write(tmp_path, "doc.txt", "北京 上海 広州".encode("euc_jp"))).encoding == "euc_jp"


def test_cp932_extensions(tmp_path):
    text = "売上は①～③の合計で、約１００％増えた。"  # ～ (U+FF5E): CP932 has no 〜 (U+301C)
    doc = load_document(write(tmp_path, "doc.txt", text.encode("cp932")))
    assert (doc.text, doc.encoding) == (text, "cp932")


def test_cp1252_english(tmp_path):
    text = "The café served crème brûlée to the naïve critic, who wrote a résumé of it. " * 3
    doc = load_document(write(tmp_path, "doc.txt", text.encode("cp1252")))
    assert (doc.text, doc.encoding) == (text, "cp1252")


def test_particles_between_english_words_are_still_japanese(tmp_path):
    text = "これはOpenAIのGPT-4o、AnthropicのClaude、GoogleのGeminiを上回ると主張しています。"
    for codec in ("cp932", "euc_jp"):
        doc = load_document(write(tmp_path, f"{codec}.txt", text.encode(codec)))
        assert (doc.text, doc.encoding) == (text, codec)


def test_undecodable_bytes_are_a_document_error(tmp_path):
    data = b"abc \x81\xff\xfd\x85\x86 " + bytes(range(1, 9)) + bytes(range(0x0e, 0x1b))
    path = write(tmp_path, "broken.txt", data)
    with pytest.raises(DocumentError) as info:
        load_document(path)
    assert not isinstance(info.value, SkipDocument)
    message = str(info.value)
    assert message.startswith(f"{path}: cannot decode text")
    assert message.endswith("re-save it as UTF-8")
    assert "\n" not in message


def test_corrupt_shift_jis_is_a_document_error_not_mojibake(tmp_path):
    path = write(tmp_path, "corrupt.txt", JA_SHORT.encode("cp932")[:-1] + b"\xff")
    with pytest.raises(DocumentError) as info:
        load_document(path)
    assert str(info.value) == (f"{path}: cannot decode text (not UTF-8, UTF-16, Shift_JIS/CP932 "
                               "or EUC-JP); re-save it as UTF-8")


def test_damaged_utf8_names_the_bad_byte_instead_of_guessing_latin(tmp_path):
    path = write(tmp_path, "cafe.txt", "The café in Zürich sold 5 crêpes.".encode() + b"\xff\n")
    with pytest.raises(DocumentError) as info:
        load_document(path)
    assert str(info.value) == (f"{path}: invalid UTF-8 at byte 36 (the rest is UTF-8); fix that "
                               "byte, or drop bad bytes with iconv -f UTF-8 -t UTF-8 -c")


def test_damaged_utf8_with_no_good_character_names_the_bad_byte(tmp_path):
    # An encoded surrogate: UTF-8's shape, not its content. Guessed, it read as CP1125 (bad эаА).
    path = write(tmp_path, "s.txt", b"bad \xed\xa0\x80 surrogate. more text here.")
    with pytest.raises(DocumentError, match=r"invalid UTF-8 at byte 4 \(the rest is UTF-8\)"):
        load_document(path)


@pytest.mark.parametrize("text", ["Ça va? Oui, ça va très bien, merci.",
                                  "Le café coûte 5 € • Très élevé à Noël.", "Trademark™ „quoted“ café",
                                  # bytes that would look like UTF-8 if the ASCII between them went
                                  "Café – 5 €", "à la carte — 5 …", "Trademark café „quoted“"])
def test_western_text_with_its_signs_is_cp1252(tmp_path, text):
    # Read as CP932 (ﾇa va, 軋 va tr鑚) or, for • ™ „, guessed as CP1250 (coűte) before.
    doc = load_document(write(tmp_path, "fr.txt", text.encode("cp1252")))
    assert (doc.text, doc.encoding) == (text, "cp1252")


def test_damaged_japanese_utf8_names_the_bad_byte(tmp_path):
    data = JA_LONG.encode()
    path = write(tmp_path, "ja.txt", data[:30] + b"\xff" + data[30:])
    with pytest.raises(DocumentError, match=r"invalid UTF-8 at byte 30 \(the rest is UTF-8\)"):
        load_document(path)


@pytest.mark.parametrize("codec, name", [("utf-16-le", "UTF-16LE"), ("utf-16-be", "UTF-16BE")])
@pytest.mark.parametrize("text", [JA_LONG, "米国の輸出規制は効果を上げていると筆者は主張している。中国は反発した。",
                                  "米国の対中半導体輸出規制について政府は発表した"])  # no stop, no space
def test_utf16_without_bom_says_so_instead_of_binary(tmp_path, codec, name, text):
    path = write(tmp_path, "nobom.txt", text.encode(codec))
    with pytest.raises(DocumentError) as info:
        load_document(path)
    assert not isinstance(info.value, SkipDocument)
    assert str(info.value) == (f"{path}: looks like UTF-16 text without a byte-order mark; "
                               f"re-save it as UTF-8 (iconv -f {name} -t UTF-8)")


def test_bad_utf16_after_bom_is_a_document_error(tmp_path):
    path = write(tmp_path, "odd.txt", codecs.BOM_UTF16_LE + "abc".encode("utf-16-le") + b"\x00\xd8")
    with pytest.raises(DocumentError, match="re-save it as UTF-8"):
        load_document(path)


def test_sha256_is_over_the_raw_bytes(tmp_path):
    raw = JA_LONG.encode("cp932")
    doc = load_document(write(tmp_path, "doc.txt", raw))
    assert doc.sha256 == hashlib.sha256(raw).hexdigest() == sha256_bytes(raw)


# ---- text handling ----

def test_newlines_are_normalised(tmp_path):
    doc = load_document(write(tmp_path, "doc.txt", "一行目。\r\n二行目。\r三行目。\n".encode()))
    assert doc.text == "一行目。\n二行目。\n三行目。\n"


def test_text_is_not_nfkc_normalised(tmp_path):
    text = "ＡＩの性能は１００％向上、ｶﾀｶﾅもそのまま。"
    assert load_document(write(tmp_path, "doc.txt", text.encode())).text == text


def test_empty_file(tmp_path):
    doc = load_document(write(tmp_path, "empty.txt", b""))
    assert (doc.text, doc.encoding, doc.chars) == ("", "utf-8", 0)
    assert doc.sha256 == hashlib.sha256(b"").hexdigest()


def test_whitespace_only_file_keeps_its_text(tmp_path):
    assert load_document(write(tmp_path, "blank.txt", b"  \n\t\n")).text == "  \n\t\n"


def test_id_path_and_kind(tmp_path):
    path = write(tmp_path, "report.final.txt", b"hello")
    doc = load_document(path)
    assert (doc.id, doc.path, doc.kind) == ("report.final", path, "text")


def test_names_with_spaces_and_non_ascii(tmp_path):
    path = write(tmp_path, "会議 メモ 2025.txt", JA_SHORT.encode())
    doc = load_document(path)
    assert doc.id == "会議 メモ 2025"
    assert doc.text == JA_SHORT


def test_markdown_is_kept_as_written(tmp_path):
    text = "# 見出し\n\n- 項目 **強調**\n"
    doc = load_document(write(tmp_path, "notes.md", text.encode()))
    assert (doc.kind, doc.text) == ("markdown", text)


def test_unreadable_path_is_a_document_error(tmp_path):
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    with pytest.raises(DocumentError, match=r"cannot read file"):
        load_document(folder)


# ---- binary files ----

@pytest.mark.parametrize("data, what", [
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG image"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF document"),
    (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "zip archive or Office document"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
    (b"GGUF\x03\x00\x00\x00" + bytes(32), "GGUF model"),
    (b"hello\x00world\x00", "contains NUL bytes"),
])
def test_binary_files_are_skipped(tmp_path, data, what):
    path = write(tmp_path, "picture.txt", data)
    with pytest.raises(SkipDocument) as info:
        load_document(path)
    assert str(info.value) == f"{path}: binary file ({what}), skipped"


def test_a_folder_that_cannot_be_listed_fails_alone_with_its_name(tmp_path, monkeypatch):
    write(tmp_path, "a.txt", b"hello.\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    write(locked, "in.txt", b"hidden.\n")
    real_scandir, real_listdir = os.scandir, os.listdir

    def refuse(real):
        def call(path="."):
            if Path(path) == locked:  # chmod 000 does not stop root, who runs CI here
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)
        return call

    monkeypatch.setattr(os, "scandir", refuse(real_scandir))
    monkeypatch.setattr(os, "listdir", refuse(real_listdir))
    assert discover([tmp_path]) == [tmp_path / "a.txt", locked]
    with pytest.raises(DocumentError) as info:
        load_document(locked)
    assert str(info.value) == f"{locked}: cannot read folder (Permission denied); check its permissions"


def test_a_pipe_inside_a_folder_is_skipped_not_read(tmp_path):
    """Reading a FIFO blocks until a writer comes: a cron run would hang holding its lock."""
    write(tmp_path, "a.txt", b"hello.\n")
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    assert discover([tmp_path]) == [tmp_path / "a.txt", pipe]

    def hung(*_):
        raise TimeoutError("load_document blocked on the pipe")

    signal.signal(signal.SIGALRM, hung)
    signal.alarm(5)
    try:
        with pytest.raises(SkipDocument) as info:
            load_document(pipe)
    finally:
        signal.alarm(0)
    assert str(info.value) == f"{pipe}: not a regular file (a pipe, socket or device), skipped"


# ---- HTML ----

HTML = """<!DOCTYPE html>
<html><head><title>Page title</title><style>p { color: red; }</style>
<script>var x = "<p>not text</p>";</script></head>
<body>
<h1>AI &amp; 中国</h1>
<p>First   paragraph
with <b>bold</b> text &lt;tag&gt; and&nbsp;space.</p>


<p>日本語の段落は
改行されても続く。</p>
<ul><li>one</li><li>two</li></ul>
<p>line<br>break &#x4E2D;&#22269;</p>
<script>document.write("hidden")</script>
</body></html>
"""


def test_html_is_stripped_to_text(tmp_path):
    doc = load_document(write(tmp_path, "page.html", HTML.encode()))
    assert doc.kind == "html"
    assert doc.text == ("AI & 中国\n\n"
                        "First paragraph with bold text <tag> and\xa0space.\n\n"
                        "日本語の段落は改行されても続く。\n\n"
                        "one\ntwo\n\n"
                        "line\nbreak 中国")
    assert doc.sha256 == hashlib.sha256(HTML.encode()).hexdigest()


def test_html_without_head_or_body_tags():
    assert html_to_text("<div>a</div><div>b</div><style>x</style>c") == "a\n\nb\n\nc"


def test_html_unclosed_head_ends_at_body():
    assert html_to_text("<head><title>t</title><body><p>本文</p>") == "本文"


def test_html_crlf_source(tmp_path):
    doc = load_document(write(tmp_path, "page.htm", b"<p>one</p>\r\n<p>two</p>\r\n"))
    assert (doc.kind, doc.text) == ("html", "one\n\ntwo")


def test_html_wrong_latin1_declaration_is_ignored(tmp_path):
    html = '<meta charset="iso-8859-1"><p>日本語のページです。</p>'
    doc = load_document(write(tmp_path, "page.html", html.encode("euc_jp")))
    assert (doc.text, doc.encoding) == ("日本語のページです。", "euc_jp")


def test_iso2022_jp(tmp_path):
    doc = load_document(write(tmp_path, "mail.txt", JA_LONG.encode("iso2022_jp")))
    assert (doc.text, doc.encoding) == (JA_LONG, "iso2022_jp")


def test_html_declared_shift_jis(tmp_path):
    html = '<html><head><meta charset="Shift_JIS"></head><body><p>日本語です。</p></body></html>'
    doc = load_document(write(tmp_path, "page.html", html.encode("cp932")))
    assert (doc.text, doc.encoding) == ("日本語です。", "cp932")


# ---- discover ----

def make_tree(root):
    (root / "b").mkdir(parents=True)
    (root / "a.txt").write_text("a")
    (root / "b" / "c.txt").write_text("c")
    (root / "c.txt").write_text("c")
    (root / ".hidden.txt").write_text("h")
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("g")
    (root / "out").mkdir()
    (root / "out" / "summary.json").write_text("{}")
    return root


def test_discover_is_recursive_sorted_and_skips_hidden(tmp_path):
    root = make_tree(tmp_path / "docs")
    assert discover([root]) == [root / "a.txt", root / "b" / "c.txt", root / "c.txt",
                                root / "out" / "summary.json"]


def test_discover_skips_the_output_folder(tmp_path):
    root = make_tree(tmp_path / "docs")
    assert discover([root], exclude=root / "out") == [root / "a.txt", root / "b" / "c.txt",
                                                     root / "c.txt"]


def test_discover_exclude_given_relative(tmp_path, monkeypatch):
    root = make_tree(tmp_path / "docs")
    monkeypatch.chdir(root)
    assert discover([Path(".")], exclude=Path("out")) == [Path("a.txt"), Path("b/c.txt"),
                                                         Path("c.txt")]


def test_discover_keeps_explicit_files_and_argument_order(tmp_path):
    root = make_tree(tmp_path / "docs")
    hidden = root / ".hidden.txt"
    assert discover([root / "c.txt", hidden, root / "a.txt"]) == [root / "c.txt", hidden,
                                                                 root / "a.txt"]


def test_discover_reads_a_file_once(tmp_path):
    root = make_tree(tmp_path / "docs")
    found = discover([root / "a.txt", root, root / "a.txt"], exclude=root / "out")
    assert found == [root / "a.txt", root / "b" / "c.txt", root / "c.txt"]


def test_discover_names_with_spaces_and_non_ascii(tmp_path):
    folder = tmp_path / "議事録 フォルダ"
    folder.mkdir()
    (folder / "会議 メモ.txt").write_text("メモ", encoding="utf-8")
    (folder / "notes v2.md").write_text("notes", encoding="utf-8")
    assert discover([folder]) == [folder / "notes v2.md", folder / "会議 メモ.txt"]


def test_discover_missing_path(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(UsageError) as info:
        discover([missing])
    assert str(info.value) == f"{missing}: no such file or folder; check the path"


def test_discover_empty_folder(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UsageError) as info:
        discover([empty])
    assert str(info.value) == (f"{empty}: folder has no files to read; "
                               "add .txt, .md or .html files or pass another folder")


def test_discover_folder_with_only_hidden_or_excluded_files(tmp_path):
    folder = tmp_path / "docs"
    (folder / "out").mkdir(parents=True)
    (folder / ".DS_Store").write_bytes(b"\x00")
    (folder / "out" / "a.json").write_text("{}")
    with pytest.raises(UsageError, match="folder has no files"):
        discover([folder], exclude=folder / "out")


def test_discover_refuses_the_output_folder_as_input(tmp_path):
    root = make_tree(tmp_path / "docs")
    with pytest.raises(UsageError) as info:
        discover([root], exclude=root)
    assert str(info.value) == (f"{root}: is the results folder (--out); keep results and inputs "
                               "apart: pass another --out")


def test_discover_survives_a_symlink_loop_and_reading_it_fails_with_a_reason(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("text", encoding="utf-8")
    (folder / "loop").symlink_to(folder / "loop")
    found = discover([folder], exclude=tmp_path / "out")
    assert found == [folder / "a.txt", folder / "loop"]
    with pytest.raises(DocumentError, match=r"loop: cannot read file \(Too many levels of symbolic"):
        load_document(folder / "loop")


def test_usage_errors_exit_with_usage_code(tmp_path):
    with pytest.raises(UsageError) as info:
        discover([tmp_path / "missing"])
    assert info.value.exit_code == 2


# ---- the seeds ----

@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_seeds_load_as_utf8(path):
    doc = load_document(path)
    assert doc.encoding == "utf-8"
    assert doc.id == path.stem
    assert doc.text == path.read_text(encoding="utf-8")
    assert doc.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_seeds_survive_a_round_trip_through_legacy_encodings(tmp_path, path):
    text = path.read_text(encoding="utf-8")
    for codec, expected in (("cp932", "cp932"), ("euc_jp", "euc_jp"), ("utf-16", "utf-16")):
        try:
            raw = text.encode(codec)
        except UnicodeEncodeError:
            continue  # emoji and the like have no Shift_JIS or EUC-JP form
        doc = load_document(write(tmp_path, f"{codec}.txt", raw))
        assert (doc.encoding, doc.text) == (expected, text)


def test_a_page_declared_utf8_with_a_stray_byte_names_it(tmp_path):
    page = b'<html><head><meta charset="utf-8"></head><body><p>Price: 5 \x80 only</p></body></html>'
    path = write(tmp_path, "page.html", page)
    with pytest.raises(DocumentError, match=r"invalid UTF-8 at byte 59 \(the rest is UTF-8\)"):
        load_document(path)


def test_a_short_latin_utf8_text_with_one_stray_byte_names_it(tmp_path):
    path = write(tmp_path, "latin.txt", "Café, naïve".encode().replace("ï".encode(), b"\xef"))
    with pytest.raises(DocumentError, match=r"invalid UTF-8 at byte 9 \(the rest is UTF-8\)"):
        load_document(path)


def test_a_shift_jis_page_mislabelled_utf8_is_still_read_as_shift_jis(tmp_path):
    page = ('<html><head><meta charset="utf-8"></head><body><p>' + JA_LONG + "</p></body></html>")
    path = write(tmp_path, "sjis.html", page.encode("cp932"))
    doc = load_document(path)
    assert doc.encoding == "cp932" and "DeepSeek-R1" in doc.text and "衝撃" in doc.text


def test_discover_skips_brief_output_inside_an_input_folder(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub" / "runs" / "r1").mkdir(parents=True)
    manifest = json.dumps({"tool": "brief", "documents": []})
    (docs / "a.txt").write_text("text", encoding="utf-8")
    (docs / "a.json").write_text("{}", encoding="utf-8")  # results written beside the inputs
    (docs / "manifest.json").write_text(manifest, encoding="utf-8")
    (docs / "sub" / "b.json").write_text("{}", encoding="utf-8")
    (docs / "sub" / "manifest.json").write_text(manifest, encoding="utf-8")
    (docs / "sub" / "runs" / "r1" / "manifest.json").write_text(manifest, encoding="utf-8")
    (docs / "notes").mkdir()
    (docs / "notes" / "data.json").write_text('{"tool": "other"}', encoding="utf-8")
    assert discover([docs]) == [docs / "a.txt", docs / "notes" / "data.json"]


def test_discover_skips_the_reports_and_bench_of_a_results_folder(tmp_path):
    out = tmp_path / "results"
    (out / "bench").mkdir(parents=True)
    (out / "manifest.json").write_text(json.dumps({"tool": "brief", "documents": []}), encoding="utf-8")
    for name in ("a.json", "report.html", "report.md", "bench/bench.json"):
        (out / name).write_text("{}", encoding="utf-8")
    (out / "notes.md").write_text("mine", encoding="utf-8")
    assert discover([out]) == [out / "notes.md"]


def test_a_manifest_nested_past_the_parser_is_not_brief_s(tmp_path):
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "a.txt").write_text("text", encoding="utf-8")
    (tmp_path / "docs" / "sub" / "manifest.json").write_text("[" * 100_000)
    assert [p.name for p in discover([tmp_path / "docs"])] == ["a.txt", "manifest.json"]


def test_a_file_and_a_link_to_it_are_read_once_by_the_files_own_name(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "real.txt").write_text("text", encoding="utf-8")
    (tmp_path / "docs" / "link.txt").symlink_to(tmp_path / "docs" / "real.txt")  # sorts first
    assert [p.name for p in discover([tmp_path / "docs"])] == ["real.txt"]
    (tmp_path / "solo").mkdir()
    (tmp_path / "solo" / "link.txt").symlink_to(tmp_path / "docs" / "real.txt")
    assert [p.name for p in discover([tmp_path / "solo"])] == ["link.txt"]  # the only name it has there
