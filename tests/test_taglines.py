"""The language-assistance taglines page (#15 part 5): texts as data, clinic.yaml
`taglines:`, the layout key, the page itself read back from the PDF, and `check`."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pikepdf
import pytest
import yaml

from pdfgen import taglines
from pdfgen.languages import registry
from pdfgen.layout import load_layout
from pdfgen.load import load_clinic, load_library, require
from pdfgen.paths import bundled
from pdfgen.pdfcheck import check_pdf
from pdfgen.render import render_handout
from pdfgen.render.readiness import check_taglines

from .conftest import SAMPLE, needs
from .test_tagged import _kids, struct_tree

TEXAS = ["es", "vi", "zh-Hans", "ko", "ar", "ur", "tl", "fr", "hi", "fa", "de", "gu", "ru",
         "ja", "lo"]
RTL = ("ar", "ur", "fa")


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


# -- the texts ------------------------------------------------------------------------------
def test_texts_cover_texas_top_15_each_with_one_phone_and_a_profile():
    texts = taglines.texts()
    assert set(TEXAS) <= set(texts.taglines)
    for code, text in texts.taglines.items():
        assert code in registry(), code
        assert text.count("{phone}") == 1, code
    head = taglines.TEXTS_FILE.read_text(encoding="utf-8")[:1200].lower()
    assert "pending review by a qualified translator" in head
    assert "written for this project" in head


def test_tty_follows_the_phone_number():
    assert "817-555-0100 (TTY: 711)" in taglines.tagline("de", "817-555-0100", "711")
    assert taglines.tagline("de", "817-555-0100").endswith("Rufen Sie 817-555-0100 an.")


def test_new_profiles_script_direction_and_lao_phrases():
    reg = registry()
    for code in ("ur", "fa"):
        assert reg[code].rtl and reg[code].fonts == ("Vazirmatn",)
    assert reg["lo"].line_breaking == "phrases" and reg["lo"].fonts == ("Noto Sans Lao",)
    assert reg["ja"].line_breaking == "cjk"
    assert reg["ru"].script == "Cyrl" and reg["ru"].fonts == ("Noto Sans",)


# -- clinic.yaml -----------------------------------------------------------------------------
def test_sample_clinic_lists_texas_top_15_and_calls_the_clinic_phone():
    clinic, findings = load_clinic(SAMPLE / "clinic.yaml")
    assert not findings
    assert list(clinic.taglines.languages) == TEXAS
    assert clinic.taglines.phone == clinic.phone and clinic.taglines.tty == ""


def _clinic_with(tmp_path: Path, block: str):
    text = (SAMPLE / "clinic.yaml").read_text(encoding="utf-8")
    cut = text.index("\ntaglines:")
    path = tmp_path / "clinic.yaml"
    path.write_text(text[:cut] + "\n" + block, encoding="utf-8")
    line = (text[:cut] + "\n").count("\n") + 1  # the line `taglines:` is on
    return load_clinic(path, "clinic.yaml"), line


def test_phone_defaults_to_the_clinics_and_tty_is_read(tmp_path):
    (clinic, findings), _ = _clinic_with(tmp_path, "taglines:\n  languages: [vi, ko]\n"
                                                   "  tty: \"711\"\n")
    assert not findings
    assert clinic.taglines.languages == ("vi", "ko")
    assert clinic.taglines.phone == "817-697-4038" and clinic.taglines.tty == "711"


@pytest.mark.parametrize("items, index, words", [
    ("[vi, xx]", 2, "unknown language 'xx'"),
    ("[vi, ko, vi]", 3, "'vi' is listed twice (first as taglines.languages[1])"),
    ("[vi, pt]", 2, "no tagline text for Portuguese ('pt')"),
])
def test_bad_languages_are_named_by_file_line_and_field(tmp_path, items, index, words):
    (clinic, findings), line = _clinic_with(tmp_path, f"taglines:\n  languages: {items}\n")
    assert clinic is None
    assert len(findings) == 1, findings
    f = findings[0]
    assert f.pos.file == "clinic.yaml" and f.pos.line == line + 1
    assert f.field == f"taglines.languages[{index}]" and words in f.message


def test_bad_phone_and_unknown_key(tmp_path):
    (clinic, findings), line = _clinic_with(
        tmp_path, "taglines:\n  languages: [vi]\n  phone: call us\n  fone: 1\n")
    assert clinic is None
    fields = {f.field: f.pos.line for f in findings}
    assert fields == {"taglines.phone": line + 2, "taglines.fone": line + 3}


# -- the layout key --------------------------------------------------------------------------
def test_layout_key_defaults_to_none_and_is_checked(tmp_path):
    for name in ("bilingual", "single", "stacked", "large-print", "a4-bilingual"):
        assert load_layout(name).taglines == "none"
    (tmp_path / "odd.yaml").write_text("extends: single\nname: odd\ntaglines: back\n")
    from pdfgen.errors import ContentError

    with pytest.raises(ContentError) as exc:
        load_layout("odd", [tmp_path, bundled("layouts")])
    [f] = exc.value.findings
    assert f.field == "taglines" and f.pos.line == 3 and "none or page" in f.message


# -- the page --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def lib():
    return require(load_library(SAMPLE))


@pytest.fixture(scope="module")
def taglines_layouts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layouts")
    for base in ("single", "bilingual"):
        (folder / f"{base}-taglines.yaml").write_text(
            f"extends: {base}\nname: {base}-taglines\ntaglines: page\n")
    return [folder, bundled("layouts")]


@pytest.fixture(scope="module", params=[("single", ("en",)), ("bilingual", ("en", "es"))],
                ids=["single-en", "bilingual"])
def page_pdf(request, lib, taglines_layouts, script_fonts, tmp_path_factory):
    base, langs = request.param
    layout = load_layout(f"{base}-taglines", taglines_layouts)
    assert check_taglines(lib.clinic, layout) == []  # every glyph there, every font installed
    proc = lib.procedures[0]
    path = tmp_path_factory.mktemp("pdf") / f"{base}.pdf"
    path.write_bytes(render_handout(proc, lib.clinic, layout, langs))
    return path, lib.clinic


def _tagline_sects(path: Path) -> dict[str, pikepdf.Dictionary]:
    """The structure tree's Sects by /Lang."""
    with pikepdf.open(path) as pdf:
        doc = pdf.Root.StructTreeRoot.K[0]
        return {str(k.Lang): [str(e.S) for e in _kids(k) if isinstance(e, pikepdf.Dictionary)]
                for k in _kids(doc) if k.S == pikepdf.Name.Sect}


