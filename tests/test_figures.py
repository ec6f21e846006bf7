"""Figures and the QR code (#13 parts 3 and 4): loaded as untrusted files with errors at
their line, rendered as tagged /Figure elements (/Alt and /Lang per language, /BBox), kept
with their caption, drawn in embedded fonts only, and carried by build jobs.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from pdfgen import figures as figfiles
from pdfgen import markup
from pdfgen.build import build_library
from pdfgen.cli import cli
from pdfgen.errors import ContentError
from pdfgen.i18n import labels_for
from pdfgen.layout import load_layout
from pdfgen.load import load_clinic, load_library, load_procedure, require
from pdfgen.model import Figure
from pdfgen.pdfcheck import check_pdf
from pdfgen.render import render_handout
from pdfgen.render.figure import Picture, QrCode, svg_drawing
from pdfgen.render.fonts import family
from pdfgen.render.readiness import check_glyphs
from pdfgen.render.story import StoryBuilder, make_styles

from .conftest import SAMPLE, needs
from .pdfread import norm, read_pdf

SVG = "figures/hemilaminectomy.svg"
URL = "https://www.example.org/{lang}/procedures/hemilaminectomy"
LAYOUTS = ["bilingual", "a4-bilingual", "stacked", "single", "large-print"]


@pytest.fixture(scope="module")
def sample():
    lib = require(load_library(SAMPLE))
    return lib.clinic, lib.procedure("hemilaminectomy")


def _figure(proc) -> Figure:
    return next(fig for _, fig in proc.figures())


def _handout(library: Path) -> Path:
    return library / "hemilaminectomy.yaml"


def _edit(library: Path, old: str, new: str) -> Path:
    path = _handout(library)
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def _load(library: Path):
    clinic, found = load_clinic(library / "clinic.yaml")
    assert clinic is not None, found
    return load_procedure(_handout(library), clinic)


def _errors(found):
    return [f for f in found if f.severity.value == "error"]


def _png(width: int, height: int, crc_ok: bool = True) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc if crc_ok
                                                                         else crc ^ 1)
    raw = b"".join(b"\0" + b"\x80" * width for _ in range(min(height, 4)))
    return (figfiles.PNG_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8,
                                                                0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# -- the sample ------------------------------------------------------------------------------

def test_the_sample_has_a_figure_with_alt_text_and_caption_in_each_language(sample):
    clinic, proc = sample
    fig = _figure(proc)
    assert fig.image.name == SVG and fig.image.kind == "svg"
    assert fig.image.texts == ("A", "B", "C", "D", "E")  # letters only: the caption says them
    for lang in clinic.lang_codes:
        assert fig.alt[lang] and fig.caption[lang]
        for letter in "ABCDE":
            assert f"**{letter}**" in fig.caption[lang]
    assert ("sections[1].body[3].figure.alt", fig.alt) in list(proc.texts())


def test_check_and_check_strict_stay_clean_on_the_sample():
    runner = CliRunner()
    for args in (["check", str(SAMPLE)], ["check", "--strict", str(SAMPLE)]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "0 errors, 0 warnings" in result.output, result.output


# -- the loader: every bad figure is an error at its line ----------------------------------

BAD_FILES = {
    # case: (file as written, bytes to put there or None, words of the message)
    "missing file": ("figures/nope.svg", None, "no such file"),
    "wrong extension": ("figures/spine.gif", b"GIF89a", "'.gif' is not a picture"),
    "absolute path": ("/etc/passwd.svg", None, "absolute path"),
    "dot-dot": ("../outside.svg", None, "'..' is not allowed"),
    "png that is text": ("figures/x.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                         "is not a PNG file"),
    "png cut off": ("figures/x.png", _png(10, 10)[:-12], "cut-off PNG"),
    "png bad checksum": ("figures/x.png", _png(10, 10, crc_ok=False), "checksum"),
    "png too many pixels": ("figures/x.png", _png(50_000, 50_000), "pixels"),
    "jpeg that is png": ("figures/x.jpg", _png(4, 4), "is not a JPEG file"),
    "oversized": ("figures/big.svg", b"<svg>" + b" " * (figfiles.MAX_BYTES + 1),
                  "byte limit"),
    "svg script": ("figures/x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9">'
                   b"<script>alert(1)</script></svg>", "<script>"),
    "svg external image": ("figures/x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" '
                           b'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 9 9">'
                           b'<use xlink:href="other.svg#a"/></svg>', "outside the file"),
    "svg url fetch": ("figures/x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" '
                      b'viewBox="0 0 9 9"><rect width="9" height="9" '
                      b'style="fill:url(https://evil.example/x)"/></svg>', "outside the file"),
    "svg entity": ("figures/x.svg", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM '
                   b'"file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
                   "DOCTYPE"),
    "svg without size": ("figures/x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect '
                         b'width="9" height="9"/></svg>', "no size"),
    "not svg at all": ("figures/x.svg", b"<html><body>hi</body></html>", "root is not <svg>"),
    "svg not xml": ("figures/x.svg", b"<svg", "not a well-formed SVG"),
    "svg use bomb": ("figures/x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" '
                     b'viewBox="0 0 9 9"><g id="a">' + b'<rect width="1" height="1"/>' * 900
                     + b'</g>' + b'<use href="#a"/>' * 100 + b'</svg>', "more than 50,000"),
    "svg use loop": ("figures/x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" '
                     b'viewBox="0 0 9 9"><g id="a"><use href="#a"/></g></svg>', "loop"),
    "svg event": ("figures/x.svg", b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9">'
                  b'<rect width="9" height="9" onclick="x()"/></svg>', "event attribute"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_figure_file_is_an_error_at_its_line(library, case):
    name, data, words = BAD_FILES[case]
    if data is not None:
        (library / name).parent.mkdir(parents=True, exist_ok=True)
        (library / name).write_bytes(data)
    path = _edit(library, f"file: {SVG}", f"file: {name}")
    proc, found = _load(library)
    errors = _errors(found)
    assert proc is None and len(errors) == 1, found
    (error,) = errors
    assert error.pos.line == _line_of(path, f"file: {name}")
    assert error.field == "sections[1].body[3].figure.file"
    assert words in error.message, error.message


def test_a_symlink_out_of_the_library_is_refused(library, tmp_path):
    outside = tmp_path / "outside.svg"
    shutil.copy(library / SVG, outside)
    (library / "figures" / "link.svg").symlink_to(outside)
    _edit(library, f"file: {SVG}", "file: figures/link.svg")
    proc, found = _load(library)
    assert proc is None
    assert any("leads outside the library folder" in f.message for f in found), found


def test_a_symlink_inside_the_library_is_fine(library):
    (library / "figures" / "link.svg").symlink_to(library / SVG)
    _edit(library, f"file: {SVG}", "file: figures/link.svg")
    proc, found = _load(library)
    assert proc is not None, found


def test_a_fifo_is_never_read(library):
    import os

    os.mkfifo(library / "figures" / "pipe.svg")
    _edit(library, f"file: {SVG}", "file: figures/pipe.svg")
    proc, found = _load(library)
    assert proc is None and any("named pipe" in f.message for f in found), found


def test_a_figure_without_alt_text_is_refused(library):
    path = _handout(library)
    text = path.read_text()
    start = text.index("          alt:\n")
    end = text.index("          caption:\n")
    path.write_text(text[:start] + text[end:])
    proc, found = _load(library)
    assert proc is None
    (error,) = _errors(found)
    assert error.field == "sections[1].body[3].figure.alt"
    assert "missing required key 'alt'" in error.message
    assert error.pos.line == _line_of(path, "- figure:") + 1  # the figure's mapping
    result = CliRunner().invoke(cli, ["check", str(library)])
    assert result.exit_code == 1 and "figure.alt: missing required key 'alt'" in result.output


def test_alt_text_in_every_language(library):
    path = _handout(library)
    text = path.read_text()
    start = text.index("            es: >-\n              Dibujo de un hueso")
    end = text.index("          caption:\n")
    path.write_text(text[:start] + text[end:])
    proc, found = _load(library)
    assert proc is None
    (error,) = _errors(found)
    assert error.field == "sections[1].body[3].figure.alt"
    assert "missing Spanish text (es)" in error.message


@pytest.mark.parametrize("key", ["alt", "caption"])
def test_empty_or_overlong_alt_and_caption(library, key):
    path = _handout(library)
    text = path.read_text()
    text = re.sub(rf"(\n          {key}:\n            en: )[|>]-\n(?:              .*\n)+",
                  rf"\g<1>\"{'x ' * 300}\"\n", text, count=1)
    path.write_text(text)
    proc, found = _load(library)
    assert proc is None
    assert [f.field for f in _errors(found)] == [f"sections[1].body[3].figure.{key}.en"]
    assert "at most 500" in _errors(found)[0].message


def test_alt_text_is_one_paragraph_without_bold(library):
    _edit(library, "Drawing of one bone", "**Drawing** of one bone")
    proc, found = _load(library)
    assert proc is None and "no bold" in _errors(found)[0].message


def test_an_unknown_key_in_a_figure_is_named(library):
    _edit(library, f"file: {SVG}", f"file: {SVG}\n          with: 50%")
    _, found = _load(library)
    assert any("unknown key 'with'; did you mean 'alt'" in f.message
               or "unknown key 'with'" in f.message for f in _errors(found)), found


# -- rendering and tagging -----------------------------------------------------------------

def _figures_in(pdf: pikepdf.Pdf) -> list:
    out = []

    def walk(elem, parent):
        if not isinstance(elem, pikepdf.Dictionary) or "/S" not in elem:
            return
        if elem.S == pikepdf.Name.Figure:
            out.append((elem, parent))
        kids = elem.get("/K")
        for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
            walk(kid, elem)

    root = pdf.Root.StructTreeRoot
    for kid in root.K if isinstance(root.K, pikepdf.Array) else [root.K]:
        walk(kid, root)
    return out


@pytest.fixture(scope="module")
def rendered(sample):
    clinic, proc = sample
    out = {}
    for name in LAYOUTS:
        langs_list = [None] if name not in ("single", "large-print") else [("en",), ("es",)]
        for langs in langs_list:
            out[(name, langs)] = render_handout(proc, clinic, load_layout(name), langs)
    return out


@pytest.mark.parametrize("name", LAYOUTS)
def test_figure_alt_and_lang_reach_the_structure_tree(sample, rendered, name):
    clinic, proc = sample
    fig = _figure(proc)
    for (layout, langs), data in rendered.items():
        if layout != name:
            continue
        langs = langs or ("en", "es")
        with pikepdf.open(io.BytesIO(data)) as pdf:
            figures = _figures_in(pdf)
            by_alt = {str(elem.Alt): (elem, parent) for elem, parent in figures}
            assert len(figures) == 2 * len(langs)  # the drawing and the QR code, per language
            for lang in langs:
                locale = clinic.language(lang).locale
                alt = " ".join(markup.plain(fig.alt[lang]).split())
                elem, parent = by_alt[alt]
                assert str(elem.Lang) == locale and str(parent.Lang) == locale
                assert parent.S == pikepdf.Name.Sect
                bbox = [float(v) for v in elem.A.BBox]
                assert elem.A.O == pikepdf.Name.Layout
                width, height = (float(v) for v in pdf.pages[0].MediaBox[2:])
                assert 0 <= bbox[0] < bbox[2] <= width and 0 <= bbox[1] < bbox[3] <= height
                # the caption follows as a paragraph of its own
                kids = list(parent.K)
                at = next(i for i, k in enumerate(kids) if k.objgen == elem.objgen)
                assert kids[at + 1].S == pikepdf.Name.P
                # the QR code's alt says where it leads, in its language
                words = URL.format(lang=lang).removeprefix("https://")
                qr_alt = labels_for(locale).format("qr_alt", address=words)
                assert qr_alt in by_alt and str(by_alt[qr_alt][0].Lang) == locale
        assert check_pdf(data) == []


def test_alt_text_differs_per_language(sample, rendered):
    with pikepdf.open(io.BytesIO(rendered[("bilingual", None)])) as pdf:
        alts = [str(e.Alt) for e, _ in _figures_in(pdf)]
    assert len(set(alts)) == 4
    assert any(a.startswith("Dibujo de un hueso") for a in alts)
    assert any(a.startswith("Código QR") for a in alts)


def test_the_drawing_is_content_of_its_figure_not_an_artifact(rendered):
    """The figure's painting operators sit inside the Figure's marked content."""
    with pikepdf.open(io.BytesIO(rendered[("single", ("en",))])) as pdf:
        figures = _figures_in(pdf)
        mcids = {int(e.K) if not isinstance(e.K, pikepdf.Array) else int(e.K[0])
                 for e, _ in figures}
        pages = {e.Pg.objgen for e, _ in figures}
        painted = 0
        for page in pdf.pages:
            if page.obj.objgen not in pages:
                continue
            inside = None
            for inst in pikepdf.parse_content_stream(page):
                op = str(inst.operator)
                if op == "BDC" and str(inst.operands[0]) == "/Figure":
                    inside = int(inst.operands[1].MCID)
                elif op == "EMC":
                    inside = None
                elif inside is not None and op in ("f", "S", "B", "re", "Tj", "TJ"):
                    painted += 1
                    assert inside in mcids
        assert painted > 50  # the vertebra's shapes and the QR code's modules


def test_caption_text_extracts_exactly_including_markup_characters(library, sample):
    clinic, _ = sample
    _edit(library, "**A** The main part of the bone", "**A** The main part <b>bone</b> & more")
    proc, found = _load(library)
    assert proc is not None, found
    data = render_handout(proc, clinic, load_layout("single"), ("en",))
    text = norm(" ".join(read_pdf(data).pages))
    assert "A The main part <b>bone</b> & more" in text
    assert "One bone of the spine, seen from above (the front of your body is at the top)." \
        in text
    assert "Striped part: the part of the lamina the surgeon removes, on one side only" in text


def test_figure_and_caption_are_never_split(sample):
    """The block moves to the next page whole: the page holding the drawing holds every
    line of its caption."""
    clinic, proc = sample
    for name in LAYOUTS:
        langs = ("es",) if name in ("single", "large-print") else None
        pdf = read_pdf(render_handout(proc, clinic, load_layout(name), langs))
        for lang in langs or ("en", "es"):
            caption = [norm(line) for line in markup.plain(_figure(proc).caption[lang]
                                                           ).splitlines()]
            pages = [i for i, page in enumerate(pdf.pages) if caption[1][:20] in norm(page)]
            assert len(pages) == 1, (name, lang)
            page = norm(pdf.pages[pages[0]])
            assert all(line[:25] in page for line in caption), (name, lang)


def test_svg_text_is_set_in_our_fonts_only(sample, rendered):
    """svglib would set SVG text in an unembedded Helvetica; every font in every PDF is an
    embedded subset of the layout's family."""
    fam = family("Atkinson Hyperlegible Next")
    drawing = svg_drawing(_figure(sample[1]).image, fam)
    assert drawing.initialFontName == fam.regular
    for data in rendered.values():
        fonts = read_pdf(data).fonts()
        assert fonts and all(re.fullmatch(r"/[A-Z]{6}\+AtkinsonHyperlegibleNext-\w+", name)
                             for name in fonts), fonts
        for font in fonts.values():
            assert "/FontFile2" in font["/FontDescriptor"]


