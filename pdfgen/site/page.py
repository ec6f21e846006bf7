"""The catalog page's HTML: handout cards from the manifest, labels from the Babel catalogs."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import unicodedata
from dataclasses import dataclass
from importlib import resources
from urllib.parse import quote

from ..i18n import LABELS, _, labels_for, translations
from ..markup import clip
from ..model import Clinic

# The page's own fixed strings (the renderer's are in i18n.LABELS; "pending_review",
# "version", "reviewed", "reviewed_by" and "updated" are shared with the PDFs).
PAGE_LABELS = {
    "page_title": _("Patient handouts"),
    "intro": _("Find the handout the doctor asked for, open it in the patient's language, "
               "then print it."),
    "search": _("Search by name, ID or specialty"),
    "search_hint": _("Accents and capital letters do not matter."),
    "page_language": _("Page language"),
    "shown": _("Handouts shown: %(shown)d of %(total)d"),
    "no_match": _("No handout matches your search. Check the spelling or try fewer letters."),
    "empty": _("No handouts have been built yet."),
    "review_overdue": _("Review overdue"),
    "handout_id": _("ID: %(id)s"),
    "open_to_print": _("Open a PDF to print:"),
    "bilingual": _("Bilingual"),
    "large_print": _("Large print"),
    "a4_paper": _("A4 paper"),
    # a handout whose latest build failed (write_catalog's `failed`)
    "build_failed": _("Could not be built"),
    "not_updated": _("Not updated: the latest edit could not be built"),
    "reason": _("Reason:"),
    "file": _("File: %(file)s"),
    "no_pdf": _("No PDF yet. Ask whoever edits the handouts."),
    "open_older": _("Open the last PDF that was built (it may be out of date):"),
}
SHARED = ("pending_review", "version", "reviewed", "reviewed_by", "updated", "translation_review")
LAYOUT_LABELS = {"large-print": "large_print", "a4-bilingual": "a4_paper"}


def page_labels(locale: str) -> dict[str, str]:
    """Every label of the page in one locale (es-MX uses the es catalog)."""
    tr = translations(locale)
    texts = {key: tr.gettext(msg) for key, msg in PAGE_LABELS.items()}
    texts.update({key: tr.gettext(LABELS[key]) for key in SHARED})
    return texts


def review_due(reviewed: dt.date, months: int) -> dt.date:
    """The day a review done on `reviewed` stops being current, `months` later (the same
    rule pdfgen check applies)."""
    from ..quality.review import add_months

    return add_months(reviewed, months)


@dataclass(frozen=True)
class Link:
    output: str
    rel: str  # the PDF, relative to the output folder
    langs: tuple[str, ...]
    layout: str


@dataclass(frozen=True)
class Failure:
    """A handout whose latest build failed, as `failures()` accepted it from the build."""

    file: str = ""  # as shown to the user: handouts/x.yaml
    titles: tuple[tuple[str, str], ...] = ()  # (lang, title); empty when it did not load
    reason: str = ""  # the first error line, clipped
    outputs: tuple[str, ...] = ()  # the outputs that failed


@dataclass(frozen=True)
class Card:
    """One handout as the page shows it, gathered from its manifest entries."""

    id: str
    titles: tuple[tuple[str, str], ...]  # (lang, title)
    specialty: str
    specialty_names: tuple[tuple[str, str], ...]
    version: str
    reviewed: dt.date | None  # signed off by a clinician; None: never (or not known)
    review_due: dt.date | None  # never reviewed: the first review's due date
    pending_review: bool
    links: tuple[Link, ...]
    under_review: tuple[str, ...] = ()  # languages whose translation is not yet confirmed
    thumb: str | None = None  # relative to the page, URL-quoted
    failure: Failure | None = None  # its latest build failed (links, if any, are older PDFs)
    updated: dt.date | None = None  # the text last edited
    reviewer_role: tuple[tuple[str, str], ...] = ()  # (lang, "a spine surgeon")

    def title(self, lang: str) -> str:
        return dict(self.titles).get(lang) or (self.titles[0][1] if self.titles else self.id)


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def fold(text: str) -> str:
    """Lower case without accents, as the page's search compares (NFD, marks dropped)."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.category(c).startswith("M")).lower()


# Limits on what a failure record may put on the page (it is read from a file on disk).
ID_LIMIT, FILE_LIMIT, TITLE_LIMIT, REASON_LIMIT, LIST_LIMIT = 200, 300, 300, 200, 50


def _line(value, limit: int) -> str:
    """A string's first non-blank line, control characters dropped, clipped; "" otherwise."""
    if not isinstance(value, str):
        return ""
    line = next((ln for ln in value.splitlines() if ln.strip()), "")
    line = "".join(c if c.isprintable() else " " for c in line)
    return clip(" ".join(line.split()), limit)


