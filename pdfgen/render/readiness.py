"""Render-readiness: what the renderer needs of a handout and a layout, checked before drawing.

`pdfgen check` runs these without drawing, and every command that renders runs them first,
so a handout that passes `check --strict` is one that renders: every character has a glyph
in the face it will be set in; the layout's page, frame, footer and signature block fit;
and the content's counts are bounded (nothing a patient handout needs comes close).
"""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth

from .. import markup
from ..errors import Finding, Pos
from ..i18n import labels_for
from ..model import Clinic, Layout, Procedure
from ..rules import finding
from . import rl
from .fonts import FontMissing, FontStack, family, stack
from .page import (
    SHRINK,
    FooterSpec,
    footer_height,
    footer_height_for,
    footer_worst_case,
    web_label,
)
from .signature import SignatureBlock
from .story import BULLET

# Content counts far beyond any handout: they bound the time and memory one render takes.
MAX_TEXT_CHARS = 5_000  # one paragraph, item or heading
MAX_LANGUAGE_CHARS = 60_000  # the whole handout in one language (the sample: about 4,400)
MAX_ITEMS = 100  # items in one list (risks, prompts, bullets...)
MAX_SECTIONS = 60

# The body frame holds at least this many lines of body text (and the signature block).
MIN_FRAME_LINES = 20
# A column holds at least this many average characters of body text (the line-length
# quality rule asks for 30-75; below this, words cannot be set at all).
MIN_COLUMN_CHARS = 12
# Printers cannot print right at the paper's edge: the footer's last line keeps this much.
PRINTABLE_EDGE = 12.0

# A sample of body text to measure the average character width with.
SAMPLE = ("A hemilaminectomy is a type of back surgery. The surgeon removes part of a bone "
          "in your spine, on one side only. La hemilaminectomía es una cirugía de la espalda.")


def chars_per_line(layout: Layout) -> float:
    """Average characters that fit a body line, measured with the body font itself."""
    size = layout.sizes["body"]
    width = stringWidth(SAMPLE, family(layout.fonts["body"]).regular, size) / len(SAMPLE)
    return column_width(layout) / width


def column_width(layout: Layout) -> float:
    if layout.arrangement == "columns":
        return (layout.frame_width - layout.column_gap * (layout.languages - 1)) / layout.languages
    return layout.frame_width


def check_layout(layout: Layout) -> list[Finding]:
    """Does the layout's geometry leave room for what the renderer draws? Errors only."""
    out: list[Finding] = []
    where = layout.positions
    first = Pos(layout.files[0]) if layout.files else Pos(layout.name)

    def error(key: str, message: str) -> None:
        out.append(finding(where.get(key, first), key, message, "page-geometry"))

    width = layout.page_size[0]
    top, right, bottom, left = layout.margins
    body = layout.sizes["body"]
    frame_h = _least_frame(layout)
    for side, margin in zip(("top", "right", "bottom", "left"), (top, right, bottom, left),
                            strict=True):
        if margin < PRINTABLE_EDGE:
            error(f"page.margins.{side}", f"the {side} margin is {margin:g} pt: printers "
                                          f"cannot print the last {PRINTABLE_EDGE:g} pt of the "
                                          f"paper, so text there would be cut off")
    if layout.frame_width <= 0:
        error("page.margins.left", f"the left and right margins ({left:g} + {right:g} pt) are "
                                   f"wider than the page ({width:g} pt)")
    elif column_width(layout) < MIN_COLUMN_CHARS * body * 0.5:
        error("column_gap" if layout.arrangement == "columns" else "page.margins.left",
              f"a column is {column_width(layout):.0f} pt wide: too narrow for {body:g} pt "
              f"text (at least {MIN_COLUMN_CHARS * body * 0.5:.0f} pt)")
    if frame_h < _frame_need(layout):
        error(_frame_key(layout), _frame_message(layout, frame_h))
    return out