@needs("pdffonts")
def test_pdffonts_lists_only_embedded_subsets(rendered, tmp_path):
    path = tmp_path / "b.pdf"
    path.write_bytes(rendered[("bilingual", None)])
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    assert out and all(re.search(r"\+\S+\s+TrueType\s+\S+\s+yes yes yes", line)
                       for line in out), out


def test_large_print_keeps_captions_the_qr_address_and_figure_letters_at_16pt(sample):
    clinic, proc = sample
    layout = load_layout("large-print")
    body, head = family(layout.fonts["body"]), family(layout.fonts["heading"])
    styles = make_styles(layout, body, head, family(layout.fonts["title"]))
    for lang in ("en", "es"):
        builder = StoryBuilder(proc, clinic, layout, styles,
                               {lang: labels_for(clinic.language(lang).locale)})
        story = builder.story((lang,))
        found = list(_flowables(story))
        pictures = [f for f in found if isinstance(f, Picture)]
        texts = [f for f in found if getattr(f, "style", None) is not None
                 and f.style.name in ("caption", "qr-address")]
        assert len(pictures) == 1 and len(texts) == 2
        assert all(t.style.fontSize >= 16 for t in texts)
        picture = pictures[0]
        picture.wrap(layout.frame_width, 1e9)
        scale = picture._w / picture._drawing.width
        sizes = [node.fontSize * scale for node in _walk(picture._drawing)
                 if hasattr(node, "fontSize") and hasattr(node, "text")]
        assert sizes and min(sizes) >= 16, sizes


