"""Labels come from gettext catalogs: complete, compiled and in step with the code."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from pdfgen.i18n import LABELS, LOCALE_DIR, catalog_languages, labels_for

REPO_PDFGEN = LOCALE_DIR.parent


def _po(lang: str):
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


def test_every_label_is_in_the_template():
    with open(LOCALE_DIR / "messages.pot", "rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    extracted = {msg for _, _, msg, _, _ in extract_from_dir(str(REPO_PDFGEN),
                                                            method_map=[("**.py", "python")])}
    assert set(LABELS.values()) <= extracted
    assert extracted == template, "run pybabel extract (docs/translations.md)"


@pytest.mark.parametrize("lang", catalog_languages())
def test_catalog_translates_every_label(lang):
    catalog = _po(lang)
    missing = [msg for msg in LABELS.values() if not (catalog.get(msg) and catalog.get(msg).string)]
    assert missing == [], f"{lang} catalog lacks: {missing}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert fuzzy == [], f"{lang} has fuzzy (unchecked) translations: {fuzzy}"


@pytest.mark.parametrize("lang", catalog_languages())
def test_compiled_catalog_matches_its_source(lang):
    with open(LOCALE_DIR / lang / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    source = {m.id: m.string for m in _po(lang) if m.id and m.string}
    assert compiled == source, "run pybabel compile -d pdfgen/locales"


def test_a_catalog_missing_a_label_is_caught(tmp_path):
    po = (LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po").read_bytes()
    catalog = read_po(io.BytesIO(po))
    catalog.get(LABELS["risks"]).string = ""
    missing = [msg for msg in LABELS.values() if not catalog.get(msg).string]
    assert missing == [LABELS["risks"]]


def test_spanish_labels_and_dates():
    es = labels_for("es-MX")
    assert es["risks"] == "¿Cuáles son los riesgos?"
    assert es.format("page_of", page=2, pages=3) == "Página 2 de 3"
    assert es.month_year(dt.date(2026, 11, 1)) == "noviembre de 2026"
    en = labels_for("en-US")
    assert en.format("page_of", page=2, pages=3) == "Page 2 of 3"
    assert en.month_year(dt.date(2026, 11, 1)) == "November 2026"
    assert catalog_languages() == ["ar", "es", "vi", "zh_Hans"]


def test_arabic_labels_from_its_catalog():
    ar = labels_for("ar-EG")
    assert ar["risks"] == "ما المخاطر؟"
    assert ar.format("page_of", page=2, pages=3) == "صفحة 2 من 3"
    assert "ar" in catalog_languages()


def test_month_and_year_from_the_cache_are_babels(tmp_path, monkeypatch):
    """The footer's date is cached (issue #16: babel.dates costs a render ~10 ms to import);
    what the cache gives is what Babel says, and a bad entry is not believed."""
    from babel.dates import format_skeleton

    from pdfgen import i18n

    monkeypatch.setenv("PDFGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(i18n, "_MONTH_YEAR", {})
    days = [dt.date(2026, 11, 1), dt.date(2027, 1, 31), dt.date(2026, 5, 15)]
    for locale in ("en-US", "es-MX", "vi-VN", "zh-Hans-CN", "ar"):
        for day in days:
            want = format_skeleton("yMMMM", day, locale=locale.replace("-", "_"))
            assert labels_for(locale).month_year(day) == want  # built
            i18n._MONTH_YEAR.clear()
            assert labels_for(locale).month_year(day) == want  # read from the cache
    import hashlib
    import marshal

    from pdfgen import diskcache

    for entry in (tmp_path / "cache").glob("month-year-*.marshal"):  # a foreign shape
        payload = marshal.dumps(42)
        entry.write_bytes(diskcache.MAGIC + hashlib.sha256(payload).digest() + payload)
    i18n._MONTH_YEAR.clear()
    assert labels_for("es-MX").month_year(days[0]) == "noviembre de 2026"
