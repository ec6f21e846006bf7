"""The front-desk catalog out/index.html: HTML generation, thumbnails, and the page in Chromium."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import html as html_lib
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from pdfgen.build import MANIFEST, build_library
from pdfgen.cli import cli
from pdfgen.errors import Pos
from pdfgen.i18n import LOCALE_DIR, catalog_languages
from pdfgen.load import load_clinic
from pdfgen.site import INDEX, write_catalog
from pdfgen.site.page import (
    PAGE_LABELS,
    Card,
    Link,
    badges,
    cards_from_manifest,
    fold,
    link_label,
    page_labels,
    render_page,
    review_due,
    script_json,
)
from pdfgen.site.thumbs import SOURCE_KEY, encode_png, png_text, thumb_rel

from .conftest import SAMPLE, SAMPLE_UPDATED, TODAY, signed_off

NOW = dt.datetime.fromisoformat(TODAY + "T12:00:00")

EVIL_EN = '<script>window.__pwned = 1</script> Back pain <b>bold?</b>'
EVIL_ES = '"Dolor" & <img src=x onerror="window.__pwned = 2">'
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def add_handout(library: Path, hid: str, en: str, es: str, reviewed: str = "2026-11-01",
                reviewed_by: str = "", specialty: str = "spine") -> Path:
    """A copy of the sample handout under another id, title, review and specialty: updated
    on `reviewed`, and, when `reviewed_by` names a clinician, signed off by them that day."""
    text = (SAMPLE / "hemilaminectomy.yaml").read_text(encoding="utf-8")
    text = text.replace("id: hemilaminectomy", f"id: {hid}", 1)
    text = text.replace("  en: Hemilaminectomy\n", f"  en: {json.dumps(en)}\n", 1)
    text = text.replace("  es: Hemilaminectomía\n", f"  es: {json.dumps(es)}\n", 1)
    if reviewed_by:
        text = signed_off(text, reviewed, json.dumps(reviewed_by))
    else:
        text = text.replace(SAMPLE_UPDATED, f"updated: {reviewed}\n", 1)
    text = text.replace("specialty: spine", f"specialty: {specialty}", 1)
    path = library / f"{hid}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def clinic():
    found, problems = load_clinic(SAMPLE / "clinic.yaml", "clinic.yaml")
    assert found is not None, problems
    return found


def card(**changes) -> Card:
    values = dict(id="knee", titles=(("en", "Knee"), ("es", "Rodilla")), specialty="orthopedics",
                  specialty_names=(("en", "orthopedic specialists"),
                                   ("es", "especialistas en ortopedia")),
                  version="1.0", reviewed=dt.date(2026, 1, 31), review_due=dt.date(2027, 1, 31),
                  pending_review=False,
                  links=(Link("bilingual", "knee/knee.bilingual.pdf", ("en", "es"), "bilingual"),))
    values.update(changes)
    return Card(**values)


class Tags(HTMLParser):
    """Start tags of a document, with their attributes, as a browser's tokenizer sees them."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


# -- HTML generation ---------------------------------------------------------------------------


def test_untrusted_titles_are_text_not_markup():
    evil = card(id="evil", titles=(("en", EVIL_EN), ("es", EVIL_ES)))
    html = render_page([evil, card()], clinic(), dt.date(2026, 11, 26))
    found = tags(html)
    scripts = [attrs for tag, attrs in found if tag == "script"]
    assert scripts == [{"type": "application/json", "id": "catalog-data"}, {}]
    assert not [t for t, _ in found if t in ("img", "b")]  # no thumbnails given, no markup
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt; Back pain &lt;b&gt;" in html
    assert ("&quot;Dolor&quot; &amp; &lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;"
            in html)
    # the search text of the card is an attribute: escaped too, and still holds both titles
    attrs = next(a for t, a in found if t == "li" and a.get("data-id") == "evil")
    assert EVIL_EN in attrs["data-search"] and EVIL_ES in attrs["data-search"]


def test_embedded_json_cannot_close_its_script():
    value = {"x": "</script><script>alert(1)</script>", "y": "a & b \u2028"}
    text = script_json(value)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == value