def _flowables(items):
    for item in items:
        yield item
        if hasattr(item, "columns"):
            for col in item.columns:
                yield from _flowables(col)
        elif hasattr(item, "items"):
            yield from _flowables(item.items)


def _walk(node):
    yield node
    for kid in getattr(node, "contents", ()) or ():
        yield from _walk(kid)


def test_a_png_figure_renders_as_an_image(library, sample):
    clinic, _ = sample
    (library / "figures" / "x.png").write_bytes(_png(40, 20))
    _edit(library, f"file: {SVG}", "file: figures/x.png")
    proc, found = _load(library)
    assert proc is not None, found
    assert _figure(proc).image.kind == "png" and _figure(proc).image.width == 40
    data = render_handout(proc, clinic, load_layout("single"), ("en",))
    assert check_pdf(data) == []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        images = [x for page in pdf.pages for x in page.get_images().values()]
        assert len(images) == 1 and images[0].Width == 40


# -- the QR code ---------------------------------------------------------------------------

def test_the_qr_code_encodes_the_handouts_address_per_language(sample):
    clinic, proc = sample
    assert clinic.handout_url == "https://www.example.org/{lang}/procedures/{id}"
    layout = load_layout("bilingual")
    body = family(layout.fonts["body"])
    styles = make_styles(layout, body, body, body)
    labels = {lang: labels_for(clinic.language(lang).locale) for lang in ("en", "es")}
    story = StoryBuilder(proc, clinic, layout, styles, labels).story(("en", "es"))
    codes = [f for f in _flowables(story) if isinstance(f, QrCode)]
    assert [(c.lang, c.value) for c in codes] == [(lang, URL.format(lang=lang))
                                                  for lang in ("en", "es")]
    for code in codes:  # about 0.8-1 in with its quiet zone, dots no finer than 0.4 mm
        assert 0.8 * 72 <= code.side <= 1.25 * 72
        assert code.side / (code.modules + 8) >= 1.15


