"""Right-to-left text (#15 part 3): English + Arabic in every bundled layout, read back.

The library is the sample with Arabic added (tests/rtl_library.py: a draft translation
pending review by a qualified translator). Arabic is shaped by ReportLab (uharfbuzz) in
Vazirmatn, each line's words are put in display order by the bidi algorithm
(pdfgen/render/rtl.py), and each shaped glyph's ToUnicode entry is the letters it was drawn
for (rl.py A26). These tests read the text back as readers do, with pdftotext and pdfium,
compared with the source after NFC; what they do not read exactly yet is an xfail
(docs/languages.md#right-to-left).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from reportlab.lib.styles import ParagraphStyle

from pdfgen import markup
from pdfgen.layout import load_layout
from pdfgen.load import load_library, require
from pdfgen.pdfcheck import check_pdf
from pdfgen.render import render_handout

from .conftest import needs
from .rtl_library import arabic_library

CASES = [("bilingual", ("en", "ar")), ("a4-bilingual", ("en", "ar")),
         ("stacked", ("en", "ar")), ("single", ("ar",)), ("large-print", ("ar",)),
         ("single", ("en",))]


def _id(case):
    return f"{case[0]}-{'-'.join(case[1])}"


@pytest.fixture(scope="module")
def library(script_fonts, tmp_path_factory):
    lib = require(load_library(arabic_library(tmp_path_factory.mktemp("rtl"))))
    return lib.clinic, lib.procedure("hemilaminectomy")


@pytest.fixture(scope="module")
def pdfs(library, tmp_path_factory):
    clinic, proc = library
    folder = tmp_path_factory.mktemp("rtl-pdfs")
    out = {}
    for name, langs in CASES:
        path = folder / f"{_id((name, langs))}.pdf"
        path.write_bytes(render_handout(proc, clinic, load_layout(name), langs))
        out[(name, langs)] = path
    return out


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


# -- reading the text back, as readers do ---------------------------------------------------

BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """NFC, whitespace collapsed, without the bidi controls pdftotext wraps runs in."""
    return norm(BIDI_CONTROLS.sub("", text))


def pdftotext(path: Path) -> str:
    return clean(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                check=True).stdout)


def pdfium_text(path: Path) -> str:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return clean(" ".join(page.get_textpage().get_text_range() for page in pdf))
    finally:
        pdf.close()


def letters(text: str) -> str:
    """Only the Arabic letters (no marks, digits, punctuation or spaces)."""
    return "".join(ch for ch in text if unicodedata.category(ch) == "Lo"
                   and unicodedata.name(ch, "").startswith("ARABIC"))


def actual_texts(path: Path) -> list[str]:
    """The /ActualText of every marked-content span on every page."""
    out = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for operands, op in pikepdf.parse_content_stream(page):
                if str(op) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) \
                        and "/ActualText" in operands[1]:
                    out.append(str(operands[1].ActualText))
    return out


def arabic_fields(proc) -> list[str]:
    """Every Arabic text of the handout, as printed (markup removed), NFC."""
    texts = [proc.title["ar"], proc.summary["ar"]]
    for sec in proc.sections:
        texts.append(sec.heading["ar"])
        for block in sec.body:
            if hasattr(block, "items"):
                texts += [item["ar"] for item in block.items]
            elif hasattr(block, "caption"):
                texts.append(block.caption["ar"])
            else:
                texts.append(block.text["ar"])
    texts += [t["ar"] for t in proc.benefits]
    texts += [proc.risks.intro["ar"], *[t["ar"] for t in proc.risks.items]]
    texts += [t["ar"] for t in proc.alternatives.options] + [proc.alternatives.doing_nothing["ar"]]
    texts += [t["ar"] for t in proc.prompts] + [t["ar"] for t in proc.call_when]
    return [norm(markup.plain(t)) for t in texts]


READERS = {"pdftotext": pdftotext, "pdfium": pdfium_text}


@needs("pdftotext")
@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("case", [c for c in CASES if "ar" in c[1]], ids=_id)
def test_every_arabic_letter_extracts(pdfs, library, case, reader):
    # each letter as itself (a shaped glyph's ToUnicode is its letters, rl.py A26), none
    # private-use or a presentation form, none missing
    _, proc = library
    read = READERS[reader](pdfs[case])
    assert not re.search("[\ue000-\uf8ff\ufb50-\ufdff\ufe70-\ufeff]", read)
    source = Counter(letters(" ".join(arabic_fields(proc))))
    assert not source - Counter(letters(read))


ARABIC_CASES = [c for c in CASES if "ar" in c[1]]


def _in_order(read: str, texts: list[str]) -> None:
    at = 0
    for text in texts:
        found = read.find(text, at)  # each in full, and in the handout's order
        assert found >= 0, f"not read back in order: {text!r}"
        at = found + len(text)


@pytest.mark.parametrize("case", ARABIC_CASES, ids=_id)
def test_every_arabic_text_extracts_exactly_in_logical_order(pdfs, library, case):
    # pdfium (Chrome's PDF engine): every character, marks included (rl.py A28: a mark is
    # drawn as a shape and read with its letter), every space and bracket, in order
    _, proc = library
    _in_order(pdfium_text(pdfs[case]), arabic_fields(proc))


def poppler_blind(text: str) -> str:
    """What pdftotext cannot get right on its own: poppler orders a line by a bidi pass of
    its own that counts ".", ",", ":" and "،" as digits (so a space beside one moves to
    its other side) and does not mirror brackets. Spaces gone, brackets one sign."""
    return re.sub(r"\s+", "", text).translate(str.maketrans("()«»[]", "||||||"))


@needs("pdftotext")
@pytest.mark.parametrize("case", [c for c in ARABIC_CASES if c[0] != "bilingual"
                                  and c[0] != "a4-bilingual"], ids=_id)
def test_pdftotext_reads_every_letter_mark_and_stop_in_logical_order(pdfs, library, case):
    # on a page that is mostly Arabic: letters, marks, digits and punctuation in order
    # (side by side with English, poppler takes the page as left to right and moves a
    # line's full stop to its start: docs/languages.md#right-to-left)
    _, proc = library
    _in_order(poppler_blind(pdftotext(pdfs[case])), [poppler_blind(t) for t in arabic_fields(proc)])


@needs("pdftotext")
def test_pdftotext_is_blind_to_what_the_test_above_leaves_out(pdfs, library):
    # the test above can fail: compared exactly, pdftotext's text is not the source
    _, proc = library
    read = pdftotext(pdfs[("single", ("ar",))])
    assert not all(t in read for t in arabic_fields(proc))
    assert ". " in " ".join(arabic_fields(proc)) and " ." in read


@pytest.mark.parametrize("word", ["تنميلًا", "تنميلاً", "الجرّاح", "جزءًا", "حُدّثت", "امشِ",
                                  "الجرَّاح", "لَّا", "لُّا"])
@pytest.mark.parametrize("reader", ["pdfium", "pdftotext"])
def test_a_word_with_marks_reads_back_exactly(tmp_path, word, reader):
    # a mark on a letter, on a letter at the word's end, on the lam or the alef of a
    # lam-alef ligature (one glyph, one cluster with its mark), two marks on one letter,
    # a shadda and a vowel the font draws as one private glyph, on a lam-alef too
    if reader == "pdftotext" and not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed")
    text = f"قد {word} هنا"
    path, _ = _draw_para(tmp_path, text)
    assert READERS[reader](path) == text


PLAIN = ("يزيل الجراح جزءا من عظمة في عمودك الفقري لا تأكل شيئا بعد منتصف الليل "
         "الإصدار الأول للمريض وأسرته پچژگ کی ے ٹڈڑں ھ")


@needs("pdftotext")
@pytest.mark.parametrize("reader", READERS)
def test_a_paragraph_of_words_reads_back_exactly_in_logical_order(tmp_path, reader):
    # lines broken, words reordered for display, lam-alef ligatures, Persian and Urdu
    # letters: what pdftotext and pdfium read is the source, word for word
    path, para = _draw_para(tmp_path, PLAIN, width=150)
    assert len(para.blPara.lines) >= 3
    assert READERS[reader](path) == PLAIN


@needs("pdftotext")
@pytest.mark.parametrize("reader", READERS)
def test_what_was_shaped_before_in_the_process_changes_nothing(tmp_path, reader):
    # a Persian word with a zero-width non-joiner, shaped first (as the taglines page does
    # before a handout in the same build worker): its space glyph must not make every
    # later space read as a non-joiner
    first = tmp_path / "first"
    first.mkdir()
    _draw_para(first, "اگر به زبان فارسی صحبت می\u200cکنید، خدمات کمک زبانی")
    path, _ = _draw_para(tmp_path, PLAIN, width=150)
    assert READERS[reader](path) == PLAIN


@needs("pdftotext")
@pytest.mark.parametrize("reader", READERS)
def test_with_reportlabs_own_tounicode_the_paragraph_does_not_read_back(tmp_path, reader):
    # the test above can fail: ReportLab's ToUnicode gives shaped forms private-use codes
    # or presentation forms
    from reportlab.pdfbase import ttfonts

    ours = ttfonts.makeToUnicodeCMap
    ttfonts.makeToUnicodeCMap = ours.original
    try:
        path, _ = _draw_para(tmp_path, PLAIN, width=150)
    finally:
        ttfonts.makeToUnicodeCMap = ours
    read = READERS[reader](path)
    assert read != PLAIN
    assert letters(read) != letters(PLAIN)


@pytest.mark.parametrize("case", [("single", ("ar",)), ("large-print", ("ar",))], ids=_id)
def test_footer_pieces_read_in_logical_order(pdfs, case):
    # pdfium; pdftotext moves the space before a number ("صفحة 1من 4"), and where an
    # English footer shares the line (bilingual) pdfium reads the Arabic words as drawn
    read = pdfium_text(pdfs[case])
    assert re.search(r"صفحة \d+ من \d+", read)  # "Page 1 of 4", in order
    assert "الإصدار 1.0" in read


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_no_text_has_actual_text(pdfs, case):
    # pdftotext reads an /ActualText and then reverses it as right-to-left text drawn
    # left to right: the glyphs themselves read better (docs/languages.md#right-to-left)
    assert actual_texts(pdfs[case]) == []


# -- tags, fonts, checker ------------------------------------------------------------------

def _struct_langs(path: Path) -> list[str]:
    with pikepdf.open(path) as pdf:
        doc = pdf.Root.StructTreeRoot.K
        doc = doc[0] if isinstance(doc, pikepdf.Array) else doc
        kids = doc.K if isinstance(doc.K, pikepdf.Array) else [doc.K]
        return [str(k.Lang) for k in kids if str(k.get("/S")) == "/Sect"]


@pytest.mark.parametrize("case", [c for c in CASES if "ar" in c[1]], ids=_id)
def test_arabic_passages_are_tagged_ar(pdfs, case):
    langs = _struct_langs(pdfs[case])
    assert "ar-EG" in langs
    assert len(langs) == len(case[1])


@pytest.mark.parametrize("case", [c for c in CASES if "ar" in c[1]], ids=_id)
def test_our_checker_reports_nothing(pdfs, case):
    assert check_pdf(pdfs[case]) == []


@needs("pdffonts")
@pytest.mark.parametrize("case", [c for c in CASES if "ar" in c[1]], ids=_id)
def test_fonts_are_embedded_subsets_with_tounicode(pdfs, case):
    out = subprocess.run(["pdffonts", str(pdfs[case])], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    assert any("Vazirmatn" in line for line in out)
    for line in out:
        name, *_, emb, sub, uni, _obj, _gen = line.split()
        assert re.match(r"[A-Z]{6}\+", name), line
        assert (emb, sub, uni) == ("yes", "yes", "yes"), line


# -- what is drawn: right aligned, words in display order, numbers left to right -----------

def _chars(path: Path, page: int = 0) -> list[tuple[str, float, float, float]]:
    """(char, left, right, line) of each character pdfium finds on a page; `line` is the
    middle height of the line the character is on (characters whose middles are within
    5 points of each other are on one line)."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        text = pdf[page].get_textpage()
        found = []
        for i in range(text.count_chars()):
            ch = text.get_text_range(i, 1)
            left, bottom, right, top = text.get_charbox(i)
            if right > left:
                found.append((ch, left, right, (bottom + top) / 2))
    finally:
        pdf.close()
    out, line = [], None
    for ch, left, right, mid in sorted(found, key=lambda c: -c[3]):
        if line is None or line - mid > 5:
            line = mid
        out.append((ch, left, right, line))
    return out


