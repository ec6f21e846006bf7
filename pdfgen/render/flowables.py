"""Small typed flowables: each content piece knows its role and language; containers split
cleanly."""

from __future__ import annotations

import unicodedata
from contextlib import contextmanager

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_JUSTIFY
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from . import rl
from .rtl import char_levels, has_rtl, visual_order, word_level

EPS = 1e-6


@contextmanager
def furniture(canv, kind: str = "layout"):
    """Draw page decoration (fills, bars, rules) with the canvas told it is not content.

    kind: "layout" (panels, rules, lines) or "footer" (the running footer).
    """
    hook = getattr(canv, "furniture", None)  # HandoutCanvas has it; a plain canvas does not
    if hook:
        hook(True, kind)
    canv.saveState()
    try:
        yield
    finally:
        canv.restoreState()
        if hook:
            hook(False, kind)


class _Run:
    """A shaped run about to be drawn on the canvas, as rl.lift_marks takes a piece."""

    rise = 0

    def __init__(self, text, font_name: str, size: float):
        self.text, self.fontName, self.fontSize = text, font_name, size


def draw_string(canv, x: float, y: float, text) -> None:
    """`canv.drawString`, with a shaped word's combining marks drawn as outlines and their
    text read with their letters (rl.py A28), as paragraphs draw them."""
    lifted = rl.lift_marks(_Run(text, *rl.canvas_font(canv)))  # None unless shaped
    if lifted is None:
        canv.drawString(x, y, text)
        return
    shown, marks = lifted
    canv.drawString(x, y, shown.text)
    _draw_outlines(canv, [(x, y, shown, marks)])


def _draw_outlines(canv, drawn: list) -> None:
    """Lifted marks, (x, y, piece, marks) each, as shapes in the piece's fill colour (the
    canvas's, for canvas text); page furniture, for their text is read with their
    letters."""
    with furniture(canv):
        for x, y, piece, marks in drawn:
            color = getattr(piece, "textColor", None)
            if color is not None:
                canv.setFillColor(color)
            for across, up, gid in marks:
                rl.draw_outline(canv, piece.fontName, piece.fontSize, gid, x + across,
                                y + (piece.rise or 0) + up)


@contextmanager
def tagged(canv, owner, part):
    """Text drawn inside is `part` of `owner`'s structure element (when the canvas tags)."""
    hook = getattr(canv, "tag_part", None)
    if hook is None:
        yield
        return
    with hook(owner, part):
        yield


