"""Property-based tests for the other scripts (#15): any text an editor can type into an
Arabic, Chinese or Vietnamese handout either renders or is refused with findings, never a
traceback, and what renders keeps every letter.

The texts mix the script's letters with what real content puts among them: digits and
phone numbers, Latin words and web addresses, the script's own punctuation (، ؛ ؟ ۔ ，。、),
brackets, vowel marks, the bold marker, line breaks, spaces, and pieces from anywhere in
Unicode. Each example replaces the summary and the first risk item in the sample library in
other scripts (examples/other-scripts) and renders English beside the language (bilingual)
and the language alone (single), through render_pdf, which runs the render-readiness
checks first: a character no font has is a ContentError with findings, as `check` reports.

FUZZ_EXAMPLES (default 25 per test, derandomized) and FUZZ_RANDOM=1 as in test_fuzz.py.
"""

from __future__ import annotations

import dataclasses
import os
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pdfgen.errors import ContentError
from pdfgen.layout import load_layout
from pdfgen.load import load_library, require
from pdfgen.model import Text
from pdfgen.render import render_pdf

from .conftest import REPO
from .pdfread import read_pdf

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get(
    "FUZZ_RANDOM"), suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

COMMON = ["817-697-4038", "911", "2", "10.5", "www.example.org", "MRI", "Dr. Lee", "(", ")",
          "[", "]", "/", "-", ":", ".", ",", "!", "?", "%", "**", "\n", " ", "  ", "<", "&",
          "«", "»", "\u200f", "\u200e", "\u00a0"]
LETTERS = {
    "ar": ["اتصل", "بنا", "الطبيب", "لا", "الله", "مستشفى", "عملية", "،", "؛", "؟", "۔",
           "\u064b", "\u0651", "\u064e", "ـ", "٣", "٤", "پ", "ی", "ک"],
    "zh-Hans": ["请", "拨打", "医生", "手术", "，", "。", "、", "：", "；", "！", "？", "（", "）",
                "「", "」", "“", "”", "…", "％"],
    "vi": ["Gọi", "ngay", "bác", "sĩ", "phẫu", "thuật", "Việt", "ư", "ơ", "đ", "ạ", "ế",
           "e\u0302\u0301"],
}


def texts(lang: str):
    known = st.sampled_from(LETTERS[lang] + COMMON)
    # mostly what the fonts have (so most examples render); now and then anything at all
    pieces = st.one_of(known, known, known, known, known, known, known, known,
                       st.text(alphabet=st.characters(codec="utf-8"), max_size=2))
    return st.lists(pieces, min_size=1, max_size=25).map("".join)


@pytest.fixture(scope="module")
def library(script_fonts):
    lib = require(load_library(REPO / "examples" / "other-scripts"))
    return lib.clinic, lib.procedure("hemilaminectomy")


RENDERED: dict[str, int] = {}  # examples rendered, per language (not all refused)


def _with(text: Text, lang: str, value: str) -> Text:
    return dataclasses.replace(text, values=tuple((c, value if c == lang else v)
                                                  for c, v in text.values))


def _letters(text: str) -> str:
    """The letters and digits of `text`, NFC, in order (what must survive a render)."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text)
                   if unicodedata.category(ch)[0] in "LN")


GLUED = re.compile(r"[\u0600-\u06ff][A-Za-z0-9]|[A-Za-z0-9][\u0600-\u06ff]")
ARABIC_RUN = re.compile(r"[\u0600-\u06ff]+")


def _arabic(text: str) -> str:
    """The Arabic letters, marks and digits of `text`, NFC, in order."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text)
                   if unicodedata.category(ch)[0] in "LMN" and not ch.isascii()
                   and unicodedata.name(ch, "").startswith(("ARABIC", "EXTENDED ARABIC")))


def _pdfium_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        return " ".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


@pytest.mark.parametrize("lang", ["ar", "zh-Hans", "vi"])
@FUZZ
@given(data=st.data())
def test_any_text_renders_or_is_refused_with_findings(library, lang, data):
    clinic, proc = library
    summary = data.draw(texts(lang), label="summary")
    risk = data.draw(texts(lang), label="risk")
    if not summary.strip() or not risk.strip():
        return  # an empty text is the loader's to refuse, not the renderer's
    changed = dataclasses.replace(
        proc, summary=_with(proc.summary, lang, summary),
        risks=dataclasses.replace(proc.risks, items=(_with(proc.risks.items[0], lang, risk),
                                                     *proc.risks.items[1:])))
    for layout, langs in (("bilingual", ("en", lang)), ("single", (lang,))):
        try:
            rendered = render_pdf(changed, clinic, load_layout(layout), langs)
        except ContentError as exc:  # refused: with findings that say where and why
            assert exc.findings and all(f.message for f in exc.findings)
            assert all(f.rule in ("missing-glyph", "too-long") for f in exc.findings), \
                [str(f) for f in exc.findings]
            continue
        RENDERED[lang] = RENDERED.get(lang, 0) + 1
        assert rendered.pages >= 1
        if lang == "ar":
            # right to left: pdfium (which orders a line by where its glyphs are, as a
            # viewer does) reads every Arabic letter, mark and digit in order. A word that
            # glues Arabic to Latin letters or digits with no space between reads its
            # runs in an order of pdfium's own guess (the drawing is right: test_rtl.py
            # checks it by position), so there each Arabic run is looked for on its own.
            page = _arabic(_pdfium_text(rendered.data))
            for value in (summary, risk):
                if GLUED.search(value):
                    wants = [_arabic(run) for run in ARABIC_RUN.findall(value)]
                else:
                    wants = [_arabic(value)]
                for want in wants:
                    if want:
                        assert want in page, (value, want)
            continue
        # every letter and digit the editor wrote is on the page, in order (spaces and
        # line breaks aside: lines break anywhere, CJK lines between any two characters)
        page = _letters(re.sub(r"\s+", "", "".join(read_pdf(rendered.data).pages)))
        for value in (summary, risk):
            want = _letters(value.replace("**", ""))
            if want:
                assert want in page, (value, want)


def test_most_examples_render():
    """Runs after the property tests (file order): they exercised the renderer, not only
    the glyph check's refusals."""
    for lang in ("ar", "zh-Hans", "vi"):
        assert RENDERED.get(lang, 0) >= max(2, EXAMPLES // 6), RENDERED
