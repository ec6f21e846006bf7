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
  A19 page-code      a canvas appends the page's content operators to its `_code` list
                     (str items, joined at showPage); a TrueType text's glyph codes are
                     fixed for the whole document once its characters were first drawn, so
                     operators recorded on one page draw the same on another.
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
Writing:
  A18 file-layout    `Canvas.save` writes "%PDF-1.x", a comment line, then each object as
                     "N 0 obj\n...\nendobj\n" in the order of a classic cross-reference
                     table ("xref\n0 SIZE\n", 20-byte entries) whose trailer has /ID,
                     /Info, /Root and /Size; a stream object's body ends with "endstream".
Numbers:
  A17 fp-str         without the rl_accel C extension, `reportlab.lib.rl_accel.fp_str` is
                     the pure-Python `_py_fp_str`, and the modules that write page content
                     and PDF objects call it through their own module-level name `fp_str`.
Right-to-left (render/rtl.py orders the words; these put them on the page):
  A20 shaped-lines   a paragraph whose style has `shaping` set and whose font is a TTFont
                     registered `shapable` (uharfbuzz installed) is wrapped as kind 1:
                     each line's `.words` are fragments whose `.text` holds one or more
                     words separated by " ", each word shaped on its own (a `ShapedStr`,
                     glyphs already in visual order; slicing one keeps its shape data);
                     the fragments are drawn in list order, left to right.
  A21 (retired: right-to-left lines no longer carry /ActualText, found by " T*")
  A22 shape-str      `ttfonts.shapeStr(text, font, size)` shapes one word (a `ShapedStr`
                     in visual order that `drawString` and `stringWidth` accept) or
                     returns it unchanged for a font that is not shapable.
  A23 shaped-rise    `_formatText` writes a ShapedStr's raised or lowered glyphs (Arabic
                     marks) with `setRise`, which keeps the text rise in `_rise` and `_y`;
                     ReportLab 5.1's setRise has two bugs pdfgen's replaces: it fails with
                     IndexError on the empty operator list `_formatText` starts with, and
                     where it merges two rises in a row it does not update `_rise`, so the
                     letters after a mark are drawn at the mark's height.
  A24 cjk-lines      a paragraph styled wordWrap="CJK" gets its lines from its
                     `breakLinesCJK(maxWidths)`; `paragraph.cjkU(char, frag, encoding)` is
                     one character with its `.frag` and `.width`, `makeCJKParaLine` makes a
                     kind 1 line of them, `_handleBulletWidth` narrows the first line for a
                     bullet; a `<br/>` fragment has `lineBreak`.
  A25 shaped-clusters a `ShapedStr` holds one character per glyph, in visual order, and a
                     parallel `__shapeData__` list whose items' `.cluster` is the index of
                     the glyph's first character in the text shaped (the whole word), or
                     2**31 - 1 for text joined to it or rebuilt; `ShapedStr(text,
                     shapeData=...)` makes one from the two.
  A26 shaped-tounicode `ttfonts.shapeFragWord(w)` (which `shapeStr` and, by its own name,
                     `platypus.paragraph` call) shapes with cluster level MONOTONE_CHARACTERS
                     and returns w, or [width, (frag, ShapedStr), ...] whose ShapedStr holds
                     one code per glyph (the glyph's first cmap character, else a private-use
                     code the TTFont gives it) and `__shapeData__`, one ShapeData per glyph
                     whose `cluster` is the index in w's text (its strings joined) where the
                     glyph's characters start; `TTFont.addObjects` writes each subset's
                     ToUnicode with the module-level `ttfonts.makeToUnicodeCMap(name,
                     subset)`, `name` being "XXXXXX+" + the face's name, `subset` the codes,
                     one "<%02X> <%04X>" line per code.
  A27 private-width  `TTFont.hbFont()` sets the instance's `hbAddPrivate(name, gid,
                     advance)`, which `shapeFragWord` calls for a glyph no cmap character
                     maps to: it gives the glyph a private-use code and stores `advance` (in
                     font units, as HarfBuzz gives it) as the code's width in
                     `face.charWidths`, where every other width is per 1000 em (`pdfScale`);
                     `shapeFragWord` reads that width back right after. ReportLab 5.1 does not
                     scale it: in a font of 2048 units per em, the PDF's /Widths make such a
                     glyph twice as wide as drawn, and readers see letters overlap.
  A28 shaped-marks   in a ShapedStr's `__shapeData__`, a glyph's pen position is the sum
                     of the `x_advance` of the glyphs before it, and `_formatText` draws it
                     at pen + `x_offset` across and at the line's rise + `y_offset` up (all
                     per 1000 em of the font size); a combining mark has `x_advance` 0.
                     A paragraph line's fragment with `cbDefn` (kind "onDraw", `name`,
                     `label`) calls the canvas's named callback `name` with (canvas, kind,
                     label) while `canvas._curr_tx_info["cur_x"]`, `["cur_y"]` are, for
                     the line's first fragment, where the line starts on its baseline (the
                     running x after a ShapedStr counts the glyphs' /Widths, not their
                     `x_advance`, so it is not where the next fragment is drawn), and
                     `["tx"]._wordSpace` the line's Tw (a right-aligned line a little too
                     wide is squeezed with a negative one; Tw moves every byte 32 drawn).
                     `TTFont.hbAddPrivate`
                     gives a glyph a private-use code of its own for a name it has not
                     seen, and the code drawn chooses the glyph (`face.charToGlyph`).
                     `Canvas.setFont` keeps the font's name and size in `_fontname` and
                     `_fontsize`.
  A30 shape-once      `shapeFragWord([width, (frag, text)])` depends only on the fragment's
                     font, size and text (and its arguments): it returns the word itself
                     when shaping changes nothing, else `[width, (frag, ShapedStr)]` built
                     by `makeShapedFragWord(w)`, and nothing downstream changes a ShapedStr
                     or its shape data in place (they are sliced and copied), so a word's
                     result can be kept and handed to the next word of the same text.
  A29 shaped-offsets `_formatText` writes a ShapedStr in a shapable font glyph by glyph from
                     its shape data (A28), whatever the glyphs: so plain text given shape data
                     with moved `x_offset`s is drawn moved, the pen ending where it would.
  A31 tree-parse      `ParaParser.tt_parse(tree, style)` runs the same tag handlers
                     (`start_<tag>(attrs)`, `end_<tag>()`) and `handle_data` as
                     `ParaParser.parse(text, style)` runs once html.parser has read
                     "<para>" + text + "</para>" (with convert_charrefs off): a tag name
                     ends at an ASCII space, "/" or ">" only; tag and attribute names in
                     lower case, attribute values unescaped, a
                     self-closing tag's start then its end, each entity reference's
                     character handed over alone (`known_entities`), no empty data; and
                     `Paragraph._setup(text, style, bulletText, frags, cleaner)` with
                     `frags` given keeps them, so a paragraph parsed here as ReportLab
                     would is the same paragraph. For text, <b>, <br/> and <font name>
                     those handlers make fragments as `_plain_frags` does: a ParaFrag from
                     the style (rise 0, greek 0, link [], fontName/bold/italic from
                     `ps2tt`, fontSize, textColor, us_lines [], __tag__), shallow copies
                     pushed per tag (<b>: bold 1; <font>: ps2tt of its name; <br/>:
                     lineBreak), and one copy per datum with `tt2ps` font name and text.
"""

from __future__ import annotations

import copy
import re
import unicodedata
import zlib
from bisect import bisect_left
from contextlib import contextmanager
from html import unescape
from itertools import accumulate

from reportlab.lib import rl_accel
from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.pdfdoc import PDFObject, PDFPage, PDFString
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import Paragraph, paraparser
from reportlab.platypus.paragraph import textTransformFrags

from .rtl import has_rtl

PAGE_NAME = "Page{}"  # A13: pdfdoc.PDFDocument.thisPageName, 1-based
ANNOT_NAME = "NUMBER{}"  # A10: Canvas._addAnnotation


# -- paragraph markup (A31) ------------------------------------------------------------------

# pdfgen's paragraph XML (markup.py escapes every content character): text, the entities
# &amp; &lt; &gt; and tags with double-quoted attributes. Anything else (a stray "<" or "&",
# a comment, a numeric reference, script/style, which html.parser reads its own way) is
# left to ReportLab's parser, which then reads the whole paragraph.
# Inside a tag only ASCII spaces separate (html.parser reads "<br\xa0/>" as a tag named
# "br\xa0"; newer Pythons read no other space in a tag either).
_XML_TOKEN = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[ \t\n\r\f]+[a-zA-Z][-a-zA-Z0-9_]*='
                        r'"[^"<>]*")*)[ \t\n\r\f]*(/?)>|&([a-zA-Z][a-zA-Z0-9]*);')
_XML_ATTR = re.compile(r'([a-zA-Z][-a-zA-Z0-9_]*)="([^"]*)"')
# the tags read here: ParaParser's handlers for these keep no state beyond the paragraph
# (<seq/>, <index/>, <img/>, <onDraw/>, <bullet> and the rest go to ReportLab's parse)
_TREE_TAGS = frozenset({"b", "strong", "i", "em", "u", "strike", "br", "font", "span", "a",
                        "link", "sup", "sub", "super"})


def para_tree(text: str):
    """`text` (paragraph XML, already cleaned as Paragraph cleans it) as the tuple tree
    ParaParser.tt_parse reads: ("para", {}, [str | (tag, attrs, children | None)]) with the
    data cut where html.parser cuts it (A31); None when the text is not pdfgen's plain XML."""
    root: tuple = ("para", {}, [])
    stack = [root]
    pos = 0
    for m in _XML_TOKEN.finditer(text):
        start = m.start()
        if start > pos:
            data = text[pos:start]
            if "<" in data or "&" in data or ">" in data:
                return None
            stack[-1][2].append(data)
        pos = m.end()
        entity = m.group(5)
        if entity is not None:
            char = paraparser.known_entities.get(entity)
            if char is None:
                return None
            stack[-1][2].append(char)
            continue
        closing, tag, attrs, empty = m.group(1), m.group(2).lower(), m.group(3), m.group(4)
        if tag not in _TREE_TAGS:
            return None
        if closing:
            if attrs or empty or len(stack) == 1 or stack[-1][0] != tag:
                return None
            stack.pop()
            continue
        found = {k.lower(): unescape(v) for k, v in _XML_ATTR.findall(attrs)}
        node = (tag, found, None if empty else [])
        stack[-1][2].append(node)
        if not empty:
            stack.append(node)
    rest = text[pos:]
    if "<" in rest or "&" in rest or ">" in rest or len(stack) != 1:
        return None
    if rest:
        root[2].append(rest)
    return root


def parse_para(text: str, style, case_sensitive: int = 1):
    """(style, frags, bullet frags) as ParaParser.parse(text, style) gives them, without
    html.parser where `text` is pdfgen's plain XML (A31); None to let ReportLab parse."""
    tree = para_tree(text)
    if tree is None:
        return None
    frags = _plain_frags(tree[2], style)
    if frags is not None:
        return style, frags, None
    parser = paraparser.ParaParser()
    parser.caseSensitive = case_sensitive
    return parser.tt_parse(tree, style)


class TreeParagraph(Paragraph):
    """A Paragraph that reads pdfgen's XML without html.parser (A31): the same fragments
    as ReportLab's parse. Anything else, and anything the fast reading cannot make (a
    font name ReportLab cannot map, a misplaced tag), is ReportLab's own `_setup`, which
    reads it (or fails) with its own parser and words."""

    def _setup(self, text, style, bulletText, frags, cleaner):
        if frags is None:
            cleaned = cleaner(text)
            try:
                parsed = parse_para(cleaned, style, self.caseSensitive)
            except Exception:  # ReportLab's parse below says what is wrong, in its words
                parsed = None
            if parsed is not None and parsed[1] is not None:
                style, frags, bullet_frags = parsed
                textTransformFrags(frags, style)
                if bullet_frags:
                    bulletText = bullet_frags
                text = cleaned
        super()._setup(text, style, bulletText, frags, cleaner)


def _copy(frag):
    """copy.copy of a ParaFrag (an attribute bag): a new one with the same attributes."""
    new = paraparser.ParaFrag.__new__(paraparser.ParaFrag)
    new.__dict__.update(frag.__dict__)
    return new


def _plain_frags(children: list, style) -> list | None:
    """The fragments ParaParser's handlers make of a tree of text, <b>, <br/> and
    <font name="..."> alone (A31: `_initial_frag`, `_push`, `start_b`, `start_br` and
    `end_br`, `start_font`, `handle_data`, step by step); None for anything else (the
    handlers then run themselves)."""
    ps2tt, tt2ps = paraparser.ps2tt, paraparser.tt2ps
    top = paraparser.ParaFrag()  # _initial_frag, for a <para> without attributes
    top.rise = 0
    top.greek = 0
    top.link = []
    top.fontName, top.bold, top.italic = ps2tt(style.fontName)
    top.fontSize = style.fontSize
    top.textColor = style.textColor
    top.us_lines = []
    top.__tag__ = "para"
    out: list = []

    def data(frag, text: str) -> None:  # handle_data
        frag = _copy(frag)
        frag.fontName = tt2ps(frag.fontName, frag.bold, frag.italic)
        frag.text = text
        out.append(frag)

    def walk(frag, kids) -> bool:
        for kid in kids:
            if kid.__class__ is str:
                data(frag, kid)
                continue
            tag, attrs, inner = kid
            pushed = _copy(frag)  # _push(tag, **attributes)
            pushed.__tag__ = tag
            if tag == "br" and not attrs and not inner:
                pushed.lineBreak = True  # (and _selfClosingTag, which end_br deletes)
                data(pushed, "")
                continue
            if tag == "b" and not attrs and inner is not None:
                pushed.bold = 1
            elif tag == "font" and list(attrs) == ["name"] and inner is not None:
                pushed.fontName, pushed.bold, pushed.italic = ps2tt(attrs["name"])
            else:
                return False
            if not walk(pushed, inner):
                return False
        return True

    return out if walk(top, children) else None


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


def source_text(para) -> str:
    """An unwrapped paragraph's text (A5: `para.frags` holds it before `wrap`; a kind-1
    paragraph's fragments are emptied by it; a `<br/>` is a fragment with `lineBreak`).
    Para.wrap keeps it as `pdfgen_source`. A `<br/>` is a break between words, "\n",
    except inside a link right after a "/": where pdfgen breaks a web address too long
    for its line (render/figure.py address_lines), which reads as one word."""
    out: list[str] = []
    for f in para.frags:
        if getattr(f, "lineBreak", False):
            inside = getattr(f, "link", None) and out and out[-1].endswith("/")
            out.append("" if inside else "\n")
        else:
            out.append(getattr(f, "text", "") or "")
    return "".join(out)


def _breaks_at_spaces(para, bl) -> list[bool]:
    """For each line, whether the text breaks there at a space: False where ReportLab cut a
    word too long for the column (a web address) in two, which must read as one word.
    A line's words are the source's next non-space characters, so where it ends in the
    source is counted, not searched for (its last word is checked there)."""
    source = para.__dict__.get("pdfgen_source")
    if source is None:
        source = source_text(para)
    if bl.kind == 0:
        lines = [[t for w in line[1] for t in w.split()] for line in bl.lines]
    else:
        lines = ["".join(getattr(f, "text", "") or "" for f in line.words).split()
                 for line in bl.lines]
    if [t for line in lines for t in line] == source.split():
        return [True] * len(lines)  # no word cut in two: every line ends at a space
    # the source's words: where each ends, and how many non-space characters up to there
    spans = [m.span() for m in _NON_SPACE.finditer(source)]
    upto = list(accumulate(end - start for start, end in spans))
    out, count, pos = [], 0, 0
    for tokens in lines:
        if tokens:
            count += sum(map(len, tokens))
            if not upto or count > upto[-1]:  # not the text we think it is: as before
                return [True] * len(lines)
            k = bisect_left(upto, count)  # the word holding the count-th character
            pos = spans[k][1] - (upto[k] - count)
            last = tokens[-1]
            if source[pos - len(last):pos] != last:
                return [True] * len(lines)
        out.append(pos >= len(source) or source[pos].isspace())
    return out


_NON_SPACE = re.compile(r"\S+")  # \S is what str.isspace() and str.split() call space


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


class Recording:
    """What a piece of drawing wrote: its content operators and its linkURL calls."""

    def __init__(self):
        self.ops: list[str] = []
        self.links: list[tuple[str, tuple]] = []


@contextmanager
def recording(canv):
    """Record what the drawing inside writes to the page (A19), to write it again later with
    `add_code` (and the links again with linkURL): the drawing itself happens as usual."""
    record = Recording()
    mark = len(canv._code)
    real = canv.linkURL

    def link(url, rect, *args, **kw):
        record.links.append((url, rect))
        return real(url, rect, *args, **kw)

    canv.linkURL = link
    try:
        yield record
    finally:
        del canv.linkURL
        record.ops = list(canv._code[mark:])


def add_code(canv, ops: list[str]) -> None:
    """Write recorded operators to the page being drawn (A19)."""
    canv._code.extend(ops)


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


# -- numbers (A17) ----------------------------------------------------------------------------

_FP_MODULES = ("reportlab.pdfgen.textobject", "reportlab.pdfgen.canvas",
               "reportlab.pdfgen.pathobject", "reportlab.pdfbase.pdfdoc",
               "reportlab.lib.colors", "reportlab.platypus.flowables")
_FP_MOST = 50_000  # distinct numbers remembered, at most (then forgotten all at once)


def _memo_fp_str(original):
    """`original` (ReportLab's pure-Python fp_str) remembering each number's text.

    ReportLab formats every coordinate, size and color through it: about 3,200 numbers
    for one bilingual handout, of which only about 420 differ. Same text for every
    input, so the PDF bytes do not change (tests/test_rl_adapter.py compares the two).
    """
    memo: dict = {}

    def one(x):
        text = memo.get(x)
        if text is None:
            if len(memo) >= _FP_MOST:
                memo.clear()
            text = memo[x] = original(x)
        return text

    def fp_str(*a):
        if len(a) == 1:
            a = a[0]
            if not isinstance(a, (list, tuple)):
                return one(a)
        return " ".join([one(x) for x in a])

    fp_str.original = original
    return fp_str


def speed_up_numbers() -> None:
    """Install the remembering fp_str in ReportLab's drawing and writing modules (once);
    nothing to do when ReportLab runs with its C accelerator."""
    import sys

    original = rl_accel.fp_str
    if getattr(original, "original", None) is not None or original.__module__ != rl_accel.__name__:
        return  # already installed, or the C extension's own
    fast = _memo_fp_str(original)
    for name in _FP_MODULES:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "fp_str", None) is original:
            module.fp_str = fast


# -- writing (A18) --------------------------------------------------------------------------

_XREF = re.compile(rb"\nxref\n0 (\d+)\n")
_TRAILER = re.compile(rb"trailer\n<<(.*?)>>\nstartxref", re.S)
_OBJ_HEAD = re.compile(rb"(\d+) 0 obj\n")
PER_STREAM = 200  # objects per object stream


def pack_objects(data: bytes) -> bytes:
    """ReportLab's PDF with its small objects packed into compressed object streams (PDF 1.5).

    Every object that is not a stream (structure elements, annotations, the dictionaries of
    fonts and pages: about 280 in a bilingual handout, half the file) goes into
    Flate-compressed object streams, except the document information (title, dates), which
    stays readable; the classic cross-reference table becomes a compressed cross-reference
    stream. The objects themselves, their numbers and the streams are unchanged; the same
    input gives the same bytes. A file not laid out as A18 says is returned unchanged.
    """
    found = _XREF.search(data)
    trailer = _TRAILER.search(data, found.end()) if found else None
    if trailer is None:
        return data
    size = int(found.group(1))
    table = data[found.end():found.end() + 20 * size]
    offsets = [(int(table[20 * i:20 * i + 10]), i) for i in range(1, size)
               if table[20 * i + 17:20 * i + 18] == b"n"]
    offsets.sort()
    ends = [off for off, _ in offsets[1:]] + [found.start() + 1]
    header_end = data.index(b"\n", data.index(b"\n") + 1) + 1
    if not offsets or offsets[0][0] != header_end:
        return data
    keys = dict(re.findall(rb"/(ID|Info|Root)\s*(\[[^\]]*\]|\d+ 0 R)", trailer.group(1)))
    if set(keys) != {b"ID", b"Info", b"Root"}:
        return data
    info = int(keys[b"Info"].split()[0])
    kept: list[tuple[int, bytes]] = []  # streams, and the document information (plain text)
    small: list[tuple[int, bytes]] = []
    for (start, num), end in zip(offsets, ends, strict=True):
        chunk = data[start:end]
        head = _OBJ_HEAD.match(chunk)
        if head is None or int(head.group(1)) != num or not chunk.endswith(b"\nendobj\n"):
            return data
        body = chunk[head.end():-len(b"\nendobj\n")]
        (kept if num == info or body.endswith(b"endstream") else small).append((num, body))
    out = bytearray(b"%PDF-1.7\n" + data[data.index(b"\n") + 1:header_end])
    where: dict[int, tuple[int, int, int]] = {}  # object -> (type, field 2, field 3)
    for num, body in kept:
        where[num] = (1, len(out), 0)
        out += b"%d 0 obj\n%s\nendobj\n" % (num, body)
    next_num = size
    for first in range(0, len(small), PER_STREAM):
        group = small[first:first + PER_STREAM]
        index, parts, pos = [], [], 0
        for i, (num, body) in enumerate(group):
            index.append(b"%d %d" % (num, pos))
            parts.append(body)
            pos += len(body) + 1
            where[num] = (2, next_num, i)
        head = b" ".join(index) + b"\n"
        packed = zlib.compress(head + b"\n".join(parts) + b"\n", 6)
        where[next_num] = (1, len(out), 0)
        out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d "
                b">>\nstream\n%s\nendstream\nendobj\n"
                % (next_num, len(group), len(head), len(packed), packed))
        next_num += 1
    xref_num = next_num
    where[xref_num] = (1, len(out), 0)
    rows = [b"\x00\x00\x00\x00\x00\xff\xff"]
    for num in range(1, xref_num + 1):
        kind, two, three = where.get(num, (0, 0, 0))
        rows.append(bytes([kind]) + two.to_bytes(4, "big") + three.to_bytes(2, "big"))
    packed = zlib.compress(b"".join(rows), 6)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [ 1 4 2 ] /Root %s /Info %s /ID %s "
            b"/Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream\nendobj\n"
            % (xref_num, xref_num + 1, keys[b"Root"], keys[b"Info"], keys[b"ID"], len(packed),
               packed))
    out += b"startxref\n%d\n%%%%EOF\n" % where[xref_num][1]
    return bytes(out)
# -- right-to-left lines (A20-A22) ------------------------------------------------------------

def shaping_style(**extra) -> dict:
    """ParagraphStyle keywords that make ReportLab shape a shapable font's text (A20)."""
    return {"shaping": 1, **extra}


def _line_tokens(line) -> list[list]:
    """A kind-1 line's words in logical order, each a list of fragments (one per style
    run of the word; a shaped word's fragments are already in visual order, A20). Words
    joined by a no-break space were shaped as one, so right to left they come in visual
    order: they are put back in logical order (the shaped space's cluster is real)."""
    tokens: list[list] = []
    glued: list[bool] = []  # per token: joined to the one before by a shaped no-break space
    cur: list = []
    joined = False
    for frag in line.words:
        if hasattr(frag, "cbDefn"):
            cur.append(frag)
            continue
        text = frag.text
        data = getattr(text, "__shapeData__", None)
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
                glued.append(joined)
                cur = []
            if i < len(text):
                joined = bool(data) and 0 <= data[i].cluster < 0x7FFFFFFF
            start = i + 1
    if cur:
        tokens.append(cur)
        glued.append(joined)
    return _glued_in_logical_order(tokens, glued)


def _first_cluster(token: list) -> int | None:
    for piece in token:
        data = getattr(getattr(piece, "text", None), "__shapeData__", None)
        if data and 0 <= data[0].cluster < 0x7FFFFFFF:
            return data[0].cluster
    return None


def _glued_in_logical_order(tokens: list[list], glued: list[bool]) -> list[list]:
    out: list[list] = []
    i = 0
    while i < len(tokens):
        j = i + 1
        while j < len(tokens) and glued[j]:
            j += 1
        run = tokens[i:j]
        first, last = _first_cluster(run[0]), _first_cluster(run[-1])
        if len(run) > 1 and first is not None and last is not None and first > last:
            run = run[::-1]  # shaped right to left: the word's start is drawn last
        out += run
        i = j
    return out


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


def clusters_known(piece, size: int) -> bool:
    """Whether a shaped piece's glyphs all name a character of the word (of `size`
    characters) they came from: text ReportLab joined to a shaped string gets a
    placeholder cluster (2**31 - 1), and so does a string it rebuilt."""
    text = getattr(piece, "text", None)
    data = getattr(text, "__shapeData__", None)
    return bool(data) and all(0 <= d.cluster < size for d in data)


def level_runs(piece, levels: list[int]) -> list[tuple[object, int, int]]:
    """A25: a shaped piece cut where the bidi level of its glyphs' characters changes:
    (piece showing the run, its level, the logical index of its first character), in
    logical order, each run's glyphs in display order for its own direction. `levels` has
    one level per character of the word the piece was shaped in (a glyph's `cluster`
    indexes it). A word holding a number and the punctuation after it ("4038." beside
    Arabic) is shaped as one, but the bidi algorithm puts the full stop apart."""
    text = piece.text
    data = text.__shapeData__
    lv = [levels[min(d.cluster, len(levels) - 1)] if levels else 1 for d in data]
    runs = []
    i = 0
    while i < len(lv):
        j = i
        while j < len(lv) and lv[j] == lv[i]:
            j += 1
        chars, shape = list(str(text)[i:j]), list(data[i:j])
        falling = shape[0].cluster > shape[-1].cluster  # shaped right to left
        if falling == (lv[i] % 2 == 0):  # the run reads the other way: turn it
            chars, shape = chars[::-1], shape[::-1]
        first = min(d.cluster for d in shape)
        runs.append((with_text(piece, ttfonts.ShapedStr("".join(chars), shapeData=shape)),
                     lv[i], first))
        i = j
    return sorted(runs, key=lambda r: r[2])


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


# -- what a shaped glyph reads as (A26) --------------------------------------------------------

# face name (as in a subset's BaseFont, after "+") -> glyph code -> the text it reads as;
# None where one code was seen for two texts (it keeps ReportLab's mapping)
_GLYPH_TEXT: dict[str, dict[int, str | None]] = {}


def _face_key(font) -> str:
    face = font.face
    return (face.name + face.subfontNameX).decode("latin-1")


def _stand_in(code: int) -> bool:
    """Whether ReportLab's code for a shaped glyph stands in for the text it was drawn for:
    a private-use code (a glyph no character maps to: a positional form) or an Arabic
    presentation form (a ligature such as lam-alef). Any other code is the character the
    font maps to that glyph, and reads as itself: a space glyph drawn for a zero-width
    non-joiner must not make every later space in the process read as one."""
    return 0xE000 <= code <= 0xF8FF or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF


def _shaped_items(shaped: list):
    """(index, fragment, ShapedStr, its shape data, its font) of each shaped string of a
    word `shapeFragWord` returned (a callback inside the word comes back as a list of its
    fragments, with no text)."""
    for n, item in enumerate(shaped[1:], start=1):
        if hasattr(item[0], "cbDefn") or len(item) < 2:
            continue
        data = getattr(item[1], "__shapeData__", None)
        if data:
            yield n, item[0], item[1], data, pdfmetrics.getFont(item[0].fontName)


def _record_glyph_texts(word: list, shaped: list) -> None:
    """Remember what each glyph of a shaped word reads as: its cluster's characters (A26),
    when the cluster is drawn with that one glyph (a font that draws a letter as a skeleton and
    dots, several glyphs to a cluster, keeps ReportLab's mapping for them)."""
    text = "".join(s for f, s in word[1:] if not hasattr(f, "cbDefn"))
    glyphs = []  # (font, code, cluster, shape data)
    for _, _, s, data, font in _shaped_items(shaped):
        glyphs += [(font, ord(ch), sd.cluster, sd) for ch, sd in zip(s, data, strict=False)
                   if 0 <= sd.cluster < len(text)]
    starts = sorted({g[2] for g in glyphs})
    ends = dict(zip(starts, starts[1:] + [len(text)], strict=True))
    per_cluster: dict[int, list] = {}
    for glyph in glyphs:
        per_cluster.setdefault(glyph[2], []).append(glyph)
    for cluster, members in per_cluster.items():
        if len(members) > 1:
            _record_merged_marks(members, text[cluster:ends[cluster]])
    for font, code, cluster, _ in glyphs:
        if len(per_cluster[cluster]) != 1 or not _stand_in(code):
            continue
        # a glyph for two letters or more (lam-alef) reads as them in the order drawn,
        # right to left: pdftotext and pdfium put a line's right-to-left characters in
        # logical order by reversing them all, a ligature's too (pypdf does not)
        reads = text[cluster:ends[cluster]]
        if has_rtl(reads):
            reads = reads[::-1]
        known = _GLYPH_TEXT.setdefault(_face_key(font), {})
        if code not in known:
            known[code] = None if reads == chr(code) else reads
        elif known[code] is not None and known[code] != reads:
            known[code] = None  # one glyph, two texts: no single answer


# (face, base glyph code, its marks' signature) -> the cluster's text, logical order; None
# where one such drawing was seen for two texts
_MERGED: dict[tuple, str | None] = {}


def _mark_signature(members: list) -> tuple | None:
    """(base glyph code, ((mark code, x offset, y offset), ...)) of a cluster drawn as one
    glyph with advance and marks of none (a mark inside a lam-alef ligature shares its
    cluster), or None for any other cluster."""
    bases = [g for g in members if g[3].x_advance != 0]
    # a mark: no advance, and a mark's code, or a private one (the font's one glyph for a
    # shadda and a fatha together, say)
    marks = [g for g in members if g[3].x_advance == 0
             and (_is_mark(chr(g[1])) or _stand_in(g[1]))]
    if len(bases) != 1 or len(bases) + len(marks) != len(members):
        return None
    return bases[0][1], tuple((g[1], round(g[3].x_offset, 3), round(g[3].y_offset, 3))
                              for g in marks)


def _record_merged_marks(members: list, text: str) -> None:
    """Remember the text of a cluster of one glyph and its marks (A28 lifts them)."""
    sig = _mark_signature(members)
    if sig is None:
        return
    key = (_face_key(members[0][0]), *sig)
    if _MERGED.setdefault(key, text) != text:
        _MERGED[key] = None


_NOT_KEPT = ("not kept",)


def _shape_key(w, args, kwargs) -> tuple | None:
    """A30: what shaping a word of one text fragment depends on (its font, size and text,
    the shaping arguments); None for any other word (several fragments, a callback,
    a word shaped already)."""
    if isinstance(w, ttfonts.ShapedFragWord) or len(w) != 2:
        return None
    frag, text = w[1][0], w[1][1]
    if hasattr(frag, "cbDefn") or isinstance(text, ttfonts.ShapedStr):
        return None
    try:
        extra = repr((args, sorted(kwargs.items())))
        return frag.fontName, frag.fontSize, text, extra
    except AttributeError:
        return None


def _one_string(shaped: list) -> bool:
    return len(shaped) == 2 and not hasattr(shaped[1][0], "cbDefn") \
        and isinstance(shaped[1][1], ttfonts.ShapedStr)


def _own_codes_for_invisibles(word: list, shaped: list) -> None:
    """A glyph drawn for an invisible joiner (a Persian zero-width non-joiner, a zero-width
    joiner) gets a code of its own that reads as it (A28's private codes). Vazirmatn draws
    the non-joiner with its space glyph, whose code is the space: ReportLab's lines then
    split the word there ("می‌کنید" as two words, out of step with the source's words) and
    readers read a space."""
    text = "".join(s for f, s in word[1:] if not hasattr(f, "cbDefn"))
    if not any(unicodedata.category(ch) == "Cf" for ch in text):
        return
    starts = sorted({d.cluster for item in shaped[1:] if len(item) > 1
                     for d in (getattr(item[1], "__shapeData__", None) or [])
                     if 0 <= d.cluster < len(text)})
    ends = dict(zip(starts, starts[1:] + [len(text)], strict=True))
    for n, frag, s, data, font in _shaped_items(shaped):
        chars = list(s)
        for i, (ch, d) in enumerate(zip(s, data, strict=False)):
            if not 0 <= d.cluster < len(text) or _stand_in(ord(ch)):
                continue
            reads = text[d.cluster:ends[d.cluster]]
            if reads and all(unicodedata.category(c) == "Cf" for c in reads) \
                    and hasattr(font, "hbAddPrivate"):
                own = _combined_code(font, ord(ch), reads, capped=False)
                chars[i] = ch if own is None else chr(own)
        if chars != list(s):
            shaped[n] = (frag, ttfonts.ShapedStr("".join(chars), shapeData=data))


# (font, size, text, arguments) -> (width, ShapedStr) of a one-fragment word shaped
# before, or None where shaping changed nothing (A30)
_SHAPED: dict[tuple, tuple | None] = {}
_SHAPED_MOST = 20_000


def _recording_shape_frag_word(original):
    def shape_frag_word(w, *args, **kwargs):
        key = _shape_key(w, args, kwargs)
        if key is not None and key in _SHAPED:
            found = _SHAPED[key]
            if found is None:
                return w
            return ttfonts.makeShapedFragWord(w)([found[0], (w[1][0], found[1])])
        shaped = original(w, *args, **kwargs)
        if shaped is not w:
            _record_glyph_texts(w, shaped)
            _own_codes_for_invisibles(w, shaped)
        if key is not None:
            if len(_SHAPED) >= _SHAPED_MOST:
                _SHAPED.clear()
            _SHAPED[key] = None if shaped is w else \
                (shaped[0], shaped[1][1]) if _one_string(shaped) else _NOT_KEPT
            if _SHAPED[key] is _NOT_KEPT:
                del _SHAPED[key]
        return shaped

    shape_frag_word.original = original
    return shape_frag_word


def _to_unicode_cmap(original):
    def make_to_unicode_cmap(fontname, subset):
        cmap = original(fontname, subset)
        known = _GLYPH_TEXT.get(fontname.split("+", 1)[-1])
        if not known:
            return cmap
        for i, code in enumerate(subset):
            reads = known.get(code)
            if reads:
                cmap = cmap.replace(f"\n<{i:02X}> <{code:04X}>\n",
                                    f"\n<{i:02X}> <{reads.encode('utf-16-be').hex().upper()}>\n", 1)
        return cmap

    make_to_unicode_cmap.original = original
    return make_to_unicode_cmap


def _scaled_private_widths(original):
    def hb_font(self, fontSize=10):
        font = original(self, fontSize)
        add = self.hbAddPrivate
        if getattr(add, "original", None) is None:
            def add_private(name, gid, advance, font=font, add=add, self=self):
                code = add(name, gid, advance)
                # A27: the glyph's own advance (not a kerned one), per 1000 em
                self.face.charWidths[code] = self.pdfScale(font.get_glyph_h_advance(gid))
                return code

            add_private.original = add
            self.hbAddPrivate = add_private
        return font

    hb_font.original = original
    return hb_font


def map_shaped_glyphs() -> None:
    """Make a shaped glyph's ToUnicode entry the characters it was drawn for (A26): a
    positional form or a ligature otherwise reads as a private-use code or as an Arabic
    presentation form. Installed once; text that is not shaped is written as before."""
    from reportlab.platypus import paragraph

    if getattr(ttfonts.shapeFragWord, "original", None) is not None:
        return
    wrapped = _recording_shape_frag_word(ttfonts.shapeFragWord)
    ttfonts.shapeFragWord = wrapped
    paragraph.shapeFragWord = wrapped
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap(ttfonts.makeToUnicodeCMap)
    ttfonts.TTFont.hbFont = _scaled_private_widths(ttfonts.TTFont.hbFont)


# -- combining marks drawn as outlines (A28) ---------------------------------------------------

# (face, glyph, text) -> the private code that draws the glyph and reads as the text
_COMBINED: dict[tuple[str, int, str], int] = {}
_OUTLINES: dict[tuple[str, int], list] = {}
MARKS_CALLBACK = "pdfgen_marks"


def _reads_as(font, code: int) -> str | None:
    """What a drawn glyph code reads as, in logical order (None: no single answer)."""
    if not _stand_in(code):
        return chr(code)
    known = _GLYPH_TEXT.get(_face_key(font), {}).get(code)
    if not known:
        return None
    return known[::-1] if has_rtl(known) else known


def _is_mark(text: str | None) -> bool:
    return bool(text) and all(unicodedata.category(ch) == "Mn" for ch in text)


def _group_text(font, base: int, group: list[int], codes, reads, data) -> str | None:
    """The text of a base glyph and the marks on it, in the word's order; None if unknown.
    A mark inside a ligature shares the ligature's cluster: its text was recorded when
    the word was shaped (_record_merged_marks)."""
    start = data[base].cluster
    inside = [m for m in group if data[m].cluster == start]
    after = [(data[m].cluster, reads[m]) for m in group if data[m].cluster != start]
    if any(text is None for _, text in after):
        return None  # a mark of its own cluster whose text is not known
    if inside:
        members = [(font, codes[i], start, data[i]) for i in [base, *inside]]
        sig = _mark_signature(members)
        merged = _MERGED.get((_face_key(font), *sig)) if sig else None
        return merged and merged + "".join(text for _, text in after)
    if reads[base] is None:
        return None
    return _in_source_order(start, reads[base], after)


def _in_source_order(start: int, letters: str, marks: list[tuple[int, str]]) -> str:
    """A glyph's letters (from character `start` of the word) and its marks (each at its
    own character index) in the word's order: a mark on the lam of a lam-alef ligature
    comes between the two letters."""
    taken = {at for at, _ in marks}
    placed, at = [], start
    for ch in letters:
        while at in taken:
            at += 1
        placed.append((at, ch))
        at += 1
    return "".join(text for _, text in sorted(placed + marks))


# private codes A28 may give one face, at most: ReportLab's private range ends at U+F800
# (6,144 codes, shared with the positional forms), and past it fails with an AssertionError
_COMBINED_MOST = 2_000
_COMBINED_COUNT: dict[str, int] = {}


def _combined_code(font, code: int, text: str, capped: bool = True) -> int | None:
    """A code of its own that draws the glyph of `code` and whose ToUnicode is `text`;
    None once the face has been given _COMBINED_MOST of them (text made to exhaust them:
    the glyph keeps its own code, its marks stay text). `capped=False` for the joiners'
    few codes, which must never run out."""
    face = font.face
    gid = face.charToGlyph[code]
    key = (_face_key(font), gid, text)
    found = _COMBINED.get(key)
    if found is not None and face.charToGlyph.get(found) == gid:
        return found
    if capped:
        if _COMBINED_COUNT.get(key[0], 0) >= _COMBINED_MOST:
            return None
        _COMBINED_COUNT[key[0]] = _COMBINED_COUNT.get(key[0], 0) + 1
    new = font.hbAddPrivate(f"pdfgen:{gid}:{text}", gid, 0)
    face.charWidths[new] = face.charWidths[code]  # drawn as wide as the glyph it shows
    _GLYPH_TEXT.setdefault(_face_key(font), {})[new] = text
    _COMBINED[key] = new
    return new


def lift_marks(piece):
    """A shaped piece with its combining marks taken out of the text (A28): each mark's base
    glyph is drawn with a code of its own that reads as the base and its marks, and the
    marks come back as (across, up, glyph) from where the piece starts (points, without
    the piece's rise), to be drawn as outlines. None when the piece has no mark to lift.

    Why: a mark is a glyph of no width drawn over its letter; pdftotext puts a raised
    mark in a line of its own or after the space, pdfium puts it before its word. Drawn
    as a shape, with its text in its letter's, every reader reads the two in order."""
    text = piece.text
    data = getattr(text, "__shapeData__", None)
    if not data or len(data) != len(text):
        return None
    font = pdfmetrics.getFont(piece.fontName)
    if not hasattr(font, "hbAddPrivate"):
        return None
    codes = [ord(ch) for ch in text]
    reads = [_reads_as(font, code) for code in codes]
    known = [0 <= d.cluster < 0x7FFFFFFF for d in data]
    marks = [i for i, d in enumerate(data)
             if known[i] and d.x_advance == 0
             and (_is_mark(reads[i]) or (reads[i] is None and _stand_in(codes[i])))]
    if not marks:
        return None
    bases = [i for i in range(len(codes)) if known[i] and i not in marks]
    groups: dict[int, list[int]] = {}
    for m in marks:  # a mark's letter: the nearest glyph at or before it in the text
        below = [b for b in bases if data[b].cluster <= data[m].cluster]
        if below:
            groups.setdefault(max(below, key=lambda b: data[b].cluster), []).append(m)
    texts = {}
    for base, group in groups.items():
        group.sort(key=lambda m: data[m].cluster)
        texts[base] = _group_text(font, base, group, codes, reads, data)
    # right-to-left text only: a left-to-right script's marks (Devanagari's vowel signs,
    # some drawn before their letter) read back in order as they are
    groups = {b: g for b, g in groups.items() if texts[b] and has_rtl(texts[b])}
    if not groups:
        return None
    pen, at = [], 0.0
    for step in _advances(text, piece.fontName, data):
        pen.append(at)
        at += step
    scale = piece.fontSize / 1000
    new_codes, lifted, dropped = list(codes), [], set()
    for base, group in groups.items():
        logical = texts[base]
        # read right to left as the line's letters are (A26)
        own = _combined_code(font, codes[base],
                             logical[::-1] if has_rtl(logical) else logical)
        if own is None:  # no code left for it: the marks stay text
            continue
        new_codes[base] = own
        for m in group:
            dropped.add(m)
            lifted.append(((pen[m] + data[m].x_offset) * scale, data[m].y_offset * scale,
                           font.face.charToGlyph[codes[m]]))
    if not dropped:
        return None
    keep = [i for i in range(len(codes)) if i not in dropped]
    shown = ttfonts.ShapedStr("".join(chr(new_codes[i]) for i in keep),
                              shapeData=[data[i] for i in keep])
    return with_text(piece, shown), lifted


def marks_callback(label):
    """A fragment of no width that calls the canvas's MARKS_CALLBACK with `label` (A28)."""
    from reportlab.lib.abag import ABag

    return ABag(cbDefn=ABag(kind="onDraw", name=MARKS_CALLBACK, label=label), text="")


def _advances(text, font_name: str, data) -> list[float]:
    """How far each glyph of a ShapedStr moves the pen, per 1000 em (A28): `_formatText`
    draws a glyph (moving by its /Widths entry) and then moves by `width - x_advance`, so a
    shaped glyph moves by `x_advance` and a plain character ReportLab joined to a shaped
    string (placeholder data, all 0) by its own width."""
    font = pdfmetrics.getFont(font_name)
    return [d.x_advance + font.stringWidth(str(ch), 1000) - d.width
            for ch, d in zip(text, data, strict=False)]


def advance(piece) -> float:
    """How far drawing a line's piece moves along the line (points): a shaped string by its
    glyphs' advances (A28), other text by its width, a callback not at all."""
    text = getattr(piece, "text", "")
    if not text:
        return 0.0
    data = getattr(text, "__shapeData__", None)
    if data:
        return sum(_advances(text, piece.fontName, data)) * piece.fontSize / 1000
    return pdfmetrics.stringWidth(text, piece.fontName, piece.fontSize)


def shifted(piece, shift: float):
    """A29: `piece` drawn `shift` points right of where it stands, the pen moving as before
    (so a piece drawn after it in the stream can sit to its left): a ShapedStr each of
    whose glyphs has its `x_offset` moved. None for a font that is not shapable (its
    text is written without offsets)."""
    font = pdfmetrics.getFont(piece.fontName)
    text = getattr(piece, "text", "")
    if not text or not getattr(font, "shapable", False):
        return None
    data = getattr(text, "__shapeData__", None)
    if data is None:  # plain text: one glyph per character, at its own width
        widths = [pdfmetrics.stringWidth(ch, piece.fontName, 1000) for ch in text]
        data = [ttfonts.ShapeData(i, w, 0, 0, 0, w) for i, w in enumerate(widths)]
    move = shift / piece.fontSize * 1000
    return with_text(piece, ttfonts.ShapedStr(
        str(text), shapeData=[d._replace(x_offset=d.x_offset + move) for d in data]))


def joined(pieces: list) -> list:
    """Shaped pieces of one font, size and colour joined into one (A25: `ShapedStr` + keeps
    the shape data), so they are written by one operator; others as they are."""
    out: list = []
    for piece in pieces:
        last = out[-1] if out else None
        if last is not None and is_shaped(last) and is_shaped(piece) \
                and (last.fontName, last.fontSize, last.textColor, last.rise) \
                == (piece.fontName, piece.fontSize, piece.textColor, piece.rise):
            out[-1] = with_text(last, last.text + piece.text)
        else:
            out.append(piece)
    return out


def canvas_font(canv) -> tuple[str, float]:
    """The canvas's current font and size (A28: `setFont` keeps them in `_fontname`,
    `_fontsize`)."""
    return canv._fontname, canv._fontsize


def line_pieces(para) -> list[list]:
    """Each line's pieces of a wrapped kind-1 paragraph, as they will be drawn (A20)."""
    return [line.words for line in para.blPara.lines]


def word_space(canv) -> float:
    """Inside a MARKS_CALLBACK: the line's word spacing (Tw: ReportLab's right-aligned line
    a little too wide is squeezed so, A28), added to each space (code 32) drawn."""
    return getattr(canv._curr_tx_info["tx"], "_wordSpace", 0) or 0


def text_position(canv) -> tuple[float, float]:
    """Inside a MARKS_CALLBACK: where on the line's baseline the next fragment starts."""
    info = canv._curr_tx_info
    return info["cur_x"], info["cur_y"]


def _tenths(point: tuple[float, float]) -> tuple[float, float]:
    return round(point[0], 1), round(point[1], 1)


class _Pen:
    """A glyph's outline as path operators in font units (uharfbuzz's pen protocol)."""

    def __init__(self):
        self.ops: list = []
        self.at = (0.0, 0.0)

    def moveTo(self, p):  # noqa: N802 (the pen protocol's names)
        self.ops.append(("m", p))
        self.at = p

    def lineTo(self, p):  # noqa: N802
        self.ops.append(("l", p))
        self.at = p

    def curveTo(self, *pts):  # noqa: N802
        for i in range(0, len(pts) - 2, 3):
            self.ops.append(("c", pts[i], pts[i + 1], pts[i + 2]))
        self.at = pts[-1]

    def qCurveTo(self, *pts):  # noqa: N802
        # TrueType quadratics (implied on-curve points between off-curve ones) as cubics,
        # their control points to a tenth of a font unit (a 2048-unit em at 12 pt: 0.0006 pt)
        *offs, end = pts
        start = self.at
        for i, c in enumerate(offs):
            nxt = end if i == len(offs) - 1 else ((c[0] + offs[i + 1][0]) / 2,
                                                  (c[1] + offs[i + 1][1]) / 2)
            c1 = (start[0] + 2 / 3 * (c[0] - start[0]), start[1] + 2 / 3 * (c[1] - start[1]))
            c2 = (nxt[0] + 2 / 3 * (c[0] - nxt[0]), nxt[1] + 2 / 3 * (c[1] - nxt[1]))
            self.ops.append(("c", _tenths(c1), _tenths(c2), nxt))
            start = nxt
        self.at = end

    def closePath(self):  # noqa: N802
        self.ops.append(("h",))

    def endPath(self):  # noqa: N802
        pass


def glyph_outline(font_name: str, gid: int) -> tuple[float, list]:
    """(units per em, path operators in font units) of one glyph of a registered TTFont."""
    import uharfbuzz

    font = pdfmetrics.getFont(font_name)
    key = (_face_key(font), gid)
    ops = _OUTLINES.get(key)
    if ops is None:
        pen = _Pen()
        uharfbuzz.Font(font.hbFace).draw_glyph_with_pen(gid, pen)
        ops = _OUTLINES[key] = pen.ops
    return font.hbFace.upem, ops


def draw_outline(canv, font_name: str, size: float, gid: int, x: float, y: float) -> None:
    """Fill one glyph's outline with the canvas's fill colour, its origin at (x, y): the path
    in the font's own units under a scaling transform, so each use of a mark writes the
    same bytes (and the page's compression takes the repeats)."""
    from reportlab.pdfgen.canvas import FILL_NON_ZERO

    upem, ops = glyph_outline(font_name, gid)
    if not ops:
        return
    k = size / upem
    canv.saveState()
    canv.transform(k, 0, 0, k, x, y)
    path = canv.beginPath()
    for op in ops:
        if op[0] == "m":
            path.moveTo(*op[1])
        elif op[0] == "l":
            path.lineTo(*op[1])
        elif op[0] == "c":
            path.curveTo(*op[1], *op[2], *op[3])
        else:
            path.close()
    canv.drawPath(path, stroke=0, fill=1, fillMode=FILL_NON_ZERO)
    canv.restoreState()


def shape_word(word: str, font_name: str, size: float) -> str:
    """One word shaped for drawing on the canvas (A22): unchanged for an unshaped font."""
    if not getattr(pdfmetrics.getFont(font_name), "shapable", False):
        return word
    return ttfonts.shapeStr(word, font_name, size)