def _name(value, limit: int) -> str:
    """An id, language code or output name: a printable string without spaces, else ""."""
    ok = isinstance(value, str) and 0 < len(value) <= limit and value.isprintable()
    return value if ok and not any(c.isspace() for c in value) else ""


def failures(failed) -> dict[str, Failure]:
    """The handouts whose latest build failed, from write_catalog's `failed`.

    `failed` maps handout id -> {"file": str, "title": {lang: str}, "reason": str,
    "outputs": [str, ...]}. It may come from a manifest edited by hand, so nothing is
    trusted: anything but a dict gives no failures; an entry whose id is not a printable
    string without spaces (at most 200 characters), or whose value is not a dict, is
    skipped; within an entry a field of the wrong kind counts as absent, and so do
    non-string titles and output names. Texts keep their first line, without control
    characters, clipped.
    """
    if not isinstance(failed, dict):
        return {}
    found = {}
    for hid, entry in failed.items():
        hid = _name(hid, ID_LIMIT)
        if not hid or not isinstance(entry, dict):
            continue
        titles = entry.get("title")
        titles = titles.items() if isinstance(titles, dict) else ()
        titles = tuple((code, text) for code, text in (
            (_name(k, 35), _line(v, TITLE_LIMIT)) for k, v in titles) if code and text)
        names = entry.get("outputs")
        names = [_name(n, 100) for n in names] if isinstance(names, list) else []
        found[hid] = Failure(
            file=_line(entry.get("file"), FILE_LIMIT), titles=titles[:LIST_LIMIT],
            reason=_line(entry.get("reason"), REASON_LIMIT),
            outputs=tuple(dict.fromkeys(n for n in names if n))[:LIST_LIMIT])
    return found


def cards_from_manifest(outputs: dict[str, dict], order: tuple[str, ...], primary: str,
                        thumbs: dict[str, str] | None = None,
                        failed: dict[str, Failure] | None = None) -> list[Card]:
    """Group manifest entries ({pdf rel path: entry}) into one card per handout.

    Links follow the clinic's output order; cards are sorted by title in the primary language.
    A handout in `failed` (from `failures()`) is marked on its card, and gets a card
    without links when it has no PDF.
    """
    thumbs, failed = thumbs or {}, failed or {}
    rank = {name: i for i, name in enumerate(order)}
    by_id: dict[str, list[tuple[str, dict]]] = {}
    for rel, entry in outputs.items():
        by_id.setdefault(str(entry.get("handout", rel.split("/")[0])), []).append((rel, entry))
    cards = []
    for hid, items in by_id.items():
        items.sort(key=lambda item: (rank.get(item[1].get("output"), len(rank)),
                                     str(item[1].get("output"))))
        first = items[0][1]
        names = first.get("specialty_name") or {}
        links = tuple(Link(str(e.get("output", "")), rel, tuple(e.get("languages", ())),
                           str(e.get("layout", ""))) for rel, e in items)
        thumb = next((thumbs[rel] for rel, _ in items if rel in thumbs), None)
        # `reviewed` is the date the PDF prints: while pending, the day it was last updated
        # (what it meant before `updated` was recorded too)
        pending, shown = bool(first.get("pending_review")), _date(first.get("reviewed"))
        roles = first.get("reviewer_role") or {}
        cards.append(Card(
            id=hid, titles=tuple((str(k), str(v)) for k, v in (first.get("title") or {}).items()),
            specialty=str(first.get("specialty", "")),
            specialty_names=tuple((str(k), str(v)) for k, v in names.items()),
            version=str(first.get("version", "")), reviewed=None if pending else shown,
            updated=_date(first.get("updated")) or (shown if pending else None),
            reviewer_role=tuple((str(k), str(v)) for k, v in roles.items()),
            review_due=_date(first.get("review_due")), pending_review=pending, links=links,
            under_review=tuple(str(c) for c in first.get("under_review") or ()),
            thumb=quote(thumb) if thumb else None, failure=failed.get(hid)))
    for hid, failure in failed.items():
        if hid not in by_id:
            cards.append(Card(id=hid, titles=failure.titles, specialty="", specialty_names=(),
                              version="", reviewed=None, review_due=None, pending_review=False,
                              links=(), failure=failure))
    cards.sort(key=lambda c: (fold(c.title(primary)), c.id))
    return cards


def badges(card: Card, today: dt.date) -> list[str]:
    """The label keys of the badges a card carries on `today`."""
    found = []
    if card.failure is not None:
        found.append("not_updated" if card.links else "build_failed")
    if card.pending_review:
        found.append("pending_review")
    # never reviewed: its first review falls due (as in pdfgen check, first-review-overdue)
    if card.review_due is not None and today > card.review_due:
        found.append("review_overdue")
    if card.under_review:
        found.append("translation_review")
    return found