@needs("pdfinfo")
def test_each_tagline_has_its_lang_in_the_structure_tree(page_pdf):
    path, clinic = page_pdf
    sects = _tagline_sects(path)
    for code in TEXAS:
        lang = clinic.language(code).locale if code in clinic.lang_codes else code
        assert lang in sects, (code, list(sects))
        if code not in clinic.lang_codes:  # a tagline's own Sect: the one paragraph
            assert sects[lang] == ["/P"], (code, sects[lang])


@needs("pdfinfo")
def test_ltr_taglines_extract_exactly_with_the_phone(page_pdf):
    path, clinic = page_pdf
    tree = struct_tree(path)
    paras = [_norm(p.text()) for p in tree.find("P")]
    notice = clinic.taglines
    for code in TEXAS:
        text = _norm(taglines.tagline(code, notice.phone, notice.tty))
        name = registry()[code].name
        if code in RTL:  # its order on the line is the right-to-left work's (#15 part 3)
            assert any(notice.phone in p and p.count(notice.phone) == 1 for p in paras)
            continue
        found = [p for p in paras if text in p]
        assert found, (code, text)
        assert found[0].startswith(_norm(name)) and notice.phone in found[0]
    heading = [h.text() for h in tree.find("H2")]
    assert "Language assistance" in heading
    assert any(_norm(taglines.statement("es", clinic.name)) == p for p in paras)


@needs("pdftotext")
def test_the_page_text_extracts_too(page_pdf):
    path, clinic = page_pdf
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert _norm(taglines.tagline("vi", clinic.taglines.phone)) in _norm(text)
    assert text.count(clinic.taglines.phone) >= len(TEXAS)


