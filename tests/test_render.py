"""Rendered handouts read back per page: footer, content in both languages, fonts, metadata."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from pdfgen import markup
from pdfgen.errors import ContentError, UsageError
from pdfgen.layout import available_layouts, load_layout
from pdfgen.load import load_library, require
from pdfgen.model import Paragraph, Section, Text
from pdfgen.render import render_handout

from .conftest import SAMPLE
from .pdfread import norm, read_pdf
from .test_markup import CVE_PAYLOAD

LAYOUTS = ["bilingual", "a4-bilingual", "stacked", "single", "large-print"]
PHONE, FAX = "817-697-4038", "877-409-3962"


@pytest.fixture(scope="module")
def sample():
    lib = require(load_library(SAMPLE))
    return lib.clinic, lib.procedure("hemilaminectomy")


@pytest.fixture(scope="module")
def rendered(sample):
    """Each shipped layout rendered once; single layouts in each language."""
    clinic, proc = sample
    out = {}
    for name in LAYOUTS:
        layout = load_layout(name)
        if layout.arrangement == "single":
            for lang in clinic.lang_codes:
                out[(name, (lang,))] = render_handout(proc, clinic, layout, (lang,))
        else:
            out[(name, ("en", "es"))] = render_handout(proc, clinic, layout)
    return out


def test_every_shipped_layout_is_tested():
    assert sorted(LAYOUTS) == available_layouts()


def _page_label(lang: str, page: int, total: int) -> str:
    return {"en": f"Page {page} of {total}", "es": f"Página {page} de {total}"}[lang]


def test_footer_on_every_page_of_every_layout(rendered, sample):
    clinic, _ = sample
    for (name, langs), data in rendered.items():
        pdf = read_pdf(data)
        total = len(pdf.pages)
        assert total >= 2, name
        for number, text in enumerate(pdf.pages, 1):
            footer = text[text.rfind(clinic.name):]
            assert PHONE in footer, (name, number)
            assert "www.example.org" in footer, (name, number)
            if name == "stacked":  # each page's footer is in that page's language
                assert any(_page_label(lang, number, total) in text for lang in langs)
            else:
                for lang in langs:
                    assert _page_label(lang, number, total) in text, (name, lang, number)
            assert ("Pending clinical review" in text) or ("Pendiente de revisión clínica" in text)
        # the fax number is in the closing contact panel ("When to call us"), once a language
        assert norm(" ".join(pdf.pages)).count(FAX) == len(langs), name


# What the status line under the title and every page's footer say of the review: each
# phrase's parts (the footer may set them on two lines)
UPDATED = {"en": ("Updated November 2026", "Pending clinical review"),
           "es": ("Actualizado: noviembre de 2026", "Pendiente de revisión clínica")}
REVIEWED = {"en": ("Reviewed November 2026",), "es": ("Revisado en noviembre de 2026",)}
# the status line under the title also names the reviewer's role
REVIEWED_BY = {"en": "Reviewed November 2026 by a spine surgeon",
               "es": "Revisado en noviembre de 2026 por un cirujano de columna"}


def _says(text: str, phrases: dict[str, tuple[str, ...]], langs) -> list[str]:
    flat = norm(text)
    return [lang for lang in langs if all(part in flat for part in phrases[lang])]


def test_a_handout_never_reviewed_says_updated_and_pending_never_reviewed(rendered):
    """The sample: no clinician reviewed it, so no page says "Reviewed" (it used to print
    "Reviewed November 2026 · Pending clinical review", the date being when it was written);
    every footer says when it was last updated, and that it is pending review."""
    for (name, langs), data in rendered.items():
        pages = read_pdf(data).pages
        for number, text in enumerate(pages, 1):
            assert "Reviewed" not in text and "Revisado" not in text, (name, number)
            said = _says(text, UPDATED, langs)
            # a stacked page's footer is in that page's language; the first page also says it
            # under each title
            assert said == list(langs) or (name == "stacked" and len(said) == 1), (name, number)
        assert all(" · ".join(UPDATED[lang]) in norm(pages[0]) or name == "stacked"
                   for lang in langs)


@pytest.mark.parametrize("name", LAYOUTS)
def test_a_signed_off_handout_says_reviewed_by_its_role(sample, name):
    import datetime as dt

    clinic, proc = sample
    signed = dataclasses.replace(proc, reviewed=dt.date(2026, 11, 20), reviewed_by="Dr. Ana Ruiz",
                                 reviewer_role=_text("a spine surgeon", "un cirujano de columna"))
    layout = load_layout(name)
    for langs in ([("en",), ("es",)] if layout.arrangement == "single" else [("en", "es")]):
        pages = read_pdf(render_handout(signed, clinic, layout, langs)).pages
        for number, text in enumerate(pages, 1):
            said = _says(text, REVIEWED, langs)
            assert said == list(langs) or (name == "stacked" and len(said) == 1), (name, number)
            assert not _says(text, UPDATED, langs) and "Pending" not in text
            assert "Dr. Ana Ruiz" not in text  # the name is recorded, not printed
        first = norm(pages[0])
        assert first.count(REVIEWED_BY[langs[0]]) == 1  # under the title
        assert first.count(REVIEWED[langs[0]][0]) == 2  # and, without the role, in the footer


def test_stacked_starts_second_language_on_an_odd_page(rendered):
    pdf = read_pdf(rendered[("stacked", ("en", "es"))])
    first_es = next(i for i, t in enumerate(pdf.pages, 1) if "Hemilaminectomía" in t.split("\n")[0]
                    or t.lstrip().startswith("Hemilaminectomía"))
    assert first_es % 2 == 1 and first_es > 1
    assert all("Página" not in t for t in pdf.pages[: first_es - 1])
    assert all("Página" in t for t in pdf.pages[first_es - 1:])


def test_every_risk_prompt_and_section_present_in_each_language(rendered, sample):
    clinic, proc = sample
    for (name, langs), data in rendered.items():
        pdf = read_pdf(data)
        body = pdf.body(clinic.name)
        layout = load_layout(name)
        if layout.arrangement == "columns":  # a paragraph split across pages: read on
            from pdfgen.render.readiness import footer_spec

            top = layout.margins[2] + footer_spec(proc, clinic, layout, langs).height
            body = f"{pdf.column(True, top)} {pdf.column(False, top)}"
        for lang in langs:
            wanted = [proc.title, proc.summary, *proc.risks.items, *proc.prompts,
                      *proc.call_when, *proc.benefits, proc.alternatives.doing_nothing,
                      *[s.heading for s in proc.sections]]
            for text in wanted:
                assert norm(markup.plain(text[lang])) in body, (name, lang, text[lang][:40])


def test_risks_differ_line_and_call_to_action_from_the_specialty(rendered):
    body = read_pdf(rendered[("bilingual", ("en", "es"))]).body("Example Orthopedic")
    assert "Risks are different for each person. Ask your surgeon about your own risks." in body
    assert "Los riesgos son distintos para cada persona." in body
    assert f"To talk with one of our spine specialists, call {PHONE}." in body
    assert f"Para hablar con uno de nuestros especialistas en columna, llame al {PHONE}." in body
    assert "Foot and Ankle" not in body


def test_accents_and_spanish_punctuation_extract_intact(rendered):
    text = norm(" ".join(read_pdf(rendered[("single", ("es",))]).pages))
    assert "¿Qué es una hemilaminectomía?" in text
    assert "¿Cuántas cirugías como esta ha hecho usted?" in text
    assert "Sí" in text and "ñ" in text


def test_fonts_are_embedded_subsets_of_the_bundled_family(rendered):
    for key, data in rendered.items():
        fonts = read_pdf(data).fonts()
        assert fonts, key
        for name, font in fonts.items():
            assert "AtkinsonHyperlegibleNext" in name, (key, name)
            assert name[7] == "+", (key, name)  # a subset: only the glyphs used
            descriptor = font["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor, (key, name)  # embedded TrueType
            assert "/ToUnicode" in font, (key, name)


def test_metadata_language_and_title_bar(rendered):
    pdf = read_pdf(rendered[("bilingual", ("en", "es"))])
    meta = pdf.reader.metadata
    assert meta["/Title"] == "Hemilaminectomy / Hemilaminectomía"
    assert meta["/Author"] == "Example Orthopedic & Spine Clinic"
    assert "hemilaminectomy" in meta["/Keywords"]
    root = pdf.reader.trailer["/Root"]
    assert root["/Lang"] == "en-US"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712
    es = read_pdf(rendered[("single", ("es",))]).reader
    assert es.trailer["/Root"]["/Lang"] == "es-MX"
    assert es.metadata["/Title"] == "Hemilaminectomía"


def test_bookmarks_per_language_and_section(rendered, sample):
    _, proc = sample
    outline = read_pdf(rendered[("bilingual", ("en", "es"))]).reader.outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top == ["English", "Español"]
    en_children = [item.title for item in outline[1]]
    assert en_children[0] == "Hemilaminectomy"
    assert "What are the risks?" in en_children
    assert [s.heading["en"] for s in proc.sections][0] in en_children
    single = read_pdf(rendered[("single", ("es",))]).reader.outline
    assert [i.title for i in single][:2] == ["Hemilaminectomía", "¿Qué es una hemilaminectomía?"]


def test_only_phone_and_web_links(rendered):
    """The phone, the web site, and the handout's own address beneath its QR code."""
    for key, data in rendered.items():
        links = set(read_pdf(data).links())
        pages = {f"https://www.example.org/{lang}/procedures/hemilaminectomy" for lang in key[1]}
        assert links == {"tel:+18176974038", "https://www.example.org", *pages}, key