def link_label(link: Link, locale: str, labels: dict[str, str], names: dict[str, str]) -> str:
    """What a link says: Bilingual / English / Spanish, plus the layout's kind (Large print)."""
    if len(link.langs) == 2:
        text = labels["bilingual"]
    else:
        text = " / ".join(_language_name(code, locale, names) for code in link.langs)
    extra = LAYOUT_LABELS.get(link.layout)
    return f"{text} · {labels[extra]}" if extra else text


def _language_name(code: str, locale: str, names: dict[str, str]) -> str:
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(locale.replace("-", "_")).languages.get(code)
    except (ValueError, UnknownLocaleError):
        name = None
    name = name or names.get(code, code)
    return name[:1].upper() + name[1:]


# -- HTML --------------------------------------------------------------------------------------


def esc(text: str) -> str:
    """Text for HTML content or a quoted attribute: <, >, &, quotes escaped."""
    return html.escape(str(text), quote=True)


def script_json(value) -> str:
    """JSON safe inside <script>: no `<`, `>`, `&` or line separators appear literally."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@dataclass(frozen=True)
class PageLanguage:
    code: str
    locale: str
    name: str  # in that language: English, Español
    labels: dict


def page_languages(clinic: Clinic) -> list[PageLanguage]:
    return [PageLanguage(lang.code, lang.locale, lang.name, page_labels(lang.locale))
            for lang in clinic.languages]


def render_page(cards: list[Card], clinic: Clinic, today: dt.date) -> str:
    """The whole self-contained page: inline CSS and JS, no external reference of any kind."""
    langs = page_languages(clinic)
    first = next((lang for lang in langs if lang.code == clinic.primary), langs[0])
    names = {lang.code: lang.name for lang in langs}
    data = {"primary": first.code, "langs": [
        {"code": lang.code, "locale": lang.locale, "name": lang.name, "labels": lang.labels}
        for lang in langs]}
    css, js = _asset("catalog.css"), _asset("catalog.js")
    csp = (f"default-src 'none'; img-src 'self' file: data:; style-src {_csp_hash(css)}; "
           f"script-src {_csp_hash(js)}; base-uri 'none'; form-action 'none'")
    body = "\n".join(_card(card, langs, first, names, today) for card in cards)
    lab = first.labels

    def label(key: str, tag: str = "span", attrs: str = "") -> str:
        return f'<{tag} data-label="{key}"{attrs}>{esc(lab[key])}</{tag}>'

    buttons = "".join(
        f'<button type="button" lang="{esc(lang.locale)}" data-lang="{esc(lang.code)}" '
        f'aria-pressed="{"true" if lang is first else "false"}">{esc(lang.name)}</button>'
        for lang in langs)
    return f"""<!DOCTYPE html>