class Para(rl.TreeParagraph):
    """A paragraph that knows what it is (role: H1, H2, P, LI, CHECK) and its language.

    Pieces made by splitting keep the role, language and element id, so a
    paragraph broken across pages or columns stays one element for tagging.
    """

    role = "P"
    lang = ""
    elem = 0  # id of the content element this piece belongs to
    first = True  # False for the continuation pieces of a split
    last = True  # False for the pieces before the last one

    _wrapped_at = None

    def wrap(self, availWidth, availHeight):
        # Line breaking depends on the width only; columns measure each piece more
        # than once (to size a row, to split it, to draw it), so break lines once.
        if self._wrapped_at == availWidth and rl.is_wrapped(self):
            return self.width, self.height
        if "pdfgen_source" not in self.__dict__:  # before wrap empties it (kind 1)
            self.pdfgen_source = rl.source_text(self)
        size = super().wrap(availWidth, availHeight)
        self._wrapped_at = availWidth
        return size

    def breakLinesCJK(self, maxWidths):
        return rl.break_lines_cjk(self, maxWidths)  # kinsoku shori: see rl.NO_START

    def split(self, availWidth, availHeight):
        if self.rtl_words is not None and not rl.is_wrapped(self):
            self.wrap(availWidth, availHeight)
        counts = rl.line_word_counts(self) if self.rtl_words is not None else []
        parts = super().split(availWidth, availHeight)
        start = 0
        for i, part in enumerate(parts):
            part.role, part.lang, part.elem = self.role, self.lang, self.elem
            part.first = self.first and i == 0
            part.last = self.last and i == len(parts) - 1
            part.__dict__.update({k: v for k, v in self.__dict__.items() if k.startswith("x_")})
            if self.rtl_words is not None:  # each piece its own lines' words
                part.wrap(availWidth, availHeight)
                lines = len(rl.line_word_counts(part))
                n = sum(counts[:lines]) if i == 0 else len(self.rtl_words) - start
                part.rtl_words = self.rtl_words[start:start + n]
                part.rtl_base = self._rtl_base()  # the whole paragraph's
                counts = counts[lines:]
                start += n
        return parts

    # -- right to left: words in display order per line, bullets and boxes at the right ----
    rtl_words: list[str] | None = None  # an RTL paragraph's words, in logical order
    # its direction (rule P2, from the whole paragraph: None until first asked): a line of
    # only a number, wrapped from an Arabic sentence, is still right to left
    rtl_base: bool | None = None
    rtl_bullet: str | None = None  # its bullet, drawn at the right (not ReportLab's)

    def _rtl_base(self) -> bool:
        if self.rtl_base is None:
            self.rtl_base = has_rtl(" ".join(self.rtl_words or []))
        return self.rtl_base

    def _rtl_reorder(self) -> list:
        """Put each line's words in display order (render/rtl.py); returns the undo."""
        if not rl.is_kind1(self):
            return []
        words = self.rtl_words or []
        base = self._rtl_base()
        lines, pos = [], 0
        for line_tokens in rl.line_tokens(self):
            line = words[pos:pos + len(line_tokens)]
            pos += len(line_tokens)
            lines.append(_display_pieces(line_tokens, line, base)
                         if len(line) == len(line_tokens) else None)
        return rl.set_lines(self, lines)

    def _draw_rtl_bullet(self) -> None:
        st = self.style
        size = st.bulletFontSize
        width = stringWidth(self.rtl_bullet, st.bulletFontName, size)
        x = self.width - st.bulletIndent - width
        canv = self.canv
        tx = canv.beginText(x, self.height - st.fontSize)
        tx.setFont(st.bulletFontName, size)
        tx.setFillColor(getattr(st, "bulletColor", None) or st.textColor)
        tx.textOut(self.rtl_bullet)
        canv.drawText(tx)

    def _lift_marks(self) -> tuple[list, list]:
        """Take each shaped word's combining marks out of its text, to be drawn as outlines
        (rl.py A28): their text goes with their letter's. Returns (the undo, a list the
        canvas callback fills with (x, y, piece, marks) as the lines are drawn)."""
        drawn: list = []
        if not rl.is_kind1(self) or self.style.alignment == TA_JUSTIFY:
            return [], drawn
        lines = []
        for line in rl.line_pieces(self):
            pieces, marked = [], []
            for piece in line:
                lifted = rl.lift_marks(piece) if rl.is_shaped(piece) else None
                if lifted is not None:
                    piece, marks = lifted
                    marked.append((len(pieces), marks))
                pieces.append(piece)
            # one callback where the line starts: ReportLab's running x counts a shaped
            # word by its glyphs' widths, not by how far it moves (A28)
            lines.append([rl.marks_callback((pieces, marked)), *pieces] if marked else None)
        if not any(lines):
            return [], drawn

        def seen(canv, _kind, label):
            x, y = rl.text_position(canv)
            space = rl.word_space(canv)
            pieces, marked = label
            starts = [x]
            for piece in pieces:
                spaces = str(rl.piece_text(piece)).count(" ") if space else 0
                starts.append(starts[-1] + rl.advance(piece) + space * spaces)
            drawn.extend((starts[i], y, pieces[i], marks) for i, marks in marked)

        self.canv.setNamedCB(rl.MARKS_CALLBACK, seen)
        return rl.set_lines(self, lines), drawn

    def _draw_marks(self, drawn: list) -> None:
        if drawn:
            _draw_outlines(self.canv, drawn)

    def draw(self):
        tagger = getattr(self.canv, "tagger", None)
        rtl = self.rtl_words is not None
        undo = self._rtl_reorder() if rtl else []
        lifted, drawn = self._lift_marks() if rtl else ([], [])
        try:
            if tagger is None:  # not a tagging HandoutCanvas
                if rtl and self.first and self.rtl_bullet:
                    self._draw_rtl_bullet()
                super().draw()
                self._draw_marks(drawn)
                return
            tagger.begin_piece(self)
            if rtl and self.first and self.rtl_bullet:
                self._draw_rtl_bullet()
            # each line's last word keeps its space, so tagged text reads "your lower back"
            saved = [] if rtl else rl.pad_line_ends(self, all_lines=not self.last)
            try:
                super().draw()
            finally:
                rl.unpad_line_ends(self, saved)
                tagger.end_piece()
            self._draw_marks(drawn)
        finally:
            rl.restore_lines(lifted)
            rl.restore_lines(undo)


