"""Page furniture in one place: the canvas that numbers pages, draws every footer and the
outline."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import field
from functools import lru_cache

from reportlab.lib.colors import HexColor
from reportlab.pdfbase.pdfdoc import PDFName, PDFString
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..errors import FACTORY, record
from ..i18n import Labels
from ..model import Clinic, Procedure
from . import rl
from .flowables import draw_string, furniture
from .fonts import Family, FontStack
from .tagging import ARTIFACT_FOOTER, ARTIFACT_LAYOUT, Tagger


def tel_uri(phone: str) -> str:
    """A tel: link for a phone number as the clinic writes it (10 digits: a US number)."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 10 and not phone.startswith("+"):
        return f"tel:+1{digits}"
    return f"tel:+{digits}" if phone.startswith("+") else f"tel:{digits}"


def web_label(url: str) -> str:
    """The web address as printed: without https:// and a trailing slash."""
    return re.sub(r"^https://", "", url).rstrip("/")


@record
class FooterSpec:
    """Everything the footer prints; the same on every page but for the page number."""

    clinic: Clinic
    procedure: Procedure
    labels: dict[str, Labels]  # lang -> labels
    family: Family
    size: float
    colors: dict[str, str]
    left: float
    right: float  # right edge (page width minus right margin)
    bottom: float  # baseline of the last footer line
    height: float
    column_gap: float
    least: float = 0.8  # a piece too wide for a line of its own shrinks to this much at most
    fonts: dict = field(default_factory=dict)  # lang -> FontStack of its footer text

    def __init__(self, clinic, procedure, labels, family, size, colors, left, right, bottom, height,
                 column_gap, least=0.8, fonts=FACTORY) -> None:
        object.__setattr__(self, "clinic", clinic)
        object.__setattr__(self, "procedure", procedure)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "family", family)
        object.__setattr__(self, "size", size)
        object.__setattr__(self, "colors", colors)
        object.__setattr__(self, "left", left)
        object.__setattr__(self, "right", right)
        object.__setattr__(self, "bottom", bottom)
        object.__setattr__(self, "height", height)
        object.__setattr__(self, "column_gap", column_gap)
        object.__setattr__(self, "least", least)
        object.__setattr__(self, "fonts", {} if fonts is FACTORY else fonts)

    def stack(self, lang: str) -> FontStack:
        return self.fonts.get(lang) or FontStack(self.family)


