"""Stage 4, render: a Procedure, its Clinic and a Layout into deterministic PDF bytes
(ReportLab)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab import rl_config
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from .. import __version__, markup
from ..errors import ContentError, Finding, PdfgenError, UsageError
from ..i18n import Labels, labels_for
from ..model import Clinic, Layout, Procedure
from . import rl
from .fonts import Family, family
from .page import HandoutCanvas, web_label
from .readiness import (
    check_content,
    check_footer,
    check_glyphs,
    check_layout,
    check_signature,
    check_taglines,
    footer_spec,
)
from .story import StoryBuilder, make_styles
from .tagging import outline

# Streams stay binary (still Flate-compressed): ASCII85 makes files 25% larger and costs
# about 5 ms a handout in ReportLab's pure-Python encoder.
rl_config.useA85 = 0
# Every number on a page goes through ReportLab's pure-Python fp_str; the same few hundred
# come back again and again, so their text is remembered (same bytes: rl.py, A17).
rl.speed_up_numbers()
# A shaped glyph (Arabic) extracts as the letters it was drawn for (rl.py, A26).
rl.map_shaped_glyphs()


def choose_langs(clinic: Clinic, layout: Layout, langs: tuple[str, ...] | None) -> tuple[str, ...]:
    """The languages one PDF carries: as asked, else the clinic's first N for this layout."""
    if not langs:
        codes = clinic.lang_codes
        first = (clinic.primary,) + tuple(c for c in codes if c != clinic.primary)
        return first[: layout.languages]
    for code in langs:
        if code not in clinic.lang_codes:
            raise UsageError(f"unknown language '{code}'; the clinic's languages are "
                             f"{', '.join(clinic.lang_codes)}")
    if len(set(langs)) != len(langs):
        raise UsageError("a language is listed twice")
    if layout.arrangement == "single" and len(langs) != 1:
        raise UsageError(f"layout '{layout.name}' prints one language; pick one with --lang")
    if layout.arrangement == "columns" and len(langs) != 2:
        raise UsageError(f"layout '{layout.name}' prints two languages side by side")
    return tuple(langs)


def ready(proc: Procedure, clinic: Clinic, layout: Layout, langs: tuple[str, ...]
          ) -> list[Finding]:
    """Render-readiness of one PDF: glyphs, layout geometry, bounded counts (readiness.py)."""
    return (check_layout(layout) + check_content(proc, langs)
            + check_glyphs(proc, clinic, layout, langs) + check_footer(proc, clinic, layout, langs)
            + check_signature(clinic, layout, langs) + check_taglines(clinic, layout))


@dataclass(frozen=True)
class Rendered:
    data: bytes
    pages: int
    langs: tuple[str, ...]


def render_handout(proc: Procedure, clinic: Clinic, layout: Layout,
                   langs: tuple[str, ...] | None = None, *, tagged: bool = True) -> bytes:
    """Render one handout to PDF bytes; same inputs, same bytes (SOURCE_DATE_EPOCH honoured).

    The PDF is tagged (PDF/UA-1 structure, docs/accessibility.md); tagged=False
    leaves the structure out (for measuring what tagging costs).
    """
    return render_pdf(proc, clinic, layout, langs, tagged=tagged).data


def render_pdf(proc: Procedure, clinic: Clinic, layout: Layout,
               langs: tuple[str, ...] | None = None, *, tagged: bool = True) -> Rendered:
    """Like render_handout, also telling how many pages and which languages were printed."""
    langs = choose_langs(clinic, layout, langs)
    # the gate (pdfgen/gate.py) has run these before any command renders; a caller of this
    # function alone gets the same protection, never a PDF with an empty box for a letter
    problems = ready(proc, clinic, layout, langs)
    if problems:
        raise ContentError(problems)
    body, head = family(layout.fonts["body"]), family(layout.fonts["heading"])
    title_fam = family(layout.fonts["title"])
    labels = {lang: labels_for(clinic.language(lang).locale) for lang in langs}
    styles = make_styles(layout, body, head, title_fam)

    buf = io.BytesIO()
    footer = footer_spec(proc, clinic, layout, langs, labels)
    page_height = layout.page_size[1] - layout.margins[0] - layout.margins[2] - footer.height
    builder = StoryBuilder(proc, clinic, layout, styles, labels, page_height)

    class Canvas(HandoutCanvas):
        pass

    Canvas.footer = footer
    doc = _document(buf, proc, clinic, layout, langs, labels, body, footer.height)
    story = builder.story(langs)
    if tagged:
        Canvas.tag_pieces = outline(story)
        Canvas.tag_locales = {lang: clinic.language(lang).locale for lang in langs}
        for lang in page_langs(clinic, layout):  # the taglines page's: their code is /Lang
            Canvas.tag_locales.setdefault(lang, clinic.language(lang).locale
                                          if lang in clinic.lang_codes else lang)
    try:
        doc.build(story, canvasmaker=Canvas)
    except PdfgenError:
        raise
    except Exception as exc:  # the engine's (ReportLab's LayoutError...): one line, exit 1
        text = str(exc).strip().splitlines()
        what = f"{type(exc).__name__}: {markup.clip(text[0], 200)}" if text else type(
            exc).__name__
        raise RenderError(f"{proc.path}: layout '{layout.name}' ({', '.join(langs)}): could "
                          f"not be rendered: {what}") from exc
    # the small objects (the structure tree's hundreds among them) in compressed object
    # streams: half the file's size, for about 1 ms (rl.pack_objects)
    return Rendered(rl.pack_objects(buf.getvalue()), rl.page_count(doc), langs)


def page_langs(clinic: Clinic, layout: Layout) -> tuple[str, ...]:
    """The languages of the taglines page the layout appends (none when it appends none)."""
    if layout.taglines != "page" or clinic.taglines is None:
        return ()
    from ..taglines import PAGE_LANGS

    return tuple(dict.fromkeys((*PAGE_LANGS, *clinic.taglines.languages)))


class RenderError(PdfgenError):
    """The renderer (ReportLab) could not lay the handout out: named, never a traceback."""

    exit_code = 1


def _document(buf, proc: Procedure, clinic: Clinic, layout: Layout, langs: tuple[str, ...],
              labels: dict[str, Labels], body: Family, footer_height: float
              ) -> BaseDocTemplate:
    width, height = layout.page_size
    top, right, bottom, left = layout.margins
    frame = Frame(left, bottom + footer_height, width - left - right,
                  height - top - bottom - footer_height,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
    titles = " / ".join(dict.fromkeys(markup.plain(proc.title[lang]) for lang in langs))
    subject = " / ".join(lab.format("subject", title=markup.plain(proc.title[lang]))
                         for lang, lab in labels.items())
    keywords = [proc.id, proc.specialty, f"version {proc.version}",
                *[clinic.language(lang).locale for lang in langs]]
    doc = BaseDocTemplate(
        buf, pagesize=layout.page_size, pageTemplates=[PageTemplate("page", [frame])],
        title=titles, author=clinic.name, subject=subject, keywords=keywords,
        creator=f"pdfgen {__version__} ({web_label(clinic.web)})", invariant=1,
        lang=clinic.language(langs[0]).locale, displayDocTitle=1,
        initialFontName=body.regular, initialFontSize=layout.sizes["body"],
        leftMargin=left, rightMargin=right, topMargin=top, bottomMargin=bottom,
    )
    return doc
