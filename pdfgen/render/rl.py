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
  A24 cjk-lines      a paragraph styled wordWrap="CJK" gets its lines from its
                     `breakLinesCJK(maxWidths)`; `paragraph.cjkU(char, frag, encoding)` is
                     one character with its `.frag` and `.width`, `makeCJKParaLine` makes a
                     kind 1 line of them, `_handleBulletWidth` narrows the first line for a
                     bullet; a `<br/>` fragment has `lineBreak`.
"""

from __future__ import annotations

from reportlab.pdfbase import pdfmetrics
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


def line_texts(para) -> list[str]:
    """The text of each line of a wrapped paragraph (A5), as it breaks them."""
    bl = para.blPara
    if bl.kind == 0:
        return ["".join(words) if isinstance(words, list) else str(words)
                for _, words in bl.lines]
    return ["".join(getattr(f, "text", "") or "" for f in line.words) for line in bl.lines]


# Chinese (and Japanese) line breaking, kinsoku shori: ReportLab's own (A24) lets a line
# start with a full-width comma, colon or closing quote, end with an opening bracket or
# quote, and cut a phone number in two. Breaks here go between any two CJK characters,
# never before closing punctuation, after opening punctuation, or inside a run of Latin
# letters, digits and their punctuation (817-697-4038, MRI), only after the '/' of a web
# address too long for its line; spaces break, and are dropped at the ends of lines.
NO_START = frozenset("!),.:;?]}\u00b0\u2019\u201d\u2026\u2030\u2032\u2033\u2103"
                     "\u3001\u3002\u3005\u3009\u300b\u300d\u300f\u3011\u3015\u3017"
                     "\u3019\u301e\u301f\u30fb\u30fc\uff01\uff05\uff09\uff0c\uff0e"
                     "\uff1a\uff1b\uff1f\uff3d\uff5d\uff60\uff61\uff64"
                     "\u3041\u3043\u3045\u3047\u3049\u3063\u3083\u3085\u3087\u308e"
                     "\u30a1\u30a3\u30a5\u30a7\u30a9\u30c3\u30e3\u30e5\u30e7\u30ee")
NO_END = frozenset("([{\u2018\u201c\u3008\u300a\u300c\u300e\u3010\u3014\u3016\u3018"
                   "\u301d\uff08\uff3b\uff5b\uff5f")
CJK_START = 0x2E80  # below: Latin, digits and their punctuation, which break at spaces only


def _latin(ch: str) -> bool:
    return bool(ch) and ord(ch[0]) < CJK_START and not ch.isspace()


def cjk_break_allowed(before: str, after: str, latin: int = 0) -> bool:
    """Whether a line may end after the character `before` and the next start with
    `after` (kinsoku shori). Inside a Latin run too long for its line, `latin` 1 allows a
    break after a '/', 2 anywhere."""
    if not before or not after:
        return True  # a drawing or link mark, not text
    if before.isspace() or after.isspace():
        return not after.isspace()  # after the last of the spaces; they are dropped
    if after in NO_START or before in NO_END:
        return False
    if _latin(before) and _latin(after):
        return latin == 2 or (latin == 1 and before == "/")
    return True


def break_lines_cjk(para, max_widths):
    """A24: the lines of a wordWrap="CJK" paragraph, broken by cjk_break_allowed; as
    ReportLab's breakLinesCJK (kind 1 lines), which Para.breakLinesCJK replaces."""
    from reportlab.platypus import paragraph as rlp
    from reportlab.rl_config import _FUZZ

    if not isinstance(max_widths, (list, tuple)):
        max_widths = [max_widths]
    max_widths = list(max_widths)
    style = para.style
    para.height = 0
    rlp._handleBulletWidth(para.bulletText, style, max_widths)
    if "blPara" in para.__dict__ and getattr(para, "_splitpara", 0):
        return para.blPara
    frags = para.frags
    if not frags:
        return rlp.ParaLines(kind=0, fontSize=style.fontSize, fontName=style.fontName,
                             textColor=style.textColor, lines=[], ascent=style.fontSize,
                             descent=-0.2 * style.fontSize)
    auto = getattr(para, "autoLeading", getattr(style, "autoLeading", ""))
    bounds = auto not in ("", "off")
    chars = []
    for f in frags:
        text = f.text.decode("utf8") if isinstance(f.text, bytes) else f.text
        chars.extend(rlp.cjkU(t, f, "utf8") for t in (text or [text]))
    lines: list = []

    def width(u, limit):
        w = u.width
        if hasattr(w, "normalizedValue"):
            w._normalizer = limit
            w = w.normalizedValue(limit)
        return w

    def emit(start: int, end: int, limit: float, line_break: bool) -> None:
        while end > start and chars[end - 1][:1].isspace():
            end -= 1  # the spaces a line breaks at are not drawn
        used = sum(width(u, limit) for u in chars[start:end])
        lines.append(rlp.makeCJKParaLine(chars[start:end], limit, used, limit - used,
                                         line_break, bounds))

    n, start = len(chars), 0
    while start < n:
        while start < n and chars[start][:1].isspace() and not hasattr(chars[start].frag,
                                                                        "lineBreak"):
            start += 1  # nor are those at the start of a line
        if start >= n:
            break
        limit = max_widths[min(len(lines), len(max_widths) - 1)]
        used, i = 0.0, start
        while i < n:
            used += width(chars[i], limit)
            if hasattr(chars[i].frag, "lineBreak") or (used > limit + _FUZZ and i > start):
                break
            i += 1
        if i >= n:
            emit(start, n, limit, False)
            break
        if hasattr(chars[i].frag, "lineBreak"):
            emit(start, i + 1, limit, True)
            start = i + 1
            continue
        # where the rules allow; else a Latin run fills the line: after a '/', else
        # anywhere in it; else (punctuation alone fills the line) where it overflows
        end = next((b for latin in (0, 1, 2) for b in range(i, start, -1)
                    if cjk_break_allowed(chars[b - 1][:1], chars[b][:1], latin)), i)
        emit(start, end, limit, False)
        start = end
    return rlp.ParaLines(kind=1, lines=lines)


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