def test_two_renders_are_byte_identical(sample, monkeypatch):
    clinic, proc = sample
    layout = load_layout("bilingual")
    first = render_handout(proc, clinic, layout)
    assert render_handout(proc, clinic, layout) == first
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    dated = render_handout(proc, clinic, layout)
    assert dated != first and b"D:20260921141320" in dated  # 1790000000 is 2026-09-21 14:13:20 UTC
    assert render_handout(proc, clinic, layout) == dated


def _with_section(proc, section: Section):
    return dataclasses.replace(proc, sections=proc.sections + (section,))


def _text(en: str, es: str) -> Text:
    return Text((("en", en), ("es", es)))


@pytest.mark.parametrize("name", LAYOUTS)
def test_a_section_several_pages_long_flows_in_every_layout(sample, name):
    clinic, proc = sample
    paras = tuple(Paragraph(_text(f"Long paragraph {i}. " + "Walk a little every day. " * 12,
                                  f"Párrafo largo {i}. " + "Camine un poco cada día. " * 12))
                  for i in range(40))
    long_proc = _with_section(proc, Section(_text("A long section", "Una sección larga"), paras))
    data = render_handout(long_proc, clinic, load_layout(name))
    pdf = read_pdf(data)
    assert len(pdf.pages) >= 8
    body = pdf.body(clinic.name)
    langs = ["en"] if name in ("single", "large-print") else ["en", "es"]
    for i in (0, 17, 39):
        if "en" in langs:
            assert f"Long paragraph {i}." in body
        if "es" in langs:
            assert f"Párrafo largo {i}." in body
    for number, text in enumerate(pdf.pages, 1):
        assert PHONE in text and f"{number} of {len(pdf.pages)}" in text or \
            f"{number} de {len(pdf.pages)}" in text


