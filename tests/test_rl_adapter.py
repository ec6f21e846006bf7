"""Each ReportLab internal that pdfgen/render/rl.py relies on, one test per assumption.

The tests are named after the assumptions in rl.py's docstring (A1 text-ops ...): a
ReportLab release that changes one fails its test here, by name, rather than a render
deep inside. They use ReportLab's standard fonts, whose text is written as literal
strings ("(817) Tj"), so operators can be read in the tests.
"""

from __future__ import annotations

import io
import re

import pikepdf
import pytest
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFPage
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph

from pdfgen.render import rl

STYLE = ParagraphStyle("t", fontName="Helvetica", fontSize=10, leading=12)


def _canvas(cls=rl.Canvas, **kw):
    return cls(io.BytesIO(), **kw)


class Spy(rl.TextObject):
    """Records the hooks' calls with the operators as they were at the time."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.calls: list = []

    def shown(self, start):
        self.calls.append(("shown", start, list(self.ops)))

    def link_record(self, link, what):
        self.calls.append((what, link, list(self.ops)))


class SpyCanvas(rl.Canvas):
    """A canvas whose text objects are Spies (as the tagging canvas's are MarkedText)."""

    texts: list

    def beginText(self, x=0, y=0, direction=None):
        tx = Spy(self, x, y, direction=direction)
        self.texts = [*getattr(self, "texts", []), tx]
        return tx


def _draw(xml: str, width: float = 400) -> tuple[Paragraph, SpyCanvas]:
    canv = _canvas(SpyCanvas)
    para = Paragraph(xml, STYLE)
    para.wrap(width, 500)
    para.drawOn(canv, 50, 500)
    return para, canv


# -- text objects ----------------------------------------------------------------------------

def test_a1_text_ops_a_text_object_keeps_its_operators_as_a_list_of_str():
    tx = rl.TextObject(_canvas())
    tx.setFont("Helvetica", 10)
    tx.textOut("hello")
    assert tx.ops is tx._code and isinstance(tx.ops, list)
    assert tx.ops[0] == "BT" and all(isinstance(op, str) for op in tx.ops)
    before = list(tx.ops)
    assert tx.getCode() == " ".join([*before, "ET"])


def test_a1_text_ops_finish_rewrites_what_is_written():
    class Upper(rl.TextObject):
        def finish(self, ops):
            return [op.replace("hello", "HELLO") for op in ops if op.__class__ is str]

    tx = Upper(_canvas())
    tx.setFont("Helvetica", 10)
    tx.ops.append(7)  # a marker: finish takes it out
    tx.textOut("hello")
    assert "(HELLO) Tj" in tx.getCode() and "7" not in tx.getCode().split()


@pytest.mark.parametrize("call", ["_textOut", "textOut", "textLine"])
def test_a2_text_out_each_call_appends_one_operator(call):
    tx = Spy(_canvas())
    tx.setFont("Helvetica", 10)
    n = len(tx.ops)
    getattr(tx, call)("hello")
    assert len(tx.ops) == n + 1 and "(hello)" in tx.ops[-1]
    assert tx.calls == [("shown", n, tx.ops[:])]


def test_a2_text_out_a_paragraph_draws_its_lines_with_text_out():
    _, canv = _draw("one two three " * 30)
    (tx,) = canv.texts
    shown = [c for c in tx.calls if c[0] == "shown"]
    assert len(shown) >= 3  # one per line
    for _, start, ops in shown:
        assert ops[start].endswith("Tj T*") or ops[start].endswith("Tj")


def test_a3_move_merge_a_move_merges_into_the_previous_move():
    tx = PDFTextObject(_canvas())
    tx.moveCursor(1, 2)
    n = len(tx._code)
    tx.moveCursor(3, 4)
    assert len(tx._code) == n and tx._code[-1].endswith(" Td")
    tx._code.append(0)  # a marker: ReportLab's own moveCursor cannot step over it
    with pytest.raises(AttributeError):
        tx.moveCursor(1, 1)
    ours = rl.TextObject(_canvas())
    ours.ops.append(0)
    ours.moveCursor(1, 1)  # the adapter keeps them apart
    assert ours.ops[-3:] == [0, "", "1 -1 Td"]


def test_a4_link_record_start_after_the_first_fragment_end_before_the_next():
    _, canv = _draw('Call <a href="tel:+1817"><b>817</b> now</a> or <b>later</b>.')
    (tx,) = canv.texts
    records = [c for c in tx.calls if c[0] in ("start", "end")]
    assert [c[0] for c in records] == ["start", "end"]
    (_, link, at_start), (_, link_end, at_end) = records
    assert link == link_end and link[1] == "tel:+1817"
    assert "(817)" in at_start[-1]  # its first fragment is written...
    assert "(or" not in " ".join(at_end)  # ...and the next fragment not yet
    shown = [c for c in tx.calls if c[0] == "shown"]
    first_link_op = next(s for _, s, ops in shown if "(817)" in ops[s])
    assert first_link_op == len(at_start) - 1


# -- paragraphs ---------------------------------------------------------------------------

def test_a5_para_lines_one_style():
    para = Paragraph("one two three " * 20, STYLE)
    assert not rl.is_wrapped(para)
    para.wrap(200, 500)
    assert rl.is_wrapped(para) and "blPara" in para.__dict__
    bl = para.blPara
    assert bl.kind == 0 and len(bl.lines) > 1
    extra, words = bl.lines[0]
    assert isinstance(extra, float | int) and all(isinstance(w, str) for w in words)
    assert "".join(f.text for f in para.frags).startswith("one two three")


def test_a5_para_lines_several_styles_and_callbacks():
    para = Paragraph('<a name="here"/>one <b>two</b> three ' * 20, STYLE)
    para.wrap(200, 500)
    bl = para.blPara
    assert bl.kind == 1 and len(bl.lines) > 1
    frags = [f for line in bl.lines for f in line.words]
    assert any(hasattr(f, "cbDefn") for f in frags)  # the anchor: a callback, no text
    assert all(isinstance(f.text, str) for f in frags if not hasattr(f, "cbDefn"))


@pytest.mark.parametrize("xml", ["one two three " * 20, "one <b>two</b> three " * 20])
def test_a5_para_lines_line_ends_padded_and_restored(xml):
    para = Paragraph(xml, STYLE)
    para.wrap(200, 500)
    bl = para.blPara

    def ends():
        if bl.kind == 0:
            return [words[-1] for _, words in bl.lines]
        return [line.words[-1].text for line in bl.lines]
    before = ends()
    saved = rl.pad_line_ends(para, all_lines=False)
    padded = ends()
    assert all(e.endswith(" ") for e in padded[:-1]) and padded[-1] == before[-1]
    rl.unpad_line_ends(para, saved)
    assert ends() == before


def test_a6_whole_link_a_one_style_link_paragraph():
    para, canv = _draw('<a href="tel:+1817">817-697-4038</a>')
    assert para.blPara.kind == 0 and para.blPara.link
    assert rl.whole_link(para) == (para.blPara.link[0][0], "tel:+1817")
    (tx,) = canv.texts
    assert not [c for c in tx.calls if c[0] in ("start", "end")]  # no _linkRecord
    assert rl.whole_link(Paragraph("plain", STYLE)) is None


# -- canvas -------------------------------------------------------------------------------

class Pages(rl.Canvas):
    def page_made(self, page):
        added = list(self._doc.Pages.pages)
        self.made = [*getattr(self, "made", []), (page, page in added)]


def test_a7_set_annotations_called_once_per_page_before_it_is_added():
    canv = _canvas(Pages)
    for _ in range(3):
        canv.drawString(10, 10, "x")
        canv.showPage()
    assert len(canv.made) == 3
    assert all(isinstance(p, PDFPage) and not added for p, added in canv.made)


def test_a8_page_entries_written_to_the_page_dictionary():
    class Entries(rl.Canvas):
        def page_made(self, page):
            rl.set_page_entries(page, StructParents=4, Tabs=PDFName("S"))

    buf = io.BytesIO()
    canv = Entries(buf)
    canv.drawString(10, 10, "x")
    canv.save()
    with pikepdf.open(io.BytesIO(buf.getvalue())) as pdf:
        page = pdf.pages[0]
        assert int(page.StructParents) == 4 and page.Tabs == pikepdf.Name.S


def test_a9_page_state_held_pages_come_back_and_annotations_count_on():
    buf = io.BytesIO()
    canv = rl.Canvas(buf)
    canv.drawString(10, 700, "first")
    canv.linkURL("https://a.example", (0, 0, 10, 10))
    one = canv.hold_page()
    canv.drawString(10, 700, "second")
    canv.linkURL("https://b.example", (0, 0, 10, 10))
    two = canv.hold_page()
    for held, footer in ((one, "foot1"), (two, "foot2")):
        canv.restore_page(held)
        canv.drawString(10, 20, footer)
        canv.linkURL("https://c.example", (0, 0, 10, 10))
        canv.emit_page()
    canv.save()
    with pikepdf.open(io.BytesIO(buf.getvalue())) as pdf:
        texts = [p.Contents.read_bytes() for p in pdf.pages]
        assert len(texts) == 2
        assert b"(first)" in texts[0] and b"(foot1)" in texts[0] and b"second" not in texts[0]
        assert b"(second)" in texts[1] and b"(foot2)" in texts[1]
        annots = [a.objgen for p in pdf.pages for a in p.Annots]
        assert len(annots) == len(set(annots)) == 4  # none overwritten by a rewound count


def test_a10_annot_name_predicted_before_link_url():
    canv = rl.Canvas(io.BytesIO())
    for url in ("https://a.example", "tel:+1817"):
        name = canv.next_annotation_name()
        assert name not in canv._doc.idToObject
        canv.linkURL(url, (0, 0, 10, 10))
        assert canv._doc.idToObject[name]["A"]["URI"].s == url


def test_a11_canvas_doc_document_and_title():
    canv = rl.Canvas(io.BytesIO())
    canv.setTitle("Hemilaminectomy")
    assert canv.pdf_document() is canv._doc
    assert canv.document_title() == "Hemilaminectomy"


# -- the document -------------------------------------------------------------------------

def _with_catalog(fn) -> pikepdf.Pdf:
    """A two-page PDF whose catalog gets StructTreeRoot = RawObject(fn) and MarkInfo."""
    buf = io.BytesIO()
    canv = rl.Canvas(buf)
    for text in ("one", "two"):
        canv.drawString(10, 10, text)
        canv.showPage()
    doc = canv.pdf_document()
    rl.set_catalog(doc, StructTreeRoot=rl.reference(doc, rl.RawObject(fn), "Tree"),
                   MarkInfo=PDFDictionary({"Marked": b"true"}))
    canv.save()
    return pikepdf.open(io.BytesIO(buf.getvalue()))


def test_a12_catalog_entries_are_written():
    with _with_catalog(lambda document: "<< /Type /StructTreeRoot >>") as pdf:
        assert pdf.Root.StructTreeRoot.Type == pikepdf.Name.StructTreeRoot
        assert pdf.Root.StructTreeRoot.is_indirect
        assert bool(pdf.Root.MarkInfo.Marked) is True


def test_a13_page_names_resolve_to_the_pages():
    def tree(document):
        ref = rl.object_refs(document)
        return f"<< /Pages [{ref(rl.page_name(0))} {ref(rl.page_name(1))}] >>"

    with _with_catalog(tree) as pdf:
        got = [p.objgen for p in pdf.Root.StructTreeRoot.Pages]
        assert got == [p.objgen for p in pdf.pages]


def test_a14_raw_object_is_the_objects_body():
    def tree(document):
        return f"<< /Title {rl.pdf_string(document, 'Hemilaminectomía (L4)')} /N 7 >>"

    with _with_catalog(tree) as pdf:
        assert str(pdf.Root.StructTreeRoot.Title) == "Hemilaminectomía (L4)"
        assert int(pdf.Root.StructTreeRoot.N) == 7


def test_a15_pages_built_after_build():
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pageTemplates=[PageTemplate("p", [Frame(50, 50, 400, 600)])])
    doc.build([Paragraph("one", STYLE), PageBreak(), Paragraph("two", STYLE)])
    assert rl.page_count(doc) == 2


