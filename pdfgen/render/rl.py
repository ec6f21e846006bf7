"""Every ReportLab internal pdfgen relies on, in one place (the rest of render/ calls this).

ReportLab's public API draws; tagging a PDF (docs/accessibility.md) also needs to see and
rewrite what it draws, which only its internals allow. Each assumption below has a test
of its own in tests/test_rl_adapter.py, named after it, so a ReportLab release that
breaks one fails that test instead of a render deep inside. pyproject.toml pins
reportlab>=5.1,<5.2; an upgrade starts by running those tests.

Text objects (`TextObject`):
  A1 text-ops        a PDFTextObject keeps its operators in `_code`, a list of str, one
                     entry per call; `getCode()` appends "ET" and joins them with spaces.
  A2 text-out        `_textOut`, `textOut` and `textLine` each append exactly one
                     operator (the paragraph draws its lines with `_textOut`).
  A3 move-merge      `moveCursor` merges into the previous operator when that one ends
                     with " Td" (it calls `.endswith` on `_code[-1]`).
  A4 link-record     a multi-style paragraph calls `tx._linkRecord(link, "start")` after a
                     link's first fragment is written and `(link, "end")` before the next
                     fragment is, where `link` is an item of the fragment's `.link` list.
Paragraphs:
  A5 para-lines      `Paragraph.wrap` stores its lines in the instance's `blPara`: kind 0
                     (one style) lines are (extra space, [words]) tuples; kind 1 lines
                     have `.words`, fragments with `.text`, callbacks marked by `cbDefn`;
                     `para.frags` holds the source text in fragments.
  A6 whole-link      a one-style paragraph that is all one link has `blPara.link`, a list
                     of (n, url), and makes no `_linkRecord` calls.
Canvas:
  A7 set-annotations `Canvas.showPage` builds the page object and calls
                     `_setAnnotations(page)` once per page, before the page is added.
  A8 page-entries    attributes set on a PDFPage are written to its dictionary when
                     their names are in its `__NoDefault__` list.
  A9 page-state      a canvas keeps the page being drawn in its instance `__dict__`;
                     `_startPage()` starts fresh accumulators (a new `_code` list), so a
                     page held as a copy of `__dict__` can be restored and emitted later
                     with `Canvas.showPage`; `_annotationCount` counts annotations over
                     the whole document and must not be rewound.
  A10 annot-name     `linkURL` names its annotation "NUMBER<count + 1>" and the document
                     registers it as `_doc.annotationName(name)`.
  A11 canvas-doc     the canvas's PDFDocument is `_doc`; the title it writes is
                     `_doc.info.title`.
Document:
  A12 catalog        `doc.Catalog` writes StructTreeRoot, MarkInfo and Metadata when set;
                     `doc.Reference(obj, name)` makes obj an indirect object under name.
  A13 page-names     page n (1-based) is registered as "Page<n>"; at format time
                     `document.idToObjectNumberAndVersion[name]` is its (number, gen).
  A14 raw-object     a PDFObject subclass's `format(document)` bytes are written as the
                     indirect object's body.
  A15 pages-built    `BaseDocTemplate.page` is the number of pages after `build`.
Fonts:
  A16 charmap        a registered TTFont's `face.charToGlyph` maps code points to glyphs.
Right-to-left (render/rtl.py orders the words; these put them on the page):
  A20 shaped-lines   a paragraph whose style has `shaping` set and whose font is a TTFont
                     registered `shapable` (uharfbuzz installed) is wrapped as kind 1:
                     each line's `.words` are fragments whose `.text` holds one or more
                     words separated by " ", each word shaped on its own (a `ShapedStr`,
                     glyphs already in visual order; slicing one keeps its shape data);
                     the fragments are drawn in list order, left to right.
  A21 line-end       the last text-showing operator of each paragraph line ends in " T*"
                     (kind 0 and kind 1 alike), so a text object can tell lines apart.
  A22 shape-str      `ttfonts.shapeStr(text, font, size)` shapes one word (a `ShapedStr`
                     in visual order that `drawString` and `stringWidth` accept) or
                     returns it unchanged for a font that is not shapable.
  A23 shaped-rise    `_formatText` writes a ShapedStr's raised or lowered glyphs (Arabic
                     marks) with `setRise`, which keeps the text rise in `_rise` and `_y`;
                     ReportLab 5.1's setRise has two bugs pdfgen's replaces: it fails with
                     IndexError on the empty operator list `_formatText` starts with, and
                     where it merges two rises in a row it does not update `_rise`, so the
                     letters after a mark are drawn at the mark's height.
"""