def test_the_printed_qr_code_scans(rendered):
    """Read back from the rasterized page by a real QR decoder (zxing-cpp)."""
    zxingcpp = pytest.importorskip("zxingcpp")
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(rendered[("bilingual", None)])
    found = []
    for page in pdf:
        image = page.render(scale=200 / 72).to_pil()
        found += [r.text for r in zxingcpp.read_barcodes(image)]
    assert sorted(found) == sorted(URL.format(lang=lang) for lang in ("en", "es"))


def test_the_address_is_printed_beneath_in_words(sample, rendered):
    clinic, _ = sample
    for (name, langs), data in rendered.items():
        text = re.sub(r"/\s+", "/", norm(" ".join(read_pdf(data).pages)))
        for lang in langs or ("en", "es"):
            label = labels_for(clinic.language(lang).locale)["qr_text"].split("%")[0].strip()
            words = URL.format(lang=lang).removeprefix("https://")
            assert f"{label} {words}" in text, (name, lang)
        links = read_pdf(data).links()
        assert all(URL.format(lang=lang) in links for lang in langs or ("en", "es"))


def test_a_layout_can_turn_the_qr_code_off(sample, tmp_path):
    clinic, proc = sample
    folder = tmp_path / "layouts"
    folder.mkdir()
    (folder / "no-qr.yaml").write_text("extends: bilingual\nname: no-qr\nqr: false\n")
    from pdfgen.paths import bundled

    layout = load_layout("no-qr", [folder, bundled("layouts")])
    assert layout.qr is False
    data = render_handout(proc, clinic, layout)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(_figures_in(pdf)) == 2  # the drawings only
    text = " ".join(read_pdf(data).pages)
    assert "procedures/" not in text and "This handout online" not in text
    assert check_pdf(data) == []


