"""Figures and the QR code: pictures drawn as tagged content (a /Figure with /Alt, /Lang and
/BBox), each kept together with the text that explains it.

An SVG is drawn as vectors through svglib, from the tree pdfgen/figures.py checked (no file
or URL is ever opened), its text set in the layout's own font (never an unembedded
Helvetica); a PNG or JPEG as an image. The QR code is ReportLab's (reportlab.graphics.
barcode.qr), with its quiet zone, on white.
"""

from __future__ import annotations

import io
import itertools
import re
from functools import lru_cache

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.colors import black, white
from reportlab.platypus import Flowable

from .. import figures as figfiles
from ..model import Image
from .flowables import Box, _draw_stack, _fit, _stack_height
from .fonts import Family

QR_SYMBOL = 0.8 * 72  # the code's own side, quiet zone left out: 0.8 in
QR_MODULE_MIN = 1.2  # pt (0.42 mm): a longer address makes a bigger code, never finer dots
QR_QUIET = 4  # modules of white around the code (ISO/IEC 18004)
QR_LEVEL = "M"  # error correction: 15% of the code may be smudged
# A figure that does not fit the rest of a page is drawn smaller there, down to this much of
# its layout width, rather than leave the space empty (not beside another language: a
# side-by-side row keeps its columns in step, so there it moves to the next page whole).
MIN_SCALE = 0.7


def alt_text(text: str) -> str:
    """Alt text as a screen reader gets it: one line, spaces collapsed."""
    return " ".join(text.split())


class _Fonts:
    """svglib's font map: every font-family of an SVG is the layout's body font (bold when
    the SVG asks for a bold weight), so its text is set in an embedded font."""

    def __init__(self, fam: Family):
        self.fam = fam

    def find_font(self, name, weight="normal", style="normal"):
        bold = str(weight).strip().lower() in ("bold", "bolder", "600", "700", "800", "900")
        return (self.fam.bold if bold else self.fam.regular), True


def _register_svglib() -> None:
    """The svglib package, registered without running its __init__ until something asks it
    for a name: the __init__ (a command-line tool's) looks svglib's version up with
    importlib.metadata, about 10 ms of imports (email, zipfile, csv...) that drawing an SVG
    (svglib.svglib) never needs (issue #16). Any name asked of the package runs it then."""
    import sys

    if "svglib" in sys.modules:
        return
    import importlib.util

    spec = importlib.util.find_spec("svglib")
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # (the import below says what is wrong)
    package = importlib.util.module_from_spec(spec)
    names = vars(package)  # the module's namespace: its __getattr__ (PEP 562) goes there
    pending = [spec.loader]

    def rest_of_package(name: str):
        if pending:  # the first name asked: the package's own code, once
            loader = pending.pop()
            del names["__getattr__"]
            loader.exec_module(package)
            return getattr(package, name)
        raise AttributeError(f"module 'svglib' has no attribute {name!r}")

    names["__getattr__"] = rest_of_package
    sys.modules["svglib"] = package


@lru_cache(maxsize=16)
def _svg_drawing(data: bytes, regular: str, bold: str) -> Drawing:
    import logging

    _register_svglib()
    from svglib.svglib import SvgRenderer

    # svglib logs what it skips (an editor's attributes...) to stderr; library code never
    # prints: what matters was checked by figures.py
    logging.getLogger("svglib").setLevel(logging.CRITICAL)
    fam = Family("svg", {"regular": regular, "bold": bold}, {})
    root = figfiles.drawing_tree(data)
    # no source path: svglib resolves no relative file (figures.py refused them anyway)
    renderer = SvgRenderer(None, font_map=_Fonts(fam))
    drawing = renderer.render(root)
    drawing.initialFontName = regular  # renderPDF would start with an unembedded Helvetica
    ours = {regular, bold}
    for node in _walk(drawing):  # belt and braces: no text in any other font
        if isinstance(node, String) and node.fontName not in ours:
            node.fontName = regular
    return drawing


def _walk(node):
    yield node
    for kid in getattr(node, "contents", ()) or ():
        yield from _walk(kid)


def svg_drawing(image: Image, fam: Family) -> Drawing:
    """The SVG as a ReportLab Drawing (cached: a bilingual page draws it twice)."""
    return _svg_drawing(image.data, fam.regular, fam.bold)