def _arabic(ch: str) -> bool:
    """Arabic as pdfium reads shaped Arabic: letters, presentation forms, private codes."""
    return "\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff" or "\ue000" <= ch <= "\uf8ff"


def _draw_para(tmp_path: Path, xml: str, width: float = 400) -> tuple[Path, object]:
    """One Arabic paragraph made by the story builder, drawn at (0, 0) on a page."""
    from pdfgen.render import rl
    from pdfgen.render.fonts import family
    from pdfgen.render.story import StoryBuilder

    fam = family("Atkinson Hyperlegible Next")
    base = ParagraphStyle("body", fontName=fam.regular, fontSize=12, leading=16)
    builder = StoryBuilder.__new__(StoryBuilder)
    builder._stacks, builder._styles, builder._ids = {}, {}, iter(range(1, 100))
    builder._latin = {fam.regular: fam.name, fam.bold: fam.name}
    builder.layout = type("L", (), {"fonts": {"body": fam.name}})()
    from pdfgen.render.flowables import Para

    para = builder._para(Para, xml, base, "ar", "P")
    path = tmp_path / "para.pdf"
    canvas = rl.Canvas(str(path), pagesize=(width + 100, 300))
    canvas.beginText = lambda x=0, y=0, direction=None: rl.TextObject(canvas, x, y, direction)
    para.wrap(width, 300)
    para.drawOn(canvas, 50, 100)
    canvas.showPage()
    canvas.save()
    return path, para