from __future__ import annotations

import copy

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.pdfdoc import PDFObject, PDFPage, PDFString
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.pdfgen.textobject import PDFTextObject

PAGE_NAME = "Page{}"  # A13: pdfdoc.PDFDocument.thisPageName, 1-based
ANNOT_NAME = "NUMBER{}"  # A10: Canvas._addAnnotation


# -- text objects (A1-A4) -------------------------------------------------------------------

class TextObject(PDFTextObject):
    """A text object whose operators a subclass can see and rewrite before they are written.

    `ops` is the operator list; a subclass may put markers (any non-str) in it, which
    `finish` must take out. Hooks: `shown(start)` after each text-showing operator
    (at index `start`), `link_record(link, what)` for a paragraph's links,
    `finish(ops)` before the object's code is written.
    """

    @property
    def ops(self) -> list:
        return self._code

    def shown(self, start: int) -> None:
        """A text-showing operator was appended at ops[start]."""

    def link_record(self, link, what: str) -> None:
        """A paragraph link starts ("start", after its first fragment) or ends ("end")."""

    def finish(self, ops: list) -> list:
        """The operators to write (markers taken out)."""
        return ops

    def _textOut(self, text, TStar=0):
        start = len(self._code)
        super()._textOut(text, TStar)
        self.shown(start)

    def textOut(self, text):
        start = len(self._code)
        super().textOut(text)
        self.shown(start)

    def textLine(self, text=""):
        start = len(self._code)
        super().textLine(text)
        self.shown(start)

    def moveCursor(self, dx, dy):
        # ReportLab merges a move into the previous operator when that ends with ' Td' (A3);
        # a marker there has no .endswith. An empty operator keeps them apart (and is inert).
        if self._code and not isinstance(self._code[-1], str):
            self._code.append("")
        super().moveCursor(dx, dy)

    def _linkRecord(self, link, what):
        self.link_record(link, what)

    def setRise(self, rise):
        # A23: ReportLab 5.1's setRise fails on an empty operator list, and where it merges
        # two rises in a row it writes the new one but keeps the old in `_rise`, so a
        # shaped word's letters after a raised or lowered mark stay raised or lowered
        code = self._code
        if code and isinstance(code[-1], str) and code[-1].endswith(" Ts"):
            code.pop()  # the rise before, never used: replaced
            self._y += self._rise
        self._rise = rise
        self._y -= rise
        code.append(f"{fp_str(rise)} Ts")

    def getCode(self):
        self._code = self.finish(self._code)
        return super().getCode()


# -- paragraphs (A5, A6) ----------------------------------------------------------------

def is_wrapped(para) -> bool:
    """Whether the paragraph's lines are broken (wrap has run on this very object)."""
    return "blPara" in para.__dict__


def whole_link(para):
    """The link (n, url) of a one-style paragraph that is all one link, else None."""
    bl = para.__dict__.get("blPara")
    if bl is None or bl.kind != 0:
        return None
    links = getattr(bl, "link", None)
    if not links:
        return None
    link = links[0]
    return tuple(link) if isinstance(link, list) else link