def _word_runs(token: list, word: str, levels: list[int]) -> list[tuple[list, int]]:
    """A shaped word whose characters are at more than one bidi level, as units of one
    level each, in logical order: a shaped piece cut by its glyphs' clusters (rl.py A25;
    a cluster counts from the start of the word it was shaped in), a piece drawn as its
    own letters cut by position."""
    runs: list[tuple[object, int, int]] = []
    at = 0
    for piece in token:
        if rl.is_shaped(piece) and rl.clusters_known(piece, len(levels)):
            found = rl.level_runs(piece, levels)
            runs += found
            at = max(at, max(first for *_, first in found) + 1)
            continue
        chars = rl.piece_text(piece)
        where = word.find(chars, at) if chars else at
        if where < 0 and chars and word.find(chars[::-1], at) >= 0:
            # shaped right to left with nothing to position: ReportLab keeps the glyphs
            # (reversed, in display order) as plain text
            chars, where = chars[::-1], word.find(chars[::-1], at)
        if where < 0:  # glyph codes that are not the word's letters: move it whole
            runs.append((piece, word_level(word, levels, True), at))
            at += len(chars)
            continue
        at = where
        i = 0
        while i < len(chars):
            j = i
            while j < len(chars) and levels[min(at + j, len(levels) - 1)] == \
                    levels[min(at + i, len(levels) - 1)]:
                j += 1
            level = levels[min(at + i, len(levels) - 1)]
            run = chars[i:j] if level % 2 == 0 else chars[i:j][::-1]
            runs.append((rl.with_text(piece, run), level, at + i))
            i = j
        if not chars:  # a callback: where it is
            runs.append((piece, levels[min(at, len(levels) - 1)], at))
        at += len(chars)
    runs.sort(key=lambda r: r[2])
    return [([piece], level) for piece, level, _ in runs]


def _display_pieces(tokens: list[list], words: list[str], base: bool = True) -> list:
    """One right-to-left line's pieces, left to right: the line's words (`tokens`, with their
    source text `words`) ordered by the bidi levels of the line's text (rule L2). A shaped
    word moves as a whole (its glyphs are in visual order already); a word drawn as its
    own letters (a number, a web address, with the punctuation after it) is cut where the
    level changes, so "4038." ends a sentence with its full stop at the left."""
    text = " ".join(words)
    # a paragraph with no right-to-left letter at all (a street address, a web address)
    # reads left to right (the bidi algorithm's rule P2: `base`, from the whole paragraph)
    levels = char_levels(text, rtl=base)
    units: list[tuple[list, int]] = []
    pos = 0
    for t, (token, word) in enumerate(zip(tokens, words, strict=True)):
        if not any(rl.is_shaped(p) for p in token) and \
                "".join(rl.piece_text(p) for p in token) == word:
            at = pos
            for piece in token:
                chars = rl.piece_text(piece)
                if not chars:  # a callback: where it is
                    units.append(([piece], levels[min(at, len(levels) - 1)]))
                i = 0
                while i < len(chars):
                    j = i
                    while j < len(chars) and levels[at + j] == levels[at + i]:
                        j += 1
                    run = chars[i:j] if levels[at + i] % 2 == 0 else chars[i:j][::-1]
                    units.append(([rl.with_text(piece, run)], levels[at + i]))
                    i = j
                at += len(chars)
        else:
            at_word = levels[pos:pos + len(word)]
            if len(set(at_word)) == 1:  # one direction: the word moves as a whole
                units.append((token, at_word[0]))
            else:  # a number and its full stop, say: each run at its own level
                units += _word_runs(token, word, at_word)
        pos += len(word)
        if t + 1 < len(tokens):  # the space after the word, at its own level
            units.append(([rl.with_text(token[-1], " ")], levels[pos]))
            pos += 1
    order = visual_order([level for _, level in units])
    return _stream_order([units[i] for i in order])


