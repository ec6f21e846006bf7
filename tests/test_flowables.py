"""Column fitting: split in step, never strand a heading at the bottom of a column."""

from __future__ import annotations

from reportlab.lib.styles import ParagraphStyle

from pdfgen.layout import load_layout
from pdfgen.render import render_pdf
from pdfgen.render.flowables import Columns, Heading, Para, _fit
from pdfgen.render.fonts import family

from .pdfread import read_pdf


def _styles():
    fam = family("Atkinson Hyperlegible Next")
    body = ParagraphStyle("b", fontName=fam.regular, fontSize=12, leading=16)
    head = ParagraphStyle("h", parent=body, fontName=fam.bold, keepWithNext=1)
    return body, head


def test_heading_that_fits_alone_moves_with_its_text():
    body, head = _styles()
    items = [Para("First paragraph.", body), Heading("Risks", head),
             Para("A long paragraph. " * 30, body)]
    placed, rest = _fit(items, 200, 16 * 2.5)  # room for the first line, the heading, little else
    assert [type(f).__name__ for f, _ in placed] == ["Para"]
    assert isinstance(rest[0], Heading)


def test_long_paragraph_splits_and_pieces_stay_one_element():
    body, _ = _styles()
    p = Para("Walk a little every day. " * 40, body)
    p.elem, p.lang, p.role = 7, "es", "LI"
    placed, rest = _fit([p], 200, 16 * 5)
    assert len(placed) == 1 and len(rest) == 1
    assert placed[0][1] <= 16 * 5
    assert (rest[0].elem, rest[0].lang, rest[0].role, rest[0].first) == (7, "es", "LI", False)


def test_columns_split_in_step():
    body, head = _styles()
    left = [Heading("Section", head), Para("English text. " * 80, body)]
    right = [Heading("Sección", head), Para("Texto en español. " * 60, body)]
    first, second = Columns([left, right], gap=20).split(500, 300)
    first.wrap(500, 300)
    assert first.height <= 300
    assert all(col for col in second.columns)  # both languages continue on the next page
    assert isinstance(first.columns[0][0], Heading) and isinstance(first.columns[1][0], Heading)


def test_no_page_ends_with_a_heading_in_single_language_layouts(tmp_path):
    from pdfgen.load import load_library, require

    from .conftest import SAMPLE

    lib = require(load_library(SAMPLE))
    proc = lib.procedure("hemilaminectomy")
    headings = {"What are the risks?", "Questions to discuss with your surgeon",
                "Notes and my own questions", "When to call us", "What are the benefits?",
                "What other choices do I have?", *[s.heading["en"] for s in proc.sections]}
    for name in ("single", "large-print", "stacked"):
        result = render_pdf(proc, lib.clinic, load_layout(name), ("en",) if name != "stacked"
                            else None)
        for number, text in enumerate(read_pdf(result.data).pages, 1):
            body = text[: text.rfind(lib.clinic.name)].strip().splitlines()
            if not body:  # only the stacked layout's filler page (even) is blank
                assert name == "stacked" and number % 2 == 0, (name, number)
                continue
            assert body[-1].strip() not in headings, (name, number, body[-1])


# -- keep rules (issue #13) -----------------------------------------------------------------

def _lines(n: int, word: str = "word") -> str:
    """A paragraph of about n lines at 200 pt wide."""
    return " ".join([word] * (n * 5))


def test_a_row_where_one_language_cannot_start_moves_whole():
    """Bilingual rows start in step: when the Spanish heading (kept with two lines of its
    text) does not fit but the English would start, both move to the next page."""
    from pdfgen.render.flowables import Keep

    body, head = _styles()
    left = [Heading("Short", head), Para(_lines(8), body)]
    right = [Heading("Un título largo que ocupa varias líneas en la columna", head),
             Para(_lines(8, "palabra"), body)]
    keep = Keep(page_height=700, least=32, whole=False, whole_items=False)
    # room for the English heading and two lines, not for the Spanish heading's three lines
    room = 16 * 3.5
    assert Columns([left, right], 20, keep=keep).split(420, room) == []
    # at the top of a page, it splits anyway (moving on cannot help)
    parts = Columns([left, right], 20, keep=keep).split(420, 700)
    assert parts == [] or all(col for col in parts[0].columns)


def test_a_kept_block_moves_on_whole_when_it_fits_a_page():
    from pdfgen.render.flowables import Box, Keep

    body, head = _styles()
    items = [Heading("Call us", head), *[Para(_lines(1), body) for _ in range(10)]]
    box = Box(items, keep=Keep(page_height=600, least=32))
    assert box.split(200, 100) == []  # 100 pt left: on to the next page, whole
    big = Box(items * 5, keep=Keep(page_height=300, least=32))  # taller than a page
    first, second = big.split(200, 300)
    assert first.items and second.items


def test_a_panel_splits_between_items_and_leaves_no_single_line():
    from pdfgen.render.flowables import Box, Keep

    body, head = _styles()
    items = [Heading("Risks", head), Para(_lines(3), body), Para(_lines(3), body),
             Para(_lines(1), body)]  # the last: one line
    box = Box(items, keep=Keep(page_height=1000, least=16 * 2 + 0.5, whole=False))
    box.wrap(200, 1000)
    # room for all but the last line: the one-line item must not be left alone
    parts = box.split(200, box.height - 10)
    assert len(parts) == 2
    assert len(parts[1].items) >= 2  # the last item took one more with it
    assert all(isinstance(f, Para) for f in parts[0].items + parts[1].items)
    assert not any(getattr(f, "first", True) is False for f in parts[1].items)  # none split


def test_notes_lines_never_split_and_fill_only_spare_room():
    from pdfgen.render.flowables import NotesArea

    body, head = _styles()
    area = NotesArea([[Heading("Notes", head)]], 0, count=3, most=8, spacing=26,
                     color="#666666")
    assert area.split(200, 60) == []
    _, h = area.wrap(200, 1000)
    assert area.lines == 8  # a page to itself: up to `most`
    after = Para(_lines(10), body)  # 160 pt that follows it
    area.after = [after]
    area.wrap(200, 400)
    head_h = h - 8 * 26
    assert area.lines == int((400 - 160 - head_h) // 26)  # leaves the room for what follows
    area.wrap(200, head_h + 3 * 26 + 10)  # what follows cannot fit anyway: fill the page
    assert area.lines == 3


def test_a_notes_area_taller_than_a_page_splits_and_keeps_every_line():
    """30 notes lines at large print's spacing do not fit one page: the area splits, its
    heading on the first part, and no line is lost (it used to be a LayoutError)."""
    from pdfgen.render.flowables import NotesArea

    body, head = _styles()
    area = NotesArea([[Heading("Notes", head)]], 0, count=30, most=30, spacing=36,
                     color="#666666", page_height=600)
    first, rest = area.split(200, 600)
    assert first.columns[0] and not any(rest.columns)  # the heading only on the first part
    first.wrap(200, 600)
    assert first.height <= 600
    assert first.lines + rest.count == 30
    small = NotesArea([[Heading("Notes", head)]], 0, count=3, most=6, spacing=36,
                      color="#666666", page_height=600)
    assert small.split(200, 100) == []  # fits a page: moves on whole
