"""Handouts whose latest build failed, on the front-desk page (write_catalog's `failed`)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from pdfgen.build import MANIFEST, build_library
from pdfgen.site import INDEX, write_catalog
from pdfgen.site.page import (
    REASON_LIMIT,
    Failure,
    badges,
    cards_from_manifest,
    failures,
    page_labels,
    render_page,
)

from .test_catalog_page import add_handout, clinic, tags

DAY = dt.date(2026, 11, 26)
ORDER = ("bilingual", "en", "es")
REASON = ('handouts/knee.yaml:12:5: reviewed: clinical review overdue since 2026-01-01 '
          '<script>window.__pwned = 1</script> & "more"')
BOLD_TITLE = "Knee <b>arthroscopy</b>"


def failed_entry(**changes) -> dict:
    entry = {"file": "handouts/knee.yaml",
             "title": {"en": BOLD_TITLE, "es": "Artroscopia & rodilla"},
             "reason": REASON, "outputs": ["bilingual", "en", "es"]}
    entry.update(changes)
    return entry


def manifest_entry(hid: str, output: str, langs: list[str]) -> dict:
    return {"handout": hid, "output": output, "languages": langs, "layout": "single",
            "title": {"en": "Knee (old title)", "es": "Rodilla (título antiguo)"},
            "version": "1.0", "reviewed": "2026-01-01", "review_due": "2027-01-01",
            "pending_review": False, "specialty": "orthopedics", "sha256": "0" * 64}


def page(outputs: dict, failed) -> str:
    cards = cards_from_manifest(outputs, ORDER, "en", failed=failures(failed))
    return render_page(cards, clinic(), DAY)


def cards_part(html: str) -> str:
    """The page's list of cards (the labels of every language are elsewhere in the page)."""
    return html[html.index('<ul id="cards"'):html.index("</main>")]


def card_attrs(html: str, hid: str) -> dict:
    return next(a for t, a in tags(html) if t == "li" and a.get("data-id") == hid)


def shown_badges(html: str) -> list[str]:
    return [a["data-label"] for t, a in tags(html)
            if "badge" in a.get("class", "").split() and "hidden" not in a]


def test_a_handout_never_built_gets_a_card_without_links():
    html = page({}, {"knee": failed_entry()})
    attrs = card_attrs(html, "knee")
    assert attrs["class"] == "card failed" and attrs["id"] == "h-knee"
    assert shown_badges(html) == ["build_failed"]
    assert '<span class="badge build-failed" data-label="build_failed" id="s-knee">' \
           'Could not be built</span>' in html
    assert '<p class="no-pdf" data-label="no_pdf">No PDF yet. Ask whoever edits the handouts.' \
           in html
    assert not [a for t, a in tags(html) if t == "a"]  # no print link at all
    assert "open_to_print" not in cards_part(html) and 'class="links"' not in html
    # the reason and the titles are text, never markup
    found = tags(html)
    assert [a for t, a in found if t == "script"] == [
        {"type": "application/json", "id": "catalog-data"}, {}]  # the page's own two
    assert not [t for t, _ in found if t in ("b", "img")]
    assert ("clinical review overdue since 2026-01-01 &lt;script&gt;window.__pwned = 1"
            "&lt;/script&gt; &amp; &quot;more&quot;") in html
    assert "Knee &lt;b&gt;arthroscopy&lt;/b&gt;" in html and "Artroscopia &amp; rodilla" in html
    assert '<span class="reason-label" data-label="reason">Reason:</span> <span lang="en">' \
           'handouts/knee.yaml:12:5: reviewed:' in html
    assert "File: handouts/knee.yaml" in html
    # found by the search like any other card: titles, id and file
    for text in (BOLD_TITLE, "Artroscopia & rodilla", "knee", "handouts/knee.yaml"):
        assert text in attrs["data-search"]