def _neutral(piece) -> bool:
    text = rl.piece_text(piece)
    return bool(text.strip()) and all(
        unicodedata.bidirectional(ch) in ("CS", "ON", "ES", "ET", "WS") for ch in text)


def _stream_order(units: list[tuple[list, int]]) -> list:
    """The pieces of a right-to-left line, left to right, in the order they are drawn.
    Where the line ends (its left end) with punctuation after a number ("817-697-4038."
    shows as ".817-697-4038"), the number is drawn first and the stop after it, moved to
    its left (rl.py A29): readers that take the drawing order for the text's (pdfium)
    otherwise read the stop before the number."""
    pieces = [piece for unit, _ in units for piece in unit]
    lead = 0
    while lead < len(units) and units[lead][1] % 2 and all(_neutral(p) for p in units[lead][0]):
        lead += 1
    if not lead or lead == len(units) or units[lead][1] % 2:
        return pieces
    end = lead  # the left-to-right run: every unit of an even level from there ("abc def")
    while end < len(units) and units[end][1] % 2 == 0:
        end += 1
    stops = [piece for unit, _ in units[:lead] for piece in unit]
    run = [piece for unit, _ in units[lead:end] for piece in unit]
    rest = [piece for unit, _ in units[end:] for piece in unit]
    if any(unicodedata.bidirectional(ch) == "L" for p in run for ch in rl.piece_text(p)):
        # Latin letters first in the stream would make pdfium take the whole line for
        # left to right: only a number (digits are weak) is moved ahead of its stop
        return pieces
    # one piece, so one text-showing operator: pdfium reads a stop drawn by an operator of
    # its own, left of the one before, as coming first. The stop takes the run's face and
    # size (a full stop after a bold number is drawn bold) when its font has the glyphs.
    face = run[-1]
    if all(p.fontName == face.fontName and p.fontSize == face.fontSize
           and p.textColor == face.textColor for p in run) \
            and all(p.textColor == face.textColor
                    and set(map(ord, rl.piece_text(p))) <= rl.charmap(face.fontName)
                    for p in stops):
        stops = [rl.with_text(face, str(rl.piece_text(p))) for p in stops]
    stops_width = sum(rl.advance(p) for p in stops)
    run_width = sum(rl.advance(p) for p in run)
    moved = [rl.shifted(p, stops_width) for p in run] + [rl.shifted(p, -run_width) for p in stops]
    if any(p is None for p in moved):
        return pieces
    return rl.joined(moved) + rest


class Heading(Para):
    """A heading: kept with what follows, and a bookmark in the PDF outline for its language."""

    role = "H2"

    def draw(self):
        if self.first:
            register = getattr(self.canv, "add_heading", None)
            if register is not None:
                register(self, self.height)
        super().draw()