SENTENCE = "اتصل على 817-697-4038 أو زوروا <b>www.example.org</b> الآن."


def test_a_line_reads_right_to_left_with_numbers_and_latin_in_place(tmp_path):
    path, para = _draw_para(tmp_path, SENTENCE)
    chars = _chars(path)
    digits = [(ch, left) for ch, left, _, _ in chars if ch.isdigit()]
    # the phone number's digits left to right, in their own order
    assert "".join(ch for ch, _ in sorted(digits, key=lambda d: d[1])) == "8176974038"
    web = min(left for ch, left, _, _ in chars if ch == "w")
    # logically after the number, so drawn to its left
    assert web < min(left for _, left in digits)
    # right aligned: the line ends at the paragraph's right edge (x = 50 + 400)
    right = max(r for ch, _, r, _ in chars if not ch.isspace())
    assert abs(right - 450) < 1.5
    # the full stop ends the sentence: at the line's left end
    stop = [left for ch, left, _, _ in chars if ch == "."]
    assert stop and min(stop) <= min(left for ch, left, _, _ in chars if not ch.isspace()) + 0.5


@pytest.mark.parametrize("xml", [
    "كال کریں 817-697-4038۔",  # Urdu: the number glued to an Arabic-script full stop
    "اتصل بالرقم <b>817-697-4038</b>.",  # the tagline's shape: bold number, ASCII stop
    "اتصل بالرقم 817-697-4038، أو زوروا الموقع",  # glued to the Arabic comma
])
def test_a_phone_number_reads_whole_wherever_its_punctuation_is(tmp_path, xml):
    path, _ = _draw_para(tmp_path, xml)
    chars = _chars(path)
    number = [(ch, left) for ch, left, _, _ in chars if ch.isdigit() or ch == "-"]
    assert "".join(ch for ch, _ in sorted(number, key=lambda d: d[1])) == "817-697-4038"
    rest = [left for ch, left, _, _ in chars if _arabic(ch)]
    # the number is where the sentence puts it: the Arabic before it is at its right
    assert max(rest) > max(left for _, left in number)


