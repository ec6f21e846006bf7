"""Stage 2 data: the typed, frozen content model every later stage works on."""

from __future__ import annotations

import datetime as dt
from dataclasses import field

from .errors import Pos, record

_set = object.__setattr__  # how a frozen class's __init__ sets its fields (errors.record)
NOWHERE = Pos("")  # the default position: none known


@record
class Text:
    """One human-readable text given in every language of the clinic, side by side."""

    values: tuple[tuple[str, str], ...]
    pos: Pos = field(default=NOWHERE, compare=False)
    where: tuple[tuple[str, Pos], ...] = field(default=(), compare=False)  # lang -> value's pos

    def __init__(self, values, pos=NOWHERE, where=()) -> None:
        _set(self, "values", values)
        _set(self, "pos", pos)
        _set(self, "where", where)

    def pos_of(self, lang: str) -> Pos:
        """Where this language's text was written (the mapping's position if unknown)."""
        for code, pos in self.where:
            if code == lang:
                return pos
        return self.pos

    def __getitem__(self, lang: str) -> str:
        for code, value in self.values:
            if code == lang:
                return value
        raise KeyError(lang)

    def get(self, lang: str, default: str = "") -> str:
        try:
            return self[lang]
        except KeyError:
            return default

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.values)


@record
class Paragraph:
    """A paragraph of a section's body."""

    text: Text

    def __init__(self, text) -> None:
        _set(self, "text", text)


@record
class Bullets:
    """A bulleted list in a section's body."""

    items: tuple[Text, ...]
    pos: Pos = field(default=NOWHERE, compare=False)

    def __init__(self, items, pos=NOWHERE) -> None:
        _set(self, "items", items)
        _set(self, "pos", pos)


@record
class Image:
    """A figure's picture, as read and checked at load (pdfgen/figures.py): the renderer
    draws these bytes, so a build job needs no file of the library."""

    name: str  # the file as the handout names it, relative to its folder
    kind: str  # "svg", "png" or "jpeg"
    data: bytes = field(repr=False)
    width: float  # pixels, or an SVG's user units: its shape
    height: float
    texts: tuple[str, ...] = ()  # text an SVG draws (checked for glyphs)

    def __init__(self, name, kind, data, width, height, texts=()) -> None:
        _set(self, "name", name)
        _set(self, "kind", kind)
        _set(self, "data", data)
        _set(self, "width", width)
        _set(self, "height", height)
        _set(self, "texts", texts)


@record
class Figure:
    """A picture in a section, with its alt text (read aloud) and caption (printed)."""

    image: Image
    alt: Text
    caption: Text
    pos: Pos = field(default=NOWHERE, compare=False)

    def __init__(self, image, alt, caption, pos=NOWHERE) -> None:
        _set(self, "image", image)
        _set(self, "alt", alt)
        _set(self, "caption", caption)
        _set(self, "pos", pos)


Block = Paragraph | Bullets | Figure


@record
class Section:
    """A section: its heading and body (paragraphs, bullets, figures)."""

    heading: Text
    body: tuple[Block, ...]
    pos: Pos = field(default=NOWHERE, compare=False)

    def __init__(self, heading, body, pos=NOWHERE) -> None:
        _set(self, "heading", heading)
        _set(self, "body", body)
        _set(self, "pos", pos)


@record
class Risks:
    """The risks: an introduction and the list."""

    intro: Text
    items: tuple[Text, ...]

    def __init__(self, intro, items) -> None:
        _set(self, "intro", intro)
        _set(self, "items", items)


@record
class Alternatives:
    """The other choices, doing nothing among them."""

    options: tuple[Text, ...]
    doing_nothing: Text  # required: what happens if the patient chooses no treatment

    def __init__(self, options, doing_nothing) -> None:
        _set(self, "options", options)
        _set(self, "doing_nothing", doing_nothing)


@record
class Source:
    """A source the handout's text draws on."""

    title: str
    url: str = ""

    def __init__(self, title, url="") -> None:
        _set(self, "title", title)
        _set(self, "url", url)


