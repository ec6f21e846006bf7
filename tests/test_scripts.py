"""Other scripts (#15): the sample library in examples/other-scripts rendered in English with
Vietnamese or Simplified Chinese in every bundled layout and read back, and Chinese line
breaking (kinsoku shori) at many widths.

Reading back: the text of each language's Sect in the structure tree (`pdfinfo
-struct-text`: what a screen reader hears, from the drawn glyphs through ToUnicode) holds
every passage of the source exactly, after NFC. Whitespace is normalised on both sides the
same way: runs of it become one space (line breaks inside a paragraph), and a space next to
a CJK character or full-width punctuation is removed (Chinese has no spaces between words;
an extractor may put one, or a newline, at the end of each line). Spaces between Latin
words and digits are kept, so a phone number or "MRI" cut in two would not match.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph as RLParagraph

from pdfgen.cli import cli
from pdfgen.layout import load_layout
from pdfgen.load import load_library, require
from pdfgen.pdfcheck import check_pdf
from pdfgen.render import fonts, render_handout
from pdfgen.render.flowables import Para
from pdfgen.render.rl import line_texts

from .conftest import REPO, needs
from .test_tagged import _kids, plain, struct_tree

EXAMPLES = REPO / "examples" / "other-scripts"
LAYOUTS = ["bilingual", "a4-bilingual", "single", "stacked", "large-print"]
LANGS = ["vi", "zh-Hans"]
LATIN = "Atkinson Hyperlegible Next"

# Written out here, not taken from pdfgen, so that the test judges pdfgen's rules.
CLOSING = "，。、；：！？）」』】〕》〉”’…％,.;:!?)]}"
OPENING = "（「『【〔《〈“‘([{"


def cjk(ch: str) -> bool:
    return ord(ch) >= 0x2E80 or ch in CLOSING + OPENING and not ch.isascii()


def normal(text: str) -> str:
    """NFC; whitespace runs to one space; no space beside a CJK character."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
    return "".join(ch for i, ch in enumerate(text)
                   if not (ch == " " and (cjk(text[i - 1]) or cjk(text[i + 1]))))


@pytest.fixture(scope="module")
def library(script_fonts):
    lib = require(load_library(EXAMPLES))
    return lib.clinic, lib.procedure("hemilaminectomy")


def _langs(layout: str, lang: str) -> tuple[str, ...]:
    return (lang,) if layout in ("single", "large-print") else ("en", lang)


@pytest.fixture(scope="module")
def pdfs(library, tmp_path_factory):
    clinic, proc = library
    folder = tmp_path_factory.mktemp("scripts")
    out = {}
    for layout in LAYOUTS:
        for lang in LANGS:
            path = folder / f"{layout}.{lang}.pdf"
            path.write_bytes(render_handout(proc, clinic, load_layout(layout),
                                            _langs(layout, lang)))
            out[(layout, lang)] = path
    return out


CASES = [(layout, lang) for layout in LAYOUTS for lang in LANGS]


def _id(case):
    return f"{case[0]}-{case[1]}"


def _passages(proc, lang: str) -> list[str]:
    """Every text of the handout in `lang` (figures aside: the example has none)."""
    return [plain(text[lang]) for _, text in proc.texts() if text.get(lang)] \
        + [plain(t[lang]) for t in proc.emergency]


