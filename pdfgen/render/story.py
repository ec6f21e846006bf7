"""The story: the handout's blocks, per language, arranged as columns, stacked or single."""

from __future__ import annotations

from itertools import count

from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, PageBreak

from .. import markup
from ..errors import record
from ..i18n import Labels
from ..languages import profile
from ..model import Bullets, Clinic, Figure, Layout, Procedure, Text
from . import rl
from .flowables import (
    Box,
    CheckItem,
    Columns,
    FillPageIfEven,
    Heading,
    Keep,
    LangMark,
    NotesArea,
    Para,
)
from .fonts import Family, FontStack, family, stack
from .page import tel_uri, web_label
from .signature import SignatureBlock

BULLET = "\u2022"
EPS_LINE = 0.5  # points: two lines and a hair, not the height of a single line
# a caption goes beside its picture when its lines there hold this many characters or more
CAPTION_CHARS = 30


@record
class Styles:
    """The paragraph styles of one language's text."""

    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    subheading: ParagraphStyle
    body: ParagraphStyle
    bullet: ParagraphStyle
    check: ParagraphStyle
    note: ParagraphStyle
    status: ParagraphStyle  # the clinic, version and review state under the title

    def __init__(self, title, subtitle, heading, subheading, body, bullet, check, note,
                 status) -> None:
        object.__setattr__(self, "title", title)
        object.__setattr__(self, "subtitle", subtitle)
        object.__setattr__(self, "heading", heading)
        object.__setattr__(self, "subheading", subheading)
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "bullet", bullet)
        object.__setattr__(self, "check", check)
        object.__setattr__(self, "note", note)
        object.__setattr__(self, "status", status)


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
                             spaceAfter=para * 0.5),
        note=ParagraphStyle("note", parent=base, textColor=HexColor(layout.colors["muted"])),
        status=ParagraphStyle("status", parent=base, textColor=HexColor(layout.colors["muted"]),
                              fontSize=layout.sizes["footer"],
                              leading=layout.sizes["footer"] * lead, spaceAfter=para),
    )