@needs("pdffonts")
def test_fonts_are_embedded_subsets(page_pdf):
    path, _ = page_pdf
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                         text=True).stdout.splitlines()[2:]
    names = [line.split()[0] for line in out]
    for family in ("NotoSansKR", "NotoSansJP", "NotoSansLao", "NotoSansGujarati",
                   "NotoSansDevanagari", "Vazirmatn", "NotoSansSC"):
        assert any(family in n for n in names), family
    for line in out:
        assert "+" in line.split()[0], line  # a subset
        cols = line.split()
        assert cols[-5:-2] == ["yes", "yes", "yes"], line  # emb sub uni


def test_page_left_out_without_the_layout_key_or_clinic_taglines(lib, taglines_layouts,
                                                                  script_fonts):
    """en and es outputs of a layout that prints no taglines do not change with them."""
    proc, clinic = lib.procedures[0], lib.clinic
    bare = dataclasses.replace(clinic, taglines=None)
    for lang in ("en", "es"):
        layout = load_layout("single")
        assert render_handout(proc, clinic, layout, (lang,)) == \
            render_handout(proc, bare, layout, (lang,))
    layout = load_layout("single-taglines", taglines_layouts)
    assert render_handout(proc, bare, layout, ("en",)) == \
        render_handout(proc, bare, load_layout("single"), ("en",))
    assert render_handout(proc, clinic, layout, ("en",)) != \
        render_handout(proc, bare, layout, ("en",))


# -- check -----------------------------------------------------------------------------------
def test_check_names_the_missing_font_package_and_command(tmp_path):
    """A tagline language whose font is not installed: an error at its line in clinic.yaml
    (a fresh process: fonts registered here would be found)."""
    shutil_copy = __import__("shutil").copytree
    shutil_copy(SAMPLE, tmp_path / "handouts")
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "single-taglines.yaml").write_text(
        "extends: single\nname: single-taglines\ntaglines: page\n")
    env = dict(os.environ, PDFGEN_FONTS=str(tmp_path / "no-fonts"))
    run = subprocess.run([sys.executable, "-m", "pdfgen", "check", "handouts"], cwd=tmp_path,
                         env=env, capture_output=True, text=True)
    assert run.returncode != 0
    lines = (SAMPLE / "clinic.yaml").read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines, 1) if line.startswith("  languages: [es"))
    out = run.stdout + run.stderr
    assert f"clinic.yaml:{at}" in out
    assert "taglines.languages[15]" in out and "@expo-google-fonts/noto-sans-lao" in out
    assert "pdfgen fonts install lo" in out
    # without a layout that prints the page, the same fonts are not asked for
    (tmp_path / "layouts" / "single-taglines.yaml").unlink()
    run = subprocess.run([sys.executable, "-m", "pdfgen", "check", "handouts"], cwd=tmp_path,
                         env=env, capture_output=True, text=True)
    assert "taglines.languages" not in run.stdout + run.stderr


def test_every_tagline_text_yaml_key_is_a_profiled_code():
    data = yaml.safe_load(taglines.TEXTS_FILE.read_text(encoding="utf-8"))
    assert set(data["taglines"]) <= set(registry())


@needs("qpdf")
def test_the_page_passes_the_external_checkers(page_pdf):
    from pdfua import validate

    path, _ = page_pdf
    report = validate(str(path))
    findings = [f"{f.rule_id} {f.message}" for o in report.outcomes for f in o.findings]
    assert findings == [] and len(report.outcomes) >= 10
    assert check_pdf(path) == []
    res = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert res.returncode == 0 and "WARNING" not in res.stdout + res.stderr, res.stdout



def test_rtl_taglines_read_back_exactly_with_pdfium(page_pdf):
    # Arabic, Persian and Urdu taglines, marks and the phone number in place (rl.py A28):
    # pdfium, which reads by position as a viewer does
    import pypdfium2 as pdfium

    path, clinic = page_pdf
    pdf = pdfium.PdfDocument(str(path))
    try:
        read = _norm(" ".join(page.get_textpage().get_text_range() for page in pdf))
    finally:
        pdf.close()
    notice = clinic.taglines
    for code in sorted(RTL):
        assert _norm(taglines.tagline(code, notice.phone, notice.tty)) in read, code