def test_no_pattern_in_clinic_yaml_no_qr_code(sample):
    from dataclasses import replace

    clinic, proc = sample
    data = render_handout(proc, replace(clinic, handout_url=""), load_layout("single"), ("en",))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(_figures_in(pdf)) == 1


BAD_URLS = {
    "http": ("http://www.example.org/{id}", "must start with https://"),
    "unknown placeholder": ("https://www.example.org/{name}", "unknown placeholder {name}"),
    "format spec": ("https://www.example.org/{id:>9}", "unknown placeholder"),
    "no id": ("https://www.example.org/{lang}/", "has no {id}"),
    "host placeholder": ("https://{lang}.example.org/{id}", "host name must be written out"),
    "unclosed": ("https://www.example.org/{id", "is not closed"),
    "space": ("https://www.example.org/my page/{id}", "cannot hold"),
    "too long": ("https://www.example.org/" + "a" * 120 + "/{id}", "characters long"),
}


@pytest.mark.parametrize("case", sorted(BAD_URLS))
def test_handout_url_is_checked_at_its_line(clinic_only, case):
    value, words = BAD_URLS[case]
    path = clinic_only / "clinic.yaml"
    text = path.read_text()
    text = re.sub(r'handout_url: ".*"', f'handout_url: "{value}"', text)
    path.write_text(text)
    clinic, found = load_clinic(path)
    assert clinic is None
    (error,) = _errors(found)
    assert error.field == "handout_url" and words in error.message, error.message
    assert error.pos.line == _line_of(path, "handout_url:")