class CheckItem(Para):
    """A checklist row: a square drawn as a graphic (no font glyph needed) left of the text."""

    role = "CHECK"

    def draw(self):
        if self.first:
            st = self.style
            size = st.fontSize * 0.9
            base = self.height - st.fontSize
            x = st.leftIndent - size - st.fontSize * 0.55
            if self.rtl_words is not None:  # the box at the right of a right-to-left item
                x = self.width - st.rightIndent + st.fontSize * 0.55
            canv = self.canv
            label = getattr(canv, "tag_label", None)  # the box is the item's Lbl when tagging
            bdc = label(self) if label else ""
            if bdc:
                canv.addLiteral(bdc)
            canv.saveState()
            canv.setStrokeColor(HexColor(self.x_box_color))
            canv.setLineWidth(1.2)
            canv.rect(x, base - st.fontSize * 0.12, size, size, stroke=1, fill=0)
            canv.restoreState()
            if bdc:
                canv.addLiteral("EMC")
        super().draw()


def _fit(items: list[Flowable], width: float, height: float
         ) -> tuple[list[tuple[Flowable, float]], list[Flowable]]:
    """Place items top-down into width x height: (placed with heights, what is left over).

    A paragraph that does not fit is split; a heading (keepWithNext) never ends
    a piece while something follows it.
    """
    placed: list[tuple[Flowable, float]] = []
    rest: list[Flowable] = []
    y = 0.0
    fragment = False  # the last piece placed is the first part of a split item
    for i, item in enumerate(items):
        gap = _gap(placed[-1][0], item) if placed else 0.0
        avail = height - y - gap
        _, h = item.wrap(width, max(avail, 0))
        if h <= avail + EPS:
            placed.append((item, h))
            y += gap + h
            continue
        parts = item.split(width, avail) if avail > 0 else []
        if len(parts) >= 2:
            _, h0 = parts[0].wrap(width, avail)
            if h0 <= avail + EPS:
                placed.append((parts[0], h0))
                fragment = True
                rest = list(parts[1:]) + list(items[i + 1:])
                break
        rest = list(items[i:])
        break
    # A heading moves on with what follows it; but the first part of a heading too tall for
    # a page stays (moving it would leave nothing placed, on every page: a LayoutError).
    while placed and rest and placed[-1][0].getKeepWithNext() and not fragment:
        rest.insert(0, placed.pop()[0])
    return placed, rest


def _gap(prev: Flowable, cur: Flowable) -> float:
    return prev.getSpaceAfter() + cur.getSpaceBefore()


def _stack_height(items: list[tuple[Flowable, float]]) -> float:
    total = sum(h for _, h in items)
    total += sum(_gap(a[0], b[0]) for a, b in zip(items, items[1:], strict=False))
    return total


def _draw_stack(canv, items: list[tuple[Flowable, float]], x: float, top: float) -> None:
    y = top
    for i, (item, h) in enumerate(items):
        if i:
            y -= _gap(items[i - 1][0], item)
        y -= h
        item.drawOn(canv, x, y)


class Keep:
    """How a container keeps together: whole on the next page when it fits a page (it splits
    only when taller than a whole page); `whole_items`, it splits only between its items, and
    leaves no piece under `least` points (two lines) on either side."""

    def __init__(self, page_height: float, least: float = 0.0, whole: bool = True,
                 whole_items: bool = True):
        self.page_height, self.least = page_height, least
        self.whole, self.whole_items = whole, whole_items

    def at_top(self, height: float) -> bool:
        """Is `height` a whole page (so moving on cannot help)?"""
        return height >= self.page_height - EPS

    def holds(self, flowable, width: float, height: float) -> bool:
        """Should `flowable`, too tall for `height`, move on whole rather than split?"""
        if not self.whole:
            return False
        _, h = flowable.wrap(width, self.page_height)
        return h <= self.page_height + EPS and height < self.page_height - EPS