@record
class Procedure:
    """One procedure handout, as loaded from handouts/<id>.yaml."""

    id: str
    version: str
    specialty: str
    updated: dt.date  # when the text was last edited (`updated:`)
    reviewed: dt.date | None  # the clinical sign-off's date; None: pending clinical review
    reviewed_by: str  # who signed it off (recorded, not printed); empty while pending
    title: Text
    summary: Text
    sections: tuple[Section, ...]
    benefits: tuple[Text, ...]
    risks: Risks
    alternatives: Alternatives
    prompts: tuple[Text, ...]
    call_when: tuple[Text, ...]
    sources: tuple[Source, ...] = ()
    # the signs that mean "call 911 or go to the emergency room", printed boxed after
    # call_when; none, and the box says only "In an emergency, call 911..."
    emergency: tuple[Text, ...] = ()
    path: str = ""
    waivers: tuple[tuple[str, str], ...] = ()  # (quality rule, reason) the clinic accepted
    under_review: tuple[str, ...] = ()  # languages whose translation is not confirmed
    # printed only when a user let an overdue handout through (render/email --allow-overdue)
    review_overdue: bool = False
    # the reviewer's role as printed after "Reviewed <month year> by" ({en: a spine surgeon,
    # es: un cirujano de columna}); None while pending, and for the old shape
    reviewer_role: Text | None = None
    # written the old way, `reviewed: DATE` and `reviewed_by: NAME or ""` (docs/content.md):
    # read as meaning the same, and warned about (rule old-review-fields)
    old_review_fields: bool = False
    positions: tuple[tuple[str, Pos], ...] = field(default=(), compare=False)  # top-level keys
    # clinic languages the handout is not written in (not `required` in clinic.yaml), each
    # with the fields that lack it: (lang, (field, ...)). Those languages' PDFs are not
    # made of this handout; a text may still have them (a partial translation).
    missing: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __init__(self, id, version, specialty, updated, reviewed, reviewed_by, title, summary,
                 sections, benefits, risks, alternatives, prompts, call_when, sources=(),
                 emergency=(), path="", waivers=(), under_review=(), review_overdue=False,
                 reviewer_role=None, old_review_fields=False, positions=(), missing=()) -> None:
        _set(self, "id", id)
        _set(self, "version", version)
        _set(self, "specialty", specialty)
        _set(self, "updated", updated)
        _set(self, "reviewed", reviewed)
        _set(self, "reviewed_by", reviewed_by)
        _set(self, "title", title)
        _set(self, "summary", summary)
        _set(self, "sections", sections)
        _set(self, "benefits", benefits)
        _set(self, "risks", risks)
        _set(self, "alternatives", alternatives)
        _set(self, "prompts", prompts)
        _set(self, "call_when", call_when)
        _set(self, "sources", sources)
        _set(self, "emergency", emergency)
        _set(self, "path", path)
        _set(self, "waivers", waivers)
        _set(self, "under_review", under_review)
        _set(self, "review_overdue", review_overdue)
        _set(self, "reviewer_role", reviewer_role)
        _set(self, "old_review_fields", old_review_fields)
        _set(self, "positions", positions)
        _set(self, "missing", missing)

    def has(self, lang: str) -> bool:
        """Whether every text of the handout is written in `lang` (its PDFs can be made)."""
        return all(code != lang for code, _ in self.missing)

    def missing_fields(self, lang: str) -> tuple[str, ...]:
        """The fields that lack `lang` ((): none, the handout has it)."""
        return dict(self.missing).get(lang, ())

    def langs_in(self, clinic: Clinic) -> tuple[str, ...]:
        """The clinic's languages this handout is written in, in the clinic's order."""
        return tuple(code for code in clinic.lang_codes if self.has(code))

    def figures(self):
        """Every (field path, Figure) of the handout, in reading order."""
        for i, sec in enumerate(self.sections, 1):
            for j, block in enumerate(sec.body, 1):
                if isinstance(block, Figure):
                    yield f"sections[{i}].body[{j}].figure", block

    def pos_of(self, key: str) -> Pos:
        for name, pos in self.positions:
            if name == key:
                return pos
        return Pos(self.path)

    @property
    def pending_review(self) -> bool:
        """No clinician has signed this text off: its PDFs say "Pending clinical review"."""
        return self.reviewed is None

    def reviewer(self, lang: str) -> str:
        """The reviewer's role in `lang` as printed ("a spine surgeon"); "" when none."""
        if self.reviewer_role is None or self.reviewed is None:
            return ""
        return " ".join(self.reviewer_role.get(lang).split())

    @property
    def shown_date(self) -> dt.date:
        """The date the PDFs print: the review's when signed off, else the last edit's."""
        return self.updated if self.reviewed is None else self.reviewed

    def texts(self):
        """Every (field path, Text) pair of the handout, in reading order."""
        yield "title", self.title
        yield "summary", self.summary
        for i, sec in enumerate(self.sections, 1):
            yield f"sections[{i}].heading", sec.heading
            for j, block in enumerate(sec.body, 1):
                if isinstance(block, Paragraph):
                    yield f"sections[{i}].body[{j}]", block.text
                elif isinstance(block, Figure):
                    yield f"sections[{i}].body[{j}].figure.alt", block.alt
                    yield f"sections[{i}].body[{j}].figure.caption", block.caption
                else:
                    for k, item in enumerate(block.items, 1):
                        yield f"sections[{i}].body[{j}].bullets[{k}]", item
        for i, text in enumerate(self.benefits, 1):
            yield f"benefits[{i}]", text
        yield "risks.intro", self.risks.intro
        for i, text in enumerate(self.risks.items, 1):
            yield f"risks.items[{i}]", text
        for i, text in enumerate(self.alternatives.options, 1):
            yield f"alternatives.options[{i}]", text
        yield "alternatives.doing_nothing", self.alternatives.doing_nothing
        for name in ("prompts", "call_when", "emergency"):
            for i, text in enumerate(getattr(self, name), 1):
                yield f"{name}[{i}]", text