# -- layouts -------------------------------------------------------------------------------

@pytest.mark.parametrize("value,ok", [("0.5", True), ("1", True), ("1.5", False),
                                      ("0.1", False), ("wide", False)])
def test_figure_width_is_bounded(tmp_path, value, ok):
    from pdfgen.paths import bundled

    (tmp_path / "x.yaml").write_text(f"extends: bilingual\nname: x\nfigure_width: {value}\n")
    if ok:
        assert load_layout("x", [tmp_path, bundled("layouts")]).figure_width == float(value)
    else:
        with pytest.raises(ContentError) as err:
            load_layout("x", [tmp_path, bundled("layouts")])
        assert err.value.findings[0].field == "figure_width"


# -- render-readiness: captions and drawing text have glyphs --------------------------------

def test_glyph_checks_cover_captions_alt_text_and_drawing_text(library, sample):
    clinic, _ = sample
    _edit(library, "**E** A nerve root", "**E** A nerve root \u2192 here")
    svg = library / SVG
    svg.write_text(svg.read_text().replace(">E</text>", ">\u2603</text>"))
    proc, found = _load(library)
    assert proc is not None, found
    fields = {f.field for f in check_glyphs(proc, clinic, load_layout("single"), ("en",))}
    assert "sections[1].body[3].figure.caption.en" in fields
    assert any(f.startswith("sections[1].body[3].figure.file (text in") for f in fields)


# -- builds: the figure's bytes are an input ---------------------------------------------------

def test_an_edited_svg_rebuilds_the_handout_and_jobs_carry_the_bytes(library, tmp_path):
    out = tmp_path / "out"
    first = build_library(library, out, jobs=1)
    assert first.ok, first.findings
    again = build_library(library, out, jobs=1)
    assert again.built == [] and again.ok
    svg = library / SVG
    svg.write_text(svg.read_text().replace("#d4d4d4", "#cccccc"))
    third = build_library(library, out, jobs=1)
    assert sorted(third.built) == sorted(first.built)
    assert set(third.reasons.values()) == {"figure changed"}

    class RemovesTheFigureFirst:  # a job that ran on a machine without the library's files
        def __init__(self):
            import concurrent.futures as cf

            self.cf = cf

        def submit(self, fn, /, *args, **kwargs):
            (library / SVG).unlink()
            future = self.cf.Future()
            future.set_result(fn(*args, **kwargs))
            return future

    svg.write_text(svg.read_text().replace("#cccccc", "#c0c0c0"))
    fourth = build_library(library, out, executor=RemovesTheFigureFirst())
    assert fourth.ok and sorted(fourth.built) == sorted(first.built), fourth.findings


def test_a_bad_figure_in_a_build_fails_that_handout_at_the_line(library, tmp_path):
    (library / SVG).write_bytes(b"<svg")
    result = build_library(library, tmp_path / "out", jobs=1)
    assert not result.ok
    messages = [f for f in result.findings if "figure.file" in f.field]
    assert messages and "not a well-formed SVG" in messages[0].message
    assert messages[0].pos.line == _line_of(_handout(library), f"file: {SVG}")