# -- fonts --------------------------------------------------------------------------------

def test_a16_charmap_of_a_registered_ttf():
    from pdfgen.render.fonts import family

    fam = family("Atkinson Hyperlegible Next")
    cmap = rl.charmap(fam.regular)
    assert {ord("a"), ord("ñ"), ord("¿")} <= cmap
    assert 0x4E2D not in cmap  # no CJK in a Latin font


# -- numbers ------------------------------------------------------------------------------

def test_a17_fp_str_remembered_is_the_same_text():
    from reportlab.lib import rl_accel
    from reportlab.pdfgen import textobject

    fast = textobject.fp_str  # pdfgen.render installed it (rl.speed_up_numbers)
    original = getattr(fast, "original", None)
    assert original is not None, "the remembering fp_str is not installed"
    assert rl_accel.fp_str is original  # ReportLab's own name is left alone
    values = [0, 0.0, -0.0, 1, -1, 1e-8, -1e-7, 1e-6, 0.5, -0.25, 12.0, 1000, 1000.0,
              123456.789, 0.1 + 0.2, 3.14159265, -987.654321, 1 / 3, 595.2756, 1e7, True]
    values += [i * 0.37 - 50 for i in range(400)]
    for v in values * 2:  # the second time from memory
        assert fast(v) == original(v), v
    assert fast(*values[:6]) == original(*values[:6])
    assert fast(values[:6]) == original(values[:6])
    assert fast(tuple(values[6:12])) == original(tuple(values[6:12]))


