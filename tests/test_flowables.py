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