def _fit_whole(items: list[Flowable], width: float, height: float, least: float,
               top: bool) -> tuple[list[tuple[Flowable, float]], list[Flowable]]:
    """Like _fit, but items are never split, a heading or intro (keepWithNext) never ends
    the first piece, and the piece left over is at least `least` tall (else the last item
    placed moves on with it). When not even one item can be placed: nothing, so the whole
    moves to the next page; at the top of a page (`top`), _fit's split of the first item."""
    placed: list[tuple[Flowable, float]] = []
    y = 0.0
    for item in items:
        gap = _gap(placed[-1][0], item) if placed else 0.0
        _, h = item.wrap(width, 1e9)
        if y + gap + h > height + EPS:
            break
        placed.append((item, h))
        y += gap + h
    rest = list(items[len(placed):])

    def rest_height() -> float:
        return sum(f.wrap(width, 1e9)[1] for f in rest)

    while placed and rest and (placed[-1][0].getKeepWithNext() or rest_height() < least - EPS):
        rest.insert(0, placed.pop()[0])
    if not placed:
        return _fit(items, width, height) if top else ([], list(items))
    return placed, rest


class Box(Flowable):
    """A vertical run of flowables, optionally on a tinted panel with a colored bar at the left.

    Splits between (or inside) its items, so a long risks list flows across pages;
    the panel is page furniture, drawn before its content.
    """

    def __init__(self, items, pad=0.0, fill=None, bar=None, bar_width=0.0, space_before=0.0,
                 space_after=0.0, keep: Keep | None = None, border=None, border_width=0.0,
                 rtl: bool = False):
        super().__init__()
        self.items = list(items)
        self.rtl = rtl  # the bar at the right (a right-to-left column's panel)
        self.pad = pad
        self.fill = fill
        self.bar = bar
        self.bar_width = bar_width
        self.border, self.border_width = border, border_width
        self.spaceBefore = space_before
        self.spaceAfter = space_after
        self.keep = keep
        self._placed: list[tuple[Flowable, float]] = []

    def _inner(self, width: float) -> float:
        return width - 2 * self.pad - self.bar_width - 2 * self.border_width

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        placed, rest = _fit(self.items, self._inner(availWidth), 1e9)
        assert not rest
        self._placed = placed
        self.height = _stack_height(placed) + 2 * (self.pad + self.border_width)
        return self.width, self.height

    def _copy(self, items, space_before, space_after):
        return Box(items, self.pad, self.fill, self.bar, self.bar_width, space_before, space_after,
                   self.keep, self.border, self.border_width, self.rtl)

    def split(self, availWidth, availHeight):
        if self.keep and self.keep.holds(self, availWidth, availHeight):
            return []  # on to the next page, whole
        inner, room = self._inner(availWidth), availHeight - 2 * (self.pad + self.border_width)
        if self.keep and self.keep.whole_items:
            placed, rest = _fit_whole(self.items, inner, room, self.keep.least,
                                      self.keep.at_top(availHeight))
        else:
            placed, rest = _fit(self.items, inner, room)
        if not placed or not rest:
            return []
        return [self._copy([f for f, _ in placed], self.spaceBefore, 0),
                self._copy(rest, 0, self.spaceAfter)]

    def draw(self):
        canv = self.canv
        if self.fill or self.bar or self.border:
            with furniture(canv):
                if self.fill:
                    canv.setFillColor(HexColor(self.fill))
                    canv.rect(0, 0, self.width, self.height, stroke=0, fill=1)
                if self.bar:
                    canv.setFillColor(HexColor(self.bar))
                    canv.rect(self.width - self.bar_width if self.rtl else 0, 0,
                              self.bar_width, self.height, stroke=0, fill=1)
                if self.border:
                    half = self.border_width / 2
                    canv.setStrokeColor(HexColor(self.border))
                    canv.setLineWidth(self.border_width)
                    canv.rect(half, half, self.width - self.border_width,
                              self.height - self.border_width, stroke=1, fill=0)
        edge = self.border_width
        _draw_stack(canv, self._placed, self.pad + (0 if self.rtl else self.bar_width) + edge,
                    self.height - self.pad - edge)