def test_failure_labels_in_both_languages():
    en, es = page_labels("en-US"), page_labels("es-MX")
    assert en["build_failed"] == "Could not be built"
    assert es["build_failed"] == "No se pudo generar"
    assert en["not_updated"] == "Not updated: the latest edit could not be built"
    assert es["not_updated"] == "Sin actualizar: no se pudo generar la última modificación"
    assert es["no_pdf"] == "Todavía no hay PDF. Pregunte a quien edita los folletos."
    assert es["reason"] == "Motivo:" and es["file"] % {"file": "x"} == "Archivo: x"
    # the page carries every language's labels for its switch
    html = page({}, {"knee": failed_entry()})
    data = next(line for line in html.splitlines() if 'id="catalog-data"' in line)
    assert "No se pudo generar" in data and "Pregunte a quien edita los folletos" in data
    texts = [json.loads(a["data-l10n"]) for t, a in tags(html) if "data-l10n" in a]
    assert {"en": "File: handouts/knee.yaml", "es": "Archivo: handouts/knee.yaml"} in texts


def test_a_handout_whose_latest_edit_failed_keeps_its_older_pdfs():
    outputs = {"knee/knee.bilingual.pdf": manifest_entry("knee", "bilingual", ["en", "es"]),
               "knee/knee.es.pdf": manifest_entry("knee", "es", ["es"])}
    html = page(outputs, {"knee": failed_entry(outputs=["es"])})
    assert shown_badges(html) == ["not_updated"]
    assert "Not updated: the latest edit could not be built" in html
    assert "Could not be built" not in cards_part(html) and "No PDF yet" not in cards_part(html)
    links = [a for t, a in tags(html) if t == "a"]
    assert [a["href"] for a in links] == ["knee/knee.bilingual.pdf", "knee/knee.es.pdf"]
    # a screen reader announces the badge with each link; the label above says they are old
    assert {a["aria-describedby"] for a in links} == {"t-knee s-knee"}
    assert 'data-label="open_older">Open the last PDF that was built (it may be out of date):' \
        in html
    # the card shows the titles of the PDFs it links to; the failed edit's titles still find it
    heading = re.search(r'<h2 id="t-knee" class="titles">(.*?)</h2>', html).group(1)
    assert "Knee (old title)" in heading and "arthroscopy" not in heading
    assert BOLD_TITLE in card_attrs(html, "knee")["data-search"]
    assert "&lt;script&gt;" in html


def test_a_handout_that_did_not_load_shows_its_id():
    html = page({}, {"new-consent": failed_entry(title={}, file="handouts/new-consent.yaml")})
    assert '<h2 id="t-new-consent" class="titles"><span class="title primary">new-consent</span>' \
           in html
    assert 'class="pill"' not in html  # no specialty known: no empty pill
    cards = cards_from_manifest({}, ORDER, "en", failed=failures({"b": {}, "a": {}}))
    assert [c.id for c in cards] == ["a", "b"] and cards[0].title("es") == "a"
    assert badges(cards[0], DAY) == ["build_failed"]


@pytest.mark.parametrize("failed", [
    None, [], [1, 2, 3], "knee", 7, {"knee": None}, {"knee": [1, 2]}, {"knee": "broken"},
    {1: {"reason": "x"}}, {"": {}}, {"two words": {}}, {"x" * 201: {}}, {"tab\there": {}},
    {None: {}}, {("a",): {}},
])
def test_malformed_failed_is_ignored(failed, tmp_path):
    assert failures(failed) == {}
    result = write_catalog(tmp_path, {}, clinic(), DAY, failed=failed)
    html = result.path.read_text()
    assert "No handouts have been built yet." in html
    assert '<li class="card' not in html


def test_malformed_fields_count_as_absent():
    got = failures({
        "knee": {"file": ["x"], "title": [1, 2], "reason": 5, "outputs": [1, 2, None]},
        "hip": {"title": {"en": 5, 3: "Three", "es": "Cadera", "fr": "", "x y": "no"},
                "outputs": ["en", 7, "en", "", "bad name", {"a": 1}], "reason": None},
        "wrist": {"outputs": "en", "title": "Wrist", "file": "handouts/wrist.yaml\nsecond"},
        "ankle": {},
    })
    assert got == {
        "knee": Failure(),
        "hip": Failure(titles=(("es", "Cadera"),), outputs=("en",)),
        "wrist": Failure(file="handouts/wrist.yaml"),
        "ankle": Failure(),
    }
    html = page({}, {"knee": {"title": [1, 2], "reason": {"x": 1}, "outputs": [3]}})
    assert shown_badges(html) == ["build_failed"] and 'class="reason"' not in html