# -- writing ------------------------------------------------------------------------------

def _objects(pdf: pikepdf.Pdf) -> dict:
    """Every object but the cross-reference machinery, by number, as pikepdf reads it."""
    out = {}
    for obj in pdf.objects:
        if not obj.is_indirect or (isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream))
                                   and obj.get("/Type") in (pikepdf.Name.ObjStm,
                                                            pikepdf.Name.XRef)):
            continue
        if isinstance(obj, pikepdf.Stream):
            out[obj.objgen] = (repr(obj.stream_dict), obj.read_raw_bytes())
        else:
            out[obj.objgen] = repr(obj)
    return out


def test_a18_file_layout_packed_objects_read_back_the_same():
    buf = io.BytesIO()
    canv = rl.Canvas(buf)
    for text in ("one", "two (2)"):
        canv.drawString(10, 10, text)
        canv.linkURL("https://example.org/", (10, 10, 50, 20))
        canv.showPage()
    doc = canv.pdf_document()
    rl.set_catalog(doc, StructTreeRoot=rl.reference(
        doc, rl.RawObject(lambda document: "<< /Type /StructTreeRoot /N [1 2] >>"), "Tree"))
    canv.save()
    plain = buf.getvalue()
    packed = rl.pack_objects(plain)
    assert packed != plain and packed.startswith(b"%PDF-1.7\n")
    assert b"/Type /ObjStm" in packed and b"/Type /XRef" in packed
    assert b"StructTreeRoot" not in packed  # inside a compressed object stream
    with pikepdf.open(io.BytesIO(plain)) as a, pikepdf.open(io.BytesIO(packed)) as b:
        assert _objects(a) == _objects(b)
        assert b.trailer.ID == a.trailer.ID and b.trailer.Info.objgen == a.trailer.Info.objgen
        assert b.Root.StructTreeRoot.N == [1, 2]
    assert rl.pack_objects(plain) == packed  # deterministic