@needs("pdfinfo")
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_every_character_reads_back_in_its_languages_section(pdfs, library, case):
    clinic, proc = library
    layout, lang = case
    langs = _langs(layout, lang)
    (doc,) = struct_tree(pdfs[case]).elements()
    sects = [n for n in doc.elements() if n.role == "Sect"]
    assert len(sects) == len(langs)
    for sect, code in zip(sects, langs, strict=True):
        text = normal(sect.text())
        missing = [p for p in _passages(proc, code) if normal(p) not in text]
        assert missing == [], f"{code}: not read back: {missing[:3]}"
        for other in set(langs) - {code}:  # and the other language is not in it
            assert normal(plain(proc.summary[other])) not in text


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_each_languages_passages_carry_its_lang(pdfs, library, case):
    clinic, _ = library
    layout, lang = case
    langs = _langs(layout, lang)
    with pikepdf.open(pdfs[case]) as pdf:
        assert str(pdf.Root.Lang) == clinic.language(langs[0]).locale
        sects = [k for k in _kids(pdf.Root.StructTreeRoot.K[0]) if k.S == pikepdf.Name.Sect]
        assert [str(s.Lang) for s in sects] == [clinic.language(x).locale for x in langs]
        for sect, code in zip(sects, langs, strict=True):  # nothing inside says otherwise
            stack = list(_kids(sect))
            while stack:
                elem = stack.pop()
                if isinstance(elem, pikepdf.Dictionary) and "/S" in elem:
                    if "/Lang" in elem:
                        assert str(elem.Lang) == clinic.language(code).locale
                    stack += _kids(elem)