class HandoutCanvas(rl.Canvas):
    """Defers each page until the page count is known, then draws the footers and outline.

    Content flowables call `set_page_langs`, `add_heading` and `furniture`; only
    this class draws page furniture.
    """

    footer: FooterSpec  # set by the renderer before building
    tag_pieces: list | None = None  # the story's outline when the PDF is tagged (tagging.py)
    tag_locales: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._deferred: list[tuple[dict, tuple[str, ...]]] = []
        self._headings: list[tuple[int, str, str, str, float, float]] = []
        self.page_langs: tuple[str, ...] = ()
        # one Tagger per canvas: a second build pass starts its bookkeeping afresh
        self.tagger = (Tagger(self.tag_pieces, self.tag_locales)
                       if self.tag_pieces is not None else None)

    # -- hooks for flowables -------------------------------------------------------
    def set_page_langs(self, langs: tuple[str, ...]) -> None:
        self.page_langs = langs

    def add_heading(self, flowable, height: float) -> None:
        x, y = self.absolutePosition(0, height)
        key = f"h{len(self._headings)}"
        title = flowable.x_title
        self._headings.append((len(self._deferred), flowable.lang, title, key, x, y))

    def furniture(self, on: bool, kind: str = "layout") -> None:
        """Start/stop drawing decoration: marked as an artifact when tagging."""
        tagger = self.tagger
        if tagger is None:
            return
        if on:
            if not tagger.artifact:
                self.addLiteral(ARTIFACT_FOOTER if kind == "footer" else ARTIFACT_LAYOUT)
            tagger.artifact += 1
        else:
            tagger.artifact -= 1
            if not tagger.artifact:
                self.addLiteral("EMC")

    # -- tagging hooks (no-ops on an untagged canvas) -----------------------------------
    @contextmanager
    def tag_part(self, owner, part):
        if self.tagger is None:
            yield
        else:
            with self.tagger.part(owner, part):
                yield

    def tag_label(self, flowable) -> str:
        return self.tagger.label_bdc(flowable) if self.tagger is not None else ""

    def beginText(self, x=0, y=0, direction=None):
        if self.tagger is not None:
            text = self.tagger.text_object(self, x, y, direction)
            if text is not None:
                return text
        # ReportLab's, but with rl.TextObject's fix for shaped text (rl.py, A23)
        return rl.TextObject(self, x, y, direction)

    def linkURL(self, url, rect, relative=0, thickness=0, color=None, dashArray=None,
                kind="URI", **kw):
        if self.tagger is not None:
            key, contents = self.tagger.annotation(url, self.next_annotation_name(),
                                                   self._describe_link, self.page_langs)
            kw["StructParent"] = key
            kw["Contents"] = PDFString(contents)
        super().linkURL(url, rect, relative, thickness, color, dashArray, kind, **kw)

    def _describe_link(self, url: str) -> str:
        clinic = self.footer.clinic
        if url.startswith("tel:"):
            return clinic.phone
        return web_label(url)

    def page_made(self, page):
        if self.tagger is not None:
            rl.set_page_entries(page, StructParents=self.tagger.page_key(), Tabs=PDFName("S"))

    # -- page lifecycle --------------------------------------------------------------
    def showPage(self):
        self._deferred.append((self.hold_page(), self.page_langs))
        if self.tagger is not None:
            self.tagger.new_page()

    def save(self):
        total = len(self._deferred)
        firsts = {}  # language -> its first heading: where its outline entry points
        for heading in self._headings:
            firsts.setdefault(heading[1], heading)
        for index, (state, langs) in enumerate(self._deferred):
            self.restore_page(state)
            if self.tagger is not None:
                self.tagger.page = index
            for page, lang, _title, key, x, y in self._headings:
                if page == index:
                    self.bookmarkHorizontal(key, x, y)
                    if firsts[lang][3] == key:
                        self.bookmarkHorizontal(f"lang-{lang}", x, y)
            draw_footer(self, self.footer, index + 1, total, langs)
            self.emit_page()
        self._write_outline()
        if self.tagger is not None:
            self.tagger.write(self.pdf_document(), self.document_title())
        super().save()

    def _write_outline(self) -> None:
        langs = []
        for _, lang, *_rest in self._headings:
            if lang not in langs:
                langs.append(lang)
        nested = len(langs) > 1
        for lang in langs:
            entries = [h for h in self._headings if h[1] == lang]
            if nested:
                name = self.footer.clinic.language(lang).name
                self.addOutlineEntry(name, f"lang-{lang}", level=0, closed=False)
            for _, _, title, key, _, _ in entries:
                self.addOutlineEntry(title, key, level=1 if nested else 0)
        if self._headings:
            self.showOutline()


SHRINK = 0.8  # a footer piece too wide for a line of its own shrinks, to 80% at most
SEP = "  ·  "
PAGES_ROOM = 99  # line 1 keeps room for "Page 99 of 99" on the right


def footer_gap(size: float) -> float:
    """White space between the body text's last line and the footer's rule: at least 12 pt."""
    return max(12.0, size * 0.9)


def footer_lead(size: float) -> float:
    return size * 1.3


@record
class FooterLine:
    """One footer line: pieces of (text, font, color or None, link or None) runs, set at
    `size`, joined by separators."""

    pieces: tuple[tuple[tuple, ...], ...]
    size: float

    def __init__(self, pieces, size) -> None:
        object.__setattr__(self, "pieces", pieces)
        object.__setattr__(self, "size", size)