def test_a18_file_layout_anything_else_is_left_alone():
    for data in (b"", b"%PDF-1.4\nnot a pdf\n", b"%PDF-1.4\n%c\n1 0 obj\n<<>>\nendobj\n"):
        assert rl.pack_objects(data) == data
# -- right to left (A20-A23): the Arabic family, installed by the script_fonts fixture ------

ARABIC = "اتصل بنا على 817-697-4038 أو زوروا الموقع"


def _arabic_style(**kw):
    from pdfgen.render.fonts import family

    fam = family("Vazirmatn")
    return fam, ParagraphStyle("ar", fontName=fam.regular, fontSize=10, leading=14,
                               **rl.shaping_style(**kw))


def test_a20_shaped_lines_are_kind1_with_words_split_by_spaces(script_fonts):
    fam, style = _arabic_style()
    para = Paragraph('اتصل <b>بنا</b> على <a href="tel:8176974038">817-697-4038</a> أو '
                     'زوروا الموقع', style)
    words = rl.source_words(para)
    assert words == ARABIC.split()
    para.wrap(90, 1000)
    assert rl.is_kind1(para)
    tokens = rl.line_tokens(para)
    assert sum(len(t) for t in tokens) == len(words)  # one token per source word
    assert rl.line_word_counts(para) == [len(t) for t in tokens]
    pieces = [p for line in tokens for token in line for p in token]
    assert any(rl.is_shaped(p) for p in pieces)  # Arabic: shaped, glyph codes
    assert "817-697-4038" in [rl.piece_text(p) for p in pieces]  # digits: as they are
    shaped = next(p for p in pieces if rl.is_shaped(p))
    half = rl.piece_text(shaped)[:1]
    assert rl.is_shaped(rl.with_text(shaped, half))  # a slice keeps its shape data
    # the pieces given to set_lines are what is drawn, in that order; the undo restores
    first = [p for token in tokens[0] for p in token]
    undo = rl.set_lines(para, [list(reversed(first))])
    assert [rl.piece_text(p) for p in para.blPara.lines[0].words] == \
        [rl.piece_text(p) for p in reversed(first)]
    rl.restore_lines(undo)
    assert len(rl.line_tokens(para)[0]) == len(tokens[0])


def test_a22_shape_str_shapes_a_word_for_the_canvas(script_fonts):
    fam, _ = _arabic_style()
    word = "الموقع"
    shaped = rl.shape_word(word, fam.regular, 10)
    assert shaped != word  # joined forms (glyph codes), in visual order
    assert rl.shape_word("Spine", "Helvetica", 10) == "Spine"  # not shapable: unchanged
    c = _canvas()
    c.setFont(fam.regular, 10)
    c.drawString(10, 10, shaped)  # accepted as it is
    from reportlab.pdfbase.pdfmetrics import stringWidth

    assert 0 < stringWidth(shaped, fam.regular, 10)