class Picture(Flowable):
    """A figure's picture: `fraction` of the column wide (less when that would be taller than
    `max_height`), centred, drawn as the content of its /Figure element."""

    role = "Figure"

    def __init__(self, image: Image, fam: Family, fraction: float, max_height: float,
                 alt: str, lang: str, elem: int):
        super().__init__()
        self.image, self.fam, self.fraction, self.max_height = image, fam, fraction, max_height
        self.alt, self.lang, self.elem = alt, lang, elem
        self._drawing = svg_drawing(image, fam) if image.kind == "svg" else None
        if self._drawing is not None:
            self._aspect = self._drawing.height / self._drawing.width
        else:
            self._aspect = image.height / image.width

    def scaled(self, scale: float) -> Picture:
        """The same picture (the same structure element), `scale` times as wide."""
        return Picture(self.image, self.fam, self.fraction * scale, self.max_height * scale,
                       self.alt, self.lang, self.elem)

    def wrap(self, availWidth, availHeight):
        w = availWidth * self.fraction
        if w * self._aspect > self.max_height:
            w = self.max_height / self._aspect
        self.width, self.height = availWidth, w * self._aspect
        self._w = w
        return self.width, self.height

    def draw(self):
        canv = self.canv
        x0, w, h = (self.width - self._w) / 2, self._w, self.height
        with tagged_figure(canv, self, (x0, 0, x0 + w, h)):
            if self._drawing is not None:
                d = self._drawing
                canv.saveState()
                canv.translate(x0, 0)
                canv.scale(w / d.width, h / d.height)
                renderPDF.draw(d, canv, 0, 0)
                canv.restoreState()
            else:
                from reportlab.lib.utils import ImageReader

                canv.drawImage(ImageReader(io.BytesIO(self.image.data)), x0, 0, w, h,
                               mask="auto")


class QrCode(Flowable):
    """A QR code to `url`: the code QR_SYMBOL wide (wider for a long address, so its dots
    never get smaller than QR_MODULE_MIN), with its quiet zone, on white."""

    role = "Figure"

    def __init__(self, url: str, alt: str, lang: str, elem: int):
        from reportlab.graphics.barcode.qr import QrCodeWidget

        super().__init__()
        self.url, self.alt, self.lang, self.elem = url, alt, lang, elem
        self.widget = QrCodeWidget(url, barLevel=QR_LEVEL, barBorder=QR_QUIET)
        self.modules = len(_qr_modules(url))
        module = max(QR_SYMBOL / self.modules, QR_MODULE_MIN)
        self.side = module * (self.modules + 2 * QR_QUIET)  # quiet zone included
        self.widget.barWidth = self.widget.barHeight = self.side

    @property
    def value(self) -> str:
        """What the code encodes (the widget's own value)."""
        return self.widget.value

    def wrap(self, availWidth, availHeight):
        self.width = self.height = self.side
        return self.side, self.side

    def draw(self):
        """The code's dark modules as one filled path, in module units (ReportLab's own
        drawing of the widget makes a shape per run of modules: ~25 ms and ~40 KB more)."""
        canv, side = self.canv, self.side
        module = side / (self.modules + 2 * QR_QUIET)
        with tagged_figure(canv, self, (0, 0, side, side)):
            canv.saveState()
            canv.setFillColor(white)
            canv.rect(0, 0, side, side, stroke=0, fill=1)
            canv.setFillColor(black)
            canv.translate(QR_QUIET * module, QR_QUIET * module)
            canv.scale(module, module)
            canv.addLiteral(_qr_path(self.url))
            canv.restoreState()