def pad_line_ends(para, all_lines: bool) -> list:
    """End each line the paragraph breaks at a space with that space; returns the undo.

    ReportLab drops the space where it breaks a line, so tagged text would read
    "yourlower". A trailing space on the last word is invisible on a left-aligned
    line and leaves the word count (so word spacing) unchanged. The last line is
    padded too when `all_lines` (a piece whose paragraph goes on in the next piece).
    """
    bl = para.blPara
    lines = bl.lines
    n = len(lines) - (0 if all_lines else 1)
    at_space = _breaks_at_spaces(para, bl)
    saved: list = []
    if bl.kind == 0:
        for i in range(n):
            line = lines[i]
            words = line[1]
            if words and at_space[i]:
                saved.append((i, line))
                lines[i] = (line[0], [*words[:-1], words[-1] + " "])
    else:
        for i, line in enumerate(lines[:n]):
            if not at_space[i]:
                continue
            for frag in reversed(line.words):
                if not hasattr(frag, "cbDefn"):
                    if not frag.text.endswith(" "):
                        saved.append((frag, frag.text))
                        frag.text += " "
                    break
    return saved


def unpad_line_ends(para, saved: list) -> None:
    """Undo pad_line_ends."""
    if para.blPara.kind == 0:
        lines = para.blPara.lines
        for i, line in saved:
            lines[i] = line
    else:
        for frag, text in saved:
            frag.text = text


def _breaks_at_spaces(para, bl) -> list[bool]:
    """For each line, whether the text breaks there at a space: False where ReportLab cut a
    word too long for the column (a web address) in two, which must read as one word."""
    source = "".join(getattr(f, "text", "") or "" for f in para.frags)
    out, pos = [], 0
    for line in bl.lines:
        if bl.kind == 0:
            tokens = [t for w in line[1] for t in w.split()]
        else:
            tokens = "".join(getattr(f, "text", "") or "" for f in line.words).split()
        for token in tokens:
            found = source.find(token, pos)
            if found < 0:  # not the text we think it is: keep the old behaviour
                return [True] * len(bl.lines)
            pos = found + len(token)
        out.append(pos >= len(source) or source[pos].isspace())
    return out


# -- canvas (A7-A11) ------------------------------------------------------------------------

class Canvas(rl_canvas.Canvas):
    """A canvas that can hold its pages back and be told of each page object it writes."""

    def page_made(self, page) -> None:
        """Hook: the page object of the page being written (its annotations are set)."""

    def _setAnnotations(self, page):
        super()._setAnnotations(page)
        self.page_made(page)

    def hold_page(self) -> dict:
        """End the page being drawn without writing it: its state, for restore_page."""
        held = dict(self.__dict__)
        self._startPage()
        return held

    def restore_page(self, held: dict) -> None:
        """Make a held page the one being drawn again (the annotation count runs on)."""
        annotations = self._annotationCount
        self.__dict__.update(held)
        self._annotationCount = max(annotations, self._annotationCount)

    def emit_page(self) -> None:
        """Write the page being drawn (ReportLab's own showPage)."""
        rl_canvas.Canvas.showPage(self)

    def next_annotation_name(self) -> str:
        """The object name the next linkURL's annotation will be registered under."""
        return self._doc.annotationName(ANNOT_NAME.format(self._annotationCount + 1))

    def pdf_document(self):
        return self._doc

    def document_title(self) -> str:
        return self._doc.info.title


def set_page_entries(page, **entries) -> None:
    """Add entries (PDF objects) to a page object's dictionary."""
    for key, value in entries.items():
        setattr(page, key, value)
    names = list(getattr(page, "__NoDefault__", PDFPage.__NoDefault__))
    page.__NoDefault__ = names + [k for k in entries if k not in names]


# -- the document (A12-A15) ------------------------------------------------------------------

def set_catalog(doc, **entries) -> None:
    """Set catalog entries (StructTreeRoot, MarkInfo, Metadata...)."""
    for key, value in entries.items():
        setattr(doc.Catalog, key, value)


def reference(doc, obj, name: str):
    """Register obj as an indirect object under name; returns the reference."""
    return doc.Reference(obj, name)


def page_name(index: int) -> str:
    """The object name of page index (0-based)."""
    return PAGE_NAME.format(index + 1)


def object_refs(document):
    """At format time: a function from object name to "n g R"."""
    numbers = document.idToObjectNumberAndVersion

    def ref(name: str) -> str:
        num, gen = numbers[name]
        return f"{num} {gen} R"
    return ref


def pdf_string(document, text: str) -> str:
    """text as a PDF string literal, as ReportLab writes it."""
    return PDFString(text).format(document).decode("latin-1")


