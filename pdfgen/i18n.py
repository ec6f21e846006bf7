"""Labels and dates: gettext catalogs (managed with Babel) and Babel's locale date formats."""

from __future__ import annotations

import datetime as dt
import gettext
from functools import cache
from pathlib import Path

from .errors import record

_set = object.__setattr__  # how a frozen record's __init__ sets its fields (errors.record)

LOCALE_DIR = Path(__file__).resolve().parent / "locales"
SOURCE_LANGUAGE = "en"  # the labels are written in English; other languages need a catalog
DOMAIN = "messages"


def _(message: str) -> str:
    """Marks a label for extraction (pybabel extract); translated by Labels at render time."""
    return message


# Every fixed string the renderer prints. Source language: English (en-US).
LABELS = {
    "patient_information": _("Patient information"),
    "summary": _("Summary"),
    "blank_page": _("This page is intentionally blank."),
    "benefits": _("What are the benefits?"),
    "risks": _("What are the risks?"),
    "risks_differ": _("Risks are different for each person. Ask your surgeon about your own "
                      "risks."),
    "alternatives": _("What other choices do I have?"),
    "doing_nothing": _("If you choose not to have treatment"),
    "prompts": _("Questions to discuss with your surgeon"),
    "prompts_hint": _("Check each box when you have talked about it."),
    # what a screen reader says for a checklist's drawn box (its alternate text)
    "unchecked_box": _("Unchecked box"),
    "notes": _("Notes and my own questions"),
    "notes_hint": _("Write your questions here."),
    "call_when": _("When to call us"),
    "call_when_intro": _("Call us right away if:"),
    "emergency_intro": _("Call 911 or go to the emergency room right away if:"),
    "emergency_line": _("In an emergency, call 911 or go to the nearest emergency room."),
    "contact_specialty": _("To talk with one of our %(specialty)s, call %(phone)s."),
    "telemedicine": _("Video visits (telemedicine) are available."),
    "phone": _("Phone"),
    "fax": _("Fax"),
    "web": _("Web"),
    "page_of": _("Page %(page)d of %(pages)d"),
    "version": _("Version %(version)s"),
    "reviewed": _("Reviewed %(date)s"),  # a handout in the old shape: no role to print
    "reviewed_by": _("Reviewed %(date)s by %(role)s"),  # role: "a spine surgeon"
    "updated": _("Updated %(date)s"),  # last edited; printed with "Pending clinical review"
    "pending_review": _("Pending clinical review"),
    "review_overdue": _("Review overdue"),
    "translation_review": _("Translation under review"),
    "signature_heading": _("Signatures"),
    "signature_hint": _("Sign after you have talked with your surgeon about this handout."),
    "patient_name": _("Patient name"),
    "patient_signature": _("Patient signature"),
    "date": _("Date"),
    "interpreter_used": _("Interpreter used"),
    "yes": _("Yes"),
    "no": _("No"),
    "interpreter_id": _("Interpreter name or ID"),
    "sources": _("Sources"),
    # the QR code to the handout's web address (clinic.yaml handout_url), and the address
    # printed beneath it; address: "www.example.org/en/procedures/hemilaminectomy"
    "qr_alt": _("QR code. Scan it with a phone camera to open this handout on our web site: "
                "%(address)s"),
    "qr_text": _("This handout online: %(address)s"),
    "subject": _("Patient information: %(title)s"),
    # The email that carries a handout to a patient (pdfgen/mail.py).
    "email_subject": _("%(title)s: information from %(clinic)s"),
    "email_greeting": _("Hello,"),
    "email_greeting_name": _("Hello %(name)s,"),
    "email_intro": _("We are sending you the information about your procedure: %(title)s. "
                     "It is in the attached PDF file. You can open it on your phone or "
                     "computer, or print it."),
    "email_read": _("Please read it before your visit. Write down your questions and bring "
                    "them with you."),
    "email_questions": _("If you have questions, call us at %(phone)s."),
    "email_emergency": _("In an emergency, call 911."),
    "email_closing": _("Sincerely,"),
}


@record
class Labels:
    """The renderer's fixed strings and date format in one locale."""

    locale: str  # BCP 47, e.g. es-MX
    texts: dict[str, str]

    def __init__(self, locale, texts) -> None:
        _set(self, "locale", locale)
        _set(self, "texts", texts)

    def __getitem__(self, key: str) -> str:
        return self.texts[key]

    def format(self, key: str, **values) -> str:
        return self.texts[key] % values

    def review_words(self, date: dt.date, pending: bool, role: str = "") -> str:
        """What a handout says of its review, the warning left out: "Reviewed November 2026
        by a spine surgeon"; never reviewed, "Updated November 2026" (said with "Pending
        clinical review"); reviewed, in the old shape that names no role, "Reviewed
        November 2026"."""
        when = self.month_year(date)
        if pending:
            return self.format("updated", date=when)
        if role:
            return self.format("reviewed_by", date=when, role=role)
        return self.format("reviewed", date=when)

    def month_year(self, date: dt.date) -> str:
        """A date as month and year in this locale: 'November 2026', 'noviembre de 2026'.

        Babel's answer, kept in the on-disk cache (pdfgen/diskcache.py) by locale, date and
        Babel's version (babel_key): importing babel.dates and reading its calendar data
        costs a short `pdfgen render` about 10 ms for the one date its footer prints."""
        return _month_year(self.locale, date)


@cache
def babel_key() -> str:
    """Babel's version, for the keys of its answers kept in the on-disk cache (the footer's
    date here, the loader's check of each clinic locale): the SHA-256 of the installed
    package's __init__.py, which states the version, read without importing Babel (its core
    costs a `pdfgen render` about 4 ms, and a render of cached content needs nothing else
    of it). Babel's own version when it cannot be read so (then Babel is imported)."""
    import hashlib
    import importlib.util
    import sys

    module = sys.modules.get("babel")
    try:
        spec = module.__spec__ if module is not None else importlib.util.find_spec("babel")
        with open(spec.origin, "rb") as fh:
            return "sha256:" + hashlib.sha256(fh.read()).hexdigest()
    except (AttributeError, TypeError, ValueError, OSError):
        import babel

        return babel.__version__


_MONTH_YEAR: dict[tuple[str, dt.date], str] = {}


def _month_year(locale: str, date: dt.date) -> str:
    text = _MONTH_YEAR.get((locale, date))
    if text is None:
        from .diskcache import cached_bytes

        key = f"{locale}\0{date.isoformat()}\0{babel_key()}".encode()
        text = cached_bytes("month-year", key, lambda _: _format_month_year(locale, date))
        if type(text) is not str:  # an entry of another shape: Babel's answer
            text = _format_month_year(locale, date)
        _MONTH_YEAR[(locale, date)] = text
    return text


def _format_month_year(locale: str, date: dt.date) -> str:
    from babel.dates import format_skeleton

    return format_skeleton("yMMMM", date, locale=locale.replace("-", "_"))


def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog for a locale (es-MX falls back to es); English needs none."""
    babel_locale = locale.replace("-", "_")  # zh-Hans-CN: zh_Hans_CN, zh_Hans, zh
    parts = babel_locale.split("_")
    candidates = ["_".join(parts[:n]) for n in range(len(parts), 0, -1)]
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=candidates, fallback=True)


@cache
def labels_for(locale: str) -> Labels:
    """All labels translated for a locale; cached, so catalogs load once per process."""
    tr = translations(locale)
    return Labels(locale, {key: tr.gettext(msg) for key, msg in LABELS.items()})


@cache
def catalog_languages() -> list[str]:
    """Languages that have a compiled catalog under pdfgen/locales/."""
    return sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