@record
class Language:
    """One of the clinic's languages."""

    code: str  # "en"
    locale: str  # "en-US" (BCP 47, as written into the PDF's /Lang)
    name: str  # "English", in that language
    # required: a handout without this language is an error; otherwise it is reported
    # (a warning) and the handout's PDFs in this language are not made. The primary
    # language is always required.
    required: bool = False

    def __init__(self, code, locale, name, required=False) -> None:
        _set(self, "code", code)
        _set(self, "locale", locale)
        _set(self, "name", name)
        _set(self, "required", required)

    @property
    def babel_locale(self) -> str:
        return self.locale.replace("-", "_")


@record
class Specialty:
    """One of the clinic's specialties."""

    id: str
    name: Text  # "spine specialists" / "especialistas en columna"

    def __init__(self, id, name) -> None:
        _set(self, "id", id)
        _set(self, "name", name)


@record
class Output:
    """One PDF every handout gets in a batch build: a layout and its languages."""

    name: str
    layout: str
    langs: tuple[str, ...]
    pos: Pos = field(default=NOWHERE, compare=False)  # where clinic.yaml lists it

    def __init__(self, name, layout, langs, pos=NOWHERE) -> None:
        _set(self, "name", name)
        _set(self, "layout", layout)
        _set(self, "langs", langs)
        _set(self, "pos", pos)


@record
class Quality:
    """The clinic's quality-gate settings (clinic.yaml `quality:`); defaults in docs/quality.md."""

    readability: tuple[tuple[str, float], ...] = ()  # metric key -> limit, overriding defaults
    section_words: int = 150
    summary_words: int = 60
    heading_words: int = 10
    glossary: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (lang, forms of one term), added
    pos: Pos = field(default=NOWHERE, compare=False)

    def __init__(self, readability=(), section_words=150, summary_words=60, heading_words=10,
                 glossary=(), pos=NOWHERE) -> None:
        _set(self, "readability", readability)
        _set(self, "section_words", section_words)
        _set(self, "summary_words", summary_words)
        _set(self, "heading_words", heading_words)
        _set(self, "glossary", glossary)
        _set(self, "pos", pos)

    def limit(self, key: str, default: float) -> float:
        return dict(self.readability).get(key, default)