@needs("pdffonts")
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_fonts_are_embedded_subsets_with_tounicode(pdfs, case):
    out = subprocess.run(["pdffonts", str(pdfs[case])], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    assert out
    rows = [line.split() for line in out]
    assert all(row[-5:-2] == ["yes", "yes", "yes"] for row in rows), out  # emb sub uni
    families = {re.sub(r"^[A-Z]{6}\+|-.*$", "", row[0]) for row in rows}
    assert {"vi": "NotoSans", "zh-Hans": "NotoSansSC"}[case[1]] in families


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_check_pdf_passes(pdfs, case):
    assert check_pdf(pdfs[case]) == []


def test_check_pdf_command_and_the_glyph_check(pdfs, script_fonts):
    runner = CliRunner()
    res = runner.invoke(cli, ["check", "--pdf", *map(str, pdfs.values())])
    assert res.exit_code == 0 and f"checked {len(pdfs)} PDFs: 0 errors" in res.output
    for args in ([str(EXAMPLES)], ["--library", str(EXAMPLES)]):  # as build names it too
        res = runner.invoke(cli, ["check", *args])
        assert res.exit_code == 0, res.output
        assert "missing-glyph" not in res.output and "0 errors" in res.output
        assert "checked 2 files (1 handout)" in res.output


def test_the_glyph_check_names_missing_fonts(tmp_path, monkeypatch):
    """The control: without the script fonts, the same library fails the glyph check."""
    monkeypatch.setenv("PDFGEN_FONTS", str(tmp_path / "no-fonts"))
    fonts.family.cache_clear()
    try:
        res = CliRunner().invoke(cli, ["check", str(EXAMPLES)])
    finally:
        fonts.family.cache_clear()
    assert res.exit_code == 1
    assert "3 errors" in res.output  # one per language, naming its font and package
    assert all(f"pdfgen fonts install {code}" in res.output for code in ("vi", "zh-Hans", "ar"))


def _runs(path: Path) -> list[tuple[str, str, float]]:
    """(text, font, x) of every text run drawn, over every page."""
    runs = []
    for page in PdfReader(path).pages:
        def visit(text, cm, tm, font, size):
            if font is not None and text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                runs.append((text, re.sub(r"^/?[A-Z]{6}\+", "", str(font["/BaseFont"])), x))
        page.extract_text(visitor_text=visit)
    return runs


VIETNAMESE = re.compile(r"[À-ỹ]")


@pytest.mark.parametrize("layout", ["single", "bilingual"])
def test_vietnamese_prints_in_noto_sans_not_mixed_with_atkinson(pdfs, library, layout):
    clinic, _ = library
    runs = _runs(pdfs[(layout, "vi")])
    viet = [(t, f) for t, f, _ in runs if VIETNAMESE.search(t)]
    assert viet and all(f.startswith("NotoSans-") for _, f in viet), viet
    if layout == "single":  # the Latin face draws only what is no language's own words
        neutral = {clinic.name, clinic.phone, "www.example.org", "•", "·"}
        latin = [t for t, f, _ in runs if f.startswith("Atkinson")]
        left = [t for t in latin if re.sub("|".join(map(re.escape, neutral)), "", t).strip()]
        assert left == []


# -- Chinese line breaking -----------------------------------------------------------------

def _zh_text(proc) -> str:
    return "".join(plain(t["zh-Hans"]) for _, t in proc.texts()) + (
        "如有问题，请致电 817-697-4038。医生可能会给您做 MRI 检查，看清楚神经受压的地方："
        "“椎管”、“椎板”！（只切一侧）。《须知》")


def _lines(cls, text: str, width: float, size: float = 11) -> list[str]:
    zh = fonts.stack(LATIN, "zh-Hans")
    style = ParagraphStyle("zh", fontName=zh.font("regular"), fontSize=size,
                           leading=size * 1.4, wordWrap="CJK")
    para = cls(zh.para_xml(text), style)
    para.wrap(width, 1e6)
    return line_texts(para)


def _violations(lines: list[str]) -> list[str]:
    bad = []
    for a, b in zip(lines, lines[1:], strict=False):
        if b[:1] in CLOSING:
            bad.append(f"line starts with {b[:1]}: {a[-4:]}|{b[:4]}")
        if a[-1:] in OPENING:
            bad.append(f"line ends with {a[-1:]}: {a[-4:]}|{b[:4]}")
        if re.search(r"[\w-]$", a, re.ASCII) and re.match(r"[\w-]", b, re.ASCII):
            bad.append(f"Latin token cut: {a[-6:]}|{b[:6]}")
    return bad


WIDTHS = range(110, 400, 7)  # from a narrow column (the phone number fits at 14 pt) to a page


def test_chinese_lines_keep_the_no_break_rules(library):
    _, proc = library
    text = _zh_text(proc) * 2
    for size in (11, 14):
        for width in WIDTHS:
            lines = _lines(Para, text, width, size)
            assert len(lines) > 1
            assert _violations(lines) == [], (size, width)
            # no character lost or doubled: only the spaces lines break at are left out
            assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_reportlabs_own_cjk_wrap_breaks_the_rules_pdfgen_keeps(library):
    """The control: ReportLab's wordWrap="CJK" starts lines with a full-width comma (not in
    its list) and cuts tokens; the check above would see it."""
    _, proc = library
    text = _zh_text(proc) * 2
    assert any(_violations(_lines(RLParagraph, text, w)) for w in WIDTHS)


def test_chinese_paragraph_in_a_rendered_pdf_reads_back_whole(pdfs, library):
    _, proc = library
    reader = PdfReader(pdfs[("single", "zh-Hans")])
    text = normal(" ".join(page.extract_text() for page in reader.pages))
    for passage in _passages(proc, "zh-Hans"):
        assert normal(passage) in text


def test_the_example_library_builds_every_output(script_fonts, tmp_path):
    """Arabic included: its content and catalog load and its glyphs are all there (its
    right-to-left layout is tested where it is built)."""
    res = CliRunner().invoke(cli, ["build", "--library", str(EXAMPLES), "--out",
                                   str(tmp_path), "--jobs", "1"])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "hemilaminectomy").glob("*.pdf"))
    assert names == [f"hemilaminectomy.{n}.pdf" for n in
                     ("ar", "en-ar", "en-vi", "en-zh", "en", "vi", "zh")]
    assert "failed 0" in res.output


# -- the external checkers, on every script: English beside vi, zh-Hans and ar -------------

@needs("qpdf")
@pytest.mark.parametrize("lang", ["vi", "zh-Hans", "ar"])
@pytest.mark.parametrize("layout", ["bilingual", "single"])
def test_external_checkers_pass_in_every_script(library, tmp_path, layout, lang):
    from pdfua import validate

    clinic, proc = library
    path = tmp_path / f"{layout}.{lang}.pdf"
    path.write_bytes(render_handout(proc, clinic, load_layout(layout), _langs(layout, lang)))
    report = validate(str(path))
    findings = [f"{f.rule_id} {f.message}" for o in report.outcomes for f in o.findings]
    skipped = [f"{o.rule_id}: {o.skipped_reason}" for o in report.outcomes if o.skipped_reason]
    assert findings == [] and skipped == [] and len(report.outcomes) >= 10
    assert check_pdf(path) == []
    res = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "WARNING" not in res.stdout + res.stderr