@pytest.mark.parametrize("xml", ["اتصل على <b>817-697-4038</b>.", "اتصل على 817-697-4038."])
def test_the_full_stop_after_a_number_ends_the_sentence_at_the_left(tmp_path, xml):
    path, _ = _draw_para(tmp_path, xml)
    chars = _chars(path)
    digits = [left for ch, left, _, _ in chars if ch.isdigit()]
    stop = [left for ch, left, _, _ in chars if ch == "."]
    assert stop and max(stop) < min(digits)  # the stop at the left of the number
    assert max(left for ch, left, _, _ in chars if _arabic(ch)) > max(digits)


def test_lines_break_in_logical_order_and_each_is_right_aligned(tmp_path):
    words = " ".join(f"كلمة{n}" for n in range(1, 31))  # كلمة1 ... كلمة30
    path, para = _draw_para(tmp_path, words, width=200)
    assert len(para.blPara.lines) >= 3
    chars = _chars(path)
    lines: dict[float, list] = {}
    for ch, left, right, base in chars:
        if not ch.isspace():
            lines.setdefault(base, []).append((ch, left, right))
    ys = sorted(lines, reverse=True)  # top line first
    for y in ys[:-1]:  # every full line flush right
        assert abs(max(r for _, _, r in lines[y]) - 250) < 1.5
    # the first line holds the first words: 1 at its right end
    top = sorted(lines[ys[0]], key=lambda c: c[1])
    digits_right = "".join(ch for ch, _, _ in top if ch.isdigit())
    assert digits_right.endswith("1")
    # the last line ends with word 30, whose number reads "30" (left to right, at the
    # left of its letters: rule L2), not "03" as shaping the word right to left gives
    last = "".join(ch for ch, _, _ in sorted(lines[ys[-1]], key=lambda c: c[1]))
    assert "30" in last and "03" not in last


