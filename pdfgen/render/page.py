"""Page furniture in one place: the canvas that numbers pages, draws every footer and the
outline."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

from reportlab.lib.colors import HexColor
from reportlab.pdfbase.pdfdoc import PDFName, PDFString
from reportlab.pdfbase.pdfmetrics import stringWidth

from ..i18n import Labels
from ..model import Clinic, Procedure
from . import rl
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
        return super().beginText(x, y, direction)

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


SHRINK = 0.8  # a footer line shrinks to fit its width, to 80% of the footer size at most
SHRINK_LANGUAGE = 0.75  # a language's own lines, to 75%


def _fit(runs, size: float, width: float, least: float) -> float:
    """The size a line of (text, font, ...) runs is set at: the footer size, shrunk (to
    `least` of it at most) so the line fits its width."""
    needed = sum(stringWidth(text, font, size) for text, font, *_ in runs)
    if needed <= width:
        return size
    return max(size * least, size * width / needed)


def _pages_text(labels: list[Labels], page: int, total: int) -> str:
    return " / ".join(lab.format("page_of", page=page, pages=total) for lab in labels)


def _contact_runs(clinic: Clinic, labels: list[Labels], fam: Family) -> list[tuple]:
    """Line 2: phone, fax and web as (text, font, link) runs, with clickable phone and web."""
    phone_label = "/".join(lab["phone"] for lab in labels)
    fax_label = "/".join(dict.fromkeys(lab["fax"] for lab in labels))
    return [(f"{phone_label}: ", fam.regular, None),
            (clinic.phone, fam.bold, tel_uri(clinic.phone)),
            (f"   ·   {fax_label}: ", fam.regular, None), (clinic.fax, fam.bold, None),
            ("   ·   ", fam.regular, None), (web_label(clinic.web), fam.bold, clinic.web)]


def _language_lines(clinic: Clinic, proc: Procedure, lang: str, lab: Labels, fam: Family,
                    colors: dict[str, str]) -> list[list[tuple]]:
    """A language's own footer lines, each (text, font, color) runs: telemedicine; the
    version, with "Review overdue" and "Translation under review" when they apply; the
    review on a line of its own, "Reviewed November 2026 by a spine surgeon" or "Updated
    November 2026 · Pending clinical review"."""
    lines = []
    # narrow separators: "Actualizado: septiembre de 2026 · Pendiente de revisión clínica"
    # has to fit half the width of a stacked page at 75% of the footer size
    sep = (" · ", fam.regular, colors["muted"])
    if clinic.telemedicine:
        lines.append([(lab["telemedicine"], fam.regular, colors["text"])])
    version = [(lab.format("version", version=proc.version), fam.regular, colors["text"])]
    if proc.review_overdue:
        version += [sep, (lab["review_overdue"], fam.bold, colors["risk_border"])]
    if lang in proc.under_review:
        version += [sep, (lab["translation_review"], fam.regular, colors["muted"])]
    lines.append(version)
    review = [(lab.review_words(proc.shown_date, proc.pending_review, proc.reviewer(lang)),
               fam.regular, colors["text"])]
    if proc.pending_review:
        review += [sep, (lab["pending_review"], fam.bold, colors["risk_border"])]
    lines.append(review)
    return lines


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
        pages = _pages_text(labels, page, total)
        name_width = width - stringWidth(pages, fam.bold, size) - size * 2
        canv.setFont(fam.bold, _fit([(clinic.name, fam.bold)], size, name_width, SHRINK))
        canv.drawString(spec.left, y, clinic.name)
        canv.setFont(fam.bold, size)
        canv.drawRightString(spec.right, y, pages)

        # line 2: phone, fax and web, with clickable phone and web
        y -= lead
        pieces = _contact_runs(clinic, labels, fam)
        line_size = _fit(pieces, size, width, SHRINK)
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
            ly = y
            for runs in _language_lines(clinic, proc, lang, lab, fam, spec.colors):
                ly -= lead
                fit = _fit(runs, size, col_width, SHRINK_LANGUAGE)
                rx = x
                for t, font, color in runs:
                    canv.setFillColor(HexColor(color))
                    canv.setFont(font, fit)
                    canv.drawString(rx, ly, t)
                    rx += stringWidth(t, font, fit)


def footer_overflows(spec: FooterSpec, langs: tuple[str, ...], pages: int = 99) -> list[str]:
    """The footer lines too wide for the page even at the smallest size draw_footer sets
    them in (a long clinic name or web address, a large footer size), in words. Every
    review state a page can show is tried, up to a 'Page 99 of 99'."""
    from dataclasses import replace

    labels = [spec.labels[lang] for lang in langs]
    fam, size = spec.family, spec.size
    width = spec.right - spec.left
    out = []

    def too_wide(runs, room: float, least: float) -> float:
        needed = sum(stringWidth(text, font, size * least) for text, font, *_ in runs)
        return needed - room if needed > room + 0.01 else 0.0

    pages_text = _pages_text(labels, pages, pages)
    over = too_wide([(spec.clinic.name, fam.bold)],
                    width - stringWidth(pages_text, fam.bold, size) - size * 2, SHRINK)
    if over:
        out.append(f"the clinic name is {over:.0f} pt too wide for the footer beside "
                   f"'{pages_text}'")
    over = too_wide(_contact_runs(spec.clinic, labels, fam), width, SHRINK)
    if over:
        out.append(f"the phone, fax and web line is {over:.0f} pt too wide for the footer")
    col_width = (width - spec.column_gap * (len(labels) - 1)) / len(labels)
    proc = spec.procedure  # every state its footer can show, the reviewer's role left out
    states = [replace(proc, under_review=tuple(langs), review_overdue=True, reviewed=None),
              replace(proc, under_review=tuple(langs), review_overdue=True,
                      reviewed=proc.shown_date, reviewer_role=None)]
    for lang, lab in zip(langs, labels, strict=True):
        for state in states:
            for runs in _language_lines(spec.clinic, state, lang, lab, fam, spec.colors):
                over = too_wide(runs, col_width, SHRINK_LANGUAGE)
                text = "".join(t for t, *_ in runs)
                if over and not any(text in o for o in out):
                    out.append(f"the footer line '{text}' is {over:.0f} pt too wide")
    return out


def role_overflows(spec: FooterSpec, langs: tuple[str, ...]) -> list[tuple[str, str, float]]:
    """(lang, line, points too wide) for each language whose "Reviewed <month year> by
    <role>" footer line is too wide for its column at the smallest size: the role, written
    in the handout, is too long (footer_overflows checks the rest)."""
    proc = spec.procedure
    width = spec.right - spec.left
    col_width = (width - spec.column_gap * (len(langs) - 1)) / len(langs)
    out = []
    for lang in langs:
        if not proc.reviewer(lang):
            continue
        lab = spec.labels[lang]
        text = lab.review_words(proc.shown_date, False, proc.reviewer(lang))
        needed = stringWidth(text, spec.family.regular, spec.size * SHRINK_LANGUAGE)
        if needed > col_width + 0.01:
            out.append((lang, text, needed - col_width))
    return out


FOOTER_MAX_LINES = 5  # clinic; contact; telemedicine; version and marks; the review


def footer_height_needed(size: float, lines: int = FOOTER_MAX_LINES) -> float:
    """Points from the footer's top (footer.height above the bottom margin) down to the
    descenders of its last line, as draw_footer sets them: first baseline 1.2 sizes down,
    then one line every 1.25 sizes."""
    return (1.45 + 1.25 * (lines - 1)) * size
