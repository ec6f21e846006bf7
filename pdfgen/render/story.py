"""The story: the handout's blocks, per language, arranged as columns, stacked or single."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, PageBreak

from .. import markup
from ..i18n import Labels
from ..model import Bullets, Clinic, Figure, Layout, Procedure, Text
from .figure import Beside, FigureBlock, Picture, QrCode, address_lines, alt_text, web_words
from .flowables import Box, CheckItem, Columns, FillPageIfEven, Heading, LangMark, Para, RuledLines
from .fonts import Family, family
from .page import tel_uri, web_label
from .signature import SignatureBlock

BULLET = "\u2022"


@dataclass(frozen=True)
class Styles:
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    body: ParagraphStyle
    bullet: ParagraphStyle
    check: ParagraphStyle
    note: ParagraphStyle
    status: ParagraphStyle  # the clinic, version and review state under the title


def make_styles(layout: Layout, body: Family, heading: Family, title: Family) -> Styles:
    size, lead = layout.sizes["body"], layout.leading
    text, head = HexColor(layout.colors["text"]), HexColor(layout.colors["heading"])
    para = layout.paragraph_space
    base = ParagraphStyle("body", fontName=body.regular, fontSize=size, leading=size * lead,
                          textColor=text, spaceAfter=para,
                          alignment=TA_JUSTIFY if layout.align == "justify" else TA_LEFT,
                          bulletFontName=body.regular,  # not ReportLab's Helvetica
                          # a word wider than the column (a long web address) is broken
                          # across lines rather than running off the page
                          splitLongWords=1, allowWidows=0, allowOrphans=0)
    hsize, tsize = layout.sizes["heading"], layout.sizes["title"]
    indent = size * 1.4
    return Styles(
        title=ParagraphStyle("title", parent=base, fontName=title.bold, fontSize=tsize,
                             leading=tsize * 1.15, textColor=head, spaceAfter=size * 0.25),
        subtitle=ParagraphStyle("subtitle", parent=base, textColor=HexColor(layout.colors["muted"]),
                                spaceAfter=para),
        heading=ParagraphStyle("heading", parent=base, fontName=heading.bold, fontSize=hsize,
                               leading=hsize * 1.2, textColor=head, spaceAfter=size * 0.45,
                               keepWithNext=1),
        subheading=ParagraphStyle("subheading", parent=base, fontName=heading.bold,
                                  spaceAfter=size * 0.25, keepWithNext=1),
        body=base,
        bullet=ParagraphStyle("bullet", parent=base, leftIndent=indent, bulletIndent=size * 0.3,
                              bulletFontName=body.regular, bulletFontSize=size,
                              spaceAfter=para * 0.6),
        check=ParagraphStyle("check", parent=base, leftIndent=indent * 1.35,
                             spaceAfter=para * 1.2),
        note=ParagraphStyle("note", parent=base, textColor=HexColor(layout.colors["muted"])),
        status=ParagraphStyle("status", parent=base, textColor=HexColor(layout.colors["muted"]),
                              fontSize=layout.sizes["footer"],
                              leading=layout.sizes["footer"] * lead, spaceAfter=para),
    )


class StoryBuilder:
    """Turns one procedure into flowables for one layout; every piece knows its language."""

    def __init__(self, proc: Procedure, clinic: Clinic, layout: Layout, styles: Styles,
                 labels: dict[str, Labels]):
        self.proc, self.clinic, self.layout = proc, clinic, layout
        self.st, self.labels = styles, labels
        self._ids = count(1)

    # -- leaf pieces -------------------------------------------------------------------
    def _para(self, cls, xml: str, style: ParagraphStyle, lang: str, role: str,
              bullet: str | None = None, **extra) -> Para:
        p = cls(xml, style, bulletText=bullet)
        p.role, p.lang, p.elem = role, lang, next(self._ids)
        for key, value in extra.items():
            setattr(p, f"x_{key}", value)
        return p

    def text(self, text: Text, lang: str, style=None, role="P") -> Para:
        return self._para(Para, markup.to_para_xml(text[lang]), style or self.st.body, lang, role)

    def label(self, key: str, lang: str, style=None, role="P") -> Para:
        return self._para(Para, markup.escape(self.labels[lang][key]), style or self.st.body,
                          lang, role)

    def heading(self, title: str, lang: str, level: int = 2, style=None) -> Heading:
        style = style or (self.st.title if level == 1 else self.st.heading)
        return self._para(Heading, markup.escape(title), style, lang, f"H{level}", title=title)

    def bullets(self, items, lang: str) -> list[Para]:
        return [self._para(Para, markup.to_para_xml(t[lang]), self.st.bullet, lang, "LI",
                           bullet=BULLET) for t in items]

    # -- blocks (each returns the flowables of one block in one language) ------------------
    def block_title(self, lang: str) -> list[Flowable]:
        return [self.heading(markup.plain(self.proc.title[lang]), lang, 1),
                self.label("patient_information", lang, self.st.subtitle), self.status(lang)]

    def status(self, lang: str) -> Para:
        """Who wrote this and how current it is, as body text: the footer says it on every
        page, but as page furniture a screen reader skips it."""
        lab, proc = self.labels[lang], self.proc
        review = lab.review_words(proc.shown_date, proc.pending_review, proc.reviewer(lang))
        parts = [markup.escape(self.clinic.name),
                 markup.escape(lab.format("version", version=proc.version)),
                 markup.escape(review)]
        def warn(key: str) -> str:  # kept on one line: "Revisión / vencida" reads badly
            words = markup.escape(lab[key]).replace(" ", "&nbsp;")
            return f'<font color="{self.layout.colors["risk_border"]}"><b>{words}</b></font>'

        if proc.pending_review:  # "Updated November 2026 · Pending clinical review"
            parts.append(warn("pending_review"))
        if proc.review_overdue:
            parts.append(warn("review_overdue"))
        if lang in proc.under_review:
            parts.append(markup.escape(lab["translation_review"]))
        return self._para(Para, " · ".join(parts), self.st.status, lang, "P")

    def block_summary(self, lang: str) -> list[Flowable]:
        return [self.text(self.proc.summary, lang)]

    # -- figures (render/figure.py) -------------------------------------------------------
    def _frame_height(self) -> float:
        top, _, bottom, _ = self.layout.margins
        return self.layout.page_size[1] - top - bottom - self.layout.footer_height

    def figure(self, fig: Figure, lang: str) -> list[Flowable]:
        """A section's picture and its caption, kept together; the picture at most half a
        page tall."""
        picture = Picture(fig.image, family(self.layout.fonts["body"]), self.layout.figure_width,
                          self._frame_height() * 0.5, alt_text(markup.plain(fig.alt[lang])),
                          lang, next(self._ids))
        style = ParagraphStyle("caption", parent=self.st.body, spaceBefore=self.st.body.fontSize
                               * 0.4, spaceAfter=0)
        caption = self.text(fig.caption, lang, style)
        return [FigureBlock([picture, caption], self._frame_height(),
                            space_before=self.layout.paragraph_space,
                            space_after=self.layout.paragraph_space * 1.5)]

    def qr_url(self, lang: str) -> str:
        """The handout's web address in `lang` when the layout prints the QR code, else ""."""
        return self.clinic.url_for(self.proc.id, lang) if self.layout.qr else ""

    def _with_qr(self, items: list[Flowable], lang: str) -> list[Flowable]:
        """The contact box's text with the QR code at its right, and beneath, the address in
        words on lines of its own, broken only after a '/'."""
        url = self.qr_url(lang)
        if not url:
            return items
        lab = self.labels[lang]
        words = web_words(url)
        code = QrCode(url, lab.format("qr_alt", address=words), lang, next(self._ids))
        size = self.layout.sizes["body"]
        inner = self._column_width() - 2 * size * 0.7 - size * 0.35  # inside the panel
        lines = address_lines(words, family(self.layout.fonts["body"]).bold, size,
                              inner)
        link = (f'<a href="{markup.escape(url)}"><b>'
                + "<br/>".join(markup.escape(line) for line in lines) + "</b></a>")
        before, _, after = lab["qr_text"].partition("%(address)s")
        address = (f"{markup.escape(before.rstrip())}<br/>" if before.strip() else "") + link
        address += markup.escape(after)
        style = ParagraphStyle("qr-address", parent=self.st.body, spaceBefore=size * 0.3,
                               spaceAfter=0)
        beneath = self._para(Para, address, style, lang, "P")
        return [FigureBlock([Beside(items, code, size), beneath], self._frame_height())]

    def _column_width(self) -> float:
        layout = self.layout
        if layout.arrangement == "columns":
            return (layout.frame_width - layout.column_gap * (layout.languages - 1)
                    ) / layout.languages
        return layout.frame_width

    def block_contact(self, lang: str, qr: bool = False) -> list[Flowable]:
        lab, clinic = self.labels[lang], self.clinic
        specialty = markup.escape(clinic.specialty(self.proc.specialty).name[lang])
        phone = (f'<a href="{tel_uri(clinic.phone)}"><b>{markup.escape(clinic.phone)}</b></a>')
        sentence = markup.escape(lab["contact_specialty"]).replace("%(specialty)s", specialty)
        sentence = sentence.replace("%(phone)s", phone)
        label = markup.escape(web_label(clinic.web))
        web = f'<a href="{markup.escape(clinic.web)}"><b>{label}</b></a>'
        items = [self._para(Para, sentence, self.st.body, lang, "P")]
        tail = f"{markup.escape(lab['telemedicine'])} " if clinic.telemedicine else ""
        items.append(self._para(Para, f"{tail}{web}", self.st.body, lang, "P"))
        items[-1].style = ParagraphStyle("contact-last", parent=self.st.body, spaceAfter=0)
        if qr:
            items = self._with_qr(items, lang)
        return [self._panel(items, "callout")]

    def block_section(self, index: int, lang: str) -> list[Flowable]:
        sec = self.proc.sections[index]
        out: list[Flowable] = [self.heading(markup.plain(sec.heading[lang]), lang)]
        for block in sec.body:
            if isinstance(block, Bullets):
                out += self.bullets(block.items, lang)
            elif isinstance(block, Figure):
                out += self.figure(block, lang)
            else:
                out.append(self.text(block.text, lang))
        return out

    def block_benefits(self, lang: str) -> list[Flowable]:
        return [self.heading(self.labels[lang]["benefits"], lang),
                *self.bullets(self.proc.benefits, lang)]

    def block_risks(self, lang: str) -> list[Flowable]:
        risks = self.proc.risks
        items = [self.heading(self.labels[lang]["risks"], lang), self.text(risks.intro, lang),
                 *self.bullets(risks.items, lang),
                 self.label("risks_differ", lang, ParagraphStyle("risk-note", parent=self.st.body,
                                                                fontName=self.st.subheading.fontName,
                                                                spaceAfter=0))]
        return [self._panel(items, "risk")]

    def block_alternatives(self, lang: str) -> list[Flowable]:
        alt = self.proc.alternatives
        return [self.heading(self.labels[lang]["alternatives"], lang),
                *self.bullets(alt.options, lang),
                self.label("doing_nothing", lang, self.st.subheading),
                self.text(alt.doing_nothing, lang)]

    def block_prompts(self, lang: str) -> list[Flowable]:
        hint = ParagraphStyle("hint", parent=self.st.note, keepWithNext=1)
        out: list[Flowable] = [self.heading(self.labels[lang]["prompts"], lang),
                               self.label("prompts_hint", lang, hint)]
        for prompt in self.proc.prompts:
            out.append(self._para(CheckItem, markup.to_para_xml(prompt[lang]), self.st.check, lang,
                                  "CHECK", box_color=self.layout.colors["text"]))
        return out

    def block_notes(self, lang: str) -> list[Flowable]:
        if not self.layout.notes_lines:
            return []
        spacing = max(self.layout.sizes["body"] * 2.2, 26)
        return [self.heading(self.labels[lang]["notes"], lang),
                RuledLines(self.layout.notes_lines, spacing, self.layout.colors["rule"])]

    def block_call_when(self, lang: str) -> list[Flowable]:
        return [self.heading(self.labels[lang]["call_when"], lang),
                self.label("call_when_intro", lang, self.st.subheading),
                *self.bullets(self.proc.call_when, lang),
                *self.block_contact(lang, qr=True)]

    def block_sources(self, lang: str) -> list[Flowable]:
        if not self.proc.sources:
            return []
        items = [f"{s.title} {s.url}".strip() for s in self.proc.sources]
        return [self.heading(self.labels[lang]["sources"], lang),
                *[self._para(Para, markup.escape(t), self.st.note, lang, "LI", bullet=BULLET)
                  for t in items]]

    def _panel(self, items, kind: str) -> Box:
        colors = self.layout.colors
        size = self.layout.sizes["body"]
        return Box(items, pad=size * 0.7, fill=colors[f"{kind}_fill"],
                   bar=colors[f"{kind}_border"], bar_width=size * 0.35,
                   space_after=self.layout.paragraph_space)

    # -- arrangement -----------------------------------------------------------------------
    def blocks(self) -> list[tuple[str, int]]:
        """(block name, section index) in layout order; sections expand to one entry each."""
        out = []
        for name in self.layout.blocks:
            if name == "sections":
                out += [("section", i) for i in range(len(self.proc.sections))]
            elif name != "signature":
                out.append((name, -1))
        return out

    def block(self, name: str, index: int, lang: str) -> list[Flowable]:
        if name == "section":
            return self.block_section(index, lang)
        return getattr(self, f"block_{name}")(lang)

    def signature(self, langs: tuple[str, ...]) -> list[Flowable]:
        if "signature" not in self.layout.blocks:
            return []
        block = SignatureBlock([self.labels[lang] for lang in langs], self.st.body,
                               self.layout.colors, space_before=self.layout.section_space)
        block.tag_id = next(self._ids)
        return [block]

    def story(self, langs: tuple[str, ...]) -> list[Flowable]:
        arrangement = self.layout.arrangement
        gap = self.layout.section_space
        if arrangement == "columns":
            story: list[Flowable] = [LangMark(langs)]
            for i, (name, index) in enumerate(self.blocks()):
                cols = [self.block(name, index, lang) for lang in langs]
                if any(cols):
                    story.append(Columns(cols, self.layout.column_gap, 0 if i == 0 else gap))
            return story + self.signature(langs)
        story = []
        for n, lang in enumerate(langs):
            if n:  # the back of the previous language's last sheet, when it is blank
                story += [PageBreak(), FillPageIfEven(
                    self.labels[langs[n - 1]]["blank_page"], self.st.note.fontName,
                    self.st.note.fontSize, self.layout.colors["muted"])]
            story.append(LangMark((lang,)))
            for name, index in self.blocks():
                flow = self.block(name, index, lang)
                if flow:
                    flow[0].spaceBefore = max(flow[0].getSpaceBefore(), gap)
                story += flow
            story += self.signature((lang,))
        return story