@pytest.mark.parametrize("case", [("bilingual", ("en", "ar")), ("single", ("ar",))], ids=_id)
def test_arabic_body_is_flush_with_the_right_margin(library, tmp_path, case):
    # drawn untagged: pdfium reads the glyphs inside an /ActualText span badly (it drops
    # most of them), and here it is the glyphs' places that count
    clinic, proc = library
    name, langs = case
    layout = load_layout(name)
    path = tmp_path / "untagged.pdf"
    path.write_bytes(render_handout(proc, clinic, layout, langs, tagged=False))
    right_edge = layout.page_size[0] - layout.margins[1]
    chars = _chars(path)
    arabic_lines: dict[float, list[float]] = {}
    for ch, _, right, base in chars:
        if _arabic(ch):
            arabic_lines.setdefault(base, []).append(right)
    # lines (not a lone mark a little above or below one): their right ends
    ends = [max(rights) for rights in arabic_lines.values() if len(rights) >= 8]
    assert len(ends) > 10
    assert max(ends) <= right_edge + 1.5
    # where most lines end (to 3 points; a glyph's ink, not its advance): the right margin
    # (the rest: last lines of paragraphs, a caption beside its picture, panels' padding)
    common = max(set(round(r / 3) for r in ends), key=[round(r / 3) for r in ends].count)
    assert abs(common * 3 - right_edge) < 6, (common * 3, right_edge)
    # the English column of a bilingual page stays at the left margin
    if "en" in langs:
        left_edge = layout.margins[3]
        assert min(left for ch, left, _, _ in chars if ch.isalpha()) < left_edge + 2


def test_letters_after_a_mark_are_back_on_the_baseline(tmp_path, monkeypatch):
    # kasra under the shin, tanwin over the alif: marks drawn lowered or raised (Ts), as
    # they are where a mark stays text (its letter's text unknown: rl.py A28 keeps it)
    from pdfgen.render import rl

    monkeypatch.setattr(rl, "lift_marks", lambda piece: None)
    path, _ = _draw_para(tmp_path, "امشِ كل يوم أبعد قليلًا امشِ")
    with pikepdf.open(path) as pdf:
        rises = [float(operands[0]) for operands, op in
                 pikepdf.parse_content_stream(pdf.pages[0]) if str(op) == "Ts"]
    assert any(r != 0 for r in rises)
    assert rises[-1] == 0  # what follows the last mark is on the baseline


def test_the_blank_page_note_in_arabic_is_shaped_and_reads_in_order(script_fonts, tmp_path):
    from pdfgen.i18n import labels_for
    from pdfgen.render import rl
    from pdfgen.render.flowables import FillPageIfEven
    from pdfgen.render.fonts import stack

    note = labels_for("ar-EG")["blank_page"]
    fonts = stack("Atkinson Hyperlegible Next", "ar")
    assert fonts.rtl
    path = tmp_path / "blank.pdf"
    canvas = rl.Canvas(str(path), pagesize=(400, 300))
    canvas.beginText = lambda x=0, y=0, direction=None: rl.TextObject(canvas, x, y, direction)
    canvas.showPage()  # on page 2, an even page: the note is drawn
    flowable = FillPageIfEven(note, fonts.font("regular"), 12, "#333333", fonts)
    flowable.canv = canvas
    flowable.wrap(300, 200)
    flowable.drawOn(canvas, 50, 50)
    canvas.showPage()
    canvas.save()
    # its letters in order (pdfium puts the tanwin before its word: see the xfail above)
    assert letters(pdfium_text(path)) == letters(note)
    runs = fonts.visual_runs(note, "regular")
    words = note.split()
    assert len([r for r, _ in runs if r.strip()]) >= len(words)  # each word shaped, apart
    assert "".join(r for r, _ in runs) != note  # drawn in display order, joined forms


def test_a_paragraph_split_across_pages_reads_whole(tmp_path):
    words = " ".join(f"كلمة{n}" for n in range(1, 41))
    _, para = _draw_para(tmp_path, words, width=200)
    first, rest = para.split(200, para.height / 2)
    assert first.rtl_words + rest.rtl_words == para.rtl_words
    assert first.rtl_words[0] == "كلمة1" and rest.rtl_words[-1] == "كلمة40"
    assert not first.last and rest.last and rest.lang == "ar"