class StoryBuilder:
    """Turns one procedure into flowables for one layout; every piece knows its language."""

    def __init__(self, proc: Procedure, clinic: Clinic, layout: Layout, styles: Styles,
                 labels: dict[str, Labels], page_height: float = 1e9):
        self.proc, self.clinic, self.layout = proc, clinic, layout
        self.st, self.labels = styles, labels
        self._ids = count(1)
        self.page_height = page_height  # the body frame's height: what keeps can hold
        # no piece of a panel or kept block is shorter than two lines of body text
        self.least = styles.body.leading * 2 + EPS_LINE
        self._stacks: dict[tuple[str, str], FontStack] = {}
        self._styles: dict[tuple[int, str], ParagraphStyle] = {}
        # the Latin family of each font a style may name: body, heading and title faces
        self._latin = {face: fam.name for fam in (family(layout.fonts[role]) for role in
                       ("body", "heading", "title")) for face in fam.faces.values()}

    # -- languages: fonts, line breaking ---------------------------------------------------
    def fonts(self, lang: str, font: str) -> FontStack:
        """The font stack of text in `lang` whose style names `font` (a Latin face)."""
        key = (lang, self._latin.get(font, self.layout.fonts["body"]))
        if key not in self._stacks:
            self._stacks[key] = stack(key[1], lang)
        return self._stacks[key]

    def localize(self, style: ParagraphStyle, lang: str) -> ParagraphStyle:
        """`style` for text in `lang`: the same object for a Latin-script language the
        layout's faces can set; else in the script's family (its line height, its shaping),
        with the language's line breaking."""
        prof = profile(lang)
        if prof is None or (not prof.fonts and prof.line_breaking == "spaces"
                            and not prof.rtl):
            return style
        key = (id(style), lang)
        if key not in self._styles:
            fonts = self.fonts(lang, style.fontName)
            face = "bold" if style.fontName.endswith("-bold") else "regular"
            extra = {"fontName": fonts.font(face)}
            if prof.line_breaking == "cjk":
                extra["wordWrap"] = "CJK"
            elif prof.line_breaking == "phrases":  # Lao: a phrase is never split
                extra["splitLongWords"] = 0
            if prof.rtl:  # shaped; aligned right, indents (bullets, boxes) at the right
                mirror = {} if _localized(style) else {"leftIndent": style.rightIndent,
                                                       "rightIndent": style.leftIndent}
                extra = rl.shaping_style(**extra, alignment=TA_RIGHT, **mirror)
            self._styles[key] = ParagraphStyle(f"{style.name}-{lang}", parent=style, **extra)
            self._styles[key]._pdfgen_base = style  # keeps id(style) from being reused
        return self._styles[key]

    @staticmethod
    def rtl(lang: str) -> bool:
        prof = profile(lang)
        return bool(prof and prof.rtl)

    def restyle(self, para: Para, style: ParagraphStyle) -> Para:
        """Give a paragraph made by _para another style, localized like the first."""
        para.style = self.localize(style, para.lang)
        return para

    # -- leaf pieces -------------------------------------------------------------------
    def _para(self, cls, xml: str, style: ParagraphStyle, lang: str, role: str,
              bullet: str | None = None, **extra) -> Para:
        local = self.localize(style, lang)
        if local is not style:  # runs the script's family lacks in the Latin face, or back
            xml = self.fonts(lang, style.fontName).para_xml(xml)
        rtl = self.rtl(lang)
        p = cls(xml, local, bulletText=None if rtl else bullet)
        p.role, p.lang, p.elem = role, lang, next(self._ids)
        if rtl:  # its lines' words put in display order, its bullet at the right, when drawn
            p.rtl_words, p.rtl_bullet = rl.source_words(p), bullet
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

    def bullets(self, items, lang: str, style=None) -> list[Para]:
        """List items; a list of three or more keeps its first item with the second and
        its last two together, so no item is stranded at the top or foot of a page."""
        out = [self._para(Para, markup.to_para_xml(t[lang]), style or self.st.bullet, lang,
                          "LI", bullet=BULLET) for t in items]
        if len(out) >= 3:  # 1 + 2, or 2 + 1 + ... + 2
            out[-2].keepWithNext = 1
        if len(out) >= 4:
            out[0].keepWithNext = 1
        return out

    def keep(self, items, whole: bool = True) -> Box:
        """Items kept together: whole on the next page if they fit one (`whole`), else
        split between items only, never leaving a piece under two lines."""
        return Box(items, keep=Keep(self.page_height, self.least, whole=whole))

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
        return self.page_height

    def figure(self, fig: Figure, lang: str) -> list[Flowable]:
        """A section's picture and its caption, kept together; the picture at most half a
        page tall."""
        from .figure import FigureBlock, Picture, PictureBeside, alt_text  # (only when used)

        picture = Picture(fig.image, family(self.layout.fonts["body"]), self.layout.figure_width,
                          self._frame_height() * 0.5, alt_text(markup.plain(fig.alt[lang])),
                          lang, next(self._ids))
        style = ParagraphStyle("caption", parent=self.st.body, spaceBefore=self.st.body.fontSize
                               * 0.4, spaceAfter=0)
        caption = self.text(fig.caption, lang, style)
        size, width = self.layout.sizes["body"], self._column_width()
        share = min(self.layout.figure_width, 0.42)
        gap = size * 1.2
        if (width * (1 - share) - gap) / (size * 0.5) >= CAPTION_CHARS:
            # a wide column: the caption beside the picture, not under it
            picture = Picture(fig.image, picture.fam, 1.0, self._frame_height() * 0.5,
                              picture.alt, lang, picture.elem)
            self.restyle(caption, ParagraphStyle("caption-beside", parent=style,
                                                 spaceBefore=0))
            items: list[Flowable] = [PictureBeside(picture, [caption], gap, share,
                                                   self.rtl(lang))]
        else:
            items = [picture, caption]
        return [FigureBlock(items, self._frame_height(),
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
        from .figure import Beside, FigureBlock, QrCode, address_lines, web_words

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
        # the address under the panel's text, beside the code, when the lines there are
        # wide enough for it; else on lines of its own under both
        beside_width = inner - code.side - size
        if all(stringWidth(line, family(self.layout.fonts["body"]).bold, size) <= beside_width
               for line in lines):
            self.restyle(items[-1], ParagraphStyle("contact-beside", parent=self.st.body,
                                                   spaceAfter=self.layout.paragraph_space))
            return [FigureBlock([Beside([*items, beneath], code, size,
                                                      self.rtl(lang))], self._frame_height())]
        return [FigureBlock([Beside(items, code, size, self.rtl(lang)), beneath],
                            self._frame_height())]

    def _column_width(self) -> float:
        layout = self.layout
        if layout.arrangement == "columns":
            return (layout.frame_width - layout.column_gap * (layout.languages - 1)
                    ) / layout.languages
        return layout.frame_width

    def block_contact(self, lang: str, full: bool = False, qr: bool | None = None
                      ) -> list[Flowable]:
        """How to reach us; `full` (in "When to call us", where a patient looks for it)
        adds the fax number and the clinic's address. The first panel (near the title, where
        "read this online" is useful before anything else) has the QR code to the handout's
        web page, unless `qr` says otherwise."""
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
        if full:
            where = [f"{markup.escape(lab['fax'])}: {markup.escape(clinic.fax)}"]
            if clinic.address:  # as the clinic writes it, its line breaks kept
                where += [markup.escape(line.strip()) for line in clinic.address.splitlines()
                          if line.strip()]
            items.append(self._para(Para, "<br/>".join(where), self.st.body, lang, "P"))
        self.restyle(items[-1], ParagraphStyle("contact-last", parent=self.st.body,
                                               spaceAfter=0))
        if not full if qr is None else qr:
            items = self._with_qr(items, lang)
        return [self._panel(items, "callout", lang, whole=True)]

    def block_section(self, index: int, lang: str) -> list[Flowable]:
        sec = self.proc.sections[index]
        out: list[Flowable] = [self.heading(markup.plain(sec.heading[lang]), lang)]
        for n, block in enumerate(sec.body):
            if isinstance(block, Bullets):
                out += self.bullets(block.items, lang)
            elif isinstance(block, Figure):
                out += self.figure(block, lang)
            else:
                para = self.text(block.text, lang)
                if n + 1 < len(sec.body) and isinstance(sec.body[n + 1], Bullets):
                    self.lead_in(para)
                out.append(para)
        return out

    @staticmethod
    def lead_in(para: Para) -> Para:
        """A paragraph ending in ':' introduces what follows: it never ends a page."""
        if markup.plain(para.text).rstrip().endswith(":"):
            para.keepWithNext = 1
        return para

    def block_benefits(self, lang: str) -> list[Flowable]:
        return [self.heading(self.labels[lang]["benefits"], lang),
                *self.bullets(self.proc.benefits, lang)]

    def block_risks(self, lang: str) -> list[Flowable]:
        risks = self.proc.risks
        items = [self.heading(self.labels[lang]["risks"], lang),
                 self.lead_in(self.text(risks.intro, lang)),
                 *self.bullets(risks.items, lang),
                 self.label("risks_differ", lang, ParagraphStyle("risk-note", parent=self.st.body,
                                                                fontName=self.st.subheading.fontName,
                                                                spaceAfter=0))]
        return [self._panel(items, "risk", lang)]

    def block_alternatives(self, lang: str) -> list[Flowable]:
        alt = self.proc.alternatives
        return [self.heading(self.labels[lang]["alternatives"], lang),
                *self.bullets(alt.options, lang),
                self.label("doing_nothing", lang, self.st.subheading, role="H3"),
                self.text(alt.doing_nothing, lang)]

    def block_prompts(self, lang: str) -> list[Flowable]:
        hint = ParagraphStyle("hint", parent=self.st.note, keepWithNext=1)
        out: list[Flowable] = [self.heading(self.labels[lang]["prompts"], lang),
                               self.label("prompts_hint", lang, hint)]
        for prompt in self.proc.prompts:
            out.append(self._para(CheckItem, markup.to_para_xml(prompt[lang]), self.st.check, lang,
                                  "CHECK", box_color=self.layout.colors["text"]))
        return [self.keep(out)]

    def block_notes(self, lang: str) -> list[Flowable]:
        return self.notes((lang,))

    def notes(self, langs: tuple[str, ...]) -> list[Flowable]:
        """The notes area: a heading and a hint per language, then lines to write on (at
        least the layout's notes_lines, up to twice as many where the page has room)."""
        count = self.layout.notes_lines
        if not count:
            return []
        spacing = max(self.layout.sizes["body"] * 2.0, 26)  # wide-ruled paper or wider
        hint = ParagraphStyle("notes-hint", parent=self.st.note, spaceAfter=0)
        heads = [[self.heading(self.labels[lang]["notes"], lang),
                  self.label("notes_hint", lang, hint)] for lang in langs]
        most = max(count, min(count * 2, int(self.page_height * 0.5 // spacing)))
        return [NotesArea(heads, self.layout.column_gap, count, most, spacing,
                          self.layout.colors["rule"], page_height=self.page_height)]

    def block_call_when(self, lang: str) -> list[Flowable]:
        """When to call: the signs, the boxed emergency line, how to reach us; kept
        together on one page when it fits one."""
        return [self.keep([self.heading(self.labels[lang]["call_when"], lang),
                           self.label("call_when_intro", lang, self.st.subheading),
                           *self.bullets(self.proc.call_when, lang),
                           self.emergency(lang),
                           *self.block_contact(lang, full=True)])]

    def emergency(self, lang: str) -> Box:
        """The emergency line, boxed with a heavy border that any printer prints."""
        size = self.layout.sizes["body"]
        strong = ParagraphStyle("emergency", parent=self.st.subheading, spaceAfter=0,
                                keepWithNext=0)
        if self.proc.emergency:
            items = [self.label("emergency_intro", lang, ParagraphStyle(
                         "emergency-intro", parent=self.st.subheading)),
                     *self.bullets(self.proc.emergency, lang, ParagraphStyle(
                         "emergency-item", parent=self.st.bullet, fontName=strong.fontName))]
            self.restyle(items[-1], ParagraphStyle("emergency-last", parent=items[-1].style,
                                                   spaceAfter=0))
        else:
            items = [self.label("emergency_line", lang, strong)]
        return Box(items, pad=size * 0.6, border=self.layout.colors["risk_border"],
                   border_width=max(2.0, size * 0.17), space_after=self.layout.paragraph_space,
                   keep=Keep(self.page_height, self.least))

    def block_sources(self, lang: str) -> list[Flowable]:
        if not self.proc.sources:
            return []
        items = [f"{s.title} {s.url}".strip() for s in self.proc.sources]
        return [self.heading(self.labels[lang]["sources"], lang),
                *[self._para(Para, markup.escape(t), self.st.note, lang, "LI", bullet=BULLET)
                  for t in items]]

    def _panel(self, items, kind: str, lang: str, whole: bool = False) -> Box:
        """A tinted panel with a bar at its left (at its right in a right-to-left language);
        it splits between its items only (a piece at least two lines), or never when `whole`
        and it fits a page."""
        colors = self.layout.colors
        size = self.layout.sizes["body"]
        return Box(items, pad=size * 0.7, fill=colors[f"{kind}_fill"],
                   bar=colors[f"{kind}_border"], bar_width=size * 0.35,
                   space_after=self.layout.paragraph_space,
                   keep=Keep(self.page_height, self.least, whole=whole),
                   rtl=self.rtl(lang))

    # -- the language-assistance taglines page (pdfgen/taglines.py) ------------------------
    def taglines_page(self) -> list[Flowable]:
        """A page of its own after the handout, when the layout asks for it and clinic.yaml
        names the languages: a heading, each tagline in its own language (its fonts, line
        breaking and direction, tagged with its /Lang) at the body size, in two columns
        when one would not hold them all, then the nondiscrimination statement."""
        notice = self.clinic.taglines
        if self.layout.taglines != "page" or notice is None:
            return []
        from ..taglines import PAGE_LANGS, statement, tagline, texts

        size = self.layout.sizes["body"]
        words = texts()
        style = ParagraphStyle("tagline", parent=self.st.body, alignment=TA_LEFT,
                               spaceAfter=size * 0.8)
        number = f"{notice.phone} (TTY: {notice.tty})" if notice.tty else notice.phone
        items = []
        for code in notice.languages:
            prof = profile(code)
            text = markup.escape(tagline(code, notice.phone, notice.tty))
            text = text.replace(markup.escape(number), f"<b>{markup.escape(number)}</b>")
            xml = f"<b>{markup.escape(prof.name)}</b><br/>{text}"
            # localized: its fonts, direction and line breaking (Lao: between phrases only)
            items.append(self._para(Para, xml, style, code, "P"))
        head = [self.heading(words.heading["en"], "en"),
                self._para(Para, markup.escape(words.heading["es"]), self.st.subtitle, "es",
                           "P")]
        note = ParagraphStyle("nondiscrimination", parent=self.st.body,
                              spaceBefore=size * 0.5)
        tail = [self._para(Para, markup.escape(statement(lang, self.clinic.name)),
                           note if n == 0 else self.st.body, lang, "P")
                for n, lang in enumerate(PAGE_LANGS)]
        width, gap = self.layout.frame_width, self.layout.column_gap

        def height(flows, w: float) -> float:
            return sum(f.wrap(w, 1e9)[1] + f.getSpaceAfter() + f.getSpaceBefore()
                       for f in flows)

        room = self.page_height - height(head + tail, width)
        if height(items, width) <= room:
            body: list[Flowable] = items
        else:  # two columns, the first half (by height) at the left, read first
            col = (width - gap) / 2
            heights = [height([f], col) for f in items]
            total, run, cut = sum(heights), 0.0, len(items)
            for i, h in enumerate(heights):
                if run + h / 2 >= total / 2:
                    cut = i
                    break
                run += h
            cut = max(1, cut)
            # a tagline is never split between columns or pages
            body = [Columns([items[:cut], items[cut:]], gap, keep=Keep(
                self.page_height, self.least, whole=False, whole_items=True))]
        return [PageBreak(), *head, *body, *tail]

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

    def signature_intro(self, lang: str) -> list[Flowable]:
        """Above the signature lines, in each language: a heading, what to do, and which
        handout this is (procedure, version, date), so a page that ends up on its own, or
        in the patient's chart, still says what was discussed."""
        lab, proc = self.labels[lang], self.proc
        about = " · ".join([markup.escape(markup.plain(proc.title[lang])),
                            markup.escape(lab.format("version", version=proc.version)),
                            markup.escape(lab.review_words(proc.shown_date,
                                                           proc.pending_review))])
        return [self.heading(lab["signature_heading"], lang),
                self._para(Para, f"<b>{about}</b><br/>{markup.escape(lab['signature_hint'])}",
                           ParagraphStyle("signature-about", parent=self.st.body,
                                          keepWithNext=1), lang, "P")]

    def signature(self, langs: tuple[str, ...]) -> list[Flowable]:
        if "signature" not in self.layout.blocks:
            return []
        block = SignatureBlock([self.labels[lang] for lang in langs], self.st.body,
                               self.layout.colors, space_before=self.layout.paragraph_space,
                               fonts=[self.fonts(lang, self.st.body.fontName) for lang in langs])
        block.tag_id = next(self._ids)
        if len(langs) > 1:
            intro: list[Flowable] = [Columns([self.signature_intro(lang) for lang in langs],
                                             self.layout.column_gap)]
        else:
            intro = self.signature_intro(langs[0])
        kept = self.keep([*intro, block])
        kept.spaceBefore = self.layout.section_space
        return [kept]

    def story(self, langs: tuple[str, ...]) -> list[Flowable]:
        arrangement = self.layout.arrangement
        gap = self.layout.section_space
        if arrangement == "columns":
            story: list[Flowable] = [LangMark(langs)]
            for i, (name, index) in enumerate(self.blocks()):
                if name == "notes":  # one area across the columns
                    area = self.notes(langs)
                    for flowable in area:
                        flowable.spaceBefore = gap
                    story += area
                    continue
                cols = [self.block(name, index, lang) for lang in langs]
                if any(cols):
                    # rows start in step: both languages on this page, or both on the next
                    story.append(Columns(cols, self.layout.column_gap, 0 if i == 0 else gap,
                                         Keep(self.page_height, self.least, whole=False,
                                              whole_items=False)))
            return _notes_reserve(story + self.signature(langs) + self.taglines_page())
        story = []
        for n, lang in enumerate(langs):
            if n:  # the back of the previous language's last sheet, when it is blank
                story += [PageBreak(), FillPageIfEven(
                    self.labels[langs[n - 1]]["blank_page"], self.st.note.fontName,
                    self.st.note.fontSize, self.layout.colors["muted"],
                    self.fonts(langs[n - 1], self.st.note.fontName))]
            story.append(LangMark((lang,)))
            for name, index in self.blocks():
                flow = self.block(name, index, lang)
                if len(flow) > 1:  # split like a column: a heading keeps two lines with it
                    flow = [Box(flow, keep=Keep(self.page_height, self.least, whole=False,
                                                whole_items=False))]
                if flow:
                    flow[0].spaceBefore = max(flow[0].getSpaceBefore(), gap)
                story += flow
            story += self.signature((lang,))
        return _notes_reserve(story + self.taglines_page())


def _localized(style: ParagraphStyle) -> bool:
    """Whether `style` is, or derives from, a style localize() made (its indents are
    mirrored already: restyle's styles derive from the paragraph's own)."""
    while style is not None:
        if "_pdfgen_base" in vars(style):
            return True
        style = getattr(style, "parent", None)
    return False


def _notes_reserve(story: list[Flowable]) -> list[Flowable]:
    """Tell each notes area what follows it in its language, so that its extra lines do
    not push the rest onto a page of its own."""
    for i, flowable in enumerate(story):
        if isinstance(flowable, NotesArea):
            end = next((j for j in range(i + 1, len(story))
                        if isinstance(story[j], PageBreak)), len(story))
            flowable.after = [f for f in story[i + 1:end] if not isinstance(f, LangMark)]
    return story