def _frame_key(layout: Layout) -> str:
    return "footer.height" if "footer.height" in layout.positions else "page.margins.top"


def _frame_need(layout: Layout) -> float:
    """The text frame's least height: 20 lines of body text, and the signature block."""
    body = layout.sizes["body"]
    return max(MIN_FRAME_LINES * body * layout.leading, SignatureBlock.height_for(body))


def _least_frame(layout: Layout) -> float:
    """The text frame's height above the shortest footer (two lines: clinic; version and
    review); check_footer measures it above this handout's own tallest footer."""
    return layout.page_size[1] - layout.margins[0] - layout.margins[2] - max(
        layout.footer_height, footer_height_for(layout.sizes["footer"], 2))


def _frame_message(layout: Layout, frame_h: float) -> str:
    body = layout.sizes["body"]
    need = _frame_need(layout)
    return (f"the page leaves {max(frame_h, 0):.0f} pt for text between the top margin and "
            f"the footer; {body:g} pt text needs at least {need:.0f} pt ({MIN_FRAME_LINES} "
            f"lines, and the signature block): reduce the margins, the footer size or "
            f"footer.height")


def page_groups(layout: Layout, langs: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The languages of each kind of page: side by side, every page holds all of them;
    stacked or single, each page one."""
    return [langs] if layout.arrangement == "columns" else [(lang,) for lang in langs]


def body_stacks(layout: Layout, langs: tuple[str, ...]) -> dict[str, FontStack]:
    """Each language's body font stack; the Latin face alone where a language's fonts are
    not installed (check_glyphs reports that, and nothing renders until it is fixed)."""
    out = {}
    for lang in langs:
        try:
            out[lang] = stack(layout.fonts["body"], lang)
        except FontMissing:
            out[lang] = stack(layout.fonts["body"])
    return out


def footer_spec(proc: Procedure, clinic: Clinic, layout: Layout, langs: tuple[str, ...],
                labels=None) -> FooterSpec:
    """The footer of this handout in this layout, its height what its tallest page needs
    (at least the layout's footer.height)."""
    labels = labels or {lang: labels_for(clinic.language(lang).locale) for lang in langs}
    spec = FooterSpec(clinic=clinic, procedure=proc, labels=labels,
                      family=family(layout.fonts["body"]), size=layout.sizes["footer"],
                      colors=layout.colors, left=layout.margins[3],
                      right=layout.page_size[0] - layout.margins[1], bottom=layout.margins[2],
                      height=layout.footer_height, column_gap=layout.column_gap,
                      # large print: no footer text under the layout's footer size
                      least=1.0 if layout.large_print else SHRINK,
                      fonts=body_stacks(layout, langs))
    need = max(footer_height(spec, group) for group in page_groups(layout, langs))
    return replace(spec, height=max(layout.footer_height, need))


def check_footer(proc: Procedure, clinic: Clinic, layout: Layout, langs: tuple[str, ...]
                 ) -> list[Finding]:
    """Does every footer piece fit the page width, at the smallest size the footer shrinks
    it to (a long clinic name or web address would run off the paper)? Does the text keep
    room for 20 lines above the tallest footer any review state of this handout needs?"""
    spec = footer_spec(proc, clinic, layout, langs)
    where = layout.files[0] if layout.files else layout.name
    groups = page_groups(layout, langs)
    worst = [footer_worst_case(spec, page) for page in groups]
    problems = list(dict.fromkeys(p for found, _ in worst for p in found))
    out = [finding(Pos(clinic.path), "footer",
                   f"{problem} in layout '{layout.name}' ({where}), at {layout.sizes['footer']:g} "
                   f"pt: shorten it in clinic.yaml"
                   + (", or lower the layout's sizes.footer" if spec.least < 1 else
                      " (large print sets the footer at its full size, never smaller)"),
                   "page-geometry") for problem in problems]
    tallest = max(layout.footer_height, *(height for _, height in worst))
    frame_h = layout.page_size[1] - layout.margins[0] - layout.margins[2] - tallest
    if frame_h < _frame_need(layout) <= _least_frame(layout):  # (else check_layout said so)
        first = Pos(layout.files[0]) if layout.files else Pos(layout.name)
        out.append(finding(layout.positions.get(_frame_key(layout), first), _frame_key(layout),
                           _frame_message(layout, frame_h), "page-geometry"))
    return out


def check_signature(clinic: Clinic, layout: Layout, langs: tuple[str, ...]) -> list[Finding]:
    """Do the signature block's labels fit their lines? (They keep the body's size.)"""
    if "signature" not in layout.blocks:
        return []
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=family(layout.fonts["body"]).regular,
                          fontSize=layout.sizes["body"])
    fonts = body_stacks(layout, langs)
    first = Pos(layout.files[0]) if layout.files else Pos(layout.name)
    out = []
    for group in page_groups(layout, langs):
        block = SignatureBlock([labels_for(clinic.language(lang).locale) for lang in group],
                               body, layout.colors, fonts=[fonts[lang] for lang in group])
        for problem in block.overflows(layout.frame_width):
            f = finding(layout.positions.get("sizes.body", first), "sizes.body",
                        f"signature block: {problem} at {layout.sizes['body']:g} pt body text: "
                        f"lower sizes.body, or widen the text area", "page-geometry")
            if f not in out:
                out.append(f)
    return out


def check_content(proc: Procedure, langs: tuple[str, ...]) -> list[Finding]:
    """Counts and lengths within bounds no handout comes near (errors only)."""
    out: list[Finding] = []
    totals = dict.fromkeys(langs, 0)
    for field, text in proc.texts():
        for lang in langs:
            n = len(text[lang])
            totals[lang] += n
            if n > MAX_TEXT_CHARS:
                out.append(finding(text.pos_of(lang), f"{field}.{lang}",
                                   f"this text is {n:,} characters long (at most "
                                   f"{MAX_TEXT_CHARS:,}): split it into shorter paragraphs "
                                   f"or items", "too-long"))
    for lang, n in totals.items():
        if n > MAX_LANGUAGE_CHARS:
            out.append(finding(Pos(proc.path), lang, f"the {lang} text is {n:,} characters "
                                                     f"long (at most {MAX_LANGUAGE_CHARS:,}): "
                                                     f"a handout this long is several handouts",
                               "too-long"))
    lists = [("sections", proc.sections, MAX_SECTIONS), ("benefits", proc.benefits, MAX_ITEMS),
             ("risks.items", proc.risks.items, MAX_ITEMS), ("prompts", proc.prompts, MAX_ITEMS),
             ("call_when", proc.call_when, MAX_ITEMS), ("emergency", proc.emergency, MAX_ITEMS),
             ("alternatives.options", proc.alternatives.options, MAX_ITEMS),
             ("sources", proc.sources, MAX_ITEMS)]
    for i, sec in enumerate(proc.sections, 1):
        lists.append((f"sections[{i}].body", sec.body, MAX_ITEMS))
        for j, block in enumerate(sec.body, 1):
            items = getattr(block, "items", ())
            lists.append((f"sections[{i}].body[{j}].bullets", items, MAX_ITEMS))
    for field, items, most in lists:
        if len(items) > most:
            out.append(finding(proc.pos_of(field.split(".")[0].split("[")[0]), field,
                               f"{len(items)} items (at most {most}): split the handout",
                               "too-long"))
    return out


def check_glyphs(proc: Procedure, clinic: Clinic, layout: Layout, langs: tuple[str, ...]
                 ) -> list[Finding]:
    """Every character the PDF will print against the fonts it will be set in: the
    layout's Latin face for the role, and the language's own families (its profile's
    `fonts`), which must be installed."""
    findings: list[Finding] = []
    stacks: dict[tuple[str, str | None], FontStack | None] = {}

    def get(role: str, lang: str | None) -> FontStack | None:
        key = (layout.fonts[role], lang)
        if key not in stacks:
            try:
                stacks[key] = stack(layout.fonts[role], lang)
            except FontMissing as e:
                stacks[key] = None
                where = Pos(clinic.path)
                f = finding(where, f"languages ({lang})" if lang else "fonts", str(e),
                            "font-missing")
                if f not in findings:
                    findings.append(f)
        return stacks[key]

    def check(text: str, fonts: FontStack | None, pos, field: str,
              bold_only: bool = False) -> None:
        if fonts is None:  # its font is not installed: reported once, above
            return
        if _printable(fonts.primary, bold_only).issuperset(text):  # the usual case
            return
        for run, bold in markup.segments(markup.clean(text)):
            face = "bold" if bold or bold_only else "regular"
            for ch in fonts.missing(run, face):
                findings.append(finding(pos, field, glyph_message(ch, fonts, face),
                                        "missing-glyph"))
        for i, ch in enumerate(text):  # after NFC, a mark left is one no letter holds
            if unicodedata.category(ch) in ("Mn", "Me"):
                fam = fonts.word_family(ch, "regular")
                if fam is not None and fam.shaping:  # Arabic vowel marks, Indic signs
                    continue
                base = text[i - 1] if i else ""
                finding_ = finding(pos, field, mark_message(ch, base), "missing-glyph")
                if finding_ not in findings:
                    findings.append(finding_)

    body = get("body", None)
    lang_body = {lang: get("body", lang) for lang in langs}
    lang_head = {lang: get("heading", lang) for lang in langs}
    lang_title = {lang: get("title", lang) for lang in langs}
    for field, text in proc.texts():
        fams = lang_title if field == "title" else lang_head if field.endswith("heading") \
            else lang_body
        bold_only = field == "title" or field.endswith("heading")
        for lang in langs:
            check(text[lang], fams[lang], text.pos_of(lang), f"{field}.{lang}", bold_only)
    sources = proc.pos_of("sources")
    for i, src in enumerate(proc.sources, 1):
        check(src.title, body, sources, f"sources[{i}].title")
        check(src.url, body, sources, f"sources[{i}].url")
    for field, fig in proc.figures():  # an SVG's own text is set in the body font too
        for text in fig.image.texts:
            check(text, body, fig.pos, f"{field}.file (text in '{fig.image.name}')")
            check(text, body, fig.pos, f"{field}.file (text in '{fig.image.name}')",
                  bold_only=True)
    if layout.qr and clinic.handout_url:  # the address printed beneath the QR code
        from .figure import web_words

        for lang in langs:
            check(web_words(clinic.url_for(proc.id, lang)), body, Pos(clinic.path),
                  "handout_url", bold_only=True)
    check(BULLET, body, Pos(layout.files[0] if layout.files else layout.name), "bullet")
    clinic_pos = Pos(clinic.path)
    for field, value in (("name", clinic.name), ("phone", clinic.phone), ("fax", clinic.fax),
                         ("web", web_label(clinic.web))):
        check(value, body, clinic_pos, field, bold_only=True)
    if clinic.address:
        check(clinic.address, body, clinic_pos, "address")
    for lang in langs:
        body, head = lang_body[lang], lang_head[lang]
        check(clinic.specialty(proc.specialty).name[lang], body, clinic_pos,
              f"specialties.{proc.specialty}.name.{lang}")
        lab = labels_for(clinic.language(lang).locale)
        for key, value in lab.texts.items():
            check(value, head, clinic_pos, f"label '{key}' ({lang})", bold_only=True)
            check(value, body, clinic_pos, f"label '{key}' ({lang})", bold_only=True)
            check(value, body, clinic_pos, f"label '{key}' ({lang})")
        # what Babel and the labels' placeholders fill in: the date, page numbers, version
        date_at = proc.pos_of("updated" if proc.pending_review and not proc.old_review_fields
                              else "reviewed.date")
        for field, value in (("reviewed date", lab.month_year(proc.shown_date)),
                             ("page numbers", lab.format("page_of", page=99, pages=99)),
                             ("version", lab.format("version", version=proc.version))):
            check(value, body, date_at, f"{field} ({lang})", bold_only=True)
            check(value, body, date_at, f"{field} ({lang})")
        if proc.reviewer(lang):  # printed in the status line and the footer, regular
            check(proc.reviewer(lang), body, proc.reviewer_role.pos_of(lang),
                  f"reviewed.role.{lang}")
    return findings


@lru_cache(maxsize=64)
def _printable_in(fonts: tuple[str, ...]) -> frozenset[str]:
    """Characters check_glyphs has nothing to say about in a text that may be set in any of
    `fonts` (registered names): a glyph in each, and not a lone combining mark."""
    codes = frozenset.intersection(*(rl.charmap(name) for name in fonts))
    return frozenset(ch for ch in map(chr, codes)
                     if unicodedata.category(ch) not in ("Mn", "Me")) | {"\n", "\r", "\t"}


def _printable(fam, bold_only: bool) -> frozenset[str]:
    return _printable_in((fam.bold,) if bold_only else (fam.regular, fam.bold))


def mark_message(ch: str, base: str) -> str:
    try:
        name = f" {unicodedata.name(ch)}"
    except ValueError:
        name = ""
    after = f" after '{base}'" if base and base.isprintable() else ""
    return (f"the accent U+{ord(ch):04X}{name}{after} has no letter with it built in, and "
            f"the font cannot place it on the letter: it would print beside it. Use a "
            f"letter that has the accent (é, ñ, ü...) or leave the accent out")


def glyph_message(ch: str, fonts: FontStack, face: str) -> str:
    try:
        name = f" {unicodedata.name(ch)}"
    except ValueError:
        name = ""
    shown = ch if ch.isprintable() else "?"
    names = " or ".join(fam.name for fam in fonts.families)
    return (f"character '{shown}' (U+{ord(ch):04X}{name}) is not in the font {names} "
            f"{face.replace('_', ' ')}; it would print as an empty box or nothing: replace "
            f"it (e.g. 'micrograms' for 'µg', 'to' for '→') or delete it")


def check_taglines(clinic: Clinic, layout: Layout) -> list[Finding]:
    """The taglines page a layout with `taglines: page` appends: each listed language's
    fonts installed (a finding names the npm package and the `pdfgen fonts install`
    command) and every character of its tagline and name in them; the heading and the
    nondiscrimination statement likewise. Found at the language's line in clinic.yaml."""
    notice = clinic.taglines
    if layout.taglines != "page" or notice is None:
        return []
    from ..languages import profile
    from ..taglines import PAGE_LANGS, statement, tagline, texts

    findings: list[Finding] = []
    latin = layout.fonts["body"]
    for code in notice.languages:
        pos, field = notice.pos_of(code)
        try:
            fonts = stack(latin, code)
        except FontMissing as e:
            findings.append(finding(pos, field, f"the taglines page: {e}", "font-missing"))
            continue
        prof = profile(code)
        for text, face in ((prof.name, "bold"), (tagline(code, notice.phone, notice.tty),
                                                 "regular"),
                           (notice.phone, "bold"), (notice.tty, "bold")):
            for ch in fonts.missing(text, face):
                findings.append(finding(pos, field, f"the taglines page: "
                                        f"{glyph_message(ch, fonts, face)}", "missing-glyph"))
    body = stack(latin)
    head = stack(layout.fonts["heading"])
    for lang in PAGE_LANGS:
        for text, fonts, face in ((texts().heading[lang], head, "bold"),
                                  (statement(lang, clinic.name), body, "regular")):
            for ch in fonts.missing(text, face):
                findings.append(finding(notice.pos, "taglines", f"the taglines page: "
                                        f"{glyph_message(ch, fonts, face)}", "missing-glyph"))
    return findings