def test_the_signature_form_is_mirrored_on_an_arabic_page(pdfs, library):
    """Arabic alone: each label starts at the right edge of its line, the date's line is at
    the left, and the check boxes come before their words (at their right)."""
    from pdfgen.i18n import labels_for

    clinic, _ = library
    path = pdfs[("single", ("ar",))]
    last = len(pdfium.PdfDocument(str(path))) - 1
    chars = [c for c in _chars(path, last) if not c[0].isspace()]
    lab = labels_for(clinic.language("ar").locale)
    page_w = float(pdfium.PdfDocument(str(path))[last].get_width())

    def line_of(text: str) -> list:
        """The characters of the line whose letters are those of `text` (and no more)."""
        want = sorted(ch for ch in text if not ch.isspace())
        lines: dict[float, list] = {}
        for c in chars:
            lines.setdefault(c[3], []).append(c)
        for found in lines.values():
            letters = sorted(c[0] for c in found)
            if all(letters.count(ch) >= want.count(ch) for ch in set(want)):
                return found
        raise AssertionError(f"no line with {text!r}")

    name = line_of(lab["patient_name"])
    assert max(c[2] for c in name) > page_w * 0.75  # at the right, where RTL lines start
    date_and_signature = line_of(lab["date"] + lab["patient_signature"])
    date_letters = set(lab["date"]) - set(lab["patient_signature"]) - {" "}
    date_x = [c[1] for c in date_and_signature if c[0] in date_letters]
    sign_x = [c[1] for c in date_and_signature if c[0] not in date_letters]
    assert date_x and max(date_x) < min(sign_x)  # the date's line at the left


# -- marks drawn as shapes (rl.py A28) -------------------------------------------------------

MARKED = "يزيل الجرّاح جزءًا من عظمة. تُسمى امشِ تنميلًا جديدًا وتنميلاً"