def test_reason_is_one_clipped_line_without_control_characters():
    long = "handouts/knee.yaml:1:1: " + "word " * 200
    got = failures({"knee": {"reason": "\n\n  first\x1b[31m line\u2028  \nsecond line"},
                    "hip": {"reason": long}})
    assert got["knee"].reason == "first [31m line"
    assert len(got["hip"].reason) <= REASON_LIMIT and got["hip"].reason.endswith("…")


def _inode(path: Path) -> int:
    return os.stat(path).st_ino


def test_the_page_is_rewritten_when_failures_change(tmp_path):
    target = write_catalog(tmp_path, {}, clinic(), DAY).path
    first = _inode(target)
    write_catalog(tmp_path, {}, clinic(), DAY, failed=None)
    assert _inode(target) == first  # nothing changed: not rewritten
    write_catalog(tmp_path, {}, clinic(), DAY, failed={"knee": failed_entry()})
    second = _inode(target)
    assert second != first and "Could not be built" in cards_part(target.read_text())
    write_catalog(tmp_path, {}, clinic(), DAY, failed={"knee": failed_entry()})
    assert _inode(target) == second
    write_catalog(tmp_path, {}, clinic(), DAY, failed={"knee": failed_entry(reason="other")})
    third = _inode(target)
    assert third != second and "other" in target.read_text()
    write_catalog(tmp_path, {}, clinic(), DAY, failed={})
    assert _inode(target) != third and "Could not be built" not in cards_part(target.read_text())


def test_end_to_end_with_a_real_build(library, tmp_path):
    """Two handouts fail in a real build: one never built, one whose edit broke it after a
    good build; the page is then written as the build will write it, with `failed`."""
    out = tmp_path / "out"
    knee = add_handout(library, "knee", "Knee", "Rodilla", reviewed="2026-11-01",
                       reviewed_by="Dr. Ana Ruiz", specialty="orthopedics")
    build_library(library, out, jobs=1, today=DAY)
    knee.write_text(knee.read_text().replace("updated: 2026-11-01", "updated: 2020-01-15")
                    .replace("date: 2026-11-01", "date: 2020-01-15"))
    add_handout(library, "wrist", "Wrist <b>fracture</b>", "Fractura & yeso",
                reviewed="2020-01-15", reviewed_by="Dr. Ana Ruiz")
    result = build_library(library, out, jobs=1, today=DAY)
    assert {rel.split("/")[0] for rel in result.failed} == {"knee", "wrist"}
    manifest = json.loads((out / MANIFEST).read_text())
    reasons = {f.pos.file: str(f) for f in result.findings if f.blocks(False)}
    failed = {}
    for hid, title in (("knee", {"en": "Knee", "es": "Rodilla"}),
                       ("wrist", {"en": "Wrist <b>fracture</b>", "es": "Fractura & yeso"})):
        shown = next(name for name in reasons if name.endswith(f"{hid}.yaml"))
        failed[hid] = {"file": shown, "title": title, "reason": reasons[shown],
                       "outputs": sorted(rel.split(".")[-2] for rel in result.failed
                                         if rel.startswith(f"{hid}/"))}
    # a round trip through JSON, as when it is read back from manifest.json
    failed = json.loads(json.dumps(failed))
    write_catalog(out, manifest["outputs"], clinic(), DAY, failed=failed)
    html = (out / INDEX).read_text()
    knee_card = html[html.index('id="h-knee"'):html.index("</li>\n", html.index('id="h-knee"'))]
    assert "Not updated: the latest edit could not be built" in knee_card
    assert 'href="knee/knee.bilingual.pdf"' in knee_card  # the last good PDFs stay linked
    assert "clinical review overdue since 2021-01-15" in knee_card
    wrist = html[html.index('id="h-wrist"'):]
    wrist = wrist[:wrist.index("</li>")]
    assert "Could not be built" in wrist and "No PDF yet" in wrist and "href=" not in wrist
    assert "Wrist &lt;b&gt;fracture&lt;/b&gt;" in wrist and "Fractura &amp; yeso" in wrist
    assert not (out / "wrist").exists()