# -- the checker ------------------------------------------------------------------------------

def _first_figure(pdf):
    return _figures_in(pdf)[0][0]


@pytest.mark.parametrize("rule,breaker", [
    ("figure-alt", lambda pdf: _first_figure(pdf).__delattr__("Alt")),
    ("figure-alt", lambda pdf: _first_figure(pdf).__setattr__("Alt", pikepdf.String(" "))),
    ("figure-bbox", lambda pdf: _first_figure(pdf).__delattr__("A")),
])
def test_the_checker_finds_a_figure_without_alt_or_bbox(rendered, rule, breaker):
    with pikepdf.open(io.BytesIO(rendered[("bilingual", None)])) as pdf:
        breaker(pdf)
        buf = io.BytesIO()
        pdf.save(buf)
    rules = {f.rule for f in check_pdf(buf.getvalue())}
    assert rule in rules, rules


def test_check_pdf_passes_on_every_layout(rendered, tmp_path):
    paths = []
    for (name, langs), data in rendered.items():
        path = tmp_path / f"{name}{'.' + langs[0] if langs else ''}.pdf"
        path.write_bytes(data)
        paths.append(str(path))
    result = CliRunner().invoke(cli, ["check", "--pdf", *paths])
    assert result.exit_code == 0, result.output


def test_a_figure_that_nearly_fits_is_drawn_smaller_and_one_that_does_not_moves(sample):
    from pdfgen.render.figure import MIN_SCALE, FigureBlock

    clinic, proc = sample
    layout = load_layout("large-print")  # its caption goes under the picture
    body = family(layout.fonts["body"])
    styles = make_styles(layout, body, body, body)
    builder = StoryBuilder(proc, clinic, layout, styles, {"en": labels_for("en-US")})
    (block,) = builder.figure(_figure(proc), "en")
    assert isinstance(block, FigureBlock)
    width = layout.frame_width
    _, height = block.wrap(width, 1e9)
    picture = block.items[0]
    full = picture.height
    (smaller,) = block.split(width, height - full * 0.2)  # 20% of the picture short
    _, h = smaller.wrap(width, height - full * 0.2)
    assert h <= height - full * 0.2 and smaller.items[0].height >= full * MIN_SCALE
    assert smaller.items[0].elem == picture.elem and smaller.items[1] is block.items[1]
    assert block.split(width, height - full * 0.5) == []  # to the next page, whole


@pytest.mark.parametrize("name,beside", [("single", True), ("stacked", True),
                                         ("bilingual", False), ("large-print", False)])
def test_the_caption_goes_beside_the_picture_where_the_column_is_wide(sample, name, beside):
    """Where the caption's lines beside the picture would still hold 30 characters or more,
    it goes there (the figure takes less of the page); else under the picture. Either way
    the Figure is read first, then its caption."""
    from pdfgen.render.figure import FigureBlock, Picture, PictureBeside
    from pdfgen.render.tagging import outline

    clinic, proc = sample
    layout = load_layout(name)
    body = family(layout.fonts["body"])
    styles = make_styles(layout, body, body, body)
    builder = StoryBuilder(proc, clinic, layout, styles, {"en": labels_for("en-US")}, 700)
    (block,) = builder.figure(_figure(proc), "en")
    assert isinstance(block, FigureBlock)
    assert isinstance(block.items[0], PictureBeside if beside else Picture)
    assert [role for _, _, role in outline([block])] == ["Figure", "P"]
    if beside:
        width = layout.frame_width
        _, h = block.wrap(width, 1e9)
        picture = block.items[0].picture
        caption = block.items[0].columns[1][0]
        assert h < picture.height + caption.wrap(width, 1e9)[1]  # shorter than stacked


def test_the_use_bomb_is_caught_every_time():
    """The expansion count keys lxml elements by id(): a freed element object's id reused
    by another once let about 1 in 100 checks of this SVG pass (90,000 shapes)."""
    from lxml import etree

    data = BAD_FILES["svg use bomb"][1]
    missed = 0
    for _ in range(400):
        try:
            figfiles._check_expansion(etree.fromstring(data))
            missed += 1
        except figfiles.FigureError:
            pass
    assert missed == 0