@lru_cache(maxsize=512)
def _width(piece, size: float) -> float:
    return sum(stringWidth(text, font, size) for text, font, *_ in piece)


def _pack(pieces: list[tuple], size: float, widths: list[float], least: float = SHRINK
          ) -> tuple[list[FooterLine], list[tuple[tuple, float]]]:
    """Greedy: pieces into lines, line n `widths[min(n, -1)]` wide, joined by SEP. A piece
    too wide for a line of its own shrinks (to `least` of the size at most). Returns the
    lines and the pieces that do not fit even so, with how many points they are too wide."""
    lines: list[list] = []
    sizes: list[float] = []
    too_wide = []
    sep = stringWidth(SEP, pieces[0][0][1], size) if pieces else 0.0
    used = 0.0
    for piece in pieces:
        room = widths[min(len(lines) - 1, len(widths) - 1)] if lines else widths[0]
        w = _width(piece, size)
        if lines and used + sep + w <= room + 0.01 and sizes[-1] == size:
            lines[-1].append(piece)
            used += sep + w
            continue
        room = widths[min(len(lines), len(widths) - 1)]
        fit = size if w <= room + 0.01 else max(size * least, size * room / w)
        if _width(piece, fit) > room + 0.01:
            too_wide.append((piece, _width(piece, fit) - room))
        lines.append([piece])
        sizes.append(fit)
        used = _width(piece, fit)
    return [FooterLine(tuple(p), z) for p, z in zip(lines, sizes, strict=True)], too_wide


def _pages_text(labels: list[Labels], page: int, total: int) -> str:
    return " / ".join(lab.format("page_of", page=page, pages=total) for lab in labels)


def _pages_piece(spec: FooterSpec, langs: tuple[str, ...], page: int, total: int) -> tuple:
    """"Page 2 of 5 / Página 2 de 5" as runs, each language's words in its own fonts."""
    out: list = []
    for n, lang in enumerate(langs):
        text = spec.labels[lang].format("page_of", page=page, pages=total)
        fonts = spec.stack(lang)
        if fonts.rtl:  # its words in their own order, the separator between the languages
            out += ([(" / ", spec.family.bold, spec.colors["text"], None)] if n else [])
            out += _piece(text, fonts, "bold", spec.colors["text"])
            continue
        for run in _piece((" / " if n else "") + text, fonts, "bold",
                          spec.colors["text"]):
            if out and out[-1][1:] == run[1:]:  # one font: one string, as one language's
                out[-1] = (out[-1][0] + run[0], *run[1:])
            else:
                out.append(run)
    return tuple(out)


def _shared_pieces(clinic: Clinic, fam: Family, colors: dict[str, str]) -> list[tuple]:
    """Line 1: the clinic, its phone and web address (phone and web clickable)."""
    text = colors["text"]
    return [((clinic.name, fam.bold, text, None),),
            ((clinic.phone, fam.bold, text, tel_uri(clinic.phone)),),
            ((web_label(clinic.web), fam.regular, text, clinic.web),)]


def _piece(text: str, fonts: FontStack, face: str, color: str, link: str | None = None
           ) -> tuple:
    """One footer piece: `text` as runs, each in the face of the stack that has it; right to
    left, the runs as drawn (render/rtl.py)."""
    if fonts.rtl:
        return tuple((run, fam.faces[face], color, link)
                     for run, fam in fonts.visual_runs(text, face))
    return tuple((run, fam.faces[face], color, link) for run, fam in fonts.runs(text, face))


