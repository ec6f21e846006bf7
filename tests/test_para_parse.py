"""pdfgen's paragraph XML read without html.parser (render/rl.py A31) gives exactly the
fragments ReportLab's own parse gives: for any content text an editor can type, as
markup.py escapes it, with and without the font runs other scripts get; and for every
paragraph of the bundled handouts as they are rendered."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus.paragraph import cleanBlockQuotedText
from reportlab.platypus.paraparser import ParaParser

from pdfgen import markup
from pdfgen.render import rl

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25")) * 8  # cheap: no render
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get(
    "FUZZ_RANDOM"), suppress_health_check=[HealthCheck.too_slow])
STYLE = ParagraphStyle("t", fontName="Helvetica", fontSize=11, leading=14)

PIECES = st.one_of(
    st.sampled_from(["<", ">", "&", "&amp;", "&lt;", "<b>", "</b>", "<br/>", "**", "\n",
                     "<dos tabletas>", "&#38;", "&nbsp;", " ", "  ", "\t", "\u00a0", '"',
                     "'", "=", "/", "é", "ñ", "\u4e2d", "\u0627", "\U0001F600", "x"]),
    st.text(max_size=4))
CONTENT = st.lists(PIECES, max_size=12).map("".join)


def _state(frags) -> list[dict]:
    return [{k: (repr(v) if k == "textColor" else v) for k, v in vars(f).items()}
            for f in frags or []]


def _same_as_reportlab(xml: str) -> None:
    text = cleanBlockQuotedText(xml)  # as Paragraph cleans it before parsing
    parser = ParaParser()
    parser.caseSensitive = 1
    slow = parser.parse(text, STYLE)
    fast = rl.parse_para(text, STYLE)
    assert fast is not None, text  # pdfgen's XML never needs ReportLab's parser
    # text, <b>, <br/> and <font name>: made without even ReportLab's tag handlers
    assert rl._plain_frags(rl.para_tree(text)[2], STYLE) is not None, text
    assert fast[0] is slow[0]
    assert _state(fast[1]) == _state(slow[1]), text
    assert fast[2] == slow[2]


@FUZZ
@given(CONTENT)
def test_content_xml_reads_as_reportlab_reads_it(text):
    _same_as_reportlab(markup.to_para_xml(text))
    _same_as_reportlab(markup.escape(text))


@FUZZ
@given(st.lists(st.tuples(CONTENT, st.sampled_from(["", "Courier", "Times-Roman"])),
                max_size=5))
def test_font_runs_read_as_reportlab_reads_them(runs):
    xml = "".join(markup.to_para_xml(t) if not font else
                  f'<font name="{font}">{markup.escape(t)}</font>' for t, font in runs)
    _same_as_reportlab(xml)
    _same_as_reportlab(f"<b>{xml}</b>" if "<b>" not in xml else xml)


def test_every_paragraph_of_the_bundled_handouts(monkeypatch):
    """Each paragraph a render makes is read here, and reads as ReportLab reads it."""
    from pathlib import Path

    from pdfgen.layout import load_layout
    from pdfgen.load import handout_files, load_library, require
    from pdfgen.render import render_handout

    from .conftest import REPO

    seen, original = [], rl.parse_para

    def checked(text, style, case_sensitive=1):
        got = original(text, style, case_sensitive)
        parser = ParaParser()
        parser.caseSensitive = case_sensitive
        want = parser.parse(text, style)
        assert got is not None, text
        assert _state(got[1]) == _state(want[1]), text
        seen.append(text)
        return got

    monkeypatch.setattr(rl, "parse_para", checked)
    for folder in ("handouts", "bench/peer_handout"):
        lib = require(load_library(Path(REPO, folder)))
        proc = lib.procedure(handout_files(Path(REPO, folder))[0].stem)
        for name in ("bilingual", "stacked", "single"):
            render_handout(proc, lib.clinic, load_layout(name))
    assert len(seen) > 300
    assert any("&amp;" in t or "&lt;" in t for t in seen) or any("<br/>" in t for t in seen)


# -- what a review found: each fails without its fix ----------------------------------------

def _outcome(cls, xml):
    try:
        para = cls(xml, STYLE)
    except ValueError as exc:
        return ("error", str(exc))
    return [(f.text, f.fontName, getattr(f, "lineBreak", False)) for f in para.frags]


@pytest.mark.parametrize("xml", ["a<br\xa0/>b", "a<b\xa0/>b", '<font\xa0name="Courier">x</font>',
                                 "<b\xa0>x</b>", '<font name="Courier"\xa0>x</font>'])
def test_only_ascii_spaces_end_a_tag_name(xml):
    # html.parser reads "<br\xa0/>" as an unknown tag "br\xa0": no line break
    from reportlab.platypus import Paragraph

    from pdfgen.render.flowables import Para

    assert rl.para_tree(xml) is None
    assert _outcome(Para, xml) == _outcome(Paragraph, xml)


@pytest.mark.parametrize("xml", ['see <font name="NoSuchFace">x</font>', "a<br>b</br>",
                                 "<seq/> and <b>x</b>", "<bullet>*</bullet>x"])
def test_a_paragraph_the_fast_reading_cannot_make_is_reportlabs(xml):
    # the same fragments, or the same error in ReportLab's own words (with the paragraph)
    from reportlab.platypus import Paragraph

    from pdfgen.render.flowables import Para

    got, want = _outcome(Para, xml), _outcome(Paragraph, xml)
    if want[0] == "error":
        assert got == want and "paragraph text" in want[1]
    else:
        assert got[1:] == want[1:]  # <seq/> counts on: its first number differs