DEFAULT_QUALITY = Quality()  # a clinic.yaml without `quality:`


@record
class MailSettings:
    """How the clinic sends email (the `email:` section of clinic.yaml); never credentials."""

    host: str
    port: int
    security: str  # "starttls", "ssl" or "none"
    sender: str  # the From address (`from:`); the clinic's name is its display name
    reply_to: str = ""
    ca_file: str = ""  # extra CA certificates to trust, absolute path; empty: the system's
    allow_unverified: bool = False  # TLS without checking the certificate (warned about)
    allow_plain: bool = False  # security: none (warned about)
    timeout: int = 30  # seconds per network operation

    def __init__(self, host, port, security, sender, reply_to="", ca_file="",
                 allow_unverified=False, allow_plain=False, timeout=30) -> None:
        _set(self, "host", host)
        _set(self, "port", port)
        _set(self, "security", security)
        _set(self, "sender", sender)
        _set(self, "reply_to", reply_to)
        _set(self, "ca_file", ca_file)
        _set(self, "allow_unverified", allow_unverified)
        _set(self, "allow_plain", allow_plain)
        _set(self, "timeout", timeout)


@record
class Taglines:
    """clinic.yaml `taglines:`: the languages of the language-assistance notice, in print
    order, and the number to call (pdfgen/taglines.yaml holds the texts)."""

    languages: tuple[str, ...]
    phone: str
    tty: str = ""
    pos: Pos = NOWHERE
    # where each language was written: findings about one name its line and field
    positions: tuple[Pos, ...] = ()

    def __init__(self, languages, phone, tty="", pos=NOWHERE, positions=()) -> None:
        _set(self, "languages", languages)
        _set(self, "phone", phone)
        _set(self, "tty", tty)
        _set(self, "pos", pos)
        _set(self, "positions", positions)

    def pos_of(self, code: str) -> tuple[Pos, str]:
        """Where `code` is listed, and its field (taglines.languages[3])."""
        i = self.languages.index(code)
        pos = self.positions[i] if i < len(self.positions) else self.pos
        return pos, f"taglines.languages[{i + 1}]"


@record
class Clinic:
    """The clinic profile shared by every handout (handouts/clinic.yaml)."""

    name: str
    phone: str
    fax: str
    web: str
    telemedicine: bool
    specialties: tuple[Specialty, ...]
    languages: tuple[Language, ...]
    primary: str
    review_months: int
    address: str | None = None  # postal address, printed as written in every language
    outputs: tuple[Output, ...] = ()
    path: str = ""
    quality: Quality = DEFAULT_QUALITY
    email: MailSettings | None = None  # how to send handouts by email; None: not set up
    # each handout's web address, with {id} and {lang} ("https://www.example.org/{lang}/
    # procedures/{id}"): printed as a QR code with the address beneath; "": no QR code
    handout_url: str = ""
    taglines: Taglines | None = None  # the language-assistance notice; None: not set up

    def __init__(self, name, phone, fax, web, telemedicine, specialties, languages, primary,
                 review_months, address=None, outputs=(), path="", quality=DEFAULT_QUALITY,
                 email=None, handout_url="", taglines=None) -> None:
        _set(self, "name", name)
        _set(self, "phone", phone)
        _set(self, "fax", fax)
        _set(self, "web", web)
        _set(self, "telemedicine", telemedicine)
        _set(self, "specialties", specialties)
        _set(self, "languages", languages)
        _set(self, "primary", primary)
        _set(self, "review_months", review_months)
        _set(self, "address", address)
        _set(self, "outputs", outputs)
        _set(self, "path", path)
        _set(self, "quality", quality)
        _set(self, "email", email)
        _set(self, "handout_url", handout_url)
        _set(self, "taglines", taglines)

    def url_for(self, handout_id: str, lang: str) -> str:
        """The handout's web address in one language, or "" when the clinic has none."""
        if not self.handout_url:
            return ""
        return self.handout_url.replace("{id}", handout_id).replace("{lang}", lang)

    @property
    def lang_codes(self) -> tuple[str, ...]:
        return tuple(lang.code for lang in self.languages)

    def output_matrix(self) -> tuple[Output, ...]:
        """The PDFs a build makes of every handout: `outputs:`, or by default the bilingual
        PDF (when the clinic has two languages or more) plus one PDF per language."""
        if self.outputs:
            return self.outputs
        here = Pos(self.path)
        singles = tuple(Output(code, "single", (code,), here) for code in self.lang_codes)
        if len(self.lang_codes) < 2:  # a one-language clinic has nothing to set side by side
            return singles
        return (Output("bilingual", "bilingual", self.lang_codes[:2], here), *singles)

    def language(self, code: str) -> Language:
        for lang in self.languages:
            if lang.code == code:
                return lang
        raise KeyError(code)

    def specialty(self, sid: str) -> Specialty:
        for spec in self.specialties:
            if spec.id == sid:
                return spec
        raise KeyError(sid)