def _language_pieces(proc: Procedure, lang: str, lab: Labels, fonts: FontStack,
                     colors: dict[str, str]) -> list[tuple]:
    """A language's own pieces: the version; "Updated November 2026" or "Reviewed November
    2026" (the reviewer's role is in the status line under the title); then "Pending
    clinical review", "Review overdue" and "Translation under review" when they apply."""
    text, warn = colors["text"], colors["risk_border"]
    out = [_piece(lab.format("version", version=proc.version), fonts, "regular", text),
           _piece(lab.review_words(proc.shown_date, proc.pending_review), fonts, "regular",
                  text)]
    if proc.pending_review:
        out.append(_piece(lab["pending_review"], fonts, "bold", warn))
    if proc.review_overdue:
        out.append(_piece(lab["review_overdue"], fonts, "bold", warn))
    if lang in proc.under_review:
        out.append(_piece(lab["translation_review"], fonts, "regular", colors["muted"]))
    return out


@record
class FooterPlan:
    """The footer's lines for one document: shared lines (clinic, phone, web; page X of Y at
    the right of the first), then each language's lines in its column."""

    shared: list[FooterLine]
    columns: list[list[FooterLine]]  # per language of the page
    problems: list[str]

    def __init__(self, shared, columns, problems) -> None:
        object.__setattr__(self, "shared", shared)
        object.__setattr__(self, "columns", columns)
        object.__setattr__(self, "problems", problems)

    @property
    def lines(self) -> int:
        return len(self.shared) + max((len(c) for c in self.columns), default=0)


def plan_footer(spec: FooterSpec, langs: tuple[str, ...], proc: Procedure | None = None
                ) -> FooterPlan:
    """Lay the footer out for a page in `langs` (the page number's room kept)."""
    proc = proc or spec.procedure
    labels = [spec.labels[lang] for lang in langs]
    fam, size = spec.family, spec.size
    width = spec.right - spec.left
    first = width - _width(_pages_piece(spec, langs, PAGES_ROOM, PAGES_ROOM), size) - size * 1.5
    pieces = _shared_pieces(spec.clinic, fam, spec.colors)
    if len(langs) == 1:  # one language: its pieces run on after the clinic's
        pieces += _language_pieces(proc, langs[0], labels[0], spec.stack(langs[0]),
                                   spec.colors)
    shared, wide = _pack(pieces, size, [first, width], spec.least)
    problems = [f"'{''.join(t for t, *_ in piece)}' is {over:.0f} pt too wide for the footer"
                for piece, over in wide]
    if len(langs) == 1:
        return FooterPlan(shared, [], problems)
    col_width = (width - spec.column_gap * (len(langs) - 1)) / len(langs)
    columns = []
    for lang, lab in zip(langs, labels, strict=True):
        lines, wide = _pack(_language_pieces(proc, lang, lab, spec.stack(lang), spec.colors), size,
                            [col_width], spec.least)
        columns.append(lines)
        problems += [f"the footer's '{''.join(t for t, *_ in piece)}' is {over:.0f} pt too "
                     f"wide" for piece, over in wide]
    return FooterPlan(shared, columns, problems)


def footer_height(spec: FooterSpec, langs: tuple[str, ...], proc: Procedure | None = None
                  ) -> float:
    """Points the footer takes above the bottom margin: the gap, the rule, its lines."""
    return footer_height_for(spec.size, plan_footer(spec, langs, proc).lines)


def footer_height_for(size: float, lines: int) -> float:
    """The gap above the rule, then the first baseline 1.15 sizes under it, a line every
    1.3 sizes, and the last line's descenders."""
    return footer_gap(size) + size * 1.15 + footer_lead(size) * (lines - 1) + size * 0.3