def _mark_blobs(page: Path, bare: Path, dpi: int = 600) -> list[tuple[float, float, int]]:
    """Where the marks are: the ink `page` has and `bare` (the same text without its
    marks) has not, as (x, y, pixels) per run of inked columns, at `dpi`."""
    from PIL import Image, ImageChops

    images = []
    for path in (page, bare):
        subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-gray", "-singlefile", str(path),
                        str(path.with_suffix(""))], check=True)
        images.append(Image.open(path.with_suffix(".png")).convert("L"))
    ink = ImageChops.subtract(images[1], images[0]).point(lambda v: 255 if v > 128 else 0)
    box = ink.getbbox()
    ink = ink.crop(box)
    width, height = ink.size
    pixels = ink.tobytes()  # one byte a pixel, row by row
    columns: dict[int, list[int]] = {}
    for i, v in enumerate(pixels):
        if v:
            columns.setdefault(i % width, []).append(i // width)
    blobs, run = [], []
    for x in range(width + 1):
        if x in columns:
            run.append(x)
        elif run:
            ys = [(c, y) for c in run for y in columns[c]]
            blobs.append((box[0] + sum(c for c, _ in ys) / len(ys),
                          box[1] + sum(y for _, y in ys) / len(ys), len(ys)))
            run = []
    return blobs


@needs("pdftoppm")
@pytest.mark.parametrize("width", [400, 282])
def test_marks_drawn_as_shapes_land_where_the_font_draws_them(tmp_path, monkeypatch, width):
    # at 282 pt the line is a little too wide, and ReportLab squeezes its word spaces (Tw)
    from pdfgen.render import rl

    folders = [tmp_path / name for name in ("shapes", "text", "none")]
    for folder in folders:
        folder.mkdir()
    shapes, para = _draw_para(folders[0], MARKED, width=width)
    assert (para.blPara.lines[0].extraSpace < 0) == (width == 282)
    with monkeypatch.context() as patch:
        patch.setattr(rl, "lift_marks", lambda piece: None)  # marks drawn as glyphs
        text, _ = _draw_para(folders[1], MARKED, width=width)
    bare, _ = _draw_para(folders[2], "".join(ch for ch in MARKED
                                              if unicodedata.category(ch) != "Mn"),
                         width=width)
    as_shapes, as_text = _mark_blobs(shapes, bare), _mark_blobs(text, bare)
    assert len(as_text) >= 7  # every mark (two stacked on one letter count once)
    assert len(as_shapes) == len(as_text)
    for (x, y, n), (x0, y0, n0) in zip(as_shapes, as_text, strict=True):
        # within 0.2 pt (a 600 dpi pixel is 0.12 pt; the two rasterizers differ by about
        # one), and about as much ink
        assert abs(x - x0) < 0.2 / 72 * 600 and abs(y - y0) < 0.2 / 72 * 600, (x, y, x0, y0)
        assert abs(n - n0) < 0.1 * n0


def test_no_mark_is_drawn_as_text(tmp_path):
    # pdfium sees each mark only inside its letter's text: no character box of its own
    path, _ = _draw_para(tmp_path, MARKED)
    chars = _chars(path)
    read = "".join(ch for ch, *_ in chars)
    assert sum(unicodedata.category(ch) == "Mn" for ch in read) == \
        sum(unicodedata.category(ch) == "Mn" for ch in MARKED)
    assert pdfium_text(path) == MARKED


@pytest.mark.parametrize("xml", ["حُدّثت في نوفمبر · <b>في&nbsp;انتظار&nbsp;المراجعة&nbsp;الطبية</b>",
                                 "قبل في&nbsp;انتظار بعد"])
@pytest.mark.parametrize("reader", READERS)
def test_words_joined_by_no_break_spaces_keep_their_order(tmp_path, xml, reader):
    # the status line's "Pending clinical review" is kept on one line with no-break
    # spaces: shaped as one right-to-left run, its words came out drawn in reverse
    if reader == "pdftotext" and not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed")
    path, _ = _draw_para(tmp_path, xml, width=500)
    expected = re.sub("<[^>]+>", "", xml).replace("&nbsp;", " ")
    assert READERS[reader](path) == expected


@pytest.mark.parametrize("case", ARABIC_CASES, ids=_id)
def test_the_status_line_reads_in_order(pdfs, library, case):
    # under the title, before the summary (the footer says it too, drawn otherwise)
    _, proc = library
    read = pdfium_text(pdfs[case])
    start = read.index(norm(proc.title["ar"]))
    status = read[start:read.index(norm(proc.summary["ar"]), start)]
    assert "في انتظار المراجعة الطبية" in status


PERSIAN = ("توجه: اگر به زبان فارسی صحبت می\u200cکنید، خدمات کمک زبانی به\u200cطور رایگان در "
           "اختیار شما است. با <b>817-697-4038</b> تماس بگیرید.")


@pytest.mark.parametrize("width", [180, 200, 220, 240, 300])
def test_a_persian_paragraph_with_non_joiners_reads_back_exactly(tmp_path, width):
    # the zero-width non-joiner is drawn with the space glyph: it has a code of its own
    # that reads as it, so ReportLab's lines do not split "می‌کنید" in two words (which
    # put every later word of the paragraph out of step: "شما است." was drawn "شماسا ت.")
    path, para = _draw_para(tmp_path, PERSIAN, width=width)
    assert len(para.blPara.lines) >= 3
    assert pdfium_text(path) == re.sub("<[^>]+>", "", PERSIAN)


@pytest.mark.parametrize("width", [150, 170, 400])
@pytest.mark.parametrize("xml", ["مجانًا. اتصل بالرقم 817-697-4038.",
                                 "مجانًا. اتصل بالرقم <b>817-697-4038</b>.",
                                 'مجانًا. اتصل بالرقم <font size="18">817-697-4038</font>.'])
def test_a_stop_after_a_number_at_the_line_end_reads_after_it(tmp_path, xml, width):
    # drawn at the left of the number, where the bidi algorithm puts it, but after it in
    # the content stream (rl.py A29): pdfium read ".817-697-4038"
    path, _ = _draw_para(tmp_path, xml, width=width)
    assert pdfium_text(path) == re.sub("<[^>]+>", "", xml)
    chars = _chars(path)
    lines = {line for ch, _, _, line in chars if ch.isdigit()}
    assert len(lines) == 1  # the number whole, on one line
    [line] = lines
    digits = [left for ch, left, _, at in chars if ch.isdigit()]
    # the stop on the number's line (a larger number: the stop is set as large, A29)
    stops = [right for ch, _, right, at in chars if ch == "." and abs(at - line) < 15]
    closest = min(stops, key=lambda right: abs(right - min(digits)))
    assert closest <= min(digits) + 0.5  # still drawn at the number's left


@pytest.mark.parametrize("text", ["به\u200cطور رایگان 817-697-4038", "می\u200dکنید 12",
                                  "قبل \u2067abc\u2069 بعد 5", "\u202bمرحبا\u202c 7 \u200e",
                                  "\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"])
def test_every_character_gets_a_level(text):
    # python-bidi takes joiners and explicit embeddings out (rule X9) and fails on
    # isolates: every character must still get its level, or the words after a
    # zero-width non-joiner take their neighbours' (a phone number was drawn "81 697 8-4037-")
    from pdfgen.render.rtl import char_levels

    levels = char_levels(text)
    assert len(levels) == len(text)
    digits = [lv for ch, lv in zip(text, levels, strict=True) if ch.isdigit()]
    assert len(set(digits)) <= 1


def test_bidi_controls_in_content_render_and_read_back(tmp_path):
    xml = "قبل \u2067abc\u2069 بعد 817-697-4038."
    path, _ = _draw_para(tmp_path, xml, width=300)
    read = BIDI_CONTROLS.sub("", pdfium_text(path))
    assert "817-697-4038" in read and "abc" in read and "قبل" in read


def test_words_shaped_once_give_the_same_bytes(library, tmp_path):
    # rl.py A30: a word's shaping is kept by font, size and text; the PDFs are the same
    # with it turned off
    from pdfgen.render import rl

    clinic, proc = library
    layout = load_layout("bilingual")
    kept = render_handout(proc, clinic, layout, ("en", "ar"))
    saved = rl._shape_key
    rl._shape_key = lambda *args: None
    try:
        fresh = render_handout(proc, clinic, layout, ("en", "ar"))
    finally:
        rl._shape_key = saved
    assert kept == fresh


def test_marks_stay_text_once_a_face_has_no_private_codes_left(tmp_path, monkeypatch):
    # text made of ever new letter-and-mark pairs cannot exhaust ReportLab's private codes
    # (past U+F800 it fails): past pdfgen's own limit a mark is drawn as text, as before A28
    from pdfgen.render import rl

    monkeypatch.setattr(rl, "_COMBINED_MOST", 0)
    monkeypatch.setattr(rl, "_COMBINED", {})  # none given before in this process
    path, _ = _draw_para(tmp_path, "يزيل الجرّاح جزءًا")
    assert letters(pdfium_text(path)) == letters("يزيل الجرّاح جزءًا")
    with pikepdf.open(path) as pdf:
        ops = [str(op) for _, op in pikepdf.parse_content_stream(pdf.pages[0])]
    assert "Ts" in ops  # the marks, drawn as raised or lowered text


def test_a_word_gluing_arabic_to_a_web_address_is_drawn_in_order(tmp_path):
    # no space between the Arabic and the address: the word's runs are ordered right to
    # left, the address itself left to right (found by the property test, where pdfium
    # reads such a word's runs in an order of its own: the drawing is what is checked)
    path, _ = _draw_para(tmp_path, "قبل اتصلwww.example.orgبنا بعد")
    chars = sorted(_chars(path), key=lambda c: c[1])
    drawn = "".join(ch for ch, *_ in chars if not ch.isspace())
    # left to right on the page: بعد, بنا, the address, اتصل, قبل (each Arabic word's
    # letters from its right end, so reversed here)
    assert drawn == "دعب" + "انب" + "www.example.org" + "لصتا" + "لبق"


def test_the_joiners_codes_do_not_run_out(tmp_path, monkeypatch):
    # the private codes for letters with marks may run out (rl.py A28's cap); the few for
    # the zero-width non-joiner must not, or Persian reads scrambled for the rest of the
    # process
    from pdfgen.render import rl

    monkeypatch.setattr(rl, "_COMBINED_MOST", 0)
    monkeypatch.setattr(rl, "_COMBINED", {})
    monkeypatch.setattr(rl, "_SHAPED", {})  # shaped again, its codes given again
    path, _ = _draw_para(tmp_path, PERSIAN, width=300)
    assert pdfium_text(path) == re.sub("<[^>]+>", "", PERSIAN)


def test_a_paragraph_split_across_pages_keeps_its_direction(tmp_path):
    # the second piece holds only "817-697-4038.": still right to left, the stop at its left
    from pdfgen.render import rl
    from pdfgen.render.flowables import Para
    from pdfgen.render.fonts import family
    from pdfgen.render.story import StoryBuilder

    fam = family("Atkinson Hyperlegible Next")
    base = ParagraphStyle("body", fontName=fam.regular, fontSize=12, leading=16,
                          allowOrphans=1, allowWidows=1)
    builder = StoryBuilder.__new__(StoryBuilder)
    builder._stacks, builder._styles, builder._ids = {}, {}, iter(range(1, 100))
    builder._latin = {fam.regular: fam.name, fam.bold: fam.name}
    builder.layout = type("L", (), {"fonts": {"body": fam.name}})()
    para = builder._para(Para, "اتصل بالرقم 817-697-4038.", base, "ar", "P")
    para.wrap(110, 300)
    assert len(para.blPara.lines) == 2
    first, second = para.split(110, 17)
    assert second.rtl_base is True
    path = tmp_path / "split.pdf"
    canvas = rl.Canvas(str(path), pagesize=(300, 300))
    canvas.beginText = lambda x=0, y=0, direction=None: rl.TextObject(canvas, x, y, direction)
    second.wrap(110, 300)
    second.drawOn(canvas, 50, 100)
    canvas.showPage()
    canvas.save()
    chars = _chars(path)
    stop = min(left for ch, left, *_ in chars if ch == ".")
    assert stop < min(left for ch, left, *_ in chars if ch.isdigit())