@record
class Library:
    """A loaded content folder: the clinic and its procedures, sorted by id."""

    root: str
    clinic: Clinic
    procedures: tuple[Procedure, ...]

    def __init__(self, root, clinic, procedures) -> None:
        _set(self, "root", root)
        _set(self, "clinic", clinic)
        _set(self, "procedures", procedures)

    def procedure(self, pid: str) -> Procedure:
        for proc in self.procedures:
            if proc.id == pid:
                return proc
        raise KeyError(pid)


@record
class Layout:
    """How a handout is laid out: all lengths in points, colors as #rrggbb."""

    name: str
    description: str
    files: tuple[str, ...]  # this layout's file, then each file it extends
    page_size: tuple[float, float]
    margins: tuple[float, float, float, float]  # top, right, bottom, left
    arrangement: str
    languages: int
    column_gap: float
    large_print: bool
    fonts: dict[str, str]  # role -> family
    sizes: dict[str, float]
    leading: float
    paragraph_space: float
    section_space: float
    colors: dict[str, str]
    footer_height: float
    notes_lines: int
    blocks: tuple[str, ...]
    positions: dict[str, Pos]  # field path -> where its value was written (for checks)
    align: str = "left"  # body text: left (ragged right) or justify
    figure_width: float = 0.8  # a figure's width, as a fraction of the column (0.25-1)
    qr: bool = True  # print the QR code to the handout's web address (clinic handout_url)
    taglines: str = "none"  # "page": append the language-assistance taglines page

    def __init__(self, name, description, files, page_size, margins, arrangement, languages,
                 column_gap, large_print, fonts, sizes, leading, paragraph_space, section_space,
                 colors, footer_height, notes_lines, blocks, positions, align="left",
                 figure_width=0.8, qr=True, taglines="none") -> None:
        _set(self, "name", name)
        _set(self, "description", description)
        _set(self, "files", files)
        _set(self, "page_size", page_size)
        _set(self, "margins", margins)
        _set(self, "arrangement", arrangement)
        _set(self, "languages", languages)
        _set(self, "column_gap", column_gap)
        _set(self, "large_print", large_print)
        _set(self, "fonts", fonts)
        _set(self, "sizes", sizes)
        _set(self, "leading", leading)
        _set(self, "paragraph_space", paragraph_space)
        _set(self, "section_space", section_space)
        _set(self, "colors", colors)
        _set(self, "footer_height", footer_height)
        _set(self, "notes_lines", notes_lines)
        _set(self, "blocks", blocks)
        _set(self, "positions", positions)
        _set(self, "align", align)
        _set(self, "figure_width", figure_width)
        _set(self, "qr", qr)
        _set(self, "taglines", taglines)

    @property
    def frame_width(self) -> float:
        return self.page_size[0] - self.margins[1] - self.margins[3]