<html lang="{esc(first.locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="pdfgen">
<link rel="icon" href="data:,">
<title>{esc(lab["page_title"])} · {esc(clinic.name)}</title>
<style>{css}</style>
</head>
<body>
<header>
<p class="clinic">{esc(clinic.name)}</p>
{label("page_title", "h1", ' id="page-title"')}
{label("intro", "p", ' class="intro"')}
</header>
<div class="controls" id="controls" hidden>
<div class="search">
{label("search", "label", ' for="q"')}
<input id="q" type="search" autocomplete="off" spellcheck="false" aria-describedby="q-hint">
{label("search_hint", "p", ' id="q-hint" class="hint"')}
</div>
<div class="switch" role="group" aria-labelledby="lang-label">
{label("page_language", "span", ' id="lang-label" class="switch-label"')}
{buttons}
</div>
</div>
<main>
<p id="count" class="count" role="status"></p>
{label("no_match", "p", ' id="no-match" class="empty" hidden')}
{label("empty", "p", ' class="empty"') if not cards else ""}
<ul id="cards" class="cards" aria-labelledby="page-title">
{body}
</ul>
</main>
<script type="application/json" id="catalog-data">{script_json(data)}</script>
<script>{js}</script>
</body>
</html>
"""


def _l10n(values: dict[str, str]) -> str:
    return f' data-l10n="{esc(json.dumps(values, ensure_ascii=False, sort_keys=True))}"'


def _card(card: Card, langs: list[PageLanguage], first: PageLanguage, names: dict[str, str],
          today: dt.date) -> str:
    tid = f"t-{card.id}"
    failure = card.failure
    titles = '<span class="sep"> / </span>'.join(  # read aloud between the titles, not shown
        f'<span class="title{" primary" if code == first.code else ""}" data-lang="{esc(code)}"'
        f' lang="{esc(_locale(code, langs))}">{esc(text)}</span>'
        for code, text in card.titles)
    if not titles:  # a handout that did not load: its id stands for its title
        titles = f'<span class="title primary">{esc(card.id)}</span>'
    spec_names = dict(card.specialty_names)
    specialty = {lang.code: _capital(spec_names.get(lang.code) or card.specialty) for lang in langs}
    meta = [f'<span class="pill"{_l10n(specialty)}>{esc(specialty[first.code])}</span>'
            ] if card.specialty else []
    meta.append(_formatted(langs, first, "handout_id", id=card.id))
    if card.version:
        meta.append(_formatted(langs, first, "version", version=card.version))
    review = _review_meta(card, langs, first)
    if review:
        meta.append(review)
    if failure and failure.file:
        meta.append(_formatted(langs, first, "file", file=failure.file))
    shown = badges(card, today)
    sid = f' id="s-{esc(card.id)}"'  # the failure badge, which older links point to
    badge_html = "".join(
        f'<span class="badge {key.replace("_", "-")}" data-label="{key}"'
        f'{sid if key in ("build_failed", "not_updated") else ""}'
        f'{"" if key in shown else " hidden"}>{esc(first.labels[key])}</span>'
        for key in ("build_failed", "not_updated", "pending_review", "review_overdue",
                    "translation_review")
        if key == "review_overdue" or key in shown)
    reason = (f'<p class="reason"><span class="reason-label" data-label="reason">'
              f'{esc(first.labels["reason"])}</span> <span lang="en">{esc(failure.reason)}'
              f'</span></p>\n' if failure and failure.reason else "")
    # a link to an older PDF is announced with its card's "Not updated" badge
    described = esc(f"{tid} s-{card.id}" if failure else tid)
    links = []
    for link in card.links:
        texts = {lang.code: link_label(link, lang.locale, lang.labels, names) for lang in langs}
        links.append(f'<li><a href="{esc(quote(link.rel))}" data-output="{esc(link.output)}" '
                     f'aria-describedby="{described}"{_l10n(texts)}>{esc(texts[first.code])}</a>'
                     f'</li>')
    if links:
        key = "open_older" if failure else "open_to_print"
        printing = (f'<p class="print-label" data-label="{key}">{esc(first.labels[key])}</p>\n'
                    f'<ul class="links">{"".join(links)}</ul>')
    else:
        printing = f'<p class="no-pdf" data-label="no_pdf">{esc(first.labels["no_pdf"])}</p>'
    search = " ".join([card.id, card.specialty, *spec_names.values(),
                       *(text for _, text in card.titles)])
    if failure:  # also its file, and its new titles when the failed edit changed them
        search = " ".join([search, failure.file, *(text for _, text in failure.titles)])
    thumb = (f'<img class="thumb" src="{esc(card.thumb)}" alt="" width="120" height="155" '
             f'loading="lazy">' if card.thumb else
             f'<span class="thumb none{" missing" if not card.links else ""}"></span>')
    due = f' data-due="{card.review_due.isoformat()}"' if card.review_due else ""
    attrs = f'id="h-{esc(card.id)}" data-id="{esc(card.id)}" data-search="{esc(search)}"{due}'
    return f"""<li class="card{" failed" if failure else ""}" {attrs}>
{thumb}
<div class="body">
<h2 id="{esc(tid)}" class="titles">{titles}</h2>
<p class="meta">{" ".join(meta)}</p>
<p class="badges">{badge_html}</p>
{reason}{printing}
</div>
</li>"""


def _review_meta(card: Card, langs, first) -> str:
    """What the PDFs say of the review, in each language: "Reviewed November 2026 by a
    spine surgeon", or "Updated November 2026" (its "Pending clinical review" badge beside
    it); "" when the manifest says neither."""
    date = card.updated if card.pending_review else card.reviewed
    if date is None:
        return ""
    dates = {lang.code: labels_for(lang.locale).month_year(date) for lang in langs}
    roles = dict(card.reviewer_role)
    if card.pending_review:
        return _formatted(langs, first, "updated", per_lang={"date": dates})
    if all(roles.get(lang.code) for lang in langs):
        return _formatted(langs, first, "reviewed_by", per_lang={"date": dates, "role": roles})
    return _formatted(langs, first, "reviewed", per_lang={"date": dates})


def _formatted(langs, first, key: str, per_lang: dict | None = None, **values) -> str:
    texts = {}
    for lang in langs:
        args = dict(values)
        for name, by_lang in (per_lang or {}).items():
            args[name] = by_lang[lang.code]
        texts[lang.code] = lang.labels[key] % args
    return f"<span{_l10n(texts)}>{esc(texts[first.code])}</span>"


def _locale(code: str, langs: list[PageLanguage]) -> str:
    return next((lang.locale for lang in langs if lang.code == code), code)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