def test_a23_shaped_text_with_a_raised_first_glyph(script_fonts):
    fam, _ = _arabic_style()
    # a damma above the first glyph drawn (the last letter's, at the left); the font's
    # subset already selected (the second time the word is written), so _formatText's own
    # operator list is still empty
    shaped = rl.shape_word("حُدّثتُ", fam.regular, 10)
    plain = PDFTextObject(_canvas(), 0, 0)
    plain.setFont(fam.regular, 10)
    plain.textOut(shaped)
    with pytest.raises(IndexError):  # ReportLab 5.1's bug; if this passes, A23 can go
        plain.textOut(shaped)
    ours = rl.TextObject(_canvas(), 0, 0)
    ours.setFont(fam.regular, 10)
    ours.textOut(shaped)
    ours.textOut(shaped)
    assert " Ts" in " ".join(op for op in ours.ops if isinstance(op, str))
    # two rises in a row: ReportLab writes the second but remembers the first, so what
    # follows is not put back on the baseline
    plain = PDFTextObject(_canvas(), 0, 0)
    plain.setRise(-3)
    plain.setRise(-5)
    assert plain._rise == -3  # the bug; if this fails, ReportLab fixed it
    ours = rl.TextObject(_canvas(), 0, 0)
    ours.setRise(-3)
    ours.setRise(-5)
    assert ours._rise == -5 and ours.ops[-1] == "-5 Ts" and "-3 Ts" not in ours.ops
    assert ours.getY() == 5  # the baseline moved by the last rise only
# -- Chinese line breaking ------------------------------------------------------------------

class _CJKPara(Paragraph):
    def breakLinesCJK(self, maxWidths):
        return rl.break_lines_cjk(self, maxWidths)


def test_a25_shaped_clusters_cut_a_word_by_bidi_level(script_fonts):
    from pdfgen.render.rtl import char_levels

    fam, _ = _arabic_style()
    word = "4038۔"  # a number glued to the Arabic full stop: one word, shaped right to left
    shaped = rl.shape_word(word, fam.regular, 10)
    data = shaped.__shapeData__
    assert len(data) == len(str(shaped)) and sorted(d.cluster for d in data) == [0, 1, 2, 3, 4]
    assert [d.cluster for d in data] == [4, 3, 2, 1, 0]  # visual order: the comma first

    class Piece:
        text = shaped

    runs = rl.level_runs(Piece(), char_levels(word))
    # logical order: the number (level 2, glyphs turned back to read 4038), then the stop
    assert [(level, first) for _, level, first in runs] == [(2, 0), (1, 4)]
    assert [d.cluster for d in runs[0][0].text.__shapeData__] == [0, 1, 2, 3]
    assert [d.cluster for d in runs[1][0].text.__shapeData__] == [4]
    assert all(rl.is_shaped(piece) for piece, *_ in runs)



@pytest.mark.parametrize("xml", ["一二三四五六，七八九十", "一二<b>三四</b>五六，七八<br/>九十"])
def test_a24_cjk_lines_through_break_lines_cjk(xml, script_fonts):
    style = ParagraphStyle("c", parent=STYLE, wordWrap="CJK", bulletFontName="Helvetica")
    from pdfgen.render.fonts import stack

    zh = stack("Atkinson Hyperlegible Next", "zh-Hans")
    style.fontName = zh.font("regular")
    para = _CJKPara(xml, style)
    para.wrap(60, 1000)  # six characters a line: the comma may not start the next
    lines = rl.line_texts(para)
    assert lines[0] == "一二三四五" and lines[1].startswith("六，")
    assert para.blPara.kind == 1 and all(hasattr(w, "text") for w in para.blPara.lines[0].words)
    if "<br/>" in xml:
        assert lines[-1] == "九十" and para.blPara.lines[-2].lineBreak