class RawObject(PDFObject):
    """An indirect object formatted by a function of (document, *args): PDF text, no parsing."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def format(self, document):
        return self.fn(document, *self.args).encode("latin-1")


def page_count(doc) -> int:
    """Pages a BaseDocTemplate made in its last build."""
    return doc.page


# -- fonts (A16) ------------------------------------------------------------------------------

def charmap(font_name: str) -> frozenset[int]:
    """The code points a registered TrueType font has glyphs for."""
    return frozenset(pdfmetrics.getFont(font_name).face.charToGlyph)


# -- right-to-left lines (A20-A22) ------------------------------------------------------------

def shaping_style(**extra) -> dict:
    """ParagraphStyle keywords that make ReportLab shape a shapable font's text (A20)."""
    return {"shaping": 1, **extra}


def _line_tokens(line) -> list[list]:
    """A kind-1 line's words in logical order, each a list of fragments (one per style
    run of the word; a shaped word's fragments are already in visual order, A20)."""
    tokens: list[list] = []
    cur: list = []
    for frag in line.words:
        if hasattr(frag, "cbDefn"):
            cur.append(frag)
            continue
        text = frag.text
        start = 0
        for i in range(len(text) + 1):
            if i < len(text) and text[i] not in " \xa0":
                continue
            if i > start:
                piece = copy.copy(frag)
                piece.text = text[start:i]  # a ShapedStr slice keeps its shape data
                cur.append(piece)
            if i < len(text) and cur:
                tokens.append(cur)
                cur = []
            start = i + 1
    if cur:
        tokens.append(cur)
    return tokens


def line_word_counts(para) -> list[int]:
    """The number of words on each line of a wrapped kind-1 paragraph."""
    bl = para.blPara
    if bl.kind != 1:
        return [len(line[1]) for line in bl.lines]
    return [len(_line_tokens(line)) for line in bl.lines]


def line_tokens(para) -> list[list[list]]:
    """Per line of a wrapped kind-1 paragraph, its words in logical order, each a list of
    pieces (fragments, one per style run of the word; A20)."""
    return [_line_tokens(line) for line in para.blPara.lines]


def piece_text(piece) -> str:
    """A piece's text (shaped: glyph codes, not the source's letters); "" for a callback."""
    return "" if hasattr(piece, "cbDefn") else piece.text


def is_shaped(piece) -> bool:
    return isinstance(getattr(piece, "text", None), ttfonts.ShapedStr)


def with_text(piece, text: str):
    """A copy of `piece` showing `text` (a slice of its text, or spaces)."""
    out = copy.copy(piece)
    out.text = text
    return out


def set_lines(para, lines: list[list]) -> list:
    """Give each line of a wrapped kind-1 paragraph the pieces it is to draw, left to right
    (None: keep the line). Returns the undo (for restore_lines)."""
    saved = []
    for line, pieces in zip(para.blPara.lines, lines, strict=False):
        if pieces is not None:
            saved.append((line, line.words))
            line.words = pieces
    return saved


def restore_lines(saved: list) -> None:
    for line, words in saved:
        line.words = words


def source_words(para) -> list[str]:
    """The words of an unwrapped paragraph's text, in logical order (A5: `para.frags`
    before wrap holds the source text; a <br/> separates words too)."""
    text = "".join(" " if getattr(f, "lineBreak", False) else (getattr(f, "text", "") or "")
                   for f in para.frags)
    # a no-break space is drawn as a space glyph once shaped (A20): a word break here too
    return [w for w in text.replace("\xa0", " ").split(" ") if w]


def is_kind1(para) -> bool:
    return para.blPara.kind == 1


def ends_line(op: str) -> bool:
    """A text object's operator ends a paragraph line (A21)."""
    return op.endswith(" T*")


def shape_word(word: str, font_name: str, size: float) -> str:
    """One word shaped for drawing on the canvas (A22): unchanged for an unshaped font."""
    if not getattr(pdfmetrics.getFont(font_name), "shapable", False):
        return word
    return ttfonts.shapeStr(word, font_name, size)