class Columns(Flowable):
    """Languages side by side: one column per language, top-aligned, splitting in step.

    One Columns holds one block (a section, the risks...), so each section's
    Spanish starts level with its English however long either one runs.
    """

    def __init__(self, columns, gap, space_before=0.0, keep: Keep | None = None):
        super().__init__()
        self.columns = [list(col) for col in columns]
        self.gap = gap
        self.spaceBefore = space_before
        self.keep = keep
        self._placed: list[list[tuple[Flowable, float]]] = []

    def _col_width(self, width: float) -> float:
        n = len(self.columns)
        return (width - self.gap * (n - 1)) / n

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        cw = self._col_width(availWidth)
        self._placed = [_fit(col, cw, 1e9)[0] for col in self.columns]
        self.height = max(_stack_height(p) for p in self._placed)
        return self.width, self.height

    def split(self, availWidth, availHeight):
        keep = self.keep
        if keep and keep.holds(self, availWidth, availHeight):
            return []  # on to the next page, whole
        cw = self._col_width(availWidth)
        top = keep is not None and keep.at_top(availHeight)
        if keep and keep.whole_items:
            fits = [_fit_whole(col, cw, availHeight, keep.least, top) for col in self.columns]
        else:
            fits = [_fit(col, cw, availHeight) for col in self.columns]
        if not any(placed for placed, _ in fits) or not any(rest for _, rest in fits):
            return []
        if not top and any(col and not placed for col, (placed, _) in zip(self.columns, fits,
                                                                            strict=True)):
            # one language would start here and the other on the next page: both move on
            return []
        first = Columns([[f for f, _ in placed] for placed, _ in fits], self.gap,
                        self.spaceBefore, keep)
        second = Columns([rest for _, rest in fits], self.gap, 0.0, keep)
        return [first, second]

    def draw(self):
        cw = self._col_width(self.width)
        for i, placed in enumerate(self._placed):
            _draw_stack(self.canv, placed, i * (cw + self.gap), self.height)


