"""Page furniture in one place: the canvas that numbers pages, draws every footer and the
outline."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.pdfbase.pdfdoc import PDFName, PDFPage, PDFString
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from ..i18n import Labels
from ..model import Clinic, Procedure
from .flowables import furniture
from .fonts import Family
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


@dataclass(frozen=True)
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


class HandoutCanvas(canvas.Canvas):
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
                self._code.append(ARTIFACT_FOOTER if kind == "footer" else ARTIFACT_LAYOUT)
            tagger.artifact += 1
        else:
            tagger.artifact -= 1
            if not tagger.artifact:
                self._code.append("EMC")

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
        return super().beginText(x, y, direction)

    def linkURL(self, url, rect, relative=0, thickness=0, color=None, dashArray=None,
                kind="URI", **kw):
        if self.tagger is not None:
            name = self._doc.annotationName(f"NUMBER{self._annotationCount + 1}")
            key, contents = self.tagger.annotation(url, name, self._describe_link)
            kw["StructParent"] = key
            kw["Contents"] = PDFString(contents)
        super().linkURL(url, rect, relative, thickness, color, dashArray, kind, **kw)

    def _describe_link(self, url: str) -> str:
        clinic = self.footer.clinic
        if url.startswith("tel:"):
            return clinic.phone
        return web_label(url)

    def _setAnnotations(self, page):
        super()._setAnnotations(page)
        if self.tagger is not None:
            page.StructParents = self.tagger.page_key()
            page.Tabs = PDFName("S")
            page.__NoDefault__ = PDFPage.__NoDefault__ + ["StructParents", "Tabs"]

    # -- page lifecycle --------------------------------------------------------------
    def showPage(self):
        self._deferred.append((dict(self.__dict__), self.page_langs))
        self._startPage()
        if self.tagger is not None:
            self.tagger.new_page()

    def save(self):
        total = len(self._deferred)
        firsts = {}  # language -> its first heading: where its outline entry points
        for heading in self._headings:
            firsts.setdefault(heading[1], heading)
        for index, (state, langs) in enumerate(self._deferred):
            annotations = self._annotationCount  # a running count: never rewind it
            self.__dict__.update(state)
            self._annotationCount = max(annotations, self._annotationCount)
            if self.tagger is not None:
                self.tagger.page = index
            for page, lang, _title, key, x, y in self._headings:
                if page == index:
                    self.bookmarkHorizontal(key, x, y)
                    if firsts[lang][3] == key:
                        self.bookmarkHorizontal(f"lang-{lang}", x, y)
            draw_footer(self, self.footer, index + 1, total, langs)
            canvas.Canvas.showPage(self)
        self._write_outline()
        if self.tagger is not None:
            self.tagger.write(self._doc, self._doc.info.title)
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


def _fit_size(text: str, font: str, size: float, width: float) -> float:
    """The footer size, shrunk (to 80% at most) so a line fits its width."""
    needed = stringWidth(text, font, size)
    if needed <= width:
        return size
    return max(size * 0.8, size * width / needed)


def draw_footer(canv: HandoutCanvas, spec: FooterSpec, page: int, total: int,
                langs: tuple[str, ...]) -> None:
    """Contact footer: clinic, phone, fax, web, telemedicine, version, review state, page X of Y."""
    clinic, proc = spec.clinic, spec.procedure
    langs = langs or tuple(spec.labels)
    labels = [spec.labels[lang] for lang in langs]
    fam, size = spec.family, spec.size
    lead = size * 1.25
    width = spec.right - spec.left
    with furniture(canv, "footer"):
        top = spec.bottom + spec.height - size
        canv.setStrokeColor(HexColor(spec.colors["rule"]))
        canv.setLineWidth(0.75)
        canv.line(spec.left, top + size * 1.1, spec.right, top + size * 1.1)
        canv.setFillColor(HexColor(spec.colors["text"]))

        # line 1: clinic name (left) and page X of Y (right)
        y = top - size * 0.2
        pages = " / ".join(lab.format("page_of", page=page, pages=total) for lab in labels)
        name_width = width - stringWidth(pages, fam.bold, size) - size * 2
        canv.setFont(fam.bold, _fit_size(clinic.name, fam.bold, size, name_width))
        canv.drawString(spec.left, y, clinic.name)
        canv.setFont(fam.bold, size)
        canv.drawRightString(spec.right, y, pages)

        # line 2: phone, fax and web, with clickable phone and web
        y -= lead
        phone_label = "/".join(lab["phone"] for lab in labels)
        fax_label = "/".join(dict.fromkeys(lab["fax"] for lab in labels))
        pieces = [(f"{phone_label}: ", fam.regular, None),
                  (clinic.phone, fam.bold, tel_uri(clinic.phone)),
                  (f"   ·   {fax_label}: ", fam.regular, None), (clinic.fax, fam.bold, None),
                  ("   ·   ", fam.regular, None), (web_label(clinic.web), fam.bold, clinic.web)]
        line = "".join(text for text, _, _ in pieces)
        line_size = _fit_size(line, fam.regular, size, width)
        x = spec.left
        for text, font, link in pieces:
            canv.setFont(font, line_size)
            canv.drawString(x, y, text)
            w = stringWidth(text, font, line_size)
            if link:
                canv.linkURL(link, (x, y - size * 0.25, x + w, y + size * 0.9), relative=0,
                             thickness=0)
            x += w

        # then per language (side by side on a bilingual page): telemedicine, version, review state
        col_width = (width - spec.column_gap * (len(labels) - 1)) / len(labels)
        for i, (lang, lab) in enumerate(zip(langs, labels, strict=True)):
            x = spec.left + i * (col_width + spec.column_gap)
            lines = []  # each line: runs of (text, font, color)
            if clinic.telemedicine:
                lines.append([(lab["telemedicine"], fam.regular, spec.colors["text"])])
            review = (f"{lab.format('version', version=proc.version)}   ·   "
                      f"{lab.format('reviewed', date=lab.month_year(proc.reviewed))}")
            lines.append([(review, fam.regular, spec.colors["text"])])
            state = []
            if proc.review_overdue:
                state.append((lab["review_overdue"], fam.bold, spec.colors["risk_border"]))
            if proc.pending_review:
                if state:
                    state.append(("   ·   ", fam.regular, spec.colors["muted"]))
                state.append((lab["pending_review"], fam.bold, spec.colors["risk_border"]))
            if lang in proc.under_review:
                if state:
                    state.append(("   ·   ", fam.regular, spec.colors["muted"]))
                state.append((lab["translation_review"], fam.regular, spec.colors["muted"]))
            if state:
                lines.append(state)
            ly = y
            for runs in lines:
                ly -= lead
                needed = sum(stringWidth(t, font, size) for t, font, _ in runs)
                fit = size if needed <= col_width else max(size * 0.75, size * col_width / needed)
                rx = x
                for t, font, color in runs:
                    canv.setFillColor(HexColor(color))
                    canv.setFont(font, fit)
                    canv.drawString(rx, ly, t)
                    rx += stringWidth(t, font, fit)


FOOTER_MAX_LINES = 5  # clinic; contact; telemedicine; version and review; review state


def footer_lines(clinic: Clinic, proc: Procedure) -> int:
    """How many lines the footer takes (to check the layout reserves room for them)."""
    state = proc.pending_review or proc.review_overdue or bool(proc.under_review)
    return 2 + int(clinic.telemedicine) + 1 + int(state)


def footer_height_needed(size: float, lines: int = FOOTER_MAX_LINES) -> float:
    """Points from the footer's top (footer.height above the bottom margin) down to the
    descenders of its last line, as draw_footer sets them: first baseline 1.2 sizes down,
    then one line every 1.25 sizes."""
    return (1.45 + 1.25 * (lines - 1)) * size