def test_page_refers_to_nothing_outside_the_output_folder():
    html = render_page([card()], clinic(), dt.date(2026, 11, 26))
    for tag, attrs in tags(html):
        for name in ("src", "href"):
            if name in attrs and attrs[name] != "data:,":  # the empty icon: no favicon request
                assert not urlparse(attrs[name]).scheme and not attrs[name].startswith("/"), \
                    (tag, attrs)
    assert "http://" not in html and "https://" not in html.replace("https://www.example.org", "")
    csp = next(a["content"] for t, a in tags(html) if a.get("http-equiv") ==
               "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp


def test_empty_library_says_so():
    html = render_page([], clinic(), dt.date(2026, 11, 26))
    assert "No handouts have been built yet." in html
    assert not [a for t, a in tags(html) if "card" in a.get("class", "").split()]


def test_badges_pending_and_overdue():
    due = review_due(dt.date(2025, 1, 31), 12)
    assert due == dt.date(2026, 1, 31)
    assert review_due(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)  # month end kept in range
    assert review_due(dt.date(2025, 11, 15), 2) == dt.date(2026, 1, 15)
    reviewed = card(reviewed=dt.date(2025, 1, 31), review_due=due)
    assert badges(reviewed, due) == []  # current through its due date
    assert badges(reviewed, due + dt.timedelta(days=1)) == ["review_overdue"]
    pending = card(pending_review=True, reviewed=None, updated=dt.date(2025, 1, 31),
                   review_due=due)
    assert badges(pending, dt.date(2025, 6, 1)) == ["pending_review"]
    # never reviewed: its first review falls due too (first-review-overdue in pdfgen check)
    assert badges(pending, dt.date(2026, 6, 1)) == ["pending_review", "review_overdue"]
    assert badges(card(review_due=None), dt.date(2099, 1, 1)) == []

    def shown(html: str) -> list[str]:
        return [a["data-label"] for t, a in tags(html)
                if "badge" in a.get("class", "").split() and "hidden" not in a]

    assert shown(render_page([pending], clinic(), dt.date(2025, 6, 1))) == ["pending_review"]
    assert shown(render_page([pending], clinic(), dt.date(2026, 6, 1))) == ["pending_review",
                                                                           "review_overdue"]
    assert shown(render_page([reviewed], clinic(), dt.date(2026, 6, 1))) == ["review_overdue"]
    assert shown(render_page([reviewed], clinic(), dt.date(2025, 6, 1))) == []
    stale = card(review_due=due, under_review=("es",))
    assert badges(stale, dt.date(2025, 6, 1)) == ["translation_review"]
    assert shown(render_page([stale], clinic(), dt.date(2025, 6, 1))) == ["translation_review"]


def test_cards_from_manifest_group_order_and_sort():
    def entry(hid, output, title_en, title_es):
        return {"handout": hid, "output": output, "languages": ["en"], "layout": "single",
                "title": {"en": title_en, "es": title_es}, "version": "2", "reviewed":
                "2026-11-01", "review_due": "2027-11-01", "pending_review": True,
                "specialty": "spine", "sha256": "0" * 64}

    outputs = {"b/b.es.pdf": entry("b", "es", "Ánkle", "Tobillo"),
               "b/b.bilingual.pdf": entry("b", "bilingual", "Ánkle", "Tobillo"),
               "a/a.en.pdf": entry("a", "en", "Zebra", "Cebra")}
    cards = cards_from_manifest(outputs, ("bilingual", "en", "es"), "en")
    assert [c.id for c in cards] == ["b", "a"]  # "Ánkle" sorts with A, accent or not
    assert [link.output for link in cards[0].links] == ["bilingual", "es"]
    assert cards[0].review_due == dt.date(2027, 11, 1) and cards[0].pending_review
    assert [c.id for c in cards_from_manifest(outputs, (), "es")] == ["a", "b"]  # Cebra < Tobillo


def _meta(html: str) -> str:
    start = html.index('<p class="meta">')
    return html[start:html.index("</p>", start)]


@pytest.mark.parametrize("fields,en,es", [
    # signed off: when, and by whom (the role, as the PDFs print it)
    ({"reviewed": "2026-11-20", "updated": "2026-11-01", "pending_review": False,
      "reviewer_role": {"en": "a spine surgeon", "es": "un cirujano de columna"}},
     "Reviewed November 2026 by a spine surgeon",
     "Revisado en noviembre de 2026 por un cirujano de columna"),
    # never reviewed: when it was last updated, beside its "pending" badge
    ({"reviewed": "2026-11-01", "updated": "2026-11-01", "pending_review": True},
     "Updated November 2026", "Actualizado: noviembre de 2026"),
    # a manifest written before `updated`: a pending handout's date was when it was written
    ({"reviewed": "2026-10-05", "pending_review": True},
     "Updated October 2026", "Actualizado: octubre de 2026"),
    ({"reviewed": "2026-10-05", "pending_review": False},  # the old shape: no role
     "Reviewed October 2026", "Revisado en octubre de 2026"),
])
def test_the_card_says_what_the_pdfs_say_of_the_review(fields, en, es):
    entry = {"handout": "knee", "output": "en", "languages": ["en"], "layout": "single",
             "title": {"en": "Knee", "es": "Rodilla"}, "version": "2",
             "review_due": "2027-11-01", "specialty": "spine", "sha256": "0" * 64, **fields}
    cards = cards_from_manifest({"knee/knee.en.pdf": entry}, ("en",), "en")
    meta = html_lib.unescape(_meta(render_page(cards, clinic(), dt.date(2026, 11, 26))))
    assert en in meta and es in meta  # shown, and the other language's for the switch
    assert ("Reviewed" in en) == ("Updated" not in meta)


def test_link_labels_in_both_languages():
    en, es = page_labels("en-US"), page_labels("es-MX")
    names = {"en": "English", "es": "Español"}
    both = Link("bilingual", "x", ("en", "es"), "bilingual")
    large = Link("large-print-es", "x", ("es",), "large-print")
    single = Link("en", "x", ("en",), "single")
    assert link_label(both, "en-US", en, names) == "Bilingual"
    assert link_label(both, "es-MX", es, names) == "Bilingüe"
    assert link_label(single, "es-MX", es, names) == "Inglés"
    assert link_label(large, "en-US", en, names) == "Spanish · Large print"
    assert link_label(large, "es-MX", es, names) == "Español · Letra grande"


def test_page_labels_come_from_the_catalogs():
    es = page_labels("es-MX")
    assert es["review_overdue"] == "Revisión vencida"
    assert es["pending_review"] == "Pendiente de revisión clínica"
    assert page_labels("en-US")["page_title"] == "Patient handouts"
    for lang in catalog_languages():
        with open(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
            catalog = read_po(fh)
        missing = [m for m in PAGE_LABELS.values()
                   if not (catalog.get(m) and catalog.get(m).string) or catalog.get(m).fuzzy]
        assert missing == [], f"{lang} catalog lacks page labels: {missing}"


def test_search_folding_matches_the_pages_script():
    assert fold("Hemilaminectomía") == "hemilaminectomia"
    assert fold("ARTROSCOPÍA de Rodilla, niño") == "artroscopia de rodilla, nino"
    script = (Path(__import__("pdfgen.site", fromlist=["x"]).__file__).parent
              / "catalog.js").read_text()
    assert 'normalize("NFD").replace(/\\p{M}/gu, "").toLowerCase()' in script


def _luminance(hex_color: str) -> float:
    rgb = [int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_colour_pairs_meet_wcag_aa():
    css = (Path(__import__("pdfgen.site", fromlist=["x"]).__file__).parent
           / "catalog.css").read_text()
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))
    text_pairs = [("ink", "paper"), ("muted", "paper"), ("muted", "wash"), ("ink", "wash"),
                  ("accent", "paper"), ("accent-ink", "accent"), ("pending-ink", "pending-bg"),
                  ("overdue-ink", "overdue-bg"), ("review-ink", "review-bg"),
                  ("failed-ink", "failed-bg"), ("stale-ink", "stale-bg")]
    for fg, bg in text_pairs:
        assert contrast(colours[fg], colours[bg]) >= 4.5, (fg, bg)
    assert contrast(colours["focus"], colours["paper"]) >= 3  # focus ring: non-text contrast
    assert contrast(colours["focus"], colours["wash"]) >= 3
    assert contrast("#777777", "#ffffff") < 4.5  # the check itself can fail


# -- thumbnails and the build ------------------------------------------------------------------


def test_png_marks_its_source():
    data = encode_png(2, 1, bytes([255, 0, 0, 0, 0, 255]), 6, {SOURCE_KEY: "ab" * 32})
    assert data.startswith(b"\x89PNG")
    assert thumb_rel("x/x.bilingual.pdf") == "x/x.bilingual.png"


def _inode(path: Path) -> int:
    return os.stat(path).st_ino


def test_build_writes_the_page_and_thumbnails_redrawn_only_when_their_pdf_changed(library,
                                                                                    tmp_path):
    out = tmp_path / "out"
    knee = add_handout(library, "knee", "Knee", "Rodilla")
    build_library(library, out, jobs=1)
    manifest = json.loads((out / MANIFEST).read_text())["outputs"]
    thumbs = {hid: out / hid / f"{hid}.bilingual.png" for hid in ("hemilaminectomy", "knee")}
    for hid, png in thumbs.items():
        assert png_text(png) == manifest[f"{hid}/{hid}.bilingual.pdf"]["sha256"]
    assert not (out / "knee" / "knee.en.png").exists()  # one thumbnail per handout
    page = (out / INDEX).read_text()
    assert 'src="knee/knee.bilingual.png"' in page and 'href="knee/knee.es.pdf"' in page
    before = {hid: _inode(p) for hid, p in thumbs.items()}
    # nothing changed: the thumbnails are not redrawn; the page is written by every build
    result = write_catalog(out, manifest, clinic())
    assert result.thumbs_built == []
    (out / INDEX).unlink()
    assert build_library(library, out, jobs=1).built == []
    assert {hid: _inode(p) for hid, p in thumbs.items()} == before
    assert (out / INDEX).read_text() == page
    # one handout edited: only its thumbnail is redrawn, and it records the new PDF
    knee.write_text(knee.read_text().replace("en: \"Knee\"", "en: \"Knee surgery\""))
    build_library(library, out, jobs=1)
    manifest = json.loads((out / MANIFEST).read_text())["outputs"]
    assert _inode(thumbs["hemilaminectomy"]) == before["hemilaminectomy"]
    assert _inode(thumbs["knee"]) != before["knee"]
    assert png_text(thumbs["knee"]) == manifest["knee/knee.bilingual.pdf"]["sha256"]
    assert "Knee surgery" in (out / INDEX).read_text()
    # a thumbnail deleted by hand comes back though its PDF did not change
    thumbs["knee"].unlink()
    assert write_catalog(out, manifest, clinic()).thumbs_built == ["knee/knee.bilingual.png"]


def test_deleted_handout_loses_its_thumbnail_and_card_foreign_files_stay(library, tmp_path):
    out = tmp_path / "out"
    add_handout(library, "knee", "Knee", "Rodilla")
    add_handout(library, "wrist", "Wrist", "Muñeca")
    build_library(library, out, jobs=1)
    (out / "wrist" / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\nnot ours")
    (out / "notes.png").write_bytes(b"staff")
    (out / ".index.html.abc123.tmp").write_bytes(b"half")  # as a killed build leaves it
    (out / "knee" / ".knee.bilingual.png.abc123.tmp").write_bytes(b"half")
    (library / "knee.yaml").unlink()
    (library / "wrist.yaml").unlink()
    build_library(library, out, jobs=1)
    assert not (out / "knee").exists()  # PDFs, thumbnail and the emptied folder are gone
    assert not (out / "wrist" / "wrist.bilingual.png").exists()
    assert (out / "wrist" / "photo.png").read_bytes().endswith(b"not ours")
    assert (out / "notes.png").read_bytes() == b"staff"
    assert not list(out.rglob("*.tmp"))
    page = (out / INDEX).read_text()
    assert 'data-id="knee"' not in page and 'data-id="hemilaminectomy"' in page


def test_a_pdf_pdfium_cannot_read_gets_a_card_without_thumbnail(library, tmp_path):
    out = tmp_path / "out"
    build_library(library, out, jobs=1)
    manifest = json.loads((out / MANIFEST).read_text())["outputs"]
    rel = "hemilaminectomy/hemilaminectomy.bilingual.pdf"
    (out / thumb_rel(rel)).unlink()
    manifest[rel] = {**manifest[rel], "sha256": "f" * 64}
    (out / rel).write_bytes(b"not a pdf")
    result = write_catalog(out, manifest, clinic())
    assert [f.severity for f in result.findings] == ["warning"]
    assert "no thumbnail" in str(result.findings[0])
    page = (out / INDEX).read_text()
    assert 'class="thumb none"' in page and 'href="hemilaminectomy/hemilaminectomy.es.pdf"' in page


def test_dry_run_writes_no_page(library, tmp_path):
    build_library(library, tmp_path / "out", dry_run=True)
    assert not (tmp_path / "out").exists()


# -- the page in headless Chromium -------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The sample library plus generated handouts, built; returns the output folder."""
    root = tmp_path_factory.mktemp("catalog")
    library = root / "handouts"
    shutil.copytree(SAMPLE, library)
    today = TODAY  # the same day the tests pin for pdfgen (PDFGEN_TODAY) and the browser
    add_handout(library, "knee-test", "Knee test handout", "Folleto de prueba de rodilla",
                reviewed=today, reviewed_by="Dr. Test Reviewer", specialty="orthopedics")
    add_handout(library, "script-title", EVIL_EN, EVIL_ES, reviewed=today,
                reviewed_by="Dr. Test Reviewer")
    add_handout(library, "old-review", "Old review test handout", "Folleto de prueba con revisión "
                "antigua", reviewed="2020-01-15", reviewed_by="Dr. Test Reviewer")
    for hid in ("knee-test", "script-title", "old-review"):  # a translator checked them
        assert CliRunner().invoke(cli, ["translations", "confirm", hid, "--library",
                                        str(library)]).exit_code == 0
    # An overdue handout is refused by the quality gate, so it is built while it was current
    # (as a clinic's library would have been), then stays with its last good PDFs.
    build_library(library, root / "out", only=["old-review"], jobs=1, today=dt.date(2020, 6, 1))
    # A new handout already overdue is refused on its first build: it has no PDF at all.
    add_handout(library, "wrist-new", "Wrist fracture test handout",
                "Folleto de prueba de fractura de muñeca", reviewed="2020-01-15",
                reviewed_by="Dr. Test Reviewer")
    result = build_library(library, root / "out", jobs=2, today=dt.date.fromisoformat(TODAY))
    errors = [f.rule for f in result.findings if f.severity == "error"]
    assert [rel.split("/")[0] for rel in result.failed] == ["wrist-new"] * 3, result.failed
    assert errors == ["review-overdue"] * 2, result.findings
    # The page names both as failed (write_catalog's `failed`, which the build passes; given
    # here so the page is the same whatever the build records): old-review keeps its older
    # PDFs, wrist-new has none. The reasons are the build's, with the path a user would see.
    reasons = {Path(f.pos.file).stem: str(dataclasses.replace(
        f, pos=Pos(f"handouts/{Path(f.pos.file).name}", f.pos.line, f.pos.col)))
        for f in result.findings if f.severity == "error"}
    failed = {hid: {"file": f"handouts/{hid}.yaml", "title": title, "reason": reasons[hid],
                    "outputs": ["bilingual", "en", "es"]}
              for hid, title in (("old-review", {"en": "Old review test handout"}),
                                 ("wrist-new", {"en": "Wrist fracture test handout",
                                                "es": "Folleto de prueba de fractura de muñeca"}))}
    manifest = json.loads((root / "out" / MANIFEST).read_text())["outputs"]
    write_catalog(root / "out", manifest, clinic(), dt.date.fromisoformat(TODAY), failed=failed)
    return root / "out"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"needs {CHROMIUM} (Debian package chromium; .ci/run installs it)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    tab = context.new_page()
    tab.clock.set_fixed_time(NOW)  # the page re-checks 'review overdue' by its own clock
    tab.requests = []
    tab.errors = []
    context.on("request", lambda request: tab.requests.append(request.url))
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.on("console", lambda message: tab.errors.append(message.text))  # CSP violations too
    tab.goto((site / INDEX).as_uri())
    yield tab
    context.close()


def visible_ids(page) -> list[str]:
    return page.eval_on_selector_all(".card:not([hidden])", "els => els.map(e => e.dataset.id)")


def test_search_filters_as_you_type_accents_optional(page):
    everything = ["hemilaminectomy", "knee-test", "old-review", "script-title", "wrist-new"]
    assert sorted(visible_ids(page)) == everything  # the card of a failed handout too
    assert page.text_content("#count") == "Handouts shown: 5 of 5"
    search = page.get_by_label("Search by name, ID or specialty")
    for query, expected in [("laminectomia", ["hemilaminectomy"]),
                            ("HEMILAMINECTOMÍA", ["hemilaminectomy"]),
                            ("rodilla", ["knee-test"]),  # Spanish title
                            ("ortopedia", ["knee-test"]),  # specialty, in Spanish
                            ("orthopedics", ["knee-test"]),  # specialty id
                            ("old-review", ["old-review"]),  # id
                            ("back pain", ["script-title"]),  # two words, both must match
                            ("revision antigua", ["old-review"]),
                            ("columna", ["hemilaminectomy", "old-review", "script-title"]),
                            ("muneca", ["wrist-new"]),  # a handout that was never built
                            ("wrist-new.yaml", ["wrist-new"])]:  # by its file
        search.fill(query)
        assert sorted(visible_ids(page)) == expected, query
    search.fill("")
    search.press_sequentially("lamin")  # typed key by key: filters on every keystroke
    assert visible_ids(page) == ["hemilaminectomy"]
    assert page.text_content("#count") == "Handouts shown: 1 of 5"
    assert page.is_hidden("#no-match")
    search.fill("zzzz")
    assert visible_ids(page) == [] and page.is_visible("#no-match")
    assert page.errors == []


def test_injected_script_is_inert_and_shown_as_text(page):
    assert page.evaluate("typeof window.__pwned") == "undefined"
    titles = page.locator("#h-script-title .title")
    assert titles.all_text_contents() == [EVIL_EN, EVIL_ES]
    assert page.locator("#h-script-title img:not(.thumb), #h-script-title b").count() == 0
    assert page.errors == []


def test_badges_on_the_page(page):
    def badge_texts(hid):
        return page.locator(f"#h-{hid} .badge:visible").all_text_contents()

    assert badge_texts("hemilaminectomy") == ["Pending clinical review"]
    assert badge_texts("old-review") == ["Not updated: the latest edit could not be built",
                                         "Review overdue"]
    assert badge_texts("knee-test") == []
    assert badge_texts("wrist-new") == ["Could not be built"]


def test_failed_handouts_on_the_page(page):
    from playwright.sync_api import expect

    never = page.locator("#h-wrist-new")
    expect(never).to_be_visible()
    expect(never.get_by_role("heading")).to_have_text(
        "Wrist fracture test handout / Folleto de prueba de fractura de muñeca")
    reason = never.locator(".reason")
    expect(reason).to_have_text(re.compile(
        r"^Reason: handouts/wrist-new\.yaml:11:9: reviewed\.date: clinical review overdue since "
        r"2021-01-15"))
    expect(never.locator(".no-pdf")).to_have_text("No PDF yet. Ask whoever edits the handouts.")
    assert never.get_by_role("link").count() == 0
    # the older PDFs of a handout whose latest edit failed: still there, and say so
    older = page.locator("#h-old-review")
    expect(older.locator(".print-label")).to_have_text(
        "Open the last PDF that was built (it may be out of date):")
    link = older.get_by_role("link", name="Bilingual")
    expect(link).to_have_accessible_description(
        "Old review test handout / Folleto de prueba con revisión antigua Not updated: the "
        "latest edit could not be built")
    page.get_by_label("Search by name, ID or specialty").fill("wrist fracture")
    assert visible_ids(page) == ["wrist-new"]
    assert page.text_content("#count") == "Handouts shown: 1 of 5"
    page.get_by_role("button", name="Español").click()
    assert visible_ids(page) == ["wrist-new"]
    assert page.text_content("#count") == "Folletos mostrados: 1 de 5"
    expect(never.locator(".badge:visible")).to_have_text(["No se pudo generar"])
    expect(never.locator(".no-pdf")).to_have_text(
        "Todavía no hay PDF. Pregunte a quien edita los folletos.")
    expect(reason).to_have_text(re.compile(r"^Motivo: handouts/wrist-new\.yaml:11:9: "))
    expect(never.locator(".title.primary")).to_have_text("Folleto de prueba de fractura de muñeca")
    assert "Archivo: handouts/wrist-new.yaml" in never.locator(".meta").text_content()
    page.get_by_label("Buscar por nombre, clave o especialidad").fill("")
    expect(older.locator(".badge:visible")).to_have_text([
        "Sin actualizar: no se pudo generar la última modificación", "Revisión vencida"])
    expect(older.locator(".print-label")).to_have_text(
        "Abra el último PDF generado (puede estar desactualizado):")
    assert page.errors == []


def test_language_switch_swaps_labels_and_lang(page):
    assert page.evaluate("document.documentElement.lang") == "en-US"
    page.get_by_role("button", name="Español").click()
    assert page.evaluate("document.documentElement.lang") == "es-MX"
    assert page.text_content("h1") == "Folletos para pacientes"
    assert page.get_by_label("Buscar por nombre, clave o especialidad").count() == 1
    assert page.text_content("#count") == "Folletos mostrados: 5 de 5"
    assert page.locator("#h-old-review .badge.review-overdue").text_content() == \
        "Revisión vencida"
    assert page.locator("#h-hemilaminectomy .badge:visible").all_text_contents() == [
        "Pendiente de revisión clínica"]
    links = page.locator("#h-hemilaminectomy .links a").all_text_contents()
    assert links == ["Bilingüe", "Inglés", "Español"]
    assert page.text_content("#h-hemilaminectomy .title.primary") == "Hemilaminectomía"
    # never reviewed: when it was last edited, beside its "pending" badge; reviewed: by whom
    assert "Actualizado: noviembre de 2026" in page.text_content("#h-hemilaminectomy .meta")
    assert "Revisado en noviembre de 2026 por un cirujano de columna" in page.text_content(
        "#h-knee-test .meta")
    assert page.get_by_role("button", name="Español").get_attribute("aria-pressed") == "true"
    assert page.title().startswith("Folletos para pacientes")
    page.get_by_role("button", name="English").click()
    assert page.evaluate("document.documentElement.lang") == "en-US"
    assert page.text_content("h1") == "Patient handouts"
    assert "Updated November 2026" in page.text_content("#h-hemilaminectomy .meta")
    assert "Reviewed November 2026 by a spine surgeon" in page.text_content("#h-knee-test .meta")
    assert page.errors == []


def test_keyboard_only(page):
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("rodilla")
    assert visible_ids(page) == ["knee-test"]
    page.keyboard.press("Tab")  # English
    page.keyboard.press("Tab")  # Español
    assert page.evaluate("document.activeElement.textContent") == "Español"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # a visible focus ring
    page.keyboard.press("Enter")
    assert page.evaluate("document.documentElement.lang") == "es-MX"
    page.keyboard.press("Tab")  # into the first visible card's links
    focused = page.evaluate("[document.activeElement.tagName, document.activeElement.textContent,"
                            " document.activeElement.getAttribute('href')]")
    assert focused == ["A", "Bilingüe", "knee-test/knee-test.bilingual.pdf"]
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"


def test_follow_a_link_to_its_pdf(page, site):
    manifest = json.loads((site / MANIFEST).read_text())["outputs"]
    link = page.locator("#h-hemilaminectomy .links a", has_text="Spanish")
    href = link.evaluate("a => a.href")
    pdf = Path(unquote(urlparse(href).path))
    assert pdf == site / "hemilaminectomy" / "hemilaminectomy.es.pdf"
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == \
        manifest["hemilaminectomy/hemilaminectomy.es.pdf"]["sha256"]
    catalog_requests = list(page.requests)
    link.click()
    page.wait_for_url(href)
    assert page.url == href
    assert catalog_requests and all(url.startswith("file://") for url in catalog_requests)
    # Chromium's own PDF viewer loads from chrome:// and chrome-extension://; nothing else
    assert all(urlparse(url).scheme in ("file", "chrome", "chrome-extension")
               for url in page.requests), page.requests


def test_no_request_leaves_the_page_and_thumbnails_load(page):
    page.wait_for_load_state("load")
    for img in page.locator("img.thumb").all():
        img.scroll_into_view_if_needed()
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert page.locator("img.thumb").count() == 4
    assert page.requests and all(url.startswith("file://") for url in page.requests), page.requests
    assert any(url.endswith(".png") for url in page.requests)
    assert page.errors == []


def test_phone_width_and_zoom_no_sideways_scrolling(browser, site):
    for width, scale in ((375, 1), (640, 2)):  # 1280 px at 200% zoom is 640 CSS px
        context = browser.new_context(viewport={"width": width, "height": 800},
                                      device_scale_factor=scale)
        tab = context.new_page()
        tab.clock.set_fixed_time(NOW)
        tab.goto((site / INDEX).as_uri())
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        assert tab.locator("#h-script-title").bounding_box()["width"] <= width
        assert tab.locator("#h-wrist-new").bounding_box()["width"] <= width
        context.close()


def test_printed_page_is_a_clean_list(browser, site):
    context = browser.new_context()
    tab = context.new_page()
    tab.clock.set_fixed_time(NOW)  # the page re-checks 'review overdue' by its own clock
    tab.goto((site / INDEX).as_uri())
    tab.emulate_media(media="print")
    for hidden in ("#controls", "img.thumb", ".links"):
        assert tab.locator(hidden).first.is_hidden(), hidden
    assert tab.locator(".card:visible").count() == 5  # the handout that failed too
    assert tab.locator(".title:visible").count() == 10  # both titles of each handout
    for badge in ("#h-old-review .badge.review-overdue", "#h-old-review .badge.not-updated",
                  "#h-wrist-new .badge.build-failed"):
        ink = tab.eval_on_selector(badge, "b => [getComputedStyle(b).color, "
                                   "getComputedStyle(b).backgroundColor]")
        assert ink == ["rgb(0, 0, 0)", "rgba(0, 0, 0, 0)"], badge  # prints on any printer
    assert tab.locator("#h-wrist-new .reason").is_visible()
    assert tab.locator("#h-wrist-new .no-pdf").is_visible()
    context.close()


def test_screenshot(page, tmp_path):
    """A picture of the page; PDFGEN_UPDATE_PREVIEWS=1 stores it as docs/previews/index.png."""
    page.locator("img.thumb").last.scroll_into_view_if_needed()
    page.wait_for_function("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    page.evaluate("window.scrollTo(0, 0)")
    shot = page.screenshot(full_page=True)
    assert shot.startswith(b"\x89PNG") and len(shot) > 20_000
    if os.environ.get("PDFGEN_UPDATE_PREVIEWS") == "1":
        (Path(__file__).parent.parent / "docs" / "previews" / "index.png").write_bytes(shot)


def test_a_png_pdfgen_did_not_write_is_never_replaced(library, tmp_path):
    out = tmp_path / "out"
    (out / "hemilaminectomy").mkdir(parents=True)
    staff = out / thumb_rel("hemilaminectomy/hemilaminectomy.bilingual.pdf")
    staff.write_bytes(b"a photo the front desk saved here")
    result = build_library(library, out, jobs=1)
    assert staff.read_bytes() == b"a photo the front desk saved here"
    assert any("not written by pdfgen" in str(f) for f in result.findings)


def test_the_builds_date_decides_the_badges(library, tmp_path, monkeypatch):
    monkeypatch.setenv("PDFGEN_TODAY", "2019-01-01")  # would hide every overdue badge
    text = (library / "hemilaminectomy.yaml").read_text(encoding="utf-8")
    (library / "hemilaminectomy.yaml").write_text(signed_off(text), encoding="utf-8")
    out = tmp_path / "out"
    build_library(library, out, jobs=1, today=dt.date(2026, 11, 26))
    later = build_library(library, out, jobs=1, today=dt.date(2028, 1, 1))
    assert [f.rule for f in later.findings if f.severity == "error"] == ["review-overdue"]
    shown = [a["data-label"] for t, a in tags((out / INDEX).read_text())
             if "badge" in a.get("class", "").split() and "hidden" not in a]
    assert shown == ["review_overdue"]


def test_a_build_that_changed_nothing_leaves_the_page_alone(library, tmp_path):
    out = tmp_path / "out"
    build_library(library, out, jobs=1)
    first = _inode(out / INDEX)
    assert build_library(library, out, jobs=1).built == []
    assert _inode(out / INDEX) == first  # not rewritten: a large library's no-op stays quick
    (out / "hemilaminectomy" / "hemilaminectomy.bilingual.png").unlink()
    build_library(library, out, jobs=1)  # a thumbnail gone: the page is made again
    assert _inode(out / INDEX) != first
    assert (out / "hemilaminectomy" / "hemilaminectomy.bilingual.png").exists()