class RuledLines(Flowable):
    """Writing lines for the patient's own notes (page furniture)."""

    def __init__(self, count, spacing, color, space_before=0.0, page_height=0.0):
        super().__init__()
        self.count = count
        self.spacing = spacing
        self.color = color
        self.spaceBefore = space_before
        self.page_height = page_height  # taller than this, the lines split (else they never do)

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self.height = self.count * self.spacing
        return self.width, self.height

    def split(self, availWidth, availHeight):
        # the lines stay together (4 + 1 lines read as two places to write), unless there are
        # more than a page holds
        fit = int((availHeight + EPS) // self.spacing)
        if self.count * self.spacing <= self.page_height or fit < 2 or fit >= self.count:
            return []
        return [RuledLines(fit, self.spacing, self.color, self.spaceBefore, self.page_height),
                RuledLines(self.count - fit, self.spacing, self.color, 0.0, self.page_height)]

    def draw(self):
        canv = self.canv
        with furniture(canv):
            canv.setStrokeColor(HexColor(self.color))
            canv.setLineWidth(0.75)
            for i in range(self.count):
                y = self.height - (i + 1) * self.spacing + 2
                canv.line(0, y, self.width, y)


class FillPageIfEven(Flowable):
    """Placed right after a page break: takes a whole even page, so what follows starts odd.

    The page it takes says so in the middle ("This page is intentionally blank."), as page
    furniture: a reader of the printout knows nothing is missing; a screen reader skips it.
    """

    def __init__(self, note: str = "", font: str = "", size: float = 12, color: str = "#333333",
                 fonts=None):
        super().__init__()
        self.note, self.font, self.size, self.color = note, font, size, color
        self.fonts = fonts  # the note's FontStack, when its language needs more than `font`

    def wrap(self, availWidth, availHeight):
        even = self.canv.getPageNumber() % 2 == 0
        self.width = availWidth
        self.height = availHeight - EPS if even else 0
        return self.width, self.height

    def draw(self):
        if not self.height or not self.note:
            return
        with furniture(self.canv):
            self.canv.setFillColor(HexColor(self.color))
            runs = self.fonts.visual_runs(self.note, "regular") if self.fonts else []
            if len(runs) <= 1 and not (self.fonts and self.fonts.rtl):
                font = runs[0][1].regular if runs else self.font
                self.canv.setFont(font, self.size)
                self.canv.drawCentredString(self.width / 2, self.height / 2, self.note)
                return
            x = (self.width - self.fonts.visual_width(self.note, "regular", self.size)) / 2
            for run, fam in runs:
                self.canv.setFont(fam.regular, self.size)
                draw_string(self.canv, x, self.height / 2, run)
                x += stringWidth(run, fam.regular, self.size)


class LangMark(Flowable):
    """Marker: from here on, the pages carry these languages (footer, /Lang).

    It is a hair tall (0.01 pt), not zero, so that after a FillPageIfEven page it does
    not fit in the sliver left there and lands on the next page, which it is about.
    """

    def __init__(self, langs):
        super().__init__()
        self.langs = tuple(langs)

    def wrap(self, availWidth, availHeight):
        return 0, 0.01

    def draw(self):
        setter = getattr(self.canv, "set_page_langs", None)
        if setter is not None:
            setter(self.langs)


class NotesArea(Flowable):
    """Where the patient writes: per language (side by side on a bilingual page) a heading
    and a hint, then ruled lines under each. At least `count` lines; where the page has
    room, more (up to `most`), so the page is used rather than left blank. The heading, the
    hint and the lines move on together; only an area taller than a whole page
    (`page_height`) splits, its lines going on under no heading."""

    def __init__(self, columns, gap: float, count: int, most: int, spacing: float, color: str,
                 space_before: float = 0.0, page_height: float = 1e9):
        super().__init__()
        self.page_height = page_height
        self.columns = [list(col) for col in columns]
        self.gap, self.count, self.most = gap, count, max(count, most)
        self.spacing, self.color = spacing, color
        self.spaceBefore = space_before
        self.lines = count
        self.after: list[Flowable] = []  # what follows to the end of its language (story.py)
        self.head = Columns(self.columns, gap)  # the headings and hints, side by side
        self._head = 0.0

    def _col_width(self, width: float) -> float:
        return self.head._col_width(width)

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        _, self._head = self.head.wrap(availWidth, 1e9)
        least = self._head + self.count * self.spacing
        # what follows stays on this page when it can: extra lines take only the room it
        # leaves (else they fill the page, and what follows starts the next one)
        rest = sum(f.wrap(availWidth, 1e9)[1] + f.getSpaceBefore() for f in self.after)
        if self.after and least + rest <= availHeight + EPS:
            availHeight -= rest
        room = int((availHeight - self._head + EPS) // self.spacing)
        self.lines = max(self.count, min(self.most, room))
        self.height = self._head + self.lines * self.spacing
        return self.width, self.height

    def split(self, availWidth, availHeight):
        self.wrap(availWidth, availHeight)
        fit = int((availHeight - self._head + EPS) // self.spacing)
        if self._head + self.count * self.spacing <= self.page_height + EPS or fit < 1:
            return []  # on to the next page, whole
        first = NotesArea(self.columns, self.gap, fit, fit, self.spacing, self.color,
                          self.spaceBefore, self.page_height)
        rest = NotesArea([[] for _ in self.columns], self.gap, self.count - fit,
                         self.count - fit, self.spacing, self.color, 0.0, self.page_height)
        rest.after = self.after
        return [first, rest]

    def draw(self):
        canv = self.canv
        cw = self._col_width(self.width)
        self.head.drawOn(canv, 0, self.height - self._head)
        with furniture(canv):
            canv.setStrokeColor(HexColor(self.color))
            canv.setLineWidth(0.75)
            for i in range(len(self.columns)):
                x = i * (cw + self.gap)
                for n in range(self.lines):
                    y = self.height - self._head - (n + 1) * self.spacing + 2
                    canv.line(x, y, x + cw, y)