def _to_unicode(data: bytes, font_part: str) -> dict[int, str]:
    """Code -> text of the ToUnicode of every subset whose BaseFont has `font_part`."""
    out: dict[int, str] = {}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                if font_part not in str(font.BaseFont):
                    continue
                cmap = font.ToUnicode.read_bytes().decode()
                for code, text in re.findall(r"<([0-9A-F]{2})> <((?:[0-9A-F]{4})+)>", cmap):
                    out[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    return out


def test_a26_shaped_tounicode_shape_data_and_cmap(script_fonts):
    from reportlab.pdfbase import ttfonts
    from reportlab.platypus import paragraph

    fam, _ = _arabic_style()
    # installed once, by pdfgen.render, over both names shapeFragWord is called by
    assert ttfonts.shapeFragWord.original is not None
    assert paragraph.shapeFragWord is ttfonts.shapeFragWord
    original = ttfonts.shapeFragWord.original
    word = "لاحظت"  # lam-alef (one glyph for two letters), then three positional forms
    from reportlab.lib.abag import ABag

    shaped = original([0, (ABag(fontName=fam.regular, fontSize=10), word)])
    s = shaped[1][1]
    assert isinstance(s, ttfonts.ShapedStr)
    clusters = [d.cluster for d in s.__shapeData__]
    assert clusters == sorted(clusters, reverse=True)  # visual order, one glyph per cluster
    assert clusters[-1] == 0 and len(s) == 4  # the lam-alef, drawn last, at index 0
    codes = [ord(ch) for ch in s]
    assert any(0xE000 <= c <= 0xF8FF or 0xFB50 <= c <= 0xFEFF for c in codes)  # not letters
    # ReportLab's own cmap: one line per code, "<%02X> <%04X>"
    cmap = ttfonts.makeToUnicodeCMap.original("AAAAAA+X", [0x41, 0xE000])
    assert "\n<00> <0041>\n<01> <E000>\n" in cmap
    # drawn, each glyph reads as its letters (the lam-alef in the order drawn)
    c = _canvas()
    c.setFont(fam.regular, 10)
    c.drawString(10, 10, rl.shape_word(word, fam.regular, 10))
    c.showPage()
    c.save()
    reads = _to_unicode(c._filename.getvalue(), "Vazirmatn")
    assert set("لاحظت") <= set("".join(reads.values()))
    assert "ال" in reads.values()  # lam-alef, right to left as drawn
    assert not [t for t in reads.values() if re.search("[\ue000-\uf8ff\ufb50-\ufeff]", t)]


def test_a26_without_it_shaped_glyphs_read_as_private_or_presentation_forms(script_fonts):
    from reportlab.pdfbase import ttfonts

    fam, _ = _arabic_style()
    c = _canvas()
    c.setFont(fam.regular, 10)
    c.drawString(10, 10, rl.shape_word("لاحظت", fam.regular, 10))
    c.showPage()
    saved = ttfonts.makeToUnicodeCMap
    ttfonts.makeToUnicodeCMap = saved.original
    try:
        c.save()
    finally:
        ttfonts.makeToUnicodeCMap = saved
    reads = "".join(_to_unicode(c._filename.getvalue(), "Vazirmatn").values())
    assert re.search("[\ue000-\uf8ff\ufb50-\ufeff]", reads)


def test_a27_private_width_is_per_1000_em(script_fonts):
    from reportlab.pdfbase import pdfmetrics, ttfonts

    fam, _ = _arabic_style()
    font = pdfmetrics.getFont(fam.regular)
    assert font.face.unitsPerEm != 1000  # where ReportLab's unscaled width shows
    hb = font.hbFont(10)
    assert font.hbAddPrivate.original is not None  # ours, over ReportLab's
    s = rl.shape_word("لاحظت", fam.regular, 10)
    for ch, data in zip(s, s.__shapeData__, strict=True):
        gid = font.face.charToGlyph[ord(ch)]
        assert font.face.charWidths[ord(ch)] == pytest.approx(
            font.pdfScale(hb.get_glyph_h_advance(gid)))
        assert data.width == font.face.charWidths[ord(ch)]
    # ReportLab's own (on a font of its own): the advance as given, in font units
    fresh = ttfonts.TTFont("pdfgen-a25", font.face.filename)
    fresh.hbFont(10)
    code = fresh.hbAddPrivate.original("pdfgen-a25-glyph", 3, 2048)
    assert fresh.face.charWidths[code] == 2048  # if this fails, ReportLab scales it: A27 can go


def test_a28_shaped_marks_pen_positions_callbacks_and_private_codes(script_fonts):
    from reportlab.lib.abag import ABag
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.rl_accel import fp_str
    from reportlab.pdfbase import pdfmetrics

    fam, style = _arabic_style(alignment=TA_RIGHT)
    font = pdfmetrics.getFont(fam.regular)
    s = rl.shape_word("جزءًا", fam.regular, 10)  # a tanwin on the hamza
    data = s.__shapeData__
    marks = [i for i, d in enumerate(data) if d.x_advance == 0]
    assert len(marks) == 1 and ord(s[marks[0]]) == 0x064B  # a mark: no advance, its code
    mark = data[marks[0]]
    assert mark.x_offset and mark.y_offset
    # drawn at its pen position moved by x_offset across and y_offset up (per 1000 em)
    tx = rl.TextObject(_canvas(), 0, 0)
    tx.setFont(fam.regular, 10)
    tx._textOut(s)
    ops = " ".join(o for o in tx.ops if isinstance(o, str))
    assert f"{fp_str(mark.y_offset * 10 / 1000)} Ts [{fp_str(-mark.x_offset)} " in ops
    # a callback first on a line sees where the line starts; one after a shaped string
    # sees the running x moved by the string's /Widths, not by its advances
    c = _canvas()
    seen = []
    c.setNamedCB("probe", lambda canv, kind, label: seen.append(
        (label, *rl.text_position(canv))))
    para = Paragraph("جزءًا", style)
    para.wrap(300, 100)

    def probe(label):
        return ABag(cbDefn=ABag(kind="onDraw", name="probe", label=label), text="")

    [first] = rl.line_pieces(para)[0]
    assert rl.is_shaped(first) and first.text == s
    rl.set_lines(para, [[probe("start"), first, probe("after")]])
    para.drawOn(c, 20, 30)
    assert [label for label, *_ in seen] == ["start", "after"]
    (_, x0, _), (_, x1, _) = seen
    assert x0 == pytest.approx(para.blPara.lines[0].extraSpace)  # right aligned
    width = pdfmetrics.stringWidth(s, fam.regular, 10)
    advance = sum(d.x_advance for d in data) * 10 / 1000
    assert width != pytest.approx(advance)  # why A28 counts the advances itself
    assert x1 - x0 == pytest.approx(width)
    assert rl.advance(ABag(text=s, fontName=fam.regular, fontSize=10)) == pytest.approx(advance)
    # a private code of its own for a name not seen, drawing the same glyph
    gid = font.face.charToGlyph[ord(s[marks[0] + 1])]
    code = font.hbAddPrivate("pdfgen-a28-probe", gid, 0)
    assert code != ord(s[marks[0] + 1]) and font.face.charToGlyph[code] == gid
    assert font.hbAddPrivate("pdfgen-a28-probe", gid, 0) == code
    # setFont keeps the font on the canvas
    c.setFont(fam.bold, 13)
    assert rl.canvas_font(c) == (fam.bold, 13)


def test_a30_shape_once_a_words_result_depends_on_font_size_and_text(script_fonts):
    from reportlab.lib.abag import ABag
    from reportlab.lib.colors import red
    from reportlab.pdfbase import ttfonts

    fam, _ = _arabic_style()
    original = ttfonts.shapeFragWord.original  # ReportLab's own, not ours with its memory
    word = "الجرّاح"
    plain = ABag(fontName=fam.regular, fontSize=10, text=word)
    coloured = ABag(fontName=fam.regular, fontSize=10, text=word, textColor=red, link=["x"])
    a = original([0, (plain, word)])
    b = original([0, (coloured, word)])
    assert isinstance(a, ttfonts.ShapedFragWord) and len(a) == 2
    assert a[1][0] is plain and b[1][0] is coloured  # the word's own fragment
    assert a[0] == b[0] and str(a[1][1]) == str(b[1][1])
    assert a[1][1].__shapeData__ == b[1][1].__shapeData__
    # shaping that changes nothing hands the word back
    latin = [0, (ABag(fontName=fam.regular, fontSize=10), "abc")]
    assert original(latin) is latin
    # ours keeps the first result and gives the next word of the same text the same glyphs
    ours = ttfonts.shapeFragWord
    first = ours([0, (plain, word)])
    again = ours([0, (coloured, word)])
    assert again[1][0] is coloured and again[1][1] is first[1][1]
    assert again[0] == a[0] and str(again[1][1]) == str(a[1][1])


@pytest.mark.parametrize("width", [60, 90, 140, 400])
def test_line_ends_at_spaces_and_inside_a_cut_word(width):
    # where a line ends at a space its tagged text gets one; where ReportLab cut a word too
    # long for the column (a web address) it does not, so the address reads as one word
    text = ("Call us at 817-697-4038 or read www.example.org/en/procedures/hemilaminectomy"
            "-and-more online today")
    for markup in (text, text.replace("Call", "<b>Call</b>")):  # kind 0 and kind 1 lines
        para = Paragraph(markup, STYLE)
        para.pdfgen_source = rl.source_text(para)  # as Para.wrap keeps it (A5)
        para.wrap(width, 1000)
        if para.blPara.kind == 1:  # wrap empties a kind-1 paragraph's fragments
            assert not rl.source_text(para)
        bl = para.blPara
        lines = [" ".join(words) if bl.kind == 0 else "".join(f.text for f in line.words)
                 for line in bl.lines for words in ([line[1]] if bl.kind == 0 else [None])]
        got = rl._breaks_at_spaces(para, bl)
        joined = ""
        for line, at_space in zip(lines, got, strict=True):
            joined += " ".join(line.split()) + (" " if at_space else "")
        assert joined.strip() == text  # every space kept, none added inside a word
        assert got[-1] is True
        assert (False in got) == (width < 300)  # the address cut where the column is narrow


def test_a_web_address_broken_by_pdfgen_reads_as_one_word():
    # the QR code's address is broken after a "/" with <br/> (render/figure.py
    # address_lines): its tagged text has no space there; a <br/> elsewhere is one
    para = Paragraph('Online:<br/><a href="https://x"><b>www.example.org/en/procedures/<br/>'
                     'hemilaminectomy</b></a><br/>Fax', STYLE)
    assert rl.source_text(para) == ("Online:\nwww.example.org/en/procedures/hemilaminectomy"
                                    "\nFax")


# -- A31 tree-parse ---------------------------------------------------------------------------

def _frag_state(frags) -> list[dict]:
    """What a fragment is, field by field (colours and links compared by value)."""
    return [{k: (repr(v) if k == "textColor" else v) for k, v in vars(f).items()}
            for f in frags or []]


def _reportlab_parse(text: str, style=STYLE):
    from reportlab.platypus.paraparser import ParaParser

    parser = ParaParser()
    parser.caseSensitive = 1
    return parser.parse(text, style)


A31_TEXTS = [
    "plain words",
    "a &amp; b &lt;dos tabletas&gt; c",
    "<b>Call</b> 817-697-4038<br/>or text &amp; ask",
    '<font name="Courier">x</font><b><font name="Courier">y &amp; z</font></b>',
    '<a href="https://example.org/a?b=1&amp;c=2" color="#0b3a66">example.org</a> now',
    "<br/><br/>two breaks <BR/> upper case",
    "&quot;quoted&quot; &nbsp; &eacute;",
    "",
]


@pytest.mark.parametrize("text", A31_TEXTS)
def test_a31_tree_parse_gives_reportlabs_fragments(text):
    tree = rl.para_tree(text)
    assert tree is not None, text
    fast = rl.parse_para(text, STYLE)
    slow = _reportlab_parse(text)
    assert fast[0] is slow[0] is STYLE
    assert _frag_state(fast[1]) == _frag_state(slow[1])
    assert fast[2] == slow[2]


def test_a31_an_entity_is_its_own_piece_as_html_parser_gives_it():
    # html.parser hands "a ", "&", " b" over one by one: three fragments, not one. A tree
    # that kept "a & b" whole would make other fragments (and other words and bytes)
    tree = rl.para_tree("a &amp; b")
    assert tree == ("para", {}, ["a ", "&", " b"])
    assert [f.text for f in rl.parse_para("a &amp; b", STYLE)[1]] == ["a ", "&", " b"]


@pytest.mark.parametrize("text", [
    "a < b", "a & b", "a > b", "&#38;", "&unknownentity;", "<!-- c -->x", "<b>open",
    "close</b>", "<b>x</i>", "<para>x</para>", "<script>x</script>", "<b x=1>y</b>",
    "<b x='1'>y</b>", "</b x=\"1\">",
])
def test_a31_anything_else_is_left_to_reportlab(text):
    assert rl.para_tree(text) is None
    assert rl.parse_para(text, STYLE) is None


def test_a31_a_para_reads_pdfgens_xml_without_html_parser(monkeypatch):
    from html.parser import HTMLParser

    from pdfgen.render.flowables import Para

    fed = []
    monkeypatch.setattr(HTMLParser, "feed", lambda self, data: fed.append(data))
    para = Para("<b>Risks</b> &amp; <br/>benefits", STYLE)
    assert fed == []
    assert [f.text for f in para.frags] == ["Risks", " ", "&", " ", "", "benefits"]
    assert para.text == "<b>Risks</b> &amp; <br/>benefits"
    monkeypatch.undo()
    # what it cannot read, ReportLab reads (and a bad paragraph fails as ReportLab fails)
    for text in ("1 < 2", "&#38; x", "a &bogus; b"):
        assert _frag_state(Para(text, STYLE).frags) == _frag_state(Paragraph(text, STYLE).frags)
    with pytest.raises(ValueError):
        Para("<b>unclosed", STYLE)