@lru_cache(maxsize=64)
def _qr_modules(url: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules (dark: True), row by row, as ReportLab's widget encodes `url`.
    Cached: encoding takes about 8 ms (it tries all eight masks), and a build job renders
    the same addresses in several PDFs (bilingual, then each language)."""
    from reportlab.graphics.barcode.qr import QrCodeWidget

    qr = QrCodeWidget(url, barLevel=QR_LEVEL, barBorder=QR_QUIET).qr
    qr.make()
    return tuple(tuple(bool(m) for m in row) for row in qr.modules)


@lru_cache(maxsize=64)
def _qr_path(url: str) -> str:
    """PDF path operators filling the code's dark modules, one unit a module, the first
    row at the top (y = modules - 1)."""
    rows = _qr_modules(url)
    n = len(rows)
    ops = []
    for r, row in enumerate(rows):
        c = 0
        for dark, run in itertools.groupby(row):
            width = len(list(run))
            if dark:
                ops.append(f"{c} {n - 1 - r} {width} 1 re")
            c += width
    return "\n".join(ops) + "\nf"


class tagged_figure:  # noqa: N801 - a context manager, used like a function
    """Marks what is drawn inside as the content of the flowable's /Figure element (with
    its /Alt, /Lang and /BBox), when the canvas tags."""

    def __init__(self, canv, flowable, box):
        self.canv, self.flowable, self.box = canv, flowable, box
        self.bdc = ""

    def __enter__(self):
        tagger = getattr(self.canv, "tagger", None)
        if tagger is not None:
            x0, y0, x1, y1 = self.box
            ax0, ay0 = self.canv.absolutePosition(x0, y0)
            ax1, ay1 = self.canv.absolutePosition(x1, y1)
            bbox = (min(ax0, ax1), min(ay0, ay1), max(ax0, ax1), max(ay0, ay1))
            self.bdc = tagger.figure_bdc(self.flowable, bbox)
        if self.bdc:
            self.canv.addLiteral(self.bdc)
        return self

    def __exit__(self, *exc):
        if self.bdc:
            self.canv.addLiteral("EMC")
        return False


class FigureBlock(Box):
    """A picture and its caption (or the QR code and its address): never split apart. Only
    a block taller than a whole page (`page_height`) is split, between its lines of text."""

    def __init__(self, items, page_height: float, space_before=0.0, space_after=0.0):
        super().__init__(items, space_before=space_before, space_after=space_after)
        self.page_height = page_height

    def _copy(self, items, space_before, space_after):
        return FigureBlock(items, self.page_height, space_before, space_after)

    def split(self, availWidth, availHeight):
        _, h = self.wrap(availWidth, availHeight)
        picture = self.items[0]
        if isinstance(picture, Picture) and h > availHeight:  # a smaller picture fits here?
            ph = picture.height
            scale = (ph - (h - availHeight) - 1) / ph if ph else 0
            if scale >= MIN_SCALE:
                return [self._copy([picture.scaled(scale), *self.items[1:]], self.spaceBefore,
                                   self.spaceAfter)]
        if h <= self.page_height:
            return []  # the next page holds it whole
        return super().split(availWidth, availHeight)


class Beside(Flowable):
    """Text with a picture at its right (the contact box's text and the QR code), top-aligned;
    the text is read first. Not split: it is a few lines."""

    def __init__(self, texts, picture, gap: float, rtl: bool = False):
        super().__init__()
        self.columns = [list(texts), [picture]]  # `columns`: tagging reads them in order
        self.picture, self.gap = picture, gap
        self.rtl = rtl  # right to left: the picture at the left of the text
        self._placed: list = []

    def wrap(self, availWidth, availHeight):
        pw, ph = self.picture.wrap(availWidth, availHeight)
        self._pw = pw
        placed, rest = _fit(self.columns[0], max(availWidth - pw - self.gap, 1), 1e9)
        self._placed = placed
        self.width, self.height = availWidth, max(_stack_height(placed), ph)
        return self.width, self.height

    def split(self, availWidth, availHeight):
        return []

    def getSpaceAfter(self):
        return self.columns[0][-1].getSpaceAfter() if self.columns[0] else 0

    def draw(self):
        text_x, picture_x = ((self._pw + self.gap, 0) if self.rtl
                             else (0, self.width - self._pw))
        _draw_stack(self.canv, self._placed, text_x, self.height)
        self.picture.drawOn(self.canv, picture_x, self.height - self.picture.height)


class PictureBeside(Flowable):
    """A picture at the left (`share` of the width) with its caption at its right, top-aligned:
    where the column is wide, the caption need not take lines of its own under the picture.
    Read in order: the Figure (its /Alt), then the caption. Not split (a few lines)."""

    def __init__(self, picture: Picture, caption, gap: float, share: float,
                 rtl: bool = False):
        super().__init__()
        self.columns = [[picture], list(caption)]  # `columns`: tagging reads them in order
        self.picture, self.gap, self.share = picture, gap, share
        self.rtl = rtl  # right to left: the picture at the right of its caption
        self._placed: list = []

    def wrap(self, availWidth, availHeight):
        pw = availWidth * self.share
        _, ph = self.picture.wrap(pw, availHeight)
        self._pw = pw
        self._placed, _ = _fit(self.columns[1], max(availWidth - pw - self.gap, 1), 1e9)
        self.width, self.height = availWidth, max(_stack_height(self._placed), ph)
        return self.width, self.height

    def split(self, availWidth, availHeight):
        return []

    def draw(self):
        picture_x, text_x = ((self.width - self._pw, 0) if self.rtl
                             else (0, self._pw + self.gap))
        self.picture.drawOn(self.canv, picture_x, self.height - self.picture.height)
        _draw_stack(self.canv, self._placed, text_x, self.height)


def web_words(url: str) -> str:
    """An address as printed beneath its QR code: without https://."""
    return re.sub(r"^https://", "", url)


def address_lines(words: str, font: str, size: float, width: float) -> list[str]:
    """A web address in lines that fit `width`, broken only after a '/' (a part longer than
    a line stays whole: the paragraph breaks it)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for part in re.split(r"(?<=/)", words):
        if lines and stringWidth(lines[-1] + part, font, size) <= width:
            lines[-1] += part
        elif part:
            lines.append(part)
    return lines