def draw_footer(canv: HandoutCanvas, spec: FooterSpec, page: int, total: int,
                langs: tuple[str, ...]) -> None:
    """The compact footer: a rule; clinic, phone and web (page X of Y at the right); each
    language's version and review state, side by side on a bilingual page.

    All but the page number is the same on every page of a language set: drawn once, its
    operators (and link rectangles) are recorded and written again on the next pages."""
    langs = langs or tuple(spec.labels)
    plans = canv.__dict__.setdefault("footer_plans", {})  # the same on every page
    plan = plans.get(langs) or plans.setdefault(langs, plan_footer(spec, langs))
    drawn = canv.__dict__.setdefault("footer_drawn", {})
    fam, size = spec.family, spec.size
    lead = footer_lead(size)
    width = spec.right - spec.left
    top = spec.bottom + spec.height - footer_gap(size)  # the rule
    first = top - size * 1.15

    def head() -> None:
        canv.setStrokeColor(HexColor(spec.colors["rule"]))
        canv.setLineWidth(0.75)
        canv.line(spec.left, top, spec.right, top)
        y = first
        for line in plan.shared:
            _draw_line(canv, line, spec.left, y, fam)
            y -= lead

    def columns() -> None:
        y = first - lead * len(plan.shared)
        col_width = (width - spec.column_gap * (len(langs) - 1)) / len(langs)
        for i, lines in enumerate(plan.columns):
            ly = y
            rtl = i < len(langs) and spec.stack(langs[i]).rtl
            for line in lines:
                x = spec.left + i * (col_width + spec.column_gap)
                if rtl:  # from the column's right edge, its pieces right to left
                    x += col_width - _line_width(line, fam)
                _draw_line(canv, line, x, ly, fam, rtl)
                ly -= lead

    with furniture(canv, "footer"):
        again = drawn.get(langs)
        parts: list = []
        for n, part in enumerate((head, None, columns)):
            if part is None:
                # drawn after the clinic's name, so text extraction reads the footer from its
                # start
                pages = _pages_piece(spec, langs, page, total)
                _draw_line(canv, FooterLine((pages,), size), spec.right - _width(pages, size),
                           first, fam)
                parts.append(None)
            elif again:
                ops, links = again[n]
                rl.add_code(canv, ops)
                for link, rect in links:
                    canv.linkURL(link, rect, relative=0, thickness=0)
            else:
                with rl.recording(canv) as record:
                    part()
                parts.append((record.ops, record.links))
        if not again:
            drawn[langs] = parts


def _line_width(line: FooterLine, fam: Family) -> float:
    return (sum(_width(piece, line.size) for piece in line.pieces)
            + stringWidth(SEP, fam.regular, line.size) * (len(line.pieces) - 1))


def _draw_line(canv, line: FooterLine, x: float, y: float, fam: Family,
               rtl: bool = False) -> None:
    size = line.size
    for n, piece in enumerate(reversed(line.pieces) if rtl else line.pieces):
        if n:
            canv.setFillColor(HexColor("#555555"))
            canv.setFont(fam.regular, size)
            canv.drawString(x, y, SEP)
            x += stringWidth(SEP, fam.regular, size)
        for text, font, color, link in piece:
            canv.setFillColor(HexColor(color))
            canv.setFont(font, size)
            draw_string(canv, x, y, text)
            w = stringWidth(text, font, size)
            if link:
                canv.linkURL(link, (x, y - size * 0.25, x + w, y + size * 0.9), relative=0,
                             thickness=0)
            x += w


def footer_worst_case(spec: FooterSpec, langs: tuple[str, ...]) -> tuple[list[str], float]:
    """Over every review state a page in `langs` can show: the footer pieces too wide for
    their line even at the smallest size (a long clinic name or web address, a large footer
    size), in words; and the tallest footer (points above the bottom margin)."""
    problems: list[str] = []
    tallest = 0.0
    for state in _states(spec.procedure, langs):
        plan = plan_footer(spec, langs, state)
        problems += [p for p in plan.problems if p not in problems]
        tallest = max(tallest, footer_height_for(spec.size, plan.lines))
    return problems, tallest


def _states(proc: Procedure, langs: tuple[str, ...]) -> list[Procedure]:
    """The procedure in each review state its footer can show (the most words each)."""
    from dataclasses import replace

    return [replace(proc, under_review=tuple(langs), review_overdue=True, reviewed=None),
            replace(proc, under_review=tuple(langs), review_overdue=True,
                    reviewed=proc.shown_date)]