UNTRUSTED = ["Take <dos tabletas> at 8 & 20 h", "a < b > c & AT&T", "<b>not bold</b>",
             "&amp; &lt; literal", CVE_PAYLOAD]


def test_untrusted_text_prints_literally_and_runs_nothing(sample, tmp_path):
    clinic, proc = sample
    pwned = Path("/tmp/pwned")
    pwned.unlink(missing_ok=True)
    items = tuple(_text(t, t) for t in UNTRUSTED)
    risky = dataclasses.replace(proc, risks=dataclasses.replace(proc.risks, items=items))
    data = render_handout(risky, clinic, load_layout("bilingual"))
    body = read_pdf(data).body(clinic.name)
    # every character, in order; a long run with no space is broken across lines, so the
    # comparison leaves out whitespace
    flat = "".join(body.split())
    for text in UNTRUSTED:
        assert "".join(text.split()) in flat, text
    assert not pwned.exists()


def test_missing_glyph_is_an_error_naming_field_character_and_font(sample):
    clinic, proc = sample
    bad = dataclasses.replace(proc,
                              prompts=proc.prompts + (_text("☐ Did we talk?", "¿Hablamos? ✓"),))
    with pytest.raises(ContentError) as err:
        render_handout(bad, clinic, load_layout("bilingual"))
    messages = [str(f) for f in err.value.findings]
    assert any("prompts[10].en" in m and "U+2610" in m and "Atkinson Hyperlegible Next" in m
               for m in messages), messages
    assert any("prompts[10].es" in m and "U+2713" in m for m in messages), messages


def test_language_choice_is_checked(sample):
    clinic, proc = sample
    with pytest.raises(UsageError, match="prints one language"):
        render_handout(proc, clinic, load_layout("single"), ("en", "es"))
    with pytest.raises(UsageError, match="unknown language 'fr'"):
        render_handout(proc, clinic, load_layout("single"), ("fr",))
